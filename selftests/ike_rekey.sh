#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CHILD_SA and IKE SA rekeying between ipsecmed and strongSwan charon
# while a ping runs every 100 ms, rekeyed by each side in turn:
#
#   $a: ipsecmed                            $b: charon
#   inner 192.168.1.1 <====== ESP tunnel ======> inner 192.168.2.1
#   veth0 10.0.0.1/24 ------------------------- veth0 10.0.0.2/24
#
# For each case ipsecmed brings the SA up; the side under test has a
# short CHILD_SA rekey_time (4 s) and a short IKE SA rekey_time (5 s),
# the other side none. The CHILD_SA uses PFS: x25519 when ipsecmed
# rekeys, ecp256 when charon does, so both roles of the KE payload are
# exercised. A 6 s ping through the tunnel must lose nothing, the side
# under test must have rekeyed the CHILD_SA (with PFS) and the IKE SA,
# the other side must have answered; afterwards ipsecmed's kernel holds
# exactly one SA pair (none with the first SPIs), each side exactly one
# IKE SA whose SPIs differ from the first ones and agree between
# ipsecmed and charon, and charon one CHILD_SA.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
command -v swanctl >/dev/null && [ -x "$CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) is not installed"
modprobe -q esp4 || skip_all "the kernel has no esp4"

PSK="rekey-$(mktemp -u XXXXXXXXXXXX)"
work=$(mktemp -d)

# sw_conf CHILD_REKEY CHILD_LIFE IKE_REKEY: charon's side. The IKE SA
# may live 30 s past its rekey_time (charon's default is 10 %), so a rekey
# that has to be retried does not end it.
sw_conf() {
	swanctl_conf local=10.0.0.2 remote=10.0.0.1 local_id=sw.example \
		remote_id=me.example psk="$PSK" local_ts=192.168.2.1/32 \
		remote_ts=192.168.1.1/32 rekey_time="$1" life_time="$2" \
		ike_rekey_time="$3" esp_proposals="$ESP" |
	sed '0,/rekey_time = /s//over_time = 30s\n        rekey_time = /'
}

# me_conf CHILD_REKEY IKE_REKEY: ipsecmed's side.
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
		rekey_time = $2
		life_time = 300s
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
			esp_proposals = $ESP
			rekey_time = $1
			life_time = 60s
		}
	}
	EOC
}

me() { "$IPSECME" -s "$work/ipsecmed.ctl" "$@"; }
sw() { swanctl_in "$b" "$@"; }

start_me() {
	: >"$work/ipsecmed.log"
	ipsecmed_start "$a" "$work/ipsecmed.conf" "$work/ipsecmed.log" \
		"$work/ipsecmed.ctl"
}

stop_me() { ipsecmed_stop "$IPSECMED_PID"; }

spis() { ip -n "$a" xfrm state | awk '/proto esp spi/ { print $4 }' | sort; }
json_field() { grep -o "\"$2\":\"[^\"]*\"" <<<"$1" | head -n1 | cut -d'"' -f4; }

# snapshot: the kernel's SAs, ipsecmed's and charon's IKE SAs, taken
# together, in a moment when no rekey is under way: one SA pair in the
# kernel, one IKE SA on each side (with the same SPIs), one CHILD_SA in
# charon. Rekeys go on every few seconds, so the checks use the
# snapshot rather than asking again. swanctl is slow under TCG but
# charon answers at its start: ask it first, the fast ones right after.
snapshot() {
	sw_st=$(sw --list-sas --raw)
	me_st=$(me -j status)
	now=$(spis)
	me_ike=$(json_field "$me_st" spi_i)
	sw_ike=$(grep -o 'initiator-spi=[0-9a-f]*' <<<"$sw_st" | cut -d= -f2)
	[ "$(wc -l <<<"$now")" -eq 2 ] &&
	[ "$(grep -o '"spi_i"' <<<"$me_st" | wc -l)" -eq 1 ] &&
	[ "$(grep -c 'initiator-spi=' <<<"$sw_st")" -eq 1 ] &&
	[ "$(grep -o 'state=INSTALLED' <<<"$sw_st" | wc -l)" -eq 1 ] &&
	[ "$me_ike" = "$sw_ike" ]
}

