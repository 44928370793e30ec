#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecmed against strongSwan charon, PSK, over real XFRM: each side
# initiates, tunnel and transport mode, IPv4 and IPv6 outer addresses,
# three proposal sets, and each side deletes.
#
#   $me: ipsecmed                           $sw: charon
#   lo 10.1.0.1/32, fd01::1/128             lo 10.2.0.1/32, fd02::1/128
#   veth0 192.0.2.1N/24 ------------------- veth0 192.0.2.2N/24
#   veth0 2001:db8::1N/64 ----------------- veth0 2001:db8::2N/64
#   tunnel 10.1.0.0/16 <====== ESP ======> 10.2.0.0/16  (IPv4 outer)
#   tunnel fd01::/64 <======== ESP ======> fd02::/64    (IPv6 outer)
#   transport: 192.0.2.1N <=== ESP ===> 192.0.2.2N, and over IPv6
#
# Case N has its own pair of outer addresses and its own connection cN
# on both sides, so one charon and one ipsecmed load all of them at
# start. For each case: bring the CHILD_SA up from one side, ping
# through it (3 echo requests), check the kernel's SA counters on both
# sides (3 packets each way), delete from one side, and check that both
# kernels hold no SA or policy and neither daemon knows the IKE SA.
#
# Case 9 (c9, 192.0.2.19 <-> 192.0.2.29) has two tunnel children, "child"
# (10.1.0.0/16 <-> 10.2.0.0/16) and "second" (10.11.0.0/16 <->
# 10.12.0.0/16, with PFS), the second made with CREATE_CHILD_SA: once
# started by ipsecmed ("up" brings both), once by charon (swanctl
# --initiate --child second on the established IKE SA). Ping through
# both, 3 packets on each SA of each child in both kernels.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
command -v swanctl >/dev/null && [ -x "$CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) is not installed"
modprobe -q esp4 && modprobe -q esp6 || skip_all "the kernel has no esp4/6"

PSK="interop-$(mktemp -u XXXXXXXXXXXX)"
work=$(mktemp -d)

# N FAMILY MODE INITIATOR DELETER IKE_PROPOSALS ESP_PROPOSALS
CASES=(
	"1 4 tunnel me me aes128gcm16-prfsha256-x25519 aes128gcm16"
	"2 4 tunnel sw sw chacha20poly1305-prfsha256-modp2048 chacha20poly1305"
	"3 4 transport me sw aes256-sha384-ecp384 aes256-sha384"
	"4 4 transport sw me aes128gcm16-prfsha256-x25519 aes128gcm16"
	"5 6 tunnel me sw aes128gcm16-prfsha256-x25519 aes128gcm16"
	"6 6 tunnel sw me aes256gcm16-prfsha384-ecp256 aes256gcm16"
	"7 6 transport me me aes128gcm16-prfsha256-x25519 aes128gcm16"
	"8 6 transport sw sw aes128gcm16-prfsha256-x25519 aes128gcm16"
)

# addrs N FAMILY: set ME, SW (outer) and ME_IN, SW_IN (ping source and
# destination) for case N.
addrs() {
	if [ "$2" = 4 ]; then
		ME=192.0.2.1$1 SW=192.0.2.2$1 ME_IN=10.1.0.1 SW_IN=10.2.0.1
		ME_NET=10.1.0.0/16 SW_NET=10.2.0.0/16
	else
		ME=2001:db8::1$1 SW=2001:db8::2$1 ME_IN=fd01::1 SW_IN=fd02::1
		ME_NET=fd01::/64 SW_NET=fd02::/64
	fi
}

setup() {
	local c n fam ns
	setup_ns me sw || return 1
	veth_pair "$me" veth0 "$sw" veth0 || return 1
	for c in "${CASES[@]}"; do
		read -r n fam _ <<<"$c"
		addrs "$n" "$fam"
		if [ "$fam" = 4 ]; then
			ip -n "$me" addr add "$ME/24" dev veth0
			ip -n "$sw" addr add "$SW/24" dev veth0
		else
			ip -n "$me" addr add "$ME/64" dev veth0 nodad
			ip -n "$sw" addr add "$SW/64" dev veth0 nodad
		fi
	done
	ip -n "$me" addr add 10.1.0.1/32 dev lo
	ip -n "$sw" addr add 10.2.0.1/32 dev lo
	ip -n "$me" addr add 192.0.2.19/24 dev veth0
	ip -n "$sw" addr add 192.0.2.29/24 dev veth0
	ip -n "$me" addr add 10.11.0.1/32 dev lo
	ip -n "$sw" addr add 10.12.0.1/32 dev lo
	ip -n "$me" route add 10.12.0.0/16 dev veth0 src 10.11.0.1
	ip -n "$sw" route add 10.11.0.0/16 dev veth0 src 10.12.0.1
	ip -n "$me" addr add fd01::1/128 dev lo
	ip -n "$sw" addr add fd02::1/128 dev lo
	ip -n "$me" route add 10.2.0.0/16 dev veth0 src 10.1.0.1
	ip -n "$sw" route add 10.1.0.0/16 dev veth0 src 10.2.0.1
	ip -n "$me" route add fd02::/64 dev veth0 src fd01::1
	ip -n "$sw" route add fd01::/64 dev veth0 src fd02::1
	# No neighbour reachability probes during a case: in transport
	# mode a unicast NS would go through the SA and count.
	for ns in "$me" "$sw"; do
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.neigh.veth0.base_reachable_time_ms=3600000
	done
	printf '%s\n' "$PSK" >"$work/psk"
	chmod 600 "$work/psk"
	xfrm_warmup "$me" && xfrm_warmup "$sw"
}

sw_conf() {
	local c n fam mode ts
	for c in "${CASES[@]}"; do
		read -r n fam mode _ _ ike esp <<<"$c"
		addrs "$n" "$fam"
		ts=(local_ts="$SW_NET" remote_ts="$ME_NET")
		[ "$mode" = transport ] && ts=()
		swanctl_conn "c$n" local="$SW" remote="$ME" \
			local_id=sw.example remote_id=me.example psk="$PSK" \
			proposals="$ike" esp_proposals="$esp" mode="$mode" \
			"${ts[@]}"
	done
	swanctl_conn c9 local=192.0.2.29 remote=192.0.2.19 \
		local_id=sw.example remote_id=me.example psk="$PSK" \
		local_ts=10.2.0.0/16 remote_ts=10.1.0.0/16 \
		more_children="$(swanctl_child second 10.12.0.0/16 \
				 10.11.0.0/16 aes128gcm16-x25519)"
}

me_conf() {
	local c n fam mode ts
	cat <<-EOC
	daemon {
		ctl_socket = $work/ipsecmed.ctl
		retransmit_timeout = 2s
		retransmit_tries = 3
	}
	EOC
	for c in "${CASES[@]}"; do
		read -r n fam mode _ _ ike esp <<<"$c"
		addrs "$n" "$fam"
		ts="local_ts = $ME_NET
			remote_ts = $SW_NET"
		[ "$mode" = transport ] && ts=
		cat <<-EOC
		connection c$n {
			local_addrs = $ME
			remote_addrs = $SW
			proposals = $ike
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
				mode = $mode
				esp_proposals = $esp
			}
		}
		EOC
	done
	cat <<-EOC
	connection c9 {
		local_addrs = 192.0.2.19
		remote_addrs = 192.0.2.29
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
			local_ts = 10.1.0.0/16
			remote_ts = 10.2.0.0/16
			esp_proposals = aes128gcm16
		}
		child second {
			local_ts = 10.11.0.0/16
			remote_ts = 10.12.0.0/16
			esp_proposals = aes128gcm16-x25519
		}
	}
	EOC
}

