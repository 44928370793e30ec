#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the selftest guest, running from the host root (read-only 9p
# under a tmpfs overlay). Installs the ipsecme.ko built for this kernel,
# runs the tests named on the kernel command line one by one, and after
# each writes to the results share:
#	NAME.rc     the test's exit status
#	NAME.dmesg  the kernel log of the test and of unloading the module
#	NAME.unload "ok", or why the module would not unload
#	NAME.ktap   the test's own output, for the plan check
#	NAME.kmemleak  what kmemleak found after the test (debug kernels)
# Test output goes to ttyS1, which the host streams; each test ends with a
# line "@@ipsecme-vm done NAME" so the host knows when to read its results.

RESULTS=/mnt/ipsecme-vm
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 60
}
trap poweroff_now EXIT

setup_system() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	mount -t tmpfs -o mode=0755 tmpfs /run
	mkdir -p /run/netns /run/lock
	mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	hostname ipsecme-guest
	ip link set lo up
	echo 0 >/proc/sys/kernel/printk_ratelimit
	# A WARN must be seen by the dmesg check, not hidden by the ratelimit.
	sysctl -qw kernel.printk_devkmsg=on 2>/dev/null
}

cmdline_arg() {
	local arg
	for arg in $(cat /proc/cmdline); do
		case $arg in "ipsecme_vm.$1="*) echo "${arg#*=}"; return ;; esac
	done
}

# install_module: ipsecme.ko and module indexes that know it, staged by
# the host (run.sh), so modprobe and genl autoload find the module.
install_module() {
	local kver modroot
	kver=$(uname -r)
	modroot=$(cmdline_arg modroot)
	if [ ! -f "$modroot/updates/ipsecme.ko" ]; then
		echo "# guest: no staged module at $modroot" >&2
		return 1
	fi
	mkdir -p "/lib/modules/$kver/updates"
	cp "$modroot/updates/ipsecme.ko" "/lib/modules/$kver/updates/"
	cp "$modroot"/modules.* "/lib/modules/$kver/"
	# A kernel not installed on the host (scripts/debug-kernel's) has its
	# modules where the staged tree points.
	[ -e "/lib/modules/$kver/kernel" ] ||
		ln -s "$modroot/kernel" "/lib/modules/$kver/kernel"
}

KMEMLEAK=/sys/kernel/debug/kmemleak

# kmemleak_report: the objects kmemleak finds unreferenced now, then
# forget them so that the next call reports only newer ones. kmemleak
# reports an object only once it is 5 s old and its contents did not
# change between two scans: wait, then scan twice.
kmemleak_report() {
	sleep 6
	if ! { echo scan >"$KMEMLEAK" && echo scan >"$KMEMLEAK"; } 2>/dev/null; then
		echo "kmemleak: the scan failed (kmemleak switched itself off?)"
		return
	fi
	cat "$KMEMLEAK"
	echo clear >"$KMEMLEAK"
}

# kmemleak_settle: what boot leaves unreferenced is nobody's test's.
kmemleak_settle() {
	local n
	[ -e "$KMEMLEAK" ] || return 0
	n=$(kmemleak_report | grep -c "^unreferenced object")
	echo "# guest: kmemleak: $n objects unreferenced at boot, ignored"
}

# checkers_off: lockdep stops after its first report (and after any taint
# that makes it unreliable, such as a KASAN report): the tests after that
# need a fresh boot to be checked.
checkers_off() {
	grep -qE "^ *debug_locks: +0$" /proc/lockdep_stats 2>/dev/null
}

# unload_module: remove ipsecme.ko if a test left it loaded, so every test
# starts clean and unload problems are charged to the test that caused them.
# An espintcp socket pins the module until TCP destroys it, which for a
# closed connection can take a few round trips after the test ended: wait
# for that, generously, but not for a socket the test left open.
unload_module() {
	local why=ok tries=0
	[ -d /sys/module/ipsecme ] || { echo ok; return; }
	until rmmod ipsecme 2>"$RESULTS/rmmod.err"; do
		tries=$((tries + 1))
		if [ "$tries" -ge 300 ] ||
		   ! grep -q "in use" "$RESULTS/rmmod.err"; then
			why="rmmod failed: $(cat "$RESULTS/rmmod.err")"
			break
		fi
		sleep 0.1
	done
	rm -f "$RESULTS/rmmod.err"
	echo "$why"
}

run_test() {
	local name=$1 rc=0
	dmesg -C
	echo "# guest: $name"
	(cd "$TOPDIR/selftests" && timeout -k 10 "$TEST_TIMEOUT" \
		bash "./$name") </dev/null 2>&1 | tee "$RESULTS/$name.ktap" |
		sed -u "s/^/  /"
	rc=${PIPESTATUS[0]}
	unload_module >"$RESULTS/$name.unload"
	# After the unload, so that what unloading leaks counts too; before
	# reading the log, which then holds the scan's own one-line summary.
	[ -e "$KMEMLEAK" ] && kmemleak_report >"$RESULTS/$name.kmemleak"
	dmesg >"$RESULTS/$name.dmesg"
	echo "$rc" >"$RESULTS/$name.rc"
	sync
	echo "@@ipsecme-vm done $name"
}

main() {
	local tests name boot_off=
	setup_system
	exec >/dev/ttyS1 2>&1
	TOPDIR=$(cmdline_arg top)
	TEST_TIMEOUT=$(cmdline_arg timeout)
	tests=$(cmdline_arg tests)
	export TOPDIR
	if ! install_module; then
		echo "@@ipsecme-vm setup-failed"
		return
	fi
	echo "# guest: $(uname -r) ready after $(cut -d" " -f1 /proc/uptime) s"
	kmemleak_settle
	# Rebooting helps only if the checkers were on after this boot.
	checkers_off && boot_off=1 &&
		echo "# guest: lockdep is off already after boot"
	echo "@@ipsecme-vm ready $(uname -r)"
	for name in ${tests//,/ }; do
		run_test "$name"
		if [ -z "$boot_off" ] && checkers_off; then
			echo "# guest: lockdep is off after $name: rebooting"
			echo "@@ipsecme-vm reboot"
			return
		fi
	done
}

main
