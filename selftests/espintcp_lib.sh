#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the espintcp_*.sh tests (source after lib.sh): two
# namespaces on a veth, plain ESP SAs and policies between them, the
# espintcp_peer pair that carries them over TCP/4500, and counters.
#
#   ns $A: veth0 10.0.0.1/24 fd00::1/64     ns $B: veth0 10.0.0.2/24 fd00::2/64
#          dum0  10.1.0.1/32 fd01::1/128           dum0  10.1.0.2/32 fd01::2/128
#          espintcp_peer connect  ──── TCP 4500 ────  espintcp_peer listen
#
# SPI 0x1000 is the SA from A to B, 0x2000 from B to A; A binds 0x1000 to
# its socket, B binds 0x2000.

PEER=$SELFTEST_BIN/espintcp_peer
KEY_AB=0x0123456789abcdef0123456789abcdef01020304
KEY_BA=0xfedcba9876543210fedcba987654321005060708
ETCP_RUN=$(mktemp -d)
trap 'cleanup; rm -rf "$ETCP_RUN"' EXIT

# etcp_topology: namespaces A and B, veth, addresses, dummy inner hosts.
etcp_topology() {
	setup_ns A B || return 1
	veth_pair "$A" veth0 "$B" veth0 || return 1
	etcp_host 1 2 | ip_batch "$A" && etcp_host 2 1 | ip_batch "$B"
}

# etcp_host ME PEER: the commands for one side, host number ME of
# 10.0.0.0/24 and fd00::/64, inner 10.1.0.ME and fd01::ME on dum0.
etcp_host() {
	cat <<-EOF
	addr add 10.0.0.$1/24 dev veth0
	addr add fd00::$1/64 dev veth0 nodad
	link add dum0 type dummy
	link set dum0 up
	addr add 10.1.0.$1/32 dev dum0
	addr add fd01::$1/128 dev dum0 nodad
	route add 10.1.0.$2/32 dev veth0 via 10.0.0.$2 src 10.1.0.$1
	route add fd01::$2/128 dev veth0 via fd00::$2 src fd01::$1
	EOF
}

# etcp_sa NS SRC DST SPI KEY MODE: one plain ESP SA (AES-GCM).
etcp_sa() { local ns=$1; shift; etcp_sa_cmd "$@" | ip_batch "$ns"; }
etcp_sa_cmd() {
	echo "xfrm state add src $1 dst $2 proto esp spi $3 mode $5" \
		"aead rfc4106(gcm(aes)) $4 128"
}

# etcp_pol NS DIR SRC DST TSRC TDST MODE: protect SRC->DST with ESP.
etcp_pol() { local ns=$1; shift; etcp_pol_cmd "$@" | ip_batch "$ns"; }
etcp_pol_cmd() {
	echo "xfrm policy add src $2 dst $3 dir $1 priority 100" \
		"tmpl src $4 dst $5 proto esp mode $6"
}

# etcp_bypass_cmds A B: keep the carrier (TCP 4500) and IPv6 neighbour
# discovery out of transport-mode policies that cover all of A<->B.
etcp_bypass_cmds() {
	local a=$1 b=$2 dir t
	for dir in out in; do
		for t in "src $a dst $b" "src $b dst $a"; do
			echo "xfrm policy add $t proto tcp dport 4500 dir $dir priority 10"
			echo "xfrm policy add $t proto tcp sport 4500 dir $dir priority 10"
			case $a in *:*)
				echo "xfrm policy add $t proto ipv6-icmp type 135 dir $dir priority 10"
				echo "xfrm policy add $t proto ipv6-icmp type 136 dir $dir priority 10"
			esac
		done
	done
}

# etcp_ipsec OUTER MODE: SAs and policies on both sides. OUTER is 4 or 6,
# MODE transport or tunnel. Sets OA/OB (outer) and IA/IB (protected
# addresses: the outer ones in transport mode, the dummies in tunnel).
etcp_ipsec() {
	local mode=$2
	if [ "$1" = 4 ]; then
		OA=10.0.0.1 OB=10.0.0.2 IA=10.1.0.1 IB=10.1.0.2
	else
		OA=fd00::1 OB=fd00::2 IA=fd01::1 IB=fd01::2
	fi
	[ "$mode" = transport ] && IA=$OA IB=$OB
	etcp_side "$IA" "$IB" "$OA" "$OB" "$mode" | ip_batch "$A" &&
	etcp_side "$IB" "$IA" "$OB" "$OA" "$mode" | ip_batch "$B"
}

