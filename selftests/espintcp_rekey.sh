#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A rekey's new outbound SA over ESP-in-TCP: bound before it is added
# (IPSECME_BIND_F_BEFORE_SA), it carries every packet from the first one,
# the moment it takes over the policy from its predecessor; none leaves
# as plain ESP, no ping is lost. Then the old SA goes, and with it its
# binding. What a waiting binding must not do: move or shadow the binding
# of an SA that exists (a peer may propose another peer's SPI), stay
# behind an SA added by UPDSA. One is left for the namespace's exit.
#
#   ns A                                          ns B
#   dum0 10.1.0.1 ── tunnel ESP 0x1000, then 0x1001 ──▶ dum0 10.1.0.2
#                 ◀─────────────── ESP 0x2000 ────────
#   veth0 10.0.0.1 ─────────────── veth ─────────────── veth0 10.0.0.2
#   espintcp_peer connect ═════════ TCP 4500 ══════════ espintcp_peer listen
#   (binds 0x1000, and 0x1001 before it exists;
#    nft counts bare ESP leaving veth0)

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

require_module
ktap_plan 17
etcp_topology && etcp_ipsec 4 tunnel || skip_all "set-up failed"
# Whatever leaves A's link as bare ESP has escaped the connection. (B
# cannot tell: the module hands the ESP it takes out of the stream to
# B's stack as if veth0 had received it.)
ip netns exec "$A" nft -f - <<-EOF || skip_all "no nftables egress hook"
	table netdev t {
		chain out {
			type filter hook egress device veth0 priority 0
			ip protocol esp counter
		}
	}
EOF
bare_esp() {
	ip netns exec "$A" nft -j list table netdev t |
		jq '[.nftables[].rule? // empty | .expr[1].counter.packets] | add'
}
state_of() {
	show_json "$A" "[.bindings[] | select(.spi == \"$1\") | .state]
		| join(\",\")"
}
tx_of() {
	show_json "$A" "[.bindings[] | select(.spi == \"$1\") | .tx_packets]
		| add // 0"
}
# sa_packets NS SPI: packets the kernel counted on that SA.
sa_packets() {
	ip -n "$1" -s xfrm state get src 10.0.0.1 dst 10.0.0.2 proto esp \
		spi "$2" | awk '/lifetime current:/ { getline; print $2 }' |
		tr -d '(packets)'
}

etcp_connect r -b "wait:10.0.0.2,1001" --
ktap_result "ping over the first SA" \
	ip netns exec "$A" ping -q -c 2 -i 0.2 -W 5 10.1.0.2
check_eq "the successor's binding waits for its SA" \
	"$(state_of 0x00001000):$(state_of 0x00001001)" "active:waiting"

ip netns exec "$A" ping -i 0.05 -W 5 10.1.0.2 >"$ETCP_RUN/ping" 2>&1 &
PING=$!
track_pid $PING
answered() { [ "$(grep -c 'bytes from' "$ETCP_RUN/ping")" -ge "$1" ]; }
wait_for 20 answered 5
# The rekey: B learns the new inbound SA first, then A adds its outbound,
# which takes over the policy at once; no other BIND.
etcp_sa_cmd 10.0.0.1 10.0.0.2 0x1001 "$KEY_BA" tunnel | ip_batch "$B"
etcp_sa_cmd 10.0.0.1 10.0.0.2 0x1001 "$KEY_BA" tunnel | ip_batch "$A"
new_used() { [ "$(tx_of 0x00001001)" -ge 10 ]; }
wait_for 30 new_used
kill -INT $PING
wait $PING
check_eq "the new SA took the binding when it was added" \
	"$(state_of 0x00001001)" active
check_eq "every packet of the new SA went over the connection" \
	"$(sa_packets "$A" 0x1001):$(tx_of 0x00001001)" \
	"$(tx_of 0x00001001):$(tx_of 0x00001001)"
check_eq "none left A as bare ESP" "$(bare_esp)" 0
# Up to the last answered request: the one in flight at SIGINT is not lost.
check_eq "no ping lost across the switch" \
	"$(awk -F'icmp_seq=' '/icmp_seq=/ { split($2, f, " "); n++
		if (f[1] > max) max = f[1] }
		END { print (n >= 10 && n == max) ? "none" : "answered " n " of " max }' \
		"$ETCP_RUN/ping")" none

