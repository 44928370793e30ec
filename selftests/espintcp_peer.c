// SPDX-License-Identifier: GPL-2.0
/*
 * espintcp_peer: one end of an RFC 9329 connection for the selftests.
 *
 *	espintcp_peer [OPTIONS] listen|connect ADDR PORT
 *	espintcp_peer [-b ...] [-L] serve ADDR PORT
 *	espintcp_peer [-b ...] churn N ADDR PORT
 *	espintcp_peer dump N
 *	espintcp_peer try-bind KIND DADDR SPI [MARK/MASK]
 *	espintcp_peer try-attach [connected|listening|unconnected]
 *	espintcp_peer try-disconnect
 *	espintcp_peer poll-partial
 *	espintcp_peer recv-half-closed
 *	espintcp_peer try-kcm
 *	espintcp_peer hold-tx N
 *
 * listen/connect: open the TCP connection, exchange the "IKETCP" prefix
 * (the connecting side sends it, the listening side checks it), attach
 * the "espintcp" ULP, bind the SAs given with -b, create the -r file, then
 * run the actions in order: -s, -R, then -e or -w. connect (and churn)
 * retry a refused connection for up to a minute, so a listener started
 * just before need not be waited for.
 *
 *	-b [wait:]DADDR,SPI[,MARK/MASK]
 *			bind this SA (SPI, mark in hex) to the socket;
 *			with "wait:", one that may not be added yet
 *			(IPSECME_BIND_F_BEFORE_SA); repeatable
 *	-r FILE		create FILE once set up
 *	-s N:SIZE	send N IKE messages of SIZE bytes (marker included)
 *	-R N:SIZE	receive N IKE messages, each SIZE bytes with the pattern
 *			-s writes, in order; prints "received N"
 *	-e		then wait for EOF (recv() == 0); prints "eof"
 *	-w		then hold the connection until stdin reaches EOF
 *	-W		shut down the sending side (SHUT_WR) before -e or -w
 *	-i MSEC		pause MSEC milliseconds between the -s messages
 *	-g FILE		wait until FILE exists before sending the -s messages
 *	-n		TCP_NODELAY
 *	-L		close with SO_LINGER 0 (a reset), so that no socket
 *			lingers for a peer that may vanish with its namespace
 *
 * serve and churn are the two ends of the stress test: many connections,
 * each bound, exercised and ended in one of several ways, while other
 * processes add and delete the SAs (so a bind may find its SA gone).
 *
 * serve: accept connections until stdin reaches EOF; on each, check the
 * "IKETCP" prefix, attach the ULP, bind the -b SAs, then answer every IKE
 * message by its command byte (the one after the marker): 'e' echo it,
 * 'C' close, 'R' reset. A connection its peer ends is closed. At stdin
 * EOF, close what is left.
 * churn: open N connections one after the other, keeping up to
 * CHURN_WINDOW of them open: connect, send the prefix, attach, bind the
 * -b SAs, exchange one echo; the oldest is then ended, in turn: closed,
 * reset, closed by the server ('C') or reset by it ('R'), every third
 * after unbinding its SAs.
 * Both print "conns=N binds=N gone=N unbinds=N sent=N received=N" at the
 * end: connections attached, SAs bound, binds and unbinds that found no
 * SA (ENOENT: deleted meanwhile, tolerated), unbinds done, IKE messages
 * sent and received. Any other failure is fatal.
 * dump: N times, GET_INFO and the connection and binding dumps, each
 * reply parsed by the CLI's parsers; prints "dumped N".
 *
 * try-bind: make a file descriptor of KIND (ulp: a loopback TCP socket
 * with the ULP, ulp-wait: the same, bound with IPSECME_BIND_F_BEFORE_SA,
 * tcp: one without, udp, pipe, badfd) and ask the module to
 * bind SA DADDR/SPI (with that mark, in hex) to it. Prints "ok" or
 * "error ERRNAME: EXTACK".
 * try-attach: attach the ULP to a loopback TCP socket (connected by
 * default); prints "ok" or "error ERRNAME".
 * try-disconnect: attach the ULP to a connected loopback socket, try
 * connect(AF_UNSPEC), then send one IKE message over it; prints the
 * outcome of each ("ok" or "error ERRNAME").
 * recv-half-closed: attach the ULP, shut down the sending side, block in
 * recv() and only then let the (plain TCP) peer send one IKE message and
 * close; prints what the two recv() calls returned.
 * try-kcm: attach KCM to a socket that has the ULP, and the ULP to a
 * socket that KCM has; prints both outcomes ("ok" or "error ERRNAME").
 * hold-tx: open N loopback connections whose receiving end never reads
 * (smallest receive buffer), attach the ULP to the sending end (smallest
 * send buffer) and send one IKE message of 65533 bytes on each, which the
 * module keeps until TCP takes it; prints "held N" once all are sent, then
 * holds them until stdin reaches EOF.
 * poll-partial: a record whose first bytes the parser has taken and whose
 * next bytes wait in TCP, then the rest; prints what poll() said each
 * time ("partial N whole N", 1 = readable) and the length recv() got.
 *
 * Exit status: 0 when everything asked for happened, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/genetlink.h>
#include <linux/kcm.h>
#include <linux/sockios.h>
#include <linux/ipsecme.h>

#include "ipsecme/etcp.h"
#include "lib/module_info.h"
#include "lib/genl.h"

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

#define MAX_BINDS 16
/* The largest IKE message send() takes, its 4-byte zero marker included. */
#define MAX_IKE_MSG	65533
#define IKE_MARKER	4
/* Refused connections are retried for up to a minute. */
#define CONNECT_TRIES	600
#define CONNECT_GAP_MS	100

