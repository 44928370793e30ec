#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a pass/fail test: bulk TCP throughput (iperf3) between
# two namespaces with no IPsec, through ordinary ESP-in-UDP (the kernel's
# own NAT-T path) and through ipsecme's ESP-in-TCP, all in one boot, RUNS
# runs each; prints the medians and their ratios. Run it through the
# guest runner:  selftests/vm/run.sh -k 6.12 -t 600 espintcp_bench.sh
# (it is deliberately not in TEST_PROGS).
#
#   ns A                                         ns B
#   dum0 10.1.0.1 ── tunnel ESP (AES-GCM-128) ── dum0 10.1.0.2  iperf3 -s
#   veth0 10.0.0.1 ─────────── veth ─────────── veth0 10.0.0.2
#   plain:   iperf3 to 10.0.0.2 (no policy covers it)
#   udp:     SAs with "encap espinudp 4500 4500", UDP encap socket in B
#   tcp:     plain SAs bound to an espintcp connection on TCP 4500

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

RUNS=${RUNS:-5}
SECS=${SECS:-4}

require_module
etcp_topology || skip_all "set-up failed"
ip netns exec "$B" iperf3 -s -D -B 10.0.0.2 -p 5201 --logfile /dev/null
ip netns exec "$B" iperf3 -s -D -B 10.1.0.2 -p 5202 --logfile /dev/null
ip netns exec "$B" iperf3 -s -D -B 10.1.0.2 -p 5203 --logfile /dev/null
wait_for 10 etcp_listening "$B" 5203

# measure ADDR PORT: median of RUNS iperf3 runs, Mbit/s.
measure() {
	local i vals=()
	for ((i = 0; i < RUNS; i++)); do
		vals+=("$(ip netns exec "$A" iperf3 -c "$1" -p "$2" -t "$SECS" -J |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6)')")
	done
	ktap_diag "runs to $1:$2 (Mbit/s): ${vals[*]}" >&2
	printf '%s\n' "${vals[@]}" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}

tunnel_pols() {		# tunnel_pols: 10.1.0.1 <-> 10.1.0.2 through ESP
	etcp_pol "$A" out 10.1.0.1 10.1.0.2 10.0.0.1 10.0.0.2 tunnel
	etcp_pol "$A" in 10.1.0.2 10.1.0.1 10.0.0.2 10.0.0.1 tunnel
	etcp_pol "$A" fwd 10.1.0.2 10.1.0.1 10.0.0.2 10.0.0.1 tunnel
	etcp_pol "$B" out 10.1.0.2 10.1.0.1 10.0.0.2 10.0.0.1 tunnel
	etcp_pol "$B" in 10.1.0.1 10.1.0.2 10.0.0.1 10.0.0.2 tunnel
	etcp_pol "$B" fwd 10.1.0.1 10.1.0.2 10.0.0.1 10.0.0.2 tunnel
}

ktap_plan 3
PLAIN=$(measure 10.0.0.2 5201)
ktap_ok "plain TCP: $PLAIN Mbit/s"

# ESP-in-UDP: the kernel's own encapsulation; B needs an encap socket.
for ns in "$A" "$B"; do
	ip -n "$ns" xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp \
		spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' "$KEY_AB" 128 \
		encap espinudp 4500 4500 0.0.0.0
	ip -n "$ns" xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp \
		spi 0x2000 mode tunnel aead 'rfc4106(gcm(aes))' "$KEY_BA" 128 \
		encap espinudp 4500 4500 0.0.0.0
done
for ns in "$A" "$B"; do
	ip netns exec "$ns" python3 -c '
import signal, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4500))
s.setsockopt(socket.IPPROTO_UDP, 100, 2)	# UDP_ENCAP, ESPINUDP
signal.pause()' &
	track_pid $!
done
tunnel_pols
UDP=$(measure 10.1.0.2 5202)
ktap_ok "ESP-in-UDP: $UDP Mbit/s"

# ESP-in-TCP: same SPIs and keys, no encapsulation template, bound.
ip -n "$A" xfrm state flush
ip -n "$B" xfrm state flush
OA=10.0.0.1 OB=10.0.0.2
for ns in "$A" "$B"; do
	etcp_sa "$ns" 10.0.0.1 10.0.0.2 0x1000 "$KEY_AB" tunnel
	etcp_sa "$ns" 10.0.0.2 10.0.0.1 0x2000 "$KEY_BA" tunnel
done
etcp_connect bench
TCP=$(measure 10.1.0.2 5203)
ktap_ok "ESP-in-TCP: $TCP Mbit/s"
ktap_diag "drops: A tx_queue_full=$(etcp_stat "$A" tx_queue_full) B rx_no_route=$(etcp_stat "$B" rx_no_route)"
python3 -c "
p, u, t = $PLAIN, $UDP, $TCP
print('# medians of $RUNS runs of ${SECS}s, Mbit/s: plain %.1f, esp-in-udp %.1f, esp-in-tcp %.1f' % (p, u, t))
print('# ratios: esp-in-tcp/esp-in-udp %.2f, esp-in-udp/plain %.2f, esp-in-tcp/plain %.2f' % (t / u, u / p, t / p))"
etcp_disconnect
ktap_finish
