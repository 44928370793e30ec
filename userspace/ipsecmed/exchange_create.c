// SPDX-License-Identifier: GPL-2.0
/*
 * CREATE_CHILD_SA (RFC 7296 sections 1.3, 2.8): the responder's side of
 * a CHILD_SA rekey without PFS, in both roles. The new SAs get the old CHILD_SA's reqid,
 * so the installed policies keep matching and traffic moves to the new
 * SAs; the old CHILD_SA stays installed (state REKEYED) until the peer
 * deletes it; as initiator (on the child's rekey_time) we delete the old
 * CHILD_SA once the new one is installed. Anything else (a new CHILD_SA, an IKE SA rekey, a rekey
 * with a KE payload) is still refused with NO_ADDITIONAL_SAS or
 * NO_PROPOSAL_CHOSEN, keeping the IKE SA.
 */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "ipsecmed/daemon.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"
#include "ipsecmed/ts.h"

#define OUR_NONCE_LEN 32

/* The ESP SPI of the REKEY_SA notify (the peer's inbound SPI, our
 * outbound one). Returns 0 and sets @spi, or -1 if there is none.
 */
static int rekey_spi(const struct ike_msg *m, uint32_t *spi)
{
	const struct ike_payload *pl;
	unsigned int idx = 0;
	struct ike_notify n;

	while ((pl = ike_msg_find(m, IKE_PL_NOTIFY, &idx)))
		if (!ike_notify_decode(pl, &n, NULL) &&
		    n.type == IKE_N_REKEY_SA && n.proto == IKE_PROTO_ESP &&
		    n.spi_size == 4) {
			*spi = ike_get_be32(n.spi);
			return 0;
		}
	return -1;
}

static struct child_sa *child_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	struct child_sa *c;

	for (c = sa->children; c; c = c->next)
		if (c->spi_out == spi && c->state == CHILD_S_INSTALLED)
			return c;
	return NULL;
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
	c->cfg = old->cfg;
	c->reqid = old->reqid;
	c->mode = old->mode;
	c->ts_local = old->ts_local;
	c->ts_remote = old->ts_remote;
	if (kernel_alloc_spi(d, sa, c->reqid, &c->spi_in)) {
		free(c);
		return NULL;
	}
	return c;
}

struct rekey_req {
	struct child_sa *old;
	const uint8_t *ni;
	uint16_t ni_len;
	struct ike_proposal chosen;
};

/* Check the request against @r->old and fill the successor @c, or return
 * the error notify to answer with.
 */
static uint16_t rekey_parse(const struct ike_msg *m, struct rekey_req *r,
			    struct child_sa *c)
{
	const struct ike_payload *sap = ike_msg_first(m, IKE_PL_SA);
	const struct ike_payload *np = ike_msg_first(m, IKE_PL_NONCE);
	const struct ike_payload *tsi = ike_msg_first(m, IKE_PL_TSI);
	const struct ike_payload *tsr = ike_msg_first(m, IKE_PL_TSR);
	static struct ike_sa_payload sa_pl;
	struct ike_ts_payload ti, tr, l, rem;
	const struct conf_child *cfg = r->old->cfg;

	if (!sap || !np || !tsi || !tsr || ike_sa_decode(sap, &sa_pl, NULL) ||
	    ike_nonce_decode(np, &r->ni, &r->ni_len, NULL) ||
	    ike_ts_decode(tsi, &ti, NULL) || ike_ts_decode(tsr, &tr, NULL))
		return IKE_N_INVALID_SYNTAX;
	if (ike_msg_first(m, IKE_PL_KE))
		return IKE_N_NO_PROPOSAL_CHOSEN;	/* PFS: not yet */
	if (prop_select(cfg->esp, cfg->n_esp, IKE_PROTO_ESP, false, &sa_pl,
			&c->suite, &r->chosen) || r->chosen.spi_size != 4)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	l = r->old->ts_local;
	rem = r->old->ts_remote;
	if (ts_narrow(&rem, &ti, &c->ts_remote) ||
	    ts_narrow(&l, &tr, &c->ts_local))
		return IKE_N_TS_UNACCEPTABLE;
	if ((c->mode == IPSEC_MODE_TRANSPORT) !=
	    ike_msg_has_notify(m, IKE_N_USE_TRANSPORT_MODE))
		return IKE_N_NO_PROPOSAL_CHOSEN;
	c->spi_out = ike_get_be32(r->chosen.spi);
	ike_put_be32(r->chosen.spi, c->spi_in);
	return 0;
}

