/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's side of the control socket (lib/ctl.h). */
#ifndef IPSECMED_CONTROL_H
#define IPSECMED_CONTROL_H

#include "ipsecmed/core.h"

struct ctl_handlers;

/* The command handlers for lib/ctl.h, and the hooks of @d that answer
 * a deferred "up".
 */
void control_handlers(struct daemon *d, struct ctl_handlers *h);

/* Re-read d->conf_path; on error the old configuration stays. */
int control_reload(struct daemon *d, char *err, size_t errlen);

#endif /* IPSECMED_CONTROL_H */
