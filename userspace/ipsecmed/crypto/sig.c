// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "ipsecmed/crypto/sig.h"
#include "ipsecmed/ike/proto.h"

#define AID_MAX 127	/* the length byte cannot say more */

static const char *md_name(uint16_t hash)
{
	switch (hash) {
	case IKE_HASH_SHA2_256: return "SHA256";
	case IKE_HASH_SHA2_384: return "SHA384";
	case IKE_HASH_SHA2_512: return "SHA512";
	}
	return NULL;
}

bool ike_sig_hash_ok(uint16_t hash)
{
	return md_name(hash) != NULL;
}

uint16_t ike_sig_pick_hash(EVP_PKEY *key, unsigned int peer_hashes)
{
	static const uint16_t pref[][3] = {
		{ IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512 },
		{ IKE_HASH_SHA2_384, IKE_HASH_SHA2_512, IKE_HASH_SHA2_256 },
		{ IKE_HASH_SHA2_512, IKE_HASH_SHA2_384, IKE_HASH_SHA2_256 },
	};
	int bits = EVP_PKEY_get_bits(key);
	size_t row = 0, i;

	/* ECDSA: a hash as strong as the curve (FIPS 186-4 6.4). */
	if (EVP_PKEY_is_a(key, "EC"))
		row = bits > 384 ? 2 : bits > 256 ? 1 : 0;
	for (i = 0; i < 3; i++)
		if (peer_hashes & (1u << pref[row][i]))
			return pref[row][i];
	return IKE_HASH_SHA2_256;
}

/* A sign or verify context for @key, @hash and padding, with the DER
 * AlgorithmIdentifier OpenSSL gives for it in @aid.
 */
static EVP_MD_CTX *sig_ctx(EVP_PKEY *key, uint16_t hash, bool pss, bool sign,
			   uint8_t *aid, size_t *aid_len)
{
	const char *md = md_name(hash);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	OSSL_PARAM p[2];
	int ok = ctx && md && (!pss || EVP_PKEY_is_a(key, "RSA"));

	if (ok)
		ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL,
						  key, NULL) :
			    EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL,
						    key, NULL);
	if (ok && pss)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
						  RSA_PKCS1_PSS_PADDING) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(
			pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
	p[0] = OSSL_PARAM_construct_octet_string(
		OSSL_SIGNATURE_PARAM_ALGORITHM_ID, aid, AID_MAX);
	p[1] = OSSL_PARAM_construct_end();
	ok = ok && EVP_PKEY_CTX_get_params(pctx, p) &&
	     p[0].return_size > 0 && p[0].return_size <= AID_MAX;
	if (!ok) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	*aid_len = p[0].return_size;
	return ctx;
}

int ike_sig_sign(EVP_PKEY *key, uint16_t hash, bool pss,
		 const struct ike_iov *iov, size_t n, uint8_t *out,
		 size_t cap)
{
	uint8_t aid[AID_MAX];
	size_t aid_len, sig_len = 0, i;
	EVP_MD_CTX *ctx = sig_ctx(key, hash, pss, true, aid, &aid_len);
	int ok = ctx != NULL;

	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestSignUpdate(ctx, iov[i].p, iov[i].len);
	ok = ok && EVP_DigestSignFinal(ctx, NULL, &sig_len) &&
	     1 + aid_len + sig_len <= cap;
	if (ok) {
		sig_len = cap - 1 - aid_len;
		ok = EVP_DigestSignFinal(ctx, out + 1 + aid_len, &sig_len);
	}
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	out[0] = (uint8_t)aid_len;
	memcpy(out + 1, aid, aid_len);
	return (int)(1 + aid_len + sig_len);
}

/* The verify context whose AlgorithmIdentifier is the peer's, or NULL. */
static EVP_MD_CTX *match_aid(EVP_PKEY *key, unsigned int hashes,
			     const uint8_t *want, size_t want_len,
			     struct ike_sig_info *info)
{
	bool rsa = EVP_PKEY_is_a(key, "RSA");
	uint8_t aid[AID_MAX];
	size_t aid_len;
	uint16_t h;
	int pss;

	for (h = IKE_HASH_SHA2_256; h <= IKE_HASH_SHA2_512; h++) {
		if (!(hashes & (1u << h)))
			continue;
		for (pss = 0; pss <= rsa; pss++) {
			EVP_MD_CTX *ctx = sig_ctx(key, h, pss, false, aid,
						  &aid_len);

			if (ctx && aid_len == want_len &&
			    !memcmp(aid, want, aid_len)) {
				info->hash = h;
				info->scheme = !rsa ? "ECDSA" : pss ?
					       "RSASSA-PSS" : "RSA PKCS#1 v1.5";
				return ctx;
			}
			EVP_MD_CTX_free(ctx);
		}
	}
	return NULL;
}

int ike_sig_verify(EVP_PKEY *key, unsigned int hashes, const uint8_t *auth,
		   size_t len, const struct ike_iov *iov, size_t n,
		   struct ike_sig_info *info, const char **why)
{
	EVP_MD_CTX *ctx;
	size_t aid_len, i;
	int ok;

	if (len < 2 || auth[0] == 0 || (size_t)auth[0] + 1 >= len) {
		*why = "RFC 7427 AUTH data is truncated";
		return -1;
	}
	aid_len = auth[0];
	ctx = match_aid(key, hashes, auth + 1, aid_len, info);
	if (!ctx) {
		*why = "signature algorithm is not one we accept for the "
		       "certificate's key (RSA PKCS#1 v1.5 or PSS, ECDSA; "
		       "SHA-256/384/512)";
		return -1;
	}
	ok = 1;
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestVerifyUpdate(ctx, iov[i].p, iov[i].len);
	ok = ok && EVP_DigestVerifyFinal(ctx, auth + 1 + aid_len,
					 len - 1 - aid_len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		*why = "signature does not verify";
		return -1;
	}
	return 0;
}
