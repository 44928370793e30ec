// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ipsecmed/auth.h"
#include "ipsecmed/cert.h"
#include "ipsecmed/crypto/prf.h"

static int cerr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cerr(char *err, size_t len, const char *fmt, ...)
{
	unsigned long e = ERR_peek_last_error();
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (e && n + 3 < len)
		snprintf(err + n, len - n, " (%s)", ERR_reason_error_string(e)
			 ?: "OpenSSL error");
	ERR_clear_error();
	return -1;
}

/* Every certificate of PEM file @path, in order. */
static STACK_OF(X509) *read_certs(const char *path, char *err, size_t len)
{
	STACK_OF(X509) *sk;
	FILE *f = fopen(path, "re");
	X509 *x;

	if (!f) {
		cerr(err, len, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	sk = sk_X509_new_null();
	while (sk && (x = PEM_read_X509(f, NULL, NULL, NULL)))
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
	fclose(f);
	ERR_clear_error();	/* the loop ends on "no start line" */
	if (!sk || !sk_X509_num(sk)) {
		sk_X509_pop_free(sk, X509_free);
		cerr(err, len, "'%s' holds no PEM certificate", path);
		return NULL;
	}
	return sk;
}

static int load_local(const struct conf_conn *c, struct creds *cr, char *err,
		      size_t len)
{
	const struct conf_side *s = &c->local;
	STACK_OF(X509) *sk = read_certs(s->cert, err, len);
	FILE *f;

	if (!sk)
		return -1;
	cr->cert = sk_X509_shift(sk);
	cr->chain = sk;
	f = fopen(s->key, "re");
	if (!f)
		return cerr(err, len, "cannot read key '%s': %s", s->key,
			    strerror(errno));
	cr->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!cr->key)
		return cerr(err, len, "'%s' holds no PEM private key "
			    "(unencrypted PKCS#8, RSA or EC)", s->key);
	if (!EVP_PKEY_is_a(cr->key, "RSA") && !EVP_PKEY_is_a(cr->key, "EC"))
		return cerr(err, len, "key '%s' is neither RSA nor ECDSA",
			    s->key);
	if (X509_check_private_key(cr->cert, cr->key) != 1)
		return cerr(err, len, "key '%s' does not belong to the "
			    "certificate '%s'", s->key, s->cert);
	return 0;
}

/* Our configured identity must be one the peer can find in our
 * certificate, or it will refuse us: say so at load time.
 */
static int check_local_id(const struct conf_conn *c, struct creds *cr,
			  char *err, size_t len)
{
	uint8_t buf[ID_MAX];
	struct ike_id id = { .data = buf };
	int n;

	if (c->local.id.type == CONF_ID_NONE)
		return 0;
	n = id_encode(&c->local.id, NULL, &id.type, buf);
	if (n < 0)
		return cerr(err, len, "local id '%s' cannot be encoded",
			    c->local.id.text);
	id.len = (uint16_t)n;
	if (!cert_matches_id(cr->cert, &id))
		return cerr(err, len, "certificate '%s' names neither the "
			    "local id '%s' as subject nor as subjectAltName",
			    c->local.cert, c->local.id.text[0] ?
			    c->local.id.text : "(address)");
	return 0;
}

/* CERTREQ: SHA-1 of the CA's SubjectPublicKeyInfo (RFC 7296 3.7). */
static int spki_hash(X509 *x, uint8_t *out)
{
	uint8_t md[64], *der = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	struct ike_iov iov = { der, n > 0 ? (size_t)n : 0 };
	int ret = n > 0 && ike_hash("SHA1", &iov, 1, md) ==
		  IKE_CERTREQ_HASH_LEN ? 0 : -1;

	OPENSSL_free(der);
	if (!ret)
		memcpy(out, md, IKE_CERTREQ_HASH_LEN);
	return ret;
}

static int add_cas(const char *path, struct creds *cr, char *err, size_t len)
{
	STACK_OF(X509) *sk = read_certs(path, err, len);
	uint8_t *h;
	int i, ret = 0;

	if (!sk)
		return -1;
	for (i = 0; !ret && i < sk_X509_num(sk); i++) {
		X509 *x = sk_X509_value(sk, i);

		h = realloc(cr->ca_hashes,
			    (cr->n_ca + 1) * IKE_CERTREQ_HASH_LEN);
		if (!h) {
			ret = cerr(err, len, "out of memory");
			break;
		}
		cr->ca_hashes = h;
		if (!X509_STORE_add_cert(cr->store, x) ||
		    spki_hash(x, h + cr->n_ca * IKE_CERTREQ_HASH_LEN))
			ret = cerr(err, len, "cannot use CA certificate %d of "
				   "'%s'", i + 1, path);
		else
			cr->n_ca++;
	}
	sk_X509_pop_free(sk, X509_free);
	return ret;
}

static int load_remote(const struct conf_side *s, struct creds *cr, char *err,
		       size_t len)
{
	size_t i;

	cr->store = X509_STORE_new();
	if (!cr->store)
		return cerr(err, len, "out of memory");
	/* Every configured cacert is a trust anchor, intermediates too. */
	X509_STORE_set_flags(cr->store, X509_V_FLAG_PARTIAL_CHAIN);
	for (i = 0; i < s->n_cacerts; i++)
		if (add_cas(s->cacerts[i], cr, err, len))
			return -1;
	return 0;
}

int creds_load(const struct conf_conn *c, struct creds **out, char *err,
	       size_t errlen)
{
	bool local = c->local.auth == CONF_AUTH_PUBKEY;
	bool remote = c->remote.auth == CONF_AUTH_PUBKEY;
	struct creds *cr;
	char msg[384];

	*out = NULL;
	if (!local && !remote)
		return 0;
	cr = calloc(1, sizeof(*cr));
	if (!cr)
		return cerr(err, errlen, "out of memory");
	if ((local && (load_local(c, cr, msg, sizeof(msg)) ||
		       check_local_id(c, cr, msg, sizeof(msg)))) ||
	    (remote && load_remote(&c->remote, cr, msg, sizeof(msg)))) {
		creds_free(cr);
		return cerr(err, errlen, "connection '%s': %s", c->name, msg);
	}
	*out = cr;
	return 0;
}

void creds_free(struct creds *cr)
{
	if (!cr)
		return;
	X509_free(cr->cert);
	sk_X509_pop_free(cr->chain, X509_free);
	EVP_PKEY_free(cr->key);		/* clears the private key */
	X509_STORE_free(cr->store);
	free(cr->ca_hashes);
	free(cr);
}

int creds_load_all(const struct conf *conf, struct creds ***out, char *err,
		   size_t errlen)
{
	struct creds **all = calloc(conf->n_conns + 1, sizeof(*all));
	size_t i;

	*out = NULL;
	if (!all)
		return cerr(err, errlen, "out of memory");
	for (i = 0; i < conf->n_conns; i++)
		if (creds_load(&conf->conns[i], &all[i], err, errlen)) {
			creds_free_all(all, i);
			return -1;
		}
	*out = all;
	return 0;
}

void creds_free_all(struct creds **all, size_t n)
{
	size_t i;

	if (!all)
		return;
	for (i = 0; i < n; i++)
		creds_free(all[i]);
	free(all);
}

static void add_cert(struct ike_builder *b, X509 *x)
{
	uint8_t *der = NULL;
	int n = i2d_X509(x, &der);

	if (n > 0)
		ikb_cert(b, IKE_PL_CERT, IKE_CERT_X509_SIG, der, (size_t)n);
	OPENSSL_free(der);
}

void cert_add_certs(struct ike_builder *b, const struct creds *cr)
{
	int i;

	if (!cr || !cr->cert)
		return;
	add_cert(b, cr->cert);
	for (i = 0; i < sk_X509_num(cr->chain); i++)
		add_cert(b, sk_X509_value(cr->chain, i));
}

void cert_add_certreq(struct ike_builder *b, const struct creds *cr)
{
	if (cr && cr->n_ca)
		ikb_cert(b, IKE_PL_CERTREQ, IKE_CERT_X509_SIG, cr->ca_hashes,
			 cr->n_ca * IKE_CERTREQ_HASH_LEN);
}

int cert_subject_der(const struct creds *cr, uint8_t *buf, size_t cap)
{
	X509_NAME *name = cr && cr->cert ? X509_get_subject_name(cr->cert) :
					   NULL;
	int n = name ? i2d_X509_NAME(name, NULL) : -1;
	uint8_t *p = buf;

	if (n <= 0 || (size_t)n > cap)
		return -1;
	return i2d_X509_NAME(name, &p);
}

int cert_der(X509 *x, uint8_t *buf, size_t cap)
{
	int n = i2d_X509(x, NULL);
	uint8_t *p = buf;

	if (n <= 0 || (size_t)n > cap)
		return -1;
	return i2d_X509(x, &p);
}

/* A certificate that is exactly the DER of one CERT payload. */
static X509 *cert_parse(const struct ike_cert *c)
{
	const uint8_t *p = c->data;
	X509 *x;

	if (c->encoding != IKE_CERT_X509_SIG)
		return NULL;
	x = d2i_X509(NULL, &p, c->len);
	if (x && p != c->data + c->len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

static X509 *verify_chain(X509_STORE *store, const struct ike_cert *certs,
			  size_t n, char *why, size_t len)
{
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509 *ee = cert_parse(&certs[0]), *x;
	size_t i;
	int ok = untrusted && ctx && ee;

	if (!ee)
		cerr(why, len, "first CERT payload is not a DER X.509 "
		     "certificate (encoding %u)", certs[0].encoding);
	for (i = 1; ok && i < n; i++) {
		x = cert_parse(&certs[i]);
		if (!x || !sk_X509_push(untrusted, x)) {
			X509_free(x);
			ok = 0;
			cerr(why, len, "CERT payload %zu is not a DER X.509 "
			     "certificate", i + 1);
		}
	}
	if (ok && (!X509_STORE_CTX_init(ctx, store, ee, untrusted) ||
		   X509_verify_cert(ctx) != 1)) {
		int e = X509_STORE_CTX_get_error(ctx);

		ok = 0;
		cerr(why, len, "certificate chain does not verify against "
		     "the cacert files: %s", X509_verify_cert_error_string(e));
	}
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	if (!ok) {
		X509_free(ee);
		return NULL;
	}
	return ee;
}

EVP_PKEY *cert_check_peer(const struct creds *cr, const struct ike_cert *certs,
			  size_t n, const struct ike_id *id, char *why,
			  size_t whylen)
{
	char ids[CONF_ID_MAX];
	EVP_PKEY *pub = NULL;
	X509 *ee;

	if (!cr || !cr->store) {
		cerr(why, whylen, "no CA certificates configured");
		return NULL;
	}
	if (!n) {
		cerr(why, whylen, "peer sent no CERT payload");
		return NULL;
	}
	ee = verify_chain(cr->store, certs, n, why, whylen);
	if (!ee)
		return NULL;
	if (!cert_matches_id(ee, id)) {
		id_str(id, ids, sizeof(ids));
		cerr(why, whylen, "peer's ID %s is neither the subject nor a "
		     "subjectAltName of its certificate", ids);
	} else {
		pub = X509_get_pubkey(ee);
		if (!pub)
			cerr(why, whylen, "cannot read the certificate's key");
	}
	X509_free(ee);
	return pub;
}

static bool dn_matches(X509 *x, const struct ike_id *id)
{
	const uint8_t *p = id->data;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, id->len);
	bool ok = name && p == id->data + id->len &&
		  !X509_NAME_cmp(name, X509_get_subject_name(x));

	X509_NAME_free(name);
	return ok;
}

bool cert_matches_id(X509 *x, const struct ike_id *id)
{
	const unsigned int flags = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
				   X509_CHECK_FLAG_NO_WILDCARDS;
	const char *s = (const char *)id->data;

	if (!id->len)
		return false;
	switch (id->type) {
	case IKE_ID_DER_ASN1_DN:
		return dn_matches(x, id);
	case IKE_ID_FQDN:
		return X509_check_host(x, s, id->len, flags, NULL) == 1;
	case IKE_ID_RFC822_ADDR:
		return X509_check_email(x, s, id->len, flags) == 1;
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		return X509_check_ip(x, id->data, id->len, 0) == 1;
	}
	return false;
}

/* Cut the next "KEY=VALUE" of a DN string into @key and @val (escapes
 * resolved, spaces around them trimmed). Returns the rest or NULL.
 */
static const char *dn_next(const char *s, char *key, size_t kcap, char *val,
			   size_t vcap)
{
	size_t k = 0, v = 0, cap = kcap;
	char *out = key;
	size_t *n = &k;

	for (; *s && *s != ','; s++) {
		if (*s == '=' && out == key) {
			out = val;
			n = &v;
			cap = vcap;
			continue;
		}
		if (*s == '\\' && s[1])
			s++;
		if (*n + 1 >= cap)
			return NULL;
		if (*n == 0 && (*s == ' ' || *s == '\t'))
			continue;
		out[(*n)++] = *s;
	}
	while (k && key[k - 1] == ' ')
		k--;
	while (v && val[v - 1] == ' ')
		v--;
	key[k] = val[v] = '\0';
	if (out != val || !k || !v)
		return NULL;
	return *s == ',' ? s + 1 : s;
}

int dn_encode(const char *text, uint8_t *out, size_t cap)
{
	X509_NAME *name = X509_NAME_new();
	char key[64], val[CONF_ID_MAX];
	const char *s = text;
	uint8_t *p = out;
	int n = -1;

	while (name && s && *s) {
		s = dn_next(s, key, sizeof(key), val, sizeof(val));
		if (!s || !X509_NAME_add_entry_by_txt(name, key, MBSTRING_UTF8,
						      (const uint8_t *)val,
						      -1, -1, 0))
			goto out;
	}
	if (name && X509_NAME_entry_count(name) > 0) {
		n = i2d_X509_NAME(name, NULL);
		if (n <= 0 || (size_t)n > cap)
			n = -1;
		else
			n = i2d_X509_NAME(name, &p);
	}
out:
	ERR_clear_error();
	X509_NAME_free(name);
	return n;
}

bool dn_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	const uint8_t *pa = a, *pb = b;
	X509_NAME *na = d2i_X509_NAME(NULL, &pa, (long)alen);
	X509_NAME *nb = d2i_X509_NAME(NULL, &pb, (long)blen);
	bool ok = na && nb && pa == a + alen && pb == b + blen &&
		  !X509_NAME_cmp(na, nb);

	X509_NAME_free(na);
	X509_NAME_free(nb);
	return ok;
}

void dn_str(const uint8_t *der, size_t len, char *buf, size_t cap)
{
	const uint8_t *p = der;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
	BIO *bio = BIO_new(BIO_s_mem());
	char *text;
	long n;

	snprintf(buf, cap, "(invalid DN)");
	if (name && bio && p == der + len &&
	    X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE &
			       ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(bio, &text);
		snprintf(buf, cap, "%.*s", (int)n, text);
	}
	ERR_clear_error();
	BIO_free(bio);
	X509_NAME_free(name);
}
