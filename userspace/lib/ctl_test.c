// SPDX-License-Identifier: GPL-2.0
/* Control socket: codec round trips, malformed and oversized requests and
 * replies, and the server over a real socket in a temporary directory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/netlink.h>

#include "lib/ctl.h"
#include "lib/ktest.h"

static char dir[64], path[128];

/* ---- codec --------------------------------------------------------------- */

static size_t raw_req(uint8_t *buf, uint16_t cmd, const char *name,
		      size_t name_len)
{
	struct ctl_hdr h = { CTL_MAGIC, CTL_VERSION, cmd, 0, 0 };
	struct nlattr a = { (uint16_t)(4 + name_len), CTL_A_NAME };
	size_t len = sizeof(h);

	memcpy(buf, &h, sizeof(h));
	if (name) {
		memcpy(buf + len, &a, 4);
		memcpy(buf + len + 4, name, name_len);
		len += (4 + name_len + 3) & ~3u;
	}
	return len;
}

static void test_request_codec(void)
{
	struct ctl_request req = { CTL_CMD_UP, "gw-1.net" }, out;
	uint8_t buf[CTL_REQ_MAX + 64];
	const char *why;
	int len;

	len = ctl_request_encode(&req, buf, sizeof(buf));
	KT_EXPECT(len == 16 + 4 + 12);
	KT_EXPECT(ctl_request_decode(buf, len, &out, &why) == 0);
	KT_EXPECT(out.cmd == CTL_CMD_UP);
	KT_EXPECT_STR(out.name, "gw-1.net");

	req = (struct ctl_request){ CTL_CMD_STATUS, "" };
	len = ctl_request_encode(&req, buf, sizeof(buf));
	KT_EXPECT(len == 16);
	KT_EXPECT(ctl_request_decode(buf, len, &out, &why) == 0);
	KT_EXPECT(out.cmd == CTL_CMD_STATUS && out.name[0] == '\0');

	/* The encoder refuses what the decoder would. */
	req = (struct ctl_request){ CTL_CMD_DOWN, "" };
	KT_EXPECT(ctl_request_encode(&req, buf, sizeof(buf)) == -EINVAL);
	req = (struct ctl_request){ CTL_CMD_UP, "a b" };
	KT_EXPECT(ctl_request_encode(&req, buf, sizeof(buf)) == -EINVAL);
	req = (struct ctl_request){ 99, "x" };
	KT_EXPECT(ctl_request_encode(&req, buf, sizeof(buf)) == -EINVAL);
	KT_EXPECT_STR(ctl_cmd_name(CTL_CMD_RELOAD), "reload");
	KT_EXPECT(ctl_cmd_name(0) == NULL && ctl_cmd_name(99) == NULL);
}

static void expect_bad_req(const uint8_t *buf, size_t len, const char *why)
{
	struct ctl_request out;
	const char *got;

	KT_EXPECT(ctl_request_decode(buf, len, &out, &got) == -EPROTO);
	KT_EXPECT_STR(got, why);
}

