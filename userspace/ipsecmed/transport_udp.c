// SPDX-License-Identifier: GPL-2.0
/* The UDP transport (see transport_udp.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "ipsecmed/ike/proto.h"
#include "ipsecmed/log.h"
#include "ipsecmed/transport_udp.h"
#include "lib/xfrm.h"

#define NON_ESP_MARKER_LEN 4
#define UDP_READ_BATCH 64

static const struct transport_ops udp_ops;

static int open_one(struct udp_sock *s, int family, uint16_t port, bool natt,
		    bool kernel)
{
	struct sockaddr_storage ss;
	struct ipsec_addr any = { .family = family };
	socklen_t sl = ipsec_addr_to_sockaddr(&any, port, &ss);
	int one = 1, fd, err;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET)
		err = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else
		err = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
				 sizeof(one));
	if (err || bind(fd, (struct sockaddr *)&ss, sl)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (kernel) {
		err = xfrm_socket_bypass(fd, family);
		if (!err && natt)
			err = xfrm_socket_udp_encap(fd);
		if (err) {
			close(fd);
			return err;
		}
	}
	*s = (struct udp_sock){ .lf.fd = fd, .family = family, .port = port,
				.natt = natt };
	return 0;
}

static void on_readable(struct loop_fd *f, uint32_t events);

/* Watch @t's socket just opened. */
static int watch(struct udp_transport *t)
{
	struct udp_sock *s = &t->s[t->n];
	int err;

	s->lf.ready = on_readable;
	s->lf.ctx = t;
	err = loop_add_fd(t->loop, &s->lf, EPOLLIN);
	if (err)
		close(s->lf.fd);
	else
		t->n++;
	return err;
}

int udp_transport_open(struct udp_transport *t, struct loop *loop,
		       uint16_t ike_port, uint16_t natt_port, bool kernel,
		       transport_input_fn *input, void *ctx)
{
	static const int families[] = { AF_INET, AF_INET6 };
	size_t f;
	int err;

	*t = (struct udp_transport){ .ike_port = ike_port,
				     .natt_port = natt_port, .loop = loop,
				     .input = input, .ctx = ctx };
	for (f = 0; f < 2; f++) {
		err = open_one(&t->s[t->n], families[f], ike_port, false,
			       kernel);
		if (err == -EAFNOSUPPORT && families[f] == AF_INET6) {
			log_warn("no IPv6: listening on IPv4 only");
			break;
		}
		if (err || (err = watch(t)))
			goto fail;
		err = open_one(&t->s[t->n], families[f], natt_port, true,
			       kernel);
		if (err || (err = watch(t)))
			goto fail;
	}
	return 0;
fail:
	log_err("cannot listen on UDP %s port %u or %u: %s",
		families[f] == AF_INET ? "IPv4" : "IPv6", ike_port, natt_port,
		strerror(-err));
	udp_transport_close(t);
	return err;
}

void udp_transport_close(struct udp_transport *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		loop_del_fd(t->loop, &t->s[i].lf);
		close(t->s[i].lf.fd);
	}
	t->n = 0;
}

void udp_path(struct udp_transport *t, struct path *p)
{
	p->ops = &udp_ops;
	p->via = t;
}

static void local_addr(const struct msghdr *mh, struct ipsec_addr *a)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			a->family = AF_INET;
			a->v4 = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			a->family = AF_INET6;
			a->v6 = pi.ipi6_addr;
		}
	}
}

/* Read one datagram from @s: the IKE message goes to @buf (marker
 * stripped), the addresses to @ep. Returns its length, 0 for a datagram
 * to ignore (keepalive, ESP on the NAT-T port), or -errno.
 */
