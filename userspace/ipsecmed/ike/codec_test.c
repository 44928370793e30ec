// SPDX-License-Identifier: GPL-2.0
/*
 * Codec tests: encode/decode round trips of every payload, and the
 * decoder's refusal of truncated, overlong, looping and unknown critical
 * payloads with the error and notify type RFC 7296 asks for.
 */
#include "ipsecmed/ike/codec.h"
#include "ipsecmed/testutil.h"

static uint8_t msgbuf[4096];

static struct ike_hdr sample_hdr(void)
{
	struct ike_hdr h = {
		.spi_i = { 1, 2, 3, 4, 5, 6, 7, 8 },
		.exchange = IKE_SA_INIT,
		.flags = IKE_FLAG_INITIATOR,
		.msgid = 0,
	};
	return h;
}

static struct ike_sa_payload sample_sa(void)
{
	struct ike_sa_payload sa = { .nprop = 2 };

	sa.prop[0] = (struct ike_proposal){
		.proto = IKE_PROTO_IKE, .ntrans = 3,
		.tr = { { IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128, false },
			{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0, false },
			{ IKE_TRANS_DH, IKE_DH_CURVE25519, 0, false } },
	};
	sa.prop[1] = (struct ike_proposal){
		.proto = IKE_PROTO_IKE, .ntrans = 4,
		.tr = { { IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 256, false },
			{ IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0,
			  false },
			{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_384, 0, false },
			{ IKE_TRANS_DH, IKE_DH_ECP384, 0, false } },
	};
	return sa;
}

/* An IKE_SA_INIT request: SA, KE, Ni, two NAT detection notifies. */
static int build_init(uint8_t *buf, size_t cap)
{
	struct ike_hdr h = sample_hdr();
	struct ike_sa_payload sa = sample_sa();
	uint8_t ke[32], nonce[32], natd[20];
	struct ike_builder b;

	memset(ke, 0xab, sizeof(ke));
	memset(nonce, 0xcd, sizeof(nonce));
	memset(natd, 0xef, sizeof(natd));
	ikb_init_msg(&b, buf, cap, &h);
	ikb_sa(&b, &sa);
	ikb_ke(&b, IKE_DH_CURVE25519, ke, sizeof(ke));
	ikb_nonce(&b, nonce, sizeof(nonce));
	ikb_notify(&b, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, natd, 20);
	ikb_notify(&b, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, natd,
		   20);
	return ikb_finish(&b);
}

static void test_init_roundtrip(void)
{
	struct ike_sa_payload sa, want = sample_sa();
	struct ike_msg m;
	struct ike_err err;
	struct ike_ke ke;
	struct ike_notify n;
	const uint8_t *nonce;
	uint16_t nlen;
	int len = build_init(msgbuf, sizeof(msgbuf)), p, t;

	/* 28 + SA(4 + 8+8*3+4 + 8+8*4+4) + KE(8+32) + Ni(4+32) + 2*N(8+20) */
	KT_EXPECT(len == 28 + 84 + 40 + 36 + 56);
	KT_EXPECT(ike_msg_decode(&m, msgbuf, (size_t)len, &err) == 0);
	KT_EXPECT(m.hdr.exchange == IKE_SA_INIT && m.hdr.version == 0x20 &&
		  m.hdr.flags == IKE_FLAG_INITIATOR && m.hdr.msgid == 0 &&
		  m.hdr.spi_i[7] == 8 && m.hdr.np == IKE_PL_SA);
	KT_EXPECT(m.n == 5 && !m.has_sk);
	KT_EXPECT(ike_sa_decode(&m.pl[0], &sa, &err) == 0);
	KT_EXPECT(sa.nprop == 2);
	for (p = 0; p < 2; p++) {
		KT_EXPECT(sa.prop[p].num == p + 1);
		KT_EXPECT(sa.prop[p].ntrans == want.prop[p].ntrans);
		for (t = 0; t < want.prop[p].ntrans; t++) {
			KT_EXPECT(sa.prop[p].tr[t].type ==
				  want.prop[p].tr[t].type);
			KT_EXPECT(sa.prop[p].tr[t].id == want.prop[p].tr[t].id);
			KT_EXPECT(sa.prop[p].tr[t].keylen ==
				  want.prop[p].tr[t].keylen);
			KT_EXPECT(!sa.prop[p].tr[t].unknown_attr);
		}
	}
	KT_EXPECT(ike_ke_decode(&m.pl[1], &ke, &err) == 0);
	KT_EXPECT(ke.group == IKE_DH_CURVE25519 && ke.len == 32 &&
		  ke.data[31] == 0xab);
	KT_EXPECT(ike_nonce_decode(&m.pl[2], &nonce, &nlen, &err) == 0);
	KT_EXPECT(nlen == 32 && nonce[0] == 0xcd);
	KT_EXPECT(ike_notify_decode(&m.pl[4], &n, &err) == 0);
	KT_EXPECT(n.type == IKE_N_NAT_DETECTION_DESTINATION_IP &&
		  n.len == 20 && n.spi_size == 0);
}

