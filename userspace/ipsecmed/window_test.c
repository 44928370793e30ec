// SPDX-License-Identifier: GPL-2.0
/*
 * The message-ID window decisions: a cached response goes only to a
 * byte-identical retransmission (not to a forged header with the right
 * SPIs and message ID), and the backoff saturates.
 */
#include <stdlib.h>

#include "ipsecmed/testutil.h"
#include "ipsecmed/window.h"

static uint8_t req[600];

/* An SA that answered request 1, @req, with a 4000-byte response. */
static struct ike_sa *answered_sa(void)
{
	struct ike_sa *sa = ike_sa_new(NULL, false);
	size_t i;

	for (i = 0; i < sizeof(req); i++)
		req[i] = (uint8_t)(i * 7 + 3);
	sa->resp_len = 4000;
	sa->resp = calloc(1, sa->resp_len);
	sa->msgid_in = 2;
	window_answered(sa, 1, req, sizeof(req));
	return sa;
}

static void test_retransmission(void)
{
	struct ike_sa *sa = answered_sa();
	uint8_t copy[sizeof(req)];

	memcpy(copy, req, sizeof(req));
	KT_EXPECT(window_is_retransmission(sa, copy, sizeof(copy)));
	/* The 28-byte header alone: right SPIs, message ID, exchange. */
	KT_EXPECT(!window_is_retransmission(sa, copy, 28));
	KT_EXPECT(!window_is_retransmission(sa, copy, sizeof(copy) - 1));
	copy[sizeof(copy) - 1] ^= 1;
	KT_EXPECT(!window_is_retransmission(sa, copy, sizeof(copy)));
	copy[sizeof(copy) - 1] ^= 1;
	/* A request we did not answer (dropped) keeps the old hash. */
	window_answered(sa, 2, (const uint8_t *)"forged", 6);
	KT_EXPECT(window_is_retransmission(sa, copy, sizeof(copy)));
	/* Answering the next one replaces it. */
	sa->msgid_in = 3;
	window_answered(sa, 2, req, 100);
	KT_EXPECT(!window_is_retransmission(sa, copy, sizeof(copy)));
	KT_EXPECT(window_is_retransmission(sa, req, 100));
	ike_sa_free(sa);
}

static void test_no_hash_no_answer(void)
{
	struct ike_sa *sa = ike_sa_new(NULL, false);

	/* A response without a remembered request (never answered
	 * through window_answered()) answers nothing.
	 */
	sa->resp_len = 100;
	sa->resp = calloc(1, sa->resp_len);
	sa->msgid_in = 1;
	KT_EXPECT(!window_is_retransmission(sa, req, 28));
	KT_EXPECT(!window_is_retransmission(sa, req, 0));
	ike_sa_free(sa);
}

static void test_backoff(void)
{
	uint32_t ms = 200;
	int i;

	KT_EXPECT(window_backoff(200) == 400);
	for (i = 0; i < 64; i++)
		ms = window_backoff(ms);
	KT_EXPECT(ms == WINDOW_TIMEOUT_MAX_MS);
	KT_EXPECT(window_backoff(WINDOW_TIMEOUT_MAX_MS) ==
		  WINDOW_TIMEOUT_MAX_MS);
	KT_EXPECT(window_backoff(UINT32_MAX) == WINDOW_TIMEOUT_MAX_MS);
}

int main(void)
{
	kt_run("window: cached response only for a byte-identical "
	       "retransmission", test_retransmission);
	kt_run("window: no remembered request, no cached answer",
	       test_no_hash_no_answer);
	kt_run("window: retransmission backoff saturates", test_backoff);
	return kt_done();
}
