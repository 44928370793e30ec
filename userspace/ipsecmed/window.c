// SPDX-License-Identifier: GPL-2.0
/*
 * Message-ID window decisions taken on the cleartext header (see
 * window.h): nothing here decrypts, so an attacker who knows the SPIs
 * and message IDs (they travel in the clear) decides nothing.
 */
#include <openssl/crypto.h>

#include "ipsecmed/crypto/prf.h"
#include "ipsecmed/window.h"

static bool req_hash(const uint8_t *buf, size_t len, uint8_t *out)
{
	struct ike_iov iov = { buf, len };
	uint8_t md[64];

	if (ike_hash("SHA2-256", &iov, 1, md) != WINDOW_REQ_HASH_LEN)
		return false;
	memcpy(out, md, WINDOW_REQ_HASH_LEN);
	return true;
}

void window_answered(struct ike_sa *sa, uint32_t msgid, const uint8_t *buf,
		     size_t len)
{
	/* Not answered (dropped, say, as a forgery): the hash of the
	 * request answered before stays.
	 */
	if (sa->msgid_in != msgid + 1 || !sa->resp)
		return;
	sa->resp_req_len = req_hash(buf, len, sa->resp_req_hash) ? len : 0;
}

bool window_is_retransmission(const struct ike_sa *sa, const uint8_t *buf,
			      size_t len)
{
	uint8_t md[WINDOW_REQ_HASH_LEN];

	/* The length first: a short forgery costs no hash. */
	if (!sa->resp || !sa->resp_req_len || len != sa->resp_req_len ||
	    !req_hash(buf, len, md))
		return false;
	return !CRYPTO_memcmp(md, sa->resp_req_hash, sizeof(md));
}

uint32_t window_backoff(uint32_t ms)
{
	return ms >= WINDOW_TIMEOUT_MAX_MS / 2 ? WINDOW_TIMEOUT_MAX_MS :
						 2 * ms;
}
