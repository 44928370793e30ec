// SPDX-License-Identifier: GPL-2.0
/* XFRM message building: every attribute of the generated requests, and
 * the specs that must be refused before anything reaches the kernel.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/udp.h>

#include "lib/xfrm.h"
#include "lib/ktest.h"

static char buf[NL_BUF_SIZE];
static char err[256];
static const uint8_t key20[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				   13, 14, 15, 16, 0xaa, 0xbb, 0xcc, 0xdd };
static uint8_t key32[32], key36[36], key48[48];

static struct nlmsghdr *start(uint16_t type)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	return nlh;
}

static struct ipsec_addr A(const char *s)
{
	struct ipsec_addr a;

	ipsec_addr_parse(s, &a);
	return a;
}

static struct xfrm_sa_spec gcm_sa(void)
{
	struct xfrm_sa_spec sa = {
		.src = A("192.0.2.1"), .dst = A("192.0.2.2"),
		.spi = 0xc0ffee01, .reqid = 7, .mode = IPSEC_MODE_TRANSPORT,
		.aead = { "rfc4106(gcm(aes))", key20, sizeof(key20), 0 },
		.replay_window = 32,
	};

	return sa;
}

/* Collect attributes of a message after its fixed header. */
struct attrs {
	const struct nlattr *tb[XFRMA_MAX + 1];
	int count[XFRMA_MAX + 1];
	int total;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	uint16_t t = mnl_attr_get_type(a);

	at->total++;
	if (t <= XFRMA_MAX) {
		at->tb[t] = a;
		at->count[t]++;
	}
	return MNL_CB_OK;
}

static void parse(const struct nlmsghdr *nlh, size_t hdr, struct attrs *at)
{
	memset(at, 0, sizeof(*at));
	KT_EXPECT(mnl_attr_parse(nlh, hdr, attr_cb, at) == MNL_CB_OK);
}

static void test_sa_gcm_transport(void)
{
	struct nlmsghdr *nlh = start(XFRM_MSG_NEWSA);
	struct xfrm_sa_spec sa = gcm_sa();
	const struct xfrm_usersa_info *p;
	const struct xfrm_algo_aead *alg;
	struct attrs at;

	KT_EXPECT(xfrm_sa_msg(nlh, &sa, err, sizeof(err)) == 0);
	KT_EXPECT_STR(err, "");
	p = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(p->family == AF_INET);
	KT_EXPECT(p->id.spi == htonl(0xc0ffee01));
	KT_EXPECT(p->id.proto == IPPROTO_ESP);
	KT_EXPECT(p->id.daddr.a4 == inet_addr("192.0.2.2"));
	KT_EXPECT(p->saddr.a4 == inet_addr("192.0.2.1"));
	KT_EXPECT(p->mode == XFRM_MODE_TRANSPORT);
	KT_EXPECT(p->reqid == 7);
	KT_EXPECT(p->replay_window == 32);
	KT_EXPECT(p->flags == 0);
	/* Transport mode without a selector: the host pair. */
	KT_EXPECT(p->sel.family == AF_INET);
	KT_EXPECT(p->sel.saddr.a4 == inet_addr("192.0.2.1"));
	KT_EXPECT(p->sel.daddr.a4 == inet_addr("192.0.2.2"));
	KT_EXPECT(p->sel.prefixlen_s == 32 && p->sel.prefixlen_d == 32);
	KT_EXPECT(p->lft.soft_byte_limit == XFRM_INF);
	KT_EXPECT(p->lft.hard_packet_limit == XFRM_INF);
	KT_EXPECT(p->lft.hard_add_expires_seconds == 0);

	parse(nlh, sizeof(*p), &at);
	KT_EXPECT(at.total == 1);
	KT_EXPECT(at.count[XFRMA_ALG_AEAD] == 1);
	alg = mnl_attr_get_payload(at.tb[XFRMA_ALG_AEAD]);
	KT_EXPECT_STR(alg->alg_name, "rfc4106(gcm(aes))");
	KT_EXPECT(alg->alg_key_len == 160);
	KT_EXPECT(alg->alg_icv_len == 128);
	KT_EXPECT(mnl_attr_get_payload_len(at.tb[XFRMA_ALG_AEAD]) ==
		  sizeof(*alg) + 20);
	KT_EXPECT(!memcmp(alg->alg_key, key20, 20));
}

