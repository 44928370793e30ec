// SPDX-License-Identifier: GPL-2.0
/*
 * Key exchange tests: RFC 5903 section 8.1/8.2 (ECP-256/384) and
 * RFC 7748 section 6.1 (X25519) known answers, agreement in every group,
 * and rejection of invalid peer values.
 */
#include <openssl/bn.h>

#include "ipsecmed/crypto/dh.h"
#include "ipsecmed/ike/proto.h"
#include "ipsecmed/testutil.h"

static void check_kat(uint16_t id, const char *priv_hex, const char *peer_hex,
		      const char *want)
{
	const struct ike_dh_group *g = ike_dh_group_find(id);
	size_t plen, qlen;
	unsigned char *priv = unhex(priv_hex, &plen);
	unsigned char *peer = unhex(peer_hex, &qlen);
	uint8_t out[IKE_DH_MAX_SHARED];
	struct ike_dh *dh = ike_dh_new_private(g, priv, plen);

	KT_EXPECT(dh != NULL);
	if (dh) {
		KT_EXPECT(ike_dh_shared(dh, peer, qlen, out) == 0);
		KT_EXPECT_HEX(out, g->shared_len, want);
	}
	ike_dh_free(dh);
	free(priv);
	free(peer);
}

static void test_ecp256_rfc5903(void)
{
	const char *gir = "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03"
			  "812464D04B9442DE";

	check_kat(IKE_DH_ECP256,
		  "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57"
		  "862D1433",
		  "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC755"
		  "4494BF6356FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F83"
		  "53E74F33039872AB", gir);
	check_kat(IKE_DH_ECP256,
		  "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46"
		  "476BEE53",
		  "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C37"
		  "725811805271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58"
		  "389E0577B8990BB3", gir);
}

static void test_ecp384_rfc5903(void)
{
	check_kat(IKE_DH_ECP384,
		  "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B674"
		  "14DCE655E35B538041E649EE3FAEF896783AB194",
		  "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA417"
		  "32BC509D0D1AC43A0336DEF96FDA41D0774A3571DCFBEC7AACF31964"
		  "72169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA401"
		  "42209DFF5EAAD96DB9E6386C",
		  "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E"
		  "7156C5C4D603135569B9E9D09CF5D4A270F59746");
}

static void test_x25519_rfc7748(void)
{
	check_kat(IKE_DH_CURVE25519,
		  "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba5"
		  "1db92c2a",
		  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e14"
		  "6f882b4f",
		  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c"
		  "1e161742");
}

static const uint16_t all_groups[] = {
	IKE_DH_MODP2048, IKE_DH_ECP256, IKE_DH_ECP384, IKE_DH_ECP521,
	IKE_DH_CURVE25519,
};

static void test_agreement(void)
{
	size_t i;

	for (i = 0; i < sizeof(all_groups) / sizeof(all_groups[0]); i++) {
		const struct ike_dh_group *g = ike_dh_group_find(all_groups[i]);
		struct ike_dh *a = ike_dh_new(g), *b = ike_dh_new(g);
		uint8_t pa[IKE_DH_MAX_PUB], pb[IKE_DH_MAX_PUB];
		uint8_t sa[IKE_DH_MAX_SHARED], sb[IKE_DH_MAX_SHARED];

		printf("# group %u\n", all_groups[i]);
		KT_EXPECT(a && b);
		if (!a || !b)
			continue;
		KT_EXPECT(ike_dh_public(a, pa) == 0);
		KT_EXPECT(ike_dh_public(b, pb) == 0);
		KT_EXPECT(memcmp(pa, pb, g->pub_len) != 0);
		KT_EXPECT(ike_dh_shared(a, pb, g->pub_len, sa) == 0);
		KT_EXPECT(ike_dh_shared(b, pa, g->pub_len, sb) == 0);
		KT_EXPECT(memcmp(sa, sb, g->shared_len) == 0);
		/* One byte short or long is refused. */
		KT_EXPECT(ike_dh_shared(a, pb, g->pub_len - 1, sa) == -1);
		KT_EXPECT(ike_dh_shared(a, pb, g->pub_len + 1, sa) == -1);
		ike_dh_free(a);
		ike_dh_free(b);
	}
}

