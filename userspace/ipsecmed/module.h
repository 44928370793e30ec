/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipsecme.ko from the daemon: CHILD_SAs of an IKE SA over TCP (RFC 9329)
 * are plain ESP SAs whose outbound packets the module carries over the
 * IKE SA's connection once they are bound to its socket.
 */
#ifndef IPSECMED_MODULE_H
#define IPSECMED_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/nl.h"

struct module_conn {
	struct nl_conn nl;
	int family;		/* generic netlink id; <= 0: no module */
	uint64_t features;	/* IPSECME_FEATURE_*, from GET_INFO */
	struct nl_conn ev;	/* its events group; ev.sk NULL: none */
};

/* A CONN_LOST event: the connection of socket @ino ended (@err, a
 * positive errno) and @bindings SAs bound to it went dormant.
 */
typedef void module_lost_fn(void *ctx, uint64_t ino, int err,
			    uint32_t bindings);

/* Find the module's family and features; without the module it is not
 * an error until something must be bound. Returns 0 or -errno.
 */
int module_open(struct module_conn *m);
void module_close(struct module_conn *m);

/* Join the module's events group on m->ev. Returns its descriptor, to
 * watch for reading, or -errno.
 */
int module_events_open(struct module_conn *m);
/* Take the events waiting on m->ev; @lost for each CONN_LOST. */
void module_events_read(struct module_conn *m, module_lost_fn *lost,
			void *ctx);

/* Bind the outbound SA @spi (host order) to @daddr to the espintcp
 * socket @fd: from then on its packets go over that connection. Binding
 * a bound SA moves it (a reconnection). With @before_sa, an SA not added
 * yet is waited for (only if module_binds_before_sa()). Returns 0 or
 * -errno, with the module's extack in m->nl.ext_msg.
 */
int module_bind(struct module_conn *m, const struct ipsec_addr *daddr,
		uint32_t spi, int fd, bool before_sa);
/* Remove the binding of SA @spi to @daddr. Returns 0 or -errno. */
int module_unbind(struct module_conn *m, const struct ipsec_addr *daddr,
		  uint32_t spi);
/* Whether the module lets an SA be bound before it is added, so that
 * none of its packets leaves outside the connection.
 */
bool module_binds_before_sa(const struct module_conn *m);

#endif /* IPSECMED_MODULE_H */
