// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "lib/ktest.h"

int kt_case_failed;
static int kt_cases, kt_failures;

void kt_run(const char *name, void (*fn)(void))
{
	if (kt_cases == 0)
		printf("KTAP version 1\n");
	kt_case_failed = 0;
	fn();
	kt_cases++;
	if (kt_case_failed)
		kt_failures++;
	printf("%sok %d %s\n", kt_case_failed ? "not " : "", kt_cases, name);
	fflush(stdout);
}

int kt_done(void)
{
	printf("1..%d\n", kt_cases);
	if (kt_failures)
		printf("# %d of %d cases failed\n", kt_failures, kt_cases);
	return kt_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
