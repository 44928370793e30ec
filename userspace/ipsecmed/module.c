// SPDX-License-Identifier: GPL-2.0
/* Binding SAs to TCP connections through ipsecme.ko (see module.h). */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ipsecme.h>

#include "ipsecmed/module.h"
#include "lib/genl.h"

int module_open(struct module_conn *m)
{
	int err = nl_open(&m->nl, NETLINK_GENERIC);

	m->family = 0;
	if (err)
		return err;
	m->family = genl_family_id(&m->nl, IPSECME_GENL_NAME);
	return m->family > 0 || m->family == -ENOENT ? 0 : m->family;
}

void module_close(struct module_conn *m)
{
	if (m->nl.sk)
		nl_close(&m->nl);
	m->family = 0;
}

int module_bind(struct module_conn *m, const struct ipsec_addr *daddr,
		uint32_t spi, int fd)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;

	if (m->family <= 0)
		return -ENOPROTOOPT;
	nlh = genl_msg_start(&m->nl, buf, (uint16_t)m->family,
			     IPSECME_CMD_BIND, IPSECME_GENL_VERSION,
			     NLM_F_ACK);
	mnl_attr_put_u16(nlh, IPSECME_A_BIND_FAMILY, (uint16_t)daddr->family);
	if (daddr->family == AF_INET)
		mnl_attr_put(nlh, IPSECME_A_BIND_DADDR, 4, &daddr->v4);
	else
		mnl_attr_put(nlh, IPSECME_A_BIND_DADDR, 16, &daddr->v6);
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_SPI, htonl(spi));
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_FD, (uint32_t)fd);
	return nl_talk(&m->nl, nlh, NULL, NULL);
}
