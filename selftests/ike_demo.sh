#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo (`make demo`): a gateway and a road-warrior client, both
# ipsecmed, bring up a tunnel to the office network, ping through it, and
# show `ipsecme status` from both sides.
#
#   $client (road warrior)                 $gw (gateway)
#   veth0 198.51.100.10/24 ---------------- veth0 198.51.100.1/24
#                                          office: dummy 10.1.0.1/16
#   tunnel 198.51.100.10/32 <=== ESP ===> 10.1.0.0/16

source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
modprobe -q esp4 || skip_all "the kernel has no esp4"
ike_module || exit $KSFT_FAIL

work=$(mktemp -d)

setup() {
	setup_ns client gw || return 1
	veth_pair "$client" veth0 "$gw" veth0 || return 1
	ip -n "$client" addr add 198.51.100.10/24 dev veth0
	ip -n "$gw" addr add 198.51.100.1/24 dev veth0
	ip -n "$gw" link add office type dummy
	ip -n "$gw" link set office up
	ip -n "$gw" addr add 10.1.0.1/16 dev office
	ip -n "$client" route add 10.1.0.0/16 via 198.51.100.1
	printf 'demo-%s\n' "$(mktemp -u XXXXXXXXXXXXXXXX)" >"$work/psk"
	chmod 600 "$work/psk"
}

# conf NAME LOCAL REMOTE LOCAL_ID REMOTE_ID LOCAL_TS REMOTE_TS
conf() {
	cat <<-EOC
	daemon {
		ctl_socket = $work/$1.ctl
	}
	connection office {
		local_addrs = $2
		remote_addrs = $3
		proposals = aes128gcm16-prfsha256-x25519
		psk_file = $work/psk
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
	conf gw 198.51.100.1 198.51.100.10 gw.example alice@example \
		10.1.0.0/16 198.51.100.10/32 >"$work/gw.conf"
	conf client 198.51.100.10 198.51.100.1 alice@example gw.example \
		198.51.100.10/32 10.1.0.0/16 >"$work/client.conf"
	for side in gw client; do
		ip netns exec "${!side}" "$IPSECMED" -f "$work/$side.conf" \
			>"$work/$side.log" 2>&1 &
		track_pid $!
	done
	wait_for 20 test -S "$work/gw.ctl" && wait_for 20 test -S "$work/client.ctl"
}

status() { "$IPSECME" -s "$work/$1.ctl" "${@:2}" status; }

ktap_plan 6
ktap_result "two namespaces: a road warrior and a gateway" setup
ktap_result "ipsecmed starts on both" start_daemons
ktap_result "the road warrior brings the tunnel up" \
	"$IPSECME" -s "$work/client.ctl" up office
ktap_result "ping from the road warrior reaches the office network" \
	ip netns exec "$client" ping -q -c 3 -i 0.2 -W 2 10.1.0.1
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
