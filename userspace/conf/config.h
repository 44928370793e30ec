/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipsecmed.conf: the daemon's configuration, parsed into plain structs.
 * The format is described in ipsecmed.conf(5); in short:
 *
 *	daemon { half_open_max = 1000 }
 *	connection NAME {
 *		local_addrs = 192.0.2.1
 *		remote_addrs = 192.0.2.2
 *		proposals = aes128gcm16-prfsha256-x25519
 *		psk_file = /etc/ipsecmed/NAME.psk
 *		local { auth = psk  id = gw.example.com }	(one key a line)
 *		remote { auth = psk  id = 198.51.100.7 }
 *		child net { local_ts = 10.1.0.0/16  remote_ts = 10.2.0.0/16 }
 *	}
 *
 * Every error names the file, the line and the bad value and says what
 * was expected. Values of algorithms, ID types and auth methods are the
 * IANA numbers of RFC 7296, i.e. those of ipsecmed/ike/proto.h.
 *
 * Secrets: the PSK file is read while parsing (it must be a regular file
 * owned by root, or by the user running the parser, with no group or
 * other permission bits); the private key file gets the same checks but
 * is loaded by the crypto code. conf_free() wipes the PSKs.
 */
#ifndef IPSECMED_CONF_CONFIG_H
#define IPSECMED_CONF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/xfrm.h"		/* enum ipsec_mode */

#define CONF_DEFAULT_PATH	"/etc/ipsecmed/ipsecmed.conf"
#define CONF_LINE_MAX		1024	/* bytes in one line, without '\n' */
#define CONF_NAME_MAX		63	/* connection/child names */
#define CONF_PATH_MAX		256	/* file names, with NUL */
#define CONF_ID_MAX		256	/* identity text, with NUL */
#define CONF_PSK_MAX		256	/* bytes */
#define CONF_ADDRS_MAX		8	/* local_addrs / remote_addrs */
#define CONF_CACERTS_MAX	8
#define CONF_PROPOSALS_MAX	8	/* proposals in one list */
#define CONF_ALGS_MAX		8	/* algorithms of one type in a proposal */
#define CONF_TS_MAX		8	/* traffic selectors per side */
#define CONF_CHILDREN_MAX	16
#define CONF_CONNS_MAX		1024

/* Identity types: the IANA ID types (IKE_ID_*). */
enum conf_id_type {
	CONF_ID_NONE = 0,	/* local: the IKE SA's address; remote: any */
	CONF_ID_IPV4 = 1,
	CONF_ID_FQDN = 2,
	CONF_ID_RFC822 = 3,
	CONF_ID_IPV6 = 5,
	CONF_ID_DN = 9,		/* text form, e.g. "C=CH, O=Example, CN=gw" */
};

struct conf_id {
	enum conf_id_type type;
	char text[CONF_ID_MAX];		/* value without any "fqdn:" prefix */
	struct ipsec_addr addr;		/* IPV4 / IPV6 */
};

enum conf_auth {
	CONF_AUTH_NONE = 0,
	CONF_AUTH_PSK,		/* shared key from conn->psk */
	CONF_AUTH_PUBKEY,	/* X.509: RSA or ECDSA, RFC 7427 signatures */
};

/* One side's authentication: the local { } and remote { } blocks. */
struct conf_side {
	enum conf_auth auth;
	struct conf_id id;
	char cert[CONF_PATH_MAX];	/* local pubkey: our certificate (PEM) */
	char key[CONF_PATH_MAX];	/* local pubkey: private key (PEM) */
	/* remote pubkey: trust anchors the peer's chain must end in (PEM) */
	char cacerts[CONF_CACERTS_MAX][CONF_PATH_MAX];
	size_t n_cacerts;
};

/* One proposal: every listed algorithm of each type is acceptable, in
 * order of preference. IKE proposals have encr, prf, dh and, unless encr
 * is AEAD, integ; ESP proposals have encr, integ unless AEAD, optional dh
 * (PFS on CREATE_CHILD_SA) and esn.
 */
