// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecmed.conf parser: a line-oriented block syntax (see ipsecmed.conf(5)).
 * One pass over the lines with a small block stack; values are checked as
 * they are read, cross-field rules when a block closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "conf/config.h"
#include "conf/internal.h"

#define LIST_MAX	16	/* items in one list value */
#define KEYS_MAX	32	/* keys of one block kind */

enum blk { B_TOP, B_DAEMON, B_CONN, B_LOCAL, B_REMOTE, B_CHILD };

static const char *const blk_names[] = {
	[B_TOP] = "top level", [B_DAEMON] = "daemon", [B_CONN] = "connection",
	[B_LOCAL] = "local", [B_REMOTE] = "remote", [B_CHILD] = "child",
};

struct parser {
	const char *file;
	char dir[CONF_PATH_MAX];	/* base of relative file names */
	unsigned int line, flags;
	char *err;
	size_t errlen;
	struct conf *conf;
	size_t cap_conns;
	int depth;
	enum blk kind[4];
	unsigned int open_line[4];
	unsigned int seen[4][KEYS_MAX];	/* line a key was set, 0 = not */
	bool daemon_seen, local_seen, remote_seen;
	struct conf_conn *conn;
	struct conf_side *side;
	struct conf_child *child;
};

static int perr(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(struct parser *p, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = snprintf(p->err, p->errlen, "%s:%u: ", p->file, p->line);
	if (n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- value parsers ---------------------------------------------------- */

static bool ident_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_.-") == n;
}

/* "30", "30s", "5m", "4h", "1d" into seconds. */
static int parse_time(const char *s, uint32_t *out)
{
	unsigned long long v, mul = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (!strcmp(end, "m"))
		mul = 60;
	else if (!strcmp(end, "h"))
		mul = 3600;
	else if (!strcmp(end, "d"))
		mul = 86400;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	if (v > UINT32_MAX / mul)
		return -EINVAL;
	*out = (uint32_t)(v * mul);
	return 0;
}

/* "1000", "500k", "10M", "2G" (powers of 1024) into bytes. */
static int parse_bytes(const char *s, uint64_t *out)
{
	unsigned long long v, mul = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (!strcmp(end, "k") || !strcmp(end, "K"))
		mul = 1ULL << 10;
	else if (!strcmp(end, "M"))
		mul = 1ULL << 20;
	else if (!strcmp(end, "G"))
		mul = 1ULL << 30;
	else if (*end)
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "no") || !strcmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* ---- files -------------------------------------------------------------- */

static int resolve(struct parser *p, const char *v, char *out)
{
	int n;

	if (v[0] == '/' || !p->dir[0])
		n = snprintf(out, CONF_PATH_MAX, "%s", v);
	else
		n = snprintf(out, CONF_PATH_MAX, "%s/%s", p->dir, v);
	if (n < 0 || n >= CONF_PATH_MAX)
		return perr(p, "file name '%s' is longer than %d characters",
			    v, CONF_PATH_MAX - 1);
	return 0;
}

/* A secret file: regular, owned by root (or us), no group/other bits. */
static int secret_check(struct parser *p, const char *key, const char *path,
			const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return perr(p, "%s '%s' is not a regular file", key, path);
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return perr(p, "%s '%s' is owned by uid %u; it must be owned "
			    "by root (chown root %s)", key, path,
			    (unsigned int)st->st_uid, path);
	if (st->st_mode & 077)
		return perr(p, "%s '%s' is accessible by group or others "
			    "(mode %04o); it must not be (chmod 600 %s)", key,
			    path, (unsigned int)(st->st_mode & 07777), path);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_psk(struct parser *p, const char *path, struct conf_conn *c)
{
	char raw[2 * CONF_PSK_MAX + 8];
	struct stat st;
	ssize_t n;
	size_t len, i;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return perr(p, "psk_file '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = perr(p, "psk_file '%s': %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	ret = secret_check(p, "psk_file", path, &st);
	if (ret) {
		close(fd);
		return ret;
	}
	n = read(fd, raw, sizeof(raw) - 1);
	close(fd);
	if (n < 0)
		return perr(p, "psk_file '%s': %s", path, strerror(errno));
	len = n;
	if (len && raw[len - 1] == '\n')
		len--;
	if (len && raw[len - 1] == '\r')
		len--;
	ret = 0;
	if (len == 0) {
		ret = perr(p, "psk_file '%s' is empty", path);
	} else if (len > 2 && raw[0] == '0' && (raw[1] == 'x' || raw[1] == 'X')) {
		if ((len - 2) % 2 || (len - 2) / 2 > CONF_PSK_MAX)
			ret = perr(p, "psk_file '%s': a 0x secret needs an even "
				   "number of hex digits, at most %d bytes",
				   path, CONF_PSK_MAX);
		for (i = 2; !ret && i < len; i += 2) {
			int hi = hexval(raw[i]), lo = hexval(raw[i + 1]);

			if (hi < 0 || lo < 0)
				ret = perr(p, "psk_file '%s': not a hex digit "
					   "after 0x", path);
			else
				c->psk[(i - 2) / 2] = (uint8_t)(hi << 4 | lo);
		}
		c->psk_len = ret ? 0 : (len - 2) / 2;
	} else if (len > CONF_PSK_MAX || memchr(raw, '\n', len)) {
		ret = perr(p, "psk_file '%s' must hold one line of at most %d "
			   "bytes", path, CONF_PSK_MAX);
	} else {
		memcpy(c->psk, raw, len);
		c->psk_len = len;
	}
	explicit_bzero(raw, sizeof(raw));
	if (ret)
		explicit_bzero(c->psk, sizeof(c->psk));
	return ret;
}

static int file_check(struct parser *p, const char *key, const char *path,
		      bool secret)
{
	struct stat st;

	if (p->flags & CONF_NO_FILES)
		return 0;
	if (stat(path, &st) < 0)
		return perr(p, "%s '%s': %s", key, path, strerror(errno));
	if (secret)
		return secret_check(p, key, path, &st);
	if (!S_ISREG(st.st_mode) || access(path, R_OK) < 0)
		return perr(p, "%s '%s' is not a readable file", key, path);
	return 0;
}

/* ---- key handlers --------------------------------------------------------- */

struct key {
	const char *name;
	int (*set)(struct parser *p, char **v, size_t n);
	bool list;	/* takes a comma-separated list */
};

#define ONE(v)	((v)[0])

static int set_addrs(struct parser *p, char **v, size_t n, bool local)
{
	struct ipsec_prefix *out = local ? p->conn->local_addrs
					 : p->conn->remote_addrs;
	size_t *count = local ? &p->conn->n_local_addrs
			      : &p->conn->n_remote_addrs;
	size_t i;

	if (n == 1 && !strcmp(v[0], "%any"))
		return 0;
	if (n > CONF_ADDRS_MAX)
		return perr(p, "more than %d addresses", CONF_ADDRS_MAX);
	for (i = 0; i < n; i++) {
		if (ipsec_prefix_parse(v[i], &out[i]))
			return perr(p, "'%s' is not a numeric IP address%s (or "
				    "%%any alone)", v[i],
				    local ? "" : " or prefix");
		if (local && out[i].len != ipsec_addr_bits(out[i].addr.family))
			return perr(p, "local_addrs takes addresses, not the "
				    "prefix '%s'", v[i]);
	}
	*count = n;
	return 0;
}

static int k_local_addrs(struct parser *p, char **v, size_t n)
{
	return set_addrs(p, v, n, true);
}

static int k_remote_addrs(struct parser *p, char **v, size_t n)
{
	return set_addrs(p, v, n, false);
}

static int set_port(struct parser *p, const char *v, uint16_t *out)
{
	unsigned long port;

	if (conf_parse_uint(v, 65535, &port) || port == 0)
		return perr(p, "'%s' is not a port number (1-65535)", v);
	*out = (uint16_t)port;
	return 0;
}

static int k_local_port(struct parser *p, char **v, size_t n)
{
	return set_port(p, ONE(v), &p->conn->local_port);
}

static int k_remote_port(struct parser *p, char **v, size_t n)
{
	return set_port(p, ONE(v), &p->conn->remote_port);
}

static int set_proposals(struct parser *p, char **v, size_t n, bool esp,
			 struct conf_proposal *out, size_t *count)
{
	char msg[512];
	size_t i;

	if (n > CONF_PROPOSALS_MAX)
		return perr(p, "more than %d proposals", CONF_PROPOSALS_MAX);
	for (i = 0; i < n; i++)
		if (conf_proposal_parse(v[i], esp, &out[i], msg, sizeof(msg)))
			return perr(p, "%s", msg);
	*count = n;
	return 0;
}

static int k_proposals(struct parser *p, char **v, size_t n)
{
	return set_proposals(p, v, n, false, p->conn->ike, &p->conn->n_ike);
}

static int k_esp_proposals(struct parser *p, char **v, size_t n)
{
	return set_proposals(p, v, n, true, p->child->esp, &p->child->n_esp);
}

static int set_time(struct parser *p, const char *v, uint32_t *out)
{
	if (parse_time(v, out))
		return perr(p, "'%s' is not a time such as 3600, 30s, 10m, 4h "
			    "or 1d", v);
	return 0;
}

static int k_conn_rekey(struct parser *p, char **v, size_t n)
{
	return set_time(p, ONE(v), &p->conn->rekey_time);
}

static int k_conn_life(struct parser *p, char **v, size_t n)
{
	return set_time(p, ONE(v), &p->conn->life_time);
}

static int k_dpd(struct parser *p, char **v, size_t n)
{
	return set_time(p, ONE(v), &p->conn->dpd_delay);
}

static int k_start(struct parser *p, char **v, size_t n)
{
	if (!strcmp(ONE(v), "none"))
		p->conn->start_action = CONF_START_NONE;
	else if (!strcmp(ONE(v), "start"))
		p->conn->start_action = CONF_START_START;
	else if (!strcmp(ONE(v), "trap"))
		p->conn->start_action = CONF_START_TRAP;
	else
		return perr(p, "start_action '%s' is not none, start or trap",
			    ONE(v));
	return 0;
}

static int k_natt(struct parser *p, char **v, size_t n)
{
	if (parse_bool(ONE(v), &p->conn->nat_traversal))
		return perr(p, "nat_traversal '%s' is not yes or no", ONE(v));
	return 0;
}

static int k_encap(struct parser *p, char **v, size_t n)
{
	static const char *const names[] = { "udp", "tcp", "auto" };
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(ONE(v), names[i])) {
			p->conn->encapsulation = (enum conf_encap)i;
			return 0;
		}
	return perr(p, "encapsulation '%s' is not udp, tcp or auto", ONE(v));
}

static int k_conn_tcp_port(struct parser *p, char **v, size_t n)
{
	return set_port(p, ONE(v), &p->conn->tcp_port);
}

static int k_tcp_fallback(struct parser *p, char **v, size_t n)
{
	return set_time(p, ONE(v), &p->conn->tcp_fallback);
}

static int k_unique(struct parser *p, char **v, size_t n)
{
	static const char *const names[] = { "replace", "keep", "no" };
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(ONE(v), names[i])) {
			p->conn->unique = (enum conf_unique)i;
			return 0;
		}
	return perr(p, "unique '%s' is not replace, keep or no", ONE(v));
}

static int set_limit(struct parser *p, const char *key, const char *v,
		     uint32_t *out)
{
	unsigned long x;

	if (conf_parse_uint(v, 100000, &x) || !x)
		return perr(p, "%s '%s' is not a number from 1 to 100000", key,
			    v);
	*out = (uint32_t)x;
	return 0;
}

static int k_max_ike(struct parser *p, char **v, size_t n)
{
	return set_limit(p, "max_ike_sas", ONE(v), &p->conn->max_ike_sas);
}

static int k_max_child(struct parser *p, char **v, size_t n)
{
	return set_limit(p, "max_child_sas", ONE(v), &p->conn->max_child_sas);
}

static int k_psk_file(struct parser *p, char **v, size_t n)
{
	int ret = resolve(p, ONE(v), p->conn->psk_file);

	if (ret || (p->flags & CONF_NO_FILES))
		return ret;
	return read_psk(p, p->conn->psk_file, p->conn);
}

static int k_auth(struct parser *p, char **v, size_t n)
{
	if (!strcmp(ONE(v), "psk"))
		p->side->auth = CONF_AUTH_PSK;
	else if (!strcmp(ONE(v), "pubkey"))
		p->side->auth = CONF_AUTH_PUBKEY;
	else
		return perr(p, "auth '%s' is not psk or pubkey", ONE(v));
	return 0;
}

static int k_id(struct parser *p, char **v, size_t n)
{
	char msg[512];

	if (conf_id_parse(ONE(v), &p->side->id, msg, sizeof(msg)))
		return perr(p, "%s", msg);
	return 0;
}

static int k_cert(struct parser *p, char **v, size_t n)
{
	if (p->kind[p->depth] != B_LOCAL)
		return perr(p, "'cert' belongs in the local block; the peer "
			    "sends its own certificate");
	return resolve(p, ONE(v), p->side->cert) ?:
	       file_check(p, "cert", p->side->cert, false);
}

static int k_key(struct parser *p, char **v, size_t n)
{
	if (p->kind[p->depth] != B_LOCAL)
		return perr(p, "'key' belongs in the local block");
	return resolve(p, ONE(v), p->side->key) ?:
	       file_check(p, "key", p->side->key, true);
}

static int k_cacert(struct parser *p, char **v, size_t n)
{
	size_t i;
	int ret;

	if (p->kind[p->depth] != B_REMOTE)
		return perr(p, "'cacert' belongs in the remote block: it says "
			    "which CAs may vouch for the peer");
	if (n > CONF_CACERTS_MAX)
		return perr(p, "more than %d cacert files", CONF_CACERTS_MAX);
	for (i = 0; i < n; i++) {
		ret = resolve(p, v[i], p->side->cacerts[i]) ?:
		      file_check(p, "cacert", p->side->cacerts[i], false);
		if (ret)
			return ret;
	}
	p->side->n_cacerts = n;
	return 0;
}

static int set_ts(struct parser *p, char **v, size_t n, struct conf_ts *out,
		  size_t *count)
{
	char msg[512];
	size_t i;

	if (n > CONF_TS_MAX)
		return perr(p, "more than %d traffic selectors", CONF_TS_MAX);
	for (i = 0; i < n; i++)
		if (conf_ts_parse(v[i], &out[i], msg, sizeof(msg)))
			return perr(p, "%s", msg);
	*count = n;
	return 0;
}

static int k_local_ts(struct parser *p, char **v, size_t n)
{
	return set_ts(p, v, n, p->child->local_ts, &p->child->n_local_ts);
}

static int k_remote_ts(struct parser *p, char **v, size_t n)
{
	return set_ts(p, v, n, p->child->remote_ts, &p->child->n_remote_ts);
}

static int k_mode(struct parser *p, char **v, size_t n)
{
	if (!strcmp(ONE(v), "tunnel"))
		p->child->mode = IPSEC_MODE_TUNNEL;
	else if (!strcmp(ONE(v), "transport"))
		p->child->mode = IPSEC_MODE_TRANSPORT;
	else
		return perr(p, "mode '%s' is not tunnel or transport", ONE(v));
	return 0;
}

static int k_child_rekey(struct parser *p, char **v, size_t n)
{
	return set_time(p, ONE(v), &p->child->rekey_time);
}

static int k_child_life(struct parser *p, char **v, size_t n)
{
	return set_time(p, ONE(v), &p->child->life_time);
}

static int set_bytes(struct parser *p, const char *v, uint64_t *out)
{
	if (parse_bytes(v, out))
		return perr(p, "'%s' is not a byte count such as 1000000, "
			    "500k, 100M or 2G", v);
	return 0;
}

static int k_rekey_bytes(struct parser *p, char **v, size_t n)
{
	return set_bytes(p, ONE(v), &p->child->rekey_bytes);
}

static int k_life_bytes(struct parser *p, char **v, size_t n)
{
	return set_bytes(p, ONE(v), &p->child->life_bytes);
}

static int set_packets(struct parser *p, const char *v, uint64_t *out)
{
	if (parse_bytes(v, out))
		return perr(p, "'%s' is not a packet count such as 1000000, "
			    "500k or 100M (powers of 1024)", v);
	return 0;
}

static int k_rekey_packets(struct parser *p, char **v, size_t n)
{
	return set_packets(p, ONE(v), &p->child->rekey_packets);
}

static int k_life_packets(struct parser *p, char **v, size_t n)
{
	return set_packets(p, ONE(v), &p->child->life_packets);
}

static int k_replay(struct parser *p, char **v, size_t n)
{
	unsigned long w;

	if (conf_parse_uint(ONE(v), XFRMA_REPLAY_ESN_MAX, &w))
		return perr(p, "replay_window '%s' is not a number of packets "
			    "from 0 to %d", ONE(v), XFRMA_REPLAY_ESN_MAX);
	p->child->replay_window = (uint32_t)w;
	return 0;
}

static int set_dport(struct parser *p, char **v, size_t n, uint16_t *out)
{
	return set_port(p, ONE(v), out);
}

static int k_ike_port(struct parser *p, char **v, size_t n)
{
	return set_dport(p, v, n, &p->conf->daemon.ike_port);
}

static int k_natt_port(struct parser *p, char **v, size_t n)
{
	return set_dport(p, v, n, &p->conf->daemon.natt_port);
}

static int k_ctl_socket(struct parser *p, char **v, size_t n)
{
	if (ONE(v)[0] != '/' || strlen(ONE(v)) >= 108)
		return perr(p, "ctl_socket '%s' is not an absolute path of at "
			    "most 107 characters", ONE(v));
	strcpy(p->conf->daemon.ctl_socket, ONE(v));
	return 0;
}

static int set_count(struct parser *p, const char *key, const char *v,
		     unsigned long max, uint32_t *out)
{
	unsigned long x;

	if (conf_parse_uint(v, max, &x))
		return perr(p, "%s '%s' is not a number from 0 to %lu", key, v,
			    max);
	*out = (uint32_t)x;
	return 0;
}

static int k_half_open(struct parser *p, char **v, size_t n)
{
	return set_count(p, "half_open_max", ONE(v), 1000000,
			 &p->conf->daemon.half_open_max);
}

static int k_cookie(struct parser *p, char **v, size_t n)
{
	return set_count(p, "cookie_threshold", ONE(v), 1000000,
			 &p->conf->daemon.cookie_threshold);
}

static int k_retr_tries(struct parser *p, char **v, size_t n)
{
	return set_count(p, "retransmit_tries", ONE(v), 20,
			 &p->conf->daemon.retransmit_tries);
}

static int k_retr_timeout(struct parser *p, char **v, size_t n)
{
	unsigned long ms;
	size_t len = strlen(ONE(v));
	char num[32];

	if (len > 2 && len < sizeof(num) && !strcmp(ONE(v) + len - 2, "ms")) {
		memcpy(num, ONE(v), len - 2);
		num[len - 2] = '\0';
		if (!conf_parse_uint(num, 600000, &ms) && ms) {
			p->conf->daemon.retransmit_timeout_ms = (uint32_t)ms;
			return 0;
		}
	} else {
		uint32_t s;

		if (!parse_time(ONE(v), &s) && s && s <= 600) {
			p->conf->daemon.retransmit_timeout_ms = s * 1000;
			return 0;
		}
	}
	return perr(p, "retransmit_timeout '%s' is not a time from 1ms to "
		    "600s (e.g. 500ms or 4s)", ONE(v));
}

static int k_nat_keepalive(struct parser *p, char **v, size_t n)
{
	return set_time(p, ONE(v), &p->conf->daemon.nat_keepalive);
}

static int k_tcp_port(struct parser *p, char **v, size_t n)
{
	return set_dport(p, v, n, &p->conf->daemon.tcp_port);
}

static int k_tcp_max_conns(struct parser *p, char **v, size_t n)
{
	return set_count(p, "tcp_max_connections", ONE(v), 1000000,
			 &p->conf->daemon.tcp_max_conns);
}

static int k_tcp_max_source(struct parser *p, char **v, size_t n)
{
	return set_count(p, "tcp_max_per_source", ONE(v), 1000000,
			 &p->conf->daemon.tcp_max_per_source);
}

static int k_tcp_timeout(struct parser *p, char **v, size_t n)
{
	if (set_time(p, ONE(v), &p->conf->daemon.tcp_timeout))
		return -1;
	if (!p->conf->daemon.tcp_timeout)
		return perr(p, "tcp_timeout must be at least 1s");
	return 0;
}

static int k_log_level(struct parser *p, char **v, size_t n)
{
	static const char *const levels[] = { "error", "warning", "info",
					      "debug" };
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(ONE(v), levels[i])) {
			p->conf->daemon.log_level = i;
			return 0;
		}
	return perr(p, "log_level '%s' is not error, warning, info or debug",
		    ONE(v));
}

static const struct key daemon_keys[] = {
	{ "ike_port", k_ike_port, false },
	{ "natt_port", k_natt_port, false },
	{ "ctl_socket", k_ctl_socket, false },
	{ "half_open_max", k_half_open, false },
	{ "cookie_threshold", k_cookie, false },
	{ "retransmit_tries", k_retr_tries, false },
	{ "retransmit_timeout", k_retr_timeout, false },
	{ "nat_keepalive", k_nat_keepalive, false },
	{ "log_level", k_log_level, false },
	{ "tcp_port", k_tcp_port, false },
	{ "tcp_max_connections", k_tcp_max_conns, false },
	{ "tcp_max_per_source", k_tcp_max_source, false },
	{ "tcp_timeout", k_tcp_timeout, false },
	{ NULL, NULL, false },
};

static const struct key conn_keys[] = {
	{ "local_addrs", k_local_addrs, true },
	{ "remote_addrs", k_remote_addrs, true },
	{ "local_port", k_local_port, false },
	{ "remote_port", k_remote_port, false },
	{ "proposals", k_proposals, true },
	{ "rekey_time", k_conn_rekey, false },
	{ "life_time", k_conn_life, false },
	{ "dpd_delay", k_dpd, false },
	{ "start_action", k_start, false },
	{ "nat_traversal", k_natt, false },
	{ "encapsulation", k_encap, false },
	{ "tcp_port", k_conn_tcp_port, false },
	{ "tcp_fallback", k_tcp_fallback, false },
	{ "unique", k_unique, false },
	{ "max_ike_sas", k_max_ike, false },
	{ "max_child_sas", k_max_child, false },
	{ "psk_file", k_psk_file, false },
	{ NULL, NULL, false },
};

static const struct key side_keys[] = {
	{ "auth", k_auth, false },
	{ "id", k_id, false },
	{ "cert", k_cert, false },
	{ "key", k_key, false },
	{ "cacert", k_cacert, true },
	{ NULL, NULL, false },
};

static const struct key child_keys[] = {
	{ "local_ts", k_local_ts, true },
	{ "remote_ts", k_remote_ts, true },
	{ "mode", k_mode, false },
	{ "esp_proposals", k_esp_proposals, true },
	{ "rekey_time", k_child_rekey, false },
	{ "life_time", k_child_life, false },
	{ "rekey_bytes", k_rekey_bytes, false },
	{ "life_bytes", k_life_bytes, false },
	{ "rekey_packets", k_rekey_packets, false },
	{ "life_packets", k_life_packets, false },
	{ "replay_window", k_replay, false },
	{ NULL, NULL, false },
};

static const struct key *keys_of(enum blk b)
{
	switch (b) {
	case B_DAEMON:
		return daemon_keys;
	case B_CONN:
		return conn_keys;
	case B_LOCAL:
	case B_REMOTE:
		return side_keys;
	case B_CHILD:
		return child_keys;
	default:
		return NULL;
	}
}

/* ---- lines and blocks ----------------------------------------------------- */

static char *trim(char *s)
{
	char *e;

	s += strspn(s, " \t");
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Split @s at commas outside double quotes; unquote items in place.
 * Returns the number of items or -EINVAL (message set).
 */
static int split(struct parser *p, char *s, char **items, size_t max)
{
	size_t n = 0;
	char *r = s;

	for (;;) {
		char *item, *w;
		bool quoted = false;

		r += strspn(r, " \t");
		item = w = r;
		if (*r == '"') {
			quoted = true;
			for (r++; *r && *r != '"'; r++) {
				if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
					r++;
				*w++ = *r;
			}
			if (*r != '"')
				return perr(p, "unterminated quoted string %s",
					    item);
			r++;
			r += strspn(r, " \t");
			if (*r && *r != ',')
				return perr(p, "unexpected '%s' after a quoted "
					    "string", r);
		} else {
			while (*r && *r != ',' && *r != '"')
				*w++ = *r++;
			if (*r == '"')
				return perr(p, "a quote in the middle of a value: "
					    "quote whole values");
		}
		{
			char end = *r;

			*w = '\0';
			if (!quoted)
				item = trim(item);
			if (!*item)
				return perr(p, "empty value in list");
			if (n == max)
				return perr(p, "more than %zu values", max);
			items[n++] = item;
			if (end != ',')
				break;
			r++;
		}
	}
	return (int)n;
}

static int set_key(struct parser *p, char *line, char *eq)
{
	enum blk b = p->kind[p->depth];
	const struct key *keys = keys_of(b), *k;
	char *key, *value, *items[LIST_MAX];
	size_t idx;
	int n;

	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (!keys)
		return perr(p, "'%s = ...' outside a block; settings belong in "
			    "daemon { } or connection NAME { }", key);
	for (k = keys, idx = 0; k->name; k++, idx++)
		if (!strcmp(k->name, key))
			break;
	if (!k->name) {
		char list[512] = "";
		const struct key *o;

		for (o = keys; o->name; o++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%s", o == keys ? "" : ", ", o->name);
		return perr(p, "unknown key '%s' in %s block; expected one of: "
			    "%s", key, blk_names[b], list);
	}
	if (p->seen[p->depth][idx])
		return perr(p, "'%s' set twice in this %s block (first on line "
			    "%u)", key, blk_names[b], p->seen[p->depth][idx]);
	p->seen[p->depth][idx] = p->line;
	if (!*value)
		return perr(p, "'%s' needs a value", key);
	n = split(p, value, items, LIST_MAX);
	if (n < 0)
		return n;
	if (n > 1 && !k->list)
		return perr(p, "'%s' takes one value, got %d; quote values that "
			    "contain commas", key, n);
	return k->set(p, items, (size_t)n);
}

static void conn_defaults(struct conf_conn *c)
{
	c->local_port = 500;
	c->remote_port = 500;
	c->rekey_time = 4 * 3600;
	c->nat_traversal = true;
	c->tcp_port = 4500;
	c->tcp_fallback = 6;
	c->unique = CONF_UNIQUE_REPLACE;
	c->max_ike_sas = CONF_MAX_IKE_SAS;
	c->max_child_sas = CONF_MAX_CHILD_SAS;
}

static int open_block(struct parser *p, char *head)
{
	enum blk cur = p->kind[p->depth], nb;
	char *word = head, *name;

	name = word + strcspn(word, " \t");
	if (*name)
		*name++ = '\0';
	name = trim(name);
	if (!strcmp(word, "daemon") && cur == B_TOP)
		nb = B_DAEMON;
	else if (!strcmp(word, "connection") && cur == B_TOP)
		nb = B_CONN;
	else if (!strcmp(word, "local") && cur == B_CONN)
		nb = B_LOCAL;
	else if (!strcmp(word, "remote") && cur == B_CONN)
		nb = B_REMOTE;
	else if (!strcmp(word, "child") && cur == B_CONN)
		nb = B_CHILD;
	else
		return perr(p, "unknown block '%s' %s; expected %s", word,
			    cur == B_TOP ? "at top level" : "here",
			    cur == B_TOP ? "daemon { or connection NAME {" :
			    cur == B_CONN ? "local {, remote { or child NAME {" :
			    "settings and '}' only");
	if ((nb == B_CONN || nb == B_CHILD) && !ident_ok(name, CONF_NAME_MAX))
		return perr(p, "%s name '%s' is not 1-%d characters of A-Z a-z "
			    "0-9 _ . -: write %s NAME {", word, name,
			    CONF_NAME_MAX, word);
	if (nb != B_CONN && nb != B_CHILD && *name)
		return perr(p, "'%s' block takes no name, got '%s'", word, name);

	p->depth++;
	p->kind[p->depth] = nb;
	p->open_line[p->depth] = p->line;
	memset(p->seen[p->depth], 0, sizeof(p->seen[p->depth]));
	switch (nb) {
	case B_DAEMON:
		if (p->daemon_seen)
			return perr(p, "second daemon block");
		p->daemon_seen = true;
		break;
	case B_CONN: {
		size_t i;

		for (i = 0; i < p->conf->n_conns; i++)
			if (!strcmp(p->conf->conns[i].name, name))
				return perr(p, "connection '%s' defined twice "
					    "(first on line %u)", name,
					    p->conf->conns[i].line);
		if (p->conf->n_conns == CONF_CONNS_MAX)
			return perr(p, "more than %d connections",
				    CONF_CONNS_MAX);
		if (p->conf->n_conns == p->cap_conns) {
			size_t cap = p->cap_conns ? p->cap_conns * 2 : 4;
			struct conf_conn *nc = realloc(p->conf->conns,
						       cap * sizeof(*nc));

			if (!nc)
				return -ENOMEM;
			p->conf->conns = nc;
			p->cap_conns = cap;
		}
		p->conn = &p->conf->conns[p->conf->n_conns++];
		memset(p->conn, 0, sizeof(*p->conn));
		conn_defaults(p->conn);
		strcpy(p->conn->name, name);
		p->conn->line = p->line;
		p->local_seen = p->remote_seen = false;
		break;
	}
	case B_LOCAL:
	case B_REMOTE: {
		bool *seen = nb == B_LOCAL ? &p->local_seen : &p->remote_seen;

		if (*seen)
			return perr(p, "second %s block in connection '%s'",
				    word, p->conn->name);
		*seen = true;
		p->side = nb == B_LOCAL ? &p->conn->local : &p->conn->remote;
		break;
	}
	case B_CHILD: {
		size_t i;

		for (i = 0; i < p->conn->n_children; i++)
			if (!strcmp(p->conn->children[i].name, name))
				return perr(p, "child '%s' defined twice in "
					    "connection '%s'", name,
					    p->conn->name);
		if (p->conn->n_children == CONF_CHILDREN_MAX)
			return perr(p, "more than %d children",
				    CONF_CHILDREN_MAX);
		p->child = &p->conn->children[p->conn->n_children++];
		strcpy(p->child->name, name);
		p->child->mode = IPSEC_MODE_TUNNEL;
		p->child->rekey_time = 3600;
		p->child->replay_window = 32;
		break;
	}
	default:
		break;
	}
	return 0;
}

static const char *const default_ike[] = {
	"aes256gcm16-aes128gcm16-prfsha256-prfsha384-x25519-ecp256-modp2048",
	"aes256-aes128-sha256-sha384-x25519-ecp256-modp2048",
};

static const char *const default_esp[] = {
	"aes256gcm16-aes128gcm16",
	"aes256-aes128-sha256-sha384",
};

/* Line where @key was set in the block being closed, 0 if it was not. */
static unsigned int seen(struct parser *p, const char *key)
{
	const struct key *keys = keys_of(p->kind[p->depth]);
	size_t i;

	for (i = 0; keys[i].name; i++)
		if (!strcmp(keys[i].name, key))
			return p->seen[p->depth][i];
	return 0;
}

/* life_time defaults to rekey_time + 10 %, and must exceed it. */
static int lifetimes(struct parser *p, const char *what, uint32_t *rekey,
		     uint32_t *life, bool life_set, bool rekey_set)
{
	if (!life_set && *rekey)
		*life = *rekey + *rekey / 10;
	if (life_set && !rekey_set && *life)
		*rekey = *life - *life / 10;
	if (*rekey && *life && *life <= *rekey)
		return perr(p, "%s life_time (%us) must be longer than "
			    "rekey_time (%us)", what, *life, *rekey);
	return 0;
}

static int close_child(struct parser *p)
{
	struct conf_child *c = p->child;
	char msg[512];
	size_t i;
	int ret;

	p->line = p->open_line[p->depth];
	if (!c->n_esp) {
		for (i = 0; i < 2; i++)
			conf_proposal_parse(default_esp[i], true, &c->esp[i],
					    msg, sizeof(msg));
		c->n_esp = 2;
	}
	ret = lifetimes(p, "child", &c->rekey_time, &c->life_time,
			seen(p, "life_time"), seen(p, "rekey_time"));
	if (ret)
		return ret;
	if (!seen(p, "life_bytes") && c->rekey_bytes)
		c->life_bytes = c->rekey_bytes + c->rekey_bytes / 10;
	if (c->rekey_bytes && c->life_bytes && c->life_bytes <= c->rekey_bytes)
		return perr(p, "child '%s': life_bytes must exceed rekey_bytes",
			    c->name);
	if (!seen(p, "life_packets") && c->rekey_packets)
		c->life_packets = c->rekey_packets + c->rekey_packets / 10;
	if (c->rekey_packets && c->life_packets &&
	    c->life_packets <= c->rekey_packets)
		return perr(p, "child '%s': life_packets must exceed "
			    "rekey_packets", c->name);
	return 0;
}

static int close_side(struct parser *p)
{
	struct conf_side *s = p->side;
	const char *which = p->kind[p->depth] == B_LOCAL ? "local" : "remote";

	p->line = p->open_line[p->depth];
	if (s->auth == CONF_AUTH_NONE)
		return perr(p, "%s block of connection '%s' lacks 'auth'; "
			    "expected auth = psk or auth = pubkey", which,
			    p->conn->name);
	if (s->auth == CONF_AUTH_PUBKEY && s == &p->conn->local &&
	    (!s->cert[0] || !s->key[0]))
		return perr(p, "local auth = pubkey needs 'cert' and 'key' "
			    "files");
	if (s->auth == CONF_AUTH_PUBKEY && s == &p->conn->remote &&
	    !s->n_cacerts)
		return perr(p, "remote auth = pubkey needs 'cacert': the CA "
			    "certificates that may vouch for the peer");
	if (s->auth == CONF_AUTH_PSK && (s->cert[0] || s->key[0] ||
					 s->n_cacerts))
		return perr(p, "%s auth = psk takes no cert, key or cacert",
			    which);
	return 0;
}

static int close_conn(struct parser *p)
{
	struct conf_conn *c = p->conn;
	bool psk = c->local.auth == CONF_AUTH_PSK ||
		   c->remote.auth == CONF_AUTH_PSK;
	char msg[512];
	size_t i;

	p->line = c->line;
	if (!p->local_seen || !p->remote_seen)
		return perr(p, "connection '%s' needs a %s { auth = ... } block",
			    c->name, p->local_seen ? "remote" : "local");
	if (!c->n_children)
		return perr(p, "connection '%s' has no child NAME { } block",
			    c->name);
	if (psk && !c->psk_file[0])
		return perr(p, "connection '%s' uses auth = psk but has no "
			    "psk_file", c->name);
	if (!psk && c->psk_file[0])
		return perr(p, "connection '%s' has a psk_file but no side uses "
			    "auth = psk", c->name);
	if (c->start_action != CONF_START_NONE &&
	    (c->n_remote_addrs == 0 ||
	     c->remote_addrs[0].len !=
	     ipsec_addr_bits(c->remote_addrs[0].addr.family)))
		return perr(p, "connection '%s': start_action %s needs a remote "
			    "host address as the first of remote_addrs",
			    c->name, c->start_action == CONF_START_START ?
			    "start" : "trap");
	if (!c->n_ike) {
		for (i = 0; i < 2; i++)
			conf_proposal_parse(default_ike[i], false, &c->ike[i],
					    msg, sizeof(msg));
		c->n_ike = 2;
	}
	return lifetimes(p, "IKE", &c->rekey_time, &c->life_time,
			 seen(p, "life_time"), seen(p, "rekey_time"));
}

static int close_block(struct parser *p)
{
	unsigned int line = p->line;
	int ret = 0;

	if (p->depth == 0)
		return perr(p, "'}' without an open block");
	switch (p->kind[p->depth]) {
	case B_CHILD:
		ret = close_child(p);
		break;
	case B_LOCAL:
	case B_REMOTE:
		ret = close_side(p);
		break;
	case B_CONN:
		ret = close_conn(p);
		break;
	default:
		break;
	}
	p->line = line;
	p->depth--;
	return ret;
}

/* Remove a comment outside quotes. */
static void strip_comment(char *s)
{
	bool q = false;

	for (; *s; s++) {
		if (*s == '"')
			q = !q;
		else if (*s == '\\' && q && s[1])
			s++;
		else if (*s == '#' && !q) {
			*s = '\0';
			return;
		}
	}
}

static int parse_line(struct parser *p, char *raw)
{
	char *line, *eq;
	size_t n;

	strip_comment(raw);
	line = trim(raw);
	if (!*line)
		return 0;
	if (!strcmp(line, "}"))
		return close_block(p);
	eq = strchr(line, '=');
	n = strlen(line);
	if (line[n - 1] == '{' && !eq) {
		line[n - 1] = '\0';
		return open_block(p, trim(line));
	}
	if (!eq)
		return perr(p, "cannot read '%s'; expected 'key = value', "
			    "'NAME {' or '}'", line);
	if (memchr(line, '{', eq - line) || memchr(line, '}', eq - line))
		return perr(p, "one setting per line: a block's '{' ends its "
			    "line and '}' stands alone");
	return set_key(p, line, eq);
}

/* The back pointers holders of a connection or child take their
 * reference through; set once the conns array no longer moves.
 */
static struct conf *set_owner(struct conf *c)
{
	size_t i, j;

	for (i = 0; i < c->n_conns; i++) {
		c->conns[i].owner = c;
		for (j = 0; j < CONF_CHILDREN_MAX; j++)
			c->conns[i].children[j].owner = c;
	}
	return c;
}

int conf_parse(const char *text, size_t len, const char *filename,
	       unsigned int flags, struct conf **out, char *err,
	       size_t errlen)
{
	struct parser *p;
	char line[CONF_LINE_MAX + 1];
	const char *s = text, *end = text + len, *slash;
	int ret = 0;

	*out = NULL;
	err[0] = '\0';
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->conf = calloc(1, sizeof(*p->conf));
	if (!p->conf) {
		free(p);
		return -ENOMEM;
	}
	p->file = filename ? filename : "<config>";
	p->flags = flags;
	p->err = err;
	p->errlen = errlen;
	slash = filename ? strrchr(filename, '/') : NULL;
	if (slash && (size_t)(slash - filename) < sizeof(p->dir))
		snprintf(p->dir, sizeof(p->dir), "%.*s",
			 (int)(slash - filename), filename);
	p->conf->daemon = (struct conf_daemon){
		.ike_port = 500, .natt_port = 4500,
		.ctl_socket = "/run/ipsecmed/ctl", .half_open_max = 1000,
		.cookie_threshold = 100, .retransmit_tries = 5,
		.retransmit_timeout_ms = 4000, .nat_keepalive = 20,
		.log_level = 2, .tcp_max_conns = 1000,
		.tcp_max_per_source = 16, .tcp_timeout = 10,
	};

	while (!ret && s < end) {
		const char *nl = memchr(s, '\n', end - s);
		size_t n = (nl ? nl : end) - s;

		p->line++;
		if (memchr(s, '\0', n)) {
			ret = perr(p, "NUL byte in the file; is it text?");
			break;
		}
		if (n && s[n - 1] == '\r')
			n--;
		if (n > CONF_LINE_MAX) {
			ret = perr(p, "line longer than %d characters",
				   CONF_LINE_MAX);
			break;
		}
		memcpy(line, s, n);
		line[n] = '\0';
		ret = parse_line(p, line);
		s = nl ? nl + 1 : end;
	}
	if (!ret && p->depth > 0)
		ret = perr(p, "the file ends inside the %s block opened on "
			   "line %u; a '}' is missing",
			   blk_names[p->kind[p->depth]],
			   p->open_line[p->depth]);
	explicit_bzero(line, sizeof(line));
	p->conf->refs = 1;
	if (ret)
		conf_free(p->conf);
	else
		*out = set_owner(p->conf);
	free(p);
	return ret;
}

int conf_load(const char *path, unsigned int flags, struct conf **out,
	      char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int ret;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path,
			 strerror(errno));
		return ret;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *nt;

			cap = cap ? cap * 2 : 65536;
			if (cap > (64u << 20)) {
				fclose(f);
				free(text);
				snprintf(err, errlen, "%s is larger than 64 MiB",
					 path);
				return -EFBIG;
			}
			nt = realloc(text, cap);
			if (!nt) {
				fclose(f);
				free(text);
				return -ENOMEM;
			}
			text = nt;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "cannot read %s", path);
	} else {
		ret = conf_parse(text, len, path, flags, out, err, errlen);
	}
	fclose(f);
	free(text);
	return ret;
}

struct conf *conf_get(struct conf *c)
{
	if (c)
		c->refs++;
	return c;
}

void conf_put(struct conf *c)
{
	if (!c || --c->refs)
		return;
	if (c->conns)
		explicit_bzero(c->conns, c->n_conns * sizeof(*c->conns));
	free(c->conns);
	free(c);
}

void conf_free(struct conf *c)
{
	conf_put(c);
}

const struct conf_conn *conf_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_conns; i++)
		if (!strcmp(c->conns[i].name, name))
			return &c->conns[i];
	return NULL;
}
