// SPDX-License-Identifier: GPL-2.0
/* The control-socket client shared by up, down, status and reload. */
#include <errno.h>
#include <string.h>

#include "ipsecme/daemon.h"

struct call_ctx {
	FILE *msg_out;
	void (*ike_cb)(void *data, const struct ctl_ike_status *ike);
	void (*tcp_cb)(void *data, const struct ctl_tcp_status *tcp);
	void *data;
	int messages;
};

static void on_message(void *data, const char *text)
{
	struct call_ctx *c = data;

	c->messages++;
	fprintf(c->msg_out, "%s\n", text);
	fflush(c->msg_out);
}

static void on_ike(void *data, const struct ctl_ike_status *ike)
{
	struct call_ctx *c = data;

	if (c->ike_cb)
		c->ike_cb(c->data, ike);
}

static void on_tcp(void *data, const struct ctl_tcp_status *tcp)
{
	struct call_ctx *c = data;

	if (c->tcp_cb)
		c->tcp_cb(c->data, tcp);
}

static const char *status_text(int status)
{
	switch (status) {
	case CTL_E_NOENT:
		return "no such connection";
	case CTL_E_STATE:
		return "not possible in the current state";
	case CTL_E_FAILED:
		return "the daemon could not do it";
	case CTL_E_BADREQ:
		return "the daemon did not understand the request "
		       "(ipsecme and ipsecmed of different versions?)";
	default:
		return "unknown result";
	}
}

int daemon_call(const struct cli_opts *opts, const struct ctl_request *req,
		int timeout_s, FILE *msg_out,
		void (*ike_cb)(void *data, const struct ctl_ike_status *ike),
		void (*tcp_cb)(void *data, const struct ctl_tcp_status *tcp),
		void *data)
{
	const char *path = opts->ctl_path ? opts->ctl_path : CTL_DEFAULT_PATH;
	struct call_ctx c = {
		.msg_out = msg_out ? msg_out : stdout, .ike_cb = ike_cb,
		.tcp_cb = tcp_cb, .data = data,
	};
	struct ctl_reply_ops ops = { on_message, on_ike, &c, on_tcp };
	const char *cmd = ctl_cmd_name(req->cmd);
	int status, ret;

	ret = ctl_call(path, req, &ops, timeout_s * 1000, &status);
	switch (ret) {
	case 0:
		break;
	case -ENOENT:
	case -ECONNREFUSED:
		fprintf(stderr, "ipsecme: ipsecmed is not running (nothing "
			"listens on %s); start it with 'systemctl start "
			"ipsecmed' or 'ipsecmed'\n", path);
		return EXIT_SEMANTIC;
	case -EACCES:
	case -EPERM:
		fprintf(stderr, "ipsecme: not allowed to use %s: the daemon "
			"commands need root\n", path);
		return EXIT_SEMANTIC;
	case -ETIMEDOUT:
		fprintf(stderr, "ipsecme: %s: ipsecmed did not answer within "
			"%d s\n", cmd, timeout_s);
		return EXIT_KERNEL;
	case -EPROTO:
		fprintf(stderr, "ipsecme: %s: malformed reply from ipsecmed "
			"(are ipsecme and ipsecmed of one version?)\n", cmd);
		return EXIT_KERNEL;
	default:
		fprintf(stderr, "ipsecme: %s: talking to ipsecmed on %s: %s\n",
			cmd, path, strerror(-ret));
		return EXIT_KERNEL;
	}
	if (status == CTL_OK)
		return EXIT_OK;
	if (!c.messages)
		fprintf(stderr, "ipsecme: %s%s%s: %s\n", cmd,
			req->name[0] ? " " : "", req->name, status_text(status));
	return status == CTL_E_NOENT || status == CTL_E_STATE ? EXIT_SEMANTIC
							       : EXIT_KERNEL;
}
