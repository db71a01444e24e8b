# SPDX-License-Identifier: GPL-2.0
#
# gpuvfio: `make` builds the module (kmod/gpuvfio.ko) for KVER and the CLI
# (user/gpuvfio). Kbuild itself reads ./Kbuild, so the DKMS way,
# `make -C /lib/modules/<release>/build M=$PWD`, works from here too.
#
#   make [KVER=<release>]   module + CLI
#   make module | cli
#   make check              every test (installs what it needs; as root)
#   make demo               boot a VM and show gpuvfio at work
#   make deps               install build and test dependencies (as root)

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
GPUVFIO_VERSION := $(shell git -C $(CURDIR) describe --tags --dirty 2>/dev/null || cat $(CURDIR)/VERSION)
export GPUVFIO_VERSION

all: module cli

module:
	@test -d $(KDIR) || { echo "No kernel build tree at $(KDIR): install linux-headers-$(KVER) or pass KVER=<release> (see /lib/modules)." >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

cli:
	$(MAKE) -C user

clean:
	-test -d $(KDIR) && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C user clean
	rm -rf build

deps:
	scripts/install-deps.sh

check:
	scripts/check.sh

demo:
	scripts/demo.sh

.PHONY: all module cli clean deps check demo
