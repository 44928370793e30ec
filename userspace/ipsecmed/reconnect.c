// SPDX-License-Identifier: GPL-2.0
/* Re-establishing lost TCP connections (see reconnect.h). */
#include <string.h>

#include "ipsecmed/exchange.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"
#include "ipsecmed/reconnect.h"
#include "ipsecmed/sa.h"
#include "ipsecmed/task.h"

static bool on_stream(const struct ike_sa *sa, const void *via)
{
	return sa->state != IKE_S_DEAD && sa->path.via == via;
}

/* Move @sa to the new stream @np: resend what is in flight, then make
 * sure an authenticated request of ours goes on it.
 */
static void move_to(struct daemon *d, struct ike_sa *sa,
		    const struct path *np)
{
	path_copy(&sa->path, np);
	sa->tcp_reconnect = false;
	log_info("IKE SA #%u: reconnecting over TCP to port %u", sa->id,
		 np->ep.rport);
	task_resend(sa);
	if (sa->state != IKE_S_ESTABLISHED)
		return;
	if (task_window_full(&sa->tasks))
		sa->tcp_probe = true;		/* once the window frees */
	else
		info_send_dpd(d, sa);
}

/* One new stream for every IKE SA on @sa's (an IKE SA and its
 * successor share one while a rekey finishes).
 */
static void reconnect(struct daemon *d, struct ike_sa *sa)
{
	struct path old = { 0 }, np = { 0 };
	struct endpoint ep = sa->path.ep;
	uint64_t now = now_ms();
	struct ike_sa *s;
	int err;

	path_copy(&old, &sa->path);	/* its streams' SAs are found by it */
	ep.lport = 0;
	err = tcp_connect(&d->tcp, &ep, &np);
	if (err)
		log_rl(LOG_INFO, "IKE SA #%u: cannot reconnect over TCP: %s",
		       sa->id, strerror(-err));
	for (s = d->sas; s; s = s->next) {
		if (!on_stream(s, old.via))
			continue;
		s->tcp_retry_ms = now + RECONNECT_INTERVAL_MS;
		if (err)
			s->tcp_reconnect = true;
		else
			move_to(d, s, &np);
	}
	path_release(&np);
	path_release(&old);
}

static void lost(struct daemon *d, const struct path *p)
{
	struct ike_sa *sa, *first = NULL;

	for (sa = d->sas; sa; sa = sa->next) {
		if (!on_stream(sa, p->via))
			continue;
		if (!tcp_path_is_ours(p)) {
			log_info("IKE SA #%u: TCP connection lost; the peer "
				 "re-establishes it", sa->id);
			continue;
		}
		sa->tcp_reconnect = true;
		if (!first)
			first = sa;
	}
	if (first && now_ms() >= first->tcp_retry_ms)
		reconnect(d, first);
}

void reconnect_tcp_event(void *daemon, const struct path *p,
			 enum tcp_event ev)
{
	struct daemon *d = daemon;
	struct ike_sa *sa;

	if (ev == TCP_EV_LOST) {
		lost(d, p);
		return;
	}
	for (sa = d->sas; sa; sa = sa->next)
		if (on_stream(sa, p->via))
			kernel_rebind(d, sa);
}

void reconnect_due(struct daemon *d, struct ike_sa *sa, uint64_t now)
{
	if (sa->tcp_probe && !task_window_full(&sa->tasks) &&
	    sa->state == IKE_S_ESTABLISHED) {
		sa->tcp_probe = false;
		info_send_dpd(d, sa);
	}
	if (sa->tcp_reconnect && now >= sa->tcp_retry_ms)
		reconnect(d, sa);
}

void reconnect_follow(struct daemon *d, struct ike_sa *sa,
		      const struct path *from)
{
	char a[IPSEC_ADDR_STRLEN];

	/* Only the TCP Originator opens connections; one the peer opened
	 * for an SA of ours over UDP or over our own stream is not a
	 * reconnection.
	 */
	if (!path_is_tcp(from) || from->via == sa->path.via ||
	    !path_is_tcp(&sa->path) || tcp_path_is_ours(&sa->path) ||
	    tcp_path_is_ours(from))
		return;
	log_info("IKE SA #%u: the peer re-established the TCP connection "
		 "from %s port %u", sa->id,
		 ipsec_addr_fmt(&from->ep.remote, a, sizeof(a)),
		 from->ep.rport);
	path_copy(&sa->path, from);
	kernel_rebind(d, sa);
}
