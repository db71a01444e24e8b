#!/bin/bash
# The script way, as GPU-cloud deployment guides ship it (vfio-driver.sh):
# a program an operator runs per request, writing, for each function given,
# driver_override, unbind and drivers_probe. No checks, no rollback; shell
# builtins only, so it pays for nothing but starting bash. make bench runs
# it from /tests/vfio-driver.sh in the VM (tests/bench/guest.sh).
#
#   vfio-driver.sh bind|unbind ADDR...
set -e
case ${1-} in
bind) override=vfio-pci ;;
unbind) override= ;;
*)
	echo "usage: vfio-driver.sh bind|unbind ADDR..." >&2
	exit 2
	;;
esac
shift
for dev; do
	sys=/sys/bus/pci/devices/$dev
	echo "$override" >"$sys/driver_override"
	if [ -e "$sys/driver" ]; then
		echo "$dev" >"$sys/driver/unbind"
	fi
	echo "$dev" >/sys/bus/pci/drivers_probe
done
