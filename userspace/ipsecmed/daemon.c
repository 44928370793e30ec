// SPDX-License-Identifier: GPL-2.0
/*
 * Routing of received messages to IKE SAs and exchanges, the message-ID
 * windows (RFC 7296 section 2.3, window size 1), retransmission with
 * exponential backoff (section 2.1), and the periodic sweep.
 */
#include <errno.h>
#include <stdlib.h>

#include "ipsecmed/daemon.h"
#include "ipsecmed/exchange.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"
#include "ipsecmed/reconnect.h"
#include "ipsecmed/window.h"
#include "lib/ctl.h"

#define HALF_OPEN_TIMEOUT_MS 30000
#define DAEMON_SWEEP_MS 1000

/* The peer's keys open the SK payload, or the message is dropped. */
static bool open_sk(struct ike_sa *sa, struct ike_msg *m, uint8_t *buf,
		    struct ike_err *err)
{
	struct ike_sk_dir k;
	int ret;

	if (!m->has_sk || sa->state == IKE_S_INIT_SENT) {
		log_rl(LOG_DEBUG, "IKE SA #%u: message without SK payload dropped",
		       sa->id);
		return false;
	}
	ike_sa_dir_in(sa, &k);
	ret = ike_sk_open(&k, m, buf, IKE_MAX_MSG, err);
	if (ret == IKE_E_INTEGRITY)
		log_rl(LOG_INFO, "IKE SA #%u: message failed its integrity check, "
		       "dropped", sa->id);
	return ret != IKE_E_INTEGRITY;
}

static void handle_response(struct daemon *d, struct ike_sa *sa,
			    struct ike_task *t, const struct path *from,
			    const uint8_t *buf, size_t len)
{
	const struct task_ops *ops = t->ops;
	static struct ike_msg m;
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_err err = { 0 };
	void *priv = NULL;

	if (ike_msg_decode(&m, buf, len, &err)) {
		log_rl(LOG_INFO, "IKE SA #%u: bad response: %s", sa->id, err.msg);
		return;
	}
	/* An IKE_SA_INIT response is not authenticated: whether it ends
	 * our request is for init_handle_response() to decide.
	 */
	if (m.hdr.exchange != IKE_SA_INIT) {
		if (!open_sk(sa, &m, plain, &err))
			return;
		if (err.code) {
			log_rl(LOG_INFO, "IKE SA #%u: bad response: %s", sa->id,
			       err.msg);
			return;
		}
		priv = task_retire(sa, t);
		reconnect_follow(d, sa, from);
	}
	sa->last_rx_ms = now_ms();
	ops->answered(d, sa, priv, &m);
}

static void handle_request(struct daemon *d, struct ike_sa *sa,
			   const struct path *from, const uint8_t *buf,
			   size_t len)
{
	static struct ike_msg m;
	static uint8_t plain[IKE_MAX_MSG];
	static uint8_t out[256];
	const struct endpoint *ep = &from->ep;
	struct ike_err err = { 0 };
	struct ike_builder b;

	if (ike_msg_decode(&m, buf, len, &err)) {
		log_rl(LOG_INFO, "IKE SA #%u: bad request: %s", sa->id, err.msg);
		return;
	}
	if (!open_sk(sa, &m, plain, &err))
		return;
	sa->last_rx_ms = now_ms();
	reconnect_follow(d, sa, from);
	if (sa->nat && (!ipsec_addr_eq(&ep->remote, &sa->path.ep.remote) ||
			ep->rport != sa->path.ep.rport ||
			ep->lport != sa->path.ep.lport)) {
		log_info("IKE SA #%u: peer moved to port %u", sa->id,
			 ep->rport);
		path_copy(&sa->path, from);
	}
	if (err.code) {
		log_rl(LOG_INFO, "IKE SA #%u: bad request: %s", sa->id, err.msg);
		ikb_init_chain(&b, out, sizeof(out));
		ikb_notify(&b, 0, NULL, 0, err.notify ? err.notify :
			   IKE_N_INVALID_SYNTAX, &err.payload,
			   err.code == IKE_E_CRITICAL ? 1 : 0);
		sa_send_response(d, sa, m.hdr.exchange, m.hdr.msgid, &b);
		return;
	}
	switch (m.hdr.exchange) {
	case IKE_AUTH: auth_handle_request(d, sa, &m); break;
	case IKE_CREATE_CHILD_SA: child_handle_request(d, sa, &m); break;
	case IKE_INFORMATIONAL: info_handle_request(d, sa, &m); break;
	default:
		log_info("IKE SA #%u: exchange %u not supported", sa->id,
			 m.hdr.exchange);
	}
}

