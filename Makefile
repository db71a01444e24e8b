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
#   make bench              gpuvfio vs the script way and driverctl, in a VM
#   make check-host         only the host tier of make check: a real Debian 12
#                           system with the packages, under QEMU (tests/host)
#   make check-debug        the QEMU suite on debug kernels (KASAN, lockdep,
#                           kmemleak, UBSAN; and KCSAN), built and cached on
#                           first use (GV_DEBUG_VARIANTS=kcsan: KCSAN only)
#   make deps               install build and test dependencies (as root)
#   make install            CLI, man page, completion, UAPI header, modprobe.d,
#                           initramfs-tools hook, dracut module, module sources
#                           + `dkms install` (see docs/install.md)
#   make uninstall          undo make install
#
# install/uninstall honour DESTDIR and PREFIX, and MODULE_INSTALL:
#   dkms (default)  sources to /usr/src/gpuvfio-VERSION, then `dkms add` and
#                   `dkms install -k KVER` (DKMS rebuilds on every new kernel);
#                   with DESTDIR, the sources only
#   kbuild          `modules_install` for KVER into /lib/modules/KVER/updates/kmod
#                   (INSTALL_MOD_PATH=DESTDIR)
#   none            no module (packaging: debian/rules)

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
GPUVFIO_VERSION := $(shell git -C $(CURDIR) describe --tags --dirty 2>/dev/null || cat $(CURDIR)/VERSION)
export GPUVFIO_VERSION

PREFIX ?= /usr
DESTDIR ?=
MODPROBEDIR ?= /etc/modprobe.d
INITRAMFSDIR ?= /usr/share/initramfs-tools
DRACUTDIR ?= /usr/lib/dracut/modules.d
# Debian 12's systemd looks here for units shipped by packages.
SYSTEMDUNITDIR ?= /lib/systemd/system
SRCDIR ?= /usr/src
MODULE_INSTALL ?= dkms
INSTALL ?= install
export PREFIX DESTDIR
# DKMS names the module by dkms.conf's PACKAGE_VERSION, which must equal VERSION.
VERSION := $(shell cat $(CURDIR)/VERSION)
DKMS_SRC := $(DESTDIR)$(SRCDIR)/gpuvfio-$(VERSION)
# What DKMS needs to build the module: the kbuild sources and the UAPI header.
MODULE_SOURCES := dkms.conf Kbuild VERSION kmod/Kbuild $(wildcard kmod/*.c kmod/*.h) \
	$(wildcard include/uapi/linux/*.h)

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

bench:
	scripts/bench.sh

check-debug:
	scripts/check-debug.sh

check-host:
	tests/host/run.sh

install: install-cli install-boot install-module
	@echo "gpuvfio installed. Set the ids to claim at boot (docs/install.md), then"
	@echo "rebuild the initramfs: update-initramfs -u (or dracut -f)."

install-cli:
	$(MAKE) -C user install

install-boot:
	$(INSTALL) -D -m 0644 boot/modprobe.d/gpuvfio.conf $(DESTDIR)$(MODPROBEDIR)/gpuvfio.conf
	$(INSTALL) -D -m 0755 boot/initramfs-tools/hooks/gpuvfio $(DESTDIR)$(INITRAMFSDIR)/hooks/gpuvfio
	$(INSTALL) -D -m 0755 boot/initramfs-tools/scripts/init-top/gpuvfio \
		$(DESTDIR)$(INITRAMFSDIR)/scripts/init-top/gpuvfio
	$(INSTALL) -D -m 0755 boot/dracut/90gpuvfio/module-setup.sh $(DESTDIR)$(DRACUTDIR)/90gpuvfio/module-setup.sh
	$(INSTALL) -D -m 0755 boot/dracut/90gpuvfio/gpuvfio-load.sh $(DESTDIR)$(DRACUTDIR)/90gpuvfio/gpuvfio-load.sh
	@# The metrics timer (docs/metrics.md); the service runs the tool where it is installed.
	$(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' boot/systemd/gpuvfio-metrics.service.in \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/gpuvfio-metrics.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/gpuvfio-metrics.service
	$(INSTALL) -m 0644 boot/systemd/gpuvfio-metrics.timer $(DESTDIR)$(SYSTEMDUNITDIR)/gpuvfio-metrics.timer

install-module: install-module-$(MODULE_INSTALL)

install-module-none:

install-module-dkms:
	for f in $(MODULE_SOURCES); do \
		$(INSTALL) -D -m 0644 $$f $(DKMS_SRC)/$$f || exit 1; \
	done
ifeq ($(DESTDIR),)
	@command -v dkms >/dev/null || { echo "dkms is not installed (apt install dkms), or use MODULE_INSTALL=kbuild" >&2; exit 1; }
	@# A second install replaces the first: DKMS would keep building the old sources.
	! dkms status -m gpuvfio -v $(VERSION) 2>/dev/null | grep -q . || \
		dkms remove -m gpuvfio -v $(VERSION) --all
	dkms add -m gpuvfio -v $(VERSION)
	dkms install -m gpuvfio -v $(VERSION) -k $(KVER)
endif

# Debian's headers carry no signing key (CONFIG_MODULE_SIG_ALL would fail to
# sign): under Secure Boot, install through DKMS, which signs with its MOK key.
install-module-kbuild: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates \
		CONFIG_MODULE_SIG_ALL= modules_install
ifeq ($(DESTDIR),)
	depmod $(KVER)
endif

uninstall: uninstall-cli uninstall-boot uninstall-module
	@test ! -e $(DESTDIR)$(MODPROBEDIR)/gpuvfio-ids.conf || \
		echo "Left $(DESTDIR)$(MODPROBEDIR)/gpuvfio-ids.conf (gpuvfio ids set --persist): remove it by hand."
	@echo "Rebuild the initramfs: update-initramfs -u (or dracut -f)."

uninstall-cli:
	$(MAKE) -C user uninstall

uninstall-boot:
	rm -f $(DESTDIR)$(MODPROBEDIR)/gpuvfio.conf
	rm -f $(DESTDIR)$(INITRAMFSDIR)/hooks/gpuvfio $(DESTDIR)$(INITRAMFSDIR)/scripts/init-top/gpuvfio
	rm -rf $(DESTDIR)$(DRACUTDIR)/90gpuvfio
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/gpuvfio-metrics.service $(DESTDIR)$(SYSTEMDUNITDIR)/gpuvfio-metrics.timer

uninstall-module: uninstall-module-$(MODULE_INSTALL)

uninstall-module-none:

uninstall-module-dkms:
ifeq ($(DESTDIR),)
	! command -v dkms >/dev/null || ! dkms status -m gpuvfio -v $(VERSION) 2>/dev/null | grep -q . || \
		dkms remove -m gpuvfio -v $(VERSION) --all
endif
	rm -rf $(DKMS_SRC)

uninstall-module-kbuild:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/kmod/gpuvfio.ko*
	-rmdir $(DESTDIR)/lib/modules/$(KVER)/updates/kmod
ifeq ($(DESTDIR),)
	depmod $(KVER)
endif

.PHONY: all module cli clean deps check check-debug check-host demo bench install install-cli install-boot \
	install-module install-module-none install-module-dkms install-module-kbuild \
	uninstall uninstall-cli uninstall-boot uninstall-module uninstall-module-none \
	uninstall-module-dkms uninstall-module-kbuild
