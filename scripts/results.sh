# shellcheck shell=sh
# Sourced by scripts/check.sh, scripts/check-debug.sh and .ci/run: what a
# check line looks like in their output and in the QEMU suite's ("ok - ..."
# or "FAIL - ...", QEMU ones after "RELEASE: "), and the failures of a run.

GV_OK_RE='^([^ ]+: )?ok - '
GV_FAIL_RE='^([^ ]+: )?FAIL - '

# gv_failures FILE...: the FAIL lines of the files, in order.
gv_failures() {
	grep -hE "$GV_FAIL_RE" "$@" || true
}