struct conf_proposal {
	uint16_t encr[CONF_ALGS_MAX];		/* IKE_ENCR_* */
	uint16_t encr_bits[CONF_ALGS_MAX];	/* key length attribute */
	size_t n_encr;
	uint16_t integ[CONF_ALGS_MAX];		/* IKE_INTEG_* */
	size_t n_integ;
	uint16_t prf[CONF_ALGS_MAX];		/* IKE_PRF_* */
	size_t n_prf;
	uint16_t dh[CONF_ALGS_MAX];		/* IKE_DH_* */
	size_t n_dh;
	uint16_t esn[2];			/* IKE_ESN_*; ESP only */
	size_t n_esn;
	bool aead;				/* encr are AEAD ciphers */
};

/* A traffic selector: a prefix, and optionally a protocol and port range. */
struct conf_ts {
	struct ipsec_prefix prefix;
	uint8_t proto;			/* 0 = any */
	uint16_t port_lo, port_hi;	/* 0..65535 = any */
};

struct conf;

struct conf_child {
	struct conf *owner;		/* the conf this child belongs to */
	char name[CONF_NAME_MAX + 1];
	/* Empty lists mean the IKE SA's own address on that side (a host
	 * selector), which is what transport mode wants.
	 */
	struct conf_ts local_ts[CONF_TS_MAX], remote_ts[CONF_TS_MAX];
	size_t n_local_ts, n_remote_ts;
	enum ipsec_mode mode;			/* default tunnel */
	struct conf_proposal esp[CONF_PROPOSALS_MAX];
	size_t n_esp;
	uint32_t rekey_time, life_time;		/* seconds, 0 = none */
	uint64_t rekey_bytes, life_bytes;	/* 0 = none */
	uint64_t rekey_packets, life_packets;	/* 0 = none */
	uint32_t replay_window;			/* packets, default 32 */
};

enum conf_start_action {
	CONF_START_NONE = 0,	/* wait for the peer or "ipsecme up" */
	CONF_START_START,	/* initiate when loaded */
	CONF_START_TRAP,	/* install trap policies, initiate on traffic */
};

/* What a new IKE SA does to older ones of the same connection and
 * remote identity.
 */
/* How IKE (and ESP) reach the peer: RFC 9329 TCP when UDP is blocked. */
enum conf_encap {
	CONF_ENCAP_UDP = 0,	/* default */
	CONF_ENCAP_TCP,		/* always TCP */
	CONF_ENCAP_AUTO,	/* UDP, TCP when IKE_SA_INIT gets no answer */
};

enum conf_unique {
	CONF_UNIQUE_REPLACE = 0,	/* default: the new one wins */
	CONF_UNIQUE_KEEP,		/* the old one stays, new refused */
	CONF_UNIQUE_NO,			/* both stay (a shared identity) */
};

#define CONF_MAX_IKE_SAS	16	/* per remote identity, default */
#define CONF_MAX_CHILD_SAS	32	/* per IKE SA, default */

struct conf_conn {
	struct conf *owner;		/* the conf this connection belongs to */
	char name[CONF_NAME_MAX + 1];
	/* Empty lists: any address. A remote prefix other than a host
	 * restricts who may connect; "up" needs one remote host address.
	 */
	struct ipsec_prefix local_addrs[CONF_ADDRS_MAX];
	struct ipsec_prefix remote_addrs[CONF_ADDRS_MAX];
	size_t n_local_addrs, n_remote_addrs;
	uint16_t local_port, remote_port;	/* default 500 */
	struct conf_side local, remote;
	struct conf_proposal ike[CONF_PROPOSALS_MAX];
	size_t n_ike;
	uint32_t rekey_time, life_time;		/* IKE SA, seconds, 0 = none */
	uint32_t dpd_delay;			/* seconds, 0 = no DPD */
	enum conf_start_action start_action;
	bool nat_traversal;			/* default true */
	enum conf_encap encapsulation;		/* default udp */
	uint16_t tcp_port;			/* the peer's, default 4500 */
	uint32_t tcp_fallback;			/* auto: seconds on UDP, 6 */
	enum conf_unique unique;		/* default replace */
	/* IKE SAs of this connection per remote identity (with unique =
	 * no; the others keep one), CHILD_SAs per IKE SA (rekeys do not
	 * count). 1..100000.
	 */
	uint32_t max_ike_sas, max_child_sas;
	uint8_t psk[CONF_PSK_MAX];		/* psk_file's secret */
	size_t psk_len;
	char psk_file[CONF_PATH_MAX];
	struct conf_child children[CONF_CHILDREN_MAX];
	size_t n_children;
	unsigned int line;			/* where it was defined */
};

