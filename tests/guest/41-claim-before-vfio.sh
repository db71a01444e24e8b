# ids= at load while vfio-pci cannot be loaded yet: the matched devices only
# get the vfio-pci override ("claimed"), no vendor driver can bind them, and
# vfio-pci takes them when it loads (issue 3).
# boot: std
# nodrivers: yes
. /tests/switch-lib.sh

is_loaded vfio_pci && rmmod vfio_pci
check "vfio_pci is not loaded" sh -c '! grep -q "^vfio_pci " /proc/modules'
check_eq "GPU0's slot has no driver" "" "$(gv_drivers $GPU0_CARD | tr -d ' ')"
mkdir -p /etc/modprobe.d
echo "install vfio_pci /bin/false" >/etc/modprobe.d/gvtest-novfio.conf
# insmod: modprobe would refuse to load gpuvfio when its softdep fails.
check "insmod gpuvfio ids=$ID_VGA exclude=$GPU1" \
	insmod "/lib/modules/$(uname -r)/extra/gpuvfio.ko" "ids=$ID_VGA" "exclude=$GPU1" || return 1
check_eq "GPU0's slot is claimed: override set" "vfio-pci vfio-pci vfio-pci" \
	"$(override_of "$GPU0") $(override_of "$GPU0_AUDIO") $(override_of "$GPU0_USB")"
check_eq "and still unbound" "" "$(gv_drivers $GPU0_CARD | tr -d ' ')"
# insmod returns once the overrides are set; the claim's worker, which
# finds that vfio-pci cannot be loaded, records the devices after.
check "the claim ends by itself, without vfio-pci" wait_for 60 gv_claims_done $GPU0_CARD
check_eq "once it ended, still unbound" "" "$(gv_drivers $GPU0_CARD | tr -d ' ')"
check_eq "state reads claimed" claimed "$(cat "$GV/devices/$GPU0/state")"

for m in bochs snd-hda-intel xhci-pci; do
	check "load vendor driver $m" modprobe "$m"
done
# Already loaded by an earlier script in this boot, they would not probe
# again by themselves: ask the kernel to probe every device of both cards.
for d in $GPU0_CARD $GPU1 $GPU1_AUDIO; do
	probe_dev "$d" 2>/dev/null
done
gv_settle
check_eq "the vendor drivers did not bind the claimed slot" "" "$(gv_drivers $GPU0_CARD | tr -d ' ')"
check_eq "but took GPU1's" "bochs-drm snd_hda_intel" "$(gv_drivers "$GPU1" "$GPU1_AUDIO")"

rm -f /etc/modprobe.d/gvtest-novfio.conf
check "modprobe vfio-pci" modprobe vfio-pci
check_eq "vfio-pci took the claimed slot as it loaded" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_eq "state reads vfio" vfio "$(cat "$GV/devices/$GPU0/state")"

expect_write "unbind all" ok "$GV/unbind" all
gv_settle
check_eq "the slot got its default drivers" "bochs-drm snd_hda_intel xhci_hcd" "$(gv_drivers $GPU0_CARD)"
check "rmmod gpuvfio" rmmod gpuvfio
for d in $ALL_DEVS; do
	unbind_dev "$d"
done
