// SPDX-License-Identifier: GPL-2.0
/*
 * What every exchange uses (see exchange.h): requests sealed and sent
 * as tasks, responses sealed, sent and cached, unprotected notifies,
 * the end of an IKE SA and the answer to a waiting "up".
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecmed/exchange.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"

static int keep(uint8_t **dst, size_t *dlen, const uint8_t *src, size_t len)
{
	uint8_t *p = realloc(*dst, len);

	if (!p)
		return -ENOMEM;
	memcpy(p, src, len);
	*dst = p;
	*dlen = len;
	return 0;
}

/* Seal the chain in @b, or take the whole IKE_SA_INIT message. */
static int finish(struct ike_sa *sa, uint8_t exchange, uint8_t flags,
		  uint32_t msgid, struct ike_builder *b, uint8_t *out,
		  size_t cap)
{
	struct ike_hdr h = { .exchange = exchange, .flags = flags,
			     .msgid = msgid };
	struct ike_sk_dir k;
	int len = ikb_finish(b);

	if (len < 0 || exchange == IKE_SA_INIT) {
		if (len >= 0)
			memcpy(out, b->w.p, (size_t)len);
		return len;
	}
	memcpy(h.spi_i, sa->spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, sa->spi_r, IKE_SPI_LEN);
	ike_sa_dir_out(sa, &k);
	return ike_sk_seal(&k, &h, b->first_np, b->w.p, (size_t)len, NULL, out,
			   cap);
}

/* Retransmissions ran out: the peer is gone, or (initiator) an
 * unauthenticated IKE_SA_INIT answer we did not act on says more than
 * silence.
 */
static void peer_gave_up(struct task_env *env, struct ike_sa *sa)
{
	struct daemon *d = (struct daemon *)((char *)env -
					    offsetof(struct daemon, task_env));

	sa_terminate(d, sa, sa->state == IKE_S_INIT_SENT && sa->failure[0] ?
		     sa->failure : "peer did not answer");
}

void daemon_tasks_configure(struct daemon *d)
{
	d->task_env = (struct task_env){
		.loop = &d->loop,
		.timeout_ms = d->conf->daemon.retransmit_timeout_ms,
		.tries = d->conf->daemon.retransmit_tries,
		.gave_up = peer_gave_up,
	};
}

int sa_send_request(struct daemon *d, struct ike_sa *sa,
		    const struct task_ops *ops, void *priv,
		    struct ike_builder *b)
{
	static uint8_t out[IKE_MAX_MSG];
	int len;

	if (task_window_full(&sa->tasks))
		return -EBUSY;
	len = finish(sa, ops->exchange, sa->initiator ? IKE_FLAG_INITIATOR : 0,
		     task_next_msgid(&sa->tasks), b, out, sizeof(out));
	if (len < 0)
		return len;
	if (ops->exchange == IKE_SA_INIT &&
	    keep(&sa->msg1, &sa->msg1_len, out, (size_t)len))
		return -ENOMEM;
	return task_start(&d->task_env, sa, ops, priv, out, (size_t)len);
}

int sa_send_response(struct daemon *d, struct ike_sa *sa, uint8_t exchange,
		     uint32_t msgid, struct ike_builder *b)
{
	static uint8_t out[IKE_MAX_MSG];
	int len = finish(sa, exchange, IKE_FLAG_RESPONSE |
			 (sa->initiator ? IKE_FLAG_INITIATOR : 0), msgid, b,
			 out, sizeof(out));

	if (len < 0 || keep(&sa->resp, &sa->resp_len, out, (size_t)len))
		return len < 0 ? len : -ENOMEM;
	sa->msgid_in = msgid + 1;
	return path_send(&sa->path, sa->resp, sa->resp_len);
}

int send_plain_notify(struct daemon *d, const struct path *to,
		      const struct ike_hdr *req, uint16_t type,
		      const uint8_t *data, size_t len)
{
	struct ike_hdr h = { .exchange = req->exchange,
			     .flags = IKE_FLAG_RESPONSE, .msgid = req->msgid };
	uint8_t buf[256];
	struct ike_builder b;
	int n;

	memcpy(h.spi_i, req->spi_i, IKE_SPI_LEN);
	ikb_init_msg(&b, buf, sizeof(buf), &h);
	ikb_notify(&b, 0, NULL, 0, type, data, len);
	n = ikb_finish(&b);
	return n < 0 ? n : path_send(to, buf, (size_t)n);
}

void sa_report(struct daemon *d, struct ike_sa *sa, const char *why)
{
	struct ctl_client *waiter = sa->waiter;

	if (!waiter)
		return;
	sa->waiter = NULL;
	if (d->hooks.up_done)
		d->hooks.up_done(waiter, sa, why);
}

void sa_terminate(struct daemon *d, struct ike_sa *sa, const char *why)
{
	struct child_sa *c;

	if (sa->state == IKE_S_DEAD)
		return;
	for (c = sa->children; c; c = c->next)
		if (c->installed)
			kernel_remove(d, sa, c, true);
	if (sa->state == IKE_S_HALF_OPEN && d->half_open)
		d->half_open--;
	if (why && sa->state != IKE_S_DELETING)
		log_info("%s: IKE SA #%u ended: %s", sa->conn->name, sa->id,
			 why);
	sa_report(d, sa, why ? why : "ended");
	sa->state = IKE_S_DEAD;
	/* With what they negotiate: the SPIs reserved for it go too. */
	task_flush(d, sa, false);
}
