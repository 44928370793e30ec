/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exchanges (exchange_*.c) and the services they share
 * (exchange.c): sending requests (tasks, with retransmission) and
 * responses (cached for retransmitted requests), ending an SA; and the
 * entry points the main loop calls them by.
 */
#ifndef IPSECMED_EXCHANGE_H
#define IPSECMED_EXCHANGE_H

#include "ipsecmed/core.h"

/* Our ID for @conn on an SA from @host: type in *type, the data (at
 * most ID_MAX bytes) in @buf. Returns its length or -1.
 */
int local_id(const struct daemon *d, const struct conf_conn *conn,
	     const struct ipsec_addr *host, uint8_t *type, uint8_t *buf);

/* The retransmission limits of the configuration, for the tasks; at
 * start and after every reload.
 */
void daemon_tasks_configure(struct daemon *d);

/* Send a request, the task @ops (its exchange and what its answer
 * means), whose SK plaintext is the chain in @b (or, for IKE_SA_INIT,
 * the whole message @b): a task of @sa in flight (task.h), which owns
 * @priv from now on. Returns 0 or a negative errno/ike_status (-EBUSY:
 * the window is full); @priv stays the caller's then.
 */
int sa_send_request(struct daemon *d, struct ike_sa *sa,
		    const struct task_ops *ops, void *priv,
		    struct ike_builder *b);
/* Send and cache the response to request @msgid. */
int sa_send_response(struct daemon *d, struct ike_sa *sa, uint8_t exchange,
		     uint32_t msgid, struct ike_builder *b);

/* An unprotected answer outside any SA (IKE_SA_INIT errors, cookies). */
int send_plain_notify(struct daemon *d, const struct path *to,
		      const struct ike_hdr *req, uint16_t type,
		      const uint8_t *data, size_t len);

/* End an IKE SA: remove its CHILD_SAs from the kernel, answer a waiting
 * "up" with @why (NULL: success was already reported), mark it dead.
 */
void sa_terminate(struct daemon *d, struct ike_sa *sa, const char *why);

/* Negotiation finished (or failed, @why != NULL): tell the waiter. */
void sa_report(struct daemon *d, struct ike_sa *sa, const char *why);

/* encapsulation = auto: IKE_SA_INIT got no answer over UDP in time;
 * start it again over TCP. Returns 0 or -errno.
 */
int init_fallback_tcp(struct daemon *d, struct ike_sa *sa);

/* Start an IKE SA for @conn as initiator. Returns 0 or -errno. */
int initiate(struct daemon *d, const struct conf_conn *conn,
	     struct ctl_client *waiter);

/* Exchange handlers, after the header was decoded and routed. */
void init_handle_request(struct daemon *d, const struct path *from,
			 const uint8_t *buf, size_t len);
int auth_send_request(struct daemon *d, struct ike_sa *sa);
void auth_handle_request(struct daemon *d, struct ike_sa *sa,
			 struct ike_msg *m);
void info_handle_request(struct daemon *d, struct ike_sa *sa,
			 struct ike_msg *m);
int info_send_delete(struct daemon *d, struct ike_sa *sa);
/* Delete @sa ("down", a reload, its life_time): remove its CHILD_SAs
 * from the kernel now, send a Delete if it is established (once the
 * window frees), else end it.
 */
void sa_delete(struct daemon *d, struct ike_sa *sa);
int info_send_dpd(struct daemon *d, struct ike_sa *sa);
/* An INFORMATIONAL request deleting CHILD_SAs (the chain in @b). */
int info_send_child_delete(struct daemon *d, struct ike_sa *sa,
			   struct ike_builder *b);
void child_handle_request(struct daemon *d, struct ike_sa *sa,
			  struct ike_msg *m);
/* Whether a CREATE_CHILD_SA request of ours is in flight on @sa. */
bool ccsa_inflight(const struct ike_sa *sa);
/* The old CHILD_SA of @reqid is gone: install the outbound SAs of its
 * successors that waited for that (rekey responder).
 */
void child_rekey_switch_out(struct daemon *d, struct ike_sa *sa,
			    uint32_t reqid);
/* The peer created @c (not linked in, not installed) but we cannot
 * take it, e.g. its narrowed selectors do not go into the kernel
 * exactly: delete it with an INFORMATIONAL request, so that the peer
 * removes it too; it leaves our kernel (the reserved SPI) on the
 * answer.
 */
void child_discard(struct daemon *d, struct ike_sa *sa, struct child_sa *c);
/* Whether a CHILD_SA other than a deleted one still uses @reqid's
 * policies.
 */
bool child_reqid_in_use(const struct ike_sa *sa, uint32_t reqid);
/* A new CHILD_SA of @cfg for @sa: a reqid, our selectors, an inbound
 * SPI reserved in the kernel. NULL on failure.
 */
struct child_sa *child_new(struct daemon *d, struct ike_sa *sa,
			   const struct conf_child *cfg, bool initiator);
/* Initiator: create the next configured child of the connection with
 * CREATE_CHILD_SA, if the request window is free. Returns 1 if a
 * request went out, else 0.
 */
int child_create_due(struct daemon *d, struct ike_sa *sa);
/* Rekey the first installed CHILD_SA whose jittered rekey_time has
 * passed, if the request window is free. Returns 1 if a request went
 * out, else 0.
 */
int child_rekey_due(struct daemon *d, struct ike_sa *sa, uint64_t now);
/* Rekey the IKE SA once its jittered rekey_time has passed, delete it
 * at its life_time; also give up a replaced IKE SA whose Delete never
 * came. Returns 1 if a request went out, else 0.
 */
int ike_rekey_due(struct daemon *d, struct ike_sa *sa, uint64_t now);
/* Start the jittered rekey and the life deadlines of a new SA. */
void ike_lifetimes_start(struct ike_sa *sa);
void child_lifetimes_start(struct child_sa *c);
void child_attach(struct ike_sa *sa, struct child_sa *c);
/* The IKE SA @old ends while a rekey it answered made a successor that
 * has not taken its CHILD_SAs yet (RFC 7296 2.8.2): hand them over.
 */
void ike_rekey_hand_over(struct daemon *d, struct ike_sa *old);

#endif /* IPSECMED_EXCHANGE_H */
