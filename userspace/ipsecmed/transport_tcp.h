/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP transport (RFC 9329): IKE over a TCP connection for networks that
 * drop UDP. The initiator opens the stream with "IKETCP"; every message
 * is then a record of a 16-bit length (counting itself), the 4-byte
 * zero non-ESP marker and the IKE message, and ESP travels as records
 * of its own. With the kernel, the espintcp ULP (ipsecme.ko, or the
 * kernel's own) takes the stream once the prefix is through: ESP goes
 * to XFRM, and each recv()/send() is one IKE message. Without it
 * (ipsecmed -n) the framing is done here and ESP records are dropped.
 *
 * A stream lives while a path names it (an IKE SA, or the message being
 * handled). A responder stream that no IKE SA uses is closed after
 * tcp_timeout; so is one that sends no prefix or no first message in
 * that time, garbage, or a first record longer than TCP_FIRST_MAX.
 */
#ifndef IPSECMED_TRANSPORT_TCP_H
#define IPSECMED_TRANSPORT_TCP_H

#include <stdbool.h>

#include "ipsecmed/loop.h"
#include "ipsecmed/transport.h"

/* The first record on a responder stream must be an IKE_SA_INIT (or a
 * message of an IKE SA being resumed or reconnected), which is far
 * smaller; a peer announcing more is not speaking IKE.
 */
#define TCP_FIRST_MAX 16384
/* Unwritten messages per stream (retransmissions replace, not add). */
#define TCP_TX_MAX (256 * 1024)

/* Why streams ended or were refused, for "ipsecme status" and tests. */
struct tcp_counters {
	uint64_t accepted, connected;
	uint64_t refused_limit;		/* tcp_max_connections */
	uint64_t refused_source;	/* tcp_max_per_source */
	uint64_t bad_prefix, timed_out, bad_record, oversized_first;
	uint64_t esp_dropped;		/* ESP records without the kernel */
	uint64_t closed;		/* by the peer or an error */
};

struct tcp_listener {
	struct loop_fd lf;		/* lf.ctx: the tcp_transport */
};

struct tcp_stream;

/* What the daemon hears of the streams that IKE SAs use. */
enum tcp_event {
	TCP_EV_OPEN,		/* ours: connected, prefix sent */
	TCP_EV_LOST,		/* ended while a path named it */
};

/* @p names the stream; it lives only for the call. */
typedef void tcp_event_fn(void *ctx, const struct path *p,
			  enum tcp_event ev);

struct tcp_transport {
	struct loop *loop;
	struct tcp_listener ls[2];
	size_t n_ls;
	uint16_t port;			/* listening; 0: none */
	struct tcp_stream *streams;
	unsigned int n_streams;
	uint32_t max_conns, max_per_source;	/* 0 per source: no limit */
	uint32_t timeout_ms;
	bool kernel;			/* bypass policies, attach espintcp */
	transport_input_fn *input;
	tcp_event_fn *event;		/* NULL: not told */
	void *ctx;
	struct tcp_counters c;
};

struct tcp_limits {
	uint32_t max_conns, max_per_source, timeout_ms;
};

/* Set @t up on @loop; listen on @port (IPv4, and IPv6 where it works)
 * unless it is 0. Messages go to @input, events to @event, with @ctx.
 * Returns 0 or -errno.
 */
int tcp_transport_open(struct tcp_transport *t, struct loop *loop,
		       uint16_t port, const struct tcp_limits *lim,
		       bool kernel, transport_input_fn *input,
		       tcp_event_fn *event, void *ctx);
/* Close the listeners and every stream (paths to them then fail). */
void tcp_transport_close(struct tcp_transport *t);

/* A new stream to ep->remote port ep->rport from ep->local (any: the
 * kernel's choice): @out becomes its path, ends filled in (our port is
 * known at once, for NAT detection). Messages sent before the
 * connection is up wait for it. Returns 0 or -errno.
 */
int tcp_connect(struct tcp_transport *t, const struct endpoint *ep,
		struct path *out);

/* Whether @p is a TCP path; one we opened (RFC 9329's TCP Originator,
 * who alone re-establishes a lost connection).
 */
bool path_is_tcp(const struct path *p);
bool tcp_path_is_ours(const struct path *p);
/* End the stream whose socket has inode @ino, as if it had failed with
 * @err (the module saw the connection end first). Returns whether one
 * was found.
 */
bool tcp_stream_lost_ino(struct tcp_transport *t, uint64_t ino, int err);
/* The socket of @p's stream if the espintcp ULP has it (ESP can be
 * bound to it), else -1.
 */
int tcp_path_ulp_fd(const struct path *p);

#endif /* IPSECMED_TRANSPORT_TCP_H */
