// SPDX-License-Identifier: GPL-2.0
/*
 * Receive side of an espintcp socket: split the stream into RFC 9329
 * records, queue IKE messages for recvmsg(), feed ESP to xfrm.
 *
 * ESP records are copied into a fresh, private skb behind an outer IP
 * header rebuilt from the connection's addresses, then handed to the
 * stack as if that packet had arrived on the device the segment came in
 * on. The copy is the point: ESP decrypts in place, and the pages behind
 * a TCP receive skb may be shared (splice, zero-copy senders on the same
 * host, page pool). Never decrypting over memory the socket does not own
 * is worth one memcpy per record. Copies (of IKE messages too) go to
 * order-0 pages behind a small linear head, so a 64 KiB record needs no
 * high-order allocation in softirq.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/ip.h>

#include "espintcp.h"

/* The ESP header (SPI and sequence number) must be there; xfrm checks
 * the rest against the SA.
 */
#define IPSECME_ETCP_ESP_MIN	8
#define IPSECME_ETCP_KEEPALIVE	0xff

static struct ipsecme_etcp *ipsecme_etcp_strp_ctx(struct strparser *strp)
{
	return container_of(strp, struct ipsecme_etcp, strp);
}

/* strparser .parse_msg: the record length, 0 if more bytes are needed,
 * or -EINVAL for the lengths RFC 9329 forbids (0 and 1).
 */
static int ipsecme_etcp_parse(struct strparser *strp, struct sk_buff *skb)
{
	struct strp_msg *rxm = strp_msg(skb);
	__be16 blen;
	u16 len;

	if (skb->len < rxm->offset + IPSECME_ETCP_LEN_SIZE)
		return 0;
	if (skb_copy_bits(skb, rxm->offset, &blen, sizeof(blen)))
		return -EINVAL;
	len = be16_to_cpu(blen);
	if (len < IPSECME_ETCP_LEN_SIZE) {
		ipsecme_etcp_count(ipsecme_etcp_strp_ctx(strp),
				   IPSECME_A_STAT_RX_BAD_LEN);
		return -EINVAL;
	}
	return len;
}

/* strparser .abort_parser: the stream is unusable. Like strparser's own
 * default, stop parsing and report the error on the socket; also treat it
 * as a lost connection so that bindings go dormant.
 */
static void ipsecme_etcp_abort(struct strparser *strp, int err)
{
	struct ipsecme_etcp *ctx = ipsecme_etcp_strp_ctx(strp);
	struct sock *sk = ctx->sk;

	cancel_delayed_work(&strp->msg_timer_work);
	strp->stopped = 1;
	strp->skb_nextp = NULL;
	strp->need_bytes = 0;
	sk->sk_err = -err;
	sk_error_report(sk);
	ipsecme_etcp_mark_lost(ctx, -err);
}

/* Record bytes kept in the linear head of a copy: for ESP, the header,
 * IV and inner headers xfrm pulls; the rest goes to pages.
 */
#define IPSECME_ETCP_RX_LINEAR	256

/* Copy @len bytes at @off of @skb into fresh order-0 page fragments of
 * @nskb.
 */
static int ipsecme_etcp_copy_frags(struct sk_buff *nskb, struct sk_buff *skb,
				   int off, int len)
{
	int i = 0;

	while (len) {
		int chunk = min_t(int, len, PAGE_SIZE);
		struct page *page;

		if (i == MAX_SKB_FRAGS)
			return -EMSGSIZE;
		page = alloc_page(GFP_ATOMIC | __GFP_NOWARN);
		if (!page)
			return -ENOMEM;
		skb_fill_page_desc(nskb, i++, page, 0, chunk);
		nskb->truesize += PAGE_SIZE;
		if (skb_copy_bits(skb, off, page_address(page), chunk))
			return -EFAULT;
		nskb->len += chunk;
		nskb->data_len += chunk;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

/* A private copy of @len record bytes at @off of @skb, with @headroom in
 * front: a small linear head and order-0 pages, so that no record of up
 * to 64 KiB needs a high-order allocation in softirq.
 */
static struct sk_buff *ipsecme_etcp_copy(struct sk_buff *skb, int off,
					 int len, int headroom)
{
	int linear = min(len, IPSECME_ETCP_RX_LINEAR);
	struct sk_buff *nskb;

	nskb = alloc_skb(headroom + linear, GFP_ATOMIC | __GFP_NOWARN);
	if (!nskb)
		return NULL;
	skb_reserve(nskb, headroom);
	if (skb_copy_bits(skb, off, skb_put(nskb, linear), linear) ||
	    ipsecme_etcp_copy_frags(nskb, skb, off + linear, len - linear)) {
		kfree_skb(nskb);
		return NULL;
	}
	return nskb;
}

/* Queue one IKE message for recv(), charged to the socket like TCP's own
 * receive queue (truesize, not payload: a flood of tiny messages costs
 * what it occupies). The queue may hold half the receive buffer, and
 * always at least one message: the other half keeps TCP, and so ESP,
 * flowing while the daemon catches up.
 */
static void ipsecme_etcp_queue_ike(struct ipsecme_etcp *ctx,
				   struct sk_buff *skb, int off, int len)
{
	struct sock *sk = ctx->sk;
	struct sk_buff *msg;
	int queued;

	msg = ipsecme_etcp_copy(skb, off, len, 0);
	if (!msg) {
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_NOMEM);
		return;
	}
	queued = atomic_read(&ctx->ike_mem);
	if ((queued && queued + msg->truesize > READ_ONCE(sk->sk_rcvbuf) / 2) ||
	    !sk_rmem_schedule(sk, msg, msg->truesize)) {
		kfree_skb(msg);
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_IKE_OVERFLOW);
		return;
	}
	skb_set_owner_r(msg, sk);
	atomic_add(msg->truesize, &ctx->ike_mem);
	skb_queue_tail(&ctx->ike_queue, msg);
	ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_IKE);
	ctx->saved_data_ready(sk);
}

