// SPDX-License-Identifier: GPL-2.0
/*
 * SA bindings and the output hook that steals the ESP packets of bound
 * SAs after the kernel's own ESP has built them.
 *
 * The hook sits at LOCAL_OUT, which xfrm runs for every packet it has
 * transformed (locally generated or forwarded) before fragmentation and
 * neighbour output. A bound packet leaves IP there: its outer header is
 * stripped, a 2-byte length put in front of the ESP header and the
 * record queued on the socket; TCP takes it from process context.
 *
 * Packets are matched to bindings by what is on the wire, family,
 * destination and SPI; the mark only tells apart SAs that share those,
 * and a packet that has a binding is never let out as plain ESP. The
 * table is hashed by SPI alone, so a migration that moves an SA to a new
 * destination still finds its (stale) binding.
 *
 * Lifetimes: a binding holds a reference on its SA and is removed when
 * the xfrm notifier says the SA died (delete, hard expiry, flush) or when
 * it is unbound. A binding made before its SA (a new outbound SA of a
 * rekey, whose first packet must not leave as plain ESP) waits without
 * one and takes it from the notifier when the SA is added; its packets
 * are carried by what is on the wire even before that. A socket whose
 * connection is lost or that is closed leaves its bindings dormant: they
 * keep catching (and dropping) the SA's packets so that nothing leaks out
 * as plain ESP until userspace rebinds them to a new connection (fail
 * closed).
 */

#include <linux/bitops.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/xfrm.h>

#include "espintcp.h"
#include "sa_bind.h"

/* Hashed by SPI alone: an SA that a migration moved to another
 * destination or address family keeps its SPI, so its packets still find
 * the stale binding. SPIs are chosen by peers: a secret seed keeps them
 * from aiming different SPIs at one bucket, IPSECME_BIND_PER_SPI_MAX
 * bounds how many share one SPI.
 */
static u32 ipsecme_bind_seed __read_mostly;

static u32 ipsecme_bind_hash(__be32 spi)
{
	return jhash_1word((__force u32)spi, ipsecme_bind_seed);
}

static u32 ipsecme_bind_key_hash(const struct ipsecme_bind_key *k)
{
	return ipsecme_bind_hash(k->spi);
}

static bool ipsecme_bind_key_eq(const struct ipsecme_bind_key *a,
				const struct ipsecme_bind_key *b)
{
	return a->spi == b->spi && a->family == b->family &&
	       a->mark_v == b->mark_v && a->mark_m == b->mark_m &&
	       a->if_id == b->if_id &&
	       !memcmp(&a->daddr, &b->daddr, sizeof(a->daddr));
}

/* Whether @k names @x exactly. (xfrm leaves whatever userspace gave in
 * the unused bytes of an IPv4 SA's address.)
 */
static bool ipsecme_bind_key_names(const struct ipsecme_bind_key *k,
				   const struct xfrm_state *x)
{
	return x->id.spi == k->spi && x->id.proto == IPPROTO_ESP &&
	       x->props.family == k->family && x->mark.v == k->mark_v &&
	       x->mark.m == k->mark_m && x->if_id == k->if_id &&
	       xfrm_addr_equal(&x->id.daddr, &k->daddr, k->family);
}

/* Whether the packets of @x can be carried; if not, @extack (may be
 * NULL) says why.
 */
static bool ipsecme_bind_carriable(const struct xfrm_state *x,
				   struct netlink_ext_ack *extack)
{
	if (x->encap) {
		NL_SET_ERR_MSG(extack,
			       "SA has an encapsulation template; only plain ESP SAs can be bound");
		return false;
	}
	/* Offloaded ESP is built by the device after our hook: the packet
	 * we would see is not yet encrypted.
	 */
	if (x->xso.dev || x->xso.type != XFRM_DEV_OFFLOAD_UNSPECIFIED) {
		NL_SET_ERR_MSG(extack,
			       "SA is offloaded to a device; offloaded SAs cannot be bound");
		return false;
	}
	/* On 6.1 and 6.12 an SA added while esp4_offload or esp6_offload
	 * is loaded gets the offload type even without a device, and xfrm
	 * then sends its packets down the offload path: clear text at our
	 * hook, encrypted in software only at the device's transmit.
	 */
	if (x->type_offload) {
		NL_SET_ERR_MSG(extack,
			       "SA takes the kernel's ESP offload path (esp4_offload/esp6_offload was loaded when it was added); it cannot be bound");
		return false;
	}
	return true;
}

