/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ESP-in-TCP objects of the module (GET_BINDING and GET_CONN dumps,
 * CONN_LOST events) as plain structs, parsed apart from the socket code
 * so that unit tests can feed them malformed messages.
 */
#ifndef IPSECME_CLI_ETCP_H
#define IPSECME_CLI_ETCP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/ipsecme.h>
#include <libmnl/libmnl.h>

#include "lib/json.h"

struct etcp_binding {
	uint16_t family;
	unsigned char daddr[16];
	uint32_t spi;			/* host order */
	uint8_t state;
	uint32_t mark, mark_mask, if_id;
	uint64_t ino, tx_packets, tx_drops;
};

struct etcp_conn {
	uint64_t ino;
	uint16_t family;
	unsigned char saddr[16], daddr[16];
	uint16_t sport, dport;
	uint32_t lost;			/* errno, 0 while up */
	uint32_t bindings;
	uint64_t stats[IPSECME_A_STAT_MAX + 1];
	bool has_stat[IPSECME_A_STAT_MAX + 1];
};

/* Parse one message; 0, or -EBADMSG with @why set. */
int etcp_binding_parse(const struct nlmsghdr *nlh, struct etcp_binding *b,
		       const char **why);
int etcp_conn_parse(const struct nlmsghdr *nlh, struct etcp_conn *cn,
		    const char **why);

void etcp_binding_print(FILE *out, const struct etcp_binding *b);
void etcp_binding_json(struct json *j, const struct etcp_binding *b);
void etcp_conn_print(FILE *out, const struct etcp_conn *cn);
void etcp_conn_json(struct json *j, const struct etcp_conn *cn);

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
