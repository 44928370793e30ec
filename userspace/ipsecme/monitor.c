// SPDX-License-Identifier: GPL-2.0
/* ipsecme monitor: print the module's events as they happen: a lost
 * connection (CONN_LOST) and an SA bound or moved to one (BOUND).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include "ipsecme/etcp.h"
#include "ipsecme/ipsecme.h"
#include "lib/genl.h"
#include "lib/json.h"

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
		etcp_conn_print(stdout, cn, NULL);
	}
	fflush(stdout);
}

static void print_bound(const struct cli_opts *opts,
			const struct etcp_binding *b)
{
	struct json j;

	if (opts->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "event", "bound");
		json_array_begin(&j, "bindings");	/* as in "show" */
		etcp_binding_json(&j, b, NULL);
		json_array_end(&j);
		json_object_end(&j);
	} else {
		printf("bound\n");
		etcp_binding_print(stdout, b, NULL);
	}
	fflush(stdout);
}

static void on_lost(const struct cli_opts *opts, const struct nlmsghdr *nlh)
{
	struct etcp_conn cn;
	const char *why;

	if (etcp_conn_parse(nlh, &cn, &why))
		fprintf(stderr, "ipsecme: malformed event: %s\n", why);
	else
		print_lost(opts, &cn);
}

static void on_bound(const struct cli_opts *opts, const struct nlmsghdr *nlh)
{
	struct etcp_binding b;
	const char *why;

	if (etcp_binding_parse(nlh, &b, &why))
		fprintf(stderr, "ipsecme: malformed event: %s\n", why);
	else
		print_bound(opts, &b);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mon *m = data;
	const struct genlmsghdr *g;

	if (nlh->nlmsg_type != m->family ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*g)))
		return MNL_CB_OK;
	g = mnl_nlmsg_get_payload(nlh);
	if (g->cmd == IPSECME_CMD_CONN_LOST)
		on_lost(m->opts, nlh);
	else if (g->cmd == IPSECME_CMD_BOUND)
		on_bound(m->opts, nlh);
	/* Anything else is a newer module's event. */
	return MNL_CB_OK;
}

/* Join the module's multicast group @name; 0, -ENOENT if the module
 * has none of that name, or -errno.
 */
static int join(struct nl_conn *c, const char *name)
{
	int family, group = -1;

	family = genl_family_group(c, IPSECME_GENL_NAME, name, &group);
	if (family < 0)
		return family;
	if (group < 0)
		return -ENOENT;
	if (mnl_socket_setsockopt(c->sk, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return -errno;
	return 0;
}

int cmd_monitor(const struct cli_opts *opts, int argc, char **argv)
{
	char buf[32768];
	struct mon m = { .opts = opts };
	struct nl_conn c;
	int err;
	ssize_t n;

	if (argc > 1) {
		fprintf(stderr, "ipsecme: monitor takes no arguments, got '%s'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	err = nl_open(&c, NETLINK_GENERIC);
	if (!err) {
		m.family = genl_family_id(&c, IPSECME_GENL_NAME);
		err = m.family < 0 ? m.family : join(&c, IPSECME_MCGRP_EVENTS);
	}
	/* An older module has no BOUND events: it tells only of losses. */
	if (!err && join(&c, IPSECME_MCGRP_BINDINGS) == -EPERM)
		err = -EPERM;
	if (err == -ENOENT) {
		fprintf(stderr, "ipsecme: the ipsecme module is not loaded or "
			"has no events group; load it with 'modprobe ipsecme'\n");
		nl_close(&c);
		return EXIT_SEMANTIC;
	}
	if (err) {
		fprintf(stderr, "ipsecme: cannot listen to module events: %s%s\n",
			strerror(-err), err == -EPERM ?
			" (this needs CAP_NET_ADMIN)" : "");
		nl_close(&c);
		return EXIT_KERNEL;
	}
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
