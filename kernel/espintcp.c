// SPDX-License-Identifier: GPL-2.0
/*
 * The "espintcp" TCP ULP: attach, poll, close and connection loss.
 *
 * Attaching swaps the socket's proto for a copy whose sendmsg, recvmsg,
 * close and disconnect are ours, its proto_ops for a copy whose poll is
 * ours, and hooks data_ready, write_space and state_change. close()
 * undoes the callbacks under the socket lock.
 *
 * The ULP pins the module (.owner): TCP takes a module reference at
 * attach and drops it when the socket is destroyed, after the last call
 * through any of our pointers. So rmmod fails with EBUSY while a socket
 * has the ULP, and no unload can race a socket call.
 *
 * A socket carries one ESP-in-TCP connection: disconnect (connect with
 * AF_UNSPEC) is refused, so no half-parsed or half-written record can
 * leak into a later connection of the same socket.
 */

#include <linux/capability.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "compat.h"
#include "espintcp.h"
#include "netlink.h"
#include "sa_bind.h"

struct workqueue_struct *ipsecme_etcp_wq;

/* The protos and proto_ops we install: one per address family, each a
 * copy of the base of that family taken from the first socket that
 * attaches (tcpv6_prot is not exported).
 */
static struct proto ipsecme_etcp_prot[2];
static struct proto *ipsecme_etcp_base[2];
static struct proto_ops ipsecme_etcp_ops[2];
static const struct proto_ops *ipsecme_etcp_base_ops[2];
static DEFINE_MUTEX(ipsecme_etcp_prot_lock);
static bool ipsecme_etcp_ulp_registered;

/**
 * ipsecme_etcp_is_v6() - does the connection run over IPv6?
 * @sk: a TCP socket
 *
 * An AF_INET6 socket connected to a v4-mapped address carries IPv4.
 */
bool ipsecme_etcp_is_v6(const struct sock *sk)
{
#if IS_ENABLED(CONFIG_IPV6)
	return sk->sk_family == AF_INET6 &&
	       !ipv6_addr_v4mapped(&sk->sk_v6_daddr);
#else
	return false;
#endif
}

static int ipsecme_etcp_prot_idx(const struct sock *sk)
{
	return sk->sk_family == AF_INET6;
}

static void ipsecme_etcp_close(struct sock *sk, long timeout);

/* A socket carries one connection (see the top of this file). */
static int ipsecme_etcp_disconnect(struct sock *sk, int flags)
{
	return -EOPNOTSUPP;
}

/* Readable when recv() has a whole IKE message, or an end or an error to
 * report: TCP's own EPOLLIN also counts the bytes of a record the parser
 * is still waiting to complete, which would make a level-triggered
 * reader spin.
 */
static __poll_t ipsecme_etcp_poll(struct file *file, struct socket *sock,
				  poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct ipsecme_etcp *ctx;
	__poll_t mask;

	mask = ipsecme_etcp_base_ops[ipsecme_etcp_prot_idx(sk)]->poll(file, sock,
									wait);
	mask &= ~(EPOLLIN | EPOLLRDNORM);
	rcu_read_lock();
	ctx = rcu_dereference(inet_csk(sk)->icsk_ulp_data);
	if (!ctx || ipsecme_etcp_readable(ctx, sk))
		mask |= EPOLLIN | EPOLLRDNORM;
	rcu_read_unlock();
	return mask;
}

/* Build the proto and proto_ops for @sk's family on first use; later
 * sockets must have the same bases, so a socket already taken over by
 * something else (another ULP, sockmap) is refused.
 */
