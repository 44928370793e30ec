// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
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

int ts_to_xfrm(const struct ike_ts *ts, struct ipsec_prefix *p,
	       uint8_t *proto, uint16_t *port)
{
	size_t l = alen(ts->type), i;
	unsigned int bits = 0;
	bool host_part = false;

	memset(p, 0, sizeof(*p));
	p->addr.family = ts->type == IKE_TS_IPV4_ADDR_RANGE ? AF_INET :
							     AF_INET6;
	memcpy(p->addr.family == AF_INET ? (void *)&p->addr.v4 :
	       (void *)&p->addr.v6, ts->start, l);
	/* A prefix: start and end agree on the first bits, then start has
	 * only zeros and end only ones.
	 */
	for (i = 0; i < 8 * l; i++) {
		int s = ts->start[i / 8] >> (7 - i % 8) & 1;
		int e = ts->end[i / 8] >> (7 - i % 8) & 1;

		if (!host_part && s == e) {
			bits++;
			continue;
		}
		host_part = true;
		if (s != 0 || e != 1)
			return -1;
	}
	p->len = (uint8_t)bits;
	*proto = ts->proto;
	if (ts->start_port == 0 && ts->end_port == 65535)
		*port = 0;
	else if (ts->start_port == ts->end_port)
		*port = ts->start_port;
	else
		return -1;
	return 0;
}

void ts_str(const struct ike_ts_payload *tsp, char *buf, size_t len)
{
	size_t off = 0;
	uint8_t i;

	buf[0] = 0;
	for (i = 0; i < tsp->n && off < len; i++) {
		char pfx[IPSEC_PREFIX_STRLEN];
		struct ipsec_prefix p;
		uint8_t proto;
		uint16_t port;

		if (ts_to_xfrm(&tsp->ts[i], &p, &proto, &port))
			snprintf(pfx, sizeof(pfx), "(range)");
		else
			ipsec_prefix_fmt(&p, pfx, sizeof(pfx));
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "",
					pfx);
		if (off < len && (proto || port))
			off += (size_t)snprintf(buf + off, len - off,
						"[%u/%u]", proto, port);
	}
}