static struct xfrm_state *ipsecme_bind_sa(struct ipsecme_net *in,
					  const struct ipsecme_binding *b)
{
	return rcu_dereference_protected(b->x, lockdep_is_held(&in->lock));
}

/* Under in->lock. */
static struct ipsecme_binding *
ipsecme_bind_lookup(struct ipsecme_net *in, const struct ipsecme_bind_key *k)
{
	struct ipsecme_binding *b;

	lockdep_assert_held(&in->lock);
	hash_for_each_possible(in->bindings, b, hnode,
			       ipsecme_bind_key_hash(k))
		if (ipsecme_bind_key_eq(&b->key, k))
			return b;
	return NULL;
}

/* Under in->lock: how many bindings have @spi (the length of its run in
 * the chain the packet path walks).
 */
static unsigned int ipsecme_bind_count_spi(struct ipsecme_net *in,
					   __be32 spi)
{
	struct ipsecme_binding *b;
	unsigned int n = 0;

	lockdep_assert_held(&in->lock);
	hash_for_each_possible(in->bindings, b, hnode, ipsecme_bind_hash(spi))
		n += b->key.spi == spi;
	return n;
}

static void ipsecme_bind_free_rcu(struct rcu_head *head)
{
	struct ipsecme_binding *b = container_of(head, struct ipsecme_binding,
						 rcu);
	struct xfrm_state *x = rcu_dereference_protected(b->x, 1);

	if (x)
		xfrm_state_put(x);
	kfree(b);
}

/* Take @b off its socket's list; it stays in the table (dormant) and
 * keeps catching, and dropping, its SA's packets.
 */
static void ipsecme_bind_detach(struct ipsecme_net *in,
				struct ipsecme_binding *b)
{
	struct ipsecme_etcp *ctx;

	lockdep_assert_held(&in->lock);
	ctx = rcu_dereference_protected(b->ctx, lockdep_is_held(&in->lock));
	if (!ctx)
		return;
	list_del_init(&b->sock_node);
	ctx->n_bindings--;
	RCU_INIT_POINTER(b->ctx, NULL);
	b->ino = 0;
}

static void ipsecme_bind_remove(struct ipsecme_net *in,
				struct ipsecme_binding *b)
{
	lockdep_assert_held(&in->lock);
	ipsecme_bind_detach(in, b);
	hash_del_rcu(&b->hnode);
	in->n_bindings--;
	call_rcu(&b->rcu, ipsecme_bind_free_rcu);
}

/* NULL, the SA of a waiting binding, has not died. */
static bool ipsecme_bind_sa_dead(const struct xfrm_state *x)
{
	return x && READ_ONCE(x->km.state) != XFRM_STATE_VALID;
}

/* @x died: drop its binding, found by the SA itself (an update may have
 * changed its if_id), any binding of its SPI whose SA died without an
 * event (a migration replaces SAs silently), and one still waiting for
 * an SA of its name (added without an event that gave it the SA).
 */
static void ipsecme_bind_sa_gone(struct ipsecme_net *in,
				 const struct xfrm_state *x)
{
	struct ipsecme_binding *b;
	struct hlist_node *tmp;

	spin_lock_bh(&in->lock);
	hash_for_each_possible_safe(in->bindings, b, tmp, hnode,
				    ipsecme_bind_hash(x->id.spi)) {
		const struct xfrm_state *bx = ipsecme_bind_sa(in, b);

		if (bx == x || (b->key.spi == x->id.spi &&
				ipsecme_bind_sa_dead(bx)) ||
		    (!bx && ipsecme_bind_key_names(&b->key, x)))
			ipsecme_bind_remove(in, b);
	}
	spin_unlock_bh(&in->lock);
}

/* An SA was updated in place with the values of @x, a copy that xfrm
 * discards afterwards: the if_id may have changed (xfrm keeps it when
 * @x has none).
 */
