/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stateless parts of CREATE_CHILD_SA (RFC 7296 sections 1.3, 2.8):
 * checking a request's payloads against the configured proposals, the
 * nonce rule that settles simultaneous rekeys (2.8.1), and jittered
 * rekey deadlines. Kept apart from the exchange so unit tests can drive
 * them without a daemon.
 */
#ifndef IPSECMED_REKEY_H
#define IPSECMED_REKEY_H

#include "ipsecmed/crypto/kdf.h"
#include "ipsecmed/proposal.h"

/* A CREATE_CHILD_SA request, checked. Points into the message. */
struct ccsa_req {
	uint8_t proto;			/* IKE_PROTO_IKE: IKE SA rekey */
	bool rekey;			/* ESP: REKEY_SA present */
	uint32_t rekey_spi;		/* its SPI, host order */
	const uint8_t *nonce;
	uint16_t nonce_len;
	bool has_ke;
	struct ike_ke ke;
	struct ike_sa_payload sa;
	struct ike_suite suite;		/* chosen */
	struct ike_proposal chosen;	/* to echo, peer's SPI in it */
	struct ike_ts_payload tsi, tsr;	/* ESP only */
	bool transport;			/* USE_TRANSPORT_MODE */
	uint16_t want_group;		/* INVALID_KE_PAYLOAD: ours */
};

/* Decode and check request @m; @p/@n are the IKE proposals of the
 * connection for an IKE SA rekey, or the child's ESP proposals (with a
 * DH group for PFS). Returns 0, or the error notify to answer with
 * (INVALID_SYNTAX, NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD with
 * r->want_group). @ike_p/@n_ike and @esp_p/@n_esp: see above; NULL
 * refuses that kind with NO_ADDITIONAL_SAS.
 */
uint16_t ccsa_parse_request(const struct ike_msg *m,
			    const struct conf_proposal *ike_p, size_t n_ike,
			    const struct conf_proposal *esp_p, size_t n_esp,
			    struct ccsa_req *r);

/* A request for a new CHILD_SA (ESP, no REKEY_SA): the first of the
 * @n configured children whose selectors (@local/@remote standing for
 * empty lists) take the request's and whose ESP proposals accept it.
 * Fills @r, *@idx and the narrowed selectors @ts_local/@ts_remote.
 * Returns 0, an error of the request itself (INVALID_SYNTAX), else
 * TS_UNACCEPTABLE if no child's selectors fit, else the error of the
 * first child that fit (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD with
 * r->want_group).
 */
uint16_t ccsa_match_child(const struct ike_msg *m,
			  const struct conf_child *children, size_t n,
			  const struct ipsec_addr *local,
			  const struct ipsec_addr *remote, struct ccsa_req *r,
			  size_t *idx, struct ike_ts_payload *ts_local,
			  struct ike_ts_payload *ts_remote);

/* The group named by an INVALID_KE_PAYLOAD notify in @m, or 0. */
uint16_t ccsa_invalid_ke_group(const struct ike_msg *m);

/* The first DH group of the configured proposals, 0 if none (no PFS). */
uint16_t prop_first_group(const struct conf_proposal *p, size_t n);

/* Octet-by-octet comparison; a nonce that is a prefix of the other is
 * the lower one (RFC 7296 2.8.1). <0, 0, >0 like memcmp.
 */
int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Two exchanges rekeyed the same SA: ours (@ours, we initiated it) and
 * the peer's (@theirs). True if the SA ours created is the redundant one:
 * the lowest of the four nonces is in our exchange. Its initiator (we)
 * deletes it; otherwise we delete the replaced SA as usual.
 */
bool rekey_ours_redundant(const struct ike_nonces *ours,
			  const struct ike_nonces *theirs);

/* The deadline @secs after @start_ms, brought forward by up to 10 % of
 * @secs (RFC 7296 2.8.1 asks for jitter so both ends do not rekey at
 * once); @rnd is a random number. 0 if @secs is 0.
 */
uint64_t rekey_deadline(uint64_t start_ms, uint32_t secs, uint32_t rnd);

#endif /* IPSECMED_REKEY_H */
