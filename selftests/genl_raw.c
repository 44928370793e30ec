// SPDX-License-Identifier: GPL-2.0
/*
 * genl_raw: send one hand-made request to the "ipsecme" genl family and
 * print how the kernel answered, so that tests can feed it malformed
 * requests. Usage:
 *
 *	genl_raw [-c CMD] [-v VERSION] [-d] [-a TYPE:HEXBYTES]... [-l LEN]
 *
 * -d sends the request as a dump (NLM_F_DUMP); -a appends an attribute with that payload; -l overrides nlmsg_len (to
 * truncate the request). Prints "ok" or "error ERRNAME: EXTACK" and exits
 * 0 when the kernel answered at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/ipsecme.h>

#include "lib/genl.h"

static int parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;

	while (s[0] && s[1] && n < max) {
		if (sscanf(s, "%2hhx", &out[n]) != 1)
			return -1;
		n++;
		s += 2;
	}
	return *s ? -1 : (int)n;
}

int main(int argc, char **argv)
{
	char buf[NL_BUF_SIZE];
	unsigned char payload[256];
	int cmd = IPSECME_CMD_GET_INFO, version = IPSECME_GENL_VERSION;
	long len_override = -1;
	struct nlmsghdr *nlh;
	struct nl_conn c;
	int opt, family, err, n;
	char *colon;

	if (nl_open(&c, NETLINK_GENERIC) || (family = genl_family_id(&c,
	    IPSECME_GENL_NAME)) < 0) {
		fprintf(stderr, "genl_raw: ipsecme family not available\n");
		return 1;
	}
	nlh = genl_msg_start(&c, buf, family, 0, 0, 0);
	while ((opt = getopt(argc, argv, "c:v:da:l:")) != -1) {
		switch (opt) {
		case 'c':
			cmd = atoi(optarg);
			break;
		case 'v':
			version = atoi(optarg);
			break;
		case 'd':
			nlh->nlmsg_flags |= NLM_F_DUMP;
			break;
		case 'a':
			colon = strchr(optarg, ':');
			n = colon ? parse_hex(colon + 1, payload,
					      sizeof(payload)) : -1;
			if (n < 0) {
				fprintf(stderr, "genl_raw: bad -a %s\n", optarg);
				return 2;
			}
			mnl_attr_put(nlh, atoi(optarg), n, payload);
			break;
		case 'l':
			len_override = atol(optarg);
			break;
		default:
			return 2;
		}
	}
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = cmd;
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = version;
	if (len_override >= 0)
		nlh->nlmsg_len = len_override;
	err = nl_talk(&c, nlh, NULL, NULL);
	if (err)
		printf("error %s: %s\n", strerrorname_np(-err), c.ext_msg);
	else
		printf("ok\n");
	nl_close(&c);
	return 0;
}
