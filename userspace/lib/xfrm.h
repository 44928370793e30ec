/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XFRM netlink for the IKE daemon and the selftests: ESP SAs and policies
 * described by plain structs, turned into XFRM_MSG_* requests over the
 * lib/nl.h layer (NLM_F_ACK, extack shown through c->ext_msg).
 *
 * Every request function takes a connection opened with
 * nl_open(&c, NETLINK_XFRM) and returns 0 or a negative errno. On failure
 * c->ext_msg says why: either the kernel's extack message, or, when the
 * spec was rejected before anything was sent (-EINVAL, -ENOENT for an
 * unknown algorithm), the library's own message quoting the bad value.
 *
 * Key material: specs point at the caller's keys (the caller owns and
 * wipes them). The library copies keys only into its request buffer and
 * wipes that buffer with explicit_bzero() after sending, on every path.
 *
 * The *_msg() builders only fill a netlink message; they exist so the
 * host unit tests can inspect every attribute without a kernel.
 */
#ifndef IPSECME_XFRM_H
#define IPSECME_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/xfrm.h>

#include "lib/addr.h"
#include "lib/nl.h"

/* Values are the kernel's XFRM_MODE_TRANSPORT / XFRM_MODE_TUNNEL. */
enum ipsec_mode {
	IPSEC_MODE_TRANSPORT = 0,
	IPSEC_MODE_TUNNEL = 1,
};

/* A traffic selector as XFRM knows it: one prefix per side, one protocol,
 * one port block per side (the ports p with p & mask == port & mask).
 * family AF_UNSPEC leaves the selector empty (an SA then matches any
 * inner traffic; policies must always have a family). With proto
 * ICMP/ICMPv6, sport is the type and dport the code.
 */
struct xfrm_sel_spec {
	int family;
	struct ipsec_prefix src, dst;
	uint8_t proto;		/* IPPROTO_*, 0 = any */
	uint16_t sport, dport;	/* host order */
	/* 0: the one port sport/dport, or any port if that is 0 too;
	 * else a block such as 0xfff8 (8 ports). port & ~mask must be 0.
	 */
	uint16_t sport_mask, dport_mask;
};

/* One algorithm: an XFRM (crypto API) name, its key and, for AEAD the ICV
 * length, for integrity the truncation length, in bits (0 = the default
 * of the algorithm, see below).
 */
struct xfrm_alg_spec {
	const char *name;	/* NULL = not used */
	const uint8_t *key;
	size_t key_len;		/* bytes, including a salt/nonce */
	unsigned int bits;	/* ICV or truncation bits, 0 = default */
};

/* Soft limits make the kernel send an XFRM_MSG_EXPIRE with hard=0 (time
 * to rekey), hard limits delete the SA. 0 = no limit (XFRM_INF).
 */
struct xfrm_lifetime_spec {
	uint64_t soft_bytes, hard_bytes;
	uint64_t soft_packets, hard_packets;
	uint64_t soft_secs, hard_secs;		/* since the SA was added */
};

/*
 * An ESP SA. Supported algorithms (key lengths in bytes):
 *   aead "rfc4106(gcm(aes))"               key 20, 28, 36 (AES key + 4
 *                                          salt), ICV 64, 96, 128 (def.)
 *   aead "rfc7539esp(chacha20,poly1305)"   key 36 (+4 salt), ICV 128
 *   aead "rfc4543(gcm(aes))"               key 20, 28, 36, ICV 128 (GMAC)
 *   enc  "cbc(aes)"                        key 16, 24, 32
 *   enc  "ecb(cipher_null)"                key 0 (ESP-NULL, RFC 2410)
 *   auth "hmac(sha256)"                    key 32, trunc 128 (default)
 *   auth "hmac(sha384)"                    key 48, trunc 192 (default)
 *   auth "hmac(sha512)"                    key 64, trunc 256 (default)
 *   auth "hmac(sha1)"                      key 20, trunc 96 (default)
 * Either aead, or enc plus auth. Truncation may be the default or the
 * full digest length; anything else is rejected.
 */
