// SPDX-License-Identifier: GPL-2.0
/* Handlers of the control socket commands: up, down, status, reload. */
#include <errno.h>
#include <stdio.h>

#include "ipsecmed/auth.h"
#include "ipsecmed/cert.h"
#include "ipsecmed/control.h"
#include "ipsecmed/exchange.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"
#include "ipsecmed/ts.h"
#include "lib/ctl.h"

static int cmd_up(void *data, struct ctl_client *cl,
		  const struct ctl_request *req)
{
	struct daemon *d = data;
	const struct conf_conn *conn = conf_find(d->conf, req->name);
	struct ike_sa *sa;
	int err;

	if (!conn) {
		ctl_reply_message(cl, "no connection named '%s'", req->name);
		return CTL_E_NOENT;
	}
	/* A half-open SA the peer started is not the peer's yet: anyone
	 * can make one from its address.
	 */
	for (sa = d->sas; sa; sa = sa->next) {
		if (sa->conn == conn && sa->state != IKE_S_DEAD &&
		    sa->state != IKE_S_DELETING && sa->state != IKE_S_HALF_OPEN) {
			ctl_reply_message(cl, "%s: IKE SA #%u is already %s",
					  conn->name, sa->id,
					  ike_state_str(sa->state));
			return CTL_E_STATE;
		}
	}
	err = initiate(d, conn, cl);
	if (err) {
		ctl_reply_message(cl, "%s: cannot initiate: %s (a connection "
				  "to initiate needs one remote address and "
				  "an IKE proposal)", conn->name,
				  strerror(-err));
		return CTL_E_FAILED;
	}
	ctl_reply_message(cl, "%s: initiating", conn->name);
	ctl_client_flush(cl);
	return CTL_DEFER;
}

static int cmd_down(void *data, struct ctl_client *cl,
		    const struct ctl_request *req)
{
	struct daemon *d = data;
	const struct conf_conn *conn = conf_find(d->conf, req->name);
	struct ike_sa *sa;
	int n = 0;

	if (!conn) {
		ctl_reply_message(cl, "no connection named '%s'", req->name);
		return CTL_E_NOENT;
	}
	for (sa = d->sas; sa; sa = sa->next) {
		if (sa->conn != conn || sa->state == IKE_S_DEAD)
			continue;
		ctl_reply_message(cl, "%s: deleting IKE SA #%u", conn->name,
				  sa->id);
		sa_delete(d, sa);
		n++;
	}
	if (!n) {
		ctl_reply_message(cl, "%s: no IKE SA", conn->name);
		return CTL_E_STATE;
	}
	return CTL_OK;
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)ike_get_be32(p) << 32 | ike_get_be32(p + 4);
}

static void child_status(struct daemon *d, struct ike_sa *sa,
			 struct child_sa *c, struct ctl_child_status *cs)
{
	uint64_t now = now_ms();

	memset(cs, 0, sizeof(*cs));
	kernel_read_stats(d, sa, c);
	snprintf(cs->name, sizeof(cs->name), "%s", c->cfg->name);
	snprintf(cs->state, sizeof(cs->state), "%s",
		 c->state == CHILD_S_INSTALLED ? "INSTALLED" :
		 c->state == CHILD_S_REKEYED ? "REKEYED" : "DELETING");
	snprintf(cs->mode, sizeof(cs->mode), "%s",
		 c->mode == IPSEC_MODE_TUNNEL ? "tunnel" : "transport");
	cs->reqid = c->reqid;
	cs->spi_in = c->spi_in;
	cs->spi_out = c->spi_out;
	prop_suite_str(&c->suite, cs->algs, sizeof(cs->algs));
	cs->encap = sa->nat != 0;
	cs->bytes_in = c->bytes_in;
	cs->bytes_out = c->bytes_out;
	cs->packets_in = c->packets_in;
	cs->packets_out = c->packets_out;
	cs->installed_secs = (now - c->installed_ms) / 1000;
	if (c->state == CHILD_S_INSTALLED && c->rekey_at_ms > now)
		cs->rekey_secs = (c->rekey_at_ms - now) / 1000;
	if (c->cfg->life_time)
		cs->expire_secs = c->cfg->life_time > cs->installed_secs ?
			c->cfg->life_time - cs->installed_secs : 0;
	ts_str(&c->ts_local, cs->local_ts, sizeof(cs->local_ts));
	ts_str(&c->ts_remote, cs->remote_ts, sizeof(cs->remote_ts));
}

/* Our ID as the peer sees it, in the form of the remote one
 * ("fqdn:gw.example", "dn:...", an address).
 */
static void local_id_str(struct daemon *d, const struct ike_sa *sa,
			 char *out, size_t len)
{
	uint8_t buf[ID_MAX];
	struct ike_id id = { .data = buf };
	int n = local_id(d, sa->conn, &sa->path.ep.local, &id.type, buf);

	if (n < 0) {
		ipsec_addr_fmt(&sa->path.ep.local, out, len);
		return;
	}
	id.len = (uint16_t)n;
	id_str(&id, out, len);
}

