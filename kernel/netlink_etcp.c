// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink commands of ESP-in-TCP: BIND, UNBIND, the binding and
 * connection dumps, the CONN_LOST and BOUND events. Policies check types
 * and sizes; handlers check what depends on other attributes and say why
 * in the extack message.
 */

#include <linux/file.h>
#include <linux/net.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "espintcp.h"
#include "netlink.h"
#include "netns.h"
#include "sa_bind.h"

/* BIND and UNBIND name an SA the same way; BIND adds the socket. */
#define IPSECME_NL_SA_POLICY \
	[IPSECME_A_BIND_FAMILY] = { .type = NLA_U16 }, \
	[IPSECME_A_BIND_DADDR] = NLA_POLICY_MIN_LEN(sizeof(struct in_addr)), \
	[IPSECME_A_BIND_SPI] = { .type = NLA_BE32 }, \
	[IPSECME_A_BIND_MARK] = { .type = NLA_U32 }, \
	[IPSECME_A_BIND_MARK_MASK] = { .type = NLA_U32 }, \
	[IPSECME_A_BIND_IF_ID] = { .type = NLA_U32 }

static const struct nla_policy ipsecme_nl_sa_policy[IPSECME_A_BIND_MAX + 1] = {
	IPSECME_NL_SA_POLICY,
};

static const struct nla_policy ipsecme_nl_bind_policy[IPSECME_A_BIND_MAX + 1] = {
	IPSECME_NL_SA_POLICY,
	[IPSECME_A_BIND_FD] = { .type = NLA_S32 },
	[IPSECME_A_BIND_FLAGS] = NLA_POLICY_MASK(NLA_U32,
						 IPSECME_BIND_F_BEFORE_SA),
};

static u32 ipsecme_nl_get_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

/* The SA named by a request: family, zero-padded destination, SPI, and
 * the mark and if_id that default to 0.
 */
static int ipsecme_nl_parse_sa(struct genl_info *info,
			       struct ipsecme_bind_key *k)
{
	struct nlattr **tb = info->attrs;
	int alen;

	if (GENL_REQ_ATTR_CHECK(info, IPSECME_A_BIND_FAMILY) ||
	    GENL_REQ_ATTR_CHECK(info, IPSECME_A_BIND_DADDR) ||
	    GENL_REQ_ATTR_CHECK(info, IPSECME_A_BIND_SPI)) {
		NL_SET_ERR_MSG(info->extack,
			       "Family, destination address and SPI are required");
		return -EINVAL;
	}
	memset(k, 0, sizeof(*k));
	k->family = nla_get_u16(tb[IPSECME_A_BIND_FAMILY]);
	if (k->family != AF_INET && k->family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[IPSECME_A_BIND_FAMILY],
				    "Family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	alen = k->family == AF_INET ? sizeof(struct in_addr) :
				      sizeof(struct in6_addr);
	if (nla_len(tb[IPSECME_A_BIND_DADDR]) != alen) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[IPSECME_A_BIND_DADDR],
				    "Address length does not match the family");
		return -EINVAL;
	}
	nla_memcpy(&k->daddr, tb[IPSECME_A_BIND_DADDR], alen);
	k->spi = nla_get_be32(tb[IPSECME_A_BIND_SPI]);
	if (!k->spi) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[IPSECME_A_BIND_SPI],
				    "SPI must not be zero");
		return -EINVAL;
	}
	k->mark_v = ipsecme_nl_get_u32(tb, IPSECME_A_BIND_MARK);
	k->mark_m = ipsecme_nl_get_u32(tb, IPSECME_A_BIND_MARK_MASK);
	k->if_id = ipsecme_nl_get_u32(tb, IPSECME_A_BIND_IF_ID);
	if (k->mark_v & ~k->mark_m) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[IPSECME_A_BIND_MARK],
				    "Mark has bits outside its mask");
		return -EINVAL;
	}
	return 0;
}

