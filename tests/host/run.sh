#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The host tier (tests/host/README.md): a real Debian 12 system under QEMU
# with gpuvfio installed from its own packages, booted, given a new kernel,
# moved to dracut, misconfigured and purged, the way an operator does it.
#
#   tests/host/run.sh [--until SCENARIO] [--timeout S] [--src DIR]
#
#   --until s2   stop after that scenario's boot (s1, s2, s2b, s5, s3, s3b, s6, s4:
#                the order they run in, each building on the state before)
#   --timeout S  hang guard for one boot (default 600, env GV_HOST_TIMEOUT)
#   --src DIR    build the packages from DIR, a copy of the tree, instead of
#                the checkout (to try a change, or a breakage, aside)
#
# The root (tests/host/image.sh) is cached under build/host; everything
# else a run makes is under build/host/run: the packages, the image's root
# as it goes from scenario to scenario, and per boot
# boot-<scenario>/{cmdline,console.log,results,verdict,journal.txt}.
# Prints check lines ("ok - host: ...") through scripts/results.sh and
# closes with "== host: N passed, N failed"; exits non-zero on a failure.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${GV_BUILD:-$ROOT/build}/host
OUT=$BUILD/run
GV_CHECK_PREFIX=host
# shellcheck source=scripts/results.sh
. "$ROOT/scripts/results.sh"
# shellcheck source=tests/qemu/common.sh
. "$ROOT/tests/qemu/common.sh"

until_=
timeout=${GV_HOST_TIMEOUT:-600}
src=$ROOT
while [ $# -gt 0 ]; do
	case $1 in
	--until) [ $# -ge 2 ] || exit 2; until_=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || exit 2; timeout=$2; shift 2 ;;
	--src) [ $# -ge 2 ] || exit 2; src=$(cd "$2" && pwd); shift 2 ;;
	*) sed -n '7,13s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

note() { echo "host: $*" >&2; }
started=$SECONDS

if [ "$(id -u)" != 0 ]; then
	gv_skip "the host tier, because it needs root (mmdebstrap, chroot, mkfs.ext4 -d of a root-owned tree)"
	gv_exit
fi
for tool in mmdebstrap mkfs.ext4 debugfs qemu-system-x86_64 unshare dpkg-buildpackage; do
	command -v "$tool" >/dev/null || { gv_fail "$tool is installed (scripts/install-deps.sh)"; gv_exit; }
done

# ---- the image, the packages, the working root ---------------------------

start=$SECONDS
mkdir -p "$BUILD"
if cache=$("$ROOT/tests/host/image.sh" "$BUILD" 2>"$BUILD/image.log"); then
	gv_ok "image: Debian 12 root from mmdebstrap, cached as ${cache#"$ROOT"/} ($((SECONDS - start)) s)"
else
	gv_fail "image: Debian 12 root from mmdebstrap (tests/host/image.sh)" "$BUILD/image.log"
	gv_exit
fi

rm -rf "$OUT"
mkdir -p "$OUT/src"
version=$(cat "$src/VERSION")
start=$SECONDS
# The files git knows: what a fresh clone has, nothing built in the tree.
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -co --exclude-standard | while IFS= read -r f; do
		[ -e "$f" ] && printf '%s\n' "$f"
	done | tar -cf - -T -) | tar -xf - -C "$OUT/src"
else
	(cd "$src" && tar -cf - --exclude=./build --exclude='*.o' --exclude='*.ko' .) | tar -xf - -C "$OUT/src"
fi
if (cd "$OUT/src" && nice -n 10 dpkg-buildpackage -us -uc -b) >"$OUT/debs.log" 2>&1 &&
	[ -f "$OUT/gpuvfio_${version}_amd64.deb" ] && [ -f "$OUT/gpuvfio-dkms_${version}_all.deb" ]; then
	gv_ok "packages: dpkg-buildpackage from a clean copy of ${src#"$ROOT"/} ($((SECONDS - start)) s)"
else
	gv_fail "packages: dpkg-buildpackage from a clean copy of the tree" "$OUT/debs.log"
	gv_exit
fi

R=$OUT/root
start=$SECONDS
cp -a "$cache" "$R"
# The tier's own files, not the project's: the report unit and its script.
install -D -m 0755 "$ROOT/tests/host/guest/verify.sh" "$R/usr/local/lib/gvhost/verify.sh"
install -D -m 0644 "$ROOT/tests/host/guest/gvhost-verify.service" \
	"$R/etc/systemd/system/gvhost-verify.service"
