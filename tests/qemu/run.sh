#!/bin/bash
# Run the guest test suite (tests/guest/NN-name.sh) under QEMU on the Debian
# kernels prepared by scripts/fetch-kernels.sh.
#
#   tests/qemu/run.sh [--kernel PATTERN]... [--only SCRIPT]... [--timeout S]
#
#   --kernel 6.12    only that kernel line (6.1, 6.12) or release (default: all)
#   --release REL    a kernel already prepared in build/kernels/REL (the debug
#                    kernels of scripts/debug-kernel.sh); repeatable
#   --only 10-status only scripts whose name starts with this (repeatable)
#   --timeout S      hang guard for one boot (default 600, env GV_TIMEOUT;
#                    the longest boot, eleven scripts, takes about 4 min on
#                    an idle 2-core machine and over 5 on a loaded one)
#   --append ARGS    more kernel command line for every boot, after the
#                    standard one (a later value of a parameter wins)
#   --no-total       leave out the closing "N passed, N failed" line
#
# For each release it builds gpuvfio.ko twice with W=1 (plain, to prove it
# builds clean, and GPUVFIO_TEST=1, the one the guest loads), builds the
# initramfs, then boots once per boot configuration: the scripts that declare
# the same "# boot:", "# append:" and "# nodrivers:" headers share a boot
# ("# isolate: yes" gets a script a boot of its own).
# Every check line is printed prefixed with the release. A boot without the
# guest's "success" verdict fails and shows the end of its console; one whose
# kernel crashed before it ran /init is booted once more (gv_early_crash in common.sh).
# Everything a run leaves is under build/qemu/<release>/.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${GV_BUILD:-$ROOT/build}
# shellcheck source=tests/qemu/common.sh
. "$ROOT/tests/qemu/common.sh"
gv_std_topology=("${GV_TOPOLOGY[@]}")

usage() {
	sed -n '5,16s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

patterns=()
prepared=()
only=()
timeout=${GV_TIMEOUT:-600}
print_total=1
append_all=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || usage; patterns+=("$2"); shift 2 ;;
	--release) [ $# -ge 2 ] || usage; prepared+=("$2"); shift 2 ;;
	--only) [ $# -ge 2 ] || usage; only+=("$2"); shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	--append) [ $# -ge 2 ] || usage; append_all+="${append_all:+ }$2"; shift 2 ;;
	--no-total) print_total=0; shift ;;
	*) usage ;;
	esac
done

note() { echo "run: $*" >&2; }

# shellcheck source=scripts/results.sh
. "$ROOT/scripts/results.sh"

# result REL ok|FAIL DESCRIPTION: a check decided on the host.
result() {
	gv_count_line "$1: $2 - $3"
}

# indent PREFIX: show a log's lines under a failed check.
indent() {
	sed "s/^/$1/"
}

# ---- what to run ----------------------------------------------------------

