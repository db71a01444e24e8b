# `gpuvfio status` against the kernel's own view (issue 2): every IOMMU group
# with a display or GPU-audio device, each member's address, IDs, class,
# pci.ids names and driver, as sysfs and lspci see them; `status -j` is valid
# JSON with the same facts; without the module it still works and says so;
# with it, the module's sysfs directory and genl family exist and status
# reports its version; rmmod removes both.
# boot: std

GV=/sys/kernel/gpuvfio
GENL_FAMILY=/tests/bin/genl-family
JSON=/tmp/status.json

# ---- the bench: the topology and its IOMMU groups are as documented ------

check "the standard topology is at the addresses lib.sh names" gv_topology_ok
g_gpu0=$(group_of "$GPU0")
g_gpu1=$(group_of "$GPU1")
g_shared=$(group_of "$GPU_NIC")
g_nic=$(group_of "$NIC_ALONE")
check_eq "GPU0, its audio and USB functions form one IOMMU group" \
	"$GPU0 $GPU0_AUDIO $GPU0_USB" "$(group_devices "$g_gpu0" | words)"
check_eq "GPU1 and its audio function form another" \
	"$GPU1 $GPU1_AUDIO" "$(group_devices "$g_gpu1" | words)"
check_eq "the GPU behind the PCIe-PCI bridge shares its group with the bridge and the NIC" \
	"$BRIDGE $GPU_NIC $NIC_SHARED" "$(group_devices "$g_shared" | words)"
check_eq "the lone NIC is alone in its group" "$NIC_ALONE" "$(group_devices "$g_nic" | words)"
check_eq "the four groups are distinct" 4 \
	"$(printf '%s\n' "$g_gpu0" "$g_gpu1" "$g_shared" "$g_nic" | sort -u | grep -c .)"

# ---- what status must show, from sysfs ------------------------------------

# is_display ADDR / is_gpu_audio ADDR: class 03xx; class 0403 in a slot that
# also holds a display function.
is_display() {
	case $(class_of "$1") in 0x03*) return 0 ;; esac
	return 1
}
is_gpu_audio() {
	case $(class_of "$1") in 0x0403*) ;; *) return 1 ;; esac
	for _f in "$GV_SYSPCI/${1%.*}".*; do
		is_display "${_f##*/}" && return 0
	done
	return 1
}

# The groups status lists, sorted.
expected_groups() {
	for _dev in "$GV_SYSPCI"/*; do
		_a=${_dev##*/}
		if is_display "$_a" || is_gpu_audio "$_a"; then
			group_of "$_a"
		fi
	done | sort -n -u
}

# The members of group N bound to a driver that does DMA for the host
# (anything but vfio-pci, pcieport, pci-stub); the group is viable when
# there is none.
expected_blocking() {
	for _a in $(group_devices "$1"); do
		case $(drv_of "$_a") in
		"" | vfio-pci | pcieport | pci-stub) ;;
		*) echo "$_a" ;;
		esac
	done
}
expected_viable() {
	if [ -z "$(expected_blocking "$1")" ]; then
		echo true
	else
		echo false
	fi
}

# lspci_field ADDR FIELD: a field of `lspci -D -vmm` (names from pci.ids),
# from the listing compare_status saves once: every program run costs
# dearly under emulation.
LSPCI=/tmp/lspci.txt
lspci_field() {
	awk -F '\t' -v a="$1" -v f="$2:" '
		$1 == "Slot:" { here = ($2 == a) }
		here && $1 == f { print $2; exit }' "$LSPCI"
}

# expect ADDR: sets e_vendor e_device e_class e_driver e_vname e_dname
# e_cname, as sysfs and lspci give them; an ID pci.ids does not name has
# an empty name.
expect() {
	_id=$(id_of "$1")
	e_vendor=${_id%:*}
	e_device=${_id#*:}
	e_class=$(class_of "$1")
	e_class=${e_class#0x}
	e_class=${e_class%??}
	e_driver=$(drv_of "$1")
	e_vname=$(lspci_field "$1" Vendor)
	e_dname=$(lspci_field "$1" Device)
	e_cname=$(lspci_field "$1" Class)
	case $e_vname in "Vendor $e_vendor") e_vname= ;; esac
	case $e_dname in "Device $e_device") e_dname= ;; esac
}

