/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The main loop's side of the daemon: received messages routed to the
 * IKE SAs and their exchanges, the periodic sweep of lifetimes, rekeys,
 * DPD and keepalives.
 *
 * The daemon's files are layers, lowest first; a file includes headers
 * of its own layer and the ones below, never of one above (checked by
 * layers_test.sh), and a lower layer reaches up only through function
 * pointers it is given (task_ops, transport callbacks, daemon_hooks):
 *
 *   1. base: log, loop, transport*, task, window, sa, proposal, ts,
 *      nat, cookie, auth, cert, rekey, module; ike/, crypto/
 *   2. policy     policies shared by CHILD_SAs (struct policy_table)
 *   3. core       struct daemon, the SA table
 *   4. kernel     CHILD_SAs to XFRM SAs and policies, bindings
 *   5. exchange   exchange.c (sending, ending an SA), exchange_*.c,
 *                 reconnect
 *   6. control    the control socket's commands
 *   7. daemon     routing and the sweep (daemon.c), main.c
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
