// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib/addr.h"

int ipsec_addr_parse(const char *s, struct ipsec_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

size_t ipsec_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

unsigned int ipsec_addr_bits(int family)
{
	return ipsec_addr_len(family) * 8;
}

static const uint8_t *addr_bytes(const struct ipsec_addr *a)
{
	return a->family == AF_INET ? (const uint8_t *)&a->v4
				    : (const uint8_t *)&a->v6;
}

/* Whether the first @bits bits of @x and @y are equal. */
static bool bits_equal(const uint8_t *x, const uint8_t *y, unsigned int bits)
{
	unsigned int full = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(x, y, full))
		return false;
	if (!rest)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (x[full] & mask) == (y[full] & mask);
}

int ipsec_prefix_parse(const char *s, struct ipsec_prefix *p)
{
	char addr[IPSEC_ADDR_STRLEN];
	const char *slash = strchr(s, '/');
	unsigned long len;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	char *end;

	memset(p, 0, sizeof(*p));
	if (n == 0 || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (ipsec_addr_parse(addr, &p->addr))
		return -EINVAL;
	if (!slash) {
		p->len = ipsec_addr_bits(p->addr.family);
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		goto bad;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || *end || len > ipsec_addr_bits(p->addr.family))
		goto bad;
	p->len = (uint8_t)len;
	/* Host bits must be zero: masking must not change the address. */
	{
		struct ipsec_prefix masked = *p;
		uint8_t *b = (uint8_t *)addr_bytes(&masked.addr);
		size_t i, total = ipsec_addr_len(p->addr.family);

		for (i = 0; i < total; i++) {
			unsigned int first = i * 8;

			if (first >= p->len)
				b[i] = 0;
			else if (first + 8 > p->len)
				b[i] &= (uint8_t)(0xff << (8 - (p->len - first)));
		}
		if (!ipsec_addr_eq(&masked.addr, &p->addr))
			goto bad;
	}
	return 0;
bad:
	memset(p, 0, sizeof(*p));
	return -EINVAL;
}

const char *ipsec_addr_fmt(const struct ipsec_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, addr_bytes(a), buf, len))
		snprintf(buf, len, "%%any");
	return buf;
}

const char *ipsec_prefix_fmt(const struct ipsec_prefix *p, char *buf,
			     size_t len)
{
	char a[IPSEC_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", ipsec_addr_fmt(&p->addr, a, sizeof(a)),
		 p->len);
	return buf;
}

bool ipsec_addr_eq(const struct ipsec_addr *a, const struct ipsec_addr *b)
{
	if (a->family != b->family)
		return false;
	return !memcmp(addr_bytes(a), addr_bytes(b), ipsec_addr_len(a->family));
}

bool ipsec_addr_is_any(const struct ipsec_addr *a)
{
	static const uint8_t zero[16];

	return !a->family ||
	       !memcmp(addr_bytes(a), zero, ipsec_addr_len(a->family));
}

void ipsec_prefix_host(struct ipsec_prefix *p, const struct ipsec_addr *a)
{
	p->addr = *a;
	p->len = ipsec_addr_bits(a->family);
}

bool ipsec_prefix_contains(const struct ipsec_prefix *p,
			   const struct ipsec_addr *a)
{
	if (!p->addr.family || p->addr.family != a->family)
		return false;
	return bits_equal(addr_bytes(&p->addr), addr_bytes(a), p->len);
}

socklen_t ipsec_addr_to_sockaddr(const struct ipsec_addr *a, uint16_t port,
				 struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->v4;
		return sizeof(*sin);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = a->v6;
		return sizeof(*sin6);
	}
	return 0;
}

int ipsec_addr_from_sockaddr(const struct sockaddr *sa, struct ipsec_addr *a,
			     uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		a->family = AF_INET;
		a->v4 = sin->sin_addr;
		if (port)
			*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(&a->v4, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			a->v6 = sin6->sin6_addr;
		}
		if (port)
			*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}
