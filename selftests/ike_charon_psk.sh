#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecmed against strongSwan charon, PSK, in both roles, over real XFRM:
#
#   $me: ipsecmed                           $sw: charon
#   lo 10.1.0.1/32                          lo 10.2.0.1/32
#   veth0 192.0.2.1/24 -------------------- veth0 192.0.2.2/24
#   tunnel 10.1.0.0/16 <====== ESP ======> 10.2.0.0/16
#   veth0 2001:db8::1/64 ----------------- veth0 2001:db8::2/64
#   (transport mode: 192.0.2.1 <=== ESP ===> 192.0.2.2, and over IPv6)
#
# For each case: bring the CHILD_SA up from one side, ping through it
# (3 echo requests), check ipsecmed's SA counters (exactly 3 packets out
# and 3 in) and charon's (3 in, 3 out), delete from one side and check
# that both sides hold no SA and ipsecmed's kernel has no SA or policy.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
command -v swanctl >/dev/null && [ -x "$CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) is not installed"
modprobe -q esp4 || skip_all "the kernel has no esp4"

PSK="interop-$(mktemp -u XXXXXXXXXXXX)"
work=$(mktemp -d)

setup() {
	setup_ns me sw || return 1
	veth_pair "$me" veth0 "$sw" veth0 || return 1
	ip -n "$me" addr add 192.0.2.1/24 dev veth0
	ip -n "$sw" addr add 192.0.2.2/24 dev veth0
	ip -n "$me" addr add 10.1.0.1/32 dev lo
	ip -n "$sw" addr add 10.2.0.1/32 dev lo
	ip -n "$me" route add 10.2.0.0/16 via 192.0.2.2 src 10.1.0.1
	ip -n "$sw" route add 10.1.0.0/16 via 192.0.2.1 src 10.2.0.1
	ip -n "$me" addr add 2001:db8::1/64 dev veth0 nodad
	ip -n "$sw" addr add 2001:db8::2/64 dev veth0 nodad
	printf '%s\n' "$PSK" >"$work/psk"
	chmod 600 "$work/psk"
}

# sw_conf IKE_PROPOSALS ESP_PROPOSALS MODE: charon's side.
sw_conf() {
	local ts=(local_ts=10.2.0.0/16 remote_ts=10.1.0.0/16)
	[ "$3" = transport ] && ts=()
	swanctl_conf local=$SW_ADDR remote=$ME_ADDR local_id=sw.example \
		remote_id=me.example psk="$PSK" proposals="$1" \
		esp_proposals="$2" mode="$3" "${ts[@]}"
}

# me_conf IKE_PROPOSALS ESP_PROPOSALS MODE: ipsecmed's side.
me_conf() {
	local ts="local_ts = 10.1.0.0/16
		remote_ts = 10.2.0.0/16"
	[ "$3" = transport ] && ts=
	cat <<-EOC
	daemon {
		ctl_socket = $work/ipsecmed.ctl
		retransmit_timeout = 2s
		retransmit_tries = 3
	}
	connection sw {
		local_addrs = $ME_ADDR
		remote_addrs = $SW_ADDR
		proposals = $1
		psk_file = $work/psk
		local {
			auth = psk
			id = me.example
		}
		remote {
			auth = psk
			id = sw.example
		}
		child child {
			$ts
			mode = $3
			esp_proposals = $2
		}
	}
	EOC
}

me() { "$IPSECME" -s "$work/ipsecmed.ctl" "$@"; }
sw() { swanctl_in "$sw" "$@"; }

start_me() {
	rm -f "$work/ipsecmed.ctl"
	ip netns exec "$me" "$IPSECMED" -f "$work/ipsecmed.conf" \
		>>"$work/ipsecmed.log" 2>&1 &
	me_pid=$!
	track_pid "$me_pid"
	wait_for 10 test -S "$work/ipsecmed.ctl"
}

stop_me() {
	kill "$me_pid" 2>/dev/null
	wait "$me_pid" 2>/dev/null
}

json_num() { grep -o "\"$2\":[0-9]*" <<<"$1" | head -n1 | cut -d: -f2; }

ping_through() {
	if [ "$1" = transport ]; then
		ip netns exec "$me" ping -q -c 3 -i 0.2 -W 2 "$SW_ADDR"
	else
		ip netns exec "$me" ping -q -c 3 -i 0.2 -W 2 -I 10.1.0.1 \
			10.2.0.1
	fi >/dev/null
}

# charon's packet counter of its CHILD_SA in direction in|out.
sw_packets() {
	sw --list-sas --raw | grep -o "packets-$1=[0-9]*" | head -n1 |
		cut -d= -f2
}

sas_gone() {
	[ "$(me status)" = "no IKE SAs" ] &&
	[ -z "$(ip -n "$me" xfrm state)" ] &&
	! ip -n "$me" xfrm policy | grep -qE "dir (in|out|fwd)" &&
	[ "$(sw --list-sas --raw | grep -c state=ESTABLISHED)" = 0 ]
}

# run IKE_PROPOSALS ESP_PROPOSALS MODE INITIATOR DELETER (me|sw)
run() {
	local mode=$3 who=$4 del=$5 st tag="$1 $3 $ME_ADDR, $4 initiates"

	sw_conf "$1" "$2" "$mode" >"/etc/netns/$sw/swanctl/swanctl.conf"
	sw --load-all --noprompt >/dev/null
	me_conf "$1" "$2" "$mode" >"$work/ipsecmed.conf"
	start_me || { ktap_fail "$tag: ipsecmed starts"; return; }
	if [ "$who" = me ]; then
		ktap_result "$tag: up" eval 'me up sw >/dev/null'
	else
		ktap_result "$tag: up" eval \
			'sw --initiate --child child --timeout 30 >/dev/null &&
			 wait_for 5 eval "me status | grep -q INSTALLED"'
	fi
	ktap_result "$tag: ping through the CHILD_SA" ping_through "$mode"
	st=$(me -j status)
	check_eq "$tag: ipsecmed SA counters out:in" \
		"$(json_num "$st" packets_out):$(json_num "$st" packets_in)" 3:3
	check_eq "$tag: charon SA counters in:out" \
		"$(sw_packets in):$(sw_packets out)" 3:3
	if [ "$del" = me ]; then
		me down sw >/dev/null
	else
		sw --terminate --ike test --timeout 10 >/dev/null
	fi
	if wait_for 10 sas_gone; then
		ktap_ok "$tag: $del deletes, both sides empty"
	else
		ktap_fail "$tag: $del deletes, both sides empty"
		ktap_diag "left: $(me status | head -n1);" \
			"$(ip -n "$me" xfrm state | grep -c ^src) kernel SAs," \
			"$(ip -n "$me" xfrm policy | grep -cE "dir (in|out|fwd)")" \
			"policies; charon:" \
			"$(sw --list-sas --raw | grep -c state=ESTABLISHED)"
	fi
	stop_me
}

ME_ADDR=192.0.2.1
SW_ADDR=192.0.2.2
ktap_plan 37
ktap_result "topology set up" setup
sw_conf aes128gcm16-prfsha256-x25519 aes128gcm16 tunnel >"$work/sw.conf"
ktap_result "charon starts" charon_start "$sw" "$work/sw.conf"
run aes128gcm16-prfsha256-x25519 aes128gcm16 tunnel me me
run aes128gcm16-prfsha256-x25519 aes128gcm16 tunnel sw sw
run aes128gcm16-prfsha256-x25519 aes128gcm16 transport me sw
run aes128gcm16-prfsha256-x25519 aes128gcm16 transport sw me
run aes256-sha384-ecp384 aes256-sha384 tunnel me sw
run chacha20poly1305-prfsha256-modp2048 chacha20poly1305 tunnel sw me
ME_ADDR=2001:db8::1
SW_ADDR=2001:db8::2
run aes128gcm16-prfsha256-x25519 aes128gcm16 transport me me
if [ "$ktap_failed" -ne 0 ]; then
	for f in "$work/ipsecmed.log" "$CHARON_BASE/$sw/charon.log"; do
		ktap_diag "--- $f"
		tail -n 80 "$f" 2>/dev/null | sed 's/^/# /'
	done
fi
charon_stop "$sw"
rm -rf "$work"
ktap_finish
