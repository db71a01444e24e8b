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
STATUS_REPS=$(bench_param benchstatusreps $((REPS * 2)))

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
# driverctl fails when no driver takes the device back (the driverless audio
# functions above 32 cards): that is where it was; expect checks the rest.
driverctl_unbind() {
	for _d; do
		driverctl --nosave unset-override "$_d" || [ -z "$(drv_of "$_d")" ] || return 1
	done
}

# A deadline long enough for every card at once on a loaded machine: past
# the default 10 s the tool would return with the change still going on.
gpuvfio_bind() { gpuvfio bind --timeout 600 "$@" >/dev/null; }
gpuvfio_unbind() { gpuvfio unbind --timeout 600 "$@" >/dev/null; }
sysfs_bind() { echo "$*" >/sys/kernel/gpuvfio/bind; }
sysfs_unbind() { echo "$*" >/sys/kernel/gpuvfio/unbind; }
# One gpuvfio request per card, one after another (given the GPUs).
each_bind() {
	for _d; do
		gpuvfio_bind "$_d" || return 1
	done
}
each_unbind() {
	for _d; do
		gpuvfio_unbind "$_d" || return 1
	done
}

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
	expect "one.unbind.$_m" "$card_host" "$CARD_GPU" "$CARD_AUDIO"
}

# The kernel has 32 sound cards (CONFIG_SND_MAX_CARDS=32 in Debian's
# kernels): snd_hda_intel fails the probe of a 33rd controller (ENODEV), so
# with more cards which audio functions have a driver depends on the order
# of the probes, and a request that gives them back can find none left.
# Above 32 cards the audio functions have no driver instead: each card is a
# bochs-drm display and a driverless audio function.
gv_settle
if [ "$NCARDS" -gt 32 ] && is_loaded snd_hda_intel; then
	say "more than 32 cards: snd_hda_intel unloaded, the audio functions have no driver"
	rmmod snd_hda_intel || bad setup "rmmod snd_hda_intel failed"
fi
modprobe vfio-pci
modprobe gpuvfio || bad setup "modprobe gpuvfio failed"
gv_settle

# Where the cards' functions are at the start, and are given back to.
all_devs=$(for g in $GPUS; do printf '%s %s ' "$g" "${g%.0}.1"; done)
all_vfio=$(repeat vfio-pci $((NCARDS * 2)))
# shellcheck disable=SC2086 # a list of addresses
all_host=$(drivers $all_devs)
card_host=$(drivers "$CARD_GPU" "$CARD_AUDIO")
case " $all_host " in
*" vfio-pci "*) bad setup "a card is on vfio-pci at the start: $all_host" ;;
esac

# ---- 0. the module's memory per managed device ---------------------------

