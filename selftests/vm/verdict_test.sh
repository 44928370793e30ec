#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host unit test of the guest runner's verdicts: fabricated result files
# for each way a test can pass or fail, and the verdict each must get.

VM_DIR=$(cd "$(dirname "$0")" && pwd)
TEST_TIMEOUT=300
source "$VM_DIR/verdict.sh"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=0
failed=0

# case DESC RC UNLOAD DMESG WANT-PREFIX [KTAP [KMEMLEAK]]
case_() {
	local res=$dir/t$n got
	n=$((n + 1))
	if [ "$2" != none ]; then
		echo "$2" >"$res.rc"
		echo "$3" >"$res.unload"
		printf '%b\n' "$4" >"$res.dmesg"
		[ -n "${6:-}" ] && printf '%b\n' "$6" >"$res.ktap"
		[ $# -ge 7 ] && printf '%b' "$7" >"$res.kmemleak"
	fi
	got=$(verdict "$res")
	if [[ $got == "$5"* ]]; then
		echo "ok $n $1"
	else
		echo "# got '$got', want '$5...'"
		echo "not ok $n $1"
		failed=1
	fi
}

echo "KTAP version 1"
echo "1..39"
quiet='[    1.0] ipsecme: loading out-of-tree module taints kernel.\n'\
'[    1.1] ipsecme: module verification failed: signature and/or required key missing - tainting kernel\n'\
'[    1.2] ipsecme 0.1.0 loaded'
case_ "clean run passes despite taint notices" 0 ok "$quiet" ok
case_ "exit 4 is a skip" 4 ok "$quiet" skip
case_ "exit 1 fails" 1 ok "" "exit status 1"
case_ "timeout fails" 124 ok "" "timed out"
case_ "no result files: guest died" none "" "" "no result"
case_ "module that will not unload fails" 0 "rmmod failed: busy" "" \
	"module unload"
case_ "as many results as planned passes" 0 ok "$quiet" ok \
	"KTAP version 1\n1..2\nok 1 a\n# diag\nok 2 b"
case_ "more results than planned fails" 0 ok "$quiet" \
	"planned 2 results, emitted 3" "KTAP version 1\n1..2\nok 1 a\nok 2 b\nok 3 c"
case_ "fewer results than planned fails" 0 ok "$quiet" \
	"planned 3 results, emitted 2" "KTAP version 1\n1..3\nok 1 a\nnot ok 2 b # SKIP"
case_ "a skipped test plans none" 4 ok "$quiet" skip \
	"KTAP version 1\n1..0 # SKIP no charon"
for log in "WARNING: CPU: 1 PID: 42 at net/ipv4/tcp.c:1 x+0x1/0x2" \
	"BUG: kernel NULL pointer dereference, address: 0000000000000008" \
	"Oops: 0000 [#1] PREEMPT SMP NOPTI" \
	"BUG: sleeping function called from invalid context at mm/slab.h:1" \
	"WARNING: possible circular locking dependency detected" \
	"unreferenced object 0xffff888003a1b200 (size 64):" \
	"ipsecme: Unknown symbol xfrm_input (err -2)" \
	"kmem_cache_destroy ipsecme_rec: Slab cache still has objects" \
	"refcount_t: underflow; use-after-free." \
	"BUG: KASAN: slab-use-after-free in ipsecme_rx+0x1c/0x90 [ipsecme]" \
	"BUG: KFENCE: out-of-bounds read in ipsecme_rx+0x1c/0x90 [ipsecme]" \
	"WARNING: possible recursive locking detected" \
	"WARNING: inconsistent lock state" \
	"WARNING: suspicious RCU usage" \
	"WARNING: bad unlock balance detected!" \
	"WARNING: held lock freed!" \
	"WARNING: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected" \
	"INFO: trying to register non-static key." \
	"turning off the locking correctness validator." \
	"ODEBUG: free active (active state 0) object: ffff888005a3c1e8 object type: timer_list hint: ipsecme_gc+0x0/0x40 [ipsecme]" \
	"kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" \
	"ref_tracker: netdev@ffff888004c1a5d8 has 1/1 users at" \
	"unregister_netdevice: waiting for veth0 to become free. Usage count = 2" \
	"list_add corruption. prev->next should be next (ffff888004c1a5d8), but was 0000000000000000." \
	"BUG: using smp_processor_id() in preemptible [00000000] code: ip/312" \
	"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"; do
	case_ "kernel log '${log:0:40}' fails even with exit 0" 0 ok \
		"$quiet\n$log" "kernel log"
done
leak='unreferenced object 0xffff888003a1b200 (size 64):\n'\
'  comm "espintcp_peer", pid 321, jiffies 4294938000\n'\
'  backtrace (crc 0):\n    __kmalloc_noprof+0x1d4/0x400\n'
case_ "an object kmemleak found after the test fails it" 0 ok "$quiet" \
	"kmemleak: unreferenced object" "" "$leak"
case_ "an empty kmemleak report passes" 0 ok "$quiet" ok "" ""
case_ "a kmemleak scan that failed fails the test" 0 ok "$quiet" \
	"kmemleak: kmemleak: the scan failed" "" \
	"kmemleak: the scan failed (kmemleak switched itself off?)\n"
exit $failed