static void ipsecme_bind_sa_updated(struct ipsecme_net *in,
				    const struct xfrm_state *x)
{
	struct ipsecme_binding *b;

	if (!x->if_id)
		return;
	spin_lock_bh(&in->lock);
	hash_for_each_possible(in->bindings, b, hnode,
			       ipsecme_bind_hash(x->id.spi))
		if (ipsecme_bind_sa(in, b) && b->key.spi == x->id.spi &&
		    b->key.family == x->props.family &&
		    b->key.mark_v == x->mark.v && b->key.mark_m == x->mark.m &&
		    !memcmp(&b->key.daddr, &x->id.daddr, sizeof(b->key.daddr)))
			WRITE_ONCE(b->key.if_id, x->if_id);
	spin_unlock_bh(&in->lock);
}

/* A flush killed SAs without naming them: drop the bindings of the dead. */
static void ipsecme_bind_sweep(struct ipsecme_net *in)
{
	struct ipsecme_binding *b;
	struct hlist_node *tmp;
	int bkt;

	spin_lock_bh(&in->lock);
	hash_for_each_safe(in->bindings, bkt, tmp, b, hnode)
		if (ipsecme_bind_sa_dead(ipsecme_bind_sa(in, b)))
			ipsecme_bind_remove(in, b);
	spin_unlock_bh(&in->lock);
}

/**
 * ipsecme_bind_net_flush() - remove all bindings of a namespace
 * @in: the namespace's state (its hooks are already gone)
 */
void ipsecme_bind_net_flush(struct ipsecme_net *in)
{
	struct ipsecme_binding *b;
	struct hlist_node *tmp;
	int bkt;

	spin_lock_bh(&in->lock);
	hash_for_each_safe(in->bindings, bkt, tmp, b, hnode)
		ipsecme_bind_remove(in, b);
	spin_unlock_bh(&in->lock);
}

/**
 * ipsecme_bind_sock_lost() - @ctx's connection ended or its socket is
 *	being closed: its bindings go dormant
 * @ctx: the socket's ULP state
 *
 * Dormant bindings drop their SA's packets instead of letting them out as
 * plain ESP (fail closed), until userspace rebinds or unbinds them or the
 * SA dies.
 *
 * Return: how many bindings became dormant.
 */
unsigned int ipsecme_bind_sock_lost(struct ipsecme_etcp *ctx)
{
	struct ipsecme_net *in = ctx->in;
	struct ipsecme_binding *b, *tmp;
	unsigned int n = 0;

	spin_lock_bh(&in->lock);
	list_for_each_entry_safe(b, tmp, &ctx->bindings, sock_node) {
		ipsecme_bind_detach(in, b);
		n++;
	}
	spin_unlock_bh(&in->lock);
	return n;
}

/* Insert or move a binding; consumes the reference on @x either way.
 * @x is NULL for a binding that waits for its SA.
 */
static int ipsecme_bind_insert(struct ipsecme_net *in,
			       const struct ipsecme_bind_key *k,
			       struct xfrm_state *x, struct ipsecme_etcp *ctx,
			       struct ipsecme_binding **spare,
			       struct netlink_ext_ack *extack)
{
	struct ipsecme_binding *b;
	int err = 0;

	spin_lock_bh(&in->lock);
	/* Checked under the lock the notifier takes: an SA dying after
	 * this point finds its new binding there.
	 */
	if (ipsecme_bind_sa_dead(x)) {
		NL_SET_ERR_MSG(extack, "SA is not valid (larval or being deleted)");
		err = -ENOENT;
		goto out;
	}
	b = ipsecme_bind_lookup(in, k);
	if (b && !x) {
		NL_SET_ERR_MSG(extack, "A binding of this SA exists");
		err = -EEXIST;
		goto out;
	} else if (b) {
		ipsecme_bind_detach(in, b);
		/* The same SA, or its successor under the same name. */
		x = rcu_replace_pointer(b->x, x, lockdep_is_held(&in->lock));
	} else if (in->n_bindings >= IPSECME_BIND_MAX) {
		NL_SET_ERR_MSG(extack, "Too many bindings in this namespace");
		err = -ENOSPC;
		goto out;
	} else if (ipsecme_bind_count_spi(in, k->spi) >=
		   IPSECME_BIND_PER_SPI_MAX) {
		NL_SET_ERR_MSG(extack, "Too many bindings of this SPI");
		err = -ENOSPC;
		goto out;
	} else {
		b = *spare;
		*spare = NULL;
		b->key = *k;
		RCU_INIT_POINTER(b->x, x);
		x = NULL;
		hash_add_rcu(in->bindings, &b->hnode, ipsecme_bind_key_hash(k));
		in->n_bindings++;
	}
	list_add_tail(&b->sock_node, &ctx->bindings);
	ctx->n_bindings++;
	b->ino = ctx->ino;
	rcu_assign_pointer(b->ctx, ctx);
out:
	spin_unlock_bh(&in->lock);
	if (x)
		xfrm_state_put(x);
	return err;
}

