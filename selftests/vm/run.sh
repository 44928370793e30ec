#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [-r ROOT] [-k KERNEL]... [-t SECONDS] [-j JOBS] [TEST.sh]...
#
# Boot stock Debian kernels under qemu and run ipsecme selftests in them.
# KERNEL is a release (6.1.0-56-amd64), a prefix of one (6.12) or "all"
# (default: every kernel with both /boot/vmlinuz-* and a build tree).
# -r looks for kernels under ROOT instead of / (ROOT/boot/vmlinuz-*,
# ROOT/lib/modules/*/build), as scripts/debug-kernel installs its kernel.
# TESTs default to TEST_PROGS of selftests/Makefile, of which those in
# ONE_KERNEL_PROGS (IKE protocol only) run on the first kernel alone
# when there are several. -t is the time limit
# of one test (default 300 s). -j boots up to JOBS kernels at once; their
# output is then printed kernel by kernel as each finishes (default 1:
# one kernel at a time, output streamed live).
#
# Prints KTAP: one top-level result per test and kernel, the test's own
# KTAP nested under it. A test passes when it exits 0 (4 means skipped),
# the module unloads cleanly after it, and the kernel log holds no BUG,
# WARN, oops, lockdep report, leak or "Unknown symbol". If the guest dies,
# the running test fails and the rest run in a fresh boot; one that dies
# while booting, before the first test, is booted again (twice at most). Exit status: 0
# if nothing failed, 1 otherwise, 2 on usage or set-up errors.

set -u
VM_DIR=$(cd "$(dirname "$0")" && pwd)
TOPDIR=$(cd "$VM_DIR/../.." && pwd)
BUILD=$TOPDIR/build
TEST_TIMEOUT=300
JOBS=1
KERNEL_ARGS=()
# Where kernels are installed: "" for the host's own, else a directory.
KROOT=
# Tests that run on the first kernel of the matrix only.
ONE_KERNEL=()

usage() {
	sed -n '4,12s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while getopts "r:k:t:j:h" opt; do
	case $opt in
	r) KROOT=$(cd "$OPTARG" 2>/dev/null && pwd) || usage ;;
	k) KERNEL_ARGS+=("$OPTARG") ;;
	t) TEST_TIMEOUT=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[[ $TEST_TIMEOUT =~ ^[0-9]+$ ]] && [[ $JOBS =~ ^[1-9][0-9]*$ ]] || usage