me() { "$IPSECME" -s "$work/ipsecmed.ctl" "$@"; }
sw() { swanctl_in "$sw" "$@"; }

start_me() {
	me_conf >"$work/ipsecmed.conf"
	ipsecmed_start "$me" "$work/ipsecmed.conf" "$work/ipsecmed.log" \
		"$work/ipsecmed.ctl"
}

ping_through() {
	local src=$ME_IN dst=$SW_IN
	[ "$1" = transport ] && src=$ME dst=$SW
	ip netns exec "$me" ping -q -c 3 -i 0.2 -W 2 -I "$src" "$dst" \
		>/dev/null
}

# counters NS: packets of the SA to the peer and of the SA from it.
counters() {
	local ns=$1 src=$ME dst=$SW
	[ "$ns" = "$sw" ] && src=$SW dst=$ME
	echo "$(xfrm_count "$ns" packets src "$src" dst "$dst"):$(
		xfrm_count "$ns" packets src "$dst" dst "$src")"
}

# The connection cN is up nowhere any more.
# (The kernels first: swanctl is slow to start under TCG.)
gone() {
	xfrm_empty "$me" && xfrm_empty "$sw" &&
	[ "$(me status)" = "no IKE SAs" ] &&
	! sw --list-sas --ike "c$1" --raw | grep -q state=
}

