#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecmed against strongSwan charon with X.509 certificates and RFC 7427
# signatures (AUTH method 14), in both roles, over real XFRM:
#
#   $me: ipsecmed                           $sw: charon
#   lo 10.1.0.1/32                          lo 10.2.0.1/32
#   veth0 192.0.2.1/24 -------------------- veth0 192.0.2.2/24
#   tunnel 10.1.0.0/16 <====== ESP ======> 10.2.0.0/16
#   veth0 2001:db8::1/64 ----------------- veth0 2001:db8::2/64
#   (transport mode over IPv6: 2001:db8::1 <=== ESP ===> 2001:db8::2)
#
# The PKI comes from mkcerts.sh (built on the host into
# build/selftests/certs): RSA (ipsecmed's certificate under an
# intermediate it sends along; charon signs with RSASSA-PSS, ipsecmed
# with PKCS#1 v1.5) and ECDSA (P-256 and P-384 keys under a P-384 CA).
# IDs: a DN and an FQDN (RSA), FQDNs (ECDSA), IP addresses (IPv6).
# Cases: RSA tunnel initiated by either side, ECDSA tunnel initiated by
# ipsecmed, ECDSA transport over IPv6 initiated by charon. For each: bring
# the CHILD_SA up, check ipsecmed verified charon's signature with the
# expected scheme, ping through it (3 echo requests), check both SAs'
# packet counters in `ip -s xfrm state` (3 each), delete from the side
# that initiated, and check both sides are empty. (Every swanctl call
# costs seconds under TCG, so charon's own counters are not read: the
# replies counted inbound here went through its SAs.) Last,
# charon initiating with a certificate from a CA ipsecmed does not trust
# is refused with AUTHENTICATION_FAILED and a log line saying why.
source "$(dirname "$0")/lib.sh"

IPSECMED=${IPSECMED_BIN:-$TOPDIR/build/userspace/ipsecmed/ipsecmed}
CERTS=${CERTS:-$TOPDIR/build/selftests/certs}
[ -x "$IPSECMED" ] || skip_all "ipsecmed is not built"
[ -f "$CERTS/me-rsa-chain.pem" ] ||
	skip_all "no test PKI in $CERTS (make -C selftests)"
