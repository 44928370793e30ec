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
# 10.9.0.17 is protected and one to port 1011 is not. Then ipsecmed
# initiates a CHILD_SA for tcp/1-65534 (30 port blocks, beyond the
# caps): charon accepts it unchanged, ipsecmed cannot install it exactly
# and deletes it, leaving no SA or policy of it in either kernel.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
command -v swanctl >/dev/null && [ -x "$CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) is not installed"
command -v nft >/dev/null || skip_all "nft (nftables) is not installed"
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
	ip netns exec "$a" nft -f - <<-NFT || return 1
	table netdev wire {
		chain out {
			type filter hook egress device "veth0" priority 0;
			tcp dport 1011 counter
		}
	}
	NFT
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
	connection big {
		local_addrs = 10.0.0.1
		remote_addrs = 10.0.0.2
		proposals = aes128gcm16-prfsha256-x25519
		psk_file = $work/psk
		local {
			auth = psk
			id = a2.example
		}
		remote {
			auth = psk
			id = b2.example
		}
		child wide {
			local_ts = 192.168.1.1/32[tcp/1-65534]
			remote_ts = 10.9.0.0/24
			esp_proposals = aes128gcm16
		}
	}
	EOC
	ipsecmed_start "$a" "$work/a.conf" "$work/a.log" "$work/a.ctl" ||
		return 1
	{
		swanctl_conn test local=10.0.0.2 remote=10.0.0.1 \
			local_id=b.example remote_id=a.example psk="$PSK" \
			local_ts=10.9.0.1-10.9.0.5 remote_ts=192.168.1.1/32 \
			more_children="$(swanctl_child prt \
			'10.9.0.16/28[tcp/1000-1010]' 192.168.1.1/32)"
		swanctl_conn big local=10.0.0.2 remote=10.0.0.1 \
			local_id=b2.example remote_id=a2.example psk="$PSK" \
			local_ts=10.9.0.0/24 remote_ts=192.168.1.1/32
	} >"$work/b.conf"
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

# syn PORT: a TCP connection attempt from $a to 10.9.0.17:PORT; one
# that is refused ends at once, the others after 10 s.
syn() {
	ip netns exec "$a" timeout 10 bash -c \
		"echo >/dev/tcp/10.9.0.17/$1" 2>/dev/null
	return 0
}

# SYNs to port 1011 that left $a's veth0 in clear (tunnelled ones leave
# as ESP).
clear_syns() {
	ip netns exec "$a" nft list chain netdev wire out |
		grep -o 'packets [0-9]*' | cut -d' ' -f2
}

ktap_plan 14
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
syn 1011 &
track_pid $!
wait_for 10 eval '[ "$(clear_syns)" -ge 1 ]'
check_eq "SYN to port 1011 (outside the range) in clear: SA packets, clear" \
	"$(counters 2), $([ "$(clear_syns)" -ge 1 ] && echo sent)" "1:1, sent"
check_eq "ipsecme status shows the negotiated range" \
	"$("$IPSECME" -s "$work/a.ctl" status | grep -c \
		'10.9.0.1-10.9.0.5')" 1

# ipsecmed initiates with tcp/1-65534 (30 port blocks); charon takes it
# as it is, which ipsecmed cannot install exactly: the CHILD_SA fails
# with the reason, is deleted at charon, and nothing of it stays in
# either kernel. The IKE SA stays.
nsas() { ip -n "$1" xfrm state | grep -c '^src'; }
"$IPSECME" -s "$work/a.ctl" up big >"$work/out" 2>&1
rc=$?
check_eq "initiator: an answer beyond the caps fails up, naming why" \
	"$rc:$(grep -c "take more than 16 XFRM selectors" "$work/out")" 3:1
ktap_result "initiator: the CHILD_SA is deleted at charon, no SA left of it" \
	wait_for 10 eval 'grep -q "deleting CHILD_SA wide .* that we cannot use" \
		"$work/a.log" && grep -q "CHILD_SA wide (.*) deleted" \
		"$work/a.log" && [ "$(nsas "$a")" = 4 ] &&
		[ "$(nsas "$b")" = 4 ]'
check_eq "initiator: no policy of it in ipsecmed's kernel" \
	"$(ip -n "$a" xfrm policy | grep -c 'sport 1 \|dport 1 ')" 0
ktap_result "initiator: the IKE SA stays" \
	eval '"$IPSECME" -s "$work/a.ctl" status big | grep -q ESTABLISHED'

ktap_finish
