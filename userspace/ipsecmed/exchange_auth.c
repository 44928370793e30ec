// SPDX-License-Identifier: GPL-2.0
/*
 * IKE_AUTH (RFC 7296 section 1.2), both roles, authenticated with a PSK
 * or with X.509 certificates and RFC 7427 signatures (CERT, CERTREQ,
 * AUTH method 14), creating the first CHILD_SA: proposals, traffic
 * selector narrowing, transport mode, KEYMAT and the kernel. The
 * connection's other children follow with CREATE_CHILD_SA.
 */
#include <errno.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "ipsecmed/auth.h"
#include "ipsecmed/cert.h"
#include "ipsecmed/exchange.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"
#include "ipsecmed/ts.h"

/* ID payload body: type, three reserved bytes, data. */
struct id_body {
	uint8_t buf[4 + ID_MAX];
	size_t len;
};

/* Our ID for @conn: the configured one, but with a certificate and no
 * id (or a DN id, which the configuration check found to be the
 * certificate's subject) exactly the certificate's subject.
 */
int local_id(const struct daemon *d, const struct conf_conn *conn,
	     const struct ipsec_addr *host, uint8_t *type, uint8_t *buf)
{
	const struct creds *cr = conn_creds(d, conn);

	if (conn->local.auth == CONF_AUTH_PUBKEY &&
	    (conn->local.id.type == CONF_ID_NONE ||
	     conn->local.id.type == CONF_ID_DN)) {
		*type = IKE_ID_DER_ASN1_DN;
		return cert_subject_der(cr, buf, ID_MAX);
	}
	return id_encode(&conn->local.id, host, type, buf);
}

static int my_id(const struct daemon *d, const struct ike_sa *sa,
		 struct id_body *b)
{
	int n = local_id(d, sa->conn, &sa->path.ep.local, &b->buf[0], b->buf + 4);

	if (n < 0)
		return -1;
	b->buf[1] = b->buf[2] = b->buf[3] = 0;
	b->len = 4 + (size_t)n;
	return 0;
}

struct child_sa *child_new(struct daemon *d, struct ike_sa *sa,
			   const struct conf_child *cfg, bool initiator)
{
	struct child_sa *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	child_sa_set_cfg(c, cfg);
	c->initiator = initiator;
	c->reqid = ++d->next_reqid;
	c->mode = cfg->mode;
	ts_from_conf(cfg->local_ts, cfg->n_local_ts, &sa->path.ep.local,
		     &c->ts_local);
	ts_from_conf(cfg->remote_ts, cfg->n_remote_ts, &sa->path.ep.remote,
		     &c->ts_remote);
	if (kernel_alloc_spi(d, sa, c->reqid, &c->spi_in)) {
		child_sa_free(c);
		return NULL;
	}
	return c;
}

static int add_sig_auth(struct daemon *d, struct ike_builder *b,
			const struct ike_sa *sa, const struct id_body *id)
{
	const struct creds *cr = conn_creds(d, sa->conn);
	uint8_t sig[IKE_SIG_MAX];
	uint16_t hash;
	int n;

	if (!cr || !cr->key)
		return -1;
	if (!sa->peer_sig_hashes)
		log_debug("IKE SA #%u: peer announced no signature hashes, "
			  "signing with SHA-256", sa->id);
	hash = ike_sig_pick_hash(cr->key, sa->peer_sig_hashes);
	n = auth_sign(sa, cr->key, hash, id->buf, id->len, sig, sizeof(sig));
	if (n < 0) {
		log_warn("%s: cannot sign our AUTH payload", sa->conn->name);
		return -1;
	}
	ikb_auth(b, IKE_AUTH_DIGITAL_SIG, sig, (size_t)n);
	return 0;
}