/* Who carries @sa's CHILD_SAs' ESP (CTL_IKE_ESP_PATH). Over TCP that
 * is ipsecme.ko once its ULP is on the connection; without it ESP
 * records that arrive are dropped and counted, and none are sent.
 */
static const char *esp_path(const struct daemon *d, const struct ike_sa *sa)
{
	if (!d->kernel)
		return "none";
	if (!path_is_tcp(&sa->path))
		return "kernel";
	return tcp_path_ulp_fd(&sa->path) >= 0 ? "ipsecme.ko" : "none";
}

static void ike_status(struct daemon *d, struct ike_sa *sa,
		       struct ctl_ike_status *st, struct ctl_child_status *cs)
{
	struct child_sa *c;
	char id[CONF_ID_MAX];

	memset(st, 0, sizeof(*st));
	snprintf(st->conn, sizeof(st->conn), "%s", sa->conn->name);
	st->id = sa->id;
	snprintf(st->state, sizeof(st->state), "%s", ike_state_str(sa->state));
	st->initiator = sa->initiator;
	st->local_addr = sa->path.ep.local;
	st->remote_addr = sa->path.ep.remote;
	st->local_port = sa->path.ep.lport;
	st->remote_port = sa->path.ep.rport;
	snprintf(st->transport, sizeof(st->transport), "%s%s",
		 sa->path.ops ? sa->path.ops->name : "none",
		 sa->udp_fell_back ? " (UDP unanswered)" : "");
	snprintf(st->esp_path, sizeof(st->esp_path), "%s", esp_path(d, sa));
	local_id_str(d, sa, id, sizeof(id));
	snprintf(st->local_id, sizeof(st->local_id), "%s", id);
	snprintf(st->remote_id, sizeof(st->remote_id), "%s", sa->remote_id);
	st->spi_i = be64(sa->spi_i);
	st->spi_r = be64(sa->spi_r);
	if (sa->suite.encr)
		prop_suite_str(&sa->suite, st->algs, sizeof(st->algs));
	st->nat = sa->nat;
	if (sa->established_ms)
		st->established_secs = (now_ms() - sa->established_ms) / 1000;
	if (!sa->successor_id && sa->rekey_at_ms > now_ms())
		st->rekey_secs = (sa->rekey_at_ms - now_ms()) / 1000;
	for (c = sa->children; c && st->n_children < CTL_CHILDREN_MAX;
	     c = c->next)
		child_status(d, sa, c, &cs[st->n_children++]);
	st->children = cs;
}

static void tcp_status(const struct tcp_transport *t,
		       struct ctl_tcp_status *st)
{
	*st = (struct ctl_tcp_status){
		.port = t->port, .open = t->n_streams,
		.max_conns = t->max_conns,
		.max_per_source = t->max_per_source,
		.accepted = t->c.accepted, .connected = t->c.connected,
		.refused_limit = t->c.refused_limit,
		.refused_source = t->c.refused_source,
		.bad_prefix = t->c.bad_prefix, .timed_out = t->c.timed_out,
		.bad_record = t->c.bad_record,
		.oversized_first = t->c.oversized_first,
		.esp_dropped = t->c.esp_dropped, .closed = t->c.closed,
	};
}

static int cmd_status(void *data, struct ctl_client *cl,
		      const struct ctl_request *req)
{
	static struct ctl_child_status cs[CTL_CHILDREN_MAX];
	struct daemon *d = data;
	struct ctl_ike_status st;
	struct ike_sa *sa;

	if (req->name[0] && !conf_find(d->conf, req->name)) {
		ctl_reply_message(cl, "no connection named '%s'", req->name);
		return CTL_E_NOENT;
	}
	for (sa = d->sas; sa; sa = sa->next) {
		if (sa->state == IKE_S_DEAD ||
		    (req->name[0] && strcmp(sa->conn->name, req->name)))
			continue;
		ike_status(d, sa, &st, cs);
		ctl_reply_ike(cl, &st);
	}
	if (!req->name[0]) {
		struct ctl_tcp_status ts;

		tcp_status(&d->tcp, &ts);
		ctl_reply_tcp(cl, &ts);
	}
	return CTL_OK;
}

static const struct conf_child *child_by_name(const struct conf_conn *c,
					      const char *name)
{
	size_t i;

	for (i = 0; i < c->n_children; i++)
		if (!strcmp(c->children[i].name, name))
			return &c->children[i];
	return NULL;
}

/* Delete, with one INFORMATIONAL, the CHILD_SAs of @sa whose child is
 * not in @c; they leave the kernel at once, since their configuration
 * is about to be freed. False if that cannot be done now (a request of
 * ours or a negotiation is under way): the caller deletes the IKE SA.
 */