struct opts {
	const char *binds[MAX_BINDS];
	int n_binds;
	const char *ready;
	const char *go;
	int send_n, send_size, send_gap_ms;
	int recv_n, recv_size;
	bool wait_eof, hold, nodelay, shut_wr, reset;
};

static void die(const char *what)
{
	fprintf(stderr, "espintcp_peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int parse_sockaddr(const char *addr, const char *port,
			  struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;

	if (getaddrinfo(addr, port, &hints, &ai))
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int attach_ulp(int fd)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_ULP, "espintcp",
			  sizeof("espintcp"));
}

/* The id of the "ipsecme" genl family, looked up once per process. */
static int ipsecme_family(struct nl_conn *c)
{
	static int id;

	if (id <= 0)
		id = genl_family_id(c, IPSECME_GENL_NAME);
	return id;
}

/* Ask the module to bind DADDR/SPI to @fd (with IPSECME_A_BIND_FLAGS
 * @flags if not 0), or to unbind it (@fd < 0); 0 or -errno, extack in @c.
 */
static int genl_sa_cmd(struct nl_conn *c, int fd, const char *daddr,
		       uint32_t spi, const char *mark, uint32_t flags)
{
	char buf[NL_BUF_SIZE];
	unsigned char a[16];
	struct nlmsghdr *nlh;
	uint16_t family;
	int id;

	if (inet_pton(AF_INET, daddr, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, daddr, a) == 1)
		family = AF_INET6;
	else
		return -EINVAL;
	id = ipsecme_family(c);
	if (id < 0)
		return id;
	nlh = genl_msg_start(c, buf, id,
			     fd < 0 ? IPSECME_CMD_UNBIND : IPSECME_CMD_BIND,
			     IPSECME_GENL_VERSION, 0);
	mnl_attr_put_u16(nlh, IPSECME_A_BIND_FAMILY, family);
	mnl_attr_put(nlh, IPSECME_A_BIND_DADDR, family == AF_INET ? 4 : 16, a);
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_SPI, htonl(spi));
	if (fd >= 0)
		mnl_attr_put_u32(nlh, IPSECME_A_BIND_FD, (uint32_t)fd);
	if (flags)
		mnl_attr_put_u32(nlh, IPSECME_A_BIND_FLAGS, flags);
	if (mark) {
		char *slash;

		mnl_attr_put_u32(nlh, IPSECME_A_BIND_MARK,
				 strtoul(mark, &slash, 16));
		mnl_attr_put_u32(nlh, IPSECME_A_BIND_MARK_MASK,
				 *slash == '/' ? strtoul(slash + 1, NULL, 16) :
				 0xffffffff);
	}
	return nl_talk(c, nlh, NULL, NULL);
}

/* Bind (@fd >= 0) or unbind the SA of a -b spec
 * "[wait:]DADDR,SPI[,MARK/MASK]"; 0 or -errno, extack in @c.
 */
static int spec_cmd(struct nl_conn *c, int fd, const char *spec)
{
	uint32_t flags = 0;
	char daddr[64];
	const char *comma, *mark;

	if (!strncmp(spec, "wait:", 5)) {
		flags = IPSECME_BIND_F_BEFORE_SA;
		spec += 5;
	}
	comma = strchr(spec, ',');
	if (!comma || comma - spec >= (int)sizeof(daddr)) {
		fprintf(stderr, "espintcp_peer: bad -b '%s'\n", spec);
		exit(1);
	}
	memcpy(daddr, spec, comma - spec);
	daddr[comma - spec] = '\0';
	mark = strchr(comma + 1, ',');
	return genl_sa_cmd(c, fd, daddr, strtoul(comma + 1, NULL, 16),
			   mark ? mark + 1 : NULL, fd >= 0 ? flags : 0);
}

