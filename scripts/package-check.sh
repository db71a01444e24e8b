#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian packages gpuvfio and gpuvfio-dkms from a clean copy of the
# tree and check what they hold; then, as root on a machine without gpuvfio
# installed, install them for real (dpkg -i), check that DKMS built and
# installed the module for the kernels whose headers are installed, build an
# initramfs with initramfs-tools' mkinitramfs and with dracut for each kernel
# whose modules are installed and look inside, purge the packages and check
# that nothing of them is left.
#
#   scripts/package-check.sh [RELEASE...]
#
# Without RELEASEs, those `scripts/fetch-kernels.sh --list` names. Prints
# check lines ("ok - package: ...", "FAIL - ...", "skip - ... because ...").
# The packages and logs are kept in $GV_BUILD/package (default build/package).
# shellcheck disable=SC2317 # functions called through check and trap
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GV_BUILD:-$ROOT/build}
OUT=$BUILD/package

GV_CHECK_PREFIX=package
# shellcheck source=scripts/results.sh
. "$ROOT/scripts/results.sh"

if [ $# -gt 0 ]; then
	releases=("$@")
else
	mapfile -t releases < <("$ROOT/scripts/fetch-kernels.sh" --list)
fi

version=$(cat "$ROOT/VERSION")
rm -rf "$OUT"
mkdir -p "$OUT/src"

# ---- build from a clean copy ---------------------------------------------

# The files git knows (tracked, or new and not ignored): what a fresh clone
# has, without anything built in the work tree.
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$ROOT" && git ls-files -co --exclude-standard | while IFS= read -r f; do
		[ -e "$f" ] && printf '%s\n' "$f"
	done | tar -cf - -T -) | tar -xf - -C "$OUT/src"
else
	(cd "$ROOT" && tar -cf - --exclude=./build --exclude='*.o' --exclude='*.ko' .) | tar -xf - -C "$OUT/src"
fi

changelog_version=$(cd "$OUT/src" && dpkg-parsechangelog -S Version)
if [ "$changelog_version" = "$version" ]; then
	gv_ok "debian/changelog's version is VERSION ($version)"
else
	gv_fail "debian/changelog's version ($changelog_version) is VERSION ($version)"
fi