static void test_request_malformed(void)
{
	uint8_t buf[CTL_REQ_MAX + 64];
	struct ctl_hdr *h = (struct ctl_hdr *)buf;
	char longname[80];
	size_t len;

	len = raw_req(buf, CTL_CMD_UP, "gw", 3);
	expect_bad_req(buf, 10, "shorter than the header");
	h->magic ^= 1;
	expect_bad_req(buf, len, "bad magic");
	h->magic ^= 1;
	h->version = 2;
	expect_bad_req(buf, len, "unsupported protocol version");
	h->version = CTL_VERSION;
	h->cmd = 0;
	expect_bad_req(buf, len, "unknown command");
	h->cmd = CTL_CMD_MAX + 1;
	expect_bad_req(buf, len, "unknown command");
	h->cmd = CTL_CMD_UP;
	h->flags = CTL_F_MORE;
	expect_bad_req(buf, len, "status or flags set in a request");
	h->flags = 0;
	h->status = 3;
	expect_bad_req(buf, len, "status or flags set in a request");

	len = raw_req(buf, CTL_CMD_UP, NULL, 0);
	expect_bad_req(buf, len, "up and down need a connection name");
	len = raw_req(buf, CTL_CMD_UP, "gw", 2);	/* no NUL */
	expect_bad_req(buf, len, "name is not 1-63 characters of A-Z a-z "
		       "0-9 _ . -");
	len = raw_req(buf, CTL_CMD_UP, "g\0w", 4);	/* embedded NUL */
	expect_bad_req(buf, len, "name is not 1-63 characters of A-Z a-z "
		       "0-9 _ . -");
	len = raw_req(buf, CTL_CMD_DOWN, "../x", 5);
	expect_bad_req(buf, len, "name is not 1-63 characters of A-Z a-z "
		       "0-9 _ . -");
	memset(longname, 'a', sizeof(longname));
	longname[64] = '\0';
	len = raw_req(buf, CTL_CMD_UP, longname, 65);
	expect_bad_req(buf, len, "name is not 1-63 characters of A-Z a-z "
		       "0-9 _ . -");
	len = raw_req(buf, CTL_CMD_UP, "gw", 3);
	memcpy(buf + len, buf + 16, len - 16);		/* name twice */
	expect_bad_req(buf, len + len - 16, "name given twice");
	/* An attribute longer than the record. */
	len = raw_req(buf, CTL_CMD_UP, "gw", 3);
	((struct nlattr *)(buf + 16))->nla_len = 200;
	expect_bad_req(buf, len, "malformed attributes");
	/* Trailing bytes that are no attribute. */
	len = raw_req(buf, CTL_CMD_STATUS, NULL, 0);
	buf[len] = 1;
	expect_bad_req(buf, len + 2, "malformed attributes");
	/* Oversized. */
	len = raw_req(buf, CTL_CMD_STATUS, NULL, 0);
	expect_bad_req(buf, CTL_REQ_MAX + 1, "request too long");
	/* Unknown attributes are fine. */
	len = raw_req(buf, CTL_CMD_RELOAD, NULL, 0);
	{
		struct nlattr a = { 8, 77 };
		struct ctl_request out;
		const char *why;

		memcpy(buf + len, &a, 4);
		memset(buf + len + 4, 0, 4);
		KT_EXPECT(ctl_request_decode(buf, len + 8, &out, &why) == 0);
		KT_EXPECT(out.cmd == CTL_CMD_RELOAD);
	}
}

/* ---- what a client saw ------------------------------------------------------ */

struct seen {
	char messages[4096];
	int n_messages;
	int n_ike;
	struct ctl_ike_status ike;
	struct ctl_child_status children[CTL_CHILDREN_MAX];
	int n_tcp;
	struct ctl_tcp_status tcp;
};

static void on_message(void *data, const char *text)
{
	struct seen *s = data;

	s->n_messages++;
	if (strlen(s->messages) + strlen(text) + 2 < sizeof(s->messages)) {
		strcat(s->messages, text);
		strcat(s->messages, "|");
	}
}

static void on_ike(void *data, const struct ctl_ike_status *ike)
{
	struct seen *s = data;

	s->n_ike++;
	s->ike = *ike;
	memcpy(s->children, ike->children,
	       ike->n_children * sizeof(*ike->children));
	s->ike.children = s->children;
}

static void on_tcp(void *data, const struct ctl_tcp_status *tcp)
{
	struct seen *s = data;

	s->n_tcp++;
	s->tcp = *tcp;
}

static struct seen seen;
static const struct ctl_reply_ops ops = { on_message, on_ike, &seen, on_tcp };

/* Read every part of a reply on @fd. Returns the final status or -errno;
 * *parts counts the records.
 */
static int collect(int fd, uint16_t cmd, int *parts)
{
	static uint8_t buf[CTL_MSG_MAX];
	bool more = true;
	const char *why;
	int status = -1;

	memset(&seen, 0, sizeof(seen));
	*parts = 0;
	while (more) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			return -EPIPE;
		(*parts)++;
		if (ctl_reply_decode(buf, n, cmd, &ops, &status, &more, &why)) {
			printf("# reply part %d: %s\n", *parts, why);
			return -EPROTO;
		}
	}
	return status;
}