ln -sf /etc/systemd/system/gvhost-verify.service \
	"$R/etc/systemd/system/multi-user.target.wants/gvhost-verify.service"
mkdir -p "$R/var/lib/gvhost"
note "working root ready ($((SECONDS - start)) s)"

# in_root COMMAND...: run COMMAND inside the image's root, as apt and the
# maintainer scripts run on a host (no systemd running: no service starts).
# The mounts live in a namespace of their own and go with it; $1 and $@
# are those of the inner shell.
# shellcheck disable=SC2016
in_root() {
	nice -n 10 unshare --mount --fork -- sh -c '
		r=$1
		shift
		mount -t proc proc "$r/proc" && mount -t sysfs -o ro sys "$r/sys" &&
			mount --rbind /dev "$r/dev" || exit 1
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' sh "$R" "$@"
}

# step NAME DESCRIPTION COMMAND...: a change made inside the image, timed;
# its output goes to NAME.log, shown when it fails. Returns its status.
step() {
	local desc=$2 log=$OUT/$1.log t=$SECONDS
	shift 2
	if "$@" >"$log" 2>&1; then
		gv_ok "$desc ($((SECONDS - t)) s)"
	else
		gv_fail "$desc" "$log"
		return 1
	fi
}

release_of() { # LINE: the image's kernel release of a line (6.1, 6.12)
	local f
	for f in "$R"/boot/vmlinuz-"$1".*; do
		[ -e "$f" ] && basename "$f" | sed 's/^vmlinuz-//'
	done | sort -V | tail -n 1
}

# shellcheck disable=SC2317 # called through gv_check
initrd_files() { # RELEASE: the files of the image's initramfs, either generator's
	local lister=lsinitramfs
	[ -x "$R/usr/bin/lsinitramfs" ] || lister=lsinitrd
	in_root "$lister" "/boot/initrd.img-$1"
}

# shellcheck disable=SC2317 # called through gv_check
in_initrd() { # RELEASE PATTERN: a file of the image's initramfs matches
	initrd_files "$1" | grep -qE "$2"
}

# shellcheck disable=SC2317 # called through gv_check
initrd_lacks() { # RELEASE PATTERN: the initramfs lists its files, none matches
	local files
	files=$(initrd_files "$1") || return 1
	grep -q 'bin/' <<<"$files" || { echo "no files listed: $files"; return 1; }
	! grep -E "$2" <<<"$files"
}

