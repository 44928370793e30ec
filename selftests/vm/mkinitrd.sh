#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mkinitrd.sh KVER OUTPUT [ROOT]: a tiny initramfs for the selftest guest.
# It holds a static busybox, the modules Debian builds as modules that the
# guest needs before it can reach the host root (virtio PCI on 6.1, 9p,
# overlay), decompressed and in dependency order, and initramfs-init as
# /init. The modules are those of ROOT/lib/modules/KVER (default: /).
set -eu
kver=$1
out=$2
root=${3:-}
here=$(cd "$(dirname "$0")" && pwd)

busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list | grep -qx switch_root || {
	echo "mkinitrd: $busybox (busybox-static) is missing" >&2
	exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/lib/modules" "$tmp/dev" "$tmp/proc" "$tmp/sys" \
	"$tmp/mnt/lower" "$tmp/mnt/upper" "$tmp/newroot"
cp "$busybox" "$tmp/bin/busybox"
ln -s busybox "$tmp/bin/sh"

# modprobe takes one module per call (later words would be parameters).
: >"$tmp/lib/modules/load-order"
for mod in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe ${root:+-d "$root"} -S "$kver" --show-depends "$mod" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r path; do
	name=$(basename "$path")
	case $name in
	*.ko.xz) xz -dc "$path" >"$tmp/lib/modules/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$path" >"$tmp/lib/modules/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$path" >"$tmp/lib/modules/${name%.gz}"; name=${name%.gz} ;;
	*) cp "$path" "$tmp/lib/modules/$name" ;;
	esac
	echo "$name" >>"$tmp/lib/modules/load-order"
done

cp "$here/initramfs-init" "$tmp/init"
chmod 0755 "$tmp/init"
(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
