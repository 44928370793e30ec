// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"
#include "ipsecmed/policy.h"
#include "ipsecmed/ts.h"
#include "lib/xfrm.h"

int kernel_alloc_spi(struct daemon *d, const struct ike_sa *sa,
		     uint32_t reqid, uint32_t *spi)
{
	int err;

	if (!d->kernel) {
		do
			rand_bytes(spi, sizeof(*spi));
		while (*spi < 0x100);
		return 0;
	}
	err = xfrm_alloc_spi(&d->xfrm, &sa->path.ep.remote, &sa->path.ep.local,
			     IPPROTO_ESP, reqid, 0, 0, spi);
	if (err)
		log_err("cannot allocate an SPI: %s%s%s", strerror(-err),
			d->xfrm.ext_msg[0] ? ": " : "", d->xfrm.ext_msg);
	return err;
}

/* Every piece of @tsp's selectors, in order; ts_exact() capped them. */
static int pieces(const struct ike_ts_payload *tsp, struct ts_piece *out)
{
	int n = 0, k;
	uint8_t i;

	for (i = 0; i < tsp->n; i++) {
		k = ts_pieces(&tsp->ts[i], out + n, (size_t)(TS_PIECES_MAX - n));
		if (k < 0 || k > TS_PIECES_MAX - n)
			return -1;
		n += k;
	}
	return n;
}

static void sel(const struct ts_piece *src, const struct ts_piece *dst,
		struct xfrm_sel_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->family = src->prefix.addr.family;
	s->src = src->prefix;
	s->dst = dst->prefix;
	s->proto = src->proto ? src->proto : dst->proto;
	s->sport = src->port;
	s->sport_mask = src->port_mask;
	s->dport = dst->port;
	s->dport_mask = dst->port_mask;
}

/* A transport mode SA's selector: its CHILD_SA's one pair of pieces
 * (ts_exact() allows no more). The kernel checks what arrives through
 * the SA against it; the "dir in" policies alone do not stop a packet
 * outside them that came through a transport SA (see ts.h).
 */
static int transport_sel(const struct child_sa *c, bool inbound,
			 struct xfrm_sel_spec *s)
{
	struct ts_piece l[TS_PIECES_MAX], r[TS_PIECES_MAX];

	if (ts_exact(&c->ts_local, &c->ts_remote, true) ||
	    pieces(&c->ts_local, l) != 1 || pieces(&c->ts_remote, r) != 1)
		return -1;
	if (inbound)
		sel(&r[0], &l[0], s);
	else
		sel(&l[0], &r[0], s);
	return 0;
}

static int fill_sa(const struct ike_sa *sa, const struct child_sa *c,
		   bool inbound, struct xfrm_sa_spec *s)
{
	const struct conf_child *cfg = c->cfg;
	const uint8_t *ekey, *akey;

	memset(s, 0, sizeof(*s));
	if (c->mode == IPSEC_MODE_TRANSPORT &&
	    transport_sel(c, inbound, &s->sel)) {
		log_err("%s: CHILD_SA %s: transport mode selectors that are "
			"not one XFRM selector per side", sa->conn->name,
			cfg ? cfg->name : "?");
		return -EINVAL;
	}
	child_sa_keys(c, inbound, &ekey, &akey);
	s->src = inbound ? sa->path.ep.remote : sa->path.ep.local;
	s->dst = inbound ? sa->path.ep.local : sa->path.ep.remote;
	s->spi = inbound ? c->spi_in : c->spi_out;
	s->proto = IPPROTO_ESP;
	s->reqid = c->reqid;
	s->mode = c->mode;
	if (c->suite.encr->aead) {
		s->aead = (struct xfrm_alg_spec){ c->suite.encr->xfrm_name,
			ekey, c->enc_len, 128 };
	} else {
		s->enc = (struct xfrm_alg_spec){ c->suite.encr->xfrm_name,
			ekey, c->enc_len, 0 };
		s->auth = (struct xfrm_alg_spec){ c->suite.integ->xfrm_name,
			akey, c->integ_len, 0 };
	}
	/* ESP-in-UDP behind a NAT; over TCP the SAs are plain ESP, bound
	 * to the connection (RFC 9329).
	 */
	if (sa->nat && !path_is_tcp(&sa->path)) {
		s->encap_sport = inbound ? sa->path.ep.rport : sa->path.ep.lport;
		s->encap_dport = inbound ? sa->path.ep.lport : sa->path.ep.rport;
	}
	s->esn = c->suite.esn;
	s->replay_window = inbound ? (cfg && cfg->replay_window ?
				      cfg->replay_window : 32) : 0;
	if (cfg) {
		s->lifetime.soft_secs = cfg->rekey_time;
		s->lifetime.hard_secs = cfg->life_time;
		s->lifetime.soft_bytes = cfg->rekey_bytes;
		s->lifetime.hard_bytes = cfg->life_bytes;
		s->lifetime.soft_packets = cfg->rekey_packets;
		s->lifetime.hard_packets = cfg->life_packets;
	}
	return 0;
}

