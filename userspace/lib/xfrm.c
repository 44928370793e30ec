// SPDX-License-Identifier: GPL-2.0
/* XFRM netlink requests for ESP SAs and policies; see lib/xfrm.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include "lib/xfrm.h"

enum alg_kind { ALG_AEAD, ALG_ENC, ALG_AUTH };

struct alg_info {
	const char *name;
	enum alg_kind kind;
	uint8_t key_len[3];	/* accepted key lengths in bytes, 0-ended;
				 * key_len[0] = 0 with nkeys 0: keyless */
	unsigned int def_bits;	/* default ICV / truncation */
	unsigned int alt_bits[2]; /* other accepted ICV / truncation */
	const char *keys_text;	/* for messages */
};

static const struct alg_info algs[] = {
	{ "rfc4106(gcm(aes))", ALG_AEAD, { 20, 28, 36 }, 128, { 64, 96 },
	  "20, 28 or 36 (AES key + 4 salt)" },
	{ "rfc7539esp(chacha20,poly1305)", ALG_AEAD, { 36 }, 128, { 0 },
	  "36 (key + 4 salt)" },
	{ "rfc4543(gcm(aes))", ALG_AEAD, { 20, 28, 36 }, 128, { 0 },
	  "20, 28 or 36 (AES key + 4 salt)" },
	{ "cbc(aes)", ALG_ENC, { 16, 24, 32 }, 0, { 0 }, "16, 24 or 32" },
	{ "ecb(cipher_null)", ALG_ENC, { 0 }, 0, { 0 }, "0" },
	{ "hmac(sha256)", ALG_AUTH, { 32 }, 128, { 256 }, "32" },
	{ "hmac(sha384)", ALG_AUTH, { 48 }, 192, { 384 }, "48" },
	{ "hmac(sha512)", ALG_AUTH, { 64 }, 256, { 512 }, "64" },
	{ "hmac(sha1)", ALG_AUTH, { 20 }, 96, { 160 }, "20" },
};

#define N_ALGS (sizeof(algs) / sizeof(algs[0]))
#define XFRM_KEY_MAX 64

static const struct alg_info *alg_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_ALGS; i++)
		if (!strcmp(algs[i].name, name))
			return &algs[i];
	return NULL;
}

bool xfrm_alg_known(const char *name)
{
	return name && alg_find(name);
}

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}

static const char *kind_name(enum alg_kind k)
{
	return k == ALG_AEAD ? "AEAD" : k == ALG_ENC ? "encryption" :
	       "integrity";
}

/* Validate one algorithm of kind @kind; *bits gets the effective ICV or
 * truncation length.
 */
static int alg_check(const struct xfrm_alg_spec *a, enum alg_kind kind,
		     unsigned int *bits, char *err, size_t errlen)
{
	const struct alg_info *ai = alg_find(a->name);
	bool key_ok = false;
	size_t i;

	if (!ai)
		return fail(err, errlen, -ENOENT,
			    "unknown %s algorithm '%s'", kind_name(kind),
			    a->name);
	if (ai->kind != kind)
		return fail(err, errlen, -EINVAL,
			    "'%s' is an %s algorithm, not %s", a->name,
			    kind_name(ai->kind), kind_name(kind));
	if (ai->key_len[0] == 0)
		key_ok = a->key_len == 0;
	for (i = 0; i < 3 && ai->key_len[i]; i++)
		if (a->key_len == ai->key_len[i])
			key_ok = true;
	if (!key_ok)
		return fail(err, errlen, -EINVAL,
			    "key of %zu bytes for '%s'; it takes %s bytes",
			    a->key_len, a->name, ai->keys_text);
	if (a->key_len && !a->key)
		return fail(err, errlen, -EINVAL, "no key given for '%s'",
			    a->name);
	*bits = a->bits ? a->bits : ai->def_bits;
	if (kind == ALG_ENC) {
		if (a->bits)
			return fail(err, errlen, -EINVAL,
				    "'%s' takes no ICV/truncation length",
				    a->name);
		return 0;
	}
	if (*bits != ai->def_bits && *bits != ai->alt_bits[0] &&
	    *bits != ai->alt_bits[1])
		return fail(err, errlen, -EINVAL,
			    "%u bits %s for '%s'; default is %u",
			    *bits, kind == ALG_AEAD ? "ICV" : "truncation",
			    a->name, ai->def_bits);
	return 0;
}

static void addr_to_xfrm(const struct ipsec_addr *a, xfrm_address_t *x)
{
	memset(x, 0, sizeof(*x));
	if (a->family == AF_INET)
		memcpy(&x->a4, &a->v4, 4);
	else if (a->family == AF_INET6)
		memcpy(x->a6, &a->v6, 16);
}

