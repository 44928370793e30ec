// SPDX-License-Identifier: GPL-2.0
/*
 * The SA payload: proposals, transforms and transform attributes
 * (RFC 7296 section 3.3).
 */
#include "ipsecmed/ike/codec.h"

#define PROP_LAST 0
#define PROP_MORE 2
#define TRANS_LAST 0
#define TRANS_MORE 3

#define SYNTAX(err, ...) \
	ike_fail(err, IKE_E_SYNTAX, IKE_N_INVALID_SYNTAX, IKE_PL_SA, \
		 __VA_ARGS__)

static int decode_attrs(struct ike_rd *r, struct ike_transform *t,
			struct ike_err *err)
{
	while (ike_rd_left(r)) {
		uint16_t type, val;

		if (!ike_rd_u16(r, &type) || !ike_rd_u16(r, &val))
			return SYNTAX(err, "transform %u/%u: attribute header "
				      "truncated", t->type, t->id);
		if (!(type & IKE_ATTR_TV)) {
			/* TLV: val is the length of a value we do not use. */
			if (!ike_rd_take(r, val))
				return SYNTAX(err, "transform %u/%u: attribute "
					      "of %u bytes truncated", t->type,
					      t->id, val);
			t->unknown_attr = true;
			continue;
		}
		if ((type & ~IKE_ATTR_TV) == IKE_ATTR_KEY_LENGTH) {
			if (t->keylen)
				return SYNTAX(err, "transform %u/%u: two key "
					      "lengths", t->type, t->id);
			t->keylen = val;
		} else {
			t->unknown_attr = true;
		}
	}
	return 0;
}

static int decode_transform(struct ike_rd *r, struct ike_transform *t,
			    bool *last, struct ike_err *err)
{
	uint8_t more, rsv, rsv2;
	uint16_t len;
	const uint8_t *body;
	struct ike_rd tr;

	if (!ike_rd_u8(r, &more) || !ike_rd_u8(r, &rsv) ||
	    !ike_rd_u16(r, &len))
		return SYNTAX(err, "transform header truncated");
	if (more != TRANS_LAST && more != TRANS_MORE)
		return SYNTAX(err, "transform with Last Substruc %u", more);
	if (len < 8)
		return SYNTAX(err, "transform length %u below 8", len);
	body = ike_rd_take(r, len - 4);
	if (!body)
		return SYNTAX(err, "transform length %u but %zu bytes left",
			      len, ike_rd_left(r) + 4);
	ike_rd_init(&tr, body, len - 4);
	memset(t, 0, sizeof(*t));
	ike_rd_u8(&tr, &t->type);
	ike_rd_u8(&tr, &rsv2);
	ike_rd_u16(&tr, &t->id);
	*last = more == TRANS_LAST;
	return decode_attrs(&tr, t, err);
}

#define PROP_SKIP 1	/* decode_proposal_body(): valid, not taken */

static int decode_proposal_body(struct ike_rd *r, struct ike_proposal *p,
				struct ike_err *err)
{
	uint8_t i, ntrans;
	bool last = false;

	if (!ike_rd_u8(r, &p->num) || !ike_rd_u8(r, &p->proto) ||
	    !ike_rd_u8(r, &p->spi_size) || !ike_rd_u8(r, &ntrans))
		return SYNTAX(err, "proposal header truncated");
	if (p->spi_size != 0 && p->spi_size != 4 && p->spi_size != 8)
		return SYNTAX(err, "proposal %u: SPI size %u", p->num,
			      p->spi_size);
	if (!ike_rd_copy(r, p->spi, p->spi_size))
		return SYNTAX(err, "proposal %u: SPI truncated", p->num);
	/* More than we hold: this proposal is not for us, but the next
	 * one may be (the caller skips it, its length is known).
	 */
	if (ntrans > IKE_MAX_TRANSFORMS)
		return PROP_SKIP;
	for (i = 0; i < ntrans; i++) {
		int ret;

		if (last)
			return SYNTAX(err, "proposal %u: transform %u follows "
				      "the last one", p->num, i + 1);
		ret = decode_transform(r, &p->tr[i], &last, err);
		if (ret)
			return ret;
	}
	if (!last || ike_rd_left(r))
		return SYNTAX(err, "proposal %u: transform count %u does not "
			      "match its contents", p->num, ntrans);
	p->ntrans = ntrans;
	return 0;
}

