// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
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

static int genl_family_attr(const struct nlattr *attr, void *data)
{
	int *id = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		*id = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int genl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), genl_family_attr, data);
	return MNL_CB_OK;
}

int genl_family_id(struct nl_conn *c, const char *name)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int id = 0, err;

	nlh = genl_msg_start(c, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	err = nl_talk(c, nlh, genl_family_cb, &id);
	if (err)
		return err;
	return id > 0 ? id : -ENOENT;
}
