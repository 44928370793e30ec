// SPDX-License-Identifier: GPL-2.0
/* Binding SAs to TCP connections through ipsecme.ko (see module.h). */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ipsecme.h>

#include "ipsecmed/log.h"
#include "ipsecmed/module.h"
#include "lib/etcp_msg.h"
#include "lib/genl.h"
#include "lib/module_info.h"

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct module_conn *m = data;
	struct module_info mi;
	const char *why;

	if (module_info_parse(nlh, &mi, &why)) {
		log_warn("malformed GET_INFO reply from ipsecme.ko: %s", why);
		return MNL_CB_ERROR;
	}
	m->features = mi.features;
	return MNL_CB_OK;
}

/* The module's features; none if it cannot say. */
static void query_features(struct module_conn *m)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;

	nlh = genl_msg_start(&m->nl, buf, (uint16_t)m->family,
			     IPSECME_CMD_GET_INFO, IPSECME_GENL_VERSION, 0);
	if (nl_talk(&m->nl, nlh, info_cb, m))
		m->features = 0;
}

int module_open(struct module_conn *m)
{
	int err = nl_open(&m->nl, NETLINK_GENERIC);

	m->family = 0;
	m->features = 0;
	if (err)
		return err;
	m->family = genl_family_id(&m->nl, IPSECME_GENL_NAME);
	if (m->family > 0)
		query_features(m);
	return m->family > 0 || m->family == -ENOENT ? 0 : m->family;
}

bool module_binds_before_sa(const struct module_conn *m)
{
	return m->family > 0 && (m->features & IPSECME_FEATURE_BIND_BEFORE_SA);
}

void module_close(struct module_conn *m)
{
	if (m->nl.sk)
		nl_close(&m->nl);
	if (m->ev.sk)
		nl_close(&m->ev);
	m->family = 0;
}

int module_events_open(struct module_conn *m)
{
	int err, group = -1, family;

	err = nl_open(&m->ev, NETLINK_GENERIC);
	if (err)
		return err;
	family = genl_family_group(&m->ev, IPSECME_GENL_NAME,
				   IPSECME_MCGRP_EVENTS, &group);
	err = family < 0 ? family : group < 0 ? -ENOENT : 0;
	if (!err && mnl_socket_setsockopt(m->ev.sk, NETLINK_ADD_MEMBERSHIP,
					  &group, sizeof(group)) < 0)
		err = -errno;
	if (err) {
		nl_close(&m->ev);
		m->ev.sk = NULL;
		return err;
	}
	return mnl_socket_get_fd(m->ev.sk);
}

static void on_event(struct module_conn *m, const struct nlmsghdr *nlh,
		     module_lost_fn *lost, void *ctx)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct etcp_conn cn;
	const char *why;

	if (nlh->nlmsg_type != m->family ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*g)) ||
	    g->cmd != IPSECME_CMD_CONN_LOST)
		return;			/* a newer module's event */
	if (etcp_conn_parse(nlh, &cn, &why)) {
		log_rl(LOG_WARN, "malformed event from ipsecme.ko: %s", why);
		return;
	}
	lost(ctx, cn.ino, cn.lost ? (int)cn.lost : EPIPE, cn.bindings);
}

void module_events_read(struct module_conn *m, module_lost_fn *lost,
			void *ctx)
{
	static uint8_t buf[NL_BUF_SIZE];
	const struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	n = mnl_socket_recvfrom(m->ev.sk, buf, sizeof(buf));
	if (n < 0 && errno == ENOBUFS)
		log_rl(LOG_WARN, "ipsecme.ko events were lost (ENOBUFS); "
		       "streams still end when their sockets say so");
	if (n <= 0)
		return;
	len = (int)n;
	for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len))
		on_event(m, nlh, lost, ctx);
}

/* A BIND or UNBIND request naming SA @spi to @daddr. */
static struct nlmsghdr *sa_msg(struct module_conn *m, char *buf, uint8_t cmd,
			       const struct ipsec_addr *daddr, uint32_t spi)
{
	struct nlmsghdr *nlh;

	nlh = genl_msg_start(&m->nl, buf, (uint16_t)m->family, cmd,
			     IPSECME_GENL_VERSION, NLM_F_ACK);
	mnl_attr_put_u16(nlh, IPSECME_A_BIND_FAMILY, (uint16_t)daddr->family);
	if (daddr->family == AF_INET)
		mnl_attr_put(nlh, IPSECME_A_BIND_DADDR, 4, &daddr->v4);
	else
		mnl_attr_put(nlh, IPSECME_A_BIND_DADDR, 16, &daddr->v6);
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_SPI, htonl(spi));
	return nlh;
}

int module_bind(struct module_conn *m, const struct ipsec_addr *daddr,
		uint32_t spi, int fd, bool before_sa)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;

	if (m->family <= 0)
		return -ENOPROTOOPT;
	nlh = sa_msg(m, buf, IPSECME_CMD_BIND, daddr, spi);
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_FD, (uint32_t)fd);
	if (before_sa)
		mnl_attr_put_u32(nlh, IPSECME_A_BIND_FLAGS,
				 IPSECME_BIND_F_BEFORE_SA);
	return nl_talk(&m->nl, nlh, NULL, NULL);
}

int module_unbind(struct module_conn *m, const struct ipsec_addr *daddr,
		  uint32_t spi)
{
	char buf[NL_BUF_SIZE];

	if (m->family <= 0)
		return -ENOPROTOOPT;
	return nl_talk(&m->nl, sa_msg(m, buf, IPSECME_CMD_UNBIND, daddr, spi),
		       NULL, NULL);
}
