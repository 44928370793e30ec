# SPDX-License-Identifier: GPL-2.0
#
# How run.sh judges one test from the files the guest wrote for it
# (NAME.rc, NAME.dmesg, NAME.unload). Sourced; TEST_TIMEOUT must be set.

# The kernel log of a test fails it on any of these.
BAD_DMESG='BUG:|WARNING:|Oops|general protection fault|Call Trace:|'\
'possible recursive locking|circular locking dependency|lockdep|'\
'unreferenced object|kmemleak|Unknown symbol|UBSAN:|KASAN:|'\
'refcount_t:|list_add corruption|list_del corruption|'\
'scheduling while atomic|sleeping function called from invalid context|'\
'Kernel panic|soft lockup|hung_task|blocked for more than|'\
'still has objects|Objects remaining|memory leak'

# verdict RESULT-PREFIX: print "ok", "skip" or the reason the test failed.
verdict() {
	local res=$1 rc bad
	if [ ! -f "$res.rc" ]; then
		echo "no result: the guest died or timed out during the test"
		return
	fi
	rc=$(cat "$res.rc")
	bad=$(grep -E "$BAD_DMESG" "$res.dmesg" | head -n 3)
	if [ -n "$bad" ]; then
		echo "kernel log: $(echo "$bad" | tr '\n' ' ')"
	elif [ "$(cat "$res.unload" 2>/dev/null)" != ok ]; then
		echo "module unload: $(cat "$res.unload" 2>/dev/null)"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "timed out after ${TEST_TIMEOUT}s"
	elif [ "$rc" = 4 ]; then
		echo skip
	elif [ "$rc" != 0 ]; then
		echo "exit status $rc"
	else
		echo ok
	fi
}