struct xfrm_sa_spec {
	struct ipsec_addr src, dst;	/* outer addresses, same family */
	uint32_t spi;			/* host order, != 0 */
	uint8_t proto;			/* IPPROTO_ESP; 0 means ESP */
	uint32_t reqid;			/* ties the SA to policy templates */
	enum ipsec_mode mode;
	struct xfrm_alg_spec aead;
	struct xfrm_alg_spec enc;
	struct xfrm_alg_spec auth;
	/* RFC 3948 UDP encapsulation (UDP_ENCAP_ESPINUDP) when encap_dport
	 * is non-zero; ports in host order, usually 4500 both.
	 */
	uint16_t encap_sport, encap_dport;
	struct xfrm_lifetime_spec lifetime;
	/* Anti-replay window in packets (0..4096); inbound SAs want 32 or
	 * more, outbound ones 0. With esn, 0 becomes 32 (the kernel needs a
	 * window for ESN SAs).
	 */
	uint32_t replay_window;
	bool esn;			/* 64-bit extended sequence numbers */
	/* Inner traffic the SA may carry. Left empty (family 0): tunnel
	 * mode SAs take any inner family (XFRM_STATE_AF_UNSPEC); transport
	 * mode SAs get the host selector src/32 -> dst/32.
	 */
	struct xfrm_sel_spec sel;
};

/* Build an XFRM_MSG_NEWSA/UPDSA body into @nlh (started by nl_msg_start or
 * mnl_nlmsg_put_header, room NL_BUF_SIZE). Returns 0, or -EINVAL/-ENOENT
 * with a message quoting the bad value in @err (size @errlen).
 */
int xfrm_sa_msg(struct nlmsghdr *nlh, const struct xfrm_sa_spec *sa,
		char *err, size_t errlen);

/* Check @sa without building anything: same returns as xfrm_sa_msg(). */
int xfrm_sa_check(const struct xfrm_sa_spec *sa, char *err, size_t errlen);

/* XFRM_MSG_NEWSA (NLM_F_CREATE | NLM_F_EXCL): -EEXIST if the SA exists. */
int xfrm_sa_add(struct nl_conn *c, const struct xfrm_sa_spec *sa);

/* XFRM_MSG_UPDSA: replace an existing SA (e.g. complete the larval SA
 * that xfrm_alloc_spi() created). -ESRCH if there is none.
 */
int xfrm_sa_update(struct nl_conn *c, const struct xfrm_sa_spec *sa);

/* XFRM_MSG_DELSA for (dst, spi, proto); @src may be NULL. proto 0 = ESP.
 * -ESRCH if no such SA.
 */
int xfrm_sa_del(struct nl_conn *c, const struct ipsec_addr *src,
		const struct ipsec_addr *dst, uint32_t spi, uint8_t proto);

/* Current use of an SA, from XFRM_MSG_GETSA. */
struct xfrm_sa_stats {
	uint64_t bytes, packets;	/* through the SA so far */
	uint64_t add_time;		/* time(2) when added */
	uint64_t use_time;		/* time(2) of first use, 0 = unused */
	uint32_t replay_window;		/* packets dropped: outside window */
	uint32_t replay;		/* packets dropped: replayed */
	uint32_t integrity_failed;	/* packets dropped: bad ICV */
	uint64_t oseq;			/* last outbound sequence number */
	uint64_t seq;			/* highest inbound sequence number */
};

int xfrm_sa_get_stats(struct nl_conn *c, const struct ipsec_addr *dst,
		      uint32_t spi, uint8_t proto, struct xfrm_sa_stats *st);

/* XFRM_MSG_ALLOCSPI: reserve a random SPI in [min, max] (0, 0 means
 * 0x100..0xffffffff; SPIs below 256 are reserved) for an inbound SA
 * src->dst, creating a larval SA that xfrm_sa_update()
 * completes (or that expires after 30 s). Stores the SPI in host order.
 */
int xfrm_alloc_spi(struct nl_conn *c, const struct ipsec_addr *src,
		   const struct ipsec_addr *dst, uint8_t proto, uint32_t reqid,
		   uint32_t min, uint32_t max, uint32_t *spi);
int xfrm_alloc_spi_msg(struct nlmsghdr *nlh, const struct ipsec_addr *src,
		       const struct ipsec_addr *dst, uint8_t proto,
		       uint32_t reqid, uint32_t min, uint32_t max);

/* A policy: traffic matching @sel in direction @dir is protected by one
 * ESP SA described by the template, or (tmpl.proto = 0) passed in clear
 * (action allow) or dropped (block = true).
 */
