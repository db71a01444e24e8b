#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest's filter of known kernel races (without_known_races and
# known_races in tests/guest/lib.sh), on the ALSA dump a storm logged
# (data/alsa-dup-codec-6.1.txt): it renames that dump's "Call Trace:" and
# nothing else; known_race_victims names the controller that race left
# without a card (for gv_settle) and no other. Run with bash and, when
# there, busybox sh (the guest's shell and awk).
#
#   tests/unit/kernel_log_test.sh
#
# Prints "ok - ..." or "FAIL - ..." per check, like the C unit tests.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/results.sh
. "$ROOT/scripts/results.sh"

dump=$HERE/data/alsa-dup-codec-6.1.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Variants of the dump the filter must leave alone, and a second race.
sed 's/azx_codec_configure+0x31/gpuvfio_switch+0x31/' "$dump" >"$tmp/gpuvfio-frame"
sed '10a [   12.809762] WARNING: CPU: 0 PID: 1 at drivers/base/dd.c:1 foo' "$dump" >"$tmp/warning"
sed 's#/bus/hdaudio/drivers/snd_hda_codec_generic/hdaudioC0D0#/devices/pci0000:00/foo#' "$dump" >"$tmp/other-dup"
sed 's/azx_probe_continue/azx_other/; s/azx_probe_work/other_work/' "$dump" >"$tmp/not-probe"
sed '/<\/TASK>/d' "$dump" >"$tmp/unended"
cat "$dump" "$dump" >"$tmp/two"
{ printf '[    1.000000] Call Trace:\n'; cat "$dump"; } >"$tmp/other-trace"

for sh in bash busybox; do
	case $sh in
	bash) run=(bash -c) ;;
	busybox)
		if ! command -v busybox >/dev/null; then
			gv_skip "the filter under busybox sh, because busybox is not installed"
			continue
		fi
		run=(busybox sh -c)
		;;
	esac
	count() { "${run[@]}" ". '$ROOT/tests/guest/lib.sh'; known_races" <"$1"; }
	filtered() { "${run[@]}" ". '$ROOT/tests/guest/lib.sh'; without_known_races" <"$1"; }
	expect() { # DESC WANT FILE
		local got
		got=$(count "$3")
		if [ "$got" = "$2" ]; then
			gv_ok "$sh: $1"
		else
			gv_fail_why "$sh: $1" "expected $2 renamed, got $got"
		fi
	}
	expect "the storm's ALSA dump is renamed" 1 "$dump"
	if filtered "$dump" | grep -q 'Call Trace:'; then
		gv_fail_why "$sh: and no 'Call Trace:' is left in it"
	else
		gv_ok "$sh: and no 'Call Trace:' is left in it"
	fi
	if [ "$(filtered "$dump" | sed 's/Trace of a known ALSA race (docs\/reliability.md):/Call Trace:/')" = "$(cat "$dump")" ]; then
		gv_ok "$sh: every other line of it is kept as it came"
	else
		gv_fail_why "$sh: every other line of it is kept as it came"
	fi
	expect "two such dumps: both" 2 "$tmp/two"
	expect "one with a gpuvfio frame: left alone" 0 "$tmp/gpuvfio-frame"
	expect "one with a WARNING line inside: left alone" 0 "$tmp/warning"
	expect "a duplicate name elsewhere in sysfs: left alone" 0 "$tmp/other-dup"
	expect "a dump not from snd_hda_intel's probe: left alone" 0 "$tmp/not-probe"
	expect "a dump that never ends: left alone" 0 "$tmp/unended"
	if filtered "$tmp/unended" | diff -q - "$tmp/unended" >/dev/null; then
		gv_ok "$sh: and printed whole"
	else
		gv_fail_why "$sh: and printed whole"
	fi
	if [ "$(filtered "$tmp/other-trace" | grep -c 'Call Trace:')" = 1 ]; then
		gv_ok "$sh: another trace before it still counts"
	else
		gv_fail_why "$sh: another trace before it still counts"
	fi
	# The controllers a race left without a card, for gv_settle: one line
	# per race, none for a dump left alone or a give-up without a race.
	victims() { "${run[@]}" ". '$ROOT/tests/guest/lib.sh'; known_race_victims" <"$1" | tr '\n' ' '; }
	sed '/Cannot probe codecs/d' "$dump" >"$tmp/no-give-up"
	{ grep 'Cannot probe codecs' "$dump"; } >"$tmp/give-up-alone"
	for v in "the storm's dump:$dump:0000:02:00.1 " \
		"two races:$tmp/two:0000:02:00.1 0000:02:00.1 " \
		"a dump left alone (gpuvfio frame):$tmp/gpuvfio-frame:" \
		"a race whose probe did not give up:$tmp/no-give-up:" \
		"a give-up with no race before it:$tmp/give-up-alone:"; do
		desc=${v%%:*}
		rest=${v#*:}
		file=${rest%%:*}
		want=${rest#*:}
		got=$(victims "$file")
		if [ "$got" = "$want" ]; then
			gv_ok "$sh: known_race_victims: $desc"
		else
			gv_fail_why "$sh: known_race_victims: $desc" "expected '$want', got '$got'"
		fi
	done
	# The "#" line for the checks that pass a race by, and none without one.
	said=$("${run[@]}" ". '$ROOT/tests/guest/lib.sh'; GV_RESULTS_FILE=/dev/null; report_known_races" <"$tmp/two")
	case $said in
	"#   the kernel log holds 2 known ALSA race(s), not counted as warnings (docs/reliability.md): sysfs: cannot create duplicate filename '/bus/hdaudio/drivers/snd_hda_codec_generic/hdaudioC0D0'|snd_hda_intel 0000:02:00.1: Cannot probe codecs, giving up|")
		gv_ok "$sh: report_known_races names them in one line" ;;
	*) gv_fail_why "$sh: report_known_races names them in one line" "said: $said" ;;
	esac
	said=$("${run[@]}" ". '$ROOT/tests/guest/lib.sh'; GV_RESULTS_FILE=/dev/null; report_known_races" <"$tmp/gpuvfio-frame")
	if [ -z "$said" ]; then
		gv_ok "$sh: and says nothing of a dump it leaves alone"
	else
		gv_fail_why "$sh: and says nothing of a dump it leaves alone" "said: $said"
	fi
done
gv_totals kernel_log_test
[ "$gv_failed" = 0 ]
