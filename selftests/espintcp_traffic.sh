#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP-in-TCP data path: ping and a verified bulk transfer through plain
# ESP SAs bound to an espintcp connection, for IPv4 and IPv6 outer
# headers, transport and tunnel mode; exact counters for the pings. Last,
# two SAs that share destination and SPI and differ by mark, both bound:
# each packet counts on the binding of the SA that built it.
#
#   ns A                                         ns B
#   dum0 10.1.0.1 fd01::1 (tunnel inner)         dum0 10.1.0.2 fd01::2
#   veth0 10.0.0.1 fd00::1 ─────── veth ─────── veth0 10.0.0.2 fd00::2
#   espintcp_peer connect ══ TCP 4500: IKETCP, ULP ══ espintcp_peer listen
#     binds SA 0x1000 (A->B)                       binds SA 0x2000 (B->A)

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

BULK=$((1024 * 1024))

require_module
ktap_plan 35

run_case() {		# run_case OUTER MODE
	local tag="IPv$1 outer, $2"
	ktap_diag "$tag: starting at $(date +%T)"
	etcp_topology && etcp_ipsec "$1" "$2" || {
		for _ in 1 2 3 4 5 6 7 8; do ktap_fail "$tag: set-up"; done
		return
	}
	ktap_result "$tag: peers connect, attach the ULP and bind" \
		etcp_connect "v$1$2"
	ktap_result "$tag: ping through ESP-in-TCP" \
		ip netns exec "$A" ping -q -c 3 -i 0.2 -W 5 "$IB"
	check_eq "$tag: A framed exactly 3 ESP packets" \
		"$(etcp_stat "$A" tx_esp)" 3
	check_eq "$tag: B decapsulated exactly 3 ESP records" \
		"$(etcp_stat "$B" rx_esp)" 3
	check_eq "$tag: B's SA 0x1000 counted 3 packets" \
		"$(ip -n "$B" -s xfrm state list spi 0x1000 |
			awk '/lifetime current/ {getline; print $2}')" \
		"3(packets)"
	check_eq "$tag: 1 MiB bulk arrives intact" \
		"$(etcp_bulk "$B" "$IB" "$A" $BULK)" same
	check_eq "$tag: no drops on A" \
		"$(etcp_stat "$A" tx_queue_full)/$(etcp_stat "$A" tx_error)" 0/0
	check_eq "$tag: no malformed records on B" \
		"$(etcp_stat "$B" rx_malformed)/$(etcp_stat "$B" rx_no_route)" 0/0
	etcp_disconnect
	cleanup
	SELFTEST_NETNS=() SELFTEST_PIDS=()
}

# A second SA 0x1000 on A, marked 0x5/0xff, reached only by packets of
# mark 5 (its policy's template names its reqid). It is bound first, so
# the unmarked SA's binding, which any mark matches, sits before it in
# the table: the marked packets must still count on their own binding.
run_mark_case() {
	local tag="marked and unmarked SA of one SPI"
	# xfrm refuses the marked SA after the unmarked one, whose mask
	# takes every mark: it goes first.
	etcp_topology && ip_batch "$A" <<-EOF && etcp_ipsec 4 tunnel || {
	xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 reqid 5 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128 mark 0x5 mask 0xff
	xfrm policy add src 10.1.0.1 dst 10.1.0.2 dir out priority 50 mark 0x5 mask 0xff tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 5 mode tunnel
	EOF
		for _ in 1 2 3; do ktap_fail "$tag: set-up"; done
		return
	}
	ETCP_BIND_A="$OB,1000,5/ff" ktap_result \
		"$tag: both bound to one connection" \
		etcp_connect mark -b "$OB,1000"
	ktap_result "$tag: ping with mark 5 through ESP-in-TCP" \
		ip netns exec "$A" ping -q -c 3 -i 0.2 -W 5 -m 5 "$IB"
	check_eq "$tag: packets counted by mark/mask" \
		"$(show_json "$A" '[.bindings[] | "\(.mark)/\(.mark_mask)=\(.tx_packets)"]
			| sort | join(" ")')" "0/0=0 5/255=3"
	etcp_disconnect
	cleanup
	SELFTEST_NETNS=() SELFTEST_PIDS=()
}

run_case 4 transport
run_case 4 tunnel
run_case 6 transport
run_case 6 tunnel
run_mark_case
ktap_finish
