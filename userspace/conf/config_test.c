// SPDX-License-Identifier: GPL-2.0
/* ipsecmed.conf parser: good configurations parsed exactly, and malformed
 * ones refused with the file, the line and the bad value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "conf/config.h"
#include "ipsecmed/ike/proto.h"
#include "lib/ktest.h"

static char dir[64], file[96];
static char err[1024];

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		printf("# cannot write %s\n", path);
	fchmod(fd, mode);
	close(fd);
}

static struct conf *parse(const char *text)
{
	struct conf *c = NULL;

	if (conf_parse(text, strlen(text), file, 0, &c, err, sizeof(err))) {
		printf("# unexpected error: %s\n", err);
		kt_case_failed = 1;
		return NULL;
	}
	return c;
}

/* Parse @text expecting failure; the message must contain @want. */
static void bad(const char *text, const char *want)
{
	struct conf *c = NULL;
	int ret = conf_parse(text, strlen(text), file, 0, &c, err, sizeof(err));

	if (ret != -EINVAL || c || !strstr(err, want)) {
		printf("# ret %d, message '%s', want '%s'\n", ret, err, want);
		kt_case_failed = 1;
	}
	conf_free(c);
}

#define MINIMAL_CHILD "child c {\n}\n"
#define PSK_SIDES "psk_file = psk\nlocal {\nauth = psk\n}\n" \
		  "remote {\nauth = psk\n}\n"

static const char good[] =
	"# a full example\n"
	"daemon {\n"
	"\tike_port = 1500\n"
	"\tnatt_port = 14500\n"
	"\ttcp_port = 4500\n"
	"\ttcp_max_connections = 200\n"
	"\ttcp_max_per_source = 0\n"
	"\ttcp_timeout = 5s\n"
	"\tctl_socket = /run/test/ctl\n"
	"\thalf_open_max = 50\n"
	"\tcookie_threshold = 10   # early\n"
	"\tretransmit_tries = 3\n"
	"\tretransmit_timeout = 500ms\n"
	"\tnat_keepalive = 5s\n"
	"\tlog_level = debug\n"
	"}\n"
	"\n"
	"connection gw {\r\n"
	"\tlocal_addrs = 192.0.2.1, 2001:db8::1\n"
	"\tremote_addrs = 192.0.2.2\n"
	"\tremote_port = 4500\n"
	"\tproposals = aes128gcm16-prfsha256-x25519, aes256-sha384-ecp384,"
	" chacha20poly1305-prfsha256-modp2048\n"
	"\trekey_time = 4h\n"
	"\tdpd_delay = 30s\n"
	"\tstart_action = start\n"
	"\tnat_traversal = no\n"
	"\tencapsulation = auto\n"
	"\ttcp_port = 443\n"
	"\ttcp_fallback = 3s\n"
	"\tunique = keep\n"
	"\tmax_ike_sas = 3\n"
	"\tmax_child_sas = 100000\n"
	"\tpsk_file = psk\n"
	"\tlocal {\n"
	"\t\tauth = psk\n"
	"\t\tid = gw.example.com\n"
	"\t}\n"
	"\tremote {\n"
	"\t\tauth = psk\n"
	"\t\tid = \"C=CH, O=Example \\\"Inc\\\", CN=peer\"\n"
	"\t}\n"
	"\tchild net {\n"
	"\t\tlocal_ts = 10.1.0.0/16, 10.3.0.0/24[tcp/80-443]\n"
	"\t\tremote_ts = 10.2.0.0/16[udp]\n"
	"\t\tesp_proposals = aes128gcm16, aes256-sha256-esn-noesn-x25519\n"
	"\t\trekey_time = 20m\n"
	"\t\tlife_bytes = 2G\n"
	"\t\trekey_bytes = 1G\n"
	"\t\trekey_packets = 100k\n"
	"\t\treplay_window = 1024\n"
	"\t}\n"
	"\tchild host {\n"
	"\t\tmode = transport\n"
	"\t\tlife_time = 1000\n"
	"\t}\n"
	"}\n"
	"connection rw {\n"
	"\tlocal {\n"
	"\t\tauth = pubkey\n"
	"\t\tcert = gw.pem\n"
	"\t\tkey = gw.key\n"
	"\t\tid = \"dn:CN=gw\"\n"
	"\t}\n"
	"\tremote {\n"
	"\t\tauth = pubkey\n"
	"\t\tcacert = ca1.pem, ca2.pem\n"
	"\t\tid = %any\n"
	"\t}\n"
	"\tchild all {\n"
	"\t\tlocal_ts = 0.0.0.0/0, ::/0\n"
	"\t}\n"
	"}";	/* no final newline */

