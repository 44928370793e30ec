// SPDX-License-Identifier: GPL-2.0
/*
 * The "espintcp" TCP ULP: attach, close, connection loss and unload.
 *
 * Attaching swaps the socket's proto for a copy whose sendmsg, recvmsg,
 * close and sock_is_readable are ours, and hooks data_ready, write_space
 * and state_change. Everything is undone under the socket lock, either by
 * close() or, at module unload, for every socket still attached: the ULP
 * does not pin the module, so that an administrator can unload it under
 * live connections. Those connections are then aborted (RST, ECONNABORTED
 * to the owner): restoring them to plain TCP mid-record would hand the
 * owner a corrupt stream.
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

/* The protos we install: one per address family, each a copy of the base
 * TCP proto of that family taken from the first socket that attaches
 * (tcpv6_prot is not exported).
 */
static struct proto ipsecme_etcp_prot[2];
static struct proto *ipsecme_etcp_base[2];
static DEFINE_MUTEX(ipsecme_etcp_prot_lock);

/* Tasks inside one of our socket functions, and the subset inside the
 * ULP init. recvmsg() may sleep until its socket is aborted, so unload
 * first waits only for attachments, sweeps the sockets, then waits for all.
 */
static atomic_t ipsecme_etcp_calls = ATOMIC_INIT(0);
static atomic_t ipsecme_etcp_attaching = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(ipsecme_etcp_calls_wq);
static bool ipsecme_etcp_unloading;
static bool ipsecme_etcp_ulp_registered;

void ipsecme_etcp_enter(void)
{
	atomic_inc(&ipsecme_etcp_calls);
}

void ipsecme_etcp_leave(void)
{
	if (atomic_dec_and_test(&ipsecme_etcp_calls))
		wake_up_all(&ipsecme_etcp_calls_wq);
}

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

/* Build the proto for @sk's family on first use; later sockets must have
 * the same base proto, so a socket already taken over by something else
 * (another ULP, sockmap) is refused.
 */
static struct proto *ipsecme_etcp_proto_for(struct sock *sk)
{
	int idx = ipsecme_etcp_prot_idx(sk);
	struct proto *p = NULL;

	mutex_lock(&ipsecme_etcp_prot_lock);
	if (!ipsecme_etcp_base[idx]) {
		if ((idx == 0 && sk->sk_prot != &tcp_prot) ||
		    (idx == 1 && strcmp(sk->sk_prot->name, "TCPv6")))
			goto out;
		ipsecme_etcp_prot[idx] = *sk->sk_prot;
		ipsecme_etcp_prot[idx].sendmsg = ipsecme_etcp_sendmsg;
		ipsecme_etcp_prot[idx].recvmsg = ipsecme_etcp_recvmsg;
		ipsecme_etcp_prot[idx].close = ipsecme_etcp_close;
		ipsecme_etcp_prot[idx].sock_is_readable =
			ipsecme_etcp_sock_is_readable;
#ifdef IPSECME_HAVE_PROTO_SENDPAGE
		/* sendfile() must go through sendmsg() and its framing. */
		ipsecme_etcp_prot[idx].sendpage = NULL;
#endif
		ipsecme_etcp_base[idx] = sk->sk_prot;
	}
	if (sk->sk_prot == ipsecme_etcp_base[idx])
		p = &ipsecme_etcp_prot[idx];
out:
	mutex_unlock(&ipsecme_etcp_prot_lock);
	return p;
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

static int ipsecme_etcp_attach(struct sock *sk)
{
	struct ipsecme_etcp *ctx;
	struct proto *prot;
	int err;

	if (!ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (sk->sk_user_data)
		return -EBUSY;
	prot = ipsecme_etcp_proto_for(sk);
	if (!prot)
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

	write_lock_bh(&sk->sk_callback_lock);
	ctx->saved_data_ready = sk->sk_data_ready;
	ctx->saved_write_space = sk->sk_write_space;
	ctx->saved_state_change = sk->sk_state_change;
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, ctx);
	sk->sk_data_ready = ipsecme_etcp_data_ready;
	sk->sk_write_space = ipsecme_etcp_write_space;
	sk->sk_state_change = ipsecme_etcp_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
	WRITE_ONCE(sk->sk_prot, prot);
	ipsecme_etcp_count(ctx, IPSECME_A_STAT_CONN_ATTACHED);

	/* Bytes that arrived before the ULP are records too, and a FIN
	 * that came with them has ended the connection already.
	 */
	strp_check_rcv(&ctx->strp);
	ipsecme_etcp_check_lost(ctx, sk);
	return 0;
}

/* TCP ULP .init: called with the socket locked, from setsockopt(). */
static int ipsecme_etcp_ulp_init(struct sock *sk)
{
	int err;

	atomic_inc(&ipsecme_etcp_attaching);
	/* Unload waits for this call to return; a socket attached after
	 * the unload started would never be swept.
	 */
	err = READ_ONCE(ipsecme_etcp_unloading) ? -ENOENT :
		ipsecme_etcp_attach(sk);
	if (atomic_dec_and_test(&ipsecme_etcp_attaching))
		wake_up_all(&ipsecme_etcp_calls_wq);
	return err;
}

/* Undo the attach; the socket is plain TCP again (and icsk_ulp_ops is
 * cleared so that TCP never calls into this module for it later).
 * Return: true if this call detached, false if someone already had.
 */
static bool ipsecme_etcp_detach_locked(struct sock *sk,
				       struct ipsecme_etcp *ctx)
{
	sock_owned_by_me(sk);
	if (ctx->detached)
		return false;
	ctx->detached = true;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_data_ready = ctx->saved_data_ready;
	sk->sk_write_space = ctx->saved_write_space;
	sk->sk_state_change = ctx->saved_state_change;
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, NULL);
	inet_csk(sk)->icsk_ulp_ops = NULL;
	write_unlock_bh(&sk->sk_callback_lock);
	strp_stop(&ctx->strp);
	WRITE_ONCE(sk->sk_prot, ctx->saved_prot);

