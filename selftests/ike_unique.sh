#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Several IKE SAs of one peer identity on a gateway (RFC 7296 2.4):
# "unique" per connection, INITIAL_CONTACT, and policies that belong to
# the CHILD_SAs holding them.
#
#   $a: ipsecmed gateway                    $b: ipsecmed road warrior
#   inner 192.168.1.1/32                    inner 192.168.2.1 (id rw-no),
#                                                 192.168.2.2 (id rw-keep),
#                                                 192.168.2.3 (id rw-rep)
#   veth0 10.0.0.1/24 --------------------- veth0 10.0.0.2/24
#   gw_no   unique = no                     no1, no2     id rw-no.example
#   gw_keep unique = keep                   keep1, keep2 id rw-keep.example
#   gw_rep  (unique = replace, default)     rep1, rep2   id rw-rep.example
#
# The road warrior's two connections per identity make a second IKE SA
# of the same identity while the first one exists, so it sends no
# INITIAL_CONTACT: gw_no keeps both, gw_keep refuses the second, gw_rep
# deletes the first. (The road warrior itself refuses the second
# connection's CHILD_SA while the first one's holds those selectors: a
# policy is shared only within one connection. So "up" fails for it; its
# IKE SA is what counts here.) Then the road warrior vanishes (kill -9,
# its kernel state flushed as by a reboot) and reconnects, now with
# INITIAL_CONTACT, which says it lost every IKE SA: gw_keep replaces its
# stale IKE SA at once, and so does gw_no with its two (unique = no lets
# several IKE SAs of an identity stand, not stale ones; no DPD here to do
# it instead), all three with the same selectors as the new one. Then the
# gateway must still have the live CHILD_SAs' policies (a dying SA once
# deleted them by selector) and pings are ESP on the wire both ways,
# nothing in clear (nft egress counters on both veth0).
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
command -v nft >/dev/null || skip_all "nft (nftables) is not installed"
modprobe -q esp4 || skip_all "the kernel has no esp4"

work=$(mktemp -d)
MODES="no keep rep"
declare -A NUM=([no]=1 [keep]=2 [rep]=3)

gw_conf() {
	cat <<-EOC
	daemon {
		ctl_socket = $work/a.ctl
		retransmit_timeout = 1s
		retransmit_tries = 1
	}
	EOC
	for m in $MODES; do
		cat <<-EOC
		connection gw_$m {
			local_addrs = 10.0.0.1
			proposals = aes128gcm16-prfsha256-x25519
			psk_file = $work/psk
			$([ $m = no ] && echo "unique = no")
			$([ $m = keep ] && echo "unique = keep")
			local {
				auth = psk
				id = gw.example
			}
			remote {
				auth = psk
				id = rw-$m.example
			}
			child net {
				local_ts = 192.168.1.1/32
				remote_ts = 192.168.2.${NUM[$m]}/32
				esp_proposals = aes128gcm16
			}
		}
		EOC
	done
}

rw_conf() {
	cat <<-EOC
	daemon {
		ctl_socket = $work/b.ctl
		retransmit_timeout = 1s
		retransmit_tries = 2
	}
	EOC
	for m in $MODES; do
		for k in 1 2; do
			cat <<-EOC
			connection $m$k {
				local_addrs = 10.0.0.2
				remote_addrs = 10.0.0.1
				proposals = aes128gcm16-prfsha256-x25519
				psk_file = $work/psk
				local {
					auth = psk
					id = rw-$m.example
				}
				remote {
					auth = psk
					id = gw.example
				}
				child net {
					local_ts = 192.168.2.${NUM[$m]}/32
					remote_ts = 192.168.1.1/32
					esp_proposals = aes128gcm16
				}
			}
			EOC
		done
	done
}

setup() {
	setup_pair || return 1
	ip_batch "$a" <<-EOF || return 1
	route add 192.168.2.2/32 dev veth0 src 192.168.1.1
	route add 192.168.2.3/32 dev veth0 src 192.168.1.1
	EOF
	ip_batch "$b" <<-EOF || return 1
	addr add 192.168.2.2/32 dev inner
	addr add 192.168.2.3/32 dev inner
	EOF
	xfrm_warmup "$a" && xfrm_warmup "$b" || return 1
	printf 'unique-%s\n' "$(mktemp -u XXXXXXXXXXXX)" >"$work/psk"
	chmod 600 "$work/psk"
	gw_conf >"$work/a.conf"
	rw_conf >"$work/b.conf"
	ipsecmed_start "$a" "$work/a.conf" "$work/a.log" "$work/a.ctl" &&
	start_rw
}

