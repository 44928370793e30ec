#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Template for the config_fuzz unit test (conf/build.mk fills in the
# paths): fuzz the configuration parser for a bounded time from the
# example configurations; any crash, leak or sanitizer report fails.
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "KTAP version 1"
if "@FUZZ_BIN@" -max_total_time=@SECONDS@ -timeout=5 -rss_limit_mb=2048 \
	-max_len=4096 -artifact_prefix="$work/" "$work" "@CORPUS@" \
	>"$work/log" 2>&1; then
	grep -E '^Done' "$work/log" | sed 's/^/# /'
	echo "ok 1 libFuzzer on the configuration parser for @SECONDS@ s, no finding"
	echo "1..1"
	exit 0
fi
sed 's/^/# /' "$work/log" | tail -n 40
echo "not ok 1 libFuzzer on the configuration parser for @SECONDS@ s, no finding"
echo "1..1"
exit 1
