// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit side of an espintcp socket. Records from two sources share one
 * ordered queue: IKE messages from sendmsg() and ESP packets stolen by the
 * output hook (sa_bind.c) in softirq. Only the holder of the socket lock
 * writes, and writes never block (MSG_DONTWAIT), so a record is never
 * interleaved with another: a partly written head record stays at the
 * head, and the rest follows when TCP calls sk_write_space. A write that
 * fails ends the connection: dropping the rest of a partly written record
 * would desynchronise the peer's framing. The queue is bounded by the
 * memory its skbs occupy (truesize), not by their payload.
 */

#include <linux/uio.h>
#include <net/tcp.h>

#include "espintcp.h"

static void ipsecme_etcp_tx_unlink(struct ipsecme_etcp *ctx,
				   struct sk_buff *skb)
{
	spin_lock_bh(&ctx->out_queue.lock);
	__skb_unlink(skb, &ctx->out_queue);
	if (ipsecme_etcp_cb(skb)->type == IPSECME_ETCP_REC_ESP)
		ctx->out_esp_bytes -= skb->truesize;
	else
		ctx->out_ike_bytes -= skb->truesize;
	spin_unlock_bh(&ctx->out_queue.lock);
}

/* The head record; the output hook appends under the queue lock. */
static struct sk_buff *ipsecme_etcp_tx_head(struct ipsecme_etcp *ctx)
{
	struct sk_buff *skb;

	spin_lock_bh(&ctx->out_queue.lock);
	skb = skb_peek(&ctx->out_queue);
	spin_unlock_bh(&ctx->out_queue.lock);
	return skb;
}

/**
 * ipsecme_etcp_tx_purge() - drop every queued record, counting them
 * @ctx: the socket's ULP state; the socket is locked
 */
void ipsecme_etcp_tx_purge(struct ipsecme_etcp *ctx)
{
	struct sk_buff *skb;

	sock_owned_by_me(ctx->sk);
	while ((skb = ipsecme_etcp_tx_head(ctx))) {
		ipsecme_etcp_tx_unlink(ctx, skb);
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_TX_ERROR);
		kfree_skb(skb);
	}
	ctx->tx_off = 0;
}

/* Write queued records until the queue is empty or TCP is full. */
static void ipsecme_etcp_flush(struct ipsecme_etcp *ctx)
{
	struct sock *sk = ctx->sk;
	struct sk_buff *skb;
	int ret;

	sock_owned_by_me(sk);
	while ((skb = ipsecme_etcp_tx_head(ctx))) {
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN) ||
		    !sk->sk_socket) {
			ret = sk->sk_err ? -sk->sk_err : -EPIPE;
			goto lost;
		}
		ret = skb_send_sock_locked(sk, skb, ctx->tx_off,
					   skb->len - ctx->tx_off);
		if (ret == -EAGAIN)
			return;	/* sk_write_space will call us again */
		if (ret < 0)
			goto lost;
		ctx->tx_off += ret;
		if (ctx->tx_off < skb->len)
			return;
		ctx->tx_off = 0;
		ipsecme_etcp_tx_unlink(ctx, skb);
		consume_skb(skb);
	}
	return;
lost:
	ipsecme_etcp_mark_lost(ctx, -ret);
	ipsecme_etcp_tx_purge(ctx);
}

void ipsecme_etcp_tx_work(struct work_struct *work)
{
	struct ipsecme_etcp *ctx = container_of(work, struct ipsecme_etcp,
						tx_work);

	lock_sock(ctx->sk);
	if (!ctx->detached)
		ipsecme_etcp_flush(ctx);
	release_sock(ctx->sk);
}

/**
 * ipsecme_etcp_write_space() - sk_write_space of an espintcp socket
 * @sk: the socket, TCP just freed send buffer space
 */
void ipsecme_etcp_write_space(struct sock *sk)
{
	void (*saved)(struct sock *sk) = NULL;
	struct ipsecme_etcp *ctx;

	rcu_read_lock();
	ctx = ipsecme_etcp_get(sk);
	if (ctx) {
		saved = ctx->saved_write_space;
		spin_lock_bh(&ctx->out_queue.lock);
		if (!ctx->closing && !skb_queue_empty(&ctx->out_queue))
			queue_work(ipsecme_etcp_wq, &ctx->tx_work);
		spin_unlock_bh(&ctx->out_queue.lock);
	}
	rcu_read_unlock();
	if (saved)
		saved(sk);
}

/**
 * ipsecme_etcp_queue_esp() - queue one framed ESP packet for the stream
 * @ctx: the bound socket's state, under RCU
 * @skb: data starts at the 2-byte length field of the record
 *
 * Softirq-safe: never sleeps, never writes; the work item does.
 *
 * Return: true if queued (the skb is ours), false if it must be dropped
 * (queue full or socket closing; counted here).
 */
