/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKE SA and CHILD SA state (RFC 7296 sections 2.1 to 2.3, 2.14, 2.17):
 * identities of the SA, the negotiated suite, keys, and the two
 * message-ID windows (size 1) with the request we retransmit and the
 * response we replay for a retransmitted request.
 */
#ifndef IPSECMED_SA_H
#define IPSECMED_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/config.h"
#include "ipsecmed/ike/sk.h"
#include "ipsecmed/proposal.h"
#include "ipsecmed/task.h"
#include "ipsecmed/transport.h"

struct ctl_client;

#define SA_PEER_ID_MAX 512	/* ID data kept whole, as ID_MAX */

#define WINDOW_REQ_HASH_LEN 32	/* SHA-256 */

struct sa_keys {
	uint8_t d[IKE_PRF_MAX_LEN];
	uint8_t ai[IKE_PRF_MAX_LEN], ar[IKE_PRF_MAX_LEN];
	uint8_t ei[IKE_ENCR_MAX_KEY], er[IKE_ENCR_MAX_KEY];
	uint8_t pi[IKE_PRF_MAX_LEN], pr[IKE_PRF_MAX_LEN];
	size_t d_len, a_len, e_len, p_len;
};

enum child_state {
	CHILD_S_NEW,
	CHILD_S_INSTALLED,
	CHILD_S_REKEYED,	/* replaced; deleted once the peer agrees */
	CHILD_S_DELETING,
};

#define CHILD_KEYMAT_MAX (2 * (IKE_ENCR_MAX_KEY + IKE_PRF_MAX_LEN))

struct child_sa {
	struct child_sa *next;
	const struct conf_child *cfg;
	enum child_state state;
	bool initiator;		/* we initiated the exchange that made it */
	uint32_t reqid;
	uint32_t spi_in, spi_out;	/* host order */
	struct ike_suite suite;
	enum ipsec_mode mode;
	struct ike_ts_payload ts_local, ts_remote;
	uint8_t keymat[CHILD_KEYMAT_MAX];	/* i->r encr|integ, r->i ... */
	size_t enc_len, integ_len;
	bool installed;
	/* We added its outbound SA: only then may we delete it (a peer
	 * may give an SPI that another peer's outbound SA already has).
	 */
	bool out_added;
	bool out_pending;	/* rekey responder: outbound SA not yet in */
	uint64_t installed_ms;
	uint64_t rekey_at_ms;		/* jittered rekey_time, 0: none */
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
};

enum ike_state {
	IKE_S_INIT_SENT = 1,	/* initiator: IKE_SA_INIT request out */
	IKE_S_HALF_OPEN,	/* responder: IKE_SA_INIT answered */
	IKE_S_AUTH_SENT,	/* initiator: IKE_AUTH request out */
	IKE_S_ESTABLISHED,
	IKE_S_DELETING,		/* our Delete is out */
	IKE_S_DEAD,		/* to be freed by the main loop */
};

const char *ike_state_str(enum ike_state s);

