// SPDX-License-Identifier: GPL-2.0
/*
 * CHILD_SA rekeys through exchange_create.c, against fakes of the
 * daemon (the messages it would send) and of the kernel (what it would
 * install): the successor has exactly the old CHILD_SA's selectors, as
 * the old policies stay (RFC 7296 2.9.2). As responder, a request that
 * leaves out part of them is answered with TS_UNACCEPTABLE and nothing
 * changes, a wider one is answered with the old selectors; as
 * initiator, an answer that leaves out part of them is not installed,
 * the new CHILD_SA is deleted at the peer and the old one stays.
 * exchange_info.c is linked in for the peer's Deletes.
 */
#include <arpa/inet.h>

#include "ipsecmed/exchange.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"
#include "ipsecmed/testutil.h"

/* --- fakes of the daemon and the kernel ------------------------------ */

/* The last message of each kind that the exchange sent, decoded. */
struct sent {
	uint8_t exchange;
	uint8_t buf[IKE_MAX_MSG];
	struct ike_msg m;
	int count;
};
static struct sent req, resp;

static struct {
	int installs, installs_with_policies, removes;
	uint32_t installed_spi;		/* inbound SPI of the last install */
	uint32_t removed_spi;		/* inbound SPI of the last remove */
	uint32_t next_spi;
	/* The policies of the one reqid these tests use are in the
	 * kernel: installed with a CHILD_SA, removed with one.
	 */
	bool policies;
} kern;

static void record(struct sent *s, uint8_t exchange, struct ike_builder *b)
{
	struct ike_err err;
	int len = ikb_finish(b);

	s->count++;
	s->exchange = exchange;
	memset(&s->m, 0, sizeof(s->m));
	if (len < 0 || (size_t)len > sizeof(s->buf))
		abort();
	memcpy(s->buf, b->w.p, (size_t)len);
	if (ike_chain_decode(&s->m, b->first_np, s->buf, (size_t)len, &err))
		abort();
}

/* The last request's task: its answer goes to req_task->answered(). */
static const struct task_ops *req_task;
/* The tasks' timers, never run: nothing is retransmitted. */
static struct loop tloop;
static struct task_env tenv = { .loop = &tloop, .timeout_ms = 1000,
				.tries = 1 };

/* A real task in flight (the window is full), holding @priv, the state
 * of the request.
 */
int sa_send_request(struct daemon *d, struct ike_sa *sa,
		    const struct task_ops *ops, void *priv,
		    struct ike_builder *b)
{
	record(&req, ops->exchange, b);
	req_task = ops;
	return task_start(&tenv, sa, ops, priv, req.buf, 1);
}


int sa_send_response(struct daemon *d, struct ike_sa *sa, uint8_t exchange,
		     uint32_t msgid, struct ike_builder *b)
{
	record(&resp, exchange, b);
	return 0;
}

int kernel_alloc_spi(struct daemon *d, const struct ike_sa *sa,
		     uint32_t reqid, uint32_t *spi)
{
	*spi = kern.next_spi++;
	return 0;
}

int kernel_install(struct daemon *d, const struct ike_sa *sa,
		   struct child_sa *c, bool policies, bool outbound)
{
	kern.installs++;
	kern.installs_with_policies += policies;
	kern.installed_spi = c->spi_in;
	kern.policies |= policies;
	c->installed = true;
	return 0;
}

int kernel_install_out(struct daemon *d, const struct ike_sa *sa,
		       struct child_sa *c)
{
	return 0;
}

void kernel_remove(struct daemon *d, const struct ike_sa *sa,
		   struct child_sa *c, bool policies)
{
	kern.removes++;
	kern.removed_spi = c->spi_in;
	if (policies)
		kern.policies = false;
	c->installed = false;
}

void rand_bytes(void *out, size_t len)
{
	memset(out, 0x5a, len);
}

