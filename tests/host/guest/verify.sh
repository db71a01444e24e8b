#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the booted Debian image, from gvhost-verify.service, once the
# boot is over: checks what the scenario named on the kernel command line
# (gvhost.scenario=claimed|purged|badconf) expects, writes one check line
# per check ("ok - ..." or "FAIL - ..." with "#" lines) to ttyS2 and, when
# every check passed, "success" to ttyS1; then powers off. The host
# (tests/host/run.sh) reads both. The topology is tests/qemu/common.sh's.
set -u

RESULTS=/dev/ttyS2
VERDICT=/dev/ttyS1
GPU0=0000:01:00.0 GPU0_AUDIO=0000:01:00.1 GPU0_USB=0000:01:00.2
GPU1=0000:02:00.0 GPU1_AUDIO=0000:02:00.1
GPU_NIC=0000:04:01.0 NIC_SHARED=0000:04:02.0 NIC_ALONE=0000:05:00.0
ALL="$GPU0 $GPU0_AUDIO $GPU0_USB $GPU1 $GPU1_AUDIO $GPU_NIC $NIC_SHARED $NIC_ALONE"

param() { sed -n "s/.*\\<gvhost\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
scenario=$(param scenario)
failed=0

report() { printf '%s\n' "$1" >>"$RESULTS"; }
pass() { report "ok - $1"; }
fail() {
	report "FAIL - $1"
	shift
	for detail in "$@"; do
		printf '%s\n' "$detail" | tail -n 25 | cut -c 1-400 | sed 's/^/#   /' >>"$RESULTS"
	done
	failed=1
}
check() { # DESCRIPTION COMMAND...
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$desc"; else fail "$desc" "command: $*" "$out"; fi
}
check_eq() { # DESCRIPTION WANT GOT
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want: $2" "got:  $3"; fi
}
driver() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null || echo none; }
drivers() { local d out=; for d; do out+="${out:+ }$(driver "$d")"; done; echo "$out"; }

# ---- every boot ---------------------------------------------------------

state=$(timeout 300 systemctl is-system-running --wait 2>&1)
# systemd calls the boot finished without waiting for udev's queue: the
# coldplug events (systemd-udev-trigger) are still being handled, and under
# TCG the host drivers of the cards load seconds later (tests/host/README.md).
settle_start=$(cut -d' ' -f1 /proc/uptime)
udevadm settle --timeout=120
report "# boot finished at ${settle_start%.*} s of uptime; udev's queue drained $(awk -v s="$settle_start" '{ printf "%.1f", $1 - s }' /proc/uptime) s later"
check_eq "the kernel is $(param release)" "$(param release)" "$(uname -r)"
check_eq "systemd finished starting the system, no unit failed (is-system-running)" running "$state"
check_eq "systemctl --failed is empty" "" "$(systemctl --failed --no-legend --plain 2>&1)"
klog=$(journalctl -k -b -o cat --no-pager)
# A soft lockup or an RCU stall report is the emulator starved of CPU on a
# busy machine (seen here in udev workers loading modules, with gpuvfio
# purged): shown, not failed, unless its trace goes through gpuvfio.
check_eq "the kernel log has no WARNING:, BUG:, Oops, nor a trace through gpuvfio" "" \
	"$(printf '%s\n' "$klog" | grep -E 'WARNING:|BUG:|Oops|\[gpuvfio\]' |
		grep -v 'BUG: soft lockup - CPU#[0-9]* stuck for' | head -n 5)"
stalls=$(printf '%s\n' "$klog" | grep -E 'rcu: INFO: .*stall|BUG: soft lockup' || true)
[ -z "$stalls" ] ||
	report "# the emulator was starved (not gpuvfio): $(printf '%s\n' "$stalls" | head -n 2 | tr '\n' '|')"
