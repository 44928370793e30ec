// SPDX-License-Identifier: GPL-2.0
/* Installing and removing a CHILD_SA's SAs (kernel.c) against a recording
 * fake of lib/xfrm.h and of ipsecme.ko's BIND: over TCP the outbound SA
 * is bound before it is added and checked after; what fails is undone,
 * and an SA that we did not add is never deleted (the peer chooses our
 * outbound SPIs, and may choose one that another peer's SA has).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipsecmed/daemon.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/policy.h"
#include "lib/ktest.h"
#include "lib/xfrm.h"

/* The fakes' log: one word per call, "add:SPI", "upd:SPI" (the inbound
 * SA completes the larval one of its SPI), "del:SPI", "bind:SPI",
 * "wait:SPI" (a BIND before the SA), "unbind:SPI".
 */
static char calls[512];
static int fail_add_spi;	/* xfrm_sa_add of this SPI: -EEXIST */
static int fail_bind;		/* BIND (not before the SA): -EINVAL */
static bool tcp, bind_before;

static void record(const char *what, uint32_t spi)
{
	size_t n = strlen(calls);

	snprintf(calls + n, sizeof(calls) - n, "%s%s:%x", n ? " " : "", what,
		 spi);
}

int xfrm_sa_add(struct nl_conn *c, const struct xfrm_sa_spec *sa)
{
	record("add", sa->spi);
	return (int)sa->spi == fail_add_spi ? -EEXIST : 0;
}

int xfrm_sa_update(struct nl_conn *c, const struct xfrm_sa_spec *sa)
{
	record("upd", sa->spi);
	return 0;
}

int xfrm_sa_del(struct nl_conn *c, const struct ipsec_addr *src,
		const struct ipsec_addr *dst, uint32_t spi, uint8_t proto)
{
	record("del", spi);
	return 0;
}

int module_bind(struct module_conn *m, const struct ipsec_addr *daddr,
		uint32_t spi, int fd, bool before_sa)
{
	record(before_sa ? "wait" : "bind", spi);
	return !before_sa && fail_bind ? -EINVAL : 0;
}

int module_unbind(struct module_conn *m, const struct ipsec_addr *daddr,
		  uint32_t spi)
{
	record("unbind", spi);
	return 0;
}

bool module_binds_before_sa(const struct module_conn *m)
{
	return bind_before;
}

bool path_is_tcp(const struct path *p)
{
	return tcp;
}

int tcp_path_ulp_fd(const struct path *p)
{
	return tcp ? 7 : -1;
}

/* Not reached with with_policies false, or by these tests. */
bool policy_taken(const struct policy_table *t,
		  const struct xfrm_policy_spec *p,
		  const struct policy_owner *o, char *who, size_t len)
{
	return false;
}

int policy_hold(struct policy_table *t, const struct xfrm_policy_spec *p,
		const struct policy_owner *o)
{
	return 0;
}

void policy_release(struct policy_table *t, uint32_t reqid)
{
}

void rand_bytes(void *out, size_t len)
{
	memset(out, 0x42, len);
}

int xfrm_alloc_spi(struct nl_conn *c, const struct ipsec_addr *src,
		   const struct ipsec_addr *dst, uint8_t proto, uint32_t reqid,
		   uint32_t min, uint32_t max, uint32_t *spi)
{
	return -ENOSYS;
}

int xfrm_event_parse(const struct nlmsghdr *nlh, struct xfrm_event *ev)
{
	return -ENOSYS;
}

int xfrm_sa_get_stats(struct nl_conn *c, const struct ipsec_addr *dst,
		      uint32_t spi, uint8_t proto, struct xfrm_sa_stats *st)
{
	return -ENOSYS;
}

static const struct ike_encr gcm = { .aead = true, .xfrm_name = "rfc4106(gcm(aes))" };
static const struct conf_conn conn = { .name = "office" };
static struct daemon d;
static struct ike_sa sa;
static struct child_sa c;

