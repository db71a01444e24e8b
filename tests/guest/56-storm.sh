# A concurrency storm (issue 6). Background workers, each a bounded loop,
# all at once:
#   nl0    gpuvfio bind/unbind GPU0 over netlink
#   sys0   the same group through /sys/kernel/gpuvfio/bind and unbind
#   gpu1   GPU1, another group, by netlink and sysfs in turn
#   dry    gpuvfio bind --dry-run of GPU0, GPU1 and the NIC-shared GPU
#   status gpuvfio -j status, whose JSON must parse
#   plug   GPU1's display function removed and rescanned (hotplug)
#   mod    rmmod gpuvfio / modprobe gpuvfio ("in use" while a request runs)
# Every command runs under a guard: one that outlives it counts as a hang.
# Each must end with a documented status (gpuvfio: 0, 1, 3, 4, never 2;
# sysfs writes: done or EBUSY, EINPROGRESS, ENODEV while the module goes).
# Then: every device is on a driver, gpuvfio status agrees with sysfs, an
# unbind gives every device back its original driver and override, the
# module unloads, and the kernel logged no WARNING, BUG, lockdep report or
# hung task. No ALSA node is held open: snd_hda_intel cannot probe a card
# while another card's removal is held (see 25-serialise.sh). The hotplug
# is of the display function, not the audio one: snd_hda_intel's remove
# drops the device lock for a while, so a PCI remove racing any other
# unbind of an audio function (gpuvfio's, or a plain sysfs unbind without
# gpuvfio loaded) crashes the kernel on 6.1 and 6.12 (docs/reliability.md).
# boot: std
# isolate: yes
. /tests/switch-lib.sh

S=/tmp/storm
GUARD=60		# seconds one command may take before it is a hang
STORM_SECONDS=90	# no worker starts an iteration after this
ROUNDS=15		# bind/unbind rounds of each switching worker

uptime_s() { cut -d. -f1 /proc/uptime; }

# step WORKER COMMAND...: runs COMMAND under the guard and logs
# "STATUS WORD COMMAND" to $S/WORKER.log (WORD: the first word of the
# output, for gvwrite its result); returns the status.
step() {
	_w=$1
	shift
	timeout -s KILL "$GUARD" "$@" >"$S/$_w.out" 2>&1
	_rc=$?
	_word=$(head -n 1 "$S/$_w.out" | cut -d' ' -f1 | cut -c1-24)
	echo "$_rc ${_word:--} $*" >>"$S/$_w.log"
	return "$_rc"
}

# go: whether a worker may start another iteration.
go() { [ "$(uptime_s)" -lt "$storm_end" ]; }

w_nl0() {
	_i=0
	while [ "$_i" -lt "$ROUNDS" ] && go; do
		step nl0 gpuvfio bind --timeout 20 "$GPU0"
		step nl0 gpuvfio unbind --timeout 20 "$GPU0"
		_i=$((_i + 1))
	done
}

w_sys0() {
	_i=0
	while [ "$_i" -lt "$ROUNDS" ] && go; do
		step sys0 "$GVWRITE" "$GV/bind" "$GPU0"
		step sys0 "$GVWRITE" "$GV/unbind" "$GPU0"
		_i=$((_i + 1))
	done
}

w_gpu1() {
	_i=0
	while [ "$_i" -lt "$ROUNDS" ] && go; do
		if [ $((_i % 2)) = 0 ]; then
			step gpu1 gpuvfio bind --timeout 20 "$GPU1"
			step gpu1 gpuvfio unbind --timeout 20 "$GPU1"
		else
			step gpu1sys "$GVWRITE" "$GV/bind" "$GPU1"
			step gpu1sys "$GVWRITE" "$GV/unbind" "$GPU1"
		fi
		_i=$((_i + 1))
	done
}

w_dry() {
	_i=0
	while [ "$_i" -lt 30 ] && go; do
		for _t in "$GPU0" "$GPU1" "$GPU_NIC"; do
			step dry gpuvfio bind --dry-run --timeout 20 "$_t"
		done
		_i=$((_i + 1))
	done
}

