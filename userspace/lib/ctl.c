// SPDX-License-Identifier: GPL-2.0
/* The ipsecmed control socket: server, client and codec; see lib/ctl.h. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/netlink.h>	/* struct nlattr */

#include "lib/ctl.h"

#define HDR_LEN		sizeof(struct ctl_hdr)
#define ATTR_HDR	sizeof(struct nlattr)
#define ALIGN4(x)	(((x) + 3) & ~(size_t)3)

static const char *const cmd_names[__CTL_CMD_MAX] = {
	[CTL_CMD_UP] = "up",
	[CTL_CMD_DOWN] = "down",
	[CTL_CMD_STATUS] = "status",
	[CTL_CMD_RELOAD] = "reload",
};

const char *ctl_cmd_name(int cmd)
{
	return cmd > 0 && cmd <= CTL_CMD_MAX ? cmd_names[cmd] : NULL;
}

/* ---- attribute writing ------------------------------------------------ */

struct abuf {
	uint8_t *data;
	size_t len, cap;
	bool overflow;
};

static void *a_put(struct abuf *b, uint16_t type, const void *val, size_t len)
{
	struct nlattr *a;
	size_t total = ALIGN4(ATTR_HDR + len);

	if (b->overflow || ATTR_HDR + len > UINT16_MAX ||
	    b->len + total > b->cap) {
		b->overflow = true;
		return NULL;
	}
	a = (struct nlattr *)(b->data + b->len);
	a->nla_len = (uint16_t)(ATTR_HDR + len);
	a->nla_type = type;
	if (len)
		memcpy(a + 1, val, len);
	memset((uint8_t *)(a + 1) + len, 0, total - ATTR_HDR - len);
	b->len += total;
	return a;
}

static void a_str(struct abuf *b, uint16_t type, const char *s)
{
	a_put(b, type, s, strlen(s) + 1);
}

static void a_u8(struct abuf *b, uint16_t type, uint8_t v)
{
	a_put(b, type, &v, sizeof(v));
}

static void a_u16(struct abuf *b, uint16_t type, uint16_t v)
{
	a_put(b, type, &v, sizeof(v));
}

static void a_u32(struct abuf *b, uint16_t type, uint32_t v)
{
	a_put(b, type, &v, sizeof(v));
}

static void a_u64(struct abuf *b, uint16_t type, uint64_t v)
{
	a_put(b, type, &v, sizeof(v));
}

static void a_addr(struct abuf *b, uint16_t type, const struct ipsec_addr *a)
{
	if (a->family == AF_INET)
		a_put(b, type, &a->v4, 4);
	else if (a->family == AF_INET6)
		a_put(b, type, &a->v6, 16);
}

static size_t a_nest_start(struct abuf *b, uint16_t type)
{
	size_t off = b->len;

	a_put(b, type, NULL, 0);
	return off;
}

static void a_nest_end(struct abuf *b, size_t off)
{
	if (b->overflow || b->len - off > UINT16_MAX) {
		b->overflow = true;
		return;
	}
	((struct nlattr *)(b->data + off))->nla_len = (uint16_t)(b->len - off);
}

static void put_child(struct abuf *b, const struct ctl_child_status *c)
{
	size_t nest = a_nest_start(b, CTL_IKE_CHILD);

	a_str(b, CTL_CHILD_NAME, c->name);
	a_str(b, CTL_CHILD_STATE, c->state);
	a_str(b, CTL_CHILD_MODE, c->mode);
	a_u32(b, CTL_CHILD_REQID, c->reqid);
	a_u32(b, CTL_CHILD_SPI_IN, c->spi_in);
	a_u32(b, CTL_CHILD_SPI_OUT, c->spi_out);
	a_str(b, CTL_CHILD_ALGS, c->algs);
	a_u8(b, CTL_CHILD_ENCAP, c->encap);
	a_u64(b, CTL_CHILD_BYTES_IN, c->bytes_in);
	a_u64(b, CTL_CHILD_BYTES_OUT, c->bytes_out);
	a_u64(b, CTL_CHILD_PACKETS_IN, c->packets_in);
	a_u64(b, CTL_CHILD_PACKETS_OUT, c->packets_out);
	a_u64(b, CTL_CHILD_INSTALLED, c->installed_secs);
	a_u64(b, CTL_CHILD_REKEY, c->rekey_secs);
	a_u64(b, CTL_CHILD_EXPIRE, c->expire_secs);
	a_str(b, CTL_CHILD_LOCAL_TS, c->local_ts);
	a_str(b, CTL_CHILD_REMOTE_TS, c->remote_ts);
	a_nest_end(b, nest);
}

