#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecmed against ipsecmed over TCP (RFC 9329) through a router that
# drops all UDP, with ipsecme.ko carrying the ESP:
#
#   $c: ipsecmed (road warrior)    $r: router          $g: ipsecmed (gateway)
#   inner 192.168.1.1, fd11::1                         inner 192.168.2.1, fd22::1
#   veth0 10.0.1.1/24 ------ vc 10.0.1.254  vg 10.0.2.254 ------ veth0 10.0.2.1/24
#         fd01::1/64            fd01::fe    fd02::fe               fd02::1/64
#                        nft forward: UDP dropped,
#                        ESP dropped (both counted)
#
#  - tcp4, tcp6 (encapsulation = tcp, tunnel mode, IPv4 and IPv6 outer):
#    ping, SA counters, each outbound SA bound to the connection, a 2 MiB
#    transfer whose SHA-256 matches at the far end; a capture on the
#    router holds only TCP port 4500 between the outer addresses, and the
#    router dropped no UDP and no ESP;
#  - bad input at g's listener while tcp4 carries a ping: no prefix, a
#    wrong one, a record of length 1, an ESP-like garbage record, an
#    oversized first record, a slow-loris prefix, more connections than
#    tcp_max_per_source and than tcp_max_connections: each has its log
#    line and moves exactly its counters of `ipsecme -j status`; no ping
#    is lost, g's daemon still runs;
#  - rk (tcp, short lifetimes on c): the CHILD_SA and the IKE SA rekey
#    over TCP while a ping runs every 100 ms: none lost, and no ESP
#    outside TCP reached the router;
#  - auto: falls back to TCP while UDP is dropped (status says so), and
#    stays on UDP once the router lets UDP (and ESP) through.
source "$(dirname "$0")/lib.sh"

ike_pair_prelude

BULK_BYTES=$((2 << 20))

# conf SIDE ME PEER DAEMON_EXTRA: connections tcp4, tcp6, rk, auto,
# told apart by their identities. ME/PEER: 1 for c, 2 for g.
conf() {
	local side=$1 me=$2 peer=$3 conn fam encap rekey child_rekey
	cat <<-EOC
	daemon {
		ctl_socket = $work/$side.ctl
		retransmit_timeout = 1s
		retransmit_tries = 4
		$4
	}
	EOC
	for conn in tcp4 tcp6 rk auto; do
		fam=4 encap=tcp rekey="" child_rekey=""
		[ $conn = tcp6 ] && fam=6
		[ $conn = auto ] && encap=auto
		if [ $conn = rk ] && [ $side = c ]; then
			rekey="rekey_time = 5s
			life_time = 300s"
			child_rekey="rekey_time = 4s
				life_time = 60s"
		fi
		cat <<-EOC
		connection $conn {
			local_addrs = $(outer $fam $me)
			remote_addrs = $(outer $fam $peer)
			proposals = aes128gcm16-prfsha256-x25519
			psk_file = $work/psk
			encapsulation = $encap
			tcp_fallback = 2s
			$rekey
			local {
				auth = psk
				id = $side.$conn.example
			}
			remote {
				auth = psk
				id = peer.$conn.example
			}
			child net {
				local_ts = $(inner $fam $me)
				remote_ts = $(inner $fam $peer)
				esp_proposals = aes128gcm16
				$child_rekey
			}
		}
		EOC
	done | sed "s/id = peer\./id = $([ $side = c ] && echo g || echo c)./"
}
outer() { [ "$1" = 4 ] && echo "10.0.$2.1" || echo "fd0$2::1"; }
inner() { [ "$1" = 4 ] && echo "192.168.$2.1/32" || echo "fd$2$2::1/128"; }

# host ME PEER: the ip commands of c (1 2) or g (2 1).
host() {
	cat <<-EOF
	addr add 10.0.$1.1/24 dev veth0
	addr add fd0$1::1/64 dev veth0 nodad
	route add 10.0.$2.0/24 via 10.0.$1.254
	route add fd0$2::/64 via fd0$1::fe
	link add inner type dummy
	link set inner up
	addr add 192.168.$1.1/32 dev inner
	addr add fd$1$1::1/128 dev inner nodad
	route add 192.168.$2.1/32 via 10.0.$1.254 src 192.168.$1.1
	route add fd$2$2::1/128 via fd0$1::fe src fd$1$1::1
	EOF
}

