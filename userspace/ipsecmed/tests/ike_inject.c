// SPDX-License-Identifier: GPL-2.0
/*
 * ike_inject: a UDP relay between an IKE initiator and its responder
 * that plays an attacker on the path, or a peer the daemon must cope
 * with. Without a MODE it answers every IKE_SA_INIT request with forged,
 * unauthenticated responses before passing it on (RFC 7296 2.21.1 says
 * an initiator must take those as hints only):
 *
 *   - INVALID_KE_PAYLOAD naming the group of the request's own KE
 *     payload (a stale duplicate),
 *   - INVALID_KE_PAYLOAD naming the group of the previous request (a
 *     group the responder refused already), from the second one on,
 *   - NO_PROPOSAL_CHOSEN.
 *
 * (Not a COOKIE: the initiator cannot tell a forged one from a
 * responder's new one, and must take it, RFC 7296 2.6. What it bounds is
 * how many it takes: see cookies-forever.)
 *
 * MODE is one of:
 *
 *   auth       forge nothing of that, but drop the responder's first
 *              IKE_AUTH response and instead send the responder the
 *              first 28 bytes of the IKE_AUTH request (the header, its
 *              length field made 28): right SPIs, message ID and
 *              exchange, so only the response cache's check of the
 *              whole request keeps the responder from answering it.
 *              The initiator must retransmit, and that byte-identical
 *              retransmission must be answered.
 *   replay     send the responder the first IKE_SA_INIT request twice
 *              (a retransmission: both answers are compared, the second
 *              one is not passed on); once the responder's IKE_AUTH
 *              response went through, send it that IKE_SA_INIT request
 *              again (a replay), then a barrier: an IKE_SA_INIT request
 *              without payloads, which is answered with INVALID_SYNTAX.
 *              What the responder sends before that answer, it sent for
 *              the replay.
 *   reflect    send every IKE_SA_INIT request of the initiator back to
 *              it too, from LISTEN (the responder's address) with
 *              another SPIi: a spoofed half-open IKE SA at the
 *              initiator. Its answers to that are dropped.
 *   cookies    be a responder that demands cookies twice in a row, as
 *              one that rotated its secret or is under load may do: a
 *              request without one gets COOKIE 1, one with COOKIE 1 gets
 *              COOKIE 2 (twice, an identical duplicate), only one with
 *              COOKIE 2 goes on to the responder.
 *   cookies-forever
 *              a request with COOKIE n gets COOKIE n + 1, forever: a
 *              forger that would keep the initiator retrying.
 *   hold-rekey drop the initiator's CREATE_CHILD_SA responses until a
 *              second IKE_AUTH response of the responder went through
 *              (an IKE SA rekey of the responder's stays in flight while
 *              the initiator sets up another IKE SA).
 *   drop-rekey drop every CREATE_CHILD_SA response of the responder (an
 *              IKE SA rekey of the initiator's never completes there).
 *   short-sk   once the responder's first IKE_AUTH response went
 *              through, send the responder a 32-byte INFORMATIONAL
 *              request with the SA's SPIs and the initiator's next
 *              message ID (2) whose SK payload is empty, too short to
 *              hold an IV and an ICV, so nobody can have authenticated
 *              it; then the barrier of replay. What the responder sends
 *              before the barrier's answer, it sent for the forgery.
 *   bad-ke     send the initiator, just before the responder's first
 *              IKE_SA_INIT response with a KE payload, a copy of it
 *              whose KE data are all 0xff bytes (for an ECP group no
 *              point of the curve): a forged answer that the initiator
 *              must take as a hint only.
 *
 * Usage: ike_inject LISTEN_ADDR LISTEN_PORT BIND_ADDR BIND_PORT
 *                   TARGET_ADDR TARGET_PORT [MODE]
 * The initiator sends to LISTEN; the responder sees the relay's
 * BIND address. One line on stdout per forged or dropped message.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HDR_LEN 28
#define PL_KE 34
#define PL_NOTIFY 41
#define PL_SK 46
#define IKE_INFORMATIONAL 37
#define IKE_SA_INIT 34
#define IKE_AUTH 35
#define IKE_CREATE_CHILD_SA 36
#define N_NO_PROPOSAL_CHOSEN 14
#define N_INVALID_KE 17
#define N_COOKIE 16390
#define COOKIE_PREFIX "relay-cookie-"	/* then three digits */
#define COOKIE_LEN 16