/* KEYMAT from SK_d and the new nonces, install the SAs (the policies
 * stay), link @c and mark @old replaced.
 */
static int rekey_install(struct daemon *d, struct ike_sa *sa,
			 struct child_sa *c, struct child_sa *old,
			 const struct rekey_req *r, const uint8_t *nr)
{
	if (child_sa_derive(sa, c, r->ni, r->ni_len, nr, OUR_NONCE_LEN,
			    NULL, 0) ||
	    kernel_install(d, sa, c, false, false))
		return -1;
	/* The initiator installs its new inbound SA only when it gets our
	 * answer: keep sending on the old SA until it deletes that.
	 */
	c->out_pending = true;
	c->installed_ms = now_ms();
	c->state = CHILD_S_INSTALLED;
	c->next = sa->children;
	sa->children = c;
	old->state = CHILD_S_REKEYED;
	log_info("%s: CHILD_SA %s rekeyed by the peer, SPIs %08x/%08x -> "
		 "%08x/%08x", sa->conn->name, c->cfg->name, old->spi_in,
		 old->spi_out, c->spi_in, c->spi_out);
	return 0;
}

static void answer_error(struct daemon *d, struct ike_sa *sa,
			 uint32_t msgid, uint16_t err)
{
	static uint8_t plain[64];
	struct ike_builder b;

	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_notify(&b, 0, NULL, 0, err, NULL, 0);
	sa_send_response(d, sa, IKE_CREATE_CHILD_SA, msgid, &b);
}

static void rekey_child(struct daemon *d, struct ike_sa *sa,
			struct ike_msg *m, uint32_t spi)
{
	static uint8_t plain[IKE_MAX_MSG];
	struct rekey_req r = { .old = child_by_spi_out(sa, spi) };
	struct ike_sa_payload answer = { .nprop = 1 };
	uint8_t nr[OUR_NONCE_LEN];
	struct ike_builder b;
	struct child_sa *c;
	uint16_t err;

	if (!r.old) {
		log_info("%s: peer rekeys unknown CHILD_SA %08x",
			 sa->conn->name, spi);
		answer_error(d, sa, m->hdr.msgid, IKE_N_CHILD_SA_NOT_FOUND);
		return;
	}
	c = child_successor(d, sa, r.old);
	if (!c) {
		answer_error(d, sa, m->hdr.msgid, IKE_N_TEMPORARY_FAILURE);
		return;
	}
	rand_bytes(nr, sizeof(nr));
	err = rekey_parse(m, &r, c);
	if (!err && rekey_install(d, sa, c, r.old, &r, nr))
		err = IKE_N_TEMPORARY_FAILURE;
	if (err) {
		log_warn("%s: CHILD_SA rekey refused: notify %u",
			 sa->conn->name, err);
		kernel_remove(d, sa, c, false);	/* the reserved SPI */
		child_sa_free(c);
		OPENSSL_cleanse(nr, sizeof(nr));
		answer_error(d, sa, m->hdr.msgid, err);
		return;
	}
	answer.prop[0] = r.chosen;
	ikb_init_chain(&b, plain, sizeof(plain));
	if (c->mode == IPSEC_MODE_TRANSPORT)
		ikb_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ikb_sa(&b, &answer);
	ikb_nonce(&b, nr, sizeof(nr));
	ikb_ts(&b, IKE_PL_TSI, &c->ts_remote);
	ikb_ts(&b, IKE_PL_TSR, &c->ts_local);
	OPENSSL_cleanse(nr, sizeof(nr));
	sa_send_response(d, sa, IKE_CREATE_CHILD_SA, m->hdr.msgid, &b);
}