static void test_good(void)
{
	struct conf *c = parse(good);
	const struct conf_conn *gw, *rw;
	const struct conf_child *ch;
	char s[IPSEC_PREFIX_STRLEN];

	if (!c)
		return;
	KT_EXPECT(c->daemon.ike_port == 1500 && c->daemon.natt_port == 14500);
	KT_EXPECT(c->daemon.tcp_port == 4500 && c->daemon.tcp_max_conns == 200 &&
		  c->daemon.tcp_max_per_source == 0 &&
		  c->daemon.tcp_timeout == 5);
	KT_EXPECT_STR(c->daemon.ctl_socket, "/run/test/ctl");
	KT_EXPECT(c->daemon.half_open_max == 50);
	KT_EXPECT(c->daemon.cookie_threshold == 10);
	KT_EXPECT(c->daemon.retransmit_tries == 3);
	KT_EXPECT(c->daemon.retransmit_timeout_ms == 500);
	KT_EXPECT(c->daemon.nat_keepalive == 5);
	KT_EXPECT(c->daemon.log_level == 3);
	KT_EXPECT(c->n_conns == 2);
	gw = conf_find(c, "gw");
	rw = conf_find(c, "rw");
	KT_EXPECT(gw && rw && !conf_find(c, "nope"));
	if (!gw || !rw)
		goto out;
	KT_EXPECT(gw->line == 18);
	KT_EXPECT(gw->n_local_addrs == 2 && gw->n_remote_addrs == 1);
	KT_EXPECT_STR(ipsec_prefix_fmt(&gw->local_addrs[1], s, sizeof(s)),
		      "2001:db8::1/128");
	KT_EXPECT(gw->local_port == 500 && gw->remote_port == 4500);
	KT_EXPECT(gw->n_ike == 3);
	KT_EXPECT(gw->ike[0].aead && gw->ike[0].n_encr == 1);
	KT_EXPECT(gw->ike[0].encr[0] == IKE_ENCR_AES_GCM_16);
	KT_EXPECT(gw->ike[0].encr_bits[0] == 128);
	KT_EXPECT(gw->ike[0].n_prf == 1 &&
		  gw->ike[0].prf[0] == IKE_PRF_HMAC_SHA2_256);
	KT_EXPECT(gw->ike[0].n_dh == 1 && gw->ike[0].dh[0] == IKE_DH_CURVE25519);
	KT_EXPECT(gw->ike[0].n_integ == 0);
	KT_EXPECT(!gw->ike[1].aead && gw->ike[1].encr[0] == IKE_ENCR_AES_CBC);
	KT_EXPECT(gw->ike[1].encr_bits[0] == 256);
	KT_EXPECT(gw->ike[1].integ[0] == IKE_INTEG_HMAC_SHA2_384_192);
	KT_EXPECT(gw->ike[1].n_prf == 1 &&
		  gw->ike[1].prf[0] == IKE_PRF_HMAC_SHA2_384);
	KT_EXPECT(gw->ike[1].dh[0] == IKE_DH_ECP384);
	KT_EXPECT(gw->ike[2].encr[0] == IKE_ENCR_CHACHA20_POLY1305);
	KT_EXPECT(gw->ike[2].dh[0] == IKE_DH_MODP2048);
	KT_EXPECT(gw->rekey_time == 14400 && gw->life_time == 15840);
	KT_EXPECT(gw->dpd_delay == 30);
	KT_EXPECT(gw->start_action == CONF_START_START);
	KT_EXPECT(!gw->nat_traversal);
	KT_EXPECT(gw->encapsulation == CONF_ENCAP_AUTO && gw->tcp_port == 443 &&
		  gw->tcp_fallback == 3);
	KT_EXPECT(gw->unique == CONF_UNIQUE_KEEP);
	KT_EXPECT(gw->max_ike_sas == 3 && gw->max_child_sas == 100000);
	KT_EXPECT(gw->psk_len == 14 && !memcmp(gw->psk, "s3cret with sp", 14));
	KT_EXPECT(gw->local.auth == CONF_AUTH_PSK);
	KT_EXPECT(gw->local.id.type == CONF_ID_FQDN);
	KT_EXPECT_STR(gw->local.id.text, "gw.example.com");
	KT_EXPECT(gw->remote.id.type == CONF_ID_DN);
	KT_EXPECT_STR(gw->remote.id.text, "C=CH, O=Example \"Inc\", CN=peer");
	KT_EXPECT(gw->n_children == 2);
	ch = &gw->children[0];
	KT_EXPECT_STR(ch->name, "net");
	KT_EXPECT(ch->mode == IPSEC_MODE_TUNNEL);
	KT_EXPECT(ch->n_local_ts == 2 && ch->n_remote_ts == 1);
	KT_EXPECT_STR(ipsec_prefix_fmt(&ch->local_ts[1].prefix, s, sizeof(s)),
		      "10.3.0.0/24");
	KT_EXPECT(ch->local_ts[1].proto == IPPROTO_TCP);
	KT_EXPECT(ch->local_ts[1].port_lo == 80 &&
		  ch->local_ts[1].port_hi == 443);
	KT_EXPECT(ch->local_ts[0].proto == 0 && ch->local_ts[0].port_lo == 0 &&
		  ch->local_ts[0].port_hi == 65535);
	KT_EXPECT(ch->remote_ts[0].proto == IPPROTO_UDP &&
		  ch->remote_ts[0].port_hi == 65535);
	KT_EXPECT(ch->n_esp == 2);
	KT_EXPECT(ch->esp[0].aead && ch->esp[0].n_dh == 0);
	KT_EXPECT(ch->esp[0].n_esn == 1 && ch->esp[0].esn[0] == IKE_ESN_NO);
	KT_EXPECT(ch->esp[1].integ[0] == IKE_INTEG_HMAC_SHA2_256_128);
	KT_EXPECT(ch->esp[1].n_esn == 2 && ch->esp[1].esn[0] == IKE_ESN_YES);
	KT_EXPECT(ch->esp[1].dh[0] == IKE_DH_CURVE25519);
	KT_EXPECT(ch->rekey_time == 1200 && ch->life_time == 1320);
	KT_EXPECT(ch->rekey_bytes == 1ULL << 30 &&
		  ch->life_bytes == 2ULL << 30);
	/* life_packets defaults to rekey_packets + 10 %. */
	KT_EXPECT(ch->rekey_packets == 102400 &&
		  ch->life_packets == 112640);
	KT_EXPECT(ch->replay_window == 1024);
	ch = &gw->children[1];
	KT_EXPECT(ch->mode == IPSEC_MODE_TRANSPORT);
	KT_EXPECT(ch->n_local_ts == 0 && ch->n_remote_ts == 0);
	KT_EXPECT(ch->life_time == 1000 && ch->rekey_time == 900);
	KT_EXPECT(ch->replay_window == 32);
	KT_EXPECT(ch->n_esp == 2 && ch->esp[0].aead && !ch->esp[1].aead);

	KT_EXPECT(rw->n_local_addrs == 0 && rw->n_remote_addrs == 0);
	KT_EXPECT(rw->start_action == CONF_START_NONE && rw->nat_traversal);
	/* Defaults: UDP; TCP to 4500 when asked for; no TCP listener. */
	KT_EXPECT(rw->encapsulation == CONF_ENCAP_UDP && rw->tcp_port == 4500 &&
		  rw->tcp_fallback == 6);
	/* Defaults: a reconnecting peer replaces its old IKE SA. */
	KT_EXPECT(rw->unique == CONF_UNIQUE_REPLACE);
	KT_EXPECT(rw->max_ike_sas == 16 && rw->max_child_sas == 32);
	KT_EXPECT(rw->psk_len == 0 && rw->psk_file[0] == '\0');
	KT_EXPECT(rw->local.auth == CONF_AUTH_PUBKEY);
	KT_EXPECT(strstr(rw->local.cert, "/gw.pem") &&
		  !strncmp(rw->local.cert, dir, strlen(dir)));
	KT_EXPECT(strstr(rw->local.key, "/gw.key"));
	KT_EXPECT(rw->local.id.type == CONF_ID_DN);
	KT_EXPECT_STR(rw->local.id.text, "CN=gw");
	KT_EXPECT(rw->remote.n_cacerts == 2);
	KT_EXPECT(strstr(rw->remote.cacerts[1], "/ca2.pem"));
	KT_EXPECT(rw->remote.id.type == CONF_ID_NONE);
	KT_EXPECT(rw->n_ike == 2);	/* defaults */
	KT_EXPECT(rw->rekey_time == 14400);
	KT_EXPECT(rw->children[0].n_local_ts == 2);
	KT_EXPECT(rw->children[0].local_ts[1].prefix.addr.family == AF_INET6);
out:
	conf_free(c);
}

