#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The daemon's XFRM library (userspace/lib/xfrm.c, driven by
# xfrm_lib_tool): ESP SAs and policies between two namespaces for AES-GCM,
# AES-CBC with HMAC-SHA2, ChaCha20-Poly1305; transport and tunnel mode;
# IPv4 and IPv6; UDP encapsulation. Each case pings through, checks the
# exact packet counters of all four SAs with `ip -s xfrm state`, and that
# deleting through the library leaves nothing behind.
#
#   ns A                                        ns B
#   lo 10.1.0.1 fd01::1     (tunnel inner)      lo 10.2.0.1 fd02::1
#   veth0 192.0.2.1 2001:db8::1 ───── veth ──── veth0 192.0.2.2 2001:db8::2
#   SA 0x1000 A->B, SA 0x2000 B->A (reqid 1), static neighbours

source "$(dirname "$0")/lib.sh"

TOOL=$SELFTEST_BIN/xfrm_lib_tool
PINGS=5
[ -x "$TOOL" ] || skip_all "$TOOL not built (make -C selftests)"

key() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

topology() {
	setup_ns A B || return 1
	veth_pair "$A" veth0 "$B" veth0 || return 1
	local ns i
	for ns in A B; do
		i=1; [ $ns = B ] && i=2
		ip -n "${!ns}" addr add 192.0.2.$i/24 dev veth0
		ip -n "${!ns}" addr add 2001:db8::$i/64 dev veth0 nodad
		ip -n "${!ns}" addr add 10.$i.0.1/32 dev lo
		ip -n "${!ns}" addr add fd0$i::1/128 dev lo
	done
	# No ARP/ND: their packets must not meet the transport policies.
	local ma mb
	ma=$(ip -n "$A" -br link show veth0 | awk '{print $3}')
	mb=$(ip -n "$B" -br link show veth0 | awk '{print $3}')
	ip -n "$A" neigh replace 192.0.2.2 lladdr "$mb" dev veth0 nud permanent
	ip -n "$A" neigh replace 2001:db8::2 lladdr "$mb" dev veth0 nud permanent
	ip -n "$B" neigh replace 192.0.2.1 lladdr "$ma" dev veth0 nud permanent
	ip -n "$B" neigh replace 2001:db8::1 lladdr "$ma" dev veth0 nud permanent
	ip -n "$A" route add 10.2.0.1/32 via 192.0.2.2
	ip -n "$B" route add 10.1.0.1/32 via 192.0.2.1
	ip -n "$A" -6 route add fd02::1/128 via 2001:db8::2
	ip -n "$B" -6 route add fd01::1/128 via 2001:db8::1
}

tool() { ip netns exec "$1" "$TOOL" "${@:2}"; }

# sa_counter NS SRC DST SPI bytes|packets: from `ip -s xfrm state`.
sa_counter() {
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4" |
		awk -v what="($5)" '/lifetime current/ { getline
			for (i = 1; i <= NF; i++)
				if (index($i, what)) { sub(/\(.*/, "", $i); print $i } }'
}

# install NS OA OB (outer addresses of A and B) MODE ALGS...: both SAs
# and the in/out policies of one side, through the library.
install() {
	local ns=$1 me=$2 peer=$3 oa=$4 ob=$5 mode=$6 sel_a=$7 sel_b=$8
	shift 8
	local out_spi=0x1000 in_spi=0x2000 encap=()
	[ "$ns" = "$B" ] && out_spi=0x2000 in_spi=0x1000
	[ -n "${ENCAP:-}" ] && encap=(encap 4500 4500)
	tool "$ns" sa add src "$me" dst "$peer" spi $out_spi reqid 1 \
		mode "$mode" "$@" "${encap[@]}" &&
	tool "$ns" sa add src "$peer" dst "$me" spi $in_spi reqid 1 \
		mode "$mode" replay 32 "$@" "${encap[@]}" &&
	tool "$ns" policy add dir out src "$sel_a" dst "$sel_b" \
		tmpl src "$me" dst "$peer" mode "$mode" reqid 1 &&
	tool "$ns" policy add dir in src "$sel_b" dst "$sel_a" \
		tmpl src "$peer" dst "$me" mode "$mode" reqid 1
}

