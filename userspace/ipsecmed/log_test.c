// SPDX-License-Identifier: GPL-2.0
/* The token bucket behind log_rl(): a burst, then a steady rate. */
#include "ipsecmed/log.h"
#include "ipsecmed/testutil.h"

static int allowed(struct log_bucket *b, uint64_t now, int tries)
{
	int n = 0;

	while (tries--)
		n += log_bucket_allow(b, now);
	return n;
}

static void test_bucket(void)
{
	struct log_bucket b = { 0 };

	log_level = LOG_ERR;	/* no "suppressed" lines in the output */
	KT_EXPECT(allowed(&b, 1000, 100) == LOG_RL_BURST);
	KT_EXPECT(b.suppressed == 100 - LOG_RL_BURST);
	/* One token every 1000 / LOG_RL_PER_SEC ms. */
	KT_EXPECT(allowed(&b, 1000 + 1000 / LOG_RL_PER_SEC - 1, 10) == 0);
	KT_EXPECT(allowed(&b, 1000 + 1000 / LOG_RL_PER_SEC, 1) == 1);
	KT_EXPECT(b.suppressed == 0);	/* reported with that line */
	KT_EXPECT(allowed(&b, 1000 + 1000 / LOG_RL_PER_SEC, 9) == 0);
	KT_EXPECT(allowed(&b, 2200, 10) == LOG_RL_PER_SEC);
	/* A long pause refills the burst, not more. */
	KT_EXPECT(allowed(&b, 1000000, 1000) == LOG_RL_BURST);
}

int main(void)
{
	kt_run("log: rate limit per call site (burst, then steady rate)",
	       test_bucket);
	return kt_done();
}
