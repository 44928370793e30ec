// SPDX-License-Identifier: GPL-2.0
/*
 * epoll and a timer heap (see loop.h). The heap keeps each timer's
 * index, so re-arming and cancelling are O(log n) without a search:
 * every request in flight has a retransmission timer, and a gateway
 * has thousands of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "ipsecmed/loop.h"

#define LOOP_MAX_EVENTS 64

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int loop_init(struct loop *l)
{
	*l = (struct loop){ 0 };
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

void loop_free(struct loop *l)
{
	size_t i;

	for (i = 0; i < l->n_timers; i++)
		l->heap[i]->slot = 0;
	free(l->heap);
	if (l->epfd >= 0)
		close(l->epfd);
	*l = (struct loop){ .epfd = -1 };
}

static int ctl_fd(struct loop *l, int op, struct loop_fd *f, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = f };

	return epoll_ctl(l->epfd, op, f->fd, &ev) ? -errno : 0;
}

int loop_add_fd(struct loop *l, struct loop_fd *f, uint32_t events)
{
	int err = ctl_fd(l, EPOLL_CTL_ADD, f, events);

	f->added = !err;
	return err;
}

int loop_mod_fd(struct loop *l, struct loop_fd *f, uint32_t events)
{
	return ctl_fd(l, EPOLL_CTL_MOD, f, events);
}

void loop_del_fd(struct loop *l, struct loop_fd *f)
{
	int i;

	if (!f->added)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, f->fd, NULL);
	f->added = false;
	for (i = 0; i < l->batch_len; i++)
		if (l->batch[i].data.ptr == f)
			l->batch[i].data.ptr = NULL;
}

/* The heap: l->heap[0] is the earliest; t->slot is its index + 1. */
static void heap_place(struct loop *l, struct timer *t, size_t i)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct loop *l, size_t i)
{
	struct timer *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (l->heap[parent]->at_ms <= t->at_ms)
			break;
		heap_place(l, l->heap[parent], i);
		i = parent;
	}
	heap_place(l, t, i);
}

static void sift_down(struct loop *l, size_t i)
{
	struct timer *t = l->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= l->n_timers)
			break;
		if (child + 1 < l->n_timers &&
		    l->heap[child + 1]->at_ms < l->heap[child]->at_ms)
			child++;
		if (t->at_ms <= l->heap[child]->at_ms)
			break;
		heap_place(l, l->heap[child], i);
		i = child;
	}
	heap_place(l, t, i);
}

void timer_cancel(struct loop *l, struct timer *t)
{
	struct timer *last;
	size_t i;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	if (--l->n_timers == i)
		return;
	/* The last timer fills the hole and moves down or up from it. */
	last = l->heap[l->n_timers];
	heap_place(l, last, i);
	sift_down(l, i);
	sift_up(l, last->slot - 1);
}

int timer_arm(struct loop *l, struct timer *t, uint64_t at_ms)
{
	if (t->slot) {
		size_t i = t->slot - 1;

		t->at_ms = at_ms;
		sift_down(l, i);
		sift_up(l, t->slot - 1);
		return 0;
	}
	if (l->n_timers == l->cap_timers) {
		size_t cap = l->cap_timers ? 2 * l->cap_timers : 16;
		struct timer **p = realloc(l->heap, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->heap = p;
		l->cap_timers = cap;
	}
	t->at_ms = at_ms;
	heap_place(l, t, l->n_timers++);
	sift_up(l, l->n_timers - 1);
	return 0;
}

int loop_timeout(const struct loop *l, uint64_t now)
{
	uint64_t at;

	if (!l->n_timers)
		return -1;
	at = l->heap[0]->at_ms;
	if (at <= now)
		return 0;
	return at - now > INT32_MAX ? INT32_MAX : (int)(at - now);
}

void loop_fire_timers(struct loop *l, uint64_t now)
{
	l->now_ms = now;
	while (l->n_timers && l->heap[0]->at_ms <= now) {
		struct timer *t = l->heap[0];

		timer_cancel(l, t);
		t->fire(t);
	}
}

int loop_run_once(struct loop *l, int max_ms)
{
	struct epoll_event ev[LOOP_MAX_EVENTS];
	int timeout = loop_timeout(l, now_ms());
	int n, i;

	if (max_ms >= 0 && (timeout < 0 || timeout > max_ms))
		timeout = max_ms;
	n = epoll_wait(l->epfd, ev, LOOP_MAX_EVENTS, timeout);
	if (n < 0)
		return -errno;
	/* A timer may remove a descriptor whose event is in @ev too. */
	l->batch = ev;
	l->batch_len = n;
	loop_fire_timers(l, now_ms());
	for (i = 0; i < n; i++) {
		struct loop_fd *f = ev[i].data.ptr;

		if (f)
			f->ready(f, ev[i].events);
	}
	l->batch = NULL;
	l->batch_len = 0;
	return 0;
}
