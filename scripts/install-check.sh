#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check `make install` and `make uninstall` into a DESTDIR, from a clean copy
# of the tree, and the boot files (boot/) on their own: the initramfs-tools
# hook and init-top script, and the dracut module, with stubs for what their
# hosts provide. The real mkinitramfs and dracut runs are in
# scripts/package-check.sh; the boot itself in tests/guest/7x-*.sh.
#
#   scripts/install-check.sh [RELEASE...]
#
# RELEASEs (default: `scripts/fetch-kernels.sh --list`) are the kernels for
# MODULE_INSTALL=kbuild. Prints check lines ("ok - install: ...").
# shellcheck disable=SC2317 # functions called through check
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)

if [ $# -gt 0 ]; then
	releases=("$@")
else
	mapfile -t releases < <("$ROOT/scripts/fetch-kernels.sh" --list)
fi
version=$(cat "$ROOT/VERSION")

tmp=$(mktemp -d /tmp/gpuvfio-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
GV_CHECK_PREFIX=install
# shellcheck source=scripts/results.sh
. "$ROOT/scripts/results.sh"

src=$tmp/src
mkdir -p "$src"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$ROOT" && git ls-files -co --exclude-standard | while IFS= read -r f; do
		[ -e "$f" ] && printf '%s\n' "$f"
	done | tar -cf - -T -) | tar -xf - -C "$src"
else
	(cd "$ROOT" && tar -cf - --exclude=./build --exclude='*.o' --exclude='*.ko' .) | tar -xf - -C "$src"
fi

# files DIR: every file and symlink under DIR, with its mode, sorted.
files() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%m %p\n' | sed 's| \./| /|' | sort -k2)
}

# ---- make install / uninstall --------------------------------------------