static void addr_from_xfrm(const xfrm_address_t *x, int family,
			   struct ipsec_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	if (family == AF_INET)
		memcpy(&a->v4, &x->a4, 4);
	else if (family == AF_INET6)
		memcpy(&a->v6, x->a6, 16);
	else
		a->family = AF_UNSPEC;
}

static int sel_check(const struct xfrm_sel_spec *s, bool need_family,
		     char *err, size_t errlen)
{
	unsigned int max = ipsec_addr_bits(s->family);

	if (!s->family) {
		if (need_family)
			return fail(err, errlen, -EINVAL,
				    "selector has no address family");
		return 0;
	}
	if (!max)
		return fail(err, errlen, -EINVAL,
			    "selector family %d is neither AF_INET nor AF_INET6",
			    s->family);
	if (s->src.addr.family != s->family ||
	    s->dst.addr.family != s->family)
		return fail(err, errlen, -EINVAL,
			    "selector prefixes are not of the selector's family");
	if (s->src.len > max || s->dst.len > max)
		return fail(err, errlen, -EINVAL,
			    "selector prefix length %u exceeds %u",
			    s->src.len > max ? s->src.len : s->dst.len, max);
	if ((s->sport & ~s->sport_mask && s->sport_mask) ||
	    (s->dport & ~s->dport_mask && s->dport_mask))
		return fail(err, errlen, -EINVAL,
			    "selector port %u has bits outside its mask %#x",
			    s->sport & ~s->sport_mask && s->sport_mask ?
			    s->sport : s->dport,
			    s->sport & ~s->sport_mask && s->sport_mask ?
			    s->sport_mask : s->dport_mask);
	if ((s->sport || s->dport || s->sport_mask || s->dport_mask) &&
	    s->proto != IPPROTO_TCP &&
	    s->proto != IPPROTO_UDP && s->proto != IPPROTO_SCTP &&
	    s->proto != IPPROTO_ICMP && s->proto != IPPROTO_ICMPV6)
		return fail(err, errlen, -EINVAL,
			    "ports in a selector need protocol tcp, udp, sctp "
			    "or icmp, not %u", s->proto);
	return 0;
}

static void sel_to_xfrm(const struct xfrm_sel_spec *s, struct xfrm_selector *x)
{
	memset(x, 0, sizeof(*x));
	if (!s->family)
		return;
	x->family = s->family;
	addr_to_xfrm(&s->src.addr, &x->saddr);
	addr_to_xfrm(&s->dst.addr, &x->daddr);
	x->prefixlen_s = s->src.len;
	x->prefixlen_d = s->dst.len;
	x->proto = s->proto;
	if (s->sport || s->sport_mask) {
		x->sport = htons(s->sport);
		x->sport_mask = htons(s->sport_mask ? s->sport_mask : 0xffff);
	}
	if (s->dport || s->dport_mask) {
		x->dport = htons(s->dport);
		x->dport_mask = htons(s->dport_mask ? s->dport_mask : 0xffff);
	}
}

static void sel_from_xfrm(const struct xfrm_selector *x,
			  struct xfrm_sel_spec *s)
{
	memset(s, 0, sizeof(*s));
	if (x->family != AF_INET && x->family != AF_INET6)
		return;
	s->family = x->family;
	addr_from_xfrm(&x->saddr, x->family, &s->src.addr);
	addr_from_xfrm(&x->daddr, x->family, &s->dst.addr);
	s->src.len = x->prefixlen_s;
	s->dst.len = x->prefixlen_d;
	s->proto = x->proto;
	s->sport = x->sport_mask ? ntohs(x->sport & x->sport_mask) : 0;
	s->dport = x->dport_mask ? ntohs(x->dport & x->dport_mask) : 0;
	/* One port keeps mask 0, as callers write it. */
	s->sport_mask = x->sport_mask == 0xffff ? 0 : ntohs(x->sport_mask);
	s->dport_mask = x->dport_mask == 0xffff ? 0 : ntohs(x->dport_mask);
}

static uint64_t lim(uint64_t v)
{
	return v ? v : XFRM_INF;
}