topology() {
	local i
	setup_ns c r g &&
	veth_pair "$c" veth0 "$r" vc && veth_pair "$r" vg "$g" veth0 &&
	host 1 2 | ip_batch "$c" && host 2 1 | ip_batch "$g" &&
	ip_batch "$r" <<-EOF &&
	addr add 10.0.1.254/24 dev vc
	addr add fd01::fe/64 dev vc nodad
	addr add 10.0.2.254/24 dev vg
	addr add fd02::fe/64 dev vg nodad
	EOF
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 &&
	# Sources for the connection-limit probes.
	for i in 11 12 13 14 15 16; do
		echo "addr add 10.0.1.$i/24 dev veth0"
	done | ip_batch "$c" &&
	ip netns exec "$r" nft -f - <<-EOF
	table inet fw {
		chain transit {
			type filter hook forward priority 0;
			meta l4proto udp counter drop
			meta l4proto esp counter drop
		}
	}
	EOF
}
dropped() {
	ip netns exec "$r" nft -j list table inet fw |
		jq "[.nftables[].rule? // empty | select(.expr[0].match.right == \"$1\") | .expr[1].counter.packets] | add // 0"
}

start() {
	conf c 1 2 "" >"$work/c.conf"
	conf g 2 1 "tcp_port = 4500
		tcp_timeout = 4s
		tcp_max_per_source = 3
		tcp_max_connections = 6" >"$work/g.conf"
	ike_pair_start c g
}

# transport SIDE CONN: what `ipsecme status` says the IKE SA runs over,
# and who carries its ESP: "tcp/ipsecme.ko", "udp/kernel".
transport() {
	ctl "$1" -j status |
		jq -r ".ike_sas[] | select(.name == \"$2\") | .transport + \"/\" + .esp_path"
}
counters() {
	echo "$(xfrm_count "$1" packets src "$2" dst "$3"):$(
		xfrm_count "$1" packets src "$3" dst "$2")"
}
bindings() { show_json "$1" '[.bindings[]? | select(.state == "active")] | length'; }
ping_cg() {
	local fam=$1 n=$2 size=$3
	ip netns exec "$c" ping -q -c "$n" -i 0.2 -W 2 -s "$size" \
		-I "${4:-$(inner $fam 1 | cut -d/ -f1)}" "$(inner $fam 2 | cut -d/ -f1)"
}

# A bulk transfer from c's to g's inner address: the sender prints the
# length and SHA-256 of what it sent, the receiver those of what came.
BULK_PY='
import hashlib, os, socket, sys
mode, addr = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
if mode == "recv":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 5001))
    s.listen(1)
    print("ready", flush=True)
    c, _ = s.accept()
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(n, h.hexdigest(), flush=True)
else:
    data = os.urandom(int(sys.argv[4]))
    s.bind((sys.argv[3], 0))
    s.settimeout(120)
    s.connect((addr, 5001))
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    print(len(data), hashlib.sha256(data).hexdigest())
'
bulk() {
	local fam=$1 src dst out=$work/bulk$1.out sent got
	src=$(inner "$fam" 1 | cut -d/ -f1)
	dst=$(inner "$fam" 2 | cut -d/ -f1)
	ip netns exec "$g" python3 -c "$BULK_PY" recv "$dst" >"$out" 2>&1 &
	track_pid $!
	wait_for 30 grep -q ready "$out" || { cat "$out"; return 1; }
	sent=$(ip netns exec "$c" timeout 150 python3 -c "$BULK_PY" send \
		"$dst" "$src" "$BULK_BYTES") || return 1
	wait_for 30 eval '[ "$(wc -l <"$out")" -ge 2 ]'
	got=$(sed -n 2p "$out")
	echo "sent $sent, received $got"
	[ "$sent" = "$got" ] && [ "${sent%% *}" = "$BULK_BYTES" ]
}

