#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Traffic selector ranges (RFC 7296 2.9) go into the kernel exactly:
#
#   $a: ipsecmed (responder)                  $b: charon (initiator)
#   inner 192.168.1.1/32                      rng (dummy) 10.9.0.3, 10.9.0.9,
#                                                         10.9.0.17
#   veth0 10.0.0.1/24 ----------------------- veth0 10.0.0.2/24
#   allows remote_ts 10.9.0.0/24              child "child": 10.9.0.1-10.9.0.5
#                                             child "prt": 10.9.0.16/28
#                                                          [tcp/1000-1010]
#
# XFRM selectors are prefixes and port blocks, so ipsecmed installs the
# range as 10.9.0.1/32, 10.9.0.2/31 and 10.9.0.4/31 and the port range as
# the blocks 1000/fff8, 1008/fffe and 1010 (once ranges became 0.0.0.0/0
# and port ranges any port). Asserted: the exact policy selectors in $a
# (nothing wider), a ping from inside the range is ESP with exact
# counters, a ping to 10.9.0.9 (in 10.9.0.0/24 but outside the range) goes
# in clear (counters unchanged, answered), a TCP SYN to port 1007 of
# 10.9.0.17 is protected and one to port 1011 is not.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
command -v swanctl >/dev/null && [ -x "$CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) is not installed"
modprobe -q esp4 || skip_all "the kernel has no esp4"

PSK="range-$(mktemp -u XXXXXXXXXXXX)"
work=$(mktemp -d)

setup() {
	setup_pair || return 1
	ip_batch "$a" <<-EOF || return 1
	route add 10.9.0.0/24 dev veth0 src 192.168.1.1
	EOF
	ip_batch "$b" <<-EOF || return 1
	link add rng type dummy
	link set rng up
	addr add 10.9.0.3/32 dev rng
	addr add 10.9.0.9/32 dev rng
	addr add 10.9.0.17/32 dev rng
	EOF
	xfrm_warmup "$a" && xfrm_warmup "$b" || return 1
	printf '%s\n' "$PSK" >"$work/psk"
	chmod 600 "$work/psk"
	cat >"$work/a.conf" <<-EOC
	daemon {
		ctl_socket = $work/a.ctl
	}
	connection rw {
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
		child net {
			local_ts = 192.168.1.1/32
			remote_ts = 10.9.0.0/24
			esp_proposals = aes128gcm16
		}
	}
	EOC
	ipsecmed_start "$a" "$work/a.conf" "$work/a.log" "$work/a.ctl" ||
		return 1
	swanctl_conf local=10.0.0.2 remote=10.0.0.1 local_id=b.example \
		remote_id=a.example psk="$PSK" local_ts=10.9.0.1-10.9.0.5 \
		remote_ts=192.168.1.1/32 more_children="$(swanctl_child prt \
		'10.9.0.16/28[tcp/1000-1010]' 192.168.1.1/32)" >"$work/b.conf"
	charon_start "$b" "$work/b.conf"
}

# policies NS: "SELECTOR dir DIR" of every in/out/fwd policy, sorted.
policies() {
	ip -n "$1" xfrm policy | awk '
		/^src/ { sel = $0; sub(/ +$/, "", sel) }
		/^\tdir (in|out|fwd)/ { print sel " dir " $2 }' | sort
}

# expect_policies PIECES: the policies for 192.168.1.1/32 <-> each piece
# ("PREFIX" or "PREFIX proto tcp PORT", PORT applying to the remote
# side), in all three directions, sorted as policies() sorts.
expect_policies() {
	local p pfx rest
	for p in "$@"; do
		pfx=${p%% *}
		rest=${p#"$pfx"}
		if [ -n "$rest" ]; then
			echo "src 192.168.1.1/32 dst $pfx${rest/port/dport} dir out"
			echo "src $pfx dst 192.168.1.1/32${rest/port/sport} dir in"
			echo "src $pfx dst 192.168.1.1/32${rest/port/sport} dir fwd"
		else
			echo "src 192.168.1.1/32 dst $pfx dir out"
			echo "src $pfx dst 192.168.1.1/32 dir in"
			echo "src $pfx dst 192.168.1.1/32 dir fwd"
		fi
	done | sort
}

# counters REQID: packets of $a's SAs of that reqid, out:in.
counters() {
	echo "$(xfrm_count "$a" packets src 10.0.0.1 dst 10.0.0.2 reqid "$1"):$(
		xfrm_count "$a" packets src 10.0.0.2 dst 10.0.0.1 reqid "$1")"
}

ping_from_a() {
	ip netns exec "$a" ping -q -c "$2" -i 0.2 -W 2 -I 192.168.1.1 "$1"
}

# syn PORT: one TCP connection attempt from $a to 10.9.0.17:PORT, cut
# after a second (a refused one ends at once).
syn() {
	ip netns exec "$a" timeout 1 bash -c \
		"echo >/dev/tcp/10.9.0.17/$1" 2>/dev/null
	return 0
}

ktap_plan 10
if ! setup; then
	ktap_diag "setup failed"
	exit $KSFT_FAIL
fi

ktap_result "charon brings up the range child" \
	swanctl_in "$b" --initiate --child child --timeout 30
check_eq "ipsecmed's policies for 10.9.0.1-10.9.0.5: exact prefixes" \
	"$(policies "$a")" \
	"$(expect_policies 10.9.0.1/32 10.9.0.2/31 10.9.0.4/31)"
ip netns exec "$b" ping -q -c 2 -i 0.2 -W 2 -I 10.9.0.3 192.168.1.1 \
	>/dev/null
check_eq "ping from 10.9.0.3 (in the range): a's SA packets out:in" \
	"$(counters 1)" 2:2
ktap_result "ping to 10.9.0.9 (outside the range) is answered" \
	ping_from_a 10.9.0.9 2
check_eq "ping to 10.9.0.9 went in clear: a's SA packets unchanged" \
	"$(counters 1)" 2:2

ktap_result "charon brings up the port range child" \
	swanctl_in "$b" --initiate --child prt --timeout 30
check_eq "ipsecmed's policies for tcp/1000-1010: exact port blocks" \
	"$(policies "$a")" \
	"$(expect_policies 10.9.0.1/32 10.9.0.2/31 10.9.0.4/31 \
		"10.9.0.16/28 proto tcp port 1000" \
		"10.9.0.16/28 proto tcp port 1008" \
		"10.9.0.16/28 proto tcp port 1010")"
syn 1007
check_eq "SYN to port 1007 (in the range) and RST: a's SA packets out:in" \
	"$(counters 2)" 1:1
syn 1011
check_eq "SYN to port 1011 (outside the range) not protected" \
	"$(counters 2)" 1:1
check_eq "ipsecme status shows the negotiated range" \
	"$("$IPSECME" -s "$work/a.ctl" status | grep -c \
		'10.9.0.1-10.9.0.5')" 1

ktap_finish
