# shellcheck shell=sh disable=SC2034 # the variables are for the scripts
# Helpers for the guest test scripts (tests/guest/NN-name.sh). /init sources
# this file, then each script in a subshell with GV_SCRIPT set to its name.
#
# A check prints "ok - SCRIPT: description" or "FAIL - SCRIPT: description"
# followed by "#"-prefixed detail lines; the host counts them.

GV_RESULTS_FILE=/tmp/gvtest.results
GV_RESULTS_TTY=/dev/ttyS2

# The standard topology (tests/qemu/common.sh, tests/README.md). The
# addresses follow from the QEMU command line; gv_topology_ok verifies them.
GPU0=0000:01:00.0         # VGA 1234:1111, bochs-drm
GPU0_AUDIO=0000:01:00.1   # intel-hda 8086:2668 with a codec, snd_hda_intel
GPU0_USB=0000:01:00.2     # qemu-xhci 1b36:000d, xhci_hcd
GPU1=0000:02:00.0         # second identical card: VGA 1234:1111
GPU1_AUDIO=0000:02:00.1   # its intel-hda 8086:2668
BRIDGE=0000:03:00.0       # pcie-pci-bridge 1b36:000e; its group holds:
GPU_NIC=0000:04:01.0      # bochs-display 1234:1111 (class 0380), bochs-drm
NIC_SHARED=0000:04:02.0   # e1000 8086:100e, e1000: the foreign device
NIC_ALONE=0000:05:00.0    # e1000e 8086:10d3 in a group of its own
GPU0_PORT=0000:00:10.0    # the root ports above the four slots
GPU1_PORT=0000:00:11.0
BRIDGE_PORT=0000:00:12.0
NIC_ALONE_PORT=0000:00:13.0

# The ids of the stand-ins.
ID_VGA=1234:1111
ID_HDA=8086:2668
ID_XHCI=1b36:000d
ID_E1000=8086:100e
ID_E1000E=8086:10d3

GV_SYSPCI=/sys/bus/pci/devices

# ---- reporting ----------------------------------------------------------

gv_report() {
	printf '%s\n' "$1"
	printf '%s\n' "$1" >>"$GV_RESULTS_FILE"
	[ -c "$GV_RESULTS_TTY" ] && printf '%s\n' "$1" >>"$GV_RESULTS_TTY"
	return 0
}

# without_known_races: the kernel log on stdin, with the "Call Trace:" of a
# kernel race that gpuvfio has no part in renamed "Trace of a known ALSA
# race (docs/reliability.md):", so that the checks for warnings pass it by
# while the log still shows it. The one race: ALSA frees a card's index in
# snd_card_disconnect() before that card's codec devices go, so another
# HDA controller probing meanwhile can take the index and find its codec's
# name (hdaudioC0D0) still taken: "sysfs: cannot create duplicate filename
# '/bus/hdaudio/drivers/.../hdaudioCnDm'", a stack dump from the probe work
# of snd_hda_intel, and "Cannot probe codecs, giving up". Renamed only when
# the dump (up to its "</TASK>") runs through azx_probe, holds exactly one
# "Call Trace:", and has no gpuvfio frame and no WARNING/BUG/Oops/UBSAN
# line; anything else is printed as it came.
without_known_races() {
	awk '
	function flush(known,   i) {
		for (i = 1; i <= n; i++) {
			if (known && buf[i] ~ /Call Trace:/)
				sub(/Call Trace:/, "Trace of a known ALSA race (docs/reliability.md):", buf[i])
			print buf[i]
		}
		n = 0
	}
	n == 0 && /sysfs: cannot create duplicate filename .\/bus\/hdaudio\/drivers\/[^\/]+\/hdaudioC[0-9]+D[0-9]+./ {
		buf[++n] = $0
		next
	}
	n > 0 {
		buf[++n] = $0
		if ($0 ~ /<\/TASK>/) {
			traces = 0; probe = 0; bad = 0
			for (i = 1; i <= n; i++) {
				if (buf[i] ~ /Call Trace:/) traces++
				if (buf[i] ~ /azx_probe/) probe = 1
				if (buf[i] ~ /gpuvfio|WARNING:|BUG:|Oops|UBSAN:/) bad = 1
			}
			flush(traces == 1 && probe && !bad)
		} else if (n >= 80) {
			flush(0)
		}
		next
	}
	{ print }
	END { flush(0) }'
}