struct xfrm_policy_spec {
	struct xfrm_sel_spec sel;	/* family mandatory */
	uint8_t dir;			/* XFRM_POLICY_IN, _OUT or _FWD */
	uint32_t priority;		/* lower value wins; 0 = highest */
	bool block;			/* action block instead of allow */
	struct {
		/* Outer addresses of the SA; required in tunnel mode
		 * (src = sender: local for out, remote for in/fwd), may
		 * be left empty in transport mode.
		 */
		struct ipsec_addr src, dst;
		uint8_t proto;		/* IPPROTO_ESP, 0 = no template */
		enum ipsec_mode mode;
		uint32_t reqid;		/* 0 = any SA matching the rest */
		uint32_t spi;		/* host order, 0 = any */
		bool optional;		/* "level use" instead of "required" */
	} tmpl;
};

int xfrm_policy_msg(struct nlmsghdr *nlh, const struct xfrm_policy_spec *p,
		    char *err, size_t errlen);

/* XFRM_MSG_NEWPOLICY (-EEXIST if one with this selector and dir exists),
 * XFRM_MSG_UPDPOLICY (create or replace).
 */
int xfrm_policy_add(struct nl_conn *c, const struct xfrm_policy_spec *p);
int xfrm_policy_update(struct nl_conn *c, const struct xfrm_policy_spec *p);

/* XFRM_MSG_GETPOLICY by selector and direction: the kernel's index of
 * the policy (which XFRM_MSG_UPDPOLICY keeps). -ENOENT if none.
 */
int xfrm_policy_get_index(struct nl_conn *c, const struct xfrm_sel_spec *sel,
			  uint8_t dir, uint32_t *index);

/* XFRM_MSG_DELPOLICY of the policy with @index (its direction @dir):
 * unlike a delete by selector, never removes a policy that somebody
 * installed in its place. -ENOENT if none.
 */
int xfrm_policy_del_index(struct nl_conn *c, uint32_t index, uint8_t dir);
int xfrm_policy_del_index_msg(struct nlmsghdr *nlh, uint32_t index,
			      uint8_t dir, char *err, size_t errlen);

/* XFRM_MSG_DELPOLICY by selector and direction. -ENOENT if none. */
int xfrm_policy_del(struct nl_conn *c, const struct xfrm_sel_spec *sel,
		    uint8_t dir);
int xfrm_policy_del_msg(struct nlmsghdr *nlh, const struct xfrm_sel_spec *sel,
			uint8_t dir, char *err, size_t errlen);

/* Per-socket bypass policies (IP_XFRM_POLICY / IPV6_XFRM_POLICY, both
 * directions) so that IKE packets on @fd are never caught by the policies
 * the daemon installs. @family is the socket's. Returns 0 or -errno.
 */
int xfrm_socket_bypass(int fd, int family);

/* Mark a UDP socket (port 4500) as an RFC 3948 ESP-in-UDP endpoint
 * (UDP_ENCAP_ESPINUDP): the kernel takes ESP from it and passes on only
 * packets with the non-ESP marker. Returns 0 or -errno.
 */
int xfrm_socket_udp_encap(int fd);

/* Kernel events for the daemon: open with xfrm_events_open(), poll
 * mnl_socket_get_fd(c->sk), read with mnl_socket_recvfrom() and hand each
 * message to xfrm_event_parse().
 */
enum xfrm_event_type {
	XFRM_EV_NONE = 0,	/* a message the library ignores */
	XFRM_EV_EXPIRE,		/* SA soft/hard lifetime reached */
	XFRM_EV_ACQUIRE,	/* traffic hit a policy with no SA (trap) */
};

struct xfrm_event {
	enum xfrm_event_type type;
	/* EXPIRE: the SA (dst, spi host order, proto), hard or soft. */
	struct ipsec_addr src, dst;	/* ACQUIRE: outer from template */
	uint32_t spi;
	uint8_t proto;
	bool hard;
	uint32_t reqid;
	/* ACQUIRE: the packet's selector and the policy's index/dir. */
	struct xfrm_sel_spec sel;
	uint32_t policy_index;
	uint8_t policy_dir;
};

/* nl_open(NETLINK_XFRM) and join the expire and acquire groups. */
int xfrm_events_open(struct nl_conn *c);

/* Decode one message; 0 (with XFRM_EV_NONE for others) or -EBADMSG. */
int xfrm_event_parse(const struct nlmsghdr *nlh, struct xfrm_event *ev);

/* Look up an algorithm's limits: for tests and config checks.
 * Returns true if @name is an AEAD/enc/auth name this library accepts.
 */
bool xfrm_alg_known(const char *name);

#endif /* IPSECME_XFRM_H */