static int bind_one(int fd, const char *spec)
{
	struct nl_conn c;
	int err;

	if (nl_open(&c, NETLINK_GENERIC))
		die("netlink");
	err = spec_cmd(&c, fd, spec);
	if (err)
		fprintf(stderr, "espintcp_peer: bind %s: %s: %s\n", spec,
			strerror(-err), c.ext_msg);
	nl_close(&c);
	return err ? -1 : 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

static int tcp_socket(const char *addr, const char *port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	int fd;

	if (parse_sockaddr(addr, port, ss, len)) {
		fprintf(stderr, "espintcp_peer: bad address %s port %s\n",
			addr, port);
		exit(1);
	}
	fd = socket(ss->ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	return fd;
}

/* A connected socket that has sent the "IKETCP" prefix. A refused
 * connection is retried for a while: the listener may be starting still.
 */
static int connect_ike(const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = tcp_socket(addr, port, &ss, &len), tries = 0;

	while (connect(fd, (struct sockaddr *)&ss, len)) {
		if (errno != ECONNREFUSED || ++tries == CONNECT_TRIES)
			die("connect");
		close(fd);
		usleep(CONNECT_GAP_MS * 1000);
		fd = tcp_socket(addr, port, &ss, &len);
	}
	if (write(fd, "IKETCP", 6) != 6)
		die("write prefix");
	return fd;
}

static int listen_on(const char *addr, const char *port, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd = tcp_socket(addr, port, &ss, &len), one = 1;

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, backlog))
		die("listen");
	return lfd;
}

/* The next connection whose first bytes are the "IKETCP" prefix. */
static int accept_ike(int lfd)
{
	char prefix[6];
	int fd;

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	if (read_full(fd, prefix, sizeof(prefix)) ||
	    memcmp(prefix, "IKETCP", 6)) {
		fprintf(stderr, "espintcp_peer: no IKETCP prefix\n");
		close(fd);
		return -1;
	}
	return fd;
}

static int open_conn(bool listening, const char *addr, const char *port)
{
	int fd, lfd;

	if (!listening)
		return connect_ike(addr, port);
	lfd = listen_on(addr, port, 1);
	fd = accept_ike(lfd);
	close(lfd);
	return fd;
}

/* End the connection with a reset instead of a FIN. */
static void close_reset(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		die("SO_LINGER");
	close(fd);
}

/* Message @i of the -s/-R sequence: marker, index, then a pattern. */
static void fill_msg(unsigned char *buf, int size, int i)
{
	int k;

	memset(buf, 0, 4);
	for (k = 4; k < size; k++)
		buf[k] = (unsigned char)(i * 7 + k);
}

static int send_msgs(int fd, int n, int size, int gap_ms)
{
	unsigned char *buf = malloc(size);
	int i;

	for (i = 0; i < n; i++) {
		fill_msg(buf, size, i);
		if (send(fd, buf, size, 0) != size) {
			fprintf(stderr, "espintcp_peer: send %d: %s\n", i,
				strerror(errno));
			return -1;
		}
		if (gap_ms)
			usleep(gap_ms * 1000);
	}
	free(buf);
	return 0;
}

static int recv_msgs(int fd, int n, int size)
{
	unsigned char *want = malloc(size), *got = malloc(size + 16);
	int i;
	ssize_t r;

	for (i = 0; i < n; i++) {
		r = recv(fd, got, size + 16, 0);
		fill_msg(want, size, i);
		if (r != size || memcmp(got, want, size)) {
			fprintf(stderr, "espintcp_peer: message %d: got %zd bytes%s\n",
				i, r, r == size ? ", wrong content" : "");
			printf("received %d\n", i);
			return -1;
		}
	}
	printf("received %d\n", n);
	free(want);
	free(got);
	return 0;
}

static int wait_eof(int fd)
{
	char buf[70000];
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), 0)) > 0)
		;
	printf(r == 0 ? "eof\n" : "error %s\n", strerror(errno));
	return r == 0 ? 0 : -1;
}

static void touch_ready(const struct opts *o)
{
	if (o->ready && close(open(o->ready, O_CREAT | O_WRONLY, 0644)))
		die("ready file");
}

