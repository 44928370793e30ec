// SPDX-License-Identifier: GPL-2.0
/*
 * CREATE_CHILD_SA (RFC 7296 sections 1.3, 2.8, 2.9, 2.17, 2.18), both
 * roles: new CHILD_SAs, CHILD_SA rekeys, with a KE payload (PFS) when
 * the child's proposals carry a DH group, and IKE SA rekeys.
 *
 * The initiator of an IKE SA creates the connection's children after
 * the first one (made in IKE_AUTH) one request at a time, each with its
 * own proposals, nonces and selectors; a failed one leaves the IKE SA
 * and the others standing. A responder takes the first configured child
 * whose selectors and proposals fit the request, with its own reqid.
 *
 * A CHILD_SA successor gets the old one's reqid, so the installed
 * policies keep matching and traffic moves to the new SAs; the
 * initiator deletes the old CHILD_SA once the new one is installed. An
 * IKE SA successor takes over every CHILD_SA and the initiator deletes
 * the old IKE SA with an INFORMATIONAL on it. When both ends rekey the
 * same SA at once, the new SA with the lowest nonce is deleted by its
 * initiator (2.8.1, 2.8.2).
 */
#include <errno.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "ipsecmed/exchange.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"
#include "ipsecmed/rekey.h"
#include "ipsecmed/ts.h"

#define OUR_NONCE_LEN 32
/* Wait after TEMPORARY_FAILURE or a failed rekey before trying again
 * (RFC 7296 2.25: not immediately).
 */
#define REKEY_RETRY_MS 5000
/* A replaced IKE SA whose Delete does not come is given up after this. */
#define REPLACED_TIMEOUT_MS 30000

/*
 * Our CREATE_CHILD_SA request in flight, the private state of its task
 * (task.h): a new CHILD_SA (@child, no @old_spi), a CHILD_SA rekey (the
 * successor in @child, the old CHILD_SA's inbound SPI) or an IKE SA
 * rekey (@ike, the new IKE SA, not linked in yet, with its nonce and DH
 * key); for a CHILD_SA our nonce and, with a KE payload, our DH key.
 * The task holds it until the answer comes and frees it when the SA
 * ends first, so each request in flight has its own.
 */
struct ccsa_task {
	struct child_sa *child;
	uint32_t old_spi;
	struct ike_sa *ike;
	uint8_t ni[OUR_NONCE_LEN];
	struct ike_dh *dh;
};

static bool ike_rekey_inflight(const struct ike_sa *sa);
static bool child_inflight(const struct ike_sa *sa);
static struct ccsa_task *child_rekey_inflight(const struct ike_sa *sa,
					      uint32_t old_spi);

static uint32_t rnd32(void)
{
	uint32_t r;

	rand_bytes(&r, sizeof(r));
	return r;
}

void ike_lifetimes_start(struct ike_sa *sa)
{
	uint64_t now = now_ms();

	sa->rekey_at_ms = rekey_deadline(now, sa->conn->rekey_time, rnd32());
	sa->expire_at_ms = sa->conn->life_time ?
			   now + sa->conn->life_time * 1000ull : 0;
}

void child_lifetimes_start(struct child_sa *c)
{
	c->rekey_at_ms = c->cfg ? rekey_deadline(now_ms(), c->cfg->rekey_time,
						 rnd32()) : 0;
}

/* @c's SAs are in the kernel: its lifetimes run from now, and it is
 * listed first among @sa's CHILD_SAs.
 */
void child_attach(struct ike_sa *sa, struct child_sa *c)
{
	c->installed_ms = now_ms();
	child_lifetimes_start(c);
	c->state = CHILD_S_INSTALLED;
	c->next = sa->children;
	sa->children = c;
}

static unsigned long long spi64(const uint8_t *p)
{
	return (unsigned long long)ike_get_be32(p) << 32 | ike_get_be32(p + 4);
}

static struct child_sa *child_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	struct child_sa *c;

	for (c = sa->children; c; c = c->next)
		if (c->spi_out == spi)
			return c;
	return NULL;
}

static struct child_sa *child_by_spi_in(struct ike_sa *sa, uint32_t spi)
{
	struct child_sa *c;