/* @x was just added: the binding that waits for it takes it, if it is
 * one BIND would take (BIND it again to learn why not). The packet path
 * has carried its packets by destination and SPI until now.
 */
static void ipsecme_bind_sa_added(struct ipsecme_net *in,
				  struct xfrm_state *x)
{
	struct ipsecme_binding *b;

	if (!ipsecme_bind_carriable(x, NULL))
		return;
	spin_lock_bh(&in->lock);
	/* Checked under the lock sa_gone() takes: an SA that died since
	 * it was added is not taken.
	 */
	if (ipsecme_bind_sa_dead(x))
		goto out;
	hash_for_each_possible(in->bindings, b, hnode,
			       ipsecme_bind_hash(x->id.spi)) {
		if (ipsecme_bind_sa(in, b) || !ipsecme_bind_key_names(&b->key, x))
			continue;
		xfrm_state_hold(x);
		rcu_assign_pointer(b->x, x);
	}
out:
	spin_unlock_bh(&in->lock);
}

struct ipsecme_bind_sa_search {
	const struct ipsecme_bind_key *key;
	struct xfrm_state *found;
};

static int ipsecme_bind_sa_visit(struct xfrm_state *x, int count, void *data)
{
	struct ipsecme_bind_sa_search *s = data;

	if (x->km.state != XFRM_STATE_VALID || !ipsecme_bind_key_names(s->key, x))
		return 0;
	xfrm_state_hold(x);
	s->found = x;
	return 1;	/* stops the walk */
}

/* The SA @k names, referenced, or NULL. xfrm's lookup returns the first
 * SA whose mark matches, which may be another one of the same SPI (an
 * unmarked SA takes every mark): then walk all SAs for the exact one.
 */
static struct xfrm_state *ipsecme_bind_lookup_sa(struct net *net,
						 const struct ipsecme_bind_key *k)
{
	struct ipsecme_bind_sa_search s = { .key = k };
	struct xfrm_state_walk walk;
	struct xfrm_state *x;

	x = xfrm_state_lookup(net, k->mark_v, &k->daddr, k->spi, IPPROTO_ESP,
			      k->family);
	if (!x || ipsecme_bind_key_names(k, x))
		return x;
	xfrm_state_put(x);
	xfrm_state_walk_init(&walk, IPPROTO_ESP, NULL);
	xfrm_state_walk(net, &walk, ipsecme_bind_sa_visit, &s);
	xfrm_state_walk_done(&walk, net);
	return s.found;
}

/* For a binding that is to wait for its SA: no SA that it would collide
 * with in xfrm (the lookup xfrm_state_add() does) may exist. Otherwise a
 * peer that proposes another peer's outbound SPI could have that SA's
 * binding moved to its own connection.
 */
static int ipsecme_bind_check_absent(struct ipsecme_net *in,
				     const struct ipsecme_bind_key *k,
				     struct netlink_ext_ack *extack)
{
	struct xfrm_state *x;

	x = xfrm_state_lookup(in->net, k->mark_v, &k->daddr, k->spi,
			      IPPROTO_ESP, k->family);
	if (!x)
		return 0;
	xfrm_state_put(x);
	NL_SET_ERR_MSG(extack,
		       "An SA of this destination and SPI exists; bind it without IPSECME_BIND_F_BEFORE_SA");
	return -EEXIST;
}

/* The SA @k names, referenced, if it is one we can carry; with
 * @before_sa NULL, if there is none and none it would collide with.
 */
