// SPDX-License-Identifier: GPL-2.0
/* ESP-in-TCP bindings and connections: fetching, printing. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "ipsecme/etcp.h"
#include "lib/module_info.h"
#include "lib/genl.h"

static const char *ntop(uint16_t family, const unsigned char *a, char *buf)
{
	return inet_ntop(family, a, buf, INET6_ADDRSTRLEN) ? buf : "?";
}

static const char *state_name(uint8_t state)
{
	return state == IPSECME_BIND_ACTIVE ? "active" :
	       state == IPSECME_BIND_DORMANT ? "dormant" :
	       state == IPSECME_BIND_WAITING ? "waiting" : "unknown";
}

void etcp_binding_print(FILE *out, const struct etcp_binding *b,
			const struct etcp_owner *o)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(out, "    dst %s spi 0x%08" PRIx32, ntop(b->family, b->daddr, a),
		b->spi);
	if (b->mark_mask)
		fprintf(out, " mark 0x%" PRIx32 "/0x%" PRIx32, b->mark,
			b->mark_mask);
	if (b->if_id)
		fprintf(out, " if_id %" PRIu32, b->if_id);
	fprintf(out, " %s socket %" PRIu64 " tx_packets %" PRIu64
		" tx_drops %" PRIu64 "\n", state_name(b->state), b->ino,
		b->tx_packets, b->tx_drops);
	if (o && o->ike_sa[0])
		fprintf(out, "      IKE SA %s, CHILD_SA %s\n", o->ike_sa,
			o->child_sa);
}

void etcp_binding_json(struct json *j, const struct etcp_binding *b,
		       const struct etcp_owner *o)
{
	char a[INET6_ADDRSTRLEN], spi[11];

	snprintf(spi, sizeof(spi), "0x%08" PRIx32, b->spi);
	json_object_begin(j, NULL);
	json_string(j, "dst", ntop(b->family, b->daddr, a));
	json_string(j, "spi", spi);
	json_u64(j, "mark", b->mark);
	json_u64(j, "mark_mask", b->mark_mask);
	json_u64(j, "if_id", b->if_id);
	json_string(j, "state", state_name(b->state));
	json_u64(j, "socket", b->ino);
	json_u64(j, "tx_packets", b->tx_packets);
	json_u64(j, "tx_drops", b->tx_drops);
	if (o && o->ike_sa[0]) {
		json_string(j, "ike_sa", o->ike_sa);
		json_string(j, "child_sa", o->child_sa);
	}
	json_object_end(j);
}

void etcp_conn_print(FILE *out, const struct etcp_conn *cn,
		     const struct etcp_owner *o)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int stat;

	fprintf(out, "    socket %" PRIu64 " %s port %u -> %s port %u %s%s%s"
		" bindings %" PRIu32 "\n", cn->ino,
		ntop(cn->family, cn->saddr, s), cn->sport,
		ntop(cn->family, cn->daddr, d), cn->dport,
		cn->lost ? "lost (" : "up", cn->lost ? strerror(cn->lost) : "",
		cn->lost ? ")" : "", cn->bindings);
	if (o && o->ike_sa[0])
		fprintf(out, "      IKE SA %s\n", o->ike_sa);
	for (stat = 0; stat <= IPSECME_A_STAT_MAX; stat++)
		if (cn->has_stat[stat] && cn->stats[stat] &&
		    module_stat_name(stat))
			fprintf(out, "      %-22s %" PRIu64 "\n",
				module_stat_name(stat), cn->stats[stat]);
}

void etcp_conn_json(struct json *j, const struct etcp_conn *cn,
		    const struct etcp_owner *o)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int stat;

	json_object_begin(j, NULL);
	json_u64(j, "socket", cn->ino);
	json_string(j, "src", ntop(cn->family, cn->saddr, s));
	json_u64(j, "sport", cn->sport);
	json_string(j, "dst", ntop(cn->family, cn->daddr, d));
	json_u64(j, "dport", cn->dport);
	json_string(j, "state", cn->lost ? "lost" : "up");
	json_u64(j, "lost_errno", cn->lost);
	json_u64(j, "bindings", cn->bindings);
	if (o && o->ike_sa[0])
		json_string(j, "ike_sa", o->ike_sa);
	json_object_begin(j, "counters");
	for (stat = 0; stat <= IPSECME_A_STAT_MAX; stat++)
		if (cn->has_stat[stat] && module_stat_name(stat))
			json_u64(j, module_stat_name(stat), cn->stats[stat]);
	json_object_end(j);
	json_object_end(j);
}

static int fetch_binding_cb(const struct nlmsghdr *nlh, void *data)
{
	struct etcp_list *l = data;
	struct etcp_binding *nb;

	nb = realloc(l->bindings, (l->n_bindings + 1) * sizeof(*nb));
	if (!nb)
		return MNL_CB_ERROR;
	l->bindings = nb;
	if (etcp_binding_parse(nlh, &nb[l->n_bindings], &l->why))
		return MNL_CB_ERROR;
	l->n_bindings++;
	return MNL_CB_OK;
}

static int fetch_conn_cb(const struct nlmsghdr *nlh, void *data)
{
	struct etcp_list *l = data;
	struct etcp_conn *nc;

	nc = realloc(l->conns, (l->n_conns + 1) * sizeof(*nc));
	if (!nc)
		return MNL_CB_ERROR;
	l->conns = nc;
	if (etcp_conn_parse(nlh, &nc[l->n_conns], &l->why))
		return MNL_CB_ERROR;
	l->n_conns++;
	return MNL_CB_OK;
}

static int etcp_dump(struct nl_conn *c, int family, uint8_t cmd, mnl_cb_t cb,
		     void *data)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;

	nlh = genl_msg_start(c, buf, family, cmd, IPSECME_GENL_VERSION,
			     NLM_F_DUMP);
	return nl_talk(c, nlh, cb, data);
}

int etcp_fetch(struct nl_conn *c, int family, struct etcp_list *l)
{
	int err;

	memset(l, 0, sizeof(*l));
	err = etcp_dump(c, family, IPSECME_CMD_GET_CONN, fetch_conn_cb, l);
	if (!err)
		err = etcp_dump(c, family, IPSECME_CMD_GET_BINDING,
				fetch_binding_cb, l);
	return err;
}

void etcp_list_free(struct etcp_list *l)
{
	free(l->bindings);
	free(l->conns);
	memset(l, 0, sizeof(*l));
}
