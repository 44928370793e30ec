/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKE/ESP encryption transforms through EVP_CIPHER: AES-GCM with a
 * 16-byte ICV (RFC 5282), ChaCha20-Poly1305 (RFC 7634) and AES-CBC
 * (RFC 3602, paired with an integrity transform).
 */
#ifndef IPSECMED_CRYPTO_ENCR_H
#define IPSECMED_CRYPTO_ENCR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_ENCR_MAX_KEY 36	/* 32-byte key + 4-byte salt */
#define IKE_AEAD_TAG_LEN 16

struct ike_encr {
	uint16_t id;		/* IKE_ENCR_* */
	uint16_t keybits;	/* Key Length attribute; 0 if none is sent */
	const char *name;	/* as in proposals: "aes128gcm16" */
	const char *cipher;	/* OpenSSL cipher name */
	bool aead;
	size_t key_len;		/* cipher key, bytes */
	size_t salt_len;	/* taken from the keying material after it */
	size_t iv_len;		/* explicit IV in each message */
	size_t block;		/* padding unit */
	size_t icv_len;		/* AEAD tag; 0 for CBC (integ has it) */
	const char *xfrm_name;	/* kernel algorithm name for ESP */
};

/* Key material an SA needs: key plus salt. */
static inline size_t ike_encr_keymat_len(const struct ike_encr *e)
{
	return e->key_len + e->salt_len;
}

/* @keybits as in the transform's Key Length attribute (0 = absent). */
const struct ike_encr *ike_encr_find(uint16_t id, uint16_t keybits);
const struct ike_encr *ike_encr_by_name(const char *name);

/* AEAD: nonce = salt | iv. @key is key_len + salt_len bytes. Seal writes
 * inlen bytes to @out and the tag to @tag. Open returns 0, or -1 if the
 * tag does not verify (out is wiped then).
 */
int ike_aead_seal(const struct ike_encr *e, const uint8_t *key,
		  const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		  const uint8_t *in, size_t inlen, uint8_t *out,
		  uint8_t *tag);
int ike_aead_open(const struct ike_encr *e, const uint8_t *key,
		  const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		  const uint8_t *in, size_t inlen, const uint8_t *tag,
		  uint8_t *out);

/* CBC without padding: @len must be a multiple of the block size. */
int ike_cbc_crypt(const struct ike_encr *e, const uint8_t *key,
		  const uint8_t *iv, const uint8_t *in, size_t len,
		  uint8_t *out, bool encrypt);

#endif /* IPSECMED_CRYPTO_ENCR_H */