command -v swanctl >/dev/null && [ -x "$CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) is not installed"
modprobe -q esp4 || skip_all "the kernel has no esp4"
modprobe -q esp6 || skip_all "the kernel has no esp6"

work=$(mktemp -d)
CHARON_OPTIONS="rsa_pss = yes"

setup() {
	local etc f
	setup_ns me sw || return 1
	veth_pair "$me" veth0 "$sw" veth0 || return 1
	ip -n "$me" addr add 192.0.2.1/24 dev veth0
	ip -n "$sw" addr add 192.0.2.2/24 dev veth0
	ip -n "$me" addr add 10.1.0.1/32 dev lo
	ip -n "$sw" addr add 10.2.0.1/32 dev lo
	ip -n "$me" route add 10.2.0.0/16 via 192.0.2.2 src 10.1.0.1
	ip -n "$sw" route add 10.1.0.0/16 via 192.0.2.1 src 10.2.0.1
	ip -n "$me" addr add 2001:db8::1/64 dev veth0 nodad
	ip -n "$sw" addr add 2001:db8::2/64 dev veth0 nodad
	# Keys must be root's and private: copies, not the build's files.
	for f in me-rsa me-ec; do
		cp "$CERTS/$f.key" "$work/$f.key" && chmod 600 "$work/$f.key"
	done
	etc=/etc/netns/$sw/swanctl
	mkdir -p "$etc"/{x509,x509ca,private}
	cp "$CERTS"/sw-{rsa,ec}.pem "$etc/x509/"
	cp "$CERTS"/{rsa,ec}-ca.pem "$etc/x509ca/"
	cp "$CERTS"/sw-{rsa,ec}.key "$etc/private/"
}

# sw_conf KIND MODE ME_ID SW_ID: charon's side (KIND rsa|ec).
sw_conf() {
	local ts=(local_ts=10.2.0.0/16 remote_ts=10.1.0.0/16)
	[ "$2" = transport ] && ts=()
	swanctl_conf local="$SW_ADDR" remote="$ME_ADDR" auth=pubkey \
		local_id="$4" remote_id="$3" cert="sw-$1.pem" \
		key="sw-$1.key" cacert="$1-ca.pem" send_cert=always \
		proposals=aes128gcm16-prfsha256-x25519 \
		esp_proposals=aes128gcm16 mode="$2" "${ts[@]}"
}

# me_conf KIND MODE ME_ID SW_ID CACERT: ipsecmed's side.
me_conf() {
	local ts="local_ts = 10.1.0.0/16
		remote_ts = 10.2.0.0/16" cert=$CERTS/me-$1.pem
	[ "$2" = transport ] && ts=
	[ "$1" = rsa ] && cert=$CERTS/me-rsa-chain.pem
	cat <<-EOC
	daemon {
		ctl_socket = $work/ipsecmed.ctl
		retransmit_timeout = 2s
		retransmit_tries = 3
	}
	connection sw {
		local_addrs = $ME_ADDR
		remote_addrs = $SW_ADDR
		proposals = aes128gcm16-prfsha256-x25519
		local {
			auth = pubkey
			id = $3
			cert = $cert
			key = $work/me-$1.key
		}
		remote {
			auth = pubkey
			id = $4
			cacert = $5
		}
		child child {
			$ts
			mode = $2
			esp_proposals = aes128gcm16
		}
	}
	EOC
}

me() { "$IPSECME" -s "$work/ipsecmed.ctl" "$@"; }
sw() { swanctl_in "$sw" "$@"; }

start_me() {
	ipsecmed_start "$me" "$work/ipsecmed.conf" "$work/ipsecmed.log" \
		"$work/ipsecmed.ctl"
}

stop_me() { ipsecmed_stop "$IPSECMED_PID"; }

ping_through() {
	if [ "$1" = transport ]; then
		ip netns exec "$me" ping -q -c 3 -i 0.2 -W 2 "$SW_ADDR"
	else
		ip netns exec "$me" ping -q -c 3 -i 0.2 -W 2 -I 10.1.0.1 \
			10.2.0.1
	fi >/dev/null
}

# log_since TEXT: ipsecmed logged TEXT since line $mark.
log_since() { tail -n "+$((mark + 1))" "$work/ipsecmed.log" | grep -qF "$1"; }

sas_gone() {
	[ "$(me status)" = "no IKE SAs" ] &&
	[ -z "$(ip -n "$me" xfrm state)" ] &&
	! ip -n "$me" xfrm policy | grep -qE "dir (in|out|fwd)" &&
	[ "$(sw --list-sas --raw | grep -c state=ESTABLISHED)" = 0 ]
}

load_confs() {	# KIND MODE ME_ID SW_ID [CACERT]
	sw_conf "$1" "$2" "$3" "$4" >"/etc/netns/$sw/swanctl/swanctl.conf"
	# The credentials were loaded by charon_start; only the connection
	# changes.
	sw --load-conns >"$work/load.log" 2>&1 || cat "$work/load.log"
	me_conf "$1" "$2" "$3" "$4" "${5:-$CERTS/$1-ca.pem}" \
		>"$work/ipsecmed.conf"
}

# run KIND MODE INITIATOR ME_ID SW_ID
run() {
	local kind=$1 mode=$2 who=$3 tag="$1 $2 $ME_ADDR, $3 initiates"
	local scheme="ECDSA, hash 3"	# charon's P-384 key: SHA-384

	[ "$kind" = rsa ] && scheme="RSASSA-PSS, hash 2"
	load_confs "$kind" "$mode" "$4" "$5"
	touch "$work/ipsecmed.log"
	mark=$(wc -l <"$work/ipsecmed.log")
	start_me || { ktap_fail "$tag: ipsecmed starts"; return; }
	if [ "$who" = me ]; then
		ktap_result "$tag: up" eval 'me up sw >/dev/null'
	else
		ktap_result "$tag: up" eval \
			'sw --initiate --child child --timeout 30 >/dev/null &&
			 wait_for 5 eval "me status | grep -q INSTALLED"'
	fi
	ktap_result "$tag: charon's signature verified ($scheme)" \
		log_since "certificate chain and signature ($scheme) verified"
	ktap_result "$tag: ping through the CHILD_SA" ping_through "$mode"
	check_eq "$tag: xfrm SA packets out:in" \
		"$(xfrm_count "$me" packets src "$ME_ADDR" dst "$SW_ADDR"):$(
		   xfrm_count "$me" packets src "$SW_ADDR" dst "$ME_ADDR")" 3:3
	if [ "$who" = me ]; then
		me down sw >/dev/null
	else
		sw --terminate --ike test --timeout 10 >/dev/null
	fi
	ktap_result "$tag: deleted, both sides empty" wait_for 10 sas_gone
	stop_me
	ktap_diag "$tag: done after $SECONDS s"
}

# charon initiates with an ECDSA certificate; ipsecmed trusts only the
# RSA CA and answers AUTHENTICATION_FAILED.
wrong_ca() {
	local tag="ec tunnel, untrusted CA"
	load_confs ec tunnel me.example sw.example "$CERTS/rsa-ca.pem"
	mark=$(wc -l <"$work/ipsecmed.log")
	start_me || { ktap_fail "$tag: ipsecmed starts"; return; }
	if sw --initiate --child child --timeout 30 >/dev/null 2>&1; then
		ktap_fail "$tag: charon's IKE_AUTH refused"
	else
		ktap_ok "$tag: charon's IKE_AUTH refused"
	fi
	ktap_result "$tag: ipsecmed logs why" log_since \
		"failed authentication: certificate chain does not verify"
	ktap_result "$tag: no SA left" wait_for 10 sas_gone
	stop_me
}

ME_ADDR=192.0.2.1
SW_ADDR=192.0.2.2
ME_DN='"C=CH, O=ipsecme, CN=me.example"'
ktap_plan 25
ktap_result "topology set up" setup
sw_conf ec tunnel me.example sw.example >"$work/sw.conf"
ktap_result "charon starts" charon_start "$sw" "$work/sw.conf"
ktap_diag "charon up after $SECONDS s"
run rsa tunnel me "$ME_DN" sw.example
run rsa tunnel sw "$ME_DN" sw.example
run ec tunnel me me.example sw.example
ME_ADDR=2001:db8::1
SW_ADDR=2001:db8::2
run ec transport sw 2001:db8::1 2001:db8::2
ME_ADDR=192.0.2.1
SW_ADDR=192.0.2.2
wrong_ca
if [ "$ktap_failed" -ne 0 ]; then
	for f in "$work/ipsecmed.log" "$CHARON_BASE/$sw/charon.log"; do
		ktap_diag "--- $f"
		tail -n 80 "$f" 2>/dev/null | sed 's/^/# /'
	done
fi
charon_stop "$sw"
rm -rf "$work"
ktap_diag "ike_charon_cert.sh took $SECONDS s"
ktap_finish
