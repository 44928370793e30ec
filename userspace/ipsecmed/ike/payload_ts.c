// SPDX-License-Identifier: GPL-2.0
/* Traffic selector payloads TSi and TSr (RFC 7296 section 3.13). */
#include "ipsecmed/ike/codec.h"

#define SYNTAX(err, pl, ...) \
	ike_fail(err, IKE_E_SYNTAX, IKE_N_INVALID_SYNTAX, (pl)->type, \
		 __VA_ARGS__)

static size_t addr_len(uint8_t type)
{
	switch (type) {
	case IKE_TS_IPV4_ADDR_RANGE: return 4;
	case IKE_TS_IPV6_ADDR_RANGE: return 16;
	}
	return 0;
}

int ike_ts_decode(const struct ike_payload *pl, struct ike_ts_payload *tsp,
		  struct ike_err *err)
{
	struct ike_rd r;
	uint8_t count, i;

	ike_rd_init(&r, pl->body, pl->len);
	tsp->n = 0;
	if (!ike_rd_u8(&r, &count) || !ike_rd_take(&r, 3))
		return SYNTAX(err, pl, "TS payload header truncated");
	if (count == 0)
		return SYNTAX(err, pl, "TS payload with no selectors");
	for (i = 0; i < count; i++) {
		uint8_t type, proto;
		uint16_t len;
		size_t alen;
		struct ike_ts *ts;

		if (!ike_rd_u8(&r, &type) || !ike_rd_u8(&r, &proto) ||
		    !ike_rd_u16(&r, &len))
			return SYNTAX(err, pl, "selector %u truncated", i + 1);
		if (len < 8 ||
		    ike_rd_left(&r) < (size_t)len - 4)
			return SYNTAX(err, pl, "selector %u: length %u does "
				      "not fit", i + 1, len);
		alen = addr_len(type);
		if (!alen) {	/* a type we do not know: skip it */
			ike_rd_take(&r, len - 4);
			continue;
		}
		if (len != 8 + 2 * alen)
			return SYNTAX(err, pl, "selector %u of type %u with "
				      "length %u", i + 1, type, len);
		if (tsp->n == IKE_MAX_TS)
			return ike_fail(err, IKE_E_UNSUPPORTED,
					IKE_N_TS_UNACCEPTABLE, pl->type,
					"more than %d selectors", IKE_MAX_TS);
		ts = &tsp->ts[tsp->n++];
		memset(ts, 0, sizeof(*ts));
		ts->type = type;
		ts->proto = proto;
		ike_rd_u16(&r, &ts->start_port);
		ike_rd_u16(&r, &ts->end_port);
		ike_rd_copy(&r, ts->start, alen);
		ike_rd_copy(&r, ts->end, alen);
	}
	if (ike_rd_left(&r))
		return SYNTAX(err, pl, "%zu bytes after the last selector",
			      ike_rd_left(&r));
	return 0;
}

void ikb_ts(struct ike_builder *b, uint8_t pl_type,
	    const struct ike_ts_payload *tsp)
{
	uint8_t i;

	ikb_begin(b, pl_type, false);
	ike_wr_u8(&b->w, tsp->n);
	ike_wr_u8(&b->w, 0);
	ike_wr_u16(&b->w, 0);
	for (i = 0; i < tsp->n; i++) {
		const struct ike_ts *ts = &tsp->ts[i];
		size_t alen = addr_len(ts->type);

		ike_wr_u8(&b->w, ts->type);
		ike_wr_u8(&b->w, ts->proto);
		ike_wr_u16(&b->w, (uint16_t)(8 + 2 * alen));
		ike_wr_u16(&b->w, ts->start_port);
		ike_wr_u16(&b->w, ts->end_port);
		ike_wr_bytes(&b->w, ts->start, alen);
		ike_wr_bytes(&b->w, ts->end, alen);
	}
	ikb_end(b);
}
