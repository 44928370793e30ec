// SPDX-License-Identifier: GPL-2.0
/* ipsecme up NAME: have ipsecmed initiate a connection and wait for it. */
#include <stdlib.h>
#include <string.h>

#include "ipsecme/daemon.h"

/* Shared by up and down: "CMD NAME [ timeout SECONDS ]". */
int daemon_name_cmd(const struct cli_opts *opts, int argc, char **argv,
		    int cmd, int timeout_s)
{
	struct ctl_request req = { .cmd = cmd };
	char *end;

	if (argc < 2) {
		fprintf(stderr, "ipsecme: %s needs a connection name: "
			"ipsecme %s NAME [ timeout SECONDS ]\n", argv[0],
			argv[0]);
		return EXIT_USAGE;
	}
	if (strlen(argv[1]) > CTL_NAME_MAX ||
	    strspn(argv[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
		   "WXYZ0123456789_.-") != strlen(argv[1])) {
		fprintf(stderr, "ipsecme: '%s' is not a connection name "
			"(1-%d characters of A-Z a-z 0-9 _ . -)\n", argv[1],
			CTL_NAME_MAX);
		return EXIT_USAGE;
	}
	strcpy(req.name, argv[1]);
	if (argc == 4 && !strcmp(argv[2], "timeout")) {
		long t = strtol(argv[3], &end, 10);

		if (*end || t < 1 || t > 3600) {
			fprintf(stderr, "ipsecme: timeout '%s' is not 1-3600 "
				"seconds\n", argv[3]);
			return EXIT_USAGE;
		}
		timeout_s = (int)t;
	} else if (argc != 2) {
		fprintf(stderr, "ipsecme: unexpected '%s': ipsecme %s NAME "
			"[ timeout SECONDS ]\n", argv[2], argv[0]);
		return EXIT_USAGE;
	}
	return daemon_call(opts, &req, timeout_s, NULL, NULL, NULL, NULL);
}

int cmd_up(const struct cli_opts *opts, int argc, char **argv)
{
	return daemon_name_cmd(opts, argc, argv, CTL_CMD_UP, 60);
}
