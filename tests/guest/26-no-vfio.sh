# vfio-pci unavailable: a bind is refused with ENOPKG and nothing changes,
# whether modprobe fails or "succeeds" without loading it (an install rule
# of /bin/true), as gpuvfio looks again after asking (issue 3).
# boot: std
. /tests/switch-lib.sh

check "modprobe gpuvfio" modprobe gpuvfio || return 1
orig=$(gv_state $ALL_DEVS)
check "rmmod vfio_pci" rmmod vfio_pci
mkdir -p /etc/modprobe.d
for rule in /bin/false /bin/true; do
	echo "install vfio_pci $rule" >/etc/modprobe.d/gvtest-novfio.conf
	gv_mark
	expect_write "with 'install vfio_pci $rule', bind is refused" ENOPKG "$GV/bind" "$GPU0"
	check_match "the log says vfio-pci is not available" "vfio-pci is not available" "$(log_since_mark)"
	check_eq "nothing changed" "$orig" "$(gv_state $ALL_DEVS)"
	check "vfio_pci is still not loaded" sh -c '! grep -q "^vfio_pci " /proc/modules'
done
rm -f /etc/modprobe.d/gvtest-novfio.conf
expect_write "once vfio-pci can load, bind loads it and works" ok "$GV/bind" "$GPU0"
check "vfio_pci is loaded" is_loaded vfio_pci
expect_write "unbind" ok "$GV/unbind" "$GPU0"
gv_settle
check_eq "every device is back" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