static int add_auth(struct daemon *d, struct ike_builder *b,
		    const struct ike_sa *sa, const struct id_body *id)
{
	uint8_t auth[IKE_PRF_MAX_LEN];
	int n;

	if (sa->conn->local.auth == CONF_AUTH_PUBKEY)
		return add_sig_auth(d, b, sa, id);
	n = auth_psk(sa, sa->initiator, sa->conn->psk, sa->conn->psk_len,
		     id->buf, id->len, auth);
	if (n > 0)
		ikb_auth(b, IKE_AUTH_PSK, auth, (size_t)n);
	OPENSSL_cleanse(auth, sizeof(auth));
	return n > 0 ? 0 : -1;
}

static bool psk_ok(const struct ike_sa *sa, const struct ike_payload *idp,
		   const struct ike_auth *a)
{
	uint8_t want[IKE_PRF_MAX_LEN];
	bool ok;
	int n;

	n = auth_psk(sa, !sa->initiator, sa->conn->psk, sa->conn->psk_len,
		     idp->body, idp->len, want);
	ok = n > 0 && a->len == n && !CRYPTO_memcmp(a->data, want, (size_t)n);
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

#define CERTS_MAX 8	/* end entity and intermediates we look at */

/* The peer's chain, ID and RFC 7427 signature; NULL or why not. */
static const char *check_sig(struct daemon *d, const struct ike_sa *sa,
			     const struct ike_msg *m,
			     const struct ike_payload *idp,
			     const struct ike_id *id, const struct ike_auth *a,
			     char *why, size_t len)
{
	struct ike_cert certs[CERTS_MAX];
	const struct ike_payload *pl;
	unsigned int idx = 0;
	struct ike_sig_info info;
	const char *bad;
	EVP_PKEY *pub;
	size_t n = 0;
	int ret;

	while ((pl = ike_msg_find(m, IKE_PL_CERT, &idx)) && n < CERTS_MAX) {
		if (ike_cert_decode(pl, &certs[n], NULL))
			return "malformed CERT payload";
		n++;
	}
	pub = cert_check_peer(conn_creds(d, sa->conn), certs, n, id, why,
			      len);
	if (!pub)
		return why;
	ret = auth_verify(sa, pub, a->data, a->len, idp->body, idp->len,
			  &info, &bad);
	EVP_PKEY_free(pub);
	if (ret) {
		snprintf(why, len, "RFC 7427 AUTH: %s", bad);
		return why;
	}
	log_info("%s: peer's certificate chain and signature (%s, hash %u) "
		 "verified", sa->conn->name, info.scheme, info.hash);
	return NULL;
}

/* NULL if the peer's ID and AUTH payloads authenticate it, else why. */
static const char *check_auth(struct daemon *d, const struct ike_sa *sa,
			      const struct ike_msg *m,
			      const struct ike_payload *idp)
{
	const struct ike_payload *authp = ike_msg_first(m, IKE_PL_AUTH);
	bool psk = sa->conn->remote.auth == CONF_AUTH_PSK;
	uint8_t want = psk ? IKE_AUTH_PSK : IKE_AUTH_DIGITAL_SIG;
	static char why[320];
	struct ike_auth a;
	struct ike_id id;

	if (!idp || !authp || ike_id_decode(idp, &id, NULL) ||
	    ike_auth_decode(authp, &a, NULL))
		return "no valid ID and AUTH payloads";
	if (a.method != want) {
		snprintf(why, sizeof(why), "peer used AUTH method %u, we "
			 "expect %u (%s)", a.method, want,
			 psk ? "auth = psk" : "auth = pubkey: RFC 7427 "
			 "digital signature");
		return why;
	}
	if (psk)
		return psk_ok(sa, idp, &a) ? NULL :
		       "PSK AUTH value does not match (different PSK?)";
	return check_sig(d, sa, m, idp, &id, &a, why, sizeof(why));
}

static bool same_id(const struct conf_id *a, const struct conf_id *b)
{
	return a->type == b->type && !strcmp(a->text, b->text) &&
	       (a->type != CONF_ID_IPV4 && a->type != CONF_ID_IPV6 ?
		true : ipsec_addr_eq(&a->addr, &b->addr));
}

/* Another established IKE SA between the same identities as @sa: to
 * the same peer address (where the peer's identity is not known yet)
 * with the same configured local and remote identities. Only an
 * authenticated SA says the peer has state with us (RFC 7296 2.4):
 * anyone can make us hold a half-open one, or start one that never
 * authenticates, and that must not keep our INITIAL_CONTACT from a
 * peer holding stale SAs of ours.
 */
static bool other_sa_with_peer(const struct daemon *d, const struct ike_sa *sa)
{
	const struct conf_conn *c = sa->conn;
	const struct ike_sa *s;

	for (s = d->sas; s; s = s->next)
		if (s != sa && s->state == IKE_S_ESTABLISHED &&
		    ipsec_addr_eq(&s->path.ep.remote, &sa->path.ep.remote) &&
		    same_id(&s->conn->local.id, &c->local.id) &&
		    same_id(&s->conn->remote.id, &c->remote.id))
			return true;
	return false;
}

static void auth_handle_response(struct daemon *d, struct ike_sa *sa,
				 void *priv, struct ike_msg *m);

/* The first CHILD_SA, negotiated with IKE_AUTH: @c, not linked in, its
 * inbound SPI reserved (@d: given back).
 */
static void auth_child_drop(struct daemon *d, struct ike_sa *sa,
			    struct child_sa *c)
{
	if (!c)
		return;
	if (d)
		kernel_remove(d, sa, c, false);
	child_sa_free(c);
}

static void auth_release(struct daemon *d, struct ike_sa *sa, void *priv)
{
	auth_child_drop(d, sa, priv);
}

static bool auth_remap(struct ike_sa *sa, void *priv,
		       const struct conf_conn *conn)
{
	return child_sa_remap(priv, conn);
}

/* Its private state is the CHILD_SA it negotiates. */
static const struct task_ops auth_task = {
	"IKE_AUTH", IKE_AUTH, auth_handle_response, auth_release, auth_remap,
};

int auth_send_request(struct daemon *d, struct ike_sa *sa)
{
	const struct conf_conn *conn = sa->conn;
	uint8_t spi[4], buf[4 + ID_MAX];
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_sa_payload offer;
	struct ike_builder b;
	struct id_body id;
	struct child_sa *c;
	uint8_t type;
	int n;

	if (!conn->n_children || my_id(d, sa, &id))
		return -1;
	c = child_new(d, sa, &conn->children[0], true);
	if (!c)
		return -1;
	ike_put_be32(spi, c->spi_in);
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_id(&b, IKE_PL_IDI, id.buf[0], id.buf + 4, id.len - 4);
	if (conn->local.auth == CONF_AUTH_PUBKEY)
		cert_add_certs(&b, conn_creds(d, conn));
	/* RFC 7296 2.4: only when this is our only IKE SA with the peer,
	 * or the peer drops the others (ours) as left over from a reboot.
	 */
	if (!other_sa_with_peer(d, sa))
		ikb_notify(&b, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	if (conn->remote.auth == CONF_AUTH_PUBKEY)
		cert_add_certreq(&b, conn_creds(d, conn));
	if (conn->remote.id.type != CONF_ID_NONE &&
	    (n = id_encode(&conn->remote.id, &sa->path.ep.remote, &type, buf)) > 0)
		ikb_id(&b, IKE_PL_IDR, type, buf, (size_t)n);
	if (add_auth(d, &b, sa, &id)) {
		auth_child_drop(d, sa, c);
		return -1;
	}
	if (c->mode == IPSEC_MODE_TRANSPORT)
		ikb_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	prop_offer(c->cfg->esp, c->cfg->n_esp, IKE_PROTO_ESP, spi, 4, false,
		   0, &offer);
	ikb_sa(&b, &offer);
	ikb_ts(&b, IKE_PL_TSI, &c->ts_local);
	ikb_ts(&b, IKE_PL_TSR, &c->ts_remote);
	sa->state = IKE_S_AUTH_SENT;
	n = sa_send_request(d, sa, &auth_task, c, &b);
	if (n)
		auth_child_drop(d, sa, c);
	return n;
}

/* Remember the peer's identity: whole for "unique", as text for people. */
static void keep_peer_id(struct ike_sa *sa, const struct ike_id *id)
{
	id_str(id, sa->remote_id, sizeof(sa->remote_id));
	sa->peer_id_len = 0;
	if (id->len > SA_PEER_ID_MAX)
		return;
	sa->peer_id[0] = id->type;
	memcpy(sa->peer_id + 1, id->data, id->len);
	sa->peer_id_len = 1 + id->len;
}

/* The same identity, as peer_id_eq() compares them. */
static bool same_peer_id(const struct ike_sa *a, const struct ike_sa *b)
{
	return peer_id_eq(a->peer_id, a->peer_id_len, b->peer_id,
			  b->peer_id_len);
}

static void established(struct daemon *d, struct ike_sa *sa,
			const struct ike_payload *peer_id)
{
	struct ike_id id;
	char algs[128];

	if (sa->state == IKE_S_HALF_OPEN && d->half_open)
		d->half_open--;
	sa->state = IKE_S_ESTABLISHED;
	sa->established_ms = now_ms();
	ike_lifetimes_start(sa);
	if (sa->conn->dpd_delay)
		sa->dpd_next_ms = sa->established_ms +
				  sa->conn->dpd_delay * 1000ull;
	if (!ike_id_decode(peer_id, &id, NULL))
		keep_peer_id(sa, &id);
	prop_suite_str(&sa->suite, algs, sizeof(algs));
	log_info("%s: IKE SA #%u established with %s (%s)", sa->conn->name,
		 sa->id, sa->remote_id, algs);
}

/* Derive, install and link @c; returns 0, -EADDRINUSE if another
 * peer's CHILD_SAs hold its selectors (kernel_install()), or -1.
 */
static int child_up(struct daemon *d, struct ike_sa *sa, struct child_sa *c)
{
	char algs[96];
	int err;

	if (child_sa_derive(sa, c, sa->ni, sa->ni_len, sa->nr, sa->nr_len,
			    NULL, 0))
		return -1;
	err = kernel_install(d, sa, c, true, true);
	if (err)
		return err == -EADDRINUSE ? err : -1;
	child_attach(sa, c);
	prop_suite_str(&c->suite, algs, sizeof(algs));
	log_info("%s: CHILD_SA %s installed, SPIs %08x in %08x out, %s, %s",
		 sa->conn->name, c->cfg->name, c->spi_in, c->spi_out,
		 c->mode == IPSEC_MODE_TUNNEL ? "tunnel" : "transport", algs);
	return 0;
}

/* The peer's answer for our first CHILD_SA (initiator). */
static const char *child_from_response(struct ike_sa *sa, struct child_sa *c,
				       const struct ike_msg *m)
{
	const struct ike_payload *sap = ike_msg_first(m, IKE_PL_SA);
	const struct ike_payload *tsi = ike_msg_first(m, IKE_PL_TSI);
	const struct ike_payload *tsr = ike_msg_first(m, IKE_PL_TSR);
	static struct ike_sa_payload sa_pl;
	struct ike_ts_payload ti, tr, ours;
	const char *why;

	if (!sap || !tsi || !tsr || ike_sa_decode(sap, &sa_pl, NULL) ||
	    prop_accept(c->cfg->esp, c->cfg->n_esp, IKE_PROTO_ESP, false,
			&sa_pl, &c->suite) || sa_pl.prop[0].spi_size != 4)
		return "peer answered with an ESP proposal we did not offer";
	c->spi_out = ike_get_be32(sa_pl.prop[0].spi);
	if (ike_ts_decode(tsi, &ti, NULL) || ike_ts_decode(tsr, &tr, NULL))
		return "bad traffic selectors";
	ours = c->ts_local;
	if (ts_narrow(&ours, &ti, &c->ts_local))
		return "peer's TSi are not within ours";
	ours = c->ts_remote;
	if (ts_narrow(&ours, &tr, &c->ts_remote))
		return "peer's TSr are not within ours";
	if ((why = ts_exact(&c->ts_local, &c->ts_remote,
			    c->mode == IPSEC_MODE_TRANSPORT)))
		return why;
	if (c->mode == IPSEC_MODE_TRANSPORT &&
	    !ike_msg_has_notify(m, IKE_N_USE_TRANSPORT_MODE))
		return "peer refused transport mode";
	return NULL;
}

static void auth_handle_response(struct daemon *d, struct ike_sa *sa,
				 void *priv, struct ike_msg *m)
{
	const struct ike_payload *idr = ike_msg_first(m, IKE_PL_IDR);
	struct child_sa *c = priv;
	uint16_t err = ike_msg_error(m);
	const char *why = NULL;
	char refused[64];
	struct ike_id id;
	int up;

	if (sa->state != IKE_S_AUTH_SENT) {
		auth_child_drop(d, sa, c);
		return;
	}
	if (err == IKE_N_AUTHENTICATION_FAILED || !idr ||
	    ike_id_decode(idr, &id, NULL))
		why = "";
	else if (!id_match(&sa->conn->remote.id, &id))
		why = "peer's IDr is not the configured remote id";
	else
		why = check_auth(d, sa, m, idr);
	if (why) {
		if (c)	/* drop the SPI reserved for it */
			kernel_remove(d, sa, c, false);
		child_sa_free(c);
		if (*why)
			log_warn("%s: IKE SA #%u: peer failed authentication: "
				 "%s", sa->conn->name, sa->id, why);
		if (err)
			snprintf(sa->failure, sizeof(sa->failure), "peer "
				 "answered IKE_AUTH with error notify %u", err);
		else
			snprintf(sa->failure, sizeof(sa->failure), "peer "
				 "failed authentication%s%s", *why ? ": " : "",
				 why);
		sa_terminate(d, sa, sa->failure);
		return;
	}
	established(d, sa, idr);
	snprintf(refused, sizeof(refused), "peer refused the CHILD_SA with "
		 "error notify %u", err);
	why = err ? refused : child_from_response(sa, c, m);
	if (!why && (up = child_up(d, sa, c)))
		why = up == -EADDRINUSE ? "its selectors are held by CHILD_SAs "
		      "of another peer or connection" :
		      "cannot install the CHILD_SA";
	if (why) {
		log_warn("%s: %s", sa->conn->name, why);
		if (c && !err) {
			/* The peer has it: delete it there too. */
			child_discard(d, sa, c);
		} else {
			if (c && c->spi_in && d->kernel)
				kernel_remove(d, sa, c, false);
			child_sa_free(c);
		}
		/* The IKE SA stands; a CHILD_SA failure fails "up". */
		sa_report(d, sa, why);
		return;
	}
	/* The other children follow with CREATE_CHILD_SA; "up" is
	 * answered when the last one is done.
	 */
	if (sa->conn->n_children > 1)
		sa->next_child = 1;
	else
		sa_report(d, sa, NULL);
}

/* --- responder ------------------------------------------------------ */

static bool addr_in(const struct ipsec_prefix *p, size_t n,
		    const struct ipsec_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ipsec_prefix_contains(&p[i], a))
			return true;
	return !n;	/* no list: any address */
}

/* Whether @c could have been chosen in IKE_SA_INIT for @sa, which was
 * negotiated for sa->conn: the peer's and our address, the IKE suite
 * (one of its proposals allows it) and NAT traversal (what the NAT
 * detection payloads were sent and checked under).
 */
static bool conn_fits_init(const struct conf_conn *c, const struct ike_sa *sa)
{
	if (c == sa->conn)
		return true;
	return addr_in(c->remote_addrs, c->n_remote_addrs, &sa->path.ep.remote) &&
	       addr_in(c->local_addrs, c->n_local_addrs, &sa->path.ep.local) &&
	       c->nat_traversal == sa->conn->nat_traversal &&
	       prop_suite_allowed(c->ike, c->n_ike, &sa->suite);
}

/* The connection the initiator's identities select among those that
 * share this IKE SA's addresses (the first one if none names it).
 */
static const struct conf_conn *conn_by_id(const struct daemon *d,
					  const struct ike_sa *sa,
					  const struct ike_id *idi,
					  const struct ike_id *idr)
{
	size_t i;

	for (i = 0; i < d->conf->n_conns; i++) {
		const struct conf_conn *c = &d->conf->conns[i];
		struct ike_id mine;
		uint8_t buf[ID_MAX];
		int n;

		if (!id_match(&c->remote.id, idi) || !conn_fits_init(c, sa))
			continue;
		if (idr) {
			n = local_id(d, c, &sa->path.ep.local, &mine.type, buf);
			mine.data = buf;
			mine.len = n > 0 ? (uint16_t)n : 0;
			if (n < 0 || mine.type != idr->type)
				continue;
			if (mine.type == IKE_ID_DER_ASN1_DN ?
			    !dn_equal(buf, mine.len, idr->data, idr->len) :
			    mine.len != idr->len ||
			    memcmp(buf, idr->data, mine.len))
				continue;
		}
		return c;
	}
	return NULL;
}

/* Cut narrowed selectors (local @l, remote @r) to what the kernel
 * holds exactly in that mode (ts_fit_pair()); says so when that took
 * some away. Returns 0, or -1 if nothing is left.
 */
static int fit(const struct ike_sa *sa, struct ike_ts_payload *l,
	       struct ike_ts_payload *r, bool transport)
{
	struct ike_ts_payload l0 = *l, r0 = *r;
	char ti[1024], tr[512];

	if (ts_fit_pair(l, r, transport))
		return -1;
	if (l->n != l0.n || r->n != r0.n ||
	    memcmp(l->ts, l0.ts, l->n * sizeof(l->ts[0])) ||
	    memcmp(r->ts, r0.ts, r->n * sizeof(r->ts[0]))) {
		ts_str(r, ti, sizeof(ti));
		ts_str(l, tr, sizeof(tr));
		log_info("%s: peer's selectors narrowed to what the kernel "
			 "holds exactly: TSi %s TSr %s", sa->conn->name, ti,
			 tr);
	}
	return 0;
}

/* Choose the child config and fill @c from the request, or return the
 * error notify to answer with.
 */
static uint16_t child_from_request(struct daemon *d, struct ike_sa *sa,
				   const struct ike_msg *m, struct child_sa **out,
				   struct ike_proposal *chosen)
{
	const struct ike_payload *sap = ike_msg_first(m, IKE_PL_SA);
	const struct ike_payload *tsi = ike_msg_first(m, IKE_PL_TSI);
	const struct ike_payload *tsr = ike_msg_first(m, IKE_PL_TSR);
	static struct ike_sa_payload sa_pl;
	struct ike_ts_payload ti, tr, l, r, nl, nr;
	bool transport = ike_msg_has_notify(m, IKE_N_USE_TRANSPORT_MODE);
	uint16_t err = IKE_N_TS_UNACCEPTABLE;
	size_t i;

	if (!sap || !tsi || !tsr || ike_sa_decode(sap, &sa_pl, NULL) ||
	    ike_ts_decode(tsi, &ti, NULL) || ike_ts_decode(tsr, &tr, NULL))
		return IKE_N_INVALID_SYNTAX;
	for (i = 0; i < sa->conn->n_children; i++) {
		const struct conf_child *cfg = &sa->conn->children[i];
		enum ipsec_mode mode = transport &&
			cfg->mode == IPSEC_MODE_TRANSPORT ?
			IPSEC_MODE_TRANSPORT : IPSEC_MODE_TUNNEL;
		struct ike_suite suite;
		struct child_sa *c;

		ts_from_conf(cfg->local_ts, cfg->n_local_ts, &sa->path.ep.local, &l);
		ts_from_conf(cfg->remote_ts, cfg->n_remote_ts, &sa->path.ep.remote,
			     &r);
		/* Within ours, and no more than the kernel can hold
		 * exactly: what we answer is what we install.
		 */
		if (ts_narrow(&r, &ti, &nr) || ts_narrow(&l, &tr, &nl))
			continue;
		if (fit(sa, &nl, &nr, mode == IPSEC_MODE_TRANSPORT))
			continue;
		if (prop_select(cfg->esp, cfg->n_esp, IKE_PROTO_ESP, false,
				&sa_pl, &suite, chosen) ||
		    chosen->spi_size != 4) {
			err = IKE_N_NO_PROPOSAL_CHOSEN;
			continue;
		}
		c = child_new(d, sa, cfg, false);
		if (!c)
			return IKE_N_TEMPORARY_FAILURE;
		c->suite = suite;
		c->spi_out = ike_get_be32(chosen->spi);
		c->ts_remote = nr;
		c->ts_local = nl;
		c->mode = mode;
		ike_put_be32(chosen->spi, c->spi_in);
		*out = c;
		return 0;
	}
	return err;
}

/* An authenticated IKE SA other than @sa of the same connection and
 * remote identity, in any stage of its life from there: established,
 * replaced by a rekey and waiting for its Delete, the successor of a
 * rekey whose predecessor is not gone yet, or being deleted.
 */
static bool same_peer(const struct ike_sa *s, const struct ike_sa *sa)
{
	return s != sa && (s->state == IKE_S_ESTABLISHED ||
			   s->state == IKE_S_DELETING) &&
	       !strcmp(s->conn->name, sa->conn->name) && same_peer_id(s, sa);
}

/* A duplicate in the sense of "unique", which counts IKE SAs: one that
 * is established and not replaced by a rekey (an SA and its successor
 * count once).
 */
static bool duplicate(const struct ike_sa *s, const struct ike_sa *sa)
{
	return same_peer(s, sa) && s->state == IKE_S_ESTABLISHED &&
	       !s->successor_id;
}

/* Whether the newly authenticated @sa may stand next to the IKE SAs
 * its peer identity has already: NULL, or why not (answered with
 * AUTHENTICATION_FAILED, the one notify that makes the initiator give
 * up). With INITIAL_CONTACT the peer has lost those, whatever "unique"
 * says: they are about to end, and do not count.
 */
static const char *unique_refuse(const struct daemon *d,
				 const struct ike_sa *sa, bool initial_contact)
{
	static char why[160];
	const struct ike_sa *s, *old = NULL;
	uint32_t n = 0;

	if (initial_contact)
		return NULL;
	for (s = d->sas; s; s = s->next)
		if (duplicate(s, sa) && n++ == 0)
			old = s;
	if (!n)
		return NULL;
	switch (sa->conn->unique) {
	case CONF_UNIQUE_KEEP:
		snprintf(why, sizeof(why), "it has IKE SA #%u already and "
			 "%s has unique = keep", old->id, sa->conn->name);
		return why;
	case CONF_UNIQUE_NO:
		if (n < sa->conn->max_ike_sas)
			return NULL;
		snprintf(why, sizeof(why), "it has %u IKE SAs already, the "
			 "max_ike_sas of %s", n, sa->conn->name);
		return why;
	default:
		return NULL;
	}
}

/* After @sa went up (its CHILD_SA's policies taken over first, so no
 * packet passes in clear): end the older IKE SAs of its peer that the
 * peer's INITIAL_CONTACT (RFC 7296 2.4, whatever "unique" is) or
 * unique = replace say are stale. Every one goes, rekeyed ones too: a
 * predecessor left waiting for a Delete, or a successor whose rekey we
 * answered, would otherwise linger; a rekey of our own in flight on one
 * of them is taken care of when its answer comes (daemon.c).
 */
static void unique_enforce(struct daemon *d, struct ike_sa *sa,
			   bool initial_contact)
{
	struct ike_sa *s;

	if (!initial_contact && sa->conn->unique != CONF_UNIQUE_REPLACE)
		return;
	for (s = d->sas; s; s = s->next) {
		if (!same_peer(s, sa))
			continue;
		if (initial_contact) {
			/* The peer has no state for it: no Delete. */
			log_info("%s: IKE SA #%u replaced by #%u (INITIAL_CONTACT "
				 "from %s)", sa->conn->name, s->id, sa->id,
				 sa->remote_id);
			sa_terminate(d, s, "replaced after INITIAL_CONTACT");
		} else if (s->state == IKE_S_ESTABLISHED) {
			/* (One being deleted has its Delete out already.) */
			log_info("%s: IKE SA #%u replaced by #%u of the same "
				 "peer %s (unique = replace)", sa->conn->name,
				 s->id, sa->id, sa->remote_id);
			sa_delete(d, s);
		}
	}
}

static void respond_auth_failed(struct daemon *d, struct ike_sa *sa,
				uint32_t msgid, const char *why)
{
	static uint8_t plain[256];
	struct ike_builder b;

	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_notify(&b, 0, NULL, 0, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
	sa_send_response(d, sa, IKE_AUTH, msgid, &b);
	log_warn("IKE SA #%u: peer %s failed authentication: %s", sa->id,
		 sa->remote_id, why);
	sa_terminate(d, sa, "authentication failed");
}

void auth_handle_request(struct daemon *d, struct ike_sa *sa,
			 struct ike_msg *m)
{
	const struct ike_payload *idi = ike_msg_first(m, IKE_PL_IDI);
	const struct ike_payload *idr = ike_msg_first(m, IKE_PL_IDR);
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_sa_payload answer = { .nprop = 1 };
	struct child_sa *c = NULL;
	const struct conf_conn *conn;
	struct ike_id iid, rid;
	struct ike_builder b;
	struct id_body id;
	uint16_t err;
	bool initial_contact = ike_msg_has_notify(m, IKE_N_INITIAL_CONTACT);
	const char *why;
	int up;

	if (sa->state != IKE_S_HALF_OPEN || !idi ||
	    ike_id_decode(idi, &iid, NULL) ||
	    (idr && ike_id_decode(idr, &rid, NULL))) {
		respond_auth_failed(d, sa, m->hdr.msgid,
				    "missing or malformed IDi/IDr");
		return;
	}
	keep_peer_id(sa, &iid);
	conn = conn_by_id(d, sa, &iid, idr ? &rid : NULL);
	if (conn)
		ike_sa_set_conn(sa, conn);
	why = conn ? check_auth(d, sa, m, idi) :
	      "no connection accepts its IDi and IDr";
	if (!why && my_id(d, sa, &id))
		why = "we have no ID to answer with";
	if (!why)
		why = unique_refuse(d, sa, initial_contact);
	if (why) {
		respond_auth_failed(d, sa, m->hdr.msgid, why);
		return;
	}
	err = child_from_request(d, sa, m, &c, &answer.prop[0]);
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_id(&b, IKE_PL_IDR, id.buf[0], id.buf + 4, id.len - 4);
	if (sa->conn->local.auth == CONF_AUTH_PUBKEY)
		cert_add_certs(&b, conn_creds(d, sa->conn));
	if (add_auth(d, &b, sa, &id)) {
		if (c) {
			kernel_remove(d, sa, c, false);
			child_sa_free(c);
		}
		respond_auth_failed(d, sa, m->hdr.msgid,
				    "cannot compute our own AUTH");
		return;
	}
	if (!err && (up = child_up(d, sa, c))) {
		kernel_remove(d, sa, c, false);
		child_sa_free(c);
		c = NULL;
		/* Another peer's selectors: refused as for ours (2.9). */
		err = up == -EADDRINUSE ? IKE_N_TS_UNACCEPTABLE :
		      IKE_N_TEMPORARY_FAILURE;
	}
	if (err) {
		log_warn("%s: no CHILD_SA for %s: notify %u", sa->conn->name,
			 sa->remote_id, err);
		ikb_notify(&b, 0, NULL, 0, err, NULL, 0);
	} else {
		if (c->mode == IPSEC_MODE_TRANSPORT)
			ikb_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE,
				   NULL, 0);
		ikb_sa(&b, &answer);
		ikb_ts(&b, IKE_PL_TSI, &c->ts_remote);
		ikb_ts(&b, IKE_PL_TSR, &c->ts_local);
	}
	established(d, sa, idi);
	sa_send_response(d, sa, IKE_AUTH, m->hdr.msgid, &b);
	unique_enforce(d, sa, initial_contact);
}