void child_handle_request(struct daemon *d, struct ike_sa *sa,
			  struct ike_msg *m)
{
	uint32_t spi;

	if (sa->state == IKE_S_ESTABLISHED && !rekey_spi(m, &spi)) {
		rekey_child(d, sa, m, spi);
		return;
	}
	/* New CHILD_SAs and IKE SA rekeys are not negotiated yet: refuse
	 * them in a way the peer understands (RFC 7296 1.3), keeping the
	 * IKE SA.
	 */
	log_warn("%s: CREATE_CHILD_SA from the peer refused "
		 "(only CHILD_SA rekeys are supported)", sa->conn->name);
	answer_error(d, sa, m->hdr.msgid, IKE_N_NO_ADDITIONAL_SAS);
}

/* --- initiator ------------------------------------------------------ */

static struct child_sa *child_by_spi_in(struct ike_sa *sa, uint32_t spi)
{
	struct child_sa *c;

	for (c = sa->children; c; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

static int rekey_send(struct daemon *d, struct ike_sa *sa,
		      struct child_sa *old)
{
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_sa_payload offer;
	struct ike_builder b;
	uint8_t spi[4];
	struct child_sa *c = child_successor(d, sa, old);

	if (!c)
		return -1;
	c->initiator = true;
	sa->pending = c;
	sa->rekey_old_spi = old->spi_in;
	rand_bytes(sa->rekey_ni, sizeof(sa->rekey_ni));
	ikb_init_chain(&b, plain, sizeof(plain));
	ike_put_be32(spi, old->spi_in);
	ikb_notify(&b, IKE_PROTO_ESP, spi, 4, IKE_N_REKEY_SA, NULL, 0);
	if (c->mode == IPSEC_MODE_TRANSPORT)
		ikb_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ike_put_be32(spi, c->spi_in);
	prop_offer(c->cfg->esp, c->cfg->n_esp, IKE_PROTO_ESP, spi, 4, false,
		   0, &offer);
	ikb_sa(&b, &offer);
	ikb_nonce(&b, sa->rekey_ni, sizeof(sa->rekey_ni));
	ikb_ts(&b, IKE_PL_TSI, &c->ts_local);
	ikb_ts(&b, IKE_PL_TSR, &c->ts_remote);
	log_info("%s: rekeying CHILD_SA %s (%08x/%08x)", sa->conn->name,
		 old->cfg->name, old->spi_in, old->spi_out);
	return sa_send_request(d, sa, IKE_CREATE_CHILD_SA, &b);
}

int child_rekey_due(struct daemon *d, struct ike_sa *sa, uint64_t now)
{
	struct child_sa *c;

	if (sa->pending || sa->req_pending)
		return 0;
	for (c = sa->children; c; c = c->next) {
		if (c->state != CHILD_S_INSTALLED || !c->cfg->rekey_time ||
		    now < c->installed_ms + c->cfg->rekey_time * 1000ull)
			continue;
		/* On failure, try again one rekey_time later. */
		c->installed_ms = now;
		if (rekey_send(d, sa, c)) {
			log_warn("%s: cannot start the CHILD_SA rekey",
				 sa->conn->name);
			return 0;
		}
		return 1;
	}
	return 0;
}

/* Check the peer's answer and fill @c, or return why not. */
static const char *rekey_answer(struct ike_sa *sa, struct child_sa *c,
				const struct ike_msg *m, const uint8_t **nr,
				uint16_t *nr_len)
{
	const struct ike_payload *sap = ike_msg_first(m, IKE_PL_SA);
	const struct ike_payload *np = ike_msg_first(m, IKE_PL_NONCE);
	const struct ike_payload *tsi = ike_msg_first(m, IKE_PL_TSI);
	const struct ike_payload *tsr = ike_msg_first(m, IKE_PL_TSR);
	static struct ike_sa_payload sa_pl;
	struct ike_ts_payload ti, tr, ours;

	if (!sap || !np || !tsi || !tsr || ike_sa_decode(sap, &sa_pl, NULL) ||
	    ike_nonce_decode(np, nr, nr_len, NULL) ||
	    ike_ts_decode(tsi, &ti, NULL) || ike_ts_decode(tsr, &tr, NULL))
		return "malformed rekey answer";
	if (prop_accept(c->cfg->esp, c->cfg->n_esp, IKE_PROTO_ESP, false,
			&sa_pl, &c->suite) || sa_pl.prop[0].spi_size != 4)
		return "peer answered with an ESP proposal we did not offer";
	c->spi_out = ike_get_be32(sa_pl.prop[0].spi);
	ours = c->ts_local;
	if (ts_narrow(&ours, &ti, &c->ts_local))
		return "peer's TSi are not within ours";
	ours = c->ts_remote;
	if (ts_narrow(&ours, &tr, &c->ts_remote))
		return "peer's TSr are not within ours";
	if ((c->mode == IPSEC_MODE_TRANSPORT) !=
	    ike_msg_has_notify(m, IKE_N_USE_TRANSPORT_MODE))
		return "peer changed the mode";
	return NULL;
}

/* Delete the replaced CHILD_SA; it leaves the kernel on the answer. */
static void delete_old(struct daemon *d, struct ike_sa *sa,
		       struct child_sa *old)
{
	static uint8_t plain[64];
	struct ike_builder b;
	uint8_t spi[4];

	old->state = CHILD_S_DELETING;
	ike_put_be32(spi, old->spi_in);
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_delete(&b, IKE_PROTO_ESP, 4, spi, 1);
	if (sa_send_request(d, sa, IKE_INFORMATIONAL, &b))
		log_warn("%s: cannot send the delete of CHILD_SA %08x",
			 sa->conn->name, old->spi_in);
}

void child_handle_response(struct daemon *d, struct ike_sa *sa,
			   struct ike_msg *m)
{
	struct child_sa *c = sa->pending, *old;
	const uint8_t *nr = NULL;
	uint16_t nr_len = 0, err = ike_msg_error(m);
	const char *why;

	if (!c || !sa->rekey_old_spi)
		return;
	sa->pending = NULL;
	old = child_by_spi_in(sa, sa->rekey_old_spi);
	sa->rekey_old_spi = 0;
	why = err ? "peer refused the rekey" :
	      rekey_answer(sa, c, m, &nr, &nr_len);
	if (!why && (child_sa_derive(sa, c, sa->rekey_ni,
				     sizeof(sa->rekey_ni), nr, nr_len,
				     NULL, 0) ||
		     kernel_install(d, sa, c, false, true)))
		why = "cannot install the new CHILD_SA";
	OPENSSL_cleanse(sa->rekey_ni, sizeof(sa->rekey_ni));
	if (why) {
		log_warn("%s: CHILD_SA rekey failed: %s (notify %u)",
			 sa->conn->name, why, err);
		kernel_remove(d, sa, c, false);
		child_sa_free(c);
		return;
	}
	c->state = CHILD_S_INSTALLED;
	c->installed_ms = now_ms();
	c->next = sa->children;
	sa->children = c;
	log_info("%s: CHILD_SA %s rekeyed, SPIs %08x/%08x -> %08x/%08x",
		 sa->conn->name, c->cfg->name, old ? old->spi_in : 0,
		 old ? old->spi_out : 0, c->spi_in, c->spi_out);
	/* If the peer rekeyed it at the same time (RFC 7296 2.8.1) and
	 * already deleted it, both new CHILD_SAs stay.
	 */
	if (old && old->state != CHILD_S_DELETING)
		delete_old(d, sa, old);
}

void child_rekey_switch_out(struct daemon *d, struct ike_sa *sa,
			    uint32_t reqid)
{
	struct child_sa *c;

	for (c = sa->children; c; c = c->next) {
		if (c->reqid != reqid || !c->out_pending)
			continue;
		c->out_pending = false;
		if (kernel_install_out(d, sa, c))
			log_err("%s: cannot install the outbound SA %08x",
				sa->conn->name, c->spi_out);
	}
}