static void test_sa_cbc_tunnel_v6_encap(void)
{
	struct nlmsghdr *nlh = start(XFRM_MSG_NEWSA);
	struct xfrm_sa_spec sa = {
		.src = A("2001:db8::1"), .dst = A("2001:db8::2"),
		.spi = 0x1234, .reqid = 9, .mode = IPSEC_MODE_TUNNEL,
		.enc = { "cbc(aes)", key32, 32, 0 },
		.auth = { "hmac(sha384)", key48, 48, 0 },
		.encap_sport = 4500, .encap_dport = 4501,
		.lifetime = { .soft_bytes = 1000, .hard_bytes = 2000,
			      .soft_secs = 3000, .hard_secs = 3600 },
	};
	const struct xfrm_usersa_info *p;
	const struct xfrm_algo *enc;
	const struct xfrm_algo_auth *auth;
	const struct xfrm_encap_tmpl *e;
	struct attrs at;

	KT_EXPECT(xfrm_sa_msg(nlh, &sa, err, sizeof(err)) == 0);
	p = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(p->family == AF_INET6);
	KT_EXPECT(p->mode == XFRM_MODE_TUNNEL);
	KT_EXPECT(p->flags == XFRM_STATE_AF_UNSPEC);
	KT_EXPECT(p->sel.family == 0);
	KT_EXPECT(!memcmp(p->id.daddr.a6, &sa.dst.v6, 16));
	KT_EXPECT(p->lft.soft_byte_limit == 1000);
	KT_EXPECT(p->lft.hard_byte_limit == 2000);
	KT_EXPECT(p->lft.soft_add_expires_seconds == 3000);
	KT_EXPECT(p->lft.hard_add_expires_seconds == 3600);
	KT_EXPECT(p->replay_window == 0);

	parse(nlh, sizeof(*p), &at);
	KT_EXPECT(at.total == 3);
	KT_EXPECT(at.count[XFRMA_ALG_CRYPT] == 1);
	KT_EXPECT(at.count[XFRMA_ALG_AUTH_TRUNC] == 1);
	KT_EXPECT(at.count[XFRMA_ENCAP] == 1);
	KT_EXPECT(at.count[XFRMA_ALG_AUTH] == 0);
	enc = mnl_attr_get_payload(at.tb[XFRMA_ALG_CRYPT]);
	KT_EXPECT_STR(enc->alg_name, "cbc(aes)");
	KT_EXPECT(enc->alg_key_len == 256);
	KT_EXPECT(!memcmp(enc->alg_key, key32, 32));
	auth = mnl_attr_get_payload(at.tb[XFRMA_ALG_AUTH_TRUNC]);
	KT_EXPECT_STR(auth->alg_name, "hmac(sha384)");
	KT_EXPECT(auth->alg_key_len == 384);
	KT_EXPECT(auth->alg_trunc_len == 192);
	KT_EXPECT(!memcmp(auth->alg_key, key48, 48));
	e = mnl_attr_get_payload(at.tb[XFRMA_ENCAP]);
	KT_EXPECT(e->encap_type == UDP_ENCAP_ESPINUDP);
	KT_EXPECT(e->encap_sport == htons(4500));
	KT_EXPECT(e->encap_dport == htons(4501));
}

static void test_sa_esn_and_big_window(void)
{
	struct nlmsghdr *nlh = start(XFRM_MSG_NEWSA);
	struct xfrm_sa_spec sa = gcm_sa();
	const struct xfrm_usersa_info *p;
	const struct xfrm_replay_state_esn *rs;
	struct attrs at;

	sa.esn = true;
	sa.replay_window = 0;
	KT_EXPECT(xfrm_sa_msg(nlh, &sa, err, sizeof(err)) == 0);
	p = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(p->flags & XFRM_STATE_ESN);
	KT_EXPECT(p->replay_window == 0);
	parse(nlh, sizeof(*p), &at);
	KT_EXPECT(at.count[XFRMA_REPLAY_ESN_VAL] == 1);
	rs = mnl_attr_get_payload(at.tb[XFRMA_REPLAY_ESN_VAL]);
	KT_EXPECT(rs->replay_window == 32 && rs->bmp_len == 1);

	nlh = start(XFRM_MSG_NEWSA);
	sa.esn = false;
	sa.replay_window = 1000;
	KT_EXPECT(xfrm_sa_msg(nlh, &sa, err, sizeof(err)) == 0);
	p = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(!(p->flags & XFRM_STATE_ESN));
	KT_EXPECT(p->replay_window == 0);
	parse(nlh, sizeof(*p), &at);
	rs = mnl_attr_get_payload(at.tb[XFRMA_REPLAY_ESN_VAL]);
	KT_EXPECT(rs->replay_window == 1000 && rs->bmp_len == 32);
	KT_EXPECT(mnl_attr_get_payload_len(at.tb[XFRMA_REPLAY_ESN_VAL]) ==
		  sizeof(*rs) + 32 * 4);
}

