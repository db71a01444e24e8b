#!/bin/bash
# Everything a contributor (and CI) runs: `make check`.
#
#   scripts/check.sh [--kernel PATTERN]... [--only SCRIPT]... [--no-deps] [--no-host]
#
#   --kernel 6.12     only that kernel line (6.1, 6.12) or release (QEMU, DKMS)
#   --only 10-status  only the guest scripts whose name starts with SCRIPT
#   --no-deps         do not run scripts/install-deps.sh
#   --no-host         leave out the host tier (tests/host/run.sh; or GV_HOST=0),
#                     about 20 to 30 minutes of the run on 2 cores
#
# Steps: install the dependencies, fetch the kernels, build the CLI, host
# unit tests, the QEMU suite on every kernel line (which also builds the
# module W=1-clean), the DKMS build and install, make install/uninstall and
# the boot files, the Debian packages (built, installed, purged), and the
# host tier: a Debian 12 system under QEMU with the packages installed,
# booted, given a new kernel, moved to dracut, misconfigured and purged
# (left out with --only, which asks for guest scripts). Every step
# prints check lines ("ok - ..." / "FAIL - ...", QEMU ones prefixed with the
# release; "skip - ..." says what did not run and why); the run
# ends with one line "N passed, N failed" and fails if anything failed.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GV_BUILD:-$ROOT/build}
cd "$ROOT"
# shellcheck source=scripts/results.sh
. scripts/results.sh

patterns=()
run_args=()
deps=1
host=${GV_HOST:-1}
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || exit 2; patterns+=("$2"); run_args+=(--kernel "$2"); shift 2 ;;
	--only) [ $# -ge 2 ] || exit 2; run_args+=(--only "$2"); host=0; shift 2 ;;
	--no-deps) deps=0; shift ;;
	--host) host=1; shift ;;
	--no-host) host=0; shift ;;
	*) sed -n '4,10s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

logs=()		# the step logs of this run
fails=()	# FAIL lines decided here
mkdir -p "$BUILD/check"
started=$SECONDS

# result ok|FAIL DESCRIPTION: a check decided here.
result() {
	if [ "$1" = ok ]; then
		gv_ok "$2"
	else
		gv_fail "$2"
		fails+=("FAIL - $2")
	fi
}

# step NAME COMMAND...: run a step, show its output, count its check lines.
# A step that fails without printing a FAIL line is counted as one failure.
step() {
	local name=$1 log=$BUILD/check/$1.log status start=$SECONDS
	shift
	echo
	echo "==> $*"
	set +e
	"$@" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	set -e
	logs+=("$log")
	gv_count_log "$log"
	if [ "$status" != 0 ] && [ "$gv_log_failed" = 0 ]; then
		result FAIL "$name: '$*' exited with status $status"
	fi
	echo "==> $name: $((SECONDS - start)) s"
	return "$status"
}

finish() {
	local log

	# The failures again, next to the totals: a CI log is often read
	# from its end.
	if [ "$gv_failed" != 0 ]; then
		echo
		echo "==> what failed"
		[ ${#logs[@]} = 0 ] || gv_failures "${logs[@]}"
		for log in "${fails[@]}"; do
			echo "$log"
		done
	fi
	echo
	echo "check took $((SECONDS - started)) s; the logs are in $BUILD/check/"
	gv_totals
	gv_exit
}

if [ "$deps" = 1 ]; then
	step deps scripts/install-deps.sh || finish
fi
step kernels scripts/fetch-kernels.sh "${patterns[@]}" || finish

if [ -f user/Makefile ]; then
	echo
	echo "==> make -C user"
	set +e
	make -C user 2>&1 | tee "$BUILD/check/cli.log"
	status=${PIPESTATUS[0]}
	set -e
	if [ "$status" != 0 ]; then
		result FAIL "host: the CLI builds (make -C user exited $status)"
	elif grep -qi 'warning' "$BUILD/check/cli.log"; then
		result FAIL "host: the CLI builds without warnings"
	else
		result ok "host: the CLI builds without warnings"
	fi
	# bind and unbind run in a VM's start path: libpci (with libudev and
	# libz) is opened only by the commands that show names (user/pci.c).
	if ldd user/gpuvfio | grep -q 'libpci'; then
		result FAIL "host: the CLI does not load libpci at start ($(ldd user/gpuvfio | grep libpci))"
	else
		result ok "host: the CLI does not load libpci at start"
	fi
else
	echo
	echo "==> no user/Makefile yet: the CLI is not built"
fi

if [ -f tests/unit/Makefile ]; then
	step unit make -C tests/unit check || true
else
	echo
	echo "==> no tests/unit/Makefile yet: no host unit tests"
fi

if [ -f tests/fuzz/Makefile ]; then
	step fuzz make -C tests/fuzz check FUZZ_SECONDS="${GV_FUZZ_SECONDS:-20}" || true
fi

step qemu tests/qemu/run.sh --no-total "${run_args[@]}" || true

releases=()
mapfile -t releases < <(scripts/fetch-kernels.sh --list "${patterns[@]}")
step dkms scripts/dkms-check.sh "${releases[@]}" || true
step install scripts/install-check.sh "${releases[@]}" || true
step package scripts/package-check.sh "${releases[@]}" || true
if [ "$host" = 1 ]; then
	step host tests/host/run.sh || true
else
	echo
	gv_skip "host: the real-Debian-host tier (tests/host/run.sh, make check-host), because it was left out (--no-host, --only or GV_HOST=0)"
fi

finish