static void test_psk_hex_and_load(void)
{
	char path[160];
	struct conf *c;

	write_file("psk", "0x00ff10Ab\n", 0600);
	c = parse("connection a {\n" PSK_SIDES MINIMAL_CHILD "}\n");
	KT_EXPECT(c && c->conns[0].psk_len == 4 &&
		  !memcmp(c->conns[0].psk, "\x00\xff\x10\xab", 4));
	conf_free(c);
	write_file("psk", "s3cret with sp\n", 0600);

	snprintf(path, sizeof(path), "%s/t.conf", dir);
	write_file("t.conf", "connection a {\n" PSK_SIDES MINIMAL_CHILD "}\n",
		   0644);
	KT_EXPECT(conf_load(path, 0, &c, err, sizeof(err)) == 0);
	KT_EXPECT(c && c->n_conns == 1 && c->conns[0].psk_len == 14);
	conf_free(c);
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	KT_EXPECT(conf_load(path, 0, &c, err, sizeof(err)) == -ENOENT);
	KT_EXPECT(strstr(err, "missing.conf: No such file or directory"));
	/* Without files, the psk file is never opened. */
	{
		const char *t = "connection a {\npsk_file = /nonexistent\n"
				"local {\nauth = psk\n}\nremote {\nauth = psk\n"
				"}\n" MINIMAL_CHILD "}\n";

		KT_EXPECT(conf_parse(t, strlen(t), "x", CONF_NO_FILES, &c, err,
				     sizeof(err)) == 0);
		KT_EXPECT(c && c->conns[0].psk_len == 0);
		conf_free(c);
		KT_EXPECT(conf_parse(t, strlen(t), "x", 0, &c, err,
				     sizeof(err)) == -EINVAL);
		KT_EXPECT_STR(err, "x:2: psk_file '/nonexistent': No such file "
			      "or directory");
	}
}