# known_races: how many known races without_known_races renamed in the
# kernel log on stdin.
known_races() {
	without_known_races | grep -c 'Trace of a known ALSA race'
}

# known_race_victims: the addresses of the HDA controllers that the known
# race of without_known_races left without a sound card, in the kernel log
# on stdin: a renamed dump, then "snd_hda_intel ADDR: Cannot probe codecs,
# giving up" (the probe that met the taken name gives up, and the controller
# stays on snd_hda_intel with no card). One line per race, in order.
known_race_victims() {
	without_known_races | awk '
	/Trace of a known ALSA race/ { race = 1; next }
	race && /snd_hda_intel [0-9a-f]+:[0-9a-f]+:[0-9a-f]+\.[0-9a-f]: Cannot probe codecs, giving up/ {
		for (i = 1; i <= NF; i++)
			if ($i == "snd_hda_intel") { a = $(i + 1); sub(/:$/, "", a) }
		print a
		race = 0
	}'
}

# report_known_races: a "#" line naming the known races in the kernel log
# on stdin, when it holds any (the first one's own lines), for the checks
# that pass them by.
report_known_races() {
	_log=$(cat)
	_races=$(printf '%s\n' "$_log" | known_races)
	[ "$_races" = 0 ] && return 0
	gv_report "#   the kernel log holds $_races known ALSA race(s), not counted as warnings (docs/reliability.md): $(printf '%s\n' "$_log" |
		awk '/cannot create duplicate filename/ && !dup { dup = 1; print; next }
		     dup && /Cannot probe codecs/ { print; exit }' |
		sed 's/^\[[^]]*\] *//' | tr '\n' '|')"
}

# pass DESCRIPTION
pass() {
	gv_report "ok - ${GV_SCRIPT:-?}: $1"
}

# fail DESCRIPTION [DETAIL...]: each DETAIL may span lines; the last 25
# lines of each are reported, cut at 400 characters.
fail() {
	gv_report "FAIL - ${GV_SCRIPT:-?}: $1"
	shift
	for detail in "$@"; do
		printf '%s\n' "$detail" | tail -n 25 | cut -c 1-400 | while IFS= read -r line; do
			gv_report "#   $line"
		done
	done
	return 1
}

# skip WHAT, because WHY: checks that did not run, and why; counted neither
# as passed nor as failed.
skip() {
	gv_report "skip - ${GV_SCRIPT:-?}: $1"
}

# check DESCRIPTION COMMAND [ARG...]: passes when COMMAND exits 0. Returns
# COMMAND's exit status, so a script can stop when later checks would be
# meaningless.
check() {
	_desc=$1
	shift
	_out=$("$@" 2>&1)
	_rc=$?
	if [ "$_rc" = 0 ]; then
		pass "$_desc"
	else
		fail "$_desc" "command: $* (exit status $_rc)" "$_out"
	fi
	return "$_rc"
}

# check_fails DESCRIPTION COMMAND [ARG...]: passes when COMMAND exits non-zero.
check_fails() {
	_desc=$1
	shift
	_out=$("$@" 2>&1)
	_rc=$?
	if [ "$_rc" != 0 ]; then
		pass "$_desc"
		return 0
	fi
	fail "$_desc" "command: $* (exit status 0, expected a failure)" "$_out"
}

# check_exit DESCRIPTION STATUS COMMAND [ARG...]: passes when COMMAND exits
# with exactly STATUS.
check_exit() {
	_desc=$1
	_want=$2
	shift 2
	_out=$("$@" 2>&1)
	_rc=$?
	if [ "$_rc" = "$_want" ]; then
		pass "$_desc"
		return 0
	fi
	fail "$_desc" "command: $* (exit status $_rc, expected $_want)" "$_out"
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
		return 0
	fi
	fail "$1" "expected: '$2'" "actual:   '$3'"
}

