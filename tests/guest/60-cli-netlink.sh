# The tool over netlink (issue 4): bind/unbind with their per-member
# reports checked against sysfs, --dry-run, ids, monitor, unprivileged use,
# the holder scan, and a pending request that completes by itself.
# boot: std
. /tests/switch-lib.sh

check "modprobe gpuvfio" modprobe gpuvfio || return 1
orig=$(gv_state $ALL_DEVS)
grp=$(group_of "$GPU0")

# jq over a file, for a one-line answer.
jqf() { jq -r "$1" "$2" 2>/dev/null; }
member() { # FILE ADDR FIELD
	jq -r --arg a "$2" ".members[] | select(.address == \$a) | $3" "$1" 2>/dev/null
}

# --- check ------------------------------------------------------------------
gpuvfio -j check >/tmp/check.json 2>/dev/null
rc=$?
checkres() { jq -r --arg n "$1" '[.checks[] | select(.name == $n) | .result] | join(" ")' /tmp/check.json 2>/dev/null; }
check_eq "check: the IOMMU is on" pass "$(checkres iommu)"
check_eq "check: vfio-pci is available" pass "$(checkres vfio_pci)"
check_eq "check: the module is loaded" pass "$(checkres module)"
check_eq "check: the GPU sharing a group with a NIC is flagged" warn \
	"$(jq -r --arg a "$GPU_NIC" '.checks[] | select(.name == "iommu_group" and .device == $a) | .result' /tmp/check.json 2>/dev/null)"
check_eq "check: GPU0's group is clean" pass \
	"$(jq -r --arg a "$GPU0" '.checks[] | select(.name == "iommu_group" and .device == $a) | .result' /tmp/check.json 2>/dev/null)"
want=$([ "$(jq -r .failed /tmp/check.json)" = 0 ] && echo 0 || echo 1)
check_eq "check exits 0 without a failed check, 1 with one" "$want" "$rc"
out=$(gpuvfio check 2>&1)
check_match "the human form names the NIC's group" "WARN.*$GPU_NIC" "$out"

# --- monitor, started first so it sees everything below -------------------
gpuvfio -j monitor >/tmp/mon.json 2>/tmp/mon.err &
mon=$!
# The subscription is made before monitor prints anything; give it a moment
# to get there, and check it is still alive.
sleep 1
check "monitor runs" kill -0 "$mon"

# --- dry run ---------------------------------------------------------------
gpuvfio -j bind --dry-run "$GPU0" >/tmp/dry.json 2>/tmp/dry.err
check_eq "bind --dry-run exits 0" 0 "$?"
check_eq "outcome dry_run" dry_run "$(jqf .outcome /tmp/dry.json)"
check_eq "nothing changed" "$orig" "$(gv_state $ALL_DEVS)"
want=$(for d in $(group_devices "$grp"); do echo "$d"; done | sort | tr '\n' ' ')
got=$(jq -r '.members[] | select(.group == '"$grp"') | .address' /tmp/dry.json | sort | tr '\n' ' ')
check_eq "the plan lists every member of group $grp" "$want" "$got"
check_eq "the GPU is a target that moves bochs-drm -> vfio-pci" "target move bochs-drm vfio-pci" \
	"$(member /tmp/dry.json "$GPU0" '.role + " " + .fate + " " + .from_driver + " " + .to_driver')"
check_eq "its audio function is a companion that moves" "companion move snd_hda_intel" \
	"$(member /tmp/dry.json "$GPU0_AUDIO" '.role + " " + .fate + " " + .from_driver')"
out=$(gpuvfio bind --dry-run "$GPU0" 2>&1)
check_match "the human plan names each member and its fate" "$GPU0_USB.*move" "$out"

gpuvfio -j bind --dry-run "$GPU_NIC" >/tmp/dry2.json 2>/tmp/dry2.err
check_eq "a dry run the kernel would refuse exits 1" 1 "$?"
check_eq "outcome refused" refused "$(jqf .outcome /tmp/dry2.json)"
check_eq "the NIC sharing the group blocks it" "foreign blocks" \
	"$(member /tmp/dry2.json "$NIC_SHARED" '.role + " " + .fate')"
check_match "stderr says why" "IOMMU group" "$(cat /tmp/dry2.err)"
check_eq "nothing changed" "$orig" "$(gv_state $ALL_DEVS)"

# --- unprivileged ----------------------------------------------------------
check "nobody can read status" as_nobody gpuvfio status
as_nobody gpuvfio -j status >/tmp/st-nobody.json 2>/dev/null
check_eq "and its JSON says the module is loaded" true "$(jqf .module.loaded /tmp/st-nobody.json)"
out=$(as_nobody gpuvfio bind "$GPU0" 2>&1)
check_eq "nobody's bind exits 1" 1 "$?"
check_match "saying root is needed" "root|CAP_SYS_ADMIN" "$out"
out=$(as_nobody gpuvfio unbind "$GPU0" 2>&1)
check_eq "nobody's unbind exits 1" 1 "$?"
check_match "saying root is needed" "root|CAP_SYS_ADMIN" "$out"
check_exit "nobody's ids set is refused" 1 as_nobody gpuvfio ids set 1234:1111
check_eq "nothing changed" "$orig" "$(gv_state $ALL_DEVS)"
check_eq "ids unchanged" "" "$(cat "$GV/ids")"