static int ipsecme_etcp_protos_for(struct sock *sk)
{
	const struct proto_ops *ops = sk->sk_socket->ops;
	int idx = ipsecme_etcp_prot_idx(sk);
	int ret = -1;

	mutex_lock(&ipsecme_etcp_prot_lock);
	if (!ipsecme_etcp_base[idx]) {
		if ((idx == 0 && sk->sk_prot != &tcp_prot) ||
		    (idx == 1 && strcmp(sk->sk_prot->name, "TCPv6")) ||
		    ops->poll != tcp_poll)
			goto out;
		ipsecme_etcp_prot[idx] = *sk->sk_prot;
		ipsecme_etcp_prot[idx].sendmsg = ipsecme_etcp_sendmsg;
		ipsecme_etcp_prot[idx].recvmsg = ipsecme_etcp_recvmsg;
		ipsecme_etcp_prot[idx].close = ipsecme_etcp_close;
		ipsecme_etcp_prot[idx].disconnect = ipsecme_etcp_disconnect;
		/* Our poll decides readability. */
		ipsecme_etcp_prot[idx].sock_is_readable = NULL;
#ifdef IPSECME_HAVE_PROTO_SENDPAGE
		/* sendfile() must go through sendmsg() and its framing. */
		ipsecme_etcp_prot[idx].sendpage = NULL;
#endif
		ipsecme_etcp_base[idx] = sk->sk_prot;
		ipsecme_etcp_ops[idx] = *ops;
		ipsecme_etcp_ops[idx].poll = ipsecme_etcp_poll;
		ipsecme_etcp_base_ops[idx] = ops;
	}
	if (sk->sk_prot == ipsecme_etcp_base[idx] &&
	    ops == ipsecme_etcp_base_ops[idx])
		ret = idx;
out:
	mutex_unlock(&ipsecme_etcp_prot_lock);
	return ret;
}

/* Has the peer ended the connection (FIN, RST, or an error)? */
static void ipsecme_etcp_check_lost(struct ipsecme_etcp *ctx, struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_CLOSE_WAIT:
	case TCP_CLOSE:
	case TCP_LAST_ACK:
		ipsecme_etcp_mark_lost(ctx, sk->sk_err ? : EPIPE);
		break;
	}
}

static void ipsecme_etcp_state_change(struct sock *sk)
{
	void (*saved)(struct sock *sk) = NULL;
	struct ipsecme_etcp *ctx;

	rcu_read_lock();
	ctx = ipsecme_etcp_get(sk);
	if (ctx) {
		saved = ctx->saved_state_change;
		ipsecme_etcp_check_lost(ctx, sk);
	}
	rcu_read_unlock();
	if (saved)
		saved(sk);
}

/**
 * ipsecme_etcp_mark_lost() - the connection ended: remember why, once
 * @ctx: the socket's ULP state
 * @err: positive errno (EPIPE for an orderly EOF)
 *
 * Runs in softirq; the bindings are made dormant and userspace told from
 * process context.
 */
void ipsecme_etcp_mark_lost(struct ipsecme_etcp *ctx, int err)
{
	if (cmpxchg(&ctx->lost, 0, err) != 0)
		return;
	spin_lock_bh(&ctx->out_queue.lock);
	if (!ctx->closing)
		queue_work(ipsecme_etcp_wq, &ctx->lost_work);
	spin_unlock_bh(&ctx->out_queue.lock);
}

static void ipsecme_etcp_lost_work(struct work_struct *work)
{
	struct ipsecme_etcp *ctx = container_of(work, struct ipsecme_etcp,
						lost_work);
	unsigned int n;

	n = ipsecme_bind_sock_lost(ctx);
	ipsecme_etcp_count(ctx, IPSECME_A_STAT_CONN_LOST);
	ipsecme_nl_notify_conn_lost(ctx, n);
	/* Nothing queued can reach the peer any more. */
	lock_sock(ctx->sk);
	ipsecme_etcp_tx_purge(ctx);
	release_sock(ctx->sk);
}

/**
 * ipsecme_etcp_from_sock() - ULP state of a socket, for the binding API
 * @sk: any socket, locked by the caller
 *
 * Return: the state, or NULL if @sk does not have this module's espintcp
 * ULP attached.
 */
struct ipsecme_etcp *ipsecme_etcp_from_sock(struct sock *sk)
{
	struct ipsecme_etcp *ctx;

