// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ipsecmed/crypto/dh.h"
#include "ipsecmed/ike/proto.h"

enum kind { MODP, ECP, X25519 };

static const struct group {
	struct ike_dh_group g;
	enum kind kind;
	const char *ossl;	/* OpenSSL group or algorithm name */
	size_t coord;		/* ECP coordinate length */
} groups[] = {
	{ { IKE_DH_MODP2048, "modp2048", 256, 256 }, MODP, "modp_2048", 0 },
	{ { IKE_DH_ECP256, "ecp256", 64, 32 }, ECP, "prime256v1", 32 },
	{ { IKE_DH_ECP384, "ecp384", 96, 48 }, ECP, "secp384r1", 48 },
	{ { IKE_DH_ECP521, "ecp521", 132, 66 }, ECP, "secp521r1", 66 },
	{ { IKE_DH_CURVE25519, "x25519", 32, 32 }, X25519, "X25519", 0 },
};

#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

struct ike_dh {
	const struct group *grp;
	EVP_PKEY *key;
};

static const struct group *lookup(uint16_t id)
{
	size_t i;

	for (i = 0; i < N_GROUPS; i++)
		if (groups[i].g.id == id)
			return &groups[i];
	return NULL;
}

const struct ike_dh_group *ike_dh_group_find(uint16_t id)
{
	const struct group *g = lookup(id);

	return g ? &g->g : NULL;
}

const struct ike_dh_group *ike_dh_group_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < N_GROUPS; i++)
		if (!strcmp(groups[i].g.name, name))
			return &groups[i].g;
	return NULL;
}

const struct ike_dh_group *ike_dh_group(const struct ike_dh *dh)
{
	return &dh->grp->g;
}

static const char *alg_name(const struct group *g)
{
	switch (g->kind) {
	case MODP: return "DH";
	case ECP: return "EC";
	case X25519: return "X25519";
	}
	return NULL;
}

static EVP_PKEY *keygen(const struct group *g)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg_name(g),
						       NULL);
	EVP_PKEY *key = NULL;
	OSSL_PARAM params[2];
	int ok = ctx && EVP_PKEY_keygen_init(ctx) > 0;

	if (ok && g->kind != X25519) {
		params[0] = OSSL_PARAM_construct_utf8_string(
			OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->ossl, 0);
		params[1] = OSSL_PARAM_construct_end();
		ok = EVP_PKEY_CTX_set_params(ctx, params) > 0;
	}
	if (ok && EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

struct ike_dh *ike_dh_new(const struct ike_dh_group *group)
{
	const struct group *g = group ? lookup(group->id) : NULL;
	struct ike_dh *dh;

	if (!g)
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (!dh)
		return NULL;
	dh->grp = g;
	dh->key = keygen(g);
	if (!dh->key) {
		free(dh);
		return NULL;
	}
	return dh;
}

void ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);	/* clears the private key */
	free(dh);
}

/* Left-pad a big-endian number into exactly @len bytes. */
static int bn_out(const BIGNUM *bn, uint8_t *out, size_t len)
{
	return BN_bn2binpad(bn, out, (int)len) == (int)len ? 0 : -1;
}

int ike_dh_public(const struct ike_dh *dh, uint8_t *out)
{
	const struct group *g = dh->grp;
	uint8_t buf[1 + 2 * 66];
	size_t len = 0;
	BIGNUM *pub = NULL;
	int ret = -1;

	switch (g->kind) {
	case MODP:
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY,
					  &pub))
			ret = bn_out(pub, out, g->g.pub_len);
		BN_free(pub);
		return ret;
	case ECP:
		/* Uncompressed point 04 | x | y; IKE drops the 04. */
		if (EVP_PKEY_get_octet_string_param(dh->key,
				OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf,
				sizeof(buf), &len) &&
		    len == 1 + g->g.pub_len && buf[0] == 4) {
			memcpy(out, buf + 1, g->g.pub_len);
			ret = 0;
		}
		return ret;
	case X25519:
		len = g->g.pub_len;
		return EVP_PKEY_get_raw_public_key(dh->key, out, &len) &&
		       len == g->g.pub_len ? 0 : -1;
	}
	return -1;
}