enum mode { FORGE, AUTH, REPLAY, REFLECT, COOKIES, COOKIES_FOREVER,
	    HOLD_REKEY, DROP_REKEY, SHORT_SK, BAD_KE };

static const char *const mode_names[] = {
	[AUTH] = "auth", [REPLAY] = "replay", [REFLECT] = "reflect",
	[COOKIES] = "cookies", [COOKIES_FOREVER] = "cookies-forever",
	[HOLD_REKEY] = "hold-rekey", [DROP_REKEY] = "drop-rekey",
	[SHORT_SK] = "short-sk", [BAD_KE] = "bad-ke",
};

static const uint8_t barrier_spi[8] = "barrier!";

struct relay {
	enum mode mode;
	int down, up;			/* toward initiator, responder */
	struct sockaddr_in client, target;
	uint16_t prev_group;		/* FORGE */
	uint8_t auth_req[HDR_LEN];	/* AUTH */
	bool have_auth_req;
	unsigned int auth_resps;	/* AUTH, REPLAY, HOLD_REKEY */
	uint8_t *init_req, *init_resp;	/* REPLAY */
	size_t init_req_len, init_resp_len;
	unsigned int init_resps;
	bool replaying;			/* REPLAY, SHORT_SK */
	unsigned int replay_answers;
	bool forged_ke;			/* BAD_KE */
};

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int sock_at(const char *addr, const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(atoi(port)) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		fprintf(stderr, "ike_inject: cannot bind %s:%s\n", addr, port);
		exit(1);
	}
	return fd;
}

static uint8_t *dup_msg(const uint8_t *m, size_t len)
{
	uint8_t *p = malloc(len);

	if (!p)
		exit(1);
	return memcpy(p, m, len);
}

/* The body of the first payload of @type in the chain, or NULL. */
static const uint8_t *find_pl(const uint8_t *m, size_t len, uint8_t type,
			      size_t *blen)
{
	uint8_t np = m[16];
	size_t off = HDR_LEN;

	while (np && off + 4 <= len) {
		size_t plen = (size_t)m[off + 2] << 8 | m[off + 3];

		if (plen < 4 || off + plen > len)
			return NULL;
		if (np == type) {
			*blen = plen - 4;
			return m + off + 4;
		}
		np = m[off];
		off += plen;
	}
	return NULL;
}

/* Send the client a response to @req with one notify. */
static void forge(const struct relay *r, const uint8_t *req, uint16_t type,
		  const uint8_t *data, size_t dlen, const char *what)
{
	uint8_t m[HDR_LEN + 8 + 64];
	size_t len = HDR_LEN + 8 + dlen;

	memset(m, 0, sizeof(m));
	memcpy(m, req, 8);			/* SPIi; SPIr stays 0 */
	m[16] = PL_NOTIFY;
	m[17] = 0x20;				/* version 2.0 */
	m[18] = IKE_SA_INIT;
	m[19] = 0x20;				/* response */
	m[24] = (uint8_t)(len >> 24);
	m[25] = (uint8_t)(len >> 16);
	m[26] = (uint8_t)(len >> 8);
	m[27] = (uint8_t)len;
	m[HDR_LEN + 2] = (uint8_t)((8 + dlen) >> 8);
	m[HDR_LEN + 3] = (uint8_t)(8 + dlen);
	m[HDR_LEN + 6] = (uint8_t)(type >> 8);
	m[HDR_LEN + 7] = (uint8_t)type;
	if (dlen)
		memcpy(m + HDR_LEN + 8, data, dlen);
	sendto(r->down, m, len, 0, (const struct sockaddr *)&r->client,
	       sizeof(r->client));
	say("forged %s", what);
}

/* The COOKIE notify's data in @m, or NULL. */
static const uint8_t *cookie_of(const uint8_t *m, size_t len, size_t *clen)
{
	size_t blen;
	const uint8_t *n = find_pl(m, len, PL_NOTIFY, &blen);

	if (!n || blen < 4 || (n[2] << 8 | n[3]) != N_COOKIE)
		return NULL;
	*clen = blen - 4;
	return n + 4;
}

