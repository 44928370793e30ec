#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's ESP offload modules and bound SAs. On 6.1 and 6.12 an SA
# added while esp4_offload (esp6_offload) is loaded takes xfrm's offload
# path even with no device: its packets pass LOCAL_OUT with the ESP
# header in front of clear text and are encrypted in software only at
# the device's transmit, after the module's hook. Such an SA cannot be
# carried: BIND refuses it, and a packet of one that a binding claims
# is dropped, never let out as plain ESP. SAs added before the modules
# were loaded are carried as before. Any host with an offload NIC, or
# that once had an offloaded SA, has these modules loaded.
#
#   ns A                                         ns B
#   dum0 10.1.0.1 (tunnel inner)                 dum0 10.1.0.2
#   veth0 10.0.0.1 fd00::1 ─────── veth ─────── veth0 10.0.0.2 fd00::2
#   espintcp_peer connect ══ TCP 4500 ══ espintcp_peer listen
#     binds 0x1000 and 0x3000 (mark 5)             binds 0x2000
#
# Before the modules: 0x1000/0x2000 (tunnel), 0x3000 A->B marked 5/0xff.
# After: 0x1001 (IPv4) and 0x1002 (IPv6) A->B, and 0x3000 A->B unmarked
# (reqid 6, reached by mark 6), whose packets the binding of the marked
# 0x3000 claims (the only binding of that SPI).

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/espintcp_lib.sh"

OFFLOAD_MODS="esp4_offload esp6_offload"

require_module
for m in $OFFLOAD_MODS; do
	modinfo "$m" >/dev/null 2>&1 || skip_all "no $m in $(uname -r)"
	# The SAs added before the modules must really be without them.
	[ ! -e "/sys/module/$m" ] || rmmod "$m" 2>/dev/null ||
		skip_all "$m is loaded and in use"
done

ktap_plan 9

etcp_topology && etcp_ipsec 4 tunnel && ip_batch "$A" <<-EOF ||
	xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x3000 reqid 5 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128 mark 0x5 mask 0xff
	EOF
	skip_all "set-up failed"
ip_batch "$B" <<-EOF || skip_all "set-up failed"
	xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x3000 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128
	EOF
ktap_result "SAs added before the offload modules are bound" \
	etcp_connect off -b 10.0.0.2,3000,5/ff
ktap_result "esp4_offload and esp6_offload load" modprobe -a $OFFLOAD_MODS
ktap_result "a ping through ESP-in-TCP after they loaded" \
	ip netns exec "$A" ping -q -c 3 -i 0.2 -W 5 10.1.0.2
check_eq "its ESP was carried both ways" \
	"$(etcp_stat "$A" tx_esp) $(etcp_stat "$A" rx_esp)" "3 3"

refusal="SA takes the kernel's ESP offload path (esp4_offload/esp6_offload was loaded when it was added); it cannot be bound"
ip_batch "$A" <<-EOF
	xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 mode transport aead rfc4106(gcm(aes)) $KEY_AB 128
	xfrm state add src fd00::1 dst fd00::2 proto esp spi 0x1002 mode transport aead rfc4106(gcm(aes)) $KEY_AB 128
	EOF
check_eq "BIND of an IPv4 SA added after esp4_offload: EINVAL" \
	"$(ip netns exec "$A" "$PEER" try-bind ulp 10.0.0.2 1001 2>&1)" \
	"error EINVAL: $refusal"
check_eq "BIND of an IPv6 SA added after esp6_offload: EINVAL" \
	"$(ip netns exec "$A" "$PEER" try-bind ulp fd00::2 1002 2>&1)" \
	"error EINVAL: $refusal"

# Mark 6 reaches the new, unmarked 0x3000; the marked one's binding
# claims its packets, which must not leave as plain ESP.
ip_batch "$A" <<-EOF
	xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x3000 reqid 6 mode tunnel aead rfc4106(gcm(aes)) $KEY_AB 128
	xfrm policy add src 10.1.0.1 dst 10.1.0.2 dir out priority 40 mark 0x6 mask 0xff tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 6 mode tunnel
	EOF
check_eq "a claimed packet on the offload path gets no reply" \
	"$(ip netns exec "$A" ping -q -c 3 -i 0.2 -W 2 -m 6 10.1.0.2 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p')" 0
check_eq "and is dropped as one that cannot be carried" \
	"$(etcp_stat "$A" tx_malformed) $(etcp_stat "$A" tx_esp)" "3 3"

# Leave the kernel as the test found it: later tests add SAs too.
unload_offload() {
	local m
	for m in $OFFLOAD_MODS; do
		[ ! -e "/sys/module/$m" ] || rmmod "$m" || return 1
	done
}
etcp_disconnect
cleanup
SELFTEST_NETNS=() SELFTEST_PIDS=()
ktap_result "the offload modules unload once the SAs are gone" \
	wait_for 60 unload_offload
ktap_finish
