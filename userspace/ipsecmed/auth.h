/* SPDX-License-Identifier: GPL-2.0 */
/* Identities and PSK authentication (RFC 7296 sections 2.15, 3.5). */
#ifndef IPSECMED_AUTH_H
#define IPSECMED_AUTH_H

#include "ipsecmed/crypto/sig.h"
#include "ipsecmed/sa.h"

#define ID_MAX 512	/* ID data: a DER DN can be long */

/* Our ID payload body (type in *type, data in @buf, ID_MAX bytes) for
 * @side's id, defaulting to the address of @host (NULL: no default).
 * Returns the data length or -1.
 */
int id_encode(const struct conf_id *id, const struct ipsec_addr *host,
	      uint8_t *type, uint8_t *buf);

/* Whether a received ID matches the configured one (NONE matches any;
 * DNs compare in canonical form).
 */
bool id_match(const struct conf_id *want, const struct ike_id *got);

/* "fqdn:gw.example" style text of a received ID. */
void id_str(const struct ike_id *id, char *buf, size_t len);

/* The PSK AUTH value of the initiator (@of_initiator) or responder:
 * prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>) where SignedOctets
 * is that side's IKE_SA_INIT message, the other side's nonce and
 * prf(SK_p, ID body). @id is the ID payload body. Returns its length
 * (the PRF's) or -1.
 */
int auth_psk(const struct ike_sa *sa, bool of_initiator, const uint8_t *psk,
	     size_t psk_len, const uint8_t *id, size_t id_len, uint8_t *out);

/* Our RFC 7427 AUTH data: @key's signature with @hash over our
 * SignedOctets (@id is our ID payload body). Returns its length or -1.
 */
int auth_sign(const struct ike_sa *sa, EVP_PKEY *key, uint16_t hash,
	      const uint8_t *id, size_t id_len, uint8_t *out, size_t cap);

/* Verify the peer's RFC 7427 AUTH data with the key of its certificate
 * over its SignedOctets (@id is its ID payload body). Returns 0 (@info
 * filled) or -1 with *@why set.
 */
int auth_verify(const struct ike_sa *sa, EVP_PKEY *key, const uint8_t *auth,
		size_t len, const uint8_t *id, size_t id_len,
		struct ike_sig_info *info, const char **why);

#endif /* IPSECMED_AUTH_H */
