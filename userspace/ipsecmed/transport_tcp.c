// SPDX-License-Identifier: GPL-2.0
/* The TCP transport (see transport_tcp.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "ipsecmed/ike/proto.h"
#include "ipsecmed/log.h"
#include "ipsecmed/transport_tcp.h"
#include "lib/xfrm.h"

#define TCP_PREFIX "IKETCP"
#define TCP_PREFIX_LEN 6
#define NON_ESP_MARKER_LEN 4
#define RECORD_HDR_LEN 2
#define RECORD_MAX 65535		/* the length field's range */
#define TCP_READ_BATCH 16		/* records per wakeup, then others */

enum tcp_state {
	TCP_S_CONNECTING,	/* ours: connect() in progress */
	TCP_S_PREFIX,		/* theirs: waiting for "IKETCP" */
	TCP_S_OPEN,
	TCP_S_CLOSED,		/* lost; freed with its last path */
};

struct tcp_stream {
	struct tcp_stream *next;
	struct tcp_transport *t;
	struct loop_fd lf;		/* lf.ctx: the stream */
	struct timer timer;		/* theirs: first message, idle */
	struct endpoint ep;
	enum tcp_state state;
	bool initiator;
	bool ulp;			/* the kernel frames the stream */
	bool got_message;
	bool busy;			/* its events are being handled */
	unsigned int refs;		/* paths naming it */
	int lost;			/* errno it ended with */
	uint8_t *rx;			/* a record being received */
	size_t rx_len;
	uint8_t *tx;			/* whole records, not yet written */
	size_t tx_len;
	uint32_t events;		/* what lf is watched for */
	uint64_t ino;			/* of the socket, for CONN_LOST */
};

static const struct transport_ops tcp_ops;
static void make_path(struct tcp_stream *s, struct path *p);

static const char *fmt_peer(const struct tcp_stream *s, char *buf)
{
	return ipsec_addr_fmt(&s->ep.remote, buf, IPSEC_ADDR_STRLEN);
}

/* --- lifetime ---------------------------------------------------------- */

static void unlink_stream(struct tcp_transport *t, struct tcp_stream *s)
{
	struct tcp_stream **p;

	for (p = &t->streams; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			t->n_streams--;
			return;
		}
	}
}

static void destroy(struct tcp_stream *s)
{
	if (s->state != TCP_S_CLOSED) {
		loop_del_fd(s->t->loop, &s->lf);
		close(s->lf.fd);
	}
	timer_cancel(s->t->loop, &s->timer);
	unlink_stream(s->t, s);
	free(s->rx);
	free(s->tx);
	free(s);
}

/* Free @s once nothing can reach it: no path names it, no event of it
 * is being handled, and it is closed or ours (a stream we opened serves
 * the IKE SA it was opened for; a peer's may yet carry one, a cookie
 * round or a reconnection, until its idle time is up).
 */
static void maybe_destroy(struct tcp_stream *s)
{
	if (!s->refs && !s->busy &&
	    (s->state == TCP_S_CLOSED || s->initiator))
		destroy(s);
}

/* The stream ended (@err: why): no more I/O; freed with its last path. */
static void stream_lost(struct tcp_stream *s, int err, const char *why)
{
	char a[IPSEC_ADDR_STRLEN];

	if (s->state == TCP_S_CLOSED)
		return;
	log_rl(LOG_INFO, "TCP %s port %u: %s", fmt_peer(s, a), s->ep.rport,
	       why);
	loop_del_fd(s->t->loop, &s->lf);
	close(s->lf.fd);
	s->state = TCP_S_CLOSED;
	s->lost = err;
	s->tx_len = 0;
	/* The IKE SAs on it hear of it from the loop, not from inside
	 * whatever call of theirs found it lost (a send may be one).
	 */
	if (s->refs && s->t->event)
		timer_arm(s->t->loop, &s->timer, now_ms());
	else
		timer_cancel(s->t->loop, &s->timer);
	maybe_destroy(s);
}