static int run_peer(const struct opts *o, bool listening, const char *addr,
		    const char *port)
{
	int fd, i, one = 1;
	char c;

	fd = open_conn(listening, addr, port);
	if (fd < 0)
		return 1;
	if (o->nodelay)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (attach_ulp(fd))
		die("TCP_ULP espintcp");
	for (i = 0; i < o->n_binds; i++)
		if (bind_one(fd, o->binds[i]))
			return 1;
	touch_ready(o);
	fflush(stdout);
	while (o->go && access(o->go, F_OK))
		usleep(20000);
	if (o->send_n && send_msgs(fd, o->send_n, o->send_size,
					o->send_gap_ms))
		return 1;
	if (o->recv_n && recv_msgs(fd, o->recv_n, o->recv_size))
		return 1;
	fflush(stdout);
	if (o->shut_wr && shutdown(fd, SHUT_WR))
		die("shutdown");
	if (o->wait_eof && wait_eof(fd))
		return 1;
	if (o->hold)
		while (read(0, &c, 1) > 0)
			;
	if (o->reset)
		close_reset(fd);
	else
		close(fd);
	return 0;
}

/* A connected loopback TCP pair: returns the client end, and the server
 * end in @srv (left to leak until exit if @srv is NULL).
 */
static int loopback_pair(int *srv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int lfd, fd, sfd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, len) ||
	    listen(lfd, 1) || getsockname(lfd, (struct sockaddr *)&sin, &len))
		die("loopback listen");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, len))
		die("loopback connect");
	sfd = accept(lfd, NULL, NULL);
	if (sfd < 0)
		die("loopback accept");
	if (srv)
		*srv = sfd;
	return fd;
}

static int loopback_tcp(void)
{
	return loopback_pair(NULL);
}

static int make_fd(const char *kind)
{
	int p[2], fd;

	if (!strcmp(kind, "ulp") || !strcmp(kind, "tcp")) {
		fd = loopback_tcp();
		if (!strcmp(kind, "ulp") && attach_ulp(fd))
			die("TCP_ULP espintcp");
		return fd;
	}
	if (!strcmp(kind, "udp"))
		return socket(AF_INET, SOCK_DGRAM, 0);
	if (!strcmp(kind, "pipe")) {
		if (pipe(p))
			die("pipe");
		return p[0];
	}
	if (!strcmp(kind, "badfd"))
		return 1000;
	return -1;
}

static int try_bind(const char *kind, const char *daddr, const char *spi,
		    const char *mark)
{
	uint32_t flags = 0;
	struct nl_conn c;
	int fd, err;

	if (!strcmp(kind, "ulp-wait")) {
		flags = IPSECME_BIND_F_BEFORE_SA;
		kind = "ulp";
	}
	fd = make_fd(kind);
	if (fd < 0) {
		fprintf(stderr, "espintcp_peer: unknown fd kind '%s'\n", kind);
		return 1;
	}
	if (nl_open(&c, NETLINK_GENERIC))
		die("netlink");
	err = genl_sa_cmd(&c, fd, daddr, strtoul(spi, NULL, 16), mark, flags);
	if (err)
		printf("error %s: %s\n", strerrorname_np(-err), c.ext_msg);
	else
		printf("ok\n");
	nl_close(&c);
	/* The binding stays, dormant, once the socket is closed. */
	close(fd);
	return 0;
}

static int try_attach(const char *kind)
{
	int fd;

	if (!strcmp(kind, "connected")) {
		fd = loopback_tcp();
	} else if (!strcmp(kind, "listening")) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
		    listen(fd, 1))
			die("listen");
	} else if (!strcmp(kind, "unconnected")) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
	} else {
		fprintf(stderr, "espintcp_peer: unknown socket kind '%s'\n",
			kind);
		return 1;
	}
	if (attach_ulp(fd))
		printf("error %s\n", strerrorname_np(errno));
	else
		printf("ok\n");
	return 0;
}

static const char *outcome(int ret)
{
	static char buf[64];

	if (ret >= 0)
		return "ok";
	snprintf(buf, sizeof(buf), "error %s", strerrorname_np(errno));
	return buf;
}

static int try_disconnect(void)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	unsigned char msg[8] = { 0 };
	int fd = loopback_tcp();

	if (attach_ulp(fd))
		die("TCP_ULP espintcp");
	printf("disconnect %s", outcome(connect(fd, &sa, sizeof(sa))));
	printf(", send %s\n", outcome(send(fd, msg, sizeof(msg), 0)));
	return 0;
}

