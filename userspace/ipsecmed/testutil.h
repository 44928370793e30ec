/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for the ipsecmed unit tests: hex vectors and comparisons. */
#ifndef IPSECMED_TESTUTIL_H
#define IPSECMED_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ktest.h"

/* Decode @hex (spaces ignored) into a static-per-call malloc'ed buffer
 * owned by the caller; *len gets its length.
 */
static inline unsigned char *unhex(const char *hex, size_t *len)
{
	unsigned char *out = malloc(strlen(hex) / 2 + 1);
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;

		if (*hex == ' ')
			continue;
		if (sscanf((char[]){ hex[0], 0 }, "%x", &v) != 1)
			abort();
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	*len = n;
	return out;
}

/* KT_EXPECT that @got (@len bytes) equals hex string @want. */
#define KT_EXPECT_HEX(got, len, want)					\
	do {								\
		size_t wl_;						\
		unsigned char *w_ = unhex(want, &wl_);			\
		if (wl_ != (size_t)(len) || memcmp(got, w_, wl_)) {	\
			printf("# %s:%d: bytes differ from %s\n",	\
			       __FILE__, __LINE__, #want);		\
			kt_case_failed = 1;				\
		}							\
		free(w_);						\
	} while (0)

#endif /* IPSECMED_TESTUTIL_H */
