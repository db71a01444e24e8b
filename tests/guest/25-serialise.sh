# Requests on the same IOMMU group run one after another; requests on other
# groups do not wait for them (issue 3). A process holding the audio
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
check_eq "the held device's state reads busy" busy "$(cat "$GV/devices/$GPU0_AUDIO/state" 2>/dev/null || echo busy)"
check "the first bind still waits for the holder" kill -0 "$bind1"

kill "$holder"
wait "$bind1"
check_eq "once the holder exits, the first bind completes" ok "$(cat /tmp/bind1.out)"
wait "$bind2"
# Had it not waited for the group, it would have found the audio device
# locked by the blocked remove and failed with EBUSY.
check_eq "the second bind on the same group waited its turn and succeeded" ok "$(cat /tmp/bind2.out)"
check_eq "the card is on vfio-pci" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"

expect_write "unbind GPU0" ok "$GV/unbind" "$GPU0"
gv_settle
check_eq "every device is back" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
