// SPDX-License-Identifier: GPL-2.0
/* Policies shared by CHILD_SAs (policy.c) against a recording fake of
 * lib/xfrm.h: the newest holder's template is installed, a holder that
 * goes hands the policy on, only the last one deletes it, by index;
 * only CHILD_SAs of one connection and peer identity share a policy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipsecmed/log.h"
#include "ipsecmed/policy.h"
#include "lib/ktest.h"

/* The fake kernel: one policy slot, and a log of the calls. */
static struct {
	bool present;
	uint32_t reqid, index;
	int updates, deletes, deletes_by_sel;
	uint32_t deleted_index;
	int fail_update;
} k;
static struct nl_conn xfrm;		/* only its ext_msg is read */

int xfrm_policy_update(struct nl_conn *c, const struct xfrm_policy_spec *p)
{
	if (k.fail_update)
		return -ENOBUFS;
	k.updates++;
	if (!k.present)
		k.index = 0x108 | p->dir;	/* as the kernel: dir in bits 0-2 */
	k.present = true;
	k.reqid = p->tmpl.reqid;
	return 0;
}

int xfrm_policy_get_index(struct nl_conn *c, const struct xfrm_sel_spec *sel,
			  uint8_t dir, uint32_t *index)
{
	*index = k.present ? k.index : 0;
	return k.present ? 0 : -ENOENT;
}

int xfrm_policy_del_index(struct nl_conn *c, uint32_t index, uint8_t dir)
{
	k.deletes++;
	k.deleted_index = index;
	if (!k.present || index != k.index)
		return -ENOENT;
	k.present = false;
	return 0;
}

int xfrm_policy_del(struct nl_conn *c, const struct xfrm_sel_spec *sel,
		    uint8_t dir)
{
	k.deletes_by_sel++;
	k.present = false;
	return 0;
}

/* Owners: the road warrior "rw-a.example" (an FQDN ID: type 2), another
 * one, rw-a again in capitals (the same identity), and rw-a on another
 * connection.
 */
static const uint8_t id_a[] = "\002rw-a.example", id_b[] = "\002rw-b.example";
static const uint8_t id_a_caps[] = "\002RW-A.Example";
static const struct policy_owner rw_a = { "rw", id_a, sizeof(id_a) - 1,
					  "rw-a.example" };
static const struct policy_owner rw_b = { "rw", id_b, sizeof(id_b) - 1,
					  "rw-b.example" };
static const struct policy_owner rw_a_caps = { "rw", id_a_caps,
					       sizeof(id_a_caps) - 1,
					       "RW-A.Example" };
static const struct policy_owner other_a = { "other", id_a,
					     sizeof(id_a) - 1,
					     "rw-a.example" };

static struct xfrm_policy_spec spec(uint32_t reqid)
{
	struct xfrm_policy_spec p = { .dir = XFRM_POLICY_OUT,
				      .priority = 1000 };

	p.sel.family = AF_INET;
	ipsec_prefix_parse("192.168.1.0/24", &p.sel.src);
	ipsec_prefix_parse("10.9.0.2/31", &p.sel.dst);
	p.tmpl.proto = IPPROTO_ESP;
	p.tmpl.mode = IPSEC_MODE_TUNNEL;
	p.tmpl.reqid = reqid;
	return p;
}

/* The road warrior reconnects: reqid 1 is the stale SA, 2 the new one. */
static void test_stale_sa_leaves(void)
{
	struct policy_table t = { .xfrm = &xfrm };
	struct xfrm_policy_spec p1 = spec(1), p2 = spec(2);

	memset(&k, 0, sizeof(k));
	KT_EXPECT(policy_hold(&t, &p1, &rw_a) == 0);
	KT_EXPECT(k.present && k.reqid == 1 && k.updates == 1);
	KT_EXPECT(policy_hold(&t, &p2, &rw_a) == 0);
	KT_EXPECT(k.reqid == 2 && k.updates == 2);	/* the new SA's now */
	KT_EXPECT(policy_holders(&t, &p1.sel, XFRM_POLICY_OUT) == 2);
	/* Holding again changes nothing. */
	KT_EXPECT(policy_hold(&t, &p2, &rw_a) == 0 && k.updates == 2);
	/* The stale SA dies: the live one keeps its policy untouched. */
	policy_release(&t, 1);
	KT_EXPECT(k.present && k.reqid == 2);
	KT_EXPECT(k.updates == 2 && k.deletes == 0 && !k.deletes_by_sel);
	KT_EXPECT(policy_holders(&t, &p1.sel, XFRM_POLICY_OUT) == 1);
	/* The last holder removes it, by the index it was given. */
	policy_release(&t, 2);
	KT_EXPECT(!k.present && k.deletes == 1 && k.deleted_index == 0x109);
	KT_EXPECT(!k.deletes_by_sel && t.held == NULL);
	/* Releasing what nobody holds does nothing. */
	policy_release(&t, 2);
	KT_EXPECT(k.deletes == 1);
}

