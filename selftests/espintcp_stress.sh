#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stress, for a fixed number of rounds: many espintcp connections are
# opened, bound, exercised and ended (closed, reset, closed or reset by
# the server, their peer killed) while ip xfrm adds, updates, deletes and
# flushes the SAs they bind, ping sends ESP through the tunnel, the
# module's genl state is dumped over and over, and a namespace whose
# sockets hold bindings is deleted. After each round every worker must
# have ended as expected, a fresh connection must carry ESP and the
# deleted namespace must be gone. At the end the module's counters must
# add up to what the workers saw, no binding may outlive its socket's
# closing (dormant) or its SA, and the module must unload. The runner
# checks the kernel log (with KASAN, lockdep and kmemleak on a debug
# kernel).
#
#   ns A                          ns B                        ns C (per round)
#   dum0 10.1.0.1 fd01::1 ═ ESP ═ dum0 10.1.0.2 fd01::2
#   veth0 10.0.0.1 fd00::1 ────── veth0 10.0.0.2 fd00::2
#                                 vethc 10.0.2.2 ──────────── veth0 10.0.2.1
#   churn x3 (2 v4, 1 v6) ═ TCP 5000 ═ serve (v4, v6)
#   holder ═════════════════ TCP 4500 ═ holder  (one of them killed)
#   probe (after the round) ═ TCP 4500 ═ probe
#                                 holder -L ═══ TCP 4600 ═══ holder (killed
#                                                            with C)
#   ip -batch (SA churn)          ip -batch (SA churn)
#   dump, ping (v4, v6)           dump
#
# SAs: 0x1000 A->B and 0x2000 B->A carry the tunnel (both families);
# 0x3000-0x3003 (A->B) and 0x4000-0x4003 (B->A) are only bound, as are
# 0x50RR (A->B) and 0x51RR (B->A), which expire in round RR; C's holders
# bind 0x6000/1 (B->C) and 0x7000/1 (C->B). STRESS_ROUNDS overrides the
# number of rounds.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

ROUNDS=${STRESS_ROUNDS:-3}
CONNS=24		# connections of each churn worker per round
DUMPS=200		# GET_INFO + both dumps, per namespace per round
XFRM_STEPS=40		# steps of SA churn per namespace per round
PINGS=100
RUN=$ETCP_RUN

require_module
ktap_plan $((4 * ROUNDS + 6))
etcp_topology && etcp_ipsec 6 tunnel && etcp_ipsec 4 tunnel ||
	skip_all "set-up failed"

# --- the SAs ----------------------------------------------------------------

# sa_cmd VERB FAMILY SPI [ARGS...]: "xfrm state VERB" of one SA of A or B.
# Only the tunnel's are in tunnel mode: xfrm would pick the newest SA
# that fits the policy's template, and the others are churned.
sa_cmd() {
	local verb=$1 s=10.0.0.1 d=10.0.0.2 key=$KEY_AB mode=transport t
	[ "$2" = 6 ] && s=fd00::1 d=fd00::2
	case $3 in 0x2*|0x4*|0x51*) t=$s s=$d d=$t key=$KEY_BA ;; esac
	case $3 in 0x1000|0x2000) mode=tunnel ;; esac
	echo -n "xfrm state $verb src $s dst $d proto esp spi $3"
	[ "$verb" = delete ] ||
		echo -n " mode $mode aead rfc4106(gcm(aes)) $key 128"
	shift 3
	echo "${*:+ $*}"
}

# c_sa_cmds: B's SAs towards C.
c_sa_cmds() {
	local k
	for k in 0 1; do
		echo "xfrm state add src 10.0.2.2 dst 10.0.2.1 proto esp" \
			"spi 0x600$k mode transport aead rfc4106(gcm(aes))" \
			"$KEY_BA 128"
	done
}

# all_sa_cmds SIDE: add every SA that SIDE (A or B) holds at rest.
all_sa_cmds() {
	local fam k base=0x300
	[ "$1" = B ] && base=0x400
	for fam in 4 6; do
		sa_cmd add $fam 0x1000
		sa_cmd add $fam 0x2000
		for k in 0 1 2 3; do sa_cmd add $fam $base$k; done
	done
	[ "$1" = B ] && c_sa_cmds
	return 0
}