# shellcheck disable=SC2317 # called through gv_check
initrd_options() { # RELEASE LINE: gpuvfio's options file in the initramfs has LINE
	local got
	if [ -x "$R/usr/bin/lsinitramfs" ]; then
		# shellcheck disable=SC2016 # $1 and $d are the inner shell's
		got=$(in_root sh -c 'd=$(mktemp -d) && unmkinitramfs "/boot/initrd.img-$1" "$d" &&
			f=$(find "$d" -name zz-gpuvfio-initramfs.conf) && [ -n "$f" ] && cat $f
			s=$?; rm -rf "$d"; exit $s' sh "$1") || { echo "no options file: $got"; return 1; }
	else
		got=$(in_root lsinitrd -f etc/modprobe.d/zz-gpuvfio-initramfs.conf "/boot/initrd.img-$1") ||
			{ echo "no options file: $got"; return 1; }
	fi
	grep -qx -- "$2" <<<"$got" || { printf 'want the line: %s\ngot:\n%s\n' "$2" "$got"; return 1; }
}

# boot SCENARIO NAME RELEASE [APPEND]: a disk from the root, QEMU booting its
# own kernel and initramfs with systemd, the standard topology and the
# IOMMU; the guest's check lines (prefixed with the scenario) and verdict.
boot() {
	local sc=$1 what=$2 rel=$3 append=${4:-} dir=$OUT/boot-$1 disk=$OUT/disk.raw t line status=0
	mkdir -p "$dir"
	t=$SECONDS
	rm -f "$disk"
	if ! mkfs.ext4 -q -F -L gvhost -d "$R" "$disk" 6G >"$dir/mkfs.log" 2>&1; then
		gv_fail "$sc: mkfs.ext4 -d of the root" "$dir/mkfs.log"
		return 1
	fi
	note "$sc: disk made ($((SECONDS - t)) s); booting $rel"
	local cmdline="console=ttyS0 root=/dev/vda rw intel_iommu=on panic=-1 gvhost.scenario=$what gvhost.release=$rel${append:+ $append}"
	echo "$cmdline" >"$dir/cmdline"
	local attempt crash took
	for attempt in 1 2; do
		t=$SECONDS
		status=0
		gv_qemu "$timeout" "$R/boot/vmlinuz-$rel" "$R/boot/initrd.img-$rel" "$cmdline" \
			"file:$dir/console.log" "$dir/verdict" "$dir/results" \
			-drive "file=$disk,format=raw,if=none,id=disk0" \
			-device virtio-blk-pci,drive=disk0,bus=pcie.0,addr=0x8 \
			>"$dir/qemu.log" 2>&1 || status=$?
		took=$((SECONDS - t))
		note "$sc: boot took $took s"
		# The kernel crashed in its own start-up (under TCG: the emulator),
		# before /init: nothing of the image ran, the disk is untouched.
		[ "$attempt" = 1 ] && crash=$(gv_early_crash "$dir") || break
		echo "retry - $sc: the kernel crashed before it ran /init, before any gpuvfio code ($crash); booting it once more (the first console is console-1.log)"
		mv "$dir/console.log" "$dir/console-1.log"
	done
	debugfs -R "dump /var/lib/gvhost/journal.txt $dir/journal.txt" "$disk" >/dev/null 2>&1 || true
	while IFS= read -r line; do
		case $line in
		"ok - "*) gv_ok "$sc: ${line#ok - }" ;;
		"FAIL - "*) gv_fail "$sc: ${line#FAIL - }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < <(tr -d '\r' <"$dir/results")
	if tr -d '\r' <"$dir/verdict" | grep -qx success; then
		gv_ok "$sc: $rel booted with systemd, and every check in it passed ($took s)"
	else
		case $status in
		124 | 137) status="timed out after $timeout s" ;;
		*) status="QEMU exit status $status" ;;
		esac
		gv_fail "$sc: $rel booted with systemd, and every check in it passed (no success verdict, $status); the console's end:"
		gv_oops_head "$dir/console.log" | sed 's/^/#   first: /'
		tr -d '\r' <"$dir/console.log" | tail -n 40 | sed 's/^/#   | /'
	fi
	rm -f "$disk"
}

# done_with SCENARIO: stop here when --until names it.
done_with() {
	[ "$until_" != "$1" ] || finish
}
finish() {
	note "the tier took $((SECONDS - started)) s"
	gv_exit
}

# ---- s1: claimed at boot ----------------------------------------------------