static void test_sa_chacha_and_selector(void)
{
	struct nlmsghdr *nlh = start(XFRM_MSG_UPDSA);
	struct xfrm_sa_spec sa = gcm_sa();
	const struct xfrm_usersa_info *p;
	const struct xfrm_algo_aead *alg;
	struct attrs at;

	sa.aead = (struct xfrm_alg_spec){ "rfc7539esp(chacha20,poly1305)",
					  key36, 36, 0 };
	sa.sel.family = AF_INET;
	ipsec_prefix_parse("10.1.0.0/16", &sa.sel.src);
	ipsec_prefix_parse("10.2.0.0/24", &sa.sel.dst);
	sa.sel.proto = IPPROTO_TCP;
	sa.sel.dport = 443;
	KT_EXPECT(xfrm_sa_msg(nlh, &sa, err, sizeof(err)) == 0);
	p = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(p->sel.saddr.a4 == inet_addr("10.1.0.0"));
	KT_EXPECT(p->sel.prefixlen_s == 16 && p->sel.prefixlen_d == 24);
	KT_EXPECT(p->sel.proto == IPPROTO_TCP);
	KT_EXPECT(p->sel.dport == htons(443) && p->sel.dport_mask == 0xffff);
	KT_EXPECT(p->sel.sport == 0 && p->sel.sport_mask == 0);
	parse(nlh, sizeof(*p), &at);
	alg = mnl_attr_get_payload(at.tb[XFRMA_ALG_AEAD]);
	KT_EXPECT_STR(alg->alg_name, "rfc7539esp(chacha20,poly1305)");
	KT_EXPECT(alg->alg_key_len == 288 && alg->alg_icv_len == 128);
}

/* Each bad spec is refused with -EINVAL/-ENOENT and a message naming the
 * problem, and nothing is appended to the message.
 */
static void expect_bad(struct xfrm_sa_spec *sa, int want, const char *needle)
{
	struct nlmsghdr *nlh = start(XFRM_MSG_NEWSA);
	uint32_t len = nlh->nlmsg_len;
	int ret = xfrm_sa_msg(nlh, sa, err, sizeof(err));

	KT_EXPECT(ret == want);
	KT_EXPECT(nlh->nlmsg_len == len);
	if (!strstr(err, needle)) {
		printf("# message '%s' lacks '%s'\n", err, needle);
		kt_case_failed = 1;
	}
}

