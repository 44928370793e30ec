// SPDX-License-Identifier: GPL-2.0
/*
 * CREATE_CHILD_SA without a daemon: checking requests (well-formed and
 * malformed: missing or wrong KE, missing nonce or selectors, bad SPIs),
 * choosing the configured child for a new CHILD_SA,
 * the RFC 7296 2.8.1 nonce rule for simultaneous rekeys, jittered
 * deadlines, and the keys of a rekeyed IKE SA against an independent
 * computation with OpenSSL's one-shot HMAC.
 */
#include <openssl/evp.h>

#include "ipsecmed/rekey.h"
#include "ipsecmed/sa.h"
#include "ipsecmed/testutil.h"

static struct conf_proposal parse(const char *s, bool esp)
{
	struct conf_proposal p;
	char err[256];

	memset(&p, 0, sizeof(p));
	if (conf_proposal_parse(s, esp, &p, err, sizeof(err)))
		printf("# %s: %s\n", s, err);
	return p;
}

static uint8_t msgbuf[4096];
static struct ike_msg msg;
static struct ccsa_req req;

/* What goes into a test request. */
struct spec {
	const char *offer;	/* the initiator's proposal */
	bool esp;		/* CHILD_SA (else IKE SA) rekey */
	uint8_t spi_size;	/* 0: the right one */
	bool no_nonce, no_ts, no_rekey_sa;
	uint16_t ke_group;	/* 0: no KE payload */
	size_t ke_len;		/* 0: the group's length */
	uint16_t offer_group;	/* DH group offered first */
};

/* Build the request's payload chain as a plain message and decode it. */
static int build(const struct spec *s)
{
	struct conf_proposal p = parse(s->offer, s->esp);
	struct ike_hdr h = { .spi_i = { 1 }, .spi_r = { 2 },
			     .exchange = IKE_CREATE_CHILD_SA,
			     .flags = IKE_FLAG_INITIATOR, .msgid = 3 };
	struct ike_ts_payload ts = { .n = 1 };
	uint8_t spi[8] = { 9, 8, 7, 6, 5, 4, 3, 2 }, ke[256], nonce[32];
	uint8_t size = s->spi_size ? s->spi_size : s->esp ? 4 : 8;
	const struct ike_dh_group *g = ike_dh_group_find(s->ke_group);
	struct ike_sa_payload sa;
	struct ike_builder b;
	struct ike_err err;
	int len;

	ts.ts[0] = (struct ike_ts){ IKE_TS_IPV4_ADDR_RANGE, 0, 0, 65535,
				    { 10, 1, 0, 0 }, { 10, 1, 255, 255 } };
	memset(ke, 0x42, sizeof(ke));
	memset(nonce, 0x17, sizeof(nonce));
	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	if (s->esp && !s->no_rekey_sa)
		ikb_notify(&b, IKE_PROTO_ESP, spi, 4, IKE_N_REKEY_SA, NULL, 0);
	prop_offer(&p, 1, s->esp ? IKE_PROTO_ESP : IKE_PROTO_IKE, spi, size,
		   p.n_dh != 0, s->offer_group, &sa);
	ikb_sa(&b, &sa);
	if (!s->no_nonce)
		ikb_nonce(&b, nonce, sizeof(nonce));
	if (s->ke_group)
		ikb_ke(&b, s->ke_group, ke, s->ke_len ? s->ke_len :
		       g ? g->pub_len : 32);
	if (s->esp && !s->no_ts) {
		ikb_ts(&b, IKE_PL_TSI, &ts);
		ikb_ts(&b, IKE_PL_TSR, &ts);
	}
	len = ikb_finish(&b);
	if (len < 0 || ike_msg_decode(&msg, msgbuf, (size_t)len, &err))
		return -1;
	return 0;
}

/* The responder's configuration in these tests. */
static uint16_t check(const struct spec *s, const char *ike, const char *esp)
{
	struct conf_proposal i = parse(ike, false), e = parse(esp, true);

	if (build(s))
		return 0xffff;
	return ccsa_parse_request(&msg, &i, 1, &e, 1, &req);
}

#define IKE_OURS "aes128gcm16-prfsha256-x25519-ecp256"
#define ESP_PFS "aes128gcm16-x25519-ecp256"

