/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local control socket between ipsecmed and the ipsecme CLI.
 *
 * Transport: an AF_UNIX SOCK_SEQPACKET socket, CTL_DEFAULT_PATH, mode 0600
 * in a 0700 directory; the server also checks SO_PEERCRED (uid 0 or the
 * daemon's own uid). One connection carries one request and its reply.
 *
 * Wire format (host byte order: both ends are on one machine). Every
 * message, request or reply part, is one SEQPACKET record:
 *
 *	struct ctl_hdr              16 bytes, below
 *	attributes                  netlink-style TLVs (struct nlattr: u16
 *	                            length incl. the 4-byte header, u16 type,
 *	                            value, padded to 4 bytes), parsed with
 *	                            libmnl's length checks
 *
 * A request is at most CTL_REQ_MAX bytes, with cmd one of enum ctl_cmd
 * and, for up/down (and optionally status), a CTL_A_NAME attribute.
 * A reply is one or more parts of at most CTL_MSG_MAX bytes each; every
 * part echoes cmd, all but the last carry CTL_F_MORE, and the last one's
 * status is the result (enum ctl_status). Reply attributes:
 *	CTL_A_MESSAGE	NUL-terminated text for the user (any part, any
 *			number: progress lines of "up", error explanations)
 *	CTL_A_IKE	nested: one IKE SA (enum ctl_ike_attr), with
 *			CTL_IKE_CHILD nested attributes (enum ctl_child_attr)
 *	CTL_A_TCP	nested: the TCP transport (enum ctl_tcp_attr), once,
 *			in the reply to a status request without a name
 * Unknown attributes are skipped, so either side may add some later;
 * a changed meaning of an existing one bumps CTL_VERSION.
 */
#ifndef IPSECME_CTL_H
#define IPSECME_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define CTL_DEFAULT_PATH	"/run/ipsecmed/ctl"
#define CTL_MAGIC		0x444d5049u	/* "IPMD" in memory on LE */
#define CTL_VERSION		1
#define CTL_REQ_MAX		1024
#define CTL_MSG_MAX		65536
#define CTL_NAME_MAX		63	/* connection names, without NUL */
#define CTL_CHILDREN_MAX	64	/* CHILD_SAs per IKE SA in a reply */

struct ctl_hdr {
	uint32_t magic;		/* CTL_MAGIC */
	uint16_t version;	/* CTL_VERSION */
	uint16_t cmd;		/* enum ctl_cmd; replies echo it */
	int32_t status;		/* replies: enum ctl_status; requests: 0 */
	uint32_t flags;		/* CTL_F_*; requests: 0 */
};

#define CTL_F_MORE	0x1	/* another reply part follows */

enum ctl_cmd {
	CTL_CMD_UP = 1,		/* NAME: initiate connection NAME */
	CTL_CMD_DOWN,		/* NAME: delete NAME's IKE SA(s) */
	CTL_CMD_STATUS,		/* [NAME]: IKE and CHILD SAs, or NAME's */
	CTL_CMD_RELOAD,		/* re-read the configuration */
	__CTL_CMD_MAX
};
#define CTL_CMD_MAX (__CTL_CMD_MAX - 1)

/* Result of a request; ipsecme maps them to its exit codes. */
enum ctl_status {
	CTL_OK = 0,
	CTL_E_NOENT = 1,	/* no such connection               -> 1 */
	CTL_E_STATE = 2,	/* not possible now (already up...) -> 1 */
	CTL_E_FAILED = 3,	/* tried and failed (negotiation, kernel,
				 * configuration errors on reload)    -> 3 */
	CTL_E_BADREQ = 4,	/* malformed, unknown command/version -> 3 */
	CTL_DEFER = -1,		/* handler return only: answer later */
};

/* Top-level attributes. */
enum ctl_attr {
	CTL_A_UNSPEC,
	CTL_A_NAME,		/* string: connection name (request) */
	CTL_A_MESSAGE,		/* string: text for the user (reply) */
	CTL_A_IKE,		/* nested enum ctl_ike_attr (reply) */
	CTL_A_TCP,		/* nested enum ctl_tcp_attr (reply) */
	__CTL_A_MAX
};

/* Inside CTL_A_IKE. Strings are NUL-terminated; addresses are 4 or 16
 * bytes (the length gives the family); ports u16; SPIs u64/u32, all in
 * host order; times are u64 seconds relative to the reply.
 */
enum ctl_ike_attr {
	CTL_IKE_UNSPEC,
	CTL_IKE_CONN,		/* string: connection name */
	CTL_IKE_ID,		/* u32: unique IKE SA number */
	CTL_IKE_STATE,		/* string: CONNECTING, ESTABLISHED, ... */
	CTL_IKE_INITIATOR,	/* u8: 1 if this side initiated */
	CTL_IKE_LOCAL_ADDR,	/* address */
	CTL_IKE_LOCAL_PORT,	/* u16 */
	CTL_IKE_REMOTE_ADDR,	/* address */
	CTL_IKE_REMOTE_PORT,	/* u16 */
	CTL_IKE_LOCAL_ID,	/* string: e.g. "fqdn:gw.example.com" */
	CTL_IKE_REMOTE_ID,	/* string */
	CTL_IKE_SPI_I,		/* u64 */
	CTL_IKE_SPI_R,		/* u64 */
	CTL_IKE_ALGS,		/* string: e.g. "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519" */
	CTL_IKE_NAT,		/* u8: CTL_NAT_LOCAL | CTL_NAT_REMOTE */
	CTL_IKE_ESTABLISHED,	/* u64: seconds since established */
	CTL_IKE_REKEY,		/* u64: seconds until rekey, 0 = none */
	CTL_IKE_CHILD,		/* nested enum ctl_child_attr, repeated */
	CTL_IKE_TRANSPORT,	/* string: "udp", "tcp", "tcp (UDP unanswered)" */
	CTL_IKE_ESP_PATH,	/* string: who carries the CHILD_SAs' ESP:
				 * "kernel" (its own ESP and NAT-T),
				 * "ipsecme.ko" (over the IKE SA's TCP
				 * connection), "none" (TCP without the
				 * module, or ipsecmed -n)
				 */
	__CTL_IKE_MAX
};

#define CTL_NAT_LOCAL	0x1	/* this side is behind a NAT */
#define CTL_NAT_REMOTE	0x2	/* the peer is behind a NAT */

/* Inside CTL_IKE_CHILD. */
enum ctl_child_attr {
	CTL_CHILD_UNSPEC,
	CTL_CHILD_NAME,		/* string */
	CTL_CHILD_STATE,	/* string: INSTALLED, REKEYING, ... */
	CTL_CHILD_MODE,		/* string: "tunnel" or "transport" */
	CTL_CHILD_REQID,	/* u32 */
	CTL_CHILD_SPI_IN,	/* u32 */
	CTL_CHILD_SPI_OUT,	/* u32 */
	CTL_CHILD_ALGS,		/* string: e.g. "AES_CBC_256/HMAC_SHA2_256_128/ESN" */
	CTL_CHILD_ENCAP,	/* u8: 1 if UDP-encapsulated */
	CTL_CHILD_BYTES_IN,	/* u64 */
	CTL_CHILD_BYTES_OUT,	/* u64 */
	CTL_CHILD_PACKETS_IN,	/* u64 */
	CTL_CHILD_PACKETS_OUT,	/* u64 */
	CTL_CHILD_INSTALLED,	/* u64: seconds since installed */
	CTL_CHILD_REKEY,	/* u64: seconds until rekey, 0 = none */
	CTL_CHILD_EXPIRE,	/* u64: seconds until hard expiry, 0 = none */
	CTL_CHILD_LOCAL_TS,	/* string: "10.1.0.0/16,192.0.2.1/32[udp/53]" */
	CTL_CHILD_REMOTE_TS,	/* string */
	__CTL_CHILD_MAX
};

/* Inside CTL_A_TCP: the listener and why connections ended (u64
 * counters since the daemon started, see ipsecmed/transport_tcp.h).
 */
enum ctl_tcp_attr {
	CTL_TCP_UNSPEC,
	CTL_TCP_PORT,		/* u16: listening port, 0 = not listening */
	CTL_TCP_OPEN,		/* u32: connections open now, both ways */
	CTL_TCP_MAX_CONNS,	/* u32: tcp_max_connections */
	CTL_TCP_MAX_PER_SOURCE,	/* u32: tcp_max_per_source, 0 = no limit */
	CTL_TCP_ACCEPTED,	/* u64: connections accepted */
	CTL_TCP_CONNECTED,	/* u64: connections we opened */
	CTL_TCP_REFUSED_LIMIT,	/* u64: refused, tcp_max_connections */
	CTL_TCP_REFUSED_SOURCE,	/* u64: refused, tcp_max_per_source */
	CTL_TCP_BAD_PREFIX,	/* u64: closed, no IKETCP prefix */
	CTL_TCP_TIMED_OUT,	/* u64: closed, silent or idle too long */
	CTL_TCP_BAD_RECORD,	/* u64: closed, malformed record */
	CTL_TCP_OVERSIZED_FIRST, /* u64: closed, first record too long */
	CTL_TCP_ESP_DROPPED,	/* u64: ESP records without the kernel */
	CTL_TCP_CLOSED,		/* u64: closed by the peer */
	__CTL_TCP_MAX
};

struct ctl_tcp_status {
	uint16_t port;
	uint32_t open, max_conns, max_per_source;
	uint64_t accepted, connected, refused_limit, refused_source;
	uint64_t bad_prefix, timed_out, bad_record, oversized_first;
	uint64_t esp_dropped, closed;
};

/* The status of one CHILD_SA, as the daemon fills it and the CLI gets it. */
struct ctl_child_status {
	char name[CTL_NAME_MAX + 1];
	char state[16];
	char mode[12];
	uint32_t reqid;
	uint32_t spi_in, spi_out;
	char algs[96];
	bool encap;
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
	uint64_t installed_secs, rekey_secs, expire_secs;
	char local_ts[256], remote_ts[256];
};

/* The status of one IKE SA with its CHILD_SAs. */
struct ctl_ike_status {
	char conn[CTL_NAME_MAX + 1];
	uint32_t id;
	char state[16];
	bool initiator;
	struct ipsec_addr local_addr, remote_addr;
	uint16_t local_port, remote_port;
	char local_id[256], remote_id[256];
	uint64_t spi_i, spi_r;
	char algs[128];
	char transport[32];	/* "" from a daemon that does not say */
	char esp_path[16];	/* CTL_IKE_ESP_PATH, "" likewise */
	uint8_t nat;		/* CTL_NAT_* */
	uint64_t established_secs, rekey_secs;
	size_t n_children;	/* at most CTL_CHILDREN_MAX */
	const struct ctl_child_status *children;
};

/* A decoded request. */
struct ctl_request {
	uint16_t cmd;			/* enum ctl_cmd */
	char name[CTL_NAME_MAX + 1];	/* "" when absent */
};

/* ---- server side (ipsecmed) ------------------------------------------ */

struct ctl_server;
struct ctl_client;

/* A handler fills the reply with ctl_reply_*() and returns its result
 * (enum ctl_status), or CTL_DEFER to answer later: the daemon then keeps
 * @cl and calls ctl_client_finish() exactly once (ctl_client_flush()
 * before that sends progress). @req is valid during the call only.
 */
typedef int (*ctl_handler_fn)(void *data, struct ctl_client *cl,
			      const struct ctl_request *req);

struct ctl_handlers {
	ctl_handler_fn fn[__CTL_CMD_MAX];	/* by enum ctl_cmd; NULL =
						 * answered CTL_E_BADREQ */
	void *data;
};

/* Create the socket at @path (creating its directory 0700 if missing),
 * mode 0600, and listen. A stale socket file is replaced, but if a
 * daemon answers on it the call fails with -EADDRINUSE. @h must stay
 * valid while the server is open. Returns 0 or -errno.
 */
int ctl_server_open(struct ctl_server **srv, const char *path,
		    const struct ctl_handlers *h);

/* The listening socket, to poll for POLLIN. */
int ctl_server_fd(const struct ctl_server *srv);

/* Call when ctl_server_fd() is readable: accept one connection, read its
 * request (waiting at most 1 s for it), run the handler and answer.
 * Returns 0 (also when there was nothing to accept), or a negative errno
 * describing a refused client (-EPERM wrong uid, -EPROTO malformed
 * request, which was answered CTL_E_BADREQ); the server stays usable
 * either way, so the daemon only logs these.
 */
int ctl_server_handle(struct ctl_server *srv);

/* Finish every deferred client with CTL_E_FAILED ("ipsecmed is
 * stopping"), close the socket and unlink its path. Pointers to deferred
 * clients the daemon still holds are invalid afterwards.
 */
void ctl_server_close(struct ctl_server *srv);

/* Append a text line (no trailing newline needed) to the reply. When the
 * current part is full it is sent with CTL_F_MORE first. Returns 0 or
 * -errno (the client went away: keep going, finish() cleans up).
 */
int ctl_reply_message(struct ctl_client *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append one IKE SA with its children (at most CTL_CHILDREN_MAX). */
int ctl_reply_ike(struct ctl_client *cl, const struct ctl_ike_status *ike);

/* Append the TCP transport's status. */
int ctl_reply_tcp(struct ctl_client *cl, const struct ctl_tcp_status *tcp);

/* Send what is buffered now as a CTL_F_MORE part (progress). */
int ctl_client_flush(struct ctl_client *cl);

/* For deferred clients: send the last part with @status, close, free. */
void ctl_client_finish(struct ctl_client *cl, int status);

/* ---- client side (ipsecme) ------------------------------------------- */

/* Callbacks for what a reply carries, in order; either may be NULL.
 * Pointers are valid during the callback only.
 */
struct ctl_reply_ops {
	void (*message)(void *data, const char *text);
	void (*ike)(void *data, const struct ctl_ike_status *ike);
	void *data;
	void (*tcp)(void *data, const struct ctl_tcp_status *tcp);
};

/* Send @req to the daemon at @path and read the whole reply, waiting at
 * most @timeout_ms between parts (-1 = no limit). On 0, *status is the
 * daemon's enum ctl_status. Errors: -ENOENT or -ECONNREFUSED (no daemon
 * listening), -EACCES (not allowed: not root), -ETIMEDOUT, -EPROTO
 * (malformed reply), -EINVAL (bad @req), other -errno from the socket.
 */
int ctl_call(const char *path, const struct ctl_request *req,
	     const struct ctl_reply_ops *ops, int timeout_ms, int *status);

/* ---- codec, exposed for the unit tests and fuzzing -------------------- */

/* Encode @req into @buf; returns its length or -EINVAL. */
int ctl_request_encode(const struct ctl_request *req, void *buf, size_t len);

/* Decode one request record of @len bytes. Returns 0 or -EPROTO with
 * @why set to a static explanation.
 */
int ctl_request_decode(const void *buf, size_t len, struct ctl_request *req,
		       const char **why);

/* Decode one reply part for command @cmd, calling @ops. Sets *status and
 * *more. Returns 0 or -EPROTO with @why set.
 */
int ctl_reply_decode(const void *buf, size_t len, uint16_t cmd,
		     const struct ctl_reply_ops *ops, int *status, bool *more,
		     const char **why);

/* Name of a command ("up", ...) or NULL. */
const char *ctl_cmd_name(int cmd);

#endif /* IPSECME_CTL_H */
