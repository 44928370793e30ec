// SPDX-License-Identifier: GPL-2.0
/*
 * SK payload tests: the RFC 7634 Appendix B IKEv2 example (a known
 * answer for ChaCha20-Poly1305 sealing and opening), round trips with
 * every ENCR/INTEG pairing, and refusal of tampered or short payloads.
 */
#include <openssl/rand.h>

#include "ipsecmed/ike/proto.h"
#include "ipsecmed/ike/sk.h"
#include "ipsecmed/testutil.h"

static const char rfc7634_msg[] =
	"c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e20250000000009000000452900 0029"
	"1011121314151617610394701f8d017f7c12924889"
	"6b71bfe25236efd7cdc670669063 15b2";

static void rfc7634_setup(struct ike_sk_dir *k, uint8_t *key,
			  struct ike_hdr *h)
{
	int i;

	for (i = 0; i < 32; i++)
		key[i] = 0x80 + i;
	for (i = 0; i < 4; i++)
		key[32 + i] = 0xa0 + i;
	*k = (struct ike_sk_dir){
		.encr = ike_encr_find(IKE_ENCR_CHACHA20_POLY1305, 0),
		.ekey = key,
	};
	memset(h, 0, sizeof(*h));
	for (i = 0; i < 8; i++) {
		h->spi_i[i] = 0xc0 + i;
		h->spi_r[i] = 0xd0 + i;
	}
	h->exchange = IKE_INFORMATIONAL;
	h->msgid = 9;
}

static void test_rfc7634_seal(void)
{
	static const uint8_t iv[8] = { 0x10, 0x11, 0x12, 0x13,
				       0x14, 0x15, 0x16, 0x17 };
	uint8_t key[36], plain[64], out[256];
	struct ike_builder b;
	struct ike_sk_dir k;
	struct ike_hdr h;
	int plen, len;

	rfc7634_setup(&k, key, &h);
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_notify(&b, 0, NULL, 0, IKE_N_SET_WINDOW_SIZE,
		   (const uint8_t[]){ 0, 0, 0, 10 }, 4);
	plen = ikb_finish(&b);
	KT_EXPECT(plen == 12);
	KT_EXPECT_HEX(plain, 12, "0000000c000040010000000a");
	len = ike_sk_seal(&k, &h, b.first_np, plain, (size_t)plen, iv, out,
			  sizeof(out));
	KT_EXPECT(len == 69);
	KT_EXPECT_HEX(out, 69, rfc7634_msg);
}

static void test_rfc7634_open(void)
{
	uint8_t key[36], buf[64];
	struct ike_sk_dir k;
	struct ike_hdr h;
	struct ike_msg m;
	struct ike_notify n;
	struct ike_err err;
	size_t len;
	unsigned char *msg = unhex(rfc7634_msg, &len);

	rfc7634_setup(&k, key, &h);
	KT_EXPECT(ike_msg_decode(&m, msg, len, &err) == 0);
	KT_EXPECT(m.has_sk && m.sk_np == IKE_PL_NOTIFY && m.n == 0);
	KT_EXPECT(ike_sk_open(&k, &m, buf, sizeof(buf), &err) == 0);
	KT_EXPECT(m.n == 1 && m.pl[0].type == IKE_PL_NOTIFY);
	KT_EXPECT(ike_notify_decode(&m.pl[0], &n, &err) == 0);
	KT_EXPECT(n.type == IKE_N_SET_WINDOW_SIZE && n.len == 4 &&
		  n.data[3] == 10);
	free(msg);
}

/* Any flipped bit, in the header (AAD), IV, ciphertext or tag, fails. */
static void test_tamper(void)
{
	uint8_t key[36], buf[64];
	struct ike_sk_dir k;
	struct ike_hdr h;
	struct ike_msg m;
	struct ike_err err;
	size_t len, i;
	unsigned char *msg = unhex(rfc7634_msg, &len);

	rfc7634_setup(&k, key, &h);
	for (i = 0; i < len; i++) {
		int ret;

		if (i >= 24 && i < 28)	/* length: caught by the decoder */
			continue;
		msg[i] ^= 0x01;
		ret = ike_msg_decode(&m, msg, len, &err);
		if (ret == 0)
			ret = ike_sk_open(&k, &m, buf, sizeof(buf), &err);
		if (ret == 0)
			printf("# flip at byte %zu accepted\n", i);
		KT_EXPECT(ret != 0);
		msg[i] ^= 0x01;
	}
	free(msg);
}

