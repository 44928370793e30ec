/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The main loop's side of the daemon: received messages routed to the
 * IKE SAs and their exchanges, the periodic sweep of lifetimes, rekeys,
 * DPD and keepalives.
 */
#ifndef IPSECMED_DAEMON_H
#define IPSECMED_DAEMON_H

#include "ipsecmed/core.h"

/* Route one received IKE message (a transport_input_fn). */
void daemon_input(void *daemon, const struct path *from, const uint8_t *buf,
		  size_t len);
/* Lifetimes, rekeys, DPD, keepalives, reaping dead SAs; returns ms to
 * the next sweep.
 */
int daemon_timers(struct daemon *d);

#endif /* IPSECMED_DAEMON_H */
