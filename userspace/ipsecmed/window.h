/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer's side of the message-ID window of an IKE SA (RFC 7296
 * section 2.3; ours is the tasks of task.h), decided before anything is
 * decrypted: which request is a retransmission of the one we answered
 * last (and gets the cached response); and the retransmission backoff.
 */
#ifndef IPSECMED_WINDOW_H
#define IPSECMED_WINDOW_H

#include "ipsecmed/ike/codec.h"
#include "ipsecmed/sa.h"

/* Largest retransmission timeout the backoff reaches (the largest a
 * retransmit_timeout may be configured to).
 */
#define WINDOW_TIMEOUT_MAX_MS 600000u

/* We answered request @msgid, whose datagram was @buf: remember its
 * hash, so only that datagram gets the cached response again.
 */
void window_answered(struct ike_sa *sa, uint32_t msgid, const uint8_t *buf,
		     size_t len);

/* Whether @buf, a request with the message ID we answered last, is a
 * retransmission of that request byte for byte. Anything else (a forged
 * header with the right SPIs and message ID, say) gets no answer: the
 * response may be many times its size (RFC 7296 2.1, amplification).
 */
bool window_is_retransmission(const struct ike_sa *sa, const uint8_t *buf,
			      size_t len);

/* The timeout after @ms: doubled, at most WINDOW_TIMEOUT_MAX_MS. */
uint32_t window_backoff(uint32_t ms);

#endif /* IPSECMED_WINDOW_H */
