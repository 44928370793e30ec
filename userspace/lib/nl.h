/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One netlink layer for every bus ipsecme talks to (generic netlink for
 * the module, XFRM for SAs and policies), on top of libmnl.
 */
#ifndef IPSECME_NL_H
#define IPSECME_NL_H

#include <stdint.h>
#include <libmnl/libmnl.h>

struct nl_conn {
	struct mnl_socket *sk;
	uint32_t portid;
	uint32_t seq;
	/* Extack message of the last failed request, "" if none. */
	char ext_msg[256];
};

/* Open a socket on netlink bus @bus (NETLINK_GENERIC, NETLINK_XFRM...).
 * Returns 0 or -errno.
 */
int nl_open(struct nl_conn *c, int bus);
void nl_close(struct nl_conn *c);

/* Size of a request buffer. */
#define NL_BUF_SIZE 8192

/* Prepare a request in @buf (NL_BUF_SIZE bytes) of @type with
 * NLM_F_REQUEST | NLM_F_ACK | @flags and the next sequence number.
 */
struct nlmsghdr *nl_msg_start(struct nl_conn *c, void *buf, uint16_t type,
			      uint16_t flags);

/* Send @req and run @cb on every reply until the kernel's ACK, or for a
 * dump (NLM_F_DUMP, sent without NLM_F_ACK) until its NLMSG_DONE.
 * Returns 0, a negative errno from the kernel (its extack message left in
 * c->ext_msg), or the callback's MNL_CB_ERROR as -EPROTO.
 */
int nl_talk(struct nl_conn *c, struct nlmsghdr *req, mnl_cb_t cb, void *data);

/* Extract the extack message of an NLMSG_ERROR reply into @out. */
void nl_parse_extack(const struct nlmsghdr *nlh, char *out, size_t len);

#endif /* IPSECME_NL_H */
