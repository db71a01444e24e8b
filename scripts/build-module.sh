#!/bin/sh
# Build gpuvfio.ko out of tree for one kernel release, warning-free.
#
#   scripts/build-module.sh RELEASE OUTDIR [MAKE-ARGS...]
#
# Copies the kbuild sources (Kbuild, kmod/, include/, VERSION) to OUTDIR/src,
# so builds for several releases and configurations never share objects,
# and runs `make -C /lib/modules/RELEASE/build M=OUTDIR/src W=1 modules`
# (or, for a kernel built here such as the debug kernel of
# scripts/debug-kernel.sh, build/kernels/RELEASE/lib/modules/RELEASE/build)
# with MAKE-ARGS (e.g. GPUVFIO_TEST=1). Fails if the build fails or prints any
# warning (compiler or modpost). The module ends up in OUTDIR/gpuvfio.ko and
# the build's output in OUTDIR/build.log.
#
# GV_SRC names another source tree (default: this repository).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${GV_SRC:-$ROOT}

if [ $# -lt 2 ]; then
	echo "usage: $0 RELEASE OUTDIR [MAKE-ARGS...]" >&2
	exit 2
fi
rel=$1
out=$2
shift 2

kdir=/lib/modules/$rel/build
[ -d "$kdir" ] || kdir=${GV_BUILD:-$ROOT/build}/kernels/$rel/lib/modules/$rel/build
if [ ! -d "$kdir" ]; then
	echo "build-module: no kernel build tree for $rel: install linux-headers-$rel" >&2
	exit 1
fi
if [ ! -f "$SRC/Kbuild" ] || [ ! -f "$SRC/kmod/Kbuild" ]; then
	echo "build-module: no module sources in $SRC (Kbuild, kmod/Kbuild)" >&2
	exit 1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/src" "$out/gpuvfio.ko"
mkdir -p "$out/src"
# Copy sources only: objects left by an in-tree build would confuse kbuild.
(
	cd "$SRC"
	set -- Kbuild kmod
	[ -d include ] && set -- "$@" include
	[ -f VERSION ] && set -- "$@" VERSION
	tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='*.cmd' --exclude='*.d' \
		--exclude='*.symvers' --exclude='modules.order' "$@"
) | tar -xf - -C "$out/src"

# The same version string as the top-level Makefile gives the module.
version=$(git -C "$SRC" describe --tags --dirty 2>/dev/null || cat "$SRC/VERSION" 2>/dev/null || echo unknown)

log=$out/build.log
status=0
make -C "$kdir" M="$out/src" W=1 GPUVFIO_VERSION="$version" "$@" modules >"$log" 2>&1 || status=$?
if [ "$status" != 0 ]; then
	cat "$log" >&2
	echo "build-module: build for $rel failed (make exit $status)" >&2
	exit 1
fi
if grep -qi 'warning' "$log"; then
	cat "$log" >&2
	echo "build-module: build for $rel printed warnings (W=1 must be clean)" >&2
	exit 1
fi
cp "$out/src/kmod/gpuvfio.ko" "$out/gpuvfio.ko"
echo "build-module: $rel${*:+ ($*)}: $out/gpuvfio.ko"