static void test_parse_valid(void)
{
	struct spec child = { .offer = "aes128gcm16", .esp = true };
	struct spec pfs = { .offer = "aes128gcm16-x25519", .esp = true,
			    .ke_group = IKE_DH_CURVE25519,
			    .offer_group = IKE_DH_CURVE25519 };
	struct spec ike = { .offer = "aes128gcm16-prfsha256-ecp256",
			    .ke_group = IKE_DH_ECP256,
			    .offer_group = IKE_DH_ECP256 };
	struct conf_proposal optional[2] = { parse(ESP_PFS, true),
					     parse("aes128gcm16", true) };

	KT_EXPECT(check(&child, IKE_OURS, "aes128gcm16") == 0);
	KT_EXPECT(req.proto == IKE_PROTO_ESP && req.rekey &&
		  req.rekey_spi == 0x09080706 && !req.has_ke &&
		  req.nonce_len == 32 && req.tsi.n == 1 && req.tsr.n == 1 &&
		  !req.suite.dh);
	/* PFS optional on our side: both with and without KE. */
	KT_EXPECT(build(&child) == 0);
	KT_EXPECT(ccsa_parse_request(&msg, NULL, 0, optional, 2, &req) == 0);
	KT_EXPECT(!req.has_ke && !req.suite.dh);
	KT_EXPECT(check(&pfs, IKE_OURS, ESP_PFS) == 0);
	KT_EXPECT(req.has_ke && req.suite.dh &&
		  req.suite.dh->id == IKE_DH_CURVE25519 &&
		  req.ke.len == 32);
	KT_EXPECT(check(&ike, IKE_OURS, "aes128gcm16") == 0);
	KT_EXPECT(req.proto == IKE_PROTO_IKE && req.suite.prf &&
		  req.suite.dh->id == IKE_DH_ECP256 &&
		  req.chosen.spi_size == 8 && req.chosen.spi[0] == 9);
}

static void test_parse_ke(void)
{
	/* Offers x25519 first but sends KE for ecp256, which it also
	 * offers: taken without a round trip.
	 */
	struct spec second = { .offer = "aes128gcm16-x25519-ecp256",
			       .esp = true, .ke_group = IKE_DH_ECP256,
			       .offer_group = IKE_DH_CURVE25519 };
	/* KE for a group we do not allow: INVALID_KE_PAYLOAD naming ours. */
	struct spec wrong = { .offer = "aes128gcm16-x25519-modp2048",
			      .esp = true, .ke_group = IKE_DH_MODP2048,
			      .offer_group = IKE_DH_MODP2048 };
	struct spec ike_wrong = { .offer = "aes128gcm16-prfsha256-x25519-"
					   "modp2048",
				  .ke_group = IKE_DH_MODP2048,
				  .offer_group = IKE_DH_MODP2048 };
	struct spec short_ke = { .offer = "aes128gcm16-x25519", .esp = true,
				 .ke_group = IKE_DH_CURVE25519, .ke_len = 31,
				 .offer_group = IKE_DH_CURVE25519 };
	struct spec ke_no_dh = { .offer = "aes128gcm16", .esp = true,
				 .ke_group = IKE_DH_CURVE25519 };
	struct spec dh_no_ke = { .offer = "aes128gcm16-x25519", .esp = true };
	struct spec no_pfs = { .offer = "aes128gcm16", .esp = true };
	struct spec ike_no_ke = { .offer = "aes128gcm16-prfsha256-x25519" };

	KT_EXPECT(check(&second, IKE_OURS, ESP_PFS) == 0);
	KT_EXPECT(req.suite.dh && req.suite.dh->id == IKE_DH_ECP256);
	KT_EXPECT(check(&wrong, IKE_OURS, ESP_PFS) ==
		  IKE_N_INVALID_KE_PAYLOAD);
	KT_EXPECT(req.want_group == IKE_DH_CURVE25519);
	KT_EXPECT(check(&ike_wrong, IKE_OURS, ESP_PFS) ==
		  IKE_N_INVALID_KE_PAYLOAD);
	KT_EXPECT(req.want_group == IKE_DH_CURVE25519);
	KT_EXPECT(check(&short_ke, IKE_OURS, ESP_PFS) ==
		  IKE_N_INVALID_SYNTAX);
	/* A KE payload but no DH transform to go with it. */
	KT_EXPECT(check(&ke_no_dh, IKE_OURS, "aes128gcm16") ==
		  IKE_N_NO_PROPOSAL_CHOSEN);
	/* A DH transform but no KE payload. */
	KT_EXPECT(check(&dh_no_ke, IKE_OURS, ESP_PFS) ==
		  IKE_N_INVALID_SYNTAX);
	/* We insist on PFS, the peer offers none. */
	KT_EXPECT(check(&no_pfs, IKE_OURS, ESP_PFS) ==
		  IKE_N_NO_PROPOSAL_CHOSEN);
	/* An IKE SA rekey must carry KE. */
	KT_EXPECT(check(&ike_no_ke, IKE_OURS, "aes128gcm16") ==
		  IKE_N_INVALID_SYNTAX);
}