# etcp_side ME PEER OME OPEER MODE: one side's commands. Both sides hold
# both SAs: 0x1000 from A to B, 0x2000 back.
etcp_side() {
	local me=$1 peer=$2 ome=$3 opeer=$4 mode=$5
	[ "$mode" = transport ] && etcp_bypass_cmds "$OA" "$OB"
	etcp_sa_cmd "$OA" "$OB" 0x1000 "$KEY_AB" "$mode"
	etcp_sa_cmd "$OB" "$OA" 0x2000 "$KEY_BA" "$mode"
	etcp_pol_cmd out "$me" "$peer" "$ome" "$opeer" "$mode"
	etcp_pol_cmd in "$peer" "$me" "$opeer" "$ome" "$mode"
	[ "$mode" = tunnel ] &&
		etcp_pol_cmd fwd "$peer" "$me" "$opeer" "$ome" "$mode"
	return 0
}

# etcp_connect TAG [PEER-OPTS-A] -- [PEER-OPTS-B]: start the pair (B
# listens, A connects), each binding its outbound SA (A's as given by
# $ETCP_BIND_A, "DADDR,SPI[,MARK/MASK]", if set) and holding the
# connection until its stdin closes. Pids in PID_A/PID_B; stdin fifos
# in $ETCP_RUN/TAG.{a,b}.in, output in $ETCP_RUN/TAG.{a,b}.out.
etcp_connect() {
	local tag=$1 opts_a=() opts_b=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts_a+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	opts_b=("$@")
	local r=$ETCP_RUN/$tag
	mkfifo "$r.a.in" "$r.b.in"
	ip netns exec "$B" "$PEER" -r "$r.b.ready" -b "$OA,2000" -w \
		"${opts_b[@]}" listen "$OB" 4500 <"$r.b.in" >"$r.b.out" 2>&1 &
	PID_B=$!
	track_pid $PID_B
	exec {FD_B}>"$r.b.in"
	wait_for 10 etcp_listening "$B" 4500
	ip netns exec "$A" "$PEER" -r "$r.a.ready" -b "${ETCP_BIND_A:-$OB,1000}" -w \
		"${opts_a[@]}" connect "$OB" 4500 <"$r.a.in" >"$r.a.out" 2>&1 &
	PID_A=$!
	track_pid $PID_A
	exec {FD_A}>"$r.a.in"
	wait_for 20 test -e "$r.a.ready" && wait_for 20 test -e "$r.b.ready"
}

# etcp_listening NS PORT: a TCP socket listens on PORT in NS.
etcp_listening() {
	ip netns exec "$1" ss -Hltn | grep -q ":$2 "
}

# etcp_disconnect: close both ends (stdin EOF) and wait for them.
etcp_disconnect() {
	exec {FD_A}>&- {FD_B}>&-
	wait "$PID_A" "$PID_B" 2>/dev/null
}

# etcp_counters NS: every non-zero counter of the namespace but
# genl_requests, "k=v" sorted by name.
etcp_counters() {
	show_json "$1" '.counters | to_entries
		| map(select(.value != 0 and .key != "genl_requests"))
		| sort_by(.key) | map("\(.key)=\(.value)") | join(" ")'
}

# etcp_stat NS NAME: one counter of the namespace, from ipsecme -j show.
etcp_stat() {
	show_json "$1" ".counters[\"$2\"] // \"missing\""
}

# etcp_bulk NS_SRV ADDR NS_CLI BYTES: send BYTES random bytes over TCP from
# NS_CLI to ADDR:5001 in NS_SRV; prints "same" if both sides hashed the
# same content.
etcp_bulk() {
	local f=$ETCP_RUN/bulk.$RANDOM sum_srv sum_cli
	head -c "$4" /dev/urandom >"$f"
	ip netns exec "$1" python3 - "$2" >"$f.srv" 2>&1 <<'EOF' &
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(1)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
print(h.hexdigest(), n)
EOF
	local srv=$!
	wait_for 10 etcp_listening "$1" 5001
	ip netns exec "$3" python3 -c "
import socket, sys
a = sys.argv[1]
s = socket.create_connection((a, 5001), timeout=60)
s.sendall(open(sys.argv[2], 'rb').read()); s.close()" "$2" "$f"
	wait "$srv"
	sum_cli="$(sha256sum <"$f" | cut -d' ' -f1) $4"
	sum_srv=$(cat "$f.srv")
	if [ "$sum_cli" = "$sum_srv" ]; then echo same; else
		echo "differ: sent '$sum_cli' got '$sum_srv'"; fi
	rm -f "$f" "$f.srv"
}
