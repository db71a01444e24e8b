# A fault injected at every step of a bind and of an unbind, in turn: each
# failed transaction leaves every device on its original driver and override
# (issue 3). Needs the GPUVFIO_TEST=1 build (fail_at).
# boot: std
. /tests/switch-lib.sh

gv_load_test_build fail_at || return 1
orig=$(gv_state $ALL_DEVS)
# A user's own driver_override on the audio function must survive a rollback.
set_override "$GPU0_AUDIO" snd_hda_intel
orig_ovr=$(gv_state $ALL_DEVS)

n=1
while [ "$n" -le 40 ]; do
	echo "$n" >"$GV/fail_at"
	res=$(gv_write "$GV/bind" "$GPU0")
	[ "$res" = ok ] && break
	check_eq "bind with a fault at step $n fails with EIO" EIO "$res"
	check_eq "fault at step $n: every device back on its driver and override" \
		"$orig_ovr" "$(gv_state $ALL_DEVS)"
	check "fault at step $n: no record left" test ! -e "$GV/devices/$GPU0"
	gv_settle
	n=$((n + 1))
done
bind_steps=$((n - 1))
# Three devices, each with override, release, attach and verify.
check_eq "every bind step was made to fail" 12 "$bind_steps"
check_eq "past the last step the bind succeeds" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_eq "the user's override is recorded" snd_hda_intel "$(cat "$GV/devices/$GPU0_AUDIO/original_override")"
parked=$(gv_state $ALL_DEVS)

n=1
while [ "$n" -le 40 ]; do
	echo "$n" >"$GV/fail_at"
	res=$(gv_write "$GV/unbind" "$GPU0")
	[ "$res" = ok ] && break
	check_eq "unbind with a fault at step $n fails with EIO" EIO "$res"
	check_eq "fault at step $n: every device still on vfio-pci" \
		"$parked" "$(gv_state $ALL_DEVS)"
	check "fault at step $n: the record is kept" test -e "$GV/devices/$GPU0"
	n=$((n + 1))
done
echo 0 >"$GV/fail_at"
# Three devices, each with override, release, attach, the user's own
# override put back after the attach, and verify.
check_eq "every unbind step was made to fail" 15 "$((n - 1))"
gv_settle
check_eq "the unbind restored drivers and the user's override" "$orig_ovr" "$(gv_state $ALL_DEVS)"
set_override "$GPU0_AUDIO"
check_eq "all as at the start" "$orig" "$(gv_state $ALL_DEVS)"

# Two cards in one request: two IOMMU groups, moved by two lanes in
# parallel, so which lane meets step N varies from run to run. Whichever it
# is, the request fails and both cards end where they started.
n=1
while [ "$n" -le 40 ]; do
	echo "$n" >"$GV/fail_at"
	res=$(gv_write "$GV/bind" "$GPU0 $GPU1")
	[ "$res" = ok ] && break
	check_eq "two-card bind with a fault at step $n fails with EIO" EIO "$res"
	check_eq "two-card fault at step $n: both cards as they were" \
		"$orig" "$(gv_state $ALL_DEVS)"
	gv_settle
	n=$((n + 1))
done
echo 0 >"$GV/fail_at"
# Five devices, each with override, release, attach and verify.
check_eq "every step of a two-card bind was made to fail" 20 "$((n - 1))"
check_eq "past the last step both cards are on vfio-pci" \
	"vfio-pci vfio-pci vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD $GPU1 $GPU1_AUDIO)"
expect_write "the two cards go back" ok "$GV/unbind" "$GPU0 $GPU1"
gv_settle
check_eq "all as at the start, after the two-card test" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