static void test_parse_malformed(void)
{
	struct spec no_nonce = { .offer = "aes128gcm16", .esp = true,
				 .no_nonce = true };
	struct spec ike_no_nonce = { .offer = "aes128gcm16-prfsha256-x25519",
				     .ke_group = IKE_DH_CURVE25519,
				     .no_nonce = true };
	struct spec no_ts = { .offer = "aes128gcm16", .esp = true,
			      .no_ts = true };
	struct spec esp_spi8 = { .offer = "aes128gcm16", .esp = true,
				 .spi_size = 8 };
	struct spec ike_spi4 = { .offer = "aes128gcm16-prfsha256-x25519",
				 .ke_group = IKE_DH_CURVE25519,
				 .spi_size = 4 };
	struct spec new_child = { .offer = "aes128gcm16", .esp = true,
				  .no_rekey_sa = true };
	struct conf_proposal e = parse("aes128gcm16", true);
	size_t i;

	KT_EXPECT(check(&no_nonce, IKE_OURS, "aes128gcm16") ==
		  IKE_N_INVALID_SYNTAX);
	KT_EXPECT(check(&ike_no_nonce, IKE_OURS, "aes128gcm16") ==
		  IKE_N_INVALID_SYNTAX);
	KT_EXPECT(check(&no_ts, IKE_OURS, "aes128gcm16") ==
		  IKE_N_INVALID_SYNTAX);
	KT_EXPECT(check(&esp_spi8, IKE_OURS, "aes128gcm16") ==
		  IKE_N_INVALID_SYNTAX);
	KT_EXPECT(check(&ike_spi4, IKE_OURS, "aes128gcm16") ==
		  IKE_N_INVALID_SYNTAX);
	/* Without REKEY_SA: a request for a new CHILD_SA. */
	KT_EXPECT(check(&new_child, IKE_OURS, "aes128gcm16") == 0);
	KT_EXPECT(!req.rekey);
	/* No proposals for this kind (an IKE SA rekey where none apply). */
	build(&(struct spec){ .offer = "aes128gcm16-prfsha256-x25519",
			      .ke_group = IKE_DH_CURVE25519 });
	KT_EXPECT(ccsa_parse_request(&msg, NULL, 0, &e, 1, &req) ==
		  IKE_N_NO_ADDITIONAL_SAS);
	/* A KE payload cut to its group field only. */
	build(&(struct spec){ .offer = "aes128gcm16-x25519", .esp = true,
			      .ke_group = IKE_DH_CURVE25519 });
	for (i = 0; i < msg.n; i++)
		if (msg.pl[i].type == IKE_PL_KE)
			msg.pl[i].len = 2;
	KT_EXPECT(ccsa_parse_request(&msg, NULL, 0, &e, 1, &req) ==
		  IKE_N_INVALID_SYNTAX);
	/* An empty SA payload. */
	build(&(struct spec){ .offer = "aes128gcm16", .esp = true });
	for (i = 0; i < msg.n; i++)
		if (msg.pl[i].type == IKE_PL_SA)
			msg.pl[i].len = 0;
	KT_EXPECT(ccsa_parse_request(&msg, NULL, 0, &e, 1, &req) ==
		  IKE_N_INVALID_SYNTAX);
	/* No SA payload at all. */
	build(&(struct spec){ .offer = "aes128gcm16", .esp = true });
	for (i = 0; i < msg.n; i++)
		if (msg.pl[i].type == IKE_PL_SA)
			msg.pl[i].type = IKE_PL_VENDOR;
	KT_EXPECT(ccsa_parse_request(&msg, NULL, 0, &e, 1, &req) ==
		  IKE_N_INVALID_SYNTAX);
}

