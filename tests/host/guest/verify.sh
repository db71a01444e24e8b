#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the booted Debian image, from gvhost-verify.service, once the
# boot is over: checks what the scenario named on the kernel command line
# (gvhost.scenario=claimed|purged|badconf|libvirt) expects, writes one check line
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
# A stack dump with none of those (a hung task's, a lockdep or sysfs
# complaint's) fails too; one within a stall report's 200 lines is the
# stall's (its CPUs' backtraces).
check_eq "the kernel log has no Call Trace but a stall report's" "" \
	"$(printf '%s\n' "$klog" | awk '/BUG: soft lockup|rcu: INFO: .*stall|NMI backtrace/ { stall = NR }
		/Call Trace:/ && !(stall && NR - stall <= 200) { print NR ": " prev }
		{ prev = $0 }' | head -n 5)"
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
	check "the packages' file lists were saved before the purge" test -s /var/lib/gvhost/package-files
	check_eq "no file of the packages' file lists is left" "" "$left"
	check_eq "no gpuvfio directory is left in DKMS's tree or /usr/src" "" \
		"$(ls -d /var/lib/dkms/gpuvfio /usr/src/gpuvfio-* 2>/dev/null)"
	check_eq "no gpuvfio file in /etc but the operator's own" "/etc/modprobe.d/gpuvfio-local.conf" \
		"$(find /etc -name '*gpuvfio*' | sort | tr '\n' ' ' | sed 's/ $//')"
	# The whole disk, for what the system made while gpuvfio ran (s4 had
	# the metrics service write node_exporter's textfile before the purge).
	check_eq "nothing named gpuvfio anywhere on the disk but the operator's own file" \
		"/etc/modprobe.d/gpuvfio-local.conf" \
		"$(find / -xdev -name '*gpuvfio*' | sort | tr '\n' ' ' | sed 's/ $//')"
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

# ---- libvirt (s6) -------------------------------------------------------------

# state ADDR...: each device's driver and driver_override.
state() {
	local d out=
	for d; do
		# The kernel shows an unset override as "(null)".
		out+="${out:+ }$d=$(driver "$d")/$(cat "/sys/bus/pci/devices/$d/driver_override" 2>/dev/null)"
	done
	echo "$out"
}

# domain_xml NAME TARGET: a q35 domain (TCG, 64 MiB, no disk) whose devices
# are the <hostdev> elements `gpuvfio xml TARGET` prints, to /tmp/NAME.xml.
domain_xml() {
	{
		printf "<domain type='qemu'>\n  <name>%s</name>\n  <memory unit='MiB'>64</memory>\n  <vcpu>1</vcpu>\n" "$1"
		printf "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n  <devices>\n"
		gpuvfio xml "$2" | sed -n '/^ *<hostdev /,/^ *<\/hostdev>/p'
		printf "  </devices>\n</domain>\n"
	} >"/tmp/$1.xml"
}

qemu_pid() { cat "/run/libvirt/qemu/$1.pid" 2>/dev/null; }
group_of() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }

# vm_start NAME: virsh start --paused; sets out, rc and took (seconds).
vm_start() {
	local t0
	t0=$(date +%s)
	out=$(timeout 120 virsh start --paused "$1" 2>&1)
	rc=$?
	took=$(($(date +%s) - t0))
}

# vm_running NAME CARD...: the domain's QEMU runs (paused) and holds the
# group of CARD's display function, which with its slot is on vfio-pci and
# which gpuvfio reports owned by a VFIO user.
vm_running() {
	local name=$1 pid grp
	shift
	check_eq "$name: virsh domstate says paused (QEMU up, the guest not run)" paused \
		"$(virsh domstate "$name" 2>&1)"
	pid=$(qemu_pid "$name")
	grp=$(group_of "$1")
	check "$name: its QEMU (pid ${pid:-none}) holds /dev/vfio/$grp" \
		sh -c "ls -l /proc/${pid:-0}/fd 2>/dev/null | grep -q ' /dev/vfio/$grp\$'"
	check_eq "$name: gpuvfio status -j reports group $grp owned by a VFIO user" true \
		"$(gpuvfio status -j | jq --argjson g "$grp" '.groups[] | select(.group == $g) | .vfio_user' 2>&1)"
	check "$name: the hook recorded what it moved, under its UUID" \
		test -s "/run/gpuvfio/libvirt-hook/$(virsh domuuid "$name" 2>/dev/null | head -n 1)"
}