uninstall() {
	local ns=$1 me=$2 peer=$3 sel_a=$4 sel_b=$5 out_spi=0x1000 in_spi=0x2000
	[ "$ns" = "$B" ] && out_spi=0x2000 in_spi=0x1000
	tool "$ns" sa del src "$me" dst "$peer" spi $out_spi &&
	tool "$ns" sa del src "$peer" dst "$me" spi $in_spi &&
	tool "$ns" policy del dir out src "$sel_a" dst "$sel_b" &&
	tool "$ns" policy del dir in src "$sel_b" dst "$sel_a"
}

# No SA and no policy but per-socket ones (the udp-encap sockets').
nothing_left() {
	[ -z "$(ip -n "$A" xfrm state; ip -n "$B" xfrm state)" ] &&
	[ "$( (ip -n "$A" xfrm policy; ip -n "$B" xfrm policy) |
		grep -cE '^[[:space:]]*dir (in|out|fwd) ')" = 0 ]
}

stats_agree() {		# the library's GETSA equals ip's view, and is > 0
	local ns=$1 src=$2 dst=$3 spi=$4 got
	got=$(tool "$ns" sa stats dst "$dst" spi "$spi") || return 1
	[ "$got" = "bytes $(sa_counter "$ns" "$src" "$dst" "$spi" bytes) packets $PINGS" ] &&
	[ "${got#bytes 0 }" = "$got" ]
}

# run_case NAME FAMILY MODE ALGS...
run_case() {
	local name=$1 fam=$2 mode=$3 oa ob ia ib sa sb
	shift 3
	if [ "$fam" = 4 ]; then
		oa=192.0.2.1 ob=192.0.2.2 ia=10.1.0.1 ib=10.2.0.1 host=32
	else
		oa=2001:db8::1 ob=2001:db8::2 ia=fd01::1 ib=fd02::1 host=128
	fi
	if [ "$mode" = tunnel ]; then
		sa=$ia/$host sb=$ib/$host
	else
		sa=$oa/$host sb=$ob/$host ia=$oa ib=$ob
	fi
	if ! install "$A" "$oa" "$ob" "$oa" "$ob" "$mode" "$sa" "$sb" "$@" ||
	   ! install "$B" "$ob" "$oa" "$oa" "$ob" "$mode" "$sb" "$sa" "$@"; then
		for _ in 1 2 3 4 5 6 7 8 ${ENCAP:+9}; do
			ktap_fail "$name: set-up"
		done
		ip -n "$A" xfrm state flush; ip -n "$A" xfrm policy flush
		ip -n "$B" xfrm state flush; ip -n "$B" xfrm policy flush
		return
	fi
	ktap_ok "$name: SAs and policies installed through the library"
	ktap_result "$name: ping through ESP" \
		ip netns exec "$A" ping -q -c $PINGS -i 0.2 -W 5 -I "$ia" "$ib"
	check_eq "$name: A's outbound SA counted $PINGS packets" \
		"$(sa_counter "$A" "$oa" "$ob" 0x1000 packets)" $PINGS
	check_eq "$name: B's inbound SA counted $PINGS packets" \
		"$(sa_counter "$B" "$oa" "$ob" 0x1000 packets)" $PINGS
	check_eq "$name: B's outbound SA counted $PINGS packets" \
		"$(sa_counter "$B" "$ob" "$oa" 0x2000 packets)" $PINGS
	check_eq "$name: A's inbound SA counted $PINGS packets" \
		"$(sa_counter "$A" "$ob" "$oa" 0x2000 packets)" $PINGS
	ktap_result "$name: xfrm_sa_get_stats agrees with ip -s xfrm state" \
		stats_agree "$B" "$oa" "$ob" 0x1000
	if [ -n "${ENCAP:-}" ]; then
		ktap_result "$name: SAs carry UDP encapsulation 4500/4500" \
			bash -c "ip -n $A xfrm state | grep -c 'encap type espinudp sport 4500 dport 4500' | grep -qx 2"
	fi
	uninstall "$A" "$oa" "$ob" "$sa" "$sb" &&
		uninstall "$B" "$ob" "$oa" "$sb" "$sa"
	ktap_result "$name: deleting through the library leaves nothing" \
		nothing_left
}

