#!/bin/bash
# Check that DKMS builds gpuvfio for every supported kernel release, the way
# `dkms install` would on an operator's machine, without changing the host's
# DKMS state: the source and DKMS trees (and the module signing key DKMS
# makes) live in a temporary directory that is removed afterwards.
#
#   scripts/dkms-check.sh [RELEASE...]
#
# Without RELEASEs, every release that `scripts/fetch-kernels.sh --list`
# names (those of the installed header metapackages). Prints one check line per release.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -f "$ROOT/dkms.conf" ]; then
	echo "FAIL - dkms: no dkms.conf at the top of the tree"
	exit 1
fi
command -v dkms >/dev/null || { echo "FAIL - dkms: dkms is not installed (scripts/install-deps.sh)"; exit 1; }

name=$(sed -n 's/^PACKAGE_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$ROOT/dkms.conf")
version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$ROOT/dkms.conf")
if [ -z "$name" ] || [ -z "$version" ]; then
	echo "FAIL - dkms: dkms.conf lacks PACKAGE_NAME or PACKAGE_VERSION"
	exit 1
fi
# DKMS needs the version written out in dkms.conf; VERSION is the one source
# everything else reads, so the two must agree.
if [ "$version" = "$(cat "$ROOT/VERSION")" ]; then
	echo "ok - dkms: dkms.conf PACKAGE_VERSION matches VERSION ($version)"
else
	echo "FAIL - dkms: dkms.conf PACKAGE_VERSION is $version but VERSION says $(cat "$ROOT/VERSION")"
fi

if [ $# -gt 0 ]; then
	releases=("$@")
else
	mapfile -t releases < <("$ROOT/scripts/fetch-kernels.sh" --list)
fi
if [ ${#releases[@]} = 0 ]; then
	echo "FAIL - dkms: no kernel release to build for (scripts/install-deps.sh installs the headers)"
	exit 1
fi

tmp=$(mktemp -d /tmp/gpuvfio-dkms.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/source/$name-$version
mkdir -p "$src" "$tmp/tree" "$tmp/tmp"
# What a source package would ship: dkms.conf and the kbuild sources.
(
	cd "$ROOT"
	set -- dkms.conf Kbuild kmod
	[ -d include ] && set -- "$@" include
	[ -f VERSION ] && set -- "$@" VERSION
	tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='*.cmd' --exclude='*.d' \
		--exclude='*.symvers' --exclude='modules.order' "$@"
) | tar -xf - -C "$src"

export TMPDIR=$tmp/tmp
# DKMS signs what it builds, and would otherwise create its key under
# /var/lib/dkms.
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
dkms_args=(--dkmstree "$tmp/tree" --sourcetree "$tmp/source" --installtree "$tmp/install")

failed=0
if ! dkms add "${dkms_args[@]}" -m "$name" -v "$version" >"$tmp/add.log" 2>&1; then
	echo "FAIL - dkms: dkms add $name/$version"
	sed 's/^/#   /' "$tmp/add.log"
	exit 1
fi
for rel in "${releases[@]}"; do
	log=$tmp/build-$rel.log
	built=0
	if dkms build "${dkms_args[@]}" -m "$name" -v "$version" -k "$rel" >"$log" 2>&1 &&
		compgen -G "$tmp/tree/$name/$version/$rel/*/module/$name.ko*" >/dev/null; then
		built=1
	fi
	if [ "$built" = 1 ]; then
		echo "ok - dkms: dkms build $name/$version for $rel"
	else
		echo "FAIL - dkms: dkms build $name/$version for $rel"
		tail -n 30 "$log" | sed 's/^/#   /'
		mlog=$tmp/tree/$name/$version/build/make.log
		if [ -f "$mlog" ]; then
			tail -n 30 "$mlog" | sed 's/^/#   make.log: /'
		fi
		failed=1
	fi
done
exit "$failed"
