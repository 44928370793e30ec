#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two ipsecmed daemons on the host's loopback, negotiating with each
# other without the kernel (-n): ports above 1024, control sockets and
# secrets in a scratch directory, so no root and no IPsec are needed.
#
#   client 127.0.0.2:P+10  ---- IKEv2 ---->  gw 127.0.0.1:P
#   (initiator, "gw")                        (responder, "rw")
#
# Exercises IKE_SA_INIT + IKE_AUTH (PSK) in both daemons, the three
# proposal sets, CHILD_SA rekeying started by either side, INVALID_KE_PAYLOAD retry, cookies, AUTHENTICATION_FAILED,
# NO_PROPOSAL_CHOSEN, retransmission to a silent peer, delete (also while
# a request is out), and the control socket (up, down, status, reload).
set -u
BIN=${IPSECMED_BUILD:-@BUILD@}
IPSECMED=$BIN/ipsecmed/ipsecmed
IPSECME=$BIN/ipsecme/ipsecme
dir=$(mktemp -d)
pids=()
n=0
failed=0
port=$((20000 + RANDOM % 20000))

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT

ok() { n=$((n + 1)); echo "ok $n $*"; }
fail() { n=$((n + 1)); failed=1; echo "not ok $n $*"; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}
diag() { sed 's/^/# /' "$@"; }

# conf NAME PORT LOCAL REMOTE RPORT PROPOSALS PSK IDL IDR TSL TSR
#      [DAEMON_EXTRA] [CONNECTION_EXTRA] [CHILD_EXTRA]
conf() {
	printf '%s\n' "$7" >"$dir/$1.psk"
	chmod 600 "$dir/$1.psk"
	cat >"$dir/$1.conf" <<-EOC
	daemon {
		ike_port = $2
		natt_port = $(($2 + 1))
		ctl_socket = $dir/$1.ctl
		retransmit_timeout = 200ms
		retransmit_tries = 2
		${12:-}
	}
	connection $1 {
		local_addrs = $3
		remote_addrs = $4
		remote_port = $5
		proposals = $6
		psk_file = $dir/$1.psk
		${13:-}
		local {
			auth = psk
			id = $8
		}
		remote {
			auth = psk
			id = $9
		}
		child net {
			local_ts = ${10}
			remote_ts = ${11}
			${14:-}
		}
	}
	EOC
}

start() {
	: >"$dir/$1.log"
	"$IPSECMED" -n -d -f "$dir/$1.conf" >>"$dir/$1.log" 2>&1 &
	pids+=($!)
	eval "pid_$1=$!"
	for _ in $(seq 50); do
		[ -S "$dir/$1.ctl" ] && return 0
		sleep 0.1
	done
	diag "$dir/$1.log"
	return 1
}

stop() {
	local p
	eval "p=\$pid_$1"
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rm -f "$dir/$1.ctl"
}

ctl() { local who=$1; shift; "$IPSECME" -s "$dir/$who.ctl" "$@"; }

# pair GW_PROPOSALS CLIENT_PROPOSALS [GW_PSK] [GW_DAEMON_EXTRA] [GW_CONN_EXTRA]
#      [GW_CHILD_EXTRA] [CLIENT_CHILD_EXTRA]
pair() {
	conf rw $port 127.0.0.1 127.0.0.2 $((port + 10)) "$1" "${3:-s3cret psk}" \
		gw.example client.example 10.1.0.0/16 10.2.0.0/16 "${4:-}" \
		"${5:-}" "${6:-}"
	conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $port "$2" "s3cret psk" \
		client.example gw.example 10.2.0.0/16 10.1.0.0/16 "" "" "${7:-}"
	start rw && start gw
}

unpair() { stop gw; stop rw; }

json_field() { grep -o "\"$2\":\"[^\"]*\"" <<<"$1" | head -n1 | cut -d'"' -f4; }