static void put_ike(struct abuf *b, const struct ctl_ike_status *ike)
{
	size_t nest = a_nest_start(b, CTL_A_IKE), i;

	a_str(b, CTL_IKE_CONN, ike->conn);
	a_u32(b, CTL_IKE_ID, ike->id);
	a_str(b, CTL_IKE_STATE, ike->state);
	a_u8(b, CTL_IKE_INITIATOR, ike->initiator);
	a_addr(b, CTL_IKE_LOCAL_ADDR, &ike->local_addr);
	a_u16(b, CTL_IKE_LOCAL_PORT, ike->local_port);
	a_addr(b, CTL_IKE_REMOTE_ADDR, &ike->remote_addr);
	a_u16(b, CTL_IKE_REMOTE_PORT, ike->remote_port);
	a_str(b, CTL_IKE_LOCAL_ID, ike->local_id);
	a_str(b, CTL_IKE_REMOTE_ID, ike->remote_id);
	a_u64(b, CTL_IKE_SPI_I, ike->spi_i);
	a_u64(b, CTL_IKE_SPI_R, ike->spi_r);
	a_str(b, CTL_IKE_ALGS, ike->algs);
	a_str(b, CTL_IKE_TRANSPORT, ike->transport);
	a_str(b, CTL_IKE_ESP_PATH, ike->esp_path);
	a_u8(b, CTL_IKE_NAT, ike->nat);
	a_u64(b, CTL_IKE_ESTABLISHED, ike->established_secs);
	a_u64(b, CTL_IKE_REKEY, ike->rekey_secs);
	for (i = 0; i < ike->n_children; i++)
		put_child(b, &ike->children[i]);
	a_nest_end(b, nest);
}

static void put_tcp(struct abuf *b, const struct ctl_tcp_status *t)
{
	size_t nest = a_nest_start(b, CTL_A_TCP);

	a_u16(b, CTL_TCP_PORT, t->port);
	a_u32(b, CTL_TCP_OPEN, t->open);
	a_u32(b, CTL_TCP_MAX_CONNS, t->max_conns);
	a_u32(b, CTL_TCP_MAX_PER_SOURCE, t->max_per_source);
	a_u64(b, CTL_TCP_ACCEPTED, t->accepted);
	a_u64(b, CTL_TCP_CONNECTED, t->connected);
	a_u64(b, CTL_TCP_REFUSED_LIMIT, t->refused_limit);
	a_u64(b, CTL_TCP_REFUSED_SOURCE, t->refused_source);
	a_u64(b, CTL_TCP_BAD_PREFIX, t->bad_prefix);
	a_u64(b, CTL_TCP_TIMED_OUT, t->timed_out);
	a_u64(b, CTL_TCP_BAD_RECORD, t->bad_record);
	a_u64(b, CTL_TCP_OVERSIZED_FIRST, t->oversized_first);
	a_u64(b, CTL_TCP_ESP_DROPPED, t->esp_dropped);
	a_u64(b, CTL_TCP_CLOSED, t->closed);
	a_nest_end(b, nest);
}

/* ---- attribute reading ------------------------------------------------ */

typedef int (*attr_cb)(const struct nlattr *a, const void *val, size_t len,
		       void *data);

/* Walk the attributes of @p: every byte must belong to a well-formed
 * attribute (the last one's padding may be missing).
 */
static int attr_walk(const uint8_t *p, size_t len, attr_cb cb, void *data)
{
	size_t off = 0;
	int ret;

	while (off < len) {
		struct nlattr a;

		if (len - off < ATTR_HDR)
			return -EPROTO;
		memcpy(&a, p + off, ATTR_HDR);
		if (a.nla_len < ATTR_HDR || a.nla_len > len - off)
			return -EPROTO;
		ret = cb(&a, p + off + ATTR_HDR, a.nla_len - ATTR_HDR, data);
		if (ret)
			return ret;
		off += ALIGN4(a.nla_len);
	}
	return 0;
}