/* ---- server ------------------------------------------------------------------ */

static struct ctl_client *deferred;
static int handler_calls;
static struct ctl_request last_req;

static struct ctl_child_status sample_child(int i)
{
	struct ctl_child_status c = {
		.state = "INSTALLED", .mode = "tunnel", .reqid = 10 + i,
		.spi_in = 0xc1000000 + i, .spi_out = 0xc2000000 + i,
		.algs = "AES_GCM_16_256", .encap = i & 1,
		.bytes_in = 1ULL << 40, .bytes_out = 7, .packets_in = 3,
		.packets_out = 4, .installed_secs = 5, .rekey_secs = 3000,
		.expire_secs = 3900, .local_ts = "10.1.0.0/16",
		.remote_ts = "10.2.0.0/16,192.0.2.7/32[udp/53]",
	};

	snprintf(c.name, sizeof(c.name), "net%d", i);
	return c;
}

static struct ctl_child_status children[CTL_CHILDREN_MAX];

static struct ctl_ike_status sample_ike(size_t n_children)
{
	struct ctl_ike_status ike = {
		.conn = "gw", .id = 12, .state = "ESTABLISHED",
		.initiator = true, .local_port = 4500, .remote_port = 4501,
		.local_id = "fqdn:gw.example.com",
		.remote_id = "dn:C=CH, O=Example, CN=peer",
		.spi_i = 0x0102030405060708ULL, .spi_r = 0xfffffffffffffffeULL,
		.algs = "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519",
		.transport = "tcp (UDP unanswered)",
		.esp_path = "ipsecme.ko",
		.nat = CTL_NAT_REMOTE, .established_secs = 99,
		.rekey_secs = 14000, .n_children = n_children,
		.children = children,
	};
	size_t i;

	ipsec_addr_parse("192.0.2.1", &ike.local_addr);
	ipsec_addr_parse("2001:db8::2", &ike.remote_addr);
	for (i = 0; i < n_children; i++)
		children[i] = sample_child(i);
	return ike;
}

static int h_up(void *data, struct ctl_client *cl,
		const struct ctl_request *req)
{
	handler_calls++;
	last_req = *req;
	if (strcmp(req->name, "gw")) {
		ctl_reply_message(cl, "no connection '%s'", req->name);
		return CTL_E_NOENT;
	}
	ctl_reply_message(cl, "initiating %s", req->name);
	deferred = cl;
	return CTL_DEFER;
}

/* Every counter distinct, and beyond 32 bits where it is a u64. */
static const struct ctl_tcp_status sample_tcp = {
	.port = 4500, .open = 7, .max_conns = 1000, .max_per_source = 16,
	.accepted = 1ULL << 33, .connected = 2, .refused_limit = 3,
	.refused_source = 4, .bad_prefix = 5, .timed_out = 6,
	.bad_record = 8, .oversized_first = 9, .esp_dropped = 10,
	.closed = 11,
};

static int h_status(void *data, struct ctl_client *cl,
		    const struct ctl_request *req)
{
	struct ctl_ike_status ike = sample_ike(3);
	int i;

	handler_calls++;
	last_req = *req;
	if (!strcmp(req->name, "many")) {
		/* ~200 KiB of messages: several parts. */
		for (i = 0; i < 200; i++)
			ctl_reply_message(cl, "%0*d", 1000, i);
		return CTL_OK;
	}
	if (!strcmp(req->name, "full")) {
		ike = sample_ike(CTL_CHILDREN_MAX);
		for (i = 0; i < CTL_CHILDREN_MAX; i++) {
			memset(children[i].local_ts, 'x', 255);
			children[i].local_ts[255] = '\0';
			strcpy(children[i].remote_ts, children[i].local_ts);
		}
		KT_EXPECT(ctl_reply_ike(cl, &ike) == 0);
		KT_EXPECT(ctl_reply_ike(cl, &ike) == 0);
		return CTL_OK;
	}
	KT_EXPECT(ctl_reply_ike(cl, &ike) == 0);
	ike.n_children = CTL_CHILDREN_MAX + 1;
	KT_EXPECT(ctl_reply_ike(cl, &ike) == -EINVAL);
	KT_EXPECT(ctl_reply_tcp(cl, &sample_tcp) == 0);
	return CTL_OK;
}