static void tell(struct tcp_stream *s, enum tcp_event ev)
{
	struct path p;

	if (!s->t->event)
		return;
	make_path(s, &p);
	s->busy = true;		/* the handler may let go of the last path */
	s->t->event(s->t->ctx, &p, ev);
	s->busy = false;
}

static void tcp_hold(void *via)
{
	((struct tcp_stream *)via)->refs++;
}

static void tcp_put(void *via)
{
	struct tcp_stream *s = via;

	if (--s->refs)
		return;
	if (s->state != TCP_S_CLOSED && !s->initiator)
		timer_arm(s->t->loop, &s->timer,
			  now_ms() + s->t->timeout_ms);
	maybe_destroy(s);
}

static void make_path(struct tcp_stream *s, struct path *p)
{
	*p = (struct path){ .ops = &tcp_ops, .via = s, .ep = s->ep };
}

/* --- writing ----------------------------------------------------------- */

static void watch_out(struct tcp_stream *s, bool want)
{
	uint32_t ev = EPOLLIN | (want ? EPOLLOUT : 0);

	if (s->state == TCP_S_CLOSED || ev == s->events)
		return;
	if (!loop_mod_fd(s->t->loop, &s->lf, ev))
		s->events = ev;
}

/* With the ULP, one send() per IKE message (marker included, the
 * kernel adds the length); without, the records as bytes.
 */
