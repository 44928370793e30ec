// SPDX-License-Identifier: GPL-2.0
/* ipsecme reload: have ipsecmed re-read its configuration. */
#include "ipsecme/daemon.h"

int cmd_reload(const struct cli_opts *opts, int argc, char **argv)
{
	struct ctl_request req = { .cmd = CTL_CMD_RELOAD };

	if (argc > 1) {
		fprintf(stderr, "ipsecme: reload takes no arguments, got '%s'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	return daemon_call(opts, &req, 30, NULL, NULL, NULL, NULL);
}
