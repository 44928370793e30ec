#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures under the module, on a kernel with fault injection
# (the debug kernel of make check-debug; skipped elsewhere). failslab and
# fail_page_alloc are restricted, by their stack trace filter, to
# allocations made from the module's code:
#  1. every copy of a received record fails (slab, then pages): the
#     records are dropped and counted in rx_nomem, exactly;
#  2. every 5th allocation under any of the module's code fails while
#     connections come and go, carry pings and IKE messages, and the genl
#     API is used: afterwards no espintcp socket is left behind;
#  3. with the faults off again, a fresh connection works, with exact
#     counters.
# The runner's checks after the test (kernel log, kmemleak, unloading
# the module) say whether every failure was handled without a crash, a
# warning or a leak.
#
#   ns A                                         ns B
#   dum0 10.1.0.1 ─── tunnel ESP 0x1000/0x2000 ─── dum0 10.1.0.2
#   veth0 10.0.0.1 ─────────── veth ────────────── veth0 10.0.0.2
#   espintcp_peer connect ═══════ TCP 4500 ═══════ espintcp_peer listen

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

FI=/sys/kernel/debug
# Counted down by each injected failure: what is left says how many.
TIMES=1000000

require_module
[ -e "$FI/failslab/require-start" ] && [ -e "$FI/fail_page_alloc/min-order" ] ||
	skip_all "no failslab/fail_page_alloc with stack filter (a debug kernel has them: make check-debug)"
command -v readelf >/dev/null || skip_all "readelf (binutils) is not installed"

# fault_arm KIND START END INTERVAL: from now on, every INTERVAL-th
# allocation whose call stack passes through [START, END) fails, in any
# context and whatever its GFP flags; KIND is failslab or fail_page_alloc.
# Quietly: a report with a stack trace would fail the test's kernel log.
fault_arm() {
	local d=$FI/$1
	echo 0 >"$d/probability"
	echo "$2" >"$d/require-start"
	echo "$3" >"$d/require-end"
	echo N >"$d/task-filter"
	echo 0 >"$d/verbose"
	echo N >"$d/ignore-gfp-wait"
	[ "$1" = fail_page_alloc ] && echo 0 >"$d/min-order"
	echo "$4" >"$d/interval"
	echo $TIMES >"$d/times"
	echo 100 >"$d/probability"
}

fault_disarm() {
	local kind
	for kind in failslab fail_page_alloc; do
		echo 0 >"$FI/$kind/probability"
	done
}

# fault_injected KIND: how many allocations KIND failed since fault_arm.
fault_injected() { echo $((TIMES - $(cat "$FI/$1/times"))); }

# func_range SYMBOL: "START END" of one of the module's functions, END
# being where the next one starts.
func_range() {
	awk '$4 == "[ipsecme]" && ($2 == "t" || $2 == "T") { print $1, $3 }' \
		/proc/kallsyms | sort |
		awk -v sym="$1" 'start { print "0x" start, "0x" $1; exit }
			$2 == sym { start = $1 }'
}

# module_range: "START END" around the module's code, from where its text
# sections were loaded and how long the .ko says they are.
module_range() {
	local ko sec addr size lo='' hi=''
	ko=$(modinfo -n ipsecme) || return 1
	for sec in .text .text.unlikely; do
		[ -e "/sys/module/ipsecme/sections/$sec" ] || continue
		addr=$(cat "/sys/module/ipsecme/sections/$sec")
		size=$(readelf -SW "$ko" | sed 's/^ *\[ *[0-9]*\] *//' |
			awk -v s="$sec" '$1 == s { print "0x" $5 }')
		[ -n "$size" ] || continue
		[ -z "$lo" ] || [ $((addr)) -lt $((lo)) ] && lo=$addr
		[ -z "$hi" ] || [ $((addr + size)) -gt $((hi)) ] &&
			hi=$(printf '0x%x' $((addr + size)))
	done
	[ -n "$lo" ] && echo "$lo $hi"
}

# stop_peers: kill the pair of etcp_connect, however far it got.
stop_peers() {
	local pid
	for pid in ${PID_A:-} ${PID_B:-}; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[ -n "${FD_A:-}" ] && exec {FD_A}>&-
	[ -n "${FD_B:-}" ] && exec {FD_B}>&-
	PID_A='' PID_B='' FD_A='' FD_B=''
}

