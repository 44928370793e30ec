// SPDX-License-Identifier: GPL-2.0
/*
 * Bodies of the simple payloads: KE, ID, AUTH, Nonce, Notify, Delete,
 * CERT/CERTREQ and Vendor ID (RFC 7296 sections 3.4 to 3.12).
 */
#include "ipsecmed/ike/codec.h"

#define SYNTAX(err, pl, ...) \
	ike_fail(err, IKE_E_SYNTAX, IKE_N_INVALID_SYNTAX, (pl)->type, \
		 __VA_ARGS__)

int ike_ke_decode(const struct ike_payload *pl, struct ike_ke *ke,
		  struct ike_err *err)
{
	if (pl->len < 4 + 1)
		return SYNTAX(err, pl, "KE payload body of %u bytes is too "
			      "short", pl->len);
	ke->group = ike_get_be16(pl->body);
	ke->data = pl->body + 4;
	ke->len = pl->len - 4;
	return 0;
}

int ike_id_decode(const struct ike_payload *pl, struct ike_id *id,
		  struct ike_err *err)
{
	if (pl->len < 4 + 1)
		return SYNTAX(err, pl, "ID payload body of %u bytes is too "
			      "short", pl->len);
	id->type = pl->body[0];
	id->data = pl->body + 4;
	id->len = pl->len - 4;
	if ((id->type == IKE_ID_IPV4_ADDR && id->len != 4) ||
	    (id->type == IKE_ID_IPV6_ADDR && id->len != 16))
		return SYNTAX(err, pl, "ID of type %u with %u bytes of "
			      "address", id->type, id->len);
	return 0;
}

int ike_auth_decode(const struct ike_payload *pl, struct ike_auth *a,
		    struct ike_err *err)
{
	if (pl->len < 4 + 1)
		return SYNTAX(err, pl, "AUTH payload body of %u bytes is too "
			      "short", pl->len);
	a->method = pl->body[0];
	a->data = pl->body + 4;
	a->len = pl->len - 4;
	return 0;
}

int ike_nonce_decode(const struct ike_payload *pl, const uint8_t **nonce,
		     uint16_t *len, struct ike_err *err)
{
	if (pl->len < IKE_NONCE_MIN || pl->len > IKE_NONCE_MAX)
		return SYNTAX(err, pl, "nonce of %u bytes, must be %d to %d",
			      pl->len, IKE_NONCE_MIN, IKE_NONCE_MAX);
	*nonce = pl->body;
	*len = pl->len;
	return 0;
}

int ike_notify_decode(const struct ike_payload *pl, struct ike_notify *n,
		      struct ike_err *err)
{
	struct ike_rd r;

	ike_rd_init(&r, pl->body, pl->len);
	if (!ike_rd_u8(&r, &n->proto) || !ike_rd_u8(&r, &n->spi_size) ||
	    !ike_rd_u16(&r, &n->type))
		return SYNTAX(err, pl, "notify body of %u bytes is too short",
			      pl->len);
	if (n->spi_size != 0 && n->spi_size != 4 && n->spi_size != 8)
		return SYNTAX(err, pl, "notify %u with SPI size %u", n->type,
			      n->spi_size);
	if (!ike_rd_copy(&r, n->spi, n->spi_size))
		return SYNTAX(err, pl, "notify %u: SPI of %u bytes truncated",
			      n->type, n->spi_size);
	n->len = (uint16_t)ike_rd_left(&r);
	n->data = ike_rd_take(&r, n->len);
	return 0;
}

const struct ike_payload *ike_msg_first(const struct ike_msg *m, uint8_t type)
{
	unsigned int idx = 0;

	return ike_msg_find(m, type, &idx);
}

bool ike_msg_has_notify(const struct ike_msg *m, uint16_t type)
{
	const struct ike_payload *pl;
	unsigned int idx = 0;
	struct ike_notify n;

	while ((pl = ike_msg_find(m, IKE_PL_NOTIFY, &idx)))
		if (!ike_notify_decode(pl, &n, NULL) && n.type == type)
			return true;
	return false;
}

uint16_t ike_msg_error(const struct ike_msg *m)
{
	const struct ike_payload *pl;
	unsigned int idx = 0;
	struct ike_notify n;

	while ((pl = ike_msg_find(m, IKE_PL_NOTIFY, &idx)))
		if (!ike_notify_decode(pl, &n, NULL) &&
		    n.type <= IKE_N_ERROR_MAX)
			return n.type;
	return 0;
}

int ike_delete_decode(const struct ike_payload *pl, struct ike_delete *d,
		      struct ike_err *err)
{
	struct ike_rd r;

