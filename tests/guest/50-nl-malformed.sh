# Malformed netlink requests (issue 4): unknown attributes, wrong types and
# lengths, oversized strings, flag bits outside the policy's mask, bad
# timeouts, missing attributes, bad targets and lists, unknown transactions,
# bad header fields. Each is rejected with the right errno and an extended
# ACK that names the attribute. An unprivileged user gets generic netlink's
# bare EPERM for every change (GENL_ADMIN_PERM), one with CAP_NET_ADMIN but
# not CAP_SYS_ADMIN gets gpuvfio's EPERM with a message; neither may join
# "events" or read a transaction's report (GET_TXN), both can read the rest;
# no device, driver, override or list changes, and the kernel logs no
# warning.
# boot: std
. /tests/switch-lib.sh

NL_MALFORMED=/tests/bin/nl-malformed

# relay FILE PREFIX: report nl-malformed's lines as this script's checks.
relay() {
	while IFS= read -r _line; do
		case $_line in
		"ok - "*) gv_report "ok - $GV_SCRIPT: $2${_line#ok - }" ;;
		"FAIL - "*) gv_report "FAIL - $GV_SCRIPT: $2${_line#FAIL - }" ;;
		*) gv_report "#   $_line" ;;
		esac
	done <"$1"
}

# state: every PCI device's driver and override, and the module's lists
# and records.
state() {
	for _dev in /sys/bus/pci/devices/*; do
		_a=${_dev##*/}
		echo "$_a driver=$(drv_of "$_a") override=$(override_of "$_a")"
	done
	echo "ids=$(cat "$GV/ids")"
	echo "exclude=$(cat "$GV/exclude")"
	# shellcheck disable=SC2012 # names are PCI addresses
	echo "managed=$(ls "$GV/devices" 2>/dev/null | words)"
}

check "modprobe gpuvfio" modprobe gpuvfio || return 1
check "the genl family gpuvfio is registered" /tests/bin/genl-family gpuvfio || return 1
before=$(state)
gv_mark

"$NL_MALFORMED" --target "$GPU0" >/tmp/nl-malformed.root 2>&1
rc=$?
relay /tmp/nl-malformed.root ""
check_eq "nl-malformed as root found no fault" 0 "$rc"
check_eq "nothing changed after the root run" "$before" "$(state)"

as_nobody "$NL_MALFORMED" --unpriv --target "$GPU0" >/tmp/nl-malformed.nobody 2>&1
rc=$?
relay /tmp/nl-malformed.nobody ""
check_eq "nl-malformed as nobody found no fault" 0 "$rc"
check_eq "nothing changed after the unprivileged run" "$before" "$(state)"

# Root without CAP_SYS_ADMIN in its bounding set: CAP_NET_ADMIN is left.
setpriv --bounding-set=-sys_admin "$NL_MALFORMED" --no-sys-admin --target "$GPU0" \
	>/tmp/nl-malformed.netadmin 2>&1
rc=$?
relay /tmp/nl-malformed.netadmin ""
check_eq "nl-malformed with CAP_NET_ADMIN only found no fault" 0 "$rc"
check_eq "nothing changed after the CAP_NET_ADMIN-only run" "$before" "$(state)"

check_no_match "the kernel logged no WARNING, BUG, Oops or UBSAN report" \
	"WARNING:|BUG:|Oops|UBSAN:|Call Trace:" "$(log_since_mark)"
check "rmmod gpuvfio" rmmod gpuvfio
