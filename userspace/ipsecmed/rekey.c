// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "ipsecmed/rekey.h"
#include "ipsecmed/ts.h"

static bool any_without_dh(const struct conf_proposal *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!p[i].n_dh)
			return true;
	return false;
}

static uint16_t rekey_notify(const struct ike_msg *m, struct ccsa_req *r)
{
	const struct ike_payload *pl;
	unsigned int idx = 0;
	struct ike_notify n;

	while ((pl = ike_msg_find(m, IKE_PL_NOTIFY, &idx))) {
		if (ike_notify_decode(pl, &n, NULL) || n.type != IKE_N_REKEY_SA)
			continue;
		if (n.proto != IKE_PROTO_ESP || n.spi_size != 4)
			return IKE_N_INVALID_SYNTAX;
		r->rekey = true;
		r->rekey_spi = ike_get_be32(n.spi);
	}
	return 0;
}

/* The payloads every kind needs, decoded. */
static uint16_t decode(const struct ike_msg *m, struct ccsa_req *r)
{
	const struct ike_payload *sap = ike_msg_first(m, IKE_PL_SA);
	const struct ike_payload *np = ike_msg_first(m, IKE_PL_NONCE);
	const struct ike_payload *kep = ike_msg_first(m, IKE_PL_KE);

	if (!sap || !np || ike_sa_decode(sap, &r->sa, NULL) || !r->sa.nprop ||
	    ike_nonce_decode(np, &r->nonce, &r->nonce_len, NULL))
		return IKE_N_INVALID_SYNTAX;
	r->has_ke = kep != NULL;
	if (kep && ike_ke_decode(kep, &r->ke, NULL))
		return IKE_N_INVALID_SYNTAX;
	r->proto = r->sa.prop[0].proto;
	return 0;
}

/* Traffic selectors and mode of a CHILD_SA request. */
static uint16_t decode_child(const struct ike_msg *m, struct ccsa_req *r)
{
	const struct ike_payload *tsi = ike_msg_first(m, IKE_PL_TSI);
	const struct ike_payload *tsr = ike_msg_first(m, IKE_PL_TSR);

	if (!tsi || !tsr || ike_ts_decode(tsi, &r->tsi, NULL) ||
	    ike_ts_decode(tsr, &r->tsr, NULL))
		return IKE_N_INVALID_SYNTAX;
	r->transport = ike_msg_has_notify(m, IKE_N_USE_TRANSPORT_MODE);
	return rekey_notify(m, r);
}

uint16_t ccsa_parse_request(const struct ike_msg *m,
			    const struct conf_proposal *ike_p, size_t n_ike,
			    const struct conf_proposal *esp_p, size_t n_esp,
			    struct ccsa_req *r)
{
	const struct conf_proposal *p;
	bool ike;
	size_t n;
	uint16_t err;

	memset(r, 0, sizeof(*r));
	err = decode(m, r);
	if (err)
		return err;
	ike = r->proto == IKE_PROTO_IKE;
	if (!ike && r->proto != IKE_PROTO_ESP)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	/* An IKE SA rekey always brings a new key exchange (2.18). */
	if (ike && !r->has_ke)
		return IKE_N_INVALID_SYNTAX;
	if (!ike && (err = decode_child(m, r)))
		return err;
	p = ike ? ike_p : esp_p;
	n = ike ? n_ike : n_esp;
	if (!p)
		return IKE_N_NO_ADDITIONAL_SAS;
	if (prop_select(p, n, r->proto, r->has_ke, &r->sa, &r->suite,
			&r->chosen))
		return IKE_N_NO_PROPOSAL_CHOSEN;
	if (r->chosen.spi_size != (ike ? IKE_SPI_LEN : 4) ||
	    !memcmp(r->chosen.spi, "\0\0\0\0\0\0\0\0", r->chosen.spi_size))
		return IKE_N_INVALID_SYNTAX;
	if (!r->has_ke) {
		/* No PFS offered: fine unless every proposal of ours wants
		 * it; a DH transform without a KE payload is malformed.
		 */
		if (r->suite.dh)
			return IKE_N_INVALID_SYNTAX;
		return any_without_dh(p, n) ? 0 : IKE_N_NO_PROPOSAL_CHOSEN;
	}
	prop_prefer_group(p, n, &r->sa, &r->chosen, &r->suite, r->ke.group);
	if (r->ke.group != r->suite.dh->id) {
		r->want_group = r->suite.dh->id;
		return IKE_N_INVALID_KE_PAYLOAD;
	}
	if (r->ke.len != r->suite.dh->pub_len)
		return IKE_N_INVALID_SYNTAX;
	return 0;
}

