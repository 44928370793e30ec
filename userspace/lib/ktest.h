/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP unit-test harness for host tests: one KTAP result per
 * test case, a plan at the end, exit status 1 if any case failed.
 *
 *	static void test_x(void) { KT_EXPECT(f(1) == 2); }
 *	int main(void) { kt_run("x works", test_x); return kt_done(); }
 */
#ifndef IPSECME_KTEST_H
#define IPSECME_KTEST_H

#include <stdio.h>

extern int kt_case_failed;

#define KT_EXPECT(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: expected %s\n", __FILE__,	\
			       __LINE__, #cond);			\
			kt_case_failed = 1;				\
		}							\
	} while (0)

#define KT_EXPECT_STR(got, want)					\
	do {								\
		const char *g_ = (got), *w_ = (want);			\
		if (!g_ || strcmp(g_, w_)) {				\
			printf("# %s:%d: got \"%s\", want \"%s\"\n",	\
			       __FILE__, __LINE__, g_ ? g_ : "(null)", w_); \
			kt_case_failed = 1;				\
		}							\
	} while (0)

void kt_run(const char *name, void (*fn)(void));
int kt_done(void);

#endif /* IPSECME_KTEST_H */