	ike_rd_init(&r, pl->body, pl->len);
	if (!ike_rd_u8(&r, &d->proto) || !ike_rd_u8(&r, &d->spi_size) ||
	    !ike_rd_u16(&r, &d->nspi))
		return SYNTAX(err, pl, "delete body of %u bytes is too short",
			      pl->len);
	switch (d->proto) {
	case IKE_PROTO_IKE:
		if (d->spi_size != 0 || d->nspi != 0)
			return SYNTAX(err, pl, "IKE SA delete with SPI size "
				      "%u and %u SPIs", d->spi_size, d->nspi);
		break;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		if (d->spi_size != 4)
			return SYNTAX(err, pl, "ESP/AH delete with SPI size %u",
				      d->spi_size);
		break;
	default:
		return SYNTAX(err, pl, "delete for protocol %u", d->proto);
	}
	if (ike_rd_left(&r) != (size_t)d->nspi * d->spi_size)
		return SYNTAX(err, pl, "delete of %u SPIs with %zu bytes of "
			      "SPIs", d->nspi, ike_rd_left(&r));
	d->spis = r.p + r.off;
	return 0;
}

int ike_cert_decode(const struct ike_payload *pl, struct ike_cert *c,
		    struct ike_err *err)
{
	if (pl->len < 1)
		return SYNTAX(err, pl, "empty CERT/CERTREQ payload");
	c->encoding = pl->body[0];
	c->data = pl->body + 1;
	c->len = pl->len - 1;
	if (pl->type == IKE_PL_CERT && !c->len)
		return SYNTAX(err, pl, "CERT payload of encoding %u without "
			      "data", c->encoding);
	/* An empty CERTREQ (any CA) is common enough to accept. */
	if (pl->type == IKE_PL_CERTREQ && c->encoding == IKE_CERT_X509_SIG &&
	    c->len % IKE_CERTREQ_HASH_LEN)
		return SYNTAX(err, pl, "CERTREQ with %u bytes of CA hashes, "
			      "not a multiple of %d", c->len,
			      IKE_CERTREQ_HASH_LEN);
	return 0;
}

/* --- encoders -------------------------------------------------------- */

static void put_zero(struct ike_wr *w, size_t n)
{
	uint8_t *q = ike_wr_room(w, n);

	if (q)
		memset(q, 0, n);
}

void ikb_ke(struct ike_builder *b, uint16_t group, const uint8_t *data,
	    size_t len)
{
	ikb_begin(b, IKE_PL_KE, false);
	ike_wr_u16(&b->w, group);
	put_zero(&b->w, 2);
	ike_wr_bytes(&b->w, data, len);
	ikb_end(b);
}

void ikb_nonce(struct ike_builder *b, const uint8_t *nonce, size_t len)
{
	ikb_begin(b, IKE_PL_NONCE, false);
	ike_wr_bytes(&b->w, nonce, len);
	ikb_end(b);
}

void ikb_id(struct ike_builder *b, uint8_t pl_type, uint8_t id_type,
	    const uint8_t *data, size_t len)
{
	ikb_begin(b, pl_type, false);
	ike_wr_u8(&b->w, id_type);
	put_zero(&b->w, 3);
	ike_wr_bytes(&b->w, data, len);
	ikb_end(b);
}

void ikb_auth(struct ike_builder *b, uint8_t method, const uint8_t *data,
	      size_t len)
{
	ikb_id(b, IKE_PL_AUTH, method, data, len);
}

void ikb_notify(struct ike_builder *b, uint8_t proto, const uint8_t *spi,
		uint8_t spi_size, uint16_t type, const uint8_t *data,
		size_t len)
{
	ikb_begin(b, IKE_PL_NOTIFY, false);
	ike_wr_u8(&b->w, proto);
	ike_wr_u8(&b->w, spi_size);
	ike_wr_u16(&b->w, type);
	ike_wr_bytes(&b->w, spi, spi_size);
	ike_wr_bytes(&b->w, data, len);
	ikb_end(b);
}

void ikb_delete(struct ike_builder *b, uint8_t proto, uint8_t spi_size,
		const uint8_t *spis, uint16_t nspi)
{
	ikb_begin(b, IKE_PL_DELETE, false);
	ike_wr_u8(&b->w, proto);
	ike_wr_u8(&b->w, spi_size);
	ike_wr_u16(&b->w, nspi);
	ike_wr_bytes(&b->w, spis, (size_t)spi_size * nspi);
	ikb_end(b);
}

void ikb_cert(struct ike_builder *b, uint8_t pl_type, uint8_t encoding,
	      const uint8_t *data, size_t len)
{
	ikb_begin(b, pl_type, false);
	ike_wr_u8(&b->w, encoding);
	ike_wr_bytes(&b->w, data, len);
	ikb_end(b);
}

void ikb_vendor(struct ike_builder *b, const uint8_t *data, size_t len)
{
	ikb_begin(b, IKE_PL_VENDOR, false);
	ike_wr_bytes(&b->w, data, len);
	ikb_end(b);
}