	sock_owned_by_me(sk);
	if (sk->sk_protocol != IPPROTO_TCP || sk->sk_type != SOCK_STREAM ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6))
		return NULL;
	if (sk->sk_prot != &ipsecme_etcp_prot[0] &&
	    sk->sk_prot != &ipsecme_etcp_prot[1])
		return NULL;
	ctx = ipsecme_etcp_get(sk);
	return ctx && !ctx->detached ? ctx : NULL;
}

static struct ipsecme_etcp *ipsecme_etcp_alloc(struct sock *sk)
{
	struct ipsecme_etcp *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return NULL;
	ctx->sk = sk;
	ctx->in = ipsecme_net(sock_net(sk));
	skb_queue_head_init(&ctx->ike_queue);
	skb_queue_head_init(&ctx->out_queue);
	INIT_WORK(&ctx->tx_work, ipsecme_etcp_tx_work);
	INIT_WORK(&ctx->lost_work, ipsecme_etcp_lost_work);
	INIT_LIST_HEAD(&ctx->bindings);
	refcount_set(&ctx->refs, 1);
	return ctx;
}

static void ipsecme_etcp_hook(struct sock *sk, struct ipsecme_etcp *ctx)
{
	write_lock_bh(&sk->sk_callback_lock);
	ctx->saved_data_ready = sk->sk_data_ready;
	ctx->saved_write_space = sk->sk_write_space;
	ctx->saved_state_change = sk->sk_state_change;
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, ctx);
	/* Claimed, so that KCM, which checks only this, cannot take the
	 * socket's callbacks over ours; never copied to a clone.
	 */
	__rcu_assign_sk_user_data_with_flags(sk, ctx, SK_USER_DATA_NOCOPY);
	sk->sk_data_ready = ipsecme_etcp_data_ready;
	sk->sk_write_space = ipsecme_etcp_write_space;
	sk->sk_state_change = ipsecme_etcp_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* TCP ULP .init: called with the socket locked, from setsockopt(), with
 * a reference on this module that TCP drops when the socket is destroyed
 * (on failure: at once).
 */
static int ipsecme_etcp_ulp_init(struct sock *sk)
{
	struct ipsecme_etcp *ctx;
	int idx, err;

	if (!ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	/* Someone else's, KCM's for one. */
	if (sk->sk_user_data)
		return -EBUSY;
	/* Listening, connecting, or already closed by the peer: there is
	 * no stream to carry records (yet, or any more).
	 */
	if (sk->sk_state != TCP_ESTABLISHED)
		return -ENOTCONN;
	idx = ipsecme_etcp_protos_for(sk);
	if (idx < 0)
		return -EOPNOTSUPP;
	ctx = ipsecme_etcp_alloc(sk);
	if (!ctx)
		return -ENOMEM;
	err = ipsecme_etcp_rx_init(ctx);
	if (err) {
		kfree(ctx);
		return err;
	}
	ctx->ino = sock_i_ino(sk);
	ctx->saved_prot = sk->sk_prot;

	spin_lock_bh(&ctx->in->lock);
	list_add_tail(&ctx->node, &ctx->in->conns);
	spin_unlock_bh(&ctx->in->lock);

	ipsecme_etcp_hook(sk, ctx);
	WRITE_ONCE(sk->sk_prot, &ipsecme_etcp_prot[idx]);
	WRITE_ONCE(sk->sk_socket->ops, &ipsecme_etcp_ops[idx]);
	ipsecme_etcp_count(ctx, IPSECME_A_STAT_CONN_ATTACHED);

	/* Bytes that arrived before the ULP are records too. */
	strp_check_rcv(&ctx->strp);
	return 0;
}

/* Undo the hooks at close, under the socket lock; what is queued for
 * recv() goes too (it is charged to the socket, so it is freed under
 * the lock). icsk_ulp_ops stays: TCP drops our module reference through
 * it when it destroys the socket.
 */
static void ipsecme_etcp_detach_locked(struct sock *sk,
				       struct ipsecme_etcp *ctx)
{
	sock_owned_by_me(sk);
	ctx->detached = true;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_data_ready = ctx->saved_data_ready;
	sk->sk_write_space = ctx->saved_write_space;
	sk->sk_state_change = ctx->saved_state_change;
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, NULL);
	rcu_assign_sk_user_data(sk, NULL);
	write_unlock_bh(&sk->sk_callback_lock);
	strp_stop(&ctx->strp);
	WRITE_ONCE(sk->sk_prot, ctx->saved_prot);
	__skb_queue_purge(&ctx->ike_queue);

	spin_lock_bh(&ctx->out_queue.lock);
	ctx->closing = true;
	spin_unlock_bh(&ctx->out_queue.lock);
}