topology || skip_all "cannot build the namespaces"
ktap_plan 51

# The first ESP SA of a boot loads esp4/esp6, the ciphers and the kernel's
# DRBG (seeded by jitterentropy, slow under TCG): time it apart.
t0=$(date +%s)
for alg in "aead rfc4106(gcm(aes)) $(key 20)" \
	   "aead rfc7539esp(chacha20,poly1305) $(key 36)" \
	   "enc cbc(aes) $(key 16) auth hmac(sha512) $(key 64)"; do
	# shellcheck disable=SC2086
	tool "$A" sa add src 2001:db8::1 dst 2001:db8::2 spi 0x99 reqid 1 \
		mode transport $alg &&
	tool "$A" sa del src 2001:db8::1 dst 2001:db8::2 spi 0x99
done
ktap_diag "loading ESP and its crypto took $(($(date +%s) - t0)) s"

run_case "IPv4 transport AES-GCM-128" 4 transport \
	aead 'rfc4106(gcm(aes))' "$(key 20)" icv 128
run_case "IPv4 tunnel AES-CBC-256 HMAC-SHA2-256" 4 tunnel \
	enc 'cbc(aes)' "$(key 32)" auth 'hmac(sha256)' "$(key 32)"
run_case "IPv6 transport AES-CBC-128 HMAC-SHA2-512" 6 transport \
	enc 'cbc(aes)' "$(key 16)" auth 'hmac(sha512)' "$(key 64)"
run_case "IPv6 tunnel AES-GCM-256" 6 tunnel \
	aead 'rfc4106(gcm(aes))' "$(key 36)"

# UDP encapsulation needs an ESP-in-UDP socket on 4500 on both sides.
for ns in "$A" "$B"; do
	log=$(mktemp)
	ip netns exec "$ns" "$TOOL" udp-encap 0.0.0.0 4500 >"$log" &
	track_pid $!
	wait_for 5 grep -qx ready "$log" ||
		ktap_diag "udp-encap socket in $ns not ready"
	rm -f "$log"
done
check_eq "the ESP-in-UDP sockets got bypass policies in and out" \
	"$(ip -n "$A" xfrm policy | grep -cE 'socket (in|out)')" 2
ENCAP=1 run_case "IPv4 transport ChaCha20-Poly1305 in UDP" 4 transport \
	aead 'rfc7539esp(chacha20,poly1305)' "$(key 36)"
ENCAP=

# Refusals: a bad spec never reaches the kernel; kernel errors show.
msg=$(tool "$A" sa add src 192.0.2.1 dst 192.0.2.2 spi 0x3000 reqid 1 \
	mode transport aead 'rfc4106(gcm(aes))' "$(key 16)" 2>&1)
check_eq "16-byte GCM key refused by the library, exit 1, nothing added" \
	"$?:$msg:$(ip -n "$A" xfrm state)" \
	"1:xfrm_lib_tool: sa add: Invalid argument: key of 16 bytes for 'rfc4106(gcm(aes))'; it takes 20, 28 or 36 (AES key + 4 salt) bytes:"
tool "$A" sa add src 192.0.2.1 dst 192.0.2.2 spi 0x3000 reqid 1 \
	mode transport enc 'cbc(aes)' "$(key 16)" auth 'hmac(sha256)' "$(key 32)"
