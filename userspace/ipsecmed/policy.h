/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XFRM policies shared by CHILD_SAs. The kernel has one policy per
 * selector and direction, but several CHILD_SAs may negotiate the same
 * selectors: a road warrior that reconnects before its stale IKE SA
 * died, a peer with "unique = no", a CHILD_SA and its duplicate. So
 * each policy keeps the list of CHILD_SAs (by reqid) that hold it, the
 * newest one's template installed; when that one goes, the policy is
 * re-installed for the newest one left, and only the last one deletes
 * it, by the index the kernel gave it (never by selector, which could
 * hit a policy someone else installed since).
 */
#ifndef IPSECMED_POLICY_H
#define IPSECMED_POLICY_H

#include "lib/xfrm.h"

struct daemon;

/* A reference for @p.tmpl.reqid on the policy of @p's selector and
 * direction: created, or taken over (its template now @p's). Returns 0
 * or a negative errno (logged), in which case nothing changed.
 */
int policy_hold(struct daemon *d, const struct xfrm_policy_spec *p);

/* Drop every reference of @reqid: each policy goes to its next newest
 * holder, or out of the kernel when it has none.
 */
void policy_release(struct daemon *d, uint32_t reqid);

/* How many CHILD_SAs hold the policy of @sel and @dir (for tests and
 * status); 0 if there is none.
 */
size_t policy_holders(const struct daemon *d, const struct xfrm_sel_spec *sel,
		      uint8_t dir);

#endif /* IPSECMED_POLICY_H */
