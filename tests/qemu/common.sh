# shellcheck shell=bash
# Shared by tests/qemu/run.sh and scripts/demo.sh: the standard topology, the
# boot configurations and how a VM is started. See tests/README.md.

# The standard topology. Bus numbers follow from the root ports' order on
# pcie.0 (the firmware numbers buses depth-first), so the guest sees:
#
#   00:10.0 root port rp1   01:00.0 VGA 1234:1111     GPU0        group A
#                           01:00.1 intel-hda         GPU0_AUDIO  group A
#                           01:00.2 qemu-xhci         GPU0_USB    group A
#   00:11.0 root port rp2   02:00.0 VGA 1234:1111     GPU1        group B
#                           02:00.1 intel-hda         GPU1_AUDIO  group B
#   00:12.0 root port rp3   03:00.0 pcie-pci-bridge   BRIDGE      group C
#                           04:01.0 bochs-display     GPU_NIC     group C
#                           04:02.0 e1000 8086:100e   NIC_SHARED  group C
#   00:13.0 root port rp4   05:00.0 e1000e 8086:10d3  NIC_ALONE   group D
GV_TOPOLOGY=(
	-device pcie-root-port,id=rp1,bus=pcie.0,addr=0x10,chassis=1,port=1
	-device VGA,id=gpu0,bus=rp1,addr=0x0.0,multifunction=on
	-device intel-hda,id=gpu0-audio,bus=rp1,addr=0x0.1
	-device hda-duplex,bus=gpu0-audio.0,audiodev=snd0
	-device qemu-xhci,id=gpu0-usb,bus=rp1,addr=0x0.2
	-device pcie-root-port,id=rp2,bus=pcie.0,addr=0x11,chassis=2,port=2
	-device VGA,id=gpu1,bus=rp2,addr=0x0.0,multifunction=on
	-device intel-hda,id=gpu1-audio,bus=rp2,addr=0x0.1
	-device hda-duplex,bus=gpu1-audio.0,audiodev=snd0
	-device pcie-root-port,id=rp3,bus=pcie.0,addr=0x12,chassis=3,port=3
	-device pcie-pci-bridge,id=br3,bus=rp3,addr=0x0.0
	-device bochs-display,id=gpu-nic,bus=br3,addr=0x1.0
	-device e1000,id=nic-shared,bus=br3,addr=0x2.0,netdev=net0,romfile=
	-device pcie-root-port,id=rp4,bus=pcie.0,addr=0x13,chassis=4,port=4
	-device e1000e,id=nic-alone,bus=rp4,addr=0x0.0,netdev=net1,romfile=
	-audiodev none,id=snd0
	-netdev user,id=net0,restrict=on
	-netdev user,id=net1,restrict=on
)

# gv_root_port N: the -device argument of root port rpN (from 1) of a
# topology with many: eight to a slot of pcie.0 from 00:08.0 (function 0 of
# each slot says multifunction=on), so 128 fit in slots 0x08 to 0x17. Each
# has ACS, so what is below it is an IOMMU group of its own. No I/O window
# (io-reserve=0): the devices below have no I/O BAR, and 4 KiB windows for
# more than 15 ports do not fit in the 64 KiB of port space.
gv_root_port() {
	local mf=
	[ $((($1 - 1) % 8)) != 0 ] || mf=,multifunction=on
	printf 'pcie-root-port,id=rp%d,bus=pcie.0,addr=0x%x.%d%s,chassis=%d,port=%d,io-reserve=0\n' \
		"$1" $((($1 - 1) / 8 + 8)) $((($1 - 1) % 8)) "$mf" "$1" "$1"
}

