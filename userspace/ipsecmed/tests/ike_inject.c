// SPDX-License-Identifier: GPL-2.0
/*
 * ike_inject: a UDP relay between an IKE initiator and its responder
 * that answers every IKE_SA_INIT request with forged, unauthenticated
 * responses before passing it on (RFC 7296 2.21.1 says an initiator
 * must take those as hints only):
 *
 *   - INVALID_KE_PAYLOAD naming the group of the request's own KE
 *     payload (a stale duplicate),
 *   - INVALID_KE_PAYLOAD naming the group of the previous request (a
 *     group the responder refused already), from the second one on,
 *   - NO_PROPOSAL_CHOSEN,
 *   - a second COOKIE (other bytes) when the request carries one.
 *
 * With "auth" as a last argument it forges nothing of that, but drops
 * the responder's first IKE_AUTH response and instead sends the
 * responder the first 28 bytes of the IKE_AUTH request (the header,
 * its length field made 28): right SPIs, message ID and exchange, so
 * only the response cache's check of the whole request keeps the
 * responder from answering it. The initiator must retransmit, and that
 * byte-identical retransmission must be answered.
 *
 * Usage: ike_inject LISTEN_ADDR LISTEN_PORT BIND_ADDR BIND_PORT
 *                   TARGET_ADDR TARGET_PORT [auth]
 * The initiator sends to LISTEN; the responder sees the relay's
 * BIND address. One line on stdout per forged or dropped message.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
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
#define IKE_SA_INIT 34
#define IKE_AUTH 35
#define N_NO_PROPOSAL_CHOSEN 14
#define N_INVALID_KE 17
#define N_COOKIE 16390

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
static void forge(int fd, const struct sockaddr_in *to, const uint8_t *req,
		  uint16_t type, const uint8_t *data, size_t dlen,
		  const char *what)
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
	sendto(fd, m, len, 0, (const struct sockaddr *)to, sizeof(*to));
	printf("forged %s\n", what);
	fflush(stdout);
}

static bool has_cookie(const uint8_t *m, size_t len)
{
	size_t blen;
	const uint8_t *n = find_pl(m, len, PL_NOTIFY, &blen);

	return n && blen >= 4 && (n[2] << 8 | n[3]) == N_COOKIE;
}

static void inject(int fd, const struct sockaddr_in *client,
		   const uint8_t *m, size_t len, uint16_t *prev_group)
{
	static const uint8_t cookie[16] = "not your cookie";
	uint8_t g[2];
	size_t blen;
	const uint8_t *ke = find_pl(m, len, PL_KE, &blen);
	uint16_t group = ke && blen >= 2 ? (uint16_t)(ke[0] << 8 | ke[1]) : 0;

	if (group) {
		g[0] = (uint8_t)(group >> 8), g[1] = (uint8_t)group;
		forge(fd, client, m, N_INVALID_KE, g, 2,
		      "INVALID_KE_PAYLOAD for the group in use");
	}
	if (*prev_group && *prev_group != group) {
		g[0] = (uint8_t)(*prev_group >> 8), g[1] = (uint8_t)*prev_group;
		forge(fd, client, m, N_INVALID_KE, g, 2,
		      "INVALID_KE_PAYLOAD for a refused group");
	}
	forge(fd, client, m, N_NO_PROPOSAL_CHOSEN, NULL, 0,
	      "NO_PROPOSAL_CHOSEN");
	if (has_cookie(m, len))
		forge(fd, client, m, N_COOKIE, cookie, sizeof(cookie),
		      "a second COOKIE");
	*prev_group = group;
}

static bool is(const uint8_t *m, ssize_t n, uint8_t exchange, bool response)
{
	return n >= HDR_LEN && m[18] == exchange &&
	       !(m[19] & 0x20) == !response;
}

/* "auth" mode, a response from the responder: false to drop it. */
static bool auth_response(int up, const struct sockaddr_in *target,
			  const uint8_t *m, ssize_t n, const uint8_t *req)
{
	static unsigned int seen;
	uint8_t spoof[HDR_LEN];

	if (!is(m, n, IKE_AUTH, true))
		return true;
	if (++seen > 1) {
		printf("forwarded IKE_AUTH response %u\n", seen);
		fflush(stdout);
		return true;
	}
	printf("dropped IKE_AUTH response 1\n");
	memcpy(spoof, req, HDR_LEN);
	spoof[16] = 0;				/* no payloads */
	spoof[24] = spoof[25] = spoof[26] = 0;
	spoof[27] = HDR_LEN;
	sendto(up, spoof, HDR_LEN, 0, (const struct sockaddr *)target,
	       sizeof(*target));
	printf("sent the 28-byte header of the IKE_AUTH request\n");
	fflush(stdout);
	return false;
}

int main(int argc, char **argv)
{
	static uint8_t auth_req[HDR_LEN];
	bool have_auth_req = false;
	bool auth_mode = argc == 8 && !strcmp(argv[7], "auth");
	struct sockaddr_in client = { 0 }, target = { .sin_family = AF_INET };
	uint16_t prev_group = 0;
	uint8_t buf[65536];
	struct pollfd pfd[2];
	int down, up;

	if (argc != 7 && !auth_mode) {
		fprintf(stderr, "usage: ike_inject LISTEN_ADDR LISTEN_PORT "
			"BIND_ADDR BIND_PORT TARGET_ADDR TARGET_PORT [auth]\n");
		return 2;
	}
	down = sock_at(argv[1], argv[2]);
	up = sock_at(argv[3], argv[4]);
	target.sin_port = htons(atoi(argv[6]));
	if (inet_pton(AF_INET, argv[5], &target.sin_addr) != 1)
		return 2;
	printf("relaying\n");
	fflush(stdout);
	pfd[0] = (struct pollfd){ down, POLLIN, 0 };
	pfd[1] = (struct pollfd){ up, POLLIN, 0 };
	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (poll(pfd, 2, -1) < 0)
			return 1;
		if (pfd[0].revents & POLLIN) {
			n = recvfrom(down, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &flen);
			if (n <= 0)
				continue;
			client = from;
			if (auth_mode && is(buf, n, IKE_AUTH, false) &&
			    !have_auth_req) {
				memcpy(auth_req, buf, HDR_LEN);
				have_auth_req = true;
			}
			if (!auth_mode && is(buf, n, IKE_SA_INIT, false))
				inject(down, &client, buf, (size_t)n,
				       &prev_group);
			sendto(up, buf, (size_t)n, 0,
			       (struct sockaddr *)&target, sizeof(target));
		}
		if (pfd[1].revents & POLLIN) {
			n = recv(up, buf, sizeof(buf), 0);
			if (auth_mode &&
			    !auth_response(up, &target, buf, n, auth_req))
				continue;
			if (n > 0 && client.sin_family)
				sendto(down, buf, (size_t)n, 0,
				       (struct sockaddr *)&client,
				       sizeof(client));
		}
	}
}