/* Outer header for a record of @len ESP bytes: peer to us, as the ESP
 * packet would have looked on the wire.
 */
static void ipsecme_etcp_push_iph(struct sk_buff *skb, const struct sock *sk,
				  int len)
{
	struct iphdr *iph = skb_push(skb, sizeof(*iph));

	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tot_len = htons(sizeof(*iph) + len);
	iph->ttl = 64;
	iph->protocol = IPPROTO_ESP;
	iph->saddr = sk->sk_daddr;
	iph->daddr = sk->sk_rcv_saddr;
	ip_send_check(iph);
}

static void ipsecme_etcp_push_ip6h(struct sk_buff *skb, const struct sock *sk,
				   int len)
{
	struct ipv6hdr *ip6h = skb_push(skb, sizeof(*ip6h));

	memset(ip6h, 0, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->payload_len = htons(len);
	ip6h->nexthdr = IPPROTO_ESP;
	ip6h->hop_limit = 64;
	ip6h->saddr = sk->sk_v6_daddr;
	ip6h->daddr = sk->sk_v6_rcv_saddr;
}

/* Hand one ESP record to the stack as the packet it was on the wire, as
 * if it had arrived on the device the segment came in on. Called from
 * the parser with the socket's lock held, so through the backlog
 * (netif_rx()), not straight into xfrm: the decrypted packet may be a
 * segment for this very socket, or for one whose parser holds its lock
 * while delivering to us.
 */
static void ipsecme_etcp_input_esp(struct ipsecme_etcp *ctx,
				   struct sk_buff *skb, int off, int len)
{
	bool v6 = ipsecme_etcp_is_v6(ctx->sk);
	struct net_device *dev;
	struct sk_buff *nskb;

	/* An IPv4 packet cannot carry 65533 bytes behind its header. */
	if (!v6 && len > IP_MAX_MTU - sizeof(struct iphdr)) {
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_MALFORMED);
		return;
	}
	nskb = ipsecme_etcp_copy(skb, off, len, NET_SKB_PAD +
				 sizeof(struct ipv6hdr));
	if (!nskb) {
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_NOMEM);
		return;
	}
	if (v6)
		ipsecme_etcp_push_ip6h(nskb, ctx->sk, len);
	else
		ipsecme_etcp_push_iph(nskb, ctx->sk, len);
	skb_reset_network_header(nskb);
	skb_reset_mac_header(nskb);
	nskb->protocol = v6 ? htons(ETH_P_IPV6) : htons(ETH_P_IP);
	nskb->mark = skb->mark;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(sock_net(ctx->sk), skb->skb_iif);
	if (!dev) {
		kfree_skb(nskb);
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_NO_ROUTE);
	} else {
		nskb->dev = dev;
		if (netif_rx(nskb) == NET_RX_SUCCESS)
			ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_ESP);
		else
			ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_NOMEM);
	}
	rcu_read_unlock();
}

/* strparser .rcv_msg: one whole record, length field included. */
static void ipsecme_etcp_rcv(struct strparser *strp, struct sk_buff *skb)
{
	struct ipsecme_etcp *ctx = ipsecme_etcp_strp_ctx(strp);
	struct strp_msg *rxm = strp_msg(skb);
	int off = rxm->offset + IPSECME_ETCP_LEN_SIZE;
	int len = rxm->full_len - IPSECME_ETCP_LEN_SIZE;
	u8 head[IPSECME_ETCP_MARKER_SIZE];

	if (len == 0) {
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_EMPTY);
	} else if (len < IPSECME_ETCP_MARKER_SIZE ||
		   skb_copy_bits(skb, off, head, sizeof(head))) {
		if (len == 1 && !skb_copy_bits(skb, off, head, 1) &&
		    head[0] == IPSECME_ETCP_KEEPALIVE)
			ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_KEEPALIVE);
		else
			ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_MALFORMED);
	} else if (!memchr_inv(head, 0, sizeof(head))) {
		/* Non-ESP marker: IKE; a bare marker carries nothing. */
		if (len > IPSECME_ETCP_MARKER_SIZE)
			ipsecme_etcp_queue_ike(ctx, skb, off, len);
		else
			ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_MALFORMED);
	} else if (len < IPSECME_ETCP_ESP_MIN) {
		ipsecme_etcp_count(ctx, IPSECME_A_STAT_RX_MALFORMED);
	} else {
		ipsecme_etcp_input_esp(ctx, skb, off, len);
	}
	consume_skb(skb);
}