static void test_auth_payloads_roundtrip(void)
{
	struct ike_hdr h = sample_hdr();
	struct ike_ts_payload ts = { .n = 2 }, got;
	uint8_t spis[8] = { 0xc1, 0, 0, 1, 0xc1, 0, 0, 2 };
	uint8_t spi4[4] = { 0xde, 0xad, 0xbe, 0xef };
	struct ike_builder b;
	struct ike_msg m;
	struct ike_err err;
	struct ike_id id;
	struct ike_auth auth;
	struct ike_delete d;
	struct ike_notify n;
	struct ike_cert cert;
	int len;

	ts.ts[0] = (struct ike_ts){ IKE_TS_IPV4_ADDR_RANGE, 17, 500, 4500,
				    { 10, 0, 0, 0 }, { 10, 0, 0, 255 } };
	ts.ts[1] = (struct ike_ts){ IKE_TS_IPV6_ADDR_RANGE, 0, 0, 65535,
				    { 0xfd }, { 0xfd, [15] = 0xff } };
	h.exchange = IKE_AUTH;
	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	ikb_id(&b, IKE_PL_IDI, IKE_ID_FQDN, (const uint8_t *)"gw.example", 10);
	ikb_auth(&b, IKE_AUTH_PSK, (const uint8_t *)"0123456789abcdef", 16);
	ikb_ts(&b, IKE_PL_TSI, &ts);
	ikb_delete(&b, IKE_PROTO_ESP, 4, spis, 2);
	ikb_notify(&b, IKE_PROTO_ESP, spi4, 4, IKE_N_REKEY_SA, NULL, 0);
	ikb_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIG, (const uint8_t *)"DER", 3);
	len = ikb_finish(&b);
	KT_EXPECT(len > 0);
	KT_EXPECT(ike_msg_decode(&m, msgbuf, (size_t)len, &err) == 0);
	KT_EXPECT(m.n == 6);
	KT_EXPECT(ike_id_decode(&m.pl[0], &id, &err) == 0);
	KT_EXPECT(id.type == IKE_ID_FQDN && id.len == 10 &&
		  !memcmp(id.data, "gw.example", 10));
	KT_EXPECT(ike_auth_decode(&m.pl[1], &auth, &err) == 0);
	KT_EXPECT(auth.method == IKE_AUTH_PSK && auth.len == 16);
	KT_EXPECT(ike_ts_decode(&m.pl[2], &got, &err) == 0);
	KT_EXPECT(got.n == 2 && !memcmp(&got.ts[0], &ts.ts[0],
					sizeof(ts.ts[0])));
	KT_EXPECT(!memcmp(&got.ts[1], &ts.ts[1], sizeof(ts.ts[1])));
	KT_EXPECT(ike_delete_decode(&m.pl[3], &d, &err) == 0);
	KT_EXPECT(d.proto == IKE_PROTO_ESP && d.nspi == 2 &&
		  d.spis[7] == 2);
	KT_EXPECT(ike_notify_decode(&m.pl[4], &n, &err) == 0);
	KT_EXPECT(n.type == IKE_N_REKEY_SA && n.spi_size == 4 &&
		  n.spi[0] == 0xde && n.len == 0);
	KT_EXPECT(ike_cert_decode(&m.pl[5], &cert, &err) == 0);
	KT_EXPECT(cert.encoding == IKE_CERT_X509_SIG && cert.len == 3);
}

static int decode(const uint8_t *buf, size_t len, struct ike_err *err)
{
	static struct ike_msg m;

	memset(err, 0, sizeof(*err));
	return ike_msg_decode(&m, buf, len, err);
}

