// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecmed.conf values that have a grammar of their own: proposal strings,
 * identities and traffic selectors (see conf/config.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "conf/config.h"
#include "conf/internal.h"
#include "ipsecmed/ike/proto.h"

int conf_efmt(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int conf_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* ---- proposals -------------------------------------------------------- */

enum tt { T_ENCR, T_INTEG, T_PRF, T_DH, T_ESN };

struct token {
	const char *name;
	enum tt type;
	uint16_t id;
	uint16_t bits;
	bool aead;
};

static const struct token tokens[] = {
	{ "aes128", T_ENCR, IKE_ENCR_AES_CBC, 128, false },
	{ "aes256", T_ENCR, IKE_ENCR_AES_CBC, 256, false },
	{ "aes128gcm16", T_ENCR, IKE_ENCR_AES_GCM_16, 128, true },
	{ "aes128gcm", T_ENCR, IKE_ENCR_AES_GCM_16, 128, true },
	{ "aes256gcm16", T_ENCR, IKE_ENCR_AES_GCM_16, 256, true },
	{ "aes256gcm", T_ENCR, IKE_ENCR_AES_GCM_16, 256, true },
	{ "chacha20poly1305", T_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0, true },
	{ "sha256", T_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, false },
	{ "sha2_256", T_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, false },
	{ "sha384", T_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0, false },
	{ "sha2_384", T_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0, false },
	{ "sha512", T_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, false },
	{ "sha2_512", T_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, false },
	{ "prfsha256", T_PRF, IKE_PRF_HMAC_SHA2_256, 0, false },
	{ "prfsha384", T_PRF, IKE_PRF_HMAC_SHA2_384, 0, false },
	{ "prfsha512", T_PRF, IKE_PRF_HMAC_SHA2_512, 0, false },
	{ "modp2048", T_DH, IKE_DH_MODP2048, 0, false },
	{ "ecp256", T_DH, IKE_DH_ECP256, 0, false },
	{ "ecp384", T_DH, IKE_DH_ECP384, 0, false },
	{ "ecp521", T_DH, IKE_DH_ECP521, 0, false },
	{ "x25519", T_DH, IKE_DH_CURVE25519, 0, false },
	{ "curve25519", T_DH, IKE_DH_CURVE25519, 0, false },
	{ "esn", T_ESN, IKE_ESN_YES, 0, false },
	{ "noesn", T_ESN, IKE_ESN_NO, 0, false },
};

#define TOKENS_TEXT "aes128, aes256, aes128gcm16, aes256gcm16, " \
	"chacha20poly1305, sha256, sha384, sha512, prfsha256, prfsha384, " \
	"prfsha512, modp2048, ecp256, ecp384, ecp521, x25519, esn, noesn"

static const struct token *token_find(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		if (!strcmp(tokens[i].name, s))
			return &tokens[i];
	return NULL;
}

/* Append @id (and @bits) to a list unless it is there already. */
static int add_alg(uint16_t *ids, uint16_t *bits, size_t *n, uint16_t id,
		   uint16_t b)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (ids[i] == id && (!bits || bits[i] == b))
			return -EEXIST;
	if (*n >= CONF_ALGS_MAX)
		return -E2BIG;
	ids[*n] = id;
	if (bits)
		bits[*n] = b;
	(*n)++;
	return 0;
}

static uint16_t prf_of_integ(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA2_384_192:
		return IKE_PRF_HMAC_SHA2_384;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return IKE_PRF_HMAC_SHA2_512;
	default:
		return IKE_PRF_HMAC_SHA2_256;
	}
}

