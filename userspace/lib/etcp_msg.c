// SPDX-License-Identifier: GPL-2.0
/* Parsing the module's ESP-in-TCP messages (see etcp_msg.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "lib/etcp_msg.h"

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