/* An IKE SA rekey finished on @sa after we had decided to delete it
 * (its Delete waiting behind a request of ours, as "down" and
 * unique = replace leave it): ours in flight was answered, or we
 * answered the peer's. The successor it made, holding the CHILD_SAs
 * that already left our kernel, goes too, or it would live on at both
 * ends with nobody to end it.
 */
static void delete_successor(struct daemon *d, struct ike_sa *sa)
{
	struct ike_sa *n;

	if (!sa->delete_queued || !sa->successor_id)
		return;
	n = ike_sa_by_id(d->sas, sa->successor_id);
	if (!n || n->state != IKE_S_ESTABLISHED || n->delete_queued)
		return;
	log_info("%s: IKE SA #%u, rekeyed from #%u while that was being "
		 "deleted, deleted too", n->conn->name, n->id, sa->id);
	sa_delete(d, n);
}

void daemon_input(void *daemon, const struct path *from, const uint8_t *buf,
		  size_t len)
{
	struct daemon *d = daemon;
	struct ike_hdr h;
	struct ike_err err;
	struct ike_sa *sa;
	bool response;

	if (ike_hdr_decode(&h, buf, len, &err)) {
		log_rl(LOG_DEBUG, "datagram dropped: %s", err.msg);
		return;
	}
	response = h.flags & IKE_FLAG_RESPONSE;
	if (h.exchange == IKE_SA_INIT && !response) {
		if (h.msgid == 0 &&
		    !memcmp(h.spi_r, "\0\0\0\0\0\0\0\0", IKE_SPI_LEN))
			init_handle_request(d, from, buf, len);
		return;
	}
	sa = daemon_find_sa(d, h.spi_i, h.exchange == IKE_SA_INIT ? NULL :
			    h.spi_r);
	/* The original initiator's messages carry the I flag. */
	if (!sa || !(h.flags & IKE_FLAG_INITIATOR) == !sa->initiator) {
		log_rl(LOG_DEBUG, "message for an unknown IKE SA dropped");
		return;
	}
	if (response) {
		struct ike_task *t = task_for_response(&sa->tasks, &h);

		if (t) {
			handle_response(d, sa, t, from, buf, len);
			delete_successor(d, sa);
		} else {
			log_rl(LOG_DEBUG, "IKE SA #%u: response %u (exchange %u) does "
			       "not answer our request, dropped", sa->id,
			       h.msgid, h.exchange);
		}
		return;
	}
	if (h.msgid + 1 == sa->msgid_in && sa->resp) {
		/* A retransmitted request: the same answer (RFC 7296 2.1),
		 * but only to the very same datagram.
		 */
		if (!window_is_retransmission(sa, buf, len)) {
			log_rl(LOG_DEBUG, "IKE SA #%u: request %u (%zu bytes) is not "
			       "the one we answered, dropped", sa->id,
			       h.msgid, len);
			return;
		}
		log_rl(LOG_DEBUG, "IKE SA #%u: retransmitted request %u answered "
		       "again", sa->id, h.msgid);
		/* Over TCP, on the connection it came on: a peer that lost
		 * ours resends on its new one (the SA follows only an
		 * authenticated request, and a copy is not one).
		 */
		path_send(path_is_tcp(from) ? from : &sa->path, sa->resp,
			  sa->resp_len);
		return;
	}
	if (h.msgid != sa->msgid_in) {
		log_rl(LOG_DEBUG, "IKE SA #%u: request %u outside the window",
		       sa->id, h.msgid);
		return;
	}
	handle_request(d, sa, from, buf, len);
	window_answered(sa, h.msgid, buf, len);
	delete_successor(d, sa);
}

