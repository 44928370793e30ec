#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NAT traversal (RFC 7296 2.23, RFC 3948) through a masquerading router:
#
#   $a (behind the NAT)      $r (router)                 $b (outside)
#   veth0 10.0.1.2/24 ------ lan 10.0.1.1/24
#   inner 192.168.1.1/32     wan 203.0.113.1/24 -------- veth0 203.0.113.2/24
#                            masquerade random on wan    inner 192.168.2.1/32
#   tunnel 192.168.1.1 <=========== ESP in UDP ===========> 192.168.2.1
#
# Three cases, the initiator always in $a:
#  1. ipsecmed ($a) against charon ($b);
#  2. ipsecmed ($a) against ipsecmed ($b);
#  3. charon ($a) against ipsecmed ($b).
# Each: the IKE SA comes up and the ipsecmed side knows which side is
# behind the NAT, both kernels hold SAs with "encap type espinudp" (port
# 4500 on the side of each kernel, the NAT's port towards $a on $b's),
# a ping goes through with exact packet counters on both sides, and
# after a delete (each side in turn) both kernels are empty and both
# daemons forgot the SA. ipsecmed in $a sends NAT-keepalives (every 1 s
# here) that reach $b; ipsecmed in $b, not behind a NAT, sends none.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
command -v swanctl >/dev/null && [ -x "$CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) is not installed"
command -v nft >/dev/null || skip_all "nft (nftables) is not installed"
modprobe -q esp4 || skip_all "the kernel has no esp4"

PSK="natt-$(mktemp -u XXXXXXXXXXXX)"
work=$(mktemp -d)
A_TS=192.168.1.1/32
B_TS=192.168.2.1/32

setup() {
	setup_nat && xfrm_warmup "$a" && xfrm_warmup "$b" || return 1
	printf '%s\n' "$PSK" >"$work/psk"
	chmod 600 "$work/psk"
	# NAT-keepalives: one byte of UDP payload to or from port 4500.
	for ns in "$a" "$b"; do
		ip netns exec "$ns" nft -f - <<-NFT || return 1
		table inet ka {
			chain in {
				type filter hook input priority 0;
				udp dport 4500 udp length 9 counter
				udp sport 4500 udp length 9 counter
			}
		}
		NFT
	done
}

# keepalives NS to|from: NAT-keepalives that reached NS to port 4500, or
# from port 4500.
keepalives() {
	local n=1
	[ "$2" = from ] && n=2
	ip netns exec "$1" nft list chain inet ka in |
		awk '/counter packets/' | sed -n "${n}p" |
		grep -o 'packets [0-9]*' | cut -d' ' -f2
}

# me_conf SIDE: ipsecmed in $a (initiator, connection "nat") or in $b
# (responder to anyone, connection "rw").
me_conf() {
	cat <<-EOC
	daemon {
		ctl_socket = $work/$1.ctl
		retransmit_timeout = 2s
		retransmit_tries = 3
		nat_keepalive = 1s
	}
	EOC
	if [ "$1" = a ]; then
		cat <<-EOC
		connection nat {
			local_addrs = 10.0.1.2
			remote_addrs = 203.0.113.2
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
				local_ts = $A_TS
				remote_ts = $B_TS
				esp_proposals = aes128gcm16
			}
		}
		EOC
	else
		cat <<-EOC
		connection rw {
			local_addrs = 203.0.113.2
			proposals = aes128gcm16-prfsha256-x25519
			psk_file = $work/psk
			local {
				auth = psk
				id = b.example
			}
			remote {
				auth = psk
				id = a.example
			}
			child net {
				local_ts = $B_TS
				remote_ts = $A_TS
				esp_proposals = aes128gcm16
			}
		}
		EOC
	fi
}

declare -A ME_PID=()

start_me() {
	me_conf "$1" >"$work/$1.conf"
	local rc
	ipsecmed_start "${!1}" "$work/$1.conf" "$work/$1.log" "$work/$1.ctl"
	rc=$?
	ME_PID[$1]=$IPSECMED_PID
	return $rc
}

stop_me() {
	ipsecmed_stop "${ME_PID[$1]}"
	rm -f "$work/$1.ctl"
}

ctl() { "$IPSECME" -s "$work/$1.ctl" "${@:2}"; }

# charon_in SIDE: charon in $a (initiator) or $b (responder).
charon_in() {
	if [ "$1" = a ]; then
		swanctl_conf local=10.0.1.2 remote=203.0.113.2 \
			local_id=a.example remote_id=b.example psk="$PSK" \
			local_ts=$A_TS remote_ts=$B_TS
	else
		swanctl_conf local=203.0.113.2 remote=%any \
			local_id=b.example remote_id=a.example psk="$PSK" \
			local_ts=$B_TS remote_ts=$A_TS
	fi >"$work/sw-$1.conf"
	charon_start "${!1}" "$work/sw-$1.conf"
}

# encap NS: the UDP encapsulation of NS's two SAs, "sport:dport" each,
# the one whose destination is 203.0.113.2 first ($a's outbound SA, $b's
# inbound one).
encap() {
	ip -n "$1" xfrm state |
		awk '/^src/ { out = ($4 == "203.0.113.2") }
		     /encap type espinudp/ { e[out] = $5 ":" $7 }
		     END { print e[1] " " e[0] }'
}

# b_encap_is PORT: $b's SAs are encapsulated between PORT and 4500.
b_encap_is() {
	[ -n "$1" ] && [ "$(encap "$b")" = "$1:4500 4500:$1" ]
}

