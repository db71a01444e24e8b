#!/bin/bash
# `make bench`: gpuvfio against the script way and driverctl, side by side in
# one VM run (docs/bench.md).
#
#   scripts/bench.sh [--kernel PATTERN] [--cards N] [--reps N] [--no-deps]
#
#   --kernel 6.12   the Debian kernel line to boot (default 6.12)
#   --cards N       cards in the VM, each a VGA + audio function in an IOMMU
#                   group of its own (default 64, 2 to 128)
#   --reps N        rounds of the one-group measurements (default 9); status
#                   gets twice as many, the all-cards and memory ones about
#                   half
#   --no-deps       do not run scripts/install-deps.sh
#
# Boots the VM (tests/qemu/common.sh's bench topology) with the normal
# gpuvfio.ko build; tests/bench/guest.sh measures in the guest. Prints the
# table of medians and ratios, also written as Markdown to
# build/bench/results.md, and fails if a run left a device on the wrong driver
# or a target of docs/bench.md is missed.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GV_BUILD:-$ROOT/build}
# shellcheck source=tests/qemu/common.sh
. "$ROOT/tests/qemu/common.sh"

pattern=6.12
cards=64
reps=9
deps=1
usage() { sed -n '5,13s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || usage; pattern=$2; shift 2 ;;
	--cards) [ $# -ge 2 ] || usage; cards=$2; shift 2 ;;
	--reps) [ $# -ge 2 ] || usage; reps=$2; shift 2 ;;
	--no-deps) deps=0; shift ;;
	*) usage ;;
	esac
done
case $cards in '' | *[!0-9]*) usage ;; esac
case $reps in '' | *[!0-9]*) usage ;; esac
if [ "$cards" -lt 2 ] || [ "$cards" -gt 128 ]; then
	echo "bench: --cards is 2 to 128" >&2
	exit 2
fi
[ "$reps" -ge 1 ] || usage
all_reps=$(((reps + 1) / 2))
status_reps=$((reps * 2))

say() { echo "bench: $*" >&2; }

[ "$deps" = 0 ] || "$ROOT/scripts/install-deps.sh" >&2
rel=$("$ROOT/scripts/fetch-kernels.sh" "$pattern" | tail -n 1)
[ -n "$rel" ] || { say "no kernel matches $pattern"; exit 1; }
out=$BUILD/bench
rm -rf "$out"
mkdir -p "$out"

say "kernel $rel, $cards cards, $reps rounds"
make -s -C "$ROOT/user" >&2
"$ROOT/scripts/build-module.sh" "$rel" "$out/module" >/dev/null
"$ROOT/tests/qemu/mkinitramfs.sh" "$rel" "$BUILD/kernels/$rel" "$out/initramfs.cpio" \
	"$out/module/gpuvfio.ko" >/dev/null

gv_bench_topology "$cards"
# The kernel has 32 framebuffers (FB_MAX): bochs-drm's fbdev emulation fails
# on the 33rd card and leaves a buffer pinned, which WARNs in
# ttm_device_fini() when that card's driver is removed. Above 32 cards,
# no card has a framebuffer.
fbdev=
[ "$cards" -le 32 ] || fbdev=" drm_kms_helper.fbdev_emulation=0"
say "booting; the measurements take a few minutes (console: $out/console.log)"
start=$SECONDS
status=0
gv_qemu 3000 "$BUILD/kernels/$rel/boot/vmlinuz-$rel" "$out/initramfs.cpio" \
	"$GV_CMDLINE $(gv_boot_append std) gvtest.bench=1 gvtest.benchreps=$reps gvtest.benchallreps=$all_reps gvtest.benchstatusreps=$status_reps$fbdev" \
	"file:$out/console.log" "$out/verdict" "$out/results" >"$out/qemu.log" 2>&1 || status=$?
