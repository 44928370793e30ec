/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPSECME_GENL_H
#define IPSECME_GENL_H

#include "lib/nl.h"

/* Resolve generic netlink family @name. Returns its id (> 0), -ENOENT if
 * no such family is registered, or another -errno.
 */
int genl_family_id(struct nl_conn *c, const char *name);
/* The same, and the id of its multicast group @group in *group_id (-1
 * if it has none of that name).
 */
int genl_family_group(struct nl_conn *c, const char *name, const char *group,
		      int *group_id);

/* Start a request to @family carrying command @cmd (version @version). */
struct nlmsghdr *genl_msg_start(struct nl_conn *c, void *buf, uint16_t family,
				uint8_t cmd, uint8_t version, uint16_t flags);

#endif /* IPSECME_GENL_H */
