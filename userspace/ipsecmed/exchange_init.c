// SPDX-License-Identifier: GPL-2.0
/*
 * IKE_SA_INIT (RFC 7296 section 1.2), both roles: proposals, key
 * exchange with INVALID_KE_PAYLOAD retry, nonces, NAT detection, and
 * the stateless cookie (section 2.6) once too many SAs are half open.
 */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "ipsecmed/cert.h"
#include "ipsecmed/cookie.h"
#include "ipsecmed/crypto/prf.h"
#include "ipsecmed/crypto/sig.h"
#include "ipsecmed/exchange.h"
#include "ipsecmed/log.h"
#include "ipsecmed/nat.h"

#define NONCE_LEN 32
/* Bounds on what unauthenticated IKE_SA_INIT answers make us do: new
 * cookies taken (a responder may ask again after rotating its secret,
 * or under load), DH group switches.
 */
#define INIT_COOKIES_MAX 4
#define INIT_KE_SWITCHES_MAX 3

static uint8_t *dup_msg(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len);

	if (q)
		memcpy(q, p, len);
	return q;
}

/* RFC 7427 section 4: the hashes we sign and verify with. */
static void add_sig_hashes(struct ike_builder *b)
{
	uint8_t data[6];
	uint16_t h;
	size_t n = 0;

	for (h = IKE_HASH_SHA2_256; h <= IKE_HASH_SHA2_512; h++) {
		ike_put_be16(data + n, h);
		n += 2;
	}
	ikb_notify(b, 0, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, data, n);
}

/* The peer's SIGNATURE_HASH_ALGORITHMS as IKE_HASH_* bits; 0 if absent
 * or malformed (an odd length).
 */
static unsigned int peer_sig_hashes(const struct ike_msg *m, bool *present)
{
	const struct ike_payload *pl;
	unsigned int idx = 0, mask = 0;
	struct ike_notify n;
	uint16_t i, h;

	*present = false;
	while ((pl = ike_msg_find(m, IKE_PL_NOTIFY, &idx))) {
		if (ike_notify_decode(pl, &n, NULL) ||
		    n.type != IKE_N_SIGNATURE_HASH_ALGORITHMS || n.len % 2)
			continue;
		*present = true;
		for (i = 0; i < n.len; i += 2) {
			h = ike_get_be16(n.data + i);
			if (h < 32)
				mask |= 1u << h;
		}
	}
	return mask;
}

static void init_handle_response(struct daemon *d, struct ike_sa *sa,
				 void *priv, struct ike_msg *m);

/* Its response is not authenticated: the handler retires the task when
 * it takes an answer (RFC 7296 2.21.1).
 */
static const struct task_ops init_task = {
	.name = "IKE_SA_INIT", .exchange = IKE_SA_INIT,
	.answered = init_handle_response,
};

static int init_send(struct daemon *d, struct ike_sa *sa)
{
	const struct conf_conn *c = sa->conn;
	struct ike_hdr h = { .exchange = IKE_SA_INIT,
			     .flags = IKE_FLAG_INITIATOR };
	uint8_t ke[IKE_DH_MAX_PUB];
	struct ike_sa_payload offer;
	struct ike_builder b;
	static uint8_t buf[IKE_MAX_MSG];

	if (!sa->dh || ike_dh_group(sa->dh)->id != sa->ke_group) {
		ike_dh_free(sa->dh);
		sa->dh = ike_dh_new(ike_dh_group_find(sa->ke_group));
		if (!sa->dh)
			return -1;
	}
	if (ike_dh_public(sa->dh, ke))
		return -1;
	/* Retries (cookie, INVALID_KE_PAYLOAD) keep Ni: the responder's
	 * cookie covers it (RFC 7296 2.6).
	 */
	if (!sa->ni_len) {
		sa->ni_len = NONCE_LEN;
		rand_bytes(sa->ni, sa->ni_len);
	}
	memcpy(h.spi_i, sa->spi_i, IKE_SPI_LEN);
	ikb_init_msg(&b, buf, sizeof(buf), &h);
	if (sa->cookie_len)
		ikb_notify(&b, 0, NULL, 0, IKE_N_COOKIE, sa->cookie,
			   sa->cookie_len);
	prop_offer(c->ike, c->n_ike, IKE_PROTO_IKE, NULL, 0, true,
		   sa->ke_group, &offer);
	ikb_sa(&b, &offer);
	ikb_ke(&b, sa->ke_group, ke, ike_dh_group(sa->dh)->pub_len);
	ikb_nonce(&b, sa->ni, sa->ni_len);
	if (c->nat_traversal)
		natd_add(&b, sa->spi_i, sa->spi_r, &sa->path.ep);
	add_sig_hashes(&b);
	/* A retry (cookie, other group) is a new message 0. */
	task_flush(d, sa, true);
	sa->state = IKE_S_INIT_SENT;
	return sa_send_request(d, sa, &init_task, NULL, &b);
}