static int get_str(const void *val, size_t len, char *out, size_t outlen)
{
	if (len == 0 || ((const char *)val)[len - 1] != '\0' || len > outlen ||
	    strlen(val) != len - 1)
		return -EPROTO;
	memcpy(out, val, len);
	return 0;
}

static int get_int(const void *val, size_t len, void *out, size_t outlen)
{
	if (len != outlen)
		return -EPROTO;
	memcpy(out, val, len);
	return 0;
}

static int get_addr(const void *val, size_t len, struct ipsec_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (len == 4) {
		a->family = AF_INET;
		memcpy(&a->v4, val, 4);
	} else if (len == 16) {
		a->family = AF_INET6;
		memcpy(&a->v6, val, 16);
	} else {
		return -EPROTO;
	}
	return 0;
}

static int get_bool(const void *val, size_t len, bool *out)
{
	uint8_t v;

	if (get_int(val, len, &v, 1) || v > 1)
		return -EPROTO;
	*out = v;
	return 0;
}

#define STR(field)	get_str(val, len, field, sizeof(field))
#define INT(field)	get_int(val, len, &(field), sizeof(field))

static int child_cb(const struct nlattr *a, const void *val, size_t len,
		    void *data)
{
	struct ctl_child_status *c = data;

	switch (a->nla_type & NLA_TYPE_MASK) {
	case CTL_CHILD_NAME:		return STR(c->name);
	case CTL_CHILD_STATE:		return STR(c->state);
	case CTL_CHILD_MODE:		return STR(c->mode);
	case CTL_CHILD_REQID:		return INT(c->reqid);
	case CTL_CHILD_SPI_IN:		return INT(c->spi_in);
	case CTL_CHILD_SPI_OUT:		return INT(c->spi_out);
	case CTL_CHILD_ALGS:		return STR(c->algs);
	case CTL_CHILD_ENCAP:		return get_bool(val, len, &c->encap);
	case CTL_CHILD_BYTES_IN:	return INT(c->bytes_in);
	case CTL_CHILD_BYTES_OUT:	return INT(c->bytes_out);
	case CTL_CHILD_PACKETS_IN:	return INT(c->packets_in);
	case CTL_CHILD_PACKETS_OUT:	return INT(c->packets_out);
	case CTL_CHILD_INSTALLED:	return INT(c->installed_secs);
	case CTL_CHILD_REKEY:		return INT(c->rekey_secs);
	case CTL_CHILD_EXPIRE:		return INT(c->expire_secs);
	case CTL_CHILD_LOCAL_TS:	return STR(c->local_ts);
	case CTL_CHILD_REMOTE_TS:	return STR(c->remote_ts);
	}
	return 0;	/* newer daemon: skip */
}

struct ike_ctx {
	struct ctl_ike_status ike;
	struct ctl_child_status *children;
	bool has_conn;
};

static int ike_cb(const struct nlattr *a, const void *val, size_t len,
		  void *data)
{
	struct ike_ctx *x = data;
	struct ctl_ike_status *ike = &x->ike;

	switch (a->nla_type & NLA_TYPE_MASK) {
	case CTL_IKE_CONN:
		x->has_conn = true;
		return STR(ike->conn);
	case CTL_IKE_ID:		return INT(ike->id);
	case CTL_IKE_STATE:		return STR(ike->state);
	case CTL_IKE_INITIATOR:	return get_bool(val, len, &ike->initiator);
	case CTL_IKE_LOCAL_ADDR:	return get_addr(val, len, &ike->local_addr);
	case CTL_IKE_LOCAL_PORT:	return INT(ike->local_port);
	case CTL_IKE_REMOTE_ADDR:	return get_addr(val, len, &ike->remote_addr);
	case CTL_IKE_REMOTE_PORT:	return INT(ike->remote_port);
	case CTL_IKE_LOCAL_ID:		return STR(ike->local_id);
	case CTL_IKE_REMOTE_ID:	return STR(ike->remote_id);
	case CTL_IKE_SPI_I:		return INT(ike->spi_i);
	case CTL_IKE_SPI_R:		return INT(ike->spi_r);
	case CTL_IKE_ALGS:		return STR(ike->algs);
	case CTL_IKE_TRANSPORT:	return STR(ike->transport);
	case CTL_IKE_ESP_PATH:		return STR(ike->esp_path);
	case CTL_IKE_NAT:
		if (INT(ike->nat) || ike->nat & ~(CTL_NAT_LOCAL | CTL_NAT_REMOTE))
			return -EPROTO;
		return 0;
	case CTL_IKE_ESTABLISHED:	return INT(ike->established_secs);
	case CTL_IKE_REKEY:		return INT(ike->rekey_secs);
	case CTL_IKE_CHILD:
		if (ike->n_children >= CTL_CHILDREN_MAX)
			return -EPROTO;
		return attr_walk(val, len, child_cb,
				 &x->children[ike->n_children++]);
	}
	return 0;
}