static const struct ctl_handlers handlers = {
	.fn = { [CTL_CMD_UP] = h_up, [CTL_CMD_STATUS] = h_status },
};

static int raw_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	strcpy(sun.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Send @len raw bytes, let the server handle them, return the client fd. */
static int roundtrip(struct ctl_server *srv, const void *req, size_t len,
		     int *handled)
{
	int fd = raw_connect();

	KT_EXPECT(fd >= 0);
	KT_EXPECT(send(fd, req, len, 0) == (ssize_t)len);
	*handled = ctl_server_handle(srv);
	return fd;
}

static void test_server(void)
{
	struct ctl_server *srv, *srv2;
	struct ctl_request req = { CTL_CMD_UP, "gw" };
	uint8_t buf[CTL_REQ_MAX * 2];
	struct stat st;
	int fd, len, ret, parts;

	KT_EXPECT(ctl_server_open(&srv, path, &handlers) == 0);
	KT_EXPECT(stat(path, &st) == 0);
	KT_EXPECT(S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);
	KT_EXPECT(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	/* A second daemon must not steal the socket. */
	KT_EXPECT(ctl_server_open(&srv2, path, &handlers) == -EADDRINUSE);
	/* The probe's connection is closed without a request: ignored. */
	KT_EXPECT(ctl_server_handle(srv) == 0);
	/* Nothing pending: returns at once. */
	KT_EXPECT(ctl_server_handle(srv) == 0);

	/* Deferred "up": progress now, result later. */
	len = ctl_request_encode(&req, buf, sizeof(buf));
	fd = roundtrip(srv, buf, len, &ret);
	KT_EXPECT(ret == 0 && deferred != NULL);
	KT_EXPECT(ctl_client_flush(deferred) == 0);
	ctl_reply_message(deferred, "IKE SA gw established");
	ctl_client_finish(deferred, CTL_OK);
	deferred = NULL;
	KT_EXPECT(collect(fd, CTL_CMD_UP, &parts) == CTL_OK);
	KT_EXPECT(parts == 2);
	KT_EXPECT_STR(seen.messages, "initiating gw|IKE SA gw established|");
	close(fd);

	/* Unknown connection. */
	strcpy(req.name, "nope");
	len = ctl_request_encode(&req, buf, sizeof(buf));
	fd = roundtrip(srv, buf, len, &ret);
	KT_EXPECT(collect(fd, CTL_CMD_UP, &parts) == CTL_E_NOENT);
	KT_EXPECT_STR(seen.messages, "no connection 'nope'|");
	close(fd);

	/* Status with an IKE SA: every field survives. */
	req = (struct ctl_request){ CTL_CMD_STATUS, "" };
	len = ctl_request_encode(&req, buf, sizeof(buf));
	fd = roundtrip(srv, buf, len, &ret);
	KT_EXPECT(collect(fd, CTL_CMD_STATUS, &parts) == CTL_OK);
	KT_EXPECT(seen.n_ike == 1 && parts == 1);
	{
		struct ctl_ike_status want = sample_ike(3);
		struct ctl_ike_status *got = &seen.ike;
		size_t i;

		KT_EXPECT_STR(got->conn, "gw");
		KT_EXPECT(got->id == 12 && got->initiator);
		KT_EXPECT_STR(got->state, "ESTABLISHED");
		KT_EXPECT(ipsec_addr_eq(&got->local_addr, &want.local_addr));
		KT_EXPECT(ipsec_addr_eq(&got->remote_addr, &want.remote_addr));
		KT_EXPECT(got->local_port == 4500 && got->remote_port == 4501);
		KT_EXPECT_STR(got->local_id, want.local_id);
		KT_EXPECT_STR(got->remote_id, want.remote_id);
		KT_EXPECT(got->spi_i == want.spi_i && got->spi_r == want.spi_r);
		KT_EXPECT_STR(got->algs, want.algs);
		KT_EXPECT_STR(got->transport, want.transport);
		KT_EXPECT_STR(got->esp_path, want.esp_path);
		KT_EXPECT(got->nat == CTL_NAT_REMOTE);
		KT_EXPECT(got->established_secs == 99);
		KT_EXPECT(got->rekey_secs == 14000);
		KT_EXPECT(got->n_children == 3);
		for (i = 0; i < 3 && i < got->n_children; i++) {
			struct ctl_child_status w = sample_child(i);

			KT_EXPECT(!memcmp(&got->children[i], &w, sizeof(w)));
		}
	}
	/* ... and so does every TCP counter. */
	KT_EXPECT(seen.n_tcp == 1);
	KT_EXPECT(!memcmp(&seen.tcp, &sample_tcp, sizeof(sample_tcp)));
	close(fd);

	/* Many messages: split into parts under CTL_MSG_MAX, all arrive. */
	strcpy(req.name, "many");
	len = ctl_request_encode(&req, buf, sizeof(buf));
	fd = roundtrip(srv, buf, len, &ret);
	KT_EXPECT(collect(fd, CTL_CMD_STATUS, &parts) == CTL_OK);
	KT_EXPECT(seen.n_messages == 200);
	KT_EXPECT(parts == 4);
	close(fd);

	/* Two full IKE SAs (64 children, long selectors, ~40 KiB each) do
	 * not fit one part.
	 */
	strcpy(req.name, "full");
	len = ctl_request_encode(&req, buf, sizeof(buf));
	fd = roundtrip(srv, buf, len, &ret);
	KT_EXPECT(collect(fd, CTL_CMD_STATUS, &parts) == CTL_OK);
	KT_EXPECT(seen.n_ike == 2 && parts == 2);
	KT_EXPECT(seen.ike.n_children == CTL_CHILDREN_MAX);
	KT_EXPECT(strlen(seen.ike.children[63].local_ts) == 255);
	close(fd);

	/* No handler for reload. */
	req = (struct ctl_request){ CTL_CMD_RELOAD, "" };
	len = ctl_request_encode(&req, buf, sizeof(buf));
	fd = roundtrip(srv, buf, len, &ret);
	KT_EXPECT(collect(fd, CTL_CMD_RELOAD, &parts) == CTL_E_BADREQ);
	KT_EXPECT_STR(seen.messages,
		      "ipsecmed: command 'reload' is not supported|");
	close(fd);

	/* Malformed: answered CTL_E_BADREQ, handler not called. */
	handler_calls = 0;
	len = raw_req(buf, CTL_CMD_UP, "gw", 2);
	fd = roundtrip(srv, buf, len, &ret);
	KT_EXPECT(ret == -EPROTO);
	KT_EXPECT(collect(fd, CTL_CMD_UP, &parts) == CTL_E_BADREQ);
	KT_EXPECT(strstr(seen.messages, "malformed request"));
	close(fd);
	/* Oversized: the truncated record is refused, not parsed. */
	memset(buf, 0, sizeof(buf));
	raw_req(buf, CTL_CMD_STATUS, NULL, 0);
	fd = roundtrip(srv, buf, sizeof(buf), &ret);
	KT_EXPECT(ret == -EPROTO);
	KT_EXPECT(collect(fd, CTL_CMD_STATUS, &parts) == CTL_E_BADREQ);
	KT_EXPECT_STR(seen.messages,
		      "ipsecmed: malformed request: request too long|");
	close(fd);
	/* Garbage with an invalid command: reply echoes command 0. */
	memset(buf, 0xff, 20);
	fd = roundtrip(srv, buf, 20, &ret);
	KT_EXPECT(ret == -EPROTO);
	KT_EXPECT(collect(fd, 0, &parts) == CTL_E_BADREQ);
	close(fd);
	/* A client that connects and sends nothing is dropped after 1 s. */
	fd = raw_connect();
	KT_EXPECT(ctl_server_handle(srv) == -ETIMEDOUT);
	close(fd);
	/* A client that leaves before the answer does not hurt. */
	req = (struct ctl_request){ CTL_CMD_STATUS, "" };
	len = ctl_request_encode(&req, buf, sizeof(buf));
	fd = raw_connect();
	send(fd, buf, len, 0);
	close(fd);
	KT_EXPECT(ctl_server_handle(srv) == 0);
	KT_EXPECT(handler_calls == 1);

	/* Deferred clients are answered when the server closes. */
	req = (struct ctl_request){ CTL_CMD_UP, "gw" };
	len = ctl_request_encode(&req, buf, sizeof(buf));
	fd = roundtrip(srv, buf, len, &ret);
	ctl_server_close(srv);
	KT_EXPECT(collect(fd, CTL_CMD_UP, &parts) == CTL_E_FAILED);
	KT_EXPECT_STR(seen.messages, "initiating gw|ipsecmed is stopping|");
	close(fd);
	KT_EXPECT(access(path, F_OK) < 0 && errno == ENOENT);
}

/* ctl_call() against a server in a child process, and without one. */
static void test_call(void)
{
	struct ctl_request req = { CTL_CMD_STATUS, "" };
	struct ctl_server *srv;
	int status, ret;
	pid_t pid;

	ret = ctl_call(path, &req, &ops, 1000, &status);
	KT_EXPECT(ret == -ENOENT);
	/* A stale socket file: nobody listens. */
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

		strcpy(sun.sun_path, path);
		KT_EXPECT(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
		close(fd);
		ret = ctl_call(path, &req, &ops, 1000, &status);
		KT_EXPECT(ret == -ECONNREFUSED);
	}
	KT_EXPECT(ctl_server_open(&srv, path, &handlers) == 0);
	handler_calls = 0;
	pid = fork();
	if (pid == 0) {
		memset(&seen, 0, sizeof(seen));
		ret = ctl_call(path, &req, &ops, 5000, &status);
		_exit(ret == 0 && status == CTL_OK && seen.n_ike == 1 &&
		      seen.ike.n_children == 3 ? 0 : 1);
	}
	for (ret = 0; ret < 50; ret++) {
		if (ctl_server_handle(srv) == 0 && handler_calls)
			break;
		usleep(100000);
	}
	{
		int ws;

		KT_EXPECT(waitpid(pid, &ws, 0) == pid);
		KT_EXPECT(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	}
	/* Timeout: nobody handles the request. */
	ret = ctl_call(path, &req, &ops, 200, &status);
	KT_EXPECT(ret == -ETIMEDOUT);
	ctl_server_close(srv);
	/* Bad request refused locally. */
	req = (struct ctl_request){ CTL_CMD_UP, "" };
	KT_EXPECT(ctl_call(path, &req, &ops, 200, &status) == -EINVAL);
}

static void test_reply_malformed(void)
{
	uint8_t buf[256];
	struct ctl_hdr h = { CTL_MAGIC, CTL_VERSION, CTL_CMD_STATUS, 0, 0 };
	struct nlattr a;
	const char *why;
	int status;
	bool more;

	memcpy(buf, &h, sizeof(h));
	KT_EXPECT(ctl_reply_decode(buf, 16, CTL_CMD_STATUS, &ops, &status,
				   &more, &why) == 0 && !more);
	KT_EXPECT(ctl_reply_decode(buf, 16, CTL_CMD_UP, &ops, &status, &more,
				   &why) == -EPROTO);
	KT_EXPECT_STR(why, "reply to another command");
	((struct ctl_hdr *)buf)->status = 9;
	KT_EXPECT(ctl_reply_decode(buf, 16, CTL_CMD_STATUS, &ops, &status,
				   &more, &why) == -EPROTO);
	KT_EXPECT_STR(why, "unknown status");
	memcpy(buf, &h, sizeof(h));
	((struct ctl_hdr *)buf)->flags = 4;
	KT_EXPECT(ctl_reply_decode(buf, 16, CTL_CMD_STATUS, &ops, &status,
				   &more, &why) == -EPROTO);
	memcpy(buf, &h, sizeof(h));
	/* Message without NUL. */
	a = (struct nlattr){ 7, CTL_A_MESSAGE };
	memcpy(buf + 16, &a, 4);
	memcpy(buf + 20, "abc", 3);
	KT_EXPECT(ctl_reply_decode(buf, 24, CTL_CMD_STATUS, &ops, &status,
				   &more, &why) == -EPROTO);
	KT_EXPECT_STR(why, "message is not a NUL-terminated string");
	/* IKE without a connection name. */
	a = (struct nlattr){ 4 + 8, CTL_A_IKE };
	memcpy(buf + 16, &a, 4);
	a = (struct nlattr){ 8, CTL_IKE_ID };
	memcpy(buf + 20, &a, 4);
	memset(buf + 24, 0, 4);
	KT_EXPECT(ctl_reply_decode(buf, 28, CTL_CMD_STATUS, &ops, &status,
				   &more, &why) == -EPROTO);
	KT_EXPECT_STR(why, "malformed IKE SA status");
	/* IKE with a u32 id of the wrong size. */
	a = (struct nlattr){ 4 + 8 + 8, CTL_A_IKE };
	memcpy(buf + 16, &a, 4);
	a = (struct nlattr){ 7, CTL_IKE_CONN };
	memcpy(buf + 20, &a, 4);
	memcpy(buf + 24, "gw\0\0", 4);
	a = (struct nlattr){ 6, CTL_IKE_ID };
	memcpy(buf + 28, &a, 4);
	KT_EXPECT(ctl_reply_decode(buf, 36, CTL_CMD_STATUS, &ops, &status,
				   &more, &why) == -EPROTO);
	/* Nested length beyond its parent. */
	a = (struct nlattr){ 4 + 8, CTL_A_IKE };
	memcpy(buf + 16, &a, 4);
	a = (struct nlattr){ 60, CTL_IKE_CONN };
	memcpy(buf + 20, &a, 4);
	KT_EXPECT(ctl_reply_decode(buf, 28, CTL_CMD_STATUS, &ops, &status,
				   &more, &why) == -EPROTO);
	/* TCP status with a u64 counter of 4 bytes: refused, no callback. */
	memset(&seen, 0, sizeof(seen));
	a = (struct nlattr){ 4 + 8, CTL_A_TCP };
	memcpy(buf + 16, &a, 4);
	a = (struct nlattr){ 8, CTL_TCP_BAD_PREFIX };
	memcpy(buf + 20, &a, 4);
	memset(buf + 24, 0, 4);
	KT_EXPECT(ctl_reply_decode(buf, 28, CTL_CMD_STATUS, &ops, &status,
				   &more, &why) == -EPROTO);
	KT_EXPECT_STR(why, "malformed TCP status");
	KT_EXPECT(seen.n_tcp == 0);
	/* The right size, and an unknown attribute is skipped. */
	a = (struct nlattr){ 4 + 12 + 8, CTL_A_TCP };
	memcpy(buf + 16, &a, 4);
	a = (struct nlattr){ 12, CTL_TCP_BAD_PREFIX };
	memcpy(buf + 20, &a, 4);
	memset(buf + 24, 0, 8);
	buf[24] = 3;		/* little-endian host, as the format says */
	a = (struct nlattr){ 8, __CTL_TCP_MAX };
	memcpy(buf + 32, &a, 4);
	memset(buf + 36, 0, 4);
	KT_EXPECT(ctl_reply_decode(buf, 40, CTL_CMD_STATUS, &ops, &status,
				   &more, &why) == 0);
	KT_EXPECT(seen.n_tcp == 1 && seen.tcp.bad_prefix == 3 &&
		  seen.tcp.port == 0);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ctl_test.%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/ctl", dir);
	kt_run("ctl: request encode/decode round trip", test_request_codec);
	kt_run("ctl: malformed and oversized requests are refused",
	       test_request_malformed);
	kt_run("ctl: server over a socket: defer, errors, status, parts",
	       test_server);
	kt_run("ctl: ctl_call with and without a daemon", test_call);
	kt_run("ctl: malformed replies are refused", test_reply_malformed);
	unlink(path);
	rmdir(dir);
	return kt_done();
}
