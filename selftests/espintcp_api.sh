#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ESP-in-TCP control API: every rejection of BIND/UNBIND and of the
# ULP itself comes with the right errno and extack message; a valid bind
# shows up in the dump, stays dormant when its socket is closed and goes
# with UNBIND; one bound before its SA waits for it, takes it when it is
# added and goes when it is deleted. The socket semantics the ULP changes: attach only to an
# established connection, no disconnect, poll() readable only for whole
# IKE messages.
#
#   ns $N (no links needed: SAs and loopback sockets only)
#     SA 10.9.0.2/0x100  plain ESP        SA 10.9.0.2/0x200  ESP-in-UDP
#     SA fd00::2/0x300   plain ESP, IPv6  SA 10.9.0.2/0x400  mark 0x5/0xff
#     espintcp_peer try-bind KIND ...  ── genl "ipsecme" ──  ipsecme.ko
#     genl_raw (hand-made requests)

source "$(dirname "$0")/lib.sh"

PEER=$SELFTEST_BIN/espintcp_peer
RAW=$SELFTEST_BIN/genl_raw
KEY=0x0123456789abcdef0123456789abcdef01020304

require_module
setup_ns N
ip -n "$N" xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x100 \
	mode transport aead 'rfc4106(gcm(aes))' $KEY 128
ip -n "$N" xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x200 \
	mode transport aead 'rfc4106(gcm(aes))' $KEY 128 \
	encap espinudp 4500 4500 0.0.0.0
ip -n "$N" xfrm state add src fd00::1 dst fd00::2 proto esp spi 0x300 \
	mode transport aead 'rfc4106(gcm(aes))' $KEY 128
ip -n "$N" xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x400 \
	mode transport aead 'rfc4106(gcm(aes))' $KEY 128 mark 0x5 mask 0xff

try() { ip netns exec "$N" "$PEER" try-bind "$@" 2>&1; }
raw() { ip netns exec "$N" "$RAW" "$@" 2>&1; }
# Attribute payloads for genl_raw: family, address, SPI, fd, state, mark.
FAM4=2:0200 FAM_BAD=2:6300 A4=3:0a090002 A6=3:fd000000000000000000000000000002
SPI=4:00000100 SPI0=4:00000000 FD=5:01000000 STATE=6:00
MARK3=10:03000000 MASK1=11:01000000 WAIT=13:01000000
BIND=2 UNBIND=3 GET_BINDING=4 GET_CONN=5

ktap_plan 46

check_eq "features report the module's own espintcp" \
	"$(show_json "$N" '.features | join(",")')" espintcp,bind-before-sa
check_eq "bind to an unknown SA: ENOENT" "$(try ulp 10.9.0.2 999)" \
	"error ENOENT: No ESP SA with this destination, SPI, mark and if_id"
check_eq "bind a UDP socket: EPROTOTYPE" "$(try udp 10.9.0.2 100)" \
	"error EPROTOTYPE: File descriptor is not a TCP socket"
check_eq "bind a pipe: ENOTSOCK" "$(try pipe 10.9.0.2 100)" \
	"error ENOTSOCK: File descriptor is not a socket"
check_eq "bind a closed fd: EBADF" "$(try badfd 10.9.0.2 100)" \
	"error EBADF: Bad file descriptor"
check_eq "bind a TCP socket without the ULP: ENOPROTOOPT" \
	"$(try tcp 10.9.0.2 100)" \
	"error ENOPROTOOPT: Socket does not have the espintcp ULP attached"
check_eq "bind an ESP-in-UDP SA: EINVAL" "$(try ulp 10.9.0.2 200)" \
	"error EINVAL: SA has an encapsulation template; only plain ESP SAs can be bound"
check_eq "bind an IPv6 SA to an IPv4 connection: EAFNOSUPPORT" \
	"$(try ulp fd00::2 300)" \
	"error EAFNOSUPPORT: SA and connection are of different address families"
check_eq "bind a marked SA without its mark: ENOENT" \
	"$(try ulp 10.9.0.2 400)" \
	"error ENOENT: No ESP SA with this destination, SPI, mark and if_id"
check_eq "bind a marked SA with another mask: ENOENT" \
	"$(try ulp 10.9.0.2 400 5/ffff)" \
	"error ENOENT: No ESP SA with this destination, SPI, mark and if_id"