/* A fresh SPIi and the path to the peer: UDP from the IKE port, or a
 * new TCP stream to its tcp_port (RFC 9329). Returns 0 or -errno.
 */
static int init_path(struct daemon *d, struct ike_sa *sa, bool tcp)
{
	const struct conf_conn *conn = sa->conn;
	struct endpoint ep = { .remote = conn->remote_addrs[0].addr };
	struct path p = { 0 };
	int err;

	if (conn->n_local_addrs)
		ep.local = conn->local_addrs[0].addr;
	else
		route_source(&ep.remote, &ep.local);
	if (tcp) {
		ep.rport = conn->tcp_port;
		err = tcp_connect(&d->tcp, &ep, &p);
		if (err)
			return err;
	} else {
		ep.rport = conn->remote_port ? conn->remote_port : 500;
		ep.lport = d->udp.ike_port;
		udp_path(&d->udp, &p);
		p.ep = ep;
	}
	path_release(&sa->path);
	sa->path = p;		/* takes tcp_connect()'s reference */
	do
		rand_bytes(sa->spi_i, IKE_SPI_LEN);
	while (!memcmp(sa->spi_i, "\0\0\0\0\0\0\0\0", IKE_SPI_LEN));
	return 0;
}

int init_fallback_tcp(struct daemon *d, struct ike_sa *sa)
{
	int err = init_path(d, sa, true);

	if (err)
		return err;
	/* A new exchange (RFC 9329 section 5): new SPIi, NAT detection
	 * for the new ends, nothing the UDP responder said.
	 */
	sa->cookie_len = 0;
	sa->cookie_tries = 0;
	sa->failure[0] = '\0';
	sa->udp_fell_back = true;
	log_info("%s: IKE SA #%u: no answer over UDP in %u s, falling back "
		 "to TCP port %u", sa->conn->name, sa->id,
		 sa->conn->tcp_fallback, sa->path.ep.rport);
	return init_send(d, sa);
}

int initiate(struct daemon *d, const struct conf_conn *conn,
	     struct ctl_client *waiter)
{
	struct ike_sa *sa;

	if (!conn->n_remote_addrs || !conn->n_ike || !conn->ike[0].n_dh)
		return -22;
	sa = ike_sa_new(conn, true);
	if (!sa)
		return -12;
	sa->ke_group = conn->ike[0].dh[0];
	sa->waiter = waiter;
	daemon_add_sa(d, sa);
	/* On failure the caller answers @waiter: it must not be finished
	 * with the SA as well (it would be used after being freed).
	 */
	if (init_path(d, sa, conn->encapsulation == CONF_ENCAP_TCP)) {
		sa->waiter = NULL;
		sa_terminate(d, sa, "cannot connect over TCP");
		return -5;
	}
	log_info("%s: initiating IKE SA #%u to %s over %s", conn->name, sa->id,
		 ipsec_addr_fmt(&sa->path.ep.remote,
				(char[IPSEC_ADDR_STRLEN]){ 0 },
				IPSEC_ADDR_STRLEN), sa->path.ops->name);
	if (init_send(d, sa)) {
		sa->waiter = NULL;
		sa_terminate(d, sa, "cannot build IKE_SA_INIT");
		return -5;
	}
	return 0;
}