report "# drivers: $(for d in $ALL; do printf '%s=%s ' "${d#0000:}" "$(driver "$d")"; done)"

# never_probed ADDR...: no host driver probed these devices in this boot.
never_probed() {
	local d hits=
	for d; do
		hits+=$(printf '%s\n' "$klog" | grep -E "(bochs-drm|snd_hda_intel|xhci_hcd) $d|Initialized bochs-drm .* for $d" || true)
	done
	printf '%s' "$hits"
}

claimed() {
	check_eq "the configured card and every function of its slot are on vfio-pci" \
		"vfio-pci vfio-pci vfio-pci" "$(drivers $GPU0 $GPU0_AUDIO $GPU0_USB)"
	check_eq "no bochs-drm, snd_hda_intel or xhci_hcd probe of them in this boot's kernel log" "" \
		"$(never_probed $GPU0 $GPU0_AUDIO $GPU0_USB)"
	check_eq "gpuvfio recorded no original driver for them: none had bound them" "" \
		"$(cat /sys/kernel/gpuvfio/devices/{$GPU0,$GPU0_AUDIO,$GPU0_USB}/original_driver 2>&1 | tr -d '\n')"
	check_eq "the excluded identical card is on its host drivers" "bochs-drm snd_hda_intel" \
		"$(drivers $GPU1 $GPU1_AUDIO)"
	check_eq "the card sharing its group with a NIC is left to its drivers" "bochs-drm e1000" \
		"$(drivers $GPU_NIC $NIC_SHARED)"
	check "and the kernel log says why (the NIC's group is not claimed)" \
		grep -q "$NIC_SHARED.*not claimed" <<<"$klog"
	check_eq "the NIC alone is on e1000e" e1000e "$(driver $NIC_ALONE)"
	check_eq "the module runs with the configured ids" "1234:1111" "$(cat /sys/kernel/gpuvfio/ids 2>&1)"
	check_eq "and the configured exclude" "$GPU1" "$(cat /sys/kernel/gpuvfio/exclude 2>&1)"

	# gpuvfio status -j against sysfs, device by device.
	local json d want got mismatch=
	json=$(gpuvfio status -j 2>&1)
	for d in $GPU0 $GPU0_AUDIO $GPU0_USB $GPU1 $GPU1_AUDIO $GPU_NIC $NIC_SHARED; do
		want=$(driver "$d")
		[ "$want" != none ] || want=null
		got=$(jq -r --arg a "$d" '.groups[].devices[] | select(.address == $a) | .driver // "null"' <<<"$json" 2>&1)
		[ "$got" = "$want" ] || mismatch+="$d: status says '$got', sysfs '$want'; "
	done
	check_eq "gpuvfio status -j shows every device's driver as sysfs does" "" "$mismatch"
	check_eq "gpuvfio status -j: the claimed card is managed, state vfio" "true vfio" \
		"$(jq -r --arg a $GPU0 '.groups[].devices[] | select(.address == $a) | "\(.managed) \(.state)"' <<<"$json" 2>&1)"
	local out rc
	out=$(gpuvfio check 2>&1)
	rc=$?
	check_eq "gpuvfio check exits 0" "0" "$rc"
	check "gpuvfio check: the module's ids and exclude as sysfs has them" \
		grep -q "ids: 1234:1111; exclude: $GPU1" <<<"$out"
	check "gpuvfio check: the running module, modprobe.d and the initramfs agree" \
		grep -qE '^PASS .*initramfs' <<<"$out"
	report "# gpuvfio check: $(grep -E '^(WARN|FAIL)' <<<"$out" | tr '\n' '|')"
}

purged() {
	# shellcheck disable=SC2086 # ALL is a list of addresses
	check_eq "every device is on its host driver" \
		"bochs-drm snd_hda_intel xhci_hcd bochs-drm snd_hda_intel bochs-drm e1000 e1000e" \
		"$(drivers $ALL)"
	check "gpuvfio is not loaded" sh -c '! grep -q "^gpuvfio " /proc/modules'
	check "no gpuvfio module is installed for any kernel" sh -c '! find /lib/modules -name "gpuvfio.ko*" | grep .'
	check_eq "dpkg knows no gpuvfio package" "" "$(dpkg -l 'gpuvfio*' 2>/dev/null | grep '^[a-z][a-z] ')"
	local left=
	while IFS= read -r f; do
		[ -n "$f" ] && [ -e "$f" ] && [ ! -d "$f" ] && left+="$f "
	done </var/lib/gvhost/package-files
	check_eq "no file of the packages' file lists is left" "" "$left"
	check_eq "no gpuvfio directory is left in DKMS's tree or /usr/src" "" \
		"$(ls -d /var/lib/dkms/gpuvfio /usr/src/gpuvfio-* 2>/dev/null)"
	check_eq "no gpuvfio file in /etc but the operator's own" "/etc/modprobe.d/gpuvfio-local.conf" \
		"$(find /etc -name '*gpuvfio*' | sort | tr '\n' ' ' | sed 's/ $//')"
	local img lister bad=
	lister=lsinitramfs
	command -v lsinitramfs >/dev/null || lister=lsinitrd
	for img in /boot/initrd.img-*; do
		$lister "$img" 2>/dev/null | grep -q gpuvfio && bad+="$img "
	done
	check_eq "no initramfs in /boot holds anything of gpuvfio ($lister)" "" "$bad"
}

badconf() {
	check_eq "nothing is on vfio-pci" "" "$(for d in $ALL; do [ "$(driver "$d")" != vfio-pci ] || echo "$d"; done)"
	check "gpuvfio is not loaded: it refused the malformed ids" sh -c '! grep -q "^gpuvfio " /proc/modules'
	check "the kernel log names the malformed token" grep -q "malformed entry '10de:xyz1'" <<<"$klog"
	local out rc
	out=$(gpuvfio check 2>&1)
	rc=$?
	check_eq "gpuvfio check exits 1" 1 "$rc"
	check "gpuvfio check names the file and the token" \
		grep -qE "^FAIL .*gpuvfio-typo\\.conf.*'10de:xyz1'" <<<"$out"
	report "# gpuvfio check: $(grep -E '^(WARN|FAIL)' <<<"$out" | tr '\n' '|')"
}

case $scenario in
claimed) claimed ;;
purged) purged ;;
badconf) badconf ;;
*) fail "gvhost.scenario= names a scenario this script knows (got '$scenario')" ;;
esac

# Kept for the host to look at after the boot (tests/host/run.sh).
journalctl -b -o short-monotonic --no-pager >/var/lib/gvhost/journal.txt 2>&1
[ "$failed" = 0 ] && echo success >"$VERDICT"
sync
systemctl poweroff
