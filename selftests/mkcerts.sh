#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkcerts.sh DIR: the test PKI of ike_charon_cert.sh (and the daemon's
# loopback test), made with openssl:
#
#   rsa-ca (RSA 2048, root) -- rsa-int (intermediate) -- me-rsa
#                           \-- sw-rsa
#   ec-ca (P-384, root) -- me-ec (P-256), sw-ec (P-384)
#
# me-* name me.example, 192.0.2.1 and 2001:db8::1 in subjectAltName,
# sw-* sw.example, 192.0.2.2 and 2001:db8::2; subjects are
# "C=CH, O=ipsecme, CN=<name>". me-rsa-chain.pem is me-rsa.pem followed
# by rsa-int.pem. Keys are unencrypted PKCS#8 PEM.
set -e
dir=$1
mkdir -p "$dir"
cd "$dir"
serial=1
cat >openssl.cnf <<'CNF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
CNF

key() {	# NAME TYPE
	case $2 in
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 ;;
	p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 ;;
	p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 ;;
	esac >"$1.key" 2>/dev/null
	chmod 600 "$1.key"
}

# sign NAME CN ISSUER EXTENSIONS: a certificate for NAME.key.
sign() {
	printf '%b' "$4" >"$1.ext"
	openssl req -new -config openssl.cnf -key "$1.key" \
		-subj "/C=CH/O=ipsecme/CN=$2" |
	openssl x509 -req -CA "$3.pem" -CAkey "$3.key" -days 3650 \
		-set_serial $((serial++)) -extfile "$1.ext" -out "$1.pem" \
		2>/dev/null
	rm -f "$1.ext"
}

root() {	# NAME TYPE CN
	key "$1" "$2"
	openssl req -x509 -new -config openssl.cnf -extensions ca \
		-key "$1.key" -subj "/C=CH/O=ipsecme/CN=$3" -days 3650 \
		-set_serial $((serial++)) -out "$1.pem"
}

ee() {	# NAME TYPE CN ISSUER SAN
	key "$1" "$2"
	sign "$1" "$3" "$4" "subjectAltName = $5\n"
}

me_san="DNS:me.example, IP:192.0.2.1, IP:2001:db8::1"
sw_san="DNS:sw.example, IP:192.0.2.2, IP:2001:db8::2"
root rsa-ca rsa "RSA Root CA"
key rsa-int rsa
sign rsa-int "RSA Intermediate CA" rsa-ca \
	"basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign\n"
ee me-rsa rsa me.example rsa-int "$me_san"
ee sw-rsa rsa sw.example rsa-ca "$sw_san"
cat me-rsa.pem rsa-int.pem >me-rsa-chain.pem
root ec-ca p384 "ECDSA Root CA"
ee me-ec p256 me.example ec-ca "$me_san"
ee sw-ec p384 sw.example ec-ca "$sw_san"
rm -f openssl.cnf
