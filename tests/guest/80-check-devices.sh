# `gpuvfio check` per device (issue 16) against the kernel's own view, in a
# topology of its own (boot devcheck, tests/qemu/common.sh): each checked
# device's reset methods, D3cold, NUMA node, boot VGA, SR-IOV files and the
# bridges above it as `-j check` reports them are what sysfs says; each
# bridge's ACS verdict is what lspci reads from its ACS capability; the
# switch ports, the pxb-pcie expander's node, the group made by the
# PCIe-to-PCI bridge and the card without FLR beside the one with it are
# each found and judged. Runs as root: config space is read in full.
# boot: devcheck

JSON=/tmp/check-devices.json
OUT=/tmp/check-devices.txt
ID_BOCHS=1234:1111

# Every device of the topology that check should judge by default, and the
# ones named on the command line below.
gpuvfio -j check >"$JSON"
check "-j check prints valid JSON" jq -e .devices "$JSON" || return 1

# by_id ID: the addresses of the devices with that vendor:device ID.
by_id() {
	for _d in "$GV_SYSPCI"/*; do
		[ "$(id_of "${_d##*/}")" = "$1" ] && echo "${_d##*/}"
	done
}
# attr ADDR NAME: a sysfs attribute, "" when the file is missing.
attr() {
	cat "$GV_SYSPCI/$1/$2" 2>/dev/null
}
# parents ADDR: the PCI bridges above ADDR, nearest first, from the
# device's sysfs path.
parents() {
	_p=$(readlink -f "$GV_SYSPCI/$1")
	_p=${_p%/*}
	while :; do
		_n=${_p##*/}
		case $_n in
		[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) echo "$_n" ;;
		*) break ;;
		esac
		_p=${_p%/*}
	done
}
# acs_expected ADDR: "true" when lspci shows an ACS capability whose
# implemented source validation, request and completion redirect and
# upstream forwarding controls are all on (what the kernel asks of a
# port), else "false".
acs_expected() {
	_v=$(lspci -vvv -s "$1" 2>/dev/null)
	_cap=$(printf '%s\n' "$_v" | grep 'ACSCap:')
	_ctl=$(printf '%s\n' "$_v" | grep 'ACSCtl:')
	if [ -z "$_cap" ]; then
		echo false
		return
	fi
	for _f in SrcValid ReqRedir CmpltRedir UpstreamFwd; do
		case $_cap in *"$_f+"*) ;; *) continue ;; esac
		case $_ctl in *"$_f+"*) ;; *) echo false; return ;; esac
	done
	echo true
}
# jdev ADDR FILTER: a field of one device in the JSON.
jdev() {
	jq -c --arg a "$1" ".devices[] | select(.address == \$a) | $2" "$JSON"
}
# result NAME ADDR: the result of one finding.
result_of() {
	jq -r --arg n "$1" --arg a "$2" '.checks[] | select(.name == $n and .device == $a) | .result' "$JSON"
}

# ---- every checked device against sysfs ---------------------------------

devs=$(jq -r '.devices[].address' "$JSON")
check "check judges some devices" test -n "$devs"
for a in $devs; do
	want=$(attr "$a" reset_method | tr ' ' '\n' | jq -R . | jq -cs .)
	[ "$(attr "$a" reset_method)" ] || want='[]'
	check_eq "$a: reset_methods is reset_method" "$want" "$(jdev "$a" .reset_methods)"
	r=$(attr "$a" reset_method)
	# Without a reset of its own: a failure alone in its slot, a warning
	# beside other functions (vfio-pci resets the slot together).
	nfn=$(ls /sys/bus/pci/devices | grep -c "^${a%.*}\.")
	case " $r " in
	"  ") [ "$nfn" -gt 1 ] && exp=warn || exp=fail ;;
	" bus ") exp=warn ;;
	*) exp=pass ;;
	esac
	check_eq "$a: the reset finding follows the methods ($r)" "$exp" "$(result_of reset "$a")"
	numa=$(attr "$a" numa_node)
	[ "$numa" = -1 ] && numa=null
	check_eq "$a: numa_node" "${numa:-null}" "$(jdev "$a" .numa_node)"
	d3=$(attr "$a" d3cold_allowed)
	case $d3 in 1) d3=true ;; 0) d3=false ;; *) d3=null ;; esac
	check_eq "$a: d3cold_allowed" "$d3" "$(jdev "$a" .d3cold_allowed)"
	bv=$(attr "$a" boot_vga)
	case $bv in 1) bv=true ;; 0) bv=false ;; *) bv=null ;; esac
	check_eq "$a: boot_vga" "$bv" "$(jdev "$a" .boot_vga)"
	vfs=$(attr "$a" sriov_totalvfs)
	check_eq "$a: sriov_totalvfs" "${vfs:-null}" "$(jdev "$a" .sriov_totalvfs)"
	check_eq "$a: the bridges above it, nearest first" "$(parents "$a" | words)" \
		"$(jdev "$a" '.path[].address' | tr -d '"' | words)"
	for p in $(parents "$a"); do
		check_eq "$a: ACS of $p as lspci reads it" "$(acs_expected "$p")" \
			"$(jdev "$a" ".path[] | select(.address == \"$p\") | .acs")"
	done
done

# ---- the cases the topology was built for --------------------------------

vga=$(by_id "$ID_VGA" | head -n 1)
check "the VGA card is checked" test -n "$(jdev "$vga" .address)"
check_eq "the VGA card is the boot VGA device" 1 "$(attr "$vga" boot_vga)"
if grep -Eq ': (efifb|vesafb|BOOTFB|simple-framebuffer|simpledrm)$' /proc/iomem; then
	pass "a firmware framebuffer is in /proc/iomem (not judged: the BIOS boot has none usually)"
else
	check_eq "no firmware framebuffer in /proc/iomem: none reported for the boot VGA card" \
		null "$(jdev "$vga" .framebuffer)"
	check_eq "and the framebuffer finding passes" pass "$(result_of framebuffer "$vga")"
fi

# The switch: a bochs-display below a downstream port of an upstream port
# below a root port, as lspci names the port types.
sw_gpu=
for a in $(by_id "$ID_BOCHS"); do
	[ "$(jdev "$a" '[.path[].type] | join(",")')" = '"switch_downstream,switch_upstream,root_port"' ] &&
		sw_gpu=$a
done
check "a display below a switch: path downstream, upstream, root port" test -n "$sw_gpu"
if [ -n "$sw_gpu" ]; then
	set -- $(parents "$sw_gpu")
	check_match "lspci agrees: $1 is a downstream port" 'Downstream Port' "$(lspci -vvv -s "$1")"
	check_match "lspci agrees: $2 is an upstream port" 'Upstream Port' "$(lspci -vvv -s "$2")"
	check_match "lspci agrees: $3 is a root port" 'Root Port' "$(lspci -vvv -s "$3")"
fi

# The NIC with FLR beside the display without it, below the same switch.
# QEMU's e1000e has no FLR; a modern virtio-pci device on a PCIe port has
# (its x-pcie-flr-init property, on by default).
nic=$(by_id 1af4:1041 | head -n 1)
gpuvfio -j check "$nic" "$sw_gpu" >"$JSON"
check_match "the virtio-net offers FLR" '(^| )flr( |$)' "$(attr "$nic" reset_method)"
check_eq "check says so and passes it" pass "$(result_of reset "$nic")"
check_no_match "the bochs-display offers no FLR" '(^| )flr( |$)' "$(attr "$sw_gpu" reset_method)"
check_eq "check -j NIC GPU judges exactly those two" "$(printf '%s\n' "$nic" "$sw_gpu" | sort | words)" \
	"$(jq -r '.devices[].address' "$JSON" | sort | words)"

# The expander on NUMA node 1. A kernel built without NUMA (the debug
# kernels of make check-debug: tests/debug/kernel.config) has no
# /sys/devices/system/node at all; Debian's kernels have it.
gpuvfio -j check >"$JSON"
gpuvfio check >"$OUT"
if [ ! -d /sys/devices/system/node ]; then
	skip "the pxb-pcie expander's NUMA node, because this kernel has no NUMA support ($(uname -r): no /sys/devices/system/node)"
else
	numa_gpu=
	for a in $(by_id "$ID_BOCHS"); do
		[ "$(attr "$a" numa_node)" = 1 ] && numa_gpu=$a
	done
	check "the display behind the pxb-pcie expander is on NUMA node 1" test -n "$numa_gpu"
	[ -n "$numa_gpu" ] && check_eq "check reports node 1" 1 "$(jdev "$numa_gpu" .numa_node)"
	[ -n "$numa_gpu" ] && check_match "and names the node and its CPUs" \
		"$numa_gpu .*on NUMA node 1 \\(CPUs $(cat /sys/devices/system/node/node1/cpulist)\\)" "$(cat "$OUT")"
fi

# The PCIe-to-PCI bridge: its display shares a group with the e1000, and
# check names the bridge as the reason.
br_nic=$(by_id "$ID_E1000" | head -n 1)
br_gpu=
for a in $(by_id "$ID_BOCHS"); do
	[ -n "$br_nic" ] && [ "$(group_of "$a")" = "$(group_of "$br_nic")" ] && br_gpu=$a
done
check "a display shares its IOMMU group with the e1000 behind the bridge" test -n "$br_gpu"
if [ -n "$br_gpu" ]; then
	check_eq "the acs finding warns" warn "$(result_of acs "$br_gpu")"
	check_match "naming the e1000 and the PCIe-to-PCI bridge" \
		"$br_gpu .*also holds .*$br_nic.*behind PCIe-to-PCI bridge $(parents "$br_gpu" | head -n 1)" \
		"$(cat "$OUT")"
	check_eq "the bridge is typed pcie_to_pci" '"pcie_to_pci"' "$(jdev "$br_gpu" '.path[0].type')"
fi

# The VGA card alone with its audio function passes.
check_eq "the VGA card's group holds only its functions" pass "$(result_of acs "$vga")"

# A target that names nothing: exit 1, nothing printed.
check_exit "check of an absent address exits 1" 1 gpuvfio check 0000:7f:1f.7
