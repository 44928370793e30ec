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
#include <stdbool.h>
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
	/* References on p->via for each path that names it (a TCP stream
	 * lives while an IKE SA uses it); NULL: nothing to count.
	 */
	void (*hold)(void *via);
	void (*put)(void *via);
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

/* @dst (a path or all zero) becomes a copy of @src. */
static inline void path_copy(struct path *dst, const struct path *src)
{
	if (src->ops && src->ops->hold)
		src->ops->hold(src->via);
	if (dst->ops && dst->ops->put)
		dst->ops->put(dst->via);
	*dst = *src;
}

static inline void path_release(struct path *p)
{
	if (p->ops && p->ops->put)
		p->ops->put(p->via);
	p->ops = NULL;
	p->via = NULL;
}

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
