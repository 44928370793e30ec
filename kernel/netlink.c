// SPDX-License-Identifier: GPL-2.0
/*
 * The "ipsecme" generic netlink family: the module's whole control plane.
 * Policies reject what they can; handlers reject the rest with an extack
 * message. Every operation needs CAP_NET_ADMIN over the caller's netns.
 */

#include <linux/module.h>
#include <net/genetlink.h>

#include "compat.h"
#include "espintcp.h"
#include "netlink.h"
#include "netns.h"
#include "version.h"

static u64 ipsecme_features(void)
{
	u64 features = 0;

	if (IS_ENABLED(CONFIG_INET_ESPINTCP))
		features |= IPSECME_FEATURE_KERNEL_ESPINTCP;
	if (ipsecme_etcp_registered())
		features |= IPSECME_FEATURE_ESPINTCP |
			    IPSECME_FEATURE_BIND_BEFORE_SA;
	return features;
}

static int ipsecme_put_stats(struct sk_buff *skb, struct ipsecme_net *in)
{
	struct nlattr *nest;
	int stat;

	nest = nla_nest_start(skb, IPSECME_A_INFO_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (stat = IPSECME_A_STAT_PAD + 1; stat <= IPSECME_A_STAT_MAX; stat++) {
		if (nla_put_u64_64bit(skb, stat, ipsecme_stat_read(in, stat),
				      IPSECME_A_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ipsecme_fill_info(struct sk_buff *skb, struct genl_info *info,
			     bool host_admin)
{
	struct ipsecme_net *in = ipsecme_net(genl_info_net(info));
	void *hdr;

	hdr = genlmsg_put_reply(skb, info, &ipsecme_genl_family, 0,
				IPSECME_CMD_GET_INFO);
	if (!hdr)
		return -EMSGSIZE;
	/* How many namespaces the host has is the host's business: a
	 * container's root (CAP_NET_ADMIN in its own user namespace) does
	 * not learn it.
	 */
	if (nla_put_string(skb, IPSECME_A_INFO_VERSION, IPSECME_VERSION) ||
	    nla_put_u64_64bit(skb, IPSECME_A_INFO_FEATURES, ipsecme_features(),
			      IPSECME_A_INFO_PAD) ||
	    (host_admin &&
	     nla_put_u32(skb, IPSECME_A_INFO_NETNS_COUNT,
			 ipsecme_netns_count())) ||
	    ipsecme_put_stats(skb, in)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int ipsecme_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	/* @skb is the request: whether its sender is the host's admin. */
	err = ipsecme_fill_info(msg, info,
				netlink_capable(skb, CAP_NET_ADMIN));
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Every command changes or reveals state reserved to CAP_NET_ADMIN in the
 * namespace's user namespace. For doit commands the check is made here
 * rather than through GENL_UNS_ADMIN_PERM so that a refused caller learns
 * why from extack. Dumps keep the flag: 6.1 gives their start callback no
 * extack to write to.
 */
static int ipsecme_nl_check_admin(struct sk_buff *skb, struct net *net,
				  struct netlink_ext_ack *extack)
{
	if (netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG(extack, "CAP_NET_ADMIN is required in the network namespace");
	return -EPERM;
}

/* Counts only the requests that a handler really runs. */
static int ipsecme_nl_pre_doit(IPSECME_GENL_PRE_DOIT_ARGS)
{
	struct net *net = genl_info_net(info);
	int err;

	err = ipsecme_nl_check_admin(skb, net, info->extack);
	if (err)
		return err;
	ipsecme_stat_inc(ipsecme_net(net), IPSECME_A_STAT_GENL_REQUESTS);
	return 0;
}

/* Requests carry no GET_INFO attributes: they only appear in replies.
 * Types past the maximum are rejected by strict validation.
 */
#define IPSECME_REPLY_ONLY \
	{ .type = NLA_REJECT, .reject_message = "reply-only attribute" }

static const struct nla_policy ipsecme_nl_policy[IPSECME_A_INFO_MAX + 1] = {
	[IPSECME_A_INFO_PAD]		= IPSECME_REPLY_ONLY,
	[IPSECME_A_INFO_VERSION]	= IPSECME_REPLY_ONLY,
	[IPSECME_A_INFO_FEATURES]	= IPSECME_REPLY_ONLY,
	[IPSECME_A_INFO_NETNS_COUNT]	= IPSECME_REPLY_ONLY,
	[IPSECME_A_INFO_STATS]		= IPSECME_REPLY_ONLY,
};

static const struct genl_small_ops ipsecme_nl_ops[] = {
	{
		.cmd = IPSECME_CMD_GET_INFO,
		.doit = ipsecme_nl_get_info,
	},
};

/* BOUND has a group of its own: a daemon that binds hundreds of SAs at
 * once must not see its CONN_LOST events crowded out by its own BINDs.
 */
static const struct genl_multicast_group ipsecme_nl_mcgrps[] = {
	[IPSECME_NL_MCGRP_EVENTS] = {
		.name = IPSECME_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN,
	},
	[IPSECME_NL_MCGRP_BINDINGS] = {
		.name = IPSECME_MCGRP_BINDINGS, .flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family ipsecme_genl_family __ro_after_init = {
	.name = IPSECME_GENL_NAME,
	.version = IPSECME_GENL_VERSION,
	.maxattr = IPSECME_A_INFO_MAX,
	.policy = ipsecme_nl_policy,
	.netnsok = true,
	.parallel_ops = true,
	.pre_doit = ipsecme_nl_pre_doit,
	.module = THIS_MODULE,
	.small_ops = ipsecme_nl_ops,
	.n_small_ops = ARRAY_SIZE(ipsecme_nl_ops),
	/* Set in ipsecme_genl_init(): the table lives in netlink_etcp.c. */
	.ops = ipsecme_nl_etcp_ops,
	IPSECME_GENL_RESV_START_OP(IPSECME_CMD_GET_INFO + 1)
	.mcgrps = ipsecme_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ipsecme_nl_mcgrps),
};

int __init ipsecme_genl_init(void)
{
	ipsecme_genl_family.n_ops = ipsecme_nl_etcp_n_ops;
	return genl_register_family(&ipsecme_genl_family);
}

void ipsecme_genl_uninit(void)
{
	genl_unregister_family(&ipsecme_genl_family);
}