	for (c = sa->children; c; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

bool child_reqid_in_use(const struct ike_sa *sa, uint32_t reqid)
{
	const struct child_sa *c;

	for (c = sa->children; c; c = c->next)
		if (c->reqid == reqid && c->state != CHILD_S_DELETING)
			return true;
	return false;
}

/* A successor of @old: same config, reqid, mode and selectors; a fresh
 * inbound SPI.
 */
static struct child_sa *child_successor(struct daemon *d, struct ike_sa *sa,
					const struct child_sa *old)
{
	struct child_sa *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	child_sa_set_cfg(c, old->cfg);
	c->reqid = old->reqid;
	c->mode = old->mode;
	c->ts_local = old->ts_local;
	c->ts_remote = old->ts_remote;
	if (kernel_alloc_spi(d, sa, c->reqid, &c->spi_in)) {
		child_sa_free(c);
		return NULL;
	}
	return c;
}

/* g^ir from our @dh and the peer's KE payload; 0 or -1. */
static int shared_secret(const struct ike_dh *dh, const struct ike_ke *ke,
			 uint8_t *gir, size_t *gir_len)
{
	const struct ike_dh_group *g = ike_dh_group(dh);

	if (ke->group != g->id || ike_dh_shared(dh, ke->data, ke->len, gir))
		return -1;
	*gir_len = g->shared_len;
	return 0;
}

static void answer_error(struct daemon *d, struct ike_sa *sa,
			 uint32_t msgid, uint16_t err, uint16_t group)
{
	static uint8_t plain[64];
	uint8_t g[2] = { group >> 8, group & 0xff };
	struct ike_builder b;

	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_notify(&b, 0, NULL, 0, err, g, group ? 2 : 0);
	sa_send_response(d, sa, IKE_CREATE_CHILD_SA, msgid, &b);
}

/* --- responder: CHILD_SA rekey --------------------------------------- */

/* The answer for a new or rekeyed CHILD_SA @c; wipes @nr. */
static void send_child_answer(struct daemon *d, struct ike_sa *sa,
			      uint32_t msgid, const struct child_sa *c,
			      const struct ccsa_req *r, uint8_t *nr,
			      const uint8_t *pub)
{
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_sa_payload answer = { .nprop = 1 };
	struct ike_builder b;

	answer.prop[0] = r->chosen;
	ikb_init_chain(&b, plain, sizeof(plain));
	if (c->mode == IPSEC_MODE_TRANSPORT)
		ikb_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ikb_sa(&b, &answer);
	ikb_nonce(&b, nr, OUR_NONCE_LEN);
	if (r->has_ke)
		ikb_ke(&b, r->suite.dh->id, pub, r->suite.dh->pub_len);
	ikb_ts(&b, IKE_PL_TSI, &c->ts_remote);
	ikb_ts(&b, IKE_PL_TSR, &c->ts_local);
	OPENSSL_cleanse(nr, OUR_NONCE_LEN);
	sa_send_response(d, sa, IKE_CREATE_CHILD_SA, msgid, &b);
}

/*
 * The selectors of a rekey (RFC 7296 2.9.2). The new CHILD_SA replaces
 * the old one and must not be narrower; its SAs take the old one's reqid
 * and so its policies, which stay as they are. So its selectors are the
 * old ones, exactly: child_successor() copies them, and they are what
 * we answer or install. The initiator SHOULD propose them or a superset;
 * we answer the old ones, and a request that leaves out any of them is
 * TS_UNACCEPTABLE. As initiator, an answer that leaves out any of them
 * is not installed and the new CHILD_SA is deleted (the old one lives
 * on until its hard lifetime; the next rekey is tried one rekey_time
 * later). Either way the peer's new SA would have been narrower than
 * the policies that send into it: traffic it did not agree to.
 */

/* Check @r against the old CHILD_SA and fill its successor @c. */
static uint16_t child_fill(struct child_sa *c, const struct child_sa *old,
			   struct ccsa_req *r)
{
	if (!ts_covers(&r->tsi, &old->ts_remote) ||
	    !ts_covers(&r->tsr, &old->ts_local))
		return IKE_N_TS_UNACCEPTABLE;
	if ((c->mode == IPSEC_MODE_TRANSPORT) != r->transport)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	c->suite = r->suite;
	c->spi_out = ike_get_be32(r->chosen.spi);
	ike_put_be32(r->chosen.spi, c->spi_in);
	return 0;
}

/* KEYMAT (with g^ir under PFS; our KE value to @pub) and the inbound SA.
 * For a rekey (@fresh false) the outbound one waits until the initiator
 * deletes the old CHILD_SA (it cannot decrypt on the new SA before it
 * has our answer); a new CHILD_SA gets both SAs and its policies.
 */
static uint16_t child_keys(struct daemon *d, struct ike_sa *sa,
			   struct child_sa *c, const struct ccsa_req *r,
			   const uint8_t *nr, uint8_t *pub, bool fresh)
{
	uint8_t gir[IKE_DH_MAX_SHARED];
	size_t gir_len = 0;
	struct ike_dh *dh = NULL;
	uint16_t err = 0;
	int ret;

	if (r->has_ke) {
		dh = ike_dh_new(r->suite.dh);
		if (!dh || ike_dh_public(dh, pub))
			err = IKE_N_TEMPORARY_FAILURE;
		else if (shared_secret(dh, &r->ke, gir, &gir_len))
			err = IKE_N_INVALID_SYNTAX;	/* bad KE value */
		ike_dh_free(dh);
	}
	if (!err && child_sa_derive(sa, c, r->nonce, r->nonce_len, nr,
				   OUR_NONCE_LEN, r->has_ke ? gir : NULL,
				   gir_len))
		err = IKE_N_TEMPORARY_FAILURE;
	/* Another peer's selectors are refused as for ours (2.9). */
	if (!err && (ret = kernel_install(d, sa, c, fresh, fresh)))
		err = ret == -EADDRINUSE ? IKE_N_TS_UNACCEPTABLE :
		      IKE_N_TEMPORARY_FAILURE;
	OPENSSL_cleanse(gir, sizeof(gir));
	return err;
}

static void answer_child_rekey(struct daemon *d, struct ike_sa *sa,
			       struct ike_msg *m, struct ccsa_req *r)
{
	struct child_sa *old = child_by_spi_out(sa, r->rekey_spi), *c;
	uint8_t nr[OUR_NONCE_LEN], pub[IKE_DH_MAX_PUB];
	uint16_t err;

	/* Unknown, being deleted or replaced already (2.25.1), or the
	 * successor of one whose Delete has not come yet: a peer that
	 * rekeyed each successor and never deleted would have us hold
	 * CHILD_SAs without bound.
	 */
	if (!old || old->state != CHILD_S_INSTALLED || old->out_pending) {
		log_info("%s: peer rekeys %s CHILD_SA %08x", sa->conn->name,
			 !old ? "an unknown" : old->out_pending ?
			 "a successor (its predecessor not deleted yet), a" :
			 "a replaced", r->rekey_spi);
		answer_error(d, sa, m->hdr.msgid, old ?
			     IKE_N_TEMPORARY_FAILURE :
			     IKE_N_CHILD_SA_NOT_FOUND, 0);
		return;
	}
	c = child_successor(d, sa, old);
	if (!c) {
		answer_error(d, sa, m->hdr.msgid, IKE_N_TEMPORARY_FAILURE, 0);
		return;
	}
	rand_bytes(nr, sizeof(nr));
	err = child_fill(c, old, r);
	if (!err)
		err = child_keys(d, sa, c, r, nr, pub, false);
	if (err) {
		log_warn("%s: CHILD_SA rekey refused: notify %u",
			 sa->conn->name, err);
		kernel_remove(d, sa, c, false);	/* the reserved SPI */
		child_sa_free(c);
		OPENSSL_cleanse(nr, sizeof(nr));
		answer_error(d, sa, m->hdr.msgid, err, 0);
		return;
	}
	if (child_rekey_inflight(sa, old->spi_in)) {
		/* Both ends rekey it (2.8.1): settled on our answer. */
		sa->coll = true;
		sa->coll_spi = old->spi_in;
		memcpy(sa->coll_ni, r->nonce, r->nonce_len);
		sa->coll_ni_len = r->nonce_len;
		memcpy(sa->coll_nr, nr, sizeof(nr));
		log_info("%s: simultaneous rekey of CHILD_SA %08x",
			 sa->conn->name, old->spi_in);
	}
	c->out_pending = true;
	child_attach(sa, c);
	old->state = CHILD_S_REKEYED;
	log_info("%s: CHILD_SA %s rekeyed by the peer, SPIs %08x/%08x -> "
		 "%08x/%08x%s", sa->conn->name, c->cfg->name, old->spi_in,
		 old->spi_out, c->spi_in, c->spi_out,
		 r->has_ke ? ", with PFS" : "");
	send_child_answer(d, sa, m->hdr.msgid, c, r, nr, pub);
}

/* --- responder: new CHILD_SA ----------------------------------------- */

/* CHILD_SAs of @sa that count against max_child_sas: one per reqid, so
 * a CHILD_SA and the successor of its rekey count once, and not the
 * ones being deleted.
 */
static uint32_t children_live(const struct ike_sa *sa)
{
	const struct child_sa *c, *e;
	uint32_t n = 0;

	for (c = sa->children; c; c = c->next) {
		if (c->state == CHILD_S_DELETING)
			continue;
		for (e = sa->children; e != c; e = e->next)
			if (e->reqid == c->reqid && e->state != CHILD_S_DELETING)
				break;
		n += e == c;
	}
	return n;
}

static void answer_new_child(struct daemon *d, struct ike_sa *sa,
			     struct ike_msg *m)
{
	static struct ccsa_req r;
	const struct conf_conn *conn = sa->conn;
	const struct conf_child *cfg;
	struct ike_ts_payload tl, tr;
	uint8_t nr[OUR_NONCE_LEN], pub[IKE_DH_MAX_PUB];
	struct child_sa *c = NULL;
	char algs[96];
	uint16_t err;
	size_t i = 0;

	err = ccsa_match_child(m, conn->children, conn->n_children,
			       &sa->path.ep.local, &sa->path.ep.remote, &r, &i, &tl,
			       &tr);
	/* Closing, replaced, or its IKE SA being rekeyed (2.25.2). */
	if (!err && (sa->state != IKE_S_ESTABLISHED || sa->successor_id ||
		     ike_rekey_inflight(sa)))
		err = IKE_N_TEMPORARY_FAILURE;
	/* A peer may not pile up CHILD_SAs without bound (3.10.1). */
	if (!err && children_live(sa) >= conn->max_child_sas) {
		log_warn("%s: peer %s has %u CHILD_SAs on IKE SA #%u, the "
			 "max_child_sas", conn->name, sa->remote_id,
			 children_live(sa), sa->id);
		err = IKE_N_NO_ADDITIONAL_SAS;
	}
	if (!err) {
		cfg = &conn->children[i];
		c = child_new(d, sa, cfg, false);
		err = c ? 0 : IKE_N_TEMPORARY_FAILURE;
	}
	if (!err) {
		c->ts_local = tl;
		c->ts_remote = tr;
		c->mode = r.transport && cfg->mode == IPSEC_MODE_TRANSPORT ?
			  IPSEC_MODE_TRANSPORT : IPSEC_MODE_TUNNEL;
		c->suite = r.suite;
		c->spi_out = ike_get_be32(r.chosen.spi);
		ike_put_be32(r.chosen.spi, c->spi_in);
		rand_bytes(nr, sizeof(nr));
		err = child_keys(d, sa, c, &r, nr, pub, true);
	}
	if (err) {
		log_warn("%s: new CHILD_SA from the peer refused: notify %u",
			 conn->name, err);
		if (c) {
			kernel_remove(d, sa, c, false);
			child_sa_free(c);
		}
		OPENSSL_cleanse(nr, sizeof(nr));
		answer_error(d, sa, m->hdr.msgid, err, r.want_group);
		return;
	}
	child_attach(sa, c);
	prop_suite_str(&c->suite, algs, sizeof(algs));
	log_info("%s: CHILD_SA %s created by the peer, SPIs %08x in %08x "
		 "out, %s, %s%s", conn->name, cfg->name, c->spi_in, c->spi_out,
		 c->mode == IPSEC_MODE_TUNNEL ? "tunnel" : "transport", algs,
		 r.has_ke ? ", with PFS" : "");
	send_child_answer(d, sa, m->hdr.msgid, c, &r, nr, pub);
}

/* --- responder: IKE SA rekey ----------------------------------------- */

/* A new IKE SA in the place of @old: same peer, connection, identity. */
static struct ike_sa *ike_successor(const struct ike_sa *old, bool initiator)
{
	struct ike_sa *n = ike_sa_new(old->conn, initiator);
	uint8_t *spi;

	if (!n)
		return NULL;
	path_copy(&n->path, &old->path);
	n->nat = old->nat;
	memcpy(n->remote_id, old->remote_id, sizeof(n->remote_id));
	memcpy(n->peer_id, old->peer_id, sizeof(n->peer_id));
	n->peer_id_len = old->peer_id_len;
	spi = initiator ? n->spi_i : n->spi_r;
	do
		rand_bytes(spi, IKE_SPI_LEN);
	while (!memcmp(spi, "\0\0\0\0\0\0\0\0", IKE_SPI_LEN));
	return n;
}

static void ike_up(struct daemon *d, struct ike_sa *n)
{
	char algs[128];

	n->state = IKE_S_ESTABLISHED;
	n->established_ms = n->last_rx_ms = now_ms();
	ike_lifetimes_start(n);
	if (n->conn->dpd_delay)
		n->dpd_next_ms = n->established_ms +
				 n->conn->dpd_delay * 1000ull;
	daemon_add_sa(d, n);
	prop_suite_str(&n->suite, algs, sizeof(algs));
	log_info("%s: IKE SA #%u established by rekeying (%s)",
		 n->conn->name, n->id, algs);
}

/* The CHILD_SAs of @old move to @n; @old waits for its Delete. */
static void hand_over(struct ike_sa *old, struct ike_sa *n)
{
	struct child_sa **pc = &n->children;

	while (*pc)
		pc = &(*pc)->next;
	*pc = old->children;
	old->children = NULL;
	old->successor_id = n->id;
	old->replaced_ms = now_ms();
	log_info("%s: IKE SA #%u (%016llx_i %016llx_r) replaced by #%u "
		 "(%016llx_i %016llx_r)", old->conn->name, old->id,
		 spi64(old->spi_i), spi64(old->spi_r), n->id, spi64(n->spi_i),
		 spi64(n->spi_r));
}

void ike_rekey_hand_over(struct daemon *d, struct ike_sa *old)
{
	struct ike_sa *n;

	if (!old->coll || !old->coll_ike_id)
		return;
	n = ike_sa_by_id(d->sas, old->coll_ike_id);
	old->coll = false;
	if (n)
		hand_over(old, n);
}

/* Whether a CHILD_SA of @sa is being created (or waits to be), rekeyed
 * or deleted.
 */
static bool children_busy(const struct ike_sa *sa)
{
	const struct child_sa *c;

	if (child_inflight(sa) || sa->next_child)
		return true;
	for (c = sa->children; c; c = c->next)
		if (c->state != CHILD_S_INSTALLED || c->out_pending)
			return true;
	return false;
}

static uint16_t ike_keys(struct ike_sa *sa, struct ike_sa *n,
			 const struct ccsa_req *r, uint8_t *pub)
{
	uint8_t gir[IKE_DH_MAX_SHARED];
	size_t gir_len;
	uint16_t err = 0;

	n->suite = r->suite;
	memcpy(n->spi_i, r->chosen.spi, IKE_SPI_LEN);
	memcpy(n->ni, r->nonce, r->nonce_len);
	n->ni_len = r->nonce_len;
	n->nr_len = OUR_NONCE_LEN;
	rand_bytes(n->nr, n->nr_len);
	n->dh = ike_dh_new(r->suite.dh);
	if (!n->dh || ike_dh_public(n->dh, pub))
		err = IKE_N_TEMPORARY_FAILURE;
	else if (shared_secret(n->dh, &r->ke, gir, &gir_len))
		err = IKE_N_INVALID_SYNTAX;
	else if (ike_sa_derive_rekey(n, sa, gir, gir_len))
		err = IKE_N_TEMPORARY_FAILURE;
	OPENSSL_cleanse(gir, sizeof(gir));
	ike_dh_free(n->dh);
	n->dh = NULL;
	return err;
}

static void answer_ike_rekey(struct daemon *d, struct ike_sa *sa,
			     struct ike_msg *m, struct ccsa_req *r)
{
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_sa_payload answer = { .nprop = 1 };
	uint8_t pub[IKE_DH_MAX_PUB];
	struct ike_builder b;
	struct ike_sa *n;
	uint16_t err;

	/* Closing it, replaced already, or a CHILD_SA exchange of ours
	 * in flight: try later (2.25.1, 2.25.2).
	 */
	if (sa->state != IKE_S_ESTABLISHED || sa->successor_id ||
	    children_busy(sa)) {
		log_info("%s: IKE SA rekey by the peer: temporary failure",
			 sa->conn->name);
		answer_error(d, sa, m->hdr.msgid, IKE_N_TEMPORARY_FAILURE, 0);
		return;
	}
	n = ike_successor(sa, false);
	err = n ? ike_keys(sa, n, r, pub) : IKE_N_TEMPORARY_FAILURE;
	if (err) {
		log_warn("%s: IKE SA rekey refused: notify %u",
			 sa->conn->name, err);
		ike_sa_free(n);
		answer_error(d, sa, m->hdr.msgid, err, 0);
		return;
	}
	answer.prop[0] = r->chosen;
	memcpy(answer.prop[0].spi, n->spi_r, IKE_SPI_LEN);
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_sa(&b, &answer);
	ikb_nonce(&b, n->nr, n->nr_len);
	ikb_ke(&b, r->suite.dh->id, pub, r->suite.dh->pub_len);
	if (sa_send_response(d, sa, IKE_CREATE_CHILD_SA, m->hdr.msgid, &b)) {
		ike_sa_free(n);
		return;
	}
	ike_up(d, n);
	if (ike_rekey_inflight(sa)) {
		/* Both ends rekey it (2.8.2): who keeps the CHILD_SAs is
		 * settled when our own answer comes.
		 */
		sa->coll = true;
		memcpy(sa->coll_ni, n->ni, n->ni_len);
		sa->coll_ni_len = n->ni_len;
		memcpy(sa->coll_nr, n->nr, OUR_NONCE_LEN);
		sa->coll_spi = 0;
		sa->coll_ike_id = n->id;
		log_info("%s: simultaneous rekey of IKE SA #%u",
			 sa->conn->name, sa->id);
		return;
	}
	hand_over(sa, n);
}

void child_handle_request(struct daemon *d, struct ike_sa *sa,
			  struct ike_msg *m)
{
	static struct ccsa_req r;
	const struct conf_child *cfg;
	struct child_sa *old;
	uint16_t err;

	/* A first pass finds REKEY_SA: the CHILD_SA it names gives the
	 * ESP proposals to choose from.
	 */
	ccsa_parse_request(m, NULL, 0, NULL, 0, &r);
	if (r.proto == IKE_PROTO_ESP && !r.rekey) {
		answer_new_child(d, sa, m);
		return;
	}
	old = r.rekey ? child_by_spi_out(sa, r.rekey_spi) : NULL;
	cfg = old ? old->cfg : NULL;
	err = ccsa_parse_request(m, sa->conn->ike, sa->conn->n_ike,
				 cfg ? cfg->esp : NULL, cfg ? cfg->n_esp : 0,
				 &r);
	if (!err && sa->state != IKE_S_ESTABLISHED)
		err = IKE_N_TEMPORARY_FAILURE;
	if (!err && r.proto == IKE_PROTO_ESP && ike_rekey_inflight(sa))
		err = IKE_N_TEMPORARY_FAILURE;	/* 2.25.2 */
	if (err == IKE_N_NO_ADDITIONAL_SAS && r.rekey && !old) {
		err = IKE_N_CHILD_SA_NOT_FOUND;
		log_info("%s: peer rekeys an unknown CHILD_SA %08x",
			 sa->conn->name, r.rekey_spi);
	}
	if (err) {
		log_warn("%s: CREATE_CHILD_SA from the peer refused: notify "
			 "%u", sa->conn->name, err);
		answer_error(d, sa, m->hdr.msgid, err, r.want_group);
		return;
	}
	if (r.proto == IKE_PROTO_IKE)
		answer_ike_rekey(d, sa, m, &r);
	else
		answer_child_rekey(d, sa, m, &r);
}

/* --- initiator: requests --------------------------------------------- */

static void child_create_done(struct daemon *d, struct ike_sa *sa,
			      void *priv, struct ike_msg *m);
static void child_rekey_done(struct daemon *d, struct ike_sa *sa,
			     void *priv, struct ike_msg *m);
static void ike_rekey_done(struct daemon *d, struct ike_sa *sa, void *priv,
			   struct ike_msg *m);

/* Free @t and what it negotiates; with @d, the SPI reserved for its
 * CHILD_SA goes too.
 */
static void ccsa_task_free(struct daemon *d, struct ike_sa *sa,
			   struct ccsa_task *t)
{
	if (!t)
		return;
	if (t->child) {
		if (d)
			kernel_remove(d, sa, t->child, false);
		child_sa_free(t->child);
	}
	ike_sa_free(t->ike);
	ike_dh_free(t->dh);
	OPENSSL_cleanse(t->ni, sizeof(t->ni));
	free(t);
}

static void ccsa_release(struct daemon *d, struct ike_sa *sa, void *priv)
{
	ccsa_task_free(d, sa, priv);
}

static bool ccsa_remap(struct ike_sa *sa, void *priv,
		       const struct conf_conn *conn)
{
	struct ccsa_task *t = priv;

	if (t->ike)
		ike_sa_set_conn(t->ike, conn);
	return child_sa_remap(t->child, conn);
}

static const struct task_ops child_create_task = {
	"new CHILD_SA", IKE_CREATE_CHILD_SA, child_create_done, ccsa_release,
	ccsa_remap,
};
static const struct task_ops child_rekey_task = {
	"CHILD_SA rekey", IKE_CREATE_CHILD_SA, child_rekey_done, ccsa_release,
	ccsa_remap,
};
static const struct task_ops ike_rekey_task = {
	"IKE SA rekey", IKE_CREATE_CHILD_SA, ike_rekey_done, ccsa_release,
	ccsa_remap,
};

static bool ike_rekey_inflight(const struct ike_sa *sa)
{
	return task_inflight(&sa->tasks, &ike_rekey_task);
}

/* A new CHILD_SA or a CHILD_SA rekey of ours. */
static bool child_inflight(const struct ike_sa *sa)
{
	return task_inflight(&sa->tasks, &child_create_task) ||
	       task_inflight(&sa->tasks, &child_rekey_task);
}

bool ccsa_inflight(const struct ike_sa *sa)
{
	return child_inflight(sa) || ike_rekey_inflight(sa);
}

/* Our rekey in flight of the CHILD_SA with inbound SPI @old_spi. */
static struct ccsa_task *child_rekey_inflight(const struct ike_sa *sa,
					      uint32_t old_spi)
{
	const struct ike_task *t;
	struct ccsa_task *ct;

	for (t = sa->tasks.inflight; t; t = t->next) {
		ct = t->priv;
		if (t->ops == &child_rekey_task && ct->old_spi == old_spi)
			return ct;
	}
	return NULL;
}

/* Send the request for @c, its task's from now on: a new CHILD_SA, or
 * the successor of the CHILD_SA with inbound SPI @old_spi. @group: the
 * DH group for a KE payload (0: no PFS). On failure @c is dropped.
 */
static int child_request_send(struct daemon *d, struct ike_sa *sa,
			      struct child_sa *c, uint32_t old_spi,
			      uint16_t group)
{
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_sa_payload offer;
	uint8_t spi[4], pub[IKE_DH_MAX_PUB];
	struct ike_builder b;
	struct ccsa_task *t = calloc(1, sizeof(*t));
	int err;

	if (!t) {
		kernel_remove(d, sa, c, false);
		child_sa_free(c);
		return -1;
	}
	c->initiator = true;
	t->child = c;
	if (group) {
		t->dh = ike_dh_new(ike_dh_group_find(group));
		if (!t->dh || ike_dh_public(t->dh, pub)) {
			ccsa_task_free(d, sa, t);
			return -1;
		}
	}
	t->old_spi = old_spi;
	rand_bytes(t->ni, sizeof(t->ni));
	ikb_init_chain(&b, plain, sizeof(plain));
	if (old_spi) {
		ike_put_be32(spi, old_spi);
		ikb_notify(&b, IKE_PROTO_ESP, spi, 4, IKE_N_REKEY_SA, NULL,
			   0);
	}
	if (c->mode == IPSEC_MODE_TRANSPORT)
		ikb_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ike_put_be32(spi, c->spi_in);
	prop_offer(c->cfg->esp, c->cfg->n_esp, IKE_PROTO_ESP, spi, 4,
		   group != 0, group, &offer);
	ikb_sa(&b, &offer);
	ikb_nonce(&b, t->ni, sizeof(t->ni));
	if (group)
		ikb_ke(&b, group, pub, ike_dh_group(t->dh)->pub_len);
	ikb_ts(&b, IKE_PL_TSI, &c->ts_local);
	ikb_ts(&b, IKE_PL_TSR, &c->ts_remote);
	err = sa_send_request(d, sa, old_spi ? &child_rekey_task :
			      &child_create_task, t, &b);
	if (err)
		ccsa_task_free(d, sa, t);
	return err;
}

/* The group to offer for @old's rekey: the one INVALID_KE_PAYLOAD asked
 * for, else the first configured one (0: no PFS).
 */
static int child_rekey_send(struct daemon *d, struct ike_sa *sa,
			    struct child_sa *old, uint16_t group)
{
	struct child_sa *c = child_successor(d, sa, old);

	if (!c)
		return -1;
	log_info("%s: rekeying CHILD_SA %s (%08x/%08x)%s", sa->conn->name,
		 old->cfg->name, old->spi_in, old->spi_out,
		 group ? " with PFS" : "");
	return child_request_send(d, sa, c, old->spi_in, group);
}

/* A new CHILD_SA of @cfg, with PFS if @group. */
static int child_create_send(struct daemon *d, struct ike_sa *sa,
			     const struct conf_child *cfg, uint16_t group)
{
	struct child_sa *c = child_new(d, sa, cfg, true);

	if (!c)
		return -1;
	log_info("%s: creating CHILD_SA %s%s", sa->conn->name, cfg->name,
		 group ? " with PFS" : "");
	return child_request_send(d, sa, c, 0, group);
}

/* The child of @sa->next_child is done (failed if @why); after the
 * last one, answer a waiting "up", naming the first failure.
 */
static void child_create_next(struct daemon *d, struct ike_sa *sa,
			      const char *why)
{
	const struct conf_conn *conn = sa->conn;

	if (why && !sa->failure[0] && sa->next_child < conn->n_children)
		snprintf(sa->failure, sizeof(sa->failure), "CHILD_SA %s: %s",
			 conn->children[sa->next_child].name, why);
	if (++sa->next_child < conn->n_children)
		return;
	sa->next_child = 0;
	sa_report(d, sa, sa->failure[0] ? sa->failure : NULL);
}

int child_create_due(struct daemon *d, struct ike_sa *sa)
{
	const struct conf_child *cfg;

	if (!sa->next_child || ccsa_inflight(sa) ||
	    task_window_full(&sa->tasks) || sa->successor_id ||
	    sa->state != IKE_S_ESTABLISHED)
		return 0;
	if (sa->next_child >= sa->conn->n_children) {
		/* A reload took children away. */
		sa->next_child = sa->conn->n_children - 1;
		child_create_next(d, sa, NULL);
		return 0;
	}
	cfg = &sa->conn->children[sa->next_child];
	if (child_create_send(d, sa, cfg, prop_first_group(cfg->esp,
							   cfg->n_esp))) {
		log_warn("%s: cannot start creating CHILD_SA %s",
			 sa->conn->name, cfg->name);
		child_create_next(d, sa, "cannot send the request");
		return 0;
	}
	return 1;
}

int child_rekey_due(struct daemon *d, struct ike_sa *sa, uint64_t now)
{
	struct child_sa *c;
	uint16_t group;

	if (ccsa_inflight(sa) || task_window_full(&sa->tasks) ||
	    sa->successor_id)
		return 0;
	for (c = sa->children; c; c = c->next) {
		if (c->state != CHILD_S_INSTALLED || !c->rekey_at_ms ||
		    now < c->rekey_at_ms)
			continue;
		/* On failure, try again one rekey_time later. A request
		 * that is out is retransmitted even if its first send
		 * failed.
		 */
		child_lifetimes_start(c);
		group = prop_first_group(c->cfg->esp, c->cfg->n_esp);
		if (child_rekey_send(d, sa, c, group)) {
			log_warn("%s: cannot start the CHILD_SA rekey",
				 sa->conn->name);
			return 0;
		}
		return 1;
	}
	return 0;
}

static int ike_rekey_send(struct daemon *d, struct ike_sa *sa, uint16_t group)
{
	static uint8_t plain[IKE_MAX_MSG];
	const struct conf_conn *conn = sa->conn;
	struct ike_sa_payload offer;
	uint8_t pub[IKE_DH_MAX_PUB];
	struct ike_builder b;
	struct ccsa_task *t = calloc(1, sizeof(*t));
	struct ike_sa *n = t ? ike_successor(sa, true) : NULL;
	int err;

	if (!n) {
		free(t);
		return -1;
	}
	t->ike = n;
	n->ke_group = group;
	n->ni_len = OUR_NONCE_LEN;
	rand_bytes(n->ni, n->ni_len);
	n->dh = ike_dh_new(ike_dh_group_find(group));
	if (!n->dh || ike_dh_public(n->dh, pub)) {
		ccsa_task_free(d, sa, t);
		return -1;
	}
	prop_offer(conn->ike, conn->n_ike, IKE_PROTO_IKE, n->spi_i,
		   IKE_SPI_LEN, true, group, &offer);
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_sa(&b, &offer);
	ikb_nonce(&b, n->ni, n->ni_len);
	ikb_ke(&b, group, pub, ike_dh_group(n->dh)->pub_len);
	log_info("%s: rekeying IKE SA #%u", conn->name, sa->id);
	err = sa_send_request(d, sa, &ike_rekey_task, t, &b);
	if (err)
		ccsa_task_free(d, sa, t);
	return err;
}

int ike_rekey_due(struct daemon *d, struct ike_sa *sa, uint64_t now)
{
	if (sa->state != IKE_S_ESTABLISHED || task_window_full(&sa->tasks))
		return 0;
	if (sa->successor_id) {
		/* The peer rekeyed it but never deleted it. */
		if (now >= sa->replaced_ms + REPLACED_TIMEOUT_MS)
			info_send_delete(d, sa);
		return sa->successor_id && sa->state == IKE_S_DELETING;
	}
	if (sa->expire_at_ms && now >= sa->expire_at_ms) {
		log_info("%s: IKE SA #%u reached its life_time",
			 sa->conn->name, sa->id);
		sa_delete(d, sa);
		return 1;
	}
	if (!sa->rekey_at_ms || now < sa->rekey_at_ms ||
	    ike_rekey_inflight(sa) || children_busy(sa))
		return 0;
	sa->rekey_at_ms = now + REKEY_RETRY_MS;
	if (ike_rekey_send(d, sa, sa->suite.dh ? sa->suite.dh->id :
			   prop_first_group(sa->conn->ike, sa->conn->n_ike))) {
		log_warn("%s: cannot start the IKE SA rekey", sa->conn->name);
		return 0;
	}
	return 1;
}

/* --- initiator: answers ---------------------------------------------- */

/* The answer's selectors @ti/@tr for @c: a new CHILD_SA takes them
 * narrowed to ours, a rekey must keep the old ones, which @c has (see
 * child_fill()). NULL or why not.
 */
static const char *answer_ts(struct child_sa *c,
			     const struct ike_ts_payload *ti,
			     const struct ike_ts_payload *tr, bool rekey)
{
	struct ike_ts_payload ours;

	if (rekey)
		return ts_covers(ti, &c->ts_local) &&
		       ts_covers(tr, &c->ts_remote) ? NULL :
		       "peer narrowed the selectors of the rekeyed CHILD_SA";
	ours = c->ts_local;
	if (ts_narrow(&ours, ti, &c->ts_local))
		return "peer's TSi are not within ours";
	ours = c->ts_remote;
	if (ts_narrow(&ours, tr, &c->ts_remote))
		return "peer's TSr are not within ours";
	return NULL;
}

/* Check the answer to our new or (@rekey) rekeyed CHILD_SA and fill
 * @c, our request's with DH key @dh (NULL: no PFS); NULL or why not.
 */
static const char *child_answer(struct child_sa *c, const struct ike_dh *dh,
				const struct ike_msg *m, bool rekey,
				const uint8_t **nr, uint16_t *nr_len,
				uint8_t *gir, size_t *gir_len)
{
	const struct ike_payload *sap = ike_msg_first(m, IKE_PL_SA);
	const struct ike_payload *np = ike_msg_first(m, IKE_PL_NONCE);
	const struct ike_payload *kep = ike_msg_first(m, IKE_PL_KE);
	const struct ike_payload *tsi = ike_msg_first(m, IKE_PL_TSI);
	const struct ike_payload *tsr = ike_msg_first(m, IKE_PL_TSR);
	static struct ike_sa_payload sa_pl;
	struct ike_ts_payload ti, tr;
	bool pfs = dh != NULL;
	struct ike_ke ke;
	const char *why;

	if (!sap || !np || !tsi || !tsr || ike_sa_decode(sap, &sa_pl, NULL) ||
	    ike_nonce_decode(np, nr, nr_len, NULL) ||
	    ike_ts_decode(tsi, &ti, NULL) || ike_ts_decode(tsr, &tr, NULL))
		return "malformed answer";
	if (prop_accept(c->cfg->esp, c->cfg->n_esp, IKE_PROTO_ESP, pfs,
			&sa_pl, &c->suite) || sa_pl.prop[0].spi_size != 4 ||
	    (pfs && c->suite.dh != ike_dh_group(dh)) ||
	    (!pfs && c->suite.dh))
		return "peer answered with an ESP proposal we did not offer";
	if (pfs && (!kep || ike_ke_decode(kep, &ke, NULL) ||
		    shared_secret(dh, &ke, gir, gir_len)))
		return "missing, wrong or invalid KE payload";
	c->spi_out = ike_get_be32(sa_pl.prop[0].spi);
	if ((why = answer_ts(c, &ti, &tr, rekey)))
		return why;
	if ((why = ts_exact(&c->ts_local, &c->ts_remote,
			    c->mode == IPSEC_MODE_TRANSPORT)))
		return why;
	if ((c->mode == IPSEC_MODE_TRANSPORT) !=
	    ike_msg_has_notify(m, IKE_N_USE_TRANSPORT_MODE))
		return "peer changed the mode";
	return NULL;
}

/* Delete a CHILD_SA (ours, redundant or replaced); it leaves the kernel
 * on the answer.
 */
static void delete_child(struct daemon *d, struct ike_sa *sa,
			 struct child_sa *old)
{
	static uint8_t plain[64];
	struct ike_builder b;
	uint8_t spi[4];

	old->state = CHILD_S_DELETING;
	ike_put_be32(spi, old->spi_in);
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_delete(&b, IKE_PROTO_ESP, 4, spi, 1);
	if (info_send_child_delete(d, sa, &b))
		log_warn("%s: cannot send the delete of CHILD_SA %08x",
			 sa->conn->name, old->spi_in);
}

void child_discard(struct daemon *d, struct ike_sa *sa, struct child_sa *c)
{
	if (c->installed)
		kernel_remove(d, sa, c, !child_reqid_in_use(sa, c->reqid));
	if (task_window_full(&sa->tasks) || sa->state != IKE_S_ESTABLISHED) {
		/* No room for the Delete: the peer's DPD or rekey finds
		 * out; nothing of it stays in our kernel.
		 */
		log_warn("%s: CHILD_SA %08x/%08x dropped without a Delete",
			 sa->conn->name, c->spi_in, c->spi_out);
		kernel_remove(d, sa, c, false);
		child_sa_free(c);
		return;
	}
	child_attach(sa, c);
	log_info("%s: deleting CHILD_SA %s (%08x/%08x) that we cannot use",
		 sa->conn->name, c->cfg->name, c->spi_in, c->spi_out);
	delete_child(d, sa, c);
}

/* Our rekey @t met the peer's (2.8.1): whether ours is the redundant
 * one.
 */
static bool child_collision_lost(struct ike_sa *sa,
				 const struct ccsa_task *t, const uint8_t *nr,
				 uint16_t nr_len)
{
	struct ike_nonces ours = { t->ni, sizeof(t->ni), nr, nr_len };
	struct ike_nonces theirs = { sa->coll_ni, sa->coll_ni_len,
				     sa->coll_nr, sizeof(sa->coll_nr) };
	bool lost;

	if (!sa->coll || sa->coll_spi != t->old_spi)
		return false;
	sa->coll = false;
	lost = rekey_ours_redundant(&ours, &theirs);
	log_info("%s: simultaneous CHILD_SA rekey: %s new CHILD_SA is "
		 "redundant", sa->conn->name, lost ? "our" : "the peer's");
	return lost;
}

static void child_rekey_done(struct daemon *d, struct ike_sa *sa,
			     void *priv, struct ike_msg *m)
{
	struct ccsa_task *t = priv;
	struct child_sa *c = t->child, *old;
	const uint8_t *nr = NULL;
	uint8_t gir[IKE_DH_MAX_SHARED];
	size_t gir_len = 0;
	uint16_t nr_len = 0, err = ike_msg_error(m);
	uint16_t group = ccsa_invalid_ke_group(m);
	uint16_t tried;
	const char *why;
	bool lost = false;

	t->child = NULL;
	old = child_by_spi_in(sa, t->old_spi);
	why = err ? "peer refused the rekey" :
	      child_answer(c, t->dh, m, true, &nr, &nr_len, gir, &gir_len);
	/* The peer's Delete of the old CHILD_SA crossed our rekey: its
	 * policies went with it, so the successor brings its own, or its
	 * traffic would leave in clear.
	 */
	if (!why) {
		lost = child_collision_lost(sa, t, nr, nr_len);
		if (child_sa_derive(sa, c, t->ni, sizeof(t->ni), nr, nr_len,
				    t->dh ? gir : NULL, gir_len) ||
		    kernel_install(d, sa, c, !old, !lost))
			why = "cannot install the new CHILD_SA";
	}
	OPENSSL_cleanse(gir, sizeof(gir));
	tried = t->dh ? ike_dh_group(t->dh)->id : 0;
	if (why && sa->coll && sa->coll_spi == t->old_spi)
		sa->coll = false;
	ccsa_task_free(d, sa, t);	/* its CHILD_SA is @c now */
	if (why) {
		log_warn("%s: CHILD_SA rekey failed: %s (notify %u)",
			 sa->conn->name, why, err);
		if (!err) {
			/* The peer has it: delete it there too. The old
			 * CHILD_SA stays.
			 */
			child_discard(d, sa, c);
			return;
		}
		kernel_remove(d, sa, c, false);
		child_sa_free(c);
		/* The peer wants another DH group that we allow: retry
		 * with it, once.
		 */
		if (err == IKE_N_INVALID_KE_PAYLOAD && old &&
		    old->state == CHILD_S_INSTALLED && group != tried &&
		    prop_group_allowed(old->cfg->esp, old->cfg->n_esp, group)) {
			log_info("%s: peer wants DH group %u for the CHILD_SA "
				 "rekey", sa->conn->name, group);
			if (child_rekey_send(d, sa, old, group))
				log_warn("%s: cannot retry the CHILD_SA rekey",
					 sa->conn->name);
		}
		return;
	}
	child_attach(sa, c);
	log_info("%s: CHILD_SA %s rekeyed, SPIs %08x/%08x -> %08x/%08x%s",
		 sa->conn->name, c->cfg->name, old ? old->spi_in : 0,
		 old ? old->spi_out : 0, c->spi_in, c->spi_out,
		 c->suite.dh ? ", with PFS" : "");
	if (lost)
		delete_child(d, sa, c);	/* the peer deletes the old */
	else if (old && old->state != CHILD_S_DELETING)
		delete_child(d, sa, old);
}

static void child_create_done(struct daemon *d, struct ike_sa *sa,
			      void *priv, struct ike_msg *m)
{
	struct ccsa_task *t = priv;
	struct child_sa *c = t->child;
	const struct conf_child *cfg = c->cfg;
	const uint8_t *nr = NULL;
	uint8_t gir[IKE_DH_MAX_SHARED];
	size_t gir_len = 0;
	uint16_t nr_len = 0, err = ike_msg_error(m);
	uint16_t group = ccsa_invalid_ke_group(m), tried;
	char algs[96], refused[64];
	const char *why;
	int ret;

	t->child = NULL;
	snprintf(refused, sizeof(refused), "peer refused it with error "
		 "notify %u", err);
	why = err ? refused :
	      child_answer(c, t->dh, m, false, &nr, &nr_len, gir, &gir_len);
	if (!why && child_sa_derive(sa, c, t->ni, sizeof(t->ni), nr, nr_len,
				    t->dh ? gir : NULL, gir_len))
		why = "cannot install it";
	if (!why && (ret = kernel_install(d, sa, c, true, true)))
		why = ret == -EADDRINUSE ? "its selectors are held by "
		      "CHILD_SAs of another peer or connection" :
		      "cannot install it";
	OPENSSL_cleanse(gir, sizeof(gir));
	tried = t->dh ? ike_dh_group(t->dh)->id : 0;
	ccsa_task_free(d, sa, t);	/* its CHILD_SA is @c now */
	if (why) {
		log_warn("%s: CHILD_SA %s not created: %s", sa->conn->name,
			 cfg->name, why);
		if (!err) {
			child_discard(d, sa, c);	/* the peer has it */
			child_create_next(d, sa, why);
			return;
		}
		kernel_remove(d, sa, c, false);
		child_sa_free(c);
		/* The peer wants another DH group that we allow: retry
		 * with it, once.
		 */
		if (err == IKE_N_INVALID_KE_PAYLOAD && group != tried &&
		    prop_group_allowed(cfg->esp, cfg->n_esp, group)) {
			log_info("%s: peer wants DH group %u for CHILD_SA %s",
				 sa->conn->name, group, cfg->name);
			if (!child_create_send(d, sa, cfg, group))
				return;
		}
		child_create_next(d, sa, why);
		return;
	}
	child_attach(sa, c);
	prop_suite_str(&c->suite, algs, sizeof(algs));
	log_info("%s: CHILD_SA %s created, SPIs %08x in %08x out, %s, %s%s",
		 sa->conn->name, cfg->name, c->spi_in, c->spi_out,
		 c->mode == IPSEC_MODE_TUNNEL ? "tunnel" : "transport", algs,
		 c->suite.dh ? ", with PFS" : "");
	child_create_next(d, sa, NULL);
}

/* Check the answer to our IKE SA rekey and key @n; NULL or why not. */
static const char *ike_answer(struct ike_sa *sa, struct ike_sa *n,
			      const struct ike_msg *m)
{
	const struct ike_payload *sap = ike_msg_first(m, IKE_PL_SA);
	const struct ike_payload *np = ike_msg_first(m, IKE_PL_NONCE);
	const struct ike_payload *kep = ike_msg_first(m, IKE_PL_KE);
	static struct ike_sa_payload sa_pl;
	uint8_t gir[IKE_DH_MAX_SHARED];
	size_t gir_len = 0;
	const uint8_t *nr;
	struct ike_ke ke;
	const char *why = NULL;

	if (!sap || !np || !kep || ike_sa_decode(sap, &sa_pl, NULL) ||
	    ike_nonce_decode(np, &nr, &n->nr_len, NULL) ||
	    ike_ke_decode(kep, &ke, NULL))
		return "malformed IKE SA rekey answer";
	if (prop_accept(sa->conn->ike, sa->conn->n_ike, IKE_PROTO_IKE, true,
			&sa_pl, &n->suite) ||
	    n->suite.dh->id != n->ke_group ||
	    sa_pl.prop[0].spi_size != IKE_SPI_LEN ||
	    !memcmp(sa_pl.prop[0].spi, "\0\0\0\0\0\0\0\0", IKE_SPI_LEN))
		return "peer answered with an IKE proposal we did not offer";
	memcpy(n->spi_r, sa_pl.prop[0].spi, IKE_SPI_LEN);
	memcpy(n->nr, nr, n->nr_len);
	if (shared_secret(n->dh, &ke, gir, &gir_len))
		why = "wrong or invalid KE payload";
	else if (ike_sa_derive_rekey(n, sa, gir, gir_len))
		why = "key derivation failed";
	OPENSSL_cleanse(gir, sizeof(gir));
	return why;
}

/* Our IKE SA rekey met the peer's (2.8.2): the CHILD_SAs go to the
 * surviving new IKE SA; the redundant one is deleted by its initiator,
 * the old one by the initiator of the survivor.
 */
static void ike_collision(struct daemon *d, struct ike_sa *sa,
			  struct ike_sa *n)
{
	struct ike_nonces ours = { n->ni, n->ni_len, n->nr, n->nr_len };
	struct ike_nonces theirs = { sa->coll_ni, sa->coll_ni_len,
				     sa->coll_nr, sizeof(sa->coll_nr) };
	struct ike_sa *peers = ike_sa_by_id(d->sas, sa->coll_ike_id);
	bool lost = peers && rekey_ours_redundant(&ours, &theirs);

	sa->coll = false;
	log_info("%s: simultaneous IKE SA rekey: %s new IKE SA is redundant",
		 sa->conn->name, lost ? "our" : "the peer's");
	if (lost) {
		hand_over(sa, peers);	/* the peer deletes the old SA */
		n->successor_id = peers->id;
		n->replaced_ms = now_ms();
		info_send_delete(d, n);
		return;
	}
	hand_over(sa, n);
	if (peers) {			/* the peer deletes it */
		peers->successor_id = n->id;
		peers->replaced_ms = now_ms();
	}
	info_send_delete(d, sa);
}

static void ike_rekey_done(struct daemon *d, struct ike_sa *sa, void *priv,
			   struct ike_msg *m)
{
	struct ccsa_task *t = priv;
	struct ike_sa *n = t->ike;
	uint16_t err = ike_msg_error(m), group = ccsa_invalid_ke_group(m);
	const char *why;

	t->ike = NULL;
	ccsa_task_free(d, sa, t);	/* its IKE SA is @n now */
	why = err ? "peer refused the rekey" : ike_answer(sa, n, m);
	ike_dh_free(n->dh);
	n->dh = NULL;
	if (why) {
		log_warn("%s: IKE SA rekey failed: %s (notify %u)",
			 sa->conn->name, why, err);
		ike_rekey_hand_over(d, sa);	/* the peer's one won */
		if (err == IKE_N_INVALID_KE_PAYLOAD && group != n->ke_group &&
		    !sa->successor_id &&
		    prop_group_allowed(sa->conn->ike, sa->conn->n_ike, group)) {
			log_info("%s: peer wants DH group %u for the IKE SA "
				 "rekey", sa->conn->name, group);
			ike_rekey_send(d, sa, group);
		}
		ike_sa_free(n);
		return;
	}
	ike_up(d, n);
	if (sa->coll) {
		ike_collision(d, sa, n);
		return;
	}
	hand_over(sa, n);
	info_send_delete(d, sa);
}


void child_rekey_switch_out(struct daemon *d, struct ike_sa *sa,
			    uint32_t reqid)
{
	struct child_sa *c;

	for (c = sa->children; c; c = c->next) {
		if (c->reqid != reqid || !c->out_pending ||
		    c->state != CHILD_S_INSTALLED)
			continue;
		c->out_pending = false;
		if (kernel_install_out(d, sa, c))
			log_err("%s: cannot install the outbound SA %08x",
				sa->conn->name, c->spi_out);
	}
}