# gv_bench_topology N: make bench's topology instead (scripts/bench.sh): N
# cards (up to 128), each a VGA 1234:1111 (bochs-drm, 4 MiB of video memory)
# and an intel-hda with a codec (snd_hda_intel) as functions 0 and 1 behind
# a root port of its own (gv_root_port), so each card is an IOMMU group of
# its own: buses 01 to N.
gv_bench_topology() {
	local i
	GV_TOPOLOGY=(-audiodev none,id=snd0)
	for ((i = 1; i <= $1; i++)); do
		GV_TOPOLOGY+=(
			-device "$(gv_root_port "$i")"
			-device "VGA,id=gpu$i,bus=rp$i,addr=0x0.0,multifunction=on,vgamem_mb=4"
			-device "intel-hda,id=hda$i,bus=rp$i,addr=0x0.1"
			-device "hda-duplex,bus=hda$i.0,audiodev=snd0"
		)
	done
}

# gv_many_topology N: the many boot's topology (tests/guest/57-many-groups.sh):
# N root ports (gv_root_port), each with one QEMU edu device (1234:11e8, one
# MMIO BAR, no Linux driver), so N IOMMU groups of one device each.
gv_many_topology() {
	local i
	GV_TOPOLOGY=()
	for ((i = 1; i <= $1; i++)); do
		GV_TOPOLOGY+=(-device "$(gv_root_port "$i")" -device "edu,id=edu$i,bus=rp$i,addr=0x0.0")
	done
}

# The devcheck boot's topology (tests/guest/80-check-devices.sh), for the
# per-device findings of `gpuvfio check`: two NUMA nodes (512 MiB and one
# CPU each); a VGA with its audio function behind a root port (the boot
# VGA card, no FLR); a switch (x3130-upstream, two xio3130-downstream
# ports) with a bochs-display and a virtio-net (FLR) below it; a pxb-pcie
# expander on NUMA node 1 with a root port and a bochs-display; a
# pcie-pci-bridge grouping a bochs-display with an e1000 by requester-ID
# aliasing. Bus numbers are the firmware's: the script finds devices by ID.
GV_DEVCHECK_TOPOLOGY=(
	-object memory-backend-ram,id=mem0,size=512M
	-object memory-backend-ram,id=mem1,size=512M
	-numa node,nodeid=0,cpus=0,memdev=mem0
	-numa node,nodeid=1,cpus=1,memdev=mem1
	-device pcie-root-port,id=rp1,bus=pcie.0,addr=0x10,chassis=1,port=1
	-device VGA,id=gpu0,bus=rp1,addr=0x0.0,multifunction=on
	-device intel-hda,id=gpu0-audio,bus=rp1,addr=0x0.1
	-device hda-duplex,bus=gpu0-audio.0,audiodev=snd0
	-device pcie-root-port,id=rp2,bus=pcie.0,addr=0x11,chassis=2,port=2
	-device x3130-upstream,id=up2,bus=rp2
	-device xio3130-downstream,id=dn21,bus=up2,chassis=21,slot=0
	-device xio3130-downstream,id=dn22,bus=up2,chassis=22,slot=1
	-device bochs-display,id=gpu-sw,bus=dn21,addr=0x0.0
	-device virtio-net-pci,id=nic-sw,bus=dn22,addr=0x0.0,netdev=net1,disable-legacy=on,romfile=
	-device pcie-root-port,id=rp3,bus=pcie.0,addr=0x12,chassis=3,port=3
	-device pcie-pci-bridge,id=br3,bus=rp3,addr=0x0.0
	-device bochs-display,id=gpu-br,bus=br3,addr=0x1.0
	-device e1000,id=nic-br,bus=br3,addr=0x2.0,netdev=net0,romfile=
	-device pxb-pcie,id=pxb1,bus_nr=128,numa_node=1,bus=pcie.0,addr=0x1c
	-device pcie-root-port,id=rp9,bus=pxb1,addr=0x0,chassis=9,port=9
	-device bochs-display,id=gpu-numa,bus=rp9,addr=0x0.0
	-audiodev none,id=snd0
	-netdev user,id=net0,restrict=on
	-netdev user,id=net1,restrict=on
)

