// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ipsecmed/ts.h"

static size_t alen(uint8_t type)
{
	return type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
}

static void from_prefix(const struct ipsec_prefix *p, uint8_t proto,
			uint16_t lo, uint16_t hi, struct ike_ts *ts)
{
	size_t len = ipsec_addr_len(p->addr.family), i;
	const uint8_t *a = p->addr.family == AF_INET ?
		(const uint8_t *)&p->addr.v4 : (const uint8_t *)&p->addr.v6;

	memset(ts, 0, sizeof(*ts));
	ts->type = p->addr.family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE :
					       IKE_TS_IPV6_ADDR_RANGE;
	ts->proto = proto;
	ts->start_port = lo;
	ts->end_port = hi;
	for (i = 0; i < len; i++) {
		int bits = (int)p->len - 8 * (int)i;
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 :
			       (uint8_t)(0xff << (8 - bits));

		ts->start[i] = a[i] & mask;
		ts->end[i] = a[i] | (uint8_t)~mask;
	}
}

void ts_from_conf(const struct conf_ts *ts, size_t n,
		  const struct ipsec_addr *host, struct ike_ts_payload *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!n) {
		struct ipsec_prefix p;

		ipsec_prefix_host(&p, host);
		from_prefix(&p, 0, 0, 65535, &out->ts[out->n++]);
		return;
	}
	for (i = 0; i < n && out->n < IKE_MAX_TS; i++)
		from_prefix(&ts[i].prefix, ts[i].proto, ts[i].port_lo,
			    ts[i].port_hi, &out->ts[out->n++]);
}

static int intersect(const struct ike_ts *a, const struct ike_ts *b,
		     struct ike_ts *out)
{
	size_t l = alen(a->type);

	if (a->type != b->type)
		return -1;
	if (a->proto && b->proto && a->proto != b->proto)
		return -1;
	*out = *a;
	out->proto = a->proto ? a->proto : b->proto;
	out->start_port = a->start_port > b->start_port ? a->start_port :
							    b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	if (out->start_port > out->end_port)
		return -1;
	memcpy(out->start, memcmp(a->start, b->start, l) > 0 ? a->start :
	       b->start, l);
	memcpy(out->end, memcmp(a->end, b->end, l) < 0 ? a->end : b->end, l);
	return memcmp(out->start, out->end, l) > 0 ? -1 : 0;
}

int ts_narrow(const struct ike_ts_payload *ours,
	      const struct ike_ts_payload *theirs, struct ike_ts_payload *out)
{
	uint8_t i, j;

	memset(out, 0, sizeof(*out));
	for (j = 0; j < theirs->n; j++)
		for (i = 0; i < ours->n && out->n < IKE_MAX_TS; i++)
			if (!intersect(&theirs->ts[j], &ours->ts[i],
				       &out->ts[out->n]))
				out->n++;
	return out->n ? 0 : -1;
}

static bool within(const struct ike_ts *in, const struct ike_ts *out)
{
	size_t l = alen(in->type);

	return in->type == out->type &&
	       (!out->proto || out->proto == in->proto) &&
	       out->start_port <= in->start_port &&
	       in->end_port <= out->end_port &&
	       memcmp(out->start, in->start, l) <= 0 &&
	       memcmp(in->end, out->end, l) <= 0;
}

bool ts_covers(const struct ike_ts_payload *outer,
	       const struct ike_ts_payload *inner)
{
	uint8_t i, j;

	for (i = 0; i < inner->n; i++) {
		for (j = 0; j < outer->n; j++)
			if (within(&inner->ts[i], &outer->ts[j]))
				break;
		if (j == outer->n)
			return false;
	}
	return true;
}

/* Addresses as numbers: IPv4 in the low 32 bits. */
typedef unsigned __int128 u128;

static u128 load(const uint8_t *b, size_t l)
{
	u128 v = 0;
	size_t i;

	for (i = 0; i < l; i++)
		v = v << 8 | b[i];
	return v;
}

static void store(u128 v, uint8_t *b, size_t l)
{
	while (l--) {
		b[l] = (uint8_t)v;
		v >>= 8;
	}
}

/* The largest aligned block at @cur that ends at or before @end, as the
 * number of host bits (@width when it is the whole space).
 */
static unsigned int block_bits(u128 cur, u128 end, unsigned int width)
{
	unsigned int k = 0;

	while (k < width && !(cur >> k & 1))
		k++;
	for (;;) {
		u128 span = k >= 128 ? ~(u128)0 : ((u128)1 << k) - 1;

		if (!k || span <= end - cur)
			return k;
		k--;
	}
}

/* Split [lo, hi] of a @width-bit space into aligned blocks: calls @fn
 * with each block's start and host bits until it returns false. Returns
 * how many blocks the range takes (all of them, even past a stop).
 */
