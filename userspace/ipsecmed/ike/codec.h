/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 message codec: the fixed header, the payload chain and each
 * payload's body (RFC 7296 section 3). Decoding is strict and never
 * trusts a length before checking it against what is left; decoded
 * structures point into the caller's buffer, which must outlive them.
 * Encoding goes through a builder that chains next-payload fields and
 * patches lengths, and reports running out of room once, at the end.
 */
#ifndef IPSECMED_IKE_CODEC_H
#define IPSECMED_IKE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecmed/ike/buf.h"
#include "ipsecmed/ike/proto.h"

/* Decoder results: 0 or one of these (negative). */
enum ike_status {
	IKE_OK = 0,
	IKE_E_TRUNCATED = -1,	/* a length points past the data */
	IKE_E_LENGTH = -2,	/* header length != datagram length */
	IKE_E_VERSION = -3,	/* major version is not 2 */
	IKE_E_SYNTAX = -4,	/* malformed: answer INVALID_SYNTAX */
	IKE_E_CRITICAL = -5,	/* unknown payload with the critical bit */
	IKE_E_NOSPACE = -6,	/* encoder ran out of room */
	IKE_E_INTEGRITY = -7,	/* SK payload failed authentication */
	IKE_E_UNSUPPORTED = -8,	/* valid but not implemented here */
};

/* What went wrong, for the log and for the notify to answer with. */
struct ike_err {
	int code;		/* enum ike_status */
	uint16_t notify;	/* IKE_N_* to send back, 0 if none */
	uint8_t payload;	/* offending payload type, if any */
	char msg[128];
};

const char *ike_status_str(int code);

/* Fill @err (may be NULL) and return @code. @notify is the notify type
 * to answer with, 0 for none.
 */
