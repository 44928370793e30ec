// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>

#include "lib/module_info.h"

const struct feature_name module_feature_names[] = {
	{ IPSECME_FEATURE_KERNEL_ESPINTCP, "kernel-espintcp" },
	{ IPSECME_FEATURE_ESPINTCP, "espintcp" },
	{ IPSECME_FEATURE_BIND_BEFORE_SA, "bind-before-sa" },
	{ 0, NULL },
};

static const char *const stat_names[IPSECME_A_STAT_MAX + 1] = {
	[IPSECME_A_STAT_GENL_REQUESTS] = "genl_requests",
	[IPSECME_A_STAT_CONN_ATTACHED] = "conn_attached",
	[IPSECME_A_STAT_CONN_LOST] = "conn_lost",
	[IPSECME_A_STAT_RX_ESP] = "rx_esp",
	[IPSECME_A_STAT_RX_IKE] = "rx_ike",
	[IPSECME_A_STAT_RX_KEEPALIVE] = "rx_keepalive",
	[IPSECME_A_STAT_RX_EMPTY] = "rx_empty",
	[IPSECME_A_STAT_RX_BAD_LEN] = "rx_bad_len",
	[IPSECME_A_STAT_RX_MALFORMED] = "rx_malformed",
	[IPSECME_A_STAT_RX_NO_ROUTE] = "rx_no_route",
	[IPSECME_A_STAT_RX_NOMEM] = "rx_nomem",
	[IPSECME_A_STAT_RX_IKE_OVERFLOW] = "rx_ike_overflow",
	[IPSECME_A_STAT_TX_ESP] = "tx_esp",
	[IPSECME_A_STAT_TX_IKE] = "tx_ike",
	[IPSECME_A_STAT_TX_QUEUE_FULL] = "tx_queue_full",
	[IPSECME_A_STAT_TX_DORMANT] = "tx_dormant",
	[IPSECME_A_STAT_TX_ERROR] = "tx_error",
	[IPSECME_A_STAT_TX_MALFORMED] = "tx_malformed",
	[IPSECME_A_STAT_TX_STALE] = "tx_stale",
	[IPSECME_A_STAT_TX_LOOP] = "tx_loop",
};

const char *module_stat_name(int stat)
{
	if (stat <= 0 || stat > IPSECME_A_STAT_MAX)
		return NULL;
	return stat_names[stat];
}

struct parse_ctx {
	struct module_info *mi;
	const char *why;
	bool seen[IPSECME_A_INFO_MAX + 1];
};

/* Counters the kernel has and this CLI does not know are skipped. */
static int stat_attr_cb(const struct nlattr *attr, void *data)
{
	struct parse_ctx *p = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == IPSECME_A_STAT_PAD || type > IPSECME_A_STAT_MAX ||
	    type == IPSECME_A_STAT_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0) {
		p->why = "counter is not a u64";
		return MNL_CB_ERROR;
	}
	p->mi->stats[type] = mnl_attr_get_u64(attr);
	p->mi->has_stat[type] = true;
	return MNL_CB_OK;
}

static int info_attr_cb(const struct nlattr *attr, void *data)
{
	struct parse_ctx *p = data;
	struct module_info *mi = p->mi;
	uint16_t type = mnl_attr_get_type(attr);

	switch (type) {
	case IPSECME_A_INFO_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(attr) > sizeof(mi->version)) {
			p->why = "version is not a short NUL-terminated string";
			return MNL_CB_ERROR;
		}
		strcpy(mi->version, mnl_attr_get_str(attr));
		break;
	case IPSECME_A_INFO_FEATURES:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0) {
			p->why = "features is not a u64";
			return MNL_CB_ERROR;
		}
		mi->features = mnl_attr_get_u64(attr);
		break;
	case IPSECME_A_INFO_NETNS_COUNT:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0) {
			p->why = "netns count is not a u32";
			return MNL_CB_ERROR;
		}
		mi->netns_count = mnl_attr_get_u32(attr);
		mi->has_netns_count = true;
		break;
	case IPSECME_A_INFO_STATS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0) {
			p->why = "stats is not a nest";
			return MNL_CB_ERROR;
		}
		if (mnl_attr_parse_nested(attr, stat_attr_cb, p) < 0) {
			if (!p->why)
				p->why = "stats nest is truncated";
			return MNL_CB_ERROR;
		}
		break;
	default:
		return MNL_CB_OK;	/* newer module, newer attribute */
	}
	p->seen[type] = true;
	return MNL_CB_OK;
}

int module_info_parse(const struct nlmsghdr *nlh, struct module_info *mi,
		      const char **why)
{
	struct parse_ctx p = { .mi = mi };

	memset(mi, 0, sizeof(*mi));
	*why = NULL;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct genlmsghdr))) {
		*why = "reply shorter than its genl header";
		return -EBADMSG;
	}
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), info_attr_cb,
			   &p) < 0) {
		*why = p.why ? p.why : "attributes are truncated";
		return -EBADMSG;
	}
	if (!p.seen[IPSECME_A_INFO_VERSION] ||
	    !p.seen[IPSECME_A_INFO_FEATURES] ||
	    !p.seen[IPSECME_A_INFO_STATS]) {
		*why = "reply lacks a mandatory attribute";
		return -EBADMSG;
	}
	return 0;
}
