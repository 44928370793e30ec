// SPDX-License-Identifier: GPL-2.0
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ipsecmed/ike/sk.h"

static size_t icv_len(const struct ike_sk_dir *k)
{
	return k->encr->aead ? k->encr->icv_len : k->integ->icv_len;
}

/* Plaintext plus padding plus the pad length byte, block aligned. */
static size_t padded_len(const struct ike_sk_dir *k, size_t plain_len)
{
	size_t b = k->encr->block;

	return (plain_len + 1 + b - 1) / b * b;
}

size_t ike_sk_overhead(const struct ike_sk_dir *k, size_t plain_len)
{
	return IKE_GENERIC_HDR_LEN + k->encr->iv_len +
	       padded_len(k, plain_len) - plain_len + icv_len(k);
}

static int seal_body(const struct ike_sk_dir *k, uint8_t *msg, size_t hlen,
		     const uint8_t *iv, uint8_t *ct, size_t clen)
{
	if (k->encr->aead)
		return ike_aead_seal(k->encr, k->ekey, iv, msg, hlen, ct, clen,
				     ct, ct + clen);
	if (ike_cbc_crypt(k->encr, k->ekey, iv, ct, clen, ct, true))
		return -1;
	return ike_integ_calc(k->integ, k->akey, msg, (size_t)(ct - msg) + clen,
			      ct + clen);
}

int ike_sk_seal(const struct ike_sk_dir *k, const struct ike_hdr *h,
		uint8_t first_np, const uint8_t *plain, size_t plain_len,
		const uint8_t *iv, uint8_t *out, size_t cap)
{
	size_t clen = padded_len(k, plain_len);
	size_t hlen = IKE_HDR_LEN + IKE_GENERIC_HDR_LEN;
	size_t total = hlen + k->encr->iv_len + clen + icv_len(k);
	struct ike_builder b;
	uint8_t *ivp, *ct;

	if (total > cap || total > IKE_MAX_MSG)
		return IKE_E_NOSPACE;
	ikb_init_msg(&b, out, cap, h);
	ikb_begin(&b, IKE_PL_SK, false);
	out[IKE_HDR_LEN] = first_np;
	ivp = out + hlen;
	ct = ivp + k->encr->iv_len;
	/* Lengths first: the AEAD's associated data covers them. */
	b.w.len = total;
	ikb_end(&b);
	if (ikb_finish(&b) != (int)total)
		return IKE_E_NOSPACE;
	if (iv)
		memcpy(ivp, iv, k->encr->iv_len);
	else if (RAND_bytes(ivp, (int)k->encr->iv_len) != 1)
		return IKE_E_UNSUPPORTED;
	memmove(ct, plain, plain_len);
	memset(ct + plain_len, 0, clen - plain_len);
	ct[clen - 1] = (uint8_t)(clen - plain_len - 1);
	if (seal_body(k, out, hlen, ivp, ct, clen)) {
		OPENSSL_cleanse(out, total);
		return IKE_E_UNSUPPORTED;
	}
	return (int)total;
}

static int open_body(const struct ike_sk_dir *k, const struct ike_msg *m,
		     const uint8_t *iv, const uint8_t *ct, size_t clen,
		     uint8_t *buf)
{
	uint8_t icv[IKE_INTEG_MAX_ICV];
	size_t aad_len = (size_t)(iv - m->raw);
	int bad;

	if (k->encr->aead)
		return ike_aead_open(k->encr, k->ekey, iv, m->raw, aad_len, ct,
				     clen, ct + clen, buf);
	if (ike_integ_calc(k->integ, k->akey, m->raw,
			   (size_t)(ct - m->raw) + clen, icv))
		return -1;
	bad = CRYPTO_memcmp(icv, ct + clen, k->integ->icv_len);
	OPENSSL_cleanse(icv, sizeof(icv));
	if (bad)
		return -1;
	return ike_cbc_crypt(k->encr, k->ekey, iv, ct, clen, buf, false);
}

int ike_sk_open(const struct ike_sk_dir *k, struct ike_msg *m, uint8_t *buf,
		size_t cap, struct ike_err *err)
{
	size_t ivl = k->encr->iv_len, icvl = icv_len(k), clen;
	const uint8_t *iv = m->sk, *ct = m->sk + ivl;
	uint8_t padlen;

	if (!m->has_sk)
		return ike_fail(err, IKE_E_SYNTAX, IKE_N_INVALID_SYNTAX,
				IKE_PL_SK, "no SK payload");
	/* What cannot be authenticated is an integrity failure: answering
	 * it would let anyone who saw the SPIs and message ID in the clear
	 * take that message ID from the peer.
	 */
	if (m->sk_len < ivl + 1 + icvl)
		return ike_fail(err, IKE_E_INTEGRITY, 0, IKE_PL_SK,
				"SK payload of %u bytes is too short",
				m->sk_len);
	clen = m->sk_len - ivl - icvl;
	if (clen % k->encr->block || clen > cap)
		return ike_fail(err, IKE_E_INTEGRITY, 0, IKE_PL_SK,
				"SK ciphertext of %zu bytes does not fit the "
				"cipher", clen);
	if (open_body(k, m, iv, ct, clen, buf))
		return ike_fail(err, IKE_E_INTEGRITY, 0, IKE_PL_SK,
				"SK payload failed its integrity check");
	padlen = buf[clen - 1];
	if ((size_t)padlen + 1 > clen)
		return ike_fail(err, IKE_E_SYNTAX, IKE_N_INVALID_SYNTAX,
				IKE_PL_SK, "pad length %u in %zu bytes",
				padlen, clen);
	return ike_chain_decode(m, m->sk_np, buf, clen - padlen - 1, err);
}
