/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Proposals: turning configured algorithm lists into SA payloads to offer,
 * and choosing one of a peer's proposals (RFC 7296 sections 2.7, 3.3).
 */
#ifndef IPSECMED_PROPOSAL_H
#define IPSECMED_PROPOSAL_H

#include "conf/config.h"
#include "ipsecmed/crypto/dh.h"
#include "ipsecmed/crypto/encr.h"
#include "ipsecmed/crypto/integ.h"
#include "ipsecmed/ike/codec.h"

/* A negotiated algorithm set: IKE SA (encr, integ, prf, dh) or CHILD SA
 * (encr, integ, dh for PFS, esn).
 */
struct ike_suite {
	const struct ike_encr *encr;
	const struct ike_integ *integ;	/* NULL with AEAD */
	const struct ike_prf *prf;	/* IKE only */
	const struct ike_dh_group *dh;	/* NULL: none */
	bool esn;
};

/* Offer @n configured proposals as SA payload @out for @proto
 * (IKE_PROTO_IKE or IKE_PROTO_ESP) with SPI @spi (@spi_size bytes, may
 * be 0). @with_dh: include DH transforms (IKE, or CREATE_CHILD_SA PFS);
 * @dh_first moves that group to the front so it matches our KE.
 */
void prop_offer(const struct conf_proposal *p, size_t n, uint8_t proto,
		const uint8_t *spi, uint8_t spi_size, bool with_dh,
		uint16_t dh_first, struct ike_sa_payload *out);

/* Choose from the peer's @sa the first proposal acceptable under the
 * configured @p: fills @suite and @chosen (the one proposal, with its
 * number, one transform per type, to echo). @need_dh: a DH transform must
 * be agreed (IKE SA, PFS). Returns 0 or -1 (NO_PROPOSAL_CHOSEN).
 */
int prop_select(const struct conf_proposal *p, size_t n, uint8_t proto,
		bool need_dh, const struct ike_sa_payload *sa,
		struct ike_suite *suite, struct ike_proposal *chosen);

/* Check a responder's one-proposal answer against what we offered and
 * fill @suite. Returns 0 or -1.
 */
int prop_accept(const struct conf_proposal *p, size_t n, uint8_t proto,
		bool need_dh, const struct ike_sa_payload *sa,
		struct ike_suite *suite);

/* Whether one of the configured IKE proposals @p allows every
 * algorithm of the negotiated IKE suite @s.
 */
bool prop_suite_allowed(const struct conf_proposal *p, size_t n,
			const struct ike_suite *s);

/* Whether DH @group is in one of the configured proposals. */
bool prop_group_allowed(const struct conf_proposal *p, size_t n,
			uint16_t group);

/* After prop_select(): if the peer's KE @group is also allowed in the
 * chosen proposal (and by @p), take it instead and spare the peer an
 * INVALID_KE_PAYLOAD round trip.
 */
void prop_prefer_group(const struct conf_proposal *p, size_t n,
		       const struct ike_sa_payload *sa,
		       struct ike_proposal *chosen, struct ike_suite *suite,
		       uint16_t group);

/* "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519"-style text. */
void prop_suite_str(const struct ike_suite *s, char *buf, size_t len);

#endif /* IPSECMED_PROPOSAL_H */
