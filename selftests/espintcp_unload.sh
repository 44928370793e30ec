#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod under traffic: with a bulk transfer and pings running through an
# ESP-in-TCP connection and one peer blocked in recv(), unloading the
# module succeeds, aborts the espintcp sockets (the blocked reader gets
# ECONNABORTED) and leaves nothing behind (the runner checks dmesg for
# BUG/WARN/leaks); the module loads again and works.
#
#   ns A                                         ns B
#   dum0 10.1.0.1 ── tunnel ESP 0x1000/0x2000 ── dum0 10.1.0.2
#   veth0 10.0.0.1 ─────────── veth ─────────── veth0 10.0.0.2
#   espintcp_peer connect -e (blocked in recv) ══ espintcp_peer listen

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

require_module
ktap_plan 6
etcp_topology && etcp_ipsec 4 tunnel || skip_all "set-up failed"

ktap_result "peers connect and bind" etcp_connect u -e --
ip netns exec "$B" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.1.0.2", 5001)); s.listen(1); c, _ = s.accept()
while c.recv(65536): pass' &
track_pid $!
wait_for 10 etcp_listening "$B" 5001
ip netns exec "$A" python3 -c '
import socket
s = socket.create_connection(("10.1.0.2", 5001), timeout=120)
b = b"x" * 65536
while True: s.sendall(b)' 2>/dev/null &
track_pid $!
ip netns exec "$A" ping -q -i 0.05 -c 400 -W 1 10.1.0.2 >/dev/null 2>&1 &
track_pid $!
flowing() { [ "$(etcp_stat "$A" tx_esp)" -ge 100 ]; }
ktap_result "traffic flows through ESP-in-TCP" wait_for 60 flowing

ktap_result "rmmod ipsecme succeeds under traffic" rmmod ipsecme
check_eq "the module is gone" "$([ -d /sys/module/ipsecme ] || echo gone)" gone
wait_for 10 grep -q . "$ETCP_RUN/u.a.out"
check_eq "the reader blocked in recv() got ECONNABORTED" \
	"$(cat "$ETCP_RUN/u.a.out")" "error Software caused connection abort"
modprobe ipsecme
ktap_result "the module loads again and answers" "$IPSECME" show
ktap_finish
