// SPDX-License-Identifier: GPL-2.0
/* up, down, status, reload against a stand-in daemon: output, JSON and
 * exit codes, and the usage errors that never reach a daemon.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ipsecme/daemon.h"
#include "lib/ktest.h"

static char dir[64], sock[96], out_path[96], err_path[96];
static char out[8192], err[4096];
static struct ctl_server *srv;

static struct ctl_child_status child = {
	.name = "net", .state = "INSTALLED", .mode = "tunnel", .reqid = 1,
	.spi_in = 0xc1a2b3c4, .spi_out = 0x0000abcd,
	.algs = "AES_CBC_256/HMAC_SHA2_256_128", .encap = true,
	.bytes_in = 840, .bytes_out = 1680, .packets_in = 10,
	.packets_out = 20, .installed_secs = 65, .rekey_secs = 3535,
	.expire_secs = 3895, .local_ts = "10.1.0.0/16",
	.remote_ts = "10.2.0.0/16,10.3.0.0/16[tcp/80]",
};

static int h_up(void *data, struct ctl_client *cl,
		const struct ctl_request *req)
{
	if (strcmp(req->name, "gw")) {
		ctl_reply_message(cl, "no connection named '%s'", req->name);
		return CTL_E_NOENT;
	}
	ctl_reply_message(cl, "initiating IKE SA gw");
	ctl_reply_message(cl, "IKE SA gw #1 established");
	return CTL_OK;
}

static int h_down(void *data, struct ctl_client *cl,
		  const struct ctl_request *req)
{
	return CTL_E_STATE;	/* no message: the CLI must explain */
}

static int h_reload(void *data, struct ctl_client *cl,
		    const struct ctl_request *req)
{
	ctl_reply_message(cl, "/etc/ipsecmed/ipsecmed.conf:3: bad");
	return CTL_E_FAILED;
}

static int h_status(void *data, struct ctl_client *cl,
		    const struct ctl_request *req)
{
	struct ctl_ike_status ike = {
		.conn = "gw", .id = 1, .state = "ESTABLISHED",
		.initiator = true, .local_port = 4500, .remote_port = 4500,
		.local_id = "gw.example.com", .remote_id = "198.51.100.2",
		.spi_i = 0x1122334455667788ULL, .spi_r = 0x99,
		.algs = "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519",
		.transport = "udp", .esp_path = "kernel",
		.nat = CTL_NAT_LOCAL, .established_secs = 3725,
		.rekey_secs = 86400 + 5, .n_children = 1, .children = &child,
	};

	struct ctl_tcp_status tcp = {
		.port = 4500, .open = 3, .max_conns = 1000,
		.max_per_source = 16, .accepted = 12, .connected = 1,
		.refused_limit = 2, .refused_source = 5, .bad_prefix = 4,
		.timed_out = 6, .bad_record = 7, .oversized_first = 8,
		.esp_dropped = 9, .closed = 10,
	};

	if (!strcmp(req->name, "none"))
		return CTL_OK;
	/* As ipsecmed answers a status without a name: TCP last. */
	if (!strcmp(req->name, "tcp") || !strcmp(req->name, "notcp")) {
		if (!strcmp(req->name, "notcp"))
			tcp = (struct ctl_tcp_status){ .max_conns = 1000 };
		ctl_reply_tcp(cl, &tcp);
		return CTL_OK;
	}
	ipsec_addr_parse("192.0.2.1", &ike.local_addr);
	ipsec_addr_parse("198.51.100.2", &ike.remote_addr);
	ctl_reply_ike(cl, &ike);
	return CTL_OK;
}

static const struct ctl_handlers handlers = {
	.fn = {
		[CTL_CMD_UP] = h_up, [CTL_CMD_DOWN] = h_down,
		[CTL_CMD_STATUS] = h_status, [CTL_CMD_RELOAD] = h_reload,
	},
};

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* Run @fn(argv) in a child with stdout/stderr captured, serving the
 * control socket meanwhile when a server is open. Returns the exit code.
 */
