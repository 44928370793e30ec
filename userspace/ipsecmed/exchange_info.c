// SPDX-License-Identifier: GPL-2.0
/*
 * INFORMATIONAL (RFC 7296 section 1.4): deleting IKE and CHILD SAs, and
 * empty requests for liveness (dead peer detection).
 */
#include <stdlib.h>

#include "ipsecmed/exchange.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"

static void info_handle_response(struct daemon *d, struct ike_sa *sa,
				 void *priv, struct ike_msg *m);

static const struct task_ops ike_delete_task = {
	.name = "IKE SA delete", .exchange = IKE_INFORMATIONAL,
	.answered = info_handle_response,
};
static const struct task_ops dpd_task = {
	.name = "liveness check", .exchange = IKE_INFORMATIONAL,
	.answered = info_handle_response,
};
static const struct task_ops child_delete_task = {
	.name = "CHILD_SA delete", .exchange = IKE_INFORMATIONAL,
	.answered = info_handle_response,
};

int info_send_child_delete(struct daemon *d, struct ike_sa *sa,
			   struct ike_builder *b)
{
	return sa_send_request(d, sa, &child_delete_task, NULL, b);
}

int info_send_delete(struct daemon *d, struct ike_sa *sa)
{
	static uint8_t plain[64];
	struct ike_builder b;

	ikb_init_chain(&b, plain, sizeof(plain));
	ikb_delete(&b, IKE_PROTO_IKE, 0, NULL, 0);
	sa->state = IKE_S_DELETING;
	return sa_send_request(d, sa, &ike_delete_task, NULL, &b);
}

/* Delete an IKE SA: tell the peer, and take its CHILD_SAs out now. */
void sa_delete(struct daemon *d, struct ike_sa *sa)
{
	struct child_sa *c;

	for (c = sa->children; c; c = c->next)
		if (c->installed)
			kernel_remove(d, sa, c, true);
	/* With a request of ours in flight (a DPD check, a rekey), the
	 * Delete waits for its answer (window size 1): dropping the IKE
	 * SA silently would leave it to the peer's DPD.
	 */
	if (sa->state == IKE_S_ESTABLISHED && task_window_full(&sa->tasks))
		sa->delete_queued = true;
	else if (sa->state == IKE_S_ESTABLISHED)
		info_send_delete(d, sa);
	else
		sa_terminate(d, sa, "deleted locally");
}

int info_send_dpd(struct daemon *d, struct ike_sa *sa)
{
	static uint8_t plain[8];
	struct ike_builder b;

	ikb_init_chain(&b, plain, sizeof(plain));
	return sa_send_request(d, sa, &dpd_task, NULL, &b);
}

/* Remove the CHILD_SAs whose outbound SPI the peer deletes; collect our
 * inbound SPIs for the answer.
 */
static uint16_t delete_children(struct daemon *d, struct ike_sa *sa,
				const struct ike_delete *del, uint8_t *spis,
				uint16_t max)
{
	uint16_t i, n = 0;

	for (i = 0; i < del->nspi; i++) {
		uint32_t spi = ike_get_be32(del->spis + 4 * i);
		struct child_sa **pc = &sa->children, *c;

		while ((c = *pc) && c->spi_out != spi)
			pc = &c->next;
		if (!c)
			continue;
		*pc = c->next;
		log_info("%s: peer deleted CHILD_SA %s (%08x/%08x)",
			 sa->conn->name, c->cfg->name, c->spi_in, c->spi_out);
		/* A successor's outbound SA goes in before the replaced
		 * one leaves, so no packet finds no SA. (Not for a
		 * redundant new CHILD_SA of a collision: still INSTALLED.)
		 */
		if (c->state != CHILD_S_INSTALLED)
			child_rekey_switch_out(d, sa, c->reqid);
		kernel_remove(d, sa, c, !child_reqid_in_use(sa, c->reqid));
		/* Closing it ourselves already: no Delete in the answer
		 * (RFC 7296 2.25.1).
		 */
		if (n < max && c->state != CHILD_S_DELETING)
			ike_put_be32(spis + 4 * n++, c->spi_in);
		child_sa_free(c);
	}
	return n;
}

void info_handle_request(struct daemon *d, struct ike_sa *sa,
			 struct ike_msg *m)
{
	static uint8_t plain[IKE_MAX_MSG];
	uint8_t spis[4 * 64];
	uint16_t nspi = 0;
	const struct ike_payload *pl;
	unsigned int idx = 0;
	struct ike_builder b;
	struct ike_delete del;
	bool delete_ike = false;

	while ((pl = ike_msg_find(m, IKE_PL_DELETE, &idx))) {
		if (ike_delete_decode(pl, &del, NULL))
			continue;
		if (del.proto == IKE_PROTO_IKE)
			delete_ike = true;
		else if (del.proto == IKE_PROTO_ESP)
			nspi += delete_children(d, sa, &del, spis + 4 * nspi,
						(uint16_t)(64 - nspi));
	}
	ikb_init_chain(&b, plain, sizeof(plain));
	if (!delete_ike && nspi)
		ikb_delete(&b, IKE_PROTO_ESP, 4, spis, nspi);
	sa_send_response(d, sa, IKE_INFORMATIONAL, m->hdr.msgid, &b);
	if (delete_ike) {
		log_info("%s: peer deleted IKE SA #%u", sa->conn->name, sa->id);
		/* A rekey we answered while ours was in flight made the
		 * successor (RFC 7296 2.8.2).
		 */
		ike_rekey_hand_over(d, sa);
		sa_terminate(d, sa, sa->successor_id ? NULL :
			     "deleted by the peer");
	}
}

/* The answer to our delete of replaced CHILD_SAs: remove them (their
 * successors keep the policies).
 */
static void reap_deleted_children(struct daemon *d, struct ike_sa *sa)
{
	struct child_sa **pc = &sa->children, *c;

	while ((c = *pc)) {
		if (c->state != CHILD_S_DELETING) {
			pc = &c->next;
			continue;
		}
		*pc = c->next;
		log_info("%s: CHILD_SA %s (%08x/%08x) deleted", sa->conn->name,
			 c->cfg->name, c->spi_in, c->spi_out);
		kernel_remove(d, sa, c, !child_reqid_in_use(sa, c->reqid));
		child_sa_free(c);
	}
}

static void info_handle_response(struct daemon *d, struct ike_sa *sa,
				 void *priv, struct ike_msg *m)
{
	reap_deleted_children(d, sa);
	if (sa->state == IKE_S_DELETING) {
		log_info("%s: IKE SA #%u deleted", sa->conn->name, sa->id);
		sa_terminate(d, sa, "deleted");
	}
}