/* A configured child: @local/@remote selectors (NULL: the host
 * address), ESP proposal @esp.
 */
static struct conf_child child_cfg(const char *name, const char *local,
				   const char *remote, const char *esp)
{
	struct conf_child c;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", name);
	if (local) {
		ipsec_prefix_parse(local, &c.local_ts[0].prefix);
		c.local_ts[0].port_hi = 65535;
		c.n_local_ts = 1;
	}
	if (remote) {
		ipsec_prefix_parse(remote, &c.remote_ts[0].prefix);
		c.remote_ts[0].port_hi = 65535;
		c.n_remote_ts = 1;
	}
	c.esp[0] = parse(esp, true);
	c.n_esp = 1;
	return c;
}

/* The responder picks a configured child for a new CHILD_SA by traffic
 * selectors, then proposals (the request's TSi = TSr = 10.1.0.0/16).
 */
static void test_match_child(void)
{
	struct spec new_child = { .offer = "aes128gcm16", .esp = true,
				  .no_rekey_sa = true };
	struct spec new_pfs = { .offer = "aes128gcm16-x25519", .esp = true,
				.no_rekey_sa = true,
				.ke_group = IKE_DH_ECP256,
				.offer_group = IKE_DH_CURVE25519 };
	struct spec rekey = { .offer = "aes128gcm16", .esp = true };
	struct spec no_ts = { .offer = "aes128gcm16", .esp = true,
			      .no_rekey_sa = true, .no_ts = true };
	struct ipsec_addr me, peer;
	struct conf_child kids[3];
	struct ike_ts_payload l, r;
	size_t idx = 99;

	ipsec_addr_parse("192.0.2.1", &me);
	ipsec_addr_parse("192.0.2.2", &peer);
	kids[0] = child_cfg("other", "10.9.0.0/16", "10.9.0.0/16",
			    "aes128gcm16");
	kids[1] = child_cfg("wide", "10.0.0.0/8", "10.0.0.0/8",
			    "aes256gcm16");
	kids[2] = child_cfg("net", "10.1.0.0/16", "10.1.0.0/24",
			    "aes128gcm16");
	KT_EXPECT(build(&new_child) == 0);
	/* "wide" fits by selectors but not by proposals: "net" wins,
	 * narrowed to its /24 on the remote side.
	 */
	KT_EXPECT(ccsa_match_child(&msg, kids, 3, &me, &peer, &req, &idx, &l,
				   &r) == 0);
	KT_EXPECT(idx == 2 && !req.rekey && req.proto == IKE_PROTO_ESP);
	KT_EXPECT(l.n == 1 && l.ts[0].end[2] == 255);
	KT_EXPECT(r.n == 1 && r.ts[0].end[2] == 0 && r.ts[0].end[3] == 255);
	/* Only a child whose proposals do not fit. */
	KT_EXPECT(ccsa_match_child(&msg, kids, 2, &me, &peer, &req, &idx, &l,
				   &r) == IKE_N_NO_PROPOSAL_CHOSEN);
	/* No child whose selectors fit. */
	KT_EXPECT(ccsa_match_child(&msg, kids, 1, &me, &peer, &req, &idx, &l,
				   &r) == IKE_N_TS_UNACCEPTABLE);
	KT_EXPECT(ccsa_match_child(&msg, kids, 0, &me, &peer, &req, &idx, &l,
				   &r) == IKE_N_TS_UNACCEPTABLE);
	/* Host selectors (empty lists) do not take 10.1.0.0/16. */
	kids[0] = child_cfg("host", NULL, NULL, "aes128gcm16");
	KT_EXPECT(ccsa_match_child(&msg, kids, 1, &me, &peer, &req, &idx, &l,
				   &r) == IKE_N_TS_UNACCEPTABLE);
	/* PFS: KE for a group the child does not take first. */
	kids[0] = child_cfg("pfs", "10.1.0.0/16", "10.1.0.0/16",
			    "aes128gcm16-x25519");
	KT_EXPECT(build(&new_pfs) == 0);
	KT_EXPECT(ccsa_match_child(&msg, kids, 1, &me, &peer, &req, &idx, &l,
				   &r) == IKE_N_INVALID_KE_PAYLOAD);
	KT_EXPECT(req.want_group == IKE_DH_CURVE25519);
	/* A rekey or a request without selectors is no new CHILD_SA. */
	KT_EXPECT(build(&rekey) == 0);
	KT_EXPECT(ccsa_match_child(&msg, kids, 3, &me, &peer, &req, &idx, &l,
				   &r) == IKE_N_INVALID_SYNTAX);
	KT_EXPECT(build(&no_ts) == 0);
	KT_EXPECT(ccsa_match_child(&msg, kids, 3, &me, &peer, &req, &idx, &l,
				   &r) == IKE_N_INVALID_SYNTAX);
}

