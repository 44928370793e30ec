/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the configuration parser's files; not an API. */
#ifndef IPSECMED_CONF_INTERNAL_H
#define IPSECMED_CONF_INTERNAL_H

#include <stddef.h>

/* vsnprintf into @err; returns -EINVAL. */
int conf_efmt(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A decimal number without sign or suffix, at most @max. 0 or -EINVAL. */
int conf_parse_uint(const char *s, unsigned long max, unsigned long *out);

#endif /* IPSECMED_CONF_INTERNAL_H */
