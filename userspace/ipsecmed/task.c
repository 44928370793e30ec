// SPDX-License-Identifier: GPL-2.0
/* The tasks of an IKE SA: requests in flight (see task.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ipsecmed/log.h"
#include "ipsecmed/sa.h"
#include "ipsecmed/task.h"
#include "ipsecmed/window.h"

bool task_window_full(const struct task_queue *q)
{
	return q->n_inflight >= (q->window ? q->window : 1);
}

uint32_t task_next_msgid(const struct task_queue *q)
{
	return q->next_msgid;
}

static void task_free(struct ike_task *t)
{
	timer_cancel(t->env->loop, &t->retransmit);
	OPENSSL_clear_free(t->req, t->req_len);
	free(t);
}

static void unlink_task(struct task_queue *q, struct ike_task *t)
{
	struct ike_task **p;

	for (p = &q->inflight; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			q->n_inflight--;
			return;
		}
	}
}

static void retransmit(struct timer *timer)
{
	struct ike_task *t = timer->ctx;
	struct ike_sa *sa = t->sa;

	if (t->tries >= t->env->tries) {
		t->env->gave_up(t->env, sa);	/* may free @t */
		return;
	}
	t->tries++;
	t->timeout_ms = window_backoff(t->timeout_ms);
	timer_arm(t->env->loop, &t->retransmit,
		  t->env->loop->now_ms + t->timeout_ms);
	log_info("IKE SA #%u: retransmitting request %u (try %u)", sa->id,
		 t->msgid, t->tries + 1);
	path_send(&sa->path, t->req, t->req_len);
}

void task_resend(struct ike_sa *sa)
{
	struct ike_task *t;

	for (t = sa->tasks.inflight; t; t = t->next)
		path_send(&sa->path, t->req, t->req_len);
}

int task_start(struct task_env *env, struct ike_sa *sa,
	       const struct task_ops *ops, void *priv, const uint8_t *msg,
	       size_t len)
{
	struct task_queue *q = &sa->tasks;
	struct ike_task *t;
	int err;

	if (task_window_full(q))
		return -EBUSY;
	t = calloc(1, sizeof(*t));
	if (t)
		t->req = malloc(len);
	if (!t || !t->req) {
		free(t);
		return -ENOMEM;
	}
	memcpy(t->req, msg, len);
	t->req_len = len;
	t->ops = ops;
	t->env = env;
	t->sa = sa;
	t->msgid = q->next_msgid++;
	t->timeout_ms = env->timeout_ms;
	t->retransmit = (struct timer){ .fire = retransmit, .ctx = t };
	if (timer_arm(env->loop, &t->retransmit, now_ms() + t->timeout_ms)) {
		task_free(t);
		q->next_msgid--;
		return -ENOMEM;
	}
	t->priv = priv;
	t->next = q->inflight;
	q->inflight = t;
	q->n_inflight++;
	/* A network that refuses it now (a firewall's EPERM, no route yet)
	 * may take a retransmission: the timer tries again.
	 */
	err = path_send(&sa->path, t->req, t->req_len);
	if (err)
		log_rl(LOG_DEBUG, "IKE SA #%u: request %u not sent: %s", sa->id,
		       t->msgid, strerror(-err));
	return 0;
}

struct ike_task *task_for_response(const struct task_queue *q,
				   const struct ike_hdr *h)
{
	struct ike_task *t;

	for (t = q->inflight; t; t = t->next)
		if (t->msgid == h->msgid && t->ops->exchange == h->exchange)
			return t;
	return NULL;
}

void *task_retire(struct ike_sa *sa, struct ike_task *t)
{
	void *priv = t->priv;

	unlink_task(&sa->tasks, t);
	task_free(t);
	return priv;
}

void task_flush(struct daemon *d, struct ike_sa *sa, bool reset)
{
	struct task_queue *q = &sa->tasks;
	const struct task_ops *ops;
	void *priv;

	while (q->inflight) {
		ops = q->inflight->ops;
		priv = task_retire(sa, q->inflight);
		if (priv && ops->release)
			ops->release(d, sa, priv);
	}
	if (reset)
		q->next_msgid = 0;
}

bool task_remap(struct ike_sa *sa, const struct conf_conn *conn)
{
	struct ike_task *t;
	bool ok = true;

	for (t = sa->tasks.inflight; t; t = t->next)
		if (t->ops->remap && !t->ops->remap(sa, t->priv, conn))
			ok = false;
	return ok;
}

bool task_inflight(const struct task_queue *q, const struct task_ops *ops)
{
	const struct ike_task *t;

	for (t = q->inflight; t; t = t->next)
		if (t->ops == ops)
			return true;
	return false;
}
