// SPDX-License-Identifier: GPL-2.0
/*
 * The tasks of an IKE SA: a response is matched to the request of its
 * message ID and exchange type only; message IDs are taken in order and
 * a retry of IKE_SA_INIT starts again at 0; the window bounds what is
 * in flight; a request is retransmitted on its own timer with backoff,
 * and after the last try the SA is given up, once.
 */
#include <stdlib.h>
#include <string.h>

#include "ipsecmed/sa.h"
#include "ipsecmed/task.h"
#include "lib/ktest.h"

static struct loop l;
static int sent, gave_up;

static int count_send(const struct path *p, const uint8_t *msg, size_t len)
{
	sent++;
	return 0;
}

static const struct transport_ops counting = { .name = "test",
					       .send = count_send };

static int refuse_send(const struct path *p, const uint8_t *msg, size_t len)
{
	sent++;
	return -EPERM;		/* a firewall in the way, for now */
}

static const struct transport_ops refusing = { .name = "test",
					       .send = refuse_send };

static void on_gave_up(struct task_env *env, struct ike_sa *sa)
{
	gave_up++;
	task_flush(NULL, sa, false);
}

static void answered(struct daemon *d, struct ike_sa *sa, void *priv,
		     struct ike_msg *m)
{
}

/* Private state of the tasks that have one: what release() saw. */
static struct {
	int released;
	struct daemon *d;
} priv_seen;

static void release(struct daemon *d, struct ike_sa *sa, void *priv)
{
	priv_seen.released++;
	priv_seen.d = d;
	free(priv);
}

static const struct task_ops ccsa = { .name = "test rekey",
				      .exchange = IKE_CREATE_CHILD_SA,
				      .answered = answered,
				      .release = release };
static const struct task_ops info = { .name = "test dpd",
				      .exchange = IKE_INFORMATIONAL,
				      .answered = answered };

static struct task_env env = { .loop = &l, .timeout_ms = 500, .tries = 3,
			       .gave_up = on_gave_up };

static struct ike_sa *new_sa(void)
{
	struct ike_sa *sa = ike_sa_new(NULL, true);

	sa->path.ops = &counting;
	sent = gave_up = 0;
	return sa;
}

static void test_match(void)
{
	struct ike_sa *sa = new_sa();
	struct ike_hdr h = { .exchange = IKE_CREATE_CHILD_SA,
			     .flags = IKE_FLAG_RESPONSE, .msgid = 5 };
	struct ike_task *t;

	KT_EXPECT(loop_init(&l) == 0);
	sa->tasks.next_msgid = 5;
	KT_EXPECT(!task_for_response(&sa->tasks, &h));	/* none in flight */
	KT_EXPECT(task_start(&env, sa, &ccsa, NULL, (uint8_t *)"req", 3) == 0);
	KT_EXPECT(sent == 1 && task_next_msgid(&sa->tasks) == 6);
	t = task_for_response(&sa->tasks, &h);
	KT_EXPECT(t && t->ops == &ccsa && t->msgid == 5);
	KT_EXPECT(task_inflight(&sa->tasks, &ccsa));
	KT_EXPECT(!task_inflight(&sa->tasks, &info));
	h.exchange = IKE_INFORMATIONAL;
	KT_EXPECT(!task_for_response(&sa->tasks, &h));
	h.exchange = IKE_SA_INIT;
	KT_EXPECT(!task_for_response(&sa->tasks, &h));
	h.exchange = IKE_CREATE_CHILD_SA;
	h.msgid = 4;
	KT_EXPECT(!task_for_response(&sa->tasks, &h));
	h.msgid = 5;
	task_retire(sa, t);
	KT_EXPECT(!task_for_response(&sa->tasks, &h));
	KT_EXPECT(loop_timeout(&l, 0) == -1);	/* its timer went too */
	ike_sa_free(sa);
	loop_free(&l);
}

static void test_window(void)
{
	struct ike_sa *sa = new_sa();

	KT_EXPECT(loop_init(&l) == 0);
	KT_EXPECT(!task_window_full(&sa->tasks));
	KT_EXPECT(task_start(&env, sa, &info, NULL, (uint8_t *)"a", 1) == 0);
	KT_EXPECT(task_window_full(&sa->tasks));
	KT_EXPECT(task_start(&env, sa, &ccsa, NULL, (uint8_t *)"b", 1) ==
		  -EBUSY);
	KT_EXPECT(sent == 1 && task_next_msgid(&sa->tasks) == 1);
	/* A larger window (SET_WINDOW_SIZE) lets more out. */
	sa->tasks.window = 2;
	KT_EXPECT(task_start(&env, sa, &ccsa, NULL, (uint8_t *)"b", 1) == 0);
	KT_EXPECT(task_window_full(&sa->tasks) && sa->tasks.n_inflight == 2);
	task_flush(NULL, sa, true);	/* an IKE_SA_INIT retry starts over */
	KT_EXPECT(!sa->tasks.inflight && task_next_msgid(&sa->tasks) == 0);
	ike_sa_free(sa);	/* with tasks left: ASan sees no leak */
	loop_free(&l);
}