static bool ipsecme_nl_etcp_available(struct genl_info *info)
{
	if (ipsecme_etcp_registered())
		return true;
	NL_SET_ERR_MSG(info->extack,
		       "The kernel has its own espintcp; use SAs with TCP encapsulation instead");
	return false;
}

/* The caller's fd as a TCP socket of the caller's namespace. */
static struct socket *ipsecme_nl_get_sock(struct genl_info *info, int *err)
{
	struct nlattr *attr = info->attrs[IPSECME_A_BIND_FD];
	struct socket *sock;
	struct sock *sk;

	sock = sockfd_lookup(nla_get_s32(attr), err);
	if (!sock) {
		if (*err == -ENOTSOCK)
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "File descriptor is not a socket");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "Bad file descriptor");
		return NULL;
	}
	sk = sock->sk;
	if (!sk || sock->type != SOCK_STREAM ||
	    sk->sk_protocol != IPPROTO_TCP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "File descriptor is not a TCP socket");
		*err = -EPROTOTYPE;
	} else if (!net_eq(sock_net(sk), genl_info_net(info))) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "Socket belongs to another network namespace");
		*err = -EXDEV;
	} else {
		return sock;
	}
	sockfd_put(sock);
	return NULL;
}

/* The SA's name, its binding's state and socket. */
static int ipsecme_nl_put_bind_key(struct sk_buff *skb,
				   const struct ipsecme_bind_key *k, u8 state,
				   u64 ino)
{
	int alen = k->family == AF_INET ? sizeof(struct in_addr) :
					  sizeof(struct in6_addr);

	if (nla_put_u16(skb, IPSECME_A_BIND_FAMILY, k->family) ||
	    nla_put(skb, IPSECME_A_BIND_DADDR, alen, &k->daddr) ||
	    nla_put_be32(skb, IPSECME_A_BIND_SPI, k->spi) ||
	    nla_put_u32(skb, IPSECME_A_BIND_MARK, k->mark_v) ||
	    nla_put_u32(skb, IPSECME_A_BIND_MARK_MASK, k->mark_m) ||
	    nla_put_u32(skb, IPSECME_A_BIND_IF_ID, k->if_id) ||
	    nla_put_u8(skb, IPSECME_A_BIND_STATE, state) ||
	    nla_put_u64_64bit(skb, IPSECME_A_BIND_SOCK_INO, ino,
			      IPSECME_A_BIND_PAD))
		return -EMSGSIZE;
	return 0;
}

/* BIND succeeded: multicast BOUND. Process context, best effort. */
static void ipsecme_nl_notify_bound(struct genl_info *info,
				    const struct ipsecme_bind_key *k, u8 state,
				    u64 ino)
{
	struct net *net = genl_info_net(info);
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&ipsecme_genl_family, net,
				IPSECME_NL_MCGRP_BINDINGS))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq,
			  &ipsecme_genl_family, 0, IPSECME_CMD_BOUND);
	if (!hdr || ipsecme_nl_put_bind_key(msg, k, state, ino)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&ipsecme_genl_family, net, msg, 0,
				IPSECME_NL_MCGRP_BINDINGS, GFP_KERNEL);
}

static int ipsecme_nl_bind(struct sk_buff *skb, struct genl_info *info)
{
	struct ipsecme_net *in = ipsecme_net(genl_info_net(info));
	struct ipsecme_bind_key key;
	struct socket *sock;
	bool before_sa;
	u64 ino;
	u8 state;
	int err;

	if (!ipsecme_nl_etcp_available(info))
		return -EOPNOTSUPP;
	err = ipsecme_nl_parse_sa(info, &key);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, IPSECME_A_BIND_FD)) {
		NL_SET_ERR_MSG(info->extack, "File descriptor is required");
		return -EINVAL;
	}
	before_sa = ipsecme_nl_get_u32(info->attrs, IPSECME_A_BIND_FLAGS) &
		    IPSECME_BIND_F_BEFORE_SA;
	sock = ipsecme_nl_get_sock(info, &err);
	if (!sock)
		return err;
	err = ipsecme_bind(in, &key, sock, before_sa, &state, info->extack);
	ino = sock_i_ino(sock->sk);
	sockfd_put(sock);
	if (!err)
		ipsecme_nl_notify_bound(info, &key, state, ino);
	return err;
}