static int tcp_cb(const struct nlattr *a, const void *val, size_t len,
		  void *data)
{
	struct ctl_tcp_status *t = data;

	switch (a->nla_type & NLA_TYPE_MASK) {
	case CTL_TCP_PORT:		return INT(t->port);
	case CTL_TCP_OPEN:		return INT(t->open);
	case CTL_TCP_MAX_CONNS:		return INT(t->max_conns);
	case CTL_TCP_MAX_PER_SOURCE:	return INT(t->max_per_source);
	case CTL_TCP_ACCEPTED:		return INT(t->accepted);
	case CTL_TCP_CONNECTED:		return INT(t->connected);
	case CTL_TCP_REFUSED_LIMIT:	return INT(t->refused_limit);
	case CTL_TCP_REFUSED_SOURCE:	return INT(t->refused_source);
	case CTL_TCP_BAD_PREFIX:	return INT(t->bad_prefix);
	case CTL_TCP_TIMED_OUT:		return INT(t->timed_out);
	case CTL_TCP_BAD_RECORD:	return INT(t->bad_record);
	case CTL_TCP_OVERSIZED_FIRST:	return INT(t->oversized_first);
	case CTL_TCP_ESP_DROPPED:	return INT(t->esp_dropped);
	case CTL_TCP_CLOSED:		return INT(t->closed);
	}
	return 0;	/* newer daemon: skip */
}

#undef STR
#undef INT

struct reply_ctx {
	const struct ctl_reply_ops *ops;
	const char *why;
};

static int reply_cb(const struct nlattr *a, const void *val, size_t len,
		    void *data)
{
	struct reply_ctx *r = data;
	struct ike_ctx *x;
	int ret;

	switch (a->nla_type & NLA_TYPE_MASK) {
	case CTL_A_MESSAGE:
		if (len == 0 || ((const char *)val)[len - 1] != '\0') {
			r->why = "message is not a NUL-terminated string";
			return -EPROTO;
		}
		if (r->ops && r->ops->message)
			r->ops->message(r->ops->data, val);
		return 0;
	case CTL_A_IKE:
		x = calloc(1, sizeof(*x));
		if (x)
			x->children = calloc(CTL_CHILDREN_MAX,
					     sizeof(*x->children));
		if (!x || !x->children) {
			free(x);
			r->why = "out of memory";
			return -ENOMEM;
		}
		ret = attr_walk(val, len, ike_cb, x);
		if (!ret && !x->has_conn)
			ret = -EPROTO;
		if (ret) {
			r->why = "malformed IKE SA status";
		} else if (r->ops && r->ops->ike) {
			x->ike.children = x->children;
			r->ops->ike(r->ops->data, &x->ike);
		}
		free(x->children);
		free(x);
		return ret;
	case CTL_A_TCP: {
		struct ctl_tcp_status t = { 0 };

		if (attr_walk(val, len, tcp_cb, &t)) {
			r->why = "malformed TCP status";
			return -EPROTO;
		}
		if (r->ops && r->ops->tcp)
			r->ops->tcp(r->ops->data, &t);
		return 0;
	}
	}
	return 0;
}

static int hdr_check(const void *buf, size_t len, struct ctl_hdr *h,
		     const char **why)
{
	if (len < HDR_LEN) {
		*why = "shorter than the header";
		return -EPROTO;
	}
	memcpy(h, buf, HDR_LEN);
	if (h->magic != CTL_MAGIC) {
		*why = "bad magic";
		return -EPROTO;
	}
	if (h->version != CTL_VERSION) {
		*why = "unsupported protocol version";
		return -EPROTO;
	}
	return 0;
}