static void test_secret_files(void)
{
	const char *t = "connection a {\n" PSK_SIDES MINIMAL_CHILD "}\n";
	char path[160], want[512];

	snprintf(path, sizeof(path), "%s/psk", dir);
	write_file("psk", "x\n", 0644);
	snprintf(want, sizeof(want), "t.conf:2: psk_file '%s' is accessible by "
		 "group or others (mode 0644); it must not be (chmod 600 %s)",
		 path, path);
	bad(t, want);
	write_file("psk", "x\n", 0640);
	bad(t, "(mode 0640)");
	write_file("psk", "x\n", 0604);
	bad(t, "(mode 0604)");
	write_file("psk", "\n", 0600);
	bad(t, "is empty");
	write_file("psk", "0xabc\n", 0600);
	bad(t, "even number of hex digits");
	write_file("psk", "0xzz\n", 0600);
	bad(t, "not a hex digit");
	write_file("psk", "two\nlines\n", 0600);
	bad(t, "must hold one line");
	if (geteuid() == 0) {
		write_file("psk", "x\n", 0600);
		KT_EXPECT(chown(path, 65534, 65534) == 0);
		bad(t, "is owned by uid 65534; it must be owned by root");
	} else {
		printf("# not root: ownership check not exercised\n");
	}
	write_file("psk", "s3cret with sp\n", 0600);
	/* The private key gets the same checks. */
	write_file("gw.key", "k", 0644);
	bad("connection a {\nlocal {\nauth = pubkey\ncert = gw.pem\n"
	    "key = gw.key\n}\n", "t.conf:5: key '");
	bad("connection a {\nlocal {\nauth = pubkey\ncert = gw.pem\n"
	    "key = gw.key\n}\n", "(mode 0644)");
	write_file("gw.key", "k", 0600);
	bad("connection a {\nlocal {\nauth = pubkey\ncert = nope.pem\n",
	    "t.conf:4: cert '");
	bad("connection a {\nlocal {\nauth = pubkey\ncert = nope.pem\n",
	    "nope.pem': No such file or directory");
}