static int ipsecme_nl_unbind(struct sk_buff *skb, struct genl_info *info)
{
	struct ipsecme_net *in = ipsecme_net(genl_info_net(info));
	struct ipsecme_bind_key key;
	int err;

	if (!ipsecme_nl_etcp_available(info))
		return -EOPNOTSUPP;
	err = ipsecme_nl_parse_sa(info, &key);
	if (err)
		return err;
	return ipsecme_unbind(in, &key, info->extack);
}

static int ipsecme_nl_put_binding(struct sk_buff *skb,
				  const struct ipsecme_binding *b)
{
	u8 state = !rcu_access_pointer(b->x) ? IPSECME_BIND_WAITING :
		   rcu_access_pointer(b->ctx) ? IPSECME_BIND_ACTIVE :
						IPSECME_BIND_DORMANT;

	if (ipsecme_nl_put_bind_key(skb, &b->key, state, READ_ONCE(b->ino)) ||
	    nla_put_u64_64bit(skb, IPSECME_A_BIND_TX_PACKETS,
			      atomic64_read(&b->tx_packets),
			      IPSECME_A_BIND_PAD) ||
	    nla_put_u64_64bit(skb, IPSECME_A_BIND_TX_DROPS,
			      atomic64_read(&b->tx_drops), IPSECME_A_BIND_PAD))
		return -EMSGSIZE;
	return 0;
}

