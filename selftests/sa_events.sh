#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every xfrm event the module's SA notifier and output hook can see, with
# the module loaded: add, update, delete, soft and hard expiry, flush and
# migration, of SAs bound to an espintcp socket and of SAs that are not,
# in several namespaces and from an unprivileged user namespace. A binding
# disappears exactly when its SA does (also after an update changed the
# SA's if_id), and whatever happens to its socket, its SA or the packet's
# mark, the SA's packets never leave as plain ESP (fail closed).
#
#   ns A                                         ns B
#   dum0 10.1.0.1 ── tunnel ESP 0x1000/0x2000 ── dum0 10.1.0.2
#   veth0 10.0.0.1 (+ 10.0.0.11) ─── veth ───── veth0 10.0.0.2 (+ .12)
#   espintcp_peer connect (binds 0x1000) ══ TCP 4500 ══ espintcp_peer listen
#   nft: counts ESP leaving veth0 at postrouting (must stay 0 while bound)
#   ns N: unbound SAs only

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

MIGRATE="python3 $SELFTEST_DIR/xfrm_migrate.py"

require_module
ktap_plan 36
etcp_topology && etcp_ipsec 4 tunnel && setup_ns N ||
	skip_all "set-up failed"

bindings() { show_json "$1" '.bindings | length'; }
binding_state() { show_json "$1" "[.bindings[] | select(.spi == \"$2\")
	| .state] | join(\",\")"; }
sa_gone() { [ -z "$(ip -n "$1" xfrm state list spi "$2")" ]; }
# fresh_sas: the tunnel's SAs and policies anew on both sides.
fresh_sas() {
	local ns
	for ns in "$A" "$B"; do
		ip -n "$ns" xfrm state flush && ip -n "$ns" xfrm policy flush
	done
	etcp_ipsec 4 tunnel
}
ping_a() { ip netns exec "$A" ping -q -c "${1:-3}" -i 0.2 -W 1 10.1.0.2; }
# ESP that left A's veth0 in clear (not over the TCP connection).
esp_leaked() {
	ip netns exec "$A" nft -j list counter inet leak leaked |
		jq '.nftables[] | select(.counter) | .counter.packets'
}
ip netns exec "$A" nft -f - <<-NFT
table inet leak {
	counter leaked { }
	chain post {
		type filter hook postrouting priority 0;
		oifname "veth0" meta l4proto esp counter name leaked
	}
}
NFT

# --- unbound SAs: the events a plain IKE daemon causes -------------------
# An AH SA among them where the kernel has AH (the debug kernel does not).
AH_STATE=
modprobe -q ah4 && AH_STATE="xfrm state add src 10.9.0.1 dst 10.9.0.2 proto ah spi 0x102 mode tunnel auth hmac(sha256) $KEY_AB"
unbound_events() {		# in namespace $1
	ip_batch "$1" <<-EOF
	xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x100 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128
	xfrm state update src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x100 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128 replay-window 32
	xfrm state delete src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x100
	xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x101 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128
	$AH_STATE
	xfrm state flush proto esp
	xfrm state flush
	EOF
}
ktap_result "unbound SAs: add, update, delete, flush in a namespace" \
	unbound_events "$N"
unpriv_events() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare -Urn sh -c "ip link set lo up && ip -batch -" <<-EOF
	xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x100 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128
	xfrm state delete src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x100
	xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x101 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128 limit time-soft 1 limit time-hard 2
	xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x102 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128
	xfrm state flush
	EOF
}
ktap_result "unbound SAs: the same from an unprivileged user namespace" \
	unpriv_events
check_eq "GET_INFO tells the host's admin how many namespaces there are" \
	"$(show_json "$N" '.namespaces | type')" number
check_eq "and a user namespace's root nothing about the host" \
	"$(setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urn \
		"$IPSECME" -j show | jq -r .namespaces)" null
# Expiry of unbound SAs: the notifier runs from the SA timer (softirq).
ip -n "$N" xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x103 \
	mode tunnel aead 'rfc4106(gcm(aes))' $KEY_AB 128 limit time-soft 1 \
	limit time-hard 2
ktap_result "an unbound SA expires (soft, then hard)" \
	wait_for 30 sa_gone "$N" 0x103

# --- a bound SA ------------------------------------------------------------
ktap_result "peers connect and bind" etcp_connect one
ktap_result "ping through the bound SA" ping_a
check_eq "nothing left A as plain ESP" "$(esp_leaked)" 0
ip -n "$A" xfrm state update src 10.0.0.1 dst 10.0.0.2 proto esp \
	spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' $KEY_AB 128 \
	limit packet-soft 2
ktap_result "an updated SA stays bound; its soft expiry keeps the binding" \
	ping_a 4
check_eq "the binding is still active after a soft expiry" \
	"$(binding_state "$A" 0x00001000)" active
ktap_result "events in another namespace leave A's binding alone" \
	unbound_events "$N"
check_eq "A still has its binding" "$(bindings "$A")" 1
ip -n "$A" xfrm state update src 10.0.0.1 dst 10.0.0.2 proto esp \
	spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' $KEY_AB 128 if_id 5
check_eq "an update of the SA's if_id shows in its binding" \
	"$(show_json "$A" '[.bindings[].if_id] | join(",")')" 5
ip -n "$A" xfrm state delete src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000
check_eq "ip xfrm state delete removes the binding" "$(bindings "$A")" 0
etcp_disconnect

# Hard expiry: the SA timer deletes the SA and the binding goes with it.
# The SA is older than the lifetime it is given, so it expires at once.
fresh_sas
etcp_connect two
check_eq "bound again" "$(bindings "$A")" 1
ip -n "$A" xfrm state update src 10.0.0.1 dst 10.0.0.2 proto esp \
	spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' $KEY_AB 128 \
	limit time-hard 1
