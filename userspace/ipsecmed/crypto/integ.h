/* SPDX-License-Identifier: GPL-2.0 */
/* Integrity transforms: truncated HMAC-SHA2 (RFC 4868). */
#ifndef IPSECMED_CRYPTO_INTEG_H
#define IPSECMED_CRYPTO_INTEG_H

#include <stddef.h>
#include <stdint.h>

#include "ipsecmed/crypto/prf.h"

#define IKE_INTEG_MAX_ICV 32

struct ike_integ {
	uint16_t id;		/* IKE_INTEG_* */
	const char *name;	/* as in proposals: "sha256" */
	const struct ike_prf *hmac;	/* the untruncated HMAC */
	size_t key_len;
	size_t icv_len;
	const char *xfrm_name;	/* kernel algorithm name for ESP */
};

const struct ike_integ *ike_integ_find(uint16_t id);
const struct ike_integ *ike_integ_by_name(const char *name);

/* icv = first icv_len bytes of HMAC(key, data). Returns 0 or -1. */
int ike_integ_calc(const struct ike_integ *in, const uint8_t *key,
		   const uint8_t *data, size_t len, uint8_t *icv);

#endif /* IPSECMED_CRYPTO_INTEG_H */