w_status() {
	_i=0
	while [ "$_i" -lt 40 ] && go; do
		# JSON on stdout; stderr apart: a status that meets the module
		# mid-unload says on stderr that it shows sysfs's view.
		step status sh -c 'exec gpuvfio -j status 2>"$0"' "$S/status.err"
		if [ -s "$S/status.out" ] && jq -e '.groups' "$S/status.out" >/dev/null 2>&1; then
			echo "json ok" >>"$S/json.log"
		else
			{ echo "json BAD:"; head -c 600 "$S/status.out"; echo; } >>"$S/json.log"
		fi
		_i=$((_i + 1))
	done
}

w_plug() {
	_i=0
	while [ "$_i" -lt 4 ] && go; do
		sleep 3
		step plug sh -c "echo 1 >$GV_SYSPCI/$GPU1/remove"
		sleep 1
		step plug sh -c "echo 1 >/sys/bus/pci/rescan"
		# Let it come back and probe before it goes again.
		wait_for 30 test -e "$GV_SYSPCI/$GPU1/driver" ||
			echo "99 - $GPU1 has no driver 30 s after the rescan" >>"$S/plug.log"
		_i=$((_i + 1))
	done
}

w_mod() {
	_i=0
	while [ "$_i" -lt 8 ] && go; do
		sleep 4
		if step mod rmmod gpuvfio; then
			sleep 1
			# A netlink request may have loaded it again meanwhile.
			step modprobe /sbin/modprobe gpuvfio
		fi
		_i=$((_i + 1))
	done
}

# allowed WORKER STATUS...: every logged status of WORKER is one of these.
allowed() {
	_w=$1
	shift
	[ -f "$S/$_w.log" ] || { pass "$_w: ran no command"; return 0; }
	_bad=$(while read -r _rc _word _cmd; do
		_ok=0
		for _a; do [ "$_rc" = "$_a" ] && _ok=1; done
		[ "$_ok" = 1 ] || echo "status $_rc ($_word): $_cmd"
	done <"$S/$_w.log")
	if [ -z "$_bad" ]; then
		pass "$_w: $(wc -l <"$S/$_w.log") commands, every exit status one of: $*"
	else
		fail "$_w: every exit status one of: $* (137: killed by the ${GUARD}s guard, a hang)" "$_bad"
	fi
}

# counts WORKER FIELDS: how often each outcome came, as "N STATUS [WORD]";
# FIELDS is 1 for the exit status alone, 1,2 with gvwrite's result.
counts() {
	[ -f "$S/$1.log" ] || return 0
	gv_report "#   $1 (count, status$([ "$2" = 1 ] || echo ", result")): $(cut -d' ' -f"$2" "$S/$1.log" | sort | uniq -c | words)"
}

rm -rf "$S"
mkdir -p "$S"
check "modprobe gpuvfio" modprobe gpuvfio || return 1
orig=$(gv_state $ALL_DEVS)
gv_mark
storm_end=$(($(uptime_s) + STORM_SECONDS))
start=$(uptime_s)

w_nl0 & w_sys0 & w_gpu1 & w_dry & w_status & w_plug & w_mod &
wait
pass "the storm ended after $(($(uptime_s) - start)) s"

