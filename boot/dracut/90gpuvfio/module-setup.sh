#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dracut module: put gpuvfio, vfio-pci and gpuvfio's options and softdeps,
# as modprobe resolves them from every modprobe.d file, into the initramfs,
# and load gpuvfio before udev when it has ids to claim, so that a vendor
# driver loaded from the initramfs (dracut's drm module brings amdgpu,
# nouveau, ...) finds those devices claimed, and an address excluded in any
# file of modprobe.d is excluded there too.

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

# gpuvfio_options: gpuvfio's options and softdeps as modprobe resolves them
# from every modprobe.d file (/etc, /run, /usr/local/lib, /lib), one line
# each, in modprobe's order. modprobe -c also lists the running kernel's
# command line (gpuvfio.ids=X as "options gpuvfio ids=X", after the files'):
# the kernel that boots this initramfs reads its own, so those are left out.
gpuvfio_options() {
	modprobe -c 2>/dev/null | awk -v cmdline="$(cat /proc/cmdline 2>/dev/null)" '
		$1 == "options" && $2 == "gpuvfio" { line[++n] = $0; next }
		$1 == "softdep" && / gpuvfio( |$)/ { line[++n] = $0 }
		END {
			k = split(cmdline, arg, " ")
			for (i = k; i >= 1; i--) {
				if (arg[i] !~ /^gpuvfio\./)
					continue
				want = "options gpuvfio " substr(arg[i], 9)
				for (j = n; j >= 1; j--)
					if (line[j] == want) {
						line[j] = ""
						break
					}
			}
			for (j = 1; j <= n; j++)
				if (line[j] != "")
					print line[j]
		}'
}

install() {
	# dracut copies /etc/modprobe.d only in hostonly mode, and then after
	# this module: one file with what modprobe resolves, named to come after
	# every other (a later value of a parameter wins).
	mkdir -p "${initdir:?}/etc/modprobe.d"
	{
		echo "# gpuvfio's options and softdeps, as modprobe -c resolved them from every"
		echo "# modprobe.d file when this initramfs was made (dracut's 90gpuvfio)."
		gpuvfio_options
	} >"${initdir}/etc/modprobe.d/zz-gpuvfio-initramfs.conf"
	inst_hook pre-udev 00 "${moddir:?}/gpuvfio-load.sh"
}
