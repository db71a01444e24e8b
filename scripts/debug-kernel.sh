#!/bin/sh
# Build (or reuse) the debug kernels that `make check-debug` boots.
#
#   scripts/debug-kernel.sh [--variant kasan|kcsan] [--cached] [LINE...]
#
#   LINE            6.1 (default), 6.12
#   --variant V     kasan (default): tests/debug/kernel.config (KASAN,
#                   lockdep, kmemleak, UBSAN, DEBUG_ATOMIC_SLEEP);
#                   kcsan: the same with tests/debug/kcsan.config on top
#                   (KCSAN instead of KASAN, no kmemleak; release -gvkcsan)
#   --cached        build nothing: print the releases whose build is in the
#                   cache, and fail if any is not
#
# For each kernel line it builds Debian's linux-source-LINE on
# `make allnoconfig` plus the variant's fragment (the checkers, the stand-in
# drivers as modules, VFIO, the Intel IOMMU), checks that every option of the
# fragment came out as written, and installs the kernel and its modules the
# way scripts/fetch-kernels.sh prepares a Debian kernel:
# build/kernels/<release>/ with boot/vmlinuz-<release> and
# lib/modules/<release>/ (whose build link is the kernel's object tree, for
# building gpuvfio.ko against it).
#
# The build is cached in GV_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/gpuvfio),
# in debug-LINE-KEY/ (kasan) or debug-kcsan-LINE-KEY/ (kcsan), KEY covering
# the source package's version, the fragment and the build recipe (RECIPE
# below), so a second run costs nothing and the two variants never replace
# each other; older builds of the same line and variant are removed.
#
# Prints the prepared releases on stdout, one per line; progress on stderr.
# A missing linux-source-LINE (and the kernel build tools) is installed with
# apt-get when run as root.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GV_BUILD:-$ROOT/build}
CACHE=${GV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpuvfio}
BASE=$ROOT/tests/debug/kernel.config
# What a kernel build needs beyond scripts/install-deps.sh.
TOOLS="bc bison flex libelf-dev libssl-dev cpio xz-utils"

log() { echo "debug-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

cached_only=0
variant=kasan
while [ $# -gt 0 ]; do
	case $1 in
	--cached) cached_only=1; shift ;;
	--variant) [ $# -ge 2 ] || die "--variant needs kasan or kcsan"; variant=$2; shift 2 ;;
	--) shift; break ;;
	-*) die "unknown option '$1' (see the top of $0)" ;;
	*) break ;;
	esac
done
case $variant in
kasan) prefix=debug ;;
kcsan) prefix=debug-kcsan ;;
*) die "unknown variant '$variant' (kasan or kcsan)" ;;
esac
[ $# -gt 0 ] || set -- 6.1
for line in "$@"; do
	case $line in
	6.1 | 6.12) ;;
	*) die "unknown kernel line '$line' (6.1 or 6.12)" ;;
	esac
done

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

# need PACKAGE...: install what is missing (as root), or say what to install.
need() {
	missing=
	for p in "$@"; do
		installed "$p" || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (install them, or run as root)"
	log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # a list of packages
	apt-get -q install -y --no-install-recommends $missing >&2 ||
		{ apt-get -q update >&2 && apt-get -q install -y --no-install-recommends $missing >&2; } ||
		die "cannot install:$missing"
}

# How the kernel is built below: raise it when that changes, so that a
# cached build made the old way is not used.
RECIPE=1

# The variant's fragment: kernel.config itself (kasan), or kernel.config
# with every symbol that kcsan.config sets taken out, then kcsan.config.
FRAGMENT=$(mktemp)
trap 'rm -f "$FRAGMENT"' EXIT
if [ "$variant" = kasan ]; then
	cat "$BASE" >"$FRAGMENT"
else
	OVERLAY=$ROOT/tests/debug/$variant.config
	awk '
	function sym(l, s) {
		if (l ~ /^CONFIG_[A-Za-z0-9_]+=/) { sub(/=.*/, "", l); return l }
		if (l ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) { split(l, s, " "); return s[2] }
		return ""
	}
	NR == FNR { if (sym($0) != "") set[sym($0)] = 1; next }
	!(sym($0) in set)
	' "$OVERLAY" "$BASE" >"$FRAGMENT"
	{
		echo
		echo "# ---- ${OVERLAY#"$ROOT"/}, replacing the lines above for its symbols ----"
		cat "$OVERLAY"
	} >>"$FRAGMENT"