int xfrm_sa_check(const struct xfrm_sa_spec *sa, char *err, size_t errlen)
{
	unsigned int bits;
	int ret;

	err[0] = '\0';
	if (sa->src.family != AF_INET && sa->src.family != AF_INET6)
		return fail(err, errlen, -EINVAL,
			    "SA source address has no family");
	if (sa->dst.family != sa->src.family)
		return fail(err, errlen, -EINVAL,
			    "SA source and destination are of different "
			    "families");
	if (sa->proto && sa->proto != IPPROTO_ESP)
		return fail(err, errlen, -EINVAL,
			    "protocol %u: only ESP (50) is supported", sa->proto);
	if (sa->spi == 0)
		return fail(err, errlen, -EINVAL, "SPI 0 is reserved");
	if (sa->mode != IPSEC_MODE_TRANSPORT && sa->mode != IPSEC_MODE_TUNNEL)
		return fail(err, errlen, -EINVAL,
			    "mode %d is neither transport nor tunnel", sa->mode);
	if (sa->aead.name) {
		if (sa->enc.name || sa->auth.name)
			return fail(err, errlen, -EINVAL,
				    "AEAD '%s' cannot be combined with a "
				    "separate encryption or integrity algorithm",
				    sa->aead.name);
		ret = alg_check(&sa->aead, ALG_AEAD, &bits, err, errlen);
		if (ret)
			return ret;
	} else {
		if (!sa->enc.name || !sa->auth.name)
			return fail(err, errlen, -EINVAL,
				    "an SA needs an AEAD algorithm, or both "
				    "encryption and integrity");
		ret = alg_check(&sa->enc, ALG_ENC, &bits, err, errlen);
		if (!ret)
			ret = alg_check(&sa->auth, ALG_AUTH, &bits, err, errlen);
		if (ret)
			return ret;
	}
	if (sa->aead.key_len > XFRM_KEY_MAX || sa->enc.key_len > XFRM_KEY_MAX ||
	    sa->auth.key_len > XFRM_KEY_MAX)
		return fail(err, errlen, -EINVAL, "key longer than %d bytes",
			    XFRM_KEY_MAX);
	if (sa->replay_window > XFRMA_REPLAY_ESN_MAX)
		return fail(err, errlen, -EINVAL,
			    "replay window %u exceeds %u packets",
			    sa->replay_window, XFRMA_REPLAY_ESN_MAX);
	if (!!sa->encap_sport != !!sa->encap_dport)
		return fail(err, errlen, -EINVAL,
			    "UDP encapsulation needs both ports, got %u and %u",
			    sa->encap_sport, sa->encap_dport);
	if ((sa->lifetime.soft_bytes && sa->lifetime.hard_bytes &&
	     sa->lifetime.soft_bytes > sa->lifetime.hard_bytes) ||
	    (sa->lifetime.soft_packets && sa->lifetime.hard_packets &&
	     sa->lifetime.soft_packets > sa->lifetime.hard_packets) ||
	    (sa->lifetime.soft_secs && sa->lifetime.hard_secs &&
	     sa->lifetime.soft_secs > sa->lifetime.hard_secs))
		return fail(err, errlen, -EINVAL,
			    "a soft lifetime exceeds its hard lifetime");
	return sel_check(&sa->sel, false, err, errlen);
}

/* Put an algorithm attribute whose key follows a fixed header. */
static void put_alg(struct nlmsghdr *nlh, const struct xfrm_alg_spec *a,
		    enum alg_kind kind)
{
	union {
		struct xfrm_algo_aead aead;
		struct xfrm_algo enc;
		struct xfrm_algo_auth auth;
		char raw[sizeof(struct xfrm_algo_auth) + XFRM_KEY_MAX];
	} u;
	const struct alg_info *ai = alg_find(a->name);
	size_t hdr;
	uint16_t type;

	memset(&u, 0, sizeof(u));
	switch (kind) {
	case ALG_AEAD:
		strncpy(u.aead.alg_name, a->name, sizeof(u.aead.alg_name) - 1);
		u.aead.alg_key_len = a->key_len * 8;
		u.aead.alg_icv_len = a->bits ? a->bits : ai->def_bits;
		hdr = sizeof(u.aead);
		type = XFRMA_ALG_AEAD;
		break;
	case ALG_ENC:
		strncpy(u.enc.alg_name, a->name, sizeof(u.enc.alg_name) - 1);
		u.enc.alg_key_len = a->key_len * 8;
		hdr = sizeof(u.enc);
		type = XFRMA_ALG_CRYPT;
		break;
	default:
		strncpy(u.auth.alg_name, a->name, sizeof(u.auth.alg_name) - 1);
		u.auth.alg_key_len = a->key_len * 8;
		u.auth.alg_trunc_len = a->bits ? a->bits : ai->def_bits;
		hdr = sizeof(u.auth);
		type = XFRMA_ALG_AUTH_TRUNC;
		break;
	}
	if (a->key_len)
		memcpy(u.raw + hdr, a->key, a->key_len);
	mnl_attr_put(nlh, type, hdr + a->key_len, &u);
	explicit_bzero(&u, sizeof(u));
}