# compare_status WHEN: status and status -j agree with sysfs and lspci.
compare_status() {
	when=$1
	groups=$(expected_groups | words)
	check "[$when] status exits 0" gpuvfio status || return 1
	text=$(gpuvfio status 2>/dev/null)
	check "[$when] status -j exits 0" sh -c "gpuvfio status -j >$JSON" || return 1
	check "[$when] status -j is valid JSON" jq -e . "$JSON" || return 1

	check_eq "[$when] status -j lists the groups with a GPU or GPU audio ($groups)" \
		"$groups" "$(jq -r '.groups[].group' "$JSON" | sort -n | words)"
	check_eq "[$when] status lists the same groups" "$groups" \
		"$(printf '%s\n' "$text" | sed -n 's/^IOMMU group \([0-9]*\):.*/\1/p' | sort -n | words)"

	# One line per group and per device, so that jq runs twice, not per item.
	jgroups=$(jq -r '.groups[] | "\(.group)|\(.viable): \(.blocking | join(" "))|\([.devices[].address] | sort | join(" "))"' "$JSON")
	jdevs=$(jq -r '.groups[].devices[] | [.address, .vendor, .device, .class, .driver // "",
		.vendor_name // "", .device_name // "", .class_name // ""] | join("|")' "$JSON")
	lspci -D -vmm >"$LSPCI"

	for g in $groups; do
		check_eq "[$when] group $g: the members are those of /sys/kernel/iommu_groups/$g" \
			"$(group_devices "$g" | words)" \
			"$(printf '%s\n' "$jgroups" | awk -F '|' -v g="$g" '$1 == g { print $3 }')"
		viable=$(expected_viable "$g")
		check_eq "[$when] group $g: JSON viable and blocking as the members' drivers say" \
			"$viable: $(expected_blocking "$g" | words)" \
			"$(printf '%s\n' "$jgroups" | awk -F '|' -v g="$g" '$1 == g { print $2 }')"
		if [ "$viable" = true ]; then
			want="^IOMMU group $g: viable"
		else
			want="^IOMMU group $g: not viable"
		fi
		check_match "[$when] group $g: status says whether it is viable" "$want" "$text"
		for a in $(group_devices "$g"); do
			expect "$a"
			check_eq "[$when] $a: JSON vendor, device, class, driver and names match sysfs and lspci" \
				"$e_vendor|$e_device|$e_class|$e_driver|$e_vname|$e_dname|$e_cname" \
				"$(printf '%s\n' "$jdevs" | grep -F "$a|" | cut -d '|' -f 2-)"

			line=$(printf '%s\n' "$text" | grep -F "  $a ")
			drvline=$(printf '%s\n' "$text" | grep -F -A 1 "  $a " | sed -n 2p)
			ok=1
			for want in "[$e_vendor:$e_device]" "$e_cname [$e_class]" \
				"${e_vname:-}" "${e_dname:-unknown device}"; do
				case $line in *"$want"*) ;; *) ok=0 ;; esac
			done
			if [ "$ok" = 1 ]; then
				pass "[$when] $a: status shows its IDs, class and names"
			else
				fail "[$when] $a: status shows its IDs, class and names" \
					"expected [$e_vendor:$e_device], '$e_cname [$e_class]', '$e_vname', '${e_dname:-unknown device}'" \
					"line: $line"
			fi
			check_match "[$when] $a: status shows driver ${e_driver:-none}" \
				"^ +driver: ${e_driver:-none}(;|\$)" "$drvline"
		done
	done
	check_no_match "[$when] status leaves out the lone NIC's group" \
		"^IOMMU group $g_nic:" "$text"
}

# ---- without the module ---------------------------------------------------

check_fails "gpuvfio is not loaded at the start" is_loaded gpuvfio
check_match "status says the module is not loaded" "not loaded" \
	"$(gpuvfio status 2>&1 >/dev/null)"
compare_status "no module"
check_eq "status -j says the module is not loaded, the devices' view sysfs's" "false sysfs" \
	"$(jq -r '"\(.module.loaded) \(.devices_source)"' "$JSON")"
check_fails "status did not load the module" is_loaded gpuvfio
check_fails "no genl family gpuvfio is registered" "$GENL_FAMILY" gpuvfio

