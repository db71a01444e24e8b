#!/bin/bash
# `make check-debug`: the whole QEMU suite on debug kernels (KASAN, lockdep,
# kmemleak, UBSAN, DEBUG_ATOMIC_SLEEP), built from Debian's linux-source by
# scripts/debug-kernel.sh and cached (docs/reliability.md).
#
#   scripts/check-debug.sh [--kernel LINE]... [--only SCRIPT]... [--cached] [--no-deps]
#
#   --kernel 6.1    a kernel line to build and boot (6.1, 6.12; default both,
#                   or GV_DEBUG_LINES)
#   --only NAME     only the guest scripts whose name starts with NAME
#   --cached        only the lines whose debug kernel is already cached; the
#                   others are reported as skipped
#   --no-deps       do not run scripts/install-deps.sh
#
# The guest boots with panic_on_warn=1, so a lockdep splat, a KASAN report or
# a sleep in atomic context fails its boot; /init also fails on any UBSAN
# line and on every kmemleak report (scanned with gpuvfio loaded and after
# rmmod). Ends with one line "N passed, N failed".
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GV_BUILD:-$ROOT/build}
cd "$ROOT"
# shellcheck source=scripts/results.sh
. scripts/results.sh

lines=()
run_args=()
cached=0
deps=1
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || exit 2; lines+=("$2"); shift 2 ;;
	--only) [ $# -ge 2 ] || exit 2; run_args+=(--only "$2"); shift 2 ;;
	--cached) cached=1; shift ;;
	--no-deps) deps=0; shift ;;
	*) sed -n '6,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
if [ ${#lines[@]} = 0 ]; then
	read -r -a lines <<<"${GV_DEBUG_LINES:-6.1 6.12}"
fi

passed=0
failed=0
skipped=0
mkdir -p "$BUILD/check"
log=$BUILD/check/debug.log
: >"$log"
started=$SECONDS

if [ "$deps" = 1 ]; then
	scripts/install-deps.sh
fi
make -s -C user

for line in "${lines[@]}"; do
	echo
	if [ "$cached" = 1 ] && ! scripts/debug-kernel.sh --cached "$line" >/dev/null 2>&1; then
		echo "skip - debug $line: no cached debug kernel (make check-debug builds it, about 8 minutes)"
		skipped=$((skipped + 1))
		continue
	fi
	echo "==> debug kernel $line"
	start=$SECONDS
	if ! rel=$(scripts/debug-kernel.sh "$line"); then
		echo "FAIL - debug $line: the debug kernel builds (scripts/debug-kernel.sh $line)"
		failed=$((failed + 1))
		continue
	fi
	echo "==> $rel ready after $((SECONDS - start)) s; the QEMU suite on it"
	start=$SECONDS
	# KASAN, lockdep and kmemleak slow the emulated guest down a lot.
	one=$BUILD/check/debug-$line.log
	set +e
	GV_TIMEOUT=${GV_TIMEOUT:-1200} tests/qemu/run.sh --no-total --release "$rel" "${run_args[@]}" 2>&1 |
		tee "$one"
	status=${PIPESTATUS[0]}
	set -e
	cat "$one" >>"$log"
	p=$(grep -cE "$GV_OK_RE" "$one" || true)
	f=$(grep -cE "$GV_FAIL_RE" "$one" || true)
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL - debug $line: tests/qemu/run.sh exited with status $status"
		failed=$((failed + 1))
	fi
	echo "==> $rel: $((SECONDS - start)) s"
done

if [ "$failed" != 0 ]; then
	echo
	echo "==> what failed"
	gv_failures "$log"
fi
echo
what=
[ "$skipped" = 0 ] || what="; $skipped kernel line(s) skipped"
echo "check-debug took $((SECONDS - started)) s$what; the log is $log"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
