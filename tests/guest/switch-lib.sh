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
	check_eq "$1" "$2" "$(gv_write "$3" "$4")"
}

# gv_debug_kernel: the guest runs a debug kernel of `make check-debug`
# (release -gvdebug: KASAN, lockdep, kmemleak; -gvkcsan: KCSAN), where
# everything takes three to ten times as long.
gv_debug_kernel() {
	case $(uname -r) in
	*-gvdebug | *-gvkcsan) return 0 ;;
	esac
	return 1
}

# gv_write FILE VALUE: what writing VALUE to the sysfs file FILE answered
# (gvwrite: ok or the errno's name). A bind or unbind written there waits
# for its request up to the default 10 s, then answers EINPROGRESS while the
# request goes on. On a debug kernel a request with a rollback can outlive
# that wait where it takes a second on a normal one: there, and only there,
# an EINPROGRESS is followed to the request's end ("transaction N ...
# after it was reported pending" in the log, then its report by GET_TXN)
# and the answer is how it ended: ok, or its errno's name. On a normal
# kernel EINPROGRESS stays the answer, and fails a check expecting another.
gv_write() {
	# Its own mark: the caller's GV_MARK stays where the caller put it.
	_gw_mark="gvtest-write-$$-$(cut -d' ' -f1 /proc/uptime)"
	gv_debug_kernel && echo "$_gw_mark" >/dev/kmsg
	_gw=$("$GVWRITE" "$1" "$2")
	if [ "$_gw" = EINPROGRESS ] && gv_debug_kernel; then
		_gw_log() { dmesg | sed -n "/$_gw_mark/,\$p"; }
		_gw_ended() { _gw_log | grep -q "after it was reported pending"; }
		if wait_for 300 _gw_ended; then
			_gw_txn=$(_gw_log | sed -n 's/.*transaction \([0-9]*\) (.*after it was reported pending.*/\1/p' | head -n 1)
			_gw_err=$(/tests/bin/txn-get "$_gw_txn" 2>/dev/null |
				sed -n 's/^txn .* errno \([0-9]*\) .*/\1/p')
			case $_gw_err in
			0) _gw=ok ;;
			5) _gw=EIO ;;
			"") _gw="EINPROGRESS, then no report of transaction '$_gw_txn'" ;;
			*) _gw="EINPROGRESS, then errno $_gw_err" ;;
			esac
		else
			_gw="EINPROGRESS, and no end within 300 s"
		fi
	fi
	echo "$_gw"
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
