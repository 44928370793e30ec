#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the ipsecme selftests: KTAP output, network
# namespaces, waiting on conditions, the module, and strongSwan peers.
# Source it first thing: `source "$(dirname "$0")/lib.sh"`.

set -u

SELFTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPDIR=$(cd "$SELFTEST_DIR/.." && pwd)
# C helpers (TEST_GEN_PROGS) and the CLI, built on the host beforehand.
SELFTEST_BIN=${SELFTEST_BIN:-$TOPDIR/build/selftests}
IPSECME=${IPSECME:-$TOPDIR/build/userspace/ipsecme/ipsecme}

# show_json NS FILTER: jq FILTER over "ipsecme -j show" in NS. jq, not
# python: a python start costs about 2 s in a TCG guest.
show_json() {
	ip netns exec "$1" "$IPSECME" -j show | jq -r "$2"
}

readonly KSFT_PASS=0 KSFT_FAIL=1 KSFT_SKIP=4

# --- KTAP -----------------------------------------------------------------

ktap_n=0
ktap_failed=0

# ktap_plan N: print the header; call once, before the first result.
ktap_plan() {
	echo "KTAP version 1"
	echo "1..$1"
}

ktap_ok() { ktap_n=$((ktap_n + 1)); echo "ok $ktap_n $*"; }
ktap_fail() {
	ktap_n=$((ktap_n + 1))
	ktap_failed=1
	echo "not ok $ktap_n $*"
}
ktap_skip() { ktap_n=$((ktap_n + 1)); echo "ok $ktap_n $* # SKIP"; }
ktap_diag() { echo "# $*"; }

# ktap_result DESC CMD...: one result, pass iff CMD succeeds. CMD's output
# is shown as diagnostics only when it fails.
# CMD runs in this shell, so functions may set variables.
ktap_result() {
	local desc=$1 out
	shift
	out=$(mktemp)
	if "$@" >"$out" 2>&1; then
		ktap_ok "$desc"
	else
		sed 's/^/# /' "$out"
		ktap_fail "$desc"
	fi
	rm -f "$out"
}

# check_eq DESC GOT WANT: one result, pass iff the values are identical.
check_eq() {
	if [ "$2" = "$3" ]; then
		ktap_ok "$1"
	else
		ktap_diag "$1: got '$2', want '$3'"
		ktap_fail "$1"
	fi
}

# skip_all REASON: the whole test cannot run here.
skip_all() {
	echo "KTAP version 1"
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

ktap_finish() {
	if [ "$ktap_failed" -ne 0 ]; then exit $KSFT_FAIL; fi
	exit $KSFT_PASS
}

# --- waiting --------------------------------------------------------------

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; fails
# after SECONDS. Tests wait on conditions, never on bare sleeps.
wait_for() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# --- network namespaces ---------------------------------------------------

SELFTEST_NETNS=()
SELFTEST_PIDS=()

# setup_ns VAR...: create a namespace per VAR with a random name, store the
# name in VAR and bring its loopback up. They are deleted by cleanup.
setup_ns() {
	local var name
	for var in "$@"; do
		name="$var-$(mktemp -u XXXXXX)"
		ip netns add "$name" || return 1
		ip -n "$name" link set lo up
		SELFTEST_NETNS+=("$name")
		printf -v "$var" '%s' "$name"
	done
}

# ip_batch NS: run the ip commands on stdin (without "ip -n NS") in NS,
# in one process: every exec costs a few hundred ms in a TCG guest.
ip_batch() { ip -n "$1" -batch -; }

# ipsecmed_start NS CONF LOG CTL: run ipsecmed in NS on CONF, appending
# to LOG, and wait for its control socket CTL. Its pid: IPSECMED_PID.
# ipsecme.ko is loaded first, as on a user's host, so that every SA the
# daemon adds, rekeys and deletes goes past the module's hooks.
ipsecmed_start() {
	ike_module || return 1
	rm -f "$4"
	ip netns exec "$1" "$IPSECMED" -f "$2" >>"$3" 2>&1 &
	IPSECMED_PID=$!
	track_pid "$IPSECMED_PID"
	wait_for 10 test -S "$4"
}

# ipsecmed_stop PID: stop one ipsecmed and wait for it to exit.
ipsecmed_stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# track_pid PID: kill PID at cleanup (only pids this test started).
track_pid() { SELFTEST_PIDS+=("$1"); }

# veth_pair NS1 IF1 NS2 IF2: a veth link between two namespaces, up.
veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	ip -n "$1" link set "$2" up &&
	ip -n "$3" link set "$4" up
}