# xfrm_steps SIDE: the SA churn of one side. Deletes, re-adds, updates
# (also of the if_id, which the binding follows) and flushes, of SAs bound
# and unbound, with traffic on the tunnel's; it ends with every SA back as
# at rest, so it must succeed whole.
xfrm_steps() {
	local side=$1 out=0x1000 base=0x300 fam j k m
	[ "$side" = B ] && out=0x2000 base=0x400
	for j in $(seq 1 $XFRM_STEPS); do
		k=$((j % 4)) m=$(((j + 1) % 4))
		for fam in 4 6; do
			sa_cmd update $fam $out
			sa_cmd delete $fam $base$k
			sa_cmd add $fam $base$k
			sa_cmd update $fam $base$m if_id 7
			sa_cmd delete $fam $base$m
			sa_cmd add $fam $base$m
			if [ $((j % 4)) = 0 ]; then
				sa_cmd delete $fam $out
				sa_cmd add $fam $out
			fi
		done
		if [ $((j % 10)) = 0 ]; then
			echo "xfrm state flush"
			all_sa_cmds "$side"
		fi
	done
}
XFRM_STEPS_A=$(xfrm_steps A)
XFRM_STEPS_B=$(xfrm_steps B)

# xfrm_batch SIDE ROUND: the batch of SIDE in ROUND, into a file: first an
# SA of its own that expires (SPI 0x50RR from A, 0x51RR from B), then the
# steps.
xfrm_batch() {
	local f=$RUN/xfrm.$1.$2
	if [ "$1" = A ]; then
		sa_cmd add 4 "$(printf '0x50%02x' "$2")" limit time-hard 2
		echo "$XFRM_STEPS_A"
	else
		sa_cmd add 4 "$(printf '0x51%02x' "$2")" limit time-hard 2
		echo "$XFRM_STEPS_B"
	fi >"$f"
	echo "$f"
}

# The SAs only the churn binds (the tunnel's are in place already).
for fam in 4 6; do
	for k in 0 1 2 3; do sa_cmd add $fam 0x300$k; done
done | ip_batch "$A"
{
	for fam in 4 6; do
		for k in 0 1 2 3; do sa_cmd add $fam 0x400$k; done
	done
	c_sa_cmds
} | ip_batch "$B"

# --- workers ----------------------------------------------------------------

declare -A PID=() HOLD_FD=() WANT=()

# run_bg NAME STDIN CMD...: CMD in the background, output in $RUN/NAME.out,
# without this shell's ends of the hold fifos (a child that kept one
# would keep that fifo's reader from ever seeing EOF).
run_bg() {
	local name=$1 in=$2 fd
	shift 2
	(
		for fd in "${HOLD_FD[@]}"; do eval "exec $fd>&-"; done
		exec "$@" <"$in" >"$RUN/$name.out" 2>&1
	) &
	PID[$name]=$!
	track_pid $!
}

# spawn NAME WANT CMD...: a worker that ends by itself with status WANT
# ("ping": 0 or 1, some replies or none, as the SAs come and go).
spawn() {
	local name=$1
	WANT[$name]=$2
	shift 2
	run_bg "$name" /dev/null "$@"
}

# hold NAME WANT CMD...: a worker whose stdin is a fifo that this shell
# holds open until "release NAME"; WANT is its status once released, or
# 137 for one that will be killed.
hold() {
	local name=$1 fd
	WANT[$name]=$2
	shift 2
	mkfifo "$RUN/$name.in"
	run_bg "$name" "$RUN/$name.in" "$@"
	exec {fd}>"$RUN/$name.in"
	HOLD_FD[$name]=$fd
}

# kill_worker NAME: SIGKILL, and reap it now (quietly: bash would report
# the signal wherever it noticed it). Its status stays for reap_all.
kill_worker() {
	kill -9 "${PID[$1]}"
	wait "${PID[$1]}" 2>/dev/null
}

release() {
	eval "exec ${HOLD_FD[$1]}>&-"
	unset "HOLD_FD[$1]"
}

# reap_all: release the held workers, wait for every worker, and list
# in BAD "NAME=STATUS" of those that did not end as expected (showing
# their last words); then forget them all.
reap_all() {
	local name rc
	BAD=
	for name in "${!HOLD_FD[@]}"; do release "$name"; done
	for name in "${!PID[@]}"; do
		wait "${PID[$name]}"
		rc=$?
		[ "${WANT[$name]}" = ping ] && [ $rc -le 1 ] && rc=ping
		[ "$rc" = "${WANT[$name]}" ] && continue
		BAD+="$name=$rc "
		tail -n 3 "$RUN/$name.out" | sed "s/^/# $name: /"
	done
	PID=() WANT=()
}

# tally_sum KEY FILE...: the sum of the KEY=N the workers printed.
tally_sum() {
	local key=$1
	shift
	awk -v k="$key" '{ for (i = 1; i <= NF; i++)
		if (split($i, kv, "=") == 2 && kv[1] == k) s += kv[2] }
		END { print s + 0 }' "$@"
}