static void test_header_errors(void)
{
	struct ike_err err;
	int len = build_init(msgbuf, sizeof(msgbuf));

	KT_EXPECT(decode(msgbuf, 27, &err) == IKE_E_TRUNCATED);
	/* Datagram shorter and longer than the header's length field. */
	KT_EXPECT(decode(msgbuf, (size_t)len - 1, &err) == IKE_E_LENGTH);
	KT_EXPECT(decode(msgbuf, (size_t)len + 1, &err) == IKE_E_LENGTH);
	msgbuf[17] = 0x30;
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == IKE_E_VERSION);
	KT_EXPECT(err.notify == IKE_N_INVALID_MAJOR_VERSION);
	msgbuf[17] = 0x21;	/* a higher minor version is fine */
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == 0);
}

/* Offset of the generic header of payload @idx in a built message. */
static size_t pl_off(const uint8_t *buf, int idx)
{
	size_t off = IKE_HDR_LEN;

	while (idx--)
		off += ike_get_be16(buf + off + 2);
	return off;
}

static void test_chain_errors(void)
{
	struct ike_err err;
	int len = build_init(msgbuf, sizeof(msgbuf));
	size_t ke = pl_off(msgbuf, 1);
	uint16_t kelen = ike_get_be16(msgbuf + ke + 2);

	/* A zero length would loop forever if it were followed. */
	ike_put_be16(msgbuf + ke + 2, 0);
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == IKE_E_SYNTAX);
	KT_EXPECT(err.notify == IKE_N_INVALID_SYNTAX &&
		  err.payload == IKE_PL_KE);
	ike_put_be16(msgbuf + ke + 2, 3);
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == IKE_E_SYNTAX);
	/* Overlong: runs past the end of the message. */
	ike_put_be16(msgbuf + ke + 2, 0xfff0);
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == IKE_E_TRUNCATED);
	KT_EXPECT(err.notify == IKE_N_INVALID_SYNTAX);
	ike_put_be16(msgbuf + ke + 2, kelen);
	/* Chain ends early: bytes left over after next payload 0. */
	msgbuf[pl_off(msgbuf, 3)] = IKE_PL_NONE;
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == IKE_E_SYNTAX);
	/* Chain claims a next payload after the last one. */
	len = build_init(msgbuf, sizeof(msgbuf));
	msgbuf[pl_off(msgbuf, 4)] = IKE_PL_NONCE;
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == IKE_E_TRUNCATED);
	/* Truncated generic header: 2 bytes of a payload. */
	len = build_init(msgbuf, sizeof(msgbuf));
	KT_EXPECT(decode(msgbuf, 30, &err) == IKE_E_LENGTH);
	ike_put_be32(msgbuf + 24, 30);
	KT_EXPECT(decode(msgbuf, 30, &err) == IKE_E_TRUNCATED);
}

static void test_unknown_payloads(void)
{
	struct ike_hdr h = sample_hdr();
	struct ike_builder b;
	struct ike_msg m;
	struct ike_err err;
	int len;

	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	ikb_nonce(&b, (const uint8_t *)"0123456789abcdef", 16);
	ikb_begin(&b, 200, false);
	ike_wr_bytes(&b.w, "x", 1);
	ikb_vendor(&b, (const uint8_t *)"v", 1);
	len = ikb_finish(&b);
	/* Non-critical unknown: skipped, the rest is kept. */
	KT_EXPECT(ike_msg_decode(&m, msgbuf, (size_t)len, &err) == 0);
	KT_EXPECT(m.n == 2 && m.pl[0].type == IKE_PL_NONCE &&
		  m.pl[1].type == IKE_PL_VENDOR);
	/* Critical unknown: refused, naming the payload type. */
	msgbuf[pl_off(msgbuf, 1) + 1] = IKE_PL_CRITICAL;
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == IKE_E_CRITICAL);
	KT_EXPECT(err.notify == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD &&
		  err.payload == 200);
	/* Critical bit on a known payload is fine. */
	msgbuf[pl_off(msgbuf, 1) + 1] = 0;
	msgbuf[pl_off(msgbuf, 0) + 1] = IKE_PL_CRITICAL;
	KT_EXPECT(ike_msg_decode(&m, msgbuf, (size_t)len, &err) == 0);
	KT_EXPECT(m.pl[0].critical);
}

