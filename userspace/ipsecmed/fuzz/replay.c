// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the fuzz target over every file of the committed corpus, without
 * libFuzzer, so `make check` exercises the parser on those inputs with
 * any compiler. One KTAP result: all inputs ran, and there were some.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/ktest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_CORPUS
#define FUZZ_CORPUS "ipsecmed/fuzz/corpus"
#endif

static int run_file(const char *dir, const char *name)
{
	static uint8_t buf[1 << 17];
	char path[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static const char *corpus_dir;

static void test_corpus(void)
{
	DIR *d = opendir(corpus_dir);
	struct dirent *e;
	int n = 0;

	KT_EXPECT(d != NULL);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		KT_EXPECT(run_file(corpus_dir, e->d_name) == 0);
		n++;
	}
	closedir(d);
	printf("# %d corpus inputs from %s\n", n, corpus_dir);
	KT_EXPECT(n >= 8);
}

int main(int argc, char **argv)
{
	corpus_dir = argc > 1 ? argv[1] : FUZZ_CORPUS;
	kt_run("fuzz corpus replays through the parser", test_corpus);
	return kt_done();
}
