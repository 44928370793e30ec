/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key exchange groups through EVP_PKEY: MODP 2048 (RFC 3526), ECP 256,
 * 384, 521 (RFC 5903: KE data is x | y, the shared secret is x) and
 * Curve25519 (RFC 8031).
 */
#ifndef IPSECMED_CRYPTO_DH_H
#define IPSECMED_CRYPTO_DH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_DH_MAX_PUB 256	/* MODP 2048; ECP 521 is 132 */
#define IKE_DH_MAX_SHARED 256

struct ike_dh_group {
	uint16_t id;		/* IKE_DH_* */
	const char *name;	/* as in proposals: "x25519" */
	size_t pub_len;		/* KE payload data length */
	size_t shared_len;	/* g^ir length */
};

const struct ike_dh_group *ike_dh_group_find(uint16_t id);
const struct ike_dh_group *ike_dh_group_by_name(const char *name);

struct ike_dh;

/* A fresh private key in @group, or NULL. */
struct ike_dh *ike_dh_new(const struct ike_dh_group *group);
void ike_dh_free(struct ike_dh *dh);
const struct ike_dh_group *ike_dh_group(const struct ike_dh *dh);

/* Our public value as carried in KE (group->pub_len bytes). */
int ike_dh_public(const struct ike_dh *dh, uint8_t *out);

/* g^ir from the peer's KE data (group->shared_len bytes to @out).
 * Rejects a wrong length and invalid points/values. Returns 0 or -1.
 */
int ike_dh_shared(const struct ike_dh *dh, const uint8_t *peer, size_t len,
		  uint8_t *out);

/* Whether @peer is a valid public value of @group (its length, a point
 * on the curve, 1 < y < p-1): what ike_dh_shared() checks first, without
 * a key of ours. A responder checks it before it generates one.
 */
bool ike_dh_peer_valid(const struct ike_dh_group *group,
		       const uint8_t *peer, size_t len);

/* For known-answer tests: replace the private key by @priv (big-endian
 * scalar for MODP/ECP, raw 32 bytes for X25519).
 */
struct ike_dh *ike_dh_new_private(const struct ike_dh_group *group,
				  const uint8_t *priv, size_t len);

#endif /* IPSECMED_CRYPTO_DH_H */