uint16_t ccsa_match_child(const struct ike_msg *m,
			  const struct conf_child *children, size_t n,
			  const struct ipsec_addr *local,
			  const struct ipsec_addr *remote, struct ccsa_req *r,
			  size_t *idx, struct ike_ts_payload *ts_local,
			  struct ike_ts_payload *ts_remote)
{
	uint16_t err, first = IKE_N_TS_UNACCEPTABLE, want = 0;
	struct ike_ts_payload l, rem;
	size_t i;

	/* Without proposals a well-formed ESP request decodes up to the
	 * choice; anything else is wrong with the request itself.
	 */
	err = ccsa_parse_request(m, NULL, 0, NULL, 0, r);
	if (err != IKE_N_NO_ADDITIONAL_SAS)
		return err ? err : IKE_N_INVALID_SYNTAX;
	if (r->proto != IKE_PROTO_ESP || r->rekey)
		return IKE_N_INVALID_SYNTAX;
	for (i = 0; i < n; i++) {
		const struct conf_child *cfg = &children[i];
		bool transport = r->transport &&
				 cfg->mode == IPSEC_MODE_TRANSPORT;

		ts_from_conf(cfg->local_ts, cfg->n_local_ts, local, &l);
		ts_from_conf(cfg->remote_ts, cfg->n_remote_ts, remote, &rem);
		/* The initiator's TSi are its side, our remote one. */
		if (ts_narrow(&rem, &r->tsi, ts_remote) ||
		    ts_narrow(&l, &r->tsr, ts_local) ||
		    ts_fit_pair(ts_local, ts_remote, transport))
			continue;
		err = ccsa_parse_request(m, NULL, 0, cfg->esp, cfg->n_esp, r);
		if (!err) {
			*idx = i;
			return 0;
		}
		if (first == IKE_N_TS_UNACCEPTABLE) {
			first = err;
			want = r->want_group;
		}
	}
	r->want_group = want;
	return first;
}

uint16_t ccsa_invalid_ke_group(const struct ike_msg *m)
{
	const struct ike_payload *pl;
	unsigned int idx = 0;
	struct ike_notify n;

	while ((pl = ike_msg_find(m, IKE_PL_NOTIFY, &idx)))
		if (!ike_notify_decode(pl, &n, NULL) &&
		    n.type == IKE_N_INVALID_KE_PAYLOAD && n.len == 2)
			return ike_get_be16(n.data);
	return 0;
}

uint16_t prop_first_group(const struct conf_proposal *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].n_dh)
			return p[i].dh[0];
	return 0;
}

int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static const uint8_t *lowest(const struct ike_nonces *n, size_t *len)
{
	bool i = nonce_cmp(n->ni, n->ni_len, n->nr, n->nr_len) <= 0;

	*len = i ? n->ni_len : n->nr_len;
	return i ? n->ni : n->nr;
}

bool rekey_ours_redundant(const struct ike_nonces *ours,
			  const struct ike_nonces *theirs)
{
	size_t ol, tl;
	const uint8_t *o = lowest(ours, &ol), *t = lowest(theirs, &tl);

	return nonce_cmp(o, ol, t, tl) < 0;
}

uint64_t rekey_deadline(uint64_t start_ms, uint32_t secs, uint32_t rnd)
{
	uint64_t span = secs * 1000ull;

	if (!secs)
		return 0;
	return start_ms + span - rnd % (span / 10 + 1);
}