static struct xfrm_state *ipsecme_bind_find_sa(struct ipsecme_net *in,
					       const struct ipsecme_bind_key *k,
					       bool before_sa,
					       struct netlink_ext_ack *extack)
{
	struct xfrm_state *x;

	if (before_sa) {
		int err = ipsecme_bind_check_absent(in, k, extack);

		return err ? ERR_PTR(err) : NULL;
	}
	x = ipsecme_bind_lookup_sa(in->net, k);
	if (!x) {
		NL_SET_ERR_MSG(extack, "No ESP SA with this destination, SPI, mark and if_id");
		return ERR_PTR(-ENOENT);
	}
	if (!ipsecme_bind_carriable(x, extack)) {
		xfrm_state_put(x);
		return ERR_PTR(-EINVAL);
	}
	return x;
}

/**
 * ipsecme_bind() - bind an SA to an espintcp socket, or move it there
 * @in: the caller's namespace
 * @key: the SA
 * @sock: the socket, from the caller's file descriptor
 * @before_sa: an SA not added yet is waited for
 * @state: set to the binding's &enum ipsecme_bind_state on success
 * @extack: for the reason of a refusal
 *
 * Return: 0 or -errno (see IPSECME_CMD_BIND in the uapi header).
 */
int ipsecme_bind(struct ipsecme_net *in, const struct ipsecme_bind_key *key,
		 struct socket *sock, bool before_sa, u8 *state,
		 struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;
	struct ipsecme_binding *spare;
	struct ipsecme_etcp *ctx;
	struct xfrm_state *x;
	int err;

	x = ipsecme_bind_find_sa(in, key, before_sa, extack);
	if (IS_ERR(x))
		return PTR_ERR(x);
	*state = x ? IPSECME_BIND_ACTIVE : IPSECME_BIND_WAITING;
	spare = kzalloc(sizeof(*spare), GFP_KERNEL_ACCOUNT);
	if (!spare) {
		if (x)
			xfrm_state_put(x);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&spare->sock_node);

	lock_sock(sk);
	ctx = ipsecme_etcp_from_sock(sk);
	if (!ctx) {
		NL_SET_ERR_MSG(extack, "Socket does not have the espintcp ULP attached");
		err = -ENOPROTOOPT;
	} else if (READ_ONCE(ctx->lost)) {
		NL_SET_ERR_MSG(extack, "Connection of this socket is lost; bind to a new one");
		err = -ENOTCONN;
	} else if ((key->family == AF_INET6) != ipsecme_etcp_is_v6(sk)) {
		NL_SET_ERR_MSG(extack, "SA and connection are of different address families");
		err = -EAFNOSUPPORT;
	} else {
		err = ipsecme_bind_insert(in, key, x, ctx, &spare, extack);
		x = NULL;
	}
	release_sock(sk);
	if (x)
		xfrm_state_put(x);
	kfree(spare);
	return err;
}

/**
 * ipsecme_unbind() - remove a binding
 * @in: the caller's namespace
 * @key: the SA
 * @extack: for the reason of a refusal
 *
 * Return: 0, or -ENOENT if there is no such binding.
 */
int ipsecme_unbind(struct ipsecme_net *in, const struct ipsecme_bind_key *key,
		   struct netlink_ext_ack *extack)
{
	struct ipsecme_binding *b;
	int err = 0;

	spin_lock_bh(&in->lock);
	b = ipsecme_bind_lookup(in, key);
	if (b) {
		ipsecme_bind_remove(in, b);
	} else {
		NL_SET_ERR_MSG(extack, "No binding for this destination, SPI, mark and if_id");
		err = -ENOENT;
	}
	spin_unlock_bh(&in->lock);
	return err;
}

static void ipsecme_bind_drop(struct ipsecme_net *in,
			      struct ipsecme_binding *b, struct sk_buff *skb,
			      enum ipsecme_stat_attr why)
{
	if (b)
		atomic64_inc(&b->tx_drops);
	ipsecme_stat_inc(in, why);
	kfree_skb(skb);
}

/* Turn a bound ESP packet into a record and queue it on its socket. */
static unsigned int ipsecme_bind_steal(struct ipsecme_net *in,
				       struct ipsecme_binding *b,
				       struct sk_buff *skb, int esp_off)
{
	struct ipsecme_etcp *ctx = rcu_dereference(b->ctx);
	int len = skb->len - esp_off;