static void test_malformed(void)
{
	char line[1100];

	bad("connection a {\n" PSK_SIDES MINIMAL_CHILD,
	    "t.conf:10: the file ends inside the connection block opened on "
	    "line 1; a '}' is missing");
	bad("connection a {\nlocal {\n", "inside the local block opened on "
	    "line 2");
	bad("}\n", "t.conf:1: '}' without an open block");
	bad("connection a {\n  colour = blue\n}\n",
	    "t.conf:2: unknown key 'colour' in connection block; expected "
	    "one of: local_addrs, remote_addrs,");
	bad("daemon {\nike_port = 0\n}\n",
	    "t.conf:2: '0' is not a port number (1-65535)");
	bad("daemon {\nlog_level = loud\n}\n", "log_level 'loud' is not error");
	bad("daemon {\n}\ndaemon {\n}\n", "t.conf:3: second daemon block");
	bad("foo = bar\n", "t.conf:1: 'foo = ...' outside a block");
	bad("conection a {\n", "t.conf:1: unknown block 'conection' at top "
	    "level; expected daemon { or connection NAME {");
	bad("connection a {\nchild {\n", "child name '' is not 1-63");
	bad("connection a b {\n", "connection name 'a b' is not");
	bad("connection a {\nlocal x {\n", "'local' block takes no name");
	bad("connection a {\nlocal_addrs = 192.0.2.300\n}\n",
	    "t.conf:2: '192.0.2.300' is not a numeric IP address (or %any");
	bad("connection a {\nlocal_addrs = 10.0.0.0/8\n}\n",
	    "local_addrs takes addresses, not the prefix '10.0.0.0/8'");
	bad("connection a {\nremote_addrs = 10.0.0.1/8\n}\n",
	    "'10.0.0.1/8' is not a numeric IP address or prefix");
	bad("connection a {\nremote_addrs = gw.example.com\n}\n",
	    "'gw.example.com' is not a numeric IP address");
	bad("connection a {\nremote_addrs = 10.0.0.1,\n}\n",
	    "t.conf:2: empty value in list");
	bad("connection a {\nproposals = aes128gcm16-prfsha256-x448\n}\n",
	    "t.conf:2: unknown algorithm 'x448' in IKE proposal "
	    "'aes128gcm16-prfsha256-x448'; expected aes128,");
	bad("connection a {\nproposals = aes128gcm16-x25519\n}\n",
	    "with an AEAD cipher needs a PRF");
	bad("connection a {\nproposals = aes128-sha256\n}\n",
	    "needs a key exchange group");
	bad("connection a {\nremote_port = 500\nremote_port = 4500\n}\n",
	    "t.conf:3: 'remote_port' set twice in this connection block "
	    "(first on line 2)");
	bad("connection a {\nlocal_port = 500, 4500\n}\n",
	    "'local_port' takes one value, got 2");
	bad("connection a {\nrekey_time =\n}\n", "'rekey_time' needs a value");
	bad("connection a {\nrekey_time = 4 hours\n}\n",
	    "'4 hours' is not a time");
	bad("connection a {\nrekey_time = 99999999999\n}\n", "is not a time");
	bad("daemon {\nnat_keepalive = often\n}\n",
	    "t.conf:2: 'often' is not a time");
	bad("connection a {\nstart_action = go\n}\n",
	    "start_action 'go' is not none, start or trap");
	bad("connection a {\nnat_traversal = maybe\n}\n",
	    "nat_traversal 'maybe' is not yes or no");
	bad("connection a {\nencapsulation = tls\n}\n",
	    "t.conf:2: encapsulation 'tls' is not udp, tcp or auto");
	bad("connection a {\ntcp_port = 0\n}\n",
	    "'0' is not a port number (1-65535)");
	bad("daemon {\ntcp_port = 70000\n}\n",
	    "'70000' is not a port number (1-65535)");
	bad("daemon {\ntcp_timeout = 0\n}\n",
	    "t.conf:2: tcp_timeout must be at least 1s");
	bad("daemon {\ntcp_max_connections = -1\n}\n",
	    "tcp_max_connections '-1' is not a number from 0 to 1000000");
	bad("connection a {\nunique = never\n}\n",
	    "t.conf:2: unique 'never' is not replace, keep or no");
	bad("connection a {\nunique = yes\n}\n",
	    "unique 'yes' is not replace, keep or no");
	bad("connection a {\nunique =\n}\n", "'unique' needs a value");
	bad("connection a {\nunique = keep, no\n}\n",
	    "'unique' takes one value, got 2");
	bad("connection a {\nunique = no\nunique = keep\n}\n",
	    "t.conf:3: 'unique' set twice");
	bad("connection a {\nmax_ike_sas = 0\n}\n",
	    "max_ike_sas '0' is not a number from 1 to 100000");
	bad("connection a {\nmax_ike_sas = 100001\n}\n",
	    "max_ike_sas '100001' is not a number from 1 to 100000");
	bad("connection a {\nmax_child_sas = -1\n}\n",
	    "max_child_sas '-1' is not a number from 1 to 100000");
	bad("connection a {\nmax_child_sas = 4k\n}\n",
	    "max_child_sas '4k' is not a number from 1 to 100000");
	bad("daemon {\nunique = no\n}\n", "unique");
	bad("connection a {\nlocal {\nid = \"unterminated\n",
	    "t.conf:3: unterminated quoted string");
	bad("connection a {\nlocal {\nid = \"a\" b\n", "after a quoted string");
	bad("connection a {\nlocal {\nid = a\"b\"\n", "a quote in the middle");
	bad("connection a {\nlocal {\nid = C=CH, CN=x\n",
	    "'id' takes one value, got 2; quote values that contain commas");
	bad("connection a {\nlocal {\nid = bad name!\n",
	    "identity 'bad name!' is not a domain name");
	bad("connection a {\nlocal {\nid = ipv4:2001:db8::1\n",
	    "identity 'ipv4:2001:db8::1' is not an IPv4 address");
	bad("connection a {\nlocal {\nauth = eap\n",
	    "auth 'eap' is not psk or pubkey");
	bad("connection a {\nlocal {\nauth = psk\n}\nlocal {\n",
	    "t.conf:5: second local block");
	bad("connection a {\nremote {\ncert = x.pem\n",
	    "'cert' belongs in the local block");
	bad("connection a {\nlocal {\ncacert = x.pem\n",
	    "'cacert' belongs in the remote block");
	bad("connection a {\nlocal { auth = psk }\n", "one setting per line");
	bad("connection a {\nlocal {\n}\n", "t.conf:2: local block of "
	    "connection 'a' lacks 'auth'; expected auth = psk or auth = "
	    "pubkey");
	bad("connection a {\nlocal {\nauth = pubkey\n}\n",
	    "local auth = pubkey needs 'cert' and 'key' files");
	bad("connection a {\nremote {\nauth = pubkey\n}\n",
	    "remote auth = pubkey needs 'cacert'");
	bad("connection a {\nlocal {\nauth = psk\n}\n}\n",
	    "t.conf:1: connection 'a' needs a remote { auth = ... } block");
	bad("connection a {\n" PSK_SIDES "}\n",
	    "t.conf:1: connection 'a' has no child NAME { } block");
	bad("connection a {\nlocal {\nauth = psk\n}\nremote {\nauth = psk\n"
	    "}\n" MINIMAL_CHILD "}\n",
	    "connection 'a' uses auth = psk but has no psk_file");
	bad("connection a {\n" PSK_SIDES MINIMAL_CHILD "}\n"
	    "connection a {\n", "t.conf:12: connection 'a' defined twice "
	    "(first on line 1)");
	bad("connection a {\nchild c {\n}\nchild c {\n",
	    "t.conf:4: child 'c' defined twice in connection 'a'");
	bad("connection a {\nstart_action = start\n" PSK_SIDES MINIMAL_CHILD
	    "}\n", "start_action start needs a remote host address");
	bad("connection a {\nremote_addrs = 10.0.0.0/8\nstart_action = trap\n"
	    PSK_SIDES MINIMAL_CHILD "}\n",
	    "start_action trap needs a remote host address");
	bad("connection a {\nrekey_time = 1h\nlife_time = 30m\n" PSK_SIDES
	    MINIMAL_CHILD "}\n",
	    "IKE life_time (1800s) must be longer than rekey_time (3600s)");
	bad("connection a {\nchild c {\nrekey_bytes = 10M\nlife_bytes = 1M\n}\n",
	    "life_bytes must exceed rekey_bytes");
	bad("connection a {\nchild c {\nrekey_packets = 10k\n"
	    "life_packets = 5k\n}\n", "life_packets must exceed rekey_packets");
	bad("connection a {\nchild c {\nrekey_packets = many\n",
	    "'many' is not a packet count");
	bad("connection a {\nchild c {\nmode = beet\n",
	    "mode 'beet' is not tunnel or transport");
	bad("connection a {\nchild c {\nlocal_ts = 10.0.0.0/8[tcp/80-70]\n",
	    "traffic selector '10.0.0.0/8[tcp/80-70]' is not PREFIX");
	bad("connection a {\nchild c {\nlocal_ts = 10.0.0.0/8[icmp/8]\n",
	    "ports need tcp, udp or sctp");
	bad("connection a {\nchild c {\nesp_proposals = aes128-prfsha256\n",
	    "'prfsha256' in ESP proposal 'aes128-prfsha256': a PRF belongs in "
	    "IKE proposals only");
	bad("connection a {\nchild c {\nrekey_bytes = 1T\n",
	    "'1T' is not a byte count");
	bad("connection a {\nchild c {\nreplay_window = 5000\n",
	    "replay_window '5000' is not a number of packets from 0 to 4096");
	bad("connection a {\n" PSK_SIDES MINIMAL_CHILD "}\n}\n",
	    "t.conf:12: '}' without an open block");
	bad("connection a {\nwhat is this\n", "t.conf:2: cannot read 'what is "
	    "this'; expected 'key = value', 'NAME {' or '}'");

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "# ", 2);
	bad(line, "t.conf:1: line longer than 1024 characters");
	{
		struct conf *c = NULL;
		const char nul[] = "connection a {\n\0}\n";

		KT_EXPECT(conf_parse(nul, sizeof(nul) - 1, file, 0, &c, err,
				     sizeof(err)) == -EINVAL && !c);
		KT_EXPECT(strstr(err, "/t.conf:2: NUL byte in the file; is it "
				  "text?"));
	}
	/* Exactly 1024 characters is fine. */
	line[1024] = '\0';
	{
		struct conf *c = parse(line);

		KT_EXPECT(c && c->n_conns == 0);
		conf_free(c);
	}
}

