// SPDX-License-Identifier: GPL-2.0
/* ipsecme status [ NAME ]: IKE and CHILD SAs of ipsecmed. */
#include <inttypes.h>
#include <string.h>

#include "ipsecme/daemon.h"

const char *status_duration(uint64_t secs, char *buf, size_t len)
{
	uint64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60,
		 s = secs % 60;
	size_t n = 0;

	buf[0] = '\0';
	if (d)
		n += snprintf(buf + n, len - n, "%" PRIu64 "d", d);
	if (h && n < len)
		n += snprintf(buf + n, len - n, "%" PRIu64 "h", h);
	if (m && n < len)
		n += snprintf(buf + n, len - n, "%" PRIu64 "m", m);
	if ((s || !secs) && n < len)
		snprintf(buf + n, len - n, "%" PRIu64 "s", s);
	return buf;
}

static void print_child(FILE *out, const struct ctl_child_status *c)
{
	char t1[32], t2[32], t3[32];

	fprintf(out, "  child %s: %s %s, reqid %" PRIu32 "\n", c->name,
		c->state, c->mode, c->reqid);
	fprintf(out, "    SPIs %08" PRIx32 " (in) %08" PRIx32 " (out)%s\n",
		c->spi_in, c->spi_out, c->encap ? ", UDP-encapsulated" : "");
	fprintf(out, "    ESP  %s\n", c->algs);
	fprintf(out, "    in   %" PRIu64 " bytes, %" PRIu64 " packets\n",
		c->bytes_in, c->packets_in);
	fprintf(out, "    out  %" PRIu64 " bytes, %" PRIu64 " packets\n",
		c->bytes_out, c->packets_out);
	fprintf(out, "    installed %s ago", status_duration(c->installed_secs,
							   t1, sizeof(t1)));
	if (c->rekey_secs)
		fprintf(out, ", rekey in %s",
			status_duration(c->rekey_secs, t2, sizeof(t2)));
	if (c->expire_secs)
		fprintf(out, ", expires in %s",
			status_duration(c->expire_secs, t3, sizeof(t3)));
	fprintf(out, "\n    %s === %s\n", c->local_ts, c->remote_ts);
}

void status_print_human(FILE *out, const struct ctl_ike_status *ike)
{
	char a[IPSEC_ADDR_STRLEN], t1[32], t2[32];
	size_t i;

	fprintf(out, "%s #%" PRIu32 ": %s", ike->conn, ike->id, ike->state);
	if (ike->established_secs)
		fprintf(out, " for %s", status_duration(ike->established_secs,
							t1, sizeof(t1)));
	if (ike->rekey_secs)
		fprintf(out, ", rekey in %s",
			status_duration(ike->rekey_secs, t2, sizeof(t2)));
	fprintf(out, "\n  local  %s[%u] %s%s\n",
		ipsec_addr_fmt(&ike->local_addr, a, sizeof(a)),
		ike->local_port, ike->local_id,
		ike->nat & CTL_NAT_LOCAL ? " (behind NAT)" : "");
	fprintf(out, "  remote %s[%u] %s%s\n",
		ipsec_addr_fmt(&ike->remote_addr, a, sizeof(a)),
		ike->remote_port, ike->remote_id,
		ike->nat & CTL_NAT_REMOTE ? " (behind NAT)" : "");
	fprintf(out, "  %s, SPIs %016" PRIx64 " (i) %016" PRIx64 " (r)\n",
		ike->initiator ? "initiator" : "responder", ike->spi_i,
		ike->spi_r);
	fprintf(out, "  IKE  %s%s%s%s%s\n", ike->algs,
		ike->transport[0] ? " over " : "", ike->transport,
		ike->esp_path[0] ? ", ESP by " : "",
		strcmp(ike->esp_path, "kernel") ? ike->esp_path : "the kernel");
	for (i = 0; i < ike->n_children; i++)
		print_child(out, &ike->children[i]);
}