# slab_bytes: the bytes of every slab cache's active objects (/proc/slabinfo:
# active_objs x objsize), which is where the module's records live.
slab_bytes() {
	awk 'NR > 2 { s += $2 * $4 } END { printf "%d\n", s }' /proc/slabinfo
}
# kernfs_nodes: the sysfs (kernfs) nodes there are: a record's directory and
# its three files are four.
kernfs_nodes() {
	awk '$1 == "kernfs_node_cache" { n = $2 } END { print n + 0 }' /proc/slabinfo
}
# meminfo KEY: a /proc/meminfo line's value, in bytes.
meminfo() {
	awk -v k="$1:" '$1 == k { print $2 * 1024 }' /proc/meminfo
}
# The same 2N devices on vfio-pci three times: by the script's lines (no
# record), by one gpuvfio request (2N records, and the request's report,
# kept 60 s), and by the script again; the difference between the gpuvfio
# state and the mean of the two script states (which cancels a steady drift
# of the kernel's slabs) is the module's. And with the devices back on their
# host drivers, by the script and after gpuvfio's unbind: what the module
# keeps once it manages nothing.
# The first round (not recorded) pays for what a first request of this
# size leaves for later ones: the workqueue's threads for its lanes.
say "memory per managed device, $ALL_REPS rounds and a first one not recorded"
OUT=/dev/null
r=-1
while [ "$r" -lt "$ALL_REPS" ]; do
	gv_settle
	script_bind $all_devs
	expect mem.script "$all_vfio" $all_devs
	sync
	b_slab=$(slab_bytes)
	b_kernfs=$(kernfs_nodes)
	b_meminfo=$(($(meminfo Slab) + $(meminfo Percpu)))
	script_unbind $all_devs
	gv_settle
	d_slab=$(slab_bytes)
	gpuvfio_bind 1234:1111 || bad mem.bind "gpuvfio bind failed"
	expect mem.bind "$all_vfio" $all_devs
	sync
	a_slab=$(slab_bytes)
	a_kernfs=$(kernfs_nodes)
	a_meminfo=$(($(meminfo Slab) + $(meminfo Percpu)))
	gpuvfio_unbind 1234:1111 || bad mem.unbind "gpuvfio unbind failed"
	expect mem.unbind "$all_host" $all_devs
	gv_settle
	c_slab=$(slab_bytes)
	script_bind $all_devs
	expect mem.script "$all_vfio" $all_devs
	sync
	b2_slab=$(slab_bytes)
	b2_meminfo=$(($(meminfo Slab) + $(meminfo Percpu)))
	script_unbind $all_devs
	expect mem.script "$all_host" $all_devs
	sample mem.record $(((2 * a_slab - b_slab - b2_slab) / (NCARDS * 4)))
	sample mem.meminfo $(((2 * a_meminfo - b_meminfo - b2_meminfo) / (NCARDS * 4)))
	sample mem.kernfs $(((a_kernfs - b_kernfs) * 100 / (NCARDS * 2)))
	sample mem.after_unbind $(((c_slab - d_slab) / (NCARDS * 2)))
	say "round $r: slab $b_slab (script) $a_slab (gpuvfio) $b2_slab (script) on vfio-pci, $d_slab (script) $c_slab (gpuvfio) back; kernfs nodes $b_kernfs $a_kernfs"
	r=$((r + 1))
	OUT=/dev/ttyS2
done

# ---- 1. the round trip of one group --------------------------------------

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

say "all $NCARDS cards in one request vs one request per card vs the script's loop, $ALL_REPS rounds"
r=0
while [ "$r" -lt "$ALL_REPS" ]; do
	case $((r % 4)) in
	0) order="gpuvfio each program script" ;;
	1) order="each program script gpuvfio" ;;
	2) order="program script gpuvfio each" ;;
	*) order="script gpuvfio each program" ;;
	esac
	for m in $order; do
		gv_settle
		case $m in
		gpuvfio) args=1234:1111 ;;
		each) args=$GPUS ;;
		program | script) args=$all_devs ;;
		esac
		timed "all.bind.$m" "${m}_bind" $args
		expect "all.bind.$m" "$all_vfio" $all_devs
		timed "all.unbind.$m" "${m}_unbind" $args
		expect "all.unbind.$m" "$all_host" $all_devs
	done
	r=$((r + 1))
done

# ---- 3. status, check, metrics ----------------------------------------------

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
# check exits 1 when one of its checks failed: that is an answer too.
status_check() {
	gpuvfio check >/dev/null
	[ $? -le 1 ]
}
status_metrics() { gpuvfio metrics >/dev/null; }
gv_settle
for m in gpuvfio json check metrics lspci walk; do
	"status_$m"
done
say "status, check, metrics, $STATUS_REPS rounds"
r=0
while [ "$r" -lt "$STATUS_REPS" ]; do
	for m in gpuvfio json check metrics lspci walk; do
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
			json=$(gpuvfio "$dir" -j --timeout 600 $args)
			t1=$($NOW)
			breakdown "$what.$dir" "$json" $(((t1 - t0) / 1000))
		done
	done
	r=$((r + 1))
done

rmmod gpuvfio || bad teardown "rmmod gpuvfio failed"
say "done"
