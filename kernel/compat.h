/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels ipsecme supports, keyed on what the
 * kernel headers provide (the probes in compat/probes/, compiled by
 * compat/probe.sh), never on version numbers.
 */
#ifndef IPSECME_COMPAT_H
#define IPSECME_COMPAT_H

#include <linux/skbuff.h>
#include <net/genetlink.h>

#include "compat-probed.h"

#ifdef IPSECME_HAVE_GENL_SPLIT_OPS
#define IPSECME_GENL_PRE_DOIT_ARGS \
	const struct genl_split_ops *ops, struct sk_buff *skb, \
	struct genl_info *info
#else
#define IPSECME_GENL_PRE_DOIT_ARGS \
	const struct genl_ops *ops, struct sk_buff *skb, \
	struct genl_info *info
#endif

/* Without it any user could listen to the events group. */
#ifndef IPSECME_HAVE_GENL_MCAST_CAP
#error "ipsecme needs GENL_MCAST_CAP_NET_ADMIN (Linux 6.1 or a backport)"
#endif

/* Older kernels validate every command strictly unless told otherwise. */
#ifdef IPSECME_HAVE_GENL_RESV_START_OP
#define IPSECME_GENL_RESV_START_OP(op) .resv_start_op = (op),
#else
#define IPSECME_GENL_RESV_START_OP(op)
#endif

#ifndef IPSECME_HAVE_SKB_TRY_RECV_DATAGRAM_6
#error "ipsecme needs __skb_try_recv_datagram(sk, queue, flags, off, err, last)"
#endif

#endif /* IPSECME_COMPAT_H */