/* The first error notify of @m, or 0. */
static uint16_t error_notify(const struct ike_msg *m, struct ike_notify *out)
{
	const struct ike_payload *pl;
	unsigned int idx = 0;

	while ((pl = ike_msg_find(m, IKE_PL_NOTIFY, &idx)))
		if (!ike_notify_decode(pl, out, NULL) &&
		    out->type <= IKE_N_ERROR_MAX)
			return out->type;
	return 0;
}

static bool find_notify(const struct ike_msg *m, uint16_t type,
			struct ike_notify *out)
{
	const struct ike_payload *pl;
	unsigned int idx = 0;

	while ((pl = ike_msg_find(m, IKE_PL_NOTIFY, &idx)))
		if (!ike_notify_decode(pl, out, NULL) && out->type == type)
			return true;
	return false;
}

static bool group_offered(const struct conf_conn *c, uint16_t group)
{
	size_t i, j;

	for (i = 0; i < c->n_ike; i++)
		for (j = 0; j < c->ike[i].n_dh; j++)
			if (c->ike[i].dh[j] == group)
				return true;
	return false;
}

/* Float to port 4500 when a NAT is in the way (RFC 7296 2.23). */
static void nat_float(struct daemon *d, struct ike_sa *sa)
{
	/* Over TCP the connection is the NAT mapping (RFC 9329 section
	 * 7): no other port, no keepalives.
	 */
	if (!sa->nat || path_is_tcp(&sa->path))
		return;
	sa->path.ep.lport = d->udp.natt_port;
	sa->path.ep.rport = 4500;
	log_info("IKE SA #%u: NAT detected (%s%s), using port %u", sa->id,
		 sa->nat & 1 ? "local" : "", sa->nat == 3 ? " and remote" :
		 sa->nat & 2 ? "remote" : "", sa->path.ep.lport);
}

/* The keys from g^ir (@gir, wiped here); our DH key is done with. */
static int common_keys(struct ike_sa *sa, uint8_t *gir)
{
	size_t glen = ike_dh_group(sa->dh)->shared_len;
	int ret = ike_sa_derive(sa, gir, glen);

	OPENSSL_cleanse(gir, IKE_DH_MAX_SHARED);
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	return ret;
}

/* An unauthenticated IKE_SA_INIT response we do not act on (RFC 7296
 * 2.21.1: anyone on the path can send one): remember it for the
 * waiter and keep waiting for a valid response until the
 * retransmissions give up.
 */
static void init_hint(struct ike_sa *sa, const char *why)
{
	log_rl(LOG_INFO, "IKE SA #%u: %s; still waiting for a valid "
	       "IKE_SA_INIT response", sa->id, why);
	snprintf(sa->failure, sizeof(sa->failure), "%s", why);
}

/* A COOKIE: retry with it, unless it is the one we sent (a duplicate
 * of the answer we acted on) or we took INIT_COOKIES_MAX already. A
 * responder may ask for a new cookie (RFC 7296 2.6: it rotated its
 * secret, the previous one expired, it is under load), so one is not
 * enough; but anyone can forge a COOKIE answer, and each retry starts
 * the retransmissions afresh, so taking every one would let a forger
 * keep us retrying forever. (A forged one that overtakes the real
 * answer cannot be told from a real one: Documentation/ike.rst.)
 */
static void init_cookie(struct daemon *d, struct ike_sa *sa,
			const struct ike_notify *n)
{
	if (n->len == sa->cookie_len &&
	    !memcmp(n->data, sa->cookie, n->len)) {
		log_rl(LOG_DEBUG, "IKE SA #%u: duplicate COOKIE ignored", sa->id);
		return;
	}
	if (sa->cookie_tries >= INIT_COOKIES_MAX) {
		init_hint(sa, "peer sent yet another cookie, ignored");
		return;
	}
	sa->cookie_tries++;
	memcpy(sa->cookie, n->data, n->len);
	sa->cookie_len = n->len;
	log_info("IKE SA #%u: retrying with the peer's cookie", sa->id);
	init_send(d, sa);
}

