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
# proposal sets, INVALID_KE_PAYLOAD retry, cookies, AUTHENTICATION_FAILED,
# NO_PROPOSAL_CHOSEN, retransmission to a silent peer, delete (also while
# a request is out), CHILD_SA rekeying (with and without PFS) and IKE SA
# rekeying started by either side, simultaneous rekeys, further CHILD_SAs
# with CREATE_CHILD_SA (refused with TS_UNACCEPTABLE, deleted alone by a
# reload), the control socket
# (up, down, status, reload), and certificates (ECDSA and RSA with an
# intermediate, DN and FQDN IDs, an untrusted CA refused).
set -u
BIN=${IPSECMED_BUILD:-@BUILD@}
IPSECMED=$BIN/ipsecmed/ipsecmed
IPSECME=$BIN/ipsecme/ipsecme
INJECT=$BIN/ipsecmed/tests/ike_inject
MKCERTS=${MKCERTS:-@MKCERTS@}
dir=$(mktemp -d)
pids=()
n=0
failed=0
# Ports port..port+21; make check runs a second copy (ASan) at once
# with LOOPBACK_PORT_MIN=40000.
port=$((${LOOPBACK_PORT_MIN:-20000} + RANDOM % 20000))

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT

bad_exits=0

ok() { n=$((n + 1)); echo "ok $n $*"; }
# A failure shows the logs of the case at once: the next case
# overwrites them.
fail() {
	local f
	n=$((n + 1))
	failed=1
	for f in "$dir"/*.log; do echo "# --- $f"; diag "$f"; done
	echo "not ok $n $*"
}
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}
diag() { sed 's/^/# /' "$@"; }

# The whole run stops here, loudly, with every daemon's log.
bail() {
	local f
	for f in "$dir"/*.log; do echo "# --- $f"; diag "$f"; done
	echo "Bail out! $*"
	exit 1
}

# wait_for SECONDS CMD...: until CMD succeeds, polling every 0.1 s. The
# limits are generous: the machines running this share two CPUs with
# everything else, and a condition met early costs nothing.
wait_for() {
	local i limit=$(($1 * 10))
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# conf NAME PORT LOCAL REMOTE RPORT PROPOSALS PSK IDL IDR TSL TSR
#      [DAEMON_EXTRA] [CONNECTION_EXTRA] [CHILD_EXTRA] [MORE_CHILDREN]
conf() {
	printf '%s\n' "$7" >"$dir/$1.psk"
	chmod 600 "$dir/$1.psk"
	cat >"$dir/$1.conf" <<-EOC
	daemon {
		ike_port = $2
		natt_port = $(($2 + 1))
		ctl_socket = $dir/$1.ctl
		retransmit_timeout = ${RETR_TIMEOUT:-200ms}
		retransmit_tries = ${RETR_TRIES:-2}
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
		${15:-}
	}
	EOC
}

# start NAME: a daemon that answers on its control socket, or bail out
# with its log: a test that goes on without its daemon only produces
# confusing failures further down.
start() {
	local i pid
	rm -f "$dir/$1.ctl"
	: >"$dir/$1.log"
	"$IPSECMED" -n -d -f "$dir/$1.conf" >>"$dir/$1.log" 2>&1 &
	pid=$!
	pids+=($pid)
	eval "pid_$1=$pid"
	for ((i = 0; i < 600; i++)); do
		ctl "$1" status >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null &&
		bail "daemon $1 (pid $pid) did not answer on $dir/$1.ctl within 60 s"
	wait "$pid"
	bail "daemon $1 exited with status $? at start (see its log above)"
}

# stop NAME: SIGTERM, and the daemon must exit 0 without a sanitizer
# report (ASan or UBSan end it with another status; LeakSanitizer
# reports at exit).
stop() {
	local p rc
	eval "p=\$pid_$1"
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rc=$?
	if [ "$rc" != 0 ] ||
	   grep -q -e "Sanitizer" -e "runtime error:" "$dir/$1.log"; then
		bad_exits=$((bad_exits + 1))
		echo "# daemon $1 exited with status $rc:"
		diag "$dir/$1.log"
	fi
	rm -f "$dir/$1.ctl"
}

ctl() { local who=$1; shift; "$IPSECME" -s "$dir/$who.ctl" "$@"; }

# pair GW_PROPOSALS CLIENT_PROPOSALS [GW_PSK] [GW_DAEMON_EXTRA] [GW_CONN_EXTRA]
#      [GW_CHILD_EXTRA] [CLIENT_CHILD_EXTRA] [CLIENT_CONN_EXTRA]
pair() {
	conf rw $port 127.0.0.1 127.0.0.2 $((port + 10)) "$1" "${3:-s3cret psk}" \
		gw.example client.example 10.1.0.0/16 10.2.0.0/16 "${4:-}" \
		"${5:-}" "${6:-}"
	conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $port "$2" "s3cret psk" \
		client.example gw.example 10.2.0.0/16 10.1.0.0/16 "" "${8:-}" \
		"${7:-}"
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

# The first line: a daemon listening on TCP adds its counters below.
no_sas() { [ "$(ctl "$1" status | head -n1)" = "no IKE SAs" ]; }

echo "KTAP version 1"
echo "1..109"

for p in aes128gcm16-prfsha256-x25519 aes256-sha384-ecp384 \
	 chacha20poly1305-prfsha256-modp2048; do
	pair "$p" "$p"
	check "up with $p" eval 'ctl gw up gw >/dev/null'
	check "$p: both sides agree on SPIs and algorithms" agree
	ctl gw down gw >/dev/null
	wait_for 30 eval 'no_sas gw && no_sas rw'
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
check "status: the local ID with its type prefix, like the remote one" \
	eval '[ "$(ctl gw -j status | grep -o "\"id\":\"[^\"]*\"" | cut -d\" -f4 | tr "\n" " ")" = "fqdn:client.example fqdn:gw.example " ] && ctl rw status | grep -q "local .* fqdn:gw.example"'
unpair

# Cookies: with threshold 0 every IKE_SA_INIT must bring one.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" \
	"cookie_threshold = 0"
check "COOKIE: initiator retries with the cookie and gets up" \
	eval 'ctl gw up gw >/dev/null && grep -q "retrying with the peer.s cookie" '"$dir/gw.log"
unpair

# Forged IKE_SA_INIT answers (RFC 7296 2.21.1: unauthenticated errors
# are hints). ike_inject relays the client's requests to the gateway and
# answers each one first itself: INVALID_KE_PAYLOAD naming the group the
# request uses, from the second on one naming the group refused before,
# and NO_PROPOSAL_CHOSEN. The client must ignore them all and complete
# with the gateway's real answers (a COOKIE, then INVALID_KE_PAYLOAD
# asking for curve25519).
inj=$((port + 20))
conf rw $port 127.0.0.1 127.0.0.2 $inj aes128gcm16-prfsha256-x25519 \
	"s3cret psk" gw.example client.example 10.1.0.0/16 10.2.0.0/16 \
	"cookie_threshold = 0" "nat_traversal = no"
conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $inj \
	aes128gcm16-prfsha256-ecp256-x25519 "s3cret psk" client.example \
	gw.example 10.2.0.0/16 10.1.0.0/16 "" "nat_traversal = no"
"$INJECT" 127.0.0.1 $inj 127.0.0.2 $inj 127.0.0.1 $port \
	>"$dir/inject.log" 2>&1 &
inj_pid=$!
pids+=($inj_pid)
wait_for 30 grep -q relaying "$dir/inject.log" ||
	bail "ike_inject did not start: $(cat "$dir/inject.log")"
start rw
start gw
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "forged IKE_SA_INIT answers: ignored, the SA completes" \
	eval '[ $rc = 0 ] && agree && [ "$(json_field "$(ctl gw -j status)" algorithms)" = AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519 ]'
check "forged IKE_SA_INIT answers: all three kinds were sent and ignored" \
	eval 'grep -q "for the group in use" '"$dir/inject.log"' && grep -q "for a refused group" '"$dir/inject.log"' && grep -q NO_PROPOSAL_CHOSEN '"$dir/inject.log"' && grep -q "peer asked for DH group 19 (sent already), ignored" '"$dir/gw.log"' && grep -q "peer answered IKE_SA_INIT with error notify 14; still waiting" '"$dir/gw.log"
check "forged IKE_SA_INIT answers: the real COOKIE and group followed" \
	eval '[ "$(grep -c "retrying with the peer.s cookie" '"$dir/gw.log"')" = 1 ] && [ "$(grep -c "peer wants DH group" '"$dir/gw.log"')" = 1 ] && grep -q "peer wants DH group 31" '"$dir/gw.log"
unpair
kill "$inj_pid"
wait "$inj_pid" 2>/dev/null

# The response cache (RFC 7296 2.1) answers only a byte-identical
# retransmission. ike_inject (auth mode) drops the gateway's first
# IKE_AUTH response and sends the gateway the 28-byte header of the
# IKE_AUTH request instead (right SPIs, message ID, exchange): that must
# get no answer (it would be an amplifier), and the client's real
# retransmission must get the cached response. A long retransmission
# timer, so the client retransmits once.
RETR_TIMEOUT=2s RETR_TRIES=4 conf rw $port 127.0.0.1 127.0.0.2 $inj \
	aes128gcm16-prfsha256-x25519 "s3cret psk" gw.example client.example \
	10.1.0.0/16 10.2.0.0/16 "" "nat_traversal = no"
RETR_TIMEOUT=2s RETR_TRIES=4 conf gw $((port + 10)) 127.0.0.2 127.0.0.1 \
	$inj aes128gcm16-prfsha256-x25519 "s3cret psk" client.example \
	gw.example 10.2.0.0/16 10.1.0.0/16 "" "nat_traversal = no"
"$INJECT" 127.0.0.1 $inj 127.0.0.2 $inj 127.0.0.1 $port auth \
	>"$dir/inject.log" 2>&1 &
inj_pid=$!
pids+=($inj_pid)
wait_for 30 grep -q relaying "$dir/inject.log" ||
	bail "ike_inject did not start: $(cat "$dir/inject.log")"
start rw
start gw
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "response cache: a 28-byte forged retransmission gets no answer" \
	eval 'grep -q "sent the 28-byte header" '"$dir/inject.log"' && grep -q "request 1 (28 bytes) is not the one we answered, dropped" '"$dir/rw.log"
check "response cache: the real retransmission gets the cached answer" \
	eval '[ $rc = 0 ] && agree && grep -q "retransmitting request 1" '"$dir/gw.log"' && grep -q "retransmitted request 1 answered again" '"$dir/rw.log"' && [ "$(grep -c "forwarded IKE_AUTH response" '"$dir/inject.log"')" -ge 1 ]'
unpair
kill "$inj_pid"
wait "$inj_pid" 2>/dev/null

# relay_pair MODE [RW_CONN_EXTRA] [GW_CONN_EXTRA]: client and gateway
# talking through ike_inject in MODE (see ike_inject.c), without NAT
# traversal (the relay changes the ports); RELAY_PROPOSALS, if set, are
# both sides' proposals.
relay_pair() {
	local p=${RELAY_PROPOSALS:-aes128gcm16-prfsha256-x25519}
	conf rw $port 127.0.0.1 127.0.0.2 $inj $p "s3cret psk" gw.example \
		client.example 10.1.0.0/16 10.2.0.0/16 "" "nat_traversal = no
	${2:-}"
	conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $inj $p "s3cret psk" \
		client.example gw.example 10.2.0.0/16 10.1.0.0/16 "" \
		"nat_traversal = no
	${3:-}"
	"$INJECT" 127.0.0.1 $inj 127.0.0.2 $inj 127.0.0.1 $port "$1" \
		>"$dir/inject.log" 2>&1 &
	inj_pid=$!
	pids+=($inj_pid)
	wait_for 30 grep -q relaying "$dir/inject.log" ||
		bail "ike_inject did not start: $(cat "$dir/inject.log")"
	start rw
	start gw
}
unrelay() {
	unpair
	kill "$inj_pid"
	wait "$inj_pid" 2>/dev/null
}

# IKE_SA_INIT again (RFC 7296 2.1): ike_inject (replay) sends the
# gateway the client's IKE_SA_INIT request twice; while the SA is half
# open, the retransmission gets the same response. After IKE_AUTH it
# sends that request once more, then a barrier the gateway answers:
# nothing may come for the replay (the last response cached is then the
# IKE_AUTH one, with certificates kilobytes for a few hundred bytes).
relay_pair replay
ctl gw up gw >"$dir/out" 2>&1
rc=$?
wait_for 30 grep -q "barrier answered" "$dir/inject.log"
check "IKE_SA_INIT retransmitted while half open: the same response again" \
	eval '[ $rc = 0 ] && grep -q "IKE_SA_INIT response 2: identical to the first" '"$dir/inject.log"
check "IKE_SA_INIT replayed after IKE_AUTH: no answer, the SA stays" \
	eval 'grep -q "barrier answered" '"$dir/inject.log"' && grep -q "replay: no answer" '"$dir/inject.log"' && ! grep -q "replay answered" '"$dir/inject.log"' && agree'
unrelay

# An SK payload too short to hold an IV and an ICV cannot have been
# authenticated: the request is dropped without an answer and its
# message ID stays free (RFC 7296 2.21.2), or anyone who saw the SPIs
# and message IDs go by takes it from the peer. ike_inject (short-sk)
# sends the gateway, once IKE_AUTH went through, a 32-byte
# INFORMATIONAL request with the client's next message ID and an empty
# SK payload, then a barrier: nothing may answer the forgery, and the
# client's own request with that ID, its Delete, must reach the gateway.
relay_pair short-sk
ctl gw up gw >"$dir/out" 2>&1
rc=$?
wait_for 30 grep -q "barrier answered" "$dir/inject.log"
check "request with an empty SK payload: no answer" \
	eval '[ $rc = 0 ] && grep -q "barrier answered" '"$dir/inject.log"' && grep -q "short SK request: no answer" '"$dir/inject.log"' && ! grep -q "short SK request answered" '"$dir/inject.log"
ctl gw down gw >/dev/null
wait_for 30 no_sas gw
check "request with an empty SK payload: the client's Delete still gets through" \
	eval 'no_sas gw && no_sas rw'
unrelay

# A forged IKE_SA_INIT response whose KE value the initiator cannot take
# is a hint like the other forgeries (RFC 7296 2.21.1): ike_inject
# (bad-ke) sends the client, just before the gateway's real response, a
# copy of it whose ECP point is not on the curve. The client must wait
# for the real one and get up.
RELAY_PROPOSALS=aes128gcm16-prfsha256-ecp256 relay_pair bad-ke
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "forged IKE_SA_INIT response with an invalid KE value: a hint, the SA comes up" \
	eval '[ $rc = 0 ] && grep -q "forged an IKE_SA_INIT response with an invalid KE value" '"$dir/inject.log"' && agree'
unrelay

# A responder that asks for a cookie twice in a row (it rotated its
# secret in between, or asks again under load; RFC 7296 2.6):
# ike_inject (cookies) answers COOKIE 1, then COOKIE 2 twice, and lets
# only a request with COOKIE 2 through. The client retries with each new
# one, once for the duplicate, and gets up.
relay_pair cookies
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "COOKIE twice with new values: a retry for each, the SA comes up" \
	eval '[ $rc = 0 ] && agree && grep -q "forged COOKIE 2" '"$dir/inject.log"' && [ "$(grep -c "retrying with the peer.s cookie" '"$dir/gw.log"')" = 2 ]'
unrelay
# A forger answering every cookie with a new one: the client takes four,
# then ignores the next and gives up when its retransmissions do.
relay_pair cookies-forever
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "COOKIE without end: four retries, then up fails with the hint" \
	eval '[ $rc = 3 ] && [ "$(grep -c "retrying with the peer.s cookie" '"$dir/gw.log"')" = 4 ] && grep -q "forged COOKIE 5" '"$dir/inject.log"' && grep -q "peer sent yet another cookie, ignored" '"$dir/out"' && no_sas gw'
unrelay

# Wrong PSK on the responder.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "other psk"
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "AUTHENTICATION_FAILED: up fails with exit status 3" [ $rc = 3 ]
check "AUTHENTICATION_FAILED: responder logs it, no SA left" \
	eval 'grep -q "failed authentication" '"$dir/rw.log"' && no_sas gw'
unpair

# Choosing another connection by identity in IKE_AUTH: the gateway has
# a second connection, rw2, for the ID other.example on the same
# addresses. IKE_SA_INIT ran under rw (AES-GCM, curve25519); rw2 may
# take the SA over only if one of its own proposals allows that suite.
# id_switch RW2_PROPOSALS
id_switch() {
	conf rw $port 127.0.0.1 127.0.0.2 $((port + 10)) \
		aes128gcm16-prfsha256-x25519 "s3cret psk" gw.example \
		client.example 10.1.0.0/16 10.2.0.0/16
	cat >>"$dir/rw.conf" <<-EOC
	connection rw2 {
		local_addrs = 127.0.0.1
		remote_addrs = 127.0.0.2
		proposals = $1
		psk_file = $dir/rw.psk
		local {
			auth = psk
			id = gw.example
		}
		remote {
			auth = psk
			id = other.example
		}
		child net {
			local_ts = 10.1.0.0/16
			remote_ts = 10.2.0.0/16
		}
	}
	EOC
	conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $port \
		aes128gcm16-prfsha256-x25519 "s3cret psk" other.example \
		gw.example 10.2.0.0/16 10.1.0.0/16
	start rw
	start gw
}
id_switch aes256-sha384-ecp384
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "IKE_AUTH by identity: a connection without the negotiated suite is not taken" \
	eval '[ $rc = 3 ] && grep -q "error notify 24" '"$dir/out"' && grep -q "no connection accepts its IDi" '"$dir/rw.log"' && no_sas rw'
unpair
id_switch "aes256-sha384-ecp384, aes128gcm16-prfsha256-x25519"
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "IKE_AUTH by identity: a connection allowing the suite takes the SA" \
	eval '[ $rc = 0 ] && agree && [ "$(json_field "$(ctl rw -j status)" name)" = rw2 ]'
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
wait_for 30 no_sas rw
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
wait_for 30 grep -q retransmitting "$dir/rw.log"
ctl rw down rw >/dev/null
kill -CONT "$pid_gw"
wait_for 30 eval 'no_sas gw && no_sas rw'
check "down during a DPD check: the Delete follows, both sides forget" \
	eval 'no_sas rw && no_sas gw && grep -q "peer deleted IKE SA" '"$dir/gw.log"
unpair

# CHILD_SA rekey: the side with rekey_time = 2s starts it; afterwards
# both sides hold exactly one CHILD_SA, with new SPIs that still cross.
# calm: no further rekeys in this case. rekey_time 2s becomes 50s on
# both sides by a reload; SAs made from then on get it, the deadlines of
# the ones there already still go. Then wait until every SA on both
# sides is at least 20 s from its rekey, so the end state holds still
# while it is read, however slow each ctl call is under load.
quiet() {
	local w
	for w in gw rw; do
		ctl "$w" -j status | grep -o '"rekey_secs":[0-9]*' |
			cut -d: -f2
	done | awk '$1 < 20 { bad = 1 } END { exit bad }'
}
calm() {
	sed -i 's/rekey_time = 2s/rekey_time = 50s/' "$dir/gw.conf" \
		"$dir/rw.conf"
	ctl gw reload >/dev/null && ctl rw reload >/dev/null
	wait_for 60 quiet
}
nchild() { grep -o '"spi_in"' <<<"$(ctl "$1" -j status)" | wc -l; }
spi_in() { json_field "$(ctl "$1" -j status)" spi_in; }
rekey2s=$'rekey_time = 2s\n\t\t\tlife_time = 60s'
rekey_case() {	# WHO (the side that rekeys: gw = IKE initiator, rw)
	local who=$1 other old
	[ "$who" = gw ] && other=rw || other=gw
	ctl gw up gw >/dev/null
	old=$(spi_in gw)
	wait_for 60 grep -q "CHILD_SA net rekeyed, SPIs" "$dir/$who.log"
	calm
	wait_for 60 eval '[ "$(nchild gw)" = 1 ] && [ "$(nchild rw)" = 1 ]'
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
# collision, the cases further down do.)
spis_of() { grep -o "\"$2\":\"[^\"]*\"" <<<"$(ctl "$1" -j status)" | cut -d'"' -f4 | sort; }
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" "" "" \
	"$rekey2s" "$rekey2s"
ctl gw up gw >/dev/null
# Wait for a rekey, then for a moment between two rekeys (or their
# collision).
wait_for 60 grep -q "rekeyed" "$dir/gw.log"
calm
wait_for 60 eval '[ "$(nchild gw)" = 1 ] && [ "$(nchild rw)" = 1 ]'
check "rekey_time on both sides: both daemons alive, IKE SA up" \
	eval 'kill -0 $pid_gw && kill -0 $pid_rw && [ "$(json_field "$(ctl rw -j status)" state)" = ESTABLISHED ] && grep -q "rekeyed" '"$dir/gw.log"
check "rekey_time on both sides: the CHILD_SAs of both sides match" \
	eval '[ -n "$(spis_of gw spi_in)" ] && [ "$(spis_of gw spi_in)" = "$(spis_of rw spi_out)" ] && [ "$(spis_of gw spi_out)" = "$(spis_of rw spi_in)" ]'
unpair

# IKE SA rekey: the side with the IKE rekey_time = 2s starts it; the
# new IKE SA has new SPIs on both sides, the old one is deleted on both,
# and the CHILD_SA moved over unchanged.
nike() { grep -o '"spi_i"' <<<"$(ctl "$1" -j status)" | wc -l; }
ike_spi() { json_field "$(ctl "$1" -j status)" spi_i; }
ike2s=$'rekey_time = 2s\n\tlife_time = 60s'
ike_rekey_case() {	# WHO (gw or rw)
	local who=$1 old child
	ctl gw up gw >/dev/null
	old=$(ike_spi gw)
	child=$(spi_in gw)
	wait_for 60 eval 'grep -q "replaced by" "$dir/gw.log" &&
		grep -q "replaced by" "$dir/rw.log"'
	calm
	wait_for 60 eval '[ "$(nike gw)" = 1 ] && [ "$(nike rw)" = 1 ]'
	check "IKE SA rekey by $who: started by $who, both sides moved" \
		eval 'grep -q "rekeying IKE SA" '"$dir/$who.log"' && grep -q "replaced by" '"$dir/gw.log"' && grep -q "replaced by" '"$dir/rw.log"
	check "IKE SA rekey by $who: new IKE SPIs, both sides agree" \
		eval '[ -n "$old" ] && [ "$(ike_spi gw)" != "$old" ] && [ "$(ike_spi gw)" = "$(ike_spi rw)" ] && agree'
	check "IKE SA rekey by $who: old IKE SA deleted, CHILD_SA kept" \
		eval '[ "$(nike gw)" = 1 ] && [ "$(nike rw)" = 1 ] && [ "$(spi_in gw)" = "$child" ]'
}
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" "" "" \
	"" "" "$ike2s"
ike_rekey_case gw
unpair
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" "" \
	"$ike2s"
ike_rekey_case rw
unpair

# The rekeyed IKE SA works: after an IKE SA rekey, a CHILD_SA rekey runs
# on the new IKE SA (message IDs restarted at 0).
pair aes256-sha384-prfsha384-ecp384 aes256-sha384-prfsha384-ecp384 "" "" \
	"" "" "$rekey2s" "$ike2s"
ctl gw up gw >/dev/null
wait_for 60 eval '[ "$(grep -c "CHILD_SA net rekeyed, SPIs" "$dir/gw.log")" -ge 2 ] &&
	grep -q "replaced by" "$dir/gw.log"'
calm
wait_for 60 eval '[ "$(nike gw)" = 1 ] && [ "$(nchild gw)" = 1 ] &&
	[ "$(nchild rw)" = 1 ] && agree'
check "CHILD_SA rekey on a rekeyed IKE SA" \
	eval 'grep -q "replaced by" '"$dir/gw.log"' && [ "$(grep -c "CHILD_SA net rekeyed, SPIs" '"$dir/gw.log"')" -ge 2 ] && agree'
unpair

# PFS: a KE payload in the CHILD_SA rekey; the client first guesses
# ecp256, the gateway asks for curve25519 with INVALID_KE_PAYLOAD.
pfs_child=$'esp_proposals = aes128gcm16-x25519\n\t\t\t'
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" "" "" \
	"$pfs_child" "esp_proposals = aes128gcm16-ecp256-x25519
			$rekey2s"
rekey_case gw
check "CHILD_SA rekey with PFS: INVALID_KE_PAYLOAD retry, PFS on both" \
	eval 'grep -q "peer wants DH group 31 for the CHILD_SA rekey" '"$dir/gw.log"' && grep -q "CHILD_SA net rekeyed, SPIs .*, with PFS" '"$dir/gw.log"' && grep -q "CHILD_SA net rekeyed by the peer, SPIs .*, with PFS" '"$dir/rw.log"
unpair
# PFS required by the responder: a rekey without KE is refused, the
# IKE SA and the old CHILD_SA stay.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" "" "" \
	"esp_proposals = aes128gcm16-x25519" "$rekey2s"
ctl gw up gw >/dev/null
old=$(spi_in gw)
wait_for 60 grep -q "CHILD_SA rekey failed" "$dir/gw.log"
check "PFS required: a rekey without KE gets NO_PROPOSAL_CHOSEN, SA kept" \
	eval 'grep -q "CHILD_SA rekey failed.*notify 14" '"$dir/gw.log"' && [ "$(spi_in gw)" = "$old" ] && agree'
unpair

# Simultaneous rekeys (RFC 7296 2.8.1, 2.8.2): both daemons are stopped
# past their rekey deadlines and continued together, so both send their
# request before reading the other's. Whichever way it goes, one
# CHILD_SA and one IKE SA must be left, the same on both sides; when a
# collision was seen, both sides must agree whose SA was redundant.
collide() {	# WHAT (CHILD_SA or IKE SA) GW_CHILD GW_CONN RW_CONN RW_CHILD
	local what=$1 mine theirs
	pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" \
		"" "$4" "$5" "$2" "$3"
	ctl gw up gw >/dev/null
	# Both stopped, so the load on the machine cannot matter: the
	# sleep only has to pass the (at most 2 s) deadlines.
	kill -STOP "$pid_gw" "$pid_rw"
	sleep 2.5
	kill -CONT "$pid_gw" "$pid_rw"
	wait_for 60 grep -q -e "rekeyed" -e "replaced by" "$dir/gw.log" \
		"$dir/rw.log"
	calm
	wait_for 60 eval '[ "$(nike gw)" = 1 ] && [ "$(nike rw)" = 1 ] &&
		[ "$(nchild gw)" = 1 ] && [ "$(nchild rw)" = 1 ] && agree'
	check "simultaneous $what rekey: one SA of each kind left, agreed" \
		eval '[ "$(nike gw)" = 1 ] && [ "$(nike rw)" = 1 ] && [ "$(nchild gw)" = 1 ] && [ "$(nchild rw)" = 1 ] && agree'
	mine=$(grep -o "simultaneous $what rekey: [a-z]*" "$dir/gw.log" |
		head -n1)
	theirs=$(grep -o "simultaneous $what rekey: [a-z]*" "$dir/rw.log" |
		head -n1)
	echo "# simultaneous $what rekey: gw: ${mine:-no collision seen}, rw: ${theirs:-no collision seen}"
	check "simultaneous $what rekey: both sides settle it the same way" \
		eval '[ -z "$mine$theirs" ] || { [ -n "$mine" ] && [ -n "$theirs" ] && [ "${mine#*: }" != "${theirs#*: }" ]; }'
	unpair
}
collide CHILD_SA "$rekey2s" "" "" "$rekey2s"
collide "IKE SA" "" "$ike2s" "$ike2s" ""

# More children than the first: each further one with its own
# CREATE_CHILD_SA (the second with PFS); rw rekeys the second one; a
# reload without it deletes that CHILD_SA alone.
# child_block NAME LOCAL_TS REMOTE_TS [EXTRA]
child_block() {
	printf 'child %s {\n\t\tlocal_ts = %s\n\t\tremote_ts = %s\n\t\t%s\n\t}' \
		"$1" "$2" "$3" "${4:-}"
}
# two_children GW_CHILDREN RW_CHILDREN: pair() with extra child blocks.
two_children() {
	local p=aes128gcm16-prfsha256-x25519
	conf rw $port 127.0.0.1 127.0.0.2 $((port + 10)) $p "s3cret psk" \
		gw.example client.example 10.1.0.0/16 10.2.0.0/16 "" "" "" "$2"
	conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $port $p "s3cret psk" \
		client.example gw.example 10.2.0.0/16 10.1.0.0/16 "" "" "" "$1"
	start rw && start gw
}
crossed() {	# the CHILD_SAs of both sides match each other
	[ -n "$(spis_of gw spi_in)" ] &&
	[ "$(spis_of gw spi_in)" = "$(spis_of rw spi_out)" ] &&
	[ "$(spis_of gw spi_out)" = "$(spis_of rw spi_in)" ]
}
children_json() { ctl "$1" -j status | grep -o '"child_sas":.*'; }
names_of() {
	children_json "$1" | grep -o '"name":"[^"]*"' | cut -d'"' -f4 |
		sort | tr '\n' ' '
}
pfs_esp='esp_proposals = aes128gcm16-x25519'
two_children "$(child_block second 10.4.0.0/16 10.3.0.0/16 "$pfs_esp")" \
	"$(child_block second 10.3.0.0/16 10.4.0.0/16 "$pfs_esp
		$rekey2s")"
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "two children: up creates the second with CREATE_CHILD_SA" \
	eval '[ $rc = 0 ] && grep -q "CHILD_SA second created, SPIs .*, with PFS" '"$dir/gw.log"' && grep -q "CHILD_SA second created by the peer, SPIs .*, with PFS" '"$dir/rw.log"
check "two children: both listed on both sides, SPIs crossed" \
	eval '[ "$(names_of gw)" = "net second " ] && [ "$(names_of rw)" = "net second " ] && crossed'
check "two children: separate reqids" \
	eval '[ "$(children_json gw | grep -o "\"reqid\":[0-9]*" | sort -u | wc -l)" = 2 ]'
wait_for 60 grep -q "CHILD_SA second rekeyed, SPIs" "$dir/rw.log"
calm
wait_for 60 eval '[ "$(nchild gw)" = 2 ] && [ "$(nchild rw)" = 2 ] && crossed'
check "two children: the second one rekeyed, two CHILD_SAs left" \
	eval 'grep -q "CHILD_SA second rekeyed by the peer" '"$dir/gw.log"' && [ "$(names_of gw)" = "net second " ] && crossed'
ike=$(ike_spi gw)
sed -i '/child second {/,/}/d' "$dir/gw.conf"
ctl gw reload >/dev/null
wait_for 30 eval '[ "$(nchild gw)" = 1 ] && [ "$(nchild rw)" = 1 ]'
check "two children: a reload without the second deletes it alone" \
	eval '[ "$(names_of gw)" = "net " ] && [ "$(names_of rw)" = "net " ] && crossed && [ "$(ike_spi gw)" = "$ike" ] && grep -q "peer deleted CHILD_SA second" '"$dir/rw.log"
unpair

# A second child the responder has no selectors for: TS_UNACCEPTABLE,
# "up" fails naming it, the IKE SA and the first CHILD_SA stay.
two_children "$(child_block third 10.6.0.0/16 10.5.0.0/16)" ""
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "two children: TS_UNACCEPTABLE for the second, up fails naming it" \
	eval '[ $rc = 3 ] && grep -q "CHILD_SA third: peer refused it with error notify 38" '"$dir/out"
check "two children: IKE SA and first CHILD_SA stay" \
	eval '[ "$(json_field "$(ctl gw -j status)" state)" = ESTABLISHED ] && [ "$(names_of gw)" = "net " ] && [ "$(names_of rw)" = "net " ] && agree'
unpair

# Several IKE SAs of one identity ("unique", RFC 7296 2.4): the client
# gets copies gw2, gw3 of its connection, so it makes a second IKE SA
# of the same identity while the first exists (and then sends no
# INITIAL_CONTACT).
# dup_client N...: add connection gwN, a copy of gw, and reload.
dup_client() {
	local i
	for i in "$@"; do
		awk '/^connection gw \{/ { on = 1 } !on { next }
		     { print; d += gsub(/\{/, "{") - gsub(/\}/, "}") }
		     !d { exit }' \
			"$dir/gw.conf" | sed "s/^connection gw {/connection gw$i {/" \
			>>"$dir/gw.conf"
	done
	ctl gw reload >/dev/null
}
# ikes SIDE CONN: IKE SAs SIDE lists for CONN.
ikes() { ctl "$1" status | grep -c "^$2 #"; }
# restart_gw: the client vanishes (kill -9) and starts again, without
# any state.
restart_gw() {
	kill -9 "$pid_gw"
	wait "$pid_gw" 2>/dev/null
	rm -f "$dir/gw.ctl"
	start gw
}
p=aes128gcm16-prfsha256-x25519
pair $p $p "" "" $'unique = no\n\tmax_ike_sas = 2'
dup_client 2 3
ctl gw up gw >/dev/null
check "unique = no: a second IKE SA of the identity is allowed" \
	eval 'ctl gw up gw2 >/dev/null && [ "$(ikes rw rw)" = 2 ]'
ctl gw up gw3 >"$dir/out" 2>&1
rc=$?
check "max_ike_sas = 2: the third refused with AUTHENTICATION_FAILED" \
	eval '[ $rc = 3 ] && grep -q "error notify 24" '"$dir/out"' && grep -q "has 2 IKE SAs already, the max_ike_sas of rw" '"$dir/rw.log"
check "max_ike_sas: the two IKE SAs stay" eval '[ "$(ikes rw rw)" = 2 ]'
# The client vanishes and comes back with INITIAL_CONTACT: it has lost
# every IKE SA, so even with unique = no both old ones end at once
# (without a Delete), and max_ike_sas does not count them.
restart_gw
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "unique = no: INITIAL_CONTACT ends both stale IKE SAs at once" \
	eval '[ $rc = 0 ] && [ "$(ikes rw rw)" = 1 ] && [ "$(ike_spi rw)" = "$(ike_spi gw)" ] && [ "$(grep -c "IKE SA #[12] replaced by #[0-9]* (INITIAL_CONTACT from" '"$dir/rw.log"')" = 2 ]'
unpair

pair $p $p "" "" "unique = keep"
dup_client 2
ctl gw up gw >/dev/null
first=$(ike_spi rw)
ctl gw up gw2 >"$dir/out" 2>&1
rc=$?
check "unique = keep: a second IKE SA (no INITIAL_CONTACT) is refused" \
	eval '[ $rc = 3 ] && grep -q "IKE SA #1 already and rw has unique = keep" '"$dir/rw.log"
check "unique = keep: the first one stays" \
	eval '[ "$(ikes rw rw)" = 1 ] && [ "$(ike_spi rw)" = "$first" ]'
# The client vanishes and comes back: its INITIAL_CONTACT replaces the
# stale IKE SA although unique = keep.
kill -9 "$pid_gw"
wait "$pid_gw" 2>/dev/null
rm -f "$dir/gw.ctl"
start gw
check "INITIAL_CONTACT: the restarted client gets up, the stale SA goes" \
	eval 'ctl gw up gw >/dev/null && [ "$(ikes rw rw)" = 1 ] && [ "$(ike_spi rw)" != "$first" ] && [ "$(ike_spi rw)" = "$(ike_spi gw)" ] && grep -q "IKE SA #1 replaced by #[0-9]* (INITIAL_CONTACT from" '"$dir/rw.log"
unpair

# Only authenticated IKE SAs speak against INITIAL_CONTACT (RFC 7296
# 2.4): ike_inject (reflect) sends each IKE_SA_INIT request of the
# client back to it from the gateway's address, so the restarted client
# holds a spoofed half-open IKE SA of the connection while it sets up
# the real one. It must still send INITIAL_CONTACT, and the gateway
# (unique = keep) replace the stale SA instead of refusing the new one.
relay_pair reflect "unique = keep"
ctl gw up gw >/dev/null
first=$(ike_spi rw)
restart_gw
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "INITIAL_CONTACT despite a spoofed half-open SA: the stale SA goes" \
	eval '[ $rc = 0 ] && ctl gw status | grep -q "^gw #[0-9]*: HALF_OPEN" && [ "$(ikes rw rw)" = 1 ] && [ "$(ike_spi rw)" != "$first" ] && grep -q "IKE SA #1 replaced by #[0-9]* (INITIAL_CONTACT from" '"$dir/rw.log"
# Nor does a spoofed half-open SA keep "up" from initiating: the real
# IKE SA goes down (the gateway deletes it) and comes up again beside it.
ctl rw down rw >/dev/null
wait_for 30 eval '[ "$(ikes rw rw)" = 0 ] && ! ctl gw status | grep -q "^gw #[0-9]*: ESTABLISHED"'
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "up beside a spoofed half-open SA of the connection" \
	eval '[ $rc = 0 ] && ctl gw status | grep -q "^gw #[0-9]*: HALF_OPEN" && [ "$(ikes rw rw)" = 1 ]'
unrelay

pair $p $p
dup_client 2
ctl gw up gw >/dev/null
first=$(ike_spi rw)
ctl gw up gw2 >/dev/null
for _ in $(seq 30); do
	[ "$(ikes gw gw)" = 0 ] && break
	sleep 0.1
done
check "unique = replace (default): the new IKE SA wins, the old deleted" \
	eval '[ "$(ikes rw rw)" = 1 ] && [ "$(ike_spi rw)" != "$first" ] && [ "$(ikes gw gw)" = 0 ] && [ "$(ikes gw gw2)" = 1 ] && grep -q "replaced by #2 of the same peer" '"$dir/rw.log"
unpair

# unique = replace while the gateway's own IKE SA rekey is in flight:
# ike_inject (hold-rekey) keeps the client's answer from the gateway
# until the client's second IKE SA is up. Then a retransmission gets it
# through, and the rekey completes on an IKE SA being deleted: the
# successor it makes must be deleted too, on both sides, leaving gw2's
# IKE SA and one CHILD_SA.
RETR_TIMEOUT=1s RETR_TRIES=6 relay_pair hold-rekey "$ike2s"
ctl gw up gw >/dev/null
wait_for 60 grep -q "dropped a CREATE_CHILD_SA response" "$dir/inject.log"
dup_client 2
ctl gw up gw2 >"$dir/out" 2>&1
rc=$?
wait_for 60 grep -q "IKE SA #1 deleted" "$dir/rw.log"
calm
wait_for 60 eval '[ "$(ikes rw rw)" = 1 ] && [ "$(ikes gw gw)" = 0 ] &&
	[ "$(ikes gw gw2)" = 1 ]'
check "unique = replace during our IKE SA rekey: its successor deleted too" \
	eval '[ $rc = 0 ] && grep -q "rekeying IKE SA #1" '"$dir/rw.log"' && grep -q "IKE SA #1 replaced by #2 of the same peer" '"$dir/rw.log"' && [ "$(ikes rw rw)" = 1 ] && [ "$(ikes gw gw)" = 0 ] && [ "$(ikes gw gw2)" = 1 ] && [ "$(nchild rw)" = 1 ] && [ "$(nchild gw)" = 1 ] && agree'
unrelay

# INITIAL_CONTACT while the client's IKE SA rekey is half done: the
# gateway answered it (the new IKE SA holds the CHILD_SA, the old one
# waits for the client's Delete), but ike_inject (drop-rekey) kept the
# answer from the client, which then vanishes and comes back. The old
# IKE SA and its successor both end at once: the gateway lists the new
# IKE SA alone.
RETR_TIMEOUT=1s RETR_TRIES=6 relay_pair drop-rekey "" "$ike2s"
ctl gw up gw >/dev/null
answered_lost() {
	grep -q "dropped a CREATE_CHILD_SA response" "$dir/inject.log" &&
	grep -q "IKE SA #1 (.*) replaced by #2 (" "$dir/rw.log" &&
	[ "$(ikes rw rw)" = 2 ]
}
wait_for 60 answered_lost
check "IKE SA rekey answered by the gateway, the answer lost" answered_lost
sed -i 's/rekey_time = 2s/rekey_time = 50s/' "$dir/gw.conf"
restart_gw
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "INITIAL_CONTACT during an IKE SA rekey: old SA and successor end" \
	eval '[ $rc = 0 ] && [ "$(ikes rw rw)" = 1 ] && [ "$(ike_spi rw)" = "$(ike_spi gw)" ] && [ "$(nchild rw)" = 1 ] && [ "$(grep -c "replaced by #3 (INITIAL_CONTACT from" '"$dir/rw.log"')" = 2 ]'
unrelay

# Identities compare whole, not as their display text, which a long one
# fills: two clients whose 252-character names differ only at the end
# both keep their IKE SA under unique = replace.
long=$(printf 'a%.0s' $(seq 240))
conf rw $port 127.0.0.1 127.0.0.2 $((port + 10)) $p "s3cret psk" \
	gw.example %any 10.1.0.0/16 10.2.0.0/16
conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $port $p "s3cret psk" \
	"$long.one.example" gw.example 10.2.0.0/16 10.1.0.0/16
start rw && start gw
dup_client 2
sed -i "/^connection gw2 {/,\$ s/$long\.one\./$long.two./" "$dir/gw.conf"
ctl gw reload >/dev/null
ctl gw up gw >/dev/null
ctl gw up gw2 >/dev/null
check "unique: long identities alike in their first 250 characters differ" \
	eval '[ "$(ikes rw rw)" = 2 ] && ! grep -q "of the same peer" '"$dir/rw.log"
unpair

# max_child_sas: the responder takes two CHILD_SAs per IKE SA; the
# client's third gets NO_ADDITIONAL_SAS (RFC 7296 3.10.1).
conf rw $port 127.0.0.1 127.0.0.2 $((port + 10)) $p "s3cret psk" \
	gw.example client.example 10.1.0.0/16 10.2.0.0/16 "" \
	"max_child_sas = 2" "" "$(child_block second 10.4.0.0/16 10.3.0.0/16)
	$(child_block third 10.6.0.0/16 10.5.0.0/16)"
conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $port $p "s3cret psk" \
	client.example gw.example 10.2.0.0/16 10.1.0.0/16 "" "" "" \
	"$(child_block second 10.3.0.0/16 10.4.0.0/16)
	$(child_block third 10.5.0.0/16 10.6.0.0/16)"
start rw && start gw
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "max_child_sas = 2: the third CHILD_SA gets NO_ADDITIONAL_SAS" \
	eval '[ $rc = 3 ] && grep -q "CHILD_SA third: peer refused it with error notify 35" '"$dir/out"' && grep -q "has 2 CHILD_SAs on IKE SA #1, the max_child_sas" '"$dir/rw.log"
check "max_child_sas: the IKE SA and two CHILD_SAs stay on both sides" \
	eval '[ "$(names_of gw)" = "net second " ] && [ "$(names_of rw)" = "net second " ] && crossed'
unpair

# Selectors beyond what XFRM holds exactly (tcp/1-65534 is 30 port
# blocks): the responder narrows them to the first 16 and answers
# exactly those; the initiator takes them.
conf rw $port 127.0.0.1 127.0.0.2 $((port + 10)) $p "s3cret psk" \
	gw.example client.example 10.1.0.0/16 10.2.0.0/16
conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $port $p "s3cret psk" \
	client.example gw.example "10.2.0.0/16[tcp/1-65534]" 10.1.0.0/16
start rw && start gw
check "TS caps: the responder narrows 30 port blocks to the first 16" \
	eval 'ctl gw up gw >/dev/null && grep -q "TSi 10.2.0.0/16\[tcp/1\],10.2.0.0/16\[tcp/2-3\],.*,10.2.0.0/16\[tcp/16384-32767\],10.2.0.0/16\[tcp/32768-49151\] TSr 10.1.0.0/16$" '"$dir/rw.log"
check "TS caps: the initiator installed exactly the narrowed selectors" \
	eval 'ctl gw status | grep -q "10.2.0.0/16\[tcp/1\],10.2.0.0/16\[tcp/2-3\],10.2.0.0/16\[tcp/4-7\]," && agree'
unpair

# Reload: a connection removed from the configuration is deleted.
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519
ctl gw up gw >/dev/null
sed -i 's/^connection rw/connection other/' "$dir/rw.conf"
ctl rw reload >/dev/null
wait_for 30 eval 'no_sas rw && no_sas gw'
check "reload: SA of a removed connection deleted on both sides" \
	eval 'no_sas rw && no_sas gw'
check "reload: the new connection is there" \
	eval 'ctl rw status other >/dev/null'
unpair

# Reload while a rekey of ours is in flight (the peer is stopped, so the
# request stays unanswered): the rekeying IKE SA, its successor and the
# CHILD_SA being negotiated point into the configuration the reload
# replaces. The SA must stay and the rekey complete once the peer
# continues (under ASan, a use of the freed configuration ends the
# daemon). Longer retransmission timers, so the request outlives the
# reload.
reload_rekey_case() {	# WHAT STARTED_LOG DONE_CONDITION GW_CHILD GW_CONN
	local ike
	RETR_TIMEOUT=1s RETR_TRIES=6 pair aes128gcm16-prfsha256-x25519 \
		aes128gcm16-prfsha256-x25519 "" "" "" "" "$4" "$5"
	ctl gw up gw >/dev/null
	ike=$(ike_spi gw)
	kill -STOP "$pid_rw"
	wait_for 60 grep -q "$2" "$dir/gw.log"
	ctl gw reload >"$dir/out" 2>&1
	rc=$?
	kill -CONT "$pid_rw"
	wait_for 60 grep -q -e "rekeyed, SPIs" -e "replaced by" "$dir/gw.log"
	calm
	wait_for 60 eval "$3"
	check "reload during a $1 rekey: SA kept, the rekey completes" \
		eval '[ $rc = 0 ] && kill -0 $pid_gw && '"$3"' && agree'
	unpair
}
reload_rekey_case "CHILD_SA" "rekeying CHILD_SA net" \
	'grep -q "CHILD_SA net rekeyed, SPIs" "$dir/gw.log" && [ "$(nchild gw)" = 1 ] && [ "$(nchild rw)" = 1 ] && [ "$(ike_spi gw)" = "$ike" ]' \
	"$rekey2s" ""
reload_rekey_case "IKE SA" "rekeying IKE SA" \
	'grep -q "replaced by" "$dir/gw.log" && grep -q "replaced by" "$dir/rw.log" && [ "$(nike gw)" = 1 ] && [ "$(nike rw)" = 1 ]' \
	"" "$ike2s"

# Certificates, from the selftests' PKI (keys are ours and mode 0600).
# cert_conf NAME PORT LOCAL REMOTE RPORT CERT KEY IDL IDR CACERT TSL TSR
cert_conf() {
	cat >"$dir/$1.conf" <<-EOC
	daemon {
		ike_port = $2
		natt_port = $(($2 + 1))
		ctl_socket = $dir/$1.ctl
		retransmit_timeout = 200ms
		retransmit_tries = 2
	}
	connection $1 {
		local_addrs = $3
		remote_addrs = $4
		remote_port = $5
		proposals = aes128gcm16-prfsha256-x25519
		local {
			auth = pubkey
			cert = $pki/$6
			key = $pki/$7
			id = $8
		}
		remote {
			auth = pubkey
			id = $9
			cacert = $pki/${10}
		}
		child net {
			local_ts = ${11}
			remote_ts = ${12}
		}
	}
	EOC
}

# cert_pair GW_KIND RW_KIND RW_CA: gw (client) presents me-GW_KIND as
# me.example, rw presents sw-RW_KIND with its subject as ID and trusts
# RW_CA.
cert_pair() {
	local gw_cert=me-$1.pem
	[ "$1" = rsa ] && gw_cert=me-rsa-chain.pem
	cert_conf rw $port 127.0.0.1 127.0.0.2 $((port + 10)) "sw-$2.pem" \
		"sw-$2.key" %any me.example "$3" 10.1.0.0/16 10.2.0.0/16
	cert_conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $port "$gw_cert" \
		"me-$1.key" me.example '"C=CH, O=ipsecme, CN=sw.example"' \
		"$2-ca.pem" 10.2.0.0/16 10.1.0.0/16
	start rw && start gw
}

# IKE over TCP (RFC 9329). The gateway listens on TCP $port; "tcp" is the
# client's only way, "auto" falls back to it when UDP is not answered
# (the client's UDP goes to a port nobody listens on) and stays on UDP
# when it is.
tcp_gw="tcp_port = $port
tcp_timeout = 3s
tcp_max_per_source = 3"
tcp_established() {
	[ -n "$(ss -Htn state established "( dport = :$port )")" ]
}
pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" \
	"$tcp_gw" "" "" "" "encapsulation = tcp
tcp_port = $port"
check "TCP: up over TCP" eval 'ctl gw up gw >/dev/null'
check "TCP: both sides agree on SPIs and algorithms" agree
check "TCP: one TCP connection to the gateway, no UDP" \
	eval 'tcp_established && grep -q "initiating IKE SA #1 to 127.0.0.1 over tcp" '"$dir/gw.log"
check "TCP: status says tcp on both sides" \
	eval '[ "$(json_field "$(ctl gw -j status)" transport)" = tcp ] && [ "$(json_field "$(ctl rw -j status)" transport)" = tcp ]'
# A listener that is attacked keeps the tunnel. tcp_probe MODE: a raw
# client; it prints whether the daemon closed the connection (within
# 30 s, ten times tcp_timeout).
tcp_probe() {
	python3 - "$port" "$1" <<-'EOP'
	import socket, sys, time
	port, mode = int(sys.argv[1]), sys.argv[2]
	s = socket.create_connection(("127.0.0.1", port))
	s.settimeout(30)
	if mode == "garbage":
	    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
	elif mode == "long-first":
	    s.sendall(b"IKETCP\xff\xff\0\0\0\0")
	elif mode == "prefix-only":
	    s.sendall(b"IKETCP")
	elif mode == "trickle":
	    s.sendall(b"IKETCP\x01\x00\0")
	try:
	    print("closed" if s.recv(1) == b"" else "data")
	except ConnectionResetError:
	    print("closed")	# unread bytes make the close a reset
	except socket.timeout:
	    print("still open")
	EOP
}
check "TCP: no IKETCP prefix: closed" eval '[ "$(tcp_probe garbage)" = closed ] && grep -q "no IKETCP prefix" '"$dir/rw.log"
check "TCP: first record too long for IKE: closed" eval '[ "$(tcp_probe long-first)" = closed ] && grep -q "first record too long" '"$dir/rw.log"
check "TCP: silence: closed after tcp_timeout" eval '[ "$(tcp_probe silent)" = closed ] && grep -q "no IKETCP prefix in time" '"$dir/rw.log"
check "TCP: silence after the prefix: closed after tcp_timeout" eval '[ "$(tcp_probe prefix-only)" = closed ] && grep -q "no IKE message in time" '"$dir/rw.log"
check "TCP: a record trickled slower than tcp_timeout: closed" eval '[ "$(tcp_probe trickle)" = closed ]'
# tcp_max_per_source = 3: the tunnel's connection (from 127.0.0.2) and
# two idle ones from there; the next is refused at once.
python3 - "$port" >"$dir/out" 2>&1 <<-'EOP' &
import socket, sys
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port),
                                    source_address=("127.0.0.2", 0))
idle = [conn() for _ in range(2)]
s = conn()
s.settimeout(10)
try:
    print("refused" if s.recv(1) == b"" else "data")
except (ConnectionResetError, socket.timeout) as e:
    print(type(e).__name__)
EOP
wait $!
check "TCP: more connections from one address than tcp_max_per_source: refused" \
	eval 'grep -q refused '"$dir/out"' && grep -q "tcp_max_per_source" '"$dir/rw.log"
check "TCP: the tunnel is unaffected" agree
ctl gw down gw >/dev/null
wait_for 30 eval 'no_sas gw && no_sas rw'
check "TCP: down removes the IKE SA on both sides" \
	eval 'no_sas gw && no_sas rw'
unpair

pair aes128gcm16-prfsha256-x25519 aes128gcm16-prfsha256-x25519 "" \
	"$tcp_gw" "" "" "" "encapsulation = auto
tcp_port = $port
tcp_fallback = 1s"
check "auto: UDP answered, stays on UDP" \
	eval 'ctl gw up gw >/dev/null && agree && ! tcp_established && ! grep -q "falling back" '"$dir/gw.log"
unpair
# UDP to a port nobody answers on: after tcp_fallback, TCP.
conf rw $port 127.0.0.1 127.0.0.2 $((port + 10)) aes128gcm16-prfsha256-x25519 \
	"s3cret psk" gw.example client.example 10.1.0.0/16 10.2.0.0/16 "$tcp_gw"
# Retransmissions that outlast tcp_fallback by far: this tests the
# fallback, not a race with giving up.
RETR_TRIES=6 conf gw $((port + 10)) 127.0.0.2 127.0.0.1 $((port + 21)) \
	aes128gcm16-prfsha256-x25519 "s3cret psk" client.example gw.example \
	10.2.0.0/16 10.1.0.0/16 "" "encapsulation = auto
tcp_port = $port
tcp_fallback = 1s"
start rw && start gw
check "auto: UDP unanswered, falls back to TCP and gets up" \
	eval 'ctl gw up gw >/dev/null && agree && tcp_established && grep -q "no answer over UDP in 1 s, falling back to TCP port" '"$dir/gw.log"
check "auto: status says tcp after UDP went unanswered, no ESP with -n" \
	eval 'ctl gw status | grep -q "over tcp (UDP unanswered), ESP by none"'
unpair

pki=$dir/pki
"$MKCERTS" "$pki" >"$dir/mkcerts.log" 2>&1 || diag "$dir/mkcerts.log"
cert_pair ec ec ec-ca.pem
check "certificates, ECDSA P-256/P-384: up" eval 'ctl gw up gw >/dev/null'
check "certificates, ECDSA: both sides agree" agree
check "certificates, ECDSA: chains verified, SHA-384 and SHA-256 signatures" \
	eval 'grep -q "signature (ECDSA, hash 3) verified" '"$dir/gw.log"' && grep -q "signature (ECDSA, hash 2) verified" '"$dir/rw.log"
unpair
cert_pair rsa rsa rsa-ca.pem
check "certificates, RSA with an intermediate: up" \
	eval 'ctl gw up gw >/dev/null'
check "certificates, RSA: both sides agree" agree
unpair
cert_pair ec ec rsa-ca.pem
ctl gw up gw >"$dir/out" 2>&1
rc=$?
check "certificates: untrusted CA refused with AUTHENTICATION_FAILED" \
	eval '[ $rc = 3 ] && grep -q "error notify 24" '"$dir/out"' && grep -q "failed authentication: certificate chain does not verify" '"$dir/rw.log"
unpair

ctl gw status -j >"$dir/out" 2>&1
rc=$?
check "ipsecme: an option after the command is a usage error" \
	eval '[ $rc = 2 ] && grep -q "options go before the command" '"$dir/out"

check "every daemon exited with status 0, no sanitizer report" \
	[ "$bad_exits" = 0 ]

exit $failed