/* The holder whose template is installed goes first: the policy is
 * re-installed for the newest one left.
 */
static void test_hand_over(void)
{
	struct policy_table t = { .xfrm = &xfrm };
	struct xfrm_policy_spec p1 = spec(1), p2 = spec(2), p3 = spec(3);

	memset(&k, 0, sizeof(k));
	KT_EXPECT(!policy_hold(&t, &p1, &rw_a) &&
		  !policy_hold(&t, &p2, &rw_a) &&
		  !policy_hold(&t, &p3, &rw_a));
	KT_EXPECT(k.reqid == 3 && k.updates == 3);
	policy_release(&t, 3);
	KT_EXPECT(k.present && k.reqid == 2 && k.updates == 4);
	policy_release(&t, 1);		/* not installed: nothing to do */
	KT_EXPECT(k.present && k.reqid == 2 && k.updates == 4);
	policy_release(&t, 2);
	KT_EXPECT(!k.present && k.deletes == 1 && t.held == NULL);
}

/* Another selector or direction is another policy. */
static void test_distinct(void)
{
	struct policy_table t = { .xfrm = &xfrm };
	struct xfrm_policy_spec p1 = spec(1), p2 = spec(2);

	memset(&k, 0, sizeof(k));
	p2.sel.dport = 1000;
	p2.sel.dport_mask = 0xfff8;
	p2.sel.proto = IPPROTO_TCP;
	KT_EXPECT(!policy_hold(&t, &p1, &rw_a) &&
		  !policy_hold(&t, &p2, &rw_a));
	KT_EXPECT(policy_holders(&t, &p1.sel, XFRM_POLICY_OUT) == 1);
	KT_EXPECT(policy_holders(&t, &p2.sel, XFRM_POLICY_OUT) == 1);
	KT_EXPECT(policy_holders(&t, &p1.sel, XFRM_POLICY_IN) == 0);
	policy_release(&t, 1);
	KT_EXPECT(policy_holders(&t, &p2.sel, XFRM_POLICY_OUT) == 1);
	policy_release(&t, 2);
	KT_EXPECT(t.held == NULL);
}

/* A failed install changes nothing: the old holder stays in place. */
static void test_install_fails(void)
{
	struct policy_table t = { .xfrm = &xfrm };
	struct xfrm_policy_spec p1 = spec(1), p2 = spec(2);

	memset(&k, 0, sizeof(k));
	KT_EXPECT(policy_hold(&t, &p1, &rw_a) == 0);
	k.fail_update = 1;
	KT_EXPECT(policy_hold(&t, &p2, &rw_a) == -ENOBUFS);
	k.fail_update = 0;
	KT_EXPECT(policy_holders(&t, &p1.sel, XFRM_POLICY_OUT) == 1);
	KT_EXPECT(k.reqid == 1);
	policy_release(&t, 2);
	KT_EXPECT(k.present && k.reqid == 1);
	policy_release(&t, 1);
	KT_EXPECT(!k.present && t.held == NULL);
	/* A first install that fails leaves no entry behind. */
	k.fail_update = 1;
	KT_EXPECT(policy_hold(&t, &p1, &rw_a) == -ENOBUFS &&
		  t.held == NULL);
}

/* Another identity's CHILD_SA with the same selectors is refused and
 * changes nothing, now or when the holder goes; the same identity (a
 * reconnect) shares, its name in other case too.
 */
static void test_other_identity(void)
{
	struct policy_table t = { .xfrm = &xfrm };
	struct xfrm_policy_spec p1 = spec(1), p2 = spec(2), p3 = spec(3);
	char who[128] = "";

	memset(&k, 0, sizeof(k));
	KT_EXPECT(policy_hold(&t, &p1, &rw_a) == 0);
	KT_EXPECT(policy_taken(&t, &p2, &rw_b, who, sizeof(who)));
	KT_EXPECT_STR(who, "rw-a.example (connection rw)");
	KT_EXPECT(policy_hold(&t, &p2, &rw_b) == -EADDRINUSE);
	KT_EXPECT(k.reqid == 1 && k.updates == 1);
	KT_EXPECT(policy_holders(&t, &p1.sel, XFRM_POLICY_OUT) == 1);
	/* The same identity on another connection does not share. */
	KT_EXPECT(policy_taken(&t, &p2, &other_a, NULL, 0));
	KT_EXPECT(policy_hold(&t, &p2, &other_a) == -EADDRINUSE);
	/* The same identity reconnected does. */
	KT_EXPECT(!policy_taken(&t, &p3, &rw_a_caps, NULL, 0));
	KT_EXPECT(policy_hold(&t, &p3, &rw_a_caps) == 0 && k.reqid == 3);
	/* The refused ones never held it: nothing is handed to them. */
	policy_release(&t, 2);
	KT_EXPECT(k.reqid == 3 && k.updates == 2);
	policy_release(&t, 3);
	KT_EXPECT(k.present && k.reqid == 1 && k.updates == 3);
	policy_release(&t, 1);
	KT_EXPECT(!k.present && k.deletes == 1 && t.held == NULL);
	/* Once it is gone, anyone may have the selectors. */
	KT_EXPECT(policy_hold(&t, &p2, &rw_b) == 0 && k.reqid == 2);
	policy_release(&t, 2);
	KT_EXPECT(t.held == NULL);
}