static bool ke_tried(const struct ike_sa *sa, uint16_t g)
{
	uint8_t i;

	for (i = 0; i < sa->n_ke_tried; i++)
		if (sa->ke_tried[i] == g)
			return true;
	return g == sa->ke_group;
}

/* INVALID_KE_PAYLOAD naming @g: switch to it, a bounded number of times
 * and never back to a group sent already (a forged or stale one would
 * make us ping-pong).
 */
static void init_invalid_ke(struct daemon *d, struct ike_sa *sa, uint16_t g)
{
	char why[96];

	if (ke_tried(sa, g) || !group_offered(sa->conn, g) ||
	    sa->n_ke_tried >= INIT_KE_SWITCHES_MAX) {
		snprintf(why, sizeof(why), "peer asked for DH group %u (%s), "
			 "ignored", g, ke_tried(sa, g) ? "sent already" :
			 !group_offered(sa->conn, g) ? "not offered" :
			 "too many switches");
		init_hint(sa, why);
		return;
	}
	sa->ke_tried[sa->n_ke_tried++] = sa->ke_group;
	log_info("IKE SA #%u: peer wants DH group %u", sa->id, g);
	sa->ke_group = g;
	init_send(d, sa);
}

/* Take the responder's SA, KE and nonce; NULL or why not. */
static const char *init_take(struct ike_sa *sa, const struct ike_msg *m,
			     struct ike_ke *ke)
{
	const struct conf_conn *c = sa->conn;
	static struct ike_sa_payload sap;
	const struct ike_payload *pl;
	unsigned int idx = 0;
	const uint8_t *nonce;
	uint16_t nonce_len;

	if (!(pl = ike_msg_find(m, IKE_PL_SA, &idx)) ||
	    ike_sa_decode(pl, &sap, NULL) ||
	    prop_accept(c->ike, c->n_ike, IKE_PROTO_IKE, true, &sap,
			&sa->suite) || sa->suite.dh->id != sa->ke_group)
		return "peer chose a proposal we did not offer";
	idx = 0;
	pl = ike_msg_find(m, IKE_PL_KE, &idx);
	if (!pl || ike_ke_decode(pl, ke, NULL) || ke->group != sa->ke_group)
		return "missing or wrong KE payload";
	idx = 0;
	pl = ike_msg_find(m, IKE_PL_NONCE, &idx);
	if (!pl || ike_nonce_decode(pl, &nonce, &nonce_len, NULL))
		return "missing or bad nonce";
	memcpy(sa->nr, nonce, nonce_len);
	sa->nr_len = nonce_len;
	return NULL;
}

