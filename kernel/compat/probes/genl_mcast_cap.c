// SPDX-License-Identifier: GPL-2.0
/* Multicast groups can require CAP_NET_ADMIN to join. */
#include <net/genetlink.h>

struct genl_multicast_group probe_group = {
	.name = "probe", .flags = GENL_MCAST_CAP_NET_ADMIN,
};
