/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPSECME_NETLINK_H
#define IPSECME_NETLINK_H

#include <net/genetlink.h>

extern struct genl_family ipsecme_genl_family;

int ipsecme_genl_init(void);
void ipsecme_genl_uninit(void);

#endif /* IPSECME_NETLINK_H */
