#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The hardening flags of the userspace build follow the compiler: with
# one that refuses -fcf-protection (GCC and clang for arm64 and most
# other targets do), the build still works and keeps the other flags;
# with one that takes it, it is used.
set -u
# Run from make check: none of its settings for the build below.
unset MAKEFLAGS MFLAGS MAKELEVEL
SRC=${USERSPACE_SRC:-@SRC@}
REAL_CC=${REAL_CC:-@CC@}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
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

# build CC O: compile one object of the tree with CC; its log in O.log.
build() {
	make -C "$SRC" --no-print-directory O="$2" CC="$1" "$2/lib/addr.o" \
		>"$2.log" 2>&1
}

# A compiler for a target without CET, as GCC for arm64 answers.
cat >"$dir/cc-nocet" <<EOF
#!/bin/sh
for a; do
	case \$a in
	-fcf-protection*)
		echo "cc1: error: '-fcf-protection=full' is not supported for this target" >&2
		exit 1 ;;
	esac
done
exec $REAL_CC "\$@"
EOF
chmod +x "$dir/cc-nocet"

echo "KTAP version 1"
echo "1..3"

build "$dir/cc-nocet" "$dir/nocet"
rc=$?
sed 's/^/# /' "$dir/nocet.log"
result $rc "a compiler without -fcf-protection builds"
# has LOG FLAG...: every FLAG is a word of the compile line in LOG.
has() {
	local log=$1 f
	shift
	for f; do
		grep -q -e " $f " "$log" || return 1
	done
}
! grep -q -e '-fcf-protection' "$dir/nocet.log" &&
	has "$dir/nocet.log" -Wformat-security -fstack-protector-strong \
		-fstack-clash-protection -fPIE -D_FORTIFY_SOURCE=3
result $? "without -fcf-protection, the other hardening flags stay"

if ! "$REAL_CC" -Werror -fcf-protection -c -x c /dev/null -o /dev/null \
	2>/dev/null; then
	n=$((n + 1))
	echo "ok $n with $REAL_CC: -fcf-protection used # SKIP $REAL_CC does not take it"
else
	build "$REAL_CC" "$dir/cet" &&
		has "$dir/cet.log" -fcf-protection -fstack-protector-strong
	result $? "with $REAL_CC: -fcf-protection used"
fi
exit $failed
