# shellcheck shell=sh disable=SC2086 # lists of addresses are split on purpose
# `make bench`, in the VM (/init runs it as /tests/bench.sh when the command
# line has gvtest.bench=1). The topology is scripts/bench.sh's: N cards, each
# a VGA function (bochs-drm) and its HDMI-style audio function
# (snd_hda_intel) in an IOMMU group of their own.
#
# Every timed run prints "sample NAME MICROSECONDS" on ttyS2 (the host takes
# the medians); a run that did not leave the devices where it should prints
# "bad NAME WHY" instead and the bench fails. Methods are interleaved,
# starting with a different one each round, so a drift of the machine
# affects them alike.
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh

NOW=/tests/bin/nsclock
S=/sys/bus/pci/devices
OUT=/dev/ttyS2

# bench_param NAME DEFAULT: gvtest.NAME= of the command line.
bench_param() {
	_v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^gvtest\\.$1=//p" | tail -n 1)
	echo "${_v:-$2}"
}
REPS=$(bench_param benchreps 9)
ALL_REPS=$(bench_param benchallreps 5)

say() { echo "bench: $*"; }
sample() { echo "sample $1 $2" >>"$OUT"; }
bad() {
	echo "bad $1 $2" >>/dev/ttyS2
	say "BAD $1: $2"
}

# The cards, found by class and vendor: display functions 1234:1111 at
# function 0, their audio at function 1 of the same slot.
GPUS=
AUDIO=
for d in "$S"/*:00.0; do
	a=${d##*/}
	[ "$(cat "$d/class")" = 0x030000 ] || continue
	GPUS="$GPUS $a"
	AUDIO="$AUDIO ${a%.0}.1"
done
set -- $GPUS
NCARDS=$#
CARD_GPU=$1
CARD_AUDIO=${1%.0}.1
say "$NCARDS cards; the one-group measurements use $CARD_GPU + $CARD_AUDIO"
echo "cards $NCARDS" >>"$OUT"

# drivers ADDR...: the drivers of ADDR..., space-separated.
drivers() {
	_out=
	for _a; do
		_out="$_out $(drv_of "$_a")"
	done
	echo "${_out# }"
}

# repeat WORD N: WORD N times, space-separated.
repeat() {
	_out=
	_i=0
	while [ "$_i" -lt "$2" ]; do
		_out="$_out $1"
		_i=$((_i + 1))
	done
	echo "${_out# }"
}

# expect NAME WANT ADDR...: the devices are on the drivers in WANT.
expect() {
	_name=$1
	_want=$2
	shift 2
	_now=$(drivers "$@")
	[ "$_now" = "$_want" ] || bad "$_name" "expected '$_want', found '$_now'"
}

# ---- the ways to move a group -------------------------------------------

# The script way of the deployment guides (vfio-driver.sh): for each
# function, driver_override, unbind, drivers_probe. As operators run it: a
# bash program started per request (tests/bench/vfio-driver.sh).
program_bind() { /tests/vfio-driver.sh bind "$@"; }
program_unbind() { /tests/vfio-driver.sh unbind "$@"; }

# The same as functions of this shell: no program started at all, the
# script's best case (what no operator runs).
script_bind() {
	for _d; do
		echo vfio-pci >"$S/$_d/driver_override"
		[ -e "$S/$_d/driver" ] && echo "$_d" >"$S/$_d/driver/unbind"
		echo "$_d" >/sys/bus/pci/drivers_probe
	done
}
script_unbind() {
	for _d; do
		echo >"$S/$_d/driver_override"
		[ -e "$S/$_d/driver" ] && echo "$_d" >"$S/$_d/driver/unbind"
		echo "$_d" >/sys/bus/pci/drivers_probe
	done
}

driverctl_bind() {
	for _d; do
		driverctl --nosave set-override "$_d" vfio-pci || return 1
	done
}
driverctl_unbind() {
	for _d; do
		driverctl --nosave unset-override "$_d" || return 1
	done
}

gpuvfio_bind() { gpuvfio bind "$@" >/dev/null; }
gpuvfio_unbind() { gpuvfio unbind "$@" >/dev/null; }
sysfs_bind() { echo "$*" >/sys/kernel/gpuvfio/bind; }
sysfs_unbind() { echo "$*" >/sys/kernel/gpuvfio/unbind; }

# timed NAME COMMAND...: run COMMAND, record its time as NAME.
timed() {
	_name=$1
	shift
	_t0=$($NOW)
	"$@"
	_rc=$?
	_t1=$($NOW)
	if [ "$_rc" != 0 ]; then
		bad "$_name" "exit status $_rc: $*"
		return 1
	fi
	sample "$_name" $(((_t1 - _t0) / 1000))
	LAST_US=$(((_t1 - _t0) / 1000))
}

# round_trip METHOD: the one group to vfio-pci and back, timed whole and by
# half (bind, unbind).
round_trip() {
	_m=$1
	# gpuvfio takes the companion (audio) along; the others are given both.
	case $_m in
	gpuvfio | sysfs) _devs=$CARD_GPU ;;
	*) _devs="$CARD_GPU $CARD_AUDIO" ;;
	esac
	gv_settle
	timed "one.bind.$_m" "${_m}_bind" $_devs || return 1
	_b=$LAST_US
	expect "one.bind.$_m" "vfio-pci vfio-pci" "$CARD_GPU" "$CARD_AUDIO"
	timed "one.unbind.$_m" "${_m}_unbind" $_devs || return 1
	sample "rt.$_m" $((_b + LAST_US))
	expect "one.unbind.$_m" "bochs-drm snd_hda_intel" "$CARD_GPU" "$CARD_AUDIO"
}

