// SPDX-License-Identifier: GPL-2.0
/*
 * Responder cookies: bound to Ni, address and SPIi; still valid for one
 * rotation of the secret (a cookie handed out just before it), not for
 * two.
 */
#include "ipsecmed/cookie.h"
#include "ipsecmed/testutil.h"

static const uint8_t spi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t ni[32] = { 9 };

static bool ok(const struct cookie_secrets *s, const struct ipsec_addr *a,
	       const uint8_t *c)
{
	return cookie_verify(s, a, spi, ni, sizeof(ni), c, COOKIE_LEN);
}

static void test_rotation(void)
{
	struct cookie_secrets s = { 0 };
	struct ipsec_addr a = { .family = 2 }, b = { .family = 2 };
	uint8_t c[COOKIE_LEN], other_ni[32] = { 10 };
	uint64_t t = 1000;

	b.v4.s_addr = 1;
	cookie_rotate(&s, t);
	cookie_make(&s, &a, spi, ni, sizeof(ni), c);
	KT_EXPECT(ok(&s, &a, c));
	KT_EXPECT(!ok(&s, &b, c));	/* another address */
	KT_EXPECT(!cookie_verify(&s, &a, spi, other_ni, sizeof(other_ni), c,
				 COOKIE_LEN));
	KT_EXPECT(!cookie_verify(&s, &a, spi, ni, sizeof(ni), c, 16));
	/* Not due yet: the same secret. */
	cookie_rotate(&s, t + COOKIE_ROTATE_MS - 1);
	KT_EXPECT(!s.have_prev && ok(&s, &a, c));
	/* One rotation: the cookie still verifies (grace period)... */
	cookie_rotate(&s, t + COOKIE_ROTATE_MS);
	KT_EXPECT(s.have_prev && ok(&s, &a, c));
	/* ...but a new one is handed out under the new secret. */
	{
		uint8_t fresh[COOKIE_LEN];

		cookie_make(&s, &a, spi, ni, sizeof(ni), fresh);
		KT_EXPECT(memcmp(fresh, c, COOKIE_LEN) != 0);
		KT_EXPECT(ok(&s, &a, fresh));
	}
	/* Two rotations: gone. */
	cookie_rotate(&s, t + 2 * COOKIE_ROTATE_MS);
	KT_EXPECT(!ok(&s, &a, c));
	cookie_wipe(&s);
}

int main(void)
{
	kt_run("cookie: bound to the request, valid across one rotation",
	       test_rotation);
	return kt_done();
}