static void init_handle_response(struct daemon *d, struct ike_sa *sa,
				 void *priv, struct ike_msg *m)
{
	const struct conf_conn *c = sa->conn;
	uint8_t gir[IKE_DH_MAX_SHARED];
	struct ike_notify n;
	struct ike_ke ke;
	const char *why;
	bool sig_hashes;
	uint16_t err;

	if (find_notify(m, IKE_N_COOKIE, &n) && n.len >= 1 && n.len <= 64) {
		init_cookie(d, sa, &n);
		return;
	}
	err = error_notify(m, &n);
	if (err == IKE_N_INVALID_KE_PAYLOAD && n.len == 2) {
		init_invalid_ke(d, sa, ike_get_be16(n.data));
		return;
	}
	if (err) {
		char hint[96];

		snprintf(hint, sizeof(hint), "peer answered IKE_SA_INIT with "
			 "error notify %u", err);
		init_hint(sa, hint);
		return;
	}
	why = init_take(sa, m, &ke);
	/* A KE value that is not a valid public key is the forger's as
	 * much as a wrong proposal: checked before anything is taken.
	 */
	if (!why && ike_dh_shared(sa->dh, ke.data, ke.len, gir))
		why = "invalid KE data";
	if (why) {
		init_hint(sa, why);
		return;
	}
	/* The answer: our IKE_SA_INIT request is done. */
	task_retire(sa, task_for_response(&sa->tasks, &m->hdr));
	sa->failure[0] = '\0';
	memcpy(sa->spi_r, m->hdr.spi_r, IKE_SPI_LEN);
	sa->nat = c->nat_traversal ?
		natd_check(m, sa->spi_i, sa->spi_r, &sa->path.ep) : 0;
	sa->peer_sig_hashes = peer_sig_hashes(m, &sig_hashes);
	free(sa->msg2);
	sa->msg2 = dup_msg(m->raw, m->raw_len);
	sa->msg2_len = m->raw_len;
	if (common_keys(sa, gir) || !sa->msg2) {
		sa_terminate(d, sa, "key derivation failed");
		return;
	}
	nat_float(d, sa);
	if (auth_send_request(d, sa))
		sa_terminate(d, sa, "cannot send IKE_AUTH");
}

/* --- responder ------------------------------------------------------ */

/* Half-open SAs past the threshold: the peer must prove its address. */
static bool cookie_ok(struct daemon *d, const struct path *from,
		      const struct ike_msg *m, const uint8_t *ni,
		      uint16_t ni_len)
{
	uint8_t want[COOKIE_LEN];
	struct ike_notify n;

	if (d->half_open < d->conf->daemon.cookie_threshold)
		return true;
	cookie_rotate(&d->cookies, now_ms());
	if (m->n && m->pl[0].type == IKE_PL_NOTIFY &&
	    !ike_notify_decode(&m->pl[0], &n, NULL) &&
	    n.type == IKE_N_COOKIE &&
	    cookie_verify(&d->cookies, &from->ep.remote, m->hdr.spi_i, ni, ni_len,
			  n.data, n.len))
		return true;
	cookie_make(&d->cookies, &from->ep.remote, m->hdr.spi_i, ni, ni_len, want);
	send_plain_notify(d, from, &m->hdr, IKE_N_COOKIE, want, COOKIE_LEN);
	return false;
}

static const struct conf_conn *conn_for(const struct daemon *d,
					const struct endpoint *ep)
{
	size_t i, j;

	for (i = 0; i < d->conf->n_conns; i++) {
		const struct conf_conn *c = &d->conf->conns[i];
		bool ok = !c->n_remote_addrs;

		for (j = 0; j < c->n_remote_addrs && !ok; j++)
			ok = ipsec_prefix_contains(&c->remote_addrs[j],
						   &ep->remote);
		if (!ok || !c->n_ike)
			continue;
		ok = !c->n_local_addrs;
		for (j = 0; j < c->n_local_addrs && !ok; j++)
			ok = ipsec_prefix_contains(&c->local_addrs[j],
						   &ep->local);
		if (ok)
			return c;
	}
	return NULL;
}

/* The IKE SA that an IKE_SA_INIT request with @spi_i from @ep's address
 * made us responder of, whatever its state is now (half open,
 * established, being deleted, dead).
 */
static struct ike_sa *find_by_init(struct daemon *d, const uint8_t *spi_i,
				   const struct endpoint *ep)
{
	struct ike_sa *sa;

	for (sa = d->sas; sa; sa = sa->next)
		if (!sa->initiator && !memcmp(sa->spi_i, spi_i, IKE_SPI_LEN) &&
		    ipsec_addr_eq(&sa->path.ep.remote, &ep->remote))
			return sa;
	return NULL;
}

/* A request with the SPIi of @sa: while it is half open, a byte for byte
 * retransmission of message 1 gets message 2 again. Anything else gets
 * nothing: once IKE_AUTH ran, the initiator has its answer, and a
 * replayed message 1 (its header and payloads travel in the clear) must
 * not make us send anything, least of all the last response we cached,
 * which is then another exchange's and larger (amplification).
 */