# check_match DESCRIPTION ERE TEXT: passes when a line of TEXT matches ERE.
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		pass "$1"
		return 0
	fi
	fail "$1" "no line matches: $2" "text:" "$3"
}

# check_no_match DESCRIPTION ERE TEXT: passes when no line of TEXT matches.
check_no_match() {
	if ! printf '%s\n' "$3" | grep -Eq -- "$2"; then
		pass "$1"
		return 0
	fi
	# The matching lines first, then each with the lines before it: a
	# summary that shows only the head of a failure's text shows why.
	fail "$1" "unexpected match for: $2" "matching lines:" \
		"$(printf '%s\n' "$3" | grep -E -- "$2" | head -n 10)" \
		"each with up to 8 lines before it:" \
		"$(printf '%s\n' "$3" | grep -E -B 8 -- "$2" | head -n 60)" \
		"the whole text:" "$3"
}

# words: the lines of stdin as one line of space-separated words.
words() {
	tr -s ' \n' '  ' | sed 's/^ //; s/ $//'
}

# ---- devices ------------------------------------------------------------

# drv_of ADDR: the driver bound to ADDR, or nothing.
drv_of() {
	_l=$(readlink "$GV_SYSPCI/$1/driver" 2>/dev/null) || return 0
	echo "${_l##*/}"
}

# override_of ADDR: ADDR's driver_override, or nothing.
override_of() {
	_v=$(cat "$GV_SYSPCI/$1/driver_override" 2>/dev/null)
	[ "$_v" = "(null)" ] && _v=
	echo "$_v"
}

# set_override ADDR [DRIVER]: set, or with no DRIVER clear, the override.
set_override() {
	echo "${2:-}" >"$GV_SYSPCI/$1/driver_override"
}

# id_of ADDR: vendor:device in lowercase hex, e.g. 1234:1111.
id_of() {
	_v=$(cat "$GV_SYSPCI/$1/vendor")
	_d=$(cat "$GV_SYSPCI/$1/device")
	echo "${_v#0x}:${_d#0x}"
}

# class_of ADDR: the class as sysfs gives it, e.g. 0x030000.
class_of() {
	cat "$GV_SYSPCI/$1/class"
}

# group_of ADDR: the IOMMU group number, or nothing without an IOMMU.
group_of() {
	_l=$(readlink "$GV_SYSPCI/$1/iommu_group" 2>/dev/null) || return 0
	echo "${_l##*/}"
}

# group_devices N: the members of IOMMU group N, sorted, one per line.
group_devices() {
	for _d in "/sys/kernel/iommu_groups/$1/devices"/*; do
		[ -e "$_d" ] && echo "${_d##*/}"
	done | sort
}

# unbind_dev ADDR: release ADDR from its driver, if it has one.
unbind_dev() {
	[ -e "$GV_SYSPCI/$1/driver" ] || return 0
	echo "$1" >"$GV_SYSPCI/$1/driver/unbind"
}

# probe_dev ADDR: let the kernel pick a driver for ADDR (override first).
probe_dev() {
	echo "$1" >/sys/bus/pci/drivers_probe
}

# move_to ADDR DRIVER: bind ADDR to DRIVER the plain sysfs way, through the
# override; restore_dev puts back what a device had.
move_to() {
	set_override "$1" "$2" && unbind_dev "$1" && probe_dev "$1" &&
		[ "$(drv_of "$1")" = "$2" ]
}

# restore_dev ADDR DRIVER [OVERRIDE]: make ADDR bound to DRIVER (nothing:
# unbound) with OVERRIDE (nothing: none).
restore_dev() {
	[ "$(drv_of "$1")" = "$2" ] && [ "$(override_of "$1")" = "${3:-}" ] && return 0
	unbind_dev "$1"
	if [ -n "$2" ]; then
		set_override "$1" "$2"
		probe_dev "$1"
	fi
	set_override "$1" "${3:-}"
	[ "$(drv_of "$1")" = "$2" ]
}