dest=$tmp/dest
expected=$(sort -k2 <<EOF
644 /etc/gpuvfio/libvirt-hook.conf
777 /etc/libvirt/hooks/qemu.d/gpuvfio
644 /etc/modprobe.d/gpuvfio.conf
644 /lib/systemd/system/gpuvfio-metrics.service
644 /lib/systemd/system/gpuvfio-metrics.timer
755 /usr/lib/dracut/modules.d/90gpuvfio/gpuvfio-load.sh
755 /usr/lib/dracut/modules.d/90gpuvfio/module-setup.sh
755 /usr/sbin/gpuvfio
755 /usr/sbin/gpuvfio-libvirt-hook
644 /usr/include/linux/gpuvfio.h
644 /usr/share/bash-completion/completions/gpuvfio
755 /usr/share/initramfs-tools/hooks/gpuvfio
755 /usr/share/initramfs-tools/scripts/init-top/gpuvfio
644 /usr/share/man/man8/gpuvfio-libvirt-hook.8
644 /usr/share/man/man8/gpuvfio.8
$(cd "$src" && for f in dkms.conf Kbuild VERSION kmod/Kbuild kmod/*.[ch] include/uapi/linux/*.h; do
	echo "644 /usr/src/gpuvfio-$version/$f"
done)
EOF
)
if make -C "$src" install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
	gv_ok "make install DESTDIR=... (MODULE_INSTALL=dkms: the sources only, with a DESTDIR)"
	files "$dest" >"$tmp/installed"
	if diff <(echo "$expected") "$tmp/installed" >"$tmp/diff"; then
		gv_ok "it installed the tool, man page, completion, UAPI header, modprobe.d file, hook, init-top script, dracut module and the DKMS sources, with their modes"
	else
		gv_fail "it installed exactly the expected files (- expected, + installed)" "$tmp/diff"
	fi
	gv_check "the installed modprobe.d file is the one in boot/" \
		cmp "$src/boot/modprobe.d/gpuvfio.conf" "$dest/etc/modprobe.d/gpuvfio.conf"
	gv_check "the installed man page is gpuvfio(8)" \
		grep -q '^\.TH GPUVFIO 8' "$dest/usr/share/man/man8/gpuvfio.8"
else
	gv_fail "make install DESTDIR=..." "$tmp/install.log"
fi
if make -C "$src" uninstall DESTDIR="$dest" >"$tmp/uninstall.log" 2>&1; then
	left=$(files "$dest")
	if [ -z "$left" ]; then
		gv_ok "make uninstall DESTDIR=... removes every file make install put there"
	else
		printf '%s\n' "$left" >"$tmp/left"
		gv_fail "make uninstall DESTDIR=... removes every file make install put there; left:" "$tmp/left"
	fi
else
	gv_fail "make uninstall DESTDIR=..." "$tmp/uninstall.log"
fi

dest=$tmp/dest-local
if make -C "$src" install-cli install-boot DESTDIR="$dest" PREFIX=/usr/local >"$tmp/local.log" 2>&1 &&
	[ -x "$dest/usr/local/sbin/gpuvfio" ] && [ -f "$dest/usr/local/share/man/man8/gpuvfio.8" ] &&
	[ -f "$dest/etc/modprobe.d/gpuvfio.conf" ] && [ -x "$dest/usr/share/initramfs-tools/hooks/gpuvfio" ]; then
	gv_ok "PREFIX=/usr/local moves the tool and its man page, not the files modprobe, initramfs-tools and dracut look for"
else
	gv_fail "PREFIX=/usr/local moves the tool and its man page, not the files modprobe, initramfs-tools and dracut look for" "$tmp/local.log"
fi
gv_check "PREFIX=/usr/local: the metrics service runs the tool from there; the units stay where systemd looks" \
	grep -qx "ExecStart=/usr/local/sbin/gpuvfio metrics --output /var/lib/prometheus/node-exporter/gpuvfio.prom" \
	"$dest/lib/systemd/system/gpuvfio-metrics.service"

for rel in "${releases[@]}"; do
	dest=$tmp/dest-kbuild-$rel
	if [ ! -d "/lib/modules/$rel/build" ]; then
		gv_fail "MODULE_INSTALL=kbuild for $rel: no headers in /lib/modules/$rel/build"
		continue
	fi
	if make -C "$src" install-module MODULE_INSTALL=kbuild KVER="$rel" DESTDIR="$dest" >"$tmp/kbuild-$rel.log" 2>&1 &&
		ko=$(cd "$dest" && find "lib/modules/$rel/updates" -name 'gpuvfio.ko*') && [ -n "$ko" ]; then
		gv_ok "make install-module MODULE_INSTALL=kbuild KVER=$rel: /$ko"
	else
		gv_fail "make install-module MODULE_INSTALL=kbuild KVER=$rel puts gpuvfio.ko in /lib/modules/$rel/updates" "$tmp/kbuild-$rel.log"
		continue
	fi
	if make -C "$src" uninstall-module MODULE_INSTALL=kbuild KVER="$rel" DESTDIR="$dest" >>"$tmp/kbuild-$rel.log" 2>&1 &&
		[ -z "$(find "$dest/lib/modules/$rel" -name 'gpuvfio.ko*')" ]; then
		gv_ok "make uninstall-module MODULE_INSTALL=kbuild KVER=$rel removes it"
	else
		gv_fail "make uninstall-module MODULE_INSTALL=kbuild KVER=$rel removes it" "$tmp/kbuild-$rel.log"
	fi
	make -C "$src" clean KVER="$rel" >/dev/null 2>&1 || true
done

# ---- the boot files ------------------------------------------------------

boot=$src/boot
gv_check "the boot scripts parse (sh -n; bash -n for dracut's module-setup.sh)" sh -c "
	sh -n '$boot/initramfs-tools/hooks/gpuvfio' &&
	sh -n '$boot/initramfs-tools/scripts/init-top/gpuvfio' &&
	sh -n '$boot/dracut/90gpuvfio/gpuvfio-load.sh' &&
	bash -n '$boot/dracut/90gpuvfio/module-setup.sh'"
gv_check "initramfs-tools: hook and init-top script answer 'prereqs' with none" sh -c "
	[ -z \"\$('$boot/initramfs-tools/hooks/gpuvfio' prereqs)\" ] &&
	[ -z \"\$('$boot/initramfs-tools/scripts/init-top/gpuvfio' prereqs)\" ]"
if command -v shellcheck >/dev/null; then
	gv_check "the boot scripts are shellcheck-clean" \
		shellcheck -s sh "$boot/initramfs-tools/hooks/gpuvfio" "$boot/initramfs-tools/scripts/init-top/gpuvfio" \
		"$boot/dracut/90gpuvfio/gpuvfio-load.sh"
fi

# dracut's module-setup.sh, its functions called with dracut's helpers
# stubbed: which modules, files and hook it asks for.
stubbed() {
	bash -c '
		set -eu
		instmods() { echo "instmods hostonly=[${hostonly-unset}] $*"; }
		inst_multiple() { echo "inst_multiple $*"; }
		inst_hook() { echo "inst_hook $*"; }
		# What modprobe -c says on a host where an operator has a file of
		# their own besides the tool'"'"'s (the running kernel'"'"'s command
		# line, whatever it holds, adds no gpuvfio lines here).
		modprobe() {
			[ "$1" = -c ] || return 1
			printf "%s\n" "softdep nvidia pre: gpuvfio" "options gpuvfio ids=10de:1bb3" \
				"options snd_hda_intel model=auto" "options gpuvfio exclude=0000:01:00.0"
		}
		moddir=/moddir
		initdir=${STUB_INITDIR:-/nonexistent}
		kernel=$1
		hostonly=yes
		. "$2"
		shift 2
		"$@"
	' stubbed "$@"
}
setup=$boot/dracut/90gpuvfio/module-setup.sh
rel=${releases[0]}
out=$(stubbed "$rel" "$setup" installkernel 2>&1 || true)
if [ "$out" = "instmods hostonly=[] gpuvfio vfio-pci vfio_iommu_type1" ]; then
	gv_ok "dracut: installkernel asks for gpuvfio, vfio-pci and vfio_iommu_type1, even in hostonly mode"
else
	printf '%s\n' "$out" >"$tmp/out"
	gv_fail "dracut: installkernel asks for gpuvfio, vfio-pci and vfio_iommu_type1, even in hostonly mode" "$tmp/out"
fi
export STUB_INITDIR=$tmp/initdir
out=$(stubbed "$rel" "$setup" install 2>&1 || true)
conf=$(grep -v '^#' "$STUB_INITDIR/etc/modprobe.d/zz-gpuvfio-initramfs.conf" 2>&1)
if [ "$conf" = "softdep nvidia pre: gpuvfio
options gpuvfio ids=10de:1bb3
options gpuvfio exclude=0000:01:00.0" ] &&
	printf '%s\n' "$out" | grep -qx 'inst_hook pre-udev 00 /moddir/gpuvfio-load.sh'; then
	gv_ok "dracut: install writes gpuvfio's options and softdeps as modprobe -c resolves them (every file) and adds a pre-udev hook"
else
	printf '%s\n' "$out" "zz-gpuvfio-initramfs.conf:" "$conf" >"$tmp/out"
	gv_fail "dracut: install writes gpuvfio's options and softdeps as modprobe -c resolves them (every file) and adds a pre-udev hook" "$tmp/out"
fi
if ! stubbed no-such-kernel "$setup" check >/dev/null 2>&1 &&
	stubbed "$rel" "$setup" eval 'modinfo() { return 0; }; check' >/dev/null 2>&1; then
	gv_ok "dracut: check says no for a kernel without the module, yes for one with it"
else
	gv_fail "dracut: check says no for a kernel without the module, yes for one with it"
fi
echo "# a real dracut run (dracut-core) is in scripts/package-check.sh"

# The early-load scripts, run for real with /proc/cmdline and modprobe
# replaced in a mount namespace of their own: they load gpuvfio exactly when
# it has ids, on the command line or in modprobe.d.
early() { # SCRIPT CMDLINE CONFIG: what the script asked modprobe to load
	local script=$1
	printf '%s\n' "$2" >"$tmp/cmdline"
	printf '%s\n' "$3" >"$tmp/config"
	: >"$tmp/loads"
	cat >"$tmp/modprobe" <<EOF
#!/bin/sh
if [ "\$1" = -c ]; then cat "$tmp/config"; else echo "\$*" >>"$tmp/loads"; fi
EOF
	chmod 755 "$tmp/modprobe"
	unshare --mount sh -c "
		mount --bind '$tmp/cmdline' /proc/cmdline &&
		mount --bind '$tmp/modprobe' /sbin/modprobe &&
		PATH=$tmp:\$PATH; export PATH
		case '$script' in
		*.sh) . '$script' ;;
		*) '$script' ;;
		esac" >/dev/null 2>&1
	cat "$tmp/loads"
}
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare --mount true 2>/dev/null; then
	for script in "$boot/initramfs-tools/scripts/init-top/gpuvfio" "$boot/dracut/90gpuvfio/gpuvfio-load.sh"; do
		name=${script#"$boot"/}
		a=$(early "$script" "root=/dev/sda1 gpuvfio.ids=10de:1bb3 quiet" "")
		b=$(early "$script" "root=/dev/sda1" "options gpuvfio exclude=0000:01:00.0 ids=10de:1bb3,10de:10f0")
		c=$(early "$script" "root=/dev/sda1 gpuvfio.exclude=0000:01:00.0" "softdep nvidia pre: gpuvfio
options gpuvfio exclude=0000:02:00.0
options snd_hda_intel ids=1")
		d=$(early "$script" "root=/dev/sda1 gpuvfio.ids=" "options gpuvfio ids=")
		if [ "$a|$b|$c|$d" = "gpuvfio|gpuvfio||" ]; then
			gv_ok "$name loads gpuvfio for ids on the command line or in modprobe.d, and not without ids"
		else
			echo "cmdline ids: '$a'; modprobe.d ids: '$b'; no ids: '$c'; empty ids: '$d'" >"$tmp/early"
			gv_fail "$name loads gpuvfio for ids on the command line or in modprobe.d, and not without ids" "$tmp/early"
		fi
	done
else
	echo "skip - install: the early-load scripts with a stand-in /proc/cmdline need root and unshare --mount"
fi

gv_exit
