#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `gpuvfio xml`, `gpuvfio nova` and `gpuvfio kubevirt` against a fake sysfs
# tree, judged by the consumers' own parsers: libvirt's schema
# (virt-xml-validate, libvirt-clients), nova's device_spec and alias code
# (python3-nova, Debian 12's Zed) and a YAML parser (python3-yaml). Each
# negative check has a positive control, and each judge is shown to reject
# a broken input first, so that a judge that accepts anything fails here.
#
#   tests/unit/integration_test.sh [GPUVFIO]    (default: user/gpuvfio)
#
# Prints "ok - ..." or "FAIL - ..." per check, like the C unit tests.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GPUVFIO=${1:-$ROOT/user/gpuvfio}
# Debian's python3 with Debian's nova and yaml, whatever python3 is first
# in PATH.
PY=/usr/bin/python3
# shellcheck source=scripts/results.sh
. "$ROOT/scripts/results.sh"
# check DESC COMMAND...: ok when COMMAND succeeds.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then gv_ok "$desc"; else gv_fail_why "$desc" "$out"; fi
}
# check_not DESC COMMAND...: ok when COMMAND fails.
check_not() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then gv_fail_why "$desc" "it succeeded: $out"; else gv_ok "$desc"; fi
}
# contains DESC HAYSTACK NEEDLE
contains() {
	if [[ $2 == *"$3"* ]]; then gv_ok "$1"; else gv_fail_why "$1" "missing: $3" "in: $2"; fi
}

for tool in virt-xml-validate xmllint; do
	command -v $tool >/dev/null || gv_fail_why "$tool is installed (scripts/install-deps.sh)"
done
for mod in nova yaml; do
	$PY -c "import $mod" 2>/dev/null || gv_fail_why "$PY has $mod (scripts/install-deps.sh)"
done
if [[ ! -x $GPUVFIO ]]; then
	gv_fail_why "the tool is built ($GPUVFIO): make -C user"
	gv_totals integration_test
	exit 1
fi

