#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What goes over the wire: IKE messages sent while ESP traffic flows on
# the same connection arrive intact and in order; a capture on the veth
# holds nothing but TCP port 4500 between the peers, and the stream A->B
# parses as "IKETCP" followed by whole RFC 9329 records. None of the IKE
# messages is dropped under the ESP load, and one of 40000 bytes (bigger
# than any kmalloc'd buffer fits in half a default receive buffer) gets
# through.
#
#   ns A                                          ns B
#   veth0 10.0.0.1 ──────────── veth ──────────── veth0 10.0.0.2  (tcpdump)
#   espintcp_peer connect -s 40:200 ══ TCP 4500 ══ espintcp_peer listen -R 40:200
#   bulk client ── ESP (SA 0x1000, transport) ──> bulk server :5001

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

require_module
ktap_plan 9
etcp_topology && etcp_ipsec 4 transport || skip_all "set-up failed"

CAP=$ETCP_RUN/cap.pcap
# Not in immediate mode: libpcap then sizes its ring frames by the MTU and
# truncates the coalesced segments (GRO) whose bytes the parser needs.
ip netns exec "$B" tcpdump -i veth0 -n -U -s 0 -w "$CAP" \
	2>"$ETCP_RUN/tcpdump.err" &
TCPDUMP=$!
track_pid $TCPDUMP
wait_for 10 grep -q "listening on" "$ETCP_RUN/tcpdump.err"

ktap_result "peers connect and bind" \
	etcp_connect s -g "$ETCP_RUN/go" -s 40:200 -i 20 -- -R 40:200
# A steady ping keeps ESP records coming for as long as the IKE messages
# go out (they start once it runs), so the two must interleave.
ip netns exec "$A" ping -q -i 0.05 -W 1 10.0.0.2 >/dev/null 2>&1 &
PING=$!
track_pid $PING
esp_flowing() { [ "$(etcp_stat "$A" tx_esp)" -ge 5 ]; }
wait_for 60 esp_flowing
touch "$ETCP_RUN/go"
check_eq "bulk transfer during the IKE messages arrives intact" \
	"$(etcp_bulk "$B" 10.0.0.2 "$A" $((1024 * 1024)))" same
wait_for 60 grep -q "^received" "$ETCP_RUN/s.b.out"
kill $PING
wait $PING 2>/dev/null
ktap_result "ping still works on the same connection" \
	ip netns exec "$A" ping -q -c 3 -i 0.2 -W 5 10.0.0.2
check_eq "B received all 40 IKE messages, intact and in order" \
	"$(cat "$ETCP_RUN/s.b.out")" "received 40"
check_eq "IKE counters: A sent 40, B received 40, none dropped" \
	"$(etcp_stat "$A" tx_ike)/$(etcp_stat "$B" rx_ike)/$(etcp_stat "$B" rx_ike_overflow)" \
	40/40/0
ESP_A=$(etcp_stat "$A" tx_esp)
etcp_disconnect
kill -INT $TCPDUMP
wait $TCPDUMP 2>/dev/null

FRAMING=$(python3 "$SELFTEST_DIR/espintcp_framing.py" "$CAP" 10.0.0.1 \
	10.0.0.2 4500)
ktap_diag "capture A->B: $FRAMING"
check_eq "capture: prefix, $ESP_A ESP records of SA 0x1000, 40 IKE, nothing else" \
	"$(echo "$FRAMING" | sed 's/ switches.*//')" \
	"prefix ok esp $ESP_A ike 40 spis 0x1000 bad 0 rest 0 other 0"
SWITCHES=$(echo "$FRAMING" | sed 's/.*switches //')
ktap_result "capture: IKE and ESP records are interleaved ($SWITCHES switches)" \
	test "$SWITCHES" -ge 2

ktap_result "peers connect again" etcp_connect big -s 1:40000 -- -R 1:40000
wait_for 60 grep -q "^received" "$ETCP_RUN/big.b.out"
check_eq "one IKE message of 40000 bytes arrives whole" \
	"$(cat "$ETCP_RUN/big.b.out")" "received 1"
etcp_disconnect
ktap_finish
