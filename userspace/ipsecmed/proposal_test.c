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
	struct ipsec_prefix p;
	char buf[64];
	uint8_t proto;
	uint16_t port;

	ours.ts[0] = ts4("10.1.0.0", "10.1.255.255", 0, 0, 65535);
	theirs.ts[0] = ts4("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	theirs.ts[1] = ts4("10.1.2.0", "10.1.2.255", 17, 53, 53);
	KT_EXPECT(ts_narrow(&ours, &theirs, &out) == 0);
	KT_EXPECT(out.n == 2);
	KT_EXPECT(ts_to_xfrm(&out.ts[0], &p, &proto, &port) == 0);
	KT_EXPECT_STR(ipsec_prefix_fmt(&p, buf, sizeof(buf)), "10.1.0.0/16");
	KT_EXPECT(ts_to_xfrm(&out.ts[1], &p, &proto, &port) == 0);
	KT_EXPECT_STR(ipsec_prefix_fmt(&p, buf, sizeof(buf)), "10.1.2.0/24");
	KT_EXPECT(proto == 17 && port == 53);
	/* Disjoint: TS_UNACCEPTABLE. */
	theirs.n = 1;
	theirs.ts[0] = ts4("10.2.0.0", "10.2.255.255", 0, 0, 65535);
	KT_EXPECT(ts_narrow(&ours, &theirs, &out) == -1);
	/* Different protocols do not meet. */
	ours.ts[0].proto = 6;
	theirs.ts[0] = ts4("10.1.0.0", "10.1.0.255", 17, 0, 65535);
	KT_EXPECT(ts_narrow(&ours, &theirs, &out) == -1);
}

static void test_ts_xfrm_refuses_ranges(void)
{
	struct ike_ts t = ts4("10.0.0.1", "10.0.0.6", 0, 0, 65535);
	struct ipsec_prefix p;
	uint8_t proto;
	uint16_t port;

	KT_EXPECT(ts_to_xfrm(&t, &p, &proto, &port) == -1);
	t = ts4("10.0.0.0", "10.0.0.255", 6, 1000, 2000);
	KT_EXPECT(ts_to_xfrm(&t, &p, &proto, &port) == -1);
	t = ts4("10.0.0.7", "10.0.0.7", 0, 0, 65535);
	KT_EXPECT(ts_to_xfrm(&t, &p, &proto, &port) == 0 && p.len == 32);
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
	kt_run("ts: XFRM needs prefixes and single ports",
	       test_ts_xfrm_refuses_ranges);
	return kt_done();
}
