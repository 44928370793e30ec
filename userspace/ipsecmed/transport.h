/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How IKE messages travel: each transport (UDP; TCP per RFC 9329) sits
 * behind the same calls, and every IKE SA has a path: its transport,
 * that transport's object for the peer and the two ends. The exchanges
 * send along a path and receive each message with the path it came on;
 * they never see a socket.
 */
#ifndef IPSECMED_TRANSPORT_H
#define IPSECMED_TRANSPORT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

/* The two ends of a path; ports in host order. */
struct endpoint {
	struct ipsec_addr local, remote;
	uint16_t lport, rport;
};

struct path;

struct transport_ops {
	const char *name;		/* "udp", "tcp": for status and logs */
	/* Send one IKE message. Returns 0 or -errno. */
	int (*send)(const struct path *p, const uint8_t *msg, size_t len);
	/* A NAT-keepalive; NULL where the transport needs none. */
	int (*send_keepalive)(const struct path *p);
};

struct path {
	const struct transport_ops *ops;	/* NULL: no path yet */
	void *via;		/* the transport's: UDP sockets, TCP stream */
	struct endpoint ep;
};

/* A received IKE message (framing removed) and the path it came on;
 * @from lives only for the call.
 */
typedef void transport_input_fn(void *ctx, const struct path *from,
				const uint8_t *msg, size_t len);

static inline int path_send(const struct path *p, const uint8_t *msg,
			    size_t len)
{
	return p->ops ? p->ops->send(p, msg, len) : -ENOTCONN;
}

static inline int path_send_keepalive(const struct path *p)
{
	return p->ops && p->ops->send_keepalive ?
	       p->ops->send_keepalive(p) : -EOPNOTSUPP;
}

#endif /* IPSECMED_TRANSPORT_H */