check_eq "bind a marked SA with its mark works" "$(try ulp 10.9.0.2 400 5/ff)" ok
check_eq "bind a plain SA to a ULP socket works" "$(try ulp 10.9.0.2 100)" ok
check_eq "closed sockets leave their bindings dormant, marks shown" \
	"$(show_json "$N" '[.bindings[] | "\(.spi)/\(.mark)/\(.mark_mask)/\(.state)"]
		| sort | join(" ")')" \
	"0x00000100/0/0/dormant 0x00000400/5/255/dormant"
# Bound before its SA: waits, takes it when added, goes when it is deleted.
state_of() {
	show_json "$N" "[.bindings[] | select(.spi == \"$1\") | .state]
		| sort | join(\",\")"
}
check_eq "bind before the SA is added: ok" "$(try ulp-wait 10.9.0.2 500)" ok
check_eq "that binding waits for its SA" "$(state_of 0x00000500)" waiting
ip -n "$N" xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x500 \
	mode transport aead 'rfc4106(gcm(aes))' $KEY 128
check_eq "the SA takes it when added (dormant: its socket is closed)" \
	"$(state_of 0x00000500)" dormant
ip -n "$N" xfrm state delete src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x500
check_eq "deleting that SA removes the binding" "$(state_of 0x00000500)" ""
check_eq "bind before an SA that would collide with one by mark: EEXIST" \
	"$(try ulp-wait 10.9.0.2 400 5/ffff)" \
	"error EEXIST: An SA of this destination and SPI exists; bind it without IPSECME_BIND_F_BEFORE_SA"
wait600=$(try ulp-wait 10.9.0.2 600 6/ff)
ip -n "$N" xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x600 \
	mode transport aead 'rfc4106(gcm(aes))' $KEY 128 mark 0x5 mask 0xff
check_eq "a waiting binding is not given an SA of its SPI with another mark" \
	"$wait600:$(state_of 0x00000600)" "ok:waiting"
check_eq "bind before an SA that exists, even one it could not carry: EEXIST" \
	"$(try ulp-wait 10.9.0.2 200 | cut -d: -f1)" "error EEXIST"
check_eq "UNBIND of a waiting binding works" \
	"$(raw -c $UNBIND -a $FAM4 -a $A4 -a 4:00000600 -a 10:06000000 \
		-a 11:ff000000):$(state_of 0x00000600)" "ok:"
check_eq "a waiting binding left to the namespace's exit" \
	"$(try ulp-wait 10.9.0.2 700)" ok
check_eq "attach the ULP to a listening socket: ENOTCONN" \
	"$(ip netns exec "$N" "$PEER" try-attach listening)" "error ENOTCONN"
check_eq "attach the ULP to an unconnected socket: ENOTCONN" \
	"$(ip netns exec "$N" "$PEER" try-attach unconnected)" "error ENOTCONN"
check_eq "disconnect is refused, the stream stays usable" \
	"$(ip netns exec "$N" "$PEER" try-disconnect)" \
	"disconnect error EOPNOTSUPP, send ok"
check_eq "poll() is readable for a whole IKE message, not a partial one" \
	"$(ip netns exec "$N" "$PEER" poll-partial)" "partial 0 whole 1 recv 998"
check_eq "recv() after our own SHUT_WR waits for the peer's message, then EOF" \
	"$(ip netns exec "$N" "$PEER" recv-half-closed)" "recv 38, then 0"
# The debug kernel has neither bpf() nor KCM: nothing to race there.
kcm=$(ip netns exec "$N" "$PEER" try-kcm)
if [[ $kcm == unsupported:* ]]; then
	ktap_skip "KCM cannot take an espintcp socket (${kcm#unsupported: })"
else
	check_eq "KCM cannot take an espintcp socket, nor the ULP a KCM one" \
		"$kcm" "kcm after ulp: error EALREADY, ulp after kcm: error EBUSY"
fi
check_eq "attach the ULP without CAP_NET_ADMIN: EPERM" \
	"$(ip netns exec "$N" capsh --drop=cap_net_admin -- -c "$PEER try-attach")" \
	"error EPERM"
check_eq "BIND without CAP_NET_ADMIN: EPERM" \
	"$(ip netns exec "$N" capsh --drop=cap_net_admin -- -c \
		"$RAW -c $BIND -a $FAM4 -a $A4 -a $SPI -a $FD")" \
	"error EPERM: CAP_NET_ADMIN is required in the network namespace"
check_eq "dumping connections without CAP_NET_ADMIN: EPERM" \
	"$(ip netns exec "$N" capsh --drop=cap_net_admin -- -c \
		"$RAW -d -c $GET_CONN")" "error EPERM: "
check_eq "a dump request with an unknown attribute: EINVAL" \
	"$(raw -d -c $GET_CONN -a 99:01020304 | cut -d: -f1)" "error EINVAL"
check_eq "a dump request with a bind attribute: EINVAL" \
	"$(raw -d -c $GET_BINDING -a $SPI | cut -d: -f1)" "error EINVAL"
check_eq "BIND with an unknown family: EAFNOSUPPORT" \
	"$(raw -c $BIND -a $FAM_BAD -a $A4 -a $SPI -a $FD)" \
	"error EAFNOSUPPORT: Family must be AF_INET or AF_INET6"
check_eq "BIND with a 16-byte address for AF_INET: EINVAL" \
	"$(raw -c $BIND -a $FAM4 -a $A6 -a $SPI -a $FD)" \
	"error EINVAL: Address length does not match the family"
check_eq "BIND with SPI 0: EINVAL" \
	"$(raw -c $BIND -a $FAM4 -a $A4 -a $SPI0 -a $FD)" \
	"error EINVAL: SPI must not be zero"
check_eq "BIND without fd: EINVAL" \
	"$(raw -c $BIND -a $FAM4 -a $A4 -a $SPI)" \
	"error EINVAL: File descriptor is required"
check_eq "BIND with a mark outside its mask: EINVAL" \
	"$(raw -c $BIND -a $FAM4 -a $A4 -a $SPI -a $MARK3 -a $MASK1 -a $FD)" \
	"error EINVAL: Mark has bits outside its mask"
check_eq "BIND with an unknown flag: EINVAL" \
	"$(raw -c $BIND -a $FAM4 -a $A4 -a $SPI -a $FD -a 13:02000000 |
		cut -d: -f1)" "error EINVAL"
