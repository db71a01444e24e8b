# The modprobe.d file that `make install` and the gpuvfio package install,
# read by kmod's modprobe: it names gpuvfio as a soft dependency of nvidia,
# nouveau, amdgpu, radeon and snd_hda_intel, and loading a vendor driver
# loads vfio-pci, then gpuvfio, then the driver. The stand-in bochs gets a
# softdep line of its own, as an operator adds one for another driver
# (issue 5).
# nodrivers: yes
# isolate: yes
. /tests/switch-lib.sh

INSTALLED=/tests/installed
mkdir -p /etc/modprobe.d
check "install the modprobe.d file (make install-boot's copy)" \
	cp "$INSTALLED/etc/modprobe.d/gpuvfio.conf" /etc/modprobe.d/gpuvfio.conf || return 1
echo "softdep bochs pre: gpuvfio" >/etc/modprobe.d/gvtest-standins.conf

config=$(modprobe -c 2>&1)
for d in nvidia nouveau amdgpu radeon snd_hda_intel bochs; do
	check_match "modprobe -c: softdep $d pre: gpuvfio" "^softdep $d pre: gpuvfio\$" "$config"
done
check_no_match "the shipped file sets no options (its options line is commented)" \
	'^options gpuvfio ' "$config"

check "gpuvfio and vfio-pci are not loaded yet" \
	sh -c '! grep -Eq "^(gpuvfio|vfio_pci) " /proc/modules'
check_eq "no device has a driver yet" "" "$(gv_drivers $ALL_DEVS | tr -d ' ')"

# The order kmod inserts modules in, as "modprobe -v" reports it.
out=$(modprobe -v bochs 2>&1)
check "modprobe -v bochs" is_loaded bochs
order=$(printf '%s\n' "$out" | sed -n 's|^insmod .*/\([^/]*\)\.ko .*|\1|p; s|^insmod .*/\([^/]*\)\.ko$|\1|p' | words)
check_match "it inserted vfio-pci, then gpuvfio, then bochs" \
	'(^| )vfio-pci( .*)? gpuvfio( .*)? bochs$' "$order"
check "gpuvfio is loaded" is_loaded gpuvfio
check "vfio-pci is loaded" is_loaded vfio_pci
# Without ids, gpuvfio claims nothing: bochs took its devices.
check_eq "without ids, bochs bound every 1234:1111 device" "bochs-drm bochs-drm bochs-drm" \
	"$(gv_drivers "$GPU0" "$GPU1" "$GPU_NIC")"

out=$(modprobe -v snd-hda-intel 2>&1)
gv_settle
check_no_match "snd-hda-intel: gpuvfio, loaded already, is not inserted again" 'gpuvfio\.ko' "$out"

# ---- leave the devices unbound and gpuvfio unloaded, as found ----
for d in $ALL_DEVS; do
	unbind_dev "$d"
done
check "rmmod gpuvfio" rmmod gpuvfio
rm -f /etc/modprobe.d/gpuvfio.conf /etc/modprobe.d/gvtest-standins.conf
