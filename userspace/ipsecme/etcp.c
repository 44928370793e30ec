// SPDX-License-Identifier: GPL-2.0
/* ESP-in-TCP bindings and connections: parsing, fetching, printing. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "ipsecme/etcp.h"
#include "ipsecme/info.h"
#include "lib/genl.h"

static int addr_len(uint16_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
}

struct bind_ctx {
	struct etcp_binding *b;
	const char *why;
	unsigned char seen;
	const struct nlattr *daddr;
};

static int bind_attr_cb(const struct nlattr *attr, void *data)
{
	struct bind_ctx *p = data;
	struct etcp_binding *b = p->b;

	switch (mnl_attr_get_type(attr)) {
	case IPSECME_A_BIND_FAMILY:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			goto bad;
		b->family = mnl_attr_get_u16(attr);
		p->seen |= 1;
		break;
	case IPSECME_A_BIND_DADDR:
		p->daddr = attr;
		break;
	case IPSECME_A_BIND_SPI:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			goto bad;
		b->spi = ntohl(mnl_attr_get_u32(attr));
		p->seen |= 2;
		break;
	case IPSECME_A_BIND_STATE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			goto bad;
		b->state = mnl_attr_get_u8(attr);
		break;
	case IPSECME_A_BIND_MARK:
	case IPSECME_A_BIND_MARK_MASK:
	case IPSECME_A_BIND_IF_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			goto bad;
		if (mnl_attr_get_type(attr) == IPSECME_A_BIND_MARK)
			b->mark = mnl_attr_get_u32(attr);
		else if (mnl_attr_get_type(attr) == IPSECME_A_BIND_MARK_MASK)
			b->mark_mask = mnl_attr_get_u32(attr);
		else
			b->if_id = mnl_attr_get_u32(attr);
		break;
	case IPSECME_A_BIND_SOCK_INO:
	case IPSECME_A_BIND_TX_PACKETS:
	case IPSECME_A_BIND_TX_DROPS:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			goto bad;
		if (mnl_attr_get_type(attr) == IPSECME_A_BIND_SOCK_INO)
			b->ino = mnl_attr_get_u64(attr);
		else if (mnl_attr_get_type(attr) == IPSECME_A_BIND_TX_PACKETS)
			b->tx_packets = mnl_attr_get_u64(attr);
		else
			b->tx_drops = mnl_attr_get_u64(attr);
		break;
	}
	return MNL_CB_OK;
bad:
	p->why = "binding attribute has the wrong size";
	return MNL_CB_ERROR;
}

int etcp_binding_parse(const struct nlmsghdr *nlh, struct etcp_binding *b,
		       const char **why)
{
	struct bind_ctx p = { .b = b };

	memset(b, 0, sizeof(*b));
	*why = NULL;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct genlmsghdr)) ||
	    mnl_attr_parse(nlh, sizeof(struct genlmsghdr), bind_attr_cb,
			   &p) < 0) {
		*why = p.why ? p.why : "binding attributes are truncated";
		return -EBADMSG;
	}
	if (p.seen != 3 || !p.daddr) {
		*why = "binding lacks family, address or SPI";
		return -EBADMSG;
	}
	if (addr_len(b->family) < 0 ||
	    mnl_attr_get_payload_len(p.daddr) != (uint16_t)addr_len(b->family)) {
		*why = "binding address does not match its family";
		return -EBADMSG;
	}
	memcpy(b->daddr, mnl_attr_get_payload(p.daddr), addr_len(b->family));
	return 0;
}

struct conn_ctx {
	struct etcp_conn *cn;
	const char *why;
	const struct nlattr *saddr, *daddr;
	bool has_family, has_ino;
};

static int conn_stat_cb(const struct nlattr *attr, void *data)
{
	struct conn_ctx *p = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= IPSECME_A_STAT_PAD || type > IPSECME_A_STAT_MAX)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0) {
		p->why = "counter is not a u64";
		return MNL_CB_ERROR;
	}
	p->cn->stats[type] = mnl_attr_get_u64(attr);
	p->cn->has_stat[type] = true;
	return MNL_CB_OK;
}

static int conn_attr_cb(const struct nlattr *attr, void *data)
{
	struct conn_ctx *p = data;
	struct etcp_conn *cn = p->cn;
	enum mnl_attr_data_type t;

	switch (mnl_attr_get_type(attr)) {
	case IPSECME_A_CONN_SOCK_INO:
		t = MNL_TYPE_U64;
		break;
	case IPSECME_A_CONN_FAMILY:
	case IPSECME_A_CONN_SPORT:
	case IPSECME_A_CONN_DPORT:
		t = MNL_TYPE_U16;
		break;
	case IPSECME_A_CONN_LOST:
	case IPSECME_A_CONN_BINDINGS:
		t = MNL_TYPE_U32;
		break;
	case IPSECME_A_CONN_SADDR:
		p->saddr = attr;
		return MNL_CB_OK;
	case IPSECME_A_CONN_DADDR:
		p->daddr = attr;
		return MNL_CB_OK;
	case IPSECME_A_CONN_STATS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(attr, conn_stat_cb, p) < 0) {
			if (!p->why)
				p->why = "connection counters are malformed";
			return MNL_CB_ERROR;
		}
		return MNL_CB_OK;
	default:
		return MNL_CB_OK;
	}
	if (mnl_attr_validate(attr, t) < 0) {
		p->why = "connection attribute has the wrong size";
		return MNL_CB_ERROR;
	}
	switch (mnl_attr_get_type(attr)) {
	case IPSECME_A_CONN_SOCK_INO:
		cn->ino = mnl_attr_get_u64(attr);
		p->has_ino = true;
		break;
	case IPSECME_A_CONN_FAMILY:
		cn->family = mnl_attr_get_u16(attr);
		p->has_family = true;
		break;
	case IPSECME_A_CONN_SPORT:
		cn->sport = mnl_attr_get_u16(attr);
		break;
	case IPSECME_A_CONN_DPORT:
		cn->dport = mnl_attr_get_u16(attr);
		break;
	case IPSECME_A_CONN_LOST:
		cn->lost = mnl_attr_get_u32(attr);
		break;
	case IPSECME_A_CONN_BINDINGS:
		cn->bindings = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static bool copy_addr(unsigned char *dst, const struct nlattr *a,
		      uint16_t family)
{
	int len = addr_len(family);

	if (!a || len < 0 || mnl_attr_get_payload_len(a) != (uint16_t)len)
		return false;
	memcpy(dst, mnl_attr_get_payload(a), len);
	return true;
}

int etcp_conn_parse(const struct nlmsghdr *nlh, struct etcp_conn *cn,
		    const char **why)
{
	struct conn_ctx p = { .cn = cn };

	memset(cn, 0, sizeof(*cn));
	*why = NULL;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct genlmsghdr)) ||
	    mnl_attr_parse(nlh, sizeof(struct genlmsghdr), conn_attr_cb,
			   &p) < 0) {
		*why = p.why ? p.why : "connection attributes are truncated";
		return -EBADMSG;
	}
	if (!p.has_ino || !p.has_family) {
		*why = "connection lacks inode or family";
		return -EBADMSG;
	}
	if (!copy_addr(cn->saddr, p.saddr, cn->family) ||
	    !copy_addr(cn->daddr, p.daddr, cn->family)) {
		*why = "connection addresses do not match the family";
		return -EBADMSG;
	}
	return 0;
}

static const char *ntop(uint16_t family, const unsigned char *a, char *buf)
{
	return inet_ntop(family, a, buf, INET6_ADDRSTRLEN) ? buf : "?";
}

static const char *state_name(uint8_t state)
{
	return state == IPSECME_BIND_ACTIVE ? "active" :
	       state == IPSECME_BIND_DORMANT ? "dormant" : "unknown";
}

void etcp_binding_print(FILE *out, const struct etcp_binding *b)
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
}

void etcp_binding_json(struct json *j, const struct etcp_binding *b)
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
	json_object_end(j);
}

void etcp_conn_print(FILE *out, const struct etcp_conn *cn)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int stat;

	fprintf(out, "    socket %" PRIu64 " %s port %u -> %s port %u %s%s%s"
		" bindings %" PRIu32 "\n", cn->ino,
		ntop(cn->family, cn->saddr, s), cn->sport,
		ntop(cn->family, cn->daddr, d), cn->dport,
		cn->lost ? "lost (" : "up", cn->lost ? strerror(cn->lost) : "",
		cn->lost ? ")" : "", cn->bindings);
	for (stat = 0; stat <= IPSECME_A_STAT_MAX; stat++)
		if (cn->has_stat[stat] && cn->stats[stat] &&
		    module_stat_name(stat))
			fprintf(out, "      %-22s %" PRIu64 "\n",
				module_stat_name(stat), cn->stats[stat]);
}

void etcp_conn_json(struct json *j, const struct etcp_conn *cn)
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