int xfrm_sa_msg(struct nlmsghdr *nlh, const struct xfrm_sa_spec *sa,
		char *err, size_t errlen)
{
	struct xfrm_usersa_info *p;
	int ret = xfrm_sa_check(sa, err, errlen);

	if (ret)
		return ret;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	memset(p, 0, sizeof(*p));
	if (sa->sel.family) {
		sel_to_xfrm(&sa->sel, &p->sel);
	} else if (sa->mode == IPSEC_MODE_TRANSPORT) {
		struct xfrm_sel_spec host = { .family = sa->src.family };

		ipsec_prefix_host(&host.src, &sa->src);
		ipsec_prefix_host(&host.dst, &sa->dst);
		sel_to_xfrm(&host, &p->sel);
	} else {
		p->flags |= XFRM_STATE_AF_UNSPEC;
	}
	addr_to_xfrm(&sa->dst, &p->id.daddr);
	p->id.spi = htonl(sa->spi);
	p->id.proto = IPPROTO_ESP;
	addr_to_xfrm(&sa->src, &p->saddr);
	p->family = sa->src.family;
	p->mode = sa->mode == IPSEC_MODE_TUNNEL ? XFRM_MODE_TUNNEL
						: XFRM_MODE_TRANSPORT;
	p->reqid = sa->reqid;
	p->lft.soft_byte_limit = lim(sa->lifetime.soft_bytes);
	p->lft.hard_byte_limit = lim(sa->lifetime.hard_bytes);
	p->lft.soft_packet_limit = lim(sa->lifetime.soft_packets);
	p->lft.hard_packet_limit = lim(sa->lifetime.hard_packets);
	p->lft.soft_add_expires_seconds = sa->lifetime.soft_secs;
	p->lft.hard_add_expires_seconds = sa->lifetime.hard_secs;

	/* A window beyond the legacy u8 field, or ESN, needs the ESN
	 * replay state attribute, and then the old field must be 0.
	 */
	if (sa->esn || sa->replay_window > 32) {
		char rbuf[sizeof(struct xfrm_replay_state_esn) +
			  XFRMA_REPLAY_ESN_MAX / 8];
		struct xfrm_replay_state_esn *rs = (void *)rbuf;
		uint32_t win = sa->replay_window;

		if (sa->esn && !win)
			win = 32;
		memset(rbuf, 0, sizeof(rbuf));
		rs->replay_window = win;
		rs->bmp_len = (win + 31) / 32;
		if (sa->esn)
			p->flags |= XFRM_STATE_ESN;
		mnl_attr_put(nlh, XFRMA_REPLAY_ESN_VAL,
			     sizeof(*rs) + rs->bmp_len * sizeof(uint32_t), rs);
	} else {
		p->replay_window = (uint8_t)sa->replay_window;
	}

	if (sa->aead.name) {
		put_alg(nlh, &sa->aead, ALG_AEAD);
	} else {
		put_alg(nlh, &sa->enc, ALG_ENC);
		put_alg(nlh, &sa->auth, ALG_AUTH);
	}
	if (sa->encap_dport) {
		struct xfrm_encap_tmpl e;

		memset(&e, 0, sizeof(e));
		e.encap_type = UDP_ENCAP_ESPINUDP;
		e.encap_sport = htons(sa->encap_sport);
		e.encap_dport = htons(sa->encap_dport);
		mnl_attr_put(nlh, XFRMA_ENCAP, sizeof(e), &e);
	}
	return 0;
}

/* Send a request built in @buf and wipe the buffer whatever happens. */
static int talk_wipe(struct nl_conn *c, char *buf, struct nlmsghdr *nlh,
		     mnl_cb_t cb, void *data)
{
	int ret = nl_talk(c, nlh, cb, data);

	explicit_bzero(buf, NL_BUF_SIZE);
	return ret;
}

static int sa_send(struct nl_conn *c, const struct xfrm_sa_spec *sa,
		   uint16_t type, uint16_t flags)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	memset(buf, 0, sizeof(buf));
	nlh = nl_msg_start(c, buf, type, flags);
	ret = xfrm_sa_msg(nlh, sa, c->ext_msg, sizeof(c->ext_msg));
	if (ret) {
		explicit_bzero(buf, sizeof(buf));
		return ret;
	}
	return talk_wipe(c, buf, nlh, NULL, NULL);
}

int xfrm_sa_add(struct nl_conn *c, const struct xfrm_sa_spec *sa)
{
	return sa_send(c, sa, XFRM_MSG_NEWSA, NLM_F_CREATE | NLM_F_EXCL);
}