int ctl_reply_decode(const void *buf, size_t len, uint16_t cmd,
		     const struct ctl_reply_ops *ops, int *status, bool *more,
		     const char **why)
{
	struct reply_ctx r = { .ops = ops, .why = "malformed attributes" };
	struct ctl_hdr h;
	int ret;

	*why = "";
	if (hdr_check(buf, len, &h, why))
		return -EPROTO;
	if (h.cmd != cmd) {
		*why = "reply to another command";
		return -EPROTO;
	}
	if (h.status < CTL_OK || h.status > CTL_E_BADREQ) {
		*why = "unknown status";
		return -EPROTO;
	}
	if (h.flags & ~CTL_F_MORE) {
		*why = "unknown flags";
		return -EPROTO;
	}
	ret = attr_walk((const uint8_t *)buf + HDR_LEN, len - HDR_LEN,
			reply_cb, &r);
	if (ret) {
		*why = r.why;
		return ret == -ENOMEM ? ret : -EPROTO;
	}
	*status = h.status;
	*more = h.flags & CTL_F_MORE;
	return 0;
}

/* Connection names as the configuration allows them. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CTL_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

struct req_ctx {
	struct ctl_request *req;
	const char *why;
	bool has_name;
};

static int req_cb(const struct nlattr *a, const void *val, size_t len,
		  void *data)
{
	struct req_ctx *r = data;

	if ((a->nla_type & NLA_TYPE_MASK) != CTL_A_NAME)
		return 0;
	if (r->has_name) {
		r->why = "name given twice";
		return -EPROTO;
	}
	r->has_name = true;
	if (get_str(val, len, r->req->name, sizeof(r->req->name)) ||
	    !name_ok(r->req->name)) {
		r->req->name[0] = '\0';
		r->why = "name is not 1-63 characters of A-Z a-z 0-9 _ . -";
		return -EPROTO;
	}
	return 0;
}

int ctl_request_decode(const void *buf, size_t len, struct ctl_request *req,
		       const char **why)
{
	struct req_ctx r = { .req = req, .why = "malformed attributes" };
	struct ctl_hdr h;

	memset(req, 0, sizeof(*req));
	*why = "";
	if (len > CTL_REQ_MAX) {
		*why = "request too long";
		return -EPROTO;
	}
	if (hdr_check(buf, len, &h, why))
		return -EPROTO;
	if (!ctl_cmd_name(h.cmd)) {
		*why = "unknown command";
		return -EPROTO;
	}
	if (h.status || h.flags) {
		*why = "status or flags set in a request";
		return -EPROTO;
	}
	req->cmd = h.cmd;
	if (attr_walk((const uint8_t *)buf + HDR_LEN, len - HDR_LEN, req_cb,
		      &r)) {
		*why = r.why;
		return -EPROTO;
	}
	if ((req->cmd == CTL_CMD_UP || req->cmd == CTL_CMD_DOWN) &&
	    !r.has_name) {
		*why = "up and down need a connection name";
		return -EPROTO;
	}
	return 0;
}

static void hdr_init(void *buf, uint16_t cmd, int32_t status, uint32_t flags)
{
	struct ctl_hdr h = {
		.magic = CTL_MAGIC, .version = CTL_VERSION, .cmd = cmd,
		.status = status, .flags = flags,
	};

	memcpy(buf, &h, HDR_LEN);
}

int ctl_request_encode(const struct ctl_request *req, void *buf, size_t len)
{
	struct abuf b = { .data = buf, .cap = len };

	if (!ctl_cmd_name(req->cmd) || len < HDR_LEN)
		return -EINVAL;
	if (req->name[0] && !name_ok(req->name))
		return -EINVAL;
	if ((req->cmd == CTL_CMD_UP || req->cmd == CTL_CMD_DOWN) &&
	    !req->name[0])
		return -EINVAL;
	hdr_init(buf, req->cmd, 0, 0);
	b.len = HDR_LEN;
	if (req->name[0])
		a_str(&b, CTL_A_NAME, req->name);
	return b.overflow ? -EINVAL : (int)b.len;
}

/* ---- server ------------------------------------------------------------ */

