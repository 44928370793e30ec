#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo (`make demo`): a road warrior in a hotel whose network drops
# UDP, so neither IKE nor ESP-in-UDP gets out. Its ipsecmed tries UDP,
# falls back to TCP (RFC 9329), and the tunnel to the office network
# runs through ipsecme.ko's ESP-in-TCP on the stock kernel. It pings the
# office, shows `ipsecme status` from both sides, and what the hotel's
# router saw: TCP port 4500 only.
#
#   $client (road warrior)    $hotel (drops UDP)       $gw (gateway)
#   veth0 198.51.100.10/24 -- 198.51.100.1  203.0.113.1 -- 203.0.113.2
#                                                   office: 10.1.0.1/16
#   tunnel 198.51.100.10/32 <=== ESP in TCP 4500 ===> 10.1.0.0/16

source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
modprobe -q esp4 || skip_all "the kernel has no esp4"
ike_module || exit $KSFT_FAIL

work=$(mktemp -d)

setup() {
	setup_ns client hotel gw || return 1
	veth_pair "$client" veth0 "$hotel" vc || return 1
	veth_pair "$hotel" vg "$gw" veth0 || return 1
	ip -n "$client" addr add 198.51.100.10/24 dev veth0
	ip -n "$client" route add default via 198.51.100.1
	ip -n "$hotel" addr add 198.51.100.1/24 dev vc
	ip -n "$hotel" addr add 203.0.113.1/24 dev vg
	ip netns exec "$hotel" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$hotel" nft -f - <<-EOF || return 1
	table inet hotel {
		chain forward {
			type filter hook forward priority 0;
			meta l4proto udp counter drop
		}
	}
	EOF
	ip -n "$gw" addr add 203.0.113.2/24 dev veth0
	ip -n "$gw" route add 198.51.100.0/24 via 203.0.113.1
	ip -n "$gw" link add office type dummy
	ip -n "$gw" link set office up
	ip -n "$gw" addr add 10.1.0.1/16 dev office
	printf 'demo-%s\n' "$(mktemp -u XXXXXXXXXXXXXXXX)" >"$work/psk"
	chmod 600 "$work/psk"
}

# conf NAME LOCAL REMOTE LOCAL_ID REMOTE_ID LOCAL_TS REMOTE_TS DAEMON_EXTRA
conf() {
	cat <<-EOC
	daemon {
		ctl_socket = $work/$1.ctl
		$8
	}
	connection office {
		local_addrs = $2
		remote_addrs = $3
		proposals = aes128gcm16-prfsha256-x25519
		psk_file = $work/psk
		encapsulation = auto
		tcp_fallback = 1s
		local {
			auth = psk
			id = $4
		}
		remote {
			auth = psk
			id = $5
		}
		child lan {
			local_ts = $6
			remote_ts = $7
			esp_proposals = aes128gcm16
		}
	}
	EOC
}

start_daemons() {
	conf gw 203.0.113.2 198.51.100.10 gw.example alice@example \
		10.1.0.0/16 198.51.100.10/32 "tcp_port = 4500" >"$work/gw.conf"
	conf client 198.51.100.10 203.0.113.2 alice@example gw.example \
		198.51.100.10/32 10.1.0.0/16 "" >"$work/client.conf"
	for side in gw client; do
		ip netns exec "${!side}" "$IPSECMED" -f "$work/$side.conf" \
			>"$work/$side.log" 2>&1 &
		track_pid $!
	done
	wait_for 20 test -S "$work/gw.ctl" && wait_for 20 test -S "$work/client.ctl"
}

status() { "$IPSECME" -s "$work/$1.ctl" "${@:2}" status; }

# What the hotel forwarded to the gateway over IPv4 while the ping ran
# (not IPv6's own link chatter), one line per protocol and port: "tcp
# 4500" is the tunnel. Immediate mode, and a wait for the six packets of
# the ping before the capture stops: tcpdump otherwise holds packets in a
# ring block for up to a second and loses them to SIGINT.
capture_start() {
	ip netns exec "$hotel" tcpdump -Z root -U --immediate-mode -i vg -nn -q \
		-w "$work/hotel.pcap" ip >"$work/tcpdump.log" 2>&1 &
	CAPTURE=$!
	track_pid $CAPTURE
	wait_for 20 grep -q "listening on" "$work/tcpdump.log"
}
captured_tunnel() {
	[ "$(tcpdump -r "$work/hotel.pcap" -nn "tcp port 4500" 2>/dev/null |
		wc -l)" -ge 6 ]
}
capture_summary() {
	wait_for 10 captured_tunnel
	kill -INT "$CAPTURE"
	wait "$CAPTURE" 2>/dev/null
	tcpdump -r "$work/hotel.pcap" -nn 2>/dev/null | awk '
		/ IP6? / {
			proto = "tcp"; port = ""
			if ($0 ~ /: UDP/) proto = "udp"
			else if ($0 ~ /: ESP/) proto = "esp"
			else if ($0 ~ /: ICMP/) proto = "icmp"
			if (proto == "tcp" || proto == "udp") {
				port = "other"
				if ($3 ~ /\.4500$/ || $5 ~ /\.4500:$/) port = 4500
			}
			n[proto " " port]++
		}
		END { for (k in n) print k, n[k] }' | sort
}
udp_dropped() {
	ip netns exec "$hotel" nft -j list table inet hotel |
		jq '[.nftables[].rule? // empty | .expr[1].counter.packets] | add'
}

ktap_plan 8
ktap_result "a road warrior, a hotel network that drops UDP, a gateway" \
	setup
ktap_result "ipsecmed starts on both" start_daemons
ktap_result "the road warrior brings the tunnel up" \
	"$IPSECME" -s "$work/client.ctl" up office
ktap_result "UDP got no answer, the tunnel runs over TCP" \
	eval '[ "$(udp_dropped)" -gt 0 ] &&
	status client -j | jq -e ".ike_sas[0].transport | startswith(\"tcp\")"'
capture_start
ktap_result "ping from the road warrior reaches the office network" \
	ip netns exec "$client" ping -q -c 3 -i 0.2 -W 2 10.1.0.1
summary=$(capture_summary)
echo "# --- what the hotel network carried during the ping ---"
echo "$summary" | sed 's/^/# /'
check_eq "the hotel carried the ping as TCP port 4500 and nothing else" \
	"$(echo "$summary" | grep -vc "^tcp 4500 "):$(echo "$summary" |
	awk '$1 == "tcp" && $2 == 4500 { print ($3 >= 3) }')" 0:1
echo "# --- ipsecme status on the road warrior ---"
status client | sed 's/^/# /'
echo "# --- ipsecme status on the gateway ---"
status gw | sed 's/^/# /'
check_eq "the gateway's CHILD_SA counted the 3 echo requests" \
	"$(status gw -j | jq '[.ike_sas[].child_sas[].packets_in] | add')" 3
check_eq "the kernel of each side holds 2 ESP SAs" \
	"$(ip -n "$client" xfrm state | grep -c '^src'):$(ip -n "$gw" xfrm state | grep -c '^src')" \
	"2:2"
if [ "$ktap_failed" -ne 0 ]; then
	for f in "$work"/*.log; do
		ktap_diag "--- $f"
		sed 's/^/# /' "$f" | tail -n 40
	done
fi
rm -rf "$work"
ktap_finish
