# Binding and unbinding through /sys/kernel/gpuvfio (issue 3): by address, by
# ID with exclude=, a group shared with a NIC, rmmod with devices parked.
# boot: std
. /tests/switch-lib.sh

check "modprobe gpuvfio" modprobe gpuvfio || return 1
orig=$(gv_state $ALL_DEVS)
others="$GPU1 $GPU1_AUDIO $GPU_NIC $NIC_SHARED $NIC_ALONE"
others_orig=$(gv_state $others)
grp=$(group_of "$GPU0")

# ---- by address: the whole slot moves, and comes back ----
expect_write "bind GPU0 by address" ok "$GV/bind" "$GPU0"
check_eq "GPU0, its audio and USB functions are on vfio-pci" \
	"vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_eq "their driver_override is vfio-pci" "vfio-pci vfio-pci vfio-pci" \
	"$(override_of "$GPU0") $(override_of "$GPU0_AUDIO") $(override_of "$GPU0_USB")"
check "/dev/vfio/$grp exists" test -c "/dev/vfio/$grp"
check_eq "original drivers are recorded" "bochs-drm snd_hda_intel xhci_hcd" \
	"$(cat "$GV/devices/$GPU0/original_driver") $(cat "$GV/devices/$GPU0_AUDIO/original_driver") $(cat "$GV/devices/$GPU0_USB/original_driver")"
check_eq "state reads vfio" vfio "$(cat "$GV/devices/$GPU0/state")"
check_eq "the other cards and NICs were not touched" "$others_orig" "$(gv_state $others)"
check "vfio-pci is pinned while devices are parked" test "$(vfio_refcnt)" -ge 3

gv_mark
expect_write "binding it again succeeds" ok "$GV/bind" "$GPU0"
check_match "and says there was nothing to do" "nothing to do" "$(log_since_mark)"

expect_write "unbind GPU0 by address" ok "$GV/unbind" "$GPU0"
gv_settle
check_eq "every device is back on its driver, override cleared" "$orig" "$(gv_state $ALL_DEVS)"
check "no record is left" test ! -e "$GV/devices/$GPU0"
check_eq "vfio-pci is no longer pinned" 0 "$(vfio_refcnt)"

# ---- by ID, the second card and the NIC-group GPU excluded ----
expect_write "exclude GPU1 and the GPU in the NIC's group" ok "$GV/exclude" "$GPU1,$GPU_NIC"
check_eq "exclude reads back" "$GPU1,$GPU_NIC" "$(cat "$GV/exclude")"
expect_write "bind by ID $ID_VGA" ok "$GV/bind" "$ID_VGA"
check_eq "GPU0's slot moved" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_eq "the excluded cards stayed" "$others_orig" "$(gv_state $others)"
expect_write "an excluded address is refused" EPERM "$GV/bind" "$GPU1"
check_eq "and stays where it was" "$others_orig" "$(gv_state $others)"
expect_write "unbind by ID" ok "$GV/unbind" "$ID_VGA"
gv_settle
check_eq "all back" "$orig" "$(gv_state $ALL_DEVS)"
check "clear exclude" sh -c "echo > $GV/exclude"
check_eq "exclude is empty" "" "$(cat "$GV/exclude")"

# ---- all or nothing across groups: the ID also matches the NIC's group ----
gv_mark
expect_write "bind by ID is refused when a match shares its group with a NIC" \
	EXDEV "$GV/bind" "$ID_VGA"
check_eq "nothing moved, in any group" "$orig" "$(gv_state $ALL_DEVS)"
check_match "the log names the NIC, its driver and class" \
	"$NIC_SHARED.*class 020000, bound to e1000" "$(log_since_mark)"

# ---- a group shared with a NIC ----
expect_write "the GPU sharing a group with a NIC is refused" EXDEV "$GV/bind" "$GPU_NIC"
check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"
expect_write "naming the NIC as a target too moves both" ok "$GV/bind" "$GPU_NIC $NIC_SHARED"
check_eq "both are on vfio-pci" "vfio-pci vfio-pci" "$(gv_drivers "$GPU_NIC" "$NIC_SHARED")"
expect_write "unbind both" ok "$GV/unbind" "$GPU_NIC $NIC_SHARED"
check_eq "both came back" "$orig" "$(gv_state $ALL_DEVS)"

# ---- rmmod with devices parked leaves them there ----
expect_write "bind GPU0 again" ok "$GV/bind" "$GPU0"
check "rmmod gpuvfio with devices on vfio-pci" rmmod gpuvfio
check_eq "they stay on vfio-pci" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_eq "vfio-pci is no longer pinned by gpuvfio" 0 "$(vfio_refcnt)"
check "modprobe gpuvfio again" modprobe gpuvfio
check "the reloaded module has no record of them" test ! -e "$GV/devices/$GPU0"
expect_write "unbind gives unrecorded devices the default driver" ok "$GV/unbind" "$GPU0"
gv_settle
check_eq "back on their drivers" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
