// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of the message fuzzer into the directory given
 * as argv[1]: well-formed messages of each exchange (SK payloads sealed
 * with the all-zero AES-GCM-128 key the fuzz target opens them with),
 * a bare inner chain, and a few malformed ones. Regenerate with
 * `make -C userspace fuzz-corpus`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ipsecmed/ike/codec.h"
#include "ipsecmed/ike/sk.h"

static const char *dir;
static uint8_t buf[4096], plain[4096];
static const uint8_t zero[64], fill[64] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static void save(const char *name, const void *p, int len)
{
	char path[4096];
	FILE *f;

	if (len < 0) {
		fprintf(stderr, "mkcorpus: %s: encoding failed\n", name);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, (size_t)len, f) != (size_t)len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static struct ike_hdr hdr(uint8_t exch, uint8_t flags, uint32_t msgid)
{
	struct ike_hdr h = { .spi_i = { 0x11, 1, 2, 3, 4, 5, 6, 7 },
			     .spi_r = { 0x22, 1, 2, 3, 4, 5, 6, 7 },
			     .exchange = exch, .flags = flags,
			     .msgid = msgid };
	if (exch == IKE_SA_INIT && !(flags & IKE_FLAG_RESPONSE))
		memset(h.spi_r, 0, sizeof(h.spi_r));
	return h;
}

static struct ike_sa_payload ike_proposals(void)
{
	struct ike_sa_payload sa = { .nprop = 2 };

	sa.prop[0] = (struct ike_proposal){ .proto = IKE_PROTO_IKE,
		.ntrans = 3, .tr = {
		{ IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128, false },
		{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0, false },
		{ IKE_TRANS_DH, IKE_DH_CURVE25519, 0, false } } };
	sa.prop[1] = (struct ike_proposal){ .proto = IKE_PROTO_IKE,
		.ntrans = 4, .tr = {
		{ IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 256, false },
		{ IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0, false },
		{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_384, 0, false },
		{ IKE_TRANS_DH, IKE_DH_ECP384, 0, false } } };
	return sa;
}

static struct ike_sa_payload esp_proposal(void)
{
	struct ike_sa_payload sa = { .nprop = 1 };

	sa.prop[0] = (struct ike_proposal){ .proto = IKE_PROTO_ESP,
		.spi_size = 4, .spi = { 0xc0, 0, 0, 1 }, .ntrans = 2, .tr = {
		{ IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256, false },
		{ IKE_TRANS_ESN, IKE_ESN_NO, 0, false } } };
	return sa;
}

static struct ike_ts_payload selectors(bool v6)
{
	struct ike_ts_payload ts = { .n = 1 };

	if (v6)
		ts.ts[0] = (struct ike_ts){ IKE_TS_IPV6_ADDR_RANGE, 0, 0,
			65535, { 0xfd, 0 }, { 0xfd, 0, [15] = 0xff } };
	else
		ts.ts[0] = (struct ike_ts){ IKE_TS_IPV4_ADDR_RANGE, 0, 0,
			65535, { 10, 1, 0, 0 }, { 10, 1, 0, 255 } };
	return ts;
}

static void init_req(void)
{
	struct ike_hdr h = hdr(IKE_SA_INIT, IKE_FLAG_INITIATOR, 0);
	struct ike_sa_payload sa = ike_proposals();
	struct ike_builder b;

	ikb_init_msg(&b, buf, sizeof(buf), &h);
	ikb_sa(&b, &sa);
	ikb_ke(&b, IKE_DH_CURVE25519, fill, 32);
	ikb_nonce(&b, fill, 32);
	ikb_notify(&b, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, fill, 20);
	ikb_notify(&b, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, fill,
		   20);
	ikb_notify(&b, 0, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS,
		   (const uint8_t[]){ 0, 2, 0, 3, 0, 4 }, 6);
	save("ike_sa_init_req", buf, ikb_finish(&b));
}

static void init_resp(void)
{
	struct ike_hdr h = hdr(IKE_SA_INIT, IKE_FLAG_RESPONSE, 0);
	struct ike_sa_payload sa = ike_proposals();
	struct ike_builder b;

	sa.nprop = 1;
	sa.prop[0] = sa.prop[1];
	sa.prop[0].num = 2;
	ikb_init_msg(&b, buf, sizeof(buf), &h);
	ikb_sa(&b, &sa);
	ikb_ke(&b, IKE_DH_ECP384, fill, 96);
	ikb_nonce(&b, fill, 32);
	ikb_cert(&b, IKE_PL_CERTREQ, IKE_CERT_X509_SIG, fill, 20);
	save("ike_sa_init_resp", buf, ikb_finish(&b));

	h = hdr(IKE_SA_INIT, IKE_FLAG_RESPONSE, 0);
	ikb_init_msg(&b, buf, sizeof(buf), &h);
	ikb_notify(&b, 0, NULL, 0, IKE_N_COOKIE, fill, 20);
	save("ike_sa_init_cookie", buf, ikb_finish(&b));

	ikb_init_msg(&b, buf, sizeof(buf), &h);
	ikb_notify(&b, 0, NULL, 0, IKE_N_INVALID_KE_PAYLOAD,
		   (const uint8_t[]){ 0, 19 }, 2);
	save("ike_sa_init_invalid_ke", buf, ikb_finish(&b));
}

/* Seal the chain in @b into an SK message with the zero GCM key. */
static int seal(struct ike_builder *b, const struct ike_hdr *h)
{
	struct ike_sk_dir k = {
		.encr = ike_encr_find(IKE_ENCR_AES_GCM_16, 128), .ekey = zero,
	};
	int plen = ikb_finish(b);

	if (plen < 0)
		return plen;
	return ike_sk_seal(&k, h, b->first_np, plain, (size_t)plen, fill,
			   buf, sizeof(buf));
}

static void auth_req(void)
{
	struct ike_hdr h = hdr(IKE_AUTH, IKE_FLAG_INITIATOR, 1);
	struct ike_sa_payload sa = esp_proposal();
	struct ike_ts_payload ts = selectors(false);
	struct ike_builder b;

	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_id(&b, IKE_PL_IDI, IKE_ID_FQDN, (const uint8_t *)"client", 6);
	ikb_notify(&b, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	ikb_id(&b, IKE_PL_IDR, IKE_ID_IPV4_ADDR, fill, 4);
	ikb_auth(&b, IKE_AUTH_PSK, fill, 32);
	ikb_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ikb_sa(&b, &sa);
	ikb_ts(&b, IKE_PL_TSI, &ts);
	ikb_ts(&b, IKE_PL_TSR, &ts);
	save("ike_auth_req", buf, seal(&b, &h));
}

/* IKE_AUTH with certificates: IDi (DN), end-entity and intermediate
 * CERTs, CERTREQ with two CA hashes, an RFC 7427 AUTH (ECDSA with
 * SHA-256 AlgorithmIdentifier), then the CHILD_SA payloads.
 */
static void auth_req_cert(void)
{
	static const uint8_t dn[] = { 0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09,
		0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, 'g', 'w' };
	static const uint8_t aid[] = { 12, 0x30, 0x0a, 0x06, 0x08, 0x2a,
		0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
	struct ike_hdr h = hdr(IKE_AUTH, IKE_FLAG_INITIATOR, 1);
	struct ike_sa_payload sa = esp_proposal();
	struct ike_ts_payload ts = selectors(false);
	uint8_t cert[600], auth[sizeof(aid) + 72];
	struct ike_builder b;
	size_t i;

	for (i = 0; i < sizeof(cert); i++)
		cert[i] = (uint8_t)(i * 13 + 0x30);
	cert[0] = 0x30;
	cert[1] = 0x82;
	cert[2] = (sizeof(cert) - 4) >> 8;
	cert[3] = (sizeof(cert) - 4) & 0xff;
	memcpy(auth, aid, sizeof(aid));
	memset(auth + sizeof(aid), 0x5a, sizeof(auth) - sizeof(aid));
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_id(&b, IKE_PL_IDI, IKE_ID_DER_ASN1_DN, dn, sizeof(dn));
	ikb_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIG, cert, sizeof(cert));
	ikb_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIG, cert, 300);
	ikb_notify(&b, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	ikb_cert(&b, IKE_PL_CERTREQ, IKE_CERT_X509_SIG, fill, 40);
	ikb_id(&b, IKE_PL_IDR, IKE_ID_FQDN, (const uint8_t *)"gw.example",
	       10);
	ikb_auth(&b, IKE_AUTH_DIGITAL_SIG, auth, sizeof(auth));
	ikb_sa(&b, &sa);
	ikb_ts(&b, IKE_PL_TSI, &ts);
	ikb_ts(&b, IKE_PL_TSR, &ts);
	save("ike_auth_req_cert", buf, seal(&b, &h));
}

static void inner_chain(void)
{
	struct ike_ts_payload ts = selectors(true);
	struct ike_builder b;

	ikb_init_chain(&b, plain + 1, sizeof(plain) - 1);
	ikb_id(&b, IKE_PL_IDR, IKE_ID_IPV6_ADDR, fill, 16);
	ikb_auth(&b, IKE_AUTH_DIGITAL_SIG, fill, 48);
	ikb_ts(&b, IKE_PL_TSI, &ts);
	ikb_ts(&b, IKE_PL_TSR, &ts);
	ikb_delete(&b, IKE_PROTO_ESP, 4, fill, 2);
	plain[0] = IKE_PL_IDR;
	save("inner_chain", plain, ikb_finish(&b) + 1);
}

static void child_and_info(void)
{
	struct ike_hdr h = hdr(IKE_CREATE_CHILD_SA, IKE_FLAG_INITIATOR, 2);
	struct ike_sa_payload sa = esp_proposal();
	struct ike_ts_payload ts = selectors(true);
	struct ike_builder b;

	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_notify(&b, IKE_PROTO_ESP, fill, 4, IKE_N_REKEY_SA, NULL, 0);
	ikb_sa(&b, &sa);
	ikb_nonce(&b, fill, 32);
	ikb_ke(&b, IKE_DH_MODP2048, fill, 64);
	ikb_ts(&b, IKE_PL_TSI, &ts);
	ikb_ts(&b, IKE_PL_TSR, &ts);
	save("create_child_sa_rekey", buf, seal(&b, &h));

	h = hdr(IKE_INFORMATIONAL, IKE_FLAG_RESPONSE, 3);
	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_delete(&b, IKE_PROTO_ESP, 4, fill, 1);
	save("informational_delete", buf, seal(&b, &h));

	h = hdr(IKE_INFORMATIONAL, IKE_FLAG_INITIATOR, 4);
	ikb_init_chain(&b, plain, sizeof(plain));
	save("informational_empty", buf, seal(&b, &h));
}

static void malformed(void)
{
	struct ike_hdr h = hdr(IKE_SA_INIT, IKE_FLAG_INITIATOR, 0);
	struct ike_builder b;
	int len;

	ikb_init_msg(&b, buf, sizeof(buf), &h);
	ikb_nonce(&b, fill, 16);
	ikb_begin(&b, 99, true);
	ike_wr_bytes(&b.w, fill, 8);
	save("unknown_critical", buf, ikb_finish(&b));

	ikb_init_msg(&b, buf, sizeof(buf), &h);
	ikb_nonce(&b, fill, 16);
	len = ikb_finish(&b);
	buf[IKE_HDR_LEN + 3] = 0;	/* zero payload length */
	save("zero_length_payload", buf, len);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus DIR\n");
		return 2;
	}
	dir = argv[1];
	init_req();
	init_resp();
	auth_req();
	auth_req_cert();
	inner_chain();
	child_and_info();
	malformed();
	return 0;
}