static int sa_add(struct daemon *d, const struct xfrm_sa_spec *s, bool upd)
{
	int err = upd ? xfrm_sa_update(&d->xfrm, s) : xfrm_sa_add(&d->xfrm, s);

	if (err)
		log_err("cannot install SA %08x: %s%s%s", s->spi,
			strerror(-err), d->xfrm.ext_msg[0] ? ": " : "",
			d->xfrm.ext_msg);
	return err;
}

/* -EADDRINUSE, logged with both identities, if another peer's (or
 * connection's) CHILD_SAs hold @p, which @c would share.
 */
static int refuse_taken(struct daemon *d, const struct ike_sa *sa,
			const struct child_sa *c,
			const struct xfrm_policy_spec *p,
			const struct policy_owner *o)
{
	char who[CONF_ID_MAX + CONF_NAME_MAX + 16], tl[512], tr[512];

	if (!policy_taken(&d->policies, p, o, who, sizeof(who)))
		return 0;
	ts_str(&c->ts_local, tl, sizeof(tl));
	ts_str(&c->ts_remote, tr, sizeof(tr));
	log_warn("%s: CHILD_SA %s of %s refused: its selectors %s === %s "
		 "are held by CHILD_SAs of %s", sa->conn->name, c->cfg->name,
		 sa->remote_id, tl, tr, who);
	return -EADDRINUSE;
}

/* The policy of pieces @l, @r and @dir for @c: held, or with @check
 * only refused if another owner holds it.
 */
static int policy(struct daemon *d, const struct ike_sa *sa,
		  const struct child_sa *c, const struct ts_piece *l,
		  const struct ts_piece *r, uint8_t dir, bool check)
{
	struct policy_owner o = { sa->conn->name, sa->peer_id,
				  sa->peer_id_len, sa->remote_id };
	struct xfrm_policy_spec p = { .dir = dir, .priority = 1000 };
	bool out = dir == XFRM_POLICY_OUT;

	if (out)
		sel(l, r, &p.sel);
	else
		sel(r, l, &p.sel);
	p.tmpl.proto = IPPROTO_ESP;
	p.tmpl.mode = c->mode;
	p.tmpl.reqid = c->reqid;
	if (c->mode == IPSEC_MODE_TUNNEL) {
		p.tmpl.src = out ? sa->path.ep.local : sa->path.ep.remote;
		p.tmpl.dst = out ? sa->path.ep.remote : sa->path.ep.local;
	}
	return check ? refuse_taken(d, sa, c, &p, &o) :
		       policy_hold(&d->policies, &p, &o);
}

/* Policies for every pair of pieces of one family and their protocols
 * agree (our narrowing made them one protocol or any). Never anything
 * wider than negotiated: selectors XFRM cannot express exactly within
 * the caps fail the CHILD_SA. With @check nothing is installed: only
 * policies that another owner holds are refused.
 */
