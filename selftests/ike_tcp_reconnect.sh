#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A tunnel of ipsecmed over TCP (RFC 9329) outlives its connection:
#
#   $a: ipsecmed, TCP Originator           $b: ipsecmed, tcp_port 4500
#   inner 192.168.1.1 <= ESP in TCP 4500 => inner 192.168.2.1
#   veth0 10.0.0.1/24 -- nft: no UDP, no bare ESP leaves -- 10.0.0.2/24
#
#  - a's socket is killed (ss -K) while its SYNs are dropped: the
#    binding is dormant and counts the pings it drops; once SYNs pass, a
#    reconnects, b follows, the same SAs carry the ping on new sockets;
#  - b's socket is killed in the middle of a bulk transfer: a reconnects
#    and the transfer completes intact, still with the same SAs;
#  - a's ipsecmed is killed (SIGKILL: its SAs and policies stay in the
#    kernel) and started again: no ESP leaves outside TCP meanwhile, and
#    the new instance brings the tunnel up again.
source "$(dirname "$0")/lib.sh"

command -v ss >/dev/null || skip_all "no ss (iproute2)"
ike_pair_prelude

conf() {
	local side=$1 peer=b
	[ "$side" = b ] && peer=a
	cat <<-EOC
	daemon {
		ctl_socket = $work/$side.ctl
		retransmit_timeout = 1s
		retransmit_tries = 6
		$6
	}
	connection tcp {
		local_addrs = $2
		remote_addrs = $3
		proposals = aes128gcm16-prfsha256-x25519
		psk_file = $work/psk
		encapsulation = tcp
		local {
			auth = psk
			id = $side.example
		}
		remote {
			auth = psk
			id = $peer.example
		}
		child net {
			local_ts = $4
			remote_ts = $5
			esp_proposals = aes128gcm16
		}
	}
	EOC
}

# The firewall in front of $a: UDP and bare ESP are dropped and counted
# (on the way out of the host: the module takes a bound SA's ESP at the
# end of LOCAL_OUT). Chain "syn" can refuse a's new connections, at
# once, so that a's attempts fail fast and go on every second.
firewall() {
	ip netns exec "$a" nft -f - <<-EOF
	table inet fw {
		chain out {
			type filter hook postrouting priority 0;
			meta l4proto udp counter drop
			meta l4proto esp counter drop
		}
		chain syn {
			type filter hook output priority 0;
		}
	}
	EOF
}
dropped() {
	ip netns exec "$a" nft -j list chain inet fw out |
		jq "[.nftables[].rule? // empty | select(.expr[0].match.right == \"$1\") | .expr[1].counter.packets] | add"
}
block_syn() {
	ip netns exec "$a" nft add rule inet fw syn tcp dport 4500 \
		tcp flags syn reject with tcp reset
}
pass_syn() { ip netns exec "$a" nft flush chain inet fw syn; }

setup() {
	conf a 10.0.0.1 10.0.0.2 192.168.1.1/32 192.168.2.1/32 "" \
		>"$work/a.conf"
	conf b 10.0.0.2 10.0.0.1 192.168.2.1/32 192.168.1.1/32 \
		"tcp_port = 4500" >"$work/b.conf"
	ike_pair_start a && pid_a=$IPSECMED_PID && ike_pair_start b
}

ping_ab() {
	ip netns exec "$a" ping -q -c "$1" -i 0.2 -W 2 -s "$2" -I 192.168.1.1 \
		192.168.2.1 >/dev/null
}
spis() { ip -n "$1" xfrm state list | awk '/spi/ { print $4 }' | sort | xargs; }
# binding NS: state and socket of the only binding.
binding() {
	show_json "$1" '[.bindings[] | "\(.state) \(.socket)"] | join(",")'
}
# owners SIDE: what `ipsecme show` says the binding and the connection
# belong to, told by SIDE's ipsecmed; want_owners SIDE: what they must be.
owners() {
	ip netns exec "${!1}" "$IPSECME" -s "$work/$1.ctl" -j show | jq -r \
		'"\(.bindings[0].ike_sa)/\(.bindings[0].child_sa)/\(.connections[0].ike_sa)"'
}
want_owners() {
	local id
	id=$(ctl "$1" -j status | jq '.ike_sas[0].id')
	echo "tcp #$id/net/tcp #$id"
}
dormant_drops() { show_json "$1" '.counters.tx_dormant // 0'; }
bound_anew() {
	local now
	now=$(binding "$1")
	[ "${now%% *}" = active ] && [ "${now#* }" != "$2" ]
}
# kill_conn SIDE sport|dport: destroy SIDE's socket of the tunnel.
kill_conn() {
	ip netns exec "${!1}" ss -K -t "$2 = :4500" >/dev/null
}

