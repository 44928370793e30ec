// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>

#include "lib/genl.h"

struct nlmsghdr *genl_msg_start(struct nl_conn *c, void *buf, uint16_t family,
				uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = nl_msg_start(c, buf, family, flags);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = version;
	return nlh;
}

struct family_query {
	const char *group;
	int id;
	int group_id;
};

static void group_attr(const struct nlattr *groups, struct family_query *q)
{
	const struct nlattr *g, *a;
	const char *name;
	int id;

	mnl_attr_for_each_nested(g, groups) {
		name = NULL;
		id = -1;
		mnl_attr_for_each_nested(a, g) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = (int)mnl_attr_get_u32(a);
		}
		if (name && id >= 0 && !strcmp(name, q->group))
			q->group_id = id;
	}
}

static int genl_family_attr(const struct nlattr *attr, void *data)
{
	struct family_query *q = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		q->id = mnl_attr_get_u16(attr);
	if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS && q->group)
		group_attr(attr, q);
	return MNL_CB_OK;
}

static int genl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), genl_family_attr, data);
	return MNL_CB_OK;
}

int genl_family_group(struct nl_conn *c, const char *name, const char *group,
		      int *group_id)
{
	struct family_query q = { .group = group, .group_id = -1 };
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = genl_msg_start(c, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	err = nl_talk(c, nlh, genl_family_cb, &q);
	if (err)
		return err;
	if (group_id)
		*group_id = q.group_id;
	return q.id > 0 ? q.id : -ENOENT;
}

int genl_family_id(struct nl_conn *c, const char *name)
{
	return genl_family_group(c, name, NULL, NULL);
}