	if (!ctx) {
		ipsecme_bind_drop(in, b, skb, IPSECME_A_STAT_TX_DORMANT);
		return NF_STOLEN;
	}
	/* A policy that covers the connection itself would feed its own
	 * segments back into it, each write making another.
	 */
	if (skb->sk && skb->sk == ctx->sk) {
		ipsecme_bind_drop(in, b, skb, IPSECME_A_STAT_TX_LOOP);
		return NF_STOLEN;
	}
	/* The length field goes over the last two bytes of the IP header,
	 * which must then be ours to write.
	 */
	if (len > IPSECME_ETCP_MAX_PAYLOAD || skb_is_gso(skb) ||
	    esp_off < IPSECME_ETCP_LEN_SIZE || skb_cow_head(skb, 0)) {
		ipsecme_bind_drop(in, b, skb, IPSECME_A_STAT_TX_MALFORMED);
		return NF_STOLEN;
	}
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	__skb_pull(skb, esp_off - IPSECME_ETCP_LEN_SIZE);
	put_unaligned_be16(len + IPSECME_ETCP_LEN_SIZE, skb->data);
	if (!ipsecme_etcp_queue_esp(ctx, skb)) {
		atomic64_inc(&b->tx_drops);
		kfree_skb(skb);
		return NF_STOLEN;
	}
	atomic64_inc(&b->tx_packets);
	return NF_STOLEN;
}

/* Does @mark, the mark of a packet ESP output has built, come from the
 * SA of @b? The bits the SA's output mark covers carry that mark; the
 * others are still the flow's, which matched the SA's mark.
 */
static bool ipsecme_bind_mark_ok(const struct ipsecme_binding *b,
				 const struct xfrm_state *x, u32 mark)
{
	u32 om;

	if (!x)		/* waiting: no output mark known yet */
		return !((mark ^ b->key.mark_v) & b->key.mark_m);
	om = x->props.smark.m;
	return !((mark ^ b->key.mark_v) & b->key.mark_m & ~om) &&
	       !((mark ^ x->props.smark.v) & om);
}

/* Candidates for a packet among bindings of its destination and SPI. */
struct ipsecme_bind_pick {
	struct ipsecme_binding *named, *best;
	unsigned int n, best_bits;
	bool tie;
};

static void ipsecme_bind_pick_add(struct ipsecme_bind_pick *p,
				  struct ipsecme_binding *b,
				  const struct xfrm_state *x, u32 mark)
{
	unsigned int bits;

	p->named = b;
	p->n++;
	if (!ipsecme_bind_mark_ok(b, x, mark))
		return;
	/* An unmarked SA matches every mark: the SA whose mask covers most
	 * of the packet's mark is the one that built it.
	 */
	bits = hweight32(b->key.mark_m);
	if (p->best && bits == p->best_bits) {
		p->tie = true;
	} else if (!p->best || bits > p->best_bits) {
		p->best = b;
		p->best_bits = bits;
		p->tie = false;
	}
}

/* The one candidate of @p, or NULL with *why set if it cannot tell. */
static struct ipsecme_binding *
ipsecme_bind_pick_one(const struct ipsecme_bind_pick *p,
		      enum ipsecme_stat_attr *why)
{
	if (p->best && !p->tie)
		return p->best;
	if (p->n == 1)
		return p->named;
	*why = IPSECME_A_STAT_TX_MALFORMED;
	return NULL;
}

/**
 * ipsecme_bind_lookup_pkt() - the binding of the SA that built a packet
 * @in: the namespace
 * @family: the packet's family
 * @daddr: its outer destination
 * @spi: its SPI
 * @mark: its mark
 * @why: set to a drop reason if the packet must not leave, 0 otherwise
 *
 * Under RCU. The mark cannot be trusted to equal the SA's (VTI selects
 * SAs by the policy's mark, rules may rewrite it), so it only chooses
 * between several SAs of the same destination and SPI; a packet it
 * cannot attribute, or one of an SPI whose binding has gone stale, is
 * dropped rather than sent as plain ESP. Bindings that hold their SA
 * come first: one still waiting for its SA only carries packets of a
 * destination and SPI that no other binding claims.
 *
 * Return: the binding to carry the packet, or to count its drop on, or
 * NULL.
 */
