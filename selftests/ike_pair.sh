#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecmed against ipsecmed, PSK, tunnel mode, over real XFRM:
#
#   $a: ipsecmed                             $b: ipsecmed
#   inner 192.168.1.1 <====== ESP tunnel ======> inner 192.168.2.1
#   veth0 10.0.0.1/24 ------------------------- veth0 10.0.0.2/24
#
# Cases, each with a ping through the tunnel and exact SA packet
# counters in both kernels:
#  - $a brings the tunnel up and deletes it;
#  - $b brings it up, $a (the responder) deletes it;
#  - $b rekeys the CHILD_SA every 2 s (as IKE responder) while a ping
#    runs every 100 ms: no ping lost, new SPIs, one SA pair left, then
#    $b deletes;
#  - dead peer detection: $a has dpd_delay = 2s and short retransmits;
#    $b's link goes down, and $a must end the IKE SA and empty its
#    kernel by itself.
# After each delete, both kernels hold no SA or policy and neither
# daemon lists an IKE SA.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
modprobe -q esp4 || skip_all "the kernel has no esp4"
ike_module || exit $KSFT_FAIL

work=$(mktemp -d)

# conf SIDE LOCAL REMOTE LOCAL_TS REMOTE_TS CONN_EXTRA REKEY_TIME: two
# connections with the same addresses, told apart by their identities:
# "ab" (CONN_EXTRA, e.g. DPD) and "rk" (CHILD_SA rekey_time REKEY_TIME).
conf() {
	local side=$1 peer=b
	[ "$side" = b ] && peer=a
	cat <<-EOC
	daemon {
		ctl_socket = $work/$side.ctl
		retransmit_timeout = 1s
		retransmit_tries = 2
	}
	EOC
	for conn in ab rk; do
		cat <<-EOC
		connection $conn {
			local_addrs = $2
			remote_addrs = $3
			proposals = aes128gcm16-prfsha256-x25519
			psk_file = $work/psk
			$([ $conn = ab ] && echo "$6")
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
				$([ $conn = rk ] && echo "rekey_time = $7
				life_time = 60s")
			}
		}
		EOC
	done
}

start() {
	printf 'pair-%s\n' "$(mktemp -u XXXXXXXXXXXXXXXX)" >"$work/psk"
	chmod 600 "$work/psk"
	conf a 10.0.0.1 10.0.0.2 192.168.1.1/32 192.168.2.1/32 \
		"dpd_delay = 2s" 0 >"$work/a.conf"
	conf b 10.0.0.2 10.0.0.1 192.168.2.1/32 192.168.1.1/32 "" 2s \
		>"$work/b.conf"
	for side in a b; do
		ip netns exec "${!side}" "$IPSECMED" -f "$work/$side.conf" \
			>"$work/$side.log" 2>&1 &
		track_pid $!
	done
	wait_for 20 test -S "$work/a.ctl" && wait_for 20 test -S "$work/b.ctl"
}

ctl() { "$IPSECME" -s "$work/$1.ctl" "${@:2}"; }
other() { [ "$1" = a ] && echo b || echo a; }

ping_ab() {
	ip netns exec "$a" ping -q -c "$1" -i "$2" -W 2 -I 192.168.1.1 \
		192.168.2.1
}

# counters NS SRC DST: packets of the SA out to the peer and in from it.
counters() {
	echo "$(xfrm_count "$1" packets src "$2" dst "$3"):$(
		xfrm_count "$1" packets src "$3" dst "$2")"
}

# Neither daemon nor kernel knows a tunnel.
gone() {
	[ "$(ctl a status)" = "no IKE SAs" ] &&
	[ "$(ctl b status)" = "no IKE SAs" ] &&
	xfrm_empty "$a" && xfrm_empty "$b"
}

check_gone() {
	if wait_for 10 gone; then
		ktap_ok "$1: both daemons and kernels forgot it"
	else
		ktap_fail "$1: both daemons and kernels forgot it"
		ktap_diag "a: $(ctl a status | head -n1), b: $(ctl b status |
			head -n1), kernel SAs" \
			"$(ip -n "$a" xfrm state | grep -c ^src):$(
			ip -n "$b" xfrm state | grep -c ^src)"
	fi
}