scripts=()
for f in "$ROOT"/tests/guest/[0-9]*.sh; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .sh)
	if [ ${#only[@]} -gt 0 ]; then
		keep=0
		for pat in "${only[@]}"; do
			[[ $name == "$pat"* ]] && keep=1
		done
		[ "$keep" = 1 ] || continue
	fi
	scripts+=("$name")
done
if [ ${#scripts[@]} = 0 ]; then
	echo "run: no guest test script matches ${only[*]:-tests/guest/[0-9]*.sh}" >&2
	exit 1
fi

# header FILE KEY: the value of a "# KEY: value" header line.
header() {
	sed -n "s/^# $2:[[:space:]]*//p" "$1" | head -n 1
}

# Group the scripts into boots, in the order of their first script.
boot_keys=()
declare -A boot_scripts=()
for name in "${scripts[@]}"; do
	f=$ROOT/tests/guest/$name.sh
	key="$(header "$f" boot)|$(header "$f" nodrivers)|$(header "$f" append)"
	[ "${key%%|*}" ] || key="std$key"
	# "# isolate: yes": a boot of its own, shared with no other script.
	case $(header "$f" isolate) in yes | 1) key+="|$name" ;; esac
	if [ -z "${boot_scripts[$key]:-}" ]; then
		boot_keys+=("$key")
		boot_scripts[$key]=$name
	else
		boot_scripts[$key]+=",$name"
	fi
done

# ---- build ----------------------------------------------------------------

mkdir -p "$BUILD"
if [ -f "$ROOT/user/Makefile" ]; then
	note "building the CLI (make -C user)"
	if ! make -C "$ROOT/user" >"$BUILD/cli-build.log" 2>&1; then
		indent "  | " <"$BUILD/cli-build.log"
		note "the CLI does not build: the guest runs without it"
	fi
fi

if [ ${#prepared[@]} -gt 0 ]; then
	releases=("${prepared[@]}")
	for rel in "${releases[@]}"; do
		[ -f "$BUILD/kernels/$rel/boot/vmlinuz-$rel" ] ||
			{ echo "run: no kernel prepared in $BUILD/kernels/$rel" >&2; exit 1; }
	done
else
	mapfile -t releases < <("$ROOT/scripts/fetch-kernels.sh" "${patterns[@]}")
fi

for rel in "${releases[@]}"; do
	gv_step_start
	out=$BUILD/qemu/$rel
	rm -rf "$out"
	mkdir -p "$out"
	ko=

	if compgen -G "$ROOT/kmod/*.c" >/dev/null; then
		note "$rel: building gpuvfio.ko (W=1, and GPUVFIO_TEST=1)"
		if "$ROOT/scripts/build-module.sh" "$rel" "$out/module" >/dev/null 2>"$out/module.err"; then
			result "$rel" ok "host: gpuvfio.ko builds W=1-clean"
			# Fault injection is for test builds only.
			if grep -q -a fail_at "$out/module/gpuvfio.ko"; then
				result "$rel" FAIL "host: the normal gpuvfio.ko has no fault-injection knob (fail_at)"
			else
				result "$rel" ok "host: the normal gpuvfio.ko has no fault-injection knob (fail_at)"
			fi
		else
			result "$rel" FAIL "host: gpuvfio.ko builds W=1-clean"
			tail -n 40 "$out/module.err" | indent "$rel: #   "
		fi
		if "$ROOT/scripts/build-module.sh" "$rel" "$out/module-test" GPUVFIO_TEST=1 \
			>/dev/null 2>"$out/module-test.err"; then
			result "$rel" ok "host: gpuvfio.ko GPUVFIO_TEST=1 builds W=1-clean"
			ko=$out/module-test/gpuvfio.ko
		else
			result "$rel" FAIL "host: gpuvfio.ko GPUVFIO_TEST=1 builds W=1-clean"
			tail -n 40 "$out/module-test.err" | indent "$rel: #   "
		fi
	else
		note "$rel: no module sources in kmod/ yet: the guest runs without gpuvfio.ko"
	fi

	initrd=$out/initramfs.cpio
	if ! "$ROOT/tests/qemu/mkinitramfs.sh" "$rel" "$BUILD/kernels/$rel" "$initrd" ${ko:+"$ko"} \
		>/dev/null 2>"$out/initramfs.err"; then
		result "$rel" FAIL "host: initramfs builds"
		indent "$rel: #   " <"$out/initramfs.err"
		gv_step_totals "$rel"
		continue
	fi

	# ---- boot -------------------------------------------------------------
	n=0
	for key in "${boot_keys[@]}"; do
		n=$((n + 1))
		IFS='|' read -r boot nodrivers append _ <<<"$key"
		list=${boot_scripts[$key]}
		what="boot $n ($boot${append:+, $append}${nodrivers:+, nodrivers}: ${list//,/ })"
		if ! extra=$(gv_boot_append "$boot"); then
			result "$rel" FAIL "$what: boot configuration '$boot' exists (see tests/qemu/common.sh)"
			continue
		fi
		GV_TOPOLOGY=("${gv_std_topology[@]}")
		gv_boot_topology "$boot"
		cmdline="$GV_CMDLINE $extra ${append_all:+$append_all }${append:+$append }gvtest.scripts=$list"
		case $nodrivers in yes | 1) cmdline+=" gvtest.nodrivers=1" ;; esac
		[ "$timeout" -le 30 ] || cmdline+=" gvtest.hangdump=$((timeout - 20))"
		dir=$out/boot-$n-$boot
		mkdir -p "$dir"
		echo "$cmdline" >"$dir/cmdline"
		note "$rel: $what"
		for attempt in 1 2; do
			start=$SECONDS
			status=0
			gv_qemu "$timeout" "$BUILD/kernels/$rel/boot/vmlinuz-$rel" "$initrd" "$cmdline" \
				"file:$dir/console.log" "$dir/verdict" "$dir/results" \
				>"$dir/qemu.log" 2>&1 || status=$?
			note "$rel: boot $n took $((SECONDS - start)) s"
			[ "$attempt" = 1 ] && crash=$(gv_early_crash "$dir") || break
			echo "$rel: retry - $what: the kernel crashed before it ran /init, before any gpuvfio code ($crash); booting it once more (the first console is console-1.log)"
			mv "$dir/console.log" "$dir/console-1.log"
		done

		while IFS= read -r line; do
			gv_count_line "$rel: $line"
		done < <(tr -d '\r' <"$dir/results")

		if tr -d '\r' <"$dir/verdict" | grep -qx success; then
			result "$rel" ok "$what: guest verdict success"
		else
			case $status in
			124 | 137) why="timed out after $timeout s" ;;
			0) why="no success verdict" ;;
			*) why="no success verdict, QEMU exit status $status" ;;
			esac
			# A guest that did not reach its final checks stopped in a script.
			last=
			if ! tr -d '\r' <"$dir/results" | grep -q ' - init: kernel log has no'; then
				last=$(tr -d '\r' <"$dir/results" | sed -n 's/^# \([0-9][^ ]*\)$/\1/p' | tail -n 1)
				why+=", stopped${last:+ during $last}"
			fi
			result "$rel" FAIL "$what: $why; last lines of $dir/console.log:"
			gv_oops_head "$dir/console.log" | indent "$rel:   first: "
			tr -d '\r' <"$dir/console.log" | tail -n 50 | indent "$rel:   | "
			# The guest dumps blocked tasks before the guard fires: name them.
			tr -d '\r' <"$dir/console.log" | grep -E 'task:.* state:D' |
				sed 's/^\[[^]]*\] *//' | indent "$rel:   blocked: " || true
			if [ -s "$dir/qemu.log" ]; then
				indent "$rel:   qemu: " <"$dir/qemu.log"
			fi
		fi
	done

	gv_step_totals "$rel"
done

if [ "$print_total" = 1 ]; then
	gv_totals
fi
[ "$gv_failed" = 0 ]
