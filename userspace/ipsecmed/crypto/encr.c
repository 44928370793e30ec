// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ipsecmed/crypto/encr.h"
#include "ipsecmed/ike/proto.h"

static const struct ike_encr encrs[] = {
	{ IKE_ENCR_AES_GCM_16, 128, "aes128gcm16", "AES-128-GCM", true,
	  16, 4, 8, 1, 16, "rfc4106(gcm(aes))" },
	{ IKE_ENCR_AES_GCM_16, 256, "aes256gcm16", "AES-256-GCM", true,
	  32, 4, 8, 1, 16, "rfc4106(gcm(aes))" },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, "chacha20poly1305",
	  "ChaCha20-Poly1305", true, 32, 4, 8, 1, 16,
	  "rfc7539esp(chacha20,poly1305)" },
	{ IKE_ENCR_AES_CBC, 128, "aes128", "AES-128-CBC", false,
	  16, 0, 16, 16, 0, "cbc(aes)" },
	{ IKE_ENCR_AES_CBC, 256, "aes256", "AES-256-CBC", false,
	  32, 0, 16, 16, 0, "cbc(aes)" },
};

#define N_ENCRS (sizeof(encrs) / sizeof(encrs[0]))

const struct ike_encr *ike_encr_find(uint16_t id, uint16_t keybits)
{
	size_t i;

	for (i = 0; i < N_ENCRS; i++)
		if (encrs[i].id == id && encrs[i].keybits == keybits)
			return &encrs[i];
	return NULL;
}

const struct ike_encr *ike_encr_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < N_ENCRS; i++)
		if (!strcmp(encrs[i].name, name))
			return &encrs[i];
	return NULL;
}

/* The cipher of @e, fetched from the provider once for the process:
 * a fetch per message is a name lookup and a provider query each time.
 * Kept until exit.
 */
static const EVP_CIPHER *cipher_of(const struct ike_encr *e)
{
	static EVP_CIPHER *cache[N_ENCRS];
	size_t i = (size_t)(e - encrs);

	if (i >= N_ENCRS)
		return NULL;
	if (!cache[i])
		cache[i] = EVP_CIPHER_fetch(NULL, e->cipher, NULL);
	return cache[i];
}

/* Set up @ctx for AEAD with nonce salt | iv. */
static EVP_CIPHER_CTX *aead_ctx(const struct ike_encr *e, const uint8_t *key,
				const uint8_t *iv, int enc)
{
	uint8_t nonce[12];
	const EVP_CIPHER *c = cipher_of(e);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ok;

	memcpy(nonce, key + e->key_len, e->salt_len);
	memcpy(nonce + e->salt_len, iv, e->iv_len);
	ok = c && ctx &&
	     EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
				 (int)(e->salt_len + e->iv_len), NULL) &&
	     EVP_CipherInit_ex2(ctx, NULL, key, nonce, enc, NULL);
	if (!ok) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int ike_aead_seal(const struct ike_encr *e, const uint8_t *key,
		  const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		  const uint8_t *in, size_t inlen, uint8_t *out,
		  uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = aead_ctx(e, key, iv, 1);
	int n, ok;

	if (!ctx)
		return -1;
	ok = EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)inlen) &&
	     EVP_CipherFinal_ex(ctx, out + n, &n) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
				 IKE_AEAD_TAG_LEN, tag);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int ike_aead_open(const struct ike_encr *e, const uint8_t *key,
		  const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		  const uint8_t *in, size_t inlen, const uint8_t *tag,
		  uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = aead_ctx(e, key, iv, 0);
	uint8_t t[IKE_AEAD_TAG_LEN];
	int n, ok;

	if (!ctx)
		return -1;
	memcpy(t, tag, sizeof(t));
	ok = EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)inlen) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, sizeof(t), t) &&
	     EVP_CipherFinal_ex(ctx, out + n, &n);
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		OPENSSL_cleanse(out, inlen);
	return ok ? 0 : -1;
}

int ike_cbc_crypt(const struct ike_encr *e, const uint8_t *key,
		  const uint8_t *iv, const uint8_t *in, size_t len,
		  uint8_t *out, bool encrypt)
{
	const EVP_CIPHER *c = cipher_of(e);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	ok = c && ctx && len % e->block == 0 &&
	     EVP_CipherInit_ex2(ctx, c, key, iv, encrypt, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len) &&
	     EVP_CipherFinal_ex(ctx, out + n, &n);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}