static int ipsecme_nl_fill_binding(struct sk_buff *skb,
				   struct netlink_callback *cb,
				   const struct ipsecme_binding *b)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ipsecme_genl_family, NLM_F_MULTI,
			  IPSECME_CMD_GET_BINDING);
	if (!hdr)
		return -EMSGSIZE;
	if (ipsecme_nl_put_binding(skb, b)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Resumes at bucket args[0], entry args[1]. */
static int ipsecme_nl_dump_bindings(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct ipsecme_net *in = ipsecme_net(sock_net(skb->sk));
	unsigned long bkt = cb->args[0], skip = cb->args[1], i;
	struct ipsecme_binding *b;

	rcu_read_lock();
	for (; bkt < HASH_SIZE(in->bindings); bkt++, skip = 0) {
		i = 0;
		hlist_for_each_entry_rcu(b, &in->bindings[bkt], hnode) {
			if (i++ < skip)
				continue;
			if (ipsecme_nl_fill_binding(skb, cb, b)) {
				cb->args[0] = bkt;
				cb->args[1] = i - 1;
				goto out;
			}
		}
	}
	cb->args[0] = bkt;
	cb->args[1] = 0;
out:
	rcu_read_unlock();
	return skb->len;
}

static int ipsecme_nl_put_addrs(struct sk_buff *skb, const struct sock *sk)
{
	if (ipsecme_etcp_is_v6(sk))
		return nla_put_u16(skb, IPSECME_A_CONN_FAMILY, AF_INET6) ||
		       nla_put_in6_addr(skb, IPSECME_A_CONN_SADDR,
					&sk->sk_v6_rcv_saddr) ||
		       nla_put_in6_addr(skb, IPSECME_A_CONN_DADDR,
					&sk->sk_v6_daddr);
	return nla_put_u16(skb, IPSECME_A_CONN_FAMILY, AF_INET) ||
	       nla_put_in_addr(skb, IPSECME_A_CONN_SADDR, sk->sk_rcv_saddr) ||
	       nla_put_in_addr(skb, IPSECME_A_CONN_DADDR, sk->sk_daddr);
}

static int ipsecme_nl_put_conn_stats(struct sk_buff *skb,
				     struct ipsecme_etcp *ctx)
{
	struct nlattr *nest;
	int stat;

	nest = nla_nest_start(skb, IPSECME_A_CONN_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (stat = IPSECME_A_STAT_CONN_ATTACHED; stat <= IPSECME_A_STAT_MAX;
	     stat++) {
		if (nla_put_u64_64bit(skb, stat,
				      atomic64_read(&ctx->stats[stat]),
				      IPSECME_A_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ipsecme_nl_put_conn(struct sk_buff *skb, struct ipsecme_etcp *ctx,
			       unsigned int n_bindings)
{
	const struct sock *sk = ctx->sk;

	if (nla_put_u64_64bit(skb, IPSECME_A_CONN_SOCK_INO, ctx->ino,
			      IPSECME_A_CONN_PAD) ||
	    ipsecme_nl_put_addrs(skb, sk) ||
	    nla_put_u16(skb, IPSECME_A_CONN_SPORT,
			ntohs(inet_sk(sk)->inet_sport)) ||
	    nla_put_u16(skb, IPSECME_A_CONN_DPORT, ntohs(sk->sk_dport)) ||
	    nla_put_u32(skb, IPSECME_A_CONN_LOST, READ_ONCE(ctx->lost)) ||
	    nla_put_u32(skb, IPSECME_A_CONN_BINDINGS, n_bindings) ||
	    ipsecme_nl_put_conn_stats(skb, ctx))
		return -EMSGSIZE;
	return 0;
}

static int ipsecme_nl_dump_conns(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct ipsecme_net *in = ipsecme_net(sock_net(skb->sk));
	struct ipsecme_etcp *ctx;
	long i = 0;
	void *hdr;

	spin_lock_bh(&in->lock);
	list_for_each_entry(ctx, &in->conns, node) {
		if (i++ < cb->args[0])
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ipsecme_genl_family,
				  NLM_F_MULTI, IPSECME_CMD_GET_CONN);
		if (!hdr || ipsecme_nl_put_conn(skb, ctx, ctx->n_bindings)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			i--;
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	spin_unlock_bh(&in->lock);
	return skb->len;
}

/**
 * ipsecme_nl_notify_conn_lost() - multicast CONN_LOST for a socket
 * @ctx: the socket's ULP state (the socket is still alive)
 * @n: bindings that became dormant
 *
 * Process context. Best effort: no listener, no message.
 */
void ipsecme_nl_notify_conn_lost(struct ipsecme_etcp *ctx, unsigned int n)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &ipsecme_genl_family, 0,
			  IPSECME_CMD_CONN_LOST);
	if (!hdr || ipsecme_nl_put_conn(msg, ctx, n)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&ipsecme_genl_family, sock_net(ctx->sk), msg,
				0, IPSECME_NL_MCGRP_EVENTS, GFP_KERNEL);
}

const struct genl_ops ipsecme_nl_etcp_ops[] = {
	{
		.cmd = IPSECME_CMD_BIND,
		.doit = ipsecme_nl_bind,
		.policy = ipsecme_nl_bind_policy,
		.maxattr = IPSECME_A_BIND_MAX,
	},
	{
		.cmd = IPSECME_CMD_UNBIND,
		.doit = ipsecme_nl_unbind,
		.policy = ipsecme_nl_sa_policy,
		.maxattr = IPSECME_A_BIND_MAX,
	},
	{
		.cmd = IPSECME_CMD_GET_BINDING,
		.dumpit = ipsecme_nl_dump_bindings,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IPSECME_CMD_GET_CONN,
		.dumpit = ipsecme_nl_dump_conns,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

const unsigned int ipsecme_nl_etcp_n_ops = ARRAY_SIZE(ipsecme_nl_etcp_ops);