# setup_pair: the two-host topology most tests start from, in $a and $b.
#
#   $a                                     $b
#   veth0 10.0.0.1/24, fd00::1/64 ------- veth0 10.0.0.2/24, fd00::2/64
#   inner (dummy) 192.168.1.1/32           inner (dummy) 192.168.2.1/32
#
# Each side routes the other's inner address over veth0 from its own, so
# tunnel-mode policies between the inner addresses have traffic to match.
setup_pair() {
	setup_ns a b || return 1
	veth_pair "$a" veth0 "$b" veth0 || return 1
	pair_host 1 2 | ip_batch "$a" && pair_host 2 1 | ip_batch "$b"
}

# pair_host ME PEER: the ip commands of host ME of setup_pair.
pair_host() {
	cat <<-EOF
	addr add 10.0.0.$1/24 dev veth0
	addr add fd00::$1/64 dev veth0 nodad
	link add inner type dummy
	link set inner up
	addr add 192.168.$1.1/32 dev inner
	route add 192.168.$2.1/32 dev veth0 src 192.168.$1.1
	EOF
}

# xfrm_count NS bytes|packets SELECTOR...: what the first SA matching
# `ip xfrm state list SELECTOR...` has protected, read from the line after
# "lifetime current:" ("320(bytes), 5(packets)").
xfrm_count() {
	local ns=$1 what=$2
	shift 2
	ip -n "$ns" -s xfrm state list "$@" | awk -v what="$what" '
		/lifetime current:/ { getline
			n = (what == "bytes") ? $1 : $2
			sub(/\(.*/, "", n); print n; exit }'
}

cleanup() {
	local pid ns
	for pid in "${SELFTEST_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${SELFTEST_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ns in "${SELFTEST_NETNS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ -z "${SELFTEST_WORK:-}" ] || rm -rf "$SELFTEST_WORK"
	return 0
}
trap cleanup EXIT

# --- the module -----------------------------------------------------------

# ike_module: load ipsecme.ko for a test of IKE daemons, loudly if it fails.
ike_module() {
	modprobe ipsecme && return 0
	echo "cannot load ipsecme.ko for $(uname -r)" >&2
	return 1
}

# require_module: load ipsecme.ko (the guest runner installed the build for
# the running kernel under /lib/modules/$(uname -r)/updates).
require_module() {
	modprobe ipsecme || skip_all "ipsecme.ko not available for $(uname -r)"
}


# --- strongSwan charon peers ---------------------------------------------
#
# Each charon runs in its own netns and its own mount namespace (a private
# tmpfs on /run, because charon 5.9 always writes /var/run/charon.pid), with
# its configuration under /etc/netns/NS (which `ip netns exec` bind-mounts
# over /etc) and its vici socket under CHARON_BASE/NS.

CHARON=${CHARON:-/usr/lib/ipsec/charon}
CHARON_BASE=${CHARON_BASE:-/tmp/ipsecme-charon}
# Only what the tests use: charon with every plugin takes ~10 s to start
# under TCG.
CHARON_PLUGINS=${CHARON_PLUGINS:-"random nonce openssl kdf pem pkcs1 pkcs8 \
x509 pubkey constraints revocation kernel-netlink socket-default vici"}
# Extra strongswan.conf lines for the charon { } section (e.g.
# "rsa_pss = yes").
CHARON_OPTIONS=${CHARON_OPTIONS:-}
# swanctl loads every plugin it was built with unless told otherwise, and
# that costs over a minute on its first run in a TCG guest; it only needs
# to parse keys and certificates.
SWANCTL_PLUGINS=${SWANCTL_PLUGINS:-"pem pkcs1 pkcs8 x509 openssl"}
declare -A CHARON_PIDS=()

charon_vici() { echo "unix://$CHARON_BASE/$1/vici"; }

# swanctl_conf KEY=VALUE...: print a swanctl.conf with one connection
# "test" and one child "child". Keys (defaults in brackets):
#   local, remote          outer addresses
#   local_id, remote_id    IKE identities [the addresses]
#   auth                   psk | pubkey [psk]
#   psk                    the pre-shared key (auth=psk)
#   cert, key, cacert      file names in swanctl/x509, private, x509ca
#                          (auth=pubkey; cacert, if set, is the only CA
#                          the remote side's chain may end in)
#   send_cert              always | ifasked | never [charon's default]
#   proposals              IKE proposals [aes128gcm16-prfsha256-x25519]
#   esp_proposals          ESP proposals [aes128gcm16]
#   mode                   tunnel | transport [tunnel]
#   local_ts, remote_ts    traffic selectors [dynamic]
#   start_action           none | start | trap [none]
#   rekey_time, life_time  CHILD_SA rekey and life [0 = defaults]
#   ike_rekey_time         IKE SA rekey [0 = default]
#   dpd_delay              liveness checks [0 = off]
#   encap                  yes forces UDP encapsulation [no]
#   more_children          further child sections, swanctl.conf text
#                          (see swanctl_child) [none]
swanctl_conf() {
	local -A o=([auth]=psk [proposals]=aes128gcm16-prfsha256-x25519
		[esp_proposals]=aes128gcm16 [mode]=tunnel [local_ts]=dynamic
		[remote_ts]=dynamic [start_action]=none [rekey_time]=0
		[life_time]=0 [ike_rekey_time]=0 [dpd_delay]=0 [encap]=no)
	local kv
	for kv in "$@"; do o[${kv%%=*}]=${kv#*=}; done
	: "${o[local_id]:=${o[local]}}" "${o[remote_id]:=${o[remote]}}"
	cat <<-CONF
	connections {
	    test {
	        version = 2
	        local_addrs = ${o[local]}
	        remote_addrs = ${o[remote]}
	        proposals = ${o[proposals]}
	        rekey_time = ${o[ike_rekey_time]}
	        dpd_delay = ${o[dpd_delay]}
	        encap = ${o[encap]}
	        local {
	            auth = ${o[auth]}
	            id = ${o[local_id]}
	            $([ "${o[auth]}" = pubkey ] && echo "certs = ${o[cert]}")
	        }
	        $([ -n "${o[send_cert]:-}" ] && echo "send_cert = ${o[send_cert]}")
	        remote {
	            auth = ${o[auth]}
	            id = ${o[remote_id]}
	            $([ -n "${o[cacert]:-}" ] && echo "cacerts = ${o[cacert]}")
	        }
	        children {
	            child {
	                mode = ${o[mode]}
	                local_ts = ${o[local_ts]}
	                remote_ts = ${o[remote_ts]}
	                esp_proposals = ${o[esp_proposals]}
	                start_action = ${o[start_action]}
	                rekey_time = ${o[rekey_time]}
	                life_time = ${o[life_time]}
	            }
	            ${o[more_children]:-}
	        }
	    }
	}
	secrets {
	    $(if [ "${o[auth]}" = psk ]; then
		printf 'ike-test {\n id-l = %s\n id-r = %s\n secret = "%s"\n }' \
			"${o[local_id]}" "${o[remote_id]}" "${o[psk]}"
	    else
		printf 'private-test {\n file = %s\n }' "${o[key]}"
	    fi)
	}
	CONF
}

# charon_start NS SWANCTL_CONF: start charon in NS with that swanctl.conf
# (and any files already placed in /etc/netns/NS/swanctl/), wait for its
# vici socket, and load the configuration.
charon_start() {
	local ns=$1 conf=$2 dir=$CHARON_BASE/$1 etc=/etc/netns/$1
	ike_module || return 1
	mkdir -p "$dir" "$etc/swanctl"/{x509,x509ca,private}
	cp "$conf" "$etc/swanctl/swanctl.conf"
	cat >"$etc/strongswan.conf" <<-CONF
	swanctl {
	    load = $SWANCTL_PLUGINS
	}
	charon {
	    load = $CHARON_PLUGINS
	    install_routes = no
	    $CHARON_OPTIONS
	    retransmit_timeout = 2.0
	    retransmit_tries = 5
	    plugins {
	        vici {
	            socket = $(charon_vici "$ns")
	        }
	    }
	    filelog {
	        log {
	            path = $dir/charon.log
	            default = 1
	            ike = 2
	            knl = 2
	        }
	    }
	}
	CONF
	ip netns exec "$ns" unshare -m --propagation private sh -c \
		'mount -t tmpfs tmpfs /run && exec "$0"' "$CHARON" \
		>"$dir/stdout" 2>&1 &
	CHARON_PIDS[$ns]=$!
	track_pid "$!"
	if ! wait_for 60 test -S "$dir/vici"; then
		echo "charon in $ns did not open its vici socket" >&2
		tail -n 20 "$dir/charon.log" "$dir/stdout" >&2
		return 1
	fi
	echo "# charon in $ns up after $SECONDS s"
	swanctl_in "$ns" --load-all --noprompt >"$dir/load.log" 2>&1 || {
		cat "$dir/load.log" >&2
		return 1
	}
}

# swanctl_in NS COMMAND ARGS...: swanctl against the charon of NS.
swanctl_in() {
	local ns=$1 cmd=$2
	shift 2
	ip netns exec "$ns" swanctl "$cmd" --uri "$(charon_vici "$ns")" "$@"
}

# charon_stop NS: stop the charon of NS and wait for it to exit.
charon_stop() {
	local pid=${CHARON_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "CHARON_PIDS[$1]"
	return 0
}

# --- more topologies and checks ------------------------------------------

# setup_nat: a host behind a masquerading router, and one outside it.
#
#   $a (behind the NAT)      $r (router)                 $b (outside)
#   veth0 10.0.1.2/24 ------ lan 10.0.1.1/24
#   inner 192.168.1.1/32     wan 203.0.113.1/24 -------- veth0 203.0.113.2/24
#                            masquerade random on wan    inner 192.168.2.1/32
#
# $a routes everything through $r; $b has no route to 10.0.1.0/24, so
# only what the NAT maps back reaches $a. "random" picks new source
# ports, so UDP 500 and 4500 leave the router on other ports. Each side
# routes the other's inner address from its own, as in setup_pair.
# Needs nft (and nf_tables in the kernel).
setup_nat() {
	setup_ns a r b || return 1
	veth_pair "$a" veth0 "$r" lan || return 1
	veth_pair "$r" wan "$b" veth0 || return 1
	ip -n "$a" addr add 10.0.1.2/24 dev veth0
	ip -n "$r" addr add 10.0.1.1/24 dev lan
	ip -n "$r" addr add 203.0.113.1/24 dev wan
	ip -n "$b" addr add 203.0.113.2/24 dev veth0
	ip -n "$a" route add default via 10.0.1.1
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 || return 1
	ip netns exec "$r" nft -f - <<-NFT || return 1
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "wan" masquerade random
		}
	}
	NFT
	ip -n "$a" link add inner type dummy && ip -n "$a" link set inner up
	ip -n "$b" link add inner type dummy && ip -n "$b" link set inner up
	ip -n "$a" addr add 192.168.1.1/32 dev inner
	ip -n "$b" addr add 192.168.2.1/32 dev inner
	ip -n "$a" route add 192.168.2.1/32 via 10.0.1.1 src 192.168.1.1
	ip -n "$b" route add 192.168.1.1/32 dev veth0 src 192.168.2.1
}

# xfrm_empty NS: the kernel of NS holds no SA and no in/out/fwd policy
# (socket policies of IKE daemons do not count).
xfrm_empty() {
	[ -z "$(ip -n "$1" xfrm state)" ] &&
	! ip -n "$1" xfrm policy | grep -qE "dir (in|out|fwd)"
}

# swanctl_child NAME LOCAL_TS REMOTE_TS [ESP_PROPOSALS]: a tunnel mode
# child section for swanctl_conf's more_children.
swanctl_child() {
	printf '%s {\n mode = tunnel\n local_ts = %s\n remote_ts = %s\n esp_proposals = %s\n}\n' \
		"$1" "$2" "$3" "${4:-aes128gcm16}"
}

# swanctl_conn NAME KEY=VALUE...: swanctl_conf's output with the
# connection and its secret named NAME (its child stays "child"), so
# several can be concatenated into one swanctl.conf (swanctl merges
# sections of the same name) and charon loads them all at once.
swanctl_conn() {
	local name=$1
	shift
	swanctl_conf "$@" | sed -e "s/^\( *\)test {/\1$name {/" \
		-e "s/\(ike\|private\)-test {/\1-$name {/"
}

# xfrm_warmup NS: add and delete an AES-GCM ESP SA in NS, so the kernel
# loads and self-tests the crypto modules now (many seconds under TCG on
# the first use in a boot) and not inside an IKE exchange, where the
# delay would exhaust the peer's retransmissions.
xfrm_warmup() {
	ip -n "$1" xfrm state add src 198.18.0.1 dst 198.18.0.2 proto esp \
		spi 0x100 mode tunnel aead 'rfc4106(gcm(aes))' \
		0x0000000000000000000000000000000000000000 128 &&
	ip -n "$1" xfrm state del src 198.18.0.1 dst 198.18.0.2 proto esp \
		spi 0x100
}

# --- ipsecmed against ipsecmed ---------------------------------------------
#
# The prelude of such a test: `ike_pair_prelude`, then write
# $work/SIDE.conf for each SIDE (a namespace variable) with
# `ctl_socket = $work/SIDE.ctl` and `psk_file = $work/psk`, then
# `ike_pair_start SIDE...`; `ctl SIDE ARGS...` talks to SIDE's daemon, and
# `ike_pair_logs` shows the daemons' logs after a failure.

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}