static void json_hex(struct json *j, const char *key, uint64_t v, int width)
{
	char buf[20];

	snprintf(buf, sizeof(buf), "%0*" PRIx64, width, v);
	json_string(j, key, buf);
}

/* "a,b,c" as a JSON array of strings. */
static void json_list(struct json *j, const char *key, const char *list)
{
	char item[256];
	const char *p = list;

	json_array_begin(j, key);
	while (*p) {
		size_t n = strcspn(p, ",");

		snprintf(item, sizeof(item), "%.*s", (int)n, p);
		json_string(j, NULL, item);
		p += n;
		if (*p == ',')
			p++;
	}
	json_array_end(j);
}

static void json_side(struct json *j, const char *key,
		      const struct ipsec_addr *addr, uint16_t port,
		      const char *id, bool nat)
{
	char a[IPSEC_ADDR_STRLEN];

	json_object_begin(j, key);
	json_string(j, "address", ipsec_addr_fmt(addr, a, sizeof(a)));
	json_u64(j, "port", port);
	json_string(j, "id", id);
	json_bool(j, "behind_nat", nat);
	json_object_end(j);
}

void status_print_json(struct json *j, const struct ctl_ike_status *ike)
{
	size_t i;

	json_object_begin(j, NULL);
	json_string(j, "name", ike->conn);
	json_u64(j, "id", ike->id);
	json_string(j, "state", ike->state);
	json_bool(j, "initiator", ike->initiator);
	json_side(j, "local", &ike->local_addr, ike->local_port,
		  ike->local_id, ike->nat & CTL_NAT_LOCAL);
	json_side(j, "remote", &ike->remote_addr, ike->remote_port,
		  ike->remote_id, ike->nat & CTL_NAT_REMOTE);
	json_hex(j, "spi_i", ike->spi_i, 16);
	json_hex(j, "spi_r", ike->spi_r, 16);
	json_string(j, "algorithms", ike->algs);
	if (ike->transport[0])
		json_string(j, "transport", ike->transport);
	if (ike->esp_path[0])
		json_string(j, "esp_path", ike->esp_path);
	json_u64(j, "established_secs", ike->established_secs);
	json_u64(j, "rekey_secs", ike->rekey_secs);
	json_array_begin(j, "child_sas");
	for (i = 0; i < ike->n_children; i++) {
		const struct ctl_child_status *c = &ike->children[i];

		json_object_begin(j, NULL);
		json_string(j, "name", c->name);
		json_string(j, "state", c->state);
		json_string(j, "mode", c->mode);
		json_u64(j, "reqid", c->reqid);
		json_hex(j, "spi_in", c->spi_in, 8);
		json_hex(j, "spi_out", c->spi_out, 8);
		json_string(j, "algorithms", c->algs);
		json_bool(j, "udp_encap", c->encap);
		json_u64(j, "bytes_in", c->bytes_in);
		json_u64(j, "bytes_out", c->bytes_out);
		json_u64(j, "packets_in", c->packets_in);
		json_u64(j, "packets_out", c->packets_out);
		json_u64(j, "installed_secs", c->installed_secs);
		json_u64(j, "rekey_secs", c->rekey_secs);
		json_u64(j, "expire_secs", c->expire_secs);
		json_list(j, "local_ts", c->local_ts);
		json_list(j, "remote_ts", c->remote_ts);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

/* Shown only by a daemon that listens: the rest is in -j. */
void status_print_tcp_human(FILE *out, const struct ctl_tcp_status *t)
{
	fprintf(out, "TCP port %u: %" PRIu32 " open (at most %" PRIu32,
		t->port, t->open, t->max_conns);
	if (t->max_per_source)
		fprintf(out, ", %" PRIu32 " per source", t->max_per_source);
	fprintf(out, ")\n  accepted %" PRIu64 ", refused %" PRIu64
		" (tcp_max_connections) %" PRIu64 " (tcp_max_per_source)\n",
		t->accepted, t->refused_limit, t->refused_source);
	fprintf(out, "  closed: %" PRIu64 " bad prefix, %" PRIu64
		" timed out, %" PRIu64 " bad record, %" PRIu64
		" oversized first record, %" PRIu64 " by the peer\n",
		t->bad_prefix, t->timed_out, t->bad_record,
		t->oversized_first, t->closed);
}

void status_print_tcp_json(struct json *j, const struct ctl_tcp_status *t)
{
	json_object_begin(j, "tcp");
	json_u64(j, "port", t->port);
	json_u64(j, "open", t->open);
	json_u64(j, "max_connections", t->max_conns);
	json_u64(j, "max_per_source", t->max_per_source);
	json_u64(j, "accepted", t->accepted);
	json_u64(j, "connected", t->connected);
	json_u64(j, "refused_max_connections", t->refused_limit);
	json_u64(j, "refused_max_per_source", t->refused_source);
	json_u64(j, "bad_prefix", t->bad_prefix);
	json_u64(j, "timed_out", t->timed_out);
	json_u64(j, "bad_record", t->bad_record);
	json_u64(j, "oversized_first_record", t->oversized_first);
	json_u64(j, "esp_dropped", t->esp_dropped);
	json_u64(j, "closed", t->closed);
	json_object_end(j);
}

struct status_ctx {
	bool json, started, has_tcp;
	struct json j;
	struct ctl_tcp_status tcp;
	int n;
};

/* JSON starts with the first IKE SA, so a failure prints no JSON. */
static void json_start(struct status_ctx *s)
{
	if (s->started)
		return;
	s->started = true;
	json_init(&s->j, stdout);
	json_object_begin(&s->j, NULL);
	json_array_begin(&s->j, "ike_sas");
}

static void on_ike(void *data, const struct ctl_ike_status *ike)
{
	struct status_ctx *s = data;

	if (s->json) {
		json_start(s);
		status_print_json(&s->j, ike);
	} else {
		if (s->n)
			printf("\n");
		status_print_human(stdout, ike);
	}
	s->n++;
}

/* It comes after the IKE SAs; printed once the reply is complete. */
static void on_tcp(void *data, const struct ctl_tcp_status *tcp)
{
	struct status_ctx *s = data;

	s->tcp = *tcp;
	s->has_tcp = true;
}

int cmd_status(const struct cli_opts *opts, int argc, char **argv)
{
	struct ctl_request req = { .cmd = CTL_CMD_STATUS };
	struct status_ctx s = { .json = opts->json };
	int ret;

	if (argc > 2) {
		fprintf(stderr, "ipsecme: status takes at most a connection "
			"name, got '%s'\n", argv[2]);
		return EXIT_USAGE;
	}
	if (argc == 2) {
		if (strlen(argv[1]) > CTL_NAME_MAX ||
		    strspn(argv[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
			   "OPQRSTUVWXYZ0123456789_.-") != strlen(argv[1])) {
			fprintf(stderr, "ipsecme: '%s' is not a connection "
				"name\n", argv[1]);
			return EXIT_USAGE;
		}
		strcpy(req.name, argv[1]);
	}
	/* JSON output stays pure: the daemon's notes go to stderr. */
	ret = daemon_call(opts, &req, 10, s.json ? stderr : stdout, on_ike,
			  on_tcp, &s);
	if (s.json && ret == EXIT_OK)
		json_start(&s);
	if (s.started) {
		json_array_end(&s.j);
		if (s.has_tcp)
			status_print_tcp_json(&s.j, &s.tcp);
		json_object_end(&s.j);
	} else if (!s.json && ret == EXIT_OK && s.n == 0) {
		printf("no IKE SAs\n");
	}
	if (!s.json && ret == EXIT_OK && s.has_tcp && s.tcp.port) {
		printf("\n");
		status_print_tcp_human(stdout, &s.tcp);
	}
	return ret;
}
