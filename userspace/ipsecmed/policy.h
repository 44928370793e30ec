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
 *
 * Holders of one policy all have one owner: a connection and an
 * authenticated peer identity. Whoever holds a policy carries its
 * traffic, now or when the holders before it go, so a CHILD_SA of
 * another peer (or connection) that negotiated the same selectors must
 * not become one: that peer would take over the traffic of the first.
 */
#ifndef IPSECMED_POLICY_H
#define IPSECMED_POLICY_H

#include "lib/xfrm.h"

struct kpolicy;

/* The policies held, and the XFRM connection they are installed over
 * (set before the first policy_hold()).
 */
struct policy_table {
	struct kpolicy *held;
	struct nl_conn *xfrm;
};

/* Whose CHILD_SA holds a policy. */
struct policy_owner {
	const char *conn;		/* the connection's name */
	/* The peer's identity as struct ike_sa keeps it, compared with
	 * peer_id_eq(): length 0 (too long to keep) is nobody's, so a
	 * policy it holds is shared with no other CHILD_SA.
	 */
	const uint8_t *peer_id;
	uint16_t peer_id_len;
	const char *peer;		/* the identity as text, for logs */
};

/* Whether CHILD_SAs of another owner than @o hold the policy of @p's
 * selector and direction; if so, @who (@len bytes; NULL if 0) names
 * them.
 */
bool policy_taken(const struct policy_table *t,
		  const struct xfrm_policy_spec *p,
		  const struct policy_owner *o, char *who, size_t len);

/* A reference for @p.tmpl.reqid, of owner @o, on the policy of @p's
 * selector and direction: created, or taken over (its template now
 * @p's). Returns 0, -EADDRINUSE if another owner holds that policy
 * (policy_taken()), or another negative errno (logged); on failure
 * nothing changed.
 */
int policy_hold(struct policy_table *t, const struct xfrm_policy_spec *p,
		const struct policy_owner *o);

/* Drop every reference of @reqid: each policy goes to its next newest
 * holder, or out of the kernel when it has none.
 */
void policy_release(struct policy_table *t, uint32_t reqid);

/* How many CHILD_SAs hold the policy of @sel and @dir (for tests and
 * status); 0 if there is none.
 */
size_t policy_holders(const struct policy_table *t,
		      const struct xfrm_sel_spec *sel, uint8_t dir);

#endif /* IPSECMED_POLICY_H */