/* The daemon { } block. */
struct conf_daemon {
	uint16_t ike_port, natt_port;		/* 500, 4500 */
	char ctl_socket[CONF_PATH_MAX];		/* CTL_DEFAULT_PATH */
	uint32_t half_open_max;			/* 1000 */
	uint32_t cookie_threshold;		/* 100 half-open SAs */
	uint32_t retransmit_tries;		/* 5 */
	uint32_t retransmit_timeout_ms;		/* 4000, doubles each time */
	uint32_t nat_keepalive;			/* seconds behind a NAT, 20 */
	/* IKE over TCP (RFC 9329) from peers: the port to listen on (0:
	 * none, the default), connections in all and per source address,
	 * and the seconds a connection may take for its prefix and first
	 * message, or stay idle with no IKE SA.
	 */
	uint16_t tcp_port;
	uint32_t tcp_max_conns;			/* 1000 */
	uint32_t tcp_max_per_source;		/* 16 */
	uint32_t tcp_timeout;			/* 10 */
	int log_level;				/* 0 error .. 3 debug; 2 info */
};

/* Reference counted: whoever keeps a pointer to a connection or child
 * of it beyond the current call (an IKE SA, a CHILD SA) holds a
 * reference on its owner, so a reload can replace the configuration
 * while SAs still point into the old one.
 */
struct conf {
	struct conf_daemon daemon;
	struct conf_conn *conns;
	size_t n_conns;
	unsigned int refs;			/* 1 from conf_parse() */
};

/* Parser flags. */
#define CONF_NO_FILES	0x1	/* do not open or stat psk/key/cert files
				 * (fuzzing, syntax checks) */

/* Parse @len bytes of @text. @filename is used in messages and as the
 * base of relative file names. On success *out is a new struct conf
 * (conf_free() it); on failure returns -EINVAL (or -ENOMEM) with @err
 * holding "FILE:LINE: what is wrong with 'VALUE'; what was expected".
 */
int conf_parse(const char *text, size_t len, const char *filename,
	       unsigned int flags, struct conf **out, char *err,
	       size_t errlen);

/* Read and parse @path. Errors as conf_parse(), plus -errno when the file
 * cannot be read (message names the file).
 */
int conf_load(const char *path, unsigned int flags, struct conf **out,
	      char *err, size_t errlen);

/* Take a reference on @c (NULL is fine); returns @c. */
struct conf *conf_get(struct conf *c);
/* Drop a reference; the last one wipes the secrets and frees. NULL is
 * fine. conf_free() is the same, for the parser's own reference.
 */
void conf_put(struct conf *c);
void conf_free(struct conf *c);

/* The connection named @name, or NULL. */
const struct conf_conn *conf_find(const struct conf *c, const char *name);

/* Parse one proposal string like "aes128gcm16-prfsha256-x25519" (IKE) or
 * "aes256-sha256-esn" (ESP). Returns 0 or -EINVAL with a message in @err
 * (no file or line) quoting the bad token.
 */
int conf_proposal_parse(const char *s, bool esp, struct conf_proposal *p,
			char *err, size_t errlen);

/* Parse an identity: "fqdn:", "email:", "ipv4:", "ipv6:", "dn:" prefixes,
 * or guessed: an IP address, text with '@' (RFC822), with '=' (DN), else
 * FQDN. "%any" gives CONF_ID_NONE. Returns 0 or -EINVAL.
 */
int conf_id_parse(const char *s, struct conf_id *id, char *err,
		  size_t errlen);

/* Parse "PREFIX[PROTO/PORT]" with PORT a number, LO-HI or absent. */
int conf_ts_parse(const char *s, struct conf_ts *ts, char *err,
		  size_t errlen);

#endif /* IPSECMED_CONF_CONFIG_H */