int xfrm_sa_update(struct nl_conn *c, const struct xfrm_sa_spec *sa)
{
	return sa_send(c, sa, XFRM_MSG_UPDSA, 0);
}

static struct xfrm_usersa_id *put_sa_id(struct nlmsghdr *nlh,
					const struct ipsec_addr *dst,
					uint32_t spi, uint8_t proto)
{
	struct xfrm_usersa_id *id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));

	addr_to_xfrm(dst, &id->daddr);
	id->spi = htonl(spi);
	id->family = dst->family;
	id->proto = proto ? proto : IPPROTO_ESP;
	return id;
}

static int check_dst(struct nl_conn *c, const struct ipsec_addr *dst)
{
	if (dst->family != AF_INET && dst->family != AF_INET6)
		return fail(c->ext_msg, sizeof(c->ext_msg), -EINVAL,
			    "SA destination address has no family");
	return 0;
}

int xfrm_sa_del(struct nl_conn *c, const struct ipsec_addr *src,
		const struct ipsec_addr *dst, uint32_t spi, uint8_t proto)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int ret = check_dst(c, dst);

	if (ret)
		return ret;
	memset(buf, 0, sizeof(buf));
	nlh = nl_msg_start(c, buf, XFRM_MSG_DELSA, 0);
	put_sa_id(nlh, dst, spi, proto);
	if (src && src->family) {
		xfrm_address_t x;

		addr_to_xfrm(src, &x);
		mnl_attr_put(nlh, XFRMA_SRCADDR, sizeof(x), &x);
	}
	return nl_talk(c, nlh, NULL, NULL);
}

struct stats_ctx {
	struct xfrm_sa_stats *st;
	bool got;
};

static int stats_attr_cb(const struct nlattr *a, void *data)
{
	struct xfrm_sa_stats *st = data;

	switch (mnl_attr_get_type(a)) {
	case XFRMA_REPLAY_VAL:
		if (mnl_attr_get_payload_len(a) >= sizeof(struct xfrm_replay_state)) {
			const struct xfrm_replay_state *r = mnl_attr_get_payload(a);

			st->oseq = r->oseq;
			st->seq = r->seq;
		}
		break;
	case XFRMA_REPLAY_ESN_VAL:
		if (mnl_attr_get_payload_len(a) >= sizeof(struct xfrm_replay_state_esn)) {
			const struct xfrm_replay_state_esn *r = mnl_attr_get_payload(a);

			st->oseq = (uint64_t)r->oseq_hi << 32 | r->oseq;
			st->seq = (uint64_t)r->seq_hi << 32 | r->seq;
		}
		break;
	}
	return MNL_CB_OK;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats_ctx *s = data;
	const struct xfrm_usersa_info *p;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*p))
		return MNL_CB_OK;
	p = mnl_nlmsg_get_payload(nlh);
	s->st->bytes = p->curlft.bytes;
	s->st->packets = p->curlft.packets;
	s->st->add_time = p->curlft.add_time;
	s->st->use_time = p->curlft.use_time;
	s->st->replay_window = p->stats.replay_window;
	s->st->replay = p->stats.replay;
	s->st->integrity_failed = p->stats.integrity_failed;
	mnl_attr_parse(nlh, sizeof(*p), stats_attr_cb, s->st);
	s->got = true;
	return MNL_CB_OK;
}

int xfrm_sa_get_stats(struct nl_conn *c, const struct ipsec_addr *dst,
		      uint32_t spi, uint8_t proto, struct xfrm_sa_stats *st)
{
	char buf[NL_BUF_SIZE];
	struct stats_ctx s = { .st = st };
	struct nlmsghdr *nlh;
	int ret = check_dst(c, dst);

	memset(st, 0, sizeof(*st));
	if (ret)
		return ret;
	memset(buf, 0, sizeof(buf));
	nlh = nl_msg_start(c, buf, XFRM_MSG_GETSA, 0);
	put_sa_id(nlh, dst, spi, proto);
	/* The reply carries the keys; nl_talk() wipes its receive buffer. */
	ret = nl_talk(c, nlh, stats_cb, &s);
	if (!ret && !s.got)
		ret = -ENODATA;
	return ret;
}

