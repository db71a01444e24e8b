# Persistent configuration as a host boots with it: `gpuvfio ids set LIST
# --persist` writes the options line to /etc/modprobe.d/gpuvfio-ids.conf;
# the initramfs-tools init-top script (which runs before udev) sees the ids
# there and loads gpuvfio, which claims the matched devices for vfio-pci;
# the vendor drivers, loaded afterwards as udev would, never bind them
# (issue 5).
# nodrivers: yes
# isolate: yes
. /tests/switch-lib.sh

INSTALLED=/tests/installed
IDS_CONF=/etc/modprobe.d/gpuvfio-ids.conf
mkdir -p /etc/modprobe.d
check "install the modprobe.d file (make install-boot's copy)" \
	cp "$INSTALLED/etc/modprobe.d/gpuvfio.conf" /etc/modprobe.d/gpuvfio.conf || return 1
check "gpuvfio is not loaded" sh -c '! grep -q "^gpuvfio " /proc/modules'
check_eq "no device has a driver yet" "" "$(gv_drivers $ALL_DEVS | tr -d ' ')"

out=$(gpuvfio ids set "$ID_VGA" --persist 2>&1)
check_eq "gpuvfio ids set $ID_VGA --persist, without the module loaded, exits 0" 0 "$?"
check_match "it names the file it wrote" "$IDS_CONF" "$out"
check_match "and says to update the initramfs" "update-initramfs" "$out"
check_eq "$IDS_CONF holds the options line" "options gpuvfio ids=$ID_VGA" \
	"$(grep -v '^#' "$IDS_CONF" 2>&1)"
check "modprobe reads it" sh -c "/sbin/modprobe -c | grep -qx 'options gpuvfio ids=$ID_VGA'"

gv_mark
check "the init-top script runs (as the initramfs runs it, before udev)" \
	sh "$INSTALLED/usr/share/initramfs-tools/scripts/init-top/gpuvfio"
check "it loaded gpuvfio" is_loaded gpuvfio || return 1
check_eq "with the persisted ids" "$ID_VGA" "$(cat "$GV/ids")"

# What udev's coldplug does next: load every device's driver.
for m in bochs snd-hda-intel xhci-pci e1000 e1000e; do
	check "load vendor driver $m (as udev would)" modprobe "$m"
done
gv_settle
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

# With the module loaded, --persist writes what the module has after the change.
out=$(gpuvfio ids add --persist "$ID_HDA" 2>&1)
check_eq "gpuvfio ids add --persist $ID_HDA with the module loaded exits 0" 0 "$?"
check_eq "the module's list grew" "$ID_VGA,$ID_HDA" "$(cat "$GV/ids")"
check_eq "and the file has the module's new list" "options gpuvfio ids=$ID_VGA,$ID_HDA" \
	"$(grep -v '^#' "$IDS_CONF" 2>&1)"

# ---- give everything back and leave the devices unbound, as found ----
expect_write "unbind all" ok "$GV/unbind" all
gv_settle
check "rmmod gpuvfio" rmmod gpuvfio
for d in $ALL_DEVS; do
	unbind_dev "$d"
done
rm -f /etc/modprobe.d/gpuvfio.conf "$IDS_CONF"