fi

# The cache key: source version, config fragment, recipe, and for kcsan the
# variant (kasan's key is made as it was before there were variants).
key_of() {
	{
		echo "$1 recipe $RECIPE"
		[ "$variant" = kasan ] || echo "variant $variant"
		cat "$FRAGMENT"
	} | sha256sum | cut -c 1-12
}

mkdir -p "$CACHE" "$BUILD/kernels"
status=0
for line in "$@"; do
	pkg=linux-source-$line
	if [ "$cached_only" = 1 ]; then
		installed "$pkg" || { log "$line $variant: $pkg is not installed: no cached build"; status=1; continue; }
	else
		# shellcheck disable=SC2086 # a list of packages
		need "$pkg" $TOOLS
	fi
	version=$(dpkg-query -W -f='${Version}' "$pkg")
	dir=$CACHE/$prefix-$line-$(key_of "$version")
	if [ ! -f "$dir/release" ]; then
		if [ "$cached_only" = 1 ]; then
			log "$line $variant: no cached build in $dir"
			status=1
			continue
		fi
		tarball=/usr/src/$pkg.tar.xz
		[ -f "$tarball" ] || die "$tarball is missing (reinstall $pkg)"
		log "$line $variant: building $pkg $version in $dir (the first time takes a while; log: $dir/build.log)"
		rm -rf "$dir"
		mkdir -p "$dir/src" "$dir/obj"
		cp "$FRAGMENT" "$dir/fragment.config"
		tar -xf "$tarball" -C "$dir/src" --strip-components=1
		start=$(date +%s)
		(
			set -e
			cd "$dir/src"
			make O="$dir/obj" KCONFIG_ALLCONFIG="$dir/fragment.config" allnoconfig
			make O="$dir/obj" olddefconfig
		) >"$dir/build.log" 2>&1 || { tail -n 30 "$dir/build.log" >&2; die "$line $variant: configuring failed"; }
		# Every option of the fragment must have come out as written: an
		# option dropped for an unmet dependency would silently weaken the tier.
		bad=$(grep -E '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' "$FRAGMENT" |
			while IFS= read -r want; do
				case $want in
				"# "*) sym=${want#\# }; sym=${sym%% *}
				       grep -q "^$sym=" "$dir/obj/.config" && echo "$want (got $(grep "^$sym=" "$dir/obj/.config"))" ;;
				*) grep -qxF "$want" "$dir/obj/.config" ||
				       echo "$want (got $(grep -E "^(# )?${want%%=*}[= ]" "$dir/obj/.config" || echo nothing))" ;;
				esac
			done)
		[ -z "$bad" ] || die "$line $variant: options not applied as written:
$bad"
		make -C "$dir/src" O="$dir/obj" -j"$(nproc)" bzImage modules >>"$dir/build.log" 2>&1 ||
			{ tail -n 40 "$dir/build.log" >&2; die "$line $variant: the kernel build failed"; }
		rel=$(make -s -C "$dir/src" O="$dir/obj" kernelrelease 2>/dev/null | tail -n 1)
		rm -rf "$dir/image"
		make -C "$dir/src" O="$dir/obj" INSTALL_MOD_PATH="$dir/image" INSTALL_MOD_STRIP=1 \
			modules_install >>"$dir/build.log" 2>&1 ||
			{ tail -n 20 "$dir/build.log" >&2; die "$line $variant: modules_install failed"; }
		mkdir -p "$dir/image/boot"
		cp "$dir/obj/arch/x86/boot/bzImage" "$dir/image/boot/vmlinuz-$rel"
		ln -sfn ../../../../obj "$dir/image/lib/modules/$rel/build"
		echo "$rel" >"$dir/release"
		log "$line $variant: built $rel in $(( $(date +%s) - start )) s"
		# Builds of an older source, fragment or recipe are of no more use.
		# (debug-6.1-* is not debug-6.12-* nor debug-kcsan-6.1-*.)
		for old in "$CACHE/$prefix-$line"-*; do
			[ "$old" = "$dir" ] || rm -rf "$old"
		done
	fi
	rel=$(cat "$dir/release")
	ln -sfn "$dir/image" "$BUILD/kernels/$rel"
	echo "$rel"
done
exit "$status"