static void test_sa_rejects(void)
{
	struct xfrm_sa_spec sa;

	sa = gcm_sa();
	sa.aead.key_len = 16;		/* no salt */
	expect_bad(&sa, -EINVAL, "key of 16 bytes for 'rfc4106(gcm(aes))'");
	sa = gcm_sa();
	sa.aead.name = "rfc4106(gcm(des))";
	expect_bad(&sa, -ENOENT, "unknown AEAD algorithm 'rfc4106(gcm(des))'");
	sa = gcm_sa();
	sa.aead.bits = 100;
	expect_bad(&sa, -EINVAL, "100 bits ICV");
	sa = gcm_sa();
	sa.aead.name = "cbc(aes)";
	expect_bad(&sa, -EINVAL, "'cbc(aes)' is an encryption algorithm");
	sa = gcm_sa();
	sa.enc = (struct xfrm_alg_spec){ "cbc(aes)", key32, 32, 0 };
	expect_bad(&sa, -EINVAL, "cannot be combined");
	sa = gcm_sa();
	sa.aead.name = NULL;
	sa.enc = (struct xfrm_alg_spec){ "cbc(aes)", key32, 32, 0 };
	expect_bad(&sa, -EINVAL, "both encryption and integrity");
	sa.auth = (struct xfrm_alg_spec){ "hmac(sha256)", key32, 20, 0 };
	expect_bad(&sa, -EINVAL, "key of 20 bytes for 'hmac(sha256)'");
	sa.auth = (struct xfrm_alg_spec){ "hmac(sha256)", key32, 32, 96 };
	expect_bad(&sa, -EINVAL, "96 bits truncation");
	sa.auth = (struct xfrm_alg_spec){ "hmac(md5)", key32, 16, 0 };
	expect_bad(&sa, -ENOENT, "unknown integrity algorithm 'hmac(md5)'");
	sa.auth = (struct xfrm_alg_spec){ "hmac(sha256)", key32, 32, 0 };
	sa.enc.key_len = 20;
	expect_bad(&sa, -EINVAL, "key of 20 bytes for 'cbc(aes)'");
	sa = gcm_sa();
	sa.spi = 0;
	expect_bad(&sa, -EINVAL, "SPI 0");
	sa = gcm_sa();
	sa.dst = A("2001:db8::2");
	expect_bad(&sa, -EINVAL, "different families");
	sa = gcm_sa();
	sa.proto = IPPROTO_AH;
	expect_bad(&sa, -EINVAL, "only ESP");
	sa = gcm_sa();
	sa.encap_sport = 4500;
	expect_bad(&sa, -EINVAL, "both ports");
	sa = gcm_sa();
	sa.lifetime.soft_bytes = 10;
	sa.lifetime.hard_bytes = 5;
	expect_bad(&sa, -EINVAL, "soft lifetime exceeds");
	sa = gcm_sa();
	sa.replay_window = 5000;
	expect_bad(&sa, -EINVAL, "replay window 5000");
	sa = gcm_sa();
	sa.sel.family = AF_INET;
	ipsec_prefix_parse("10.0.0.0/8", &sa.sel.src);
	ipsec_prefix_parse("2001:db8::/32", &sa.sel.dst);
	expect_bad(&sa, -EINVAL, "not of the selector's family");
	sa.sel.dst = sa.sel.src;
	sa.sel.dport = 80;		/* ports without tcp/udp */
	expect_bad(&sa, -EINVAL, "ports in a selector need");
}

static struct xfrm_policy_spec tunnel_policy(void)
{
	struct xfrm_policy_spec ps = {
		.sel = { .family = AF_INET },
		.dir = XFRM_POLICY_OUT,
		.priority = 100,
		.tmpl = { .src = A("192.0.2.1"), .dst = A("192.0.2.2"),
			  .proto = IPPROTO_ESP, .mode = IPSEC_MODE_TUNNEL,
			  .reqid = 7 },
	};

	ipsec_prefix_parse("10.1.0.0/16", &ps.sel.src);
	ipsec_prefix_parse("10.2.0.0/16", &ps.sel.dst);
	return ps;
}

static void test_policy(void)
{
	struct nlmsghdr *nlh = start(XFRM_MSG_NEWPOLICY);
	struct xfrm_policy_spec ps = tunnel_policy();
	const struct xfrm_userpolicy_info *p;
	const struct xfrm_user_tmpl *t;
	struct attrs at;

	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == 0);
	p = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(p->dir == XFRM_POLICY_OUT);
	KT_EXPECT(p->priority == 100);
	KT_EXPECT(p->action == XFRM_POLICY_ALLOW);
	KT_EXPECT(p->sel.family == AF_INET);
	KT_EXPECT(p->sel.saddr.a4 == inet_addr("10.1.0.0"));
	KT_EXPECT(p->sel.prefixlen_d == 16);
	KT_EXPECT(p->lft.hard_byte_limit == XFRM_INF);
	parse(nlh, sizeof(*p), &at);
	KT_EXPECT(at.total == 1 && at.count[XFRMA_TMPL] == 1);
	KT_EXPECT(mnl_attr_get_payload_len(at.tb[XFRMA_TMPL]) == sizeof(*t));
	t = mnl_attr_get_payload(at.tb[XFRMA_TMPL]);
	KT_EXPECT(t->family == AF_INET);
	KT_EXPECT(t->id.proto == IPPROTO_ESP && t->id.spi == 0);
	KT_EXPECT(t->id.daddr.a4 == inet_addr("192.0.2.2"));
	KT_EXPECT(t->saddr.a4 == inet_addr("192.0.2.1"));
	KT_EXPECT(t->mode == XFRM_MODE_TUNNEL && t->reqid == 7);
	KT_EXPECT(t->optional == 0);
	KT_EXPECT(t->aalgos == ~0u && t->ealgos == ~0u && t->calgos == ~0u);

	/* Bypass: no template; block: action block. */
	nlh = start(XFRM_MSG_NEWPOLICY);
	ps.tmpl.proto = 0;
	ps.block = true;
	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == 0);
	p = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(p->action == XFRM_POLICY_BLOCK);
	parse(nlh, sizeof(*p), &at);
	KT_EXPECT(at.total == 0);
}

