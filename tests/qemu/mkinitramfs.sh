#!/bin/sh
# Build the initramfs that the QEMU suite boots.
#
#   tests/qemu/mkinitramfs.sh RELEASE KERNEL-TREE OUTPUT [MODULE.ko]
#
# KERNEL-TREE is an unpacked linux-image package (build/kernels/<release>,
# see scripts/fetch-kernels.sh). The image holds busybox, kmod (as
# /sbin/modprobe and friends), the host drivers the tests load and their
# dependencies (decompressed), nbd (a module with a generic netlink family),
# MODULE.ko as extra/gpuvfio.ko, the CLI
# user/gpuvfio if it has been built, lspci, jq and util-linux's setpriv
# with their libraries,
# pci.ids, bash, driverctl when installed (make bench),
# tests/qemu/init as /init, tests/qemu/demo-guest.sh as
# /tests/demo.sh, tests/bench/guest.sh as /tests/bench.sh (with
# tests/bench/vfio-driver.sh beside it), tests/guest/ as
# /tests, with every
# tests/guest/*.c compiled statically into /tests/bin/, and the boot files
# (boot/: modprobe.d, initramfs-tools, dracut) as `make install-boot` puts
# them, under /tests/installed.
#
# OUTPUT is written as an uncompressed cpio archive: unpacking it costs the
# emulated CPU nothing.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# Host drivers the tests load, by module name; kmod adds their dependencies
# and soft dependencies.
DRIVERS="vfio-pci vfio_iommu_type1 bochs snd-hda-intel snd-hda-codec-generic
xhci-pci e1000e e1000"
# Other modules the tests load: nbd registers a generic netlink family as it
# loads, which must not wait for a gpuvfio request (28-async).
OTHER_MODULES="nbd"

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ $# -ge 3 ] || die "usage: $0 RELEASE KERNEL-TREE OUTPUT [MODULE.ko]"
rel=$1
ktree=$(cd "$2" && pwd)
output=$3
module=${4:-}
kmods=$ktree/lib/modules/$rel
[ -f "$kmods/modules.dep" ] || die "$kmods has no modules.dep: run scripts/fetch-kernels.sh"

stage=$output.d
rm -rf "$stage"
mkdir -p "$stage"
cd "$stage"
mkdir -p usr/bin usr/sbin usr/lib usr/lib64 usr/share/misc dev proc sys tmp run etc root tests/bin
ln -s usr/bin bin
ln -s usr/sbin sbin
ln -s usr/lib lib
ln -s usr/lib64 lib64

# Copy a dynamically linked program and every library ldd lists for it.
copy_program() {
	src=$1
	dst=$2
	cp -L "$src" "$stage$dst"
	# A static program has no libraries (and ldd says so on stderr).
	{ ldd "$src" 2>/dev/null || true; } | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }' |
	while read -r lib; do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

# busybox provides the shell and the tools; kmod does the module handling.
copy_program /bin/busybox /usr/bin/busybox
for applet in $(usr/bin/busybox --list); do
	[ -e "usr/bin/$applet" ] || ln -s busybox "usr/bin/$applet"
done
copy_program "$(command -v kmod)" /usr/bin/kmod
for tool in modprobe insmod rmmod lsmod modinfo depmod; do
	ln -sf ../bin/kmod "usr/sbin/$tool"
done
copy_program "$(command -v lspci)" /usr/sbin/lspci
copy_program "$(command -v jq)" /usr/bin/jq
# util-linux's setpriv (busybox's lacks --reuid), for unprivileged callers.
rm -f usr/bin/setpriv
copy_program "$(command -v setpriv)" /usr/bin/setpriv
cp -L /usr/share/misc/pci.ids usr/share/misc/pci.ids

# bash for make bench's script (tests/bench/vfio-driver.sh) and driverctl
# (a bash script), when installed.
rm -f usr/bin/bash
copy_program /bin/bash /usr/bin/bash
if command -v driverctl >/dev/null; then
	cp "$(command -v driverctl)" usr/sbin/driverctl
fi

if [ -x "$ROOT/user/gpuvfio" ]; then
	copy_program "$ROOT/user/gpuvfio" /usr/sbin/gpuvfio
fi
# The libvirt hook (29-libvirt-hook), with libxml2 and what it links.
if [ -x "$ROOT/user/gpuvfio-libvirt-hook" ]; then
	copy_program "$ROOT/user/gpuvfio-libvirt-hook" /usr/sbin/gpuvfio-libvirt-hook
fi

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' >etc/group

# Kernel modules: the drivers, gpuvfio's own (soft) dependencies, and what
# they need, decompressed, with a fresh modules.dep.
names="$DRIVERS $OTHER_MODULES"
if [ -n "$module" ]; then
	deps=$(modinfo -F depends "$module" | tr ',' ' ')
	softdeps=$(modinfo -F softdep "$module" | tr ' ' '\n' | grep -v ':$' || true)
	names="$names $deps $softdeps"
fi
mkdir -p "lib/modules/$rel"
: >"$output.mods"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -f "$kmods/$f" ] && cp "$kmods/$f" "lib/modules/$rel/"
done
for name in $names; do
	modprobe -d "$ktree" -S "$rel" --show-depends "$name" >>"$output.mods" ||
		die "$rel: no module $name"
done
awk '$1 == "insmod" { print $2 }' "$output.mods" | sort -u |
while read -r path; do
	relpath=${path#"$kmods"/}
	dest=lib/modules/$rel/$relpath
	mkdir -p "$(dirname "$dest")"
	case $relpath in
	*.ko.xz)  xz -dc "$path" >"${dest%.xz}" ;;
	*.ko.zst) zstd -qdc "$path" >"${dest%.zst}" ;;
	*.ko.gz)  gzip -dc "$path" >"${dest%.gz}" ;;
	*)        cp "$path" "$dest" ;;
	esac
done
if [ -n "$module" ]; then
	mkdir -p "lib/modules/$rel/extra"
	cp "$module" "lib/modules/$rel/extra/gpuvfio.ko"
fi
depmod -b "$stage" "$rel"

# The tests: shell scripts as they are, C programs built static on the host.
# The boot files as `make install` installs them, under /tests/installed
# (not active: the 7x tests copy them into place).
make -s -C "$ROOT" install-boot DESTDIR="$stage/tests/installed" >/dev/null ||
	die "make install-boot failed"
cp "$ROOT/tests/qemu/init" init
chmod 755 init
cp "$ROOT/tests/qemu/demo-guest.sh" tests/demo.sh
cp "$ROOT/tests/bench/guest.sh" tests/bench.sh
cp "$ROOT/tests/bench/vfio-driver.sh" tests/vfio-driver.sh
chmod 755 tests/vfio-driver.sh
for f in "$ROOT"/tests/guest/*.sh; do
	[ -f "$f" ] && cp "$f" tests/
done
for f in "$ROOT"/tests/guest/*.c; do
	[ -f "$f" ] || continue
	prog=tests/bin/$(basename "$f" .c)
	${CC:-cc} -static -O2 -Wall -Wextra -Werror -I"$ROOT/include" -o "$prog" "$f" ||
		die "cannot compile $f"
done

find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 >"$output.tmp"
mv "$output.tmp" "$output"
cd /
rm -rf "$stage" "$output.mods"
echo "mkinitramfs: $output ($(du -h "$output" | cut -f1))"