static void test_invalid_ke_notify(void)
{
	struct ike_hdr h = { .exchange = IKE_CREATE_CHILD_SA,
			     .flags = IKE_FLAG_RESPONSE };
	uint8_t g[2] = { 0, IKE_DH_ECP256 };
	struct ike_builder b;
	struct ike_err err;
	int len;

	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	ikb_notify(&b, 0, NULL, 0, IKE_N_INVALID_KE_PAYLOAD, g, 2);
	len = ikb_finish(&b);
	KT_EXPECT(len > 0 && !ike_msg_decode(&msg, msgbuf, (size_t)len, &err));
	KT_EXPECT(ccsa_invalid_ke_group(&msg) == IKE_DH_ECP256);
	/* A group field of the wrong size names no group. */
	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	ikb_notify(&b, 0, NULL, 0, IKE_N_INVALID_KE_PAYLOAD, g, 1);
	len = ikb_finish(&b);
	KT_EXPECT(len > 0 && !ike_msg_decode(&msg, msgbuf, (size_t)len, &err));
	KT_EXPECT(ccsa_invalid_ke_group(&msg) == 0);
}

static void test_nonce_order(void)
{
	static const uint8_t a[] = { 1, 2, 3 }, b[] = { 1, 2, 4 },
			     c[] = { 1, 2 }, d[] = { 0xff };

	KT_EXPECT(nonce_cmp(a, 3, b, 3) < 0 && nonce_cmp(b, 3, a, 3) > 0);
	KT_EXPECT(nonce_cmp(a, 3, a, 3) == 0);
	/* The end of a nonce comes first: a prefix is lower. */
	KT_EXPECT(nonce_cmp(c, 2, a, 3) < 0 && nonce_cmp(a, 3, c, 2) > 0);
	/* Octets, not integers: a short 0xff is higher than 01 02 03. */
	KT_EXPECT(nonce_cmp(d, 1, a, 3) > 0);
}

static void test_collision_rule(void)
{
	static const uint8_t n1[] = { 0x10, 0x00 }, n2[] = { 0x20 },
			     n3[] = { 0x30 }, n4[] = { 0x40 },
			     lowest[] = { 0x10 };
	struct ike_nonces ex1 = { n1, 2, n3, 1 }, ex2 = { n2, 1, n4, 1 };
	struct ike_nonces nr_low = { n3, 1, lowest, 1 };

	/* The SA with the lowest nonce is redundant, whichever of Ni or
	 * Nr it is, and both ends reach the opposite answers.
	 */
	KT_EXPECT(rekey_ours_redundant(&ex1, &ex2));
	KT_EXPECT(!rekey_ours_redundant(&ex2, &ex1));
	/* RFC 7296 2.8.1's example: the lowest is Nr1 of resp2. */
	KT_EXPECT(rekey_ours_redundant(&nr_low, &ex1));
	KT_EXPECT(!rekey_ours_redundant(&ex1, &nr_low));
}

static void test_deadline(void)
{
	uint32_t r;
	bool in_range = true;

	KT_EXPECT(rekey_deadline(1000, 0, 5) == 0);
	KT_EXPECT(rekey_deadline(1000, 10, 0) == 11000);
	/* Up to 10 % earlier, never later. */
	for (r = 0; r < 5000; r += 7) {
		uint64_t t = rekey_deadline(1000, 10, r * 2654435761u);

		in_range &= t >= 10000 && t <= 11000;
	}
	KT_EXPECT(in_range);
	KT_EXPECT(rekey_deadline(0, 4 * 3600, 1000000) ==
		  4 * 3600 * 1000ull - 1000000);
}