int xfrm_alloc_spi_msg(struct nlmsghdr *nlh, const struct ipsec_addr *src,
		       const struct ipsec_addr *dst, uint8_t proto,
		       uint32_t reqid, uint32_t min, uint32_t max)
{
	struct xfrm_userspi_info *u;

	if ((dst->family != AF_INET && dst->family != AF_INET6) ||
	    src->family != dst->family)
		return -EINVAL;
	if (!min && !max) {
		min = 0x100;
		max = 0xffffffff;
	}
	if (min > max || !min)
		return -EINVAL;
	u = mnl_nlmsg_put_extra_header(nlh, sizeof(*u));
	memset(u, 0, sizeof(*u));
	addr_to_xfrm(dst, &u->info.id.daddr);
	u->info.id.proto = proto ? proto : IPPROTO_ESP;
	addr_to_xfrm(src, &u->info.saddr);
	u->info.family = dst->family;
	u->info.reqid = reqid;
	u->min = min;
	u->max = max;
	return 0;
}

static int spi_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct xfrm_usersa_info *p;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*p))
		return MNL_CB_OK;
	p = mnl_nlmsg_get_payload(nlh);
	*(uint32_t *)data = ntohl(p->id.spi);
	return MNL_CB_OK;
}

int xfrm_alloc_spi(struct nl_conn *c, const struct ipsec_addr *src,
		   const struct ipsec_addr *dst, uint8_t proto, uint32_t reqid,
		   uint32_t min, uint32_t max, uint32_t *spi)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	*spi = 0;
	memset(buf, 0, sizeof(buf));
	nlh = nl_msg_start(c, buf, XFRM_MSG_ALLOCSPI, 0);
	ret = xfrm_alloc_spi_msg(nlh, src, dst, proto, reqid, min, max);
	if (ret)
		return fail(c->ext_msg, sizeof(c->ext_msg), ret,
			    "ALLOCSPI needs two addresses of one family and "
			    "0 < min <= max");
	ret = nl_talk(c, nlh, spi_cb, spi);
	if (!ret && !*spi)
		ret = -ENODATA;
	return ret;
}

int xfrm_policy_msg(struct nlmsghdr *nlh, const struct xfrm_policy_spec *ps,
		    char *err, size_t errlen)
{
	struct xfrm_userpolicy_info *p;
	struct xfrm_user_tmpl t;
	int ret;

	err[0] = '\0';
	ret = sel_check(&ps->sel, true, err, errlen);
	if (ret)
		return ret;
	if (ps->dir != XFRM_POLICY_IN && ps->dir != XFRM_POLICY_OUT &&
	    ps->dir != XFRM_POLICY_FWD)
		return fail(err, errlen, -EINVAL,
			    "policy direction %u is not in, out or fwd",
			    ps->dir);
	if (ps->tmpl.proto && ps->tmpl.proto != IPPROTO_ESP)
		return fail(err, errlen, -EINVAL,
			    "template protocol %u: only ESP (50) is supported",
			    ps->tmpl.proto);
	if (ps->tmpl.proto && ps->block)
		return fail(err, errlen, -EINVAL,
			    "a blocking policy cannot have a template");
	if (ps->tmpl.proto && ps->tmpl.mode != IPSEC_MODE_TRANSPORT &&
	    ps->tmpl.mode != IPSEC_MODE_TUNNEL)
		return fail(err, errlen, -EINVAL,
			    "template mode %d is neither transport nor tunnel",
			    ps->tmpl.mode);
	if (ps->tmpl.proto && ps->tmpl.mode == IPSEC_MODE_TUNNEL &&
	    ((ps->tmpl.src.family != AF_INET &&
	      ps->tmpl.src.family != AF_INET6) ||
	     ps->tmpl.src.family != ps->tmpl.dst.family))
		return fail(err, errlen, -EINVAL,
			    "a tunnel mode template needs outer source and "
			    "destination of one family");
	if (ps->tmpl.proto && ps->tmpl.mode == IPSEC_MODE_TRANSPORT &&
	    ps->tmpl.src.family && ps->tmpl.src.family != ps->sel.family)
		return fail(err, errlen, -EINVAL,
			    "transport mode template family differs from the "
			    "selector's");

	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	memset(p, 0, sizeof(*p));
	sel_to_xfrm(&ps->sel, &p->sel);
	p->lft.soft_byte_limit = XFRM_INF;
	p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = XFRM_INF;
	p->lft.hard_packet_limit = XFRM_INF;
	p->priority = ps->priority;
	p->dir = ps->dir;
	p->action = ps->block ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW;
	p->share = XFRM_SHARE_ANY;
	if (!ps->tmpl.proto)
		return 0;

	memset(&t, 0, sizeof(t));
	t.family = ps->tmpl.mode == IPSEC_MODE_TUNNEL ? ps->tmpl.src.family
						      : ps->sel.family;
	addr_to_xfrm(&ps->tmpl.dst, &t.id.daddr);
	addr_to_xfrm(&ps->tmpl.src, &t.saddr);
	t.id.spi = htonl(ps->tmpl.spi);
	t.id.proto = IPPROTO_ESP;
	t.reqid = ps->tmpl.reqid;
	t.mode = ps->tmpl.mode == IPSEC_MODE_TUNNEL ? XFRM_MODE_TUNNEL
						    : XFRM_MODE_TRANSPORT;
	t.share = XFRM_SHARE_ANY;
	t.optional = ps->tmpl.optional;
	t.aalgos = ~0u;
	t.ealgos = ~0u;
	t.calgos = ~0u;
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), &t);
	return 0;
}

