#!/bin/bash
# `make demo`: boot a VM with the standard test topology on the newest
# supported Debian kernel and show gpuvfio at work, as an operator sees it:
# lspci, `gpuvfio status`, then bind GPU0 to vfio-pci, status, a refused
# bind (a GPU whose group holds a NIC) and unbind.
#
#   scripts/demo.sh [--kernel PATTERN] [--no-deps]
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GV_BUILD:-$ROOT/build}
# shellcheck source=tests/qemu/common.sh
. "$ROOT/tests/qemu/common.sh"

pattern=6.12
deps=1
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || exit 2; pattern=$2; shift 2 ;;
	--no-deps) deps=0; shift ;;
	*) sed -n '7s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

say() { echo "demo: $*" >&2; }

[ "$deps" = 0 ] || "$ROOT/scripts/install-deps.sh" >&2
rel=$("$ROOT/scripts/fetch-kernels.sh" "$pattern" 2>/dev/null | tail -n 1) ||
	rel=$("$ROOT/scripts/fetch-kernels.sh" | sort -V | tail -n 1)
out=$BUILD/demo
mkdir -p "$out"

say "kernel $rel"
if [ -f "$ROOT/user/Makefile" ]; then
	say "building the CLI"
	make -s -C "$ROOT/user" >&2
fi
ko=
if compgen -G "$ROOT/kmod/*.c" >/dev/null; then
	say "building gpuvfio.ko"
	if "$ROOT/scripts/build-module.sh" "$rel" "$out/module" >/dev/null; then
		ko=$out/module/gpuvfio.ko
	else
		say "the module does not build: the demo runs without it"
	fi
fi
say "building the initramfs"
"$ROOT/tests/qemu/mkinitramfs.sh" "$rel" "$BUILD/kernels/$rel" "$out/initramfs.cpio" \
	${ko:+"$ko"} >/dev/null
say "booting (TCG emulation: about half a minute)"

status=0
gv_qemu 300 "$BUILD/kernels/$rel/boot/vmlinuz-$rel" "$out/initramfs.cpio" \
	"$GV_CMDLINE $(gv_boot_append std) quiet loglevel=3 gvtest.demo=1" \
	stdio "$out/verdict" "$out/results" 2>"$out/qemu.log" |
	tee "$out/console.log" | tr -d '\r' |
	awk '/=== gpuvfio demo ===$/ { on = 1; next }
	     /^=== end of demo ===$/ { on = 0 }
	     on { print; fflush() }' || status=$?

if ! tr -d '\r' <"$out/verdict" | grep -qx success; then
	say "the demo VM did not finish (status $status); the end of its console:"
	tr -d '\r' <"$out/console.log" | tail -n 50 >&2
	exit 1
fi