static void init_retransmitted(struct daemon *d, struct ike_sa *sa,
			       const uint8_t *buf, size_t len)
{
	if (sa->state != IKE_S_HALF_OPEN || !sa->msg1 || !sa->msg2 ||
	    sa->msg1_len != len || memcmp(sa->msg1, buf, len)) {
		log_rl(LOG_DEBUG, "IKE SA #%u (%s): IKE_SA_INIT request with "
		       "its SPIi dropped", sa->id, ike_state_str(sa->state));
		return;
	}
	path_send(&sa->path, sa->msg2, sa->msg2_len);
}

static int init_respond(struct daemon *d, struct ike_sa *sa,
			const struct ike_proposal *chosen, const uint8_t *ke,
			size_t ke_len, bool sig_hashes)
{
	struct ike_hdr h = { .exchange = IKE_SA_INIT,
			     .flags = IKE_FLAG_RESPONSE };
	struct ike_sa_payload sap = { .nprop = 1 };
	static uint8_t buf[IKE_MAX_MSG];
	struct ike_builder b;

	memcpy(h.spi_i, sa->spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, sa->spi_r, IKE_SPI_LEN);
	sap.prop[0] = *chosen;
	ikb_init_msg(&b, buf, sizeof(buf), &h);
	ikb_sa(&b, &sap);
	ikb_ke(&b, sa->suite.dh->id, ke, ke_len);
	ikb_nonce(&b, sa->nr, sa->nr_len);
	if (sa->conn->nat_traversal)
		natd_add(&b, sa->spi_i, sa->spi_r, &sa->path.ep);
	/* Announced only to a peer that announced them (RFC 7427 4). */
	if (sig_hashes)
		add_sig_hashes(&b);
	cert_add_certreq(&b, conn_creds(d, sa->conn));
	if (ikb_finish(&b) < 0)
		return -1;
	sa->msg2 = dup_msg(buf, b.w.len);
	sa->msg2_len = b.w.len;
	if (!sa->msg2)
		return -1;
	return sa_send_response(d, sa, IKE_SA_INIT, 0, &b);
}

