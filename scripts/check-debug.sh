#!/bin/bash
# `make check-debug`: the whole QEMU suite on debug kernels built from
# Debian's linux-source by scripts/debug-kernel.sh and cached
# (docs/reliability.md): for each kernel line, the kasan kernel (KASAN,
# lockdep, kmemleak, UBSAN, DEBUG_ATOMIC_SLEEP) and the kcsan kernel (KCSAN,
# the data-race detector, which cannot be in the same kernel as KASAN).
#
#   scripts/check-debug.sh [--kernel LINE]... [--variant V]... [--only SCRIPT]...
#                          [--cached] [--no-deps]
#
#   --kernel 6.1    a kernel line to build and boot (6.1, 6.12; default both,
#                   or GV_DEBUG_LINES)
#   --variant kcsan a debug kernel to build and boot (kasan, kcsan; default
#                   both, or GV_DEBUG_VARIANTS)
#   --only NAME     only the guest scripts whose name starts with NAME
#   --cached        only the kernels already cached; the others are
#                   reported as skipped
#   --no-deps       do not run scripts/install-deps.sh
#
# The kasan kernel boots with panic_on_warn=1, so a lockdep splat, a KASAN
# report or a sleep in atomic context fails its boot; /init also fails on
# any UBSAN line and on every kmemleak report (scanned with gpuvfio loaded
# and after rmmod). The kcsan kernel boots with panic_on_warn=0 (a KCSAN
# report would panic, and the kernel has races of its own): /init fails the
# boot on a data race in which gpuvfio takes part, lists the others, and
# fails on any WARNING (lockdep), BUG or UBSAN line left. Ends with one line
# "N passed, N failed".
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GV_BUILD:-$ROOT/build}
cd "$ROOT"
# shellcheck source=scripts/results.sh
. scripts/results.sh

lines=()
variants=()
run_args=()
cached=0
deps=1
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || exit 2; lines+=("$2"); shift 2 ;;
	--variant) [ $# -ge 2 ] || exit 2; variants+=("$2"); shift 2 ;;
	--only) [ $# -ge 2 ] || exit 2; run_args+=(--only "$2"); shift 2 ;;
	--cached) cached=1; shift ;;
	--no-deps) deps=0; shift ;;
	*) sed -n '8,19s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
if [ ${#lines[@]} = 0 ]; then
	read -r -a lines <<<"${GV_DEBUG_LINES:-6.1 6.12}"
fi
if [ ${#variants[@]} = 0 ]; then
	read -r -a variants <<<"${GV_DEBUG_VARIANTS:-kasan kcsan}"
fi
for variant in "${variants[@]}"; do
	case $variant in
	kasan | kcsan) ;;
	*) echo "check-debug: unknown variant '$variant' (kasan or kcsan)" >&2; exit 2 ;;
	esac
done

# What building a kernel the first time takes, on 2 cores (docs/reliability.md).
declare -A build_time=([kasan]="about 8 minutes" [kcsan]="about 10 minutes")

skipped=0
mkdir -p "$BUILD/check"
log=$BUILD/check/debug.log
: >"$log"
started=$SECONDS

# one_kernel LINE VARIANT: build (or reuse) one debug kernel, run the suite on it.
one_kernel() {
	local line=$1 variant=$2 rel start one status
	local what="debug $line $variant"
	local dk=(scripts/debug-kernel.sh --variant "$variant")
	local args=("${run_args[@]}")
	echo
	if [ "$cached" = 1 ] && ! "${dk[@]}" --cached "$line" >/dev/null 2>&1; then
		gv_skip "$what: no cached debug kernel (make check-debug builds it, ${build_time[$variant]})"
		skipped=$((skipped + 1))
		return
	fi
	echo "==> $what kernel"
	start=$SECONDS
	if ! rel=$("${dk[@]}" "$line"); then
		gv_fail "$what: the debug kernel builds (${dk[*]} $line)"
		return
	fi
	echo "==> $rel ready after $((SECONDS - start)) s; the QEMU suite on it"
	start=$SECONDS
	# A KCSAN report calls check_panic_on_warn(): with panic_on_warn=1 any
	# race, the kernel's own included, would end the boot. /init judges them.
	[ "$variant" = kasan ] || args+=(--append panic_on_warn=0)
	# The checkers slow the emulated guest down a lot.
	one=$BUILD/check/debug-$line-$variant.log
	set +e
	GV_TIMEOUT=${GV_TIMEOUT:-1200} tests/qemu/run.sh --no-total --release "$rel" "${args[@]}" 2>&1 |
		tee "$one"
	status=${PIPESTATUS[0]}
	set -e
	cat "$one" >>"$log"
	gv_count_log "$one"
	if [ "$status" != 0 ] && [ "$gv_log_failed" = 0 ]; then
		gv_fail "$what: tests/qemu/run.sh exited with status $status"
	fi
	echo "==> $rel: $((SECONDS - start)) s"
}

if [ "$deps" = 1 ]; then
	scripts/install-deps.sh
fi
make -s -C user

for line in "${lines[@]}"; do
	for variant in "${variants[@]}"; do
		one_kernel "$line" "$variant"
	done
done

if [ "$gv_failed" != 0 ]; then
	echo
	echo "==> what failed"
	gv_failures "$log"
fi
echo
what=
[ "$skipped" = 0 ] || what="; $skipped debug kernel(s) skipped"
echo "check-debug took $((SECONDS - started)) s$what; the log is $log"
gv_totals
[ "$gv_failed" = 0 ]
