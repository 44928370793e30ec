/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CHILD_SAs in the kernel: two ESP SAs and the policies (out, in and, in
 * tunnel mode, fwd) for every pair of negotiated selectors, through
 * lib/xfrm.h.
 */
#ifndef IPSECMED_KERNEL_H
#define IPSECMED_KERNEL_H

#include "ipsecmed/core.h"

/* Reserve an inbound SPI (random when the kernel is not used). */
int kernel_alloc_spi(struct daemon *d, const struct ike_sa *sa,
		     uint32_t reqid, uint32_t *spi);

/* Install @c's SAs (the outbound one only with @outbound); with
 * @policies also its policies (not on a rekey, where the old ones stay
 * and the templates match by reqid). Returns 0, -EADDRINUSE if CHILD_SAs
 * of another connection or peer identity hold policies of @c's
 * selectors (policy.h; logged, nothing installed: the caller refuses
 * the CHILD_SA with TS_UNACCEPTABLE), or another negative errno.
 */
int kernel_install(struct daemon *d, const struct ike_sa *sa,
		   struct child_sa *c, bool policies, bool outbound);

/* Install @c's outbound SA only: the rekey responder's new outbound SA,
 * once the peer deleted the old CHILD_SA and so has the new one's keys.
 */
int kernel_install_out(struct daemon *d, const struct ike_sa *sa,
		       struct child_sa *c);

/* Over TCP: bind the outbound SAs of @sa's CHILD_SAs to the socket of
 * its path, as it is now (a new connection, reconnect.h).
 */
void kernel_rebind(struct daemon *d, const struct ike_sa *sa);

/* Remove @c's SAs, and with @policies its policies. */
void kernel_remove(struct daemon *d, const struct ike_sa *sa,
		   struct child_sa *c, bool policies);

/* Read the pending XFRM events: a soft expiry (rekey_time, rekey_bytes,
 * rekey_packets reached in the kernel) of an installed CHILD_SA's SA
 * makes it due for rekeying now; a hard one is logged (the kernel has
 * removed that SA).
 */
void kernel_events(struct daemon *d);

/* Refresh c->bytes_* and packets_* from the kernel. */
void kernel_read_stats(struct daemon *d, const struct ike_sa *sa,
		       struct child_sa *c);

#endif /* IPSECMED_KERNEL_H */