static int policies(struct daemon *d, const struct ike_sa *sa,
		    const struct child_sa *c, bool check)
{
	struct ts_piece lp[TS_PIECES_MAX], rp[TS_PIECES_MAX];
	const char *why = ts_exact(&c->ts_local, &c->ts_remote,
				   c->mode == IPSEC_MODE_TRANSPORT);
	int nl, nr, i, j, err = 0;

	nl = why ? -1 : pieces(&c->ts_local, lp);
	nr = why ? -1 : pieces(&c->ts_remote, rp);
	if (nl < 0 || nr < 0) {
		log_err("%s: CHILD_SA %s: cannot install its selectors exactly: "
			"%s", sa->conn->name, c->cfg->name,
			why ? why : "too many pieces");
		return -EINVAL;
	}
	for (i = 0; i < nl && !err; i++) {
		for (j = 0; j < nr && !err; j++) {
			const struct ts_piece *l = &lp[i], *r = &rp[j];

			if (l->prefix.addr.family != r->prefix.addr.family ||
			    (l->proto && r->proto && l->proto != r->proto))
				continue;
			err = policy(d, sa, c, l, r, XFRM_POLICY_OUT, check);
			if (!err)
				err = policy(d, sa, c, l, r, XFRM_POLICY_IN,
					     check);
			if (!err && c->mode == IPSEC_MODE_TUNNEL)
				err = policy(d, sa, c, l, r, XFRM_POLICY_FWD,
					     check);
		}
	}
	return err;
}

/* Over TCP, the outbound SA's packets go over the IKE SA's connection:
 * bind it there (RFC 9329 with ipsecme.ko). Until then the module does
 * not know the SA, so this comes before the policies that use it, and
 * with @before_sa even before the SA itself: a rekey's new outbound SA
 * takes over the existing policies the moment it is added.
 */
static int bind_out(struct daemon *d, const struct ike_sa *sa,
		    const struct child_sa *c, bool before_sa)
{
	int fd = tcp_path_ulp_fd(&sa->path), err;

	if (!path_is_tcp(&sa->path))
		return 0;
	err = fd < 0 ? -ENOTCONN :
	      module_bind(&d->module, &sa->path.ep.remote, c->spi_out, fd,
			  before_sa);
	if (err)
		log_err("cannot bind SA %08x to the TCP connection: %s%s%s",
			c->spi_out, strerror(-err),
			d->module.nl.ext_msg[0] ? ": " : "",
			d->module.nl.ext_msg);
	return err;
}

void kernel_rebind(struct daemon *d, const struct ike_sa *sa)
{
	const struct child_sa *c;

	if (!d->kernel)
		return;
	for (c = sa->children; c; c = c->next)
		if (c->installed && c->out_added &&
		    !bind_out(d, sa, c, false))
			log_info("%s: SA %08x bound to the new TCP connection",
				 sa->conn->name, c->spi_out);
}

/* The outbound SA of @c leaves the kernel, if we added it. */
static void remove_out(struct daemon *d, const struct ike_sa *sa,
		       struct child_sa *c)
{
	if (c->out_added)
		xfrm_sa_del(&d->xfrm, &sa->path.ep.local, &sa->path.ep.remote,
			    c->spi_out, IPPROTO_ESP);
	c->out_added = false;
}

int kernel_install_out(struct daemon *d, const struct ike_sa *sa,
		       struct child_sa *c)
{
	bool early = path_is_tcp(&sa->path) &&
		     module_binds_before_sa(&d->module);
	struct xfrm_sa_spec out;
	int err;

	if (!d->kernel)
		return 0;
	err = fill_sa(sa, c, false, &out);
	if (!err && early)
		err = bind_out(d, sa, c, true);
	if (!err) {
		err = sa_add(d, &out, false);
		if (err && early)
			module_unbind(&d->module, &sa->path.ep.remote,
				      c->spi_out);
		c->out_added = !err;
	}
	memset(&out, 0, sizeof(out));
	/* Bound again once added, to have the SA itself checked; one
	 * that cannot be carried goes (its packets would not leave).
	 */
	if (!err) {
		err = bind_out(d, sa, c, false);
		if (err)
			remove_out(d, sa, c);
	}
	return err;
}