int conf_proposal_parse(const char *s, bool esp, struct conf_proposal *p,
			char *err, size_t errlen)
{
	char copy[CONF_LINE_MAX + 1], *tok, *save = NULL;
	const char *kind = esp ? "ESP" : "IKE";
	bool aead_seen = false, cbc_seen = false;
	size_t i;
	int ret;

	memset(p, 0, sizeof(*p));
	if (strlen(s) > CONF_LINE_MAX || !*s)
		return conf_efmt(err, errlen, "empty or overlong proposal");
	if (s[0] == '-' || s[strlen(s) - 1] == '-' || strstr(s, "--"))
		return conf_efmt(err, errlen, "empty algorithm in proposal '%s'", s);
	strcpy(copy, s);
	for (tok = strtok_r(copy, "-", &save); tok;
	     tok = strtok_r(NULL, "-", &save)) {
		const struct token *t = token_find(tok);

		if (!t)
			return conf_efmt(err, errlen,
				    "unknown algorithm '%s' in %s proposal "
				    "'%s'; expected %s", tok, kind, s,
				    TOKENS_TEXT);
		switch (t->type) {
		case T_ENCR:
			if (t->aead)
				aead_seen = true;
			else
				cbc_seen = true;
			ret = add_alg(p->encr, p->encr_bits, &p->n_encr, t->id,
				      t->bits);
			break;
		case T_INTEG:
			ret = add_alg(p->integ, NULL, &p->n_integ, t->id, 0);
			break;
		case T_PRF:
			if (esp)
				return conf_efmt(err, errlen,
					    "'%s' in ESP proposal '%s': a PRF "
					    "belongs in IKE proposals only",
					    tok, s);
			ret = add_alg(p->prf, NULL, &p->n_prf, t->id, 0);
			break;
		case T_DH:
			ret = add_alg(p->dh, NULL, &p->n_dh, t->id, 0);
			break;
		default:
			if (!esp)
				return conf_efmt(err, errlen,
					    "'%s' in IKE proposal '%s': ESN "
					    "belongs in ESP proposals only",
					    tok, s);
			ret = add_alg(p->esn, NULL, &p->n_esn, t->id, 0);
			break;
		}
		if (ret == -EEXIST)
			return conf_efmt(err, errlen, "'%s' listed twice in proposal "
				    "'%s'", tok, s);
		if (ret)
			return conf_efmt(err, errlen, "more than %d algorithms of "
				    "one kind in proposal '%s'",
				    CONF_ALGS_MAX, s);
	}
	if (!p->n_encr)
		return conf_efmt(err, errlen, "%s proposal '%s' has no encryption "
			    "algorithm (such as aes128gcm16 or aes256)",
			    kind, s);
	if (aead_seen && cbc_seen)
		return conf_efmt(err, errlen, "proposal '%s' mixes AEAD and non-AEAD "
			    "ciphers; put them in separate proposals", s);
	p->aead = aead_seen;
	if (p->aead && p->n_integ)
		return conf_efmt(err, errlen, "proposal '%s': AEAD ciphers take no "
			    "integrity algorithm", s);
	if (!p->aead && !p->n_integ)
		return conf_efmt(err, errlen, "proposal '%s' needs an integrity "
			    "algorithm (sha256, sha384 or sha512)", s);
	if (!esp) {
		if (!p->n_dh)
			return conf_efmt(err, errlen, "IKE proposal '%s' needs a key "
				    "exchange group (such as x25519, ecp256 "
				    "or modp2048)", s);
		if (!p->n_prf && p->aead)
			return conf_efmt(err, errlen, "IKE proposal '%s' with an AEAD "
				    "cipher needs a PRF (such as prfsha256)",
				    s);
		/* Without a PRF, each HMAC integrity brings its PRF. */
		if (!p->n_prf)
			for (i = 0; i < p->n_integ; i++)
				add_alg(p->prf, NULL, &p->n_prf,
					prf_of_integ(p->integ[i]), 0);
	} else if (!p->n_esn) {
		p->esn[p->n_esn++] = IKE_ESN_NO;
	}
	return 0;
}

/* ---- identities, selectors --------------------------------------------- */

static bool fqdn_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
				  "QRSTUVWXYZ0123456789.-_") == n &&
	       s[0] != '.' && !strstr(s, "..");
}

static bool email_ok(const char *s)
{
	const char *at = strchr(s, '@');

	return at && at != s && strchr(at + 1, '@') == NULL &&
	       fqdn_ok(at + 1) && !strpbrk(s, " \t,");
}

/* "C=CH, O=Example, CN=gw" or "/C=CH/O=Example/CN=gw". */
static bool dn_ok(const char *s)
{
	char copy[CONF_ID_MAX], *part, *save = NULL;
	const char *sep = s[0] == '/' ? "/" : ",";
	int parts = 0;

	if (strlen(s) >= sizeof(copy))
		return false;
	strcpy(copy, s);
	for (part = strtok_r(copy, sep, &save); part;
	     part = strtok_r(NULL, sep, &save)) {
		char *eq;
		size_t klen;

		part += strspn(part, " ");
		eq = strchr(part, '=');
		if (!eq || eq == part || !eq[1])
			return false;
		klen = eq - part;
		if (strspn(part, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
				 "UVWXYZ0123456789.") != klen)
			return false;
		parts++;
	}
	return parts > 0;
}