say "the VM ran $((SECONDS - start)) s"
tr -d '\r' <"$out/results" >"$out/samples"
if ! grep -qx success <(tr -d '\r' <"$out/verdict"); then
	say "the bench VM did not finish (status $status); the end of its console:"
	tr -d '\r' <"$out/console.log" | tail -n 40 >&2
	exit 1
fi

# median NAME [DIVISOR]: the median of NAME's samples (microseconds) in
# milliseconds, 1 decimal; or divided by DIVISOR (1: as recorded).
median() {
	awk -v n="$1" '$1 == "sample" && $2 == n { print $3 }' "$out/samples" | sort -n |
		awk -v d="${2:-1000}" '{ v[NR] = $1 } END {
			if (NR == 0) { print "nan"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf(d == 1 ? "%d\n" : "%.1f\n", m / d) }'
}
# spread NAME: the smallest and largest of NAME's samples, as recorded.
spread() {
	awk -v n="$1" '$1 == "sample" && $2 == n { print $3 }' "$out/samples" | sort -n |
		awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%d to %d\n", lo, hi; else print "nan" }'
}
count() {
	awk -v n="$1" '$1 == "sample" && $2 == n' "$out/samples" | wc -l
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "nan"; else printf "%.2f\n", a / b }'
}

md=$out/results.md
n=$(awk '$1 == "cards" { print $2 }' "$out/samples")
{
	echo "Kernel $rel under QEMU TCG (-smp 2), $n cards (VGA + audio, one IOMMU group each)."
	echo "Medians in milliseconds; n = samples per method."
	echo
	echo "The script: tests/bench/vfio-driver.sh run as a program (bash), as operators run it;"
	echo "in the shell: the same lines as functions of the measuring shell (no program started)."
	echo
	echo "| measurement | gpuvfio | gpuvfio (sysfs) | script | script in the shell | driverctl | gpuvfio / script | n |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for what in rt one.bind one.unbind; do
		g=$(median "$what.gpuvfio")
		s=$(median "$what.program")
		case $what in
		rt) label="round trip of one group (bind + unbind)" ;;
		one.bind) label="bind one group" ;;
		one.unbind) label="unbind one group" ;;
		esac
		echo "| $label | $g | $(median "$what.sysfs") | $s | $(median "$what.script") | $(median "$what.driverctl") | $(ratio "$g" "$s") | $(count "$what.gpuvfio") |"
	done
	for dir in bind unbind; do
		g=$(median "all.$dir.gpuvfio")
		s=$(median "all.$dir.program")
		echo "| $dir all $n groups, one request vs the script's loop | $g | | $s | $(median "all.$dir.script") | | $(ratio "$g" "$s") | $(count "all.$dir.gpuvfio") |"
	done
	echo
	echo "| every card at once | bind | unbind | bind / one group's bind | n |"
	echo "|---|---:|---:|---:|---:|"
	one=$(median one.bind.gpuvfio)
	for m in gpuvfio each program script; do
		case $m in
		gpuvfio) label="gpuvfio, one request of all $n cards" ;;
		each) label="gpuvfio, $n one-card requests in a row" ;;
		program) label="the script, one run for all $((n * 2)) functions" ;;
		script) label="the script's lines in the shell" ;;
		esac
		b=$(median "all.bind.$m")
		echo "| $label | $b | $(median "all.unbind.$m") | $(ratio "$b" "$one") | $(count "all.bind.$m") |"
	done
	echo
	echo "| status of every device | median | / lspci -nnk | n |"
	echo "|---|---:|---:|---:|"
	l=$(median status.lspci)
	for m in gpuvfio json check metrics lspci walk; do
		# shellcheck disable=SC2016 # Markdown code spans
		case $m in
		gpuvfio) label='`gpuvfio status`' ;;
		json) label='`gpuvfio status -j`' ;;
		check) label='`gpuvfio check`' ;;
		metrics) label='`gpuvfio metrics`' ;;
		lspci) label='`lspci -nnk`' ;;
		walk) label='sysfs walk in shell' ;;
		esac
		v=$(median "status.$m")
		echo "| $label | $v | $(ratio "$v" "$l") | $(count "status.$m") |"
	done
	echo
	echo "| where gpuvfio's time goes (from its per-step report) | one group bind | one group unbind | all $n bind | all $n unbind |"
	echo "|---|---:|---:|---:|---:|"
	for k in elapsed longest_group all_groups own; do
		case $k in
		elapsed) label="module: whole request" ;;
		longest_group) label="drivers: the slowest group (override + release + probe)" ;;
		all_groups) label="drivers: all groups added up (one after another)" ;;
		own) label="gpuvfio's own time (whole request - slowest group)" ;;
		esac
		echo "| $label | $(median "kernel.one.bind.$k") | $(median "kernel.one.unbind.$k") | $(median "kernel.all.bind.$k") | $(median "kernel.all.unbind.$k") |"
	done
	echo "| CLI: outside the module (start, checks, netlink, output) | $(median cli.one.bind.outside_kernel) | $(median cli.one.unbind.outside_kernel) | $(median cli.all.bind.outside_kernel) | $(median cli.all.unbind.outside_kernel) |"
	echo
	echo "| the module's memory, bytes per managed device ($((n * 2)) devices) | median | range | n |"
	echo "|---|---:|---:|---:|"
	echo "| sysfs nodes (kernfs_node_cache objects): gpuvfio's bind minus the script's, both on vfio-pci (a record has 4) | $(median mem.kernfs 100) | $(spread mem.kernfs) (x 1/100) | $(count mem.kernfs) |"
	echo "| the whole kernel's slab objects, the same difference (records + the request's kept report, within the drivers' churn) | $(median mem.record 1) | $(spread mem.record) | $(count mem.record) |"
	echo "| the same from /proc/meminfo (Slab + Percpu, whole pages) | $(median mem.meminfo 1) | $(spread mem.meminfo) | $(count mem.meminfo) |"
	echo "| slab objects after gpuvfio's unbind minus after the script's (the kept reports, within the churn) | $(median mem.after_unbind 1) | $(spread mem.after_unbind) | $(count mem.after_unbind) |"
} >"$md"
cat "$md"