bool ipsecme_etcp_queue_esp(struct ipsecme_etcp *ctx, struct sk_buff *skb)
{
	bool queued = false;

	ipsecme_etcp_cb(skb)->type = IPSECME_ETCP_REC_ESP;
	spin_lock_bh(&ctx->out_queue.lock);
	if (ctx->closing || ctx->lost) {
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_TX_ERROR);
	} else if (ctx->out_esp_bytes + skb->truesize > IPSECME_ETCP_TXQ_MAX) {
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_TX_QUEUE_FULL);
	} else {
		ctx->out_esp_bytes += skb->truesize;
		__skb_queue_tail(&ctx->out_queue, skb);
		/* Scheduled under the lock: close sets ->closing under it
		 * before cancelling the work.
		 */
		queue_work(ipsecme_etcp_wq, &ctx->tx_work);
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_TX_ESP);
		queued = true;
	}
	spin_unlock_bh(&ctx->out_queue.lock);
	return queued;
}

/* Copy one IKE message from userspace into a framed record. */
static struct sk_buff *ipsecme_etcp_ike_record(struct msghdr *msg,
					       size_t size, int *err)
{
	static const u8 zero[IPSECME_ETCP_MARKER_SIZE];
	struct sk_buff *skb;
	u8 *data;

	/* Charged to the sender's memory cgroup: any user may hold one. */
	skb = alloc_skb(IPSECME_ETCP_LEN_SIZE + size, GFP_KERNEL_ACCOUNT);
	if (!skb) {
		*err = -ENOBUFS;
		return NULL;
	}
	put_unaligned_be16(IPSECME_ETCP_LEN_SIZE + size,
			   skb_put(skb, IPSECME_ETCP_LEN_SIZE));
	data = skb_put(skb, size);
	if (memcpy_from_msg(data, msg, size)) {
		*err = -EFAULT;
		goto drop;
	}
	/* Only IKE goes through send(): an ESP-looking record from
	 * userspace would be injected into the peer's xfrm input.
	 */
	if (memcmp(data, zero, sizeof(zero))) {
		*err = -EINVAL;
		goto drop;
	}
	ipsecme_etcp_cb(skb)->type = IPSECME_ETCP_REC_IKE;
	return skb;
drop:
	kfree_skb(skb);
	return NULL;
}

static int ipsecme_etcp_queue_ike(struct ipsecme_etcp *ctx,
				  struct sk_buff *skb)
{
	struct sock *sk = ctx->sk;
	int err = 0;

	spin_lock_bh(&ctx->out_queue.lock);
	if (ctx->closing)
		err = -EPIPE;
	else if (ctx->out_ike_bytes &&
		 ctx->out_ike_bytes + skb->truesize > READ_ONCE(sk->sk_sndbuf))
		err = -EAGAIN;
	else
		ctx->out_ike_bytes += skb->truesize;
	if (!err)
		__skb_queue_tail(&ctx->out_queue, skb);
	spin_unlock_bh(&ctx->out_queue.lock);
	return err;
}

/**
 * ipsecme_etcp_sendmsg() - sendmsg of an espintcp socket
 * @sk: the socket
 * @msg: one IKE message starting with its 4-byte zero non-ESP marker
 * @size: its length, at most 65533
 *
 * The record is queued and written as far as TCP takes it now; the rest
 * follows from the work item. Never blocks on TCP: a backlog of more than
 * a send buffer of IKE messages fails with EAGAIN instead.
 *
 * Return: @size, or -errno.
 */
int ipsecme_etcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct ipsecme_etcp *ctx;
	struct sk_buff *skb;
	int err;

	err = -EMSGSIZE;
	if (size > IPSECME_ETCP_MAX_PAYLOAD)
		goto out;
	err = -EINVAL;
	if (size <= IPSECME_ETCP_MARKER_SIZE)
		goto out;
	err = -EOPNOTSUPP;
	if (msg->msg_controllen || (msg->msg_flags & (MSG_OOB | MSG_ZEROCOPY)))
		goto out;
	err = -ENOTCONN;
	ctx = ipsecme_etcp_hold(sk);
	if (!ctx)
		goto out;
	skb = ipsecme_etcp_ike_record(msg, size, &err);
	if (!skb)
		goto out_put;

	lock_sock(sk);
	err = sock_error(sk);
	if (!err && ctx->lost)
		err = -EPIPE;
	if (!err)
		err = ipsecme_etcp_queue_ike(ctx, skb);
	if (err) {
		kfree_skb(skb);
	} else {
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_TX_IKE);
		ipsecme_etcp_flush(ctx);
		err = size;
	}
	release_sock(sk);
out_put:
	ipsecme_etcp_put(ctx);
out:
	return err;
}