int ike_sa_decode(const struct ike_payload *pl, struct ike_sa_payload *sa,
		  struct ike_err *err)
{
	struct ike_rd r;
	bool last = false;

	uint8_t prev_num = 0;
	unsigned int skipped = 0;

	ike_rd_init(&r, pl->body, pl->len);
	sa->nprop = 0;
	while (!last) {
		uint8_t more, rsv;
		uint16_t len;
		const uint8_t *body;
		struct ike_rd pr;
		struct ike_proposal *p;
		uint8_t num;
		int ret;

		if (!ike_rd_u8(&r, &more) || !ike_rd_u8(&r, &rsv) ||
		    !ike_rd_u16(&r, &len))
			return SYNTAX(err, "proposal header truncated "
				      "(or SA payload empty)");
		if (more != PROP_LAST && more != PROP_MORE)
			return SYNTAX(err, "proposal with Last Substruc %u",
				      more);
		last = more == PROP_LAST;
		if (len < 8)
			return SYNTAX(err, "proposal length %u below 8", len);
		body = ike_rd_take(&r, len - 4);
		if (!body)
			return SYNTAX(err, "proposal length %u but %zu bytes "
				      "left", len, ike_rd_left(&r) + 4);
		/* Past the ones we hold, proposals are only counted: the
		 * peer put its preferred ones first.
		 */
		if (sa->nprop == IKE_MAX_PROPOSALS) {
			ret = PROP_SKIP;
			num = body[0];
		} else {
			p = &sa->prop[sa->nprop];
			ike_rd_init(&pr, body, len - 4);
			ret = decode_proposal_body(&pr, p, err);
			if (ret < 0)
				return ret;
			num = p->num;
		}
		/* A response echoes the one chosen proposal with its
		 * number; in a list, numbers rise by one.
		 */
		if (num == 0 || (prev_num && num != prev_num + 1))
			return SYNTAX(err, "proposal number %u out of "
				      "sequence", num);
		prev_num = num;
		if (ret == PROP_SKIP)
			skipped++;
		else
			sa->nprop++;
	}
	if (ike_rd_left(&r))
		return SYNTAX(err, "%zu bytes after the last proposal",
			      ike_rd_left(&r));
	if (!sa->nprop)
		return ike_fail(err, IKE_E_UNSUPPORTED,
				IKE_N_NO_PROPOSAL_CHOSEN, IKE_PL_SA,
				"%u proposals, none with at most %d "
				"transforms", skipped, IKE_MAX_TRANSFORMS);
	return 0;
}

static void put_transform(struct ike_wr *w, const struct ike_transform *t,
			  bool last)
{
	ike_wr_u8(w, last ? TRANS_LAST : TRANS_MORE);
	ike_wr_u8(w, 0);
	ike_wr_u16(w, t->keylen ? 12 : 8);
	ike_wr_u8(w, t->type);
	ike_wr_u8(w, 0);
	ike_wr_u16(w, t->id);
	if (t->keylen) {
		ike_wr_u16(w, IKE_ATTR_TV | IKE_ATTR_KEY_LENGTH);
		ike_wr_u16(w, t->keylen);
	}
}

static void put_proposal(struct ike_wr *w, const struct ike_proposal *p,
			 uint8_t num, bool last)
{
	size_t start = w->len;
	uint8_t i;

	ike_wr_u8(w, last ? PROP_LAST : PROP_MORE);
	ike_wr_u8(w, 0);
	ike_wr_u16(w, 0);
	ike_wr_u8(w, num);
	ike_wr_u8(w, p->proto);
	ike_wr_u8(w, p->spi_size);
	ike_wr_u8(w, p->ntrans);
	ike_wr_bytes(w, p->spi, p->spi_size);
	for (i = 0; i < p->ntrans; i++)
		put_transform(w, &p->tr[i], i + 1 == p->ntrans);
	if (!w->overflow)
		ike_put_be16(w->p + start + 2, (uint16_t)(w->len - start));
}

/* Proposals are numbered from their position, except that a proposal
 * with num set (a responder echoing the one it chose) keeps it.
 */
void ikb_sa(struct ike_builder *b, const struct ike_sa_payload *sa)
{
	uint8_t i;

	ikb_begin(b, IKE_PL_SA, false);
	for (i = 0; i < sa->nprop; i++)
		put_proposal(&b->w, &sa->prop[i],
			     sa->prop[i].num ? sa->prop[i].num : i + 1,
			     i + 1 == sa->nprop);
	ikb_end(b);
}
