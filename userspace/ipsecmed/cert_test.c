// SPDX-License-Identifier: GPL-2.0
/*
 * Certificates and RFC 7427 signatures: sign/verify round trips for RSA
 * (PKCS#1 v1.5 and PSS) and ECDSA P-256/P-384 with every hash, tampering
 * refused; chains made here (root, intermediate, end entity) accepted
 * against the right CA and refused against another CA, when expired, or
 * when the ID is not in the certificate; configured DNs; the loader's
 * checks of key, certificate and local id.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "ipsecmed/auth.h"
#include "ipsecmed/cert.h"
#include "ipsecmed/crypto/sig.h"
#include "ipsecmed/testutil.h"

static char dir[] = "/tmp/cert_test.XXXXXX";
static EVP_PKEY *rsa_key, *p256_key, *p384_key, *root_key, *other_key;
static X509 *root, *other_root, *inter, *ee, *expired;

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext || !X509_add_ext(x, ext, -1))
		abort();
	X509_EXTENSION_free(ext);
}

/* A certificate for @key named "C=CH, O=ipsecme, CN=@cn", valid from
 * @from to @to days from now, signed by @issuer (NULL: self-signed).
 */
static X509 *mkcert(EVP_PKEY *key, const char *cn, X509 *issuer,
		    EVP_PKEY *ikey, long from, long to, const char *san)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), from * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), to * 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC,
				   (const uint8_t *)"CH", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
				   (const uint8_t *)"ipsecme", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const uint8_t *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	if (san) {
		add_ext(x, issuer, NID_subject_alt_name, san);
	} else {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign");
	}
	if (!X509_sign(x, issuer ? ikey : key, EVP_sha256()))
		abort();
	return x;
}

