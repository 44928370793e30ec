// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ipsecmed/crypto/prf.h"
#include "ipsecmed/ike/proto.h"

static const struct ike_prf prfs[] = {
	{ IKE_PRF_HMAC_SHA1, "prfsha1", "SHA1", 20 },
	{ IKE_PRF_HMAC_SHA2_256, "prfsha256", "SHA2-256", 32 },
	{ IKE_PRF_HMAC_SHA2_384, "prfsha384", "SHA2-384", 48 },
	{ IKE_PRF_HMAC_SHA2_512, "prfsha512", "SHA2-512", 64 },
};

const struct ike_prf *ike_prf_find(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(prfs) / sizeof(prfs[0]); i++)
		if (prfs[i].id == id)
			return &prfs[i];
	return NULL;
}

/* One HMAC implementation for the process, fetched on first use. */
static EVP_MAC *hmac(void)
{
	static EVP_MAC *mac;

	if (!mac)
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	return mac;
}

int ike_prf_calc(const struct ike_prf *prf, const uint8_t *key, size_t klen,
		 const struct ike_iov *iov, size_t n, uint8_t *out)
{
	static const uint8_t empty[1];
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	size_t i, outlen = 0;
	int ok;

	if (!hmac())
		return -1;
	ctx = EVP_MAC_CTX_new(hmac());
	if (!ctx)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)prf->md, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(ctx, klen ? key : empty, klen, params);
	for (i = 0; ok && i < n; i++)
		if (iov[i].len)
			ok = EVP_MAC_update(ctx, iov[i].p, iov[i].len);
	ok = ok && EVP_MAC_final(ctx, out, &outlen, prf->len) &&
	     outlen == prf->len;
	EVP_MAC_CTX_free(ctx);	/* cleanses the keyed state */
	return ok ? 0 : -1;
}

/* Digests by name, fetched once for the process (hashes run per
 * cookie, per retransmission check, per signature). Kept until exit.
 */
static const EVP_MD *md_of(const char *name)
{
	static struct { char name[24]; EVP_MD *md; } cache[8];
	size_t i;

	for (i = 0; i < 8 && cache[i].md; i++)
		if (!strcmp(cache[i].name, name))
			return cache[i].md;
	if (i == 8 || strlen(name) >= sizeof(cache[i].name))
		return NULL;	/* not a name we use */
	cache[i].md = EVP_MD_fetch(NULL, name, NULL);
	if (cache[i].md)
		snprintf(cache[i].name, sizeof(cache[i].name), "%s", name);
	return cache[i].md;
}

int ike_hash(const char *md, const struct ike_iov *iov, size_t n,
	     uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_MD *uncached = NULL;
	const EVP_MD *alg = md_of(md);
	unsigned int len = 0;
	size_t i;
	int ok;

	if (!alg)
		alg = uncached = EVP_MD_fetch(NULL, md, NULL);
	ok = ctx && alg && EVP_DigestInit_ex(ctx, alg, NULL);
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, iov[i].p, iov[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(uncached);
	return ok ? (int)len : -1;
}
