#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A transport mode CHILD_SA restricted to a port carries nothing else
# into the host: the kernel checks every packet that arrives through a
# transport SA against the SA's selector (and lets it in without a
# matching "dir in" policy), so the selector must hold the negotiated
# protocol and ports.
#
#   $a: ipsecmed (responder)                 $b: charon (initiator), a
#                                                peer that cheats
#   veth0 10.0.0.1/24 ---------------------- veth0 10.0.0.2/24
#   child port: transport,                   child: transport,
#     local_ts 10.0.0.1/32[tcp/5001]           local_ts 10.0.0.2/32,
#     remote_ts 10.0.0.2/32                    remote_ts 10.0.0.1/32[tcp/5001]
#
# Asserted: both SAs of $a carry the selector with protocol and port; a
# SYN to port 5001 and its RST cross the SA. Then $b adds policies of
# its own that send a SYN to port 5002 and a UDP datagram to port 5001
# into its SA (charon installs transport SAs with an address-only
# selector, so its kernel obliges): $a decrypts them and drops every one
# (XfrmInStateMismatch counts exactly the packets that came in through
# the SA off its selector) and nothing answers them in clear. Once $a
# installed address-only selectors, and took both.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
command -v swanctl >/dev/null && [ -x "$CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) is not installed"
command -v nft >/dev/null || skip_all "nft (nftables) is not installed"
modprobe -q esp4 || skip_all "the kernel has no esp4"

PSK="ports-$(mktemp -u XXXXXXXXXXXX)"
work=$(mktemp -d)

setup() {
	setup_pair || return 1
	xfrm_warmup "$a" && xfrm_warmup "$b" || return 1
	# What $a sends in clear towards $b: an RST from port 5002, an
	# ICMP error for the UDP datagram.
	ip netns exec "$a" nft -f - <<-NFT || return 1
	table netdev wire {
		chain out {
			type filter hook egress device "veth0" priority 0;
			tcp sport 5002 counter
			icmp type destination-unreachable counter
		}
	}
	NFT
	printf '%s\n' "$PSK" >"$work/psk"
	chmod 600 "$work/psk"
	cat >"$work/a.conf" <<-EOC
	daemon {
		ctl_socket = $work/a.ctl
	}
	connection tp {
		local_addrs = 10.0.0.1
		proposals = aes128gcm16-prfsha256-x25519
		psk_file = $work/psk
		local {
			auth = psk
			id = a.example
		}
		remote {
			auth = psk
			id = b.example
		}
		child port {
			mode = transport
			local_ts = 10.0.0.1/32[tcp/5001]
			remote_ts = 10.0.0.2/32
			esp_proposals = aes128gcm16
		}
	}
	EOC
	ipsecmed_start "$a" "$work/a.conf" "$work/a.log" "$work/a.ctl" ||
		return 1
	swanctl_conf local=10.0.0.2 remote=10.0.0.1 local_id=b.example \
		remote_id=a.example psk="$PSK" mode=transport \
		local_ts=10.0.0.2/32 'remote_ts=10.0.0.1/32[tcp/5001]' \
		>"$work/b.conf"
	charon_start "$b" "$work/b.conf"
}

# sel NS SRC DST: the selector line of the SA SRC -> DST in NS.
sel() {
	ip -n "$1" xfrm state list src "$2" dst "$3" |
		sed -n 's/^[[:space:]]*\(sel .*[^[:space:]]\)[[:space:]]*$/\1/p'
}

# counters: packets of $a's SAs, in:out.
counters() {
	echo "$(xfrm_count "$a" packets src 10.0.0.2 dst 10.0.0.1):$(
		xfrm_count "$a" packets src 10.0.0.1 dst 10.0.0.2)"
}

# mismatches: $a's XfrmInStateMismatch.
mismatches() {
	ip netns exec "$a" awk '$1 == "XfrmInStateMismatch" { print $2 }' \
		/proc/net/xfrm_stat
}

# syn PORT: a TCP connection attempt from $b to 10.0.0.1:PORT; refused
# at once when an RST comes back, else given up after 3 s.
syn() {
	ip netns exec "$b" timeout 3 bash -c \
		"echo >/dev/tcp/10.0.0.1/$1" 2>/dev/null
	return 0
}

# What left $a's veth0 in clear: RSTs from 5002, ICMP errors.
clear_answers() {
	ip netns exec "$a" nft list chain netdev wire out |
		grep -o 'packets [0-9]*' | cut -d' ' -f2 | paste -sd:
}

ktap_plan 7
if ! setup; then
	ktap_diag "setup failed"
	exit $KSFT_FAIL
fi

ktap_result "charon brings up the transport child" \
	swanctl_in "$b" --initiate --child child --timeout 30
check_eq "a's inbound SA carries the negotiated protocol and port" \
	"$(sel "$a" 10.0.0.2 10.0.0.1)" \
	"sel src 10.0.0.2/32 dst 10.0.0.1/32 proto tcp dport 5001"
check_eq "a's outbound SA carries the negotiated protocol and port" \
	"$(sel "$a" 10.0.0.1 10.0.0.2)" \
	"sel src 10.0.0.1/32 dst 10.0.0.2/32 proto tcp sport 5001"
syn 5001
check_eq "SYN to port 5001 and RST cross the SA: a's packets in:out" \
	"$(counters)" 1:1

# $b sends traffic the CHILD_SA does not cover into its SA.
reqid=$(ip -n "$b" xfrm state list src 10.0.0.2 dst 10.0.0.1 |
	grep -o 'reqid [0-9]*' | cut -d' ' -f2)
ip_batch "$b" <<-EOF
xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 proto tcp dport 5002 dir out priority 10 tmpl proto esp mode transport reqid $reqid
xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 proto udp dport 5001 dir out priority 10 tmpl proto esp mode transport reqid $reqid
EOF
in0=$(xfrm_count "$a" packets src 10.0.0.2 dst 10.0.0.1)
m0=$(mismatches)
syn 5002
ip netns exec "$b" bash -c 'echo x >/dev/udp/10.0.0.1/5001'
wait_for 10 eval '[ "$(mismatches)" -ge $((m0 + 2)) ]'
din=$(($(xfrm_count "$a" packets src 10.0.0.2 dst 10.0.0.1) - in0))
check_eq "every packet off the selector that came through the SA is dropped" \
	"$(($(mismatches) - m0)) of $din, $([ "$din" -ge 2 ] && echo 2+)" \
	"$din of $din, 2+"
check_eq "nothing answers them in clear: RSTs from 5002, ICMP errors" \
	"$(clear_answers)" 0:0
syn 5001
check_eq "port 5001 still crosses the SA: a's packets in:out" \
	"$(counters)" "$((in0 + din + 1)):2"

ktap_finish
