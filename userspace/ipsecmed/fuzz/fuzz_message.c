// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the IKE message parser: the header and payload
 * chain, every typed payload decoder, SK payload length handling, and
 * a decode/encode/decode round trip of SA payloads that must agree.
 */
#include <stdlib.h>

#include "ipsecmed/ike/codec.h"
#include "ipsecmed/ike/sk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sa_roundtrip(const struct ike_payload *pl)
{
	static struct ike_sa_payload a, b;
	static uint8_t buf[IKE_MAX_MSG];
	struct ike_builder bld;
	struct ike_msg m;
	int len, p, t;

	if (ike_sa_decode(pl, &a, NULL))
		return;
	ikb_init_chain(&bld, buf, sizeof(buf));
	ikb_sa(&bld, &a);
	len = ikb_finish(&bld);
	if (len < 0)
		return;
	memset(&m, 0, sizeof(m));
	/* What we encode must decode to the same proposals. */
	if (ike_chain_decode(&m, bld.first_np, buf, (size_t)len, NULL) ||
	    m.n != 1 || ike_sa_decode(&m.pl[0], &b, NULL) ||
	    a.nprop != b.nprop)
		abort();
	for (p = 0; p < a.nprop; p++) {
		if (a.prop[p].num != b.prop[p].num ||
		    a.prop[p].ntrans != b.prop[p].ntrans ||
		    memcmp(a.prop[p].spi, b.prop[p].spi, a.prop[p].spi_size))
			abort();
		for (t = 0; t < a.prop[p].ntrans; t++)
			if (a.prop[p].tr[t].id != b.prop[p].tr[t].id ||
			    a.prop[p].tr[t].type != b.prop[p].tr[t].type ||
			    a.prop[p].tr[t].keylen != b.prop[p].tr[t].keylen)
				abort();
	}
}

static void decode_bodies(const struct ike_msg *m)
{
	struct ike_ts_payload ts;
	struct ike_notify n;
	struct ike_delete d;
	struct ike_auth a;
	struct ike_cert c;
	struct ike_id id;
	struct ike_ke ke;
	const uint8_t *p;
	uint16_t l;
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		const struct ike_payload *pl = &m->pl[i];

		switch (pl->type) {
		case IKE_PL_SA: sa_roundtrip(pl); break;
		case IKE_PL_KE: ike_ke_decode(pl, &ke, NULL); break;
		case IKE_PL_IDI:
		case IKE_PL_IDR: ike_id_decode(pl, &id, NULL); break;
		case IKE_PL_AUTH: ike_auth_decode(pl, &a, NULL); break;
		case IKE_PL_NONCE: ike_nonce_decode(pl, &p, &l, NULL); break;
		case IKE_PL_NOTIFY: ike_notify_decode(pl, &n, NULL); break;
		case IKE_PL_DELETE: ike_delete_decode(pl, &d, NULL); break;
		case IKE_PL_TSI:
		case IKE_PL_TSR: ike_ts_decode(pl, &ts, NULL); break;
		case IKE_PL_CERT:
		case IKE_PL_CERTREQ: ike_cert_decode(pl, &c, NULL); break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[36];
	static struct ike_msg m;
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_sk_dir k = {
		.encr = ike_encr_find(IKE_ENCR_AES_GCM_16, 128), .ekey = key,
	};
	struct ike_err err;

	if (ike_msg_decode(&m, data, size, &err) == 0) {
		decode_bodies(&m);
		if (m.has_sk && ike_sk_open(&k, &m, plain, sizeof(plain),
					    &err) == 0)
			decode_bodies(&m);
	}
	/* The same bytes as the inside of an SK payload. */
	if (size > 0) {
		memset(&m, 0, sizeof(m));
		if (ike_chain_decode(&m, data[0], data + 1, size - 1,
				     &err) == 0)
			decode_bodies(&m);
	}
	return 0;
}