/* The peer's public value as an EVP_PKEY in our group, validated. */
static EVP_PKEY *peer_key(const struct group *g, const uint8_t *peer,
			  size_t len)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	BIGNUM *bn = NULL;
	uint8_t pt[1 + 2 * 66];
	int ok;

	if (len != g->g.pub_len)
		return NULL;
	if (g->kind == X25519)
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL,
						   peer, len);
	bld = OSSL_PARAM_BLD_new();
	ok = bld && OSSL_PARAM_BLD_push_utf8_string(bld,
			OSSL_PKEY_PARAM_GROUP_NAME, g->ossl, 0);
	if (g->kind == MODP) {
		bn = BN_bin2bn(peer, (int)len, NULL);
		ok = ok && bn && OSSL_PARAM_BLD_push_BN(bld,
				OSSL_PKEY_PARAM_PUB_KEY, bn);
	} else {
		pt[0] = 4;
		memcpy(pt + 1, peer, len);
		ok = ok && OSSL_PARAM_BLD_push_octet_string(bld,
				OSSL_PKEY_PARAM_PUB_KEY, pt, len + 1);
	}
	ok = ok && (params = OSSL_PARAM_BLD_to_param(bld));
	ctx = ok ? EVP_PKEY_CTX_new_from_name(NULL, alg_name(g), NULL) : NULL;
	ok = ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	     EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) > 0;
	EVP_PKEY_CTX_free(ctx);
	ctx = NULL;
	/* MODP: 1 < y < p-1. The groups' primes are safe primes, whose
	 * only small subgroup has order 2 ({1, p-1}), so that range is all
	 * RFC 6989 2.1 asks for; the full check (y^q = 1 mod p) would cost
	 * a responder a 2048-bit exponentiation per IKE_SA_INIT anyone can
	 * send. ECP: a point on the curve (cheap).
	 */
	if (ok) {
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
		ok = ctx && (g->kind == MODP ?
			     EVP_PKEY_public_check_quick(ctx) :
			     EVP_PKEY_public_check(ctx)) > 0;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	if (!ok) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

bool ike_dh_peer_valid(const struct ike_dh_group *group,
		       const uint8_t *peer, size_t len)
{
	const struct group *g = group ? lookup(group->id) : NULL;
	EVP_PKEY *pk = g ? peer_key(g, peer, len) : NULL;

	EVP_PKEY_free(pk);
	return pk != NULL;
}

int ike_dh_shared(const struct ike_dh *dh, const uint8_t *peer, size_t len,
		  uint8_t *out)
{
	const struct group *g = dh->grp;
	EVP_PKEY *pk = peer_key(g, peer, len);
	EVP_PKEY_CTX *ctx = NULL;
	size_t outlen = g->g.shared_len;
	int ok;

	ctx = pk ? EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL) : NULL;
	ok = ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	     (g->kind != MODP || EVP_PKEY_CTX_set_dh_pad(ctx, 1) > 0) &&
	     /* validated by peer_key() already: not once more */
	     EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) > 0 &&
	     EVP_PKEY_derive(ctx, out, &outlen) > 0 &&
	     outlen == g->g.shared_len;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	if (!ok)
		OPENSSL_cleanse(out, g->g.shared_len);
	return ok ? 0 : -1;
}

static EVP_PKEY *import_private(const struct group *g, const uint8_t *priv,
				size_t len)
{
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	BIGNUM *bn;
	int ok;

	if (g->kind == X25519)
		return EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL,
						    priv, len);
	bld = OSSL_PARAM_BLD_new();
	bn = BN_bin2bn(priv, (int)len, NULL);
	ok = bld && bn &&
	     OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     g->ossl, 0) &&
	     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn) &&
	     (params = OSSL_PARAM_BLD_to_param(bld)) &&
	     (ctx = EVP_PKEY_CTX_new_from_name(NULL, alg_name(g), NULL)) &&
	     EVP_PKEY_fromdata_init(ctx) > 0 &&
	     EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) > 0;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bn);
	return ok ? key : NULL;
}

struct ike_dh *ike_dh_new_private(const struct ike_dh_group *group,
				  const uint8_t *priv, size_t len)
{
	const struct group *g = group ? lookup(group->id) : NULL;
	struct ike_dh *dh;

	if (!g)
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (!dh)
		return NULL;
	dh->grp = g;
	dh->key = import_private(g, priv, len);
	if (!dh->key) {
		free(dh);
		return NULL;
	}
	return dh;
}
