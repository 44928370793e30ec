#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Offloaded SAs and the module: with crypto offload the device encrypts
# after LOCAL_OUT, where the module would see ESP whose payload is still
# clear text. BIND refuses an offloaded SA, and the packets of one go to
# the device as they would without the module. Needs netdevsim (with its
# IPsec offload), which the debug kernel has and the stock ones do not.
#
#   ns $N: eni (netdevsim) 192.0.2.1/24
#     SA 192.0.2.2/0x200  plain ESP, added first: the offloaded SA loads
#                         esp4_offload, and BIND refuses a plain SA added
#                         after that (see espintcp_esp_offload.sh)
#     SA 192.0.2.2/0x100  offload dev eni dir out   (netdevsim "encrypts")
#     policy 192.0.2.1 -> 192.0.2.2 via SA 0x100 (reqid 1: without it the
#     kernel would pick the SA added last)

source "$(dirname "$0")/lib.sh"

PEER=$SELFTEST_BIN/espintcp_peer
KEY=0x0123456789abcdef0123456789abcdef01020304
NSIM_ID=$((4000 + RANDOM % 1000))

require_module
# What this test loads, it unloads: with esp4_offload loaded, every SA
# that later tests add takes xfrm's offload path (see
# espintcp_esp_offload.sh), and BIND refuses it.
LOADED=
for m in netdevsim esp4_offload; do
	[ -e "/sys/module/$m" ] || LOADED="$m $LOADED"
done
modprobe netdevsim 2>/dev/null && [ -w /sys/bus/netdevsim/new_device ] ||
	skip_all "no netdevsim in $(uname -r)"
setup_ns N
# The device is created in the namespace of the writer.
ip netns exec "$N" sh -c "echo '$NSIM_ID 1' >/sys/bus/netdevsim/new_device" ||
	skip_all "cannot create a netdevsim device"
cleanup_nsim() {
	echo "$NSIM_ID" >/sys/bus/netdevsim/del_device 2>/dev/null
	cleanup
	# The SAs, which pin esp4_offload, go with the namespace, later.
	wait_for 60 unload_loaded || echo "# could not unload: $LOADED"
}
unload_loaded() {
	local m
	for m in $LOADED; do
		[ ! -e "/sys/module/$m" ] || rmmod "$m" || return 1
	done
}
trap cleanup_nsim EXIT
# sysfs lists a device's netdevs to readers of their namespace only.
nsim_dev() {
	ip netns exec "$N" ls "/sys/bus/netdevsim/devices/netdevsim$NSIM_ID/net/"
}
wait_for 10 eval '[ -n "$(nsim_dev)" ]' || skip_all "netdevsim made no netdev"
DEV=$(nsim_dev)
NSIM_IPSEC=/sys/kernel/debug/netdevsim/netdevsim$NSIM_ID/ports/0/ipsec

# nsim_tx: the packets netdevsim took as offloaded (its "tx=" count).
nsim_tx() { sed -n 's/.*tx=\([0-9]*\).*/\1/p' "$NSIM_IPSEC"; }

ktap_plan 5

ktap_result "an SA is offloaded to netdevsim" ip_batch "$N" <<-EOF
	link set $DEV up
	addr add 192.0.2.1/24 dev $DEV
	neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev $DEV
	xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x200 reqid 2 mode transport aead rfc4106(gcm(aes)) $KEY 128
	xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 reqid 1 mode transport aead rfc4106(gcm(aes)) $KEY 128 offload dev $DEV dir out
	xfrm policy add src 192.0.2.1 dst 192.0.2.2 proto udp dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode transport
	EOF
check_eq "BIND of the offloaded SA: EINVAL" \
	"$(ip netns exec "$N" "$PEER" try-bind ulp 192.0.2.2 100 2>&1)" \
	"error EINVAL: SA is offloaded to a device; offloaded SAs cannot be bound"
check_eq "BIND of the plain SA to the same peer works" \
	"$(ip netns exec "$N" "$PEER" try-bind ulp 192.0.2.2 200 2>&1)" ok
before=$(nsim_tx)
ip netns exec "$N" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(5):
    s.sendto(b"x" * 100, ("192.0.2.2", 9))'
check_eq "the offloaded SA's packets reach the device" \
	"$(( $(nsim_tx) - ${before:-0} ))" 5
check_eq "and the module left them alone" \
	"$(show_json "$N" '.counters | [.tx_esp, .tx_malformed, .tx_stale] | map(. // 0) | add')" 0
ktap_finish
