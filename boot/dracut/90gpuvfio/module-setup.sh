#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dracut module: put gpuvfio, vfio-pci and gpuvfio's modprobe.d
# configuration into the initramfs, and load gpuvfio before udev when it has
# ids to claim, so that a vendor driver loaded from the initramfs (dracut's
# drm module brings amdgpu, nouveau, ...) finds those devices claimed.

# Included whenever the kernel has the module; a kernel DKMS has not built
# it for yet gets an initramfs without it rather than a failed build.
check() {
	modinfo -k "${kernel:?}" gpuvfio >/dev/null 2>&1 || return 1
	return 0
}

depends() {
	return 0
}

installkernel() {
	# hostonly='': wanted even when they are not loaded on the running host.
	hostonly='' instmods gpuvfio vfio-pci vfio_iommu_type1
}

install() {
	# dracut copies /etc/modprobe.d only in hostonly mode: take gpuvfio's
	# softdeps and options always.
	inst_multiple -o /etc/modprobe.d/gpuvfio.conf /etc/modprobe.d/gpuvfio-ids.conf \
		/usr/lib/modprobe.d/gpuvfio.conf /lib/modprobe.d/gpuvfio.conf
	inst_hook pre-udev 00 "${moddir:?}/gpuvfio-load.sh"
}