# gv_boot_topology NAME: sets GV_TOPOLOGY for boot configuration NAME when
# it has a topology of its own; the others keep the standard one.
# Its CPUs too: one socket a NUMA node in devcheck (two cores of one socket
# on two nodes make the scheduler WARN, which panics the guest).
GV_SMP=2
gv_boot_topology() {
	GV_SMP=2
	case $1 in
	devcheck)
		GV_TOPOLOGY=("${GV_DEVCHECK_TOPOLOGY[@]}")
		GV_SMP=2,sockets=2,cores=1,threads=1
		;;
	many) gv_many_topology 72 ;;
	esac
	return 0
}

# Kernel command line of every boot; a boot configuration appends to it.
GV_CMDLINE="console=ttyS0 panic_on_warn=1 panic=-1 oops=panic"

# gv_boot_append NAME: what boot configuration NAME adds to the command line.
gv_boot_append() {
	case $1 in
	std) echo "intel_iommu=on" ;;
	noiommu) echo "intel_iommu=off" ;;
	devcheck) echo "intel_iommu=on" ;;
	many) echo "intel_iommu=on" ;;
	*) return 1 ;;
	esac
}

# gv_qemu TIMEOUT KERNEL INITRD CMDLINE CONSOLE VERDICT RESULTS [QEMU-ARGS...]
# Boots the standard topology under `timeout`. CONSOLE is a QEMU character
# device for ttyS0 (file:PATH or stdio); VERDICT and RESULTS are files that
# receive ttyS1 and ttyS2. Returns QEMU's (or timeout's) exit status.
gv_qemu() {
	local timeout=$1 kernel=$2 initrd=$3 cmdline=$4 console=$5 verdict=$6 results=$7
	shift 7
	: >"$verdict"
	: >"$results"
	timeout -k 10 "$timeout" qemu-system-x86_64 \
		-machine q35,kernel-irqchip=split -accel tcg -cpu max -smp "$GV_SMP" -m 1G \
		-nographic -vga none -no-reboot -nodefaults -monitor none \
		-device intel-iommu,intremap=on,caching-mode=on \
		"${GV_TOPOLOGY[@]}" \
		-serial "$console" -serial "file:$verdict" -serial "file:$results" \
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
		"$@" </dev/null
}

# gv_early_crash DIR: the boot in DIR (console.log, verdict, results)
# crashed in the kernel's own start-up, before /init (which loads gpuvfio)
# ran: no result, no "Run /init", no gpuvfio line but the command line's.
# Under TCG that is the emulator's doing (seen: an int3 Oops in
# enqueue_timer while the kernel patched its text on another CPU; an Oops in
# ttwu_queue_wakelist under cpu_latency_qos_init). Prints the crash's first
# line. tests/qemu/run.sh and tests/host/run.sh boot such a boot once more.
gv_early_crash() {
	[ ! -s "$1/results" ] || return 1
	tr -d '\r' <"$1/verdict" | grep -qx success && return 1
	tr -d '\r' <"$1/console.log" | grep -q 'Run /init as init process' && return 1
	tr -d '\r' <"$1/console.log" | grep -v 'ommand line:' | grep -q gpuvfio && return 1
	tr -d '\r' <"$1/console.log" | grep -v 'ommand line:' |
		grep -m 1 -E 'Oops|BUG:|Kernel panic|RIP:' |
		sed 's/^\[[^]]*\] *//' | grep . || echo "no message"
}

# gv_oops_head CONSOLE: the first lines of the first kernel report (Oops,
# BUG, WARNING, panic) in the console log CONSOLE, which say what it was;
# the console's tail shows only its call trace. Nothing when there is none.
gv_oops_head() {
	tr -d '\r' <"$1" | grep -m 1 -A 3 -E 'Oops|BUG:|WARNING:|Kernel panic' || true
}
