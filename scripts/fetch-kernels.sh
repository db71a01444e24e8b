#!/bin/sh
# Prepare the Debian kernels the QEMU suite boots, without installing them.
#
#   scripts/fetch-kernels.sh [--list] [PATTERN...]
#
# For each supported kernel line it takes the release that the installed
# header metapackage points at (linux-headers-amd64 for 6.1,
# linux-headers-6.12-amd64 for 6.12), downloads linux-image-<release> with
# apt-get download, unpacks it under build/kernels/<release>/ and runs depmod
# there. Prepared trees are kept, so later runs cost nothing. With PATTERNs,
# only the releases they name are prepared ("6.1", "6.12", a full release).
# With --list, only prints the releases, preparing nothing.
#
# Prints the releases it prepared, one per line, on stdout; progress goes to
# stderr.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GV_BUILD:-$ROOT/build}
KERNELS=$BUILD/kernels
METAPACKAGES="linux-headers-amd64 linux-headers-6.12-amd64"

log() { echo "fetch-kernels: $*" >&2; }
die() { log "$*"; exit 1; }

# The versioned release a header metapackage depends on, e.g. 6.1.0-56-amd64.
release_of() {
	deps=$(dpkg-query -W -f='${Depends}' "$1" 2>/dev/null || true)
	if [ -z "$deps" ]; then
		deps=$(apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: //p')
	fi
	echo "$deps" | sed 's/[,|]/\n/g' |
		sed -n 's/^ *linux-headers-\([0-9][^ ]*-amd64\).*/\1/p' | head -n 1
}

# wanted RELEASE [PATTERN...]: RELEASE is selected. A pattern selects the
# releases it starts, where a number ends ("6.1" is 6.1.0-56-amd64, not
# 6.12.x), and failing that those containing it.
wanted() {
	[ $# -gt 1 ] || return 0
	rel=$1
	shift
	for pat in "$@"; do
		case $rel in
		"$pat") return 0 ;;
		"$pat"[0-9]*) ;;
		"$pat"*) return 0 ;;
		*[0-9a-z]"$pat"*) ;;
		*"$pat"*) return 0 ;;
		esac
	done
	return 1
}

download() {
	rel=$1
	for deb in "$KERNELS"/debs/linux-image-"$rel"_*.deb \
		   "$KERNELS"/debs/linux-image-"$rel"-unsigned_*.deb; do
		[ -f "$deb" ] && { echo "$deb"; return 0; }
	done
	mkdir -p "$KERNELS/debs"
	for attempt in 1 2; do
		for pkg in "linux-image-$rel" "linux-image-$rel-unsigned"; do
			log "downloading $pkg"
			if (cd "$KERNELS/debs" && apt-get -q download -o APT::Sandbox::User=root "$pkg" >&2); then
				set -- "$KERNELS"/debs/"$pkg"_*.deb
				[ -f "$1" ] && { echo "$1"; return 0; }
			fi
		done
		# A fresh machine may have no package lists yet.
		if [ "$attempt" != 1 ] || [ "$(id -u)" != 0 ]; then
			break
		fi
		log "refreshing the package lists"
		apt-get -q update >&2
	done
	return 1
}

# unpack RELEASE DEB: the kernel and its modules, with modules.dep.
unpack() {
	rel=$1
	deb=$2
	dest=$KERNELS/$rel
	log "$rel: unpacking $(basename "$deb")"
	rm -rf "$dest" "$dest.tmp"
	mkdir -p "$dest.tmp"
	dpkg-deb -x "$deb" "$dest.tmp"
	# Newer packages may ship modules under /usr/lib/modules.
	if [ ! -d "$dest.tmp/lib/modules/$rel" ] && [ -d "$dest.tmp/usr/lib/modules/$rel" ]; then
		mkdir -p "$dest.tmp/lib/modules"
		mv "$dest.tmp/usr/lib/modules/$rel" "$dest.tmp/lib/modules/$rel"
	fi
	[ -f "$dest.tmp/boot/vmlinuz-$rel" ] || die "$rel: no boot/vmlinuz-$rel in $deb"
	[ -d "$dest.tmp/lib/modules/$rel/kernel" ] || die "$rel: no modules in $deb"
	depmod -b "$dest.tmp" "$rel"
	touch "$dest.tmp/.ready"
	mv "$dest.tmp" "$dest"
	log "$rel: ready in $dest"
}

list_only=0
if [ "${1:-}" = --list ]; then
	list_only=1
	shift
fi

releases=
for meta in $METAPACKAGES; do
	rel=$(release_of "$meta")
	[ -n "$rel" ] || die "cannot tell which release $meta depends on (run scripts/install-deps.sh)"
	wanted "$rel" "$@" || continue
	if [ "$list_only" = 0 ]; then
		if [ -f "$KERNELS/$rel/.ready" ]; then
			log "$rel: cached in $KERNELS/$rel"
		elif deb=$(download "$rel"); then
			unpack "$rel" "$deb"
		else
			# The archive keeps only the newest kernel of a line: installed
			# headers may name a release it no longer has.
			[ "$(id -u)" = 0 ] ||
				die "cannot download linux-image-$rel: upgrade $meta (as root: scripts/install-deps.sh, apt-get install $meta)"
			log "linux-image-$rel cannot be downloaded: upgrading $meta"
			DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "$meta" >&2
			rel=$(release_of "$meta")
			if [ -f "$KERNELS/$rel/.ready" ]; then
				log "$rel: cached in $KERNELS/$rel"
			else
				deb=$(download "$rel") ||
					die "cannot download linux-image-$rel (is the Debian archive reachable?)"
				unpack "$rel" "$deb"
			fi
		fi
	fi
	releases="$releases $rel"
done

[ -n "$releases" ] || die "no kernel release matches: $*"
for rel in $releases; do
	echo "$rel"
done
