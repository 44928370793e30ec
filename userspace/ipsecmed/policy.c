// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"
#include "ipsecmed/log.h"
#include "ipsecmed/policy.h"
#include "ipsecmed/sa.h"

struct kpolicy {
	struct kpolicy *next;
	uint32_t index;		/* the kernel's; 0 if it did not say */
	size_t n, cap;
	/* Holders, oldest first: the last one's template is installed.
	 * Each is the whole spec, so a hand-over re-installs it as is.
	 */
	struct xfrm_policy_spec *h;
	/* The owner of every holder (struct policy_owner, copied). */
	char conn[CONF_NAME_MAX + 1];
	uint8_t peer_id[1 + SA_PEER_ID_MAX];
	uint16_t peer_id_len;
	char peer[CONF_ID_MAX];
};

static bool prefix_eq(const struct ipsec_prefix *a,
		      const struct ipsec_prefix *b)
{
	return a->len == b->len && ipsec_addr_eq(&a->addr, &b->addr);
}

static bool same(const struct xfrm_policy_spec *a,
		 const struct xfrm_policy_spec *b)
{
	const struct xfrm_sel_spec *x = &a->sel, *y = &b->sel;

	return a->dir == b->dir && x->family == y->family &&
	       prefix_eq(&x->src, &y->src) && prefix_eq(&x->dst, &y->dst) &&
	       x->proto == y->proto && x->sport == y->sport &&
	       x->dport == y->dport && x->sport_mask == y->sport_mask &&
	       x->dport_mask == y->dport_mask;
}

static struct kpolicy *find(const struct policy_table *t,
			    const struct xfrm_policy_spec *p)
{
	struct kpolicy *k;

	for (k = t->held; k; k = k->next)
		if (same(&k->h[0], p))
			return k;
	return NULL;
}

static void set_owner(struct kpolicy *k, const struct policy_owner *o)
{
	snprintf(k->conn, sizeof(k->conn), "%s", o->conn);
	snprintf(k->peer, sizeof(k->peer), "%s", o->peer);
	k->peer_id_len = o->peer_id_len <= sizeof(k->peer_id) ?
			 o->peer_id_len : 0;
	if (k->peer_id_len)
		memcpy(k->peer_id, o->peer_id, k->peer_id_len);
}

static bool same_owner(const struct kpolicy *k, const struct policy_owner *o)
{
	return !strcmp(k->conn, o->conn) &&
	       peer_id_eq(k->peer_id, k->peer_id_len, o->peer_id,
			  o->peer_id_len);
}

/* A port or block of ports as a mask: 0 is any port (see xfrm.h). */
static uint16_t port_bits(uint16_t port, uint16_t mask)
{
	return mask ? mask : port ? 0xffff : 0;
}

static bool ports_meet(uint16_t a, uint16_t am, uint16_t b, uint16_t bm)
{
	return !((a ^ b) & port_bits(a, am) & port_bits(b, bm));
}

static bool prefixes_meet(const struct ipsec_prefix *a,
			  const struct ipsec_prefix *b)
{
	return ipsec_prefix_contains(a, &b->addr) ||
	       ipsec_prefix_contains(b, &a->addr);
}

/* Could one packet match both selectors (in one direction)? */
static bool overlap(const struct xfrm_policy_spec *a,
		    const struct xfrm_policy_spec *b)
{
	const struct xfrm_sel_spec *x = &a->sel, *y = &b->sel;

	return a->dir == b->dir && x->family == y->family &&
	       prefixes_meet(&x->src, &y->src) &&
	       prefixes_meet(&x->dst, &y->dst) &&
	       (!x->proto || !y->proto || x->proto == y->proto) &&
	       ports_meet(x->sport, x->sport_mask, y->sport, y->sport_mask) &&
	       ports_meet(x->dport, x->dport_mask, y->dport, y->dport_mask);
}

/* Equal selectors are one kernel policy, whose traffic goes to its
 * newest holder. Overlapping ones are two policies of one priority, the
 * kernel choosing by the order they came in: peers of one connection (a
 * group of road warriors) must not overlap either, or a peer could take
 * part of another's traffic (a port of its address, say) whenever the
 * other reconnects. Overlaps between connections are the operator's
 * (a site's /8 beside its road warriors' /24).
 */
