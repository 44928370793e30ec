// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace state. Every namespace gets a struct ipsecme_net
 * for as long as the module is loaded; the core allocates it (.size) and
 * frees it after .exit, so nothing here needs its own refcount.
 */

#include <linux/atomic.h>
#include <linux/module.h>

#include "espintcp.h"
#include "netns.h"
#include "sa_bind.h"

unsigned int ipsecme_net_id __read_mostly;
static atomic_t ipsecme_netns_live = ATOMIC_INIT(0);

u64 ipsecme_stat_read(struct ipsecme_net *in, enum ipsecme_stat_attr stat)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct ipsecme_pcpu_stats *s = per_cpu_ptr(in->stats, cpu);
		unsigned int start;
		u64 v;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v = u64_stats_read(&s->cnt[stat]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum += v;
	}
	return sum;
}

u32 ipsecme_netns_count(void)
{
	return atomic_read(&ipsecme_netns_live);
}

static int __net_init ipsecme_net_init(struct net *net)
{
	struct ipsecme_net *in = ipsecme_net(net);
	int cpu, err;

	in->net = net;
	in->stats = alloc_percpu(struct ipsecme_pcpu_stats);
	if (!in->stats)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(in->stats, cpu)->syncp);
	spin_lock_init(&in->lock);
	hash_init(in->bindings);
	INIT_LIST_HEAD(&in->conns);
	err = ipsecme_bind_net_init(in);
	if (err) {
		free_percpu(in->stats);
		return err;
	}
	atomic_inc(&ipsecme_netns_live);
	return 0;
}

static void __net_exit ipsecme_net_exit(struct net *net)
{
	struct ipsecme_net *in = ipsecme_net(net);

	/* Hooks first, so no packet finds a binding, then the bindings. */
	ipsecme_bind_net_uninit(in);
	ipsecme_etcp_net_exit(in);
	ipsecme_bind_net_flush(in);
	free_percpu(in->stats);
	in->stats = NULL;
	atomic_dec(&ipsecme_netns_live);
}

static struct pernet_operations ipsecme_net_ops = {
	.init = ipsecme_net_init,
	.exit = ipsecme_net_exit,
	.id = &ipsecme_net_id,
	.size = sizeof(struct ipsecme_net),
};

int ipsecme_netns_init(void)
{
	return register_pernet_subsys(&ipsecme_net_ops);
}

void ipsecme_netns_uninit(void)
{
	unregister_pernet_subsys(&ipsecme_net_ops);
}