static int write_out(struct tcp_stream *s)
{
	size_t done = 0;
	ssize_t n;

	while (done < s->tx_len) {
		const uint8_t *rec = s->tx + done;
		size_t rlen = s->ulp ? (size_t)(rec[0] << 8 | rec[1]) :
				       s->tx_len - done;

		if (s->ulp)
			n = send(s->lf.fd, rec + RECORD_HDR_LEN,
				 rlen - RECORD_HDR_LEN,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			n = send(s->lf.fd, rec, rlen,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		done += s->ulp ? rlen : (size_t)n;
	}
	memmove(s->tx, s->tx + done, s->tx_len - done);
	s->tx_len -= done;
	watch_out(s, s->tx_len > 0);
	return 0;
}

static void flush(struct tcp_stream *s)
{
	int err;

	if (s->state != TCP_S_OPEN || !s->tx_len)
		return;
	err = write_out(s);
	if (err)
		stream_lost(s, -err, strerror(-err));
}

static int tcp_send(const struct path *p, const uint8_t *msg, size_t len)
{
	struct tcp_stream *s = p->via;
	size_t rlen = RECORD_HDR_LEN + NON_ESP_MARKER_LEN + len;
	uint8_t *rec;

	if (s->state == TCP_S_CLOSED)
		return -ENOTCONN;
	if (rlen > RECORD_MAX)
		return -EMSGSIZE;
	if (s->tx_len + rlen > TCP_TX_MAX)
		return -ENOBUFS;	/* a retransmission comes later */
	if (!s->tx) {
		s->tx = malloc(TCP_TX_MAX);
		if (!s->tx)
			return -ENOMEM;
	}
	rec = s->tx + s->tx_len;
	rec[0] = (uint8_t)(rlen >> 8);
	rec[1] = (uint8_t)rlen;
	memset(rec + RECORD_HDR_LEN, 0, NON_ESP_MARKER_LEN);
	memcpy(rec + RECORD_HDR_LEN + NON_ESP_MARKER_LEN, msg, len);
	s->tx_len += rlen;
	flush(s);
	return s->state == TCP_S_CLOSED ? -s->lost : 0;
}

/* --- reading ----------------------------------------------------------- */

/* Hand the espintcp ULP the stream; without it, frame here. */
static void attach_ulp(struct tcp_stream *s)
{
	static bool warned;

	if (!s->t->kernel)
		return;
	if (!setsockopt(s->lf.fd, IPPROTO_TCP, TCP_ULP, "espintcp",
			sizeof("espintcp"))) {
		s->ulp = true;
		return;
	}
	if (!warned)
		log_warn("cannot attach the espintcp ULP (%s): IKE over TCP "
			 "works, ESP over TCP does not (is ipsecme.ko "
			 "loaded?)", strerror(errno));
	warned = true;
}

static void deliver(struct tcp_stream *s, const uint8_t *msg, size_t len)
{
	struct path from;

	s->got_message = true;
	if (!s->initiator && !s->refs)	/* idle: a new lease of time */
		timer_arm(s->t->loop, &s->timer, now_ms() + s->t->timeout_ms);
	make_path(s, &from);
	s->t->input(s->t->ctx, &from, msg, len);
}

/* One record (length field excluded) from a stream framed here. */
static bool take_record(struct tcp_stream *s, const uint8_t *rec, size_t len)
{
	if (len == 1 && rec[0] == 0xff)
		return true;			/* NAT keepalive */
	if (len >= NON_ESP_MARKER_LEN &&
	    !memcmp(rec, "\0\0\0\0", NON_ESP_MARKER_LEN)) {
		if (len > NON_ESP_MARKER_LEN)
			deliver(s, rec + NON_ESP_MARKER_LEN,
				len - NON_ESP_MARKER_LEN);
		return true;
	}
	if (len < 8)
		return false;			/* neither IKE nor ESP */
	s->t->c.esp_dropped++;
	return true;
}

/* The read functions: 1 if they took bytes, 0 if there were none, or
 * -errno to end the stream with (and *why).
 */
static int recv_result(ssize_t n, const char *eof, const char **why)
{
	if (n > 0)
		return 1;
	if (n == 0) {
		*why = eof;
		return -EPIPE;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	*why = strerror(errno);
	return -errno;
}

/* Framed here: the next piece of a record. */
static int read_framed(struct tcp_stream *s, const char **why)
{
	size_t want, len;
	ssize_t n;

	int ret;

	if (!s->rx && !(s->rx = malloc(RECORD_MAX))) {
		*why = "out of memory";
		return -ENOMEM;
	}
	want = s->rx_len < RECORD_HDR_LEN ? RECORD_HDR_LEN - s->rx_len :
	       (size_t)(s->rx[0] << 8 | s->rx[1]) - s->rx_len;
	n = recv(s->lf.fd, s->rx + s->rx_len, want, MSG_DONTWAIT);
	ret = recv_result(n, "closed by the peer", why);
	if (ret <= 0)
		return ret;
	s->rx_len += (size_t)n;
	if (s->rx_len < RECORD_HDR_LEN)
		return 1;
	len = (size_t)(s->rx[0] << 8 | s->rx[1]);
	if (len < RECORD_HDR_LEN) {
		s->t->c.bad_record++;
		*why = "record length below 2 (RFC 9329 section 3)";
		return -EINVAL;
	}
	if (!s->got_message && !s->initiator && len > TCP_FIRST_MAX) {
		s->t->c.oversized_first++;
		*why = "first record too long for an IKE message";
		return -EMSGSIZE;
	}
	if (s->rx_len < len)
		return 1;
	s->rx_len = 0;
	if (!take_record(s, s->rx + RECORD_HDR_LEN, len - RECORD_HDR_LEN)) {
		s->t->c.bad_record++;
		*why = "record neither IKE nor ESP";
		return -EINVAL;
	}
	return 1;
}

/* One IKE message from the ULP (marker included). */
static int read_ulp(struct tcp_stream *s, const char **why)
{
	ssize_t n;
	int ret;

	if (!s->rx && !(s->rx = malloc(RECORD_MAX))) {
		*why = "out of memory";
		return -ENOMEM;
	}
	n = recv(s->lf.fd, s->rx, RECORD_MAX, MSG_DONTWAIT);
	if (n < 0 && errno == EINVAL) {
		/* The ULP's parser refused a record length (0 or 1). */
		s->t->c.bad_record++;
		*why = "record length below 2 (RFC 9329 section 3)";
		return -EINVAL;
	}
	ret = recv_result(n, "closed by the peer", why);
	if (ret <= 0)
		return ret;
	if (!s->got_message && !s->initiator && n > TCP_FIRST_MAX) {
		s->t->c.oversized_first++;
		*why = "first record too long for an IKE message";
		return -EMSGSIZE;
	}
	if (n > NON_ESP_MARKER_LEN)
		deliver(s, s->rx + NON_ESP_MARKER_LEN,
			(size_t)n - NON_ESP_MARKER_LEN);
	return 1;
}

/* Exactly the prefix, nothing after it: what follows is the ULP's. */
static int read_prefix(struct tcp_stream *s, const char **why)
{
	uint8_t buf[TCP_PREFIX_LEN];
	ssize_t n = recv(s->lf.fd, buf, TCP_PREFIX_LEN - s->rx_len,
			 MSG_DONTWAIT);
	int ret = recv_result(n, "closed before the IKETCP prefix", why);

	if (ret <= 0)
		return ret;
	if (memcmp(buf, TCP_PREFIX + s->rx_len, (size_t)n)) {
		s->t->c.bad_prefix++;
		*why = "no IKETCP prefix";
		return -EPROTO;
	}
	s->rx_len += (size_t)n;
	if (s->rx_len == TCP_PREFIX_LEN) {
		s->rx_len = 0;
		s->state = TCP_S_OPEN;
		attach_ulp(s);
	}
	return 1;
}

static void connected(struct tcp_stream *s)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(s->lf.fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		stream_lost(s, err ? err : errno, err ? strerror(err) :
			    "connect failed");
		return;
	}
	if (send(s->lf.fd, TCP_PREFIX, TCP_PREFIX_LEN,
		 MSG_DONTWAIT | MSG_NOSIGNAL) != TCP_PREFIX_LEN) {
		stream_lost(s, EIO, "cannot send the IKETCP prefix");
		return;
	}
	s->t->c.connected++;
	s->state = TCP_S_OPEN;
	attach_ulp(s);
	watch_out(s, false);
	flush(s);
	if (s->state == TCP_S_OPEN)
		tell(s, TCP_EV_OPEN);
}

static void on_stream(struct loop_fd *f, uint32_t events)
{
	struct tcp_stream *s = f->ctx;
	const char *why = "";
	int i, ret = 0;

	s->busy = true;	/* the input may let go of its last path */
	if (s->state == TCP_S_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			connected(s);
	} else if (events & EPOLLOUT) {
		flush(s);
	}
	for (i = 0; i < TCP_READ_BATCH && s->state != TCP_S_CLOSED &&
		    s->state != TCP_S_CONNECTING &&
		    (events & (EPOLLIN | EPOLLERR | EPOLLHUP)); i++) {
		ret = s->state == TCP_S_PREFIX ? read_prefix(s, &why) :
		      s->ulp ? read_ulp(s, &why) : read_framed(s, &why);
		if (ret <= 0)
			break;
	}
	if (ret < 0) {
		if (ret == -EPIPE || ret == -ECONNRESET)
			s->t->c.closed++;
		stream_lost(s, -ret, why);
	}
	s->busy = false;
	maybe_destroy(s);
}

static void on_timeout(struct timer *timer)
{
	struct tcp_stream *s = timer->ctx;

	if (s->state == TCP_S_CLOSED) {		/* see stream_lost() */
		tell(s, TCP_EV_LOST);
		maybe_destroy(s);
		return;
	}
	if (s->refs)
		return;
	s->t->c.timed_out++;
	stream_lost(s, ETIMEDOUT, s->got_message ? "idle without an IKE SA" :
		    s->state == TCP_S_PREFIX ? "no IKETCP prefix in time" :
		    "no IKE message in time");
}

/* --- setting up -------------------------------------------------------- */

static struct tcp_stream *stream_new(struct tcp_transport *t, int fd,
				     bool initiator)
{
	struct tcp_stream *s = calloc(1, sizeof(*s));
	struct stat st;

	if (!s)
		return NULL;
	s->t = t;
	s->lf = (struct loop_fd){ .fd = fd, .ready = on_stream, .ctx = s };
	s->timer = (struct timer){ .fire = on_timeout, .ctx = s };
	s->initiator = initiator;
	if (!fstat(fd, &st))
		s->ino = st.st_ino;
	s->state = initiator ? TCP_S_CONNECTING : TCP_S_PREFIX;
	s->events = initiator ? EPOLLIN | EPOLLOUT : EPOLLIN;
	if (loop_add_fd(t->loop, &s->lf, s->events)) {
		free(s);
		return NULL;
	}
	s->next = t->streams;
	t->streams = s;
	t->n_streams++;
	return s;
}

static unsigned int from_source(const struct tcp_transport *t,
				const struct ipsec_addr *a)
{
	const struct tcp_stream *s;
	unsigned int n = 0;

	for (s = t->streams; s; s = s->next)
		n += !s->initiator && s->state != TCP_S_CLOSED &&
		     ipsec_addr_eq(&s->ep.remote, a);
	return n;
}

/* The ends of an accepted stream; false if they make no sense. */
static bool stream_ends(int fd, struct endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	memset(ep, 0, sizeof(*ep));
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) ||
	    ipsec_addr_from_sockaddr((struct sockaddr *)&ss, &ep->remote,
				     &ep->rport))
		return false;
	sl = sizeof(ss);
	return !getsockname(fd, (struct sockaddr *)&ss, &sl) &&
	       !ipsec_addr_from_sockaddr((struct sockaddr *)&ss, &ep->local,
					 &ep->lport);
}

