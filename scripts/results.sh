# shellcheck shell=sh
# The one definition of a check line and of a run's totals, sourced by
# scripts/check.sh, check-debug.sh, dkms-check.sh, install-check.sh,
# package-check.sh, bench.sh, tests/qemu/run.sh, tests/host/run.sh, the
# shell tests of tests/unit/ and .ci/run. (The guests' own scripts,
# tests/guest/lib.sh and tests/host/guest/verify.sh, run inside a VM and
# write the same lines; the host counts them with gv_count_line.)
#
# A check line is "ok - WHAT: description" or "FAIL - WHAT: description"
# (the QEMU suite's come after "RELEASE: "), "#"-lines under a FAIL show
# why, and "skip - WHAT: what did not run, because why" counts as neither.
# A script that checks sets GV_CHECK_PREFIX to its WHAT, writes its lines
# with gv_ok, gv_fail, gv_skip and gv_check, and ends with gv_totals and
# gv_exit; a script that runs others counts their lines with gv_count_log.

GV_OK_RE='^([^ ]+: )?ok - '
GV_FAIL_RE='^([^ ]+: )?FAIL - '

gv_passed=0
gv_failed=0

# gv_failures FILE...: the FAIL lines of the files, in order, each once,
# with the "#" and indented lines that say why (at most 16 a failure: the
# first 4 and the last 12, where a console's tail ends). CI shows the end
# of a run's output, so this is where a failure's reason has to be.
gv_failures() {
	awk -v fail="$GV_FAIL_RE" '
	function flush(   i) {
		if (head == "")
			return
		if (!seen[head]++) {
			print head
			for (i = 1; i <= n; i++)
				if (n <= 16 || i <= 4 || i > n - 12)
					print det[i]
				else if (i == 5)
					print "    [" n - 16 " more lines in the log]"
		}
		head = ""
		n = 0
	}
	$0 ~ fail { flush(); head = $0; next }
	head != "" && /^([^ ]+: )?(#|  )/ { det[++n] = $0; next }
	{ flush() }
	END { flush() }' "$@"
}

# gv_ok DESCRIPTION...
gv_ok() {
	echo "ok - ${GV_CHECK_PREFIX:+$GV_CHECK_PREFIX: }$*"
	gv_passed=$((gv_passed + 1))
}

# gv_fail DESCRIPTION [FILE...]: the last 30 lines of each FILE follow as
# "#" lines.
gv_fail() {
	echo "FAIL - ${GV_CHECK_PREFIX:+$GV_CHECK_PREFIX: }$1"
	shift
	for _gv_file in "$@"; do
		tail -n 30 "$_gv_file" | sed 's/^/#   /'
	done
	gv_failed=$((gv_failed + 1))
}

# gv_fail_why DESCRIPTION [WHY...]: FAIL, each WHY (a line or several)
# following as "#" lines.
gv_fail_why() {
	echo "FAIL - ${GV_CHECK_PREFIX:+$GV_CHECK_PREFIX: }$1"
	shift
	for _gv_why in "$@"; do
		printf '%s\n' "$_gv_why" | sed 's/^/#   /'
	done
	gv_failed=$((gv_failed + 1))
}

# gv_skip WHAT, because WHY: a check that did not run, and why.
gv_skip() {
	echo "skip - ${GV_CHECK_PREFIX:+$GV_CHECK_PREFIX: }$*"
}

# gv_check DESCRIPTION COMMAND...: ok when COMMAND exits 0; otherwise FAIL,
# with COMMAND's output. Returns 0 either way (the scripts run with set -e).
gv_check() {
	_gv_desc=$1
	shift
	_gv_out=$(mktemp "${TMPDIR:-/tmp}/gv-check.XXXXXX")
	if "$@" >"$_gv_out" 2>&1; then
		gv_ok "$_gv_desc"
	else
		gv_fail "$_gv_desc" "$_gv_out"
	fi
	rm -f "$_gv_out"
}

# gv_count_log FILE: add the check lines of FILE (another script's output)
# to the totals; sets gv_log_failed to its FAIL lines.
gv_count_log() {
	_gv_p=$(grep -cE "$GV_OK_RE" "$1" || true)
	gv_log_failed=$(grep -cE "$GV_FAIL_RE" "$1" || true)
	gv_passed=$((gv_passed + _gv_p))
	gv_failed=$((gv_failed + gv_log_failed))
}

# gv_count_line LINE: print a check line made elsewhere (a guest's) and
# count it.
gv_count_line() {
	printf '%s\n' "$1"
	case $1 in
	*"ok - "* | *"FAIL - "*) ;;
	*) return 0 ;;
	esac
	if printf '%s\n' "$1" | grep -qE "$GV_OK_RE"; then
		gv_passed=$((gv_passed + 1))
	elif printf '%s\n' "$1" | grep -qE "$GV_FAIL_RE"; then
		gv_failed=$((gv_failed + 1))
	fi
}

# gv_totals [LABEL]: "N passed, N failed", the closing line of a run; with
# LABEL, "== LABEL: N passed, N failed", the closing line of one step of a
# run (which the run's own closing line then adds up).
gv_totals() {
	if [ $# -gt 0 ]; then
		echo "== $1: $gv_passed passed, $gv_failed failed"
	else
		echo "$gv_passed passed, $gv_failed failed"
	fi
}

# gv_step_start: a step of a run begins (one kernel line, say);
# gv_step_totals LABEL then prints "== LABEL: N passed, N failed" for the
# checks counted since, which the run's own gv_totals also adds up.
gv_step_start() {
	_gv_step_p=$gv_passed
	_gv_step_f=$gv_failed
}
gv_step_totals() {
	echo "== $1: $((gv_passed - ${_gv_step_p:-0})) passed, $((gv_failed - ${_gv_step_f:-0})) failed"
}

# gv_exit: the step's closing line (gv_totals GV_CHECK_PREFIX), then exit 0
# when no check failed, 1 otherwise.
gv_exit() {
	[ -z "${GV_CHECK_PREFIX:-}" ] || gv_totals "$GV_CHECK_PREFIX"
	[ "$gv_failed" = 0 ] || exit 1
	exit 0
}
