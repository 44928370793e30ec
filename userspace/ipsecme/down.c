// SPDX-License-Identifier: GPL-2.0
/* ipsecme down NAME: have ipsecmed delete a connection's IKE SAs. */
#include "ipsecme/daemon.h"

int cmd_down(const struct cli_opts *opts, int argc, char **argv)
{
	return daemon_name_cmd(opts, argc, argv, CTL_CMD_DOWN, 30);
}