static int udp_recv(const struct udp_sock *s, uint8_t *buf, size_t cap,
		    struct endpoint *ep)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct sockaddr_storage from;
	struct iovec iov = { buf, cap };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n = recvmsg(s->lf.fd, &mh, 0);

	if (n < 0)
		return -errno;
	memset(ep, 0, sizeof(*ep));
	if (ipsec_addr_from_sockaddr((struct sockaddr *)&from, &ep->remote,
				     &ep->rport))
		return 0;
	local_addr(&mh, &ep->local);
	ep->lport = s->port;
	if (mh.msg_flags & MSG_TRUNC)
		return 0;
	if (s->natt) {
		/* A keepalive is one 0xff byte; ESP has a non-zero SPI. */
		if (n < NON_ESP_MARKER_LEN || memcmp(buf, "\0\0\0\0", 4))
			return 0;
		n -= NON_ESP_MARKER_LEN;
		memmove(buf, buf + NON_ESP_MARKER_LEN, (size_t)n);
	}
	return (int)n;
}

static void on_readable(struct loop_fd *f, uint32_t events)
{
	static uint8_t buf[IKE_MAX_MSG + 8];
	struct udp_transport *t = f->ctx;
	const struct udp_sock *s = (const struct udp_sock *)f;
	struct path from;
	int n, i;

	udp_path(t, &from);
	/* Bounded, so one busy socket cannot starve the others. */
	for (i = 0; i < UDP_READ_BATCH; i++) {
		n = udp_recv(s, buf, sizeof(buf), &from.ep);
		if (n < 0) {
			if (n != -EAGAIN && n != -EWOULDBLOCK)
				log_debug("recv: %s", strerror(-n));
			return;
		}
		if (n > 0)
			t->input(t->ctx, &from, buf, (size_t)n);
	}
}

static const struct udp_sock *pick(const struct udp_transport *t,
				   const struct endpoint *ep)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->s[i].family == ep->remote.family &&
		    t->s[i].port == ep->lport)
			return &t->s[i];
	return NULL;
}

/* sendmsg() from @s with the local address of @ep as the source. */
static int send_one(const struct udp_sock *s, const struct endpoint *ep,
		    struct iovec *iov, size_t niov)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct sockaddr_storage to;
	struct msghdr mh = { .msg_name = &to, .msg_iov = iov,
			     .msg_iovlen = niov };
	struct cmsghdr *c;

	mh.msg_namelen = ipsec_addr_to_sockaddr(&ep->remote, ep->rport, &to);
	memset(&cbuf, 0, sizeof(cbuf));
	if (ep->local.family == s->family && !ipsec_addr_is_any(&ep->local)) {
		mh.msg_control = cbuf.buf;
		c = (struct cmsghdr *)cbuf.buf;
		if (s->family == AF_INET) {
			struct in_pktinfo pi = { .ipi_spec_dst = ep->local.v4 };

			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi = { .ipi6_addr = ep->local.v6 };

			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (sendmsg(s->lf.fd, &mh, 0) < 0)
		return -errno;
	return 0;
}

static int udp_send(const struct path *p, const uint8_t *msg, size_t len)
{
	static const uint8_t marker[NON_ESP_MARKER_LEN];
	const struct endpoint *ep = &p->ep;
	const struct udp_sock *s = pick(p->via, ep);
	struct iovec iov[2];
	size_t n = 0;

	if (!s)
		return -EAFNOSUPPORT;
	if (s->natt)
		iov[n++] = (struct iovec){ (void *)marker, sizeof(marker) };
	iov[n++] = (struct iovec){ (void *)msg, len };
	return send_one(s, ep, iov, n);
}

static int udp_send_keepalive(const struct path *p)
{
	static const uint8_t keepalive = 0xff;
	const struct endpoint *ep = &p->ep;
	const struct udp_sock *s = pick(p->via, ep);
	struct iovec iov = { (void *)&keepalive, 1 };

	if (!s || !s->natt)
		return -EAFNOSUPPORT;
	return send_one(s, ep, &iov, 1);
}

static const struct transport_ops udp_ops = {
	.name = "udp",
	.send = udp_send,
	.send_keepalive = udp_send_keepalive,
};