# --- bind and unbind, their reports against sysfs --------------------------
gpuvfio -j bind "$GPU0" >/tmp/bind.json 2>/tmp/bind.err
check_eq "bind exits 0" 0 "$?"
check_eq "outcome done" done "$(jqf .outcome /tmp/bind.json)"
check_eq "the whole slot is on vfio-pci" "vfio-pci vfio-pci vfio-pci" "$(gv_drivers $GPU0_CARD)"
for d in $GPU0_CARD; do
	check_eq "$d: the report's to_driver is its driver in sysfs" "$(drv_of "$d")" \
		"$(member /tmp/bind.json "$d" .to_driver)"
	check_eq "$d: progress done, with release and attach times" "done true true" \
		"$(member /tmp/bind.json "$d" '"\(.progress) \(.t_release_ms != null) \(.t_attach_ms != null)"')"
done
check_eq "the record in sysfs matches from_driver" "$(member /tmp/bind.json "$GPU0_AUDIO" .from_driver)" \
	"$(cat "$GV/devices/$GPU0_AUDIO/original_driver")"
gpuvfio -j status "$GPU0" >/tmp/st.json 2>/dev/null
check_eq "status: managed, state vfio" "true vfio" \
	"$(jq -r --arg a "$GPU0" '.groups[].devices[] | select(.address == $a) | "\(.managed) \(.state)"' /tmp/st.json)"
out=$(gpuvfio bind "$GPU0" 2>&1)
check_eq "binding again exits 0" 0 "$?"
check_match "and says there was nothing to do" "nothing|already" "$out"

out=$(gpuvfio unbind "$GPU0" 2>&1)
check_eq "unbind exits 0" 0 "$?"
check_match "it reports the way back" "$GPU0.*vfio-pci.*bochs-drm" "$out"
gv_settle
check_eq "every device is back" "$orig" "$(gv_state $ALL_DEVS)"

# --- ids -------------------------------------------------------------------
check "ids set 1234:1111" gpuvfio ids set 1234:1111
check_eq "sysfs ids follows" "1234:1111" "$(cat "$GV/ids")"
# Setting ids claims what it matches, as at load, without waiting for it:
# both cards (the GPU sharing a NIC's group is refused at once).
check "the claims of both cards end by themselves" \
	wait_for 60 gv_claims_done $GPU0_CARD "$GPU1" "$GPU1_AUDIO"
check_eq "both cards are on vfio-pci" "vfio-pci vfio-pci vfio-pci vfio-pci vfio-pci" \
	"$(gv_drivers $GPU0_CARD "$GPU1" "$GPU1_AUDIO")"
check "ids add 8086:2668" gpuvfio ids add 8086:2668
check_eq "sysfs ids has both" "1234:1111,8086:2668" "$(cat "$GV/ids")"
check_eq "ids show -j lists both" "1234:1111 8086:2668" "$(gpuvfio -j ids show | jq -r '.ids | join(" ")')"
check_exit "a malformed id is a usage error" 2 gpuvfio ids add 8086:26
check_eq "and changed nothing" "1234:1111,8086:2668" "$(cat "$GV/ids")"
check "ids del 8086:2668" gpuvfio ids del 8086:2668
check "ids set ''" gpuvfio ids set ""
check_eq "sysfs ids is empty" "" "$(cat "$GV/ids")"
# Give back what the ids claimed.
# (a long --timeout: on a debug kernel unbinding two cards can outlast the
# default 10 s, and the tool would leave before the change ends)
gpuvfio unbind --all --timeout 120 >/dev/null 2>&1
gv_settle
check_eq "every device is back after ids" "$orig" "$(gv_state $ALL_DEVS)"