static int run(int (*fn)(const struct cli_opts *, int, char **), bool json,
	       const char *a0, const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3, NULL };
	struct cli_opts opts = { .json = json, .ctl_path = sock };
	int argc = 0, ws = 0;
	pid_t pid;

	while (argv[argc])
		argc++;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (!freopen(out_path, "w", stdout) ||
		    !freopen(err_path, "w", stderr))
			_exit(99);
		ws = fn(&opts, argc, argv);
		fflush(stdout);
		fflush(stderr);
		_exit(ws);
	}
	while (waitpid(pid, &ws, WNOHANG) == 0) {
		struct pollfd p = { srv ? ctl_server_fd(srv) : -1, POLLIN, 0 };

		if (poll(&p, 1, 50) > 0)
			ctl_server_handle(srv);
	}
	slurp(out_path, out, sizeof(out));
	slurp(err_path, err, sizeof(err));
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void test_not_running(void)
{
	char want[256];

	snprintf(want, sizeof(want), "ipsecme: ipsecmed is not running "
		 "(nothing listens on %s); start it with 'systemctl start "
		 "ipsecmed' or 'ipsecmed'\n", sock);
	KT_EXPECT(run(cmd_status, false, "status", NULL, NULL, NULL) ==
		  EXIT_SEMANTIC);
	KT_EXPECT_STR(err, want);
	KT_EXPECT_STR(out, "");
	KT_EXPECT(run(cmd_status, true, "status", NULL, NULL, NULL) ==
		  EXIT_SEMANTIC);
	KT_EXPECT_STR(out, "");		/* no half JSON */
	KT_EXPECT(run(cmd_up, false, "up", "gw", NULL, NULL) == EXIT_SEMANTIC);
	KT_EXPECT_STR(err, want);
}

static void test_usage(void)
{
	KT_EXPECT(run(cmd_up, false, "up", NULL, NULL, NULL) == EXIT_USAGE);
	KT_EXPECT_STR(err, "ipsecme: up needs a connection name: ipsecme up "
		      "NAME [ timeout SECONDS ]\n");
	KT_EXPECT(run(cmd_down, false, "down", "a/b", NULL, NULL) ==
		  EXIT_USAGE);
	KT_EXPECT(strstr(err, "'a/b' is not a connection name"));
	KT_EXPECT(run(cmd_up, false, "up", "gw", "timeout", "0") == EXIT_USAGE);
	KT_EXPECT_STR(err, "ipsecme: timeout '0' is not 1-3600 seconds\n");
	KT_EXPECT(run(cmd_up, false, "up", "gw", "now", NULL) == EXIT_USAGE);
	KT_EXPECT(run(cmd_status, false, "status", "a", "b", NULL) ==
		  EXIT_USAGE);
	KT_EXPECT(run(cmd_reload, false, "reload", "now", NULL, NULL) ==
		  EXIT_USAGE);
	KT_EXPECT_STR(err, "ipsecme: reload takes no arguments, got 'now'\n");
}

static void test_commands(void)
{
	KT_EXPECT(run(cmd_up, false, "up", "gw", "timeout", "5") == EXIT_OK);
	KT_EXPECT_STR(out, "initiating IKE SA gw\nIKE SA gw #1 established\n");
	KT_EXPECT_STR(err, "");
	KT_EXPECT(run(cmd_up, false, "up", "other", NULL, NULL) ==
		  EXIT_SEMANTIC);
	KT_EXPECT_STR(out, "no connection named 'other'\n");
	KT_EXPECT(run(cmd_down, false, "down", "gw", NULL, NULL) ==
		  EXIT_SEMANTIC);
	KT_EXPECT_STR(err, "ipsecme: down gw: not possible in the current "
		      "state\n");
	KT_EXPECT(run(cmd_reload, false, "reload", NULL, NULL, NULL) ==
		  EXIT_KERNEL);
	KT_EXPECT_STR(out, "/etc/ipsecmed/ipsecmed.conf:3: bad\n");
	KT_EXPECT(run(cmd_status, false, "status", "none", NULL, NULL) ==
		  EXIT_OK);
	KT_EXPECT_STR(out, "no IKE SAs\n");
	KT_EXPECT(run(cmd_status, true, "status", "none", NULL, NULL) ==
		  EXIT_OK);
	KT_EXPECT_STR(out, "{\"ike_sas\":[]}\n");
}