struct ctl_client {
	struct ctl_server *srv;
	struct ctl_client *next;	/* in srv->deferred */
	int fd;
	uint16_t cmd;
	bool dead;
	struct abuf b;
	uint8_t buf[CTL_MSG_MAX];
};

struct ctl_server {
	int fd;
	struct sockaddr_un sun;
	const struct ctl_handlers *h;
	struct ctl_client *deferred;
};

static int sun_init(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

/* mkdir -m 0700 of @path's directory if it does not exist. */
static int make_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int ctl_server_open(struct ctl_server **srvp, const char *path,
		    const struct ctl_handlers *h)
{
	struct ctl_server *srv;
	mode_t old;
	int ret, probe;

	*srvp = NULL;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->h = h;
	srv->fd = -1;
	ret = sun_init(&srv->sun, path);
	if (!ret)
		ret = make_dir(path);
	if (ret)
		goto err;
	/* A live daemon answers a connect; a stale file does not. */
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&srv->sun,
			    sizeof(srv->sun)) == 0) {
			close(probe);
			ret = -EADDRINUSE;
			goto err;
		}
		close(probe);
	}
	unlink(path);
	srv->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
			 0);
	if (srv->fd < 0) {
		ret = -errno;
		goto err;
	}
	/* Never let the socket exist with wider permissions. */
	old = umask(0177);
	ret = bind(srv->fd, (struct sockaddr *)&srv->sun, sizeof(srv->sun));
	umask(old);
	if (ret < 0 || chmod(path, 0600) < 0 || listen(srv->fd, 16) < 0) {
		ret = -errno;
		goto err;
	}
	*srvp = srv;
	return 0;
err:
	if (srv->fd >= 0)
		close(srv->fd);
	free(srv);
	return ret;
}

int ctl_server_fd(const struct ctl_server *srv)
{
	return srv->fd;
}

static int client_send(struct ctl_client *cl, int status, uint32_t flags)
{
	hdr_init(cl->buf, cl->cmd, status, flags);
	cl->b.overflow = false;
	if (!cl->dead && send(cl->fd, cl->buf, cl->b.len, MSG_NOSIGNAL) < 0)
		cl->dead = true;
	cl->b.len = HDR_LEN;
	return cl->dead ? -EPIPE : 0;
}

int ctl_client_flush(struct ctl_client *cl)
{
	return client_send(cl, CTL_OK, CTL_F_MORE);
}

/* Append the attributes built by @put; if they do not fit in this part,
 * send the part first and retry in an empty one.
 */
static int client_append(struct ctl_client *cl,
			 void (*put)(struct abuf *b, const void *arg),
			 const void *arg)
{
	size_t start = cl->b.len;

	put(&cl->b, arg);
	if (!cl->b.overflow)
		return cl->dead ? -EPIPE : 0;
	cl->b.len = start;
	cl->b.overflow = false;
	if (start > HDR_LEN && client_send(cl, CTL_OK, CTL_F_MORE))
		return -EPIPE;
	put(&cl->b, arg);
	if (cl->b.overflow) {
		cl->b.len = HDR_LEN;
		cl->b.overflow = false;
		return -EMSGSIZE;
	}
	return 0;
}

static void put_msg(struct abuf *b, const void *arg)
{
	a_str(b, CTL_A_MESSAGE, arg);
}

static void put_ike_cb(struct abuf *b, const void *arg)
{
	put_ike(b, arg);
}

int ctl_reply_message(struct ctl_client *cl, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return client_append(cl, put_msg, text);
}

int ctl_reply_ike(struct ctl_client *cl, const struct ctl_ike_status *ike)
{
	if (ike->n_children > CTL_CHILDREN_MAX)
		return -EINVAL;
	return client_append(cl, put_ike_cb, ike);
}

static void put_tcp_cb(struct abuf *b, const void *arg)
{
	put_tcp(b, arg);
}

int ctl_reply_tcp(struct ctl_client *cl, const struct ctl_tcp_status *tcp)
{
	return client_append(cl, put_tcp_cb, tcp);
}

