# gpuvfio-libvirt-hook (issue 15) run as libvirt runs a qemu hook: argv
# DOMAIN OPERATION SUB-OPERATION EXTRA, the domain XML on standard input.
# prepare begin moves the whole card of every unmanaged PCI hostdev to
# vfio-pci in one request, again is success, release end gives every
# function back with its override as before; a NIC in the group or a
# process holding the audio function refuses the start, naming it, with
# nothing moved; the switch off, managed='yes', malformed XML and unknown
# operations move nothing, each with a positive control.
# boot: std
. /tests/switch-lib.sh

HOOK=/usr/sbin/gpuvfio-libvirt-hook
# The hook's records and switch file, away from /run and /etc.
export GPUVFIO_HOOK_STATE_DIR=/tmp/hook-state GPUVFIO_HOOK_CONF=/tmp/hook.conf
rm -rf "$GPUVFIO_HOOK_STATE_DIR" "$GPUVFIO_HOOK_CONF"
UUID1=6f2b1c1e-8a7d-4c55-9e4b-3d2a1f0e9c01
UUID2=6f2b1c1e-8a7d-4c55-9e4b-3d2a1f0e9c02

check "the hook is in the image" test -x "$HOOK" || return 1

# domain_xml NAME UUID [MANAGED] ADDR...: a domain with ADDR... as PCI
# hostdevs, managed='no' unless MANAGED is yes (written as
# managed=yes/managed=no before the addresses).
domain_xml() {
	_name=$1 _uuid=$2
	shift 2
	_managed=no
	case ${1-} in managed=*) _managed=${1#managed=}; shift ;; esac
	printf "<domain type='kvm'>\n  <name>%s</name>\n  <uuid>%s</uuid>\n  <devices>\n" "$_name" "$_uuid"
	for _a; do
		_d=${_a%%:*} _r=${_a#*:}
		_b=${_r%%:*} _r=${_r#*:}
		printf "    <hostdev mode='subsystem' type='pci' managed='%s'>\n" "$_managed"
		printf "      <source><address domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/></source>\n" \
			"$_d" "$_b" "${_r%%.*}" "${_r#*.}"
		printf "    </hostdev>\n"
	done
	printf "    <disk type='file' device='disk'><source file='/v.img'/><target dev='vda'/></disk>\n"
	printf "  </devices>\n</domain>\n"
}

# hook XMLFILE ARG...: the hook with XMLFILE on stdin; sets out (stdout
# and stderr) and rc.
hook() {
	_x=$1
	shift
	out=$("$HOOK" "$@" <"$_x" 2>&1)
	rc=$?
}

domain_xml vm1 "$UUID1" $GPU0_CARD >/tmp/card.xml
domain_xml plain "$UUID2" >/tmp/plain.xml

# ---- without the module ----------------------------------------------------
orig=$(gv_state $ALL_DEVS)
hook /tmp/plain.xml plain prepare begin -
check_eq "no module, a domain without hostdevs: exit 0" 0 "$rc"
hook /tmp/card.xml vm1 prepare begin -
check_eq "no module, the card: prepare begin exits 1" 1 "$rc"
check_match "saying to load the module" "modprobe gpuvfio" "$out"
check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"

check "modprobe gpuvfio" modprobe gpuvfio || return 1

# ---- the card, in and out, twice -------------------------------------------
hook /tmp/card.xml vm1 prepare begin -
check_eq "prepare begin with the card exits 0" 0 "$rc"
check_eq "the whole card is on vfio-pci" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
check_eq "the second card is not touched" "bochs-drm" "$(drv_of "$GPU1")"
bound=$(gv_state $ALL_DEVS)
hook /tmp/card.xml vm1 prepare begin -
check_eq "prepare begin again exits 0" 0 "$rc"
check_eq "and changes nothing" "$bound" "$(gv_state $ALL_DEVS)"
for op in "start begin" "started begin" "stopped end" "reconnect begin" "migrate begin" "restore begin"; do
	# shellcheck disable=SC2086 # OPERATION SUB-OPERATION
	hook /tmp/card.xml vm1 $op -
	check_eq "$op exits 0" 0 "$rc"
done
check_eq "the other operations change nothing" "$bound" "$(gv_state $ALL_DEVS)"
hook /tmp/card.xml vm1 release end -
check_eq "release end exits 0" 0 "$rc"
gv_settle
check_eq "every function is back, with its override as before" "$orig" "$(gv_state $ALL_DEVS)"
hook /tmp/card.xml vm1 release end -
check_eq "release end again exits 0" 0 "$rc"
check_eq "and changes nothing" "$orig" "$(gv_state $ALL_DEVS)"

# Function 0 alone, in decimal: its companions come along, and go back.
cat >/tmp/fn0.xml <<EOF
<domain type='kvm'><name>vm1</name><uuid>$UUID1</uuid><devices>
<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0' bus='1' slot='0' function='0'/></source></hostdev>
</devices></domain>
EOF
hook /tmp/fn0.xml vm1 prepare begin -
check_eq "function 0 alone, decimal: exit 0" 0 "$rc"
check_eq "the whole slot moved" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
hook /tmp/fn0.xml vm1 release end -
gv_settle
check_eq "and came back" "$orig" "$(gv_state $ALL_DEVS)"

# ---- a card claimed before the domain stays ---------------------------------
check "gpuvfio bind GPU0 (by hand, before the domain)" gpuvfio bind "$GPU0" >/dev/null
hook /tmp/card.xml vm1 prepare begin -
check_eq "prepare begin on a card already on vfio-pci: exit 0" 0 "$rc"
hook /tmp/card.xml vm1 release end -
check_eq "release end exits 0" 0 "$rc"
check_eq "and leaves the card where the administrator put it" "vfio-pci vfio-pci vfio-pci" \
	"$(gv_drivers $GPU0_CARD)"
check "gpuvfio unbind GPU0" gpuvfio unbind "$GPU0" >/dev/null
gv_settle
check_eq "(given back by hand)" "$orig" "$(gv_state $ALL_DEVS)"

# ---- refusals ----------------------------------------------------------------
domain_xml vm2 "$UUID2" "$GPU_NIC" >/tmp/nic.xml
hook /tmp/nic.xml vm2 prepare begin -
check_eq "the GPU whose group has a NIC: prepare begin exits 1" 1 "$rc"
check_match "naming the NIC" "$NIC_SHARED" "$out"
check_match "and its driver" "e1000" "$out"
check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"
hook /tmp/nic.xml vm2 release end -
check_eq "the release libvirt then runs: exit 0" 0 "$rc"
check_eq "and nothing moves" "$orig" "$(gv_state $ALL_DEVS)"

# A process holding the audio function's ALSA node, as a sound server
# would: the hook refuses at once, naming it, well before its timeout.
hook_hold_audio() {
	_card=$(ls -d "$GV_SYSPCI/$GPU0_AUDIO"/sound/card* 2>/dev/null | head -n 1)
	_card=${_card##*/card}
	check "GPU0's audio function has ALSA card $_card" test -c "/dev/snd/controlC$_card" || return 1
	# shellcheck disable=SC2217 # sleep holds the node open, as a sound server would
	sleep 1000 <"/dev/snd/controlC$_card" &
	holder=$!
	_holding() { [ "$(readlink "/proc/$holder/fd/0")" = "/dev/snd/controlC$_card" ]; }
	check "a process holds /dev/snd/controlC$_card" wait_for 10 _holding
}
if hook_hold_audio; then
	echo "timeout=20" >"$GPUVFIO_HOOK_CONF"
	t0=$(cut -d. -f1 /proc/uptime)
	hook /tmp/card.xml vm1 prepare begin -
	t1=$(cut -d. -f1 /proc/uptime)
	check_eq "the card with its audio held: prepare begin exits 1" 1 "$rc"
	check_match "naming the holder" "held open by pid $holder \\(sleep\\)" "$out"
	check "before its timeout (it did not give up)" sh -c "! printf '%s' \"\$1\" | grep -q 'gave up'" - "$out"
	check "within the timeout ($((t1 - t0)) s of 20)" test "$((t1 - t0))" -le 20
	check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"
	kill "$holder"
	wait "$holder" 2>/dev/null
	rm -f "$GPUVFIO_HOOK_CONF"
fi
hook /tmp/card.xml vm1 release end -
check_eq "the release after the refused start: exit 0, nothing moves" "0 $orig" "$rc $(gv_state $ALL_DEVS)"

# ---- what moves nothing, each with its positive control ---------------------
echo "enabled=no" >"$GPUVFIO_HOOK_CONF"
hook /tmp/card.xml vm1 prepare begin -
check_eq "switched off: prepare begin exits 0" 0 "$rc"
check_eq "and moves nothing" "$orig" "$(gv_state $ALL_DEVS)"
echo "enabled=yes" >"$GPUVFIO_HOOK_CONF"
hook /tmp/card.xml vm1 prepare begin -
check_eq "switched on: the card moves (control)" "0 vfio-pci vfio-pci vfio-pci" "$rc $(gv_drivers $GPU0_CARD)"
hook /tmp/card.xml vm1 release end -
gv_settle
check_eq "and comes back" "$orig" "$(gv_state $ALL_DEVS)"
rm -f "$GPUVFIO_HOOK_CONF"

domain_xml vm2 "$UUID2" managed=yes "$GPU1" "$GPU1_AUDIO" >/tmp/managed.xml
hook /tmp/managed.xml vm2 prepare begin -
check_eq "managed='yes' hostdevs: exit 0" 0 "$rc"
check_eq "and nothing moved (libvirt's business)" "$orig" "$(gv_state $ALL_DEVS)"
domain_xml vm2 "$UUID2" "$GPU1" "$GPU1_AUDIO" >/tmp/unmanaged.xml
hook /tmp/unmanaged.xml vm2 prepare begin -
check_eq "the same, managed='no': the second card moves (control)" "0 vfio-pci vfio-pci" \
	"$rc $(gv_drivers "$GPU1" "$GPU1_AUDIO")"
hook /tmp/unmanaged.xml vm2 release end -
gv_settle
check_eq "and comes back" "$orig" "$(gv_state $ALL_DEVS)"

head -c 200 /tmp/card.xml >/tmp/broken.xml
hook /tmp/broken.xml vm1 prepare begin -
check_eq "malformed XML: prepare begin exits 1" 1 "$rc"
check_match "saying the XML is not well-formed" "not well-formed" "$out"
check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"
hook /tmp/card.xml vm1 frobnicate begin -
check_eq "an unknown operation: exit 0" 0 "$rc"
check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"
out=$("$HOOK" vm1 prepare </tmp/card.xml 2>&1)
check_eq "a missing sub-operation: exit 2" 2 "$?"
check_eq "nothing moved" "$orig" "$(gv_state $ALL_DEVS)"

check "no record is left" test -z "$(ls "$GPUVFIO_HOOK_STATE_DIR" 2>/dev/null)"
check "rmmod gpuvfio" rmmod gpuvfio
