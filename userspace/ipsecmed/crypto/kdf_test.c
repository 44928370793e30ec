// SPDX-License-Identifier: GPL-2.0
/*
 * PRF, integrity and IKEv2 KDF known-answer tests.
 *
 * PRF: RFC 4868 section 2.7.1, test cases PRF-1 to PRF-6.
 * Integrity: RFC 4868 section 2.7.2, AUTH256-2 and AUTH384-2.
 * KDF: NIST CAVP, SP 800-135 IKEv2 KDF component validation,
 * [SHA-1] [Ni length = 64] [Nr length = 64] [g^ir length = 256]
 * [DKM length = 1056] COUNT = 0 (the vector libreswan also uses for its
 * CAVS driver, programs/cavp/ikev2 test). The KDF construction does not
 * depend on the hash, so HMAC-SHA1 (never offered by ipsecmed) stands
 * in for the SHA-2 PRFs here.
 */
#include <openssl/evp.h>

#include "ipsecmed/crypto/integ.h"
#include "ipsecmed/crypto/kdf.h"
#include "ipsecmed/ike/proto.h"
#include "ipsecmed/testutil.h"

struct prf_case {
	const char *key, *data, *sha256, *sha384, *sha512;
};

static const struct prf_case prf_cases[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ "4a656665",
	  "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	  "8e2240ca5e69e2c78b3239ecfab21649",
	  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	  "dddddddddddddddddddddddddddddddddddd",
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	  "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	  "2a5ab39dc13814b94e3ab6e101a34f27",
	  "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	  "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	  "6801dd23c4a7d679ccf8a386c674cffb",
	  "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	  "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaa",
	  "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
	  "65204b6579202d2048617368204b6579204669727374",
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	  "0c2ef6ab4030fe8296248df163f44952",
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaa",
	  "5468697320697320612074657374207573696e672061206c61726765722074"
	  "68616e20626c6f636b2d73697a65206b657920616e642061206c6172676572"
	  "207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e"
	  "6565647320746f20626520686173686564206265666f7265206265696e672075"
	  "7365642062792074686520484d414320616c676f726974686d2e",
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	  "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	  "a678cc31e799176d3860e6110c46523e",
	  "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	  "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

static void check_prf(uint16_t id, const char *key_hex, const char *data_hex,
		      const char *want)
{
	const struct ike_prf *prf = ike_prf_find(id);
	uint8_t out[IKE_PRF_MAX_LEN];
	size_t klen, dlen;
	unsigned char *key = unhex(key_hex, &klen);
	unsigned char *data = unhex(data_hex, &dlen);
	struct ike_iov iov[2] = { { data, dlen / 2 },
				  { data + dlen / 2, dlen - dlen / 2 } };

	KT_EXPECT(prf != NULL);
	/* Split input: prf over a concatenation equals prf over the whole. */
	KT_EXPECT(ike_prf_calc(prf, key, klen, iov, 2, out) == 0);
	KT_EXPECT_HEX(out, prf->len, want);
	free(key);
	free(data);
}

static void test_prf_rfc4868(void)
{
	size_t i;

	for (i = 0; i < sizeof(prf_cases) / sizeof(prf_cases[0]); i++) {
		const struct prf_case *c = &prf_cases[i];

		printf("# PRF-%zu\n", i + 1);
		check_prf(IKE_PRF_HMAC_SHA2_256, c->key, c->data, c->sha256);
		check_prf(IKE_PRF_HMAC_SHA2_384, c->key, c->data, c->sha384);
		check_prf(IKE_PRF_HMAC_SHA2_512, c->key, c->data, c->sha512);
	}
}

static void test_integ_rfc4868(void)
{
	const struct ike_integ *i256 = ike_integ_find(
		IKE_INTEG_HMAC_SHA2_256_128);
	const struct ike_integ *i384 = ike_integ_find(
		IKE_INTEG_HMAC_SHA2_384_192);
	static const char data[] = "what do ya want for nothing?";
	uint8_t key[48], icv[IKE_INTEG_MAX_ICV];
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = "Jefe"[i % 4];
	KT_EXPECT(i256 && i256->icv_len == 16 && i256->key_len == 32);
	KT_EXPECT(i384 && i384->icv_len == 24 && i384->key_len == 48);
	KT_EXPECT(ike_integ_calc(i256, key, (const uint8_t *)data,
				 strlen(data), icv) == 0);
	KT_EXPECT_HEX(icv, 16, "167f928588c5cc2eef8e3093caa0e87c");
	KT_EXPECT(ike_integ_calc(i384, key, (const uint8_t *)data,
				 strlen(data), icv) == 0);
	KT_EXPECT_HEX(icv, 24, "2c7353974f1842fd66d53c452ca42122"
		      "b28c0b594cfb184d");
}

/* NIST CAVP IKEv2 KDF, SHA-1, COUNT = 0. */
#define CAVP_NI "32b50d5f4a3763f3"
#define CAVP_NR "9206a04b26564cb1"
#define CAVP_GIR "4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52"
#define CAVP_GIR_NEW \
	"863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330"
#define CAVP_SPII "34c9e7c188868785"
#define CAVP_SPIR "3ff77d760d2b2199"
#define CAVP_SKEYSEED "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7"
#define CAVP_DKM \
	"a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002" \
	"a2a63080e514a062768b76606f9fa5e992204fc5a670bde3f10d6b027113936a" \
	"5c55b648a194ae587b0088d52204b702c979fa280870d2ed41efa9c549fd1119" \
	"8af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435" \
	"a7a56cc4"
#define CAVP_DKM_CHILD \
	"8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c581" \
	"1a8e7b5d1cdabd9560b2d5e092d1f24e2d4b85eccdf0ad0dc9abd94b51ee7181" \
	"4ca6dbc8bb51b6309f5b9545c7eb35cf5580b1e521a8fe20754a2d883ba0c2cf" \
	"285f524aea6545b33106bc03e614296d319d41d4b50b3f510b1c0a22f3e66499" \
	"4d234cb4"
#define CAVP_DKM_CHILD_DH \
	"bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d373016" \
	"28190e38c66232eab4b3ab14c400a5197dd3730ed4820a8a10394d51e1c04000" \
	"52f63ebd36b0e7ef53aaed31eba4a5080d7d4b5666023a8bbb5ffb7857240f9a" \
	"05884d1b7d2f933708450b7b3288f1fc863ab49fa901227cffc06e27899c7054" \
	"d56fd74c"
#define CAVP_SKEYSEED_REKEY "63e81194946ebd05df7df5ebf5d8750056bf1f1d"
#define CAVP_DKM_LEN 132

struct cavp {
	unsigned char *ni, *nr, *gir, *gir_new, *spii, *spir;
	size_t ni_len, nr_len, gir_len, gir_new_len, spii_len, spir_len;
	struct ike_nonces n;
};

static void cavp_load(struct cavp *c)
{
	c->ni = unhex(CAVP_NI, &c->ni_len);
	c->nr = unhex(CAVP_NR, &c->nr_len);
	c->gir = unhex(CAVP_GIR, &c->gir_len);
	c->gir_new = unhex(CAVP_GIR_NEW, &c->gir_new_len);
	c->spii = unhex(CAVP_SPII, &c->spii_len);
	c->spir = unhex(CAVP_SPIR, &c->spir_len);
	c->n = (struct ike_nonces){ c->ni, c->ni_len, c->nr, c->nr_len };
}

static void cavp_free(struct cavp *c)
{
	free(c->ni);
	free(c->nr);
	free(c->gir);
	free(c->gir_new);
	free(c->spii);
	free(c->spir);
}

static void test_kdf_cavp(void)
{
	const struct ike_prf *prf = ike_prf_find(IKE_PRF_HMAC_SHA1);
	uint8_t skeyseed[IKE_PRF_MAX_LEN], rekey[IKE_PRF_MAX_LEN];
	uint8_t dkm[CAVP_DKM_LEN], child[CAVP_DKM_LEN];
	struct cavp c;

	cavp_load(&c);
	KT_EXPECT(prf && prf->len == 20);
	KT_EXPECT(ike_skeyseed(prf, &c.n, c.gir, c.gir_len, skeyseed) == 0);
	KT_EXPECT_HEX(skeyseed, prf->len, CAVP_SKEYSEED);
	KT_EXPECT(ike_sa_keymat(prf, skeyseed, &c.n, c.spii, c.spir, dkm,
				sizeof(dkm)) == 0);
	KT_EXPECT_HEX(dkm, sizeof(dkm), CAVP_DKM);
	/* SK_d is the first prf->len bytes of DKM. */
	KT_EXPECT(ike_child_keymat(prf, dkm, prf->len, NULL, 0, &c.n, child,
				   sizeof(child)) == 0);
	KT_EXPECT_HEX(child, sizeof(child), CAVP_DKM_CHILD);
	KT_EXPECT(ike_child_keymat(prf, dkm, prf->len, c.gir_new,
				   c.gir_new_len, &c.n, child,
				   sizeof(child)) == 0);
	KT_EXPECT_HEX(child, sizeof(child), CAVP_DKM_CHILD_DH);
	KT_EXPECT(ike_skeyseed_rekey(prf, dkm, prf->len, c.gir_new,
				     c.gir_new_len, &c.n, rekey) == 0);
	KT_EXPECT_HEX(rekey, prf->len, CAVP_SKEYSEED_REKEY);
	cavp_free(&c);
}

/* prf+ stops at 255 blocks, and a shorter output is a prefix. */
static void test_prf_plus_bounds(void)
{
	const struct ike_prf *prf = ike_prf_find(IKE_PRF_HMAC_SHA2_256);
	static uint8_t big[255 * 32 + 1], small[40];
	uint8_t key[32] = { 1 };
	struct ike_iov seed = { "seed", 4 };

	KT_EXPECT(ike_prf_plus(prf, key, 32, &seed, 1, big, 255 * 32) == 0);
	KT_EXPECT(ike_prf_plus(prf, key, 32, &seed, 1, big,
			       255 * 32 + 1) == -1);
	KT_EXPECT(ike_prf_plus(prf, key, 32, &seed, 1, big, 255 * 32) == 0);
	KT_EXPECT(ike_prf_plus(prf, key, 32, &seed, 1, small, 40) == 0);
	KT_EXPECT(memcmp(big, small, 40) == 0);
	/* Blocks differ: the counter and chaining are in the input. */
	KT_EXPECT(memcmp(big, big + 32, 32) != 0);
	KT_EXPECT(memcmp(big + 32 * 253, big + 32 * 254, 32) != 0);
}

int main(void)
{
	kt_run("prf: RFC 4868 PRF-1..6 for HMAC-SHA-256/384/512",
	       test_prf_rfc4868);
	kt_run("integ: RFC 4868 AUTH256-2 and AUTH384-2 truncation",
	       test_integ_rfc4868);
	kt_run("kdf: NIST CAVP IKEv2 SKEYSEED, DKM, child, rekey",
	       test_kdf_cavp);
	kt_run("kdf: prf+ limits and prefix property", test_prf_plus_bounds);
	return kt_done();
}
