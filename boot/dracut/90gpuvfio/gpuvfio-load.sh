#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dracut pre-udev hook (sourced by dracut's init, so it never exits): when
# gpuvfio has ids to claim (gpuvfio.ids= on the kernel command line, or an
# "options gpuvfio ... ids=" line in modprobe.d), load it before udev loads
# any driver, so that a driver without a softdep line for gpuvfio finds the
# devices already claimed.

gpuvfio_configured() {
	read -r _gv_cmdline </proc/cmdline
	for _gv_arg in $_gv_cmdline; do
		case $_gv_arg in
		gpuvfio.ids=?*) return 0 ;;
		esac
	done
	# Shell only: grep need not be in the initramfs.
	modprobe -c 2>/dev/null | {
		while read -r _gv_kw _gv_mod _gv_opts; do
			if [ "$_gv_kw" != options ] || [ "$_gv_mod" != gpuvfio ]; then
				continue
			fi
			for _gv_opt in $_gv_opts; do
				case $_gv_opt in
				ids=?*) return 0 ;;
				esac
			done
		done
		return 1
	}
}

if gpuvfio_configured; then
	modprobe gpuvfio ||
		echo "gpuvfio: modprobe gpuvfio failed: devices in gpuvfio's ids were not claimed" >&2
fi
unset -f gpuvfio_configured
unset _gv_cmdline _gv_arg _gv_kw _gv_mod _gv_opts _gv_opt
