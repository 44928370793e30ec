// SPDX-License-Identifier: GPL-2.0
/*
 * The event loop: timers fire in deadline order however they were
 * armed, moved and cancelled; a timer armed by a callback for now fires
 * in the same pass; a descriptor removed by a timer or by another
 * descriptor's callback gets no event from the same epoll_wait().
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "ipsecmed/loop.h"
#include "lib/ktest.h"

#define N_TIMERS 500

static struct loop l;
static uint64_t fired_at[N_TIMERS];
static size_t n_fired;
static bool order_ok;

static void record(struct timer *t)
{
	if (n_fired && fired_at[n_fired - 1] > t->at_ms)
		order_ok = false;
	fired_at[n_fired++] = t->at_ms;
}

static void test_heap_order(void)
{
	static struct timer t[N_TIMERS];
	size_t i, armed = 0;

	KT_EXPECT(loop_init(&l) == 0);
	srand(7);
	for (i = 0; i < N_TIMERS; i++) {
		t[i].fire = record;
		KT_EXPECT(timer_arm(&l, &t[i], 1000 + rand() % 5000) == 0);
	}
	/* Move a third, cancel a third (some twice), keep the rest. */
	for (i = 0; i < N_TIMERS; i++) {
		if (i % 3 == 0)
			timer_arm(&l, &t[i], 1000 + rand() % 5000);
		else if (i % 3 == 1)
			timer_cancel(&l, &t[i]);
		if (i % 6 == 1)
			timer_cancel(&l, &t[i]);
	}
	for (i = 0; i < N_TIMERS; i++)
		armed += timer_armed(&t[i]);
	KT_EXPECT(armed == N_TIMERS - (N_TIMERS + 1) / 3);
	KT_EXPECT(loop_timeout(&l, 0) >= 1000);
	n_fired = 0;
	order_ok = true;
	loop_fire_timers(&l, 3000);
	loop_fire_timers(&l, 10000);
	KT_EXPECT(order_ok);
	KT_EXPECT(n_fired == armed);
	KT_EXPECT(loop_timeout(&l, 0) == -1);
	for (i = 0; i < N_TIMERS; i++)
		KT_EXPECT(!timer_armed(&t[i]));
	loop_free(&l);
}

static struct timer chained;
static int chain_count;

static void rearm_now(struct timer *t)
{
	if (++chain_count < 3)
		timer_arm(&l, t, 50);
}

static void test_rearm_from_callback(void)
{
	KT_EXPECT(loop_init(&l) == 0);
	chained.fire = rearm_now;
	timer_arm(&l, &chained, 50);
	loop_fire_timers(&l, 100);
	KT_EXPECT(chain_count == 3);
	KT_EXPECT(!timer_armed(&chained));
	loop_free(&l);
}

/* Two readable pipes; whichever callback runs first removes the other. */
static struct loop_fd rd[2];
static int calls[2];

static void remove_other(struct loop_fd *f, uint32_t events)
{
	int me = f == &rd[1];
	char c;

	calls[me]++;
	KT_EXPECT(events & EPOLLIN);
	KT_EXPECT(read(f->fd, &c, 1) == 1);
	loop_del_fd(&l, &rd[!me]);
}

static void never(struct timer *t)
{
	(void)t;
}

static void test_removed_fd_no_event(void)
{
	int p[2][2], i;

	KT_EXPECT(loop_init(&l) == 0);
	for (i = 0; i < 2; i++) {
		KT_EXPECT(pipe(p[i]) == 0);
		KT_EXPECT(write(p[i][1], "x", 1) == 1);
		rd[i] = (struct loop_fd){ .fd = p[i][0], .ready = remove_other };
		KT_EXPECT(loop_add_fd(&l, &rd[i], EPOLLIN) == 0);
	}
	KT_EXPECT(loop_run_once(&l, 5000) == 0);
	KT_EXPECT(calls[0] + calls[1] == 1);
	/* Nothing left to wait for but a timer; it bounds the wait. */
	struct timer t = { .fire = never };
	timer_arm(&l, &t, now_ms() + 10);
	KT_EXPECT(loop_run_once(&l, 5000) == 0);
	KT_EXPECT(calls[0] + calls[1] == 1);
	for (i = 0; i < 2; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	loop_free(&l);
}

static struct loop_fd victim;
static int victim_calls;

static void count_victim(struct loop_fd *f, uint32_t events)
{
	victim_calls++;
}

static void remove_victim(struct timer *t)
{
	loop_del_fd(&l, &victim);
}

static void test_timer_removes_fd(void)
{
	struct timer t = { .fire = remove_victim };
	int p[2];

	KT_EXPECT(loop_init(&l) == 0);
	KT_EXPECT(pipe(p) == 0);
	KT_EXPECT(write(p[1], "x", 1) == 1);
	victim = (struct loop_fd){ .fd = p[0], .ready = count_victim };
	KT_EXPECT(loop_add_fd(&l, &victim, EPOLLIN) == 0);
	timer_arm(&l, &t, 0);	/* due: fires before the descriptors */
	KT_EXPECT(loop_run_once(&l, 5000) == 0);
	KT_EXPECT(victim_calls == 0);
	KT_EXPECT(!victim.added);
	close(p[0]);
	close(p[1]);
	loop_free(&l);
}

int main(void)
{
	kt_run("loop: timers fire in deadline order after moves and cancels",
	       test_heap_order);
	kt_run("loop: a timer re-armed for now by its callback fires again",
	       test_rearm_from_callback);
	kt_run("loop: a descriptor removed by a callback gets no stale event",
	       test_removed_fd_no_event);
	kt_run("loop: a descriptor removed by a due timer gets no event",
	       test_timer_removes_fd);
	return kt_done();
}