ip -n "$A" xfrm state delete src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000
check_eq "deleting the old SA removes its binding only" \
	"$(state_of 0x00001000):$(state_of 0x00001001)" ":active"
ktap_result "ping over the new SA alone" \
	ip netns exec "$A" ping -q -c 2 -i 0.2 -W 5 10.1.0.2
# The counter's own check: unbound, the SA's packets leave as bare ESP.
ip netns exec "$A" "$SELFTEST_BIN/genl_raw" -c 3 -a 2:0200 -a 3:0a000002 \
	-a 4:00001001 >/dev/null
ip netns exec "$A" ping -q -c 1 -W 1 10.1.0.2 >/dev/null
check_eq "once unbound, the counter sees the SA's packet leave bare" \
	"$(bare_esp)" 1

# try_wait SPI [MARK/MASK]: bind before the SA, from a socket closed at once.
try_wait() {
	ip netns exec "$A" "$PEER" try-bind ulp-wait 10.0.0.2 "$@" 2>&1
}
check_eq "bind before an SA that exists: EEXIST" "$(try_wait 1001)" \
	"error EEXIST: An SA of this destination and SPI exists; bind it without IPSECME_BIND_F_BEFORE_SA"
check_eq "nor before one its SA would collide with in xfrm (by mark): EEXIST" \
	"$(try_wait 1001 5/ff | cut -d: -f1)" "error EEXIST"
# Left behind on purpose, for the namespace's exit and rmmod to clean up.
check_eq "a waiting binding for the next rekey" \
	"$(try_wait 1002):$(state_of 0x00001002)" "ok:waiting"
check_eq "a second one of the same name: EEXIST" "$(try_wait 1002)" \
	"error EEXIST: A binding of this SA exists"

# A waiting binding (mark 5/0xff) does not shadow the binding of an SA
# added after it that also takes mark 5 (unmarked): a packet with mark 5
# is that SA's, and is counted (dropped: its socket is closed) there.
drops_of() {
	show_json "$A" "[.bindings[] | select(.spi == \"$1\" and .mark_mask == $2)
		| .tx_drops] | add // \"none\""
}
try_wait 1003 5/ff >/dev/null
etcp_sa_cmd 10.0.0.1 10.0.0.2 0x1003 "$KEY_BA" tunnel | ip_batch "$A"
ip netns exec "$A" "$PEER" try-bind ulp 10.0.0.2 1003 >/dev/null 2>&1
ip netns exec "$A" ping -q -m 5 -c 1 -W 1 10.1.0.2 >/dev/null
check_eq "a binding that holds its SA comes before a waiting one" \
	"$(drops_of 0x00001003 0):$(drops_of 0x00001003 255)" "1:0"

# UPDSA over a larval SA (ALLOCSPI) inserts the SA: it takes the binding.
check_eq "bind 0x1100 before its SA" "$(try_wait 1100):$(state_of 0x00001100)" \
	"ok:waiting"
ip -n "$A" xfrm state allocspi src 10.0.0.1 dst 10.0.0.2 proto esp \
	mode tunnel min 0x1100 max 0x1100 >/dev/null
ip -n "$A" xfrm state update src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1100 \
	mode tunnel aead 'rfc4106(gcm(aes))' "$KEY_AB" 128
check_eq "an SA added by UPDSA takes it (dormant: its socket is closed)" \
	"$(state_of 0x00001100)" dormant
ip -n "$A" xfrm state delete src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1100
check_eq "deleting that SA removes the binding" "$(state_of 0x00001100)" ""
etcp_disconnect
ktap_finish