# The holders: a bound connection between A and B (one end is killed),
# and one from C, deleted with its namespace. They are set up while every
# SA is in place, so their binds cannot fail; connect retries until the
# listener is up. A worker that fails shows in the round's checks.
start_holders() {
	local r=$1
	hold hB.$r $((r % 2 ? 137 : 0)) ip netns exec "$B" "$PEER" \
		-r "$RUN/hB.$r.ready" -b 10.0.0.1,2000 -b 10.0.0.1,4000 -w \
		listen 10.0.0.2 4500
	hold hA.$r $((r % 2 ? 0 : 137)) ip netns exec "$A" "$PEER" \
		-r "$RUN/hA.$r.ready" -b 10.0.0.2,1000 -b 10.0.0.2,3000 -w \
		connect 10.0.0.2 4500
	hold cB.$r 0 ip netns exec "$B" "$PEER" -L -r "$RUN/cB.$r.ready" \
		-b 10.0.2.1,6000 -b 10.0.2.1,6001 -w listen 10.0.2.2 4600
	hold cC.$r 137 ip netns exec "$C" "$PEER" -r "$RUN/cC.$r.ready" \
		-b 10.0.2.2,7000 -b 10.0.2.2,7001 -w connect 10.0.2.2 4600
	wait_for 60 all_ready hA.$r hB.$r cB.$r cC.$r
}

all_ready() {
	local name
	for name in "$@"; do [ -e "$RUN/$name.ready" ] || return 1; done
}

# start_churn ROUND: servers in B, churn clients, SA churn, dumps, pings.
start_churn() {
	local r=$1 a_exp b_exp
	a_exp=$(printf '50%02x' "$r") b_exp=$(printf '51%02x' "$r")
	hold serve4.$r 0 ip netns exec "$B" "$PEER" -b 10.0.0.1,2000 \
		-b 10.0.0.1,4000 -b 10.0.0.1,4001 -b "10.0.0.1,$b_exp" \
		serve 10.0.0.2 5000
	hold serve6.$r 0 ip netns exec "$B" "$PEER" -b fd00::1,2000 \
		-b fd00::1,4002 -b fd00::1,4003 serve fd00::2 5000
	spawn xfrmA.$r 0 ip -n "$A" -batch "$(xfrm_batch A "$r")"
	spawn xfrmB.$r 0 ip -n "$B" -batch "$(xfrm_batch B "$r")"
	spawn churn4a.$r 0 ip netns exec "$A" "$PEER" -b 10.0.0.2,1000 \
		-b 10.0.0.2,3000 -b 10.0.0.2,3001 -b "10.0.0.2,$a_exp" \
		churn $CONNS 10.0.0.2 5000
	spawn churn4b.$r 0 ip netns exec "$A" "$PEER" -b 10.0.0.2,1000 \
		-b 10.0.0.2,3001 -b 10.0.0.2,3002 churn $CONNS 10.0.0.2 5000
	spawn churn6.$r 0 ip netns exec "$A" "$PEER" -b fd00::2,1000 \
		-b fd00::2,3000 -b fd00::2,3003 churn $CONNS fd00::2 5000
	spawn dumpA.$r 0 ip netns exec "$A" "$PEER" dump $DUMPS
	spawn dumpB.$r 0 ip netns exec "$B" "$PEER" dump $DUMPS
	spawn ping4.$r ping ip netns exec "$A" ping -q -c $PINGS -i 0.01 \
		-W 1 -s 1200 10.1.0.2
	spawn ping6.$r ping ip netns exec "$A" ping -6 -q -c $PINGS -i 0.01 \
		-W 1 -s 3000 fd01::2
}

# --- checks -----------------------------------------------------------------

# probe ROUND: a fresh pair, the only connection left, carries exactly
# the ping's ESP both ways (a missing binding would let it out as plain
# ESP instead).
probe() {
	local esp='[.connections[].counters | "\(.tx_esp) \(.rx_esp)"]
		| join(",")' got
	hold pB.$1 0 ip netns exec "$B" "$PEER" -r "$RUN/pB.$1.ready" \
		-b 10.0.0.1,2000 -w listen 10.0.0.2 4500
	hold pA.$1 0 ip netns exec "$A" "$PEER" -r "$RUN/pA.$1.ready" \
		-b 10.0.0.2,1000 -w connect 10.0.0.2 4500
	wait_for 60 all_ready pA.$1 pB.$1 &&
	ip netns exec "$A" ping -q -c 3 -i 0.2 -W 5 10.1.0.2 |
		grep "packets transmitted"
	got="$(show_json "$A" "$esp")/$(show_json "$B" "$esp")"
	reap_all
	echo "ESP records sent and received, A/B: $got${BAD:+; $BAD}"
	[ "$got" = "3 3/3 3" ] && [ -z "$BAD" ]
}