void init_handle_request(struct daemon *d, const struct path *from,
			 const uint8_t *buf, size_t len)
{
	const struct endpoint *ep = &from->ep;
	static struct ike_msg m;
	static struct ike_sa_payload sap;
	struct ike_proposal chosen;
	struct ike_suite suite;
	const struct conf_conn *c;
	const struct ike_payload *pl;
	uint8_t pub[IKE_DH_MAX_PUB], gir[IKE_DH_MAX_SHARED];
	const uint8_t *ni;
	uint16_t ni_len;
	struct ike_err err;
	struct ike_ke ke;
	struct ike_sa *sa;
	unsigned int idx = 0;
	bool sig_hashes;

	if (ike_msg_decode(&m, buf, len, &err)) {
		log_rl(LOG_INFO, "IKE_SA_INIT from %s: %s",
		       ipsec_addr_fmt(&ep->remote,
				      (char[IPSEC_ADDR_STRLEN]){ 0 },
				      IPSEC_ADDR_STRLEN), err.msg);
		if (err.notify && err.code != IKE_E_LENGTH)
			send_plain_notify(d, from, &m.hdr, err.notify,
					  &err.payload,
					  err.code == IKE_E_CRITICAL ? 1 : 0);
		return;
	}
	sa = find_by_init(d, m.hdr.spi_i, ep);
	if (sa) {
		init_retransmitted(d, sa, buf, len);
		return;
	}
	if (d->half_open >= d->conf->daemon.half_open_max) {
		log_rl(LOG_WARN, "%u half-open IKE SAs: dropping IKE_SA_INIT",
		       d->half_open);
		return;
	}
	pl = ike_msg_find(&m, IKE_PL_NONCE, &idx);
	if (!pl || ike_nonce_decode(pl, &ni, &ni_len, &err)) {
		send_plain_notify(d, from, &m.hdr, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (!cookie_ok(d, from, &m, ni, ni_len))
		return;
	c = conn_for(d, ep);
	idx = 0;
	pl = ike_msg_find(&m, IKE_PL_SA, &idx);
	if (!c || !pl || ike_sa_decode(pl, &sap, &err) ||
	    prop_select(c->ike, c->n_ike, IKE_PROTO_IKE, true, &sap, &suite,
			&chosen)) {
		log_rl(LOG_INFO, "IKE_SA_INIT: no acceptable proposal%s",
		       c ? "" : " (no connection for this peer)");
		send_plain_notify(d, from, &m.hdr, IKE_N_NO_PROPOSAL_CHOSEN,
				  NULL, 0);
		return;
	}
	idx = 0;
	pl = ike_msg_find(&m, IKE_PL_KE, &idx);
	if (!pl || ike_ke_decode(pl, &ke, &err)) {
		send_plain_notify(d, from, &m.hdr, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	prop_prefer_group(c->ike, c->n_ike, &sap, &chosen, &suite, ke.group);
	if (ke.group != suite.dh->id) {
		uint8_t g[2] = { suite.dh->id >> 8, suite.dh->id & 0xff };

		send_plain_notify(d, from, &m.hdr, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	/* Before a half-open SA and a key of ours: a flood of bad values
	 * from spoofed sources would cost a key generation each and, as
	 * its SA ends at once, never reach the cookie threshold.
	 */
	if (!ike_dh_peer_valid(suite.dh, ke.data, ke.len)) {
		log_rl(LOG_INFO, "IKE_SA_INIT from %s: invalid KE value",
		       ipsec_addr_fmt(&ep->remote,
				      (char[IPSEC_ADDR_STRLEN]){ 0 },
				      IPSEC_ADDR_STRLEN));
		send_plain_notify(d, from, &m.hdr, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	sa = ike_sa_new(c, false);
	if (!sa)
		return;
	path_copy(&sa->path, from);
	sa->suite = suite;
	memcpy(sa->spi_i, m.hdr.spi_i, IKE_SPI_LEN);
	do
		rand_bytes(sa->spi_r, IKE_SPI_LEN);
	while (!memcmp(sa->spi_r, "\0\0\0\0\0\0\0\0", IKE_SPI_LEN));
	memcpy(sa->ni, ni, ni_len);
	sa->ni_len = ni_len;
	sa->nr_len = NONCE_LEN;
	rand_bytes(sa->nr, sa->nr_len);
	sa->msg1 = dup_msg(buf, len);
	sa->msg1_len = len;
	sa->dh = ike_dh_new(suite.dh);
	/* The initiator hashed with SPIr = 0, as in the header. */
	sa->nat = c->nat_traversal ?
		natd_check(&m, sa->spi_i, m.hdr.spi_r, ep) : 0;
	sa->peer_sig_hashes = peer_sig_hashes(&m, &sig_hashes);
	daemon_add_sa(d, sa);
	sa->state = IKE_S_HALF_OPEN;
	d->half_open++;
	if (!sa->msg1 || !sa->dh || ike_dh_public(sa->dh, pub) ||
	    ike_dh_shared(sa->dh, ke.data, ke.len, gir) ||
	    common_keys(sa, gir) ||
	    init_respond(d, sa, &chosen, pub, suite.dh->pub_len,
			 sig_hashes)) {
		send_plain_notify(d, from, &m.hdr, IKE_N_INVALID_SYNTAX, NULL, 0);
		sa_terminate(d, sa, "IKE_SA_INIT failed");
		return;
	}
	/* The responder floats to port 4500 with the peer's next
	 * authenticated message (daemon_input() follows its address).
	 */
	log_rl(LOG_INFO, "%s: IKE SA #%u half open with %s", c->name, sa->id,
	       ipsec_addr_fmt(&ep->remote, (char[IPSEC_ADDR_STRLEN]){ 0 },
			      IPSEC_ADDR_STRLEN));
}
