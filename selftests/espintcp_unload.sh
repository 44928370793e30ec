#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod under traffic: while a bulk transfer and pings run through an
# ESP-in-TCP connection, the espintcp sockets pin the module, so rmmod
# fails with "in use" and the traffic goes on untouched; once the sockets
# are closed the module unloads cleanly (the runner checks dmesg for
# BUG/WARN/leaks), loads again and works.
#
#   ns A                                         ns B
#   dum0 10.1.0.1 ── tunnel ESP 0x1000/0x2000 ── dum0 10.1.0.2
#   veth0 10.0.0.1 ─────────── veth ─────────── veth0 10.0.0.2
#   espintcp_peer connect ════════ TCP 4500 ════ espintcp_peer listen

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

require_module
ktap_plan 7
etcp_topology && etcp_ipsec 4 tunnel || skip_all "set-up failed"

ktap_result "peers connect and bind" etcp_connect u
ip netns exec "$B" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.1.0.2", 5001)); s.listen(1); c, _ = s.accept()
while c.recv(65536): pass' &
SINK=$!
track_pid $SINK
wait_for 10 etcp_listening "$B" 5001
ip netns exec "$A" python3 -c '
import socket
s = socket.create_connection(("10.1.0.2", 5001), timeout=120)
b = b"x" * 65536
while True: s.sendall(b)' 2>/dev/null &
BULK=$!
track_pid $BULK
flowing() { [ "$(etcp_stat "$A" tx_esp)" -ge "$1" ]; }
ktap_result "traffic flows through ESP-in-TCP" wait_for 60 flowing 100

check_eq "rmmod under traffic fails: the sockets pin the module" \
	"$(rmmod ipsecme 2>&1)" "rmmod: ERROR: Module ipsecme is in use"
sent=$(etcp_stat "$A" tx_esp)
ktap_result "traffic still flows after the refused rmmod" \
	wait_for 60 flowing $((sent + 100))

kill "$BULK" "$SINK" 2>/dev/null
wait "$BULK" "$SINK" 2>/dev/null
etcp_disconnect
ktap_result "rmmod succeeds once the sockets are closed" \
	wait_for 60 rmmod ipsecme
modprobe ipsecme
ktap_result "the module loads again and answers" "$IPSECME" show
ktap_result "and carries ESP-in-TCP again" eval 'etcp_connect v &&
	ip netns exec "$A" ping -q -c 2 -i 0.2 -W 5 10.1.0.2'
ktap_finish
