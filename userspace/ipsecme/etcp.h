/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ESP-in-TCP bindings and connections of the module: fetched, printed
 * and written as JSON for "ipsecme show" and "ipsecme monitor" (the
 * parsing is lib/etcp_msg.c, shared with the daemon).
 */
#ifndef IPSECME_CLI_ETCP_H
#define IPSECME_CLI_ETCP_H

#include <stdio.h>

#include "lib/etcp_msg.h"
#include "lib/json.h"

/* What ipsecmed says a binding or connection belongs to ("office #3",
 * CHILD_SA "lan"); "" or NULL: not known.
 */
struct etcp_owner {
	char ike_sa[80];
	char child_sa[64];
};

void etcp_binding_print(FILE *out, const struct etcp_binding *b,
			const struct etcp_owner *o);
void etcp_binding_json(struct json *j, const struct etcp_binding *b,
		       const struct etcp_owner *o);
void etcp_conn_print(FILE *out, const struct etcp_conn *cn,
		     const struct etcp_owner *o);
void etcp_conn_json(struct json *j, const struct etcp_conn *cn,
		    const struct etcp_owner *o);

struct etcp_list {
	struct etcp_binding *bindings;
	size_t n_bindings;
	struct etcp_conn *conns;
	size_t n_conns;
	const char *why;		/* set when a reply was malformed */
};

/* Dump bindings and connections of this netns; 0 or -errno. */
struct nl_conn;
int etcp_fetch(struct nl_conn *c, int family, struct etcp_list *l);
void etcp_list_free(struct etcp_list *l);

#endif /* IPSECME_CLI_ETCP_H */