/* Behind a NAT, keep its mapping for port 4500 open (RFC 3948 section 4,
 * RFC 7296 section 2.23) even when neither IKE nor ESP has anything to
 * send. Sent every interval regardless of other traffic: simpler, and
 * one byte every 20 s costs nothing.
 */
static void nat_keepalive(struct daemon *d, struct ike_sa *sa, uint64_t now)
{
	uint32_t secs = d->conf->daemon.nat_keepalive;

	if (sa->state != IKE_S_ESTABLISHED || !(sa->nat & CTL_NAT_LOCAL) ||
	    !secs || path_is_tcp(&sa->path))
		return;
	if (!sa->keepalive_next_ms)	/* the IKE_AUTH just went through */
		sa->keepalive_next_ms = now + secs * 1000ull;
	if (now < sa->keepalive_next_ms)
		return;
	if (path_send_keepalive(&sa->path))
		log_debug("IKE SA #%u: cannot send a NAT-keepalive", sa->id);
	sa->keepalive_next_ms = now + secs * 1000ull;
}

/* The deadlines of @sa that are not timers of their own: lifetimes,
 * rekeys, DPD and keepalives, all with a resolution of a second.
 */
static void timers_of(struct daemon *d, struct ike_sa *sa, uint64_t now)
{
	if (sa->state == IKE_S_HALF_OPEN &&
	    now >= sa->created_ms + HALF_OPEN_TIMEOUT_MS)
		sa_terminate(d, sa, "half-open SA timed out");
	if (sa->state == IKE_S_INIT_SENT && !path_is_tcp(&sa->path) &&
	    sa->conn->encapsulation == CONF_ENCAP_AUTO &&
	    now >= sa->created_ms + sa->conn->tcp_fallback * 1000ull &&
	    init_fallback_tcp(d, sa))
		sa_terminate(d, sa, "cannot fall back to TCP");
	if (sa->state == IKE_S_ESTABLISHED && sa->delete_queued &&
	    !task_window_full(&sa->tasks))
		info_send_delete(d, sa);
	if (sa->state == IKE_S_ESTABLISHED && !task_window_full(&sa->tasks))
		child_create_due(d, sa);
	if (sa->state == IKE_S_ESTABLISHED && !task_window_full(&sa->tasks))
		ike_rekey_due(d, sa, now);
	if (sa->state == IKE_S_ESTABLISHED && !task_window_full(&sa->tasks))
		child_rekey_due(d, sa, now);
	if (sa->state == IKE_S_ESTABLISHED && sa->conn->dpd_delay &&
	    !task_window_full(&sa->tasks) && !sa->successor_id &&
	    now >= sa->dpd_next_ms) {
		uint64_t delay = sa->conn->dpd_delay * 1000ull;

		if (now >= sa->last_rx_ms + delay)
			info_send_dpd(d, sa);
		sa->dpd_next_ms = now + delay;
	}
	nat_keepalive(d, sa, now);
	reconnect_due(d, sa, now);
}

int daemon_timers(struct daemon *d)
{
	struct ike_sa **psa = &d->sas, *sa;
	uint64_t now = now_ms();

	while ((sa = *psa)) {
		if (sa->state == IKE_S_DEAD) {
			*psa = sa->next;
			ike_sa_free(sa);
			continue;
		}
		timers_of(d, sa, now);
		psa = &sa->next;
	}
	return DAEMON_SWEEP_MS;
}
