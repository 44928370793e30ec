// SPDX-License-Identifier: GPL-2.0
/* Families say from which command on requests are validated strictly. */
#include <net/genetlink.h>

struct genl_family probe_family = { .resv_start_op = 1 };