libvirt() {
	local host0 host1 before pid holder grp rc0

	check "gpuvfio is loaded (the package's softdeps load it with the cards' drivers)" \
		grep -q '^gpuvfio ' /proc/modules
	check_eq "no ids are configured: the module claims nothing" "" "$(cat /sys/kernel/gpuvfio/ids 2>&1)"
	host0="$GPU0=bochs-drm/(null) $GPU0_AUDIO=snd_hda_intel/(null) $GPU0_USB=xhci_hcd/(null)"
	host1="$GPU1=bochs-drm/(null) $GPU1_AUDIO=snd_hda_intel/(null)"
	check_eq "both cards start on their host drivers, no override (the positive control)" \
		"$host0 $host1" "$(state $GPU0 $GPU0_AUDIO $GPU0_USB $GPU1 $GPU1_AUDIO)"
	check "libvirt finds the hook where the package put it" test -x /etc/libvirt/hooks/qemu.d/gpuvfio

	# node_exporter serves the metrics the packaged timer wrote (every 30 s).
	check "gpuvfio-metrics.timer is active (enabled by the package)" systemctl is-active --quiet gpuvfio-metrics.timer
	local waited=0
	while [ ! -s /var/lib/prometheus/node-exporter/gpuvfio.prom ] && [ $waited -lt 90 ]; do
		sleep 2
		waited=$((waited + 2))
	done
	check "the timer's service wrote node_exporter's textfile (after ${waited} s)" \
		test -s /var/lib/prometheus/node-exporter/gpuvfio.prom
	check_eq "and ran successfully" success "$(systemctl show -P Result gpuvfio-metrics.service 2>&1)"
	local scrape
	scrape=$(curl -s --max-time 30 http://127.0.0.1:9100/metrics 2>&1)
	check "prometheus-node-exporter serves gpuvfio_module_loaded 1 from the textfile directory" \
		grep -qx 'gpuvfio_module_loaded 1' <<<"$scrape"
	check "and a gpuvfio_device_info series for GPU0" grep -q "^gpuvfio_device_info{.*$GPU0" <<<"$scrape"
	check "and node_exporter read the file without error" \
		grep -qE '^node_textfile_scrape_error 0' <<<"$scrape"

	domain_xml gv1 $GPU0
	domain_xml gv2 $GPU1
	domain_xml gvnic $GPU_NIC
	report "# gv1.xml: $(tr -s ' \n' ' ' </tmp/gv1.xml | cut -c 1-600)"
	local n
	for n in gv1 gv2 gvnic; do
		check "virsh define $n.xml (its hostdevs from gpuvfio xml)" virsh define "/tmp/$n.xml"
	done

	# One card, started, destroyed, destroyed again.
	vm_start gv1
	check_eq "virsh start --paused gv1: the hook moved GPU0's slot, QEMU started" 0 "$rc"
	[ "$rc" = 0 ] || report "# $out"
	check_eq "GPU0's three functions are on vfio-pci" "vfio-pci vfio-pci vfio-pci" \
		"$(drivers $GPU0 $GPU0_AUDIO $GPU0_USB)"
	check_eq "GPU1 is left alone" "$host1" "$(state $GPU1 $GPU1_AUDIO)"
	vm_running gv1 $GPU0
	check "virsh destroy gv1" virsh destroy gv1
	check_eq "GPU0's slot is back on its drivers, overrides as before" "$host0" \
		"$(state $GPU0 $GPU0_AUDIO $GPU0_USB)"
	out=$(virsh destroy gv1 2>&1)
	check_eq "virsh destroy gv1 again fails (not running)" "1" "$?"
	check_eq "and changes nothing" "$host0 $host1" "$(state $GPU0 $GPU0_AUDIO $GPU0_USB $GPU1 $GPU1_AUDIO)"

	# Twin cards, two domains, both orders.
	local first second
	for first in gv1 gv2; do
		second=gv2
		[ $first = gv1 ] || second=gv1
		vm_start $first
		rc0=$rc
		vm_start $second
		check_eq "$first, then $second: both start" "0 0" "$rc0 $rc"
		check_eq "both cards are on vfio-pci" "vfio-pci vfio-pci vfio-pci vfio-pci vfio-pci" \
			"$(drivers $GPU0 $GPU0_AUDIO $GPU0_USB $GPU1 $GPU1_AUDIO)"
		check "virsh destroy $first" virsh destroy $first
		if [ $first = gv1 ]; then
			check_eq "gv1's card is back, gv2's still on vfio-pci" "$host0 vfio-pci vfio-pci" \
				"$(state $GPU0 $GPU0_AUDIO $GPU0_USB) $(drivers $GPU1 $GPU1_AUDIO)"
		else
			check_eq "gv2's card is back, gv1's still on vfio-pci" "vfio-pci vfio-pci vfio-pci $host1" \
				"$(drivers $GPU0 $GPU0_AUDIO $GPU0_USB) $(state $GPU1 $GPU1_AUDIO)"
		fi
		check "virsh destroy $second" virsh destroy $second
		check_eq "both cards are back on their drivers" "$host0 $host1" \
			"$(state $GPU0 $GPU0_AUDIO $GPU0_USB $GPU1 $GPU1_AUDIO)"
	done

	# libvirtd restarted under a running domain: the hook's reconnect moves
	# nothing, and the domain and its card stay.
	vm_start gv1
	check_eq "virsh start --paused gv1 once more" 0 "$rc"
	pid=$(qemu_pid gv1)
	check "systemctl restart libvirtd" systemctl restart libvirtd
	check_eq "gv1 is still paused after the restart" paused "$(virsh domstate gv1 2>&1)"
	check_eq "by the same QEMU" "${pid:-none}" "$(qemu_pid gv1)"
	check_eq "and its card did not move" "vfio-pci vfio-pci vfio-pci" "$(drivers $GPU0 $GPU0_AUDIO $GPU0_USB)"
	check "virsh destroy gv1" virsh destroy gv1
	check_eq "then it goes back" "$host0" "$(state $GPU0 $GPU0_AUDIO $GPU0_USB)"

	# Refused: the card whose group holds a NIC.
	before=$(state $GPU_NIC $NIC_SHARED)
	vm_start gvnic
	check_eq "virsh start gvnic (its group holds a NIC) fails" 1 "$rc"
	check "libvirt's error carries gpuvfio's sentence naming the NIC and its driver" \
		grep -q "$NIC_SHARED.*e1000" <<<"$out"
	report "# $(tr '\n' ' ' <<<"$out" | cut -c 1-500)"
	check_eq "nothing moved" "$before" "$(state $GPU_NIC $NIC_SHARED)"
	check_eq "gvnic is shut off" "shut off" "$(virsh domstate gvnic 2>&1)"

	# Refused: a process holds the card's audio (a sound server would).
	local card
	card=$(basename /sys/bus/pci/devices/$GPU0_AUDIO/sound/card* 2>/dev/null)
	# shellcheck disable=SC2217 # the open file is the point, not the input
	sleep 600 <"/dev/snd/controlC${card#card}" &
	holder=$!
	vm_start gv1
	check_eq "virsh start gv1 with GPU0's audio held fails" 1 "$rc"
	check "within the hook's 20 s timeout (took $took s)" test "$took" -le 25
	check "naming the holder's pid ($holder)" grep -q "$holder" <<<"$out"
	report "# $(tr '\n' ' ' <<<"$out" | cut -c 1-500)"
	check_eq "nothing moved" "$host0" "$(state $GPU0 $GPU0_AUDIO $GPU0_USB)"
	kill "$holder"
	wait "$holder" 2>/dev/null
	vm_start gv1
	check_eq "once the holder is gone, gv1 starts" 0 "$rc"
	check "virsh destroy gv1" virsh destroy gv1
	check_eq "every device ends as it started" "$host0 $host1 $before" \
		"$(state $GPU0 $GPU0_AUDIO $GPU0_USB $GPU1 $GPU1_AUDIO $GPU_NIC $NIC_SHARED)"
	check_eq "the hook left no record behind" "" "$(ls /run/gpuvfio/libvirt-hook 2>/dev/null)"
}

case $scenario in
claimed) claimed ;;
libvirt) libvirt ;;
purged) purged ;;
badconf) badconf ;;
*) fail "gvhost.scenario= names a scenario this script knows (got '$scenario')" ;;
esac

# Kept for the host to look at after the boot (tests/host/run.sh).
journalctl -b -o short-monotonic --no-pager >/var/lib/gvhost/journal.txt 2>&1
[ "$failed" = 0 ] && echo success >"$VERDICT"
sync
systemctl poweroff