static void accept_one(struct tcp_transport *t, int fd)
{
	char a[IPSEC_ADDR_STRLEN];
	struct tcp_stream *s;
	struct endpoint ep;

	if (!stream_ends(fd, &ep)) {
		close(fd);
		return;
	}
	if (t->n_streams >= t->max_conns) {
		t->c.refused_limit++;
		log_rl(LOG_WARN, "TCP from %s refused: %u connections "
		       "(tcp_max_connections)", ipsec_addr_fmt(&ep.remote, a,
		       sizeof(a)), t->n_streams);
		close(fd);
		return;
	}
	if (t->max_per_source &&
	    from_source(t, &ep.remote) >= t->max_per_source) {
		t->c.refused_source++;
		log_rl(LOG_WARN, "TCP from %s refused: %u connections from "
		       "it (tcp_max_per_source)", ipsec_addr_fmt(&ep.remote, a,
		       sizeof(a)), t->max_per_source);
		close(fd);
		return;
	}
	s = stream_new(t, fd, false);
	if (!s) {
		close(fd);
		return;
	}
	s->ep = ep;
	t->c.accepted++;
	timer_arm(t->loop, &s->timer, now_ms() + t->timeout_ms);
}

static void on_listener(struct loop_fd *f, uint32_t events)
{
	struct tcp_transport *t = f->ctx;
	int i, fd;

	for (i = 0; i < TCP_READ_BATCH; i++) {
		fd = accept4(f->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		accept_one(t, fd);
	}
}

static int tcp_socket(int family, bool kernel)
{
	int one = 1, fd, err;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* The outer connection must not go into the tunnel it carries;
	 * accepted sockets inherit the listener's policy.
	 */
	if (kernel && (err = xfrm_socket_bypass(fd, family))) {
		close(fd);
		return err;
	}
	return fd;
}

static int listen_one(struct tcp_transport *t, int family)
{
	struct ipsec_addr any = { .family = family };
	struct sockaddr_storage ss;
	socklen_t sl = ipsec_addr_to_sockaddr(&any, t->port, &ss);
	struct tcp_listener *l = &t->ls[t->n_ls];
	int one = 1, fd, err;

	fd = tcp_socket(family, t->kernel);
	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 128)) {
		err = -errno;
		close(fd);
		return err;
	}
	l->lf = (struct loop_fd){ .fd = fd, .ready = on_listener, .ctx = t };
	err = loop_add_fd(t->loop, &l->lf, EPOLLIN);
	if (err) {
		close(fd);
		return err;
	}
	t->n_ls++;
	return 0;
}

