# vfio-pci unavailable: a bind is refused with ENOPKG and nothing changes,
# whether modprobe fails or "succeeds" without loading it (an install rule
# of /bin/true), as gpuvfio looks again after asking (issue 3); a modprobe
# that outlasts the deadline leaves the request pending, not the caller
# waiting.
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

# A modprobe of vfio-pci that outlasts the request's deadline: modprobe
# cannot be cut short, but the request is pending on it at the deadline
# (the tool exits 4 and says what it waits for), and goes on when
# vfio-pci has loaded.
# kmod by its path: the shell of an install rule is busybox, whose own
# modprobe applet would come first.
echo "install vfio_pci sleep 8; /sbin/modprobe --ignore-install vfio_pci" >/etc/modprobe.d/gvtest-novfio.conf
t0=$(date +%s)
out=$(gpuvfio bind --timeout 2 "$GPU0" 2>&1)
rc=$?
took=$(($(date +%s) - t0))
check_eq "with a modprobe of vfio-pci that takes 8 s, bind --timeout 2 exits 4 (pending)" 4 "$rc"
check "at its deadline, not when modprobe ends (took ${took} s)" test "$took" -lt 7
check_match "saying it waits for modprobe vfio-pci" "pending: waiting for modprobe vfio-pci" "$out"
slot_on_vfio() { [ "$(gv_drivers $GPU0_CARD)" = "vfio-pci vfio-pci vfio-pci" ]; }
check "once vfio-pci has loaded, the bind completes by itself" wait_for 30 slot_on_vfio
check "gpuvfio unbind GPU0" gpuvfio unbind "$GPU0"
gv_settle
check_eq "every device is back" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod vfio_pci" rmmod vfio_pci

rm -f /etc/modprobe.d/gvtest-novfio.conf
expect_write "once vfio-pci can load, bind loads it and works" ok "$GV/bind" "$GPU0"
check "vfio_pci is loaded" is_loaded vfio_pci
expect_write "unbind" ok "$GV/unbind" "$GPU0"
gv_settle
check_eq "every device is back" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