# gpuvfio: 0 done, 1 refused or failed, 3 module not loaded, 4 pending.
allowed nl0 0 1 3 4
allowed gpu1 0 1 3 4
allowed dry 0 1 3 4
allowed status 0 3
# gvwrite: 0 ok, 1 an errno (checked below), 2 the file is gone (unloaded).
allowed sys0 0 1 2
allowed gpu1sys 0 1 2
allowed plug 0
allowed mod 0 1
allowed modprobe 0
# gvwrite's errnos: EBUSY (another request holds the group), EINPROGRESS
# (pending), ENODEV (the module is going, or the device is gone), ESHUTDOWN
# (the module began to unload between the write and its request's start:
# "gpuvfio is being unloaded; nothing changed"); for GPU1,
# which is hot-removed, also EIO (removed mid-transaction: rolled back) and
# ENXIO (just rescanned, not yet in an IOMMU group: refused).
sysfs_errnos() { # WORKER ERRNO...
	_w=$1
	shift
	[ -f "$S/$_w.log" ] || return 0
	_bad=$(while read -r _rc _word _cmd; do
		[ "$_rc" = 1 ] || continue
		_ok=0
		for _e; do [ "$_word" = "$_e" ] && _ok=1; done
		[ "$_ok" = 1 ] || echo "$_word: $_cmd"
	done <"$S/$_w.log")
	check_eq "$_w: sysfs writes fail only with $*" "" "$_bad"
}
sysfs_errnos sys0 EBUSY EINPROGRESS ENODEV ESHUTDOWN
sysfs_errnos gpu1sys EBUSY EINPROGRESS ENODEV ESHUTDOWN EIO ENXIO
check_no_match "every status -j printed JSON" "BAD" "$(cat "$S/json.log" 2>/dev/null)"
for w in nl0 gpu1 dry status plug mod modprobe; do
	counts "$w" 1
done
counts sys0 1,2
counts gpu1sys 1,2
gv_report "#   kernel log: $(log_since_mark | grep -c '; rolled back') transactions rolled back, $(log_since_mark | grep -c 'pending: waiting') reported pending, $(log_since_mark | grep -c 'unloaded; devices') unloads, $(log_since_mark | grep -c 'no IOMMU group although') refused mid-hotplug"
# A device caught between remove and rescan is refused as such, not with
# the advice to turn the IOMMU on: it is on.
check_no_match "no refusal during the storm tells to enable the IOMMU" \
	"no IOMMU group: DMA is not translated" "$(log_since_mark)"

# ---- after the storm -------------------------------------------------------
is_loaded gpuvfio || check "modprobe gpuvfio after the storm" modprobe gpuvfio
not_busy() {
	timeout 30 gpuvfio -j status >"$S/settle.json" 2>/dev/null &&
		[ "$(jq '[.groups[] | select(.busy == true)] | length' "$S/settle.json")" = 0 ]
}
check "no group is busy any more" wait_for 120 not_busy
gv_settle
all_bound() {
	for _d in $ALL_DEVS; do
		[ -n "$(drv_of "$_d")" ] || return 1
	done
}
wait_for 60 all_bound
for d in $ALL_DEVS; do
	check_match "$d ends on a driver" \
		"^(bochs-drm|vfio-pci|snd_hda_intel|xhci_hcd|e1000|e1000e)$" "$(drv_of "$d")"
done

timeout 30 gpuvfio -j status >"$S/final.json" 2>"$S/final.err"
check_eq "gpuvfio -j status exits 0" 0 "$?"
listed=$(jq -r '.groups[].devices[] | "\(.address) \(.driver // "none")"' "$S/final.json" 2>&1)
for d in $GPU0_CARD $GPU1 $GPU1_AUDIO; do
	check_match "status lists $d" "^$d " "$listed"
done
mismatch=$(printf '%s\n' "$listed" | while read -r a drv; do
	s=$(drv_of "$a")
	[ "$drv" = "${s:-none}" ] || echo "$a: status says $drv, sysfs ${s:-none}"
done)
check_eq "status agrees with sysfs on every device's driver" "" "$mismatch"

# Devices parked when rmmod ran have no record now: unbind by address
# gives them the kernel's default driver, which is where they came from.
check "unbind GPU0 and GPU1" timeout 90 gpuvfio unbind --timeout 60 "$GPU0" "$GPU1"
gv_settle
back() { [ "$(gv_state $ALL_DEVS)" = "$orig" ]; }
wait_for 30 back
check_eq "every device is back on its original driver and override" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
# Two cards' audio functions move at once here: ALSA's own race between
# them (without_known_races, lib.sh) is named, not counted.
log_since_mark | report_known_races
check_no_match "the kernel logged no WARNING, BUG, lockdep report or hung task" \
	"WARNING:|BUG:|Oops|UBSAN:|Call Trace:|hung task|blocked for more than|circular locking|lock held|INFO: " \
	"$(log_since_mark | without_known_races)"
