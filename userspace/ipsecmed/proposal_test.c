// SPDX-License-Identifier: GPL-2.0
/*
 * Proposal selection and traffic selector narrowing: what the responder
 * picks, what the initiator accepts, and the XFRM form of selectors.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "ipsecmed/proposal.h"
#include "ipsecmed/testutil.h"
#include "ipsecmed/ts.h"

static struct conf_proposal parse(const char *s, bool esp)
{
	struct conf_proposal p;
	char err[256];

	memset(&p, 0, sizeof(p));
	if (conf_proposal_parse(s, esp, &p, err, sizeof(err)))
		printf("# %s: %s\n", s, err);
	return p;
}

static void test_select_peer_order(void)
{
	struct conf_proposal mine[2] = {
		parse("aes256-sha384-ecp384", false),
		parse("aes128gcm16-prfsha256-x25519", false),
	};
	struct conf_proposal peer[2] = {
		parse("aes128gcm16-prfsha256-x25519", false),
		parse("aes256-sha384-ecp384", false),
	};
	struct ike_sa_payload sa;
	struct ike_proposal chosen;
	struct ike_suite s;

	prop_offer(peer, 2, IKE_PROTO_IKE, NULL, 0, true, 0, &sa);
	KT_EXPECT(sa.nprop == 2);
	sa.prop[0].num = 1;	/* as decoded from the wire */
	sa.prop[1].num = 2;
	KT_EXPECT(prop_select(mine, 2, IKE_PROTO_IKE, true, &sa, &s,
			      &chosen) == 0);
	/* The peer's first acceptable proposal wins, number kept. */
	KT_EXPECT(chosen.num == 1);
	KT_EXPECT(s.encr && s.encr->id == IKE_ENCR_AES_GCM_16 &&
		  s.encr->keybits == 128 && !s.integ &&
		  s.prf->id == IKE_PRF_HMAC_SHA2_256 &&
		  s.dh->id == IKE_DH_CURVE25519);
	KT_EXPECT(chosen.ntrans == 3);
	/* The initiator accepts the echoed proposal. */
	sa.nprop = 1;
	sa.prop[0] = chosen;
	KT_EXPECT(prop_accept(peer, 2, IKE_PROTO_IKE, true, &sa, &s) == 0);
}

/* A suite negotiated under one connection, checked against another's
 * proposals (IKE_AUTH switching connections by identity).
 */
static void test_suite_allowed(void)
{
	struct conf_proposal gcm = parse("aes128gcm16-prfsha256-x25519",
					 false);
	struct conf_proposal two[2] = {
		parse("aes256-sha384-ecp384", false),
		parse("aes128gcm16-aes256gcm16-prfsha384-prfsha256-ecp256-x25519",
		      false),
	};
	struct conf_proposal other[3] = {
		parse("aes256gcm16-prfsha256-x25519", false),	/* key size */
		parse("aes128gcm16-prfsha384-x25519", false),	/* prf */
		parse("aes128gcm16-prfsha256-ecp256", false),	/* dh */
	};
	struct conf_proposal cbc = parse("aes256-sha384-prfsha384-ecp384",
					 false);
	struct conf_proposal cbc256 = parse("aes256-sha256-prfsha384-ecp384",
					    false);
	struct ike_sa_payload sa;
	struct ike_suite s, c;

	prop_offer(&gcm, 1, IKE_PROTO_IKE, NULL, 0, true, 0, &sa);
	KT_EXPECT(prop_select(&gcm, 1, IKE_PROTO_IKE, true, &sa, &s, NULL) ==
		  0);
	KT_EXPECT(prop_suite_allowed(&gcm, 1, &s));
	KT_EXPECT(prop_suite_allowed(two, 2, &s));
	KT_EXPECT(!prop_suite_allowed(two, 1, &s));
	KT_EXPECT(!prop_suite_allowed(other, 3, &s));
	prop_offer(&cbc, 1, IKE_PROTO_IKE, NULL, 0, true, 0, &sa);
	KT_EXPECT(prop_select(&cbc, 1, IKE_PROTO_IKE, true, &sa, &c, NULL) ==
		  0);
	KT_EXPECT(prop_suite_allowed(&cbc, 1, &c));
	KT_EXPECT(!prop_suite_allowed(&cbc256, 1, &c));	/* integ */
	KT_EXPECT(!prop_suite_allowed(&gcm, 1, &c));
}