# transfer: 4 MiB from a to b through the tunnel; each side writes the
# length and SHA-256 of what it sent or got.
receiver() {
	ip netns exec "$b" python3 -c '
import hashlib, socket, sys
s = socket.create_server(("192.168.2.1", 5001))
open(sys.argv[1] + ".ready", "w").close()
c, _ = s.accept()
h, n = hashlib.sha256(), 0
while True:
    d = c.recv(65536)
    if not d:
        break
    h.update(d)
    n += len(d)
    if n >= 1 << 20:
        open(sys.argv[1] + ".1m", "a").close()
open(sys.argv[1], "w").write("%d %s\n" % (n, h.hexdigest()))' "$work/got"
}
sender() {
	ip netns exec "$a" python3 -c '
import hashlib, random, socket, sys
data = random.Random(1).randbytes(4 << 20)
c = socket.create_connection(("192.168.2.1", 5001), timeout=120,
                             source_address=("192.168.1.1", 0))
c.sendall(data)
c.close()
open(sys.argv[1], "w").write("%d %s\n" % (len(data),
                             hashlib.sha256(data).hexdigest()))' "$work/sent"
}

# transfer_intact: both sides saw the same bytes, and a's outbound SA
# carried at least that many.
transfer_intact() {
	local out
	out=$(xfrm_count "$a" bytes src 10.0.0.1 dst 10.0.0.2)
	echo "sent: $(cat "$work/sent"), got: $(cat "$work/got")," \
		"SA bytes: $OUT_BYTES -> $out"
	[ -s "$work/sent" ] && cmp -s "$work/sent" "$work/got" &&
	[ $((out - OUT_BYTES)) -ge $((4 << 20)) ]
}

ktap_plan 17
ktap_result "topology set up, UDP and bare ESP blocked in front of a" \
	eval 'setup_pair && xfrm_warmup "$a" && xfrm_warmup "$b" && firewall'
ktap_result "ipsecmed starts on both sides" setup
ktap_result "up over TCP, ping" eval 'ctl a up tcp && ping_ab 3 100'
SPIS=$(spis "$a")
A_BIND=$(binding "$a") B_BIND=$(binding "$b")
ktap_diag "SPIs $SPIS; bindings a: $A_BIND, b: $B_BIND"
check_eq "ipsecme show names the IKE SA and CHILD_SA of each side's binding" \
	"$(owners a) $(owners b)" "$(want_owners a) $(want_owners b)"

# --- a's connection reset, while a cannot connect ----------------------------

block_syn
kill_conn a dport
ktap_result "a's socket killed: its binding is dormant" \
	wait_for 20 eval '[ "$(binding "$a")" = "dormant 0" ]'
before=$(dormant_drops "$a")
ping_ab 3 100
check_eq "3 pings while a has no connection: dropped, counted dormant" \
	"$(( $(dormant_drops "$a") - before ))" 3
pass_syn
ktap_diag "$SECONDS s"
ktap_result "a reconnects and both ends rebind: ping goes through" \
	eval 'wait_for 60 bound_anew "$a" "${A_BIND#* }" &&
	wait_for 60 bound_anew "$b" "${B_BIND#* }" && ping_ab 3 100'
check_eq "the same SAs, nothing renegotiated" "$(spis "$a")" "$SPIS"
check_eq "ipsecme show ties the new connections to the IKE SA" \
	"$(owners a) $(owners b)" "$(want_owners a) $(want_owners b)"
ktap_result "b followed a to the new connection" grep -q \
	"the peer re-established the TCP connection from 10.0.0.1" \
	"$work/b.log"

# --- b's connection reset in the middle of a transfer ------------------------

A_BIND=$(binding "$a") B_BIND=$(binding "$b")
OUT_BYTES=$(xfrm_count "$a" bytes src 10.0.0.1 dst 10.0.0.2)
receiver & rpid=$!
track_pid $rpid
wait_for 20 test -e "$work/got.ready"
sender & spid=$!
track_pid $spid
wait_for 120 test -e "$work/got.1m" && kill_conn b sport
ktap_diag "$SECONDS s"
ktap_result "b's socket killed mid-transfer: the transfer completes" \
	eval 'wait $spid && wait $rpid'
ktap_result "what b got is what a sent, and it went through the tunnel" \
	transfer_intact
ktap_result "both ends are bound to a new connection, same SAs" \
	eval 'bound_anew "$a" "${A_BIND#* }" && bound_anew "$b" "${B_BIND#* }" &&
	[ "$(spis "$a")" = "$SPIS" ]'

# --- a's daemon killed and started again -------------------------------------

ktap_diag "$SECONDS s"
kill -KILL "$pid_a"
wait "$pid_a" 2>/dev/null
ktap_result "ipsecmed killed: a's binding is dormant, its SAs stay" \
	eval 'wait_for 20 eval "[ \"\$(binding "$a")\" = \"dormant 0\" ]" &&
	[ "$(spis "$a")" = "$SPIS" ]'
ping_ab 3 100
check_eq "pings meanwhile do not leave as bare ESP" "$(dropped esp)" 0
ktap_result "ipsecmed started again: up over TCP, ping" \
	eval 'ike_pair_start a && ctl a up tcp && ping_ab 3 100'
check_eq "nothing tried UDP, no ESP outside TCP, all along" \
	"$(dropped udp):$(dropped esp)" 0:0
ktap_diag "a's SAs after the restart: $(spis "$a") (before: $SPIS)"

if [ "$ktap_failed" -ne 0 ]; then
	ike_pair_logs a b
	ip -n "$a" xfrm state | sed 's/^/# a: /'
	ip netns exec "$a" "$IPSECME" show | sed 's/^/# a: /'
	ip netns exec "$b" "$IPSECME" show | sed 's/^/# b: /'
fi
ktap_diag "took $SECONDS s"
ktap_finish
