// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <openssl/crypto.h>

#include "ipsecmed/crypto/kdf.h"

#define MAX_SEED_IOV 6

/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n). */
int ike_prf_plus(const struct ike_prf *prf, const uint8_t *key, size_t klen,
		 const struct ike_iov *seed, size_t nseed, uint8_t *out,
		 size_t outlen)
{
	struct ike_iov iov[MAX_SEED_IOV + 2];
	uint8_t t[IKE_PRF_MAX_LEN];
	uint8_t counter;
	size_t done = 0, i;
	int ret = 0;

	if (outlen > IKE_PRF_PLUS_MAX(prf) || nseed > MAX_SEED_IOV)
		return -1;
	for (counter = 1; done < outlen; counter++) {
		size_t k = 0, take;

		if (counter > 1)
			iov[k++] = (struct ike_iov){ t, prf->len };
		for (i = 0; i < nseed; i++)
			iov[k++] = seed[i];
		iov[k++] = (struct ike_iov){ &counter, 1 };
		if (ike_prf_calc(prf, key, klen, iov, k, t)) {
			ret = -1;
			break;
		}
		take = outlen - done < prf->len ? outlen - done : prf->len;
		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	if (ret)
		OPENSSL_cleanse(out, outlen);
	return ret;
}

int ike_skeyseed(const struct ike_prf *prf, const struct ike_nonces *n,
		 const uint8_t *gir, size_t gir_len, uint8_t *out)
{
	uint8_t key[2 * 256];
	struct ike_iov iov = { gir, gir_len };
	int ret;

	if (n->ni_len > 256 || n->nr_len > 256)
		return -1;
	memcpy(key, n->ni, n->ni_len);
	memcpy(key + n->ni_len, n->nr, n->nr_len);
	ret = ike_prf_calc(prf, key, n->ni_len + n->nr_len, &iov, 1, out);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int ike_skeyseed_rekey(const struct ike_prf *prf, const uint8_t *sk_d,
		       size_t sk_d_len, const uint8_t *gir, size_t gir_len,
		       const struct ike_nonces *n, uint8_t *out)
{
	struct ike_iov iov[] = {
		{ gir, gir_len }, { n->ni, n->ni_len }, { n->nr, n->nr_len },
	};

	return ike_prf_calc(prf, sk_d, sk_d_len, iov, 3, out);
}

int ike_sa_keymat(const struct ike_prf *prf, const uint8_t *skeyseed,
		  const struct ike_nonces *n, const uint8_t spi_i[8],
		  const uint8_t spi_r[8], uint8_t *out, size_t outlen)
{
	struct ike_iov seed[] = {
		{ n->ni, n->ni_len }, { n->nr, n->nr_len },
		{ spi_i, 8 }, { spi_r, 8 },
	};

	return ike_prf_plus(prf, skeyseed, prf->len, seed, 4, out, outlen);
}

int ike_child_keymat(const struct ike_prf *prf, const uint8_t *sk_d,
		     size_t sk_d_len, const uint8_t *gir, size_t gir_len,
		     const struct ike_nonces *n, uint8_t *out, size_t outlen)
{
	struct ike_iov seed[] = {
		{ gir, gir ? gir_len : 0 },
		{ n->ni, n->ni_len }, { n->nr, n->nr_len },
	};

	return ike_prf_plus(prf, sk_d, sk_d_len, seed, 3, out, outlen);
}