static void test_select_none(void)
{
	struct conf_proposal mine = parse("aes256-sha384-ecp384", false);
	struct conf_proposal peer = parse("aes128gcm16-prfsha256-x25519",
					  false);
	struct ike_sa_payload sa;
	struct ike_proposal chosen;
	struct ike_suite s;

	prop_offer(&peer, 1, IKE_PROTO_IKE, NULL, 0, true, 0, &sa);
	KT_EXPECT(prop_select(&mine, 1, IKE_PROTO_IKE, true, &sa, &s,
			      &chosen) == -1);
	/* Wrong protocol. */
	prop_offer(&mine, 1, IKE_PROTO_ESP, (const uint8_t *)"abcd", 4, false,
		   0, &sa);
	KT_EXPECT(prop_select(&mine, 1, IKE_PROTO_IKE, true, &sa, &s,
			      &chosen) == -1);
}

static void test_accept_rejects_extra(void)
{
	struct conf_proposal mine = parse("aes128gcm16-prfsha256-x25519",
					  false);
	struct ike_sa_payload sa;
	struct ike_suite s;

	prop_offer(&mine, 1, IKE_PROTO_IKE, NULL, 0, true, 0, &sa);
	KT_EXPECT(prop_accept(&mine, 1, IKE_PROTO_IKE, true, &sa, &s) == 0);
	/* Two transforms of one type in an answer are refused. */
	sa.prop[0].tr[sa.prop[0].ntrans++] = (struct ike_transform){
		IKE_TRANS_DH, IKE_DH_CURVE25519, 0, false };
	KT_EXPECT(prop_accept(&mine, 1, IKE_PROTO_IKE, true, &sa, &s) == -1);
	/* A transform we did not offer is refused. */
	prop_offer(&mine, 1, IKE_PROTO_IKE, NULL, 0, true, 0, &sa);
	sa.prop[0].tr[0].keylen = 256;
	KT_EXPECT(prop_accept(&mine, 1, IKE_PROTO_IKE, true, &sa, &s) == -1);
}

static void test_esp_offer(void)
{
	struct conf_proposal esp = parse("aes256-sha256", true);
	struct ike_sa_payload sa;
	struct ike_proposal chosen;
	struct ike_suite s;

	prop_offer(&esp, 1, IKE_PROTO_ESP, (const uint8_t *)"\xc0\0\0\1", 4,
		   false, 0, &sa);
	/* ENCR, INTEG, and ESN "no" when none is configured. */
	KT_EXPECT(sa.prop[0].ntrans == 3 && sa.prop[0].spi_size == 4);
	KT_EXPECT(sa.prop[0].tr[2].type == IKE_TRANS_ESN &&
		  sa.prop[0].tr[2].id == IKE_ESN_NO);
	KT_EXPECT(prop_select(&esp, 1, IKE_PROTO_ESP, false, &sa, &s,
			      &chosen) == 0);
	KT_EXPECT(s.encr->keybits == 256 && s.integ &&
		  s.integ->id == IKE_INTEG_HMAC_SHA2_256_128 && !s.esn);
	KT_EXPECT(chosen.spi[0] == 0xc0 && chosen.spi[3] == 1);
}

static struct ike_ts ts4(const char *a, const char *b, uint8_t proto,
			 uint16_t lo, uint16_t hi)
{
	struct ike_ts t = { .type = IKE_TS_IPV4_ADDR_RANGE, .proto = proto,
			    .start_port = lo, .end_port = hi };

	inet_pton(AF_INET, a, t.start);
	inet_pton(AF_INET, b, t.end);
	return t;
}

