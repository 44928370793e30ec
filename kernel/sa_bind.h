/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SA bindings: which plain ESP SA (netns, family, daddr, SPI, mark,
 * if_id) sends its packets over which espintcp socket.
 */
#ifndef IPSECME_SA_BIND_H
#define IPSECME_SA_BIND_H

#include <net/xfrm.h>

#include "netns.h"

struct ipsecme_etcp;

/* Per-namespace bound on bindings, so userspace cannot grow the table
 * without limit.
 */
#define IPSECME_BIND_MAX	65536
/* Bindings of one SPI value (of SAs to different peers): peers choose our
 * outbound SPIs, and all of one SPI share a hash chain that the packet
 * path walks. Random SPIs of honest peers almost never meet.
 */
#define IPSECME_BIND_PER_SPI_MAX	64

/**
 * struct ipsecme_bind_key - what names an SA, as xfrm does
 * @daddr: the SA's destination, zero-padded
 * @spi: the SA's SPI
 * @mark_v: the SA's mark value
 * @mark_m: the SA's mark mask
 * @if_id: the SA's XFRM interface id
 * @family: the SA's family
 */
struct ipsecme_bind_key {
	xfrm_address_t daddr;
	__be32 spi;
	u32 mark_v;
	u32 mark_m;
	u32 if_id;
	u16 family;
};

/**
 * struct ipsecme_binding - one SA carried over ESP-in-TCP
 * @hnode: entry in &ipsecme_net.bindings (RCU readers, writers under lock)
 * @sock_node: entry in &ipsecme_etcp.bindings while active
 * @ctx: the socket's ULP state, NULL while dormant (RCU)
 * @x: the SA, referenced; NULL while the binding waits for it to be
 *	added; set and replaced only under the namespace lock
 * @key: what names the SA; only @key.if_id changes (an SA update may
 *	change the SA's), under the namespace lock
 * @ino: inode of the bound socket, 0 while dormant
 * @tx_packets: packets queued to a stream
 * @tx_drops: packets dropped (dormant, stale, queue full, socket closing)
 * @rcu: frees the binding after packet-path readers
 */
struct ipsecme_binding {
	struct hlist_node hnode;
	struct list_head sock_node;
	struct ipsecme_etcp __rcu *ctx;
	struct xfrm_state __rcu *x;
	struct ipsecme_bind_key key;
	u64 ino;
	atomic64_t tx_packets;
	atomic64_t tx_drops;
	struct rcu_head rcu;
};

int ipsecme_bind(struct ipsecme_net *in, const struct ipsecme_bind_key *key,
		 struct socket *sock, bool before_sa, u8 *state,
		 struct netlink_ext_ack *extack);
int ipsecme_unbind(struct ipsecme_net *in, const struct ipsecme_bind_key *key,
		   struct netlink_ext_ack *extack);

unsigned int ipsecme_bind_sock_lost(struct ipsecme_etcp *ctx);

int ipsecme_bind_net_init(struct ipsecme_net *in);
void ipsecme_bind_net_uninit(struct ipsecme_net *in);
void ipsecme_bind_net_flush(struct ipsecme_net *in);
int ipsecme_bind_init(void);
void ipsecme_bind_uninit(void);

#endif /* IPSECME_SA_BIND_H */