/* Wait until SIOCINQ or SIOCOUTQ of @fd says @n (generous limit). */
static void wait_queue(int fd, unsigned long req, int n)
{
	int q = -1, tries;

	for (tries = 0; tries < 10000; tries++) {
		if (ioctl(fd, req, &q))
			die("SIOCINQ/SIOCOUTQ");
		if (q == n)
			return;
		usleep(1000);
	}
	fprintf(stderr, "espintcp_peer: queue at %d, not %d\n", q, n);
	exit(1);
}

static int readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static int poll_partial(void)
{
	/* A 1000-byte IKE record: length, zero marker, pattern. */
	unsigned char rec[1000] = { 1000 >> 8, 1000 & 0xff };
	unsigned char buf[1000];
	int cli, srv, partial, whole;
	ssize_t n;

	memset(rec + 6, 0x5a, sizeof(rec) - 6);
	cli = loopback_pair(&srv);
	/* The parser takes the first bytes when the ULP is attached... */
	if (write(cli, rec, 12) != 12)
		die("write");
	wait_queue(srv, SIOCINQ, 12);
	if (attach_ulp(srv))
		die("TCP_ULP espintcp");
	wait_queue(srv, SIOCINQ, 0);
	/* ... and from softirq leaves the next ones in TCP until the
	 * record is whole. Only the sender's queue is watched now: the
	 * receiver's ioctl would lock its socket and make the parser
	 * take the bytes from process context instead.
	 */
	if (write(cli, rec + 12, 10) != 10)
		die("write");
	wait_queue(cli, SIOCOUTQ, 0);
	partial = readable(srv, 0);
	if (write(cli, rec + 22, sizeof(rec) - 22) != (ssize_t)sizeof(rec) - 22)
		die("write");
	whole = readable(srv, 10000);
	n = recv(srv, buf, sizeof(buf), MSG_DONTWAIT);
	printf("partial %d whole %d recv %zd\n", partial, whole, n);
	return 0;
}

/* One sender of hold_tx(): connected to @lfd's address, its ULP
 * attached, one whole-size IKE message sent and not yet written.
 */
static void hold_one(int lfd, const struct sockaddr_in *sin,
		     const unsigned char *msg, size_t size)
{
	int one = 1, fd, sfd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &one, sizeof(one)) ||
	    connect(fd, (const struct sockaddr *)sin, sizeof(*sin)))
		die("hold-tx connect");
	sfd = accept(lfd, NULL, NULL);
	if (sfd < 0)
		die("hold-tx accept");
	if (attach_ulp(fd))
		die("TCP_ULP espintcp");
	if (send(fd, msg, size, MSG_DONTWAIT) != (ssize_t)size)
		die("hold-tx send");
}

static int hold_tx(int n)
{
	static unsigned char msg[MAX_IKE_MSG];
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int one = 1, lfd, i;
	char c;

	/* The receivers inherit the smallest receive buffer: TCP takes
	 * only a few KiB of each message, the module keeps the rest.
	 */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, len) || listen(lfd, 16) ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len))
		die("hold-tx listen");
	memset(msg + IKE_MARKER, 0x5a, sizeof(msg) - IKE_MARKER);
	for (i = 0; i < n; i++)
		hold_one(lfd, &sin, msg, sizeof(msg));
	printf("held %d\n", n);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

/* Wait until process @pid sleeps (generous limit). */
static void wait_sleeping(pid_t pid)
{
	char path[64], stat[256], *p;
	int tries, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (tries = 0; tries < 10000; tries++) {
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, stat, sizeof(stat) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			stat[n] = '\0';
			p = strrchr(stat, ')');
			if (p && p[1] == ' ' && p[2] == 'S')
				return;
		}
		usleep(1000);
	}
}

static int recv_half_closed(void)
{
	/* A 40-byte IKE record as the wire has it: length, zero marker. */
	unsigned char rec[40] = { 0, 40 };
	unsigned char buf[64];
	ssize_t first, second;
	int cli, srv, status;
	pid_t peer;

	cli = loopback_pair(&srv);
	if (attach_ulp(cli))
		die("TCP_ULP espintcp");
	if (shutdown(cli, SHUT_WR))
		die("shutdown");
	peer = fork();
	if (peer < 0)
		die("fork");
	if (peer == 0) {
		close(cli);
		wait_sleeping(getppid());
		_exit(write(srv, rec, sizeof(rec)) != sizeof(rec));
	}
	close(srv);
	alarm(60);
	first = recv(cli, buf, sizeof(buf), 0);
	printf("recv %s", first < 0 ? outcome(-1) : "");
	if (first >= 0)
		printf("%zd", first);
	second = recv(cli, buf, sizeof(buf), 0);
	printf(", then %s", second < 0 ? outcome(-1) : "");
	if (second >= 0)
		printf("%zd", second);
	printf("\n");
	waitpid(peer, &status, 0);
	return !WIFEXITED(status) || WEXITSTATUS(status);
}

