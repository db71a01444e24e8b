# Requests on the same IOMMU group run one after another; requests on other
# groups do not wait for them (issue 3); and no sysfs write leaves its
# caller blocked past the timeout (issue 4). A process holding the audio
# function's ALSA control node makes snd_hda_intel's remove, and so a bind
# of GPU0, wait until it lets go: that is the long request.
# boot: std
. /tests/switch-lib.sh

check "modprobe gpuvfio" modprobe gpuvfio || return 1
orig=$(gv_state $ALL_DEVS)
card=$(ls -d "$GV_SYSPCI/$GPU0_AUDIO"/sound/card* 2>/dev/null | head -n 1)
card=${card##*/card}
check "GPU0's audio function has ALSA card $card" test -c "/dev/snd/controlC$card" || return 1

sleep 1000 <"/dev/snd/controlC$card" &
holder=$!
start=$(cut -d. -f1 /proc/uptime)
gv_mark
"$GVWRITE" "$GV/bind" "$GPU0" >/tmp/bind1.out 2>&1 &
bind1=$!
# Wait on the driver link, not on driver_override: on 6.1 reading that
# file takes the device lock, which the blocked remove holds.
gpu_moved() { [ "$(drv_of "$GPU0")" = vfio-pci ]; }
check "the first bind has taken the group and moved the GPU" wait_for 30 gpu_moved
"$GVWRITE" "$GV/bind" "$GPU0" >/tmp/bind2.out 2>&1 &
bind2=$!

# The other group is the NIC-shared one, not GPU1: snd_hda_intel cannot
# probe a second card while the first card's removal is held open (the new
# card reuses its index and collides in sysfs), a limit of that driver.
check_eq "a bind on another group completes meanwhile" ok \
	"$(timeout 30 "$GVWRITE" "$GV/bind" "$GPU_NIC $NIC_SHARED")"
check_eq "and so does its unbind" ok \
	"$(timeout 30 "$GVWRITE" "$GV/unbind" "$GPU_NIC $NIC_SHARED")"
check "status does not hang while a remove blocks" timeout 20 gpuvfio status

wait "$bind1"
took=$(( $(cut -d. -f1 /proc/uptime) - start ))
check_eq "the first bind's write returns EINPROGRESS at its timeout" EINPROGRESS "$(cat /tmp/bind1.out)"
# The holder never lets go, so a bound well past 10 s but short of "never"
# tells the timeout from a wait; the slack is for slow emulated machines.
check "within the default timeout of 10 s (took ${took}s)" test "$took" -le 20
check_match "the log names what it waits on" "pending: waiting for snd_hda_intel to release $GPU0_AUDIO" "$(log_since_mark)"
wait "$bind2"
check_eq "the second bind on the same group waited for it, up to its own timeout: EBUSY" EBUSY "$(cat /tmp/bind2.out)"
check "the holder is still there" kill -0 "$holder"

kill "$holder"
card_moved() { [ "$(gv_drivers $GPU0_CARD)" = "vfio-pci vfio-pci vfio-pci" ]; }
check "once the holder exits, the pending bind completes by itself" wait_for 30 card_moved
completed() { log_since_mark | grep -q "completed after it was reported pending"; }
check "and the log says so" wait_for 10 completed
check_eq "the record says where the audio function came from" snd_hda_intel \
	"$(cat "$GV/devices/$GPU0_AUDIO/original_driver" 2>/dev/null)"

expect_write "unbind GPU0" ok "$GV/unbind" "$GPU0"
gv_settle
check_eq "every device is back" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
