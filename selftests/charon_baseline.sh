#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Baseline: two strongSwan charon peers negotiate IKEv2 with PSK and a
# tunnel-mode CHILD_SA, and traffic passes. Proves the test peer works in
# the guest before ipsecmed is measured against it.
#
#   $a (charon, initiator)                 $b (charon, responder)
#   veth0 10.0.0.1/24 ------------------- veth0 10.0.0.2/24
#   dummy 192.168.1.1/32                   dummy 192.168.2.1/32
#   tunnel 192.168.1.1/32 <===== ESP =====> 192.168.2.1/32

source "$(dirname "$0")/lib.sh"

PSK="selftest-$(mktemp -u XXXXXXXXXXXX)"

start_peers() {
	local conf
	conf=$(mktemp)
	swanctl_conf local=10.0.0.1 remote=10.0.0.2 local_id=a.test \
		remote_id=b.test psk="$PSK" local_ts=192.168.1.1/32 \
		remote_ts=192.168.2.1/32 >"$conf"
	charon_start "$a" "$conf" || return 1
	swanctl_conf local=10.0.0.2 remote=10.0.0.1 local_id=b.test \
		remote_id=a.test psk="$PSK" local_ts=192.168.2.1/32 \
		remote_ts=192.168.1.1/32 >"$conf"
	charon_start "$b" "$conf"
	rm -f "$conf"
}

# esp_sa_count NS: ESP SAs the kernel of NS holds.
esp_sa_count() { ip -n "$1" xfrm state list | grep -c '^src'; }

ktap_plan 7

command -v swanctl >/dev/null && [ -x "$CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) is not installed"
modprobe -q esp4 || skip_all "the kernel has no esp4"

ktap_result "topology set up" setup_pair
ktap_result "both charon peers start and load their configuration" \
	start_peers
ktap_result "the initiator establishes IKE_SA and CHILD_SA" \
	swanctl_in "$a" --initiate --child child --timeout 30
check_eq "the responder reports the IKE_SA established" \
	"$(swanctl_in "$b" --list-sas --raw | grep -c 'state=ESTABLISHED')" 1
check_eq "each kernel holds one inbound and one outbound ESP SA" \
	"$(esp_sa_count "$a"):$(esp_sa_count "$b")" "2:2"
ktap_result "ping passes through the tunnel" \
	ip netns exec "$a" ping -q -c 5 -i 0.2 -W 2 -I 192.168.1.1 192.168.2.1
check_eq "the responder's inbound SA counted the 5 echo requests" \
	"$(xfrm_count "$b" packets src 10.0.0.1)" 5

ktap_finish
