// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "ipsecmed/proposal.h"

static void add(struct ike_proposal *pr, uint8_t type, uint16_t id,
		uint16_t keylen)
{
	if (pr->ntrans < IKE_MAX_TRANSFORMS)
		pr->tr[pr->ntrans++] = (struct ike_transform){ type, id,
							       keylen, false };
}

static void offer_one(const struct conf_proposal *c, uint8_t proto,
		      bool with_dh, uint16_t dh_first, struct ike_proposal *pr)
{
	size_t i;

	for (i = 0; i < c->n_encr; i++)
		add(pr, IKE_TRANS_ENCR, c->encr[i], c->encr_bits[i]);
	for (i = 0; i < c->n_integ; i++)
		add(pr, IKE_TRANS_INTEG, c->integ[i], 0);
	if (proto == IKE_PROTO_IKE)
		for (i = 0; i < c->n_prf; i++)
			add(pr, IKE_TRANS_PRF, c->prf[i], 0);
	if (with_dh) {
		for (i = 0; i < c->n_dh; i++)
			if (c->dh[i] == dh_first)
				add(pr, IKE_TRANS_DH, c->dh[i], 0);
		for (i = 0; i < c->n_dh; i++)
			if (c->dh[i] != dh_first)
				add(pr, IKE_TRANS_DH, c->dh[i], 0);
	}
	if (proto == IKE_PROTO_ESP) {
		for (i = 0; i < c->n_esn; i++)
			add(pr, IKE_TRANS_ESN, c->esn[i], 0);
		if (!c->n_esn)
			add(pr, IKE_TRANS_ESN, IKE_ESN_NO, 0);
	}
}

void prop_offer(const struct conf_proposal *p, size_t n, uint8_t proto,
		const uint8_t *spi, uint8_t spi_size, bool with_dh,
		uint16_t dh_first, struct ike_sa_payload *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n && i < IKE_MAX_PROPOSALS; i++) {
		struct ike_proposal *pr = &out->prop[out->nprop++];

		pr->proto = proto;
		pr->spi_size = spi_size;
		if (spi_size)	/* IKE_SA_INIT: no SPI, @spi NULL */
			memcpy(pr->spi, spi, spi_size);
		offer_one(&p[i], proto, with_dh, dh_first, pr);
	}
}

/* Whether the configured proposal allows transform @t. */
static bool allowed(const struct conf_proposal *c, const struct ike_transform *t)
{
	size_t i;

	if (t->unknown_attr)
		return false;
	switch (t->type) {
	case IKE_TRANS_ENCR:
		for (i = 0; i < c->n_encr; i++)
			if (c->encr[i] == t->id && c->encr_bits[i] == t->keylen)
				return true;
		return false;
	case IKE_TRANS_INTEG:
		for (i = 0; i < c->n_integ; i++)
			if (c->integ[i] == t->id)
				return true;
		return false;
	case IKE_TRANS_PRF:
		for (i = 0; i < c->n_prf; i++)
			if (c->prf[i] == t->id)
				return true;
		return false;
	case IKE_TRANS_DH:
		for (i = 0; i < c->n_dh; i++)
			if (c->dh[i] == t->id)
				return true;
		return false;
	case IKE_TRANS_ESN:
		if (!c->n_esn)
			return t->id == IKE_ESN_NO;
		for (i = 0; i < c->n_esn; i++)
			if (c->esn[i] == t->id)
				return true;
		return false;
	}
	return false;
}

/* First transform of each type in @pr that @c allows; a type present in
 * @pr with none allowed makes the proposal unacceptable.
 */
static int match(const struct conf_proposal *c, uint8_t proto, bool need_dh,
		 const struct ike_proposal *pr, struct ike_suite *s,
		 struct ike_proposal *chosen)
{
	const struct ike_transform *pick[6] = { 0 };
	bool present[6] = { 0 };
	uint8_t t;