static void forge_hints(struct relay *r, const uint8_t *m, size_t len)
{
	uint8_t g[2];
	size_t blen;
	const uint8_t *ke = find_pl(m, len, PL_KE, &blen);
	uint16_t group = ke && blen >= 2 ? (uint16_t)(ke[0] << 8 | ke[1]) : 0;

	if (group) {
		g[0] = (uint8_t)(group >> 8), g[1] = (uint8_t)group;
		forge(r, m, N_INVALID_KE, g, 2,
		      "INVALID_KE_PAYLOAD for the group in use");
	}
	if (r->prev_group && r->prev_group != group) {
		g[0] = (uint8_t)(r->prev_group >> 8);
		g[1] = (uint8_t)r->prev_group;
		forge(r, m, N_INVALID_KE, g, 2,
		      "INVALID_KE_PAYLOAD for a refused group");
	}
	forge(r, m, N_NO_PROPOSAL_CHOSEN, NULL, 0, "NO_PROPOSAL_CHOSEN");
	r->prev_group = group;
}

/* The number of the relay's cookie in request @m: 0 without a cookie,
 * -1 for a cookie that is not one of ours.
 */
static int cookie_number(const uint8_t *m, size_t len)
{
	size_t clen, plen = strlen(COOKIE_PREFIX);
	const uint8_t *c = cookie_of(m, len, &clen);
	char digits[4] = { 0 };

	if (!c)
		return 0;
	if (clen != COOKIE_LEN || memcmp(c, COOKIE_PREFIX, plen))
		return -1;
	memcpy(digits, c + plen, 3);
	return atoi(digits);
}

static void send_cookie(const struct relay *r, const uint8_t *m,
			unsigned int k)
{
	char c[COOKIE_LEN + 1], what[32];

	snprintf(c, sizeof(c), COOKIE_PREFIX "%03u", k % 1000);
	snprintf(what, sizeof(what), "COOKIE %u", k);
	forge(r, m, N_COOKIE, (const uint8_t *)c, COOKIE_LEN, what);
}

/* COOKIES, COOKIES_FOREVER: false if the request stops here. */
static bool demand_cookies(const struct relay *r, const uint8_t *m,
			   size_t len)
{
	int k = cookie_number(m, len);

	if (k < 0) {
		say("dropped a request with a cookie not of ours");
		return false;
	}
	if (r->mode == COOKIES && k == 2)
		return true;
	send_cookie(r, m, (unsigned int)k + 1);
	if (r->mode == COOKIES && k == 1)
		send_cookie(r, m, (unsigned int)k + 1);
	return false;
}

static void reflect(const struct relay *r, const uint8_t *m, size_t len)
{
	uint8_t *copy = dup_msg(m, len);

	copy[0] ^= 0xff;			/* another SPIi */
	sendto(r->down, copy, len, 0, (const struct sockaddr *)&r->client,
	       sizeof(r->client));
	free(copy);
	say("reflected an IKE_SA_INIT request");
}

static bool is(const uint8_t *m, size_t n, uint8_t exchange, bool response)
{
	return n >= HDR_LEN && m[18] == exchange &&
	       !(m[19] & 0x20) == !response;
}

static void to_target(const struct relay *r, const uint8_t *m, size_t n)
{
	sendto(r->up, m, n, 0, (const struct sockaddr *)&r->target,
	       sizeof(r->target));
}

static void to_client(const struct relay *r, const uint8_t *m, size_t n)
{
	if (r->client.sin_family)
		sendto(r->down, m, n, 0, (const struct sockaddr *)&r->client,
		       sizeof(r->client));
}