# --- the holder scan, --force and pending -----------------------------------
card=$(ls -d "$GV_SYSPCI/$GPU0_AUDIO"/sound/card* 2>/dev/null | head -n 1)
card=${card##*/card}
sleep 1000 <"/dev/snd/controlC$card" &
holder=$!
sleep 0.5
out=$(gpuvfio bind "$GPU0" 2>&1)
check_eq "bind with the audio function held open exits 1" 1 "$?"
check_match "naming the holder's pid" "$holder" "$out"
check_match "and its command" "sleep" "$out"
check_eq "nothing changed" "$orig" "$(gv_state $ALL_DEVS)"

start=$(cut -d' ' -f1 /proc/uptime)
gpuvfio -j bind --force --timeout 3 "$GPU0" >/tmp/pend.json 2>/tmp/pend.err
rc=$?
took=$(awk -v a="$start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%d", b - a }')
check_eq "bind --force --timeout 3 exits 4 (pending)" 4 "$rc"
# Under the module's default of 10 s, so --timeout must have been used.
check "within the timeout (took ${took}s)" test "$took" -le 8
check_eq "outcome pending" pending "$(jqf .outcome /tmp/pend.json)"
check_eq "waiting on snd_hda_intel at the audio function" "$GPU0_AUDIO snd_hda_intel" \
	"$(jqf '"\(.wait.address) \(.wait.driver)"' /tmp/pend.json)"
txn=$(jqf .txn /tmp/pend.json)
gpuvfio -j status "$GPU0" >/tmp/st2.json 2>/dev/null
check_eq "status shows the audio function binding" binding \
	"$(jq -r --arg a "$GPU0_AUDIO" '.groups[].devices[] | select(.address == $a) | .state' /tmp/st2.json)"
check_exit "rmmod is refused while a change is pending" 1 rmmod gpuvfio
check "the holder is still there" kill -0 "$holder"
kill "$holder"
card_moved() { [ "$(gv_drivers $GPU0_CARD)" = "vfio-pci vfio-pci vfio-pci" ]; }
check "once it exits, the bind completes by itself" wait_for 30 card_moved
# jq -s: with -e alone, jq 1.6 judges by the last object of the stream.
event_seen() { jq -s -e "$@" /tmp/mon.json >/dev/null; }
bound_event() { event_seen --argjson t "$txn" 'any(.[]; .event == "bound" and .txn == $t)'; }
check "monitor saw the pending request's bound event" wait_for 10 bound_event
check "and its pending event" event_seen --argjson t "$txn" 'any(.[]; .event == "pending" and .txn == $t)'

# --- a VM on vfio-pci: refused, then --force goes pending -------------------
/tests/bin/vfio-hold "$grp" "$GPU0" >/tmp/hold.out 2>&1 &
vm=$!
check "the VM stand-in owns group $grp" wait_for 30 grep -q ready /tmp/hold.out
out=$(gpuvfio unbind "$GPU0" 2>&1)
check_eq "unbind while a VM holds the group exits 1" 1 "$?"
check_match "naming the VM's pid" "$vm" "$out"
gpuvfio -j unbind --force --timeout 2 "$GPU0" >/tmp/pend2.json 2>/tmp/pend2.err
check_eq "unbind --force --timeout 2 exits 4" 4 "$?"
check_eq "waiting on vfio-pci" vfio-pci "$(jqf .wait.driver /tmp/pend2.json)"
kill "$vm"
# The whole card: the transaction moves the GPU first, then its companions.
card_back() { [ "$(gv_drivers $GPU0_CARD)" = "bochs-drm snd_hda_intel xhci_hcd" ]; }
check "once the VM exits, the unbind completes" wait_for 120 card_back
gv_settle
check_eq "every device is back" "$orig" "$(gv_state $ALL_DEVS)"

# --- events of another process's requests -----------------------------------
"$GVWRITE" "$GV/bind" "$GPU1" >/dev/null
"$GVWRITE" "$GV/unbind" "$GPU1" >/dev/null
gv_settle
unbound_event() { event_seen --arg a "$GPU1" 'any(.[] | select(.event == "unbound") | .members[]; .address == $a)'; }
check "monitor saw a sysfs bind and unbind of GPU1" wait_for 10 unbound_event
check "with GPU1's bound event" event_seen --arg a "$GPU1" 'any(.[] | select(.event == "bound") | .members[]; .address == $a and .fate == "move")'

# A device that appears while ids matches it is claimed, and announced.
echo 1234:1111 >"$GV/ids"
check "the claims of the ids write end by themselves" \
	wait_for 60 gv_claims_done $GPU0_CARD "$GPU1" "$GPU1_AUDIO"
ids_claimed_event() {
	event_seen --arg a "$GPU1" 'any(.[] | select(.event == "claimed" and .txn != null) | .members[]; .address == $a and .fate == "move")'
}
check "monitor saw the ids write's claim of GPU1, with its txn" wait_for 10 ids_claimed_event
gpuvfio unbind --all --timeout 120 >/dev/null 2>&1
gv_settle
check_eq "both cards are back on their drivers" \
	"bochs-drm snd_hda_intel xhci_hcd bochs-drm snd_hda_intel" "$(gv_drivers $GPU0_CARD "$GPU1" "$GPU1_AUDIO")"
echo 1 >"$GV_SYSPCI/$GPU1/remove"
echo 1 >/sys/bus/pci/rescan
gv_settle
# Claimed as it appeared: the event of no transaction.
claimed_event() { event_seen --arg a "$GPU1" 'any(.[] | select(.event == "claimed" and .txn == null) | .members[]; .address == $a)'; }
check "monitor saw GPU1 claimed at rescan" wait_for 10 claimed_event
check_eq "and vfio-pci took it" vfio-pci "$(drv_of "$GPU1")"
echo >"$GV/ids"
gpuvfio unbind --all --timeout 120 >/dev/null 2>&1
gv_settle

kill "$mon"
wait "$mon"
check_eq "monitor exits 0 on SIGTERM" "0 " "$? $(cat /tmp/mon.err)"
check_eq "every device is back" "$orig" "$(gv_state $ALL_DEVS)"
check "rmmod gpuvfio" rmmod gpuvfio