static int hmac(const char *md, const uint8_t *key, size_t klen,
		const uint8_t *data, size_t len, uint8_t *out)
{
	size_t outlen;

	return EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key, klen, data, len,
			 out, 64, &outlen) ? (int)outlen : -1;
}

/* The old IKE SA uses PRF-HMAC-SHA2-256, the new one SHA2-384 with
 * AES-GCM: SKEYSEED comes from the old PRF and SK_d (old), the seven
 * keys from the new PRF. Recomputed here with EVP_Q_mac.
 */
static void test_rekeyed_ike_keys(void)
{
	struct ike_sa *old = ike_sa_new(NULL, true), *n = ike_sa_new(NULL,
								       true);
	uint8_t gir[32], buf[256], skeyseed[32], t1[48], t2[48];
	size_t off = 0, i;

	old->suite.prf = ike_prf_find(IKE_PRF_HMAC_SHA2_256);
	old->k.d_len = 32;
	for (i = 0; i < 32; i++)
		old->k.d[i] = (uint8_t)(0xa0 + i);
	n->suite.prf = ike_prf_find(IKE_PRF_HMAC_SHA2_384);
	n->suite.encr = ike_encr_find(IKE_ENCR_AES_GCM_16, 128);
	n->ni_len = 32;
	n->nr_len = 24;
	memset(n->ni, 0x11, n->ni_len);
	memset(n->nr, 0x22, n->nr_len);
	memset(n->spi_i, 0x33, 8);
	memset(n->spi_r, 0x44, 8);
	memset(gir, 0x55, sizeof(gir));
	KT_EXPECT(ike_sa_derive_rekey(n, old, gir, sizeof(gir)) == 0);

	/* SKEYSEED = HMAC-SHA256(SK_d (old), g^ir | Ni | Nr) */
	memcpy(buf, gir, 32), off = 32;
	memcpy(buf + off, n->ni, 32), off += 32;
	memcpy(buf + off, n->nr, 24), off += 24;
	KT_EXPECT(hmac("SHA256", old->k.d, 32, buf, off, skeyseed) == 32);
	/* T1 = HMAC-SHA384(SKEYSEED, Ni | Nr | SPIi | SPIr | 0x01) */
	off = 0;
	memcpy(buf, n->ni, 32), off = 32;
	memcpy(buf + off, n->nr, 24), off += 24;
	memcpy(buf + off, n->spi_i, 8), off += 8;
	memcpy(buf + off, n->spi_r, 8), off += 8;
	buf[off++] = 1;
	KT_EXPECT(hmac("SHA384", skeyseed, 32, buf, off, t1) == 48);
	/* T2 = HMAC-SHA384(SKEYSEED, T1 | Ni | Nr | SPIi | SPIr | 0x02) */
	memmove(buf + 48, buf, off - 1);
	memcpy(buf, t1, 48);
	off = 48 + off - 1;
	buf[off++] = 2;
	KT_EXPECT(hmac("SHA384", skeyseed, 32, buf, off, t2) == 48);
	/* SK_d = T1 (48 bytes); no SK_a with AEAD; SK_ei = T2[0..20). */
	KT_EXPECT(n->k.d_len == 48 && !memcmp(n->k.d, t1, 48));
	KT_EXPECT(n->k.a_len == 0 && n->k.e_len == 20);
	KT_EXPECT(!memcmp(n->k.ei, t2, 20) && !memcmp(n->k.er, t2 + 20, 20));
	ike_sa_free(old);
	ike_sa_free(n);
}

int main(void)
{
	kt_run("create_child_sa: well-formed rekey requests", test_parse_valid);
	kt_run("create_child_sa: KE checks and INVALID_KE_PAYLOAD",
	       test_parse_ke);
	kt_run("create_child_sa: malformed requests", test_parse_malformed);
	kt_run("create_child_sa: INVALID_KE_PAYLOAD group",
	       test_invalid_ke_notify);
	kt_run("create_child_sa: new CHILD_SA matched to a configured child",
	       test_match_child);
	kt_run("rekey collision: octet-by-octet nonce order",
	       test_nonce_order);
	kt_run("rekey collision: lowest nonce's SA is redundant",
	       test_collision_rule);
	kt_run("rekey deadline: jitter within 10 %", test_deadline);
	kt_run("rekeyed IKE SA keys: old PRF for SKEYSEED, new for prf+",
	       test_rekeyed_ike_keys);
	return kt_done();
}