static bool delete_lost_children(struct daemon *d, struct ike_sa *sa,
				 const struct conf_conn *c)
{
	static uint8_t plain[64 + 4 * CTL_CHILDREN_MAX];
	struct child_sa **pc = &sa->children, *ch, *lost = NULL;
	uint8_t spis[4 * CTL_CHILDREN_MAX];
	struct ike_builder b;
	uint16_t n = 0;

	for (ch = sa->children; ch; ch = ch->next)
		n += !child_by_name(c, ch->cfg->name);
	if (!n)
		return true;
	if (sa->state != IKE_S_ESTABLISHED || task_window_full(&sa->tasks) ||
	    ccsa_inflight(sa) || sa->successor_id ||
	    n > CTL_CHILDREN_MAX)
		return false;
	n = 0;
	while ((ch = *pc)) {
		if (child_by_name(c, ch->cfg->name)) {
			pc = &ch->next;
			continue;
		}
		*pc = ch->next;
		ch->next = lost;
		lost = ch;
		ike_put_be32(spis + 4 * n++, ch->spi_in);
	}
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_delete(&b, IKE_PROTO_ESP, 4, spis, n);
	if (info_send_child_delete(d, sa, &b))
		log_warn("%s: cannot send the delete of removed CHILD_SAs",
			 sa->conn->name);
	while ((ch = lost)) {
		lost = ch->next;
		log_info("%s: child %s gone from the configuration, CHILD_SA "
			 "%08x/%08x deleted", sa->conn->name, ch->cfg->name,
			 ch->spi_in, ch->spi_out);
		kernel_remove(d, sa, ch, !child_reqid_in_use(sa, ch->reqid));
		child_sa_free(ch);
	}
	return true;
}

/* Point the SAs at the new configuration's connections (by name). The
 * CHILD_SAs of a removed child are deleted alone when possible; SAs
 * whose connection is gone are deleted. What a request of ours has in
 * flight (a CHILD_SA being created or rekeyed, the successor of an IKE
 * SA rekey) moves too; the references SAs hold on the old
 * configuration keep it alive meanwhile, whatever remap() misses.
 */
static void remap(struct daemon *d, struct conf *nc)
{
	struct ike_sa *sa;

	for (sa = d->sas; sa; sa = sa->next) {
		const struct conf_conn *c = conf_find(nc, sa->conn->name);
		struct child_sa *ch;
		bool lost = !c;

		if (!lost && !task_remap(sa, c))
			lost = true;
		if (!lost && sa->state != IKE_S_DEAD &&
		    !delete_lost_children(d, sa, c))
			lost = true;
		for (ch = sa->children; !lost && ch; ch = ch->next)
			child_sa_remap(ch, c);
		if (lost) {
			log_info("%s: gone from the configuration, deleting "
				 "IKE SA #%u", sa->conn->name, sa->id);
			sa_delete(d, sa);
			sa_terminate(d, sa, "removed by reload");
		}
		if (!c)
			continue;
		ike_sa_set_conn(sa, c);
	}
}

int control_reload(struct daemon *d, char *err, size_t errlen)
{
	struct creds **ncreds;
	struct conf *nc;
	int ret = conf_load(d->conf_path, 0, &nc, err, errlen);

	if (ret)
		return ret;
	if (creds_load_all(nc, &ncreds, err, errlen)) {
		conf_free(nc);
		return -EINVAL;
	}
	remap(d, nc);
	/* Daemon settings that need new sockets take a restart. */
	nc->daemon.ike_port = d->conf->daemon.ike_port;
	nc->daemon.natt_port = d->conf->daemon.natt_port;
	snprintf(nc->daemon.ctl_socket, sizeof(nc->daemon.ctl_socket), "%s",
		 d->conf->daemon.ctl_socket);
	creds_free_all(d->creds, d->conf->n_conns);
	conf_free(d->conf);
	d->conf = nc;
	daemon_tasks_configure(d);
	d->creds = ncreds;
	log_level = nc->daemon.log_level > log_level ? nc->daemon.log_level :
						      log_level;
	log_info("configuration reloaded: %zu connections", nc->n_conns);
	return 0;
}

static int cmd_reload(void *data, struct ctl_client *cl,
		      const struct ctl_request *req)
{
	struct daemon *d = data;
	char err[512];

	if (control_reload(d, err, sizeof(err))) {
		ctl_reply_message(cl, "%s", err);
		return CTL_E_FAILED;
	}
	ctl_reply_message(cl, "configuration reloaded: %zu connections",
			  d->conf->n_conns);
	return CTL_OK;
}

/* The answer to a deferred "up" (sa_report()). */
static void up_done(struct ctl_client *waiter, const struct ike_sa *sa,
		    const char *why)
{
	if (why)
		ctl_reply_message(waiter, "%s: %s", sa->conn->name, why);
	else
		ctl_reply_message(waiter, "%s: IKE SA #%u established",
				  sa->conn->name, sa->id);
	ctl_client_finish(waiter, why ? CTL_E_FAILED : CTL_OK);
}

void control_handlers(struct daemon *d, struct ctl_handlers *h)
{
	d->hooks.up_done = up_done;
	memset(h, 0, sizeof(*h));
	h->fn[CTL_CMD_UP] = cmd_up;
	h->fn[CTL_CMD_DOWN] = cmd_down;
	h->fn[CTL_CMD_STATUS] = cmd_status;
	h->fn[CTL_CMD_RELOAD] = cmd_reload;
	h->data = d;
}
