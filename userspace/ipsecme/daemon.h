/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon commands of ipsecme (up, down, status, reload): one request
 * over the ipsecmed control socket (lib/ctl.h), the answer turned into
 * output and an exit code.
 */
#ifndef IPSECME_CLI_DAEMON_H
#define IPSECME_CLI_DAEMON_H

#include <stdio.h>

#include "ipsecme/ipsecme.h"
#include "lib/ctl.h"
#include "lib/json.h"

/* Send @req to the daemon (socket opts->ctl_path or CTL_DEFAULT_PATH),
 * wait at most @timeout_s seconds between reply parts, print its
 * messages to @msg_out (NULL: stdout) and call @ike_cb for IKE SAs,
 * @tcp_cb for the TCP transport's status (either may be NULL).
 * Returns the exit code: 0, 1 (unknown connection, wrong state, daemon
 * not running, not allowed), 3 (the daemon failed or answered badly).
 */
int daemon_call(const struct cli_opts *opts, const struct ctl_request *req,
		int timeout_s, FILE *msg_out,
		void (*ike_cb)(void *data, const struct ctl_ike_status *ike),
		void (*tcp_cb)(void *data, const struct ctl_tcp_status *tcp),
		void *data);

/* up and down: "CMD NAME [ timeout SECONDS ]" with a default timeout. */
int daemon_name_cmd(const struct cli_opts *opts, int argc, char **argv,
		    int cmd, int timeout_s);

/* Output of one IKE SA with its CHILD_SAs, for `ipsecme status`. */
void status_print_human(FILE *out, const struct ctl_ike_status *ike);
void status_print_json(struct json *j, const struct ctl_ike_status *ike);

/* The TCP transport's section of `ipsecme status`. */
void status_print_tcp_human(FILE *out, const struct ctl_tcp_status *tcp);
void status_print_tcp_json(struct json *j, const struct ctl_tcp_status *tcp);

/* "1h2m3s" style duration into @buf. */
const char *status_duration(uint64_t secs, char *buf, size_t len);

#endif /* IPSECME_CLI_DAEMON_H */
