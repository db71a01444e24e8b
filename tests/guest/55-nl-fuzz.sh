# Netlink fuzzing (issue 6): tests/guest/nl-fuzz.c sends the gpuvfio family
# random and mutated requests of every command, as root for 20 s and as
# nobody for 10 s. As root its binds and unbinds are kept to dry runs and
# its SET_CONFIG to the lists the module has (nl-fuzz.c says how); as nobody
# everything goes, and must all be refused. Afterwards: no WARN, BUG or
# UBSAN report, the module still answers (GET_CONFIG, gpuvfio status),
# nothing at all changed (every device's driver and override, the lists,
# the managed devices), and it unloads.
#
# The seed is in the check's description, and nl-fuzz logs its progress to
# the kernel log ("nl-fuzz: seed S: N messages made"), so a crash's console
# says how far it got. The same seed makes the same messages: to replay,
# boot this script alone with "# append: gvtest.nlfuzz_seed=S" added below,
# or run /tests/bin/nl-fuzz --seed S --count N [-v] by hand.
# boot: std
. /tests/switch-lib.sh

NL_FUZZ=/tests/bin/nl-fuzz
ROOT_SECONDS=20
NOBODY_SECONDS=10

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

# fuzz DESCRIPTION SECONDS [nobody]: one run; its summary lines follow the
# check as detail lines, its failures in the check's detail.
fuzz() {
	if [ "${3:-}" = nobody ]; then
		as_nobody timeout -s KILL $(($2 + 60)) "$NL_FUZZ" --unpriv --seed "$seed" "$2" \
			>/tmp/nl-fuzz.out 2>&1
	else
		timeout -s KILL $(($2 + 60)) "$NL_FUZZ" --seed "$seed" "$2" >/tmp/nl-fuzz.out 2>&1
	fi
	_rc=$?
	if [ "$_rc" = 0 ]; then
		pass "$1 (seed $seed, $2 s): every check held"
		grep '^nl-fuzz: ' /tmp/nl-fuzz.out | while IFS= read -r _l; do
			gv_report "#   $_l"
		done
	else
		fail "$1 (seed $seed, $2 s): every check held" "exit status $_rc" \
			"$(cat /tmp/nl-fuzz.out)"
	fi
}

seed=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^gvtest\.nlfuzz_seed=//p' | tail -n 1)
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
[ "$seed" != 0 ] || seed=1

check "modprobe gpuvfio" modprobe gpuvfio || return 1
check "the genl family gpuvfio is registered" /tests/bin/genl-family gpuvfio || return 1
before=$(state)
gv_mark

fuzz "nl-fuzz as root" "$ROOT_SECONDS"
check_eq "nothing changed after the root run" "$before" "$(state)"

fuzz "nl-fuzz as nobody" "$NOBODY_SECONDS" nobody
check_eq "nothing at all changed after the unprivileged run" "$before" "$(state)"

check_no_match "the kernel logged no WARNING, BUG, Oops, UBSAN, lockdep or hung-task report" \
	"WARNING:|BUG:|Oops|UBSAN:|Call Trace:|hung task|blocked for more than|circular locking|lock held|INFO: " \
	"$(log_since_mark)"
check "the family is still registered" /tests/bin/genl-family gpuvfio
check "gpuvfio status works" timeout 30 gpuvfio status
check "gpuvfio -j ids show answers over netlink" sh -c \
	'timeout 30 gpuvfio -j ids show | jq -e ".ids" >/dev/null'
check "rmmod gpuvfio" rmmod gpuvfio