void sa_report(struct daemon *d, struct ike_sa *sa, const char *why) {}
void sa_terminate(struct daemon *d, struct ike_sa *sa, const char *why)
{
	sa->state = IKE_S_DEAD;
}
void daemon_add_sa(struct daemon *d, struct ike_sa *sa) {}

struct child_sa *child_new(struct daemon *d, struct ike_sa *sa,
			   const struct conf_child *cfg, bool initiator)
{
	return NULL;	/* no new CHILD_SAs in these tests */
}

/* --- an IKE SA with one installed CHILD_SA --------------------------- */

static const char conf_fmt[] =
	"connection gw {\n"
	"	remote_addrs = 10.0.0.2\n"
	"	proposals = aes128gcm16-prfsha256-x25519\n"
	"	psk_file = /nonexistent\n"
	"	local {\n"
	"		auth = psk\n"
	"	}\n"
	"	remote {\n"
	"		auth = psk\n"
	"	}\n"
	"	child net {\n"
	"		local_ts = 192.168.1.0/24\n"
	"		remote_ts = 10.9.0.0/24\n"
	"		esp_proposals = %s\n"
	"	}\n"
	"}\n";

#define OLD_IN 0x1000
#define OLD_OUT 0x2000
#define PEER_SPI 0x3000

static struct conf *conf;
static struct daemon d;
static struct ike_sa *sa;
static struct child_sa *old;

static struct ike_ts ts4(const char *a, const char *b)
{
	struct ike_ts t = { .type = IKE_TS_IPV4_ADDR_RANGE,
			    .end_port = 65535 };

	inet_pton(AF_INET, a, t.start);
	inet_pton(AF_INET, b, t.end);
	return t;
}

static struct ike_ts_payload one(const char *a, const char *b)
{
	struct ike_ts_payload p = { .n = 1 };

	p.ts[0] = ts4(a, b);
	return p;
}

static const struct ike_ts_payload *local_ts(void)
{
	static struct ike_ts_payload p;

	p = one("192.168.1.0", "192.168.1.255");
	return &p;
}

static const struct ike_ts_payload *remote_ts(void)
{
	static struct ike_ts_payload p;

	p = one("10.9.0.0", "10.9.0.255");
	return &p;
}

/* The IKE SA, its child's ESP proposals @esp. */
static void setup_esp(const char *esp)
{
	char err[256], conf_text[1024];
	int len = snprintf(conf_text, sizeof(conf_text), conf_fmt, esp);

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	memset(&kern, 0, sizeof(kern));
	kern.next_spi = 0x4000;
	kern.policies = true;		/* the old CHILD_SA's */
	if (conf_parse(conf_text, (size_t)len, "test.conf",
		       CONF_NO_FILES, &conf, err, sizeof(err))) {
		printf("# %s\n", err);
		fflush(stdout);
		abort();
	}
	memset(&d, 0, sizeof(d));
	d.conf = conf;
	d.kernel = true;
	sa = ike_sa_new(&conf->conns[0], true);
	sa->state = IKE_S_ESTABLISHED;
	sa->suite.prf = ike_prf_find(IKE_PRF_HMAC_SHA2_256);
	sa->k.d_len = 32;
	old = calloc(1, sizeof(*old));
	child_sa_set_cfg(old, &conf->conns[0].children[0]);
	old->reqid = 7;
	old->spi_in = OLD_IN;
	old->spi_out = OLD_OUT;
	old->mode = IPSEC_MODE_TUNNEL;
	old->suite.encr = ike_encr_find(IKE_ENCR_AES_GCM_16, 128);
	old->ts_local = *local_ts();
	old->ts_remote = *remote_ts();
	old->state = CHILD_S_INSTALLED;
	old->installed = true;
	sa->children = old;
}

static void setup(void)
{
	setup_esp("aes128gcm16");
}

static void teardown(void)
{
	ike_sa_free(sa);	/* with its children */
	conf_free(conf);
}

