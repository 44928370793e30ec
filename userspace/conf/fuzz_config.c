// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the configuration parser on arbitrary text. */
#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	char err[512];

	/* No file access: a fuzzed psk_file must not read /etc/shadow. */
	if (!conf_parse((const char *)data, size, "fuzz.conf", CONF_NO_FILES,
			&c, err, sizeof(err)))
		conf_free(c);
	return 0;
}