int tcp_transport_open(struct tcp_transport *t, struct loop *loop,
		       uint16_t port, const struct tcp_limits *lim,
		       bool kernel, transport_input_fn *input,
		       tcp_event_fn *event, void *ctx)
{
	int err;

	*t = (struct tcp_transport){
		.loop = loop, .port = port, .max_conns = lim->max_conns,
		.max_per_source = lim->max_per_source,
		.timeout_ms = lim->timeout_ms, .kernel = kernel,
		.input = input, .event = event, .ctx = ctx,
	};
	if (!port)
		return 0;
	err = listen_one(t, AF_INET);
	if (!err) {
		err = listen_one(t, AF_INET6);
		if (err == -EAFNOSUPPORT)
			err = 0;
	}
	if (err) {
		log_err("cannot listen on TCP port %u: %s", port,
			strerror(-err));
		tcp_transport_close(t);
	}
	return err;
}

void tcp_transport_close(struct tcp_transport *t)
{
	size_t i;

	for (i = 0; i < t->n_ls; i++) {
		loop_del_fd(t->loop, &t->ls[i].lf);
		close(t->ls[i].lf.fd);
	}
	t->n_ls = 0;
	t->event = NULL;	/* nobody is left to reconnect */
	/* Paths that still name a stream keep it, closed and off the
	 * list, until they let go.
	 */
	while (t->streams) {
		struct tcp_stream *s = t->streams;

		unlink_stream(t, s);
		stream_lost(s, ESHUTDOWN, "shutting down");
	}
}

