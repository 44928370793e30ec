#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecmed against ipsecmed over TCP (RFC 9329) where UDP is blocked,
# with ipsecme.ko carrying the ESP:
#
#   $a: ipsecmed (road warrior)              $b: ipsecmed (gateway)
#   inner 192.168.1.1 <= ESP in TCP 4500 => inner 192.168.2.1
#   veth0 10.0.0.1/24 -- nft: no UDP leaves -- veth0 10.0.0.2/24
#
#  - encapsulation = tcp: up, ping, SA counters in both kernels, one
#    binding each to the IKE SA's connection, nothing over UDP and no
#    plain ESP on the wire, down: SAs and bindings gone;
#  - encapsulation = auto: UDP is dropped, IKE_SA_INIT falls back to TCP
#    after tcp_fallback and the tunnel carries the ping.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
modprobe -q esp4 || skip_all "the kernel has no esp4"
ike_module || exit $KSFT_FAIL

work=$(mktemp -d)

# conf SIDE LOCAL REMOTE LOCAL_TS REMOTE_TS DAEMON_EXTRA: connections
# "tcp" and "auto", told apart by their identities.
conf() {
	local side=$1 peer=b
	[ "$side" = b ] && peer=a
	cat <<-EOC
	daemon {
		ctl_socket = $work/$side.ctl
		retransmit_timeout = 1s
		retransmit_tries = 4
		$6
	}
	EOC
	for conn in tcp auto; do
		cat <<-EOC
		connection $conn {
			local_addrs = $2
			remote_addrs = $3
			proposals = aes128gcm16-prfsha256-x25519
			psk_file = $work/psk
			encapsulation = $conn
			tcp_fallback = 2s
			local {
				auth = psk
				id = $side.$conn.example
			}
			remote {
				auth = psk
				id = $peer.$conn.example
			}
			child net {
				local_ts = $4
				remote_ts = $5
				esp_proposals = aes128gcm16
			}
		}
		EOC
	done
}

# The firewall in front of $a: UDP is dropped, and counted; so is any ESP
# that would leave outside TCP. On the way out of the host (postrouting):
# the module takes a bound SA's ESP at the end of LOCAL_OUT, after an
# output chain.
firewall() {
	ip netns exec "$a" nft -f - <<-EOF
	table inet fw {
		chain out {
			type filter hook postrouting priority 0;
			meta l4proto udp counter drop
			meta l4proto esp counter drop
		}
	}
	EOF
}
dropped() {
	ip netns exec "$a" nft -j list table inet fw |
		jq "[.nftables[].rule? // empty | select(.expr[0].match.right == \"$1\") | .expr[1].counter.packets] | add"
}

start() {
	printf 'tcp-%s\n' "$(mktemp -u XXXXXXXXXXXXXXXX)" >"$work/psk"
	chmod 600 "$work/psk"
	conf a 10.0.0.1 10.0.0.2 192.168.1.1/32 192.168.2.1/32 "" \
		>"$work/a.conf"
	conf b 10.0.0.2 10.0.0.1 192.168.2.1/32 192.168.1.1/32 \
		"tcp_port = 4500" >"$work/b.conf"
	for side in a b; do
		ip netns exec "${!side}" "$IPSECMED" -f "$work/$side.conf" \
			>"$work/$side.log" 2>&1 &
		track_pid $!
	done
	wait_for 20 test -S "$work/a.ctl" && wait_for 20 test -S "$work/b.ctl"
}

ctl() { "$IPSECME" -s "$work/$1.ctl" "${@:2}"; }
ping_ab() {
	ip netns exec "$a" ping -q -c "$1" -i 0.2 -W 2 -s "$2" -I 192.168.1.1 \
		192.168.2.1
}
counters() {
	echo "$(xfrm_count "$1" packets src "$2" dst "$3"):$(
		xfrm_count "$1" packets src "$3" dst "$2")"
}
bindings() { show_json "$1" '[.bindings[]? | select(.state == "active")] | length'; }
gone() {
	[ "$(ctl a status)" = "no IKE SAs" ] &&
	[ "$(ctl b status)" = "no IKE SAs" ] &&
	xfrm_empty "$a" && xfrm_empty "$b" &&
	[ "$(show_json "$a" '.bindings | length')" = 0 ] &&
	[ "$(show_json "$b" '.bindings | length')" = 0 ]
}

ktap_plan 12
ktap_result "topology set up, UDP blocked in front of a" eval 'setup_pair &&
	xfrm_warmup "$a" && xfrm_warmup "$b" && firewall'
ktap_result "ipsecmed starts on both sides" start

ktap_result "tcp: up" ctl a up tcp
ktap_result "tcp: ping through the tunnel, 1400-byte packets" ping_ab 5 1400
check_eq "tcp: a's and b's kernel SAs out:in packets" \
	"$(counters "$a" 10.0.0.1 10.0.0.2) $(counters "$b" 10.0.0.2 10.0.0.1)" \
	"5:5 5:5"
check_eq "tcp: each outbound SA bound to the IKE SA's connection" \
	"$(bindings "$a"):$(bindings "$b")" 1:1
check_eq "tcp: nothing tried UDP, no ESP outside TCP" \
	"$(dropped udp):$(dropped esp)" 0:0
ctl a down tcp >/dev/null
ktap_result "tcp: down: both daemons, kernels and the module forgot it" \
	wait_for 20 gone

ktap_result "auto: up although UDP is dropped" ctl a up auto
ktap_result "auto: fell back to TCP after tcp_fallback" \
	grep -q "no answer over UDP in 2 s, falling back to TCP port 4500" \
	"$work/a.log"
ktap_result "auto: ping through the tunnel" ping_ab 3 100
ctl a down auto >/dev/null
ktap_result "auto: down: forgotten everywhere" wait_for 20 gone

if [ "$ktap_failed" -ne 0 ]; then
	for f in "$work"/[ab].log; do
		ktap_diag "--- $f"
		tail -n 60 "$f" | sed 's/^/# /'
	done
	ip netns exec "$a" nft list ruleset | sed 's/^/# /'
fi
rm -rf "$work"
ktap_diag "took $SECONDS s"
ktap_finish
