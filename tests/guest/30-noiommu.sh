# Without an IOMMU (intel_iommu=off) a bind is refused before any driver is
# touched, with a message that says how to enable the IOMMU (issue 3).
# boot: noiommu
. /tests/switch-lib.sh

check "there are no IOMMU groups" test -z "$(ls /sys/kernel/iommu_groups 2>/dev/null)"
orig=$(gv_state $ALL_DEVS)
fbs=$(ls /sys/class/graphics 2>/dev/null | tr '\n' ' ')
cards=$(ls /sys/class/drm 2>/dev/null | tr '\n' ' ')

gv_mark
check "modprobe gpuvfio ids=$ID_VGA loads" modprobe gpuvfio "ids=$ID_VGA" || return 1
check_match "claiming at load says there is no IOMMU group" \
	"matches ids= but has no IOMMU group.*intel_iommu=on" "$(log_since_mark)"
check_eq "nothing was claimed" "$orig" "$(gv_state $ALL_DEVS)"

gv_mark
expect_write "bind GPU0 is refused: no IOMMU group" ENXIO "$GV/bind" "$GPU0"
check_match "the log says how to enable the IOMMU" \
	"no IOMMU group.*VT-d or AMD-Vi.*intel_iommu=on or amd_iommu=on" "$(log_since_mark)"
expect_write "bind all is refused too" ENXIO "$GV/bind" all
check_eq "every device stays on its driver" "$orig" "$(gv_state $ALL_DEVS)"
check_eq "the framebuffers are still there" "$fbs" "$(ls /sys/class/graphics 2>/dev/null | tr '\n' ' ')"
check_eq "the DRM devices are still there" "$cards" "$(ls /sys/class/drm 2>/dev/null | tr '\n' ' ')"
check "rmmod gpuvfio" rmmod gpuvfio
