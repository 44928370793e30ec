/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exchanges an IKE SA initiates, one task each (RFC 7296 2.1, 2.3).
 * A task holds its message ID and its request, retransmits it on its
 * own timer with exponential backoff, and is matched to the response
 * that carries its message ID and exchange type. Up to the window's
 * size are in flight (1, the size every peer supports; a larger one
 * needs SET_WINDOW_SIZE). Its ops say what the answer means: a response
 * goes to the handler of the exchange it answers, never to one guessed
 * from the SA's state.
 */
#ifndef IPSECMED_TASK_H
#define IPSECMED_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "ipsecmed/ike/codec.h"
#include "ipsecmed/loop.h"

struct conf_conn;
struct daemon;
struct ike_sa;

struct task_ops {
	const char *name;	/* for logs: "IKE_AUTH", "CHILD_SA rekey" */
	uint8_t exchange;
	/* The response, decoded (and for all but IKE_SA_INIT, opened and
	 * the task retired). @priv is the task's private state (see
	 * task_start()), the handler's now; for IKE_SA_INIT, whose
	 * handler retires the task itself, it has none.
	 */
	void (*answered)(struct daemon *d, struct ike_sa *sa, void *priv,
			 struct ike_msg *m);
	/* The task ends unanswered (its SA ends or is freed): free @priv,
	 * and with @d (the SA ends, the kernel is there) give back what
	 * it holds in the kernel, a reserved SPI. NULL: no private state.
	 */
	void (*release)(struct daemon *d, struct ike_sa *sa, void *priv);
	/* A reload: point what @priv negotiates at @conn, the SA's new
	 * connection; false if that cannot be done (a CHILD_SA whose
	 * child is gone). NULL: nothing to point.
	 */
	bool (*remap)(struct ike_sa *sa, void *priv,
		      const struct conf_conn *conn);
};

/* What the tasks of every SA share: the loop their timers run on, the
 * retransmission limits, and what to do when a peer never answers.
 */
struct task_env {
	struct loop *loop;
	uint32_t timeout_ms;		/* the first retransmission */
	unsigned int tries;		/* retransmissions before giving up */
	void (*gave_up)(struct task_env *env, struct ike_sa *sa);
};

struct ike_task {
	struct ike_task *next;
	const struct task_ops *ops;
	struct task_env *env;
	struct ike_sa *sa;
	void *priv;			/* the exchange's, see task_ops */
	uint32_t msgid;
	uint8_t *req;			/* as sent, for retransmission */
	size_t req_len;
	unsigned int tries;
	uint32_t timeout_ms;
	struct timer retransmit;
};

struct task_queue {
	struct ike_task *inflight;	/* sent, not answered */
	unsigned int n_inflight;
	unsigned int window;		/* 0 counts as 1 */
	uint32_t next_msgid;
};

/* Whether another request may go out now. */
bool task_window_full(const struct task_queue *q);

/* Take the next message ID for a request of @sa (the header it is
 * sealed under must carry it); task_start() must follow.
 */
uint32_t task_next_msgid(const struct task_queue *q);

/* @msg, sealed under message ID task_next_msgid(), becomes a task of
 * @sa in flight: kept, sent along @sa's path, retransmitted. @priv (NULL:
 * none) is the state of this one request, the task's from now on: it
 * goes to ops->answered() with the answer, to ops->release() if none
 * comes. Returns 0 or -errno (-EBUSY: the window is full; -ENOMEM),
 * which start nothing and leave @priv the caller's; an error of the
 * send is not one: the task is in flight and its timer resends.
 */
int task_start(struct task_env *env, struct ike_sa *sa,
	       const struct task_ops *ops, void *priv, const uint8_t *msg,
	       size_t len);

/* The task in flight that response header @h answers, or NULL. */
struct ike_task *task_for_response(const struct task_queue *q,
				   const struct ike_hdr *h);

/* The response to @t came: stop retransmitting, free it. Returns its
 * private state, the caller's now.
 */
void *task_retire(struct ike_sa *sa, struct ike_task *t);

/* Drop every task of @sa (it ends, or starts over), releasing their
 * private state (with @d: in the kernel too, see task_ops.release).
 * Message IDs stay taken unless @reset.
 */
void task_flush(struct daemon *d, struct ike_sa *sa, bool reset);

/* A reload: every task's remap(); false if one cannot follow @conn. */
bool task_remap(struct ike_sa *sa, const struct conf_conn *conn);

/* Send every request of @sa in flight again now, along its path as it
 * is now (a new TCP connection), without counting a try.
 */
void task_resend(struct ike_sa *sa);
/* Whether a task of @ops is in flight on @sa. */
bool task_inflight(const struct task_queue *q, const struct task_ops *ops);

#endif /* IPSECMED_TASK_H */