bool policy_taken(const struct policy_table *t,
		  const struct xfrm_policy_spec *p,
		  const struct policy_owner *o, char *who, size_t len)
{
	const struct kpolicy *k;

	for (k = t->held; k; k = k->next) {
		if (same_owner(k, o))
			continue;
		if (same(&k->h[0], p) ||
		    (!strcmp(k->conn, o->conn) && overlap(&k->h[0], p))) {
			snprintf(who, len, "%s (connection %s)", k->peer,
				 k->conn);
			return true;
		}
	}
	return false;
}

static const char *ext(const struct policy_table *t)
{
	return t->xfrm->ext_msg;
}

static int install(struct policy_table *t, const struct xfrm_policy_spec *p)
{
	int err = xfrm_policy_update(t->xfrm, p);

	if (err)
		log_err("cannot install policy (dir %u, reqid %u): %s%s%s",
			p->dir, p->tmpl.reqid, strerror(-err),
			ext(t)[0] ? ": " : "", ext(t));
	return err;
}

static int add_holder(struct kpolicy *k, const struct xfrm_policy_spec *p)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 2;
		struct xfrm_policy_spec *h = realloc(k->h, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		k->h = h;
		k->cap = cap;
	}
	k->h[k->n++] = *p;
	return 0;
}

int policy_hold(struct policy_table *t, const struct xfrm_policy_spec *p,
		const struct policy_owner *o)
{
	struct kpolicy *k = find(t, p);
	size_t i;
	int err;

	if (k) {
		for (i = 0; i < k->n; i++)
			if (k->h[i].tmpl.reqid == p->tmpl.reqid)
				return 0;
		if (policy_taken(t, p, o, NULL, 0))
			return -EADDRINUSE;
		/* The newest CHILD_SA of the owner takes the traffic
		 * over.
		 */
		err = install(t, p);
		if (!err)
			err = add_holder(k, p);
		if (err && install(t, &k->h[k->n - 1]))
			log_err("policy of reqid %u lost",
				k->h[k->n - 1].tmpl.reqid);
		return err;
	}
	k = calloc(1, sizeof(*k));
	if (!k || add_holder(k, p)) {
		free(k);
		return -ENOMEM;
	}
	set_owner(k, o);
	err = install(t, p);
	if (err) {
		free(k->h);
		free(k);
		return err;
	}
	if (xfrm_policy_get_index(t->xfrm, &p->sel, p->dir, &k->index))
		log_warn("no index for the policy of reqid %u (dir %u): %s; "
			 "it will be deleted by selector", p->tmpl.reqid,
			 p->dir, ext(t));
	k->next = t->held;
	t->held = k;
	return 0;
}

static void remove_policy(struct policy_table *t, struct kpolicy *k)
{
	const struct xfrm_policy_spec *p = &k->h[0];
	int err;

	err = k->index ? xfrm_policy_del_index(t->xfrm, k->index, p->dir) :
	      xfrm_policy_del(t->xfrm, &p->sel, p->dir);
	if (err && err != -ENOENT)
		log_warn("cannot delete policy %u (dir %u): %s%s%s", k->index,
			 p->dir, strerror(-err), ext(t)[0] ? ": " : "",
			 ext(t));
}

/* Drop @reqid from @k; true if @k has no holder left. */
static bool drop(struct policy_table *t, struct kpolicy *k, uint32_t reqid)
{
	size_t i;

	for (i = 0; i < k->n && k->h[i].tmpl.reqid != reqid; i++)
		;
	if (i == k->n)
		return false;
	if (k->n == 1) {
		remove_policy(t, k);
		return true;
	}
	memmove(&k->h[i], &k->h[i + 1], (k->n - i - 1) * sizeof(k->h[0]));
	k->n--;
	if (i == k->n) {	/* it was the installed one: hand over */
		log_info("policy %u (dir %u) handed from reqid %u to %u",
			 k->index, k->h[0].dir, reqid,
			 k->h[k->n - 1].tmpl.reqid);
		install(t, &k->h[k->n - 1]);
	}
	return false;
}

void policy_release(struct policy_table *t, uint32_t reqid)
{
	struct kpolicy **pk = &t->held, *k;

	while ((k = *pk)) {
		if (!drop(t, k, reqid)) {
			pk = &k->next;
			continue;
		}
		*pk = k->next;
		free(k->h);
		free(k);
	}
}

size_t policy_holders(const struct policy_table *t,
		      const struct xfrm_sel_spec *sel,
		      uint8_t dir)
{
	struct xfrm_policy_spec p = { .sel = *sel, .dir = dir };
	const struct kpolicy *k = find(t, &p);

	return k ? k->n : 0;
}