static void test_policy_rejects(void)
{
	struct nlmsghdr *nlh;
	struct xfrm_policy_spec ps;

	ps = tunnel_policy();
	ps.sel.family = 0;
	nlh = start(XFRM_MSG_NEWPOLICY);
	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == -EINVAL);
	KT_EXPECT_STR(err, "selector has no address family");
	ps = tunnel_policy();
	ps.dir = 7;
	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == -EINVAL);
	KT_EXPECT_STR(err, "policy direction 7 is not in, out or fwd");
	ps = tunnel_policy();
	ps.tmpl.dst = A("2001:db8::1");
	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == -EINVAL);
	KT_EXPECT(strstr(err, "outer source and destination of one family"));
	ps = tunnel_policy();
	ps.block = true;
	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == -EINVAL);
	ps = tunnel_policy();
	ps.sel.src.len = 40;
	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == -EINVAL);
	KT_EXPECT_STR(err, "selector prefix length 40 exceeds 32");
	KT_EXPECT(nlh->nlmsg_len == mnl_nlmsg_size(0));
}

/* Port blocks: value/mask as the kernel wants them (network order). */
static void test_policy_port_mask(void)
{
	struct nlmsghdr *nlh = start(XFRM_MSG_NEWPOLICY);
	struct xfrm_policy_spec ps = tunnel_policy();
	const struct xfrm_userpolicy_info *p;

	ps.sel.proto = IPPROTO_TCP;
	ps.sel.sport = 1000;
	ps.sel.sport_mask = 0xfff8;	/* 1000-1007 */
	ps.sel.dport = 0;
	ps.sel.dport_mask = 0xfc00;	/* 0-1023 */
	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == 0);
	p = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(p->sel.sport == htons(1000));
	KT_EXPECT(p->sel.sport_mask == htons(0xfff8));
	KT_EXPECT(p->sel.dport == 0 && p->sel.dport_mask == htons(0xfc00));
	/* One port without a mask is an exact match, as before. */
	nlh = start(XFRM_MSG_NEWPOLICY);
	ps.sel.sport_mask = 0;
	ps.sel.dport = 22;
	ps.sel.dport_mask = 0;
	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == 0);
	p = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(p->sel.sport_mask == 0xffff && p->sel.dport_mask == 0xffff);
	KT_EXPECT(p->sel.dport == htons(22));
	/* A port with bits outside its mask is refused. */
	nlh = start(XFRM_MSG_NEWPOLICY);
	ps.sel.sport = 1001;
	ps.sel.sport_mask = 0xfff8;
	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == -EINVAL);
	KT_EXPECT_STR(err, "selector port 1001 has bits outside its mask "
		      "0xfff8");
	/* A mask needs a protocol with ports, even with port 0. */
	ps.sel.proto = 0;
	ps.sel.sport = 0;
	ps.sel.dport = 0;
	KT_EXPECT(xfrm_policy_msg(nlh, &ps, err, sizeof(err)) == -EINVAL);
	KT_EXPECT(strstr(err, "ports in a selector need") != NULL);
}

