#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module skeleton: load/unload, genl autoload, GET_INFO values, per-netns
# state and counters, permissions, and rejection of malformed requests.
#
#   init_net            $ns (fresh namespace, for exact counters)
#   ipsecme.ko  ── genl "ipsecme" ──  ipsecme show / genl_raw

source "$(dirname "$0")/lib.sh"

LOOPS=20
WANT_VERSION=$(sed -n 's/^#define IPSECME_VERSION "\(.*\)"/\1/p' \
	"$TOPDIR/kernel/version.h")


load_unload_loop() {
	local i ok=0
	for ((i = 0; i < LOOPS; i++)); do
		modprobe ipsecme || break
		"$IPSECME" show >/dev/null || break
		rmmod ipsecme || break
		[ ! -d /sys/module/ipsecme ] || break
		ok=$((ok + 1))
	done
	echo "$ok"
}

ktap_plan 14

check_eq "modprobe/show/rmmod loop completes $LOOPS times" \
	"$(load_unload_loop)" "$LOOPS"

# The genl family alias loads the module on first use.
rmmod ipsecme 2>/dev/null
"$IPSECME" show >/dev/null
check_eq "first genl use autoloads the module" \
	"$([ -d /sys/module/ipsecme ] && echo loaded)" loaded

setup_ns ns
check_eq "GET_INFO version matches kernel/version.h" \
	"$(show_json "$ns" .version)" "$WANT_VERSION"
check_eq "GET_INFO features: no built-in espintcp, so the module's own" \
	"$(show_json "$ns" '.features | join(",")')" "espintcp,bind-before-sa"
# The first request seen in a fresh namespace is the one being answered.
setup_ns fresh
check_eq "counter genl_requests starts at 1 in a fresh namespace" \
	"$(show_json "$fresh" .counters.genl_requests)" 1
ip netns exec "$fresh" "$IPSECME" show >/dev/null
check_eq "counter genl_requests counts each request exactly" \
	"$(show_json "$fresh" .counters.genl_requests)" 3

before=$(show_json "$ns" .namespaces)
setup_ns extra
check_eq "a new namespace gets its own state" \
	"$(show_json "$ns" .namespaces)" $((before + 1))
ip netns del "$extra"
ktap_result "its state goes away with it" \
	wait_for 10 test "$(show_json "$ns" .namespaces)" = "$before"

out=$(setpriv --bounding-set -net_admin --inh-caps -net_admin \
	"$IPSECME" show 2>&1)
rc=$?
check_eq "GET_INFO without CAP_NET_ADMIN fails with exit 3 and EPERM" \
	"$rc:$(echo "$out" | grep -c 'Operation not permitted')" "3:1"

check_eq "an unknown attribute type is rejected (strict validation)" \
	"$("$SELFTEST_BIN/genl_raw" -a 99:01020304 | cut -d: -f1)" \
	"error EINVAL"
check_eq "a reply-only attribute in a request is rejected with extack" \
	"$("$SELFTEST_BIN/genl_raw" -a 3:0100000000000000)" \
	"error EINVAL: reply-only attribute"
check_eq "a truncated attribute header is rejected" \
	"$("$SELFTEST_BIN/genl_raw" -a 2:41424300 -l 22 | cut -d: -f1)" \
	"error EINVAL"
check_eq "an unknown command is rejected" \
	"$("$SELFTEST_BIN/genl_raw" -c 200 | cut -d: -f1)" "error EOPNOTSUPP"

# Blacklisting stops alias autoload: the CLI must say what to do.
rmmod ipsecme
echo "blacklist ipsecme" >/etc/modprobe.d/ipsecme-selftest.conf
out=$("$IPSECME" show 2>&1)
rc=$?
rm -f /etc/modprobe.d/ipsecme-selftest.conf
check_eq "without the module, show exits 1 and says how to load it" \
	"$rc:$(echo "$out" | grep -c "modprobe ipsecme")" "1:1"

ktap_finish
