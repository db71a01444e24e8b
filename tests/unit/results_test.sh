#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The summary of failures that check.sh, check-debug.sh and .ci/run print
# at the end of a run (gv_failures in scripts/results.sh): every FAIL line
# once, with its "#" and indented lines, a long reason cut to its first 4
# and last 12 lines.
#
#   tests/unit/results_test.sh
#
# Prints "ok - ..." or "FAIL - ..." per check, like the C unit tests.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/results.sh
. "$ROOT/scripts/results.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
	echo "ok - a: passed"
	echo "FAIL - a: one"
	echo "#   why one"
	echo "ok - a: passed again"
	echo "6.1.0-57-amd64: FAIL - boot 6: no success verdict; last lines:"
	echo "6.1.0-57-amd64:   first: Oops"
	for i in $(seq 1 20); do echo "6.1.0-57-amd64:   | line $i"; done
	echo "6.1.0-57-amd64: ok - after"
	echo "# a comment of no failure"
} >"$tmp/a.log"
# The same failure again (make check's own list), and another.
{
	echo "FAIL - a: one"
	echo "#   why one"
	echo "FAIL - b: two"
} >"$tmp/b.log"

out=$(gv_failures "$tmp/a.log" "$tmp/b.log")
check() { # DESC COMMAND...
	if "${@:2}"; then gv_ok "$1"; else gv_fail_why "$1" "$out"; fi
}
check "each failure once" [ "$(printf '%s\n' "$out" | grep -c 'FAIL - ')" = 3 ]
check "the first with its reason" grep -qx -- '#   why one' <<<"$out"
lacks() { ! grep -qE -- "$1" <<<"$out"; }
check "passed checks and a lone comment are not shown" lacks 'ok - |a comment'
check "a long reason keeps its first lines" grep -q 'first: Oops' <<<"$out"
check "and its last" grep -q '| line 20$' <<<"$out"
check "and says how many it left out" grep -q '\[5 more lines in the log\]' <<<"$out"
check "not the middle" lacks '\| line 4$'
check "16 lines of reason at most" [ "$(printf '%s\n' "$out" | grep -c '^6.1.0-57-amd64:   ')" = 16 ]
check "a failure with no reason is shown alone" [ "$(printf '%s\n' "$out" | tail -n 1)" = "FAIL - b: two" ]
gv_totals results_test
[ "$gv_failed" = 0 ]
