/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPSECME_NETNS_H
#define IPSECME_NETNS_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "uapi/linux/ipsecme.h"

/* Counters indexed by enum ipsecme_stat_attr; slots 0 and 1 stay unused so
 * that the index is the netlink attribute type.
 */
struct ipsecme_pcpu_stats {
	u64_stats_t cnt[__IPSECME_A_STAT_MAX];
	struct u64_stats_sync syncp;
};

/**
 * struct ipsecme_net - ipsecme state of one network namespace
 * @net: the namespace (not refcounted: this struct lives exactly as long)
 * @stats: per-CPU counters, summed when userspace asks
 * @lock: serialises writers of @bindings, @n_bindings and @conns (BH-safe:
 *	the xfrm notifier may run from a timer)
 * @bindings: SA bindings (sa_bind.c), read under RCU on the packet path
 * @n_bindings: entries in @bindings, bounded by IPSECME_BIND_MAX
 * @conns: live espintcp sockets of this namespace (espintcp.c)
 */
struct ipsecme_net {
	struct net *net;
	struct ipsecme_pcpu_stats __percpu *stats;
	spinlock_t lock;
	DECLARE_HASHTABLE(bindings, 8);
	unsigned int n_bindings;
	struct list_head conns;
};

extern unsigned int ipsecme_net_id;

static inline struct ipsecme_net *ipsecme_net(const struct net *net)
{
	return net_generic(net, ipsecme_net_id);
}

static inline void ipsecme_stat_add(struct ipsecme_net *in,
				    enum ipsecme_stat_attr stat, u64 n)
{
	struct ipsecme_pcpu_stats *s = get_cpu_ptr(in->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->cnt[stat], n);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(in->stats);
}

static inline void ipsecme_stat_inc(struct ipsecme_net *in,
				    enum ipsecme_stat_attr stat)
{
	ipsecme_stat_add(in, stat, 1);
}

u64 ipsecme_stat_read(struct ipsecme_net *in, enum ipsecme_stat_attr stat);
u32 ipsecme_netns_count(void);

int ipsecme_netns_init(void);
void ipsecme_netns_uninit(void);

#endif /* IPSECME_NETNS_H */