# A card parked on vfio-pci by hand: its group is viable, as status must say.
if check "GPU1 goes to vfio-pci through plain sysfs" move_to "$GPU1" vfio-pci &&
	check "and its audio function" move_to "$GPU1_AUDIO" vfio-pci; then
	compare_status "GPU1 on vfio-pci"
	check_eq "status -j calls GPU1's group viable" true \
		"$(jq -r --argjson g "$g_gpu1" '.groups[] | select(.group == $g) | .viable' "$JSON")"
fi
check "GPU1 goes back to bochs-drm" restore_dev "$GPU1" bochs-drm
check "its audio function back to snd_hda_intel" restore_dev "$GPU1_AUDIO" snd_hda_intel
gv_settle

# ---- with the module ------------------------------------------------------

check "modprobe gpuvfio" modprobe gpuvfio || return 1
check "/sys/kernel/gpuvfio exists" test -d "$GV"
check "the genl family gpuvfio is registered" "$GENL_FAMILY" gpuvfio
version=$(cat /sys/module/gpuvfio/version 2>/dev/null)
check_eq "/sys/kernel/gpuvfio/version is the module's version" \
	"$version" "$(cat "$GV/version" 2>/dev/null)"
compare_status "module loaded"
check_eq "status -j says the module is loaded, with its version" \
	"true $version" "$(jq -r '"\(.module.loaded) \(.module.version)"' "$JSON")"
check_eq "status -j read the module and the devices over netlink" "netlink netlink" \
	"$(jq -r '"\(.module.source) \(.devices_source)"' "$JSON")"
check_match "status names the module and its version" \
	"^module: +gpuvfio $version" "$(gpuvfio status 2>/dev/null)"
check "an unprivileged user can run status -j" sh -c \
	". /tests/lib.sh; as_nobody gpuvfio status -j >/tmp/nobody.json"
check_eq "and reads the same state, through netlink" "$(jq -c . "$JSON")" \
	"$(jq -c . /tmp/nobody.json 2>&1)"

check_eq "status GPU1 shows GPU1's group alone" "$g_gpu1" \
	"$(gpuvfio status -j "$GPU1" | jq -r '.groups[].group' | words)"
check_eq "status NIC_ALONE shows the group of the device it names" "$g_nic" \
	"$(gpuvfio status -j "$NIC_ALONE" | jq -r '.groups[].group' | words)"
check_eq "status $ID_HDA shows the groups of both audio functions" \
	"$(printf '%s\n' "$g_gpu0" "$g_gpu1" | sort -n | words)" \
	"$(gpuvfio status -j "$ID_HDA" | jq -r '.groups[].group' | sort -n | words)"

# names_of ADDR: "ADDR VENDOR-NAME DEVICE-NAME" from status -j on stdin.
names_of() {
	jq -r --arg a "$1" '.groups[].devices[] | select(.address == $a) |
		"\(.address) \(.vendor_name) \(.device_name)"' 2>&1
}

# Without libpci (the tool opens it only to name devices): status still
# shows every device, without names, exits 0 and says what to install.
lib=$(find /usr/lib /lib -name 'libpci.so.3*' -type f 2>/dev/null | head -n 1)
if [ -z "$lib" ]; then
	fail "libpci is in the image" "no libpci.so.3 under /usr/lib or /lib"
elif check "libpci hidden (bind mount of /dev/null)" mount --bind /dev/null "$lib"; then
	out=$(gpuvfio status -j 2>/tmp/nolibpci.err)
	rc=$?
	umount "$lib"
	check_eq "without libpci status -j exits 0" 0 "$rc"
	check_match "and says names are not shown, and what to install" \
		"names from pci.ids are not shown: .*\(install libpci3\)" "$(cat /tmp/nolibpci.err)"
	check_eq "and still lists GPU0, without names" "$GPU0 null null" \
		"$(printf '%s\n' "$out" | names_of "$GPU0")"
	check_match "with libpci back, GPU0 has its names again" "^$GPU0 .+ .+" \
		"$(gpuvfio status -j | names_of "$GPU0")"
fi

# ---- rmmod ----------------------------------------------------------------

check "rmmod gpuvfio" rmmod gpuvfio || return 1
check_fails "/sys/kernel/gpuvfio is gone" test -e "$GV"
check_fails "the genl family gpuvfio is gone" "$GENL_FAMILY" gpuvfio
check "status -j after rmmod" sh -c "gpuvfio status -j >$JSON"
check_eq "and says the module is not loaded" false "$(jq -r .module.loaded "$JSON")"
