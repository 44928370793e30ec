// SPDX-License-Identifier: GPL-2.0
/* ipsecme monitor: print the module's events as they happen. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include "ipsecme/etcp.h"
#include "ipsecme/ipsecme.h"
#include "lib/genl.h"
#include "lib/json.h"

struct grp_query {
	int family;
	int group;
};

static int grp_cb(const struct nlattr *attr, void *data)
{
	struct grp_query *q = data;
	const struct nlattr *g, *a;
	const char *name;
	int id;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		q->family = mnl_attr_get_u16(attr);
	if (mnl_attr_get_type(attr) != CTRL_ATTR_MCAST_GROUPS)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(g, attr) {
		name = NULL;
		id = -1;
		mnl_attr_for_each_nested(a, g) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
		}
		if (name && id >= 0 && !strcmp(name, IPSECME_MCGRP_EVENTS))
			q->group = id;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), grp_cb, data);
	return MNL_CB_OK;
}

static int resolve(struct nl_conn *c, struct grp_query *q)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;

	nlh = genl_msg_start(c, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, IPSECME_GENL_NAME);
	return nl_talk(c, nlh, family_cb, q);
}

struct mon {
	const struct cli_opts *opts;
	int family;
};

static void print_lost(const struct cli_opts *opts, const struct etcp_conn *cn)
{
	struct json j;

	if (opts->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "event", "conn-lost");
		json_string(&j, "reason", strerror(cn->lost));
		json_object_begin(&j, "connection");
		json_u64(&j, "socket", cn->ino);
		json_u64(&j, "bindings", cn->bindings);
		json_object_end(&j);
		json_object_end(&j);
	} else {
		printf("conn-lost reason \"%s\" dormant-bindings %" PRIu32 "\n",
		       strerror(cn->lost), cn->bindings);
		etcp_conn_print(stdout, cn);
	}
	fflush(stdout);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mon *m = data;
	const struct genlmsghdr *g;
	struct etcp_conn cn;
	const char *why;

	if (nlh->nlmsg_type != m->family ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*g)))
		return MNL_CB_OK;
	g = mnl_nlmsg_get_payload(nlh);
	if (g->cmd != IPSECME_CMD_CONN_LOST)
		return MNL_CB_OK;	/* a newer module's event */
	if (etcp_conn_parse(nlh, &cn, &why)) {
		fprintf(stderr, "ipsecme: malformed event: %s\n", why);
		return MNL_CB_OK;
	}
	print_lost(m->opts, &cn);
	return MNL_CB_OK;
}

int cmd_monitor(const struct cli_opts *opts, int argc, char **argv)
{
	char buf[32768];
	struct grp_query q = { .family = -1, .group = -1 };
	struct mon m = { .opts = opts };
	struct nl_conn c;
	ssize_t n;
	int err;

	if (argc > 1) {
		fprintf(stderr, "ipsecme: monitor takes no arguments, got '%s'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	err = nl_open(&c, NETLINK_GENERIC);
	if (!err)
		err = resolve(&c, &q);
	if (err == -ENOENT || (!err && q.group < 0)) {
		fprintf(stderr, "ipsecme: the ipsecme module is not loaded or "
			"has no events group; load it with 'modprobe ipsecme'\n");
		nl_close(&c);
		return EXIT_SEMANTIC;
	}
	if (!err && mnl_socket_setsockopt(c.sk, NETLINK_ADD_MEMBERSHIP,
					  &q.group, sizeof(q.group)) < 0)
		err = -errno;
	if (err) {
		fprintf(stderr, "ipsecme: cannot listen to module events: %s%s\n",
			strerror(-err), err == -EPERM ?
			" (this needs CAP_NET_ADMIN)" : "");
		nl_close(&c);
		return EXIT_KERNEL;
	}
	m.family = q.family;
	/* Tell a waiting script the subscription is in place. */
	if (!opts->json)
		printf("listening\n");
	fflush(stdout);
	while ((n = mnl_socket_recvfrom(c.sk, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, n, 0, 0, event_cb, &m);
	fprintf(stderr, "ipsecme: monitor: %s\n", strerror(errno));
	nl_close(&c);
	return EXIT_KERNEL;
}