start_rw() {
	ipsecmed_start "$b" "$work/b.conf" "$work/b.log" "$work/b.ctl"
	RW_PID=$IPSECMED_PID
}

ctl() { "$IPSECME" -s "$work/$1.ctl" "${@:2}"; }

# ikes SIDE CONN: how many IKE SAs SIDE lists for CONN.
ikes() { ctl "$1" status | grep -c "^$2 #"; }
# ike_ids SIDE CONN: their numbers.
ike_ids() { ctl "$1" status | sed -n "s/^$2 #\([0-9]*\):.*/\1/p" | tr '\n' ' '; }

# egress counters: ICMP and ESP packets leaving veth0 of NS (what is on
# the wire: tunnelled traffic leaves as ESP, clear traffic as ICMP).
wire_count_start() {
	ip netns exec "$1" nft -f - <<-NFT
	table netdev wire {
		chain out {
			type filter hook egress device "veth0" priority 0;
			ip protocol icmp counter
			ip protocol esp counter
		}
	}
	NFT
}
# wire NS icmp|esp
wire() {
	local n=1
	[ "$2" = esp ] && n=2
	ip netns exec "$1" nft list chain netdev wire out |
		awk '/counter packets/' | sed -n "${n}p" |
		grep -o 'packets [0-9]*' | cut -d' ' -f2
}

ping_from_b() {
	ip netns exec "$b" ping -q -c 3 -i 0.2 -W 2 -I "$1" 192.168.1.1
}

ktap_plan 18
if ! setup; then
	ktap_diag "setup failed"
	exit $KSFT_FAIL
fi

for m in $MODES; do
	ktap_result "${m}1: first IKE SA of rw-$m up" ctl b up "${m}1"
done

ctl b up no2 >"$work/out" 2>&1
check_eq "unique = no: a second IKE SA of the same identity is allowed" \
	"$(ikes b no2)" 1
check_eq "unique = no: the gateway holds both" "$(ikes a gw_no)" 2

old_keep=$(ike_ids a gw_keep)
if ctl b up keep2 >"$work/out" 2>&1; then
	ktap_fail "unique = keep: the second IKE SA is refused"
else
	ktap_ok "unique = keep: the second IKE SA is refused"
fi
check_eq "unique = keep: the gateway keeps the first one alone" \
	"$(ike_ids a gw_keep)" "$old_keep"

ctl b up rep2 >"$work/out" 2>&1
check_eq "unique = replace: a second IKE SA comes up" "$(ikes b rep2)" 1
ktap_result "unique = replace: the gateway deleted the first, on both sides" \
	wait_for 10 eval '[ "$(ikes a gw_rep)" = 1 ] &&
		[ "$(ikes b rep1)" = 0 ] && [ "$(ikes b rep2)" = 1 ]'

# The road warrior vanishes without a Delete and comes back.
kill -9 "$RW_PID"
wait "$RW_PID" 2>/dev/null
ip -n "$b" xfrm state flush
ip -n "$b" xfrm policy flush
start_rw
ktap_result "reconnect: the road warrior is back" test -S "$work/b.ctl"

ktap_result "reconnect: rw-no comes up again with INITIAL_CONTACT" ctl b up no1
ktap_result "reconnect: rw-keep comes up again with INITIAL_CONTACT" \
	ctl b up keep1
ktap_result "INITIAL_CONTACT: the stale IKE SA of unique = keep is gone" \
	eval '[ "$(ikes a gw_keep)" = 1 ] &&
		[ "$(ike_ids a gw_keep)" != "$old_keep" ] &&
		grep -q "replaced by #[0-9]* (INITIAL_CONTACT" "$work/a.log"'
check_eq "INITIAL_CONTACT: the two stale IKE SAs of unique = no are gone" \
	"$(ikes a gw_no)" 1
check_eq "the gateway still has the live rw-no CHILD_SA's policies" \
	"$(ip -n "$a" xfrm policy | grep -c '192.168.2.1/32')" 3

wire_count_start "$a" && wire_count_start "$b"
ktap_result "ping from 192.168.2.1 (unique = no, after the stale SAs died)" \
	ping_from_b 192.168.2.1
ktap_result "ping from 192.168.2.2 (unique = keep, after INITIAL_CONTACT)" \
	ping_from_b 192.168.2.2
check_eq "on the wire: ICMP in clear out of a:b, ESP out of a:b" \
	"$(wire "$a" icmp):$(wire "$b" icmp), $(wire "$a" esp):$(wire "$b" esp)" \
	"0:0, 6:6"

ktap_finish
