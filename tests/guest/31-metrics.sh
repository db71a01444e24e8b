# `gpuvfio metrics` against the real module: each request moves exactly
# its own counters (and no other) by one, read over netlink and in
# /sys/kernel/gpuvfio/stats/: a bind, a dry run, a request with nothing to
# do, an unbind, a refusal (the group with the NIC), a request rejected
# before it became a transaction (counts nowhere), an injected rollback,
# and a pending bind (running and pending while it waits, a bind once it
# ends). The tool's bind and unbind send a dry run first, which counts as
# one (docs/metrics.md), and stop there when it is refused. Without the
# module, only the device series. --output writes the file whole, mode
# 0644. Needs the GPUVFIO_TEST=1 build (fail_at).
# boot: std
. /tests/switch-lib.sh

M=/tmp/metrics.prom

# snap: the metrics now, in $M; fails the check when the tool does.
snap() {
	gpuvfio metrics >"$M" 2>"$M.err"
	_rc=$?
	[ "$_rc" -eq 0 ] || fail "gpuvfio metrics exits 0 (got $_rc)" "$(cat "$M.err")"
	return "$_rc"
}
# val NAME: the value of the unlabelled sample NAME in $M ("" if absent).
val() { sed -n "s/^$1 //p" "$M"; }
# has LINE: $M holds exactly that sample line.
has() { grep -qxF "$1" "$M"; }