static struct ipsecme_binding *
ipsecme_bind_lookup_pkt(struct ipsecme_net *in, u16 family,
			const xfrm_address_t *daddr, __be32 spi, u32 mark,
			enum ipsecme_stat_attr *why)
{
	struct ipsecme_bind_pick bound = {}, waiting = {};
	struct ipsecme_binding *b, *stale = NULL;

	*why = 0;
	hash_for_each_possible_rcu(in->bindings, b, hnode,
				   ipsecme_bind_hash(spi)) {
		const struct xfrm_state *x = rcu_dereference(b->x);

		if (b->key.spi != spi)
			continue;
		if (b->key.family != family ||
		    memcmp(&b->key.daddr, daddr, sizeof(*daddr))) {
			if (ipsecme_bind_sa_dead(x))
				stale = b;	/* migrated away from us */
			continue;
		}
		ipsecme_bind_pick_add(x ? &bound : &waiting, b, x, mark);
	}
	if (bound.n)
		return ipsecme_bind_pick_one(&bound, why);
	if (waiting.n)
		return ipsecme_bind_pick_one(&waiting, why);
	if (stale)
		*why = IPSECME_A_STAT_TX_STALE;
	return stale;
}

/* Where a packet's ESP header is, for the output hook. */
struct ipsecme_bind_pkt {
	xfrm_address_t daddr;
	int esp_off;		/* from skb->data */
	bool transformed;	/* built by xfrm, not by a raw socket */
	bool fragment;		/* a fragment: never carried */
};

/* Fill @p for an ESP packet; false if it is not ESP, or a later fragment
 * (no SPI to attribute it by).
 */
static bool ipsecme_bind_esp4(struct sk_buff *skb, struct ipsecme_bind_pkt *p)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (iph->protocol != IPPROTO_ESP || (iph->frag_off & htons(IP_OFFSET)))
		return false;
	p->daddr.a4 = iph->daddr;
	p->esp_off = skb_network_offset(skb) + ip_hdrlen(skb);
	p->transformed = IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED;
	p->fragment = ip_is_fragment(iph);
	return true;
}

static bool ipsecme_bind_esp6(struct sk_buff *skb, struct ipsecme_bind_pkt *p)
{
#if IS_ENABLED(CONFIG_IPV6)
	unsigned int off = 0;
	int flags = 0;

	if (ipv6_find_hdr(skb, &off, IPPROTO_ESP, NULL, &flags) != IPPROTO_ESP)
		return false;
	memcpy(p->daddr.a6, &ipv6_hdr(skb)->daddr, sizeof(p->daddr.a6));
	p->esp_off = off;	/* from skb->data, as ipv6_find_hdr() counts */
	p->transformed = IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED;
	p->fragment = flags & IP6_FH_F_FRAG;
	return true;
#else
	return false;
#endif
}

/* Is @skb ESP that a device will encrypt? Such packets are not ours:
 * BIND refuses device-offloaded SAs. ESP on the offload path without a
 * device is still clear text too; if it has a binding, it is dropped
 * below rather than let out uncarried.
 */
static bool ipsecme_bind_device_offloaded(struct sk_buff *skb)
{
	const struct sec_path *sp = skb_sec_path(skb);

	if (!xfrm_offload(skb))
		return false;
	return READ_ONCE(sp->xvec[sp->len - 1]->xso.dev);
}

