// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "ipsecmed/log.h"

int log_level = LOG_INFO;

uint64_t log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool log_bucket_allow(struct log_bucket *b, uint64_t now_ms)
{
	uint64_t add;

	if (!b->started) {
		b->started = true;
		b->tokens = LOG_RL_BURST;
		b->last_ms = now_ms;
	}
	add = (now_ms - b->last_ms) * LOG_RL_PER_SEC / 1000;
	if (add) {
		b->tokens = add >= LOG_RL_BURST - b->tokens ? LOG_RL_BURST :
			    b->tokens + (unsigned int)add;
		b->last_ms = now_ms;
	}
	if (!b->tokens) {
		b->suppressed++;
		return false;
	}
	b->tokens--;
	if (b->suppressed) {
		log_msg(LOG_WARN, "%lu similar messages suppressed",
			b->suppressed);
		b->suppressed = 0;
	}
	return true;
}

void log_msg(int level, const char *fmt, ...)
{
	static const char *const tag[] = { "error", "warning", "info",
					   "debug" };
	struct timespec ts;
	va_list ap;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%lld.%03ld ipsecmed %s: ", (long long)ts.tv_sec,
		ts.tv_nsec / 1000000, tag[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
