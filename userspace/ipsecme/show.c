// SPDX-License-Identifier: GPL-2.0
/* ipsecme show: what the module says about itself and this netns. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ipsecme/ipsecme.h"
#include "ipsecme/etcp.h"
#include "ipsecme/info.h"
#include "lib/genl.h"
#include "lib/json.h"

struct info_reply {
	struct module_info mi;
	const char *why;
	int err;
};

static int info_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct info_reply *r = data;

	r->err = module_info_parse(nlh, &r->mi, &r->why);
	return r->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static void print_human(const struct module_info *mi,
			const struct etcp_list *l)
{
	size_t i;

	const struct feature_name *f;
	int stat;

	printf("ipsecme %s\n", mi->version);
	printf("  features:");
	if (!mi->features)
		printf(" none");
	for (f = module_feature_names; f->name; f++)
		if (mi->features & f->bit)
			printf(" %s", f->name);
	if (mi->has_netns_count)
		printf("\n  namespaces: %" PRIu32 "\n", mi->netns_count);
	else
		printf("\n  namespaces: (told to the host's admin only)\n");
	printf("  counters (this namespace):\n");
	for (stat = 0; stat <= IPSECME_A_STAT_MAX; stat++)
		if (mi->has_stat[stat] && module_stat_name(stat))
			printf("    %-24s %" PRIu64 "\n", module_stat_name(stat),
			       mi->stats[stat]);
	if (!(mi->features & IPSECME_FEATURE_ESPINTCP))
		return;
	printf("  espintcp connections: %zu\n", l->n_conns);
	for (i = 0; i < l->n_conns; i++)
		etcp_conn_print(stdout, &l->conns[i]);
	printf("  espintcp bindings: %zu\n", l->n_bindings);
	for (i = 0; i < l->n_bindings; i++)
		etcp_binding_print(stdout, &l->bindings[i]);
}

static void print_json(const struct module_info *mi,
		       const struct etcp_list *l)
{
	const struct feature_name *f;
	struct json j;
	size_t i;
	int stat;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "version", mi->version);
	json_array_begin(&j, "features");
	for (f = module_feature_names; f->name; f++)
		if (mi->features & f->bit)
			json_string(&j, NULL, f->name);
	json_array_end(&j);
	if (mi->has_netns_count)
		json_u64(&j, "namespaces", mi->netns_count);
	json_object_begin(&j, "counters");
	for (stat = 0; stat <= IPSECME_A_STAT_MAX; stat++)
		if (mi->has_stat[stat] && module_stat_name(stat))
			json_u64(&j, module_stat_name(stat), mi->stats[stat]);
	json_object_end(&j);
	if (mi->features & IPSECME_FEATURE_ESPINTCP) {
		json_array_begin(&j, "connections");
		for (i = 0; i < l->n_conns; i++)
			etcp_conn_json(&j, &l->conns[i]);
		json_array_end(&j);
		json_array_begin(&j, "bindings");
		for (i = 0; i < l->n_bindings; i++)
			etcp_binding_json(&j, &l->bindings[i]);
		json_array_end(&j);
	}
	json_object_end(&j);
}

/* Bindings and connections, when the module carries ESP-in-TCP. */
static int query_etcp(const struct module_info *mi, struct etcp_list *l)
{
	struct nl_conn c;
	int family, err;

	memset(l, 0, sizeof(*l));
	if (!(mi->features & IPSECME_FEATURE_ESPINTCP))
		return EXIT_OK;
	err = nl_open(&c, NETLINK_GENERIC);
	if (err) {
		fprintf(stderr, "ipsecme: cannot open netlink: %s\n",
			strerror(-err));
		return EXIT_KERNEL;
	}
	family = genl_family_id(&c, IPSECME_GENL_NAME);
	err = family < 0 ? family : etcp_fetch(&c, family, l);
	if (l->why)
		fprintf(stderr, "ipsecme: malformed reply from the module: %s\n",
			l->why);
	else if (err)
		fprintf(stderr, "ipsecme: listing espintcp state failed: %s%s%s\n",
			strerror(-err), c.ext_msg[0] ? ": " : "", c.ext_msg);
	nl_close(&c);
	return (err || l->why) ? EXIT_KERNEL : EXIT_OK;
}

static int query_module(struct module_info *mi)
{
	char buf[NL_BUF_SIZE];
	struct info_reply r = { 0 };
	struct nlmsghdr *nlh;
	struct nl_conn c;
	int family, err;

	err = nl_open(&c, NETLINK_GENERIC);
	if (err) {
		fprintf(stderr, "ipsecme: cannot open netlink: %s\n",
			strerror(-err));
		return EXIT_KERNEL;
	}
	family = genl_family_id(&c, IPSECME_GENL_NAME);
	if (family == -ENOENT) {
		fprintf(stderr, "ipsecme: the ipsecme kernel module is not "
			"loaded; load it with 'modprobe ipsecme' as root\n");
		nl_close(&c);
		return EXIT_SEMANTIC;
	}
	err = family < 0 ? family : 0;
	if (!err) {
		nlh = genl_msg_start(&c, buf, family, IPSECME_CMD_GET_INFO,
				     IPSECME_GENL_VERSION, 0);
		err = nl_talk(&c, nlh, info_reply_cb, &r);
	}
	if (r.err) {
		fprintf(stderr, "ipsecme: malformed reply from the module: %s\n",
			r.why);
	} else if (err) {
		fprintf(stderr, "ipsecme: GET_INFO failed: %s%s%s\n",
			strerror(-err), c.ext_msg[0] ? ": " : "", c.ext_msg);
		if (err == -EPERM)
			fprintf(stderr, "ipsecme: this needs CAP_NET_ADMIN\n");
	}
	nl_close(&c);
	*mi = r.mi;
	return (err || r.err) ? EXIT_KERNEL : EXIT_OK;
}

int cmd_show(const struct cli_opts *opts, int argc, char **argv)
{
	struct module_info mi;
	struct etcp_list l;
	int ret;

	if (argc > 1) {
		fprintf(stderr, "ipsecme: show takes no arguments, got '%s'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	ret = query_module(&mi);
	if (ret)
		return ret;
	ret = query_etcp(&mi, &l);
	if (!ret) {
		if (opts->json)
			print_json(&mi, &l);
		else
			print_human(&mi, &l);
	}
	etcp_list_free(&l);
	return ret;
}
