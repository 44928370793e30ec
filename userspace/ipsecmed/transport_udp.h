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
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

/* The two ends of an IKE SA's path; ports in host order. */
struct endpoint {
	struct ipsec_addr local, remote;
	uint16_t lport, rport;
};

struct udp_sock {
	int fd;
	int family;
	uint16_t port;
	bool natt;		/* adds/strips the non-ESP marker */
};

#define TRANSPORT_MAX_SOCKS 4

struct transport {
	struct udp_sock s[TRANSPORT_MAX_SOCKS];
	size_t n;
	uint16_t ike_port, natt_port;
};

/* Open and bind the sockets (IPv6 ones only where IPv6 works). With
 * @kernel, IKE traffic bypasses IPsec policies and the NAT-T sockets
 * are UDP encapsulation endpoints for ESP. Returns 0 or -errno.
 */
int transport_open(struct transport *t, uint16_t ike_port,
		   uint16_t natt_port, bool kernel);
void transport_close(struct transport *t);

/* Read one datagram from @s: the IKE message goes to @buf (marker
 * stripped), the addresses to @ep. Returns its length, 0 for a datagram
 * to ignore (keepalive, ESP on the NAT-T port), or -errno.
 */
int transport_recv(const struct udp_sock *s, uint8_t *buf, size_t cap,
		   struct endpoint *ep);

/* Send @msg along @ep from the socket bound to ep->lport of its family.
 * Returns 0 or -errno.
 */
int transport_send(const struct transport *t, const struct endpoint *ep,
		   const uint8_t *msg, size_t len);

/* Send a NAT-keepalive (RFC 3948 section 2.3: one 0xff byte, no marker)
 * along @ep, whose lport must be the NAT-T port. Returns 0 or -errno.
 */
int transport_send_keepalive(const struct transport *t,
			     const struct endpoint *ep);

#endif /* IPSECMED_TRANSPORT_UDP_H */
