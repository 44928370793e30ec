/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's event loop: epoll over a changing set of descriptors
 * (UDP sockets, TCP listeners and connections, the control socket and
 * its clients, netlink) and a binary min-heap of timers whose earliest
 * deadline is epoll_wait()'s timeout. One thread; callbacks run from
 * loop_run_once() and may add or remove descriptors and timers,
 * including their own.
 */
#ifndef IPSECMED_LOOP_H
#define IPSECMED_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct epoll_event;
struct loop;

struct loop_fd {
	int fd;
	/* @events: EPOLLIN etc. as epoll_wait() reported them. */
	void (*ready)(struct loop_fd *f, uint32_t events);
	void *ctx;
	bool added;
};

struct timer {
	uint64_t at_ms;			/* CLOCK_MONOTONIC, milliseconds */
	void (*fire)(struct timer *t);
	void *ctx;
	size_t slot;			/* index in the heap + 1, 0: idle */
};

struct loop {
	int epfd;
	struct timer **heap;
	size_t n_timers, cap_timers;
	uint64_t now_ms;		/* of the timers firing now */
	/* The events of the last epoll_wait() while they are handled:
	 * loop_del_fd() clears those of the descriptor it removes.
	 */
	struct epoll_event *batch;
	int batch_len;
};

uint64_t now_ms(void);

int loop_init(struct loop *l);
void loop_free(struct loop *l);

/* Watch @f->fd for @events (EPOLLIN, EPOLLOUT). Returns 0 or -errno. */
int loop_add_fd(struct loop *l, struct loop_fd *f, uint32_t events);
int loop_mod_fd(struct loop *l, struct loop_fd *f, uint32_t events);
/* Stop watching @f (not closing its fd); @f may be freed after this,
 * even from its own ready callback.
 */
void loop_del_fd(struct loop *l, struct loop_fd *f);

/* (Re)arm @t to fire at @at_ms; an armed timer moves. Returns 0 or
 * -ENOMEM (the timer is then not armed).
 */
int timer_arm(struct loop *l, struct timer *t, uint64_t at_ms);
void timer_cancel(struct loop *l, struct timer *t);
static inline bool timer_armed(const struct timer *t)
{
	return t->slot != 0;
}

/* Milliseconds until the earliest timer (0 if one is due), -1: none. */
int loop_timeout(const struct loop *l, uint64_t now);

/* Fire every timer due at @now, earliest first; l->now_ms is @now
 * meanwhile, the time a callback re-arms from. A timer armed by a
 * callback for a time not later than @now fires in the same call.
 */
void loop_fire_timers(struct loop *l, uint64_t now);

/* Wait for descriptors or the earliest timer (at most @max_ms, -1: no
 * limit), then fire the timers that are due, then the descriptors.
 * Timers first, so a deadline that passed while we waited acts before
 * input that came meanwhile. Returns 0 or -errno of epoll_wait()
 * (-EINTR included).
 */
int loop_run_once(struct loop *l, int max_ms);

#endif /* IPSECMED_LOOP_H */