static bool ts_eq(const struct ike_ts_payload *a,
		  const struct ike_ts_payload *b)
{
	return a->n == b->n && !memcmp(a->ts, b->ts, a->n * sizeof(a->ts[0]));
}

static uint8_t msgbuf[4096];
static struct ike_msg msg;

/* A CREATE_CHILD_SA message with a REKEY_SA for @rekey_spi (0: none),
 * an ESP proposal with @spi, a nonce, and these selectors, decoded
 * into msg.
 */
static void build(bool response, uint32_t rekey_spi, uint32_t spi,
		  const struct ike_ts_payload *tsi,
		  const struct ike_ts_payload *tsr)
{
	struct ike_hdr h = { .spi_i = { 1 }, .spi_r = { 2 },
			     .exchange = IKE_CREATE_CHILD_SA,
			     .flags = response ? IKE_FLAG_RESPONSE : 0,
			     .msgid = response ? 0 : 5 };
	const struct conf_child *cfg = &conf->conns[0].children[0];
	uint8_t s[4], nonce[32];
	struct ike_sa_payload offer;
	struct ike_builder b;
	struct ike_err err;
	int len;

	memset(nonce, 0x17, sizeof(nonce));
	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	if (rekey_spi) {
		ike_put_be32(s, rekey_spi);
		ikb_notify(&b, IKE_PROTO_ESP, s, 4, IKE_N_REKEY_SA, NULL, 0);
	}
	ike_put_be32(s, spi);
	prop_offer(cfg->esp, cfg->n_esp, IKE_PROTO_ESP, s, 4, false, 0,
		   &offer);
	ikb_sa(&b, &offer);
	ikb_nonce(&b, nonce, sizeof(nonce));
	ikb_ts(&b, IKE_PL_TSI, tsi);
	ikb_ts(&b, IKE_PL_TSR, tsr);
	len = ikb_finish(&b);
	if (len < 0 || ike_msg_decode(&msg, msgbuf, (size_t)len, &err))
		abort();
}

/* An INFORMATIONAL request of the peer deleting its inbound SPI @spi,
 * decoded into msg.
 */
static void build_delete(uint32_t spi)
{
	struct ike_hdr h = { .spi_i = { 1 }, .spi_r = { 2 },
			     .exchange = IKE_INFORMATIONAL, .msgid = 6 };
	struct ike_builder b;
	struct ike_err err;
	uint8_t s[4];
	int len;

	ike_put_be32(s, spi);
	ikb_init_msg(&b, msgbuf, sizeof(msgbuf), &h);
	ikb_delete(&b, IKE_PROTO_ESP, 4, s, 1);
	len = ikb_finish(&b);
	if (len < 0 || ike_msg_decode(&msg, msgbuf, (size_t)len, &err))
		abort();
}

/* The TS payload @type of a message we sent. */
static struct ike_ts_payload sent_ts(const struct sent *s, uint8_t type)
{
	struct ike_ts_payload p = { 0 };
	const struct ike_payload *pl = ike_msg_first(&s->m, type);

	if (!pl || ike_ts_decode(pl, &p, NULL))
		p.n = 0xff;
	return p;
}

/* The one ESP SPI a Delete we sent names, 0 if none. */
static uint32_t sent_delete(const struct sent *s)
{
	const struct ike_payload *pl = ike_msg_first(&s->m, IKE_PL_DELETE);
	struct ike_delete del;

	if (s->exchange != IKE_INFORMATIONAL || !pl ||
	    ike_delete_decode(pl, &del, NULL) || del.proto != IKE_PROTO_ESP ||
	    del.spi_size != 4 || del.nspi != 1)
		return 0;
	return ike_get_be32(del.spis);
}

static size_t n_children(void)
{
	const struct child_sa *c;
	size_t n = 0;

	for (c = sa->children; c; c = c->next)
		n++;
	return n;
}

/* --- responder -------------------------------------------------------- */