int tcp_connect(struct tcp_transport *t, const struct endpoint *ep,
		struct path *out)
{
	struct sockaddr_storage ss;
	struct tcp_stream *s;
	struct endpoint e = *ep;
	socklen_t sl;
	int fd, err;

	fd = tcp_socket(ep->remote.family, t->kernel);
	if (fd < 0)
		return fd;
	/* Bind first: our port is known before connect() finishes, and
	 * IKE_SA_INIT's NAT detection hashes it.
	 */
	sl = ipsec_addr_to_sockaddr(&ep->local, 0, &ss);
	if (ep->local.family != ep->remote.family) {
		struct ipsec_addr any = { .family = ep->remote.family };

		sl = ipsec_addr_to_sockaddr(&any, 0, &ss);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl)) {
		err = -errno;
		close(fd);
		return err;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) ||
	    ipsec_addr_from_sockaddr((struct sockaddr *)&ss, &e.local,
				     &e.lport)) {
		close(fd);
		return -EADDRNOTAVAIL;
	}
	if (ipsec_addr_is_any(&e.local))
		e.local = ep->local;
	sl = ipsec_addr_to_sockaddr(&ep->remote, ep->rport, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	s = stream_new(t, fd, true);
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->ep = e;
	s->refs = 1;		/* @out's */
	make_path(s, out);
	return 0;
}

int tcp_path_ulp_fd(const struct path *p)
{
	const struct tcp_stream *s = p->via;

	return path_is_tcp(p) && s->state == TCP_S_OPEN && s->ulp ?
	       s->lf.fd : -1;
}

bool path_is_tcp(const struct path *p)
{
	return p->ops == &tcp_ops;
}

bool tcp_path_is_ours(const struct path *p)
{
	return path_is_tcp(p) && ((const struct tcp_stream *)p->via)->initiator;
}

bool tcp_stream_lost_ino(struct tcp_transport *t, uint64_t ino, int err)
{
	struct tcp_stream *s;

	for (s = t->streams; s; s = s->next) {
		if (s->ino && s->ino == ino && s->state != TCP_S_CLOSED) {
			stream_lost(s, err, strerror(err));
			return true;
		}
	}
	return false;
}

static const struct transport_ops tcp_ops = {
	.name = "tcp",
	.send = tcp_send,
	.hold = tcp_hold,
	.put = tcp_put,
};
