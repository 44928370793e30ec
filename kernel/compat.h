/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels ipsecme supports, keyed on what the
 * kernel headers provide (see compat/probe.sh), never on version numbers.
 */
#ifndef IPSECME_COMPAT_H
#define IPSECME_COMPAT_H

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

#endif /* IPSECME_COMPAT_H */