/* Free a detached ctx: must not hold the socket lock (the works take it). */
static void ipsecme_etcp_destroy(struct ipsecme_etcp *ctx)
{
	struct ipsecme_net *in = ctx->in;

	flush_work(&ctx->lost_work);
	/* Fail closed: the SAs' packets are dropped, not sent as plain ESP,
	 * until userspace rebinds or unbinds them or they die.
	 */
	ipsecme_bind_sock_lost(ctx);
	cancel_work_sync(&ctx->tx_work);
	strp_done(&ctx->strp);

	spin_lock_bh(&in->lock);
	list_del_init(&ctx->node);
	spin_unlock_bh(&in->lock);

	skb_queue_purge(&ctx->out_queue);
	ipsecme_etcp_put(ctx);
}

/* base->close() may destroy the socket and so drop the module reference
 * TCP holds for the ULP: it is the last thing done here (as in kTLS).
 */
static void ipsecme_etcp_close(struct sock *sk, long timeout)
{
	struct proto *base = ipsecme_etcp_base[ipsecme_etcp_prot_idx(sk)];
	struct ipsecme_etcp *ctx;

	lock_sock(sk);
	ctx = ipsecme_etcp_get(sk);
	if (ctx)
		ipsecme_etcp_detach_locked(sk, ctx);
	release_sock(sk);
	if (ctx)
		ipsecme_etcp_destroy(ctx);
	base->close(sk, timeout);
}

static struct tcp_ulp_ops ipsecme_etcp_ulp_ops __read_mostly = {
	.name = "espintcp",
	.owner = THIS_MODULE,
	.init = ipsecme_etcp_ulp_init,
};

/**
 * ipsecme_etcp_net_exit() - a namespace's state goes
 * @in: the namespace's state
 *
 * Every user socket pins its namespace and, with the ULP, the module, so
 * no espintcp socket can be left here.
 */
void ipsecme_etcp_net_exit(struct ipsecme_net *in)
{
	WARN_ON_ONCE(!list_empty(&in->conns));
}

bool ipsecme_etcp_registered(void)
{
	return ipsecme_etcp_ulp_registered;
}

/**
 * ipsecme_etcp_init() - register the ULP unless the kernel has its own
 *
 * Return: 0 or -errno.
 */
int __init ipsecme_etcp_init(void)
{
	int err;

	ipsecme_etcp_wq = alloc_workqueue("ipsecme_etcp", WQ_UNBOUND, 0);
	if (!ipsecme_etcp_wq)
		return -ENOMEM;
	if (IS_ENABLED(CONFIG_INET_ESPINTCP))
		return 0;
	err = tcp_register_ulp(&ipsecme_etcp_ulp_ops);
	if (err) {
		destroy_workqueue(ipsecme_etcp_wq);
		return err;
	}
	ipsecme_etcp_ulp_registered = true;
	return 0;
}

/**
 * ipsecme_etcp_uninit() - unregister the ULP; no socket has it any more
 *
 * The module only unloads once every socket that had the ULP is
 * destroyed, so there is no socket to sweep and no call to wait for.
 */
void ipsecme_etcp_uninit(void)
{
	if (ipsecme_etcp_ulp_registered)
		tcp_unregister_ulp(&ipsecme_etcp_ulp_ops);
	destroy_workqueue(ipsecme_etcp_wq);
}