# The capture on the router, from before tcp4 is up to after tcp6's
# transfer: only TCP port 4500 between the outer addresses.
capture_start() {
	ip netns exec "$r" tcpdump -Z root -i any -n -U --immediate-mode -s 128 -w "$work/cap.pcap" \
		>"$work/tcpdump.log" 2>&1 &
	CAPTURE_PID=$!
	track_pid $CAPTURE_PID
	wait_for 30 grep -q "listening on" "$work/tcpdump.log"
}
captured() { tcpdump -n -r "$work/cap.pcap" "$1" 2>/dev/null | wc -l; }
# CAPTURE: what the capture holds, "v4:yes v6:yes other:0" if all is well.
capture_verdict() {
	local v4 v6 other tunnel
	kill -INT "$CAPTURE_PID"
	wait "$CAPTURE_PID"
	tunnel="tcp port 4500 and ((host 10.0.1.1 and host 10.0.2.1) or (host fd01::1 and host fd02::1))"
	v4=$(captured "ip and $tunnel")
	v6=$(captured "ip6 and $tunnel")
	# Neighbour discovery aside, nothing else may cross.
	other=$(captured "(ip or ip6) and not icmp6 and not ($tunnel)")
	ktap_diag "capture: $v4 IPv4 and $v6 IPv6 packets of TCP 4500, $other others"
	[ "$other" = 0 ] ||
		tcpdump -n -r "$work/cap.pcap" "(ip or ip6) and not icmp6 and not ($tunnel)" 2>/dev/null |
		head -n 5 | sed 's/^/# /'
	CAPTURE="v4:$([ "$v4" -gt 500 ] && echo yes) v6:$([ "$v6" -gt 500 ] && echo yes) other:$other"
}

# A ping every 100 ms from c to g's inner IPv4 address in the background;
# ping_lost then stops it and prints how many of the requests up to the
# last answered one got no answer ("lost N"), or too few answers.
ping_bg() {
	ip netns exec "$c" ping -D -i 0.1 -W 5 -I 192.168.1.1 192.168.2.1 \
		>"$work/bg.ping" 2>&1 &
	PING_PID=$!
	track_pid $PING_PID
}
ping_lost() {
	kill -INT "$PING_PID"
	wait "$PING_PID"
	# The missing ones, with the time of the answer before, for the log.
	awk -F'icmp_seq=' '/icmp_seq=/ { split($2, f, " ")
			if (!(f[1] in seen)) n++
			seen[f[1]] = 1; if (f[1] > max) max = f[1]
			t[f[1]] = substr($1, 2, 17) }
		END { for (i = 1; i <= max; i++) if (!(i in seen))
			printf "icmp_seq %d unanswered (answer %d at %s)\n", i,
				i - 1, t[i - 1] > "/dev/stderr"
		      if (n < 10) print "only " n " answers"
		      else print "lost " max - n }' "$work/bg.ping" 2>"$work/lost"
	sed 's/^/# /' "$work/lost" >&2
}

# --- bad input at g's listener ----------------------------------------------

# probe MODE [ARGS]: from c to g's TCP 4500; prints "closed" once g closes
# the connection (within 30 s), else "open". send HEX: those bytes;
# loris: the prefix one byte at a time, then silence; hold SRC...: one
# connection from each SRC, all open at once; prints whether g closed
# the last one, whether it had closed an earlier one by then, and
# whether it closed the earlier ones later (for silence).
PROBE_PY='
import select, socket, sys, time
def conn(src=None):
    s = socket.socket()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if src:
        s.bind((src, 0))
    s.connect(("10.0.2.1", 4500))
    return s
def closed(s, wait):
    if not select.select([s], [], [], wait)[0]:
        return False
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
mode = sys.argv[1]
if mode == "send":
    s = conn()
    s.sendall(bytes.fromhex(sys.argv[2]))
    print("closed" if closed(s, 30) else "open")
elif mode == "loris":
    s = conn()
    for b in b"IKETCP":
        s.send(bytes([b]))
        time.sleep(0.1)
    print("closed" if closed(s, 30) else "open")
else:
    socks = [conn(src) for src in sys.argv[2:]]
    last = "last closed" if closed(socks[-1], 30) else "last open"
    early = any(closed(s, 0) for s in socks[:-1])
    # Until g closes them (tcp_timeout): their end is for g to count.
    timed_out = all(closed(s, 30) for s in socks[:-1])
    print(last, "early closed" if early else "early open",
          "then timed out" if timed_out else "then still open")
'
probe() { ip netns exec "$c" python3 -c "$PROBE_PY" "$@"; }

