# The gpuvfio tool's bind and unbind (thin wrappers over sysfs for now,
# issue 3) against the kernel's own view: what it prints, its exit status,
# and that a refusal changes nothing.
# boot: std
. /tests/switch-lib.sh

check "modprobe gpuvfio" modprobe gpuvfio || return 1
orig=$(gv_state $ALL_DEVS)

out=$(gpuvfio bind "$GPU0" 2>&1)
check_eq "gpuvfio bind GPU0 exits 0" 0 "$?"
check_eq "the whole slot is on vfio-pci" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_match "it reports the GPU's move" "$GPU0.*bochs-drm -> vfio-pci" "$out"
check_match "and its audio function's" "$GPU0_AUDIO.*snd_hda_intel -> vfio-pci" "$out"

gpuvfio status -j >/tmp/st.json 2>/tmp/st.err
check_eq "status -j shows GPU0 managed, from bochs-drm, state vfio" "true bochs-drm vfio vfio-pci" \
	"$(jq -r --arg a "$GPU0" '.groups[].devices[] | select(.address == $a) | "\(.managed) \(.original_driver) \(.state) \(.driver)"' /tmp/st.json)"

out=$(gpuvfio bind "$GPU_NIC" 2>&1)
check_eq "gpuvfio bind of the GPU sharing a NIC's group exits 1" 1 "$?"
check_match "and says another device shares the group" "IOMMU group" "$out"
out=$(gpuvfio bind 01:00 2>&1)
check_eq "a malformed target is a usage error (exit 2)" 2 "$?"
check_match "naming the target" "01:00" "$out"

out=$(gpuvfio unbind "$GPU0" 2>&1)
check_eq "gpuvfio unbind GPU0 exits 0" 0 "$?"
check_match "it reports the way back" "$GPU0.*vfio-pci -> bochs-drm" "$out"
gv_settle
check_eq "every device is where it was" "$orig" "$(gv_state $ALL_DEVS)"

check "rmmod gpuvfio" rmmod gpuvfio
out=$(gpuvfio bind "$GPU0" 2>&1)
check_eq "without the module, bind exits 3" 3 "$?"
check_match "and says to load it" "modprobe gpuvfio" "$out"