struct prop_case {
	const char *s;
	bool esp;
	const char *err;	/* NULL: must parse */
};

static void test_proposals(void)
{
	static const struct prop_case cases[] = {
		{ "aes128gcm16-prfsha256-x25519", false, NULL },
		{ "aes256-sha384-ecp384", false, NULL },
		{ "chacha20poly1305-prfsha256-modp2048", false, NULL },
		{ "aes128-aes256-sha256-sha512-ecp256-ecp521", false, NULL },
		{ "aes256gcm-prfsha512-curve25519", false, NULL },
		{ "aes128gcm16", true, NULL },
		{ "aes256-sha2_512-modp2048-esn", true, NULL },
		{ "", false, "empty or overlong proposal" },
		{ "aes128--sha256-ecp256", false, "empty algorithm" },
		{ "-aes128", false, "empty algorithm" },
		{ "aes128-", true, "empty algorithm" },
		{ "3des-sha256-modp2048", false, "unknown algorithm '3des'" },
		{ "AES128-sha256-modp2048", false, "unknown algorithm 'AES128'" },
		{ "sha256-modp2048", false, "has no encryption algorithm" },
		{ "aes128gcm16-aes128-prfsha256-x25519", false, "mixes AEAD" },
		{ "aes128gcm16-sha256-prfsha256-x25519", false,
		  "AEAD ciphers take no integrity" },
		{ "aes128-modp2048", false, "needs an integrity algorithm" },
		{ "aes128-sha256", true, NULL },
		{ "aes128-aes128-sha256-x25519", false, "'aes128' listed twice" },
		{ "aes128-sha256-x25519-esn", false, "ESN belongs in ESP" },
		{ "aes128-sha256-modp2048-ecp256-ecp384-ecp521-x25519-"
		  "curve25519", false, "'curve25519' listed twice" },
	};
	struct conf_proposal p;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = conf_proposal_parse(cases[i].s, cases[i].esp, &p, err,
					      sizeof(err));

		if (cases[i].err ? (ret != -EINVAL ||
				    !strstr(err, cases[i].err)) : ret != 0) {
			printf("# '%s': ret %d '%s'\n", cases[i].s, ret,
			       ret ? err : "");
			kt_case_failed = 1;
		}
	}
	KT_EXPECT(conf_proposal_parse("aes128-aes256-sha256-sha512-ecp256",
				      false, &p, err, sizeof(err)) == 0);
	KT_EXPECT(p.n_encr == 2 && p.encr_bits[0] == 128 &&
		  p.encr_bits[1] == 256);
	KT_EXPECT(p.n_integ == 2 && p.n_prf == 2);
	KT_EXPECT(p.prf[0] == IKE_PRF_HMAC_SHA2_256 &&
		  p.prf[1] == IKE_PRF_HMAC_SHA2_512);
	KT_EXPECT(conf_proposal_parse("aes128-sha256-prfsha384-ecp256", false,
				      &p, err, sizeof(err)) == 0);
	KT_EXPECT(p.n_prf == 1 && p.prf[0] == IKE_PRF_HMAC_SHA2_384);
	KT_EXPECT(conf_proposal_parse("aes128-sha256-x25519", true, &p, err,
				      sizeof(err)) == 0);
	KT_EXPECT(p.n_dh == 1 && p.n_esn == 1 && p.esn[0] == IKE_ESN_NO);
}