# ---- 1. the round trip of one group --------------------------------------

modprobe vfio-pci
modprobe gpuvfio || bad setup "modprobe gpuvfio failed"
gv_settle
methods="gpuvfio sysfs program script driverctl"
command -v driverctl >/dev/null || {
	bad setup "driverctl is not in the image"
	methods="gpuvfio sysfs program script"
}
# A warm-up round, not recorded in the medians' set: the first run of each
# pays for loading programs and pages.
OUT=/dev/null
for m in $methods; do
	round_trip "$m"
done
OUT=/dev/ttyS2
say "round trip of one group, $REPS rounds"
r=0
while [ "$r" -lt "$REPS" ]; do
	# Rotate the order: round r starts with method number r mod (methods).
	set -- $methods
	i=0
	while [ "$i" -lt $((r % $#)) ]; do
		first=$1
		shift
		set -- "$@" "$first"
		i=$((i + 1))
	done
	for m; do
		round_trip "$m"
	done
	r=$((r + 1))
done

# ---- 2. every card at once -----------------------------------------------

all_vfio=$(repeat vfio-pci $((NCARDS * 2)))
all_host=$(for g in $GPUS; do printf 'bochs-drm snd_hda_intel '; done)
all_host=${all_host% }
all_devs=$(for g in $GPUS; do printf '%s %s ' "$g" "${g%.0}.1"; done)
say "all $NCARDS cards in one request vs the script's loop, $ALL_REPS rounds"
r=0
while [ "$r" -lt "$ALL_REPS" ]; do
	case $((r % 3)) in
	0) order="gpuvfio program script" ;;
	1) order="program script gpuvfio" ;;
	*) order="script gpuvfio program" ;;
	esac
	for m in $order; do
		gv_settle
		case $m in
		gpuvfio) args=1234:1111 ;;
		program | script) args=$all_devs ;;
		esac
		timed "all.bind.$m" "${m}_bind" $args
		expect "all.bind.$m" "$all_vfio" $all_devs
		timed "all.unbind.$m" "${m}_unbind" $args
		expect "all.unbind.$m" "$all_host" $all_devs
	done
	r=$((r + 1))
done

# ---- 3. status -------------------------------------------------------------

# The shell way: walk sysfs, read ids, driver and group (builtins but readlink).
sysfs_walk() {
	for _d in "$S"/*; do
		read -r _v <"$_d/vendor"
		read -r _p <"$_d/device"
		read -r _c <"$_d/class"
		_drv=$(readlink "$_d/driver")
		_grp=$(readlink "$_d/iommu_group")
		echo "${_d##*/} ${_v#0x}:${_p#0x} $_c ${_drv##*/} ${_grp##*/}"
	done
}
status_gpuvfio() { gpuvfio status >/dev/null; }
status_json() { gpuvfio status -j >/dev/null; }
status_lspci() { lspci -nnk >/dev/null; }
status_walk() { sysfs_walk >/dev/null; }
gv_settle
for m in gpuvfio json lspci walk; do
	"status_$m"
done
say "status, $((REPS * 2)) rounds"
r=0
while [ "$r" -lt $((REPS * 2)) ]; do
	for m in gpuvfio json lspci walk; do
		timed "status.$m" "status_$m"
	done
	r=$((r + 1))
done

# ---- 4. where the time goes ----------------------------------------------

# From the module's own report: its elapsed time, the drivers' time (each
# member's override + release + attach) summed per group, the longest group
# (the critical path when groups run in parallel) and all groups together
# (what one after another would cost).
breakdown() {
	_name=$1
	_json=$2
	_wall=$3
	echo "$_json" | jq -r --arg n "$_name" --argjson wall "$_wall" '
		([.members[] | select(.t_release_ms != null)
		  | {g: .group, t: ((.t_override_ms // 0) + (.t_release_ms // 0) + (.t_attach_ms // 0))}]
		 | group_by(.g) | map(map(.t) | add)) as $lanes
		| "sample kernel.\($n).elapsed \(.elapsed_ms * 1000 | floor)",
		  "sample kernel.\($n).longest_group \($lanes | max * 1000 | floor)",
		  "sample kernel.\($n).all_groups \($lanes | add * 1000 | floor)",
		  "sample kernel.\($n).own \((.elapsed_ms - ($lanes | max)) * 1000 | floor)",
		  "sample cli.\($n).outside_kernel \($wall - .elapsed_ms * 1000 | floor)"' >>"$OUT" ||
		bad "kernel.$_name" "no per-step times in: $_json"
}
say "per-step times, $ALL_REPS rounds"
r=0
while [ "$r" -lt "$ALL_REPS" ]; do
	for what in one all; do
		case $what in
		one) args=$CARD_GPU ;;
		all) args=1234:1111 ;;
		esac
		for dir in bind unbind; do
			gv_settle
			t0=$($NOW)
			json=$(gpuvfio "$dir" -j $args)
			t1=$($NOW)
			breakdown "$what.$dir" "$json" $(((t1 - t0) / 1000))
		done
	done
	r=$((r + 1))
done

rmmod gpuvfio || bad teardown "rmmod gpuvfio failed"
say "done"
