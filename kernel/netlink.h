/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPSECME_NETLINK_H
#define IPSECME_NETLINK_H

#include <net/genetlink.h>

struct ipsecme_etcp;

extern struct genl_family ipsecme_genl_family;

/* Indexes into the family's multicast groups. */
enum {
	IPSECME_NL_MCGRP_EVENTS,
	IPSECME_NL_MCGRP_BINDINGS,
};

int ipsecme_genl_init(void);
void ipsecme_genl_uninit(void);

/* netlink_etcp.c: the ESP-in-TCP commands and events. */
extern const struct genl_ops ipsecme_nl_etcp_ops[];
extern const unsigned int ipsecme_nl_etcp_n_ops;
void ipsecme_nl_notify_conn_lost(struct ipsecme_etcp *ctx, unsigned int n);

#endif /* IPSECME_NETLINK_H */
