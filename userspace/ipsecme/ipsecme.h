/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPSECME_CLI_H
#define IPSECME_CLI_H

#include <stdbool.h>

/* Exit codes, documented in ipsecme(8). */
enum {
	EXIT_OK = 0,
	EXIT_SEMANTIC = 1,	/* well-formed, but cannot be done as asked */
	EXIT_USAGE = 2,		/* the command line itself is wrong */
	EXIT_KERNEL = 3,	/* the kernel or the daemon refused or failed */
};

struct cli_opts {
	bool json;
	const char *ctl_path;	/* -s: ipsecmed's control socket */
};

struct cli_cmd {
	const char *name;
	int (*run)(const struct cli_opts *opts, int argc, char **argv);
	const char *usage;	/* BNF after the command name */
	const char *help;	/* one line */
};

int cmd_show(const struct cli_opts *opts, int argc, char **argv);
int cmd_monitor(const struct cli_opts *opts, int argc, char **argv);
int cmd_up(const struct cli_opts *opts, int argc, char **argv);
int cmd_down(const struct cli_opts *opts, int argc, char **argv);
int cmd_status(const struct cli_opts *opts, int argc, char **argv);
int cmd_reload(const struct cli_opts *opts, int argc, char **argv);

#endif /* IPSECME_CLI_H */
