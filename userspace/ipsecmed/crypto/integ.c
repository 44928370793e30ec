// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <openssl/crypto.h>

#include "ipsecmed/crypto/integ.h"
#include "ipsecmed/ike/proto.h"

static const struct {
	uint16_t id;
	const char *name;
	uint16_t prf;
	size_t key_len, icv_len;
	const char *xfrm_name;
} integs[] = {
	{ IKE_INTEG_HMAC_SHA2_256_128, "sha256", IKE_PRF_HMAC_SHA2_256,
	  32, 16, "hmac(sha256)" },
	{ IKE_INTEG_HMAC_SHA2_384_192, "sha384", IKE_PRF_HMAC_SHA2_384,
	  48, 24, "hmac(sha384)" },
	{ IKE_INTEG_HMAC_SHA2_512_256, "sha512", IKE_PRF_HMAC_SHA2_512,
	  64, 32, "hmac(sha512)" },
};

#define N_INTEGS (sizeof(integs) / sizeof(integs[0]))

static struct ike_integ table[N_INTEGS];

static const struct ike_integ *entry(size_t i)
{
	if (!table[i].hmac) {
		table[i].id = integs[i].id;
		table[i].name = integs[i].name;
		table[i].key_len = integs[i].key_len;
		table[i].icv_len = integs[i].icv_len;
		table[i].xfrm_name = integs[i].xfrm_name;
		table[i].hmac = ike_prf_find(integs[i].prf);
	}
	return &table[i];
}

const struct ike_integ *ike_integ_find(uint16_t id)
{
	size_t i;

	for (i = 0; i < N_INTEGS; i++)
		if (integs[i].id == id)
			return entry(i);
	return NULL;
}

const struct ike_integ *ike_integ_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < N_INTEGS; i++)
		if (!strcmp(integs[i].name, name))
			return entry(i);
	return NULL;
}

int ike_integ_calc(const struct ike_integ *in, const uint8_t *key,
		   const uint8_t *data, size_t len, uint8_t *icv)
{
	uint8_t full[IKE_PRF_MAX_LEN];
	struct ike_iov iov = { data, len };
	int ret;

	ret = ike_prf_calc(in->hmac, key, in->key_len, &iov, 1, full);
	if (!ret)
		memcpy(icv, full, in->icv_len);
	OPENSSL_cleanse(full, sizeof(full));
	return ret;
}