/* The peer's TSi are its side: our remote selectors. */
static void test_responder_same(void)
{
	struct ike_ts_payload ti, tr;

	setup();
	build(false, OLD_OUT, PEER_SPI, remote_ts(), local_ts());
	child_handle_request(&d, sa, &msg);
	ti = sent_ts(&resp, IKE_PL_TSI);
	tr = sent_ts(&resp, IKE_PL_TSR);
	KT_EXPECT(resp.count == 1 && !ike_msg_error(&resp.m));
	KT_EXPECT(ts_eq(&ti, remote_ts()) && ts_eq(&tr, local_ts()));
	KT_EXPECT(n_children() == 2 && old->state == CHILD_S_REKEYED);
	KT_EXPECT(ts_eq(&sa->children->ts_local, local_ts()) &&
		  ts_eq(&sa->children->ts_remote, remote_ts()));
	/* The new SAs only: the old policies stay. */
	KT_EXPECT(kern.installs == 1 && kern.installs_with_policies == 0);
	teardown();
}

static void test_responder_narrower(void)
{
	struct ike_ts_payload half = one("10.9.0.0", "10.9.0.127");
	struct ike_ts_payload other = one("10.9.1.0", "10.9.1.255");

	setup();
	build(false, OLD_OUT, PEER_SPI, &half, local_ts());
	child_handle_request(&d, sa, &msg);
	KT_EXPECT(resp.count == 1 &&
		  ike_msg_error(&resp.m) == IKE_N_TS_UNACCEPTABLE);
	KT_EXPECT(!ike_msg_first(&resp.m, IKE_PL_SA));
	KT_EXPECT(n_children() == 1 && old->state == CHILD_S_INSTALLED);
	KT_EXPECT(kern.installs == 0 && kern.removes == 1);
	/* Our side narrowed, or other selectors altogether: the same. */
	build(false, OLD_OUT, PEER_SPI, remote_ts(), &half);
	child_handle_request(&d, sa, &msg);
	KT_EXPECT(ike_msg_error(&resp.m) == IKE_N_TS_UNACCEPTABLE);
	build(false, OLD_OUT, PEER_SPI, &other, local_ts());
	child_handle_request(&d, sa, &msg);
	KT_EXPECT(ike_msg_error(&resp.m) == IKE_N_TS_UNACCEPTABLE);
	KT_EXPECT(n_children() == 1 && old->state == CHILD_S_INSTALLED &&
		  kern.installs == 0);
	teardown();
}

/* A superset (what 2.9.2 allows the initiator) is answered with the
 * old selectors.
 */
static void test_responder_wider(void)
{
	struct ike_ts_payload wide = one("10.9.0.0", "10.9.255.255");
	struct ike_ts_payload ti, tr;

	setup();
	wide.n = 2;
	wide.ts[1] = ts4("172.16.0.0", "172.16.0.255");
	build(false, OLD_OUT, PEER_SPI, &wide, local_ts());
	child_handle_request(&d, sa, &msg);
	ti = sent_ts(&resp, IKE_PL_TSI);
	tr = sent_ts(&resp, IKE_PL_TSR);
	KT_EXPECT(!ike_msg_error(&resp.m));
	KT_EXPECT(ts_eq(&ti, remote_ts()) && ts_eq(&tr, local_ts()));
	KT_EXPECT(ts_eq(&sa->children->ts_remote, remote_ts()));
	teardown();
}

/* A peer that rekeys the successor of each rekey again before it deleted
 * the CHILD_SA it replaced (a correct initiator deletes it at once, its
 * next request with a window of 1): every rekey leaves us one more
 * CHILD_SA, with an inbound SA in the kernel, that waits for a Delete
 * which never comes. What one authenticated peer can make us hold is
 * bounded by max_child_sas, rekeys included (RFC 7296 3.10.1).
 */
#define REKEY_CHAIN 40

