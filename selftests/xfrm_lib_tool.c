// SPDX-License-Identifier: GPL-2.0
/*
 * xfrm_lib_tool: drive userspace/lib/xfrm.h from shell selftests, so that
 * what the daemon would install is installed by the very same code.
 *
 *   xfrm_lib_tool sa add src A dst B spi N reqid N mode tunnel|transport
 *           { aead NAME HEXKEY [ icv BITS ] | enc NAME HEXKEY auth NAME HEXKEY }
 *           [ encap SPORT DPORT ] [ replay N ] [ esn ]
 *           [ soft-bytes N ] [ hard-bytes N ] [ soft-secs N ] [ hard-secs N ]
 *   xfrm_lib_tool sa update ...             the same as add, with UPDSA
 *   xfrm_lib_tool sa del src A dst B spi N
 *   xfrm_lib_tool sa stats dst B spi N      prints "bytes N packets N"
 *   xfrm_lib_tool sa allocspi src A dst B reqid N    prints the SPI (hex)
 *   xfrm_lib_tool policy add|del dir in|out|fwd src PFX dst PFX
 *           [ proto P ] [ sport N ] [ dport N ] [ priority N ]
 *           [ tmpl src A dst B mode tunnel|transport reqid N ]
 *   xfrm_lib_tool udp-encap ADDR PORT       UDP_ENCAP_ESPINUDP socket,
 *           prints "ready" and waits for SIGTERM
 *   xfrm_lib_tool events COUNT SECONDS      prints "ready", then COUNT
 *           expire/acquire events as lines; exit 1 if they do not come
 *
 * Exit status: 0 ok, 1 refused (message on stderr), 2 usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include "lib/xfrm.h"

static void usage(void)
{
	fprintf(stderr, "usage: see the head of selftests/xfrm_lib_tool.c\n");
	exit(2);
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end)
		usage();
	return v;
}

static struct ipsec_addr addr(const char *s)
{
	struct ipsec_addr a;

	if (ipsec_addr_parse(s, &a))
		usage();
	return a;
}

static struct ipsec_prefix prefix(const char *s)
{
	struct ipsec_prefix p;

	if (ipsec_prefix_parse(s, &p))
		usage();
	return p;
}

static size_t hexkey(const char *s, uint8_t *key, size_t max)
{
	size_t n = strlen(s) / 2, i;

	if (strlen(s) % 2 || n > max)
		usage();
	for (i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			usage();
		key[i] = (uint8_t)b;
	}
	return n;
}

static enum ipsec_mode mode(const char *s)
{
	if (!strcmp(s, "tunnel"))
		return IPSEC_MODE_TUNNEL;
	if (!strcmp(s, "transport"))
		return IPSEC_MODE_TRANSPORT;
	usage();
	return 0;
}

static int report(struct nl_conn *c, const char *what, int ret)
{
	if (!ret)
		return 0;
	fprintf(stderr, "xfrm_lib_tool: %s: %s%s%s\n", what, strerror(-ret),
		c->ext_msg[0] ? ": " : "", c->ext_msg);
	return 1;
}

#define NEED(n) do { if (i + (n) >= argc) usage(); } while (0)

static int sa_cmd(struct nl_conn *c, int argc, char **argv)
{
	static uint8_t k1[64], k2[64];
	struct xfrm_sa_spec sa = { 0 };
	struct ipsec_addr src = { 0 }, dst = { 0 };
	uint32_t spi = 0, reqid = 0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *k = argv[i];

		if (!strcmp(k, "esn")) {
			sa.esn = true;
			continue;
		}
		NEED(1);
		if (!strcmp(k, "src")) {
			src = addr(argv[++i]);
		} else if (!strcmp(k, "dst")) {
			dst = addr(argv[++i]);
		} else if (!strcmp(k, "spi")) {
			spi = num(argv[++i]);
		} else if (!strcmp(k, "reqid")) {
			reqid = num(argv[++i]);
		} else if (!strcmp(k, "mode")) {
			sa.mode = mode(argv[++i]);
		} else if (!strcmp(k, "aead")) {
			NEED(2);
			sa.aead.name = argv[++i];
			sa.aead.key = k1;
			sa.aead.key_len = hexkey(argv[++i], k1, sizeof(k1));
		} else if (!strcmp(k, "icv")) {
			sa.aead.bits = num(argv[++i]);
		} else if (!strcmp(k, "enc")) {
			NEED(2);
			sa.enc.name = argv[++i];
			sa.enc.key = k1;
			sa.enc.key_len = hexkey(argv[++i], k1, sizeof(k1));
		} else if (!strcmp(k, "auth")) {
			NEED(2);
			sa.auth.name = argv[++i];
			sa.auth.key = k2;
			sa.auth.key_len = hexkey(argv[++i], k2, sizeof(k2));
		} else if (!strcmp(k, "encap")) {
			NEED(2);
			sa.encap_sport = num(argv[++i]);
			sa.encap_dport = num(argv[++i]);
		} else if (!strcmp(k, "replay")) {
			sa.replay_window = num(argv[++i]);
		} else if (!strcmp(k, "soft-bytes")) {
			sa.lifetime.soft_bytes = num(argv[++i]);
		} else if (!strcmp(k, "hard-bytes")) {
			sa.lifetime.hard_bytes = num(argv[++i]);
		} else if (!strcmp(k, "soft-secs")) {
			sa.lifetime.soft_secs = num(argv[++i]);
		} else if (!strcmp(k, "hard-secs")) {
			sa.lifetime.hard_secs = num(argv[++i]);
		} else {
			usage();
		}
	}
	sa.src = src;
	sa.dst = dst;
	sa.spi = spi;
	sa.reqid = reqid;
	if (!strcmp(argv[0], "add"))
		return report(c, "sa add", xfrm_sa_add(c, &sa));
	if (!strcmp(argv[0], "update"))
		return report(c, "sa update", xfrm_sa_update(c, &sa));
	if (!strcmp(argv[0], "del"))
		return report(c, "sa del", xfrm_sa_del(c, &src, &dst, spi, 0));
	if (!strcmp(argv[0], "stats")) {
		struct xfrm_sa_stats st;
		int ret = xfrm_sa_get_stats(c, &dst, spi, 0, &st);

		if (ret)
			return report(c, "sa stats", ret);
		printf("bytes %llu packets %llu\n",
		       (unsigned long long)st.bytes,
		       (unsigned long long)st.packets);
		return 0;
	}
	if (!strcmp(argv[0], "allocspi")) {
		int ret = xfrm_alloc_spi(c, &src, &dst, 0, reqid, 0, 0, &spi);

		if (ret)
			return report(c, "sa allocspi", ret);
		printf("0x%08x\n", spi);
		return 0;
	}
	usage();
	return 2;
}

static int policy_cmd(struct nl_conn *c, int argc, char **argv)
{
	struct xfrm_policy_spec p = { 0 };
	int i;

	for (i = 1; i < argc; i++) {
		const char *k = argv[i];

		NEED(1);
		if (!strcmp(k, "dir")) {
			const char *d = argv[++i];

			p.dir = !strcmp(d, "in") ? XFRM_POLICY_IN :
				!strcmp(d, "out") ? XFRM_POLICY_OUT :
				!strcmp(d, "fwd") ? XFRM_POLICY_FWD : 9;
		} else if (!strcmp(k, "src")) {
			p.sel.src = prefix(argv[++i]);
			p.sel.family = p.sel.src.addr.family;
		} else if (!strcmp(k, "dst")) {
			p.sel.dst = prefix(argv[++i]);
		} else if (!strcmp(k, "proto")) {
			p.sel.proto = num(argv[++i]);
		} else if (!strcmp(k, "sport")) {
			p.sel.sport = num(argv[++i]);
		} else if (!strcmp(k, "dport")) {
			p.sel.dport = num(argv[++i]);
		} else if (!strcmp(k, "priority")) {
			p.priority = num(argv[++i]);
		} else if (!strcmp(k, "tmpl")) {
			NEED(8);
			p.tmpl.proto = IPPROTO_ESP;
			for (i++; i + 1 < argc; i += 2) {
				if (!strcmp(argv[i], "src"))
					p.tmpl.src = addr(argv[i + 1]);
				else if (!strcmp(argv[i], "dst"))
					p.tmpl.dst = addr(argv[i + 1]);
				else if (!strcmp(argv[i], "mode"))
					p.tmpl.mode = mode(argv[i + 1]);
				else if (!strcmp(argv[i], "reqid"))
					p.tmpl.reqid = num(argv[i + 1]);
				else
					usage();
			}
			break;
		} else {
			usage();
		}
	}
	if (!strcmp(argv[0], "add"))
		return report(c, "policy add", xfrm_policy_add(c, &p));
	if (!strcmp(argv[0], "del"))
		return report(c, "policy del",
			      xfrm_policy_del(c, &p.sel, p.dir));
	usage();
	return 2;
}

static void on_term(int sig __attribute__((unused)))
{
	_exit(0);
}

static int udp_encap(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct ipsec_addr a;
	socklen_t len;
	int fd, ret;

	if (argc != 3)
		usage();
	a = addr(argv[1]);
	len = ipsec_addr_to_sockaddr(&a, num(argv[2]), &ss);
	fd = socket(a.family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("xfrm_lib_tool: udp socket");
		return 1;
	}
	ret = xfrm_socket_udp_encap(fd);
	if (!ret)
		ret = xfrm_socket_bypass(fd, a.family);
	if (ret) {
		fprintf(stderr, "xfrm_lib_tool: udp-encap: %s\n",
			strerror(-ret));
		return 1;
	}
	signal(SIGTERM, on_term);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

static void print_event(const struct xfrm_event *ev)
{
	char d[IPSEC_ADDR_STRLEN], p[IPSEC_PREFIX_STRLEN];

	ipsec_addr_fmt(&ev->dst, d, sizeof(d));
	if (ev->type == XFRM_EV_EXPIRE)
		printf("expire %s spi 0x%08x reqid %u dst %s\n",
		       ev->hard ? "hard" : "soft", ev->spi, ev->reqid, d);
	else
		printf("acquire reqid %u dst %s sel-dst %s\n", ev->reqid, d,
		       ipsec_prefix_fmt(&ev->sel.dst, p, sizeof(p)));
	fflush(stdout);
}

static int events(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned long want, seen = 0;
	struct nl_conn c;
	int ret;

	if (argc != 3)
		usage();
	want = num(argv[1]);
	alarm(num(argv[2]));	/* SIGALRM ends the wait with status 142 */
	ret = xfrm_events_open(&c);
	if (ret) {
		fprintf(stderr, "xfrm_lib_tool: events: %s\n", strerror(-ret));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (seen < want) {
		ssize_t n = mnl_socket_recvfrom(c.sk, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const void *)buf;
		int len = n > 0 ? (int)n : 0;

		if (n < 0) {
			perror("xfrm_lib_tool: events");
			return 1;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			struct xfrm_event ev;

			if (xfrm_event_parse(nlh, &ev)) {
				fprintf(stderr, "xfrm_lib_tool: bad event\n");
				return 1;
			}
			if (ev.type != XFRM_EV_NONE) {
				print_event(&ev);
				seen++;
			}
		}
	}
	nl_close(&c);
	return 0;
}

int main(int argc, char **argv)
{
	struct nl_conn c;
	int ret;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "udp-encap"))
		return udp_encap(argc - 1, argv + 1);
	if (!strcmp(argv[1], "events"))
		return events(argc - 1, argv + 1);
	if (argc < 3)
		usage();
	ret = nl_open(&c, NETLINK_XFRM);
	if (ret) {
		fprintf(stderr, "xfrm_lib_tool: netlink: %s\n", strerror(-ret));
		return 1;
	}
	if (!strcmp(argv[1], "sa"))
		ret = sa_cmd(&c, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "policy"))
		ret = policy_cmd(&c, argc - 2, argv + 2);
	else
		usage();
	nl_close(&c);
	return ret;
}