/* A datagram of the initiator: true to pass it on. */
static bool from_initiator(struct relay *r, const uint8_t *m, size_t n)
{
	bool init_req = is(m, n, IKE_SA_INIT, false);

	switch (r->mode) {
	case FORGE:
		if (init_req)
			forge_hints(r, m, n);
		return true;
	case AUTH:
		if (is(m, n, IKE_AUTH, false) && !r->have_auth_req) {
			memcpy(r->auth_req, m, HDR_LEN);
			r->have_auth_req = true;
		}
		return true;
	case REPLAY:
		if (init_req && !r->init_req) {
			r->init_req = dup_msg(m, n);
			r->init_req_len = n;
			to_target(r, m, n);
			say("sent the IKE_SA_INIT request twice");
		}
		return true;
	case REFLECT:
		if (init_req)
			reflect(r, m, n);
		/* Its answer to the reflection stays here. */
		return !is(m, n, IKE_SA_INIT, true);
	case COOKIES:
	case COOKIES_FOREVER:
		return !init_req || demand_cookies(r, m, n);
	case HOLD_REKEY:
		if (is(m, n, IKE_CREATE_CHILD_SA, true) && r->auth_resps < 2) {
			say("dropped a CREATE_CHILD_SA response of the "
			    "initiator");
			return false;
		}
		return true;
	case DROP_REKEY:
	case SHORT_SK:
	case BAD_KE:
		return true;
	}
	return true;
}

/* AUTH, the responder's first IKE_AUTH response: dropped, and the
 * 28-byte header of the request sent in its place.
 */
static void auth_spoof(const struct relay *r)
{
	uint8_t spoof[HDR_LEN];

	say("dropped IKE_AUTH response 1");
	memcpy(spoof, r->auth_req, HDR_LEN);
	spoof[16] = 0;				/* no payloads */
	spoof[24] = spoof[25] = spoof[26] = 0;
	spoof[27] = HDR_LEN;
	to_target(r, spoof, HDR_LEN);
	say("sent the 28-byte header of the IKE_AUTH request");
}

/* An IKE_SA_INIT request without payloads, which the responder answers
 * with INVALID_SYNTAX: what it sends before that answer, it sent for
 * what went before the barrier.
 */
static void send_barrier(struct relay *r)
{
	uint8_t barrier[HDR_LEN] = { 0 };

	memcpy(barrier, barrier_spi, 8);
	barrier[17] = 0x20;			/* version 2.0 */
	barrier[18] = IKE_SA_INIT;
	barrier[19] = 0x08;			/* initiator */
	barrier[27] = HDR_LEN;
	to_target(r, barrier, HDR_LEN);
	r->replaying = true;
}

/* REPLAY, after the IKE_AUTH response: message 1 again, then the
 * barrier.
 */
static void replay(struct relay *r)
{
	to_target(r, r->init_req, r->init_req_len);
	send_barrier(r);
	say("replayed the IKE_SA_INIT request after IKE_AUTH");
}

/* SHORT_SK, after the IKE_AUTH response @auth: an INFORMATIONAL request
 * of the initiator's with message ID 2 and an empty SK payload, then
 * the barrier.
 */
static void short_sk(struct relay *r, const uint8_t *auth)
{
	uint8_t m[HDR_LEN + 4] = { 0 };

	memcpy(m, auth, 16);			/* SPIi, SPIr */
	m[16] = PL_SK;
	m[17] = 0x20;				/* version 2.0 */
	m[18] = IKE_INFORMATIONAL;
	m[19] = 0x08;				/* initiator, request */
	m[23] = 2;				/* message ID */
	m[27] = sizeof(m);
	m[HDR_LEN + 3] = 4;			/* SK: no IV, no ICV */
	to_target(r, m, sizeof(m));
	send_barrier(r);
	say("sent a request with an empty SK payload after IKE_AUTH");
}

/* REPLAY, SHORT_SK: what the responder sends between the forgery and
 * the answer to the barrier; never passed on.
 */
static void replay_answer(struct relay *r, const uint8_t *m, size_t n)
{
	const char *what = r->mode == REPLAY ? "replay" : "short SK request";

	if (n >= HDR_LEN && !memcmp(m, barrier_spi, 8)) {
		if (!r->replay_answers)
			say("%s: no answer", what);
		say("barrier answered");
		r->replaying = false;
		return;
	}
	r->replay_answers++;
	say("%s answered: exchange %u, %zu bytes", what,
	    n >= HDR_LEN ? m[18] : 0, n);
}

/* BAD_KE: the responder's first IKE_SA_INIT response with a KE payload
 * goes to the initiator after a copy with its KE data spoilt.
 */