static void test_responder_rekey_chain(void)
{
	uint32_t max, rekeyed = OLD_OUT;
	int i;

	setup();
	max = conf->conns[0].max_child_sas;
	KT_EXPECT(max < REKEY_CHAIN);
	for (i = 0; i < REKEY_CHAIN; i++) {
		build(false, rekeyed, PEER_SPI + (uint32_t)i, remote_ts(),
		      local_ts());
		child_handle_request(&d, sa, &msg);
		if (ike_msg_error(&resp.m))
			continue;
		rekeyed = sa->children->spi_out;
	}
	KT_EXPECT(n_children() <= max);
	KT_EXPECT((uint32_t)(kern.installs - kern.removes) <= max);
	if (n_children() > max)
		printf("# %zu CHILD_SAs held after %d chained rekeys, "
		       "max_child_sas %u\n", n_children(), REKEY_CHAIN, max);
	teardown();
}

/* --- initiator -------------------------------------------------------- */

/* Our rekey of the old CHILD_SA, sent; returns its new inbound SPI. */
static uint32_t start_rekey(void)
{
	struct ike_ts_payload ti, tr;

	old->rekey_at_ms = 1;
	if (!child_rekey_due(&d, sa, now_ms()))
		return 0;
	ti = sent_ts(&req, IKE_PL_TSI);
	tr = sent_ts(&req, IKE_PL_TSR);
	/* What it negotiates is its task's, the SPI just reserved. */
	if (req.exchange != IKE_CREATE_CHILD_SA || !sa->tasks.inflight ||
	    !sa->tasks.inflight->priv || !ts_eq(&ti, local_ts()) ||
	    !ts_eq(&tr, remote_ts()))
		return 0;
	return kern.next_spi - 1;
}

/* The answer in msg to our last request, as the daemon hands it on: the
 * task retired, its private state to the handler.
 */
static void answer(void)
{
	struct ike_task *t;

	for (t = sa->tasks.inflight; t && t->ops != req_task; t = t->next)
		;
	if (!t)
		abort();
	req_task->answered(&d, sa, task_retire(sa, t), &msg);
}

static void test_initiator_same(void)
{
	uint32_t spi;

	setup();
	spi = start_rekey();
	KT_EXPECT(spi != 0);
	build(true, 0, PEER_SPI, local_ts(), remote_ts());
	answer();
	KT_EXPECT(kern.installs == 1 && kern.installed_spi == spi &&
		  kern.installs_with_policies == 0);
	KT_EXPECT(n_children() == 2 && sa->children->spi_in == spi &&
		  sa->children->state == CHILD_S_INSTALLED);
	/* The old one goes. */
	KT_EXPECT(old->state == CHILD_S_DELETING &&
		  sent_delete(&req) == OLD_IN);
	teardown();
}

static void test_initiator_narrowed(void)
{
	struct ike_ts_payload half = one("192.168.1.0", "192.168.1.127");
	uint32_t spi;

	setup();
	spi = start_rekey();
	KT_EXPECT(spi != 0);
	build(true, 0, PEER_SPI, &half, remote_ts());
	answer();
	/* Nothing of it installed, the new one deleted at the peer. */
	KT_EXPECT(kern.installs == 0);
	KT_EXPECT(sent_delete(&req) == spi);
	KT_EXPECT(n_children() == 2 && sa->children->spi_in == spi &&
		  sa->children->state == CHILD_S_DELETING);
	/* The old one stays as it was. */
	KT_EXPECT(old->state == CHILD_S_INSTALLED && old->installed &&
		  ts_eq(&old->ts_local, local_ts()));
	teardown();
}

/* Our rekey crossed the peer's Delete of the old CHILD_SA, which took
 * the policies of its reqid out of the kernel with it (no other
 * CHILD_SA held them), and the peer then answers the rekey anyway
 * (RFC 7296 2.25.1 only says it SHOULD refuse). A CHILD_SA of ours that
 * is installed without its policies is one whose traffic leaves in
 * clear while "status" shows it INSTALLED: the successor either gets
 * the policies or is not installed.
 */