static void test_ids_and_ts(void)
{
	struct conf_id id;
	struct conf_ts ts;

	KT_EXPECT(conf_id_parse("192.0.2.1", &id, err, sizeof(err)) == 0 &&
		  id.type == CONF_ID_IPV4 && id.addr.family == AF_INET);
	KT_EXPECT(conf_id_parse("2001:db8::1", &id, err, sizeof(err)) == 0 &&
		  id.type == CONF_ID_IPV6);
	KT_EXPECT(conf_id_parse("ipv6:2001:db8::1", &id, err, sizeof(err)) == 0
		  && id.type == CONF_ID_IPV6);
	KT_EXPECT_STR(id.text, "2001:db8::1");
	KT_EXPECT(conf_id_parse("vpn.example.org", &id, err, sizeof(err)) == 0
		  && id.type == CONF_ID_FQDN);
	KT_EXPECT(conf_id_parse("fqdn:192.0.2.1", &id, err, sizeof(err)) == 0
		  && id.type == CONF_ID_FQDN);
	KT_EXPECT(conf_id_parse("alice@example.org", &id, err, sizeof(err)) == 0
		  && id.type == CONF_ID_RFC822);
	KT_EXPECT(conf_id_parse("email:bob@example.org", &id, err,
				sizeof(err)) == 0 && id.type == CONF_ID_RFC822);
	KT_EXPECT(conf_id_parse("C=CH, O=Example, CN=gw", &id, err,
				sizeof(err)) == 0 && id.type == CONF_ID_DN);
	KT_EXPECT(conf_id_parse("/C=CH/CN=gw", &id, err, sizeof(err)) == 0 &&
		  id.type == CONF_ID_DN);
	KT_EXPECT(conf_id_parse("%any", &id, err, sizeof(err)) == 0 &&
		  id.type == CONF_ID_NONE);
	KT_EXPECT(conf_id_parse("email:@example.org", &id, err,
				sizeof(err)) == -EINVAL);
	KT_EXPECT(conf_id_parse("a@b@c", &id, err, sizeof(err)) == -EINVAL);
	KT_EXPECT(conf_id_parse("dn:CN", &id, err, sizeof(err)) == -EINVAL);
	KT_EXPECT(conf_id_parse("dn:=x", &id, err, sizeof(err)) == -EINVAL);
	KT_EXPECT(conf_id_parse("fqdn:", &id, err, sizeof(err)) == -EINVAL);
	KT_EXPECT(conf_id_parse("a..b", &id, err, sizeof(err)) == -EINVAL);

	KT_EXPECT(conf_ts_parse("10.0.0.0/8[17/53]", &ts, err, sizeof(err)) == 0
		  && ts.proto == 17 && ts.port_lo == 53 && ts.port_hi == 53);
	KT_EXPECT(conf_ts_parse("2001:db8::/32[sctp]", &ts, err,
				sizeof(err)) == 0 && ts.proto == IPPROTO_SCTP);
	KT_EXPECT(conf_ts_parse("10.0.0.0/8[tcp/0-65535]", &ts, err,
				sizeof(err)) == 0 && ts.port_hi == 65535);
	KT_EXPECT(conf_ts_parse("10.0.0.0/8[]", &ts, err, sizeof(err)) ==
		  -EINVAL);
	KT_EXPECT(conf_ts_parse("10.0.0.0/8[tcp", &ts, err, sizeof(err)) ==
		  -EINVAL);
	KT_EXPECT(conf_ts_parse("10.0.0.0/8[tcp/70000]", &ts, err,
				sizeof(err)) == -EINVAL);
	KT_EXPECT(conf_ts_parse("10.0.0.0/8[0]", &ts, err, sizeof(err)) ==
		  -EINVAL);
	KT_EXPECT(conf_ts_parse("10.0.0.0/8[tcp/]", &ts, err, sizeof(err)) ==
		  -EINVAL);
	KT_EXPECT(conf_ts_parse("[tcp]", &ts, err, sizeof(err)) == -EINVAL);
}

#define CERT_LOCAL "local {\nauth = pubkey\ncert = gw.pem\nkey = gw.key\n}\n"
#define CERT_REMOTE "remote {\nauth = pubkey\ncacert = ca1.pem\n}\n"

