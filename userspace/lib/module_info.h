/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's GET_INFO reply as a plain struct, parsed apart from the
 * socket code so that unit tests can feed it malformed replies.
 */
#ifndef LIB_MODULE_INFO_H
#define LIB_MODULE_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/ipsecme.h>
#include <libmnl/libmnl.h>

struct module_info {
	char version[32];
	uint64_t features;
	uint32_t netns_count;
	bool has_netns_count;	/* only the host's admin is told */
	/* Counters by enum ipsecme_stat_attr; has_stat says which came. */
	uint64_t stats[IPSECME_A_STAT_MAX + 1];
	bool has_stat[IPSECME_A_STAT_MAX + 1];
};

/* Parse one GET_INFO reply. Returns 0, or -EBADMSG with @why naming the
 * offending attribute when the reply is malformed or incomplete.
 */
int module_info_parse(const struct nlmsghdr *nlh, struct module_info *mi,
		      const char **why);

/* Name of counter @stat for output, NULL for one this CLI does not know. */
const char *module_stat_name(int stat);

struct feature_name {
	uint64_t bit;
	const char *name;
};
extern const struct feature_name module_feature_names[];

#endif /* LIB_MODULE_INFO_H */
