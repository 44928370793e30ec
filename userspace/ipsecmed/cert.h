/* SPDX-License-Identifier: GPL-2.0 */
/*
 * X.509 credentials of a connection (RFC 7296 sections 2.15, 3.6, 3.7):
 * our certificate, its intermediates and private key, the CA
 * certificates the peer's chain must end in and their CERTREQ hashes;
 * validation of the peer's chain (X509_verify_cert) and of its ID
 * against the certificate; distinguished names as IDs.
 */
#ifndef IPSECMED_CERT_H
#define IPSECMED_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "conf/config.h"
#include "ipsecmed/ike/codec.h"

struct creds {
	X509 *cert;			/* ours: the end entity */
	STACK_OF(X509) *chain;		/* intermediates sent after it */
	EVP_PKEY *key;
	X509_STORE *store;		/* the remote side's cacert files */
	uint8_t *ca_hashes;		/* SHA-1 of each one's SPKI */
	size_t n_ca;
};

/* Load the files of @c's local and remote blocks that use pubkey.
 * *@out is NULL when neither does. Checks that the key belongs to the
 * certificate and that a configured local id is in the certificate.
 * Returns 0, or -1 with @err naming the file and the problem.
 */
int creds_load(const struct conf_conn *c, struct creds **out, char *err,
	       size_t errlen);
void creds_free(struct creds *cr);

/* Credentials of every connection of @conf, in the same order. */
int creds_load_all(const struct conf *conf, struct creds ***out, char *err,
		   size_t errlen);
void creds_free_all(struct creds **all, size_t n);

/* CERT payloads: our certificate, then its intermediates. */
void cert_add_certs(struct ike_builder *b, const struct creds *cr);
/* A CERTREQ payload naming our CAs for the peer (nothing without any). */
void cert_add_certreq(struct ike_builder *b, const struct creds *cr);

/* DER of our certificate's subject into @buf. Returns the length or -1. */
int cert_subject_der(const struct creds *cr, uint8_t *buf, size_t cap);

/* DER of @x into @buf. Returns its length or -1 if it does not fit. */
int cert_der(X509 *x, uint8_t *buf, size_t cap);

/* Validate the peer's CERT payloads (the first is the end entity, the
 * rest intermediates) against @cr's CA certificates and check that @id
 * names the end entity. Returns its public key (the caller frees it), or
 * NULL with @why saying what failed.
 */
EVP_PKEY *cert_check_peer(const struct creds *cr, const struct ike_cert *certs,
			  size_t n, const struct ike_id *id, char *why,
			  size_t whylen);

/* Whether @id names @x: a DN equal to its subject, or an FQDN, RFC822
 * or IP address ID equal to one of its subjectAltNames.
 */
bool cert_matches_id(X509 *x, const struct ike_id *id);

/* "C=CH, O=Example, CN=gw" (commas in values escaped with '\') as the DER
 * of the name. Returns the length or -1 (bad syntax, unknown attribute,
 * longer than @cap).
 */
int dn_encode(const char *text, uint8_t *out, size_t cap);

/* Whether two DER names are equal (X509_NAME_cmp: canonical form, so
 * string types and case of the values do not matter).
 */
bool dn_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* One-line text of DER name @der; "(invalid DN)" if it does not parse. */
void dn_str(const uint8_t *der, size_t len, char *buf, size_t cap);

#endif /* IPSECMED_CERT_H */
