#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Template for the fuzz_check unit test (build.mk fills in the paths):
# fuzz the IKE message parser for a bounded time; any crash, leak or
# sanitizer report fails the case. New inputs go to a scratch directory.
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "KTAP version 1"
if "@FUZZ_BIN@" -max_total_time=@SECONDS@ -timeout=5 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" "$work" "@CORPUS@" >"$work/log" 2>&1; then
	grep -E '^(Done|#[0-9]+[[:space:]]+DONE)' "$work/log" | sed 's/^/# /'
	echo "ok 1 libFuzzer on the message parser for @SECONDS@ s, no finding"
	echo "1..1"
	exit 0
fi
sed 's/^/# /' "$work/log" | tail -n 40
for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
	[ -e "$f" ] && echo "# reproducer: $(od -An -tx1 "$f" | tr -d ' \n')"
done
echo "not ok 1 libFuzzer on the message parser for @SECONDS@ s, no finding"
echo "1..1"
exit 1