/* A tunnel CHILD_SA with inbound SPI 0x100 and outbound SPI 0x200. */
static void setup(bool over_tcp, bool module_binds_before)
{
	memset(calls, 0, sizeof(calls));
	fail_add_spi = 0;
	fail_bind = 0;
	tcp = over_tcp;
	bind_before = module_binds_before;
	memset(&d, 0, sizeof(d));
	d.kernel = true;
	memset(&sa, 0, sizeof(sa));
	sa.conn = &conn;
	sa.path.ep.local.family = AF_INET;
	sa.path.ep.remote.family = AF_INET;
	memset(&c, 0, sizeof(c));
	c.mode = IPSEC_MODE_TUNNEL;
	c.suite.encr = &gcm;
	c.enc_len = 20;
	c.spi_in = 0x100;
	c.spi_out = 0x200;
	c.reqid = 1;
}

static void test_udp(void)
{
	setup(false, true);
	KT_EXPECT(kernel_install(&d, &sa, &c, false, true) == 0);
	kernel_remove(&d, &sa, &c, false);
	KT_EXPECT_STR(calls, "upd:100 add:200 del:100 del:200");
}

static void test_tcp_bind_before(void)
{
	setup(true, true);
	KT_EXPECT(kernel_install(&d, &sa, &c, false, true) == 0);
	KT_EXPECT_STR(calls, "upd:100 wait:200 add:200 bind:200");
}

static void test_tcp_old_module(void)
{
	setup(true, false);
	KT_EXPECT(kernel_install(&d, &sa, &c, false, true) == 0);
	KT_EXPECT_STR(calls, "upd:100 add:200 bind:200");
}

/* The peer gave an outbound SPI that another SA to its address has. */
static void test_colliding_spi(void)
{
	setup(true, true);
	fail_add_spi = 0x200;
	KT_EXPECT(kernel_install(&d, &sa, &c, false, true) == -EEXIST);
	KT_EXPECT_STR(calls, "upd:100 wait:200 add:200 unbind:200 del:100");
	KT_EXPECT(!c.installed);

	setup(false, true);
	fail_add_spi = 0x200;
	KT_EXPECT(kernel_install(&d, &sa, &c, false, true) == -EEXIST);
	KT_EXPECT_STR(calls, "upd:100 add:200 del:100");
}

/* Added, but the module will not carry it (the ESP offload path, say). */
static void test_not_carriable(void)
{
	setup(true, true);
	fail_bind = 1;
	KT_EXPECT(kernel_install(&d, &sa, &c, false, true) == -EINVAL);
	KT_EXPECT_STR(calls, "upd:100 wait:200 add:200 bind:200 del:200 del:100");

	/* A rekey responder's switch: nothing of it is left either. */
	setup(true, true);
	fail_bind = 1;
	KT_EXPECT(kernel_install_out(&d, &sa, &c) == -EINVAL);
	KT_EXPECT_STR(calls, "wait:200 add:200 bind:200 del:200");
	KT_EXPECT(!c.out_added);
}

/* A rekey responder's successor before its outbound SA goes in. */
static void test_remove_inbound_only(void)
{
	setup(false, true);
	KT_EXPECT(kernel_install(&d, &sa, &c, false, false) == 0);
	kernel_remove(&d, &sa, &c, false);
	KT_EXPECT_STR(calls, "upd:100 del:100");
}

int main(void)
{
	kt_run("kernel: over UDP, both SAs in and out", test_udp);
	kt_run("kernel: over TCP, the outbound SA is bound before it is added, "
	       "then checked", test_tcp_bind_before);
	kt_run("kernel: over TCP with a module that cannot bind first, bound "
	       "after", test_tcp_old_module);
	kt_run("kernel: a colliding outbound SPI is unbound and not deleted",
	       test_colliding_spi);
	kt_run("kernel: an SA the module cannot carry is deleted again",
	       test_not_carriable);
	kt_run("kernel: an outbound SA never added is not deleted",
	       test_remove_inbound_only);
	return kt_done();
}