static void client_free(struct ctl_client *cl)
{
	struct ctl_client **pp;

	for (pp = &cl->srv->deferred; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	close(cl->fd);
	free(cl);
}

void ctl_client_finish(struct ctl_client *cl, int status)
{
	if (status < CTL_OK || status > CTL_E_BADREQ)
		status = CTL_E_FAILED;
	client_send(cl, status, 0);
	client_free(cl);
}

static void refuse(struct ctl_client *cl, const char *why)
{
	ctl_reply_message(cl, "ipsecmed: malformed request: %s", why);
	ctl_client_finish(cl, CTL_E_BADREQ);
}

int ctl_server_handle(struct ctl_server *srv)
{
	uint8_t req_buf[CTL_REQ_MAX];
	struct iovec iov = { req_buf, sizeof(req_buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct ctl_request req;
	struct ctl_client *cl;
	struct timeval tv = { .tv_sec = 1 };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct pollfd pfd;
	const char *why;
	ssize_t n;
	int fd, ret;

	fd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return (errno == EAGAIN || errno == EINTR ||
			errno == ECONNABORTED) ? 0 : -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		close(fd);
		return -EPERM;
	}
	/* A stuck client must not stall the daemon for long. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(fd);
		return -ENOMEM;
	}
	cl->srv = srv;
	cl->fd = fd;
	cl->b.data = cl->buf;
	cl->b.cap = sizeof(cl->buf);
	cl->b.len = HDR_LEN;

	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) <= 0) {
		client_free(cl);
		return -ETIMEDOUT;
	}
	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n <= 0) {
		/* Closed without asking (e.g. another daemon's probe). */
		ret = n < 0 ? -errno : 0;
		client_free(cl);
		return ret;
	}
	/* Refusals echo the command if it is a valid one. */
	{
		struct ctl_hdr h = { 0 };

		memcpy(&h, req_buf, (size_t)n < HDR_LEN ? (size_t)n : HDR_LEN);
		cl->cmd = ctl_cmd_name(h.cmd) ? h.cmd : 0;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		refuse(cl, "request too long");
		return -EPROTO;
	}
	if (ctl_request_decode(req_buf, n, &req, &why)) {
		refuse(cl, why);
		return -EPROTO;
	}
	cl->cmd = req.cmd;
	if (!srv->h || !srv->h->fn[req.cmd]) {
		ctl_reply_message(cl, "ipsecmed: command '%s' is not supported",
				  ctl_cmd_name(req.cmd));
		ctl_client_finish(cl, CTL_E_BADREQ);
		return 0;
	}
	ret = srv->h->fn[req.cmd](srv->h->data, cl, &req);
	if (ret == CTL_DEFER) {
		cl->next = srv->deferred;
		srv->deferred = cl;
		return 0;
	}
	ctl_client_finish(cl, ret);
	return 0;
}

void ctl_server_close(struct ctl_server *srv)
{
	if (!srv)
		return;
	while (srv->deferred) {
		ctl_reply_message(srv->deferred, "ipsecmed is stopping");
		ctl_client_finish(srv->deferred, CTL_E_FAILED);
	}
	close(srv->fd);
	unlink(srv->sun.sun_path);
	free(srv);
}

/* ---- client ------------------------------------------------------------ */

int ctl_call(const char *path, const struct ctl_request *req,
	     const struct ctl_reply_ops *ops, int timeout_ms, int *status)
{
	uint8_t reqbuf[CTL_REQ_MAX];
	struct sockaddr_un sun;
	uint8_t *buf = NULL;
	bool more = true;
	const char *why;
	int fd, len, ret;

	*status = CTL_E_FAILED;
	len = ctl_request_encode(req, reqbuf, sizeof(reqbuf));
	if (len < 0)
		return len;
	ret = sun_init(&sun, path);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    send(fd, reqbuf, len, MSG_NOSIGNAL) < 0) {
		ret = -errno;
		goto out;
	}
	buf = malloc(CTL_MSG_MAX);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (more) {
		struct iovec iov = { buf, CTL_MSG_MAX };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		ret = poll(&pfd, 1, timeout_ms);
		if (ret == 0) {
			ret = -ETIMEDOUT;
			goto out;
		}
		if (ret < 0) {
			ret = -errno;
			goto out;
		}
		n = recvmsg(fd, &mh, 0);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0 || (mh.msg_flags & MSG_TRUNC)) {
			ret = -EPROTO;	/* closed early, or oversized */
			goto out;
		}
		ret = ctl_reply_decode(buf, n, req->cmd, ops, status, &more,
				       &why);
		if (ret)
			goto out;
	}
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}
