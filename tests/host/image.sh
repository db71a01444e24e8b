#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian 12 root of the host tier (tests/host/README.md), once:
# mmdebstrap from the machine's own apt sources, with systemd, udev, kmod,
# initramfs-tools, the 6.1 kernel image and headers, DKMS and its compiler,
# pciutils, the libraries the gpuvfio package needs, jq for the report and
# zstd (both initramfs generators compress with it when it is there, far
# faster than with gzip); the packages the later scenarios install (the
# 6.12 kernel image and headers, dracut; libvirt, QEMU, node_exporter and
# curl for s6) are downloaded into the root's apt cache, with its package lists kept, so that apt-get installs them inside
# the image without the network.
#
#   tests/host/image.sh OUT_DIR
#
# The root is cached as the directory OUT_DIR/root-KEY, KEY a hash of the
# package lists, the apt sources and this script: a run with the same key
# builds nothing, a new key replaces the old root. Prints the root's path on
# stdout; progress goes to stderr.
set -eu

OUT=${1:?usage: tests/host/image.sh OUT_DIR}

# Installed into the root.
PACKAGES="systemd-sysv udev kmod initramfs-tools linux-image-amd64 linux-headers-amd64
dkms build-essential pciutils pci.ids libpci3 libnl-3-200 libnl-genl-3-200 jq zstd"
# Downloaded only: what scenarios 2, 3 and 6 install.
LATER="linux-image-6.12-amd64 linux-headers-6.12-amd64 dracut
libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
prometheus-node-exporter curl"

sources=
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
	[ -f "$f" ] || continue
	case $f in *.sources) grep -q '^[^#]*debian' "$f" || continue ;; esac
	sources=$f
	break
done
[ -n "$sources" ] || { echo "image: no apt sources of Debian's in /etc/apt" >&2; exit 1; }

key=$( { echo "$PACKAGES"; echo "$LATER"; grep -v '^#' "$sources"; cat "$0"; } | sha256sum | cut -c 1-16)
root=$OUT/root-$key
if [ -d "$root" ]; then
	echo "image: cached $root" >&2
	echo "$root"
	exit 0
fi

mkdir -p "$OUT"
rm -rf "$OUT"/root-*
echo "image: building $root with mmdebstrap from $sources" >&2
# Recommends off: the root holds what the list names and what it needs.
# The apt lists stay, and the cache holds the later scenarios' packages only.
# The hooks run in the root as mmdebstrap's $1 (single quotes on purpose).
# shellcheck disable=SC2016,SC2086
nice -n 10 mmdebstrap --variant=minbase --mode=root --format=directory \
	--aptopt='APT::Install-Recommends "false"' \
	--include="$(printf '%s\n' $PACKAGES | paste -sd, -)" \
	--skip=cleanup/apt/lists --skip=cleanup/apt/cache \
	--customize-hook='chroot "$1" apt-get clean' \
	--customize-hook="chroot \"\$1\" apt-get install -y --download-only $(echo $LATER)" \
	--customize-hook='echo gvhost >"$1/etc/hostname"' \
	--customize-hook='echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$1/etc/fstab"' \
	bookworm "$root.tmp" - <"$sources" >&2
mv "$root.tmp" "$root"
echo "$root"