# ike_pair_prelude: skip without ipsecmed or esp4, fail without
# ipsecme.ko; make $work (removed at exit) holding a fresh PSK.
ike_pair_prelude() {
	[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
	modprobe -q esp4 || skip_all "the kernel has no esp4"
	ike_module || exit "$KSFT_FAIL"
	work=$(mktemp -d)
	SELFTEST_WORK=$work
	printf '%s-%s\n' "$(basename "$0" .sh)" \
		"$(mktemp -u XXXXXXXXXXXXXXXX)" >"$work/psk"
	chmod 600 "$work/psk"
}

# ike_pair_start SIDE...: ipsecmed in namespace ${!SIDE} on
# $work/SIDE.conf, logging to $work/SIDE.log; waits for its socket.
ike_pair_start() {
	local side
	for side in "$@"; do
		ipsecmed_start "${!side}" "$work/$side.conf" \
			"$work/$side.log" "$work/$side.ctl" || return 1
	done
}

ctl() { "$IPSECME" -s "$work/$1.ctl" "${@:2}"; }

# ike_pair_logs SIDE...: the end of each daemon's log, as KTAP comments.
ike_pair_logs() {
	local side
	for side in "$@"; do
		ktap_diag "--- $side.log"
		tail -n "${LOG_LINES:-60}" "$work/$side.log" | sed 's/^/# /'
	done
}
