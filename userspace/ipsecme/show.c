// SPDX-License-Identifier: GPL-2.0
/* ipsecme show: what the module says about itself and this netns. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipsecme/ipsecme.h"
#include "ipsecme/etcp.h"
#include "lib/module_info.h"
#include "lib/ctl.h"
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

/* What ipsecmed reports, when it answers: the IKE SAs whose bindings
 * and connections the module lists, matched by outbound SPI and peer,
 * and by the TCP ends of the IKE SA's path.
 */
struct owner_ike {
	struct etcp_owner name;		/* child_sa unused */
	bool tcp;
	struct ipsec_addr remote;
	uint16_t lport, rport;
};

struct owner_child {
	uint32_t spi_out;
	size_t ike;			/* index in owners.ike */
	char name[CTL_NAME_MAX + 1];
};

struct owners {
	struct owner_ike *ike;
	size_t n_ike;
	struct owner_child *child;
	size_t n_child;
};

static void on_ike(void *data, const struct ctl_ike_status *ike)
{
	struct owners *o = data;
	size_t k, n = ike->n_children;
	struct owner_child *nc;
	struct owner_ike *ni;

	ni = realloc(o->ike, (o->n_ike + 1) * sizeof(*ni));
	if (!ni)
		return;			/* then shown without owners */
	o->ike = ni;
	nc = realloc(o->child, (o->n_child + n) * sizeof(*nc));
	if (!nc && n)
		return;
	o->child = nc;
	ni += o->n_ike;
	memset(ni, 0, sizeof(*ni));
	snprintf(ni->name.ike_sa, sizeof(ni->name.ike_sa), "%s #%" PRIu32,
		 ike->conn, ike->id);
	ni->tcp = !strncmp(ike->transport, "tcp", 3);
	ni->remote = ike->remote_addr;
	ni->lport = ike->local_port;
	ni->rport = ike->remote_port;
	for (k = 0; k < n; k++) {
		nc[o->n_child + k].spi_out = ike->children[k].spi_out;
		nc[o->n_child + k].ike = o->n_ike;
		snprintf(nc[o->n_child + k].name, sizeof(nc->name), "%s",
			 ike->children[k].name);
	}
	o->n_child += n;
	o->n_ike++;
}

/* Best effort: without a daemon (or with another's socket) the module's
 * state is shown alone.
 */
static void query_owners(const struct cli_opts *opts, struct owners *o)
{
	struct ctl_request req = { .cmd = CTL_CMD_STATUS };
	struct ctl_reply_ops ops = { .ike = on_ike, .data = o };
	int status;

	memset(o, 0, sizeof(*o));
	if (ctl_call(opts->ctl_path ? opts->ctl_path : CTL_DEFAULT_PATH, &req,
		     &ops, 2000, &status) || status != CTL_OK)
		o->n_ike = o->n_child = 0;
}

static bool same_addr(const struct ipsec_addr *a, uint16_t family,
		      const unsigned char *raw)
{
	return a->family == family &&
	       !memcmp(family == AF_INET ? (const void *)&a->v4 :
		       (const void *)&a->v6, raw, family == AF_INET ? 4 : 16);
}

static const struct etcp_owner *binding_owner(const struct owners *o,
					      const struct etcp_binding *b,
					      struct etcp_owner *w)
{
	const struct owner_child *c;
	size_t i;

	for (i = 0; i < o->n_child; i++) {
		c = &o->child[i];
		if (c->spi_out != b->spi ||
		    !same_addr(&o->ike[c->ike].remote, b->family, b->daddr))
			continue;
		*w = o->ike[c->ike].name;
		snprintf(w->child_sa, sizeof(w->child_sa), "%s", c->name);
		return w;
	}
	return NULL;
}

static const struct etcp_owner *conn_owner(const struct owners *o,
					   const struct etcp_conn *cn)
{
	const struct owner_ike *ike;
	size_t i;

	for (i = 0; i < o->n_ike; i++) {
		ike = &o->ike[i];
		if (ike->tcp && ike->lport == cn->sport &&
		    ike->rport == cn->dport &&
		    same_addr(&ike->remote, cn->family, cn->daddr))
			return &ike->name;
	}
	return NULL;
}

static void print_human(const struct module_info *mi,
			const struct etcp_list *l, const struct owners *o)
{
	struct etcp_owner w = { 0 };
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
		etcp_conn_print(stdout, &l->conns[i],
				conn_owner(o, &l->conns[i]));
	printf("  espintcp bindings: %zu\n", l->n_bindings);
	for (i = 0; i < l->n_bindings; i++)
		etcp_binding_print(stdout, &l->bindings[i],
				   binding_owner(o, &l->bindings[i], &w));
}

static void print_json(const struct module_info *mi,
		       const struct etcp_list *l, const struct owners *o)
{
	struct etcp_owner w = { 0 };
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
			etcp_conn_json(&j, &l->conns[i],
				       conn_owner(o, &l->conns[i]));
		json_array_end(&j);
		json_array_begin(&j, "bindings");
		for (i = 0; i < l->n_bindings; i++)
			etcp_binding_json(&j, &l->bindings[i],
					  binding_owner(o, &l->bindings[i],
							&w));
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
	struct owners o;
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
		query_owners(opts, &o);
		if (opts->json)
			print_json(&mi, &l, &o);
		else
			print_human(&mi, &l, &o);
		free(o.ike);
		free(o.child);
	}
	etcp_list_free(&l);
	return ret;
}