static const char *path(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void write_pem(const char *name, X509 *x1, X509 *x2, EVP_PKEY *key)
{
	FILE *f = fopen(path(name), "w");

	if (!f)
		abort();
	if (x1)
		PEM_write_X509(f, x1);
	if (x2)
		PEM_write_X509(f, x2);
	if (key)
		PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	chmod(path(name), 0600);
}

static void setup(void)
{
	const char *san = "DNS:gw.example,email:gw@example.org,"
			  "IP:192.0.2.1,IP:2001:db8::1";

	if (!mkdtemp(dir))
		abort();
	rsa_key = EVP_RSA_gen(2048);
	p256_key = EVP_EC_gen("P-256");
	p384_key = EVP_EC_gen("P-384");
	root_key = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	root = mkcert(root_key, "Root CA", NULL, NULL, -1, 365, NULL);
	other_root = mkcert(other_key, "Root CA", NULL, NULL, -1, 365, NULL);
	inter = mkcert(rsa_key, "Intermediate", root, root_key, -1, 365, NULL);
	ee = mkcert(p256_key, "gw.example", inter, rsa_key, -1, 30, san);
	expired = mkcert(p384_key, "gw.example", inter, rsa_key, -30, -1, san);
	write_pem("root.pem", root, NULL, NULL);
	write_pem("other.pem", other_root, NULL, NULL);
	write_pem("ee.pem", ee, inter, NULL);
	write_pem("ee.key", NULL, NULL, p256_key);
	write_pem("p384.key", NULL, NULL, p384_key);
}

static void test_sign_verify(void)
{
	static const uint8_t aid_rsa256[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a,
		0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
	static const uint8_t aid_ec256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a,
		0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
	struct { EVP_PKEY **key; bool pss; } keys[] = {
		{ &rsa_key, false }, { &rsa_key, true },
		{ &p256_key, false }, { &p384_key, false },
	};
	struct ike_iov iov[2] = { { "signed ", 7 }, { "octets", 6 } };
	struct ike_iov other = { "signed octets!", 14 };
	uint8_t sig[IKE_SIG_MAX];
	struct ike_sig_info got;
	const char *why;
	uint16_t h;
	size_t k;
	int n;

	for (k = 0; k < 4; k++) {
		EVP_PKEY *key = *keys[k].key;

		for (h = IKE_HASH_SHA2_256; h <= IKE_HASH_SHA2_512; h++) {
			n = ike_sig_sign(key, h, keys[k].pss, iov, 2, sig,
					 sizeof(sig));
			KT_EXPECT(n > 2 && sig[0] + 1 < n);
			got.hash = 0;
			KT_EXPECT(ike_sig_verify(key, IKE_SIG_HASHES, sig,
						 (size_t)n, iov, 2, &got,
						 &why) == 0 && got.hash == h);
			KT_EXPECT_STR(got.scheme, k >= 2 ? "ECDSA" :
				      keys[k].pss ? "RSASSA-PSS" :
				      "RSA PKCS#1 v1.5");
			/* different octets, a flipped bit, other hashes */
			KT_EXPECT(ike_sig_verify(key, IKE_SIG_HASHES, sig,
						 (size_t)n, &other, 1, &got,
						 &why) == -1);
			KT_EXPECT(strstr(why, "does not verify"));
			sig[n - 1] ^= 1;
			KT_EXPECT(ike_sig_verify(key, IKE_SIG_HASHES, sig,
						 (size_t)n, iov, 2, &got,
						 &why) == -1);
			sig[n - 1] ^= 1;
			KT_EXPECT(ike_sig_verify(key, IKE_SIG_HASHES &
						 ~(1u << h), sig, (size_t)n,
						 iov, 2, &got, &why) == -1);
			KT_EXPECT(strstr(why, "algorithm"));
			/* the wrong kind of key */
			KT_EXPECT(ike_sig_verify(k < 2 ? p256_key : rsa_key,
						 IKE_SIG_HASHES, sig,
						 (size_t)n, iov, 2, &got,
						 &why) == -1);
			/* truncated AUTH data */
			KT_EXPECT(ike_sig_verify(key, IKE_SIG_HASHES, sig,
						 (size_t)sig[0] + 1, iov, 2,
						 &got, &why) == -1);
			KT_EXPECT(strstr(why, "truncated"));
			KT_EXPECT(ike_sig_verify(key, IKE_SIG_HASHES, sig, 1,
						 iov, 2, &got, &why) == -1);
		}
	}
	/* RFC 7427 A.1.2 and A.3.1 AlgorithmIdentifiers */
	n = ike_sig_sign(rsa_key, IKE_HASH_SHA2_256, false, iov, 2, sig,
			 sizeof(sig));
	KT_EXPECT(n == 1 + 15 + 256 && sig[0] == 15 &&
		  !memcmp(sig + 1, aid_rsa256, 15));
	n = ike_sig_sign(p256_key, IKE_HASH_SHA2_256, false, iov, 2, sig,
			 sizeof(sig));
	KT_EXPECT(n > 13 && sig[0] == 12 && !memcmp(sig + 1, aid_ec256, 12));
	/* no room, PSS with an EC key, SHA-1 */
	KT_EXPECT(ike_sig_sign(rsa_key, IKE_HASH_SHA2_256, false, iov, 2, sig,
			       100) == -1);
	KT_EXPECT(ike_sig_sign(p256_key, IKE_HASH_SHA2_256, true, iov, 2, sig,
			       sizeof(sig)) == -1);
	KT_EXPECT(ike_sig_sign(p256_key, IKE_HASH_SHA1, false, iov, 2, sig,
			       sizeof(sig)) == -1);
}

static void test_pick_hash(void)
{
	KT_EXPECT(ike_sig_pick_hash(p384_key, IKE_SIG_HASHES) ==
		  IKE_HASH_SHA2_384);
	KT_EXPECT(ike_sig_pick_hash(p256_key, IKE_SIG_HASHES) ==
		  IKE_HASH_SHA2_256);
	KT_EXPECT(ike_sig_pick_hash(rsa_key, 1u << IKE_HASH_SHA2_512) ==
		  IKE_HASH_SHA2_512);
	KT_EXPECT(ike_sig_pick_hash(p384_key, 1u << IKE_HASH_SHA1) ==
		  IKE_HASH_SHA2_256);
	KT_EXPECT(ike_sig_pick_hash(p256_key, 0) == IKE_HASH_SHA2_256);
}

static struct conf_conn conn_for(const char *cert, const char *key,
				 const char *id, const char *cacert)
{
	struct conf_conn c = { .name = "t" };
	char err[256];

	c.local.auth = c.remote.auth = CONF_AUTH_PUBKEY;
	snprintf(c.local.cert, sizeof(c.local.cert), "%s", path(cert));
	snprintf(c.local.key, sizeof(c.local.key), "%s", path(key));
	if (id && conf_id_parse(id, &c.local.id, err, sizeof(err)))
		abort();
	snprintf(c.remote.cacerts[0], CONF_PATH_MAX, "%s", path(cacert));
	c.remote.n_cacerts = 1;
	return c;
}

/* Our CERT payloads as the peer would decode them. */
static size_t payloads(const struct creds *cr, uint8_t *buf, size_t cap,
		       struct ike_cert *certs)
{
	static struct ike_msg m;
	struct ike_builder b;
	unsigned int i, n = 0;
	int len;

	ikb_init_chain(&b, buf, cap);
	cert_add_certs(&b, cr);
	len = ikb_finish(&b);
	m.n = 0;
	if (len <= 0 || ike_chain_decode(&m, IKE_PL_CERT, buf, (size_t)len,
					 NULL))
		return 0;
	for (i = 0; i < m.n; i++)
		if (!ike_cert_decode(&m.pl[i], &certs[n], NULL))
			n++;
	return n;
}

static struct ike_id mkid(uint8_t type, const void *data, size_t len)
{
	return (struct ike_id){ type, data, (uint16_t)len };
}

static void test_chain(void)
{
	static uint8_t buf[8192];
	struct conf_conn c = conn_for("ee.pem", "ee.key", NULL, "root.pem");
	struct conf_conn o = conn_for("ee.pem", "ee.key", NULL, "other.pem");
	struct creds *cr, *ocr;
	struct ike_cert certs[4];
	uint8_t dn[ID_MAX], ip4[4] = { 192, 0, 2, 1 };
	uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct ike_id fqdn = mkid(IKE_ID_FQDN, "gw.example", 10), id;
	char err[512], why[512];
	EVP_PKEY *pub;
	size_t n;
	int dnlen;

	KT_EXPECT(creds_load(&c, &cr, err, sizeof(err)) == 0);
	KT_EXPECT(creds_load(&o, &ocr, err, sizeof(err)) == 0);
	if (!cr || !ocr)
		return;
	KT_EXPECT(cr->n_ca == 1 && sk_X509_num(cr->chain) == 1);
	n = payloads(cr, buf, sizeof(buf), certs);
	KT_EXPECT(n == 2);
	/* good chain, each ID form */
	pub = cert_check_peer(cr, certs, n, &fqdn, why, sizeof(why));
	KT_EXPECT(pub && EVP_PKEY_eq(pub, p256_key) == 1);
	EVP_PKEY_free(pub);
	dnlen = dn_encode("C=CH, O=ipsecme, CN=gw.example", dn, sizeof(dn));
	KT_EXPECT(dnlen > 0);
	id = mkid(IKE_ID_DER_ASN1_DN, dn, (size_t)dnlen);
	KT_EXPECT(cert_matches_id(ee, &id));
	id = mkid(IKE_ID_RFC822_ADDR, "gw@example.org", 14);
	KT_EXPECT(cert_matches_id(ee, &id));
	id = mkid(IKE_ID_IPV4_ADDR, ip4, 4);
	KT_EXPECT(cert_matches_id(ee, &id));
	id = mkid(IKE_ID_IPV6_ADDR, ip6, 16);
	KT_EXPECT(cert_matches_id(ee, &id));
	/* IDs the certificate does not hold */
	id = mkid(IKE_ID_FQDN, "other.example", 13);
	KT_EXPECT(!cert_matches_id(ee, &id));
	pub = cert_check_peer(cr, certs, n, &id, why, sizeof(why));
	KT_EXPECT(!pub && strstr(why, "fqdn:other.example is neither"));
	id = mkid(IKE_ID_FQDN, "gw.example\0x", 12);
	KT_EXPECT(!cert_matches_id(ee, &id));
	ip4[3] = 2;
	id = mkid(IKE_ID_IPV4_ADDR, ip4, 4);
	KT_EXPECT(!cert_matches_id(ee, &id));
	dnlen = dn_encode("C=CH, O=ipsecme, CN=other", dn, sizeof(dn));
	id = mkid(IKE_ID_DER_ASN1_DN, dn, (size_t)dnlen);
	KT_EXPECT(!cert_matches_id(ee, &id));
	id = mkid(IKE_ID_DER_ASN1_DN, "\x30\x03garbage", 9);
	KT_EXPECT(!cert_matches_id(ee, &id));
	/* another CA of the same name */
	pub = cert_check_peer(ocr, certs, n, &fqdn, why, sizeof(why));
	KT_EXPECT(!pub && strstr(why, "does not verify"));
	/* the intermediate missing */
	pub = cert_check_peer(cr, certs, 1, &fqdn, why, sizeof(why));
	KT_EXPECT(!pub && strstr(why, "does not verify"));
	/* no certificate, garbage, trailing bytes */
	KT_EXPECT(!cert_check_peer(cr, certs, 0, &fqdn, why, sizeof(why)));
	KT_EXPECT(strstr(why, "no CERT"));
	certs[2] = certs[0];
	certs[2].len--;
	KT_EXPECT(!cert_check_peer(cr, &certs[2], 1, &fqdn, why,
				   sizeof(why)));
	KT_EXPECT(strstr(why, "not a DER X.509"));
	certs[2].encoding = 12;
	certs[2].len++;
	KT_EXPECT(!cert_check_peer(cr, &certs[2], 1, &fqdn, why,
				   sizeof(why)));
	/* expired */
	write_pem("expired.pem", expired, inter, NULL);
	creds_free(ocr);
	o = conn_for("expired.pem", "p384.key", NULL, "root.pem");
	KT_EXPECT(creds_load(&o, &ocr, err, sizeof(err)) == 0);
	n = ocr ? payloads(ocr, buf, sizeof(buf), certs) : 0;
	KT_EXPECT(n == 2);
	pub = cert_check_peer(cr, certs, n, &fqdn, why, sizeof(why));
	KT_EXPECT(!pub && strstr(why, "expired"));
	creds_free(cr);
	creds_free(ocr);
}

static void test_load_errors(void)
{
	struct conf_conn c;
	struct creds *cr;
	char err[512];

	c = conn_for("ee.pem", "p384.key", NULL, "root.pem");
	KT_EXPECT(creds_load(&c, &cr, err, sizeof(err)) == -1 && !cr);
	KT_EXPECT(strstr(err, "connection 't': key '") &&
		  strstr(err, "does not belong to the certificate"));
	c = conn_for("ee.pem", "ee.key", "fqdn:other.example", "root.pem");
	KT_EXPECT(creds_load(&c, &cr, err, sizeof(err)) == -1);
	KT_EXPECT(strstr(err, "names neither the local id 'other.example'"));
	c = conn_for("ee.pem", "ee.key", "C=CH, O=ipsecme, CN=other",
		     "root.pem");
	KT_EXPECT(creds_load(&c, &cr, err, sizeof(err)) == -1);
	c = conn_for("ee.pem", "ee.key", "C=CH, O=ipsecme, CN=gw.example",
		     "root.pem");
	KT_EXPECT(creds_load(&c, &cr, err, sizeof(err)) == 0 && cr);
	creds_free(cr);
	c = conn_for("ee.pem", "ee.key", "email:gw@example.org", "root.pem");
	KT_EXPECT(creds_load(&c, &cr, err, sizeof(err)) == 0 && cr);
	creds_free(cr);
	c = conn_for("ee.key", "ee.key", NULL, "root.pem");
	KT_EXPECT(creds_load(&c, &cr, err, sizeof(err)) == -1);
	KT_EXPECT(strstr(err, "holds no PEM certificate"));
	c = conn_for("ee.pem", "root.pem", NULL, "root.pem");
	KT_EXPECT(creds_load(&c, &cr, err, sizeof(err)) == -1);
	KT_EXPECT(strstr(err, "holds no PEM private key"));
	c = conn_for("ee.pem", "ee.key", NULL, "missing.pem");
	KT_EXPECT(creds_load(&c, &cr, err, sizeof(err)) == -1);
	KT_EXPECT(strstr(err, "cannot read") && strstr(err, "missing.pem"));
	/* PSK on both sides: nothing to load */
	c.local.auth = c.remote.auth = CONF_AUTH_PSK;
	KT_EXPECT(creds_load(&c, &cr, err, sizeof(err)) == 0 && !cr);
}

static void test_dn(void)
{
	uint8_t a[ID_MAX], b[ID_MAX];
	char s[256];
	int na, nb;

	na = dn_encode("C=CH, O=ipsecme, CN=gw.example", a, sizeof(a));
	nb = dn_encode("C=CH,O=IPsecMe,  CN = GW.example ", b, sizeof(b));
	KT_EXPECT(na > 0 && nb > 0 && dn_equal(a, na, b, nb));
	dn_str(a, (size_t)na, s, sizeof(s));
	KT_EXPECT_STR(s, "C=CH, O=ipsecme, CN=gw.example");
	nb = dn_encode("O=ipsecme, C=CH, CN=gw.example", b, sizeof(b));
	KT_EXPECT(nb > 0 && !dn_equal(a, na, b, nb));
	nb = dn_encode("C=CH, O=a\\, b, CN=x", b, sizeof(b));
	dn_str(b, (size_t)nb, s, sizeof(s));
	KT_EXPECT_STR(s, "C=CH, O=\"a, b\", CN=x");
	KT_EXPECT(dn_encode("CN", b, sizeof(b)) == -1);
	KT_EXPECT(dn_encode("=x", b, sizeof(b)) == -1);
	KT_EXPECT(dn_encode("CN=", b, sizeof(b)) == -1);
	KT_EXPECT(dn_encode("XYZ=1", b, sizeof(b)) == -1);
	KT_EXPECT(dn_encode("", b, sizeof(b)) == -1);
	KT_EXPECT(dn_encode("C=CH, O=ipsecme, CN=gw.example", b, 10) == -1);
	KT_EXPECT(!dn_equal(a, na, a, na - 1));
	dn_str(a, (size_t)na - 1, s, sizeof(s));
	KT_EXPECT_STR(s, "(invalid DN)");
}

/* Peer IDs are shown escaped: no control characters in logs or JSON. */
static void test_id_str(void)
{
	static const char evil[] = "gw\nipsecmed info: forged\x1b[31m\\\xff";
	struct ike_id id = { .type = IKE_ID_FQDN,
			     .data = (const uint8_t *)evil,
			     .len = sizeof(evil) - 1 };
	char out[CONF_ID_MAX];

	id_str(&id, out, sizeof(out));
	KT_EXPECT_STR(out, "fqdn:gw\\x0aipsecmed info: forged\\x1b[31m"
		      "\\x5c\\xff");
	id.type = IKE_ID_RFC822_ADDR;
	id.data = (const uint8_t *)"a@b\0c";
	id.len = 5;
	id_str(&id, out, sizeof(out));
	KT_EXPECT_STR(out, "email:a@b\\x00c");
	id.type = IKE_ID_FQDN;
	id.data = (const uint8_t *)"gw.example";
	id.len = 10;
	id_str(&id, out, sizeof(out));
	KT_EXPECT_STR(out, "fqdn:gw.example");
	/* Cut short, never in the middle of an escape. */
	id.data = (const uint8_t *)"\x01\x02\x03\x04";
	id.len = 4;
	id_str(&id, out, 12);
	KT_EXPECT_STR(out, "fqdn:\\x01");
}

int main(void)
{
	int ret;

	setup();
	kt_run("id: peer IDs shown with non-printable bytes escaped",
	       test_id_str);
	kt_run("sig: RFC 7427 sign/verify RSA, RSA-PSS, P-256, P-384, "
	       "SHA-256/384/512, tampering refused", test_sign_verify);
	kt_run("sig: hash chosen from the peer's announcement",
	       test_pick_hash);
	kt_run("cert: chain and ID accepted, wrong CA, expired, ID mismatch "
	       "refused", test_chain);
	kt_run("cert: loader refuses a wrong key, file or local id",
	       test_load_errors);
	kt_run("cert: DN text to DER, comparison, malformed DNs", test_dn);
	ret = kt_done();
	{
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)!system(cmd);
	}
	return ret;
}
