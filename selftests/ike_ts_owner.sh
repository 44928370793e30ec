#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A policy belongs to the peer identity that negotiated it: another
# authenticated road warrior of the same connection cannot take over
# its traffic by proposing the same traffic selectors.
#
#   $b: road warrior A           $a: gateway                 $c: road warrior B
#   id rw-a.example              conn rw: any identity        id rw-b.example
#   inner 192.168.2.1/32         (group PSK), remote_ts       proposes A's
#                                192.168.2.0/24               192.168.2.1/32
#   veth0 10.0.0.2/24 -------- veth0 10.0.0.1/24
#                              veth1 10.0.1.1/24 ---------- veth0 10.0.1.2/24
#                              inner 192.168.1.1/32
#
# A comes up with 192.168.2.1. B then asks for 192.168.2.1 as well, once
# in IKE_AUTH ("steal") and once by CREATE_CHILD_SA after a child of its
# own, 192.168.2.9 ("steal2"). The gateway refuses both CHILD_SAs with
# TS_UNACCEPTABLE and logs both identities, B's IKE SAs stay up, the
# gateway's policies for 192.168.2.1 keep pointing at A, A's ping is
# answered, and once A goes down no policy for 192.168.2.1 is left (B's
# CHILD_SA once became a holder, took the traffic at once and kept it
# when A left).
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
modprobe -q esp4 || skip_all "the kernel has no esp4"

work=$(mktemp -d)

daemon_block() {
	cat <<-EOC
	daemon {
		ctl_socket = $work/$1.ctl
		retransmit_timeout = 1s
		retransmit_tries = 2
	}
	EOC
}

gw_conf() {
	daemon_block a
	cat <<-EOC
	connection rw {
		proposals = aes128gcm16-prfsha256-x25519
		psk_file = $work/psk
		local {
			auth = psk
			id = gw.example
		}
		remote {
			auth = psk
		}
		child net {
			local_ts = 192.168.1.1/32
			remote_ts = 192.168.2.0/24
			esp_proposals = aes128gcm16
		}
	}
	EOC
}

# rw_conn NAME ME ID CHILD_ADDR...: a road warrior's connection to the
# gateway at 10.0.X.1 from ME, with one child per address.
rw_conn() {
	local name=$1 me=$2 id=$3 addr n=0
	shift 3
	cat <<-EOC
	connection $name {
		local_addrs = $me
		remote_addrs = ${me%.2}.1
		proposals = aes128gcm16-prfsha256-x25519
		psk_file = $work/psk
		local {
			auth = psk
			id = $id
		}
		remote {
			auth = psk
			id = gw.example
		}
	EOC
	for addr in "$@"; do
		n=$((n + 1))
		cat <<-EOC
		child c$n {
			local_ts = $addr/32
			remote_ts = 192.168.1.1/32
			esp_proposals = aes128gcm16
		}
		EOC
	done
	echo "}"
}

setup() {
	setup_ns a b c || return 1
	veth_pair "$a" veth0 "$b" veth0 && veth_pair "$a" veth1 "$c" veth0 ||
		return 1
	ip_batch "$a" <<-EOF || return 1
	addr add 10.0.0.1/24 dev veth0
	addr add 10.0.1.1/24 dev veth1
	link add inner type dummy
	link set inner up
	addr add 192.168.1.1/32 dev inner
	route add 192.168.2.0/24 dev veth0 src 192.168.1.1
	EOF
	ip_batch "$b" <<-EOF || return 1
	addr add 10.0.0.2/24 dev veth0
	link add inner type dummy
	link set inner up
	addr add 192.168.2.1/32 dev inner
	route add 192.168.1.1/32 dev veth0 src 192.168.2.1
	EOF
	ip_batch "$c" <<-EOF || return 1
	addr add 10.0.1.2/24 dev veth0
	EOF
	xfrm_warmup "$a" && xfrm_warmup "$b" && xfrm_warmup "$c" || return 1
	printf 'owner-%s\n' "$(mktemp -u XXXXXXXXXXXX)" >"$work/psk"
	chmod 600 "$work/psk"
	gw_conf >"$work/a.conf"
	{ daemon_block b; rw_conn gw 10.0.0.2 rw-a.example 192.168.2.1; } \
		>"$work/b.conf"
	{
		daemon_block c
		rw_conn steal 10.0.1.2 rw-b.example 192.168.2.1
		rw_conn steal2 10.0.1.2 rw-b.example 192.168.2.9 192.168.2.1
	} >"$work/c.conf"
	ipsecmed_start "$a" "$work/a.conf" "$work/a.log" "$work/a.ctl" &&
	ipsecmed_start "$b" "$work/b.conf" "$work/b.log" "$work/b.ctl" &&
	ipsecmed_start "$c" "$work/c.conf" "$work/c.log" "$work/c.ctl"
}

ctl() { "$IPSECME" -s "$work/$1.ctl" "${@:2}"; }

# gw_sends_to ADDR: the peer the gateway's out policy for ADDR sends
# to ("none" without a policy).
gw_sends_to() {
	local t
	t=$(ip -n "$a" xfrm policy list dir out dst "$1/32" |
		sed -n 's/.*tmpl src [^ ]* dst \([^ ]*\).*/\1/p')
	echo "${t:-none}"
}

# gw_policies ADDR: how many policies of the gateway name ADDR.
gw_policies() { ip -n "$a" xfrm policy | grep -c "$1/32"; }

ktap_plan 9
if ! setup; then
	ktap_diag "setup failed"
	exit $KSFT_FAIL
fi

ktap_result "A comes up with 192.168.2.1" ctl b up gw

ctl c up steal >"$work/out" 2>&1
rc=$?
check_eq "IKE_AUTH: B's CHILD_SA for A's selectors is refused, its IKE SA up" \
	"$rc, $(grep -c 'notify 38' "$work/a.log"), $(ctl c status steal |
		grep -c ESTABLISHED)" "3, 1, 1"
ktap_result "the gateway logs the refusal with both identities" \
	grep -q 'rw-b.example.*rw-a.example' "$work/a.log"
check_eq "IKE_AUTH: the gateway still sends 192.168.2.1's traffic to A" \
	"$(gw_sends_to 192.168.2.1)" 10.0.0.2

ctl c up steal2 >"$work/out" 2>&1
rc=$?
check_eq "CREATE_CHILD_SA: B's own child up, the one for A's selectors refused" \
	"$rc, $(grep -c 'c2: peer refused it with error notify 38' \
		"$work/out"), $(gw_sends_to 192.168.2.9)" "3, 1, 10.0.1.2"
check_eq "CREATE_CHILD_SA: the gateway still sends 192.168.2.1's traffic to A" \
	"$(gw_sends_to 192.168.2.1)" 10.0.0.2
ktap_result "A's ping through the gateway is answered" \
	ip netns exec "$b" ping -q -c 2 -i 0.2 -W 2 -I 192.168.2.1 192.168.1.1

ktap_result "A goes down" ctl b down gw
ktap_result "no policy for 192.168.2.1 is left to B" \
	wait_for 10 eval '[ "$(gw_policies 192.168.2.1)" = 0 ]'

ktap_finish