ktap_result "the SA reaches its hard lifetime" wait_for 30 sa_gone "$A" 0x1000
check_eq "the hard expiry removed the binding" "$(bindings "$A")" 0
etcp_disconnect

# Fail closed: the socket is closed (a daemon crashed) while bound.
fresh_sas
etcp_connect three
kill -9 "$PID_A"
wait "$PID_A" 2>/dev/null
check_eq "closing the socket leaves the binding dormant" \
	"$(binding_state "$A" 0x00001000)" dormant
ping_a 3 >/dev/null
check_eq "packets of the dormant binding are dropped and counted" \
	"$(etcp_stat "$A" tx_dormant)" 3
check_eq "and none left A as plain ESP" "$(esp_leaked)" 0
exec {FD_A}>&- {FD_B}>&-
wait "$PID_B" 2>/dev/null

# The mark: xfrm picks the SA by the policy's mark (VTI does so without
# marking the packet), and rules may rewrite the packet's mark before the
# module's hook. A bound SA's packets are carried whatever mark they have.
fresh_sas
ip_batch "$A" <<-CMDS
xfrm state delete src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000
xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128 mark 5 mask 0xff
xfrm policy delete src 10.1.0.1 dst 10.1.0.2 dir out
xfrm policy add src 10.1.0.1 dst 10.1.0.2 dir out priority 100 mark 5 mask 0xff tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel
CMDS
ip netns exec "$A" nft -f - <<-NFT
table inet remark {
	chain out {
		type filter hook output priority 0;
		meta l4proto esp meta mark set 7
	}
}
NFT
ETCP_BIND_A=10.0.0.2,1000,5/ff etcp_connect marked
ktap_result "a marked SA whose packets a rule re-marks: ping works" \
	ip netns exec "$A" ping -q -m 5 -c 3 -i 0.2 -W 5 10.1.0.2
check_eq "and nothing left A as plain ESP" "$(esp_leaked)" 0
ip netns exec "$A" nft delete table inet remark
etcp_disconnect

# A policy that covers the connection itself would feed its segments
# back into it, each write making another.
fresh_sas
etcp_connect loop
ip -n "$A" xfrm policy add src 10.0.0.1 dst 10.0.0.2 proto tcp dport 4500 \
	dir out priority 5 tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel
ping_a 1 >/dev/null
looped() { [ "$(etcp_stat "$A" tx_loop)" -gt 0 ]; }
ktap_result "the connection's own segments are dropped, not fed back" \
	wait_for 30 looped
ip -n "$A" xfrm policy delete src 10.0.0.1 dst 10.0.0.2 proto tcp \
	dport 4500 dir out
etcp_disconnect

# Migration (MOBIKE) replaces the SA without an event: fail closed, also
# when the destination moves and the SA's name with it.
fresh_sas
ip -n "$A" addr add 10.0.0.11/24 dev veth0
ip -n "$B" addr add 10.0.0.12/24 dev veth0
etcp_connect four
ktap_result "migrate A's outbound SA to a new source address" \
	ip netns exec "$A" $MIGRATE out 10.1.0.1/32 10.1.0.2/32 10.0.0.1 \
	10.0.0.2 10.0.0.11 10.0.0.2 tunnel 0
ping_a 3 >/dev/null
check_eq "packets of the migrated SA are dropped as stale" \
	"$(etcp_stat "$A" tx_stale)" 3
check_eq "still nothing left A as plain ESP" "$(esp_leaked)" 0
ktap_result "migrate it again, to a new destination" \
	ip netns exec "$A" $MIGRATE out 10.1.0.1/32 10.1.0.2/32 10.0.0.11 \
	10.0.0.2 10.0.0.11 10.0.0.12 tunnel 0
ping_a 3 >/dev/null
check_eq "packets of the SA at its new destination are dropped as stale" \
	"$(etcp_stat "$A" tx_stale)" 6
check_eq "and none left A as plain ESP" "$(esp_leaked)" 0
ip -n "$A" xfrm state flush
check_eq "a flush removes the stale binding" "$(bindings "$A")" 0
etcp_disconnect

# MOBIKE may move an SA to the other address family: its packets are
# then ESP over IPv6, and they must not leave as plain ESP either.
fresh_sas
etcp_connect six
stale=$(etcp_stat "$A" tx_stale)
ktap_result "migrate A's outbound SA from IPv4 to IPv6 outer addresses" \
	ip netns exec "$A" $MIGRATE out 10.1.0.1/32 10.1.0.2/32 10.0.0.1 \
	10.0.0.2 fd00::1 fd00::2 tunnel 0
ping_a 3 >/dev/null
check_eq "the SA migrated to IPv6 built the ping's 3 packets" \
	"$(xfrm_count "$A" packets dst fd00::2 spi 0x1000)" 3
check_eq "packets of the SA migrated to IPv6 are dropped as stale" \
	"$(($(etcp_stat "$A" tx_stale) - stale))" 3
check_eq "and none left A as plain ESP over IPv6" "$(esp_leaked)" 0
ip -n "$A" xfrm state flush
etcp_disconnect

# A namespace dies with a dormant binding (the SA holds a reference).
fresh_sas
etcp_connect five
etcp_disconnect
check_eq "the binding outlives its socket, dormant" \
	"$(binding_state "$A" 0x00001000)" dormant
ip netns del "$A"
ktap_result "the module unloads after the namespace went" \
	wait_for 30 rmmod ipsecme
ktap_finish
