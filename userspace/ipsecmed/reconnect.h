/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A lost TCP connection of an IKE SA (RFC 9329 section 6). Its TCP
 * Originator, and only it, opens a new one: the IKE SAs that used the
 * old stream move to the new one, what was in flight goes again, and an
 * empty INFORMATIONAL (a liveness check) follows, so that the other end
 * hears an authenticated message on the new stream. That end follows:
 * it moves the IKE SA to the stream its first authenticated message
 * came on. Either end rebinds its outbound CHILD_SAs to the new socket
 * (ipsecme.ko keeps them dormant, dropping and counting, in between), so
 * traffic resumes with the same SPIs and nothing is renegotiated.
 */
#ifndef IPSECMED_RECONNECT_H
#define IPSECMED_RECONNECT_H

#include <stdint.h>

#include "ipsecmed/transport_tcp.h"

struct daemon;
struct ike_sa;

/* At most one attempt per IKE SA in this time. */
#define RECONNECT_INTERVAL_MS 1000

/* The TCP transport's tcp_event_fn (@daemon: the daemon). */
void reconnect_tcp_event(void *daemon, const struct path *p,
			 enum tcp_event ev);
/* For the sweep: try again where an attempt failed or was too soon. */
void reconnect_due(struct daemon *d, struct ike_sa *sa, uint64_t now);
/* A message of @sa came on @from and authenticated: if the peer opened
 * a new connection for it, the SA moves there.
 */
void reconnect_follow(struct daemon *d, struct ike_sa *sa,
		      const struct path *from);

#endif /* IPSECMED_RECONNECT_H */
