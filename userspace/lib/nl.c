// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/netlink.h>

#include "lib/nl.h"

int nl_open(struct nl_conn *c, int bus)
{
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->sk = mnl_socket_open(bus);
	if (!c->sk)
		return -errno;
	/* Best effort: old kernels simply send no extack. */
	mnl_socket_setsockopt(c->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(c->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(c->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(c->sk);
		c->sk = NULL;
		return err;
	}
	c->portid = mnl_socket_get_portid(c->sk);
	c->seq = (uint32_t)time(NULL);
	return 0;
}

void nl_close(struct nl_conn *c)
{
	if (c->sk)
		mnl_socket_close(c->sk);
	c->sk = NULL;
}

struct nlmsghdr *nl_msg_start(struct nl_conn *c, void *buf, uint16_t type,
			      uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++c->seq;
	return nlh;
}

static int nl_extack_attr(const struct nlattr *attr, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*msg = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

void nl_parse_extack(const struct nlmsghdr *nlh, char *out, size_t len)
{
	const struct nlmsgerr *err;
	const char *msg = NULL;
	size_t off;

	out[0] = '\0';
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	err = mnl_nlmsg_get_payload(nlh);
	off = sizeof(*err);
	/* Without NLM_F_CAPPED the whole request is echoed back. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return;
	mnl_attr_parse(nlh, off, nl_extack_attr, &msg);
	if (msg)
		snprintf(out, len, "%s", msg);
}

struct nl_talk_ctx {
	struct nl_conn *c;
	mnl_cb_t cb;
	void *data;
};

static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk_ctx *t = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	nl_parse_extack(nlh, t->c->ext_msg, sizeof(t->c->ext_msg));
	if (err->error == 0)
		return MNL_CB_STOP;
	errno = -err->error;
	return MNL_CB_ERROR;
}

/* A dump ends with NLMSG_DONE, which may carry the dump's error. */
static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	const int *err = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*err)) && *err < 0) {
		errno = -*err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk_ctx *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

int nl_talk(struct nl_conn *c, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	char buf[32768];	/* room for a whole dump batch */
	struct nl_talk_ctx t = { .c = c, .cb = cb, .data = data };
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = nl_error_cb,
		[NLMSG_DONE] = nl_done_cb,
	};
	uint32_t seq = req->nlmsg_seq;
	int ret;

	/* A dump's end is its NLMSG_DONE; an ACK after it would be left
	 * unread for the next request.
	 */
	if ((req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
		req->nlmsg_flags &= ~NLM_F_ACK;
	c->ext_msg[0] = '\0';
	if (mnl_socket_sendto(c->sk, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		ssize_t n = mnl_socket_recvfrom(c->sk, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run2(buf, n, seq, c->portid, nl_data_cb, &t, ctl,
				  NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR) {
			ret = errno ? -errno : -EPROTO;
			/* Replies may hold keys (XFRM_MSG_GETSA). */
			explicit_bzero(buf, sizeof(buf));
			return ret;
		}
	} while (ret > MNL_CB_STOP);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}
