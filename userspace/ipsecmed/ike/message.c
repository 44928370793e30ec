// SPDX-License-Identifier: GPL-2.0
/*
 * The IKE header and the generic payload chain (RFC 7296 sections 3.1
 * and 3.2), and the builder that writes them.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ipsecmed/ike/codec.h"

const char *ike_status_str(int code)
{
	switch (code) {
	case IKE_OK: return "ok";
	case IKE_E_TRUNCATED: return "truncated";
	case IKE_E_LENGTH: return "length mismatch";
	case IKE_E_VERSION: return "unsupported major version";
	case IKE_E_SYNTAX: return "invalid syntax";
	case IKE_E_CRITICAL: return "unsupported critical payload";
	case IKE_E_NOSPACE: return "message too large";
	case IKE_E_INTEGRITY: return "integrity check failed";
	case IKE_E_UNSUPPORTED: return "unsupported";
	}
	return "unknown error";
}

int ike_fail(struct ike_err *err, int code, uint16_t notify,
		uint8_t payload, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		err->notify = notify;
		err->payload = payload;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

int ike_hdr_decode(struct ike_hdr *h, const uint8_t *buf, size_t len,
		   struct ike_err *err)
{
	struct ike_rd r;

	ike_rd_init(&r, buf, len);
	if (!ike_rd_copy(&r, h->spi_i, IKE_SPI_LEN) ||
	    !ike_rd_copy(&r, h->spi_r, IKE_SPI_LEN) ||
	    !ike_rd_u8(&r, &h->np) || !ike_rd_u8(&r, &h->version) ||
	    !ike_rd_u8(&r, &h->exchange) || !ike_rd_u8(&r, &h->flags) ||
	    !ike_rd_u32(&r, &h->msgid) || !ike_rd_u32(&r, &h->length))
		return ike_fail(err, IKE_E_TRUNCATED, 0, 0,
			    "%zu bytes, shorter than the %d-byte IKE header",
			    len, IKE_HDR_LEN);
	if (h->version >> 4 != 2)
		return ike_fail(err, IKE_E_VERSION, IKE_N_INVALID_MAJOR_VERSION, 0,
			    "major version %u, only 2 is supported",
			    h->version >> 4);
	if (h->length != len)
		return ike_fail(err, IKE_E_LENGTH, 0, 0,
			    "header says %u bytes, datagram has %zu",
			    h->length, len);
	return 0;
}

static bool known_payload(uint8_t type)
{
	return (type >= IKE_PL_SA && type <= IKE_PL_EAP);
}

/* Walk one chain. Lengths are checked before use; the walk is bounded
 * by the data (every payload consumes >= 4 bytes) and by
 * IKE_MAX_PAYLOADS, so a malicious chain cannot loop.
 */
static int walk_chain(struct ike_msg *m, uint8_t np, const uint8_t *p,
		      size_t len, bool inner, struct ike_err *err)
{
	struct ike_rd r;

	ike_rd_init(&r, p, len);
	while (np != IKE_PL_NONE) {
		size_t at = r.off;
		uint8_t next, flags;
		uint16_t plen;
		const uint8_t *body;

		if (!ike_rd_u8(&r, &next) || !ike_rd_u8(&r, &flags) ||
		    !ike_rd_u16(&r, &plen))
			return ike_fail(err, IKE_E_TRUNCATED, IKE_N_INVALID_SYNTAX,
				    np, "payload %u at offset %zu: generic "
				    "header truncated", np, at);
		if (plen < IKE_GENERIC_HDR_LEN)
			return ike_fail(err, IKE_E_SYNTAX, IKE_N_INVALID_SYNTAX, np,
				    "payload %u at offset %zu: length %u is "
				    "below the generic header", np, at, plen);
		body = ike_rd_take(&r, plen - IKE_GENERIC_HDR_LEN);
		if (!body)
			return ike_fail(err, IKE_E_TRUNCATED, IKE_N_INVALID_SYNTAX,
				    np, "payload %u at offset %zu: length %u "
				    "but %zu bytes left", np, at, plen,
				    len - at);
		if (np == IKE_PL_SK) {
			if (inner)
				return ike_fail(err, IKE_E_SYNTAX,
					    IKE_N_INVALID_SYNTAX, np,
					    "SK payload inside SK payload");
			if (ike_rd_left(&r))
				return ike_fail(err, IKE_E_SYNTAX,
					    IKE_N_INVALID_SYNTAX, np,
					    "SK payload is not the last one");
			m->has_sk = true;
			m->sk_np = next;
			m->sk = body;
			m->sk_len = plen - IKE_GENERIC_HDR_LEN;
			return 0;
		}
		if (known_payload(np)) {
			struct ike_payload *pl;

			if (m->n == IKE_MAX_PAYLOADS)
				return ike_fail(err, IKE_E_SYNTAX,
					    IKE_N_INVALID_SYNTAX, np,
					    "more than %d payloads",
					    IKE_MAX_PAYLOADS);
			pl = &m->pl[m->n++];
			pl->type = np;
			pl->critical = flags & IKE_PL_CRITICAL;
			pl->body = body;
			pl->len = plen - IKE_GENERIC_HDR_LEN;
		} else if (flags & IKE_PL_CRITICAL) {
			return ike_fail(err, IKE_E_CRITICAL,
				    IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, np,
				    "unknown payload %u marked critical", np);
		}
		np = next;
	}
	if (ike_rd_left(&r))
		return ike_fail(err, IKE_E_SYNTAX, IKE_N_INVALID_SYNTAX, 0,
			    "%zu bytes after the last payload",
			    ike_rd_left(&r));
	return 0;
}

