// SPDX-License-Identifier: GPL-2.0
/* struct proto still has sendpage (removed in 6.5). */
#include <net/sock.h>

struct proto probe_proto = { .sendpage = NULL };
