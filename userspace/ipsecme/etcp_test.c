// SPDX-License-Identifier: GPL-2.0
/* GET_BINDING / GET_CONN / CONN_LOST parsing, including malformed ones. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "ipsecme/etcp.h"
#include "lib/ktest.h"
#include "lib/nl.h"

static char buf[NL_BUF_SIZE];

static struct nlmsghdr *msg_start(uint8_t cmd)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	return nlh;
}

static struct nlmsghdr *good_binding(void)
{
	struct nlmsghdr *nlh = msg_start(IPSECME_CMD_GET_BINDING);
	unsigned char a[4] = { 10, 0, 0, 2 };

	mnl_attr_put_u16(nlh, IPSECME_A_BIND_FAMILY, AF_INET);
	mnl_attr_put(nlh, IPSECME_A_BIND_DADDR, 4, a);
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_SPI, htonl(0x1000));
	mnl_attr_put_u8(nlh, IPSECME_A_BIND_STATE, IPSECME_BIND_DORMANT);
	mnl_attr_put_u64(nlh, IPSECME_A_BIND_TX_PACKETS, 5);
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_MARK, 5);
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_MARK_MASK, 0xff);
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_IF_ID, 7);
	return nlh;
}

static void test_binding_good(void)
{
	struct etcp_binding b;
	const char *why;

	KT_EXPECT(etcp_binding_parse(good_binding(), &b, &why) == 0);
	KT_EXPECT(b.family == AF_INET && b.spi == 0x1000);
	KT_EXPECT(b.daddr[0] == 10 && b.daddr[3] == 2);
	KT_EXPECT(b.state == IPSECME_BIND_DORMANT && b.tx_packets == 5);
	KT_EXPECT(b.mark == 5 && b.mark_mask == 0xff && b.if_id == 7);
}

static void test_binding_bad(void)
{
	unsigned char a6[16] = { 0 };
	struct etcp_binding b;
	struct nlmsghdr *nlh;
	const char *why;

	nlh = msg_start(IPSECME_CMD_GET_BINDING);	/* no attributes */
	KT_EXPECT(etcp_binding_parse(nlh, &b, &why) == -EBADMSG);
	KT_EXPECT_STR(why, "binding lacks family, address or SPI");

	nlh = msg_start(IPSECME_CMD_GET_BINDING);	/* v4 with 16 bytes */
	mnl_attr_put_u16(nlh, IPSECME_A_BIND_FAMILY, AF_INET);
	mnl_attr_put(nlh, IPSECME_A_BIND_DADDR, 16, a6);
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_SPI, 1);
	KT_EXPECT(etcp_binding_parse(nlh, &b, &why) == -EBADMSG);
	KT_EXPECT_STR(why, "binding address does not match its family");

	nlh = msg_start(IPSECME_CMD_GET_BINDING);	/* u16 SPI */
	mnl_attr_put_u16(nlh, IPSECME_A_BIND_SPI, 1);
	KT_EXPECT(etcp_binding_parse(nlh, &b, &why) == -EBADMSG);
	KT_EXPECT_STR(why, "binding attribute has the wrong size");

	nlh = msg_start(IPSECME_CMD_GET_BINDING);	/* u16 mark */
	mnl_attr_put_u16(nlh, IPSECME_A_BIND_MARK, 1);
	KT_EXPECT(etcp_binding_parse(nlh, &b, &why) == -EBADMSG);
	KT_EXPECT_STR(why, "binding attribute has the wrong size");

	nlh = good_binding();		/* first attribute overruns the message */
	((struct nlattr *)mnl_nlmsg_get_payload_offset(nlh,
		sizeof(struct genlmsghdr)))->nla_len = 0xffff;
	KT_EXPECT(etcp_binding_parse(nlh, &b, &why) == -EBADMSG);
}

static void test_conn(void)
{
	struct nlmsghdr *nlh = msg_start(IPSECME_CMD_CONN_LOST);
	unsigned char s[16] = { 0xfd, [15] = 1 }, d[16] = { 0xfd, [15] = 2 };
	struct etcp_conn cn;
	struct nlattr *nest;
	const char *why;

	mnl_attr_put_u64(nlh, IPSECME_A_CONN_SOCK_INO, 77);
	mnl_attr_put_u16(nlh, IPSECME_A_CONN_FAMILY, AF_INET6);
	mnl_attr_put(nlh, IPSECME_A_CONN_SADDR, 16, s);
	mnl_attr_put(nlh, IPSECME_A_CONN_DADDR, 16, d);
	mnl_attr_put_u32(nlh, IPSECME_A_CONN_LOST, ECONNRESET);
	mnl_attr_put_u32(nlh, IPSECME_A_CONN_BINDINGS, 2);
	nest = mnl_attr_nest_start(nlh, IPSECME_A_CONN_STATS);
	mnl_attr_put_u64(nlh, IPSECME_A_STAT_RX_ESP, 9);
	mnl_attr_put_u64(nlh, 999, 1);		/* unknown counter */
	mnl_attr_nest_end(nlh, nest);
	KT_EXPECT(etcp_conn_parse(nlh, &cn, &why) == 0);
	KT_EXPECT(cn.ino == 77 && cn.lost == ECONNRESET && cn.bindings == 2);
	KT_EXPECT(cn.has_stat[IPSECME_A_STAT_RX_ESP] &&
		  cn.stats[IPSECME_A_STAT_RX_ESP] == 9);
	KT_EXPECT(cn.daddr[15] == 2);

	nlh = msg_start(IPSECME_CMD_CONN_LOST);		/* no addresses */
	mnl_attr_put_u64(nlh, IPSECME_A_CONN_SOCK_INO, 1);
	mnl_attr_put_u16(nlh, IPSECME_A_CONN_FAMILY, AF_INET);
	KT_EXPECT(etcp_conn_parse(nlh, &cn, &why) == -EBADMSG);
	KT_EXPECT_STR(why, "connection addresses do not match the family");
}

/* A BOUND event, as "ipsecme monitor" prints it. */
static void test_bound_printed(void)
{
	struct nlmsghdr *nlh = msg_start(IPSECME_CMD_BOUND);
	unsigned char a[4] = { 10, 0, 0, 2 };
	struct etcp_binding b;
	const char *why;
	char out[256] = "";
	FILE *f;

	mnl_attr_put_u16(nlh, IPSECME_A_BIND_FAMILY, AF_INET);
	mnl_attr_put(nlh, IPSECME_A_BIND_DADDR, 4, a);
	mnl_attr_put_u32(nlh, IPSECME_A_BIND_SPI, htonl(0x1001));
	mnl_attr_put_u8(nlh, IPSECME_A_BIND_STATE, IPSECME_BIND_WAITING);
	mnl_attr_put_u64(nlh, IPSECME_A_BIND_SOCK_INO, 4242);
	KT_EXPECT(etcp_binding_parse(nlh, &b, &why) == 0);
	f = fmemopen(out, sizeof(out) - 1, "w");
	KT_EXPECT(f != NULL);
	if (!f)
		return;
	etcp_binding_print(f, &b, NULL);
	fclose(f);
	KT_EXPECT_STR(out, "    dst 10.0.0.2 spi 0x00001001 waiting socket 4242 "
		      "tx_packets 0 tx_drops 0\n");
}

int main(void)
{
	kt_run("etcp: binding is parsed exactly", test_binding_good);
	kt_run("etcp: malformed bindings are rejected", test_binding_bad);
	kt_run("etcp: connection event is parsed, malformed rejected",
	       test_conn);
	kt_run("etcp: a BOUND event of a waiting binding is printed",
	       test_bound_printed);
	return kt_done();
}