int ike_fail(struct ike_err *err, int code, uint16_t notify, uint8_t payload,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

struct ike_hdr {
	uint8_t spi_i[IKE_SPI_LEN];
	uint8_t spi_r[IKE_SPI_LEN];
	uint8_t np;
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;
};

struct ike_payload {
	uint8_t type;
	bool critical;
	const uint8_t *body;	/* after the generic header */
	uint16_t len;		/* of the body */
};

#define IKE_MAX_PAYLOADS 48

struct ike_msg {
	struct ike_hdr hdr;
	const uint8_t *raw;	/* the whole datagram */
	size_t raw_len;
	unsigned int n;
	struct ike_payload pl[IKE_MAX_PAYLOADS];
	/* Set when the chain ended in an SK payload (always the last one). */
	bool has_sk;
	uint8_t sk_np;		/* first payload inside SK */
	const uint8_t *sk;	/* SK body: IV | ciphertext | ICV */
	uint16_t sk_len;
};

/* Decode the header and the plaintext payload chain of the datagram
 * @buf/@len into @m. Unknown non-critical payloads are skipped.
 */
int ike_msg_decode(struct ike_msg *m, const uint8_t *buf, size_t len,
		   struct ike_err *err);

/* Decode a payload chain starting with type @np (the decrypted inside
 * of an SK payload) and append its payloads to @m. An SK payload inside
 * is a syntax error.
 */
int ike_chain_decode(struct ike_msg *m, uint8_t np, const uint8_t *p,
		     size_t len, struct ike_err *err);

/* First payload of @type at or after index *@idx (start at 0), or NULL;
 * *@idx is advanced past it so the call can iterate.
 */
const struct ike_payload *ike_msg_find(const struct ike_msg *m, uint8_t type,
				       unsigned int *idx);

/* Header alone, for callers that route before parsing (SPI lookup). */
int ike_hdr_decode(struct ike_hdr *h, const uint8_t *buf, size_t len,
		   struct ike_err *err);

/* --- typed payload bodies -------------------------------------------- */

#define IKE_MAX_PROPOSALS 16
#define IKE_MAX_TRANSFORMS 48

struct ike_transform {
	uint8_t type;
	uint16_t id;
	uint16_t keylen;	/* bits, from the Key Length attribute; 0 if absent */
	bool unknown_attr;	/* carries an attribute we do not know */
};

struct ike_proposal {
	uint8_t num;
	uint8_t proto;
	uint8_t spi_size;
	uint8_t spi[IKE_SPI_LEN];
	uint8_t ntrans;
	struct ike_transform tr[IKE_MAX_TRANSFORMS];
};

struct ike_sa_payload {
	uint8_t nprop;
	struct ike_proposal prop[IKE_MAX_PROPOSALS];
};

int ike_sa_decode(const struct ike_payload *pl, struct ike_sa_payload *sa,
		  struct ike_err *err);

struct ike_ke {
	uint16_t group;
	const uint8_t *data;
	uint16_t len;
};
int ike_ke_decode(const struct ike_payload *pl, struct ike_ke *ke,
		  struct ike_err *err);

/* IDi/IDr; also the AUTH payload's method/data share this shape. */
struct ike_id {
	uint8_t type;
	const uint8_t *data;
	uint16_t len;
};
int ike_id_decode(const struct ike_payload *pl, struct ike_id *id,
		  struct ike_err *err);

struct ike_auth {
	uint8_t method;
	const uint8_t *data;
	uint16_t len;
};
int ike_auth_decode(const struct ike_payload *pl, struct ike_auth *a,
		    struct ike_err *err);

#define IKE_NONCE_MIN 16
#define IKE_NONCE_MAX 256
int ike_nonce_decode(const struct ike_payload *pl, const uint8_t **nonce,
		     uint16_t *len, struct ike_err *err);

struct ike_notify {
	uint8_t proto;
	uint8_t spi_size;
	uint8_t spi[IKE_SPI_LEN];
	uint16_t type;
	const uint8_t *data;
	uint16_t len;
};
int ike_notify_decode(const struct ike_payload *pl, struct ike_notify *n,
		      struct ike_err *err);

/* The first payload of @type in @m, or NULL. */
const struct ike_payload *ike_msg_first(const struct ike_msg *m, uint8_t type);
/* Whether @m carries a well-formed notify of @type. */
bool ike_msg_has_notify(const struct ike_msg *m, uint16_t type);
/* The first error notify type (<= IKE_N_ERROR_MAX) in @m, or 0. */
uint16_t ike_msg_error(const struct ike_msg *m);

struct ike_delete {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t nspi;
	const uint8_t *spis;	/* nspi * spi_size bytes */
};
int ike_delete_decode(const struct ike_payload *pl, struct ike_delete *d,
		      struct ike_err *err);

#define IKE_MAX_TS 16

struct ike_ts {
	uint8_t type;		/* IKE_TS_IPV4/6_ADDR_RANGE */
	uint8_t proto;		/* IP protocol, 0 = any */
	uint16_t start_port;
	uint16_t end_port;
	uint8_t start[16];	/* 4 or 16 bytes used */
	uint8_t end[16];
};

struct ike_ts_payload {
	uint8_t n;
	struct ike_ts ts[IKE_MAX_TS];
};
/* Selectors of unknown types are skipped (not counted in n). */
int ike_ts_decode(const struct ike_payload *pl, struct ike_ts_payload *tsp,
		  struct ike_err *err);

/* CERT and CERTREQ: an encoding byte, then data. A CERT must carry
 * data; an X.509 CERTREQ holds 20-byte SHA-1 hashes (possibly none).
 */
struct ike_cert {
	uint8_t encoding;
	const uint8_t *data;
	uint16_t len;
};
int ike_cert_decode(const struct ike_payload *pl, struct ike_cert *c,
		    struct ike_err *err);

/* --- encoding -------------------------------------------------------- */

struct ike_builder {
	struct ike_wr w;
	bool msg;		/* starts with an IKE header */
	uint8_t first_np;	/* type of the first payload in the chain */
	size_t np_off;		/* next-payload byte of the last payload */
	bool open;		/* a payload was begun and not ended */
	size_t pl_off;		/* generic header of the open payload */
};

/* Start a message: writes @h (np and length are filled in at finish). */
void ikb_init_msg(struct ike_builder *b, void *buf, size_t cap,
		  const struct ike_hdr *h);
/* Start a bare payload chain (the plaintext of an SK payload). */
void ikb_init_chain(struct ike_builder *b, void *buf, size_t cap);

/* Open a payload of @type; the body follows through b->w. */
void ikb_begin(struct ike_builder *b, uint8_t type, bool critical);
/* Close it: patch its length (fails the build if > 65535). */
void ikb_end(struct ike_builder *b);

/* Terminate: patch the header's first payload and length. Returns the
 * length, or IKE_E_NOSPACE (negative) if anything overflowed.
 */
int ikb_finish(struct ike_builder *b);

/* Convenience encoders, each one whole payload. */
void ikb_sa(struct ike_builder *b, const struct ike_sa_payload *sa);
void ikb_ke(struct ike_builder *b, uint16_t group, const uint8_t *data,
	    size_t len);
void ikb_nonce(struct ike_builder *b, const uint8_t *nonce, size_t len);
void ikb_id(struct ike_builder *b, uint8_t pl_type, uint8_t id_type,
	    const uint8_t *data, size_t len);
void ikb_auth(struct ike_builder *b, uint8_t method, const uint8_t *data,
	      size_t len);
void ikb_notify(struct ike_builder *b, uint8_t proto, const uint8_t *spi,
		uint8_t spi_size, uint16_t type, const uint8_t *data,
		size_t len);
void ikb_delete(struct ike_builder *b, uint8_t proto, uint8_t spi_size,
		const uint8_t *spis, uint16_t nspi);
void ikb_ts(struct ike_builder *b, uint8_t pl_type,
	    const struct ike_ts_payload *tsp);
void ikb_cert(struct ike_builder *b, uint8_t pl_type, uint8_t encoding,
	      const uint8_t *data, size_t len);
void ikb_vendor(struct ike_builder *b, const uint8_t *data, size_t len);

#endif /* IPSECMED_IKE_CODEC_H */
