/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ESP-in-TCP (RFC 9329) for kernels built without CONFIG_INET_ESPINTCP:
 * a TCP ULP named "espintcp" with the socket semantics of the mainline
 * one, plus the plumbing that moves ESP records between the stream and
 * the kernel's own plain ESP SAs.
 */
#ifndef IPSECME_ESPINTCP_H
#define IPSECME_ESPINTCP_H

#include <linux/atomic.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/strparser.h>

#include "netns.h"

/* RFC 9329: the 16-bit length field counts itself. */
#define IPSECME_ETCP_LEN_SIZE		2
#define IPSECME_ETCP_MAX_RECORD		65535
#define IPSECME_ETCP_MAX_PAYLOAD	(IPSECME_ETCP_MAX_RECORD - \
					 IPSECME_ETCP_LEN_SIZE)
#define IPSECME_ETCP_MARKER_SIZE	4
/* Memory (truesize) the ESP records of a socket may occupy while they wait
 * for the stream before new packets are dropped: about what one TCP send
 * buffer drains in a few RTTs.
 */
#define IPSECME_ETCP_TXQ_MAX		(512 * 1024)

/**
 * struct ipsecme_etcp - one socket with the espintcp ULP attached
 * @sk: the TCP socket; valid while the ULP is attached (close detaches
 *	before the socket can go away)
 * @in: namespace state the socket counts into
 * @strp: record parser on the receive side
 * @ike_queue: whole IKE messages waiting for recvmsg(), charged to the
 *	socket's receive memory
 * @ike_mem: truesize of @ike_queue, bounded by half of sk_rcvbuf
 * @out_queue: framed records (ESP from the output hook, IKE from
 *	sendmsg()) waiting for the stream, in order; its lock also guards
 *	@out_esp_bytes, @out_ike_bytes and @closing
 * @out_esp_bytes: truesize of the ESP records in @out_queue, bounded by
 *	IPSECME_ETCP_TXQ_MAX
 * @out_ike_bytes: truesize of the IKE records in @out_queue, bounded by
 *	sk_sndbuf
 * @closing: set once; afterwards nothing is queued and no work scheduled
 * @tx_off: bytes of the head of @out_queue already on the stream; only
 *	touched with the socket lock held
 * @tx_work: writes @out_queue to the stream in process context
 * @lost_work: turns bindings dormant and tells userspace, once
 * @lost: 0, or the positive errno that ended the connection (set once)
 * @node: entry in @in->conns, under @in->lock
 * @bindings: active bindings (struct ipsecme_binding), under @in->lock
 * @n_bindings: length of @bindings
 * @ino: inode number of the socket, reported to userspace
 * @detached: callbacks and proto restored (close); under the socket lock
 * @saved_prot: the proto the socket had before the ULP
 * @saved_data_ready: sk_data_ready before the ULP
 * @saved_write_space: sk_write_space before the ULP
 * @saved_state_change: sk_state_change before the ULP
 * @stats: this socket's counters, by &enum ipsecme_stat_attr
 * @refs: one for the attachment, one per sendmsg()/recvmsg() in progress
 * @rcu: frees the struct after softirq readers are done
 */
struct ipsecme_etcp {
	struct sock *sk;
	struct ipsecme_net *in;
	struct strparser strp;
	struct sk_buff_head ike_queue;
	atomic_t ike_mem;
	struct sk_buff_head out_queue;
	unsigned int out_esp_bytes;
	unsigned int out_ike_bytes;
	bool closing;
	unsigned int tx_off;
	struct work_struct tx_work;
	struct work_struct lost_work;
	int lost;
	struct list_head node;
	struct list_head bindings;
	unsigned int n_bindings;
	u64 ino;
	bool detached;
	struct proto *saved_prot;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	atomic64_t stats[__IPSECME_A_STAT_MAX];
	refcount_t refs;
	struct rcu_head rcu;
};

/* Record types on the out queue, kept in skb->cb. */
enum ipsecme_etcp_rec {
	IPSECME_ETCP_REC_ESP,
	IPSECME_ETCP_REC_IKE,
};

struct ipsecme_etcp_cb {
	enum ipsecme_etcp_rec type;
};

static inline struct ipsecme_etcp_cb *ipsecme_etcp_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct ipsecme_etcp_cb) > sizeof(skb->cb));
	return (struct ipsecme_etcp_cb *)skb->cb;
}

/**
 * ipsecme_etcp_count() - count an event on a socket and its namespace
 * @ctx: the socket's ULP state
 * @stat: which counter
 */
static inline void ipsecme_etcp_count(struct ipsecme_etcp *ctx,
				      enum ipsecme_stat_attr stat)
{
	atomic64_inc(&ctx->stats[stat]);
	ipsecme_stat_inc(ctx->in, stat);
}

/* The socket's ULP state, or NULL once detached. Callbacks run in softirq
 * under RCU; process context holds the socket lock.
 */
static inline struct ipsecme_etcp *ipsecme_etcp_get(const struct sock *sk)
{
	return rcu_dereference_check(inet_csk(sk)->icsk_ulp_data,
				     lockdep_sock_is_held(sk));
}

/* Has recv() something to return: a whole IKE message, an end or an
 * error? What poll() reports and what a blocking recv() waits for.
 */
static inline bool ipsecme_etcp_readable(const struct ipsecme_etcp *ctx,
					 const struct sock *sk)
{
	return !skb_queue_empty_lockless(&ctx->ike_queue) ||
	       (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) ||
	       READ_ONCE(sk->sk_err);
}

/**
 * ipsecme_etcp_hold() - the socket's ULP state, referenced, for a syscall
 * @sk: the socket
 *
 * Return: the state (release with ipsecme_etcp_put()), or NULL.
 */
static inline struct ipsecme_etcp *ipsecme_etcp_hold(struct sock *sk)
{
	struct ipsecme_etcp *ctx;

	rcu_read_lock();
	ctx = rcu_dereference(inet_csk(sk)->icsk_ulp_data);
	if (ctx && !refcount_inc_not_zero(&ctx->refs))
		ctx = NULL;
	rcu_read_unlock();
	return ctx;
}

static inline void ipsecme_etcp_put(struct ipsecme_etcp *ctx)
{
	if (refcount_dec_and_test(&ctx->refs))
		kfree_rcu(ctx, rcu);
}

bool ipsecme_etcp_is_v6(const struct sock *sk);
struct ipsecme_etcp *ipsecme_etcp_from_sock(struct sock *sk);
void ipsecme_etcp_mark_lost(struct ipsecme_etcp *ctx, int err);

/* espintcp_rx.c */
int ipsecme_etcp_rx_init(struct ipsecme_etcp *ctx);
void ipsecme_etcp_data_ready(struct sock *sk);
int ipsecme_etcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			 int flags, int *addr_len);

/* espintcp_tx.c */
int ipsecme_etcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
bool ipsecme_etcp_queue_esp(struct ipsecme_etcp *ctx, struct sk_buff *skb);
void ipsecme_etcp_tx_work(struct work_struct *work);
void ipsecme_etcp_write_space(struct sock *sk);
void ipsecme_etcp_tx_purge(struct ipsecme_etcp *ctx);

void ipsecme_etcp_net_exit(struct ipsecme_net *in);
int ipsecme_etcp_init(void);
void ipsecme_etcp_uninit(void);
bool ipsecme_etcp_registered(void);

extern struct workqueue_struct *ipsecme_etcp_wq;

#endif /* IPSECME_ESPINTCP_H */
