// SPDX-License-Identifier: GPL-2.0
/* ip_route_input_noref() takes a u8 TOS and returns an errno (until 6.13;
 * later a dscp_t and a drop reason).
 */
#include <net/route.h>

int (*probe_route)(struct sk_buff *, __be32, __be32, u8,
		   struct net_device *) = ip_route_input_noref;
