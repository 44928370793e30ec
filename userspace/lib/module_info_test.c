// SPDX-License-Identifier: GPL-2.0
/* GET_INFO reply parsing, including replies a broken module could send. */
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>

#include "lib/module_info.h"
#include "lib/nl.h"
#include "lib/ktest.h"

static char buf[NL_BUF_SIZE];

static struct nlmsghdr *reply_start(void)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = IPSECME_CMD_GET_INFO;
	return nlh;
}

static struct nlmsghdr *good_reply(void)
{
	struct nlmsghdr *nlh = reply_start();
	struct nlattr *nest;

	mnl_attr_put_strz(nlh, IPSECME_A_INFO_VERSION, "0.1.0");
	mnl_attr_put_u64(nlh, IPSECME_A_INFO_FEATURES,
			 IPSECME_FEATURE_KERNEL_ESPINTCP);
	mnl_attr_put_u32(nlh, IPSECME_A_INFO_NETNS_COUNT, 3);
	nest = mnl_attr_nest_start(nlh, IPSECME_A_INFO_STATS);
	mnl_attr_put_u64(nlh, IPSECME_A_STAT_GENL_REQUESTS, 42);
	mnl_attr_put_u64(nlh, 200, 7);	/* a counter from a newer module */
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_good_reply(void)
{
	struct module_info mi;
	const char *why;

	KT_EXPECT(module_info_parse(good_reply(), &mi, &why) == 0);
	KT_EXPECT_STR(mi.version, "0.1.0");
	KT_EXPECT(mi.features == IPSECME_FEATURE_KERNEL_ESPINTCP);
	KT_EXPECT(mi.netns_count == 3);
	KT_EXPECT(mi.has_stat[IPSECME_A_STAT_GENL_REQUESTS]);
	KT_EXPECT(mi.stats[IPSECME_A_STAT_GENL_REQUESTS] == 42);
}

static void test_unknown_attribute_ignored(void)
{
	struct nlmsghdr *nlh = good_reply();
	struct module_info mi;
	const char *why;

	mnl_attr_put_u32(nlh, IPSECME_A_INFO_MAX + 5, 1);
	KT_EXPECT(module_info_parse(nlh, &mi, &why) == 0);
}

static void test_missing_attribute(void)
{
	struct nlmsghdr *nlh = reply_start();
	struct module_info mi;
	const char *why;

	mnl_attr_put_strz(nlh, IPSECME_A_INFO_VERSION, "0.1.0");
	KT_EXPECT(module_info_parse(nlh, &mi, &why) == -EBADMSG);
	KT_EXPECT_STR(why, "reply lacks a mandatory attribute");
}

/* The namespace count is for the host's admin only: a reply without it
 * is complete.
 */
static void test_no_netns_count(void)
{
	struct nlmsghdr *nlh = reply_start();
	struct module_info mi;
	struct nlattr *nest;
	const char *why;

	mnl_attr_put_strz(nlh, IPSECME_A_INFO_VERSION, "0.1.0");
	mnl_attr_put_u64(nlh, IPSECME_A_INFO_FEATURES, 0);
	nest = mnl_attr_nest_start(nlh, IPSECME_A_INFO_STATS);
	mnl_attr_nest_end(nlh, nest);
	KT_EXPECT(module_info_parse(nlh, &mi, &why) == 0);
	KT_EXPECT(!mi.has_netns_count);
}

static void test_wrong_lengths(void)
{
	struct nlmsghdr *nlh;
	struct module_info mi;
	const char *why;

	nlh = reply_start();
	mnl_attr_put_u32(nlh, IPSECME_A_INFO_FEATURES, 1);	/* not u64 */
	KT_EXPECT(module_info_parse(nlh, &mi, &why) == -EBADMSG);
	KT_EXPECT_STR(why, "features is not a u64");

	nlh = reply_start();
	mnl_attr_put_u64(nlh, IPSECME_A_INFO_NETNS_COUNT, 1);	/* not u32 */
	KT_EXPECT(module_info_parse(nlh, &mi, &why) == -EBADMSG);

	nlh = reply_start();
	mnl_attr_put(nlh, IPSECME_A_INFO_VERSION, 3, "abc");	/* no NUL */
	KT_EXPECT(module_info_parse(nlh, &mi, &why) == -EBADMSG);
}

static void test_overlong_version(void)
{
	struct nlmsghdr *nlh = reply_start();
	char longv[100];
	struct module_info mi;
	const char *why;

	memset(longv, 'x', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	mnl_attr_put_strz(nlh, IPSECME_A_INFO_VERSION, longv);
	KT_EXPECT(module_info_parse(nlh, &mi, &why) == -EBADMSG);
	KT_EXPECT(strlen(mi.version) < sizeof(mi.version));
}

static void test_bad_counter(void)
{
	struct nlmsghdr *nlh = reply_start();
	struct module_info mi;
	struct nlattr *nest;
	const char *why;

	mnl_attr_put_strz(nlh, IPSECME_A_INFO_VERSION, "0.1.0");
	mnl_attr_put_u64(nlh, IPSECME_A_INFO_FEATURES, 0);
	mnl_attr_put_u32(nlh, IPSECME_A_INFO_NETNS_COUNT, 1);
	nest = mnl_attr_nest_start(nlh, IPSECME_A_INFO_STATS);
	mnl_attr_put_u16(nlh, IPSECME_A_STAT_GENL_REQUESTS, 1);
	mnl_attr_nest_end(nlh, nest);
	KT_EXPECT(module_info_parse(nlh, &mi, &why) == -EBADMSG);
	KT_EXPECT_STR(why, "counter is not a u64");
}

/* An attribute claiming more bytes than the message holds must not be
 * read past the end: parsing stops and the reply is incomplete.
 */
static void test_truncated_attribute(void)
{
	struct nlmsghdr *nlh = good_reply();
	struct module_info mi;
	struct nlattr *last;
	const char *why;

	last = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));
	last->nla_len = 0xffff;
	KT_EXPECT(module_info_parse(nlh, &mi, &why) == -EBADMSG);

	nlh = reply_start();
	nlh->nlmsg_len = sizeof(*nlh) + 1;	/* shorter than genl header */
	KT_EXPECT(module_info_parse(nlh, &mi, &why) == -EBADMSG);
	KT_EXPECT_STR(why, "reply shorter than its genl header");
}

static void test_stat_names(void)
{
	KT_EXPECT_STR(module_stat_name(IPSECME_A_STAT_GENL_REQUESTS),
		      "genl_requests");
	KT_EXPECT(module_stat_name(0) == NULL);
	KT_EXPECT(module_stat_name(IPSECME_A_STAT_PAD) == NULL);
	KT_EXPECT(module_stat_name(IPSECME_A_STAT_MAX + 1) == NULL);
	KT_EXPECT(module_stat_name(-1) == NULL);
}

int main(void)
{
	kt_run("info: well-formed reply is parsed exactly", test_good_reply);
	kt_run("info: unknown attributes are ignored",
	       test_unknown_attribute_ignored);
	kt_run("info: a reply without the namespace count is complete",
	       test_no_netns_count);
	kt_run("info: missing mandatory attribute is rejected",
	       test_missing_attribute);
	kt_run("info: wrong attribute lengths are rejected",
	       test_wrong_lengths);
	kt_run("info: overlong version is rejected", test_overlong_version);
	kt_run("info: non-u64 counter is rejected", test_bad_counter);
	kt_run("info: truncated attributes are never read past",
	       test_truncated_attribute);
	kt_run("info: counter names", test_stat_names);
	return kt_done();
}
