#!/bin/sh
# Install everything gpuvfio needs to build and to run its tests, on Debian 12.
# Idempotent: when every package is already installed it does not touch apt.
set -eu

# Build: compiler, kernel headers of both supported lines, the CLI's libraries
# (libxml2 for the libvirt hook only).
# Tests: QEMU and what goes into the guest's initramfs; dkms for the DKMS check;
# clang and its libFuzzer runtime for the fuzz targets; jq for JSON checks.
# Packaging (scripts/package-check.sh): debhelper and dh-dkms for
# dpkg-buildpackage, initramfs-tools for mkinitramfs, dracut-core for a dracut
# image (not `dracut`, which conflicts with initramfs-tools; dracut-core does
# not, and installs no kernel hooks), shellcheck for the boot scripts.
# Bench (make bench): driverctl, which gpuvfio is measured against.
# Host tier (tests/host/): mmdebstrap builds the Debian image from this
# machine's apt sources, e2fsprogs makes its disk (mkfs.ext4 -d, debugfs).
# Integration output (tests/unit/integration_test.sh): libvirt-clients for
# virt-xml-validate and libvirt's schemas, python3-nova (Zed) whose own code
# parses `gpuvfio nova`, python3-yaml for `gpuvfio kubevirt`. python3-nova
# is the heavy one: about 210 packages, 48 MB to download, 294 MB on disk,
# under 3 minutes to install on a fresh Debian 12.
# Metrics (tests/unit/metrics_test.c): prometheus for promtool, which judges
# `gpuvfio metrics`; 12 packages, 19 MB to download, 96 MB on disk (promtool
# alone is 48 MB). Its own server is installed too, but policy-rc.d or a
# container without systemd keeps it from starting; on a workstation,
# `systemctl disable --now prometheus` stops it.
PACKAGES="
build-essential pkg-config
libnl-3-dev libnl-genl-3-dev libpci-dev libxml2-dev pci.ids pciutils
linux-headers-amd64 linux-headers-6.12-amd64
qemu-system-x86 busybox-static kmod cpio xz-utils zstd
dkms dpkg-dev clang libclang-rt-14-dev jq python3
debhelper dh-dkms initramfs-tools dracut-core shellcheck
driverctl
mmdebstrap e2fsprogs
libvirt-clients python3-nova python3-yaml
prometheus
"

missing=
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $pkg"
done

if [ -z "$missing" ]; then
	echo "install-deps: all $(echo "$PACKAGES" | wc -w) packages already installed"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (sudo $0) to install them" >&2
	exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $PACKAGES