	if (pr->proto != proto)
		return -1;
	for (t = 0; t < pr->ntrans; t++) {
		const struct ike_transform *tr = &pr->tr[t];

		if (tr->type < 1 || tr->type > 5)
			return -1;	/* a type we do not know */
		present[tr->type] = true;
		if (!pick[tr->type] && allowed(c, tr))
			pick[tr->type] = tr;
	}
	for (t = 1; t <= 5; t++)
		if (present[t] && !pick[t])
			return -1;
	memset(s, 0, sizeof(*s));
	if (!pick[IKE_TRANS_ENCR])
		return -1;
	s->encr = ike_encr_find(pick[IKE_TRANS_ENCR]->id,
				pick[IKE_TRANS_ENCR]->keylen);
	if (!s->encr)
		return -1;
	if (!s->encr->aead) {
		if (!pick[IKE_TRANS_INTEG])
			return -1;
		s->integ = ike_integ_find(pick[IKE_TRANS_INTEG]->id);
		if (!s->integ)
			return -1;
	} else if (pick[IKE_TRANS_INTEG] &&
		   pick[IKE_TRANS_INTEG]->id != IKE_INTEG_NONE) {
		return -1;
	}
	if (proto == IKE_PROTO_IKE) {
		if (!pick[IKE_TRANS_PRF])
			return -1;
		s->prf = ike_prf_find(pick[IKE_TRANS_PRF]->id);
		if (!s->prf)
			return -1;
	}
	if (pick[IKE_TRANS_DH]) {
		s->dh = ike_dh_group_find(pick[IKE_TRANS_DH]->id);
		if (!s->dh)
			return -1;
	}
	if (need_dh && !s->dh)
		return -1;
	s->esn = pick[IKE_TRANS_ESN] && pick[IKE_TRANS_ESN]->id == IKE_ESN_YES;
	if (chosen) {
		memset(chosen, 0, sizeof(*chosen));
		chosen->num = pr->num;
		chosen->proto = pr->proto;
		chosen->spi_size = pr->spi_size;
		memcpy(chosen->spi, pr->spi, pr->spi_size);
		for (t = 1; t <= 5; t++)
			if (pick[t])
				chosen->tr[chosen->ntrans++] = *pick[t];
	}
	return 0;
}

/* Whether @c alone allows every algorithm of the IKE suite @s. */
static bool suite_in(const struct conf_proposal *c, const struct ike_suite *s)
{
	struct ike_transform t[4] = {
		{ .type = IKE_TRANS_ENCR, .id = s->encr->id,
		  .keylen = s->encr->keybits },
		{ .type = IKE_TRANS_PRF, .id = s->prf->id },
		{ .type = IKE_TRANS_DH, .id = s->dh->id },
		{ .type = IKE_TRANS_INTEG,
		  .id = s->integ ? s->integ->id : 0 },
	};
	size_t i, n = s->integ ? 4 : 3;

	if (c->aead != s->encr->aead)
		return false;
	for (i = 0; i < n; i++)
		if (!allowed(c, &t[i]))
			return false;
	return true;
}

bool prop_suite_allowed(const struct conf_proposal *p, size_t n,
			const struct ike_suite *s)
{
	size_t i;

	if (!s->encr || !s->prf || !s->dh)
		return false;
	for (i = 0; i < n; i++)
		if (suite_in(&p[i], s))
			return true;
	return false;
}

int prop_select(const struct conf_proposal *p, size_t n, uint8_t proto,
		bool need_dh, const struct ike_sa_payload *sa,
		struct ike_suite *suite, struct ike_proposal *chosen)
{
	size_t i, j;

	/* The peer's order of preference wins (RFC 7296 2.7 leaves it to
	 * the responder; this is what most implementations do).
	 */
	for (j = 0; j < sa->nprop; j++)
		for (i = 0; i < n; i++)
			if (!match(&p[i], proto, need_dh, &sa->prop[j], suite,
				   chosen))
				return 0;
	return -1;
}

int prop_accept(const struct conf_proposal *p, size_t n, uint8_t proto,
		bool need_dh, const struct ike_sa_payload *sa,
		struct ike_suite *suite)
{
	const struct ike_proposal *pr;
	size_t i;
	uint8_t t, seen = 0;