COUNTERS="binds unbinds claims rollbacks rollbacks_incomplete refusals nothing_to_do dry_runs"
# counters: every counter's value, "name=value ...", from $M.
counters() {
	_s=
	for _c in $COUNTERS; do
		_s="$_s${_s:+ }$_c=$(val "gpuvfio_${_c}_total")"
	done
	echo "$_s"
}
# bumped BEFORE NAME...: BEFORE (a counters line) with each NAME one more.
bumped() {
	_b=$1
	shift
	_s=
	for _kv in $_b; do
		_k=${_kv%%=*}
		_v=${_kv#*=}
		for _n; do
			[ "$_k" = "$_n" ] && _v=$((_v + 1))
		done
		_s="$_s${_s:+ }$_k=$_v"
	done
	echo "$_s"
}
# expect_bump WHAT NAME...: since the snapshot in $before, each NAME and
# nothing else went up by one (no NAME: nothing moved); takes a new
# snapshot into $before.
expect_bump() {
	_what=$1
	shift
	snap || return 1
	check_eq "$_what: ${*:-no counter} up by one, every other as it was" \
		"$(bumped "$before" "$@")" "$(counters)"
	before=$(counters)
}

if is_loaded gpuvfio; then
	rmmod gpuvfio
fi

# ---- without the module: the device series only --------------------------------
snap || return 1
check_eq "no module: gpuvfio_module_loaded 0" 0 "$(val gpuvfio_module_loaded)"
check "no module: GPU0 is a series, on bochs-drm" \
	grep -q "^gpuvfio_device_info{address=\"$GPU0\",vendor=\"1234\",device=\"1111\",class=\"0300\",driver=\"bochs-drm\"" "$M"
check_no_match "no module: no counters" "^gpuvfio_[a-z_]*_total " "$(cat "$M")"
check_no_match "no module: the NIC alone is no series" "$NIC_ALONE" "$(cat "$M")"

# ---- loaded: every counter at 0 --------------------------------------------------
gv_load_test_build fail_at || return 1
orig=$(gv_state $ALL_DEVS)
snap || return 1
check_eq "loaded: gpuvfio_module_loaded 1" 1 "$(val gpuvfio_module_loaded)"
check_eq "a module just loaded: every counter 0" \
	"binds=0 unbinds=0 claims=0 rollbacks=0 rollbacks_incomplete=0 refusals=0 nothing_to_do=0 dry_runs=0" \
	"$(counters)"
check_eq "nothing running, nothing pending" "0 0" \
	"$(val gpuvfio_transactions_running) $(val gpuvfio_transactions_pending)"
check_eq "no request yet: no last duration" "" "$(val gpuvfio_last_request_duration_seconds)"
before=$(counters)

# ---- bind, dry run, nothing to do, unbind ----------------------------------------
check "gpuvfio bind GPU0" gpuvfio bind "$GPU0"
expect_bump "a bind through the tool" dry_runs binds
last=$(val gpuvfio_last_request_duration_seconds)
check_match "and the last request took some time (${last:-no duration})" \
	'^[0-9]+\.[0-9]{9}$' "$last"
check_no_match "more than none" '^0\.000000000$' "$last"
check "GPU0's series: on vfio-pci, state vfio, group $(group_of "$GPU0")" \
	has "gpuvfio_device_info{address=\"$GPU0\",vendor=\"1234\",device=\"1111\",class=\"0300\",driver=\"vfio-pci\",state=\"vfio\",group=\"$(group_of "$GPU0")\"} 1"
check "GPU0 is managed" has "gpuvfio_device_managed{address=\"$GPU0\"} 1"
check "GPU1 is not" has "gpuvfio_device_managed{address=\"$GPU1\"} 0"
check "GPU0's group is viable" has "gpuvfio_group_viable{group=\"$(group_of "$GPU0")\"} 1"
check "and no VFIO user owns it" has "gpuvfio_group_vfio_user{group=\"$(group_of "$GPU0")\"} 0"
check_eq "the managed devices" 3 "$(val gpuvfio_managed_devices)"
check_eq "sysfs's stats/binds says the same" 1 "$(cat "$GV/stats/binds")"

check "gpuvfio bind --dry-run GPU0" gpuvfio bind --dry-run "$GPU0"
expect_bump "a dry run" dry_runs
check "gpuvfio bind GPU0 again" gpuvfio bind "$GPU0"
expect_bump "a bind with nothing to do" dry_runs nothing_to_do
check "gpuvfio unbind GPU0" gpuvfio unbind "$GPU0"
gv_settle
expect_bump "an unbind through the tool" dry_runs unbinds
check "GPU0 is back on bochs-drm in its series" \
	grep -q "^gpuvfio_device_info{address=\"$GPU0\",.*driver=\"bochs-drm\",state=\"host\"" "$M"
check "and no longer managed" has "gpuvfio_device_managed{address=\"$GPU0\"} 0"

# ---- refusals ---------------------------------------------------------------------
check_exit "gpuvfio bind of the card beside the NIC is refused (exit 1)" 1 gpuvfio bind "$GPU_NIC"
expect_bump "a refusal (a foreign device in the group): the tool stops at its dry run" refusals
check_eq "the refusal changed nothing" "$orig" "$(gv_state $ALL_DEVS)"
check_fails "gpuvfio bind of an address that does not exist fails" gpuvfio bind 0000:09:00.0
expect_bump "a request rejected before it became a transaction counts nowhere"

# ---- an injected rollback -----------------------------------------------------------
echo 2 >"$GV/fail_at"
expect_write "a bind with a fault at step 2 fails" EIO "$GV/bind" "$GPU0"
echo 0 >"$GV/fail_at"
gv_settle
expect_bump "a rollback (a sysfs write: no dry run)" rollbacks
check_eq "the rollback put every device back" "$orig" "$(gv_state $ALL_DEVS)"
check_eq "sysfs's stats/rollbacks says the same" 1 "$(cat "$GV/stats/rollbacks")"

# ---- a pending bind ---------------------------------------------------------------
card=$(ls -d "$GV_SYSPCI/$GPU0_AUDIO"/sound/card* 2>/dev/null | head -n 1)
card=${card##*/card}
check "GPU0's audio function has ALSA card $card" test -c "/dev/snd/controlC$card" || return 1
sleep 1000 <"/dev/snd/controlC$card" &
holder=$!
holding() { [ "$(readlink "/proc/$holder/fd/0")" = "/dev/snd/controlC$card" ]; }
check "a process holds /dev/snd/controlC$card" wait_for 10 holding
check_exit "bind --force --timeout 3 of the held card: pending (exit 4)" 4 \
	gpuvfio bind --force --timeout 3 "$GPU0"
snap
check_eq "while it waits: one transaction running, one pending" "1 1" \
	"$(val gpuvfio_transactions_running) $(val gpuvfio_transactions_pending)"
check_eq "sysfs's stats/pending says the same" 1 "$(cat "$GV/stats/pending")"
check_eq "a pending bind has not counted yet (its dry run has)" \
	"$(bumped "$before" dry_runs)" "$(counters)"
before=$(counters)
check "GPU0's group is busy" has "gpuvfio_group_busy{group=\"$(group_of "$GPU0")\"} 1"
kill "$holder"
ended() { [ "$(cat "$GV/stats/running")" = 0 ]; }
check "once the holder exits, the bind ends" wait_for 30 ended
expect_bump "the pending bind, ended" binds
check_eq "nothing running, nothing pending any more" "0 0" \
	"$(val gpuvfio_transactions_running) $(val gpuvfio_transactions_pending)"
check_eq "the whole slot is on vfio-pci" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"

# ---- --output -----------------------------------------------------------------------
mkdir -p /tmp/textfile
umask 077
check "gpuvfio metrics --output writes the file" gpuvfio metrics --output /tmp/textfile/gpuvfio.prom
umask 022
check_eq "the file is mode 0644 whatever the umask" 644 "$(stat -c %a /tmp/textfile/gpuvfio.prom)"
check_eq "and alone in its directory: no temporary file left" gpuvfio.prom "$(ls -A /tmp/textfile)"
check "it holds the counters" grep -qx "gpuvfio_binds_total 2" /tmp/textfile/gpuvfio.prom

check "gpuvfio unbind GPU0" gpuvfio unbind "$GPU0"
gv_settle
check_eq "every device as at the start" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
