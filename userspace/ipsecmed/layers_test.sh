#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ipsecmed's files form layers (see the top of daemon.h): a file may
# include the headers of its own layer and of the layers below, never
# one of a layer above; a lower layer reaches up through hooks (function
# pointers) only. This checks every #include "ipsecmed/..." of the
# daemon's sources (unit tests excepted: they fake any layer), that
# every header has a layer, and that the check itself catches an
# upward include.
set -u
SRC=${IPSECMED_SRC:-@SRC@}
n=0
failed=0

result() {	# OK DESC
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
	fi
}

# layer NAME: the layer of a file or header, by its path below
# ipsecmed/ without the extension; empty if it has none.
layer() {
	case $1 in
	crypto/* | ike/* | log | loop | transport | transport_udp | \
	transport_tcp | task | window | sa | proposal | ts | nat | cookie | \
	auth | cert | rekey | module | testutil)
		echo 1 ;;
	policy)			echo 2 ;;
	core)			echo 3 ;;
	kernel)			echo 4 ;;
	exchange | exchange_* | reconnect)
				echo 5 ;;
	control)		echo 6 ;;
	daemon | main)		echo 7 ;;
	esac
}

# check DIR: one line per include of a higher layer or of a header
# without one, in the sources under DIR (an ipsecmed/ tree).
check() {
	(cd "$1" && find . -name '*.[ch]' ! -name '*_test.c' \
		! -path './fuzz/*' ! -path './tests/*' | sort) |
	while read -r f; do
		f=${f#./}
		name=${f%.[ch]}
		own=$(layer "$name")
		if [ -z "$own" ]; then
			echo "$f: no layer"
			continue
		fi
		sed -n 's/^#include "ipsecmed\/\(.*\)\.h".*/\1/p' "$1/$f" |
		while read -r h; do
			l=$(layer "$h")
			if [ -z "$l" ]; then
				echo "$f: includes $h.h, which has no layer"
			elif [ "$l" -gt "$own" ]; then
				echo "$f (layer $own) includes $h.h (layer $l)"
			fi
		done
	done
}

echo "KTAP version 1"
echo "1..2"
out=$(check "$SRC")
[ -z "$out" ]
ok=$?
[ -n "$out" ] && echo "$out" | sed 's/^/# /'
result $ok "layers: no file includes a header of a higher layer"

# A lower layer including a higher one, and a file of no layer: both
# must be found, or the check above proves nothing.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '#include "ipsecmed/daemon.h"\n' >"$dir/policy.c"
printf '#include "ipsecmed/log.h"\n' >"$dir/newfile.c"
printf '#include "ipsecmed/sa.h"\n' >"$dir/kernel.c"
out=$(check "$dir")
echo "$out" | grep -q '^policy.c (layer 2) includes daemon.h (layer 7)$' &&
	echo "$out" | grep -q '^newfile.c: no layer$' &&
	! echo "$out" | grep -q '^kernel.c'
result $? "layers: an upward include and a file of no layer are caught"
exit $failed