int ike_msg_decode(struct ike_msg *m, const uint8_t *buf, size_t len,
		   struct ike_err *err)
{
	int ret;

	memset(m, 0, sizeof(*m));
	ret = ike_hdr_decode(&m->hdr, buf, len, err);
	if (ret)
		return ret;
	m->raw = buf;
	m->raw_len = len;
	return walk_chain(m, m->hdr.np, buf + IKE_HDR_LEN, len - IKE_HDR_LEN,
			  false, err);
}

int ike_chain_decode(struct ike_msg *m, uint8_t np, const uint8_t *p,
		     size_t len, struct ike_err *err)
{
	return walk_chain(m, np, p, len, true, err);
}

const struct ike_payload *ike_msg_find(const struct ike_msg *m, uint8_t type,
				       unsigned int *idx)
{
	unsigned int i;

	for (i = *idx; i < m->n; i++) {
		if (m->pl[i].type == type) {
			*idx = i + 1;
			return &m->pl[i];
		}
	}
	*idx = m->n;
	return NULL;
}

/* --- builder --------------------------------------------------------- */

void ikb_init_msg(struct ike_builder *b, void *buf, size_t cap,
		  const struct ike_hdr *h)
{
	memset(b, 0, sizeof(*b));
	ike_wr_init(&b->w, buf, cap);
	b->msg = true;
	ike_wr_bytes(&b->w, h->spi_i, IKE_SPI_LEN);
	ike_wr_bytes(&b->w, h->spi_r, IKE_SPI_LEN);
	ike_wr_u8(&b->w, 0);
	ike_wr_u8(&b->w, IKE_VERSION);
	ike_wr_u8(&b->w, h->exchange);
	ike_wr_u8(&b->w, h->flags);
	ike_wr_u32(&b->w, h->msgid);
	ike_wr_u32(&b->w, 0);
	b->np_off = SIZE_MAX;
}

void ikb_init_chain(struct ike_builder *b, void *buf, size_t cap)
{
	memset(b, 0, sizeof(*b));
	ike_wr_init(&b->w, buf, cap);
	b->np_off = SIZE_MAX;
}

void ikb_begin(struct ike_builder *b, uint8_t type, bool critical)
{
	if (b->open)
		ikb_end(b);
	if (b->w.overflow)
		return;
	if (b->np_off == SIZE_MAX)
		b->first_np = type;
	else
		b->w.p[b->np_off] = type;
	b->pl_off = b->w.len;
	b->np_off = b->w.len;
	ike_wr_u8(&b->w, IKE_PL_NONE);
	ike_wr_u8(&b->w, critical ? IKE_PL_CRITICAL : 0);
	ike_wr_u16(&b->w, 0);
	b->open = !b->w.overflow;
}

void ikb_end(struct ike_builder *b)
{
	size_t plen;

	if (!b->open)
		return;
	b->open = false;
	if (b->w.overflow)
		return;
	plen = b->w.len - b->pl_off;
	if (plen > 0xffff) {
		b->w.overflow = true;
		return;
	}
	ike_put_be16(b->w.p + b->pl_off + 2, (uint16_t)plen);
}

int ikb_finish(struct ike_builder *b)
{
	ikb_end(b);
	if (b->w.overflow || b->w.len > IKE_MAX_MSG)
		return IKE_E_NOSPACE;
	if (b->msg) {
		b->w.p[16] = b->first_np;
		ike_put_be32(b->w.p + 24, (uint32_t)b->w.len);
	}
	return (int)b->w.len;
}