msg=$(tool "$A" sa add src 192.0.2.1 dst 192.0.2.2 spi 0x3000 reqid 1 \
	mode transport enc 'cbc(aes)' "$(key 16)" auth 'hmac(sha256)' \
	"$(key 32)" 2>&1)
check_eq "adding an existing SA fails with EEXIST" \
	"$?:$(echo "$msg" | grep -o 'sa add: File exists')" "1:sa add: File exists"
tool "$A" sa del src 192.0.2.1 dst 192.0.2.2 spi 0x3000
msg=$(tool "$A" sa del src 192.0.2.1 dst 192.0.2.2 spi 0x3000 2>&1)
check_eq "deleting a missing SA fails with ESRCH" \
	"$?:$(echo "$msg" | grep -o 'sa del: No such process')" \
	"1:sa del: No such process"

# ALLOCSPI: a larval SA with a kernel-chosen SPI, which xfrm_sa_update()
# completes, as the daemon does for its inbound SAs.
spi=$(tool "$B" sa allocspi src 192.0.2.1 dst 192.0.2.2 reqid 9)
ktap_result "ALLOCSPI returns an SPI >= 0x100 that the kernel lists" \
	bash -c "[ \$(( $spi )) -ge 256 ] && ip -n $B xfrm state | grep -q 'spi $spi'"
k=$(key 28)
tool "$B" sa update src 192.0.2.1 dst 192.0.2.2 spi "$spi" reqid 9 \
	mode tunnel replay 32 aead 'rfc4106(gcm(aes))' "$k"
check_eq "UPDSA completes the larval SA: mode, window, algorithm, key" \
	"$(ip -n "$B" xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp \
		spi "$spi" | grep -cE "reqid 9 mode tunnel|replay-window 32|aead rfc4106\(gcm\(aes\)\) 0x$k 128")" 3
tool "$B" sa del src 192.0.2.1 dst 192.0.2.2 spi "$spi"
ktap_result "xfrm_sa_update of an SA that does not exist fails" \
	bash -c "! ip netns exec $B $TOOL sa update src 192.0.2.1 dst 192.0.2.2 \
		spi 0x5555 reqid 9 mode tunnel aead 'rfc4106(gcm(aes))' $(key 20) 2>/dev/null"

# Kernel events through xfrm_events_open()/xfrm_event_parse(): the soft
# and hard expiry of an SA with 1 s/2 s lifetimes, and an acquire from a
# policy without SA (what start_action = trap and rekeying build on).
log=$(mktemp)
ip netns exec "$A" "$TOOL" events 3 20 >"$log" &
evpid=$!
track_pid $evpid
wait_for 5 grep -qx ready "$log" || ktap_diag "event listener not ready"
tool "$A" sa add src 192.0.2.1 dst 192.0.2.2 spi 0x4000 reqid 4 \
	mode transport aead 'rfc4106(gcm(aes))' "$(key 20)" \
	soft-secs 1 hard-secs 2
tool "$A" policy add dir out src 192.0.2.1/32 dst 192.0.2.2/32 proto 17 \
	dport 9 tmpl src 192.0.2.1 dst 192.0.2.2 mode transport reqid 7
wait_for 10 grep -q '^expire hard' "$log"
ip netns exec "$A" bash -c 'echo x >/dev/udp/192.0.2.2/9' 2>/dev/null
wait "$evpid"
check_eq "events: the kernel's soft expire is parsed" \
	"$(grep '^expire soft' "$log")" \
	"expire soft spi 0x00004000 reqid 4 dst 192.0.2.2"
check_eq "events: the kernel's hard expire is parsed" \
	"$(grep '^expire hard' "$log")" \
	"expire hard spi 0x00004000 reqid 4 dst 192.0.2.2"
check_eq "events: an acquire from a template without SA is parsed" \
	"$(grep '^acquire' "$log")" \
	"acquire reqid 7 dst 192.0.2.2 sel-dst 192.0.2.2/32"
rm -f "$log"

ktap_finish
