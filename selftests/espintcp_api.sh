#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ESP-in-TCP control API: every rejection of BIND/UNBIND and of the
# ULP itself comes with the right errno and extack message; a valid bind
# shows up in the dump and goes away with its SA.
#
#   ns $N (no links needed: SAs and loopback sockets only)
#     SA 10.9.0.2/0x100  plain ESP        SA 10.9.0.2/0x200  ESP-in-UDP
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

try() { ip netns exec "$N" "$PEER" try-bind "$@" 2>&1; }
raw() { ip netns exec "$N" "$RAW" "$@" 2>&1; }
# Attribute payloads for genl_raw: family, address, SPI, fd.
FAM4=2:0200 FAM_BAD=2:6300 A4=3:0a090002 A6=3:fd000000000000000000000000000002
SPI=4:00000100 SPI0=4:00000000 FD=5:01000000
BIND=2 UNBIND=3 GET_BINDING=4 GET_CONN=5

ktap_plan 16

check_eq "features report the module's own espintcp" \
	"$(show_json "$N" '.features | join(",")')" espintcp
check_eq "bind to an unknown SA: ENOENT" "$(try ulp 10.9.0.2 999)" \
	"error ENOENT: No ESP SA with this destination and SPI"
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
check_eq "bind a plain SA to a ULP socket works" "$(try ulp 10.9.0.2 100)" ok
check_eq "the binding went away with its socket" \
	"$(show_json "$N" '.bindings | length')" 0
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
check_eq "UNBIND of a binding that does not exist: ENOENT" \
	"$(raw -c $UNBIND -a $FAM4 -a $A4 -a $SPI)" \
	"error ENOENT: No binding for this destination and SPI"
ktap_finish