static int policy_send(struct nl_conn *c, const struct xfrm_policy_spec *p,
		       uint16_t type, uint16_t flags)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	memset(buf, 0, sizeof(buf));
	nlh = nl_msg_start(c, buf, type, flags);
	ret = xfrm_policy_msg(nlh, p, c->ext_msg, sizeof(c->ext_msg));
	if (ret)
		return ret;
	return nl_talk(c, nlh, NULL, NULL);
}

int xfrm_policy_add(struct nl_conn *c, const struct xfrm_policy_spec *p)
{
	return policy_send(c, p, XFRM_MSG_NEWPOLICY,
			   NLM_F_CREATE | NLM_F_EXCL);
}

int xfrm_policy_update(struct nl_conn *c, const struct xfrm_policy_spec *p)
{
	return policy_send(c, p, XFRM_MSG_UPDPOLICY, NLM_F_CREATE);
}

int xfrm_policy_del_msg(struct nlmsghdr *nlh, const struct xfrm_sel_spec *sel,
			uint8_t dir, char *err, size_t errlen)
{
	struct xfrm_userpolicy_id *id;
	int ret;

	err[0] = '\0';
	ret = sel_check(sel, true, err, errlen);
	if (ret)
		return ret;
	if (dir != XFRM_POLICY_IN && dir != XFRM_POLICY_OUT &&
	    dir != XFRM_POLICY_FWD)
		return fail(err, errlen, -EINVAL,
			    "policy direction %u is not in, out or fwd", dir);
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	memset(id, 0, sizeof(*id));
	sel_to_xfrm(sel, &id->sel);
	id->dir = dir;
	return 0;
}

int xfrm_policy_del(struct nl_conn *c, const struct xfrm_sel_spec *sel,
		    uint8_t dir)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	memset(buf, 0, sizeof(buf));
	nlh = nl_msg_start(c, buf, XFRM_MSG_DELPOLICY, 0);
	ret = xfrm_policy_del_msg(nlh, sel, dir, c->ext_msg,
				  sizeof(c->ext_msg));
	if (ret)
		return ret;
	return nl_talk(c, nlh, NULL, NULL);
}

struct index_ctx {
	uint32_t *index;
	bool got;
};

static int index_cb(const struct nlmsghdr *nlh, void *data)
{
	struct index_ctx *x = data;
	const struct xfrm_userpolicy_info *p;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*p))
		return MNL_CB_OK;
	p = mnl_nlmsg_get_payload(nlh);
	*x->index = p->index;
	x->got = true;
	return MNL_CB_OK;
}

int xfrm_policy_get_index(struct nl_conn *c, const struct xfrm_sel_spec *sel,
			  uint8_t dir, uint32_t *index)
{
	char buf[NL_BUF_SIZE];
	struct index_ctx x = { .index = index };
	struct nlmsghdr *nlh;
	int ret;

	*index = 0;
	memset(buf, 0, sizeof(buf));
	nlh = nl_msg_start(c, buf, XFRM_MSG_GETPOLICY, 0);
	/* Same body as a delete by selector. */
	ret = xfrm_policy_del_msg(nlh, sel, dir, c->ext_msg,
				  sizeof(c->ext_msg));
	if (ret)
		return ret;
	ret = nl_talk(c, nlh, index_cb, &x);
	if (!ret && !x.got)
		ret = -ENODATA;
	return ret;
}

int xfrm_policy_del_index_msg(struct nlmsghdr *nlh, uint32_t index,
			      uint8_t dir, char *err, size_t errlen)
{
	struct xfrm_userpolicy_id *id;

	err[0] = '\0';
	if (dir != XFRM_POLICY_IN && dir != XFRM_POLICY_OUT &&
	    dir != XFRM_POLICY_FWD)
		return fail(err, errlen, -EINVAL,
			    "policy direction %u is not in, out or fwd", dir);
	/* The kernel keeps the direction in the index's low 3 bits. */
	if (!index || (index & 7) != dir)
		return fail(err, errlen, -EINVAL,
			    "policy index %u is not one of direction %u",
			    index, dir);
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	memset(id, 0, sizeof(*id));
	id->index = index;
	id->dir = dir;
	return 0;
}

