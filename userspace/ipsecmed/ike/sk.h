/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Encrypted payload (SK, RFC 7296 section 3.14; AEAD per RFC 5282
 * and RFC 7634): sealing a plaintext payload chain into a complete
 * message, and authenticating and opening a received one.
 */
#ifndef IPSECMED_IKE_SK_H
#define IPSECMED_IKE_SK_H

#include "ipsecmed/crypto/encr.h"
#include "ipsecmed/crypto/integ.h"
#include "ipsecmed/ike/codec.h"

/* Keys of one direction (SK_ei/SK_ai or SK_er/SK_ar). */
struct ike_sk_dir {
	const struct ike_encr *encr;
	const struct ike_integ *integ;	/* NULL with an AEAD */
	const uint8_t *ekey;		/* key | salt */
	const uint8_t *akey;
};

/* Bytes the SK payload adds around a plaintext of @plain_len. */
size_t ike_sk_overhead(const struct ike_sk_dir *k, size_t plain_len);

/* Write header @h and one SK payload holding the chain @plain (first
 * payload type @first_np) to @out. @iv is NULL except in tests (then
 * it is random). Returns the message length or a negative ike_status.
 */
int ike_sk_seal(const struct ike_sk_dir *k, const struct ike_hdr *h,
		uint8_t first_np, const uint8_t *plain, size_t plain_len,
		const uint8_t *iv, uint8_t *out, size_t cap);

/* Authenticate and decrypt the SK payload of @m into @buf (at least
 * m->sk_len bytes), then decode the inner chain into @m, whose payloads
 * then point into @buf. Returns 0 or a negative ike_status; an
 * integrity failure, or an SK payload too short or the wrong size to be
 * checked, is IKE_E_INTEGRITY (drop silently, RFC 7296 2.21.2).
 */
int ike_sk_open(const struct ike_sk_dir *k, struct ike_msg *m, uint8_t *buf,
		size_t cap, struct ike_err *err);

#endif /* IPSECMED_IKE_SK_H */