/* An identity too long to keep (length 0) shares with nobody, not even
 * with itself.
 */
static void test_unknown_identity(void)
{
	struct policy_table t = { .xfrm = &xfrm };
	struct xfrm_policy_spec p1 = spec(1), p2 = spec(2);
	struct policy_owner nobody = { "rw", id_a, 0, "(too long)" };

	memset(&k, 0, sizeof(k));
	KT_EXPECT(policy_hold(&t, &p1, &nobody) == 0);
	KT_EXPECT(policy_hold(&t, &p2, &nobody) == -EADDRINUSE);
	KT_EXPECT(policy_hold(&t, &p2, &rw_a) == -EADDRINUSE);
	/* Holding its own again is fine. */
	KT_EXPECT(policy_hold(&t, &p1, &nobody) == 0 && k.updates == 1);
	policy_release(&t, 1);
	KT_EXPECT(!k.present && t.held == NULL);
}

/* Road warriors of one connection may not overlap: B's TCP to A's
 * address, or a block of ports, would be a second policy of A's traffic.
 * Other connections may (the operator's layout); disjoint ones are fine.
 */
static void test_overlap(void)
{
	struct policy_table t = { .xfrm = &xfrm };
	struct xfrm_policy_spec a = spec(1), b = spec(2);

	memset(&k, 0, sizeof(k));
	KT_EXPECT(policy_hold(&t, &a, &rw_a) == 0);
	b.sel.proto = IPPROTO_TCP;
	b.sel.dport = 80;
	KT_EXPECT(policy_taken(&t, &b, &rw_b, NULL, 0));
	ipsec_prefix_parse("10.9.0.3/32", &b.sel.dst);	/* inside A's /31 */
	KT_EXPECT(policy_taken(&t, &b, &rw_b, NULL, 0));
	KT_EXPECT(!policy_taken(&t, &b, &rw_a, NULL, 0));	/* A's own */
	KT_EXPECT(!policy_taken(&t, &b, &other_a, NULL, 0));
	ipsec_prefix_parse("10.9.0.4/32", &b.sel.dst);	/* beside it */
	KT_EXPECT(!policy_taken(&t, &b, &rw_b, NULL, 0));
	/* Ports: A's block 1024-1031 meets 1030, not 1040. */
	policy_release(&t, 1);
	a.sel.proto = b.sel.proto = IPPROTO_UDP;
	a.sel.dport = 1024;
	a.sel.dport_mask = 0xfff8;
	KT_EXPECT(policy_hold(&t, &a, &rw_a) == 0);
	ipsec_prefix_parse("10.9.0.2/32", &b.sel.dst);
	b.sel.dport = 1030;
	KT_EXPECT(policy_taken(&t, &b, &rw_b, NULL, 0));
	b.sel.dport = 1040;
	KT_EXPECT(!policy_taken(&t, &b, &rw_b, NULL, 0));
	b.dir = XFRM_POLICY_IN;
	b.sel.dport = 1030;
	KT_EXPECT(!policy_taken(&t, &b, &rw_b, NULL, 0));	/* other dir */
	policy_release(&t, 1);
	KT_EXPECT(t.held == NULL);
}

int main(void)
{
	log_level = LOG_ERR - 1;	/* quiet */
	kt_run("policy: a stale SA's death keeps the live SA's policy",
	       test_stale_sa_leaves);
	kt_run("policy: the installed holder goes, the newest left takes it",
	       test_hand_over);
	kt_run("policy: selectors with other ports are other policies",
	       test_distinct);
	kt_run("policy: a failed install changes nothing", test_install_fails);
	kt_run("policy: peers of one connection may not overlap",
	       test_overlap);
	kt_run("policy: another identity's CHILD_SA is refused, never a holder",
	       test_other_identity);
	kt_run("policy: an identity too long to keep shares with nobody",
	       test_unknown_identity);
	return kt_done();
}