# run WHO (me|sw): the side with the short rekey times.
run() {
	local who=$1 tag="rekeyed by $1" first out ike t0=$SECONDS
	local me_rekey=0 me_ike_rekey=0 sw_rekey=0s sw_life=0s sw_ike_rekey=0s

	if [ "$who" = me ]; then
		me_rekey=4s me_ike_rekey=5s ESP=aes128gcm16-x25519
	else
		sw_rekey=4s sw_life=5s sw_ike_rekey=5s ESP=aes128gcm16-ecp256
	fi
	printf '%s\n' "$PSK" >"$work/psk"
	chmod 600 "$work/psk"
	sw_conf "$sw_rekey" "$sw_life" "$sw_ike_rekey" \
		>"/etc/netns/$b/swanctl/swanctl.conf"
	sw --load-all --noprompt >/dev/null 2>&1
	me_conf "$me_rekey" "$me_ike_rekey" >"$work/ipsecmed.conf"
	start_me || { ktap_fail "$tag: ipsecmed starts"; return; }
	ktap_result "$tag: up" eval 'me up sw >/dev/null'
	ktap_diag "$tag: up after $((SECONDS - t0)) s"
	first=$(spis)
	ike=$(json_field "$(me -j status)" spi_i)
	out=$(ip netns exec "$a" ping -q -c 60 -i 0.1 -W 1 -I 192.168.1.1 \
		192.168.2.1)
	ktap_diag "$tag: ping done after $((SECONDS - t0)) s"
	check_eq "$tag: pings received during the rekeys" \
		"$(grep -o '[0-9]* received' <<<"$out" | cut -d' ' -f1)" 60
	# The IKE SA rekey may finish just after the ping.
	if [ "$who" = me ]; then
		ktap_result "$tag: ipsecmed rekeyed the CHILD_SA with PFS" \
			wait_for 10 grep -q \
			"CHILD_SA child rekeyed, SPIs .*, with PFS" \
			"$work/ipsecmed.log"
		ktap_result "$tag: ipsecmed rekeyed the IKE SA" wait_for 10 \
			eval 'grep -q "rekeying IKE SA" "$work/ipsecmed.log" && grep -q "replaced by" "$work/ipsecmed.log"'
	else
		ktap_result "$tag: ipsecmed answered charon's PFS rekey" \
			wait_for 10 grep -q \
			"CHILD_SA child rekeyed by the peer, SPIs .*, with PFS" \
			"$work/ipsecmed.log"
		ktap_result "$tag: ipsecmed answered charon's IKE SA rekey" \
			wait_for 10 eval '! grep -q "rekeying IKE SA" "$work/ipsecmed.log" && grep -q "replaced by" "$work/ipsecmed.log"'
	fi
	wait_for 30 snapshot
	ktap_diag "$tag: settled after $((SECONDS - t0)) s"
	ktap_diag "$tag: kernel SAs: $(echo $now); IKE SPIs: ipsecmed ${me_ike:-?} (first $ike), charon ${sw_ike:-?}"
	check_eq "$tag: one SA pair left in the kernel" \
		"$(wc -l <<<"$now")" 2
	ktap_result "$tag: SPIs changed, the first ones are gone" \
		eval '[ -n "$first" ] && [ -z "$(comm -12 <(echo "$first") <(echo "$now"))" ]'
	check_eq "$tag: charon has one CHILD_SA installed" \
		"$(grep -o 'state=INSTALLED' <<<"$sw_st" | wc -l)" 1
	check_eq "$tag: one IKE SA in ipsecmed" \
		"$(grep -o '"spi_i"' <<<"$me_st" | wc -l)" 1
	ktap_result "$tag: new IKE SPIs, the same in ipsecmed and charon" \
		eval '[ -n "$ike" ] && [ "$me_ike" != "$ike" ] && [ "$me_ike" = "$sw_ike" ]'
	me down sw >/dev/null
	stop_me
	ktap_diag "$tag: $((SECONDS - t0)) s"
}

ktap_plan 20
ktap_result "topology set up" setup_pair
ESP=aes128gcm16
sw_conf 0s 0s 0s >"$work/sw.conf"
ktap_result "charon starts" charon_start "$b" "$work/sw.conf"
ktap_diag "charon started after $SECONDS s"
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
ktap_diag "total $SECONDS s"
ktap_finish