static void test_ts_narrow(void)
{
	struct ike_ts_payload ours = { .n = 1 }, theirs = { .n = 2 }, out;
	struct ts_piece p;
	char buf[64];

	ours.ts[0] = ts4("10.1.0.0", "10.1.255.255", 0, 0, 65535);
	theirs.ts[0] = ts4("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	theirs.ts[1] = ts4("10.1.2.0", "10.1.2.255", 17, 53, 53);
	KT_EXPECT(ts_narrow(&ours, &theirs, &out) == 0);
	KT_EXPECT(out.n == 2);
	KT_EXPECT(ts_pieces(&out.ts[0], &p, 1) == 1);
	KT_EXPECT_STR(ipsec_prefix_fmt(&p.prefix, buf, sizeof(buf)),
		      "10.1.0.0/16");
	KT_EXPECT(ts_pieces(&out.ts[1], &p, 1) == 1);
	KT_EXPECT_STR(ipsec_prefix_fmt(&p.prefix, buf, sizeof(buf)),
		      "10.1.2.0/24");
	KT_EXPECT(p.proto == 17 && p.port == 53 && p.port_mask == 0xffff);
	/* Disjoint: TS_UNACCEPTABLE. */
	theirs.n = 1;
	theirs.ts[0] = ts4("10.2.0.0", "10.2.255.255", 0, 0, 65535);
	KT_EXPECT(ts_narrow(&ours, &theirs, &out) == -1);
	/* Different protocols do not meet. */
	ours.ts[0].proto = 6;
	theirs.ts[0] = ts4("10.1.0.0", "10.1.0.255", 17, 0, 65535);
	KT_EXPECT(ts_narrow(&ours, &theirs, &out) == -1);
}

static struct ike_ts ts6(const char *a, const char *b)
{
	struct ike_ts t = { .type = IKE_TS_IPV6_ADDR_RANGE, .end_port = 65535 };

	inet_pton(AF_INET6, a, t.start);
	inet_pton(AF_INET6, b, t.end);
	return t;
}

/* "PREFIX port/mask" of every piece, space separated. */
static const char *pieces_str(const struct ike_ts *t, size_t max, int *n)
{
	static char out[2048];
	struct ts_piece pc[TS_PIECES_MAX];
	size_t off = 0;
	int i;

	out[0] = 0;
	*n = ts_pieces(t, pc, max);
	for (i = 0; i < *n && (size_t)i < max; i++) {
		char b[IPSEC_PREFIX_STRLEN];

		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s",
					i ? " " : "",
					ipsec_prefix_fmt(&pc[i].prefix, b,
							 sizeof(b)));
		if (pc[i].port || pc[i].port_mask)
			off += (size_t)snprintf(out + off, sizeof(out) - off,
						":%u/%04x", pc[i].port,
						pc[i].port_mask);
	}
	return out;
}

