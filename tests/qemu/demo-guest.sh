# shellcheck shell=sh
# What `make demo` shows, run by /init in the demo VM (gvtest.demo=1) after
# the host drivers are loaded. Prints between two marker lines that
# scripts/demo.sh passes through to the terminal.
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh

# show COMMAND...: print the command as an operator would type it, then run it.
show() {
	printf '\n# %s\n' "$*"
	"$@" 2>&1
	_rc=$?
	[ "$_rc" = 0 ] || printf '(exit status %s)\n' "$_rc"
}

echo "=== gpuvfio demo ==="
cat <<TEXT
A VM on Debian's $(uname -r) kernel, with an emulated IOMMU and PCI devices
standing in for GPUs:
  $GPU0  GPU0, a VGA device (bochs-drm) with HDMI audio $GPU0_AUDIO
                (snd_hda_intel) and a USB-C controller $GPU0_USB (xhci_hcd)
  $GPU1  GPU1, an identical card with its audio function $GPU1_AUDIO
  $GPU_NIC  a display device that shares its IOMMU group with a NIC,
                $NIC_SHARED (e1000), behind a PCIe-to-PCI bridge
  $NIC_ALONE  a NIC (e1000e) in a group of its own
TEXT

show lspci -nnk -s 01:
show lspci -nnk -s 04:
show gpuvfio status
show modprobe gpuvfio
show gpuvfio status

if [ -e /sys/kernel/gpuvfio/bind ]; then
	show gpuvfio bind "$GPU0"
	show gpuvfio status "$GPU0"
	show ls -l /dev/vfio/
	show gpuvfio bind "$GPU_NIC"
	show gpuvfio unbind "$GPU0"
	show gpuvfio status
else
	echo
	echo "(this build of gpuvfio has no /sys/kernel/gpuvfio/bind: no bind to show)"
fi
echo "=== end of demo ==="