start=$SECONDS
if (cd "$OUT/src" && dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1; then
	gv_ok "dpkg-buildpackage -us -uc -b from a clean copy ($((SECONDS - start)) s)"
else
	gv_fail "dpkg-buildpackage -us -uc -b from a clean copy" "$OUT/build.log"
	gv_exit
fi
deb=$OUT/gpuvfio_${version}_$(dpkg --print-architecture).deb
dkms_deb=$OUT/gpuvfio-dkms_${version}_all.deb
for f in "$deb" "$dkms_deb"; do
	[ -f "$f" ] || { gv_fail "dpkg-buildpackage made $(basename "$f")"; gv_exit; }
done

# contains DEB PATH...: the package holds every PATH.
contains() {
	local deb=$1 list missing=
	shift
	list=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
	for p in "$@"; do
		printf '%s\n' "$list" | grep -qx -- "$p" || missing+=" $p"
	done
	[ -z "$missing" ] || { echo "missing from $(basename "$deb"):$missing"; return 1; }
}
gv_check "gpuvfio holds the tool, man page, completion, modprobe.d file, initramfs-tools hook and dracut module" \
	contains "$deb" /usr/sbin/gpuvfio /usr/share/man/man8/gpuvfio.8.gz \
	/usr/share/bash-completion/completions/gpuvfio /etc/modprobe.d/gpuvfio.conf \
	/usr/share/initramfs-tools/hooks/gpuvfio /usr/share/initramfs-tools/scripts/init-top/gpuvfio \
	/usr/lib/dracut/modules.d/90gpuvfio/module-setup.sh /usr/lib/dracut/modules.d/90gpuvfio/gpuvfio-load.sh
# shellcheck disable=SC2016 # $1 is the inner shell's
gv_check "gpuvfio links /etc/libvirt/hooks/qemu.d/gpuvfio to the hook and ships its switch file as a conffile" \
	sh -c 'dpkg-deb -c "$1" | grep -q "\./etc/libvirt/hooks/qemu.d/gpuvfio -> /usr/sbin/gpuvfio-libvirt-hook\$" &&
		dpkg-deb --ctrl-tarfile "$1" | tar -xOf - ./conffiles |
		grep -qx /etc/gpuvfio/libvirt-hook.conf' - "$deb"
gv_check "the libvirt hook and its man page are in gpuvfio" \
	contains "$deb" /usr/sbin/gpuvfio-libvirt-hook /usr/share/man/man8/gpuvfio-libvirt-hook.8.gz
# shellcheck disable=SC2016 # $1 is the inner shell's
gv_check "gpuvfio ships the metrics timer and its service, which runs the tool it installs" \
	sh -c 'dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./lib/systemd/system/gpuvfio-metrics.service |
		grep -qx "ExecStart=/usr/sbin/gpuvfio metrics --output /var/lib/prometheus/node-exporter/gpuvfio.prom" &&
		dpkg-deb -c "$1" | grep -q "\./lib/systemd/system/gpuvfio-metrics\.timer\$"' - "$deb"
# shellcheck disable=SC2016 # $1 is the inner shell's
gv_check "its postinst enables and starts the timer, not the static service" \
	sh -c 'p=$(dpkg-deb --ctrl-tarfile "$1" | tar -xOf - ./postinst) &&
		printf "%s\n" "$p" | grep -q "deb-systemd-helper enable .gpuvfio-metrics.timer" &&
		! printf "%s\n" "$p" | grep -q "gpuvfio-metrics.service"' - "$deb"
gv_check "gpuvfio-dkms holds dkms.conf and the module's sources in /usr/src/gpuvfio-$version" \
	contains "$dkms_deb" "/usr/src/gpuvfio-$version/dkms.conf" "/usr/src/gpuvfio-$version/Kbuild" \
	"/usr/src/gpuvfio-$version/kmod/Kbuild" "/usr/src/gpuvfio-$version/kmod/main.c" \
	"/usr/src/gpuvfio-$version/include/uapi/linux/gpuvfio.h"
gv_check "gpuvfio-dkms holds nothing built" \
	sh -c "! dpkg-deb -c '$dkms_deb' | grep -E '\\.(o|ko|cmd|mod)\$'"
gv_check "gpuvfio-dkms depends on dkms (dh_dkms)" \
	sh -c "dpkg-deb -f '$dkms_deb' Depends | grep -q '\\<dkms\\>'"
gv_check "/etc/modprobe.d/gpuvfio.conf is a conffile" \
	sh -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xOf - ./conffiles | grep -qx /etc/modprobe.d/gpuvfio.conf"
gv_check "both packages trigger update-initramfs" \
	sh -c "for d in '$deb' '$dkms_deb'; do dpkg-deb --ctrl-tarfile \"\$d\" | tar -xOf - ./triggers | grep -q 'update-initramfs' || exit 1; done"

# ---- install for real ----------------------------------------------------

if [ "$(id -u)" != 0 ]; then
	gv_skip "installing the packages needs root (dpkg -i): not root"
	gv_exit
fi
for pkg in gpuvfio gpuvfio-dkms; do
	if dpkg-query -W -f='${db:Status-Status}\n' "$pkg" 2>/dev/null | grep -qv not-installed; then
		gv_skip "installing the packages: $pkg is installed on this machine already, and is not this test's to remove"
		gv_exit
	fi
done
if [ -e "/var/lib/dkms/gpuvfio" ] || [ -e "/usr/src/gpuvfio-$version" ]; then
	gv_skip "installing the packages: gpuvfio is in DKMS or /usr/src already (make install?), and is not this test's to remove"
	gv_exit
fi

# What installing and purging would leave on the machine, put back afterwards:
# the signing key DKMS makes on its first build, and the depmod files of a
# /lib/modules/RELEASE that held only the headers' build link.
keys_before=$(ls /var/lib/dkms/mok.key /var/lib/dkms/mok.pub 2>/dev/null || true)
declare -A modfiles_before=()
for rel in "${releases[@]}"; do
	modfiles_before[$rel]=$(ls "/lib/modules/$rel" 2>/dev/null || true)
done
ids_conf=/etc/modprobe.d/gpuvfio-ids.conf
[ ! -e "$ids_conf" ] || { gv_skip "installing the packages: $ids_conf exists already"; gv_exit; }

cleanup() {
	set +e
	dpkg --purge gpuvfio gpuvfio-dkms >>"$OUT/purge.log" 2>&1
	rm -f "$ids_conf"
	if [ -z "$keys_before" ]; then
		rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
	for rel in "${releases[@]}"; do
		[ -d "/lib/modules/$rel" ] || continue
		for f in "/lib/modules/$rel"/*; do
			[ -e "$f" ] || continue
			printf '%s\n' "${modfiles_before[$rel]}" | grep -qx -- "${f##*/}" || rm -rf "$f"
		done
	done
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
start=$SECONDS
if dpkg -i "$deb" "$dkms_deb" >"$OUT/install.log" 2>&1; then
	gv_ok "dpkg -i gpuvfio gpuvfio-dkms ($((SECONDS - start)) s, DKMS builds and the initramfs trigger included)"
else
	gv_fail "dpkg -i gpuvfio gpuvfio-dkms" "$OUT/install.log"
	gv_exit
fi

dkms status 2>/dev/null | sed 's/^/#   dkms status: /'
for rel in "${releases[@]}"; do
	if [ ! -e "/lib/modules/$rel/build" ]; then
		gv_fail "$rel: its headers are installed (/lib/modules/$rel/build)"
		continue
	fi
	if dkms status -m gpuvfio -v "$version" -k "$rel" 2>/dev/null | grep -q ': installed'; then
		gv_ok "$rel: installing gpuvfio-dkms built and installed the module (dkms status: installed)"
	else
		gv_fail "$rel: installing gpuvfio-dkms built and installed the module (dkms status: installed)" "$OUT/install.log"
		continue
	fi
	ko=$(compgen -G "/lib/modules/$rel/updates/dkms/gpuvfio.ko*" | head -n 1 || true)
	if [ -n "$ko" ]; then
		gv_ok "$rel: the module is $ko"
	else
		gv_fail "$rel: the module is in /lib/modules/$rel/updates/dkms"
		continue
	fi
	# What Secure Boot needs (docs/install.md): DKMS signs with its MOK key.
	signer=$(modinfo -F signer "$ko" 2>/dev/null || true)
	if [ "$signer" = "DKMS module signing key" ] && [ -f /var/lib/dkms/mok.pub ]; then
		gv_ok "$rel: DKMS signed it with its MOK key (signer '$signer', certificate /var/lib/dkms/mok.pub)"
	else
		gv_fail "$rel: DKMS signed it with its MOK key (signer is '$signer')"
	fi
	if [ ! -d "/lib/modules/$rel/kernel" ]; then
		gv_skip "$rel: the softdep as modprobe resolves it: /lib/modules/$rel has no snd_hda_intel (only the headers are installed)"
	elif modprobe -S "$rel" --show-depends snd_hda_intel 2>&1 | grep -B100 'snd-hda-intel\.ko' | grep -q 'gpuvfio\.ko'; then
		gv_ok "$rel: modprobe loads gpuvfio before snd_hda_intel (the installed softdep)"
	else
		gv_fail "$rel: modprobe loads gpuvfio before snd_hda_intel (the installed softdep)"
		modprobe -S "$rel" --show-depends snd_hda_intel 2>&1 | sed 's/^/#   /'
	fi
done
gv_check "the installed gpuvfio runs (gpuvfio --version)" /usr/sbin/gpuvfio --version

# What `gpuvfio ids set ... --persist` writes: the initramfs must carry it.
echo "options gpuvfio ids=1234:1111" >"$ids_conf"

# ---- initramfs-tools -----------------------------------------------------

# in_listing LIST PATTERN...: each ERE matches a line of the file LIST.
in_listing() {
	local list=$1 missing=
	shift
	for p in "$@"; do
		grep -Eq -- "$p" "$list" || missing+=" $p"
	done
	[ -z "$missing" ] || { echo "not in the image:$missing"; return 1; }
}

for rel in "${releases[@]}"; do
	if [ ! -d "/lib/modules/$rel/kernel" ]; then
		gv_skip "$rel: mkinitramfs and dracut: /lib/modules/$rel holds no kernel modules (only the headers are installed; the image package is not), and both build from there"
		continue
	fi
	img=$OUT/initrd.img-$rel
	start=$SECONDS
	if mkinitramfs -o "$img" "$rel" >"$OUT/mkinitramfs-$rel.log" 2>&1; then
		gv_ok "$rel: mkinitramfs -o $img ($((SECONDS - start)) s)"
	else
		gv_fail "$rel: mkinitramfs -o $img" "$OUT/mkinitramfs-$rel.log"
		continue
	fi
	grep '^W: gpuvfio' "$OUT/mkinitramfs-$rel.log" | sed 's/^/#   /' || true
	lsinitramfs "$img" >"$OUT/lsinitramfs-$rel.txt"
	gv_check "$rel: lsinitramfs shows gpuvfio.ko, vfio-pci.ko, gpuvfio's modprobe.d files, the hook's resolved options and init-top script" \
		in_listing "$OUT/lsinitramfs-$rel.txt" '/updates/dkms/gpuvfio\.ko' '/vfio/pci/vfio-pci\.ko' \
		'/vfio/vfio_iommu_type1\.ko' '^etc/modprobe\.d/gpuvfio\.conf$' '^etc/modprobe\.d/gpuvfio-ids\.conf$' \
		'^etc/modprobe\.d/zz-gpuvfio-initramfs\.conf$' '^scripts/init-top/gpuvfio$'
	# Inside the image: its own modprobe, configuration and modules.
	un=$OUT/initrd-$rel.d
	rm -rf "$un"
	unmkinitramfs "$img" "$un" >/dev/null 2>&1
	main=$un
	[ -d "$un/main" ] && main=$un/main
	imgmodprobe=(modprobe -d "$main" -C "$main/etc/modprobe.d" -S "$rel")
	"${imgmodprobe[@]}" --show-depends gpuvfio >"$OUT/show-depends-$rel.txt" 2>&1 || true
	gv_check "$rel: in the image, modprobe gpuvfio loads vfio-pci first and passes ids=1234:1111" \
		sh -c "grep -A100 'vfio-pci\.ko' '$OUT/show-depends-$rel.txt' | grep -q 'gpuvfio\.ko.* ids=1234:1111' ||
			{ cat '$OUT/show-depends-$rel.txt'; exit 1; }"
	"${imgmodprobe[@]}" -c >"$OUT/config-$rel.txt" 2>&1 || true
	gv_check "$rel: in the image, the softdeps for nvidia, nouveau, amdgpu, radeon and snd_hda_intel" \
		sh -c "for d in nvidia nouveau amdgpu radeon snd_hda_intel; do grep -qx \"softdep \$d pre: gpuvfio\" '$OUT/config-$rel.txt' || exit 1; done"
	gv_check "$rel: init-top runs gpuvfio before udev (scripts/init-top/ORDER)" \
		sh -c "grep -e '/init-top/gpuvfio ' -e '/init-top/udev ' '$main/scripts/init-top/ORDER' | head -n 1 | grep -q gpuvfio ||
			{ cat '$main/scripts/init-top/ORDER'; exit 1; }"
done

# ---- dracut --------------------------------------------------------------

if ! command -v dracut >/dev/null; then
	gv_skip "dracut: not installed (dracut-core; scripts/install-deps.sh installs it), so no dracut image; scripts/install-check.sh checks the module's files"
else
	for rel in "${releases[@]}"; do
		[ -d "/lib/modules/$rel/kernel" ] || continue
		img=$OUT/dracut-$rel.img
		start=$SECONDS
		# Only the modules under test (and what they depend on), not the host's
		# whole set: this machine is no boot target.
		if dracut --force --no-hostonly --no-early-microcode --no-compress \
			--modules "kernel-modules gpuvfio" "$img" "$rel" >"$OUT/dracut-$rel.log" 2>&1; then
			gv_ok "$rel: dracut --modules 'kernel-modules gpuvfio' $img ($((SECONDS - start)) s)"
		else
			gv_fail "$rel: dracut --modules 'kernel-modules gpuvfio'" "$OUT/dracut-$rel.log"
			continue
		fi
		lsinitrd "$img" >"$OUT/lsinitrd-$rel.txt" 2>&1 || true
		gv_check "$rel: lsinitrd shows gpuvfio.ko, vfio-pci.ko, gpuvfio's options as modprobe resolves them and pre-udev hook" \
			in_listing "$OUT/lsinitrd-$rel.txt" 'updates/dkms/gpuvfio\.ko' 'vfio/pci/vfio-pci\.ko' \
			' etc/modprobe\.d/zz-gpuvfio-initramfs\.conf$' 'hooks/pre-udev/00-gpuvfio-load\.sh$'
		gv_check "$rel: dracut's image has the softdeps and the persisted ids (lsinitrd -f)" \
			sh -c "lsinitrd -f etc/modprobe.d/zz-gpuvfio-initramfs.conf '$img' >'$OUT/dracut-conf-$rel.txt' &&
				grep -qx 'options gpuvfio ids=1234:1111' '$OUT/dracut-conf-$rel.txt' &&
				grep -qx 'softdep snd_hda_intel pre: gpuvfio' '$OUT/dracut-conf-$rel.txt' ||
				{ cat '$OUT/dracut-conf-$rel.txt'; exit 1; }"
	done
fi

# ---- purge ---------------------------------------------------------------

if dpkg --purge gpuvfio gpuvfio-dkms >"$OUT/purge.log" 2>&1; then
	gv_ok "dpkg --purge gpuvfio gpuvfio-dkms"
else
	gv_fail "dpkg --purge gpuvfio gpuvfio-dkms" "$OUT/purge.log"
fi
left=$( {
	dkms status -m gpuvfio 2>/dev/null
	ls -d "/usr/src/gpuvfio-$version" /var/lib/dkms/gpuvfio /etc/modprobe.d/gpuvfio.conf "$ids_conf" \
		/usr/sbin/gpuvfio /usr/share/initramfs-tools/hooks/gpuvfio \
		/usr/share/initramfs-tools/scripts/init-top/gpuvfio /usr/lib/dracut/modules.d/90gpuvfio 2>/dev/null
	for rel in "${releases[@]}"; do
		compgen -G "/lib/modules/$rel/updates/dkms/gpuvfio.ko*" || true
	done
} )
if [ -z "$left" ]; then
	gv_ok "after the purge: no module, no DKMS entry, no sources, no configuration (gpuvfio-ids.conf too), no boot files"
else
	gv_fail "after the purge: nothing of gpuvfio is left"
	printf '%s\n' "$left" | sed 's/^/#   left: /'
fi
gv_exit