# Both sides agree on the SA: same IKE SPIs, crossed CHILD SPIs.
agree() {
	local a b
	a=$(ctl gw -j status) && b=$(ctl rw -j status) || return 1
	[ "$(json_field "$a" state)" = ESTABLISHED ] &&
	[ "$(json_field "$b" state)" = ESTABLISHED ] &&
	[ "$(json_field "$a" spi_r)" = "$(json_field "$b" spi_r)" ] &&
	[ "$(json_field "$a" spi_in)" = "$(json_field "$b" spi_out)" ] &&
	[ "$(json_field "$a" spi_out)" = "$(json_field "$b" spi_in)" ] &&
	[ "$(json_field "$a" algorithms)" = "$(json_field "$b" algorithms)" ]
}

no_sas() { [ "$(ctl "$1" status)" = "no IKE SAs" ]; }

echo "KTAP version 1"
echo "1..28"

for p in aes128gcm16-prfsha256-x25519 aes256-sha384-ecp384 \
	 chacha20poly1305-prfsha256-modp2048; do
	pair "$p" "$p"
	check "up with $p" eval 'ctl gw up gw >/dev/null'
	check "$p: both sides agree on SPIs and algorithms" agree
	ctl gw down gw >/dev/null
	sleep 0.3
	check "$p: down removes the IKE SA on both sides" \
		eval 'no_sas gw && no_sas rw'
	unpair
done

# INVALID_KE_PAYLOAD: the client guesses ecp256, the gateway wants x25519.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-ecp256-x25519
check "INVALID_KE_PAYLOAD: retried with the group the peer asked for" \
	eval 'ctl gw up gw >/dev/null && grep -q "peer wants DH group 31" '"$dir/gw.log"
check "INVALID_KE_PAYLOAD: SA uses curve25519" \
	eval '[ "$(json_field "$(ctl gw -j status)" algorithms)" = AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519 ]'
unpair

# Cookies: with threshold 0 every IKE_SA_INIT must bring one.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" \
	"cookie_threshold = 0"
check "COOKIE: initiator retries with the cookie and gets up" \
	eval 'ctl gw up gw >/dev/null && grep -q "retrying with the peer.s cookie" '"$dir/gw.log"
unpair

# Wrong PSK on the responder.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "other psk"
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "AUTHENTICATION_FAILED: up fails with exit status 3" [ $rc = 3 ]
check "AUTHENTICATION_FAILED: responder logs it, no SA left" \
	eval 'grep -q "failed authentication" '"$dir/rw.log"' && no_sas gw'
unpair

# No common proposal.
pair aes256-sha384-ecp384 aes128gcm16-prfsha256-x25519
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "NO_PROPOSAL_CHOSEN: up fails, the notify is reported" \
	eval '[ $rc = 3 ] && grep -q "error notify 14" '"$dir/out"
unpair

# A silent responder: retransmit with backoff, then give up.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519
kill -STOP "$pid_rw"
ctl gw up gw >"$dir/out" 2>&1
rc=$?
kill -CONT "$pid_rw"
check "retransmission: two retries, then 'peer did not answer'" \
	eval '[ $rc = 3 ] && [ "$(grep -c retransmitting '"$dir/gw.log"')" = 2 ] && grep -q "did not answer" '"$dir/out"
unpair

# Dead peer detection: the responder checks liveness after 1 s of
# silence, the client is stopped, the responder gives the SA up.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" "" \
	"dpd_delay = 1s"
ctl gw up gw >/dev/null
kill -STOP "$pid_gw"
for _ in $(seq 80); do no_sas rw && break; sleep 0.1; done
kill -CONT "$pid_gw"
check "DPD: silent peer detected, SA removed" \
	eval 'no_sas rw && grep -q "did not answer" '"$dir/rw.log"
unpair

# "down" while a request is out (a DPD check the stopped peer has not
# answered yet): the Delete goes out after the answer, and the peer
# forgets the SA too instead of keeping it until its own DPD.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" "" \
	"dpd_delay = 1s"
