/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Traffic selectors (RFC 7296 section 2.9): from the configuration to
 * TS payloads, narrowing a peer's proposal to what we allow, and the
 * XFRM selector of a narrowed one.
 */
#ifndef IPSECMED_TS_H
#define IPSECMED_TS_H

#include "conf/config.h"
#include "ipsecmed/ike/codec.h"

/* Configured selectors of one side; none means the host address @host. */
void ts_from_conf(const struct conf_ts *ts, size_t n,
		  const struct ipsec_addr *host, struct ike_ts_payload *out);

/* @out = every non-empty intersection of a selector in @ours with one in
 * @theirs. Returns 0, or -1 if there is none (TS_UNACCEPTABLE).
 */
int ts_narrow(const struct ike_ts_payload *ours,
	      const struct ike_ts_payload *theirs, struct ike_ts_payload *out);

/* Whether every selector of @inner lies within one selector of
 * @outer (same type, @outer's protocol any or the same, its ports and
 * addresses around @inner's).
 */
bool ts_covers(const struct ike_ts_payload *outer,
	       const struct ike_ts_payload *inner);

/*
 * XFRM selectors are a prefix per side, a protocol and a port block
 * (value and mask) per side, so a range of addresses or ports becomes
 * a set of aligned blocks: at most 2 * bits - 2 prefixes for an address
 * range and 30 port blocks. A CHILD_SA installs one policy per pair of
 * pieces (and direction), within these caps.
 */
#define TS_PIECES_MAX	16	/* XFRM selectors per side of a CHILD_SA */
#define TS_PAIRS_MAX	64	/* local x remote pieces of a CHILD_SA */

struct ts_piece {
	struct ipsec_prefix prefix;
	uint8_t proto;			/* 0 = any */
	uint16_t port, port_mask;	/* as struct xfrm_sel_spec */
};

/* The first @max (at most TS_PIECES_MAX) pieces of @ts in @out, in
 * address order (all ports of one address block before the next
 * block). Returns how many pieces @ts takes in all (may exceed @max:
 * only @max are filled), or -1 if XFRM cannot express it: start above
 * end, an unknown type, or ports restricted for a protocol other than
 * tcp, udp and sctp.
 */
int ts_pieces(const struct ike_ts *ts, struct ts_piece *out, size_t max);

/* The selector that is exactly @pc. */
void ts_from_piece(const struct ts_piece *pc, struct ike_ts *ts);

/* Pieces of @tsp's selectors of @family (0: all); -1 if one cannot be
 * expressed.
 */
int ts_count(const struct ike_ts_payload *tsp, int family);

/*
 * A transport mode SA gets its CHILD_SA's selector: the kernel lets a
 * packet that arrives through a transport SA in even when no "dir in"
 * policy matches it, and only the SA's own selector (one XFRM
 * selector) stops what the peer sends outside the negotiated
 * protocol and ports. So a transport CHILD_SA takes one piece per side,
 * of one family.
 */

/* NULL if the pair of local @l and remote @r selectors goes into the
 * kernel exactly within the caps (for @transport: one piece per side),
 * else why not (initiator: the responder's narrowed selectors must be
 * installed as negotiated or not at all).
 */
const char *ts_exact(const struct ike_ts_payload *l,
		     const struct ike_ts_payload *r, bool transport);

/* Responder: narrow @tsp to at most @max pieces (capped at
 * TS_PIECES_MAX): selectors that cannot be expressed are left out, the
 * one that overflows is replaced by its first pieces as selectors of
 * their own, later ones are dropped. Returns the pieces left, or -1 if
 * none (TS_UNACCEPTABLE).
 */
int ts_fit(struct ike_ts_payload *tsp, size_t max);

/* Responder: ts_fit() both sides so that they take at most
 * TS_PAIRS_MAX pairs, cutting the side with more pieces first; for
 * @transport to the first piece of each side. Returns 0, or -1 if a
 * side is left empty (or, for @transport, the two pieces are of
 * different families).
 */
int ts_fit_pair(struct ike_ts_payload *l, struct ike_ts_payload *r,
		bool transport);

/* "10.1.0.0/16,10.9.0.1-10.9.0.5[tcp/1000-1010],fd00::/64[udp/53]"
 * text of a payload, for status and logs.
 */
void ts_str(const struct ike_ts_payload *tsp, char *buf, size_t len);

#endif /* IPSECMED_TS_H */
