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

/* The XFRM form of @ts: a prefix, a protocol and one port (0 = any).
 * Returns 0, or -1 if the address range is not a prefix or the port
 * range is neither one port nor all of them.
 */
int ts_to_xfrm(const struct ike_ts *ts, struct ipsec_prefix *p,
	       uint8_t *proto, uint16_t *port);

/* "10.1.0.0/16,fd00::/64[udp/53]" text of a payload, for status. */
void ts_str(const struct ike_ts_payload *tsp, char *buf, size_t len);

#endif /* IPSECMED_TS_H */
