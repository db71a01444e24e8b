# One request of more than 64 IOMMU groups (issue 16): a topology of its own
# (boot many, tests/qemu/common.sh) with 72 QEMU edu devices (1234:11e8, no
# Linux driver), each behind a root port of its own and so in a group of its
# own. `gpuvfio bind 1234:11e8` moves all 72 in one request, `status -j` and
# the module's records agree, `gpuvfio unbind` gives each back to no driver
# and no override; the same through /sys/kernel/gpuvfio/bind and unbind.
# Before the group limit was raised to 256 (kmod/txn.h) such a request was
# refused with E2BIG.
# boot: many

ID_EDU=1234:11e8
WANT=72
GV=/sys/kernel/gpuvfio

# The edu devices, by ID.
EDU=
for d in "$GV_SYSPCI"/*; do
	a=${d##*/}
	[ "$(id_of "$a")" = "$ID_EDU" ] && EDU="$EDU $a"
done
# shellcheck disable=SC2086 # a list of addresses
set -- $EDU
check_eq "the many boot has $WANT edu devices ($ID_EDU)" "$WANT" $# || return 1

# Each in an IOMMU group of its own, and no two in one.
lone=0
for a in $EDU; do
	g=$(group_of "$a")
	[ -n "$g" ] && [ "$(group_devices "$g")" = "$a" ] && lone=$((lone + 1))
done
check_eq "each edu device is alone in its IOMMU group" "$WANT" "$lone"
check_eq "the edu devices are in $WANT distinct groups" "$WANT" \
	"$(for a in $EDU; do group_of "$a"; done | sort -u | wc -l)"

# every DRIVER: how many edu devices are on DRIVER ("" for none).
every() {
	_n=0
	for _a in $EDU; do
		[ "$(drv_of "$_a")" = "$1" ] && _n=$((_n + 1))
	done
	echo "$_n"
}
# no_override: how many edu devices have no driver_override.
no_override() {
	_n=0
	for _a in $EDU; do
		[ -z "$(override_of "$_a")" ] && _n=$((_n + 1))
	done
	echo "$_n"
}
# records: how many devices the module has records of.
records() {
	find "$GV/devices" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

check_eq "before: no edu device has a driver" "$WANT" "$(every "")"
check_eq "before: no edu device has a driver_override" "$WANT" "$(no_override)"
check "modprobe gpuvfio" modprobe gpuvfio || return 1

# given_back HOW: every device back to no driver and no override, no record.
given_back() {
	check_eq "$1: every edu device is back to no driver" "$WANT" "$(every "")"
	check_eq "$1: and to no driver_override" "$WANT" "$(no_override)"
	check_eq "$1: the module keeps no record" 0 "$(records)"
}

if check "gpuvfio bind $ID_EDU: $WANT groups in one request" gpuvfio bind "$ID_EDU"; then
	check_eq "all $WANT are on vfio-pci" "$WANT" "$(every vfio-pci)"
	check_eq "the module has a record of each" "$WANT" "$(records)"
	gpuvfio -j status "$ID_EDU" >/tmp/many.json
	check_eq "status -j: $WANT groups" "$WANT" "$(jq '.groups | length' /tmp/many.json)"
	check_eq "status -j: each device on vfio-pci, managed, in state vfio, from no driver" \
		"$WANT" "$(jq '[.groups[].devices[] | select(.driver == "vfio-pci" and .managed == true
			and .state == "vfio" and (.original_driver // "") == "")] | length' /tmp/many.json)"
	check "gpuvfio unbind $ID_EDU" gpuvfio unbind "$ID_EDU"
	given_back "after gpuvfio unbind"
fi

if check "echo $ID_EDU >$GV/bind" sh -c "echo $ID_EDU >$GV/bind"; then
	check_eq "sysfs: all $WANT are on vfio-pci" "$WANT" "$(every vfio-pci)"
	check_eq "sysfs: the module has a record of each" "$WANT" "$(records)"
	check "echo $ID_EDU >$GV/unbind" sh -c "echo $ID_EDU >$GV/unbind"
	given_back "after the sysfs unbind"
fi

# Whatever failed above, leave them as found.
for a in $EDU; do
	[ -z "$(drv_of "$a")" ] && [ -z "$(override_of "$a")" ] && continue
	[ -d "$GV/devices/$a" ] && echo "$a" >"$GV/unbind"
	restore_dev "$a" ""
done
check "rmmod gpuvfio" rmmod gpuvfio