struct ike_sa {
	struct ike_sa *next;
	uint32_t id;
	const struct conf_conn *conn;
	bool initiator;
	enum ike_state state;
	struct path path;		/* how its messages travel */
	uint8_t nat;			/* CTL_NAT_* */
	uint8_t spi_i[IKE_SPI_LEN], spi_r[IKE_SPI_LEN];
	struct ike_suite suite;
	struct ike_dh *dh;
	uint16_t ke_group;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	uint16_t ni_len, nr_len;
	uint8_t cookie[64];
	uint16_t cookie_len;
	/* Initiator, IKE_SA_INIT retries on a responder's word (which is
	 * unauthenticated): cookies taken, and the DH groups already sent
	 * (and so refused) before ke_group.
	 */
	uint8_t cookie_tries;
	uint16_t ke_tried[4];
	uint8_t n_ke_tried;
	/* IKE_HASH_* bits of the peer's SIGNATURE_HASH_ALGORITHMS. */
	unsigned int peer_sig_hashes;
	/* The IKE_SA_INIT request and response, signed in IKE_AUTH. */
	uint8_t *msg1, *msg2;
	size_t msg1_len, msg2_len;
	struct sa_keys k;
	/* Our requests in flight, one task each. */
	struct task_queue tasks;
	/* The peer's requests: the next ID, our last response and the
	 * SHA-256 of the request it answered (resp_req_len 0: none), which
	 * a retransmission must match.
	 */
	uint32_t msgid_in;
	uint8_t *resp;
	size_t resp_len;
	uint8_t resp_req_hash[WINDOW_REQ_HASH_LEN];
	size_t resp_req_len;
	/* CHILD_SAs; the first one is negotiated in IKE_AUTH, the other
	 * configured ones with a CREATE_CHILD_SA each.
	 */
	struct child_sa *children;
	/* Initiator: the index in conn->children of the next child to
	 * create with CREATE_CHILD_SA; 0 when none is left.
	 */
	size_t next_child;
	/* What our requests in flight negotiate (the CHILD_SA being made,
	 * our nonce and DH key, the new IKE SA of a rekey) is the private
	 * state of their tasks (task.h), one each. What follows is the
	 * SA's: it outlives any one request of ours.
	 *
	 * The peer's rekey of the same SA, answered while ours was in
	 * flight (RFC 7296 2.8.1, 2.8.2): its nonces, the inbound SPI of
	 * the CHILD_SA both rekey (0: the IKE SA) and, for the IKE SA, the
	 * id of the IKE SA we made for it. It is the peer's request, which
	 * is done, and is settled by whichever of ours rekeys the same SA;
	 * for the IKE SA it is also what the SA's Delete hands over (see
	 * ike_rekey_hand_over()), when no request of ours is left.
	 */
	bool coll;
	uint8_t coll_ni[IKE_NONCE_MAX], coll_nr[32];
	uint16_t coll_ni_len;
	uint32_t coll_spi;
	uint32_t coll_ike_id;
	/* Replaced by a rekey: the CHILD_SAs live on @successor_id now;
	 * this SA only waits for its Delete.
	 */
	uint32_t successor_id;
	uint64_t replaced_ms;
	/* Jittered deadlines of the IKE SA (0: none). */
	uint64_t rekey_at_ms, expire_at_ms;
	uint64_t created_ms, established_ms, last_rx_ms;
	uint64_t dpd_next_ms;
	uint64_t keepalive_next_ms;	/* behind a NAT: next keepalive */
	bool udp_fell_back;		/* auto: went to TCP, UDP unanswered */
	/* TCP Originator of a lost stream: a new one is due (reconnect.h);
	 * a liveness check goes on it once the window frees.
	 */
	bool tcp_reconnect, tcp_probe;
	uint64_t tcp_retry_ms;		/* no attempt before */
	/* "down" came while a request was out: the SA's fate, whichever
	 * request frees the window, so not any one task's.
	 */
	bool delete_queued;
	struct ctl_client *waiter;	/* a deferred "ipsecme up" */
	char remote_id[CONF_ID_MAX];	/* for people: may be truncated */
	/* The peer's ID payload (type byte, then its data) as "unique"
	 * compares it; length 0 if it was too long to keep whole.
	 */
	uint8_t peer_id[1 + SA_PEER_ID_MAX];
	uint16_t peer_id_len;
	char failure[128];		/* why it failed, for the waiter */
};

/* Whether two peer IDs as struct ike_sa keeps them (@a/@alen, @b/@blen:
 * type byte, then the data) are one identity: the same type and bytes,
 * names without regard to case (DNS and mail domains ignore it). An
 * empty one (an identity too long to keep whole) is never the same as
 * another.
 */
bool peer_id_eq(const uint8_t *a, uint16_t alen, const uint8_t *b,
		uint16_t blen);

/* A new SA with fresh nonce space; the caller links it in. */
struct ike_sa *ike_sa_new(const struct conf_conn *conn, bool initiator);
/* The live (not dead) IKE SA with local number @id in @list, or NULL
 * (also for id 0, which no SA has).
 */
struct ike_sa *ike_sa_by_id(struct ike_sa *list, uint32_t id);
/* Wipe every key and free, children included. */
void ike_sa_free(struct ike_sa *sa);

/* Point @sa at @conn, or a CHILD_SA at @cfg (NULL: none), holding a
 * reference on the configuration they belong to (a reload frees the
 * old one only when no SA points into it any more). Every assignment
 * of sa->conn and c->cfg goes through these.
 */
void ike_sa_set_conn(struct ike_sa *sa, const struct conf_conn *conn);
void child_sa_set_cfg(struct child_sa *c, const struct conf_child *cfg);
/* Re-point @c (NULL: nothing) at the child of the same name in @conn,
 * a connection a reload made; false if @conn has none.
 */
bool child_sa_remap(struct child_sa *c, const struct conf_conn *conn);

/* SKEYSEED and the seven keys from g^ir and the nonces and SPIs. */
int ike_sa_derive(struct ike_sa *sa, const uint8_t *gir, size_t gir_len);

/* Keys of @new, made by rekeying @old: SKEYSEED = prf(SK_d (old),
 * g^ir (new) | Ni | Nr) with the old SA's PRF, the rest as for a new SA
 * with the new one's (RFC 7296 2.18). Nonces and SPIs are @new's.
 */
int ike_sa_derive_rekey(struct ike_sa *new, const struct ike_sa *old,
			const uint8_t *gir, size_t gir_len);

/* Keys for messages we send and messages we receive. */
void ike_sa_dir_out(const struct ike_sa *sa, struct ike_sk_dir *d);
void ike_sa_dir_in(const struct ike_sa *sa, struct ike_sk_dir *d);

/* KEYMAT for @c from SK_d and the nonces (@gir NULL without PFS). */
int child_sa_derive(const struct ike_sa *sa, struct child_sa *c,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		    size_t nr_len, const uint8_t *gir, size_t gir_len);

/* Our inbound/outbound keys of @c: encryption (with salt), integrity. */
void child_sa_keys(const struct child_sa *c, bool inbound,
		   const uint8_t **ekey, const uint8_t **akey);

void child_sa_free(struct child_sa *c);

#endif /* IPSECMED_SA_H */