static void test_too_many_payloads(void)
{
	struct ike_hdr h = sample_hdr();
	struct ike_builder b;
	struct ike_err err;
	int i, len;

	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	for (i = 0; i < IKE_MAX_PAYLOADS; i++)
		ikb_vendor(&b, NULL, 0);
	len = ikb_finish(&b);
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == 0);
	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	for (i = 0; i <= IKE_MAX_PAYLOADS; i++)
		ikb_vendor(&b, NULL, 0);
	len = ikb_finish(&b);
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == IKE_E_SYNTAX);
}

static void test_sk_placement(void)
{
	struct ike_hdr h = sample_hdr();
	struct ike_builder b;
	struct ike_msg m;
	struct ike_err err;
	int len;

	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	ikb_begin(&b, IKE_PL_SK, false);
	ike_wr_bytes(&b.w, "12345678abcdefghabcdefgh", 24);
	ikb_vendor(&b, NULL, 0);
	len = ikb_finish(&b);
	KT_EXPECT(decode(msgbuf, (size_t)len, &err) == IKE_E_SYNTAX);
	KT_EXPECT(strstr(err.msg, "not the last") != NULL);
	/* Inside an SK payload, another SK is refused. */
	ikb_init_chain(&b, msgbuf, sizeof(msgbuf));
	ikb_begin(&b, IKE_PL_SK, false);
	len = ikb_finish(&b);
	memset(&m, 0, sizeof(m));
	KT_EXPECT(ike_chain_decode(&m, b.first_np, msgbuf, (size_t)len,
				   &err) == IKE_E_SYNTAX);
}

/* Build one SA payload body by hand and run the decoder over it. */
static int sa_decode_bytes(const char *hex, struct ike_err *err)
{
	static struct ike_sa_payload sa;
	size_t len;
	unsigned char *body = unhex(hex, &len);
	struct ike_payload pl = { IKE_PL_SA, false, body, (uint16_t)len };
	int ret = ike_sa_decode(&pl, &sa, err);

	free(body);
	return ret;
}

/* Proposal @num (@last or not) with @ntrans ENCR transforms. */
static size_t put_prop(uint8_t *p, uint8_t num, bool last, unsigned int ntrans)
{
	size_t len = 8 + 8 * ntrans, i;

	p[0] = last ? 0 : 2, p[1] = 0;
	p[2] = (uint8_t)(len >> 8), p[3] = (uint8_t)len;
	p[4] = num, p[5] = IKE_PROTO_IKE, p[6] = 0, p[7] = (uint8_t)ntrans;
	for (i = 0; i < ntrans; i++) {
		uint8_t *t = p + 8 + 8 * i;

		t[0] = i + 1 < ntrans ? 3 : 0, t[1] = 0, t[2] = 0, t[3] = 8;
		t[4] = IKE_TRANS_ENCR, t[5] = 0, t[6] = 0, t[7] = 20;
	}
	return len;
}

/* An oversized proposal (more transforms than we hold) is skipped, the
 * others still count; so are proposals past the ones we hold.
 */
static void test_sa_oversized(void)
{
	static uint8_t body[2048];
	static struct ike_sa_payload sa;
	struct ike_payload pl = { IKE_PL_SA, false, body, 0 };
	struct ike_err err;
	size_t len = 0;
	unsigned int i;

	len += put_prop(body + len, 1, false, 2);
	len += put_prop(body + len, 2, false, IKE_MAX_TRANSFORMS + 1);
	len += put_prop(body + len, 3, true, 1);
	pl.len = (uint16_t)len;
	KT_EXPECT(ike_sa_decode(&pl, &sa, &err) == 0);
	KT_EXPECT(sa.nprop == 2 && sa.prop[0].num == 1 &&
		  sa.prop[0].ntrans == 2 && sa.prop[1].num == 3 &&
		  sa.prop[1].ntrans == 1);
	/* Only an oversized one: nothing to choose from. */
	len = put_prop(body, 1, true, IKE_MAX_TRANSFORMS + 1);
	pl.len = (uint16_t)len;
	KT_EXPECT(ike_sa_decode(&pl, &sa, &err) == IKE_E_UNSUPPORTED);
	KT_EXPECT(err.notify == IKE_N_NO_PROPOSAL_CHOSEN);
	/* More proposals than we hold: the first ones are kept. */
	len = 0;
	for (i = 1; i <= IKE_MAX_PROPOSALS + 3; i++)
		len += put_prop(body + len, (uint8_t)i,
				i == IKE_MAX_PROPOSALS + 3, 1);
	pl.len = (uint16_t)len;
	KT_EXPECT(ike_sa_decode(&pl, &sa, &err) == 0);
	KT_EXPECT(sa.nprop == IKE_MAX_PROPOSALS &&
		  sa.prop[IKE_MAX_PROPOSALS - 1].num == IKE_MAX_PROPOSALS);
}

