#!/bin/bash
# Check that DKMS builds and installs gpuvfio for every supported kernel
# release, the way `dkms add/build/install` would on an operator's machine,
# from a clean copy of the tree (what `make install` puts in /usr/src), and
# rebuilds it through AUTOINSTALL as the kernel's postinst hook does, without
# changing the host's DKMS state: the source, DKMS and install trees (and the
# module signing key DKMS makes) live in a temporary directory that is
# removed afterwards, and `dkms remove --all` must leave nothing behind.
#
#   scripts/dkms-check.sh [RELEASE...]
#
# Without RELEASEs, every release that `scripts/fetch-kernels.sh --list`
# names (those of the installed header metapackages). Prints check lines
# ("ok - dkms: ..."), and `dkms status` as "#" lines.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GV_CHECK_PREFIX=dkms
# shellcheck source=scripts/results.sh
. "$ROOT/scripts/results.sh"

if [ ! -f "$ROOT/dkms.conf" ]; then
	gv_fail "no dkms.conf at the top of the tree"
	gv_exit
fi
command -v dkms >/dev/null || { gv_fail "dkms is not installed (scripts/install-deps.sh)"; gv_exit; }

name=$(sed -n 's/^PACKAGE_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$ROOT/dkms.conf")
version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$ROOT/dkms.conf")
if [ -z "$name" ] || [ -z "$version" ]; then
	gv_fail "dkms.conf lacks PACKAGE_NAME or PACKAGE_VERSION"
	gv_exit
fi
# DKMS needs the version written out in dkms.conf; VERSION is the one source
# everything else reads, so the two must agree.
if [ "$version" = "$(cat "$ROOT/VERSION")" ]; then
	gv_ok "dkms.conf PACKAGE_VERSION matches VERSION ($version)"
else
	gv_fail "dkms.conf PACKAGE_VERSION is $version but VERSION says $(cat "$ROOT/VERSION")"
fi

if [ $# -gt 0 ]; then
	releases=("$@")
else
	mapfile -t releases < <("$ROOT/scripts/fetch-kernels.sh" --list)
fi
if [ ${#releases[@]} = 0 ]; then
	gv_fail "no kernel release to build for (scripts/install-deps.sh installs the headers)"
	gv_exit
fi

tmp=$(mktemp -d /tmp/gpuvfio-dkms.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/source/$name-$version
mkdir -p "$tmp/source" "$tmp/tree" "$tmp/tmp" "$tmp/install"
# What `make install` and the gpuvfio-dkms package put in /usr/src: dkms.conf
# and the kbuild sources, nothing built.
if ! make -s -C "$ROOT" install-module MODULE_INSTALL=dkms DESTDIR="$tmp/root" >"$tmp/copy.log" 2>&1 ||
	! mv "$tmp/root/usr/src/$name-$version" "$src"; then
	gv_fail "make install-module DESTDIR=... copies the sources to /usr/src/$name-$version"
	sed 's/^/#   /' "$tmp/copy.log"
	gv_exit
fi

export TMPDIR=$tmp/tmp
# DKMS signs what it builds, and would otherwise create its key under
# /var/lib/dkms.
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
# depmod would run on the host's /lib/modules: the install tree is ours.
dkms_args=(--dkmstree "$tmp/tree" --sourcetree "$tmp/source" --installtree "$tmp/install" --no-depmod)

# status: `dkms status` of the throwaway tree, shown as "#" lines.
status() {
	# dkms status runs readelf on the modules, which warns on stderr about
	# sections it does not find: not ours to show.
	dkms status "${dkms_args[@]}" 2>/dev/null | sed 's/^/#   dkms status: /'
}
# installed REL: DKMS has put the module in REL's install tree.
installed() {
	compgen -G "$tmp/install/$1/updates/dkms/$name.ko*" >/dev/null
}

if ! dkms add "${dkms_args[@]}" -m "$name" -v "$version" >"$tmp/add.log" 2>&1; then
	gv_fail "dkms add $name/$version"
	sed 's/^/#   /' "$tmp/add.log"
	gv_exit
fi
for rel in "${releases[@]}"; do
	log=$tmp/build-$rel.log
	built=0
	if dkms build "${dkms_args[@]}" -m "$name" -v "$version" -k "$rel" >"$log" 2>&1 &&
		compgen -G "$tmp/tree/$name/$version/$rel/*/module/$name.ko*" >/dev/null; then
		built=1
	fi
	if [ "$built" = 1 ]; then
		gv_ok "dkms build $name/$version for $rel"
	else
		gv_fail "dkms build $name/$version for $rel"
		tail -n 30 "$log" | sed 's/^/#   /'
		mlog=$tmp/tree/$name/$version/build/make.log
		if [ -f "$mlog" ]; then
			tail -n 30 "$mlog" | sed 's/^/#   make.log: /'
		fi
		continue
	fi
	mkdir -p "$tmp/install/$rel"
	if dkms install "${dkms_args[@]}" -m "$name" -v "$version" -k "$rel" >>"$log" 2>&1 &&
		installed "$rel" &&
		dkms status "${dkms_args[@]}" -m "$name" -v "$version" -k "$rel" 2>/dev/null | grep -q ': installed'; then
		gv_ok "dkms install $name/$version for $rel: $(cd "$tmp/install/$rel" && echo updates/dkms/"$name".ko*), status installed"
	else
		gv_fail "dkms install $name/$version for $rel"
		tail -n 30 "$log" | sed 's/^/#   /'
	fi
done
status

# AUTOINSTALL: what /etc/kernel/postinst.d/dkms does for a newly installed
# kernel (`dkms autoinstall -k RELEASE`) builds and installs the module again.
# (Removing the only kernel would take the module out of the tree.)
rel=${releases[${#releases[@]} - 1]}
if [ ${#releases[@]} -lt 2 ]; then
	gv_skip "AUTOINSTALL needs a second release to remove one from (only $rel was asked for)"
elif installed "$rel"; then
	log=$tmp/autoinstall.log
	if dkms remove "${dkms_args[@]}" -m "$name" -v "$version" -k "$rel" >"$log" 2>&1 &&
		! installed "$rel" &&
		dkms autoinstall "${dkms_args[@]}" -k "$rel" >>"$log" 2>&1 && installed "$rel"; then
		gv_ok "removed for $rel, \`dkms autoinstall -k $rel\` (AUTOINSTALL) builds and installs it again"
	else
		gv_fail "removed for $rel, \`dkms autoinstall -k $rel\` (AUTOINSTALL) builds and installs it again"
		tail -n 30 "$log" | sed 's/^/#   /'
	fi
fi

# The way an operator (and the package's prerm) takes it away.
log=$tmp/remove.log
left=
if dkms remove "${dkms_args[@]}" -m "$name" -v "$version" --all >"$log" 2>&1; then
	left=$(dkms status "${dkms_args[@]}" 2>/dev/null; find "$tmp/install" "$tmp/tree" -name "$name.ko*")
	if [ -z "$left" ]; then
		gv_ok "dkms remove $name/$version --all leaves no module and an empty dkms status"
	else
		gv_fail "dkms remove $name/$version --all leaves no module and an empty dkms status"
		printf '%s\n' "$left" | sed 's/^/#   left: /'
	fi
else
	gv_fail "dkms remove $name/$version --all"
	sed 's/^/#   /' "$log"
fi
gv_exit