/* A socket filter that KCM can use as its message parser: "return 0". */
static int kcm_parser(void)
{
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr = {
		.prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
		.insns = (uintptr_t)prog,
		.insn_cnt = 2,
		.license = (uintptr_t)"GPL",
	};
	int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));

	if (fd < 0 && errno == ENOSYS) {	/* a kernel without bpf() */
		puts("unsupported: no bpf()");
		exit(0);
	}
	if (fd < 0)
		die("BPF_PROG_LOAD");
	return fd;
}

static int kcm_attach(int fd, int parser)
{
	struct kcm_attach a = { .fd = fd, .bpf_fd = parser };
	int kcm = socket(AF_KCM, SOCK_DGRAM, KCMPROTO_CONNECTED);

	if (kcm < 0 && errno == EAFNOSUPPORT) {	/* no kcm.ko */
		puts("unsupported: no AF_KCM");
		exit(0);
	}
	if (kcm < 0)
		die("socket(AF_KCM)");
	return ioctl(kcm, SIOCKCMATTACH, &a);
}

static int try_kcm(void)
{
	int parser = kcm_parser(), ulp = loopback_tcp(), kcm = loopback_tcp();

	if (attach_ulp(ulp))
		die("TCP_ULP espintcp");
	printf("kcm after ulp: %s", outcome(kcm_attach(ulp, parser)));
	if (kcm_attach(kcm, parser))
		die("SIOCKCMATTACH");
	printf(", ulp after kcm: %s\n", outcome(attach_ulp(kcm)));
	return 0;
}

/* --- serve, churn and dump: the stress test's workers --------------------- */

/* What serve does with a message, from the byte after the marker. */
#define CMD_ECHO		'e'
#define CMD_CLOSE		'C'
#define CMD_RESET		'R'
/* Generous: a peer may be slow under load (TCG on shared CPUs). */
#define STRESS_TIMEOUT_MS	60000
#define SERVE_MAX_CONNS		256
#define CHURN_WINDOW		4

struct tally {
	int conns, binds, gone, unbinds, sent, received;
};

static void print_tally(const struct tally *t)
{
	printf("conns=%d binds=%d gone=%d unbinds=%d sent=%d received=%d\n",
	       t->conns, t->binds, t->gone, t->unbinds, t->sent, t->received);
}