# up_ping_down WHO DELETER
up_ping_down() {
	local tag="$1 up, $2 down"

	ktap_diag "$tag: at $SECONDS s"

	ktap_result "$tag: up" ctl "$1" up ab
	ktap_result "$tag: ping through the tunnel" ping_ab 3 0.2
	check_eq "$tag: a's kernel SAs out:in packets" \
		"$(counters "$a" 10.0.0.1 10.0.0.2)" 3:3
	check_eq "$tag: b's kernel SAs out:in packets" \
		"$(counters "$b" 10.0.0.2 10.0.0.1)" 3:3
	ctl "$2" down ab >/dev/null
	check_gone "$tag"
}

# disjoint LIST1 LIST2: two non-empty sorted lists share no line.
disjoint() {
	[ -n "$1" ] && [ -z "$(comm -12 <(echo "$1") <(echo "$2"))" ]
}

spis() { ip -n "$1" xfrm state | awk '/proto esp spi/ { print $4 }' | sort; }

# one_pair_each: both kernels hold one SA pair; $pairs says what they held
# and $now a's SPIs.
one_pair_each() {
	now=$(spis "$a")
	pairs="$(wc -l <<<"$now"):$(spis "$b" | wc -l)"
	[ "$pairs" = 2:2 ]
}

rekey() {
	local tag="CHILD_SA rekeyed by b every 2 s" first now out

	ktap_diag "$tag: at $SECONDS s"
	ktap_result "$tag: up" ctl a up rk
	first=$(spis "$a")
	out=$(ping_ab 40 0.1)
	check_eq "$tag: pings received during the rekeys" \
		"$(grep -o '[0-9]* received' <<<"$out" | cut -d' ' -f1)" 40
	ktap_result "$tag: a answered b's rekey" \
		grep -q "CHILD_SA net rekeyed by the peer" "$work/a.log"
	# Between two rekeys, once the replaced CHILD_SA is deleted. The
	# counts are the ones the wait saw: sampled again, b may be in its
	# next rekey already.
	wait_for 10 one_pair_each
	check_eq "$tag: one SA pair left in each kernel" "$pairs" 2:2
	ktap_result "$tag: SPIs changed, the first ones are gone" \
		disjoint "$first" "$now"
	ctl b down rk >/dev/null
	check_gone "$tag"
}

dpd() {
	local tag="dead peer detection"

	ktap_diag "$tag: at $SECONDS s"

	ktap_result "$tag: up" ctl a up ab
	ktap_result "$tag: ping through the tunnel" ping_ab 3 0.2
	ip -n "$b" link set veth0 down
	# dpd_delay 2 s, then the check and 2 retransmits (1 + 2 + 4 s).
	if wait_for 20 eval '[ "$(ctl a status)" = "no IKE SAs" ] &&
			xfrm_empty "$a"'; then
		ktap_ok "$tag: a ended the IKE SA and emptied its kernel"
	else
		ktap_fail "$tag: a ended the IKE SA and emptied its kernel"
		ctl a status | sed 's/^/# /'
	fi
	ktap_result "$tag: a says the peer did not answer" \
		grep -q "ab: IKE SA #[0-9]* ended: peer did not answer" \
		"$work/a.log"
}

ktap_plan 22
ktap_result "topology set up" eval 'setup_pair &&
	xfrm_warmup "$a" && xfrm_warmup "$b"'
ktap_result "ipsecmed starts on both sides" start
up_ping_down a a
up_ping_down b a
rekey
dpd
if [ "$ktap_failed" -ne 0 ]; then
	for f in "$work"/[ab].log; do
		ktap_diag "--- $f"
		tail -n 60 "$f" | sed 's/^/# /'
	done
fi
rm -rf "$work"
ktap_diag "took $SECONDS s"
ktap_finish