# c_gone: the veth into C went with its namespace, and so did the
# module's state of C.
c_gone() {
	wait_for 120 eval '! ip -n "$B" link show vethc' &&
	wait_for 60 eval '[ "$(show_json "$A" .namespaces)" -le "$NS_BASE" ]'
}

NS_BASE=$(show_json "$A" .namespaces)

# --- the rounds -------------------------------------------------------------

stress_round() {
	local r=$1 k start=$SECONDS
	setup_ns C && ip_batch "$B" <<-EOF && ip_batch "$C" <<-EOF || return 1
	link add vethc type veth peer name veth0 netns $C
	link set vethc up
	addr add 10.0.2.2/24 dev vethc
	EOF
	link set veth0 up
	addr add 10.0.2.1/24 dev veth0
	xfrm state add src 10.0.2.1 dst 10.0.2.2 proto esp spi 0x7000 mode transport aead rfc4106(gcm(aes)) $KEY_AB 128
	xfrm state add src 10.0.2.1 dst 10.0.2.2 proto esp spi 0x7001 mode transport aead rfc4106(gcm(aes)) $KEY_AB 128
	EOF
	start_holders "$r"
	check_eq "round $r: C's sockets hold their bindings" \
		"$(show_json "$C" '[.bindings[].state] | join(",")')" \
		active,active
	start_churn "$r"
	# While it runs: one end of a bound connection is killed, and C is
	# deleted, then its holders killed (its sockets pinned it until then).
	if [ $((r % 2)) = 1 ]; then kill_worker hB.$r; else kill_worker hA.$r; fi
	ip netns del "$C"
	kill_worker cC.$r
	# The servers serve until the churn is done.
	for k in churn4a churn4b churn6; do wait "${PID[$k.$r]}"; done
	reap_all
	check_eq "round $r: every worker ended as expected" "$BAD" ""
	ktap_result "round $r: a fresh connection carries ESP both ways" \
		probe "$r"
	ktap_result "round $r: the deleted namespace is gone, with its state" \
		c_gone
	ktap_diag "round $r: $(tally_sum conns "$RUN"/churn*.$r.out) connections" \
		"churned, $(tally_sum gone "$RUN"/churn*.$r.out "$RUN"/serve*.$r.out)" \
		"binds found their SA gone; $((SECONDS - start)) s"
}

for r in $(seq 0 $((ROUNDS - 1))); do stress_round "$r"; done

# --- the end ----------------------------------------------------------------

ktap_diag "A: $(etcp_counters "$A")"
ktap_diag "B: $(etcp_counters "$B")"

check_eq "no espintcp socket is left in A or B" \
	"$(show_json "$A" '.connections | length')/$(show_json "$B" \
		'.connections | length')" 0/0
# Per round, besides the churn: A attaches hA and pA, B hB, cB and pB.
check_eq "ULP attachments counted as the workers made them" \
	"A $(etcp_stat "$A" conn_attached) B $(etcp_stat "$B" conn_attached)" \
	"A $(($(tally_sum conns "$RUN"/churn*.out) + 2 * ROUNDS))"\
" B $(($(tally_sum conns "$RUN"/serve*.out) + 3 * ROUNDS))"
ike_counts() { show_json "$1" '"\(.counters.tx_ike) \(.counters.rx_ike)"'; }
check_eq "IKE messages counted as the workers sent and received them" \
	"A $(ike_counts "$A") B $(ike_counts "$B")" \
	"A $(tally_sum sent "$RUN"/churn*.out) $(tally_sum received \
		"$RUN"/churn*.out) B $(tally_sum sent "$RUN"/serve*.out)"\
" $(tally_sum received "$RUN"/serve*.out)"
states() { show_json "$1" '[.bindings[].state] | unique | join(",")'; }
check_eq "every binding left is dormant (fail closed)" \
	"$(states "$A")/$(states "$B")" dormant/dormant
ip -n "$A" xfrm state flush && ip -n "$B" xfrm state flush
check_eq "no binding outlives its SA" \
	"$(show_json "$A" '.bindings | length')/$(show_json "$B" \
		'.bindings | length')" 0/0
ktap_result "rmmod succeeds once the sockets are closed" \
	wait_for 60 rmmod ipsecme
ktap_finish