static void test_status_output(void)
{
	KT_EXPECT(run(cmd_status, false, "status", NULL, NULL, NULL) ==
		  EXIT_OK);
	KT_EXPECT_STR(out,
		"gw #1: ESTABLISHED for 1h2m5s, rekey in 1d5s\n"
		"  local  192.0.2.1[4500] gw.example.com (behind NAT)\n"
		"  remote 198.51.100.2[4500] 198.51.100.2\n"
		"  initiator, SPIs 1122334455667788 (i) 0000000000000099 (r)\n"
		"  IKE  AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519 over udp, "
		"ESP by the kernel\n"
		"  child net: INSTALLED tunnel, reqid 1\n"
		"    SPIs c1a2b3c4 (in) 0000abcd (out), UDP-encapsulated\n"
		"    ESP  AES_CBC_256/HMAC_SHA2_256_128\n"
		"    in   840 bytes, 10 packets\n"
		"    out  1680 bytes, 20 packets\n"
		"    installed 1m5s ago, rekey in 58m55s, expires in 1h4m55s\n"
		"    10.1.0.0/16 === 10.2.0.0/16,10.3.0.0/16[tcp/80]\n");
	KT_EXPECT(run(cmd_status, true, "status", NULL, NULL, NULL) ==
		  EXIT_OK);
	KT_EXPECT_STR(out,
		"{\"ike_sas\":[{\"name\":\"gw\",\"id\":1,"
		"\"state\":\"ESTABLISHED\",\"initiator\":true,"
		"\"local\":{\"address\":\"192.0.2.1\",\"port\":4500,"
		"\"id\":\"gw.example.com\",\"behind_nat\":true},"
		"\"remote\":{\"address\":\"198.51.100.2\",\"port\":4500,"
		"\"id\":\"198.51.100.2\",\"behind_nat\":false},"
		"\"spi_i\":\"1122334455667788\",\"spi_r\":\"0000000000000099\","
		"\"algorithms\":\"AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519\","
		"\"transport\":\"udp\",\"esp_path\":\"kernel\","
		"\"established_secs\":3725,\"rekey_secs\":86405,"
		"\"child_sas\":[{\"name\":\"net\",\"state\":\"INSTALLED\","
		"\"mode\":\"tunnel\",\"reqid\":1,\"spi_in\":\"c1a2b3c4\","
		"\"spi_out\":\"0000abcd\","
		"\"algorithms\":\"AES_CBC_256/HMAC_SHA2_256_128\","
		"\"udp_encap\":true,\"bytes_in\":840,\"bytes_out\":1680,"
		"\"packets_in\":10,\"packets_out\":20,\"installed_secs\":65,"
		"\"rekey_secs\":3535,\"expire_secs\":3895,"
		"\"local_ts\":[\"10.1.0.0/16\"],"
		"\"remote_ts\":[\"10.2.0.0/16\",\"10.3.0.0/16[tcp/80]\"]}]}]}\n");
}

static void test_status_tcp(void)
{
	KT_EXPECT(run(cmd_status, false, "status", "tcp", NULL, NULL) ==
		  EXIT_OK);
	KT_EXPECT_STR(out,
		"no IKE SAs\n"
		"\n"
		"TCP port 4500: 3 open (at most 1000, 16 per source)\n"
		"  accepted 12, refused 2 (tcp_max_connections) 5 "
		"(tcp_max_per_source)\n"
		"  closed: 4 bad prefix, 6 timed out, 7 bad record, "
		"8 oversized first record, 10 by the peer\n");
	KT_EXPECT(run(cmd_status, true, "status", "tcp", NULL, NULL) ==
		  EXIT_OK);
	KT_EXPECT_STR(out,
		"{\"ike_sas\":[],\"tcp\":{\"port\":4500,\"open\":3,"
		"\"max_connections\":1000,\"max_per_source\":16,"
		"\"accepted\":12,\"connected\":1,"
		"\"refused_max_connections\":2,"
		"\"refused_max_per_source\":5,\"bad_prefix\":4,"
		"\"timed_out\":6,\"bad_record\":7,"
		"\"oversized_first_record\":8,\"esp_dropped\":9,"
		"\"closed\":10}}\n");
	/* Not listening: the text stays as before, JSON says port 0. */
	KT_EXPECT(run(cmd_status, false, "status", "notcp", NULL, NULL) ==
		  EXIT_OK);
	KT_EXPECT_STR(out, "no IKE SAs\n");
	KT_EXPECT(run(cmd_status, true, "status", "notcp", NULL, NULL) ==
		  EXIT_OK);
	KT_EXPECT(strstr(out, "\"tcp\":{\"port\":0,\"open\":0,"));
}

static void test_duration(void)
{
	char b[32];

	KT_EXPECT_STR(status_duration(0, b, sizeof(b)), "0s");
	KT_EXPECT_STR(status_duration(60, b, sizeof(b)), "1m");
	KT_EXPECT_STR(status_duration(90061, b, sizeof(b)), "1d1h1m1s");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/daemon_test.%d", (int)getpid());
	snprintf(sock, sizeof(sock), "%s/ctl", dir);
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	snprintf(err_path, sizeof(err_path), "%s/err", dir);
	mkdir(dir, 0700);
	kt_run("cli: daemon not running is exit 1 with a clear message",
	       test_not_running);
	kt_run("cli: usage errors are exit 2", test_usage);
	if (ctl_server_open(&srv, sock, &handlers)) {
		printf("# cannot open a control socket at %s\n", sock);
		srv = NULL;
	}
	kt_run("cli: up, down, reload results and exit codes", test_commands);
	kt_run("cli: status human and JSON output", test_status_output);
	kt_run("cli: status shows the TCP listener's counters",
	       test_status_tcp);
	kt_run("cli: durations", test_duration);
	ctl_server_close(srv);
	unlink(out_path);
	unlink(err_path);
	rmdir(dir);
	return kt_done();
}
