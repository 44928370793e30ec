/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 key derivation (RFC 7296 sections 2.13, 2.14, 2.17, 2.18):
 * prf+, SKEYSEED for a new and a rekeyed IKE SA, and the keying material
 * of IKE and CHILD SAs. Callers wipe what they get back.
 */
#ifndef IPSECMED_CRYPTO_KDF_H
#define IPSECMED_CRYPTO_KDF_H

#include "ipsecmed/crypto/prf.h"

/* The most prf+ can produce: 255 blocks. */
#define IKE_PRF_PLUS_MAX(prf) (255 * (prf)->len)

/* out = first @outlen bytes of prf+(key, seed[0] | ... ). Returns 0, or
 * -1 if @outlen is above IKE_PRF_PLUS_MAX or OpenSSL failed.
 */
int ike_prf_plus(const struct ike_prf *prf, const uint8_t *key, size_t klen,
		 const struct ike_iov *seed, size_t nseed, uint8_t *out,
		 size_t outlen);

struct ike_nonces {
	const uint8_t *ni;
	size_t ni_len;
	const uint8_t *nr;
	size_t nr_len;
};

/* SKEYSEED = prf(Ni | Nr, g^ir); out holds prf->len bytes. */
int ike_skeyseed(const struct ike_prf *prf, const struct ike_nonces *n,
		 const uint8_t *gir, size_t gir_len, uint8_t *out);

/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's
 * PRF as @prf.
 */
int ike_skeyseed_rekey(const struct ike_prf *prf, const uint8_t *sk_d,
		       size_t sk_d_len, const uint8_t *gir, size_t gir_len,
		       const struct ike_nonces *n, uint8_t *out);

/* {SK_d | SK_ai | ...} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). */
int ike_sa_keymat(const struct ike_prf *prf, const uint8_t *skeyseed,
		  const struct ike_nonces *n, const uint8_t spi_i[8],
		  const uint8_t spi_r[8], uint8_t *out, size_t outlen);

/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr); @gir NULL without PFS. */
int ike_child_keymat(const struct ike_prf *prf, const uint8_t *sk_d,
		     size_t sk_d_len, const uint8_t *gir, size_t gir_len,
		     const struct ike_nonces *n, uint8_t *out, size_t outlen);

#endif /* IPSECMED_CRYPTO_KDF_H */