# ---- a fake host --------------------------------------------------------------
tmp=$(mktemp -d /tmp/gpuvfio-integ.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fake=$tmp/sys
export GPUVFIO_SYSFS_ROOT=$fake GPUVFIO_PCI_IDS=$tmp/pci.ids
dev() {	# ADDR VENDOR DEVICE CLASS DRIVER GROUP
	local d=$fake/devices/pci0000:00/$1
	mkdir -p "$d" "$fake/bus/pci/devices" "$fake/kernel/iommu_groups/$6/devices"
	echo "0x$2" >"$d/vendor"
	echo "0x$3" >"$d/device"
	echo "0x$4" >"$d/class"
	echo "0x$2" >"$d/subsystem_vendor"
	echo "0x0001" >"$d/subsystem_device"
	ln -s "../../../devices/pci0000:00/$1" "$fake/bus/pci/devices/$1"
	ln -s "../../../../devices/pci0000:00/$1" "$fake/kernel/iommu_groups/$6/devices/$1"
	if [[ $5 != - ]]; then
		mkdir -p "$fake/bus/pci/drivers/$5"
		ln -s "../../../bus/pci/drivers/$5" "$d/driver"
	fi
}
cat >"$tmp/pci.ids" <<'IDS'
10de  NVIDIA Corporation
	10f0  GP104 High Definition Audio Controller
	1b80  GP104 [GeForce GTX 1080]
	1eb8  TU104GL [Tesla T4]
1002  Advanced Micro Devices, Inc. [AMD/ATI]
	731f  Navi 10 [Radeon RX 5600 OEM/5600 XT / 5700/5700 XT]
	ab38  Navi 10 HDMI Audio
C 03  Display controller
	00  VGA compatible controller
	02  3D controller
C 04  Multimedia controller
	03  Audio device
C 0c  Serial bus controller
	03  USB controller
IDS
# Two identical GTX 1080s: 01:00 kept for the host, 02:00 for guests; a
# Tesla T4; a Radeon; a card whose audio function comes after its USB
# function (the guest must get the audio at function 1 all the same).
dev 0000:00:00.0 8086 29c0 060000 - 0
dev 0000:01:00.0 10de 1b80 030000 nvidia 1
dev 0000:01:00.1 10de 10f0 040300 snd_hda_intel 1
dev 0000:02:00.0 10de 1b80 030000 vfio-pci 2
dev 0000:02:00.1 10de 10f0 040300 vfio-pci 2
dev 0000:03:00.0 10de 1eb8 030200 vfio-pci 3
dev 0000:04:00.0 1002 731f 030000 amdgpu 4
dev 0000:04:00.1 1002 ab38 040300 snd_hda_intel 4
dev 0000:06:00.0 1234 1111 030000 bochs-drm 6
dev 0000:06:00.1 1234 1112 0c0330 xhci_hcd 6
dev 0000:06:00.2 1234 1113 040300 snd_hda_intel 6
module() {	# IDS EXCLUDE
	mkdir -p "$fake/kernel/gpuvfio/devices"
	echo "9.9-test" >"$fake/kernel/gpuvfio/version"
	echo "$1" >"$fake/kernel/gpuvfio/ids"
	echo "$2" >"$fake/kernel/gpuvfio/exclude"
}
module "10de:1b80,10de:1eb8" "0000:01:00.0"

# ---- xml ----------------------------------------------------------------------
# domain FEATURES DEVICES: a minimal domain around fragments, for the schema.
domain() {
	printf "<domain type='kvm'>\n<name>gpuvfio-test</name>\n<memory>1048576</memory>\n"
	printf "<os><type arch='x86_64' machine='q35'>hvm</type></os>\n%s\n<devices>\n%s\n</devices>\n</domain>\n" "$1" "$2"
}
validate() {	# FILE
	virt-xml-validate "$1" domain
}

# The judge: a domain with a hostdev libvirt does not know must be refused,
# the same domain with a real one accepted.
domain "" "<hostdev mode='subsystem' type='pci' managed='maybe'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>" >"$tmp/bad.xml"
domain "" "<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>" >"$tmp/good.xml"
check_not "the schema refuses managed='maybe' (the judge judges)" validate "$tmp/bad.xml"
check "the schema takes a plain hostdev (its control)" validate "$tmp/good.xml"

out=$("$GPUVFIO" xml 02:00.0 2>"$tmp/err"); status=$?
check "xml 02:00.0 exits 0" test $status -eq 0
check "xml writes nothing on stderr" test ! -s "$tmp/err"
printf '%s\n' "$out" >"$tmp/xml.out"
check "the output is well-formed XML" xmllint --noout "$tmp/xml.out"
domain "" "$(sed -n '/^<devices>/,/^<\/devices>/{/devices>/d;p}' "$tmp/xml.out")" >"$tmp/dom.xml"
check "its hostdevs in a domain are valid for libvirt's schema" validate "$tmp/dom.xml"
contains "function 0 is the VGA function, multifunction on, guest slot 0x10" "$out" \
"  <hostdev mode='subsystem' type='pci' managed='no'>
    <source>
      <address domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
    </source>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x0' multifunction='on'/>
  </hostdev>"
contains "the audio function at guest function 1 of the same slot" "$out" \
"      <address domain='0x0000' bus='0x02' slot='0x00' function='0x1'/>
    </source>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x1'/>"
contains "a consumer card gets the proposal, as a comment" "$out" \
	"0000:02:00 is a consumer card (GeForce)"
check_not "the proposal is not acted on: no <features> without -H" grep -q '^<features>' "$tmp/xml.out"

out=$("$GPUVFIO" xml 06:00.2 2>&1)
contains "audio after USB on the host: audio at guest function 1" "$out" \
"      <address domain='0x0000' bus='0x06' slot='0x00' function='0x2'/>
    </source>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x1'/>"
contains "... and USB at guest function 2" "$out" \
"      <address domain='0x0000' bus='0x06' slot='0x00' function='0x1'/>
    </source>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x2'/>"
check_not "no consumer proposal for an unnamed card" grep -q "consumer" <<<"$out"

out=$("$GPUVFIO" xml 03:00.0 2>&1)
check_not "a single-function card has no multifunction" grep -q multifunction <<<"$out"
check_not "no consumer proposal for a Tesla" grep -q "consumer" <<<"$out"

out=$("$GPUVFIO" xml -H 10de:1b80 04:00.0 2>&1); status=$?
check "xml -H with an ID and an address exits 0" test $status -eq 0
printf '%s\n' "$out" >"$tmp/h.out"
contains "an ID names both GTX 1080s, one guest slot each" "$out" \
	"slot='0x11' function='0x0' multifunction='on'/>"
contains "the Radeon is the third card, slot 0x12" "$out" "bus='0x00' slot='0x12' function='0x1'/>"
domain "$(sed -n '/^<features>/,/^<\/features>/p' "$tmp/h.out")" \
	"$(sed -n '/^<devices>/,/^<\/devices>/{/devices>/d;p}' "$tmp/h.out")" >"$tmp/dom.xml"
check "-H: <features> and the hostdevs are valid in a domain" validate "$tmp/dom.xml"
check "-H prints <kvm><hidden state='on'/>" grep -q "<hidden state='on'/>" "$tmp/h.out"
check_not "-H: no proposal comment (it is done)" grep -q "consumer card" "$tmp/h.out"

for fn in 0 1; do
	"$GPUVFIO" xml -f $fn 02:00.0 >"$tmp/f$fn.xml" 2>&1
	check "xml -f $fn is one well-formed element (virsh attach-device)" \
		xmllint --noout "$tmp/f$fn.xml"
	check "xml -f $fn has exactly one <hostdev>" test "$(grep -c '<hostdev ' "$tmp/f$fn.xml")" -eq 1
	domain "" "$(cat "$tmp/f$fn.xml")" >"$tmp/dom.xml"
	check "xml -f $fn in a domain is valid for libvirt's schema" validate "$tmp/dom.xml"
done
check "xml -f 1 is the audio function" grep -q "bus='0x02' slot='0x00' function='0x1'" "$tmp/f1.xml"

out=$("$GPUVFIO" xml -b 5 02:00.0 03:00.0 2>&1)
contains "-b 5: card 1 on bus 5 slot 0" "$out" "bus='0x05' slot='0x00' function='0x0' multifunction='on'"
contains "-b 5: card 2 on bus 6 slot 0" "$out" "bus='0x06' slot='0x00' function='0x0'/>"
out=$("$GPUVFIO" xml -s 0x1f 02:00.0 2>&1)
contains "-s 0x1f: the card in slot 0x1f" "$out" "slot='0x1f' function='0x1'/>"

out=$("$GPUVFIO" xml -j 02:00.0 2>&1)
check "xml --json is JSON with the functions" $PY -c '
import json, sys
d = json.loads(sys.argv[1])
f = d["cards"][0]["functions"]
assert [x["guest_address"] for x in f] == ["0000:00:10.0", "0000:00:10.1"], f
assert f[0]["multifunction"] and not f[1]["multifunction"]
assert f[0]["xml"].startswith("<hostdev ") and d["features"] is None
assert d["cards"][0]["consumer"] is True' "$out"

usage() {	# DESC ARGS...: exit 2 and nothing on stdout
	local desc=$1 o s
	shift
	o=$("$GPUVFIO" "$@" 2>/dev/null); s=$?
	if [[ $s -eq 2 && -z $o ]]; then gv_ok "$desc"; else gv_fail_why "$desc" "status $s" "$o"; fi
}
usage "xml without a target: usage" xml
usage "xml with a bad target: usage" xml 02:00
usage "xml all: usage" xml all
usage "xml -b 256: usage" xml -b 256 02:00.0
usage "xml -s 32: usage" xml -s 32 02:00.0
usage "xml -f 8: usage" xml -f 8 02:00.0
usage "xml -f 2 of a two-function card: usage" xml -f 2 02:00.0
usage "xml -f with two cards: usage" xml -f 0 02:00.0 03:00.0
usage "xml -f with -H: usage" xml -f 0 -H 02:00.0
usage "xml -s 0x1f with two cards: usage" xml -s 0x1f 02:00.0 03:00.0
"$GPUVFIO" xml 0000:09:00.0 >/dev/null 2>&1
check "xml of an address no device has: exit 1" test $? -eq 1

# ---- nova ---------------------------------------------------------------------
# nova_check.py CONF [MATCH...] [-NOMATCH...]: loads CONF with nova's option code,
# parses every device_spec with nova's Whitelist and every alias with
# nova's alias parser, and checks which devices the spec matches.
cat >"$tmp/nova_check.py" <<'PYEOF'
import sys
import nova.conf
from nova import exception
from nova.pci import request, whitelist

CONF = nova.conf.CONF
CONF(args=["--config-file", sys.argv[1]], project="nova", default_config_files=[])
specs = CONF.pci.device_spec
aliases = CONF.pci.alias
assert specs and aliases, "no device_spec or alias line"
wl = whitelist.Whitelist(specs)
assert len(wl.specs) == len(specs)
parsed = request._get_alias_from_config()
assert len(parsed) == len(aliases), parsed
for arg in sys.argv[2:]:
    if arg.startswith("alias="):
        name, vendor, product = arg[6:].split(",")
        policy, spec = parsed[name]
        assert policy == "preferred", policy
        assert spec == [{"vendor_id": vendor, "product_id": product, "dev_type": "type-PCI"}], spec
        continue
    if arg.startswith("tags="):
        for s in wl.specs:
            for kv in arg[5:].split(";"):
                k, v = kv.split("=", 1)
                assert s.get_tags().get(k) == v, (k, s.get_tags())
        continue
    want = not arg.startswith("-")
    addr, vendor, product = arg.lstrip("-").split(",")
    dev = {"vendor_id": vendor, "product_id": product, "address": addr,
           "parent_addr": None}
    got = wl.device_assignable(dev)
    assert got == want, "%s: assignable %s, expected %s" % (addr, got, want)
print("nova parsed %d device_spec and %d alias lines" % (len(specs), len(aliases)))
PYEOF
nova() { $PY "$tmp/nova_check.py" "$@"; }

out=$("$GPUVFIO" nova 2>"$tmp/err"); status=$?
check "nova exits 0" test $status -eq 0
check "nova writes nothing on stderr" test ! -s "$tmp/err"
printf '%s\n' "$out" >"$tmp/nova.conf"
contains "the excluded card's twin is named by address" "$out" \
	'device_spec = {"vendor_id":"10de","product_id":"1b80","address":"0000:02:00.0","managed":"no"}'
contains "the T4 (no twin) by ID" "$out" \
	'device_spec = {"vendor_id":"10de","product_id":"1eb8","managed":"no"}'
contains "one alias per model, named from pci.ids" "$out" \
	'alias = {"name":"geforce-gtx-1080","vendor_id":"10de","product_id":"1b80","device_type":"type-PCI","numa_policy":"preferred"}'
contains "the comment says why the spec names an address" "$out" "# 0000:01:00.0 [10de:1b80] is kept for the host"
contains "the comment says what to do before nova 2025.1" "$out" "claim the cards at boot"

# The judge: nova must refuse an alias with a key it does not know, and
# take the same alias without it.
printf '[pci]\ndevice_spec = {"vendor_id":"10de","product_id":"1eb8"}\nalias = {"name":"x","vendor_id":"10de","bogus":"1"}\n' >"$tmp/bad.conf"
printf '[pci]\ndevice_spec = {"vendor_id":"10de","product_id":"1eb8"}\nalias = {"name":"x","vendor_id":"10de","numa_policy":"preferred"}\n' >"$tmp/good.conf"
check_not "nova refuses an alias with an unknown key (the judge judges)" nova "$tmp/bad.conf"
check "nova takes the alias without it (its control)" nova "$tmp/good.conf"
check_not "nova's matcher: the T4's spec does not match a 1b80 (the judge judges)" \
	nova "$tmp/good.conf" 0000:02:00.0,10de,1b80

check "nova parses every line; the spec matches the claimed GTX 1080 and the T4" \
	nova "$tmp/nova.conf" 0000:02:00.0,10de,1b80 0000:03:00.0,10de,1eb8 \
	alias=geforce-gtx-1080,10de,1b80 alias=tesla-t4,10de,1eb8
check "... and not the GTX 1080 kept for the host (exclude)" \
	nova "$tmp/nova.conf" -0000:01:00.0,10de,1b80
check "... nor the cards' audio functions, nor the Radeon nobody claimed" \
	nova "$tmp/nova.conf" -0000:02:00.1,10de,10f0 -0000:04:00.0,1002,731f
check "Zed keeps \"managed\" as a plain device tag" nova "$tmp/nova.conf" "tags=managed=no"

"$GPUVFIO" nova -r CUSTOM_GPU -t CUSTOM_A,CUSTOM_B -t CUSTOM_C -p preferred >"$tmp/rc.conf" 2>&1
check "nova -r -t: resource_class and traits reach nova's tags" \
	nova "$tmp/rc.conf" "tags=resource_class=CUSTOM_GPU;traits=CUSTOM_A,CUSTOM_B,CUSTOM_C" \
	0000:02:00.0,10de,1b80

module "10de:1b80" ""
"$GPUVFIO" nova >"$tmp/all.conf" 2>&1
check "no exclude: both GTX 1080s by ID" \
	nova "$tmp/all.conf" 0000:01:00.0,10de,1b80 0000:02:00.0,10de,1b80 -0000:03:00.0,10de,1eb8
check_not "... and no address in the spec" grep -q '"address"' "$tmp/all.conf"

out=$("$GPUVFIO" nova -j 2>&1)
check "nova --json: device_spec and alias lists" $PY -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["device_spec"] == [{"vendor_id": "10de", "product_id": "1b80", "managed": "no"}], d
assert d["alias"][0]["name"] == "geforce-gtx-1080"' "$out"

usage "nova -p sometimes: usage" nova -p sometimes
usage "nova -r lower: usage" nova -r custom_gpu
usage "nova -t BAD-TRAIT: usage" nova -t BAD-TRAIT
usage "nova with an argument: usage" nova 01:00.0
module "" ""
"$GPUVFIO" nova >/dev/null 2>&1
check "nova with nothing claimed: exit 1" test $? -eq 1

# Without the module: the lists of modprobe.d.
rm -rf "$fake/kernel/gpuvfio"
mkdir -p "$fake/etc/modprobe.d"
echo "options gpuvfio ids=10de:1eb8" >"$fake/etc/modprobe.d/gpuvfio.conf"
"$GPUVFIO" nova >"$tmp/mp.conf" 2>&1
check "no module: nova uses modprobe.d's ids" \
	nova "$tmp/mp.conf" 0000:03:00.0,10de,1eb8 -0000:02:00.0,10de,1b80
rm -rf "${fake:?}/etc"

# ---- kubevirt -----------------------------------------------------------------
module "10de:1b80,10de:1eb8" "0000:01:00.0"
cat >"$tmp/kv.py" <<'PYEOF'
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
devs = doc["spec"]["configuration"]["permittedHostDevices"]["pciHostDevices"]
want = [tuple(a.split("=")) for a in sys.argv[2:]]
got = [(d["pciVendorSelector"], d["resourceName"]) for d in devs]
assert got == want, got
for d in devs:
    assert set(d) <= {"pciVendorSelector", "resourceName", "externalResourceProvider"}, d
    assert re.fullmatch(r"[0-9A-F]{4}:[0-9A-F]{4}", d["pciVendorSelector"]), d
    dom, name = d["resourceName"].split("/")
    assert re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", dom) and "." in dom, dom
    assert re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?", name), name
PYEOF
"$GPUVFIO" kubevirt >"$tmp/kv.yaml" 2>"$tmp/err"
check "kubevirt exits 0, nothing on stderr" test ! -s "$tmp/err"
printf 'spec: [unclosed\n' >"$tmp/bad.yaml"
check_not "the YAML judge refuses broken YAML (the judge judges)" $PY "$tmp/kv.py" "$tmp/bad.yaml"
check "kubevirt: YAML with KubeVirt's fields, one entry per model" $PY "$tmp/kv.py" "$tmp/kv.yaml" \
	"10DE:1B80=nvidia.com/GP104_GeForce_GTX_1080" "10DE:1EB8=nvidia.com/TU104GL_Tesla_T4"
check_not "... which the wrong expectation fails (its control)" $PY "$tmp/kv.py" "$tmp/kv.yaml" \
	"10DE:1B80=nvidia.com/GP104_GeForce_GTX_1080"
"$GPUVFIO" kubevirt -e -d example.com >"$tmp/kv2.yaml" 2>&1
check "kubevirt -e -d: the domain and externalResourceProvider" $PY -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))["spec"]["configuration"]["permittedHostDevices"]["pciHostDevices"]
assert d[0] == {"pciVendorSelector": "10DE:1B80", "resourceName": "example.com/GP104_GeForce_GTX_1080",
                "externalResourceProvider": True}, d' "$tmp/kv2.yaml"
"$GPUVFIO" kubevirt -j >"$tmp/kv.json" 2>&1
check "kubevirt --json is the same document (a merge patch)" $PY -c '
import json, sys, yaml
assert json.load(open(sys.argv[1])) == yaml.safe_load(open(sys.argv[2]))' "$tmp/kv.json" "$tmp/kv.yaml"
usage "kubevirt -d Not_A_Domain: usage" kubevirt -d Not_A_Domain
usage "kubevirt with an argument: usage" kubevirt 01:00.0

gv_totals integration_test
[[ $gv_failed -eq 0 ]]