/* The certificate keys: where they belong, what they need, bad values. */
static void test_pubkey_keys(void)
{
	const char *ok = "connection a {\n" CERT_LOCAL CERT_REMOTE
			 MINIMAL_CHILD "}\n";
	struct conf *c = NULL;

	KT_EXPECT(conf_parse(ok, strlen(ok), file, 0, &c, err,
			     sizeof(err)) == 0);
	KT_EXPECT(c && c->conns[0].local.auth == CONF_AUTH_PUBKEY &&
		  c->conns[0].remote.n_cacerts == 1 &&
		  c->conns[0].local.id.type == CONF_ID_NONE);
	conf_free(c);
	bad("connection a {\nremote {\nauth = pubkey\ncacert = ca1.pem, "
	    "ca2.pem, ca1.pem, ca2.pem, ca1.pem, ca2.pem, ca1.pem, ca2.pem, "
	    "ca1.pem\n", "t.conf:4: more than 8 cacert files");
	bad("connection a {\nremote {\nauth = pubkey\ncacert = ca1.pem, "
	    "ca3.pem\n", "cacert '");
	bad("connection a {\nremote {\nauth = pubkey\ncacert = ca1.pem, "
	    "ca3.pem\n", "ca3.pem': No such file or directory");
	bad("connection a {\nremote {\nauth = pubkey\ncacert = ca1.pem,\n",
	    "empty value in list");
	bad("connection a {\nremote {\nkey = gw.key\n",
	    "'key' belongs in the local block");
	bad("connection a {\nlocal {\nauth = pubkey\ncert = gw.pem, "
	    "ca1.pem\n", "'cert' takes one value, got 2");
	bad("connection a {\nlocal {\ncert = gw.pem\ncert = gw.pem\n",
	    "'cert' set twice in this local block (first on line 3)");
	bad("connection a {\nlocal {\nauth = pubkey\nkey = gw.key\n}\n",
	    "local auth = pubkey needs 'cert' and 'key' files");
	bad("connection a {\nlocal {\nauth = psk\ncert = gw.pem\n}\n",
	    "local auth = psk takes no cert, key or cacert");
	bad("connection a {\npsk_file = psk\n" CERT_LOCAL CERT_REMOTE
	    MINIMAL_CHILD "}\n", "has a psk_file but no side uses auth = psk");
	bad("connection a {\nlocal {\nauth = pubkey\nid = dn:CN\n",
	    "t.conf:4:");
	bad("connection a {\nlocal {\nauth = pubkey\nid = C=CH, CN=x\n",
	    "'id' takes one value, got 2; quote values that contain commas");
	/* Quoted, a DN with commas is one value. */
	ok = "connection a {\nlocal {\nauth = pubkey\ncert = gw.pem\n"
	     "key = gw.key\nid = \"C=CH, O=ipsecme, CN=gw\"\n}\n"
	     CERT_REMOTE MINIMAL_CHILD "}\n";
	KT_EXPECT(conf_parse(ok, strlen(ok), file, 0, &c, err,
			     sizeof(err)) == 0);
	KT_EXPECT(c && c->conns[0].local.id.type == CONF_ID_DN &&
		  !strcmp(c->conns[0].local.id.text, "C=CH, O=ipsecme, CN=gw"));
	conf_free(c);
}

/* The shipped examples parse (file checks off: their paths are /etc). */
static void test_examples(void)
{
	static const char *const names[] = {
		"gateway.conf", "roadwarrior.conf", "host-to-host.conf",
		"cert-site.conf",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[512];
		struct conf *c = NULL;

		snprintf(path, sizeof(path), "%s/%s", EXAMPLES_DIR, names[i]);
		if (conf_load(path, CONF_NO_FILES, &c, err, sizeof(err))) {
			printf("# %s\n", err);
			kt_case_failed = 1;
		}
		KT_EXPECT(c && c->n_conns >= 1);
		conf_free(c);
	}
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/config_test.%d", (int)getpid());
	snprintf(file, sizeof(file), "%s/t.conf", dir);
	mkdir(dir, 0700);
	write_file("psk", "s3cret with sp\n", 0600);
	write_file("gw.pem", "cert", 0644);
	write_file("gw.key", "key", 0600);
	write_file("ca1.pem", "ca", 0644);
	write_file("ca2.pem", "ca", 0644);
	/* Errors name the file as given. */
	snprintf(file, sizeof(file), "%s/t.conf", dir);

	kt_run("config: a full configuration is parsed exactly", test_good);
	kt_run("config: hex PSK, conf_load, CONF_NO_FILES",
	       test_psk_hex_and_load);
	kt_run("config: secret files must be root-only", test_secret_files);
	kt_run("config: malformed configurations name file, line and value",
	       test_malformed);
	kt_run("config: proposal strings", test_proposals);
	kt_run("config: identities and traffic selectors", test_ids_and_ts);
	kt_run("config: certificate keys (cert, key, cacert)",
	       test_pubkey_keys);
	kt_run("config: the example configurations parse", test_examples);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			printf("# cannot remove %s\n", dir);
	}
	return kt_done();
}