int conf_id_parse(const char *s, struct conf_id *id, char *err,
		  size_t errlen)
{
	static const struct {
		const char *prefix;
		enum conf_id_type type;
	} prefixes[] = {
		{ "fqdn:", CONF_ID_FQDN }, { "email:", CONF_ID_RFC822 },
		{ "rfc822:", CONF_ID_RFC822 }, { "ipv4:", CONF_ID_IPV4 },
		{ "ipv6:", CONF_ID_IPV6 }, { "dn:", CONF_ID_DN },
	};
	const char *v = s;
	enum conf_id_type type = CONF_ID_NONE;
	size_t i;

	memset(id, 0, sizeof(*id));
	if (!strcmp(s, "%any"))
		return 0;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i].prefix);

		if (!strncmp(s, prefixes[i].prefix, n)) {
			type = prefixes[i].type;
			v = s + n;
			break;
		}
	}
	if (strlen(v) >= sizeof(id->text) || !*v)
		return conf_efmt(err, errlen, "identity '%s' is empty or longer than "
			    "%d characters", s, CONF_ID_MAX - 1);
	if (type == CONF_ID_NONE) {
		struct ipsec_addr a;

		if (!ipsec_addr_parse(v, &a))
			type = a.family == AF_INET ? CONF_ID_IPV4 : CONF_ID_IPV6;
		else if (strchr(v, '='))
			type = CONF_ID_DN;
		else if (strchr(v, '@'))
			type = CONF_ID_RFC822;
		else
			type = CONF_ID_FQDN;
	}
	switch (type) {
	case CONF_ID_IPV4:
	case CONF_ID_IPV6:
		if (ipsec_addr_parse(v, &id->addr) ||
		    (id->addr.family == AF_INET) != (type == CONF_ID_IPV4))
			return conf_efmt(err, errlen, "identity '%s' is not an %s "
				    "address", s,
				    type == CONF_ID_IPV4 ? "IPv4" : "IPv6");
		break;
	case CONF_ID_FQDN:
		if (!fqdn_ok(v))
			return conf_efmt(err, errlen, "identity '%s' is not a domain "
				    "name (letters, digits, '-', '.'); quote "
				    "DNs and prefix them with dn:", s);
		break;
	case CONF_ID_RFC822:
		if (!email_ok(v))
			return conf_efmt(err, errlen, "identity '%s' is not an email "
				    "address (user@domain)", s);
		break;
	default:
		if (!dn_ok(v))
			return conf_efmt(err, errlen, "identity '%s' is not a "
				    "distinguished name like \"C=CH, O=Org, "
				    "CN=host\"", s);
		break;
	}
	id->type = type;
	strcpy(id->text, v);
	return 0;
}

static int proto_parse(const char *s, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
		{ "ipv6-icmp", IPPROTO_ICMPV6 }, { "sctp", IPPROTO_SCTP },
	};
	unsigned long v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*out = names[i].num;
			return 0;
		}
	if (conf_parse_uint(s, 255, &v) || v == 0)
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

int conf_ts_parse(const char *s, struct conf_ts *ts, char *err,
		  size_t errlen)
{
	char prefix[IPSEC_PREFIX_STRLEN], inner[64], *slash;
	const char *br = strchr(s, '[');
	size_t n = br ? (size_t)(br - s) : strlen(s);
	unsigned long lo, hi;

	memset(ts, 0, sizeof(*ts));
	ts->port_hi = 65535;
	if (n == 0 || n >= sizeof(prefix))
		goto bad;
	memcpy(prefix, s, n);
	prefix[n] = '\0';
	if (ipsec_prefix_parse(prefix, &ts->prefix))
		goto bad;
	if (!br)
		return 0;
	n = strlen(br + 1);
	if (n < 2 || br[n] != ']' || n > sizeof(inner))
		goto bad;
	memcpy(inner, br + 1, n - 1);
	inner[n - 1] = '\0';
	slash = strchr(inner, '/');
	if (slash)
		*slash = '\0';
	if (proto_parse(inner, &ts->proto))
		goto bad;
	if (!slash)
		return 0;
	if (ts->proto != IPPROTO_TCP && ts->proto != IPPROTO_UDP &&
	    ts->proto != IPPROTO_SCTP)
		return conf_efmt(err, errlen, "traffic selector '%s': ports need "
			    "tcp, udp or sctp", s);
	{
		char *dash = strchr(slash + 1, '-');

		if (dash)
			*dash = '\0';
		if (conf_parse_uint(slash + 1, 65535, &lo))
			goto bad;
		hi = lo;
		if (dash && conf_parse_uint(dash + 1, 65535, &hi))
			goto bad;
		if (lo > hi)
			goto bad;
	}
	ts->port_lo = (uint16_t)lo;
	ts->port_hi = (uint16_t)hi;
	return 0;
bad:
	memset(ts, 0, sizeof(*ts));
	return conf_efmt(err, errlen, "traffic selector '%s' is not PREFIX, "
		    "PREFIX[PROTO] or PREFIX[PROTO/PORT] (PORT may be LO-HI), "
		    "with a numeric prefix whose host bits are zero", s);
}

