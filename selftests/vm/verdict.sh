# SPDX-License-Identifier: GPL-2.0
#
# How run.sh judges one test from the files the guest wrote for it
# (NAME.rc, NAME.dmesg, NAME.unload, NAME.ktap, and NAME.kmemleak on a
# kernel with kmemleak). Sourced; TEST_TIMEOUT must be set.

# The kernel log of a test fails it on any of these: oopses and warnings,
# and what the checkers of a debug kernel (scripts/debug-kernel) print.
# Most of their reports start with "BUG:" or "WARNING:" too; they are
# listed by name so that none depends on that.
BAD_DMESG='BUG:|WARNING:|Oops|general protection fault|Call Trace:|'\
'Kernel panic|soft lockup|hung_task|blocked for more than|'\
'Unknown symbol|UBSAN:|KASAN:|KFENCE:|'\
'possible recursive locking|circular locking dependency|lockdep|'\
'possible .*locking|inconsistent lock state|suspicious RCU usage|'\
'bad unlock balance|held lock freed|lock held when returning|'\
'lock order detected|DEBUG_LOCKS_WARN_ON|non-static key|'\
'locking correctness validator|MAX_LOCKDEP|'\
'unreferenced object|kmemleak|memory leak|'\
'ODEBUG:|refcount_t:|ref_tracker:|waiting for .* to become free|'\
'list_add corruption|list_del corruption|list_add_rcu corruption|'\
'scheduling while atomic|sleeping function called from invalid context|'\
'smp_processor_id\(\) in preemptible|rcu_preempt detected stall|'\
'self-detected stall|still has objects|Objects remaining'

# plan_mismatch KTAP-FILE: print "planned N results, emitted M" if the
# test's top-level plan and results disagree (a skipped test plans 0).
plan_mismatch() {
	local planned got
	[ -f "$1" ] || return 0
	planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	got=$(grep -cE '^(not )?ok ' "$1")
	[ -n "$planned" ] && [ "$planned" != "$got" ] &&
		echo "planned $planned results, emitted $got"
}

# verdict RESULT-PREFIX: print "ok", "skip" or the reason the test failed.
verdict() {
	local res=$1 rc bad plan
	if [ ! -f "$res.rc" ]; then
		echo "no result: the guest died or timed out during the test"
		return
	fi
	rc=$(cat "$res.rc")
	bad=$(grep -E "$BAD_DMESG" "$res.dmesg" | head -n 3)
	if [ -n "$bad" ]; then
		echo "kernel log: $(echo "$bad" | tr '\n' ' ')"
	elif [ -s "$res.kmemleak" ]; then
		echo "kmemleak: $(head -n 1 "$res.kmemleak")"
	elif [ "$(cat "$res.unload" 2>/dev/null)" != ok ]; then
		echo "module unload: $(cat "$res.unload" 2>/dev/null)"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "timed out after ${TEST_TIMEOUT}s"
	elif [ "$rc" = 4 ]; then
		echo skip
	elif [ "$rc" != 0 ]; then
		echo "exit status $rc"
	elif plan=$(plan_mismatch "$res.ktap") && [ -n "$plan" ]; then
		echo "$plan"
	else
		echo ok
	fi
}