# The targets of docs/bench.md.
echo
# shellcheck source=scripts/results.sh
. "$ROOT/scripts/results.sh"
GV_CHECK_PREFIX=bench
# verdict ok|FAIL DESCRIPTION
verdict() {
	if [ "$1" = ok ]; then gv_ok "$2"; else gv_fail "$2"; fi
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "nan" && b != "nan" && a + 0 <= b + 0) }'; }
while read -r name why; do
	verdict FAIL "$name: $why"
done < <(awk '$1 == "bad" { $1 = ""; print substr($0, 2) }' "$out/samples")
[ "$gv_failed" = 0 ] && verdict ok "every timed run left the devices on the expected drivers"
g=$(median rt.gpuvfio)
s=$(median rt.program)
if le "$g" "$s"; then r=ok; else r=FAIL; fi
verdict $r "a gpuvfio round trip ($g ms) takes at most the script's ($s ms)"
one=$(median one.bind.gpuvfio)
all=$(median all.bind.gpuvfio)
four=$(awk -v o="$one" 'BEGIN { printf "%.1f\n", o * 4 }')
if le "$all" "$four"; then r=ok; else r=FAIL; fi
verdict $r "binding all $n groups in one request ($all ms) takes at most 4 times one group's bind ($four ms)"
l=$(median status.lspci)
for m in status metrics; do
	case $m in
	status) st=$(median status.gpuvfio) ;;
	metrics) st=$(median status.metrics) ;;
	esac
	if le "$st" "$l"; then r=ok; else r=FAIL; fi
	verdict $r "gpuvfio $m ($st ms) is faster than lspci -nnk ($l ms)"
done
GV_CHECK_PREFIX=
gv_totals
[ "$gv_failed" = 0 ]
