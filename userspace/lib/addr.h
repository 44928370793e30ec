/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IP addresses and prefixes shared by the configuration, XFRM and control
 * code: one struct for both families, parsing and formatting in the usual
 * text forms, and conversion to and from socket addresses.
 */
#ifndef IPSECME_ADDR_H
#define IPSECME_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address; family AF_UNSPEC (0) means "none/any". */
struct ipsec_addr {
	int family;		/* AF_INET, AF_INET6 or AF_UNSPEC */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* An address prefix: @len leading bits of @addr, host bits all zero. */
struct ipsec_prefix {
	struct ipsec_addr addr;
	uint8_t len;		/* 0..32 or 0..128 */
};

/* Room for ipsec_addr_fmt() and ipsec_prefix_fmt() output with its NUL. */
#define IPSEC_ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */
#define IPSEC_PREFIX_STRLEN	(IPSEC_ADDR_STRLEN + 4)

/* Parse a numeric IPv4 or IPv6 address (no names, no scope, no prefix).
 * Returns 0, or -EINVAL leaving @a zeroed.
 */
int ipsec_addr_parse(const char *s, struct ipsec_addr *a);

/* Parse "ADDR/LEN" or a bare "ADDR" (a host prefix, /32 or /128).
 * Rejects lengths out of range and set host bits ("10.0.0.1/24"): a
 * prefix that does not say what it means is a configuration error.
 * Returns 0 or -EINVAL.
 */
int ipsec_prefix_parse(const char *s, struct ipsec_prefix *p);

/* Text form of @a in @buf (at least IPSEC_ADDR_STRLEN bytes); "%any" for
 * AF_UNSPEC. Returns @buf, so it can be used in printf arguments.
 */
const char *ipsec_addr_fmt(const struct ipsec_addr *a, char *buf, size_t len);

/* "ADDR/LEN" in @buf (at least IPSEC_PREFIX_STRLEN bytes). Returns @buf. */
const char *ipsec_prefix_fmt(const struct ipsec_prefix *p, char *buf,
			     size_t len);

/* Length of an address of @family in bytes: 4, 16, or 0 if unknown. */
size_t ipsec_addr_len(int family);

/* Maximum prefix length of @family: 32, 128, or 0 if unknown. */
unsigned int ipsec_addr_bits(int family);

/* Same family and same bytes (two AF_UNSPEC addresses are equal). */
bool ipsec_addr_eq(const struct ipsec_addr *a, const struct ipsec_addr *b);

/* All-zero address (0.0.0.0, ::) or AF_UNSPEC. */
bool ipsec_addr_is_any(const struct ipsec_addr *a);

/* Host prefix (/32 or /128) of @a. */
void ipsec_prefix_host(struct ipsec_prefix *p, const struct ipsec_addr *a);

/* Whether @a lies inside @p (same family and the first p->len bits equal). */
bool ipsec_prefix_contains(const struct ipsec_prefix *p,
			   const struct ipsec_addr *a);

/* Fill @ss with @a and @port (host order); returns the sockaddr length or
 * 0 if @a has no family.
 */
socklen_t ipsec_addr_to_sockaddr(const struct ipsec_addr *a, uint16_t port,
				 struct sockaddr_storage *ss);

/* Address and port (host order, may be NULL) of an AF_INET or AF_INET6
 * sockaddr. An IPv4-mapped IPv6 address becomes IPv4. Returns 0 or -EAFNOSUPPORT.
 */
int ipsec_addr_from_sockaddr(const struct sockaddr *sa, struct ipsec_addr *a,
			     uint16_t *port);

#endif /* IPSECME_ADDR_H */
