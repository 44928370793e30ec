/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 7427 digital signatures (AUTH method 14) through EVP_DigestSign and
 * EVP_DigestVerify: RSASSA-PKCS1-v1_5, RSASSA-PSS and ECDSA with SHA-256,
 * SHA-384 and SHA-512. The AUTH data is a one-byte length, the DER
 * AlgorithmIdentifier of the signature, and the signature itself.
 */
#ifndef IPSECMED_CRYPTO_SIG_H
#define IPSECMED_CRYPTO_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "ipsecmed/crypto/prf.h"

/* Bit @h set for each IKE_HASH_* @h we sign and verify with. */
#define IKE_SIG_HASHES	(1u << 2 | 1u << 3 | 1u << 4)
/* Length byte, AlgorithmIdentifier (< 128 bytes), 8192-bit RSA. */
#define IKE_SIG_MAX	(1 + 127 + 1024)

/* Whether IKE_HASH_* @hash is one we support. */
bool ike_sig_hash_ok(uint16_t hash);

/* The hash we sign with: the first of our preferences for @key (the
 * curve's own size for ECDSA) that is set in @peer_hashes (a mask of
 * IKE_HASH_* bits); SHA-256 if the peer announced none.
 */
uint16_t ike_sig_pick_hash(EVP_PKEY *key, unsigned int peer_hashes);

/* Sign iov[] with @key and @hash (RSA: PKCS#1 v1.5, or PSS with salt of
 * the hash's length and MGF1 with the same hash if @pss) into @out as
 * RFC 7427 AUTH data. Returns its length, or -1.
 */
int ike_sig_sign(EVP_PKEY *key, uint16_t hash, bool pss,
		 const struct ike_iov *iov, size_t n, uint8_t *out,
		 size_t cap);

/* What a verified signature was. */
struct ike_sig_info {
	uint16_t hash;		/* IKE_HASH_* */
	/* "RSA PKCS#1 v1.5", "RSASSA-PSS" or "ECDSA" */
	const char *scheme;
};

/* Verify RFC 7427 AUTH data @auth/@len over iov[] with the peer's @key.
 * The AlgorithmIdentifier must be one we support for the key's type
 * with a hash of @hashes. Returns 0 with @info filled, or -1 with *@why
 * saying what was wrong.
 */
int ike_sig_verify(EVP_PKEY *key, unsigned int hashes, const uint8_t *auth,
		   size_t len, const struct ike_iov *iov, size_t n,
		   struct ike_sig_info *info, const char **why);

#endif /* IPSECMED_CRYPTO_SIG_H */