__attribute__((noreturn, format(printf, 1, 2)))
static void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("espintcp_peer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Bind every -b SA to @fd, or unbind them (@fd < 0). An SA deleted
 * meanwhile by ip xfrm (ENOENT) is counted; any other error is fatal.
 */
static void spec_all(struct nl_conn *c, const struct opts *o, int fd,
		     struct tally *t)
{
	int i, err;

	for (i = 0; i < o->n_binds; i++) {
		err = spec_cmd(c, fd, o->binds[i]);
		if (err == -ENOENT)
			t->gone++;
		else if (err)
			fatal("%s %s: %s: %s", fd < 0 ? "unbind" : "bind",
			      o->binds[i], strerror(-err), c->ext_msg);
		else if (fd < 0)
			t->unbinds++;
		else
			t->binds++;
	}
}

/* The peer ended the connection: EOF, or its reset. */
static void await_end(int fd)
{
	char buf[16];
	ssize_t r;

	if (!readable(fd, STRESS_TIMEOUT_MS))
		fatal("the peer did not end the connection");
	r = recv(fd, buf, sizeof(buf), 0);
	if (r == 0 || (r < 0 && (errno == ECONNRESET || errno == EPIPE)))
		return;
	fatal("at the end of a connection: %s",
	      r > 0 ? "a message" : strerror(errno));
}

/* One IKE message of a size that varies with @i, and its echo. */
static void churn_echo(int fd, int i, struct tally *t)
{
	static unsigned char msg[1600], got[1700];
	int size = 8 + (i * 131) % 1500;
	ssize_t r;

	fill_msg(msg, size, i);
	msg[4] = CMD_ECHO;
	if (send(fd, msg, size, 0) != size)
		fatal("send %d: %s", i, strerror(errno));
	t->sent++;
	if (!readable(fd, STRESS_TIMEOUT_MS))
		fatal("no echo of message %d", i);
	r = recv(fd, got, sizeof(got), 0);
	if (r != size || memcmp(got, msg, size))
		fatal("echo of message %d: got %zd bytes%s", i, r,
		      r == size ? ", wrong content" : "");
	t->received++;
}

static int churn_open(struct nl_conn *c, const struct opts *o, int i,
		      const char *addr, const char *port, struct tally *t)
{
	int fd = connect_ike(addr, port);

	if (attach_ulp(fd))
		die("TCP_ULP espintcp");
	t->conns++;
	spec_all(c, o, fd, t);
	churn_echo(fd, i, t);
	return fd;
}

/* End connection @i the way its number says. */
static void churn_end(struct nl_conn *c, const struct opts *o, int fd, int i,
		      struct tally *t)
{
	unsigned char msg[8] = { 0 };

	if (i % 3 == 0)
		spec_all(c, o, -1, t);
	switch (i % 4) {
	case 0:
		close(fd);
		return;
	case 1:
		close_reset(fd);
		return;
	}
	msg[4] = i % 4 == 2 ? CMD_CLOSE : CMD_RESET;
	if (send(fd, msg, sizeof(msg), 0) != sizeof(msg))
		fatal("send '%c': %s", msg[4], strerror(errno));
	t->sent++;
	await_end(fd);
	close(fd);
}

static int churn(const struct opts *o, int n, const char *addr,
		 const char *port)
{
	int fds[CHURN_WINDOW], i, slot;
	struct tally t = { 0 };
	struct nl_conn c;

	if (nl_open(&c, NETLINK_GENERIC))
		die("netlink");
	for (slot = 0; slot < CHURN_WINDOW; slot++)
		fds[slot] = -1;
	for (i = 0; i < n + CHURN_WINDOW; i++) {
		slot = i % CHURN_WINDOW;
		if (fds[slot] >= 0)
			churn_end(&c, o, fds[slot], i - CHURN_WINDOW, &t);
		fds[slot] = i < n ? churn_open(&c, o, i, addr, port, &t) : -1;
	}
	nl_close(&c);
	print_tally(&t);
	return 0;
}

struct server {
	const struct opts *o;
	struct nl_conn nl;
	struct tally t;
	/* stdin, the listening socket, then the connections */
	struct pollfd pfd[2 + SERVE_MAX_CONNS];
	int n;
};

static void serve_close(const struct server *s, int fd)
{
	if (s->o->reset)
		close_reset(fd);
	else
		close(fd);
}

static void serve_accept(struct server *s)
{
	int fd = accept_ike(s->pfd[1].fd);

	if (fd < 0)
		exit(1);
	if (s->n == (int)(sizeof(s->pfd) / sizeof(s->pfd[0])))
		fatal("more than %d connections", SERVE_MAX_CONNS);
	if (attach_ulp(fd))
		die("TCP_ULP espintcp");
	s->t.conns++;
	spec_all(&s->nl, s->o, fd, &s->t);
	s->pfd[s->n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
}

/* Act on what @fd has to read; false once the connection is closed. */
static bool serve_msg(struct server *s, int fd)
{
	static unsigned char buf[70000];
	ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (r < 0 && errno == EAGAIN)
		return true;
	if (r == 0 || (r < 0 && (errno == ECONNRESET || errno == EPIPE))) {
		serve_close(s, fd);
		return false;
	}
	if (r < 5)
		fatal("recv: %s", r < 0 ? strerror(errno) : "no command");
	s->t.received++;
	switch (buf[4]) {
	case CMD_ECHO:
		if (send(fd, buf, r, 0) != r)
			fatal("echo: %s", strerror(errno));
		s->t.sent++;
		return true;
	case CMD_CLOSE:
		serve_close(s, fd);
		return false;
	case CMD_RESET:
		close_reset(fd);
		return false;
	}
	fatal("unknown command 0x%02x", buf[4]);
}

static int serve(const struct opts *o, const char *addr, const char *port)
{
	struct server s = { .o = o, .n = 2 };
	int i, k;
	char c;

	if (nl_open(&s.nl, NETLINK_GENERIC))
		die("netlink");
	s.pfd[0] = (struct pollfd){ .fd = 0, .events = POLLIN };
	s.pfd[1] = (struct pollfd){ .fd = listen_on(addr, port, 64),
				    .events = POLLIN };
	for (;;) {
		if (poll(s.pfd, s.n, -1) < 0)
			die("poll");
		if (s.pfd[0].revents && read(0, &c, 1) <= 0)
			break;
		for (i = k = 2; i < s.n; i++)
			if (!s.pfd[i].revents || serve_msg(&s, s.pfd[i].fd))
				s.pfd[k++] = s.pfd[i];
		s.n = k;
		if (s.pfd[1].revents)
			serve_accept(&s);
	}
	for (i = 2; i < s.n; i++)
		serve_close(&s, s.pfd[i].fd);
	close(s.pfd[1].fd);
	nl_close(&s.nl);
	print_tally(&s.t);
	return 0;
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct module_info mi;

	return module_info_parse(nlh, &mi, data) ? MNL_CB_ERROR : MNL_CB_OK;
}

/* GET_INFO and both dumps, @n times, parsed as the CLI parses them. */
static int dump(int n)
{
	char buf[NL_BUF_SIZE];
	const char *why = NULL;
	struct nlmsghdr *nlh;
	struct etcp_list l;
	struct nl_conn c;
	int i, id, err;

	if (nl_open(&c, NETLINK_GENERIC))
		die("netlink");
	id = ipsecme_family(&c);
	err = id < 0 ? id : 0;
	for (i = 0; i < n && !err && !why; i++) {
		nlh = genl_msg_start(&c, buf, id, IPSECME_CMD_GET_INFO,
				     IPSECME_GENL_VERSION, 0);
		err = nl_talk(&c, nlh, info_cb, &why);
		if (!err && !why) {
			err = etcp_fetch(&c, id, &l);
			why = l.why;
			etcp_list_free(&l);
		}
	}
	nl_close(&c);
	if (err || why) {
		fprintf(stderr, "espintcp_peer: dump: %s\n",
			why ? why : strerror(-err));
		return 1;
	}
	printf("dumped %d\n", n);
	return 0;
}

static int parse_nm(const char *s, int *n, int *size)
{
	return sscanf(s, "%d:%d", n, size) == 2 && *n >= 0 && *size > 0 &&
	       *size <= 65535 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int opt;

	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "try-bind"))
		return try_bind(argv[2], argv[3], argv[4],
				argc == 6 ? argv[5] : NULL);
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "try-attach"))
		return try_attach(argc == 3 ? argv[2] : "connected");
	if (argc == 2 && !strcmp(argv[1], "try-disconnect"))
		return try_disconnect();
	if (argc == 2 && !strcmp(argv[1], "poll-partial"))
		return poll_partial();
	if (argc == 2 && !strcmp(argv[1], "recv-half-closed"))
		return recv_half_closed();
	if (argc == 2 && !strcmp(argv[1], "try-kcm"))
		return try_kcm();
	if (argc == 3 && !strcmp(argv[1], "hold-tx"))
		return hold_tx(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "dump"))
		return dump(atoi(argv[2]));
	while ((opt = getopt(argc, argv, "b:r:s:R:i:g:ewWnL")) != -1) {
		switch (opt) {
		case 'b':
			if (o.n_binds == MAX_BINDS)
				return 1;
			o.binds[o.n_binds++] = optarg;
			break;
		case 'r':
			o.ready = optarg;
			break;
		case 's':
			if (parse_nm(optarg, &o.send_n, &o.send_size))
				return 1;
			break;
		case 'R':
			if (parse_nm(optarg, &o.recv_n, &o.recv_size))
				return 1;
			break;
		case 'i':
			o.send_gap_ms = atoi(optarg);
			break;
		case 'g':
			o.go = optarg;
			break;
		case 'e':
			o.wait_eof = true;
			break;
		case 'w':
			o.hold = true;
			break;
		case 'W':
			o.shut_wr = true;
			break;
		case 'n':
			o.nodelay = true;
			break;
		case 'L':
			o.reset = true;
			break;
		default:
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc - optind == 3 && !strcmp(argv[optind], "serve"))
		return serve(&o, argv[optind + 1], argv[optind + 2]);
	if (argc - optind == 4 && !strcmp(argv[optind], "churn"))
		return churn(&o, atoi(argv[optind + 1]), argv[optind + 2],
			     argv[optind + 3]);
	if (argc - optind != 3 || (strcmp(argv[optind], "listen") &&
				   strcmp(argv[optind], "connect"))) {
		fprintf(stderr, "usage: espintcp_peer [-b DADDR,SPI]... [-r FILE] "
			"[-s N:SIZE] [-i MSEC] [-g FILE] [-R N:SIZE] [-e] [-w] [-W] [-n] "
			"[-L] listen|connect|serve ADDR PORT | churn N ADDR PORT\n");
		return 1;
	}
	return run_peer(&o, !strcmp(argv[optind], "listen"),
			argv[optind + 1], argv[optind + 2]);
}