static void test_ts_pieces(void)
{
	struct ike_ts t;
	int n;

	/* A range inside a /24 is three prefixes, none wider. */
	t = ts4("10.9.0.1", "10.9.0.5", 0, 0, 65535);
	KT_EXPECT_STR(pieces_str(&t, 16, &n),
		      "10.9.0.1/32 10.9.0.2/31 10.9.0.4/31");
	KT_EXPECT(n == 3);
	/* Single host, full range, prefix. */
	t = ts4("10.0.0.7", "10.0.0.7", 0, 0, 65535);
	KT_EXPECT_STR(pieces_str(&t, 16, &n), "10.0.0.7/32");
	KT_EXPECT(n == 1);
	t = ts4("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	KT_EXPECT_STR(pieces_str(&t, 16, &n), "0.0.0.0/0");
	KT_EXPECT(n == 1);
	t = ts4("10.1.0.0", "10.1.255.255", 0, 0, 65535);
	KT_EXPECT_STR(pieces_str(&t, 16, &n), "10.1.0.0/16");
	/* The worst IPv4 range: 62 pieces, only the first 2 filled. */
	t = ts4("0.0.0.1", "255.255.255.254", 0, 0, 65535);
	KT_EXPECT_STR(pieces_str(&t, 2, &n), "0.0.0.1/32 0.0.0.2/31");
	KT_EXPECT(n == 62);
	/* Start above end, of addresses or ports: not a selector. */
	t = ts4("10.0.0.9", "10.0.0.1", 0, 0, 65535);
	KT_EXPECT(ts_pieces(&t, NULL, 0) == -1);
	t = ts4("10.0.0.1", "10.0.0.9", 6, 2000, 1000);
	KT_EXPECT(ts_pieces(&t, NULL, 0) == -1);
	t.type = 9;
	KT_EXPECT(ts_pieces(&t, NULL, 0) == -1);
	/* Ports: 0-65535 is any port, one port is exact, odd ranges are
	 * aligned blocks; ports only with tcp, udp, sctp.
	 */
	t = ts4("10.0.0.0", "10.0.0.255", 6, 0, 65535);
	KT_EXPECT_STR(pieces_str(&t, 16, &n), "10.0.0.0/24");
	t = ts4("10.0.0.0", "10.0.0.255", 6, 443, 443);
	KT_EXPECT_STR(pieces_str(&t, 16, &n), "10.0.0.0/24:443/ffff");
	t = ts4("10.0.0.0", "10.0.0.255", 17, 0, 0);
	KT_EXPECT_STR(pieces_str(&t, 16, &n), "10.0.0.0/24:0/ffff");
	t = ts4("10.0.0.0", "10.0.0.255", 6, 1000, 1010);
	KT_EXPECT_STR(pieces_str(&t, 16, &n), "10.0.0.0/24:1000/fff8 "
		      "10.0.0.0/24:1008/fffe 10.0.0.0/24:1010/ffff");
	KT_EXPECT(n == 3);
	t = ts4("10.0.0.0", "10.0.0.255", 6, 1024, 65535);
	KT_EXPECT_STR(pieces_str(&t, 16, &n), "10.0.0.0/24:1024/fc00 "
		      "10.0.0.0/24:2048/f800 10.0.0.0/24:4096/f000 "
		      "10.0.0.0/24:8192/e000 10.0.0.0/24:16384/c000 "
		      "10.0.0.0/24:32768/8000");
	t = ts4("10.0.0.0", "10.0.0.255", 6, 1, 65534);
	KT_EXPECT(ts_pieces(&t, NULL, 0) == 30);
	t = ts4("10.0.0.0", "10.0.0.255", 1, 0x0800, 0x0800);
	KT_EXPECT(ts_pieces(&t, NULL, 0) == -1);	/* icmp echo */
	t = ts4("10.0.0.0", "10.0.0.255", 0, 80, 80);
	KT_EXPECT(ts_pieces(&t, NULL, 0) == -1);
	/* Addresses times ports, all ports of a block first. */
	t = ts4("10.9.0.1", "10.9.0.3", 6, 1000, 1009);
	KT_EXPECT_STR(pieces_str(&t, 16, &n), "10.9.0.1/32:1000/fff8 "
		      "10.9.0.1/32:1008/fffe 10.9.0.2/31:1000/fff8 "
		      "10.9.0.2/31:1008/fffe");
	KT_EXPECT(n == 4);
	/* IPv6: the whole space, a range, the worst case. */
	t = ts6("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	KT_EXPECT_STR(pieces_str(&t, 16, &n), "::/0");
	t = ts6("2001:db8::1", "2001:db8::4");
	KT_EXPECT_STR(pieces_str(&t, 16, &n),
		      "2001:db8::1/128 2001:db8::2/127 2001:db8::4/128");
	t = ts6("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	KT_EXPECT(ts_pieces(&t, NULL, 0) == 254);
	t = ts6("2001:db8::9", "2001:db8::1");
	KT_EXPECT(ts_pieces(&t, NULL, 0) == -1);
}

static void test_ts_fit(void)
{
	struct ike_ts_payload l = { .n = 1 }, r = { .n = 1 };
	char buf[512];

	/* Representable: left as the range it is. */
	l.ts[0] = ts4("10.9.0.1", "10.9.0.5", 6, 1000, 1010);
	r.ts[0] = ts4("10.9.1.0", "10.9.1.255", 0, 0, 65535);
	KT_EXPECT(ts_exact(&l, &r, false) == NULL);
	KT_EXPECT(ts_fit_pair(&l, &r, false) == 0 && l.n == 1 && r.n == 1);
	ts_str(&l, buf, sizeof(buf));
	KT_EXPECT_STR(buf, "10.9.0.1-10.9.0.5[tcp/1000-1010]");
	ts_str(&r, buf, sizeof(buf));
	KT_EXPECT_STR(buf, "10.9.1.0/24");
	/* Too many pieces: the first 16, each a selector of its own. */
	l.ts[0] = ts4("0.0.0.1", "255.255.255.254", 0, 0, 65535);
	KT_EXPECT(ts_exact(&l, &r, false) != NULL);
	KT_EXPECT(ts_fit(&l, 16) == 16 && l.n == 16);
	KT_EXPECT(ts_exact(&l, &r, false) == NULL);
	ts_str(&l, buf, sizeof(buf));
	KT_EXPECT(!strncmp(buf, "0.0.0.1/32,0.0.0.2/31,0.0.0.4/30,", 33));
	/* Pairs beyond 64: the side with more pieces is cut. */
	r.ts[0] = ts4("10.0.0.1", "10.0.0.14", 0, 0, 65535);	/* 6 */
	KT_EXPECT(ts_fit_pair(&l, &r, false) == 0);
	KT_EXPECT(ts_count(&l, 0) == 10 && ts_count(&r, 0) == 6);
	KT_EXPECT(ts_exact(&l, &r, false) == NULL);
	/* An entry that cannot be had is left out, the others stay. */
	l.n = 2;
	l.ts[0] = ts4("10.0.0.9", "10.0.0.1", 0, 0, 65535);
	l.ts[1] = ts4("10.0.0.0", "10.0.0.255", 0, 0, 65535);
	KT_EXPECT(ts_exact(&l, &r, false) != NULL);
	KT_EXPECT(ts_fit(&l, 16) == 1 && l.n == 1);
	ts_str(&l, buf, sizeof(buf));
	KT_EXPECT_STR(buf, "10.0.0.0/24");
	l.ts[0] = ts4("10.0.0.0", "10.0.0.255", 1, 0x0800, 0x0800);
	KT_EXPECT(ts_fit_pair(&l, &r, false) == -1);
	/* Status text: protocol names, single ports, IPv6 ranges. */
	l.n = 2;
	l.ts[0] = ts4("10.1.2.0", "10.1.2.255", 17, 53, 53);
	l.ts[1] = ts6("2001:db8::1", "2001:db8::4");
	ts_str(&l, buf, sizeof(buf));
	KT_EXPECT_STR(buf, "10.1.2.0/24[udp/53],2001:db8::1-2001:db8::4");
}

/* A rekey's selectors must cover the old ones (RFC 7296 2.9.2). */
static void test_ts_covers(void)
{
	struct ike_ts_payload outer = { .n = 2 }, inner = { .n = 2 };

	outer.ts[0] = ts4("10.0.0.0", "10.0.0.255", 0, 0, 65535);
	outer.ts[1] = ts4("10.1.0.0", "10.1.0.255", 6, 1000, 2000);
	inner.ts[0] = ts4("10.0.0.5", "10.0.0.9", 17, 53, 53);
	inner.ts[1] = ts4("10.1.0.0", "10.1.0.255", 6, 1000, 2000);
	KT_EXPECT(ts_covers(&outer, &inner));
	KT_EXPECT(ts_covers(&outer, &outer));
	KT_EXPECT(!ts_covers(&inner, &outer));
	/* Each selector within one: a port, protocol or address beyond. */
	inner.ts[1] = ts4("10.1.0.0", "10.1.0.255", 6, 999, 2000);
	KT_EXPECT(!ts_covers(&outer, &inner));
	inner.ts[1] = ts4("10.1.0.0", "10.1.0.255", 0, 1000, 2000);
	KT_EXPECT(!ts_covers(&outer, &inner));
	inner.ts[1] = ts4("10.0.0.255", "10.1.0.0", 6, 1000, 1000);
	KT_EXPECT(!ts_covers(&outer, &inner));
	/* Another family is never within. */
	inner.n = 1;
	inner.ts[0] = ts6("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	KT_EXPECT(!ts_covers(&outer, &inner));
}

/* Transport mode: one piece per side, of one family, so that the SA's
 * own selector holds the CHILD_SA exactly.
 */
static void test_ts_transport(void)
{
	struct ike_ts_payload l = { .n = 1 }, r = { .n = 1 };
	char buf[512];

	l.ts[0] = ts4("10.0.0.1", "10.0.0.1", 6, 5001, 5001);
	r.ts[0] = ts4("10.0.0.2", "10.0.0.2", 0, 0, 65535);
	KT_EXPECT(ts_exact(&l, &r, true) == NULL);
	KT_EXPECT(ts_fit_pair(&l, &r, true) == 0 && l.n == 1 && r.n == 1);
	/* 5001-5002 is two port blocks: fine in tunnel mode only. */
	l.ts[0] = ts4("10.0.0.1", "10.0.0.1", 6, 5001, 5002);
	KT_EXPECT(ts_exact(&l, &r, false) == NULL);
	KT_EXPECT(ts_exact(&l, &r, true) != NULL);
	/* The responder answers the first piece alone. */
	KT_EXPECT(ts_fit_pair(&l, &r, true) == 0 && l.n == 1);
	ts_str(&l, buf, sizeof(buf));
	KT_EXPECT_STR(buf, "10.0.0.1/32[tcp/5001]");
	KT_EXPECT(ts_exact(&l, &r, true) == NULL);
	/* Two selectors on a side: the first one. */
	l.n = 2;
	l.ts[0] = ts4("10.0.0.1", "10.0.0.1", 17, 53, 53);
	l.ts[1] = ts4("10.0.0.1", "10.0.0.1", 6, 80, 80);
	KT_EXPECT(ts_exact(&l, &r, true) != NULL);
	KT_EXPECT(ts_fit_pair(&l, &r, true) == 0 && l.n == 1);
	ts_str(&l, buf, sizeof(buf));
	KT_EXPECT_STR(buf, "10.0.0.1/32[udp/53]");
	/* Pieces of two families are no pair. */
	r.ts[0] = ts6("2001:db8::2", "2001:db8::2");
	KT_EXPECT(ts_exact(&l, &r, true) != NULL);
	KT_EXPECT(ts_fit_pair(&l, &r, true) == -1);
}

int main(void)
{
	kt_run("proposal: responder takes the peer's first acceptable one",
	       test_select_peer_order);
	kt_run("proposal: nothing in common, or wrong protocol",
	       test_select_none);
	kt_run("proposal: initiator refuses answers it did not offer",
	       test_accept_rejects_extra);
	kt_run("proposal: ESP offer with SPI and ESN", test_esp_offer);
	kt_run("proposal: a negotiated IKE suite against other proposals",
	       test_suite_allowed);
	kt_run("ts: narrowing keeps intersections only", test_ts_narrow);
	kt_run("ts: ranges decompose into exact XFRM pieces", test_ts_pieces);
	kt_run("ts: responder narrowing to the caps, status text",
	       test_ts_fit);
	kt_run("ts: a rekey's selectors cover the old ones", test_ts_covers);
	kt_run("ts: transport mode takes one piece per side",
	       test_ts_transport);
	return kt_done();
}
