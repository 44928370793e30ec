/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UDP transport: sockets on the IKE port (500) and the NAT-T port (4500,
 * RFC 3948: a 4-byte zero non-ESP marker before IKE messages) for IPv4
 * and IPv6, with the local address of each datagram from IP_PKTINFO so
 * answers leave from the address the peer used.
 */
#ifndef IPSECMED_TRANSPORT_UDP_H
#define IPSECMED_TRANSPORT_UDP_H

#include <stdbool.h>

#include "ipsecmed/loop.h"
#include "ipsecmed/transport.h"

struct udp_transport;

struct udp_sock {
	struct loop_fd lf;	/* lf.ctx: the udp_transport */
	int family;
	uint16_t port;
	bool natt;		/* adds/strips the non-ESP marker */
};

#define UDP_MAX_SOCKS 4

struct udp_transport {
	struct udp_sock s[UDP_MAX_SOCKS];
	size_t n;
	uint16_t ike_port, natt_port;
	struct loop *loop;
	transport_input_fn *input;
	void *ctx;
};

/* Open and bind the sockets (IPv6 ones only where IPv6 works) and watch
 * them in @loop; each message received goes to @input(@ctx, ...). With
 * @kernel, IKE traffic bypasses IPsec policies and the NAT-T sockets
 * are UDP encapsulation endpoints for ESP. Returns 0 or -errno.
 */
int udp_transport_open(struct udp_transport *t, struct loop *loop,
		       uint16_t ike_port, uint16_t natt_port, bool kernel,
		       transport_input_fn *input, void *ctx);
void udp_transport_close(struct udp_transport *t);

/* Make @p a UDP path of @t (its ends are set by the caller). */
void udp_path(struct udp_transport *t, struct path *p);

#endif /* IPSECMED_TRANSPORT_UDP_H */
