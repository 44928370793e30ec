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

# ktap_result DESC CMD...: one result, pass iff CMD succeeds.
ktap_result() {
	local desc=$1
	shift
	if "$@"; then ktap_ok "$desc"; else ktap_fail "$desc"; fi
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

# track_pid PID: kill PID at cleanup (only pids this test started).
track_pid() { SELFTEST_PIDS+=("$1"); }

# veth_pair NS1 IF1 NS2 IF2: a veth link between two namespaces, up.
veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	ip -n "$1" link set "$2" up &&
	ip -n "$3" link set "$4" up
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
	return 0
}
trap cleanup EXIT

# --- the module -----------------------------------------------------------

# require_module: load ipsecme.ko (the guest runner installed the build for
# the running kernel under /lib/modules/$(uname -r)/updates).
require_module() {
	modprobe ipsecme || skip_all "ipsecme.ko not available for $(uname -r)"
}

