// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ipsecmed/cookie.h"
#include "ipsecmed/crypto/prf.h"
#include "ipsecmed/ike/proto.h"

void cookie_rotate(struct cookie_secrets *s, uint64_t now_ms)
{
	if (s->next_ms && now_ms < s->next_ms)
		return;
	if (s->next_ms) {
		memcpy(s->prev, s->cur, sizeof(s->prev));
		s->have_prev = true;
	}
	if (RAND_bytes(s->cur, sizeof(s->cur)) != 1)
		abort();	/* no safe fallback for a secret */
	s->next_ms = now_ms + COOKIE_ROTATE_MS;
}

static void make(const uint8_t *secret, const struct ipsec_addr *addr,
		 const uint8_t *spi_i, const uint8_t *ni, size_t ni_len,
		 uint8_t *out)
{
	uint8_t md[64];
	struct ike_iov iov[] = {
		{ secret, 32 }, { ni, ni_len }, { addr, sizeof(*addr) },
		{ spi_i, IKE_SPI_LEN },
	};

	ike_hash("SHA2-256", iov, 4, md);
	memcpy(out, md, COOKIE_LEN);
}

void cookie_make(const struct cookie_secrets *s, const struct ipsec_addr *addr,
		 const uint8_t *spi_i, const uint8_t *ni, size_t ni_len,
		 uint8_t *out)
{
	make(s->cur, addr, spi_i, ni, ni_len, out);
}

bool cookie_verify(const struct cookie_secrets *s,
		   const struct ipsec_addr *addr, const uint8_t *spi_i,
		   const uint8_t *ni, size_t ni_len, const uint8_t *c,
		   size_t len)
{
	uint8_t want[COOKIE_LEN];

	if (len != COOKIE_LEN)
		return false;
	make(s->cur, addr, spi_i, ni, ni_len, want);
	if (!CRYPTO_memcmp(c, want, COOKIE_LEN))
		return true;
	if (!s->have_prev)
		return false;
	make(s->prev, addr, spi_i, ni, ni_len, want);
	return !CRYPTO_memcmp(c, want, COOKIE_LEN);
}

void cookie_wipe(struct cookie_secrets *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}