	spin_lock_bh(&ctx->out_queue.lock);
	ctx->closing = true;
	spin_unlock_bh(&ctx->out_queue.lock);
	return true;
}

/* Free a detached ctx: must not hold the socket lock (the works take it). */
static void ipsecme_etcp_destroy(struct ipsecme_etcp *ctx)
{
	struct ipsecme_net *in = ctx->in;

	/* A loss seen before the close still turns bindings dormant. */
	flush_work(&ctx->lost_work);
	ipsecme_bind_sock_gone(ctx);
	cancel_work_sync(&ctx->tx_work);
	strp_done(&ctx->strp);

	spin_lock_bh(&in->lock);
	if (!list_empty(&ctx->node))
		list_del_init(&ctx->node);
	spin_unlock_bh(&in->lock);

	skb_queue_purge(&ctx->ike_queue);
	skb_queue_purge(&ctx->out_queue);
	ipsecme_etcp_put(ctx);
}

static void ipsecme_etcp_close(struct sock *sk, long timeout)
{
	struct proto *base;
	struct ipsecme_etcp *ctx;
	bool mine = false;

	ipsecme_etcp_enter();
	base = ipsecme_etcp_base[ipsecme_etcp_prot_idx(sk)];
	lock_sock(sk);
	ctx = ipsecme_etcp_get(sk);
	if (ctx)
		mine = ipsecme_etcp_detach_locked(sk, ctx);
	release_sock(sk);
	if (mine)
		ipsecme_etcp_destroy(ctx);
	base->close(sk, timeout);
	ipsecme_etcp_leave();
}

static struct tcp_ulp_ops ipsecme_etcp_ulp_ops __read_mostly = {
	.name = "espintcp",
	/* NULL owner: see the comment at the top of this file. */
	.owner = NULL,
	.init = ipsecme_etcp_ulp_init,
};

/* Take the first socket still attached in @in off the list, with a
 * reference, or return NULL.
 */
static struct sock *ipsecme_etcp_net_pop(struct ipsecme_net *in)
{
	struct ipsecme_etcp *ctx;
	struct sock *sk = NULL;

	spin_lock_bh(&in->lock);
	ctx = list_first_entry_or_null(&in->conns, struct ipsecme_etcp, node);
	if (ctx) {
		list_del_init(&ctx->node);
		sk = ctx->sk;
		sock_hold(sk);
	}
	spin_unlock_bh(&in->lock);
	return sk;
}

/**
 * ipsecme_etcp_net_exit() - detach and abort every espintcp socket of @in
 * @in: a namespace's state, at module unload
 *
 * A namespace only dies once its user sockets are gone, so this finds
 * sockets only when the module is unloaded.
 */
void ipsecme_etcp_net_exit(struct ipsecme_net *in)
{
	struct ipsecme_etcp *ctx;
	struct sock *sk;
	bool mine;

	while ((sk = ipsecme_etcp_net_pop(in))) {
		lock_sock(sk);
		ctx = ipsecme_etcp_get(sk);
		mine = ctx && ipsecme_etcp_detach_locked(sk, ctx);
		release_sock(sk);
		if (mine) {
			ipsecme_etcp_destroy(ctx);
			tcp_abort(sk, ECONNABORTED);
		}
		sock_put(sk);
	}
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

/* A task that loaded one of our function pointers before they were
 * restored (or the ULP unregistered) has, after an RCU-tasks grace period,
 * either entered the function (and is counted) or dropped the pointer.
 */
static void ipsecme_etcp_wait(atomic_t *count)
{
	synchronize_rcu_tasks();
	wait_event(ipsecme_etcp_calls_wq, !atomic_read(count));
}

/**
 * ipsecme_etcp_uninit() - stop new attachments, first step of unload
 *
 * Sockets still attached are swept per namespace afterwards
 * (ipsecme_etcp_net_exit()); ipsecme_etcp_uninit_late() finishes.
 */
void ipsecme_etcp_uninit(void)
{
	WRITE_ONCE(ipsecme_etcp_unloading, true);
	if (ipsecme_etcp_ulp_registered)
		tcp_unregister_ulp(&ipsecme_etcp_ulp_ops);
	ipsecme_etcp_wait(&ipsecme_etcp_attaching);
}

/**
 * ipsecme_etcp_uninit_late() - wait for stragglers and free what is left
 */
void ipsecme_etcp_uninit_late(void)
{
	/* No proto built: no socket ever had our function pointers, and the
	 * wait for attachments in ipsecme_etcp_uninit() already covered init.
	 */
	if (ipsecme_etcp_base[0] || ipsecme_etcp_base[1])
		ipsecme_etcp_wait(&ipsecme_etcp_calls);
	synchronize_rcu();
	rcu_barrier();
	destroy_workqueue(ipsecme_etcp_wq);
}