ctl gw up gw >/dev/null
kill -STOP "$pid_gw"
for _ in $(seq 40); do grep -q retransmitting "$dir/rw.log" && break; sleep 0.05; done
ctl rw down rw >/dev/null
kill -CONT "$pid_gw"
for _ in $(seq 30); do no_sas gw && no_sas rw && break; sleep 0.1; done
check "down during a DPD check: the Delete follows, both sides forget" \
	eval 'no_sas rw && no_sas gw && grep -q "peer deleted IKE SA" '"$dir/gw.log"
unpair

# CHILD_SA rekey: the side with rekey_time = 2s starts it; afterwards
# both sides hold exactly one CHILD_SA, with new SPIs that still cross.
nchild() { grep -o '"spi_in"' <<<"$(ctl "$1" -j status)" | wc -l; }
spi_in() { json_field "$(ctl "$1" -j status)" spi_in; }
rekey2s=$'rekey_time = 2s\n\t\t\tlife_time = 60s'
rekey_case() {	# WHO (the side that rekeys: gw = IKE initiator, rw)
	local who=$1 other old
	[ "$who" = gw ] && other=rw || other=gw
	ctl gw up gw >/dev/null
	old=$(spi_in gw)
	for _ in $(seq 60); do
		grep -q "CHILD_SA net rekeyed, SPIs" "$dir/$who.log" &&
		[ "$(nchild gw)" = 1 ] && [ "$(nchild rw)" = 1 ] && break
		sleep 0.1
	done
	check "CHILD_SA rekey by $who: new SAs, the peer answered" \
		eval 'grep -q "CHILD_SA net rekeyed, SPIs" '"$dir/$who.log"' && grep -q "CHILD_SA net rekeyed by the peer" '"$dir/$other.log"
	check "CHILD_SA rekey by $who: SPIs changed and agree" \
		eval '[ -n "$old" ] && [ "$(spi_in gw)" != "$old" ] && agree'
	check "CHILD_SA rekey by $who: old CHILD_SA deleted on both sides" \
		eval '[ "$(nchild gw)" = 1 ] && [ "$(nchild rw)" = 1 ]'
}
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" "" "" \
	"" "$rekey2s"
rekey_case gw
unpair
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" "" "" \
	"$rekey2s" ""
rekey_case rw
unpair

# Both sides with the same rekey_time: whichever starts first, no crash,
# the IKE SA stays, and every CHILD_SA inbound SPI of one side is an
# outbound SPI of the other. (This does not force a true RFC 7296 2.8.1
# collision: usually one side's request arrives before the other's timer.)
spis_of() { grep -o "\"$2\":\"[^\"]*\"" <<<"$(ctl "$1" -j status)" | cut -d'"' -f4 | sort; }
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" "" "" \
	"$rekey2s" "$rekey2s"
ctl gw up gw >/dev/null
sleep 3.5
check "rekey_time on both sides: both daemons alive, IKE SA up" \
	eval 'kill -0 $pid_gw && kill -0 $pid_rw && [ "$(json_field "$(ctl rw -j status)" state)" = ESTABLISHED ] && grep -q "rekeyed" '"$dir/gw.log"
check "rekey_time on both sides: the CHILD_SAs of both sides match" \
	eval '[ -n "$(spis_of gw spi_in)" ] && [ "$(spis_of gw spi_in)" = "$(spis_of rw spi_out)" ] && [ "$(spis_of gw spi_out)" = "$(spis_of rw spi_in)" ]'
unpair

# Reload: a connection removed from the configuration is deleted.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519
ctl gw up gw >/dev/null
sed -i 's/^connection rw/connection other/' "$dir/rw.conf"
ctl rw reload >/dev/null
sleep 0.3
check "reload: SA of a removed connection deleted on both sides" \
	eval 'no_sas rw && no_sas gw'
check "reload: the new connection is there" \
	eval 'ctl rw status other >/dev/null'
unpair

if [ $failed -ne 0 ]; then
	for f in "$dir"/*.log; do echo "# --- $f"; diag "$f"; done
	exit 1
fi
exit 0