# The counters of g's TCP listener, as one JSON object.
tcp_counters() {
	ctl g -j status | jq -c '.tcp | del(.port, .open, .max_connections, .max_per_source)'
}
tcp_open() { ctl g -j status | jq '.tcp.open'; }
# delta BEFORE AFTER: "name+N ..." for each counter that moved.
delta() {
	jq -rn --argjson a "$1" --argjson b "$2" \
		'$b | to_entries | map(select(.value != $a[.key]) |
		 "\(.key)+\(.value - $a[.key])") | join(" ")'
}
log_count() { grep -c -- "$1" "$work/g.log"; }

# bad NAME LOG_LINE WANT_PROBE WANT_DELTA PROBE_ARGS...: run the probe,
# wait until g holds only the tunnel's connection again, then compare
# what the probe saw, the new log lines and the counters' movement.
bad() {
	local name=$1 line=$2 want_probe=$3 want=$4 before after logs seen
	local t0=$SECONDS
	shift 4
	before=$(tcp_counters)
	logs=$(log_count "$line")
	seen=$(probe "$@")
	wait_for 30 eval '[ "$(tcp_open)" = 1 ]' ||
		ktap_diag "$name: g still has $(tcp_open) connections"
	after=$(tcp_counters)
	ktap_diag "$name: $((SECONDS - t0)) s"
	check_eq "bad input: $name" \
		"$seen; log +$(($(log_count "$line") - logs)); $(delta "$before" "$after")" \
		"$want_probe; log +1; $want"
}

ktap_plan 40
ktap_result "topology: client, router dropping UDP and ESP, gateway" \
	eval 'topology && xfrm_warmup "$c" && xfrm_warmup "$g"'
ktap_result "ipsecmed starts on both sides" start

ktap_result "tcp: the router capture starts" capture_start
ktap_result "tcp4: up" ctl c up tcp4
ktap_result "tcp4: ping through the tunnel, 1400-byte packets" ping_cg 4 5 1400
check_eq "tcp4: c's and g's kernel SAs out:in packets" \
	"$(counters "$c" 10.0.1.1 10.0.2.1) $(counters "$g" 10.0.2.1 10.0.1.1)" \
	"5:5 5:5"
check_eq "tcp4: status says tcp, ESP by ipsecme.ko, on both sides" \
	"$(transport c tcp4):$(transport g tcp4)" tcp/ipsecme.ko:tcp/ipsecme.ko
check_eq "tcp4: each outbound SA bound to the IKE SA's connection" \
	"$(bindings "$c"):$(bindings "$g")" 1:1
ktap_result "tcp4: $BULK_BYTES bytes through the tunnel, SHA-256 equal" bulk 4

ktap_diag "tcp4 done after $SECONDS s"
ktap_result "tcp6: up" ctl c up tcp6
# IPv6 outer and inner: 1400 bytes would be fragmented (two ESP each).
ktap_result "tcp6: ping through the tunnel, 1300-byte packets" ping_cg 6 5 1300
check_eq "tcp6: c's and g's kernel SAs out:in packets" \
	"$(counters "$c" fd01::1 fd02::1) $(counters "$g" fd02::1 fd01::1)" \
	"5:5 5:5"
check_eq "tcp6: status says tcp, ESP by ipsecme.ko, on both sides" \
	"$(transport c tcp6):$(transport g tcp6)" tcp/ipsecme.ko:tcp/ipsecme.ko
check_eq "tcp6: both outbound SAs of each side bound" \
	"$(bindings "$c"):$(bindings "$g")" 2:2
ktap_result "tcp6: $BULK_BYTES bytes through the tunnel, SHA-256 equal" bulk 6
capture_verdict
check_eq "tcp: the router saw only TCP 4500 between the outer addresses" \
	"$CAPTURE" "v4:yes v6:yes other:0"
check_eq "tcp: the router dropped no UDP and no ESP" \
	"$(dropped udp):$(dropped esp)" 0:0
ctl c down tcp6 >/dev/null
ktap_result "tcp6: down; g holds only tcp4's connection" \
	wait_for 30 eval '[ "$(ctl c status tcp6)" = "no IKE SAs" ] && [ "$(tcp_open)" = 1 ]'

ktap_diag "tcp6 done after $SECONDS s"
ping_bg
bad "no prefix (an IKE record)" "no IKETCP prefix" closed \
	"accepted+1 bad_prefix+1" send 000a0000000000000000
bad "a wrong prefix" "no IKETCP prefix" closed \
	"accepted+1 bad_prefix+1" send 494b45544358
