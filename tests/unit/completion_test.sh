#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion (user/completion/gpuvfio.bash) against a fake sysfs
# tree, and against the tool's own help: the commands and options it offers
# must be exactly those `gpuvfio --help` and `gpuvfio COMMAND --help` print
# (plus -h/--help, which every command takes), so the two cannot drift.
#
#   tests/unit/completion_test.sh [GPUVFIO]    (default: user/gpuvfio)
#
# Prints "ok - ..." or "FAIL - ..." per check, like the C unit tests.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GPUVFIO=${1:-$ROOT/user/gpuvfio}
# shellcheck source=scripts/results.sh
. "$ROOT/scripts/results.sh"

# same DESC EXPECTED ACTUAL: word lists equal as sets.
same() {
	local want got
	want=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort -u | tr '\n' ' ')
	got=$(tr ' ' '\n' <<<"$3" | sed '/^$/d' | sort -u | tr '\n' ' ')
	if [[ $want == "$got" ]]; then
		gv_ok "$1"
	else
		gv_fail_why "$1" "expected: $want" "offered:  $got"
	fi
}

# shellcheck source=user/completion/gpuvfio.bash
source "$ROOT/user/completion/gpuvfio.bash"

if ! complete -p gpuvfio 2>/dev/null | grep -q -- '-F _gpuvfio'; then
	gv_fail_why "the script registers _gpuvfio for gpuvfio"
else
	gv_ok "the script registers _gpuvfio for gpuvfio"
fi

