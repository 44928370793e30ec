#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Many connections and lost ones: 100 espintcp connections at once, each
# echoing an IKE message; then a connection whose peer goes away: the
# binding turns dormant, "ipsecme monitor" prints the CONN_LOST event,
# packets of the SA are dropped and counted, and binding the SA to a new
# connection (RFC 9329 reconnection) makes traffic flow again, which the
# monitor shows as a BOUND event. Last, a
# stream that can no longer be written (its owner shut it down) ends the
# connection at the next record instead of dropping records silently.
#
#   ns A                                       ns B
#   dum0 10.1.0.1 ──── tunnel ESP 0x1000/0x2000 ──── dum0 10.1.0.2
#   veth0 10.0.0.1 ─────────────── veth ─────────────── veth0 10.0.0.2
#   espintcp_raw.py clients x100 ══ TCP 4600 ══ espintcp_raw.py serve
#   espintcp_peer connect ═════════ TCP 4500 ═══ espintcp_peer listen
#   ipsecme monitor

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

RAW="python3 $SELFTEST_DIR/espintcp_raw.py"

require_module
ktap_plan 11
etcp_topology || skip_all "set-up failed"

# 100 connections at once, each with the ULP on both ends.
mkfifo "$ETCP_RUN/srv.in" "$ETCP_RUN/cli.in"
ip netns exec "$B" $RAW serve 10.0.0.2 4600 100 <"$ETCP_RUN/srv.in" \
	>"$ETCP_RUN/srv.out" 2>&1 &
SRV=$!
track_pid $SRV
exec {SRV_IN}>"$ETCP_RUN/srv.in"
wait_for 10 etcp_listening "$B" 4600
ip netns exec "$A" $RAW clients 10.0.0.2 4600 100 <"$ETCP_RUN/cli.in" \
	>"$ETCP_RUN/cli.out" 2>&1 {SRV_IN}>&- &
CLI=$!
track_pid $CLI
exec {CLI_IN}>"$ETCP_RUN/cli.in"
wait_for 60 grep -q echoed "$ETCP_RUN/cli.out"
check_eq "100 concurrent connections each echo one IKE message" \
	"$(cat "$ETCP_RUN/cli.out")/$(cat "$ETCP_RUN/srv.out")" \
	"echoed 100/served 100"
check_eq "ipsecme show lists 100 espintcp sockets in each namespace" \
	"$(show_json "$A" '.connections | length')/$(show_json "$B" \
		'.connections | length')" \
	100/100
# The server side goes first, so that every client socket sees its
# connection lost before it is closed.
lost_at_least() { [ "$(etcp_stat "$A" conn_lost)" -ge "$1" ]; }
exec {SRV_IN}>&-
wait $SRV
wait_for 60 lost_at_least 100
exec {CLI_IN}>&-
wait $CLI
check_eq "client side counters after 100 connections" \
	"$(etcp_counters "$A")" "conn_attached=100 conn_lost=100 rx_ike=100 tx_ike=100"

# Connection loss, dormant binding, event, rebinding.
etcp_ipsec 4 tunnel
ip netns exec "$A" "$IPSECME" monitor >"$ETCP_RUN/monitor" 2>&1 &
track_pid $!
wait_for 10 grep -q listening "$ETCP_RUN/monitor"
etcp_connect one
ktap_result "ping through the first connection" \
	ip netns exec "$A" ping -q -c 2 -i 0.2 -W 5 10.1.0.2
kill "$PID_B"			# the responder goes away: A sees EOF
wait_for 10 grep -q conn-lost "$ETCP_RUN/monitor"
check_eq "monitor prints the loss with one dormant binding" \
	"$(grep conn-lost "$ETCP_RUN/monitor")" \
	"conn-lost reason \"Broken pipe\" dormant-bindings 1"
check_eq "A's binding of SA 0x1000 is dormant" \
	"$(show_json "$A" '[.bindings[].state] | join(",")')" dormant
dormant_before=$(etcp_stat "$A" tx_dormant)
ip netns exec "$A" ping -q -c 2 -i 0.2 -W 1 10.1.0.2 >/dev/null
check_eq "packets of a dormant binding are dropped and counted" \
	"$(etcp_stat "$A" tx_dormant)" $((dormant_before + 2))
exec {FD_A}>&-
wait "$PID_A" 2>/dev/null
etcp_connect two
ktap_result "after rebinding to a new connection, ping works again" \
	ip netns exec "$A" ping -q -c 2 -i 0.2 -W 5 10.1.0.2
# "bound", then the binding: dst, spi, state and socket.
bound_twice() { [ "$(grep -c '^bound$' "$ETCP_RUN/monitor")" = 2 ]; }
wait_for 10 bound_twice
check_eq "monitor prints both bindings of SA 0x1000, the second to the new socket" \
	"$(grep -A1 '^bound$' "$ETCP_RUN/monitor" | awk '$1 == "dst" {
		print $2, $4, $5, ($7 == ino ? "new" : "old") }' \
		ino="$(show_json "$A" '.bindings[0].socket')" | paste -sd,)" \
	"10.0.0.2 0x00001000 active old,10.0.0.2 0x00001000 active new"
etcp_disconnect

lost_before=$(etcp_stat "$A" conn_lost)
etcp_connect three -W --
ip netns exec "$A" ping -q -c 1 -W 1 10.1.0.2 >/dev/null
lost_once() { [ "$(etcp_stat "$A" conn_lost)" = $((lost_before + 1)) ]; }
ktap_result "a write that fails ends the connection" wait_for 10 lost_once
check_eq "and turns its binding dormant" \
	"$(show_json "$A" '[.bindings[] | select(.spi == "0x00001000")
		| .state] | join(",")')" dormant
etcp_disconnect
ktap_finish
