# A VFIO user (a VM stand-in) owns the group: unbind is refused at once with
# EBUSY instead of hanging in vfio-pci's remove (issue 3).
# boot: std
. /tests/switch-lib.sh

check "modprobe gpuvfio" modprobe gpuvfio || return 1
orig=$(gv_state $ALL_DEVS)
grp=$(group_of "$GPU0")

expect_write "bind GPU0" ok "$GV/bind" "$GPU0"
/tests/bin/vfio-hold "$grp" "$GPU0" >/tmp/hold.out 2>&1 &
holder=$!
check "the VM stand-in owns group $grp" wait_for 30 grep -q ready /tmp/hold.out ||
	fail "vfio-hold output" "$(cat /tmp/hold.out)"

# timeout(1) bounds a regression that would hang here; EBUSY must come at once.
check_eq "unbind is refused with EBUSY" EBUSY \
	"$(timeout 20 "$GVWRITE" "$GV/unbind" "$GPU0")"
check_eq "the devices stay on vfio-pci" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_eq "unbind all is refused too" EBUSY "$(timeout 20 "$GVWRITE" "$GV/unbind" all)"
check_eq "binding it again is already satisfied" ok "$(timeout 20 "$GVWRITE" "$GV/bind" "$GPU0")"
check "the VM stand-in is still running" kill -0 "$holder"

kill "$holder"
wait "$holder" 2>/dev/null
expect_write "after it exits, unbind works" ok "$GV/unbind" "$GPU0"
gv_settle
check_eq "back on the original drivers" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
