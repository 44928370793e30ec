/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SA bindings: which plain ESP SA (netns, family, daddr, SPI) sends its
 * packets over which espintcp socket.
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

/**
 * struct ipsecme_binding - one SA carried over ESP-in-TCP
 * @hnode: entry in &ipsecme_net.bindings (RCU readers, writers under lock)
 * @sock_node: entry in &ipsecme_etcp.bindings while active
 * @ctx: the socket's ULP state, NULL while dormant (RCU)
 * @x: the SA, referenced
 * @daddr: key: the SA's destination
 * @spi: key: the SA's SPI
 * @family: key: the SA's family
 * @ino: inode of the bound socket, 0 while dormant
 * @tx_packets: packets queued to a stream
 * @tx_drops: packets dropped (dormant, queue full, socket closing)
 * @rcu: frees the binding after packet-path readers
 */
struct ipsecme_binding {
	struct hlist_node hnode;
	struct list_head sock_node;
	struct ipsecme_etcp __rcu *ctx;
	struct xfrm_state *x;
	xfrm_address_t daddr;
	__be32 spi;
	u16 family;
	u64 ino;
	atomic64_t tx_packets;
	atomic64_t tx_drops;
	struct rcu_head rcu;
};

int ipsecme_bind(struct ipsecme_net *in, u16 family,
		 const xfrm_address_t *daddr, __be32 spi, struct socket *sock,
		 struct netlink_ext_ack *extack);
int ipsecme_unbind(struct ipsecme_net *in, u16 family,
		   const xfrm_address_t *daddr, __be32 spi,
		   struct netlink_ext_ack *extack);

unsigned int ipsecme_bind_sock_lost(struct ipsecme_etcp *ctx);
void ipsecme_bind_sock_gone(struct ipsecme_etcp *ctx);

int ipsecme_bind_net_init(struct ipsecme_net *in);
void ipsecme_bind_net_uninit(struct ipsecme_net *in);
void ipsecme_bind_net_flush(struct ipsecme_net *in);
int ipsecme_bind_init(void);
void ipsecme_bind_uninit(void);

#endif /* IPSECME_SA_BIND_H */
