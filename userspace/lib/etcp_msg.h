/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ESP-in-TCP objects of ipsecme.ko (GET_BINDING and GET_CONN replies,
 * CONN_LOST events) as plain structs, for the CLI and the daemon;
 * parsed apart from any socket so that unit tests can feed them
 * malformed messages.
 */
#ifndef LIB_ETCP_MSG_H
#define LIB_ETCP_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/ipsecme.h>
#include <libmnl/libmnl.h>

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

#endif /* LIB_ETCP_MSG_H */