# is_loaded MODULE: the module (name with underscores) is loaded.
is_loaded() {
	grep -q "^$1 " /proc/modules
}

# Busybox's shell runs its own applet for a bare "modprobe"; kmod's is the
# one that knows softdeps, modprobe.d and the command line's options.
modprobe() {
	/sbin/modprobe "$@"
}

# util-linux's setpriv, for the same reason (busybox's has no --reuid).
setpriv() {
	/usr/bin/setpriv "$@"
}

# as_nobody COMMAND [ARG...]: run COMMAND as an unprivileged user.
as_nobody() {
	/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# wait_for SECONDS COMMAND [ARG...]: run COMMAND until it succeeds, at most
# for SECONDS (a bound against hangs, not a timing assumption).
wait_for() {
	_n=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# gv_cardless: the controllers on snd_hda_intel without a sound card.
gv_cardless() {
	for _dev in /sys/bus/pci/drivers/snd_hda_intel/0000:*; do
		[ -e "$_dev" ] || continue
		ls -d "$_dev"/sound/card* >/dev/null 2>&1 || basename "$_dev"
	done
}

# gv_audio_probed: every controller bound to snd_hda_intel has its sound
# card (snd_hda_intel finishes probing asynchronously).
gv_audio_probed() {
	[ -z "$(gv_cardless)" ]
}

# gv_settle: wait until the drivers just loaded have finished probing. A
# controller that the known ALSA race (without_known_races) left without a
# card is probed once more, as docs/reliability.md tells an operator, and
# named in a "#" line: once per race the kernel logged for it (counted in
# GV_REPROBED, a file), so a controller without a card for another reason,
# or again, fails the check.
GV_REPROBED=${GV_REPROBED:-/tmp/gv-reprobed}
gv_settle() {
	wait_for 60 gv_audio_probed && return 0
	_victims=$(dmesg | known_race_victims)
	_other=
	for _a in $(gv_cardless); do
		_races=$(printf '%s\n' "$_victims" | grep -cx "$_a")
		_done=$(grep -cx "$_a" "$GV_REPROBED" 2>/dev/null)
		if [ "$_races" -gt "${_done:-0}" ]; then
			gv_report "#   $_a: left without a sound card by the known ALSA race (docs/reliability.md); probing it again"
			echo "$_a" >>"$GV_REPROBED"
			echo "$_a" >/sys/bus/pci/drivers/snd_hda_intel/unbind
			echo "$_a" >/sys/bus/pci/drivers/snd_hda_intel/bind
		else
			_other="$_other $_a"
		fi
	done
	[ -z "$_other" ] && wait_for 60 gv_audio_probed && return 0
	fail "audio controllers finished probing" \
		"on snd_hda_intel without a sound card:$(for _a in $(gv_cardless); do printf ' %s' "$_a"; done)" \
		"$(dmesg | grep -E 'snd_hda|hdaudio' | tail -n 12)"
}

# gv_topology_ok: the standard topology is where this file says it is.
gv_topology_ok() {
	for _pair in "$GPU0 $ID_VGA" "$GPU0_AUDIO $ID_HDA" "$GPU0_USB $ID_XHCI" \
		"$GPU1 $ID_VGA" "$GPU1_AUDIO $ID_HDA" "$GPU_NIC $ID_VGA" \
		"$NIC_SHARED $ID_E1000" "$NIC_ALONE $ID_E1000E"; do
		# shellcheck disable=SC2086 # split "ADDR ID"
		set -- $_pair
		[ -d "$GV_SYSPCI/$1" ] || { echo "no device at $1"; return 1; }
		[ "$(id_of "$1")" = "$2" ] || { echo "$1 is $(id_of "$1"), expected $2"; return 1; }
	done
}