# comp WORD...: complete the last WORD (may be "") the way a test sets it:
# COMP_WORDS and COMP_CWORD, no COMP_LINE. Prints COMPREPLY on one line.
comp() {
	unset COMP_LINE COMP_POINT
	COMP_WORDS=(gpuvfio "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_gpuvfio gpuvfio "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	echo "${COMPREPLY[*]}"
}

# comp_line LINE: complete at the end of LINE as bash does: COMP_LINE and
# COMP_POINT, and COMP_WORDS split at blanks and at ':'.
comp_line() {
	local IFS=' '
	COMP_LINE=$1
	COMP_POINT=${#1}
	read -r -a COMP_WORDS <<<"${1//:/ : }"
	[[ $1 == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_gpuvfio gpuvfio "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
	unset COMP_LINE COMP_POINT
	echo "${COMPREPLY[*]}"
}

# ---- a fake host ------------------------------------------------------------
fake=$(mktemp -d /tmp/gpuvfio-comp.XXXXXX)
trap 'rm -rf "$fake"' EXIT
export GPUVFIO_SYSFS_ROOT=$fake
dev() {	# ADDR VENDOR DEVICE CLASS
	mkdir -p "$fake/bus/pci/devices/$1"
	echo "0x$2" >"$fake/bus/pci/devices/$1/vendor"
	echo "0x$3" >"$fake/bus/pci/devices/$1/device"
	echo "0x$4" >"$fake/bus/pci/devices/$1/class"
}
dev 0000:00:00.0 8086 29c0 060000
dev 0000:01:00.0 1234 1111 030000
dev 0000:01:00.1 8086 2668 040300
dev 0000:02:00.0 8086 10d3 020000
dev 0000:03:00.0 10de 1bb3 030200
mkdir -p "$fake/kernel/gpuvfio"
echo "10de:1bb3,1234:1111" >"$fake/kernel/gpuvfio/ids"
echo "0000:03:00.0" >"$fake/kernel/gpuvfio/exclude"

# ---- behaviour ----------------------------------------------------------------
same "bind offers GPUs, their audio and their IDs" \
	"0000:01:00.0 0000:01:00.1 0000:03:00.0 1234:1111 8086:2668 10de:1bb3" "$(comp bind "")"
same "bind 0000:0 offers the GPU addresses" \
	"0000:01:00.0 0000:01:00.1 0000:03:00.0" "$(comp bind 0000:0)"
same "bind 0000:02 falls back to every device" "0000:02:00.0" "$(comp bind 0000:02)"
same "unbind 12 offers the ID" "1234:1111" "$(comp unbind 12)"
same "status 10 offers the ID" "10de:1bb3" "$(comp status 10)"
same "a second target is completed too" "0000:03:00.0" "$(comp bind 0000:01:00.0 0000:03)"
same "nothing after --all" "" "$(comp bind --all "")"
same "nothing for --timeout's seconds" "" "$(comp unbind 01:00.0 --timeout "")"
same "nothing for -t's seconds" "" "$(comp bind -t "")"
same "options after -j and the command" "--dry-run" "$(comp -j bind --dr)"
same "ids offers its subcommands" "show set add del" "$(comp ids "")"
same "ids add offers IDs of GPUs and their audio" "1234:1111 8086:2668 10de:1bb3" "$(comp ids add "")"
same "ids del offers the configured IDs" "10de:1bb3 1234:1111" "$(comp ids del "")"
same "ids show takes nothing" "" "$(comp ids show "")"
same "exclude offers its subcommands" "show set add del" "$(comp exclude "")"
same "exclude add offers addresses of GPUs and their audio" "0000:01:00.0 0000:01:00.1 0000:03:00.0" \
	"$(comp exclude add "")"
same "exclude del offers the excluded addresses" "0000:03:00.0" "$(comp exclude del "")"
same "check 0000:0 offers the GPU addresses" "0000:01:00.0 0000:01:00.1 0000:03:00.0" "$(comp check 0000:0)"
same "check 10 offers the ID" "10de:1bb3" "$(comp check 10)"
same "monitor takes no argument" "" "$(comp monitor "")"
same "help offers the commands" "status bind unbind ids exclude monitor check xml nova kubevirt metrics help" "$(comp help "")"
same "xml offers GPUs, their audio and their IDs" \
	"0000:01:00.0 0000:01:00.1 0000:03:00.0 1234:1111 8086:2668 10de:1bb3" "$(comp xml "")"
same "nothing for xml -b's bus" "" "$(comp xml -b "")"
same "xml -H then a target" "0000:03:00.0" "$(comp xml -H 0000:03)"
same "nova -p offers the NUMA policies" "preferred required legacy socket" "$(comp nova -p "")"
same "nova takes no argument" "" "$(comp nova "")"
same "nothing for kubevirt -d's domain" "" "$(comp kubevirt -d "")"
same "help b offers bind" "bind" "$(comp help b)"
same "help takes one command" "" "$(comp help bind "")"
same "metrics -o offers file names" "/tmp" "$(comp metrics -o /tm)"
same "metrics offers no arguments" "" "$(comp metrics "")"
same "unknown command: nothing" "" "$(comp frobnicate "")"
same "ch completes to check" "check" "$(comp ch)"
# As bash splits it: only the part after the last ':' is replaced.
same "bind 0000:01:00 on a real line: the rest after the last colon" \
	"00.0 00.1" "$(comp_line "gpuvfio bind 0000:01:00")"
same "status 1234: on a real line" "1111" "$(comp_line "gpuvfio status 1234:")"
same "a real line ending in a blank" "show set add del" "$(comp_line "gpuvfio ids ")"

# ---- against the tool's help ----------------------------------------------------
# options TEXT: every -x and --long-option token of TEXT, but for the lines
# of examples ("  $ virsh attach-device ... --config"), which show other
# programs' options.
options() {
	grep -v '^ *\$ ' <<<"$1" | grep -oE '(^|[^[:alnum:]-])--?[[:alpha:]][[:alnum:]-]*' | sed -E 's/^[^-]+//' | sort -u | tr '\n' ' '
}

if [[ ! -x $GPUVFIO ]]; then
	gv_fail_why "the tool is built ($GPUVFIO): make -C user"
else
	top=$("$GPUVFIO" --help)
	# The command table: the lines of the "Commands:" section.
	help_cmds=$(sed -n '/^Commands:/,/^$/{/^  [a-z]/s/^  \([a-z][a-z-]*\).*/\1/p}' <<<"$top" | tr '\n' ' ')
	same "the commands are those of gpuvfio --help" "$help_cmds" "$(comp "")"
	# Global options: the first usage line and the "Options" section.
	same "the global options are those of gpuvfio --help" \
		"$(options "$(sed -n '1p; /^Options/,/^$/p' <<<"$top")")" "$(comp -)"
	for c in $help_cmds; do
		[[ $c == help ]] && continue
		text=$("$GPUVFIO" "$c" --help 2>&1)
		same "the options of $c are those of gpuvfio $c --help (and -h, --help)" \
			"$(options "$text") -h --help" "$(comp "$c" -)"
	done
	# ids' subcommands: the lowercase words of its usage line.
	if [[ " $help_cmds " == *" ids "* ]]; then
		usage=$("$GPUVFIO" ids --help 2>&1 | sed -n 's/^.*gpuvfio ids //p')
		subs=$(sed -E 's/--?[[:alpha:]][[:alnum:]-]*//g' <<<"$usage" | grep -oE '\b[a-z]+\b' | tr '\n' ' ')
		same "the subcommands of ids are those of gpuvfio ids --help" "$subs" "$(comp ids "")"
	fi
fi

gv_totals completion_test
[[ $gv_failed -eq 0 ]]