# Kernels with an image and headers, newest last.
installed_kernels() {
	local img kver
	for img in "$KROOT"/boot/vmlinuz-*; do
		kver=${img#"$KROOT"/boot/vmlinuz-}
		[ -d "$KROOT/lib/modules/$kver/build" ] && echo "$kver"
	done | sort -V
}

resolve_kernels() {
	local want kver found
	[ ${#KERNEL_ARGS[@]} -gt 0 ] || KERNEL_ARGS=(all)
	for want in "${KERNEL_ARGS[@]}"; do
		found=
		for kver in $(installed_kernels); do
			if [ "$want" = all ] || [ "$want" = "$kver" ] ||
			   [[ $kver == "$want".* ]] || [[ $kver == "$want"-* ]]; then
				echo "$kver"
				found=1
			fi
		done
		if [ -z "$found" ]; then
			echo "run.sh: no installed kernel matches '$want'" \
				"(have: $(installed_kernels | tr '\n' ' '))" >&2
			return 1
		fi
	done
}

build_all() {
	local kver
	for kver in "$@"; do
		make -s -C "$TOPDIR" module KVER="$kver" \
			KDIR="$KROOT/lib/modules/$kver/build" \
			>"$BUILD/vm/build-$kver.log" 2>&1 || {
			cat "$BUILD/vm/build-$kver.log" >&2
			return 1
		}
		stage_modules "$kver" || return 1
	done
	make -s -C "$TOPDIR/userspace" >/dev/null &&
	make -s -C "$TOPDIR/selftests" >/dev/null
}

# stage_modules KVER: module indexes for the guest that include ipsecme.ko.
# depmod runs here because in the guest it would read every module over
# 9p, which takes a minute under TCG.
stage_modules() {
	local kver=$1 dir=$BUILD/vm/modroot-$1/lib/modules/$1
	rm -rf "$BUILD/vm/modroot-$kver"
	mkdir -p "$dir/updates"
	ln -s "$KROOT/lib/modules/$kver/kernel" "$dir/kernel"
	cp "$KROOT/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$dir/"
	cp "$BUILD/$kver/mod/kernel/ipsecme.ko" "$dir/updates/"
	depmod -b "$BUILD/vm/modroot-$kver" "$kver"
}

initrd_for() {
	local kver=$1 initrd=$BUILD/vm/initrd-$1.img
	if [ ! -f "$initrd" ] || [ "$VM_DIR/initramfs-init" -nt "$initrd" ] ||
	   [ "$VM_DIR/mkinitrd.sh" -nt "$initrd" ] ||
	   [ "$KROOT/lib/modules/$kver/modules.dep" -nt "$initrd" ]; then
		"$VM_DIR/mkinitrd.sh" "$kver" "$initrd" "$KROOT" || return 1
	fi
	echo "$initrd"
}

source "$VM_DIR/verdict.sh"

# qemu writes its pid file; the traps kill exactly that process.
QEMU_PIDFILE=
kill_qemu() {
	[ -n "$QEMU_PIDFILE" ] && [ -s "$QEMU_PIDFILE" ] &&
		kill -9 "$(cat "$QEMU_PIDFILE")" 2>/dev/null
	QEMU_PIDFILE=
}

# kernel_has KVER CONFIG_X: the kernel was built with CONFIG_X=y.
kernel_has() {
	grep -qx "$2=y" "$KROOT/boot/config-$1" 2>/dev/null
}

# debug_args KVER: what a kernel built with the checkers of
# scripts/debug-kernel needs on its command line: every KASAN report, not
# only the first of a boot.
debug_args() {
	kernel_has "$1" CONFIG_KASAN && echo " kasan_multi_shot"
}

# guest_budget KVER TESTS: how long a guest may run. A KASAN kernel boots
# and runs slower under TCG, and kmemleak scans after every test.
guest_budget() {
	local boot=60 after=30
	if kernel_has "$1" CONFIG_KASAN || kernel_has "$1" CONFIG_DEBUG_KMEMLEAK; then
		boot=600
		after=300
	fi
	echo $((boot + $2 * (TEST_TIMEOUT + after)))
}

# start_guest KVER RESULTS TEST...: boot one guest in the background; its
# ttyS1 (the tests' output) goes to the fifo RESULTS/stream.
start_guest() {
	local kver=$1 results=$2 initrd budget
	shift 2
	initrd=$(initrd_for "$kver") || return 1
	budget=$(guest_budget "$kver" $#)
	mkfifo "$results/stream"
	QEMU_PIDFILE=$results/qemu.pid
	timeout -k 5 "$budget" qemu-system-x86_64 \
		-machine q35,accel=tcg -cpu max -smp 2 -m 2048 \
		-nodefaults -display none -no-reboot -pidfile "$QEMU_PIDFILE" \
		-kernel "$KROOT/boot/vmlinuz-$kver" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=4 panic=-1$(debug_args "$kver") \
ipsecme_vm.guest_init=$VM_DIR/guest-init.sh ipsecme_vm.top=$TOPDIR \
ipsecme_vm.modroot=$BUILD/vm/modroot-$kver/lib/modules/$kver \
ipsecme_vm.timeout=$TEST_TIMEOUT ipsecme_vm.tests=$(IFS=,; echo "$*")" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs local,path="$results",mount_tag=results,security_model=none \
		-serial file:"$results/console.log" -serial stdio \
		-device virtio-rng-pci </dev/null >"$results/stream" 2>&1 &
}

N=0

# run_kernel KVER TEST...: every test on one kernel, rebooting after a
# guest death so that one crash costs one test, and when the guest asks
# for it (a checker of a debug kernel switched itself off).
run_kernel() {
	local kver=$1 results line name started fresh ready boot_retries=0
	shift
	local todo=("$@")
	echo "# kernel $kver"
	rm -rf "$BUILD/vm/failed/$kver"
	while [ ${#todo[@]} -gt 0 ]; do
		results=$(mktemp -d "$BUILD/vm/results.XXXXXX")
		started=$SECONDS
		fresh= ready=
		if ! start_guest "$kver" "$results" "${todo[@]}"; then
			for name in "${todo[@]}"; do
				echo "not ok 0 $kver: $name # the guest could not start"
			done
			return 1
		fi
		while IFS= read -r line; do
			line=${line%$'\r'}
			case $line in
			"@@ipsecme-vm done "*)
				name=${line#@@ipsecme-vm done }
				# The first test of a boot includes the boot.
				echo "# $name took $((SECONDS - started)) s"
				started=$SECONDS
				report "$kver" "$name" "$results/$name"
				todo=("${todo[@]:1}")
				;;
			"@@ipsecme-vm ready "*) ready=1 ;;
			"@@ipsecme-vm reboot") fresh=1 ;;
			"@@ipsecme-vm setup-failed")
				echo "# guest set-up failed on $kver"
				for name in "${todo[@]}"; do
					report "$kver" "$name" "$results/$name"
				done
				todo=()
				;;
			*) echo "$line" ;;
			esac
		done <"$results/stream"
		wait
		QEMU_PIDFILE=
		if [ ${#todo[@]} -gt 0 ] && [ -z "$ready" ] &&
		   [ "$boot_retries" -lt 2 ]; then
			# Died booting, before any test or the module: TCG
			# now and then trips over the kernel patching its own
			# text at boot (an int3 oops in the idle loop).
			boot_retries=$((boot_retries + 1))
			echo "# the guest died while booting; booting again." \
				"Last lines of its console:"
			tail -n 15 "$results/console.log" | sed 's/^/# /'
			fresh=1
		fi
		if [ ${#todo[@]} -gt 0 ] && [ -z "$fresh" ]; then
			# The guest stopped before finishing todo[0].
			report "$kver" "${todo[0]}" "$results/${todo[0]}"
			echo "# last lines of the guest console:"
			tail -n 40 "$results/console.log" | sed 's/^/# /'
			todo=("${todo[@]:1}")
		fi
		cp "$results/console.log" "$BUILD/vm/console-$kver.log"
		rm -rf "$results"
	done
}

# keep_failed KVER NAME RESULT-PREFIX: the whole kernel log (and kmemleak
# report) of a failed test, in build/vm/failed/KVER/, for whoever decodes
# the splat; the results share is deleted after each boot.
keep_failed() {
	local dir=$BUILD/vm/failed/$1 f
	mkdir -p "$dir"
	for f in dmesg kmemleak ktap; do
		[ -f "$3.$f" ] && cp "$3.$f" "$dir/$2.$f"
	done
	return 0
}

report() {
	local kver=$1 name=$2 res=$3 v
	N=$((N + 1))
	v=$(verdict "$res")
	case $v in
	ok) echo "ok $N $kver: $name" ;;
	skip) echo "ok $N $kver: $name # SKIP" ;;
	*)
		echo "not ok $N $kver: $name # $v"
		[ -f "$res.dmesg" ] && grep -E -B2 -A20 "$BAD_DMESG" \
			"$res.dmesg" | head -n 60 | sed 's/^/# /'
		[ -s "$res.kmemleak" ] && head -n 40 "$res.kmemleak" |
			sed 's/^/# /'
		keep_failed "$kver" "$name" "$res"
		;;
	esac
}

main() {
	local kernels tests planned kver
	mkdir -p "$BUILD/vm"
	kernels=$(resolve_kernels) || exit 2
	if [ $# -gt 0 ]; then
		tests=("$@")
	else
		read -r -a tests <<<"$(make -s -C "$TOPDIR/selftests" list)"
		read -r -a ONE_KERNEL <<<"$(make -s -C "$TOPDIR/selftests" \
			list-one-kernel)"
	fi
	for t in "${tests[@]}"; do
		[ -f "$TOPDIR/selftests/$t" ] || {
			echo "run.sh: no test selftests/$t" >&2
			exit 2
		}
	done
	build_all $kernels || exit 2
	planned=0
	for kver in $kernels; do
		planned=$((planned + $(kernel_tests "$kernels" "$kver" \
			"${tests[@]}" | wc -l)))
	done
	echo "KTAP version 1"
	echo "1..$planned"
	run_matrix "$kernels" "${tests[@]}" | number_results "$planned"
}

# kernel_tests KERNELS KVER TEST...: the TESTs for KVER, one per line:
# all of them on the first of KERNELS, the others skip ONE_KERNEL.
kernel_tests() {
	local first kver=$2 t
	read -r first _ <<<"$1"
	shift 2
	for t in "$@"; do
		if [ "$kver" != "$first" ] && [[ " ${ONE_KERNEL[*]} " == *" $t "* ]]; then
			continue
		fi
		echo "$t"
	done
}

# kernel_job KVER TEST...: run_kernel in a subshell of its own, which
# kills its own qemu however it ends.
kernel_job() {
	trap kill_qemu EXIT
	trap 'kill_qemu; exit 2' INT TERM
	run_kernel "$@"
}

# run_matrix KERNELS TEST...: every kernel, JOBS at a time. Parallel jobs
# write to files printed in kernel order, so results never interleave.
run_matrix() {
	local kernels=$1 kver pids=() outs=() i mine
	shift
	if [ "$JOBS" -eq 1 ]; then
		for kver in $kernels; do
			mapfile -t mine < <(kernel_tests "$kernels" "$kver" "$@")
			(kernel_job "$kver" "${mine[@]}")
		done
		return
	fi
	trap 'kill "${pids[@]}" 2>/dev/null; wait; exit 2' INT TERM
	for kver in $kernels; do
		while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
			wait -n
		done
		outs+=("$BUILD/vm/out-$kver.ktap")
		mapfile -t mine < <(kernel_tests "$kernels" "$kver" "$@")
		(kernel_job "$kver" "${mine[@]}") >"$BUILD/vm/out-$kver.ktap" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}"
		cat "${outs[$i]}"
		rm -f "${outs[$i]}"
	done
}

# number_results PLANNED: number top-level results across kernels; exit 1
# if any failed or fewer than PLANNED were reported.
number_results() {
	awk -v planned="$1" '/^(not )?ok [0-9]+ / {
		n++
		if ($1 == "not") failed = 1
		sub(/ok [0-9]+ /, "ok " n " ")
	}
	{ print; fflush() }
	END {
		if (n != planned) {
			printf("# %d results for %d planned tests\n", n, planned)
			failed = 1
		}
		exit failed
	}'
}

main "$@"