static void test_sa_errors(void)
{
	struct ike_err err;

	/* Good: one proposal, one ENCR transform with a key length. */
	KT_EXPECT(sa_decode_bytes("00000014 01010001 0000000c 0100000c"
				  "800e0080", &err) == 0);
	/* Proposal length past the payload. */
	KT_EXPECT(sa_decode_bytes("00000018 01010001 0000000c 0100000c"
				  "800e0080", &err) == IKE_E_SYNTAX);
	/* Transform count 2 with one transform. */
	KT_EXPECT(sa_decode_bytes("00000014 01010002 0000000c 0100000c"
				  "800e0080", &err) == IKE_E_SYNTAX);
	/* Transform says "more" but is the last. */
	KT_EXPECT(sa_decode_bytes("00000014 01010001 0300000c 0100000c"
				  "800e0080", &err) == IKE_E_SYNTAX);
	/* Bad Last Substruc in the proposal. */
	KT_EXPECT(sa_decode_bytes("01000014 01010001 0000000c 0100000c"
				  "800e0080", &err) == IKE_E_SYNTAX);
	/* Proposal says "more" and nothing follows. */
	KT_EXPECT(sa_decode_bytes("02000014 01010001 0000000c 0100000c"
				  "800e0080", &err) == IKE_E_SYNTAX);
	/* TLV attribute whose length runs past the transform. */
	KT_EXPECT(sa_decode_bytes("00000014 01010001 0000000c 0100000c"
				  "000e0010", &err) == IKE_E_SYNTAX);
	/* Transform length below 8. */
	KT_EXPECT(sa_decode_bytes("00000010 01010001 00000004 0100000c",
				  &err) == IKE_E_SYNTAX);
	/* Proposals numbered 1 then 3. */
	KT_EXPECT(sa_decode_bytes("02000010 01010001 00000008 0100000c"
				  "00000010 03010001 00000008 0100000c",
				  &err) == IKE_E_SYNTAX);
	/* A response echoing proposal 3 alone is fine. */
	KT_EXPECT(sa_decode_bytes("00000010 03010001 00000008 0100000c",
				  &err) == 0);
	/* SPI size 3. */
	KT_EXPECT(sa_decode_bytes("00000013 01030301 aabbcc 00000008"
				  "0100000c", &err) == IKE_E_SYNTAX);
	/* Unknown TV attribute: decoded, transform flagged. */
	KT_EXPECT(sa_decode_bytes("00000014 01010001 0000000c 0100000c"
				  "80630001", &err) == 0);
	/* Empty SA payload. */
	KT_EXPECT(sa_decode_bytes("", &err) == IKE_E_SYNTAX);
	KT_EXPECT(err.notify == IKE_N_INVALID_SYNTAX);
}

static int body_decode(uint8_t type, const char *hex, struct ike_err *err)
{
	size_t len;
	unsigned char *body = unhex(hex, &len);
	struct ike_payload pl = { type, false, body, (uint16_t)len };
	struct ike_ts_payload ts;
	struct ike_notify n;
	struct ike_delete d;
	struct ike_id id;
	struct ike_cert c;
	struct ike_ke ke;
	const uint8_t *p;
	uint16_t l;
	int ret = -100;

	switch (type) {
	case IKE_PL_TSI: ret = ike_ts_decode(&pl, &ts, err); break;
	case IKE_PL_NOTIFY: ret = ike_notify_decode(&pl, &n, err); break;
	case IKE_PL_DELETE: ret = ike_delete_decode(&pl, &d, err); break;
	case IKE_PL_IDI: ret = ike_id_decode(&pl, &id, err); break;
	case IKE_PL_KE: ret = ike_ke_decode(&pl, &ke, err); break;
	case IKE_PL_NONCE: ret = ike_nonce_decode(&pl, &p, &l, err); break;
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ: ret = ike_cert_decode(&pl, &c, err); break;
	}
	free(body);
	return ret;
}

