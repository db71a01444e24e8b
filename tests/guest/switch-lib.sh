# shellcheck shell=sh
# Shared by the switch tests (2x-*.sh, 3x-*.sh, 4x-*.sh); sourced after lib.sh.

GV=/sys/kernel/gpuvfio
GVWRITE=/tests/bin/gvwrite
ALL_DEVS="$GPU0 $GPU0_AUDIO $GPU0_USB $GPU1 $GPU1_AUDIO $GPU_NIC $NIC_SHARED $NIC_ALONE"
GPU0_CARD="$GPU0 $GPU0_AUDIO $GPU0_USB"

# gv_load_test_build KNOB: load gpuvfio and check that it is the test build
# (GPUVFIO_TEST=1), which has /sys/kernel/gpuvfio/KNOB; if not, fail and
# unload it again.
gv_load_test_build() {
	check "modprobe gpuvfio" modprobe gpuvfio || return 1
	[ -e "$GV/$1" ] && return 0
	fail "the test build has $GV/$1"
	rmmod gpuvfio
	return 1
}

# gv_state ADDR...: each device's driver and override, on one line.
gv_state() {
	for _a; do
		printf '%s=%s/%s ' "$_a" "$(drv_of "$_a")" "$(override_of "$_a")"
	done
}

# gv_drivers ADDR...: the drivers alone, space-separated.
gv_drivers() {
	_s=
	for _a; do
		_s="$_s${_s:+ }$(drv_of "$_a")"
	done
	echo "$_s"
}

# expect_write DESCRIPTION RESULT FILE STRING: one write(2) of STRING to FILE
# gives RESULT ("ok" or an errno name such as EXDEV).
expect_write() {
	check_eq "$1" "$2" "$("$GVWRITE" "$3" "$4")"
}

# log_since MARK: the kernel log after the line holding MARK.
gv_mark() {
	GV_MARK="gvtest-mark-$$-$(cut -d' ' -f1 /proc/uptime)"
	echo "$GV_MARK" >/dev/kmsg
}
log_since_mark() {
	dmesg | sed -n "/$GV_MARK/,\$p"
}

# gv_claims_done ADDR...: the claims that move ADDR... have ended. A claim
# (at load, or from an ids write) returns before its devices move; each
# device gets its record as its claim ends, and no request holds an IOMMU
# group any more (a claim made while nothing else runs holds its group from
# its submission to its end).
gv_claims_done() {
	for _a; do
		[ -e "$GV/devices/$_a" ] || return 1
	done
	gpuvfio -j status 2>/dev/null | jq -e '[.groups[].busy] | any | not' >/dev/null
}

# vfio_refcnt: vfio_pci's module reference count (0 when not loaded).
vfio_refcnt() {
	cat /sys/module/vfio_pci/refcnt 2>/dev/null || echo 0
}