bad "a record of length 1 after the prefix" "record length below 2" closed \
	"accepted+1 bad_record+1" send 494b455443500001
bad "an ESP-like garbage record: dropped, then silence" \
	"no IKE message in time" closed "accepted+1 timed_out+1" \
	send "494b45544350001a$(printf '%048x' 0 | tr 0 5)"
bad "a first record of 20000 bytes" "first record too long" closed \
	"accepted+1 oversized_first_record+1" \
	send "494b455443504e20$(head -c 19998 /dev/zero | od -An -tx1 -v | tr -d ' \n')"
bad "slow loris: the prefix byte by byte, then silence" \
	"no IKE message in time" closed "accepted+1 timed_out+1" loris
# g holds tcp4's connection from 10.0.1.1: two more from it fit.
bad "a fourth connection from one address (tcp_max_per_source 3)" \
	"refused: 3 connections from it (tcp_max_per_source)" \
	"last closed early open then timed out" \
	"accepted+2 refused_max_per_source+1 timed_out+2" \
	hold 10.0.1.1 10.0.1.1 10.0.1.1
bad "a seventh connection (tcp_max_connections 6)" \
	"refused: 6 connections (tcp_max_connections)" \
	"last closed early open then timed out" \
	"accepted+5 refused_max_connections+1 timed_out+5" \
	hold 10.0.1.11 10.0.1.12 10.0.1.13 10.0.1.14 10.0.1.15 10.0.1.16
check_eq "bad input: tcp4 lost no ping meanwhile" "$(ping_lost)" "lost 0"
ktap_result "bad input: g's daemon still runs and answers" \
	eval 'ctl g status tcp4 | grep -q ESTABLISHED'
ctl c down tcp4 >/dev/null
gone() {
	[ "$(ctl c status "$1")" = "no IKE SAs" ] &&
	[ "$(ctl g status "$1")" = "no IKE SAs" ] &&
	xfrm_empty "$c" && xfrm_empty "$g" &&
	[ "$(show_json "$c" '.bindings | length')" = 0 ] &&
	[ "$(show_json "$g" '.bindings | length')" = 0 ]
}
ktap_result "tcp4: down: the daemons, kernels and the module forgot it" \
	wait_for 30 gone tcp4

ktap_diag "bad input done after $SECONDS s"
ktap_result "rk: up over TCP, CHILD_SA rekey 4 s, IKE SA 5 s" ctl c up rk
ping_bg
ktap_result "rk: the CHILD_SA rekeyed over TCP" wait_for 90 \
	grep -q "CHILD_SA net rekeyed, SPIs" "$work/c.log"
ktap_result "rk: the IKE SA rekeyed over TCP" wait_for 90 \
	eval 'grep -q "rekeying IKE SA" "$work/c.log" && grep -q "replaced by" "$work/c.log"'
# Each new outbound SA is bound before it is added, so it carries the
# first packet the policies give it.
check_eq "rk: no ping lost across both rekeys" "$(ping_lost)" "lost 0"
check_eq "rk: no plain ESP reached the router during the rekeys" \
	"$(dropped esp)" 0
ctl c down rk >/dev/null
wait_for 30 gone rk

ktap_diag "rekeys done after $SECONDS s"
ktap_result "auto: up although UDP is dropped" ctl c up auto
check_eq "auto: fell back to TCP, status says why" \
	"$(transport c auto):$(grep -c 'falling back to TCP port 4500' "$work/c.log")" \
	"tcp (UDP unanswered)/ipsecme.ko:1"
ktap_result "auto: ping through the tunnel" ping_cg 4 3 100
ctl c down auto >/dev/null
wait_for 30 gone auto
ip netns exec "$r" nft flush chain inet fw transit
ktap_result "auto, UDP let through: up" ctl c up auto
check_eq "auto, UDP let through: stays on UDP, no new fallback" \
	"$(transport c auto):$(transport g auto):$(grep -c 'falling back to TCP' "$work/c.log")" \
	"udp/kernel:udp/kernel:1"
ktap_result "auto, UDP let through: ping through the tunnel" ping_cg 4 3 100

if [ "$ktap_failed" -ne 0 ]; then
	ike_pair_logs c g
	ip netns exec "$r" nft list ruleset | sed 's/^/# /'
fi
ktap_diag "took $SECONDS s"
ktap_finish