static void test_short_sk(void)
{
	uint8_t key[36], buf[64];
	struct ike_sk_dir k;
	struct ike_hdr h;
	struct ike_msg m;
	struct ike_err err;
	size_t len;
	unsigned char *msg = unhex(rfc7634_msg, &len);

	rfc7634_setup(&k, key, &h);
	/* SK body = 8 IV + 16 tag + 0 ciphertext: no pad length byte. */
	ike_put_be32(msg + 24, 28 + 4 + 24);
	ike_put_be16(msg + 30, 4 + 24);
	KT_EXPECT(ike_msg_decode(&m, msg, 56, &err) == 0);
	/* Unauthenticated: dropped as an integrity failure, not answered. */
	KT_EXPECT(ike_sk_open(&k, &m, buf, sizeof(buf), &err) ==
		  IKE_E_INTEGRITY);
	free(msg);
}

struct combo {
	uint16_t encr, keybits, integ;
};

static const struct combo combos[] = {
	{ IKE_ENCR_AES_GCM_16, 128, 0 },
	{ IKE_ENCR_AES_GCM_16, 256, 0 },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, 0 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256 },
};

static void roundtrip(const struct combo *c, size_t plain_len)
{
	uint8_t ekey[IKE_ENCR_MAX_KEY], akey[64], plain[300], out[512];
	uint8_t buf[512];
	struct ike_sk_dir k = {
		.encr = ike_encr_find(c->encr, c->keybits),
		.integ = c->integ ? ike_integ_find(c->integ) : NULL,
		.ekey = ekey, .akey = akey,
	};
	struct ike_hdr h = { .exchange = IKE_AUTH, .msgid = 1,
			     .flags = IKE_FLAG_INITIATOR };
	struct ike_builder b;
	struct ike_msg m;
	struct ike_err err;
	int len;

	KT_EXPECT(k.encr && (!c->integ || k.integ));
	RAND_bytes(ekey, sizeof(ekey));
	RAND_bytes(akey, sizeof(akey));
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_vendor(&b, (const uint8_t *)"0123456789abcdef0123456789abcdef"
		   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
		   "abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		   plain_len - 4);
	KT_EXPECT(ikb_finish(&b) == (int)plain_len);
	len = ike_sk_seal(&k, &h, b.first_np, plain, plain_len, NULL, out,
			  sizeof(out));
	KT_EXPECT(len == (int)(IKE_HDR_LEN + plain_len +
			       ike_sk_overhead(&k, plain_len)));
	if (!k.encr->aead)
		KT_EXPECT((len - IKE_HDR_LEN - 4 - 16 -
			   (int)k.integ->icv_len) % 16 == 0);
	KT_EXPECT(ike_msg_decode(&m, out, (size_t)len, &err) == 0);
	KT_EXPECT(ike_sk_open(&k, &m, buf, sizeof(buf), &err) == 0);
	KT_EXPECT(m.n == 1 && m.pl[0].type == IKE_PL_VENDOR &&
		  m.pl[0].len == plain_len - 4 &&
		  !memcmp(m.pl[0].body, plain + 4, plain_len - 4));
	/* The other direction's key does not open it. */
	akey[0] ^= 1;
	ekey[0] ^= 1;
	KT_EXPECT(ike_msg_decode(&m, out, (size_t)len, &err) == 0);
	KT_EXPECT(ike_sk_open(&k, &m, buf, sizeof(buf), &err) ==
		  IKE_E_INTEGRITY);
}

static void test_roundtrips(void)
{
	size_t i, l;

	for (i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		printf("# %s %u\n", ike_encr_find(combos[i].encr,
			combos[i].keybits)->name, combos[i].integ);
		for (l = 4; l <= 40; l += 9)
			roundtrip(&combos[i], l);
	}
}

static void test_nospace(void)
{
	uint8_t key[36], out[68], plain[12] = { 0, 0, 0, 12 };
	struct ike_sk_dir k;
	struct ike_hdr h;

	rfc7634_setup(&k, key, &h);
	KT_EXPECT(ike_sk_seal(&k, &h, IKE_PL_NOTIFY, plain, 12, NULL, out,
			      sizeof(out)) == IKE_E_NOSPACE);
}

int main(void)
{
	kt_run("sk: RFC 7634 Appendix B message sealed byte for byte",
	       test_rfc7634_seal);
	kt_run("sk: RFC 7634 Appendix B message opened and decoded",
	       test_rfc7634_open);
	kt_run("sk: every single-bit flip is refused", test_tamper);
	kt_run("sk: SK payload without room for the pad length refused",
	       test_short_sk);
	kt_run("sk: seal/open round trips, GCM, ChaCha20, CBC+HMAC",
	       test_roundtrips);
	kt_run("sk: output buffer one byte short", test_nospace);
	return kt_done();
}