static void bad_ke(struct relay *r, const uint8_t *m, size_t n)
{
	uint8_t *copy;
	const uint8_t *ke;
	size_t blen;

	ke = find_pl(m, n, PL_KE, &blen);
	if (r->forged_ke || !ke || blen <= 4)
		return;
	copy = dup_msg(m, n);
	memset(copy + (ke - m) + 4, 0xff, blen - 4);
	to_client(r, copy, n);
	free(copy);
	r->forged_ke = true;
	say("forged an IKE_SA_INIT response with an invalid KE value");
}

/* REPLAY: the responder's answers to the two copies of message 1. */
static bool init_response(struct relay *r, const uint8_t *m, size_t n)
{
	if (++r->init_resps == 1) {
		r->init_resp = dup_msg(m, n);
		r->init_resp_len = n;
		return true;
	}
	say("IKE_SA_INIT response %u: %s", r->init_resps,
	    n == r->init_resp_len && !memcmp(m, r->init_resp, n) ?
	    "identical to the first" : "differs from the first");
	return false;
}

/* A datagram of the responder: true to pass it on. */
static bool from_responder(struct relay *r, const uint8_t *m, size_t n)
{
	bool auth_resp = is(m, n, IKE_AUTH, true);

	if (auth_resp)
		r->auth_resps++;
	switch (r->mode) {
	case AUTH:
		if (!auth_resp)
			return true;
		if (r->auth_resps == 1) {
			auth_spoof(r);
			return false;
		}
		say("forwarded IKE_AUTH response %u", r->auth_resps);
		return true;
	case REPLAY:
		if (r->replaying) {
			replay_answer(r, m, n);
			return false;
		}
		if (is(m, n, IKE_SA_INIT, true))
			return init_response(r, m, n);
		if (auth_resp && r->auth_resps == 1) {
			to_client(r, m, n);
			replay(r);
			return false;
		}
		return true;
	case SHORT_SK:
		if (r->replaying) {
			replay_answer(r, m, n);
			return false;
		}
		if (auth_resp && r->auth_resps == 1) {
			to_client(r, m, n);
			short_sk(r, m);
			return false;
		}
		return true;
	case BAD_KE:
		if (is(m, n, IKE_SA_INIT, true))
			bad_ke(r, m, n);
		return true;
	case DROP_REKEY:
		if (is(m, n, IKE_CREATE_CHILD_SA, true)) {
			say("dropped a CREATE_CHILD_SA response of the "
			    "responder");
			return false;
		}
		return true;
	default:
		return true;
	}
}

static enum mode mode_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (mode_names[i] && !strcmp(mode_names[i], name))
			return (enum mode)i;
	fprintf(stderr, "ike_inject: unknown mode %s\n", name);
	exit(2);
}

int main(int argc, char **argv)
{
	struct relay r = { .target = { .sin_family = AF_INET } };
	static uint8_t buf[65536];
	struct pollfd pfd[2];

	if (argc != 7 && argc != 8) {
		fprintf(stderr, "usage: ike_inject LISTEN_ADDR LISTEN_PORT "
			"BIND_ADDR BIND_PORT TARGET_ADDR TARGET_PORT "
			"[MODE]\n");
		return 2;
	}
	r.mode = argc == 8 ? mode_of(argv[7]) : FORGE;
	r.down = sock_at(argv[1], argv[2]);
	r.up = sock_at(argv[3], argv[4]);
	r.target.sin_port = htons(atoi(argv[6]));
	if (inet_pton(AF_INET, argv[5], &r.target.sin_addr) != 1)
		return 2;
	say("relaying");
	pfd[0] = (struct pollfd){ r.down, POLLIN, 0 };
	pfd[1] = (struct pollfd){ r.up, POLLIN, 0 };
	for (;;) {
		socklen_t flen = sizeof(r.client);
		ssize_t n;

		if (poll(pfd, 2, -1) < 0)
			return 1;
		if (pfd[0].revents & POLLIN) {
			n = recvfrom(r.down, buf, sizeof(buf), 0,
				     (struct sockaddr *)&r.client, &flen);
			if (n > 0 && from_initiator(&r, buf, (size_t)n))
				to_target(&r, buf, (size_t)n);
		}
		if (pfd[1].revents & POLLIN) {
			n = recv(r.up, buf, sizeof(buf), 0);
			if (n > 0 && from_responder(&r, buf, (size_t)n))
				to_client(&r, buf, (size_t)n);
		}
	}
}
