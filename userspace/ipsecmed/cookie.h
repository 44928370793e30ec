/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The responder's stateless cookies (RFC 7296 2.6): a hash over a
 * secret, Ni, the initiator's address and SPIi. The secret is replaced
 * every COOKIE_ROTATE_MS; the one before it still verifies until the
 * next rotation, so a cookie handed out just before a rotation works.
 */
#ifndef IPSECMED_COOKIE_H
#define IPSECMED_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define COOKIE_LEN 32
#define COOKIE_ROTATE_MS 60000u

struct cookie_secrets {
	uint8_t cur[32], prev[32];
	bool have_prev;
	uint64_t next_ms;	/* next rotation; 0: not drawn yet */
};

/* Draw the first secret, or rotate when due at @now_ms. */
void cookie_rotate(struct cookie_secrets *s, uint64_t now_ms);

/* The cookie for a request from @addr with @ni and @spi_i. */
void cookie_make(const struct cookie_secrets *s, const struct ipsec_addr *addr,
		 const uint8_t *spi_i, const uint8_t *ni, size_t ni_len,
		 uint8_t *out);

/* Whether @c (@len bytes) is our cookie for that request, under the
 * current secret or the previous one.
 */
bool cookie_verify(const struct cookie_secrets *s,
		   const struct ipsec_addr *addr, const uint8_t *spi_i,
		   const uint8_t *ni, size_t ni_len, const uint8_t *c,
		   size_t len);

/* Wipe both secrets. */
void cookie_wipe(struct cookie_secrets *s);

#endif /* IPSECMED_COOKIE_H */
