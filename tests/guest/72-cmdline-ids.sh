# gpuvfio.ids= on the kernel command line and the installed softdeps: when
# udev loads a vendor driver, modprobe loads gpuvfio first, with the ids
# kmod takes from the command line, and the matched devices end on vfio-pci
# without their host driver ever binding them (issue 5).
# append: gpuvfio.ids=1234:1111
# nodrivers: yes
. /tests/switch-lib.sh

INSTALLED=/tests/installed
mkdir -p /etc/modprobe.d
check "install the modprobe.d file (make install-boot's copy)" \
	cp "$INSTALLED/etc/modprobe.d/gpuvfio.conf" /etc/modprobe.d/gpuvfio.conf || return 1
# The stand-in for the GPU's driver needs a line, as another vendor driver would.
echo "softdep bochs pre: gpuvfio" >/etc/modprobe.d/gvtest-standins.conf
check_match "the kernel command line has gpuvfio.ids=$ID_VGA" "(^| )gpuvfio\\.ids=$ID_VGA( |\$)" \
	"$(cat /proc/cmdline)"
check "gpuvfio is not loaded" sh -c '! grep -q "^gpuvfio " /proc/modules'
check_eq "no device has a driver yet" "" "$(gv_drivers $ALL_DEVS | tr -d ' ')"

gv_mark
# udev's coldplug loads the drivers by modalias, audio first here: the
# shipped snd_hda_intel line brings gpuvfio in before it.
for m in snd-hda-intel bochs xhci-pci e1000 e1000e; do
	check "load vendor driver $m (as udev would)" modprobe "$m"
done
gv_settle
check "gpuvfio was loaded (softdep of snd_hda_intel)" is_loaded gpuvfio || return 1
check_eq "with the ids from the command line" "$ID_VGA" "$(cat "$GV/ids")"
# A claim returns before vfio-pci is attached: wait for its end.
check "the claims end by themselves" wait_for 60 gv_claims_done $GPU0_CARD "$GPU1" "$GPU1_AUDIO"
check_eq "GPU0's slot is on vfio-pci" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_eq "GPU1's slot is on vfio-pci" "vfio-pci vfio-pci" "$(gv_drivers "$GPU1" "$GPU1_AUDIO")"
check_eq "the group shared with a NIC was left to its drivers" "bochs-drm e1000" \
	"$(gv_drivers "$GPU_NIC" "$NIC_SHARED")"
log=$(log_since_mark)
check_match "bochs-drm initialized the device it was left (the log shows a bind)" \
	"Initialized bochs-drm .* for $GPU_NIC" "$log"
check_no_match "bochs-drm never initialized a claimed GPU" \
	"Initialized bochs-drm .* for ($GPU0|$GPU1)" "$log"
check_eq "snd_hda_intel never bound a claimed audio function (no codec was probed)" "" \
	"$(printf '%s\n' "$log" | grep -E 'hdaudioC[0-9]+D[0-9]+: autoconfig' | head -n 1)"
check_eq "recorded with no original driver: none had bound them" "" \
	"$(cat "$GV/devices/$GPU0/original_driver" "$GV/devices/$GPU0_AUDIO/original_driver" \
		"$GV/devices/$GPU1/original_driver" | tr -d '\n')"

# ---- give everything back and leave the devices unbound, as found ----
expect_write "unbind all" ok "$GV/unbind" all
gv_settle
check "rmmod gpuvfio" rmmod gpuvfio
for d in $ALL_DEVS; do
	unbind_dev "$d"
done
rm -f /etc/modprobe.d/gpuvfio.conf /etc/modprobe.d/gvtest-standins.conf