static void test_retransmit(void)
{
	struct ike_sa *sa = new_sa();
	uint64_t t0;

	KT_EXPECT(loop_init(&l) == 0);
	t0 = now_ms();
	KT_EXPECT(task_start(&env, sa, &info, NULL, (uint8_t *)"a", 1) == 0);
	/* Not before its time (500 ms); then each wait doubles, counted
	 * from when the timer fired (the clock here is the test's).
	 */
	loop_fire_timers(&l, t0 + 400);
	KT_EXPECT(sent == 1);
	loop_fire_timers(&l, t0 + 10000);
	KT_EXPECT(sent == 2 && sa->tasks.inflight->timeout_ms == 1000);
	loop_fire_timers(&l, t0 + 10999);
	KT_EXPECT(sent == 2);
	loop_fire_timers(&l, t0 + 11000);
	loop_fire_timers(&l, t0 + 13000);
	KT_EXPECT(sent == 4 && gave_up == 0);
	/* The last try unanswered: the SA is given up, once. */
	loop_fire_timers(&l, t0 + 17000);
	KT_EXPECT(sent == 4 && gave_up == 1);
	KT_EXPECT(!sa->tasks.inflight && loop_timeout(&l, 0) == -1);
	ike_sa_free(sa);
	loop_free(&l);
}

static void test_send_refused(void)
{
	struct ike_sa *sa = new_sa();
	uint64_t t0;

	KT_EXPECT(loop_init(&l) == 0);
	sa->path.ops = &refusing;
	t0 = now_ms();
	/* Started all the same: the retransmission may get through. */
	KT_EXPECT(task_start(&env, sa, &info, NULL, (uint8_t *)"a", 1) == 0);
	KT_EXPECT(sent == 1 && sa->tasks.n_inflight == 1);
	loop_fire_timers(&l, t0 + 10000);
	KT_EXPECT(sent == 2 && gave_up == 0);
	ike_sa_free(sa);
	loop_free(&l);
}

/* Each request's own state (two of them in flight at once) is its
 * task's: the answer hands it to the caller; a task that ends unanswered
 * (the SA ends: with the daemon, or is freed: without) releases it.
 */
static void test_private_state(void)
{
	struct ike_sa *sa = new_sa();
	struct daemon *d = (struct daemon *)&l;	/* any non-NULL marker */
	void *a = malloc(8), *b = malloc(8), *c = malloc(8);
	struct ike_task *t;

	KT_EXPECT(loop_init(&l) == 0);
	memset(&priv_seen, 0, sizeof(priv_seen));
	sa->tasks.window = 3;
	KT_EXPECT(task_start(&env, sa, &ccsa, a, (uint8_t *)"a", 1) == 0);
	KT_EXPECT(task_start(&env, sa, &ccsa, b, (uint8_t *)"b", 1) == 0);
	t = sa->tasks.inflight;		/* the newest first */
	KT_EXPECT(t->priv == b && t->next->priv == a);
	KT_EXPECT(task_retire(sa, t) == b && priv_seen.released == 0);
	free(b);
	/* The SA ends: the daemon's release gives back what it holds. */
	task_flush(d, sa, false);
	KT_EXPECT(priv_seen.released == 1 && priv_seen.d == d);
	/* Freed with a task in flight: released without the daemon. */
	KT_EXPECT(task_start(&env, sa, &ccsa, c, (uint8_t *)"c", 1) == 0);
	ike_sa_free(sa);
	KT_EXPECT(priv_seen.released == 2 && priv_seen.d == NULL);
	loop_free(&l);
}

int main(void)
{
	kt_run("task: a response answers the request of its message ID and "
	       "exchange only", test_match);
	kt_run("task: the window bounds the requests in flight", test_window);
	kt_run("task: retransmitted with backoff, then the SA given up",
	       test_retransmit);
	kt_run("task: a send the network refuses is retransmitted",
	       test_send_refused);
	kt_run("task: a request's private state is its task's, released "
	       "when it ends unanswered", test_private_state);
	return kt_done();
}