static size_t split(u128 lo, u128 hi, unsigned int width,
		    bool (*fn)(u128 start, unsigned int bits, void *arg),
		    void *arg)
{
	bool more = true;
	size_t n = 0;

	for (;;) {
		unsigned int k = block_bits(lo, hi, width);
		u128 span = k >= 128 ? ~(u128)0 : ((u128)1 << k) - 1;

		n++;
		if (more)
			more = fn(lo, k, arg);
		if (span == hi - lo)
			return n;
		lo += span + 1;
	}
}

struct collect {
	u128 starts[TS_PIECES_MAX];
	uint8_t bits[TS_PIECES_MAX];
	size_t n, max;
};

static bool collect(u128 start, unsigned int bits, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->max)
		return false;
	c->starts[c->n] = start;
	c->bits[c->n++] = (uint8_t)bits;
	return true;
}

/* Whether @ts can be expressed in XFRM at all: a sane range, and ports
 * restricted only for protocols whose ports XFRM matches (for ICMP the
 * IKE "port" is type and code in one number, which XFRM keeps apart).
 */
static bool ts_valid(const struct ike_ts *ts)
{
	size_t l = alen(ts->type);
	bool any_port = ts->start_port == 0 && ts->end_port == 65535;

	if (ts->type != IKE_TS_IPV4_ADDR_RANGE &&
	    ts->type != IKE_TS_IPV6_ADDR_RANGE)
		return false;
	if (ts->start_port > ts->end_port ||
	    memcmp(ts->start, ts->end, l) > 0)
		return false;
	return any_port || ts->proto == IPPROTO_TCP ||
	       ts->proto == IPPROTO_UDP || ts->proto == IPPROTO_SCTP;
}

int ts_pieces(const struct ike_ts *ts, struct ts_piece *out, size_t max)
{
	struct collect a = { 0 }, p = { .max = TS_PIECES_MAX };
	size_t l, na, np, i, j, n = 0;
	unsigned int width;

	if (!ts_valid(ts))
		return -1;
	/* Both collections hold TS_PIECES_MAX blocks. */
	if (max > TS_PIECES_MAX)
		max = TS_PIECES_MAX;
	l = alen(ts->type);
	width = 8 * (unsigned int)l;
	np = split(ts->start_port, ts->end_port, 16, collect, &p);
	/* Enough address blocks to fill @max pieces with the ports. */
	a.max = (max + np - 1) / np;
	na = split(load(ts->start, l), load(ts->end, l), width, collect, &a);
	for (i = 0; i < a.n; i++) {
		for (j = 0; j < p.n && n < max; j++, n++) {
			struct ts_piece *o = &out[n];
			uint8_t b[16];

			memset(o, 0, sizeof(*o));
			store(a.starts[i], b, l);
			o->prefix.addr.family = l == 4 ? AF_INET : AF_INET6;
			memcpy(l == 4 ? (void *)&o->prefix.addr.v4 :
			       (void *)&o->prefix.addr.v6, b, l);
			o->prefix.len = (uint8_t)(width - a.bits[i]);
			o->proto = ts->proto;
			o->port = (uint16_t)p.starts[j];
			/* The whole port space is "any": no mask. */
			o->port_mask = p.bits[j] == 16 ? 0 :
				       (uint16_t)(0xffff << p.bits[j]);
		}
	}
	return (int)(na * np);	/* at most 254 * 30 */
}

void ts_from_piece(const struct ts_piece *pc, struct ike_ts *ts)
{
	uint16_t m = pc->port_mask;

	from_prefix(&pc->prefix, pc->proto, pc->port & m,
		    (uint16_t)(pc->port | (uint16_t)~m), ts);
}

int ts_count(const struct ike_ts_payload *tsp, int family)
{
	struct ts_piece none[1];
	int n = 0, k;
	uint8_t i;

	for (i = 0; i < tsp->n; i++) {
		const struct ike_ts *t = &tsp->ts[i];

		if (family && (t->type == IKE_TS_IPV4_ADDR_RANGE) !=
		    (family == AF_INET))
			continue;
		k = ts_pieces(t, none, 0);
		if (k < 0)
			return -1;
		n = n > INT_MAX - k ? INT_MAX : n + k;
	}
	return n;
}

static int pairs(const struct ike_ts_payload *l, const struct ike_ts_payload *r)
{
	long long p = (long long)ts_count(l, AF_INET) * ts_count(r, AF_INET) +
		      (long long)ts_count(l, AF_INET6) *
		      ts_count(r, AF_INET6);

	return p > INT_MAX ? INT_MAX : (int)p;
}

