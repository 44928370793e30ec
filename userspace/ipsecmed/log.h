/* SPDX-License-Identifier: GPL-2.0 */
/* Logging to stderr (the journal under systemd), with levels. */
#ifndef IPSECMED_LOG_H
#define IPSECMED_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int log_level;

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A token bucket: LOG_RL_BURST lines at once, then LOG_RL_PER_SEC a
 * second; what it holds back is counted and reported with the next
 * line it lets through.
 */
#define LOG_RL_BURST	20
#define LOG_RL_PER_SEC	5
struct log_bucket {
	uint64_t last_ms;
	unsigned int tokens;
	unsigned long suppressed;
	bool started;
};

/* Whether a line may go out now (@now_ms: a monotonic clock). */
bool log_bucket_allow(struct log_bucket *b, uint64_t now_ms);

/* Log lines that unauthenticated input can trigger at will: one bucket
 * per call site, so a flood of one kind of garbage neither fills the
 * journal nor silences the other messages.
 */
#define log_rl(level, ...)						\
	do {								\
		static struct log_bucket rl_bucket_;			\
		if ((level) <= log_level &&				\
		    log_bucket_allow(&rl_bucket_, log_now_ms()))		\
			log_msg(level, __VA_ARGS__);			\
	} while (0)

uint64_t log_now_ms(void);

#endif /* IPSECMED_LOG_H */
