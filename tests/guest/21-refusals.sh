# Bad input and refusals through sysfs and module parameters (issue 3): each
# gets a clear error and changes nothing.
# boot: std
. /tests/switch-lib.sh

orig=$(gv_state $ALL_DEVS)

# ---- malformed module parameters fail the load, naming the token ----
gv_mark
check_fails "modprobe with ids=10de:zzzz fails" modprobe gpuvfio ids=1234:1111,10de:zzzz
check "and the module is not loaded" sh -c '! grep -q "^gpuvfio " /proc/modules'
check_match "the log names the bad token" "malformed entry '10de:zzzz'" "$(log_since_mark)"
check_fails "modprobe with exclude=01:00 fails" modprobe gpuvfio exclude=01:00
check "and the module is not loaded" sh -c '! grep -q "^gpuvfio " /proc/modules'
check_eq "no device moved" "$orig" "$(gv_state $ALL_DEVS)"

check "modprobe gpuvfio" modprobe gpuvfio || return 1

# ---- malformed targets ----
for bad in zz:00.0 1234 01:00 0000:01:00.8 0000:01:20.0 10de:1bb3:1 12345:1111 "0000:01:00.0 junk" all-of-them; do
	expect_write "bind '$bad' is refused as malformed" EINVAL "$GV/bind" "$bad"
	expect_write "unbind '$bad' is refused as malformed" EINVAL "$GV/unbind" "$bad"
done
expect_write "an empty bind is refused" EINVAL "$GV/bind" " "
gv_mark
expect_write "a bad token in a list refuses the whole list" EINVAL "$GV/bind" "$GPU0 bogus"
check_match "the log names the token" "'bogus' is neither a PCI address" "$(log_since_mark)"
check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"

# ---- well-formed but impossible ----
expect_write "an unknown address is refused" ENODEV "$GV/bind" 0000:7f:1f.7
expect_write "an ID no device has is refused" ENODEV "$GV/bind" 10de:1bb3
expect_write "bind all with empty ids is refused" ENODEV "$GV/bind" all
expect_write "a bridge is refused" EOPNOTSUPP "$GV/bind" "$GPU0_PORT"
check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"

# ---- ids and exclude writes: all or nothing ----
expect_write "set exclude" ok "$GV/exclude" "$GPU1"
expect_write "a bad exclude list is refused" EINVAL "$GV/exclude" "$GPU0,nonsense"
check_eq "exclude is unchanged" "$GPU1" "$(cat "$GV/exclude")"
expect_write "a bad ids list is refused" EINVAL "$GV/ids" "1234:1111,xyz"
check_eq "ids is unchanged (empty)" "" "$(cat "$GV/ids")"
check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"
check "clear exclude" sh -c "echo > $GV/exclude"

# ---- unbinding what is not parked is a no-op ----
expect_write "unbind of a device on its host driver succeeds" ok "$GV/unbind" "$GPU1"
expect_write "unbind all with nothing managed succeeds" ok "$GV/unbind" all
check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