no_reply() { ! ip netns exec "$A" ping -q "$@" -c 3 -i 0.2 -W 1 "$IB"; }
rx_nomem_is() { [ "$(etcp_stat "$B" rx_nomem)" = "$1" ]; }
sockets() {
	echo "$(show_json "$A" '.connections | length')/$(show_json "$B" \
		'.connections | length')"
}
no_sockets() { [ "$(sockets)" = 0/0 ]; }

trap 'fault_disarm; cleanup; rm -rf "$ETCP_RUN"' EXIT
ktap_plan 15
read -r RCV_START RCV_END <<<"$(func_range ipsecme_etcp_rcv)"
read -r MOD_START MOD_END <<<"$(module_range)"
ktap_diag "record parser $RCV_START-$RCV_END, module text $MOD_START-$MOD_END"
if [ -z "$RCV_END" ] || [ -z "$MOD_END" ]; then
	ktap_diag "cannot find the module's code"
	exit $KSFT_FAIL
fi

ktap_result "peers connect, attach the ULP and bind" \
	eval 'etcp_topology && etcp_ipsec 4 tunnel && etcp_connect f0'

# 1. Each received ESP record is copied from under the record parser,
# ipsecme_etcp_rcv(): make that copy fail.
fault_arm failslab "$RCV_START" "$RCV_END" 1
ktap_result "no ping reply while B cannot allocate record copies" no_reply
check_eq "A framed exactly 3 ESP packets" "$(etcp_stat "$A" tx_esp)" 3
wait_for 30 rx_nomem_is 3
check_eq "B counted the 3 records in rx_nomem" "$(etcp_stat "$B" rx_nomem)" 3
check_eq "B handed none of them to xfrm" "$(etcp_stat "$B" rx_esp)" 0
check_eq "failslab failed exactly the 3 copies" "$(fault_injected failslab)" 3
fault_disarm

# Records longer than the 256-byte linear head go to order-0 pages.
fault_arm fail_page_alloc "$RCV_START" "$RCV_END" 1
ktap_result "no reply to 1000-byte pings while B cannot allocate pages" \
	no_reply -s 1000
wait_for 30 rx_nomem_is 6
check_eq "B counted those 3 records in rx_nomem too" \
	"$(etcp_stat "$B" rx_nomem)" 6
ktap_result "fail_page_alloc failed at least one page per record" \
	test "$(fault_injected fail_page_alloc)" -ge 3
fault_disarm

ktap_result "the same connection carries pings once memory is back" \
	ip netns exec "$A" ping -q -c 3 -i 0.2 -W 5 "$IB"
check_eq "each side handed exactly 3 records to xfrm" \
	"$(etcp_stat "$A" rx_esp)/$(etcp_stat "$B" rx_esp)" 3/3
stop_peers

# 2. Everything at once: connections, traffic, IKE messages and genl
# calls while every 5th allocation under the module fails.
fault_arm failslab "$MOD_START" "$MOD_END" 5
fault_arm fail_page_alloc "$MOD_START" "$MOD_END" 5
for i in 1 2 3 4 5; do
	etcp_connect "f$i" -s 3:200 -- >/dev/null 2>&1
	ip netns exec "$A" ping -q -c 5 -i 0.1 -W 1 "$IB" >/dev/null 2>&1
	ip netns exec "$A" "$IPSECME" -j show >/dev/null 2>&1
	ip netns exec "$B" "$IPSECME" -j show >/dev/null 2>&1
	ip netns exec "$A" "$PEER" try-bind ulp 10.0.0.2 1000 >/dev/null 2>&1
	ip netns exec "$B" "$PEER" try-attach >/dev/null 2>&1
	stop_peers
done
slab=$(fault_injected failslab)
pages=$(fault_injected fail_page_alloc)
fault_disarm
ktap_diag "failslab failed $slab allocations, fail_page_alloc $pages"
ktap_result "allocations under the module failed" test $((slab + pages)) -gt 0
wait_for 60 no_sockets
check_eq "no espintcp socket is left once the peers are gone" "$(sockets)" 0/0

# 3. A fresh start: exact counters again.
cleanup
SELFTEST_NETNS=() SELFTEST_PIDS=()
ktap_result "a fresh connection carries pings after the faults" \
	eval 'etcp_topology && etcp_ipsec 4 tunnel && etcp_connect g &&
		ip netns exec "$A" ping -q -c 3 -i 0.2 -W 5 "$IB"'
check_eq "B's counters are exact" "$(etcp_counters "$B")" \
	"conn_attached=1 rx_esp=3 tx_esp=3"
stop_peers
ktap_finish