const char *ts_exact(const struct ike_ts_payload *l,
		     const struct ike_ts_payload *r, bool transport)
{
	int nl = ts_count(l, 0), nr = ts_count(r, 0);

	if (nl < 0 || nr < 0)
		return "a selector is not a valid range, or restricts ports "
		       "of a protocol without ports";
	if (transport && (nl != 1 || nr != 1 || pairs(l, r) != 1))
		return "transport mode takes one XFRM selector per side, of "
		       "one family (the SA's own selector)";
	if (nl > TS_PIECES_MAX || nr > TS_PIECES_MAX)
		return "a side's selectors take more than 16 XFRM selectors";
	if (pairs(l, r) > TS_PAIRS_MAX)
		return "the selectors take more than 64 XFRM selector pairs";
	return NULL;
}

int ts_fit(struct ike_ts_payload *tsp, size_t max)
{
	struct ike_ts_payload out = { 0 };
	struct ts_piece pc[TS_PIECES_MAX];
	size_t used = 0;
	uint8_t i;
	int k, j;

	if (max > TS_PIECES_MAX)
		max = TS_PIECES_MAX;
	for (i = 0; i < tsp->n && used < max; i++) {
		k = ts_pieces(&tsp->ts[i], pc, max - used);
		if (k < 0)
			continue;	/* cannot be had: leave it out */
		if ((size_t)k <= max - used) {
			out.ts[out.n++] = tsp->ts[i];
			used += (size_t)k;
			continue;
		}
		/* Too big: its first pieces, each its own selector. */
		for (j = 0; (size_t)j < max - used; j++)
			ts_from_piece(&pc[j], &out.ts[out.n++]);
		used = max;
	}
	*tsp = out;
	return out.n ? (int)used : -1;
}

int ts_fit_pair(struct ike_ts_payload *l, struct ike_ts_payload *r,
		bool transport)
{
	size_t max = transport ? 1 : TS_PIECES_MAX;
	int nl = ts_fit(l, max), nr = ts_fit(r, max);

	if (nl < 0 || nr < 0)
		return -1;
	if (transport)
		return pairs(l, r) == 1 ? 0 : -1;
	while (pairs(l, r) > TS_PAIRS_MAX) {
		if (nl >= nr)
			nl = ts_fit(l, (size_t)nl - 1);
		else
			nr = ts_fit(r, (size_t)nr - 1);
		if (nl < 0 || nr < 0)
			return -1;
	}
	return 0;
}

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "ipv6-icmp";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

/* "10.1.0.0/16" for a prefix, "10.9.0.1-10.9.0.5" for another range. */
static void addr_str(const struct ike_ts *t, char *buf, size_t len)
{
	struct ike_ts_payload one = { .n = 1 };
	struct ts_piece pc;
	struct ipsec_addr a, b;
	char sa[IPSEC_ADDR_STRLEN], sb[IPSEC_ADDR_STRLEN];
	size_t l = alen(t->type);

	one.ts[0] = *t;
	one.ts[0].proto = 0;
	one.ts[0].start_port = 0;
	one.ts[0].end_port = 65535;
	if (ts_pieces(&one.ts[0], &pc, 1) == 1) {
		ipsec_prefix_fmt(&pc.prefix, buf, len);
		return;
	}
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.family = b.family = l == 4 ? AF_INET : AF_INET6;
	memcpy(l == 4 ? (void *)&a.v4 : (void *)&a.v6, t->start, l);
	memcpy(l == 4 ? (void *)&b.v4 : (void *)&b.v6, t->end, l);
	snprintf(buf, len, "%s-%s", ipsec_addr_fmt(&a, sa, sizeof(sa)),
		 ipsec_addr_fmt(&b, sb, sizeof(sb)));
}

void ts_str(const struct ike_ts_payload *tsp, char *buf, size_t len)
{
	size_t off = 0;
	uint8_t i;

	buf[0] = 0;
	for (i = 0; i < tsp->n && off < len; i++) {
		const struct ike_ts *t = &tsp->ts[i];
		char a[2 * IPSEC_ADDR_STRLEN + 2], pn[8], ports[16] = "";

		addr_str(t, a, sizeof(a));
		if (t->start_port == t->end_port)
			snprintf(ports, sizeof(ports), "/%u", t->start_port);
		else if (t->start_port != 0 || t->end_port != 65535)
			snprintf(ports, sizeof(ports), "/%u-%u", t->start_port,
				 t->end_port);
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "",
					a);
		if (off < len && (t->proto || ports[0]))
			off += (size_t)snprintf(buf + off, len - off,
						"[%s%s]", t->proto ?
						proto_name(t->proto, pn,
							   sizeof(pn)) : "any",
						ports);
	}
}