static void test_initiator_old_deleted_meanwhile(void)
{
	const struct child_sa *c;
	uint32_t spi;

	setup();
	spi = start_rekey();
	KT_EXPECT(spi != 0);
	build_delete(OLD_OUT);
	info_handle_request(&d, sa, &msg);
	old = NULL;			/* freed with the Delete */
	KT_EXPECT(n_children() == 0 && !kern.policies);
	build(true, 0, PEER_SPI, local_ts(), remote_ts());
	KT_EXPECT(!strcmp(req_task->name, "CHILD_SA rekey"));
	answer();
	for (c = sa->children; c; c = c->next) {
		KT_EXPECT(!c->installed || kern.policies);
		if (c->installed && !kern.policies)
			printf("# CHILD_SA %08x/%08x installed, its policies "
			       "are not\n", c->spi_in, c->spi_out);
	}
	teardown();
}

/* --- the state of a request in flight is its task's ------------------ */

/* The SA ends (sa_terminate() flushes its tasks with the daemon) while
 * our CHILD_SA rekey with PFS is out: the successor's reserved SPI
 * leaves the kernel; the successor, our nonce and DH key are freed with
 * the task (ASan: no leak), and the old CHILD_SA is not touched.
 */
static void test_terminated_rekey_in_flight(void)
{
	uint32_t spi;

	setup_esp("aes128gcm16-x25519");
	spi = start_rekey();
	KT_EXPECT(spi != 0 && ike_msg_first(&req.m, IKE_PL_KE));
	task_flush(&d, sa, false);
	KT_EXPECT(!sa->tasks.inflight && kern.removes == 1 &&
		  kern.removed_spi == spi);
	KT_EXPECT(n_children() == 1 && old->installed);
	teardown();
}

/* Freed with a CHILD_SA rekey and, on another SA, an IKE SA rekey out:
 * memory only (no kernel), nothing leaks.
 */
static void test_freed_with_rekeys_in_flight(void)
{
	setup_esp("aes128gcm16-x25519");
	KT_EXPECT(start_rekey() != 0);
	teardown();
	KT_EXPECT(kern.removes == 0);
	setup();
	sa->rekey_at_ms = 1;
	KT_EXPECT(ike_rekey_due(&d, sa, now_ms()) == 1);
	KT_EXPECT(req.exchange == IKE_CREATE_CHILD_SA &&
		  !strcmp(req_task->name, "IKE SA rekey") &&
		  sa->tasks.inflight && sa->tasks.inflight->priv);
	teardown();
	KT_EXPECT(kern.removes == 0);
}

int main(void)
{
	log_level = LOG_ERR - 1;	/* quiet */
	kt_run("rekey responder: the same selectors, answered as they are",
	       test_responder_same);
	kt_run("rekey responder: narrower or other selectors: TS_UNACCEPTABLE",
	       test_responder_narrower);
	kt_run("rekey responder: wider selectors answered with the old ones",
	       test_responder_wider);
	kt_run("rekey responder: chained rekeys without Deletes stay within "
	       "max_child_sas", test_responder_rekey_chain);
	kt_run("rekey initiator: the same selectors, installed, old deleted",
	       test_initiator_same);
	kt_run("rekey initiator: narrowed answer deleted, the old SA stays",
	       test_initiator_narrowed);
	kt_run("rekey initiator: old CHILD_SA deleted by the peer meanwhile, "
	       "no SA without policies", test_initiator_old_deleted_meanwhile);
	kt_run("request state: an SA ending with a CHILD_SA rekey in flight "
	       "gives back its SPI, frees successor and DH",
	       test_terminated_rekey_in_flight);
	kt_run("request state: an SA freed with rekeys in flight leaks "
	       "nothing", test_freed_with_rekeys_in_flight);
	return kt_done();
}
