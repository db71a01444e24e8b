# A hot-unplug at every step of a bind and of an unbind, in turn: the test
# build's remove_at removes GPU0's display function from the bus just before
# step N of the transaction (as a surprise removal would, between two
# steps); the function is rescanned afterwards. A removal before the
# function's own verification fails the request (EIO, "removed from the bus
# during the request") and every other device ends where it started; a
# removal after it lets the request complete for the others, and no record
# is left for the removed function. Rescanned, the function is a new device
# that no ids= matches, so its own driver takes it. Only the display
# function is removed: see 56-storm.sh for why not the audio one.
# Then all of it again with the removal "held": started on another thread
# and stopped in gpuvfio's bus notifier until the request has ended, so the
# function is dead (every attach fails with ENODEV) but still registered
# for the whole commit and rollback, as a hot-unplug racing a request
# leaves it for a moment (56-storm met it: a rollback that took the
# dying function for one its driver refused, and left a record behind).
# Needs the GPUVFIO_TEST=1 build.
# boot: std
# isolate: yes
. /tests/switch-lib.sh

gv_load_test_build remove_at || return 1
orig=$(gv_state $ALL_DEVS)
REST="$GPU0_AUDIO $GPU0_USB"

# back: rescan; wait until the display function is back on a driver and in
# an IOMMU group, and the audio has probed.
back() {
	echo 1 >/sys/bus/pci/rescan
	wait_for 60 test -e "$GV_SYSPCI/$GPU0/driver" ||
		fail "$1: $GPU0 is back on a driver after the rescan"
	wait_for 30 test -e "$GV_SYSPCI/$GPU0/iommu_group" ||
		fail "$1: $GPU0 is back in an IOMMU group"
	gv_settle
}

# logged TEXT: the kernel log since the mark has TEXT.
logged() {
	log_since_mark | grep -qF "$1"
}

not_logged() {
	! logged "$1"
}

# others STATE: STATE without the display function's entry.
others() {
	echo "$1" | tr ' ' '\n' | grep -v "^$GPU0=" | tr '\n' ' '
}

# request VERB STEP: VERB ("bind" or "unbind") GPU0 through sysfs with its
# display function removed just before STEP ($HELD: held); the write's
# result in $res.
request() {
	gv_mark
	echo "$2 $GPU0$HELD" >"$GV/remove_at"
	res=$(gv_write "$GV/$1" "$GPU0")
	echo 0 >"$GV/remove_at"
	check "$1$HELD: removed before step $2" logged "$GPU0: test: removed from the bus at step $2 "
	# A held removal ends once the request has.
	wait_for 20 test ! -e "$GV_SYSPCI/$GPU0"
}

# records: the addresses gpuvfio has records for, on one line.
records() {
	ls "$GV/devices" | words
}

# Bind: three functions, each with override, release and attach (steps
# 1-9), then each verified (10-12; the display function's is 10).
bind_steps() {
	n=1
	while [ "$n" -le 12 ]; do
		request bind "$n"
		check "bind$HELD, removal before step $n: the function is gone" test ! -e "$GV_SYSPCI/$GPU0"
		if [ "$n" -le 10 ]; then
			check_eq "bind$HELD, removal before step $n: fails with EIO" EIO "$res"
			check "bind$HELD, removal before step $n: the log says it was removed" \
				logged "$GPU0: was removed from the bus during the request"
			check "bind$HELD, removal before step $n: not taken for a driver's refusal" \
				not_logged "left without a driver"
			check_eq "bind$HELD, removal before step $n: the others back on their drivers" \
				"$(others "$orig")" "$(others "$(gv_state $ALL_DEVS)")"
			check_eq "bind$HELD, removal before step $n: no record left" "" "$(records)"
			back "bind$HELD, removal before step $n"
		else
			check_eq "bind$HELD, removal before step $n (after its check): the others are moved" ok "$res"
			check_eq "bind$HELD, removal before step $n: the others on vfio-pci" \
				"vfio-pci vfio-pci" "$(gv_drivers $REST)"
			check_eq "bind$HELD, removal before step $n: records for the others only" \
				"$GPU0_AUDIO $GPU0_USB" "$(records)"
			# Back on the bus it is a new device, matched by no ids=: its
			# own driver takes it.
			back "bind$HELD, removal before step $n"
			check_eq "bind$HELD, removal before step $n: back, it is on its driver" \
				"bochs-drm vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
			check "bind$HELD, removal before step $n: the card goes back" "$GVWRITE" "$GV/unbind" "$GPU0"
			gv_settle
		fi
		check_eq "bind$HELD, removal before step $n: all as at the start" "$orig" "$(gv_state $ALL_DEVS)"
		n=$((n + 1))
	done
}

# Unbind of the parked card: fifteen steps, the twelve of the bind and, per
# function, the user's own override put back after its attach (steps 4, 8
# and 12); GPU0's verification is step 13.
unbind_steps() {
	check "bind$HELD GPU0 for the unbind half" "$GVWRITE" "$GV/bind" "$GPU0"
	parked=$(gv_state $ALL_DEVS)
	n=1
	while [ "$n" -le 15 ]; do
		request unbind "$n"
		check "unbind$HELD, removal before step $n: its record went with it" test ! -e "$GV/devices/$GPU0"
		if [ "$n" -le 13 ]; then
			check_eq "unbind$HELD, removal before step $n: fails with EIO" EIO "$res"
			check "unbind$HELD, removal before step $n: the log says it was removed" \
				logged "$GPU0: was removed from the bus during the request"
			check "unbind$HELD, removal before step $n: not taken for a driver's refusal" \
				not_logged "left without a driver"
			check_eq "unbind$HELD, removal before step $n: the others still on vfio-pci" \
				"vfio-pci vfio-pci" "$(gv_drivers $REST)"
			check_eq "unbind$HELD, removal before step $n: their records kept" \
				"$GPU0_AUDIO $GPU0_USB" "$(records)"
			back "unbind$HELD, removal before step $n"
			check_eq "unbind$HELD, removal before step $n: back, it is on its driver" \
				"bochs-drm vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
			check "unbind$HELD, removal before step $n: park it with the rest again" \
				"$GVWRITE" "$GV/bind" "$GPU0"
			check_eq "unbind$HELD, removal before step $n: all parked as before" \
				"$parked" "$(gv_state $ALL_DEVS)"
		else
			check_eq "unbind$HELD, removal before step $n (after its check): the others given back" ok "$res"
			check_eq "unbind$HELD, removal before step $n: no record left" "" "$(records)"
			back "unbind$HELD, removal before step $n"
			check_eq "unbind$HELD, removal before step $n: back, all as at the start" \
				"$orig" "$(gv_state $ALL_DEVS)"
			[ "$n" = 15 ] || check "unbind$HELD, removal before step $n: park the card again" \
				"$GVWRITE" "$GV/bind" "$GPU0"
		fi
		n=$((n + 1))
	done
}

HELD=
bind_steps
unbind_steps
check_eq "all as at the start" "$orig" "$(gv_state $ALL_DEVS)"

HELD=" held"
check_eq "remove_at takes a held removal" ok "$(gv_write "$GV/remove_at" "3 $GPU0 held")"
check_eq "remove_at shows it" "3 $GPU0 held" "$(cat "$GV/remove_at")"
check_eq "remove_at refuses any other third word" EINVAL "$(gv_write "$GV/remove_at" "3 $GPU0 hold")"
check_eq "and keeps what it had" "3 $GPU0 held" "$(cat "$GV/remove_at")"
echo 0 >"$GV/remove_at"
bind_steps
unbind_steps
check_eq "all as at the start" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