# ipsecmed in $a knows it is behind the NAT and moved to port 4500.
a_floated() {
	ctl a status | grep -q "10.0.1.2\[4500\] .*(behind NAT)" &&
	ctl a status | grep -q "UDP-encapsulated"
}

# ipsecmed in $b knows its peer is behind the NAT (at a NAT port).
b_sees_nat() {
	ctl b status | grep -q "203.0.113.1\[[0-9]*\] .*(behind NAT)"
}

# The NAT's port for $a's port 4500, as $b's kernel sees it.
nat_port() { encap "$b" | sed -n 's/^\([0-9]*\):4500 .*/\1/p'; }

ping_ab() {
	ip netns exec "$a" ping -q -c 3 -i 0.2 -W 2 -I 192.168.1.1 \
		192.168.2.1 >/dev/null
}

counters() {
	local ns=$1 me=$2 peer=$3
	echo "$(xfrm_count "$ns" packets src "$me" dst "$peer"):$(
		xfrm_count "$ns" packets src "$peer" dst "$me")"
}

# check_tunnel TAG: encapsulation, ping and counters.
check_tunnel() {
	local tag=$1 port

	port=$(nat_port)
	check_eq "$tag: a's SAs out/in are ESP in UDP 4500 <-> 4500" \
		"$(encap "$a")" "4500:4500 4500:4500"
	ktap_result "$tag: b's SAs in/out are ESP in UDP NAT port <-> 4500" \
		b_encap_is "$port"
	ktap_result "$tag: ping through the tunnel" ping_ab
	check_eq "$tag: a's kernel SAs out:in packets" \
		"$(counters "$a" 10.0.1.2 203.0.113.2)" 3:3
	check_eq "$tag: b's kernel SAs out:in packets" \
		"$(counters "$b" 203.0.113.2 203.0.113.1)" 3:3
}

sw_gone() {
	! swanctl_in "${!1}" --list-sas --raw | grep -q state=
}

# check_gone TAG A_DAEMON B_DAEMON (me|sw)
check_gone() {
	local tag=$1
	local -A daemon=([a]=$2 [b]=$3)

	all_gone() {
		local side
		xfrm_empty "$a" && xfrm_empty "$b" || return 1
		for side in a b; do
			if [ "${daemon[$side]}" = me ]; then
				[ "$(ctl $side status)" = "no IKE SAs" ] ||
					return 1
			else
				sw_gone $side || return 1
			fi
		done
	}
	if wait_for 10 all_gone; then
		ktap_ok "$tag: both daemons and kernels forgot it"
	else
		ktap_fail "$tag: both daemons and kernels forgot it"
		ktap_diag "kernel SAs $(ip -n "$a" xfrm state | grep -c ^src):$(
			ip -n "$b" xfrm state | grep -c ^src)"
	fi
}

# 1. ipsecmed behind the NAT against charon.
me_vs_sw() {
	local tag="ipsecmed behind NAT -> charon" ka

	ktap_diag "$tag: at $SECONDS s"

	ktap_result "$tag: up" ctl a up nat
	ktap_result "$tag: ipsecmed saw the NAT on its side, floated to 4500" \
		a_floated
	check_tunnel "$tag"
	ka=$(keepalives "$b" to)
	ktap_result "$tag: NAT-keepalives from ipsecmed reach b" \
		wait_for 5 eval '[ "$(keepalives "$b" to)" -ge $((ka + 2)) ]'
	ctl a down nat >/dev/null
	check_gone "$tag" me sw
}

# 2. ipsecmed behind the NAT against ipsecmed.
me_vs_me() {
	local tag="ipsecmed behind NAT -> ipsecmed"

	ktap_diag "$tag: at $SECONDS s"

	ktap_result "$tag: up" ctl a up nat
	ktap_result "$tag: the responder saw the NAT on the initiator's side" \
		b_sees_nat
	check_tunnel "$tag"
	ctl b down rw >/dev/null
	check_gone "$tag" me me
	check_eq "$tag: the sides not behind the NAT sent no keepalive" \
		"$(keepalives "$a" from)" 0
}

# 3. charon behind the NAT against ipsecmed.
sw_vs_me() {
	local tag="charon behind NAT -> ipsecmed"

	ktap_diag "$tag: at $SECONDS s"

	ktap_result "$tag: up" eval \
		'swanctl_in "$a" --initiate --child child --timeout 30 \
		 >/dev/null &&
		 wait_for 5 eval "ctl b status | grep -q INSTALLED"'
	ktap_result "$tag: ipsecmed saw the NAT on charon's side" b_sees_nat
	check_tunnel "$tag"
	swanctl_in "$a" --terminate --ike test --timeout 10 >/dev/null
	check_gone "$tag" sw me
}

ktap_plan 31
ktap_result "NAT topology set up" setup
ktap_result "charon starts in b" charon_in b
ktap_result "ipsecmed starts in a" start_me a
me_vs_sw
charon_stop "$b"
ktap_result "ipsecmed starts in b" start_me b
me_vs_me
stop_me a
ktap_result "charon starts in a" charon_in a
sw_vs_me
if [ "$ktap_failed" -ne 0 ]; then
	for f in "$work"/[ab].log "$CHARON_BASE/$a/charon.log" \
		 "$CHARON_BASE/$b/charon.log"; do
		ktap_diag "--- $f"
		tail -n 60 "$f" 2>/dev/null | sed 's/^/# /'
	done
fi
charon_stop "$a"
rm -rf "$work"
ktap_diag "took $SECONDS s"
ktap_finish