static void test_body_errors(void)
{
	struct ike_err err;

	KT_EXPECT(body_decode(IKE_PL_TSI, "01000000 07000010 00000000"
			      "0a000000 0a0000ff", &err) == 0);
	/* Selector length 17 for IPv4. */
	KT_EXPECT(body_decode(IKE_PL_TSI, "01000000 07000011 00000000"
			      "0a000000 0a0000ff00", &err) == IKE_E_SYNTAX);
	/* Count 2, one selector. */
	KT_EXPECT(body_decode(IKE_PL_TSI, "02000000 07000010 00000000"
			      "0a000000 0a0000ff", &err) == IKE_E_SYNTAX);
	/* Count 0. */
	KT_EXPECT(body_decode(IKE_PL_TSI, "00000000", &err) == IKE_E_SYNTAX);
	/* Unknown selector type 9 is skipped. */
	KT_EXPECT(body_decode(IKE_PL_TSI, "01000000 0900000c 00000000 00000000",
			      &err) == 0);
	KT_EXPECT(body_decode(IKE_PL_NOTIFY, "00034000 aabbcc", &err) ==
		  IKE_E_SYNTAX);
	KT_EXPECT(body_decode(IKE_PL_NOTIFY, "0008400 0aabbccdd", &err) ==
		  IKE_E_SYNTAX);
	KT_EXPECT(body_decode(IKE_PL_NOTIFY, "000", &err) == IKE_E_SYNTAX);
	KT_EXPECT(body_decode(IKE_PL_DELETE, "03040002 00000001", &err) ==
		  IKE_E_SYNTAX);
	KT_EXPECT(body_decode(IKE_PL_DELETE, "01000000", &err) == 0);
	KT_EXPECT(body_decode(IKE_PL_DELETE, "01080001 0102030405060708",
			      &err) == IKE_E_SYNTAX);
	KT_EXPECT(body_decode(IKE_PL_IDI, "01000000 0a0000", &err) ==
		  IKE_E_SYNTAX);
	KT_EXPECT(body_decode(IKE_PL_KE, "001f0000", &err) == IKE_E_SYNTAX);
	KT_EXPECT(body_decode(IKE_PL_NONCE, "000102030405060708090a0b0c0d0e",
			      &err) == IKE_E_SYNTAX);
}

/* IKE_AUTH with certificates: IDi, two CERTs (end entity and an
 * intermediate), CERTREQ with two CA hashes, an RFC 7427 AUTH.
 */
static int build_cert_auth(uint8_t *buf, size_t cap, uint8_t *ee,
			   size_t ee_len, uint8_t *hashes)
{
	struct ike_hdr h = sample_hdr();
	uint8_t sig[80];
	struct ike_builder b;
	size_t i;

	for (i = 0; i < ee_len; i++)
		ee[i] = (uint8_t)(i * 7);
	for (i = 0; i < 40; i++)
		hashes[i] = (uint8_t)(0xa0 + i);
	memset(sig, 0x5a, sizeof(sig));
	sig[0] = 12;	/* AlgorithmIdentifier length */
	h.exchange = IKE_AUTH;
	ikb_init_msg(&b, buf, cap, &h);
	ikb_id(&b, IKE_PL_IDI, IKE_ID_DER_ASN1_DN, ee, 20);
	ikb_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIG, ee, ee_len);
	ikb_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIG, ee, 100);
	ikb_cert(&b, IKE_PL_CERTREQ, IKE_CERT_X509_SIG, hashes, 40);
	ikb_auth(&b, IKE_AUTH_DIGITAL_SIG, sig, sizeof(sig));
	return ikb_finish(&b);
}