int kernel_install(struct daemon *d, const struct ike_sa *sa,
		   struct child_sa *c, bool with_policies, bool outbound)
{
	struct xfrm_sa_spec in;
	int err;

	if (!d->kernel) {
		c->installed = true;
		return 0;
	}
	/* Selectors of another peer's CHILD_SAs are refused before
	 * anything goes in.
	 */
	err = with_policies ? policies(d, sa, c, true) : 0;
	/* Inbound first: the peer may send as soon as it has our answer. */
	if (!err)
		err = fill_sa(sa, c, true, &in);
	if (!err)
		err = sa_add(d, &in, true);
	memset(&in, 0, sizeof(in));
	if (!err && outbound)
		err = kernel_install_out(d, sa, c);
	if (!err && with_policies)
		err = policies(d, sa, c, false);
	if (err) {
		kernel_remove(d, sa, c, with_policies);
		return err;
	}
	c->installed = true;
	return 0;
}

void kernel_remove(struct daemon *d, const struct ike_sa *sa,
		   struct child_sa *c, bool with_policies)
{
	if (!d->kernel) {
		c->installed = false;
		return;
	}
	if (with_policies)
		policy_release(&d->policies, c->reqid);
	xfrm_sa_del(&d->xfrm, &sa->path.ep.remote, &sa->path.ep.local, c->spi_in,
		    IPPROTO_ESP);
	remove_out(d, sa, c);
	c->installed = false;
}

static void on_expire(struct daemon *d, const struct xfrm_event *ev)
{
	struct ike_sa *sa;
	struct child_sa *c;

	for (sa = d->sas; sa; sa = sa->next) {
		for (c = sa->children; c; c = c->next) {
			if (ev->spi != c->spi_in && ev->spi != c->spi_out)
				continue;
			if (ev->hard) {
				log_warn("%s: SA %08x of CHILD_SA %s reached "
					 "its hard lifetime", sa->conn->name,
					 ev->spi, c->cfg->name);
			} else if (c->state == CHILD_S_INSTALLED &&
				   c->rekey_at_ms > now_ms()) {
				log_info("%s: SA %08x reached its soft "
					 "lifetime, rekeying CHILD_SA %s",
					 sa->conn->name, ev->spi,
					 c->cfg->name);
				c->rekey_at_ms = now_ms();
			}
			return;
		}
	}
}

void kernel_events(struct daemon *d)
{
	static uint8_t buf[NL_BUF_SIZE];
	const struct nlmsghdr *nlh;
	struct xfrm_event ev;
	ssize_t n;
	int len;

	n = mnl_socket_recvfrom(d->xfrm_ev.sk, buf, sizeof(buf));
	if (n <= 0)
		return;
	len = (int)n;
	for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len))
		if (!xfrm_event_parse(nlh, &ev) && ev.type == XFRM_EV_EXPIRE &&
		    ev.proto == IPPROTO_ESP)
			on_expire(d, &ev);
}

void kernel_read_stats(struct daemon *d, const struct ike_sa *sa,
		       struct child_sa *c)
{
	struct xfrm_sa_stats st;

	if (!d->kernel || !c->installed)
		return;
	if (!xfrm_sa_get_stats(&d->xfrm, &sa->path.ep.local, c->spi_in,
			       IPPROTO_ESP, &st)) {
		c->bytes_in = st.bytes;
		c->packets_in = st.packets;
	}
	if (!xfrm_sa_get_stats(&d->xfrm, &sa->path.ep.remote, c->spi_out,
			       IPPROTO_ESP, &st)) {
		c->bytes_out = st.bytes;
		c->packets_out = st.packets;
	}
}