check_eq "BIND with a 1-byte flags attribute: EINVAL" \
	"$(raw -c $BIND -a $FAM4 -a $A4 -a $SPI -a $FD -a 13:01 | cut -d: -f1)" \
	"error EINVAL"
check_eq "BIND with the wait flag takes the fd checks as before" \
	"$(raw -c $BIND -a $FAM4 -a $A4 -a $SPI -a $FD -a $WAIT)" \
	"error ENOTSOCK: File descriptor is not a socket"
check_eq "BIND with a reply-only attribute: EINVAL" \
	"$(raw -c $BIND -a $FAM4 -a $A4 -a $SPI -a $FD -a $STATE | cut -d: -f1)" \
	"error EINVAL"
check_eq "UNBIND of the dormant binding works" \
	"$(raw -c $UNBIND -a $FAM4 -a $A4 -a $SPI)" ok
check_eq "UNBIND of a binding that does not exist: ENOENT" \
	"$(raw -c $UNBIND -a $FAM4 -a $A4 -a $SPI)" \
	"error ENOENT: No binding for this destination, SPI, mark and if_id"
# Peers choose our outbound SPIs, and bindings of one SPI share a hash
# chain the packet path walks: 64 of one SPI (SAs to 65 peers), then
# ENOSPC.
setup_ns S
for i in $(seq 1 65); do
	echo "xfrm state add src 10.8.0.1 dst 10.8.1.$i proto esp spi 0x700 mode transport aead rfc4106(gcm(aes)) $KEY 128"
done | ip -n "$S" -batch -
bind_spi_run() {
	local i
	for i in $(seq 1 64); do
		[ "$(ip netns exec "$S" "$PEER" try-bind ulp 10.8.1.$i 700 2>&1)" = ok ] ||
			return 1
	done
}
ktap_result "64 SAs of one SPI to 64 peers can be bound" bind_spi_run
check_eq "the 65th of that SPI: ENOSPC" \
	"$(ip netns exec "$S" "$PEER" try-bind ulp 10.8.1.65 700 2>&1)" \
	"error ENOSPC: Too many bindings of this SPI"
ktap_finish
