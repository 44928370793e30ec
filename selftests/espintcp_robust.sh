#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hostile or broken peer: fatal lengths, empty records, keepalives,
# malformed and oversized records, a close in mid-record, seeded random
# garbage (checked against a model of the parser in espintcp_raw.py) and
# a flood of tiny IKE messages to a receiver that does not read them.
# Every case asserts what the receiver saw and the exact counters.
#
#   ns A                                       ns B
#   veth0 10.0.0.1 fd00::1 ─────── veth ─────── veth0 10.0.0.2 fd00::2
#   espintcp_raw.py (plain TCP) ── TCP ──> espintcp_peer listen -e (ULP)

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

RAW="python3 $SELFTEST_DIR/espintcp_raw.py"
PORT=5000

require_module
ktap_plan 22
etcp_topology || skip_all "set-up failed"

delta() {		# delta BEFORE AFTER: counters that changed, "k=n"
	local -A was=()
	local kv k out=()
	for kv in $1; do was[${kv%%=*}]=${kv#*=}; done
	for kv in $2; do
		k=${kv%%=*}
		[ "${kv#*=}" = "${was[$k]:-0}" ] ||
			out+=("$k=$((${kv#*=} - ${was[$k]:-0}))")
	done
	echo "${out[*]}"
}

# stream_case DESC ADDR WANT-OUTPUT WANT-DELTA PEER-OPTS -- RAW-ARGS...:
# a ULP receiver in B, a raw sender in A; the receiver's output and the
# change of B's counters must be exactly as given.
stream_case() {
	local desc=$1 addr=$2 want_out=$3 want_delta=$4 opts=() out before
	shift 4
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	PORT=$((PORT + 1))
	before=$(etcp_counters "$B")
	ip netns exec "$B" "$PEER" "${opts[@]}" -r "$ETCP_RUN/ready.$PORT" \
		-e listen "$addr" $PORT >"$ETCP_RUN/case.out" 2>&1 &
	local pid=$!
	wait_for 10 etcp_listening "$B" $PORT
	ETCP_RAW_HOLD=$ETCP_RUN/ready.$PORT \
		ip netns exec "$A" $RAW "$1" "$addr" $PORT "${@:2}"
	wait $pid
	out=$(tr '\n' ' ' <"$ETCP_RUN/case.out" | sed 's/ $//')
	check_eq "$desc: receiver sees '$want_out'" "$out" "$want_out"
	check_eq "$desc: counters" "$(delta "$before" "$(etcp_counters "$B")")" \
		"$want_delta"
}

FATAL="error Invalid argument"
stream_case "length 0" 10.0.0.2 "$FATAL" \
	"conn_attached=1 conn_lost=1 rx_bad_len=1" -- send 0000
stream_case "length 1" 10.0.0.2 "$FATAL" \
	"conn_attached=1 conn_lost=1 rx_bad_len=1" -- send 0001
stream_case "5 empty records, 3 keepalives, one IKE message" 10.0.0.2 \
	"received 1 eof" \
	"conn_attached=1 conn_lost=1 rx_empty=5 rx_ike=1 rx_keepalive=3" \
	-R 1:8 -- send "$(printf '0002%.0s' 1 2 3 4 5)0003ff0003ff0003ff000a0000000004050607"
stream_case "records too short for their type" 10.0.0.2 eof \
	"conn_attached=1 conn_lost=1 rx_malformed=4" \
	-- send 0003010005010203000600000000000901020304050607
stream_case "length 65535 over IPv4 (cannot be an IPv4 ESP packet)" \
	10.0.0.2 eof "conn_attached=1 conn_lost=1 rx_malformed=1" \
	-- record 65535 deadbeef
NS_BEFORE=$(ip netns exec "$B" cat /proc/net/xfrm_stat | awk '/XfrmInNoStates/ {print $2}')
stream_case "length 65535 over IPv6, unknown SPI" fd00::2 eof \
	"conn_attached=1 conn_lost=1 rx_esp=1" \
	-- record 65535 deadbeef
check_eq "xfrm dropped the unknown-SPI record (XfrmInNoStates +1)" \
	"$(ip netns exec "$B" cat /proc/net/xfrm_stat | awk '/XfrmInNoStates/ {print $2}')" \
	$((NS_BEFORE + 1))
stream_case "peer closes in mid-record" 10.0.0.2 eof \
	"conn_attached=1 conn_lost=1" -- send 03e800000000010203040506

# Seeded garbage: the model in espintcp_raw.py says what must happen.
for seed in 1 2; do
	PORT=$((PORT + 1))
	before=$(etcp_counters "$B")
	ip netns exec "$B" "$PEER" -r "$ETCP_RUN/ready.$PORT" -e \
		listen 10.0.0.2 $PORT >"$ETCP_RUN/case.out" 2>&1 &
	pid=$!
	wait_for 10 etcp_listening "$B" $PORT
	MODEL=$(ETCP_RAW_HOLD=$ETCP_RUN/ready.$PORT \
		ip netns exec "$A" $RAW garbage 10.0.0.2 $PORT $seed 4096)
	wait $pid
	check_eq "garbage seed $seed: receiver outcome as modelled" \
		"$(cat "$ETCP_RUN/case.out")" "$(echo "$MODEL" | sed -n 2p)"
	check_eq "garbage seed $seed: counters as modelled" \
		"$(delta "$before" "$(etcp_counters "$B")")" \
		"$(echo "$MODEL" | sed -n 1p)"
done

# 20000 IKE messages of 5 bytes, never read: what is queued is charged
# to the socket by the memory it takes (hundreds of bytes each), up to
# half its receive buffer, and the rest dropped (counted by payload, all
# 100000 bytes would fit and nothing would be charged).
PORT=$((PORT + 1))
mkfifo "$ETCP_RUN/hold.in"
before=$(etcp_stat "$B" rx_ike)/$(etcp_stat "$B" rx_ike_overflow)
ip netns exec "$B" "$PEER" -r "$ETCP_RUN/ready.$PORT" -w listen 10.0.0.2 \
	$PORT <"$ETCP_RUN/hold.in" >/dev/null 2>&1 &
track_pid $!
exec {HOLD}>"$ETCP_RUN/hold.in"
wait_for 10 etcp_listening "$B" $PORT
ETCP_RAW_HOLD=$ETCP_RUN/ready.$PORT ip netns exec "$A" $RAW repeat 10.0.0.2 \
	$PORT 20000 0007000000002a
parsed() {
	[ $(($(etcp_stat "$B" rx_ike) + $(etcp_stat "$B" rx_ike_overflow))) \
		-ge $((${before%/*} + ${before#*/} + 20000)) ]
}
bounded() {
	local q mem
	wait_for 60 parsed || return 1
	q=$(($(etcp_stat "$B" rx_ike) - ${before%/*}))
	mem=$(ip netns exec "$B" ss -Htmn "sport = :$PORT" |
		sed -n 's/.*skmem:(r\([0-9]*\),rb\([0-9]*\),.*/\1 \2/p')
	set -- $mem		# charged receive memory, receive buffer
	echo "queued $q of 20000, socket memory ${1:-?} of ${2:-?}"
	[ "$q" -gt 0 ] && [ "$q" -lt 20000 ] && [ -n "${2:-}" ] &&
		[ "$1" -le "$2" ] && [ "$1" -ge $((q * 256)) ]
}
ktap_result "20000 tiny IKE messages: charged by memory, the excess dropped" \
	bounded
exec {HOLD}>&-

# What the module holds for a socket is kernel memory its owner must be
# charged for: any user may make espintcp sockets (CAP_NET_ADMIN in a user
# namespace of its own). 400 unprivileged senders in a memory cgroup each
# hold one 65533-byte IKE message that TCP cannot take (a 4.5 KiB send
# buffer, a receiver that never reads); the kernel memory that pins may
# not exceed twice what the cgroup is charged.
HOLD_N=400
HOLD_CG=/sys/fs/cgroup/ipsecme-robust.$$
memfree() { awk '/^MemFree:/ {print $2 * 1024}' /proc/meminfo; }
held() { grep -qx "held $HOLD_N" "$ETCP_RUN/holdtx.out"; }
mkfifo "$ETCP_RUN/holdtx.in"
echo +memory >/sys/fs/cgroup/cgroup.subtree_control && mkdir "$HOLD_CG"
FREE0=$(memfree)
( echo $BASHPID >"$HOLD_CG/cgroup.procs" &&
  exec setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urn \
	sh -c 'ip link set lo up && exec "$0" hold-tx "$1"' "$PEER" $HOLD_N
) <"$ETCP_RUN/holdtx.in" >"$ETCP_RUN/holdtx.out" 2>&1 &
HOLD_PID=$!
track_pid $HOLD_PID
exec {HOLD}>"$ETCP_RUN/holdtx.in"
ktap_result "$HOLD_N unprivileged senders each hold a 65533-byte message" \
	wait_for 120 held
charged_ok() {
	local pinned=$((FREE0 - $(memfree))) charged
	charged=$(cat "$HOLD_CG/memory.current")
	echo "kernel memory pinned $((pinned >> 10)) KiB," \
		"charged to the cgroup $((charged >> 10)) KiB"
	[ "$pinned" -le $((2 * charged)) ]
}
ktap_result "the memory they pin is charged to their cgroup" charged_ok
exec {HOLD}>&-
wait $HOLD_PID
rmdir "$HOLD_CG"

ktap_finish