static void test_invalid_peers(void)
{
	struct ike_dh *modp = ike_dh_new(ike_dh_group_find(IKE_DH_MODP2048));
	struct ike_dh *ecp = ike_dh_new(ike_dh_group_find(IKE_DH_ECP256));
	struct ike_dh *x = ike_dh_new(ike_dh_group_find(IKE_DH_CURVE25519));
	BIGNUM *p = BN_get_rfc3526_prime_2048(NULL);
	uint8_t peer[256], out[256];

	KT_EXPECT(modp && ecp && x);
	if (!modp || !ecp || !x)
		return;
	memset(peer, 0, sizeof(peer));
	KT_EXPECT(ike_dh_shared(modp, peer, 256, out) == -1);	/* 0 */
	peer[255] = 1;
	KT_EXPECT(ike_dh_shared(modp, peer, 256, out) == -1);	/* 1 */
	memset(peer, 0xff, sizeof(peer));
	KT_EXPECT(ike_dh_shared(modp, peer, 256, out) == -1);	/* > p */
	/* p-1 is refused (order 2); p-2 is outside the order-q subgroup
	 * but in range, which is all a safe prime needs (RFC 6989 2.1):
	 * the quick check takes it, the full one would spend an
	 * exponentiation to refuse it.
	 */
	KT_EXPECT(p && BN_sub_word(p, 1) &&
		  BN_bn2binpad(p, peer, 256) == 256);
	KT_EXPECT(ike_dh_shared(modp, peer, 256, out) == -1);	/* p-1 */
	KT_EXPECT(p && BN_sub_word(p, 1) &&
		  BN_bn2binpad(p, peer, 256) == 256);
	KT_EXPECT(ike_dh_shared(modp, peer, 256, out) == 0);	/* p-2 */
	BN_free(p);
	/* ECP: the point at infinity encoded as zeros, and a point whose
	 * y was changed so it is off the curve.
	 */
	memset(peer, 0, sizeof(peer));
	KT_EXPECT(ike_dh_shared(ecp, peer, 64, out) == -1);
	KT_EXPECT(!ike_dh_peer_valid(ike_dh_group(ecp), peer, 64));
	ike_dh_public(ecp, peer);
	KT_EXPECT(ike_dh_peer_valid(ike_dh_group(ecp), peer, 64));
	KT_EXPECT(!ike_dh_peer_valid(ike_dh_group(ecp), peer, 63));
	peer[63] ^= 1;
	KT_EXPECT(ike_dh_shared(ecp, peer, 64, out) == -1);
	/* The check a responder makes before it has a key: the same. */
	KT_EXPECT(!ike_dh_peer_valid(ike_dh_group(ecp), peer, 64));
	memset(peer, 0xff, 256);
	KT_EXPECT(!ike_dh_peer_valid(ike_dh_group(modp), peer, 256));
	/* X25519: a small-order point gives an all-zero secret. */
	memset(peer, 0, 32);
	KT_EXPECT(ike_dh_shared(x, peer, 32, out) == -1);
	ike_dh_free(modp);
	ike_dh_free(ecp);
	ike_dh_free(x);
}

static void test_names(void)
{
	KT_EXPECT(ike_dh_group_by_name("x25519")->id == IKE_DH_CURVE25519);
	KT_EXPECT(ike_dh_group_by_name("ecp384")->id == IKE_DH_ECP384);
	KT_EXPECT(ike_dh_group_by_name("modp2048")->pub_len == 256);
	KT_EXPECT(ike_dh_group_by_name("modp1024") == NULL);
	KT_EXPECT(ike_dh_group_find(2) == NULL);
	KT_EXPECT(ike_dh_new(NULL) == NULL);
}

int main(void)
{
	kt_run("dh: RFC 5903 ECP-256 both directions", test_ecp256_rfc5903);
	kt_run("dh: RFC 5903 ECP-384", test_ecp384_rfc5903);
	kt_run("dh: RFC 7748 X25519", test_x25519_rfc7748);
	kt_run("dh: agreement and lengths in groups 14 19 20 21 31",
	       test_agreement);
	kt_run("dh: invalid peer values refused", test_invalid_peers);
	kt_run("dh: names and unknown groups", test_names);
	return kt_done();
}
