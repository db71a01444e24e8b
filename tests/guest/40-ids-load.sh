# ids= at load, before the vendor drivers: the matched devices end on vfio-pci
# and the vendor drivers, loaded afterwards, never bind them; a group shared
# with an unmatched NIC is skipped; removed and rescanned, devices are claimed
# again (issue 3).
# boot: std
# nodrivers: yes
. /tests/switch-lib.sh

check_eq "no device has a driver yet" "" "$(gv_drivers $ALL_DEVS | tr -d ' ')"
gv_mark
check "modprobe gpuvfio ids=$ID_VGA exclude=$GPU1" \
	modprobe gpuvfio "ids=$ID_VGA" "exclude=$GPU1" || return 1
check "it pulled in vfio-pci (softdep)" is_loaded vfio_pci
# modprobe returns before the claims end: they set the override at once,
# and vfio-pci attaches on the engine's workqueue.
check "the claim of GPU0's slot ends by itself" wait_for 60 gv_claims_done $GPU0_CARD
check_eq "GPU0's slot is on vfio-pci" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_eq "with the vfio-pci override" "vfio-pci vfio-pci vfio-pci" \
	"$(override_of "$GPU0") $(override_of "$GPU0_AUDIO") $(override_of "$GPU0_USB")"
check_eq "recorded with no original driver" "" "$(cat "$GV/devices/$GPU0/original_driver")"
check_eq "excluded GPU1 was left alone" "/ /" "$(drv_of "$GPU1")/$(override_of "$GPU1") $(drv_of "$GPU1_AUDIO")/$(override_of "$GPU1_AUDIO")"
check_eq "the group shared with a NIC was skipped" "/ /" \
	"$(drv_of "$GPU_NIC")/$(override_of "$GPU_NIC") $(drv_of "$NIC_SHARED")/$(override_of "$NIC_SHARED")"
check_match "and the log says why" "$NIC_SHARED.*neither matched by ids= nor a function" "$(log_since_mark)"

for m in bochs snd-hda-intel xhci-pci e1000 e1000e; do
	check "load vendor driver $m afterwards" modprobe "$m"
done
gv_settle
check_eq "the vendor drivers did not take GPU0's slot" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_eq "they took what was not claimed" "bochs-drm snd_hda_intel bochs-drm e1000 e1000e" \
	"$(gv_drivers "$GPU1" "$GPU1_AUDIO" "$GPU_NIC" "$NIC_SHARED" "$NIC_ALONE")"

# ---- hotplug: removed and rescanned, claimed again before any driver ----
for d in $GPU0_USB $GPU0_AUDIO $GPU0; do
	echo 1 >"$GV_SYSPCI/$d/remove"
done
check "GPU0's slot is gone" test ! -e "$GV_SYSPCI/$GPU0"
check "and so are its records" test ! -e "$GV/devices/$GPU0"
echo 1 >/sys/bus/pci/rescan
check "GPU0 is back after a rescan" test -e "$GV_SYSPCI/$GPU0"
check_eq "claimed again: vfio-pci, not the vendor drivers" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check "with records" test -e "$GV/devices/$GPU0_AUDIO/state"

# ---- ids written at run time claim at once ----
expect_write "write ids=$ID_HDA" ok "$GV/ids" "$ID_HDA"
check_eq "ids reads back" "$ID_HDA" "$(cat "$GV/ids")"
check_eq "GPU1's audio was not claimed: its slot's GPU is excluded" \
	snd_hda_intel "$(drv_of "$GPU1_AUDIO")"

# ---- give everything back and leave the devices unbound, as found ----
expect_write "unbind all" ok "$GV/unbind" all
gv_settle
check_eq "unbind gave GPU0's slot its default drivers" "bochs-drm snd_hda_intel xhci_hcd" "$(gv_drivers $GPU0_CARD)"
check_eq "overrides cleared" "" "$(override_of "$GPU0")$(override_of "$GPU0_AUDIO")$(override_of "$GPU0_USB")"
check "rmmod gpuvfio" rmmod gpuvfio
for d in $ALL_DEVS; do
	unbind_dev "$d"
done