run() {
	local n=$1 fam=$2 mode=$3 who=$4 del=$5 ike=$6
	local tag="c$n: $ike IPv$fam $mode, $who up, $del down"

	addrs "$n" "$fam"
	ktap_diag "$tag: at $SECONDS s"
	if [ "$who" = me ]; then
		ktap_result "$tag: up" eval 'me up c$n >/dev/null'
	else
		ktap_result "$tag: up" eval \
			'sw --initiate --ike c$n --child child --timeout 30 \
			 >/dev/null &&
			 wait_for 5 eval "me status | grep -q INSTALLED"'
	fi
	ktap_result "$tag: ping through the CHILD_SA" ping_through "$mode"
	check_eq "$tag: ipsecmed's kernel SAs out:in packets" \
		"$(counters "$me")" 3:3
	check_eq "$tag: charon's kernel SAs out:in packets" \
		"$(counters "$sw")" 3:3
	if [ "$del" = me ]; then
		me down "c$n" >/dev/null
	else
		sw --terminate --ike "c$n" --timeout 10 >/dev/null
	fi
	if wait_for 10 gone "$n"; then
		ktap_ok "$tag: both daemons and kernels forgot it"
	else
		ktap_fail "$tag: both daemons and kernels forgot it"
		ktap_diag "ipsecmed: $(me status | head -n1);" \
			"charon: $(sw --list-sas --raw | grep -c state=);" \
			"kernel SAs $(ip -n "$me" xfrm state | grep -c ^src):" \
			"$(ip -n "$sw" xfrm state | grep -c ^src)"
	fi
}

# child_counters NS CHILD: packets out:in of ipsecmed's CHILD_SA CHILD,
# on its SAs in NS (charon's side sends on ipsecmed's inbound SPI).
child_counters() {
	local c spi_in spi_out
	c=$(me -j status c9 | grep -o "{\"name\":\"$2\"[^}]*}")
	spi_in=$(grep -o '"spi_in":"[0-9a-f]*"' <<<"$c" | cut -d'"' -f4)
	spi_out=$(grep -o '"spi_out":"[0-9a-f]*"' <<<"$c" | cut -d'"' -f4)
	[ -n "$spi_in" ] && [ -n "$spi_out" ] || return
	[ "$1" = "$sw" ] && { c=$spi_in; spi_in=$spi_out; spi_out=$c; }
	echo "$(xfrm_count "$1" packets spi "0x$spi_out"):$(
		xfrm_count "$1" packets spi "0x$spi_in")"
}

two_installed() { [ "$(me status c9 | grep -c ': INSTALLED')" = 2 ]; }

# run_two WHO: case 9, the second child created by WHO.
run_two() {
	local tag="c9: two children, second by CREATE_CHILD_SA from $1"

	ktap_diag "$tag: at $SECONDS s"
	if [ "$1" = me ]; then
		ktap_result "$tag: up brings both" eval \
			'me up c9 >/dev/null && two_installed'
	else
		ktap_result "$tag: both up" eval \
			'sw --initiate --ike c9 --child child --timeout 30 \
			 >/dev/null &&
			 sw --initiate --ike c9 --child second --timeout 30 \
			 >/dev/null && wait_for 5 two_installed'
	fi
	ktap_result "$tag: ping through both" eval \
		'ip netns exec "$me" ping -q -c 3 -i 0.2 -W 2 -I 10.1.0.1 \
		 10.2.0.1 >/dev/null &&
		 ip netns exec "$me" ping -q -c 3 -i 0.2 -W 2 -I 10.11.0.1 \
		 10.12.0.1 >/dev/null'
	check_eq "$tag: SA packets out:in, both children, both kernels" \
		"$(child_counters "$me" child) $(child_counters "$me" second) $(
		   child_counters "$sw" child) $(child_counters "$sw" second)" \
		"3:3 3:3 3:3 3:3"
	me down c9 >/dev/null
	if wait_for 10 gone 9; then
		ktap_ok "$tag: both daemons and kernels forgot it"
	else
		ktap_fail "$tag: both daemons and kernels forgot it"
	fi
}

ktap_plan $((3 + 5 * ${#CASES[@]} + 8))
ktap_result "topology set up" setup
sw_conf >"$work/sw.conf"
ktap_result "charon starts with ${#CASES[@]} connections" \
	charon_start "$sw" "$work/sw.conf"
ktap_result "ipsecmed starts with ${#CASES[@]} connections" start_me
for c in "${CASES[@]}"; do
	# shellcheck disable=SC2086
	run $c
done
run_two me
run_two sw
if [ "$ktap_failed" -ne 0 ]; then
	for f in "$work/ipsecmed.log" "$CHARON_BASE/$sw/charon.log"; do
		ktap_diag "--- $f"
		tail -n 80 "$f" 2>/dev/null | sed 's/^/# /'
	done
fi
charon_stop "$sw"
rm -rf "$work"
ktap_diag "took $SECONDS s"
ktap_finish
