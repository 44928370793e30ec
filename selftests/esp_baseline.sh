#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Baseline: the stock kernel's own ESP works in the guest. Static AES-GCM
# SAs installed with `ip xfrm`, no ipsecme involved.
#
#   $a                                     $b
#   veth0 10.0.0.1/24 ------------------- veth0 10.0.0.2/24
#         fd00::1/64                            fd00::2/64
#   dummy inner: 192.168.1.1/32          dummy inner: 192.168.2.1/32
#
# Transport mode protects 10.0.0.1 <-> 10.0.0.2 and fd00::1 <-> fd00::2;
# tunnel mode protects 192.168.1.1 <-> 192.168.2.1 over 10.0.0.1/2.

source "$(dirname "$0")/lib.sh"

KEY_AB=0x$(printf '11%.0s' {1..20})	# 16-byte AES key + 4-byte salt
KEY_BA=0x$(printf '22%.0s' {1..20})

# xfrm_pair MODE OUTER_A OUTER_B SEL_A SEL_B SPI_AB SPI_BA: SAs and
# policies for one protected flow, in both namespaces.
xfrm_pair() {
	local mode=$1 oa=$2 ob=$3 sa=$4 sb=$5 spi_ab=$6 spi_ba=$7 ns
	for ns in "$a" "$b"; do
		ip -n "$ns" xfrm state add src "$oa" dst "$ob" proto esp \
			spi "$spi_ab" reqid "$spi_ab" mode "$mode" \
			aead 'rfc4106(gcm(aes))' "$KEY_AB" 128 || return 1
		ip -n "$ns" xfrm state add src "$ob" dst "$oa" proto esp \
			spi "$spi_ba" reqid "$spi_ba" mode "$mode" \
			aead 'rfc4106(gcm(aes))' "$KEY_BA" 128 || return 1
	done
	ip -n "$a" xfrm policy add src "$sa" dst "$sb" dir out \
		tmpl src "$oa" dst "$ob" proto esp reqid "$spi_ab" mode "$mode"
	ip -n "$a" xfrm policy add src "$sb" dst "$sa" dir in \
		tmpl src "$ob" dst "$oa" proto esp reqid "$spi_ba" mode "$mode"
	ip -n "$b" xfrm policy add src "$sb" dst "$sa" dir out \
		tmpl src "$ob" dst "$oa" proto esp reqid "$spi_ba" mode "$mode"
	ip -n "$b" xfrm policy add src "$sa" dst "$sb" dir in \
		tmpl src "$oa" dst "$ob" proto esp reqid "$spi_ab" mode "$mode"
}

ktap_plan 9

if ! modprobe -q esp4 || ! modprobe -q esp6; then
	skip_all "the kernel has no esp4/esp6"
fi
ktap_result "topology set up" setup_pair

xfrm_pair transport 10.0.0.1 10.0.0.2 10.0.0.1/32 10.0.0.2/32 0x1001 0x1002
ktap_result "transport mode IPv4: ping passes" \
	ip netns exec "$a" ping -q -c 5 -i 0.2 -W 2 10.0.0.2
check_eq "transport mode IPv4: a->b SA counted 5 packets at b" \
	"$(xfrm_count "$b" packets spi 0x1001)" 5
check_eq "transport mode IPv4: b->a SA counted 5 packets at a" \
	"$(xfrm_count "$a" packets spi 0x1002)" 5
# Transport mode counts the protected payload: 5 ICMP messages of 8 + 56
# bytes.
check_eq "transport mode IPv4: bytes counted exactly" \
	"$(xfrm_count "$b" bytes spi 0x1001)" 320

xfrm_pair transport fd00::1 fd00::2 fd00::1/128 fd00::2/128 0x2001 0x2002
ktap_result "transport mode IPv6: ping passes" \
	ip netns exec "$a" ping -6 -q -c 5 -i 0.2 -W 2 fd00::2
check_eq "transport mode IPv6: a->b SA counted 5 packets at b" \
	"$(xfrm_count "$b" packets spi 0x2001)" 5

xfrm_pair tunnel 10.0.0.1 10.0.0.2 192.168.1.1/32 192.168.2.1/32 0x3001 0x3002
ktap_result "tunnel mode IPv4: ping passes" \
	ip netns exec "$a" ping -q -c 5 -i 0.2 -W 2 -I 192.168.1.1 192.168.2.1
check_eq "tunnel mode IPv4: a->b SA counted 5 packets at b" \
	"$(xfrm_count "$b" packets spi 0x3001)" 5

ktap_finish