static void test_cert_roundtrip(void)
{
	static uint8_t ee[1500];
	uint8_t hashes[40];
	struct ike_cert c[3];
	struct ike_auth a;
	struct ike_err err;
	struct ike_msg m;
	int len = build_cert_auth(msgbuf, sizeof(msgbuf), ee, sizeof(ee),
				  hashes);

	KT_EXPECT(len == 28 + 28 + 1505 + 105 + 45 + 88);
	KT_EXPECT(ike_msg_decode(&m, msgbuf, (size_t)len, &err) == 0);
	KT_EXPECT(m.n == 5 && m.pl[1].type == IKE_PL_CERT &&
		  m.pl[2].type == IKE_PL_CERT &&
		  m.pl[3].type == IKE_PL_CERTREQ);
	KT_EXPECT(ike_cert_decode(&m.pl[1], &c[0], &err) == 0);
	KT_EXPECT(c[0].encoding == IKE_CERT_X509_SIG &&
		  c[0].len == sizeof(ee) && !memcmp(c[0].data, ee, sizeof(ee)));
	KT_EXPECT(ike_cert_decode(&m.pl[2], &c[1], &err) == 0 &&
		  c[1].len == 100);
	KT_EXPECT(ike_cert_decode(&m.pl[3], &c[2], &err) == 0);
	KT_EXPECT(c[2].len == 40 && !memcmp(c[2].data, hashes, 40));
	KT_EXPECT(ike_auth_decode(&m.pl[4], &a, &err) == 0);
	KT_EXPECT(a.method == IKE_AUTH_DIGITAL_SIG && a.len == 80 &&
		  a.data[0] == 12);
	/* Every truncation of the message is refused. */
	for (int cut = 1; cut < len; cut++) {
		uint8_t *copy = malloc((size_t)len);

		memcpy(copy, msgbuf, (size_t)len);
		/* the header keeps claiming the full length */
		KT_EXPECT(ike_msg_decode(&m, copy, (size_t)(len - cut),
					 &err) != 0);
		/* and with the length patched, the chain overruns */
		ike_put_be32(copy + 24, (uint32_t)(len - cut));
		if (len - cut >= 28)
			KT_EXPECT(ike_msg_decode(&m, copy, (size_t)(len - cut),
						 &err) != 0);
		free(copy);
	}
}

static void test_cert_errors(void)
{
	struct ike_err err;

	/* CERT: encoding only, no certificate. */
	KT_EXPECT(body_decode(IKE_PL_CERT, "04", &err) == IKE_E_SYNTAX);
	KT_EXPECT(strstr(err.msg, "without data"));
	KT_EXPECT(body_decode(IKE_PL_CERT, "", &err) == IKE_E_SYNTAX);
	KT_EXPECT(body_decode(IKE_PL_CERT, "04 3082", &err) == 0);
	/* CERTREQ: empty is "any CA"; hashes come in 20 bytes. */
	KT_EXPECT(body_decode(IKE_PL_CERTREQ, "04", &err) == 0);
	KT_EXPECT(body_decode(IKE_PL_CERTREQ, "04 00112233445566778899"
			      "aabbccddeeff00112233", &err) == 0);
	KT_EXPECT(body_decode(IKE_PL_CERTREQ, "04 00112233445566778899"
			      "aabbccddeeff001122", &err) == IKE_E_SYNTAX);
	KT_EXPECT(strstr(err.msg, "19 bytes of CA hashes"));
	KT_EXPECT(body_decode(IKE_PL_CERTREQ, "", &err) == IKE_E_SYNTAX);
	/* Other encodings are not interpreted. */
	KT_EXPECT(body_decode(IKE_PL_CERTREQ, "0c 001122", &err) == 0);
}

static void test_builder_overflow(void)
{
	struct ike_hdr h = sample_hdr();
	struct ike_builder b;
	uint8_t small[60];

	KT_EXPECT(build_init(small, sizeof(small)) == IKE_E_NOSPACE);
	/* A payload body above 65535 bytes cannot be encoded. */
	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	ikb_begin(&b, IKE_PL_VENDOR, false);
	b.w.len += 65536;
	b.w.cap = b.w.len + 1;
	KT_EXPECT(ikb_finish(&b) == IKE_E_NOSPACE);
}

int main(void)
{
	kt_run("codec: IKE_SA_INIT request round trip", test_init_roundtrip);
	kt_run("codec: ID, AUTH, TS, Delete, Notify, CERT round trip",
	       test_auth_payloads_roundtrip);
	kt_run("codec: header truncated, length mismatch, major version",
	       test_header_errors);
	kt_run("codec: zero-length, overlong and dangling payload chains",
	       test_chain_errors);
	kt_run("codec: unknown payloads, critical and not",
	       test_unknown_payloads);
	kt_run("codec: payload count bounded", test_too_many_payloads);
	kt_run("codec: SK payload last and not nested", test_sk_placement);
	kt_run("codec: SA payload structure errors", test_sa_errors);
	kt_run("codec: oversized proposals skipped, the others kept",
	       test_sa_oversized);
	kt_run("codec: TS, Notify, Delete, ID, KE, Nonce body errors",
	       test_body_errors);
	kt_run("codec: builder overflow reported", test_builder_overflow);
	kt_run("codec: CERT, CERTREQ, AUTH method 14 round trip, truncations",
	       test_cert_roundtrip);
	kt_run("codec: CERT and CERTREQ body errors", test_cert_errors);
	return kt_done();
}
