/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounded big-endian readers and writers. A reader never reads past its
 * end: every get returns false instead, and callers turn that into a
 * decode error. A writer that runs out of room sets 'overflow' and keeps
 * its length, so a builder can check once at the end.
 */
#ifndef IPSECMED_IKE_BUF_H
#define IPSECMED_IKE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ike_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline void ike_rd_init(struct ike_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

static inline size_t ike_rd_left(const struct ike_rd *r)
{
	return r->len - r->off;
}

static inline const uint8_t *ike_rd_take(struct ike_rd *r, size_t n)
{
	const uint8_t *q;

	if (ike_rd_left(r) < n)
		return NULL;
	q = r->p + r->off;
	r->off += n;
	return q;
}

static inline bool ike_rd_u8(struct ike_rd *r, uint8_t *v)
{
	const uint8_t *q = ike_rd_take(r, 1);

	if (q)
		*v = q[0];
	return q;
}

static inline bool ike_rd_u16(struct ike_rd *r, uint16_t *v)
{
	const uint8_t *q = ike_rd_take(r, 2);

	if (q)
		*v = (uint16_t)(q[0] << 8 | q[1]);
	return q;
}

static inline bool ike_rd_u32(struct ike_rd *r, uint32_t *v)
{
	const uint8_t *q = ike_rd_take(r, 4);

	if (q)
		*v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
		     (uint32_t)q[2] << 8 | q[3];
	return q;
}

static inline bool ike_rd_copy(struct ike_rd *r, void *dst, size_t n)
{
	const uint8_t *q = ike_rd_take(r, n);

	if (q)
		memcpy(dst, q, n);
	return q;
}

struct ike_wr {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool overflow;
};

static inline void ike_wr_init(struct ike_wr *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
}

/* Reserve @n bytes and return them, or NULL (and overflow) if full. */
static inline uint8_t *ike_wr_room(struct ike_wr *w, size_t n)
{
	uint8_t *q;

	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return NULL;
	}
	q = w->p + w->len;
	w->len += n;
	return q;
}

static inline void ike_wr_u8(struct ike_wr *w, uint8_t v)
{
	uint8_t *q = ike_wr_room(w, 1);

	if (q)
		q[0] = v;
}

static inline void ike_put_be16(uint8_t *q, uint16_t v)
{
	q[0] = v >> 8;
	q[1] = v & 0xff;
}

static inline void ike_put_be32(uint8_t *q, uint32_t v)
{
	q[0] = v >> 24;
	q[1] = (v >> 16) & 0xff;
	q[2] = (v >> 8) & 0xff;
	q[3] = v & 0xff;
}

static inline uint16_t ike_get_be16(const uint8_t *q)
{
	return (uint16_t)(q[0] << 8 | q[1]);
}

static inline uint32_t ike_get_be32(const uint8_t *q)
{
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
	       (uint32_t)q[2] << 8 | q[3];
}

static inline void ike_wr_u16(struct ike_wr *w, uint16_t v)
{
	uint8_t *q = ike_wr_room(w, 2);

	if (q)
		ike_put_be16(q, v);
}

static inline void ike_wr_u32(struct ike_wr *w, uint32_t v)
{
	uint8_t *q = ike_wr_room(w, 4);

	if (q)
		ike_put_be32(q, v);
}

static inline void ike_wr_bytes(struct ike_wr *w, const void *src, size_t n)
{
	uint8_t *q = ike_wr_room(w, n);

	if (q && n)
		memcpy(q, src, n);
}

#endif /* IPSECMED_IKE_BUF_H */