int xfrm_policy_del_index(struct nl_conn *c, uint32_t index, uint8_t dir)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	memset(buf, 0, sizeof(buf));
	nlh = nl_msg_start(c, buf, XFRM_MSG_DELPOLICY, 0);
	ret = xfrm_policy_del_index_msg(nlh, index, dir, c->ext_msg,
					sizeof(c->ext_msg));
	if (ret)
		return ret;
	return nl_talk(c, nlh, NULL, NULL);
}

int xfrm_socket_bypass(int fd, int family)
{
	struct xfrm_userpolicy_info p;
	int level, opt;
	uint8_t dir;

	if (family == AF_INET) {
		level = IPPROTO_IP;
		opt = IP_XFRM_POLICY;
	} else if (family == AF_INET6) {
		level = IPPROTO_IPV6;
		opt = IPV6_XFRM_POLICY;
	} else {
		return -EAFNOSUPPORT;
	}
	for (dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		memset(&p, 0, sizeof(p));
		p.action = XFRM_POLICY_ALLOW;
		p.sel.family = family;
		p.dir = dir;
		p.lft.soft_byte_limit = XFRM_INF;
		p.lft.hard_byte_limit = XFRM_INF;
		p.lft.soft_packet_limit = XFRM_INF;
		p.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(fd, level, opt, &p, sizeof(p)) < 0)
			return -errno;
	}
	return 0;
}

int xfrm_socket_udp_encap(int fd)
{
	int type = UDP_ENCAP_ESPINUDP;

	if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) < 0)
		return -errno;
	return 0;
}

int xfrm_events_open(struct nl_conn *c)
{
	unsigned int groups[] = { XFRMNLGRP_EXPIRE, XFRMNLGRP_ACQUIRE };
	size_t i;
	int ret = nl_open(c, NETLINK_XFRM);

	if (ret)
		return ret;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (mnl_socket_setsockopt(c->sk, NETLINK_ADD_MEMBERSHIP,
					  &groups[i], sizeof(groups[i])) < 0) {
			ret = -errno;
			nl_close(c);
			return ret;
		}
	}
	return 0;
}

struct acquire_ctx {
	struct xfrm_event *ev;
	int family;		/* of the outer addresses, from the template */
};

static int acquire_attr_cb(const struct nlattr *a, void *data)
{
	struct acquire_ctx *ac = data;
	const struct xfrm_user_tmpl *t;

	if (mnl_attr_get_type(a) != XFRMA_TMPL ||
	    mnl_attr_get_payload_len(a) < sizeof(*t) || ac->family)
		return MNL_CB_OK;
	t = mnl_attr_get_payload(a);	/* the first template */
	ac->ev->reqid = t->reqid;
	ac->family = t->family;
	return MNL_CB_OK;
}

int xfrm_event_parse(const struct nlmsghdr *nlh, struct xfrm_event *ev)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	memset(ev, 0, sizeof(*ev));
	if (nlh->nlmsg_type == XFRM_MSG_EXPIRE) {
		const struct xfrm_user_expire *e = mnl_nlmsg_get_payload(nlh);

		if (len < sizeof(*e))
			return -EBADMSG;
		ev->type = XFRM_EV_EXPIRE;
		addr_from_xfrm(&e->state.saddr, e->state.family, &ev->src);
		addr_from_xfrm(&e->state.id.daddr, e->state.family, &ev->dst);
		ev->spi = ntohl(e->state.id.spi);
		ev->proto = e->state.id.proto;
		ev->hard = e->hard;
		ev->reqid = e->state.reqid;
		sel_from_xfrm(&e->state.sel, &ev->sel);
		return 0;
	}
	if (nlh->nlmsg_type == XFRM_MSG_ACQUIRE) {
		const struct xfrm_user_acquire *a = mnl_nlmsg_get_payload(nlh);
		struct acquire_ctx ac = { .ev = ev };

		if (len < sizeof(*a))
			return -EBADMSG;
		ev->type = XFRM_EV_ACQUIRE;
		ev->proto = a->id.proto;
		sel_from_xfrm(&a->sel, &ev->sel);
		ev->policy_index = a->policy.index;
		ev->policy_dir = a->policy.dir;
		mnl_attr_parse(nlh, sizeof(*a), acquire_attr_cb, &ac);
		if (!ac.family)
			ac.family = a->sel.family;
		addr_from_xfrm(&a->saddr, ac.family, &ev->src);
		addr_from_xfrm(&a->id.daddr, ac.family, &ev->dst);
		return 0;
	}
	return 0;
}