static unsigned int ipsecme_bind_out(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct ipsecme_net *in = ipsecme_net(state->net);
	struct ipsecme_bind_pkt p = {};
	enum ipsecme_stat_attr why;
	struct ipsecme_binding *b;
	__be32 _spi, *spi;
	u16 family;

	if (!READ_ONCE(in->n_bindings) || ipsecme_bind_device_offloaded(skb))
		return NF_ACCEPT;
	family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	if (!(family == AF_INET ? ipsecme_bind_esp4(skb, &p) :
				  ipsecme_bind_esp6(skb, &p)))
		return NF_ACCEPT;
	spi = skb_header_pointer(skb, p.esp_off, sizeof(_spi), &_spi);
	if (!spi)
		return NF_ACCEPT;
	b = ipsecme_bind_lookup_pkt(in, family, &p.daddr, *spi, skb->mark,
				    &why);
	if (!b && !why)
		return NF_ACCEPT;
	/* Fail closed: what has a binding but cannot be carried is dropped,
	 * never sent as plain ESP.
	 */
	if (!why && (p.fragment || !p.transformed || xfrm_offload(skb)))
		why = IPSECME_A_STAT_TX_MALFORMED;
	if (!why && ipsecme_bind_sa_dead(rcu_dereference(b->x)))
		why = IPSECME_A_STAT_TX_STALE;
	if (!why && !pskb_may_pull(skb, p.esp_off))
		why = IPSECME_A_STAT_TX_MALFORMED;
	if (why) {
		ipsecme_bind_drop(in, b, skb, why);
		return NF_STOLEN;
	}
	return ipsecme_bind_steal(in, b, skb, p.esp_off);
}

/* Last at LOCAL_OUT: filters and mangling see the ESP packet first. */
static const struct nf_hook_ops ipsecme_bind_hooks[] = {
	{
		.hook = ipsecme_bind_out,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_LAST,
	},
	{
		.hook = ipsecme_bind_out,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_LAST,
	},
};

int ipsecme_bind_net_init(struct ipsecme_net *in)
{
	return nf_register_net_hooks(in->net, ipsecme_bind_hooks,
				     ARRAY_SIZE(ipsecme_bind_hooks));
}

void ipsecme_bind_net_uninit(struct ipsecme_net *in)
{
	nf_unregister_net_hooks(in->net, ipsecme_bind_hooks,
				ARRAY_SIZE(ipsecme_bind_hooks));
}

/* The xfrm notifier: may run in softirq, with x->lock held (expiries
 * from the packet path and the SA timer), so it only takes in->lock.
 * DELSA and EXPIRE do not set c->net; FLUSHSA names no SA but does.
 */
static int ipsecme_bind_km_notify(struct xfrm_state *x,
				  const struct km_event *c)
{
	switch (c->event) {
	case XFRM_MSG_NEWSA:
		if (x && x->id.proto == IPPROTO_ESP)
			ipsecme_bind_sa_added(ipsecme_net(xs_net(x)), x);
		break;
	case XFRM_MSG_EXPIRE:
		if (!c->data.hard)
			break;
		fallthrough;
	case XFRM_MSG_DELSA:
		if (x && x->id.proto == IPPROTO_ESP)
			ipsecme_bind_sa_gone(ipsecme_net(xs_net(x)), x);
		break;
	case XFRM_MSG_UPDSA:
		/* @x is a dead copy after an update in place, the new SA
		 * itself after an update of a larval one.
		 */
		if (x && x->id.proto == IPPROTO_ESP) {
			ipsecme_bind_sa_updated(ipsecme_net(xs_net(x)), x);
			if (!ipsecme_bind_sa_dead(x))
				ipsecme_bind_sa_added(ipsecme_net(xs_net(x)), x);
		}
		break;
	case XFRM_MSG_FLUSHSA:
		if (c->net)
			ipsecme_bind_sweep(ipsecme_net(c->net));
		break;
	}
	return 0;
}

/* The xfrm core calls these two on every manager unconditionally. */
static int ipsecme_bind_km_acquire(struct xfrm_state *x, struct xfrm_tmpl *t,
				   struct xfrm_policy *xp)
{
	return -EOPNOTSUPP;
}

static struct xfrm_policy *ipsecme_bind_km_compile(struct sock *sk, int opt,
						   u8 *data, int len,
						   int *dir)
{
	*dir = -EINVAL;
	return NULL;
}

/* A key manager only to learn when SAs die. */
static struct xfrm_mgr ipsecme_bind_km = {
	.notify = ipsecme_bind_km_notify,
	.acquire = ipsecme_bind_km_acquire,
	.compile_policy = ipsecme_bind_km_compile,
};

int __init ipsecme_bind_init(void)
{
	ipsecme_bind_seed = get_random_u32();
	xfrm_register_km(&ipsecme_bind_km);
	return 0;
}

void ipsecme_bind_uninit(void)
{
	xfrm_unregister_km(&ipsecme_bind_km);
}
