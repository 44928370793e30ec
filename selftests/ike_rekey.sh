#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CHILD_SA rekeying between ipsecmed and strongSwan charon while a ping
# runs every 100 ms, rekeyed by each side in turn:
#
#   $a: ipsecmed                            $b: charon
#   inner 192.168.1.1 <====== ESP tunnel ======> inner 192.168.2.1
#   veth0 10.0.0.1/24 ------------------------- veth0 10.0.0.2/24
#
# For each case: ipsecmed brings the SA up, the side under test has a
# short rekey_time (a few seconds), a 12 s ping through the tunnel must
# lose nothing, the CHILD_SA must have been rekeyed at least once (the
# rekeying side logs it, the SPIs differ from the first ones), and
# afterwards ipsecmed's kernel holds exactly one SA pair, none of them
# with the first SPIs.
#
# IKE SA rekeying is not implemented in ipsecmed yet (it answers a
# peer's IKE SA rekey with NO_ADDITIONAL_SAS), so it is not tested here.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
command -v swanctl >/dev/null && [ -x "$CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) is not installed"
modprobe -q esp4 || skip_all "the kernel has no esp4"

PSK="rekey-$(mktemp -u XXXXXXXXXXXX)"
work=$(mktemp -d)

# sw_conf CHILD_REKEY CHILD_LIFE: charon's side.
sw_conf() {
	swanctl_conf local=10.0.0.2 remote=10.0.0.1 local_id=sw.example \
		remote_id=me.example psk="$PSK" local_ts=192.168.2.1/32 \
		remote_ts=192.168.1.1/32 rekey_time="$1" life_time="$2"
}

# me_conf CHILD_REKEY: ipsecmed's side.
me_conf() {
	cat <<-EOC
	daemon {
		ctl_socket = $work/ipsecmed.ctl
		retransmit_timeout = 2s
		retransmit_tries = 3
	}
	connection sw {
		local_addrs = 10.0.0.1
		remote_addrs = 10.0.0.2
		proposals = aes128gcm16-prfsha256-x25519
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
			local_ts = 192.168.1.1/32
			remote_ts = 192.168.2.1/32
			esp_proposals = aes128gcm16
			rekey_time = $1
			life_time = 60s
		}
	}
	EOC
}

me() { "$IPSECME" -s "$work/ipsecmed.ctl" "$@"; }
sw() { swanctl_in "$b" "$@"; }

start_me() {
	rm -f "$work/ipsecmed.ctl"
	: >"$work/ipsecmed.log"
	ip netns exec "$a" "$IPSECMED" -f "$work/ipsecmed.conf" \
		>>"$work/ipsecmed.log" 2>&1 &
	me_pid=$!
	track_pid "$me_pid"
	wait_for 10 test -S "$work/ipsecmed.ctl"
}

stop_me() {
	kill "$me_pid" 2>/dev/null
	wait "$me_pid" 2>/dev/null
}

spis() { ip -n "$a" xfrm state | awk '/proto esp spi/ { print $4 }' | sort; }

# run WHO (me|sw): the side with the short rekey_time.
run() {
	local who=$1 tag="CHILD_SA rekeyed by $1" first now out
	local me_rekey=0 sw_rekey=0s sw_life=0s

	if [ "$who" = me ]; then me_rekey=4s; else sw_rekey=4s sw_life=5s; fi
	printf '%s\n' "$PSK" >"$work/psk"
	chmod 600 "$work/psk"
	sw_conf "$sw_rekey" "$sw_life" >"/etc/netns/$b/swanctl/swanctl.conf"
	sw --load-all --noprompt >/dev/null 2>&1
	me_conf "$me_rekey" >"$work/ipsecmed.conf"
	start_me || { ktap_fail "$tag: ipsecmed starts"; return; }
	ktap_result "$tag: up" eval 'me up sw >/dev/null'
	first=$(spis)
	out=$(ip netns exec "$a" ping -q -c 120 -i 0.1 -W 1 -I 192.168.1.1 \
		192.168.2.1)
	check_eq "$tag: pings received during the rekeys" \
		"$(grep -o '[0-9]* received' <<<"$out" | cut -d' ' -f1)" 120
	if [ "$who" = me ]; then
		ktap_result "$tag: ipsecmed started and finished a rekey" \
			grep -q "CHILD_SA child rekeyed, SPIs" "$work/ipsecmed.log"
	else
		ktap_result "$tag: ipsecmed answered charon's rekey" \
			grep -q "CHILD_SA child rekeyed by the peer" \
			"$work/ipsecmed.log"
	fi
	# Rekeys go on every few seconds: wait for a moment between two,
	# when the delete of the replaced CHILD_SA has completed.
	wait_for 10 eval '[ "$(spis | wc -l)" -eq 2 ]'
	now=$(spis)
	check_eq "$tag: one SA pair left in the kernel" \
		"$(wc -l <<<"$now")" 2
	ktap_result "$tag: SPIs changed, the first ones are gone" \
		eval '[ -n "$first" ] && [ -z "$(comm -12 <(echo "$first") <(echo "$now"))" ]'
	check_eq "$tag: charon has one CHILD_SA installed" \
		"$(sw --list-sas --raw | grep -o 'state=INSTALLED' | wc -l)" 1
	me down sw >/dev/null
	stop_me
}

ktap_plan 14
ktap_result "topology set up" setup_pair
sw_conf 0s 0s >"$work/sw.conf"
ktap_result "charon starts" charon_start "$b" "$work/sw.conf"
run me
run sw
if [ "$ktap_failed" -ne 0 ]; then
	for f in "$work/ipsecmed.log" "$CHARON_BASE/$b/charon.log"; do
		ktap_diag "--- $f"
		tail -n 80 "$f" 2>/dev/null | sed 's/^/# /'
	done
fi
charon_stop "$b"
rm -rf "$work"
ktap_finish
