/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's state, shared by the layers above (kernel, exchanges,
 * control, the main loop; see daemon.h): the configuration, the event
 * loop, transports and netlink connections, the SA table and the
 * policies.
 */
#ifndef IPSECMED_CORE_H
#define IPSECMED_CORE_H

#include "conf/config.h"
#include "ipsecmed/cookie.h"
#include "ipsecmed/loop.h"
#include "ipsecmed/module.h"
#include "ipsecmed/policy.h"
#include "ipsecmed/sa.h"
#include "ipsecmed/transport_tcp.h"
#include "ipsecmed/transport_udp.h"
#include "lib/nl.h"

struct creds;
struct ctl_client;
struct ctl_server;

/* What the layers above (see daemon.h) want to hear from the ones
 * below, which do not include their headers; set by them.
 */
struct daemon_hooks {
	/* A deferred "ipsecme up" is answered: @sa established (@why
	 * NULL) or not. The waiter is not @sa's any more.
	 */
	void (*up_done)(struct ctl_client *waiter, const struct ike_sa *sa,
			const char *why);
};

struct daemon {
	struct conf *conf;
	struct creds **creds;		/* of conf->conns[i], NULL: none */
	const char *conf_path;
	struct loop loop;
	struct timer sweep;		/* daemon_timers() */
	struct task_env task_env;	/* see daemon_tasks_configure() */
	struct udp_transport udp;
	struct tcp_transport tcp;
	bool kernel;			/* false: negotiate only (-n) */
	struct nl_conn xfrm;
	struct nl_conn xfrm_ev;		/* expire events; sk NULL: none */
	struct module_conn module;	/* ipsecme.ko, for ESP over TCP */
	struct ctl_server *ctl;
	struct daemon_hooks hooks;
	struct ike_sa *sas;
	struct policy_table policies;	/* shared, by holder */
	uint32_t next_sa_id;
	uint32_t next_reqid;
	struct cookie_secrets cookies;	/* RFC 7296 2.6, rotated */
	unsigned int half_open;
	volatile int stop;
};

/* The X.509 credentials of @conn (one of d->conf's), or NULL. */
const struct creds *conn_creds(const struct daemon *d,
			       const struct conf_conn *conn);

/* Fill @out with random bytes; aborts on failure (no safe fallback). */
void rand_bytes(void *out, size_t len);

struct ike_sa *daemon_find_sa(struct daemon *d, const uint8_t *spi_i,
			      const uint8_t *spi_r);
void daemon_add_sa(struct daemon *d, struct ike_sa *sa);

#endif /* IPSECMED_CORE_H */