/**
 * ipsecme_etcp_data_ready() - sk_data_ready of an espintcp socket
 * @sk: the socket, in softirq with its lock held by the stack
 *
 * The parser consumes the TCP receive queue; readers are woken when a
 * whole IKE message is queued, not for every segment.
 */
void ipsecme_etcp_data_ready(struct sock *sk)
{
	struct ipsecme_etcp *ctx;

	rcu_read_lock();
	ctx = ipsecme_etcp_get(sk);
	if (ctx)
		strp_data_ready(&ctx->strp);
	rcu_read_unlock();
}

static const struct strp_callbacks ipsecme_etcp_strp_cb = {
	.parse_msg = ipsecme_etcp_parse,
	.rcv_msg = ipsecme_etcp_rcv,
	.abort_parser = ipsecme_etcp_abort,
};

int ipsecme_etcp_rx_init(struct ipsecme_etcp *ctx)
{
	return strp_init(&ctx->strp, ctx->sk, &ipsecme_etcp_strp_cb);
}

/* At end of stream with bytes the parser has not consumed yet? */
static bool ipsecme_etcp_unparsed(struct ipsecme_etcp *ctx)
{
	struct sock *sk = ctx->sk;

	return (sk->sk_shutdown & RCV_SHUTDOWN) && !READ_ONCE(ctx->strp.stopped) &&
	       !skb_queue_empty_lockless(&sk->sk_receive_queue);
}

/* Sleep until ipsecme_etcp_readable(). Not __skb_recv_datagram()'s wait:
 * it treats a stream socket that is no longer ESTABLISHED as gone
 * (ENOTCONN), but after our own SHUT_WR the peer may still send.
 */
static int ipsecme_etcp_wait(struct ipsecme_etcp *ctx, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = ctx->sk;
	int err = 0;

	add_wait_queue(sk_sleep(sk), &wait);
	while (!ipsecme_etcp_readable(ctx, sk)) {
		if (!*timeo) {
			err = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		*timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, *timeo);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/* The next IKE message, or NULL with *err set (0 at end of stream). */
static struct sk_buff *ipsecme_etcp_recv_msg(struct ipsecme_etcp *ctx,
					     int flags, int *err)
{
	long timeo = sock_rcvtimeo(ctx->sk, flags & MSG_DONTWAIT);
	bool flushed = false;
	struct sk_buff *skb, *last;
	int off = 0;

	for (;;) {
		skb = __skb_try_recv_datagram(ctx->sk, &ctx->ike_queue, flags,
					      &off, err, &last);
		if (skb || *err != -EAGAIN)
			return skb;
		if (!flushed && ipsecme_etcp_unparsed(ctx)) {
			/* End of stream, but the parser has not run over
			 * the last bytes yet (they came before the ULP):
			 * let it, so that EOF never overtakes a message or
			 * an error.
			 */
			flush_work(&ctx->strp.work);
			flushed = true;
			continue;
		}
		if (READ_ONCE(ctx->sk->sk_shutdown) & RCV_SHUTDOWN) {
			*err = 0;
			return NULL;
		}
		*err = ipsecme_etcp_wait(ctx, &timeo);
		if (*err)
			return NULL;
	}
}

/**
 * ipsecme_etcp_recvmsg() - recvmsg of an espintcp socket
 * @sk: the socket
 * @msg: where to copy
 * @len: room in @msg
 * @flags: MSG_* flags
 * @addr_len: unused, stream sockets have no source address per message
 *
 * One IKE message per call, its non-ESP marker included, length field
 * stripped; MSG_TRUNC is set if @len was too small (the rest is lost, as
 * with a datagram). 0 at EOF.
 *
 * Return: bytes copied, or -errno.
 */
int ipsecme_etcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			 int flags, int *addr_len)
{
	struct ipsecme_etcp *ctx;
	struct sk_buff *skb;
	size_t copied;
	int err;
	bool slow;

	if (flags & (MSG_OOB | MSG_ERRQUEUE))
		return -EOPNOTSUPP;
	ctx = ipsecme_etcp_hold(sk);
	if (!ctx)
		return -ENOTCONN;
	skb = ipsecme_etcp_recv_msg(ctx, flags, &err);
	if (!skb)
		goto out_put;
	if (!(flags & MSG_PEEK))
		atomic_sub(skb->truesize, &ctx->ike_mem);
	copied = min_t(size_t, len, skb->len);
	if (copied < skb->len)
		msg->msg_flags |= MSG_TRUNC;
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (!err)
		err = (flags & MSG_TRUNC) ? skb->len : copied;
	/* Uncharging the socket needs its lock. */
	slow = lock_sock_fast(sk);
	consume_skb(skb);
	unlock_sock_fast(sk, slow);
out_put:
	ipsecme_etcp_put(ctx);
	return err;
}
