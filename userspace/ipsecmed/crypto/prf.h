/* SPDX-License-Identifier: GPL-2.0 */
/* IKEv2 pseudo-random functions: HMAC-SHA2 through EVP_MAC (RFC 4868). */
#ifndef IPSECMED_CRYPTO_PRF_H
#define IPSECMED_CRYPTO_PRF_H

#include <stddef.h>
#include <stdint.h>

/* A piece of a concatenated input: prf(K, a | b | c). */
struct ike_iov {
	const void *p;
	size_t len;
};

#define IKE_PRF_MAX_LEN 64

struct ike_prf {
	uint16_t id;		/* IKE_PRF_* */
	const char *name;	/* as in proposals: "prfsha256" */
	const char *md;		/* OpenSSL digest name */
	size_t len;		/* output size = preferred key size */
};

const struct ike_prf *ike_prf_find(uint16_t id);

/* out = prf(key, iov[0] | ... | iov[n-1]); out holds prf->len bytes.
 * Returns 0 or -1 on an OpenSSL failure.
 */
int ike_prf_calc(const struct ike_prf *prf, const uint8_t *key, size_t klen,
		 const struct ike_iov *iov, size_t n, uint8_t *out);

/* The digest of iov[] under @md ("SHA1" for NAT detection, the signing
 * hash for RFC 7427); @out must hold EVP_MAX_MD_SIZE. Returns its length
 * or -1.
 */
int ike_hash(const char *md, const struct ike_iov *iov, size_t n,
	     uint8_t *out);

#endif /* IPSECMED_CRYPTO_PRF_H */