static void test_policy_del_and_spi(void)
{
	struct nlmsghdr *nlh = start(XFRM_MSG_DELPOLICY);
	struct xfrm_policy_spec ps = tunnel_policy();
	const struct xfrm_userpolicy_id *id;
	const struct xfrm_userspi_info *u;
	struct ipsec_addr s = A("192.0.2.1"), d = A("192.0.2.2");

	KT_EXPECT(xfrm_policy_del_msg(nlh, &ps.sel, XFRM_POLICY_FWD, err,
				      sizeof(err)) == 0);
	id = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(id->dir == XFRM_POLICY_FWD);
	KT_EXPECT(id->sel.daddr.a4 == inet_addr("10.2.0.0"));
	KT_EXPECT(nlh->nlmsg_len == mnl_nlmsg_size(sizeof(*id)));

	/* By index: no selector, the index's direction must match. */
	nlh = start(XFRM_MSG_DELPOLICY);
	KT_EXPECT(xfrm_policy_del_index_msg(nlh, 0x1a, XFRM_POLICY_FWD, err,
					    sizeof(err)) == 0);
	id = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(id->index == 0x1a && id->dir == XFRM_POLICY_FWD);
	KT_EXPECT(id->sel.family == 0);
	nlh = start(XFRM_MSG_DELPOLICY);
	KT_EXPECT(xfrm_policy_del_index_msg(nlh, 0x19, XFRM_POLICY_FWD, err,
					    sizeof(err)) == -EINVAL);
	KT_EXPECT_STR(err, "policy index 25 is not one of direction 2");
	KT_EXPECT(xfrm_policy_del_index_msg(nlh, 0, XFRM_POLICY_IN, err,
					    sizeof(err)) == -EINVAL);
	KT_EXPECT(xfrm_policy_del_index_msg(nlh, 8, 5, err,
					    sizeof(err)) == -EINVAL);

	nlh = start(XFRM_MSG_ALLOCSPI);
	KT_EXPECT(xfrm_alloc_spi_msg(nlh, &s, &d, 0, 5, 0, 0) == 0);
	u = mnl_nlmsg_get_payload(nlh);
	KT_EXPECT(u->min == 0x100 && u->max == 0xffffffff);
	KT_EXPECT(u->info.id.proto == IPPROTO_ESP && u->info.reqid == 5);
	KT_EXPECT(u->info.id.daddr.a4 == inet_addr("192.0.2.2"));
	KT_EXPECT(u->info.family == AF_INET);
	nlh = start(XFRM_MSG_ALLOCSPI);
	KT_EXPECT(xfrm_alloc_spi_msg(nlh, &s, &d, 0, 5, 10, 5) == -EINVAL);
	d = A("::1");
	KT_EXPECT(xfrm_alloc_spi_msg(nlh, &s, &d, 0, 5, 0, 0) == -EINVAL);
}

static void test_events(void)
{
	struct nlmsghdr *nlh = start(XFRM_MSG_EXPIRE);
	struct xfrm_user_expire *e;
	struct xfrm_user_acquire *a;
	struct xfrm_user_tmpl t = { 0 };
	struct xfrm_event ev;
	char s[IPSEC_ADDR_STRLEN];

	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->state.family = AF_INET;
	e->state.id.daddr.a4 = inet_addr("192.0.2.2");
	e->state.id.spi = htonl(0xabcd);
	e->state.id.proto = IPPROTO_ESP;
	e->state.reqid = 3;
	e->hard = 1;
	KT_EXPECT(xfrm_event_parse(nlh, &ev) == 0);
	KT_EXPECT(ev.type == XFRM_EV_EXPIRE && ev.hard && ev.reqid == 3);
	KT_EXPECT(ev.spi == 0xabcd && ev.proto == IPPROTO_ESP);
	KT_EXPECT_STR(ipsec_addr_fmt(&ev.dst, s, sizeof(s)), "192.0.2.2");
	nlh->nlmsg_len = mnl_nlmsg_size(10);	/* truncated */
	KT_EXPECT(xfrm_event_parse(nlh, &ev) == -EBADMSG);

	nlh = start(XFRM_MSG_ACQUIRE);
	a = mnl_nlmsg_put_extra_header(nlh, sizeof(*a));
	a->sel.family = AF_INET;
	a->sel.daddr.a4 = inet_addr("10.2.0.5");
	a->sel.prefixlen_d = 32;
	memcpy(a->id.daddr.a6, "\x20\x01\x0d\xb8", 4);	/* outer v6 */
	a->policy.index = 42;
	t.family = AF_INET6;
	t.reqid = 11;
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), &t);
	KT_EXPECT(xfrm_event_parse(nlh, &ev) == 0);
	KT_EXPECT(ev.type == XFRM_EV_ACQUIRE && ev.reqid == 11);
	KT_EXPECT(ev.policy_index == 42);
	KT_EXPECT(ev.dst.family == AF_INET6);
	KT_EXPECT_STR(ipsec_addr_fmt(&ev.dst, s, sizeof(s)), "2001:db8::");
	KT_EXPECT(ev.sel.family == AF_INET && ev.sel.dst.len == 32);

	nlh = start(XFRM_MSG_NEWSA);
	KT_EXPECT(xfrm_event_parse(nlh, &ev) == 0 && ev.type == XFRM_EV_NONE);
}