# install_debs: the tree's two packages, installed with apt inside the
# image as an operator installs downloaded .debs; the files go after.
# shellcheck disable=SC2317 # called through step
install_debs() {
	local deb status=0
	for deb in "gpuvfio_${version}_amd64.deb" "gpuvfio-dkms_${version}_all.deb"; do
		cp "$OUT/$deb" "$R/tmp/"
	done
	in_root apt-get install -y "/tmp/gpuvfio_${version}_amd64.deb" \
		"/tmp/gpuvfio-dkms_${version}_all.deb" || status=$?
	rm -f "$R"/tmp/*.deb
	return "$status"
}

rel61=$(release_of 6.1)
step s1-install "s1: apt-get install ./gpuvfio_*.deb ./gpuvfio-dkms_*.deb in the image (DKMS builds the module, the initramfs is rebuilt)" \
	install_debs || finish
gv_check "s1: DKMS built and installed gpuvfio for $rel61" \
	sh -c "ls '$R'/lib/modules/$rel61/updates/dkms/gpuvfio.ko*"
# As docs/install.md tells an operator.
step s1-config "s1: gpuvfio ids set --persist 1234:1111; gpuvfio exclude set --persist 0000:02:00.0; update-initramfs -u" \
	in_root sh -c 'gpuvfio ids set --persist 1234:1111 && gpuvfio exclude set --persist 0000:02:00.0 &&
		cat /etc/modprobe.d/gpuvfio-ids.conf && update-initramfs -u' || finish
gv_check "s1: the initramfs for $rel61 holds gpuvfio.ko" \
	in_initrd "$rel61" 'gpuvfio\.ko'
gv_check "s1: and the hook's options file, with the persisted ids and exclude" \
	initrd_options "$rel61" 'options gpuvfio ids=1234:1111 exclude=0000:02:00.0'
boot s1 claimed "$rel61"
done_with s1

# ---- s2: a new kernel arrives ------------------------------------------------

step s2-kernel "s2: apt-get install linux-image-6.12-amd64 linux-headers-6.12-amd64 in the image (DKMS builds gpuvfio through the kernel's hooks)" \
	in_root apt-get install -y linux-image-6.12-amd64 linux-headers-6.12-amd64 || finish
rel612=$(release_of 6.12)
gv_check "s2: DKMS built and installed gpuvfio for $rel612" \
	sh -c "ls '$R'/lib/modules/$rel612/updates/dkms/gpuvfio.ko*"
gv_check "s2: the initramfs for $rel612 holds gpuvfio.ko" in_initrd "$rel612" 'gpuvfio\.ko'
gv_check "s2: and gpuvfio's options as modprobe resolves them" \
	initrd_options "$rel612" 'options gpuvfio ids=1234:1111 exclude=0000:02:00.0'
boot s2 claimed "$rel612"
done_with s2

# ---- s2b: purged under initramfs-tools, then installed again (no boot) -------

# initramfs-tools' trigger rebuilds only the newest kernel's initramfs, and
# before the purge has removed anything: the package scripts rebuild each
# kernel's that still holds gpuvfio (debian/*.postrm), or 6.1's would
# claim the card at its next boot. Then the packages come back as in s1,
# for the scenarios after.
step s2b-purge "s2b: apt-get purge gpuvfio gpuvfio-dkms under initramfs-tools, two kernels installed" \
	in_root apt-get purge -y gpuvfio gpuvfio-dkms || finish
for rel in "$rel61" "$rel612"; do
	gv_check "s2b: the initramfs for $rel holds nothing of gpuvfio (lsinitramfs)" \
		initrd_lacks "$rel" gpuvfio
done
gv_check "s2b: no gpuvfio module is left for any kernel" \
	sh -c "! find '$R/lib/modules' -name 'gpuvfio.ko*' | grep ."
step s2b-install "s2b: the packages again (apt-get install ./gpuvfio_*.deb ./gpuvfio-dkms_*.deb)" \
	install_debs || finish
step s2b-config "s2b: ids and exclude persisted again, update-initramfs -u -k all" \
	in_root sh -c "gpuvfio ids set --persist 1234:1111 &&
		gpuvfio exclude set --persist 0000:02:00.0 && update-initramfs -u -k all" || finish
for rel in "$rel61" "$rel612"; do
	gv_check "s2b: the initramfs for $rel holds gpuvfio.ko again" in_initrd "$rel" 'gpuvfio\.ko'
done
done_with s2b

# ---- s5: bad configuration -----------------------------------------------------

# On the newest kernel, whose initramfs update-initramfs -u rebuilds; s3's
# dracut rebuilds every initramfs after it.
step s5-config "s5: a malformed ids line in /etc/modprobe.d/gpuvfio-typo.conf; update-initramfs -u" \
	in_root sh -c 'echo "options gpuvfio ids=1234:1111,10de:xyz1" >/etc/modprobe.d/gpuvfio-typo.conf &&
		update-initramfs -u' || finish
boot s5 badconf "$rel612"
rm -f "$R/etc/modprobe.d/gpuvfio-typo.conf"
done_with s5

# ---- s3: dracut instead of initramfs-tools ----------------------------------

# The exclude line in an operator's own file (the tool's file keeps the
# ids), then dracut, whose trigger rebuilds every kernel's initramfs.
step s3-config "s3: gpuvfio exclude set --persist ''; options gpuvfio exclude=0000:02:00.0 in /etc/modprobe.d/gpuvfio-local.conf" \
	in_root sh -c 'gpuvfio exclude set --persist "" &&
		echo "options gpuvfio exclude=0000:02:00.0" >/etc/modprobe.d/gpuvfio-local.conf &&
		cat /etc/modprobe.d/gpuvfio-ids.conf' || finish
step s3-dracut "s3: apt-get install dracut (initramfs-tools goes; dracut's trigger rebuilds every initramfs)" \
	in_root apt-get install -y dracut || finish
gv_check "s3: initramfs-tools is gone (initramfs-tools-core stays)" \
	sh -c "chroot '$R' dpkg-query -W -f='\${db:Status-Status}' initramfs-tools | grep -vx installed"
gv_check "s3: dracut's initramfs for $rel61 holds gpuvfio.ko" in_initrd "$rel61" 'gpuvfio\.ko'
gv_check "s3: with the exclude line of the operator's own file" \
	sh -c "chroot '$R' lsinitrd -f etc/modprobe.d/zz-gpuvfio-initramfs.conf /boot/initrd.img-$rel61 | grep -x 'options gpuvfio exclude=0000:02:00.0'"
boot s3 claimed "$rel61"
done_with s3

# The ids in the package's gpuvfio.conf, the exclude list on the kernel
# command line, the operator's file only a softdep: dracut -f.
step s3b-config "s3b: options gpuvfio ids=1234:1111 in gpuvfio.conf, gpuvfio ids set --persist '', gpuvfio.exclude= on the command line; dracut -f" \
	in_root sh -c 'sed -i "s/^#options gpuvfio ids=.*/options gpuvfio ids=1234:1111/" /etc/modprobe.d/gpuvfio.conf &&
		grep -x "options gpuvfio ids=1234:1111" /etc/modprobe.d/gpuvfio.conf &&
		gpuvfio ids set --persist "" && ! [ -e /etc/modprobe.d/gpuvfio-ids.conf ] &&
		echo "softdep xhci_pci pre: gpuvfio" >/etc/modprobe.d/gpuvfio-local.conf &&
		dracut -f --kver '"$rel61"'' || finish
gv_check "s3b: dracut's initramfs carries the ids of gpuvfio.conf" \
	initrd_options "$rel61" 'options gpuvfio ids=1234:1111'
boot s3b claimed "$rel61" "gpuvfio.exclude=0000:02:00.0"
done_with s3b

# ---- s6: libvirt drives it -------------------------------------------------

# No ids any more (the cards start on their host drivers, as on a host whose
# VMs take them), then libvirt, QEMU and node_exporter from Debian, with the
# hook the gpuvfio package put in /etc/libvirt/hooks/qemu.d/ before libvirt
# came. The domains are defined in the boot, from `gpuvfio xml`.
step s6-config "s6: no ids (gpuvfio.conf's options line commented out again); dracut -f" \
	in_root sh -c 'sed -i "s/^options gpuvfio ids=/#&/" /etc/modprobe.d/gpuvfio.conf &&
		! grep -q "^options gpuvfio" /etc/modprobe.d/gpuvfio.conf &&
		dracut -f --kver '"$rel61"'' || finish
step s6-libvirt "s6: apt-get install libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 prometheus-node-exporter curl" \
	in_root apt-get install -y libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients \
	qemu-system-x86 prometheus-node-exporter curl || finish
gv_check "s6: the gpuvfio package's hook is where libvirt looks for it" \
	test -L "$R/etc/libvirt/hooks/qemu.d/gpuvfio"
boot s6 libvirt "$rel61"
done_with s6

# ---- s4: purged ------------------------------------------------------------------

# A host that has a persisted list: the tool's file, which no package
# owns, must go with the purge too (debian/gpuvfio.postrm).
step s4-persist "s4: gpuvfio ids set --persist 1234:1111 (the tool's file, owned by no package)" \
	in_root gpuvfio ids set --persist 1234:1111 || finish
# What the metrics timer leaves on a host with node_exporter (s6 installed
# it): the packaged service's own command, run once.
# shellcheck disable=SC2016 # the inner shell's $cmd
step s4-metrics "s4: the metrics service's ExecStart (node_exporter's textfile, as the timer writes it)" \
	in_root sh -c 'cmd=$(sed -n "s/^ExecStart=//p" /lib/systemd/system/gpuvfio-metrics.service) &&
		[ -n "$cmd" ] && $cmd && ls -l /var/lib/prometheus/node-exporter/gpuvfio.prom' || finish
gv_check "s4: dpkg -L lists the packages' files, saved for the boot after the purge" \
	in_root sh -c 'dpkg -L gpuvfio gpuvfio-dkms >/var/lib/gvhost/package-files &&
		grep -c gpuvfio /var/lib/gvhost/package-files'
step s4-purge "s4: apt-get purge gpuvfio gpuvfio-dkms (the package scripts remove the module and rebuild the initramfs)" \
	in_root apt-get purge -y gpuvfio gpuvfio-dkms || finish
boot s4 purged "$rel61"

finish