	if (sa->nprop != 1)
		return -1;
	pr = &sa->prop[0];
	/* Exactly one transform of each type in an answer. */
	for (t = 0; t < pr->ntrans; t++) {
		if (pr->tr[t].type > 7 || seen & (1u << pr->tr[t].type))
			return -1;
		seen |= 1u << pr->tr[t].type;
	}
	for (i = 0; i < n; i++)
		if (!match(&p[i], proto, need_dh, pr, suite, NULL))
			return 0;
	return -1;
}

bool prop_group_allowed(const struct conf_proposal *p, size_t n,
			uint16_t group)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < p[i].n_dh; j++)
			if (p[i].dh[j] == group)
				return true;
	return false;
}

void prop_prefer_group(const struct conf_proposal *p, size_t n,
		       const struct ike_sa_payload *sa,
		       struct ike_proposal *chosen, struct ike_suite *suite,
		       uint16_t group)
{
	const struct ike_proposal *pr = NULL;
	uint8_t i, t;

	for (i = 0; i < sa->nprop; i++)
		if (sa->prop[i].num == chosen->num)
			pr = &sa->prop[i];
	if (!pr || !suite->dh || suite->dh->id == group ||
	    !prop_group_allowed(p, n, group) || !ike_dh_group_find(group))
		return;
	for (i = 0; i < pr->ntrans; i++) {
		if (pr->tr[i].type != IKE_TRANS_DH || pr->tr[i].id != group)
			continue;
		suite->dh = ike_dh_group_find(group);
		for (t = 0; t < chosen->ntrans; t++)
			if (chosen->tr[t].type == IKE_TRANS_DH)
				chosen->tr[t].id = group;
		return;
	}
}

static const char *encr_str(const struct ike_encr *e)
{
	switch (e->id) {
	case IKE_ENCR_AES_GCM_16:
		return e->keybits == 128 ? "AES_GCM_16_128" : "AES_GCM_16_256";
	case IKE_ENCR_AES_CBC:
		return e->keybits == 128 ? "AES_CBC_128" : "AES_CBC_256";
	case IKE_ENCR_CHACHA20_POLY1305:
		return "CHACHA20_POLY1305";
	}
	return "?";
}

static const char *integ_str(const struct ike_integ *i)
{
	switch (i->id) {
	case IKE_INTEG_HMAC_SHA2_256_128: return "HMAC_SHA2_256_128";
	case IKE_INTEG_HMAC_SHA2_384_192: return "HMAC_SHA2_384_192";
	case IKE_INTEG_HMAC_SHA2_512_256: return "HMAC_SHA2_512_256";
	}
	return "?";
}

static const char *prf_str(const struct ike_prf *p)
{
	switch (p->id) {
	case IKE_PRF_HMAC_SHA2_256: return "PRF_HMAC_SHA2_256";
	case IKE_PRF_HMAC_SHA2_384: return "PRF_HMAC_SHA2_384";
	case IKE_PRF_HMAC_SHA2_512: return "PRF_HMAC_SHA2_512";
	}
	return "PRF_HMAC_SHA1";
}

static const char *dh_str(const struct ike_dh_group *g)
{
	switch (g->id) {
	case IKE_DH_MODP2048: return "MODP_2048";
	case IKE_DH_ECP256: return "ECP_256";
	case IKE_DH_ECP384: return "ECP_384";
	case IKE_DH_ECP521: return "ECP_521";
	case IKE_DH_CURVE25519: return "CURVE_25519";
	}
	return "?";
}

void prop_suite_str(const struct ike_suite *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s%s", encr_str(s->encr),
		 s->integ ? "/" : "", s->integ ? integ_str(s->integ) : "",
		 s->prf ? "/" : "", s->prf ? prf_str(s->prf) : "",
		 s->dh ? "/" : "", s->dh ? dh_str(s->dh) : "",
		 s->esn ? "/ESN" : "");
}