static void test_addr(void)
{
	struct ipsec_prefix p;
	struct ipsec_addr a;
	struct sockaddr_storage ss;
	uint16_t port;
	char s[IPSEC_PREFIX_STRLEN];

	KT_EXPECT(ipsec_prefix_parse("10.1.0.0/16", &p) == 0);
	KT_EXPECT_STR(ipsec_prefix_fmt(&p, s, sizeof(s)), "10.1.0.0/16");
	KT_EXPECT(ipsec_prefix_parse("10.1.0.1/16", &p) == -EINVAL);
	KT_EXPECT(ipsec_prefix_parse("10.1.0.0/33", &p) == -EINVAL);
	KT_EXPECT(ipsec_prefix_parse("10.1.0.0/", &p) == -EINVAL);
	KT_EXPECT(ipsec_prefix_parse("10.1.0.0/-1", &p) == -EINVAL);
	KT_EXPECT(ipsec_prefix_parse("10.1.0.0/1x", &p) == -EINVAL);
	KT_EXPECT(ipsec_prefix_parse("host/8", &p) == -EINVAL);
	KT_EXPECT(ipsec_prefix_parse("2001:db8::/32", &p) == 0 && p.len == 32);
	KT_EXPECT(ipsec_prefix_parse("2001:db8::1/127", &p) == -EINVAL);
	KT_EXPECT(ipsec_prefix_parse("2001:db8::1", &p) == 0 && p.len == 128);
	KT_EXPECT(ipsec_prefix_parse("0.0.0.0/0", &p) == 0 && p.len == 0);
	KT_EXPECT(ipsec_prefix_parse("10.1.128.0/17", &p) == 0);
	KT_EXPECT(ipsec_addr_parse("10.1.200.3", &a) == 0);
	KT_EXPECT(ipsec_prefix_contains(&p, &a));
	KT_EXPECT(ipsec_addr_parse("10.1.100.3", &a) == 0);
	KT_EXPECT(!ipsec_prefix_contains(&p, &a));
	KT_EXPECT(ipsec_addr_parse("192.0.2.300", &a) == -EINVAL);
	KT_EXPECT(a.family == 0 && ipsec_addr_is_any(&a));
	KT_EXPECT_STR(ipsec_addr_fmt(&a, s, sizeof(s)), "%any");

	a = A("2001:db8::7");
	KT_EXPECT(ipsec_addr_to_sockaddr(&a, 4500, &ss) ==
		  sizeof(struct sockaddr_in6));
	KT_EXPECT(ipsec_addr_from_sockaddr((struct sockaddr *)&ss, &a,
					   &port) == 0);
	KT_EXPECT(port == 4500 && a.family == AF_INET6);
	KT_EXPECT_STR(ipsec_addr_fmt(&a, s, sizeof(s)), "2001:db8::7");
	a = A("::ffff:192.0.2.9");
	ipsec_addr_to_sockaddr(&a, 500, &ss);
	KT_EXPECT(ipsec_addr_from_sockaddr((struct sockaddr *)&ss, &a,
					   NULL) == 0);
	KT_EXPECT(a.family == AF_INET);
	KT_EXPECT_STR(ipsec_addr_fmt(&a, s, sizeof(s)), "192.0.2.9");
}

int main(void)
{
	memset(key32, 0x32, sizeof(key32));
	memset(key36, 0x36, sizeof(key36));
	memset(key48, 0x48, sizeof(key48));
	kt_run("xfrm: AES-GCM transport SA, every field and attribute",
	       test_sa_gcm_transport);
	kt_run("xfrm: AES-CBC+HMAC tunnel IPv6 SA with UDP encap, lifetimes",
	       test_sa_cbc_tunnel_v6_encap);
	kt_run("xfrm: ESN and windows above 32 use the ESN replay state",
	       test_sa_esn_and_big_window);
	kt_run("xfrm: ChaCha20-Poly1305 SA with an explicit selector",
	       test_sa_chacha_and_selector);
	kt_run("xfrm: bad SA specs are refused with a message",
	       test_sa_rejects);
	kt_run("xfrm: tunnel policy, template, bypass and block", test_policy);
	kt_run("xfrm: bad policy specs are refused", test_policy_rejects);
	kt_run("xfrm: selector port blocks with masks", test_policy_port_mask);
	kt_run("xfrm: DELPOLICY and ALLOCSPI messages",
	       test_policy_del_and_spi);
	kt_run("xfrm: expire and acquire events", test_events);
	kt_run("addr: parse, format, prefixes, sockaddr", test_addr);
	return kt_done();
}
