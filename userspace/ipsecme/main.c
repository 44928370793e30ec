// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecme: one command line for the ipsecme module and the ipsecmed
 * daemon. main() only parses global options and dispatches.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ipsecme/ipsecme.h"

static int cmd_help(const struct cli_opts *opts, int argc, char **argv);

static const struct cli_cmd commands[] = {
	{ "show", cmd_show, "",
	  "show the module's features, counters, espintcp sockets and bindings" },
	{ "monitor", cmd_monitor, "",
	  "print module events (espintcp connection loss) as they come" },
	{ "up", cmd_up, "NAME [ timeout SECS ]",
	  "bring connection NAME up and wait" },
	{ "down", cmd_down, "NAME [ timeout SECS ]",
	  "take connection NAME down" },
	{ "status", cmd_status, "[ NAME ]",
	  "ipsecmed's IKE and CHILD SAs" },
	{ "reload", cmd_reload, "", "make ipsecmed re-read its configuration" },
	{ "help", cmd_help, "", "show this help" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: ipsecme [ -j | --json ] [ -s | --socket PATH ] "
		"COMMAND [ ARGS ]\n\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-8s %-22s %s\n", commands[i].name,
			commands[i].usage, commands[i].help);
	fprintf(out, "\nExit status: 0 success, 1 cannot be done as asked, "
		"2 usage error,\n3 the kernel or the daemon failed. "
		"See ipsecme(8).\n");
}

static int cmd_help(const struct cli_opts *opts, int argc, char **argv)
{
	usage(stdout);
	return EXIT_OK;
}

/* Options after the command would otherwise be taken for a connection
 * name ("ipsecme status -j" would look for a connection called "-j").
 */
static bool option_after_command(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			fprintf(stderr, "ipsecme: options go before the command: "
				"ipsecme %s %s ...\n", argv[i], argv[0]);
			return true;
		}
	}
	return false;
}

int main(int argc, char **argv)
{
	struct cli_opts opts = { 0 };
	size_t i;

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		if (!strcmp(argv[0], "-j") || !strcmp(argv[0], "--json")) {
			opts.json = true;
		} else if ((!strcmp(argv[0], "-s") ||
			    !strcmp(argv[0], "--socket")) && argc > 1) {
			opts.ctl_path = argv[1];
			argc--;
			argv++;
		} else if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "ipsecme: unknown option '%s'\n",
				argv[0]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (option_after_command(argc, argv))
		return EXIT_USAGE;
	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].run(&opts, argc, argv);
	fprintf(stderr, "ipsecme: unknown command '%s'; try 'ipsecme help'\n",
		argv[0]);
	return EXIT_USAGE;
}
