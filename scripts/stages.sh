# SPDX-License-Identifier: GPL-2.0
#
# Sourced by scripts/check and scripts/check-debug: stages that print
# KTAP, kept in the file $LOG for the tally at the end.

# stage CMD...: run one stage, streaming its KTAP and keeping it for the
# tally. A stage that fails without reporting a failed result (it could
# not even start) counts as one failure of its own.
stage() {
	local rc out
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	cat "$out" >>"$LOG"
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$out"; then
		echo "not ok - $* # exit status $rc" | tee -a "$LOG"
	fi
	rm -f "$out"
}

# tally: one line, "N passed, N failed" (", N skipped" when some were),
# over every stage; exits 1 if anything failed.
tally() {
	awk '
		/^ok .*# SKIP/ { skipped++; next }
		/^ok / { passed++ }
		/^not ok / { failed++ }
		END {
			line = sprintf("%d passed, %d failed", passed, failed)
			if (skipped) line = line sprintf(", %d skipped", skipped)
			print line
			exit failed ? 1 : 0
		}' "$LOG"
}
