// SPDX-License-Identifier: GPL-2.0
/*
 * libpci is used for its pci.ids database only: device data comes from
 * sysfs, so no access method is initialised (pci_init() would also insist
 * on finding one, and exits the program when it cannot).
 *
 * It is opened with dlopen() by the commands that name devices, not linked:
 * it brings libudev and libz along, and bind, unbind and ids, which run in a
 * VM's start path, never use any of them. The package depends on libpci3
 * all the same.
 */
#define _GNU_SOURCE	/* dlvsym() */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "gpuvfio.h"
#include "pci.h"

#define LIBPCI_SONAME	"libpci.so.3"
#define LIBPCI_VERSION	"LIBPCI_3.0"

static struct {
	struct pci_access *(*alloc)(void);
	void (*cleanup)(struct pci_access *);
	void (*set_name_list_path)(struct pci_access *, char *, int);
	char *(*lookup_name)(struct pci_access *, char *, int, int, ...);
} libpci;

static void *sym(void *handle, const char *name)
{
	return dlvsym(handle, name, LIBPCI_VERSION);
}

/* Loads libpci once; false (said once on stderr) when it cannot. */
static bool libpci_open(void)
{
	static int state;	/* 0 not tried, 1 loaded, -1 failed */
	void *h;

	if (state)
		return state > 0;
	state = -1;
	h = dlopen(LIBPCI_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		gv_err("device names from pci.ids are not shown: %s (install libpci3)",
			dlerror());
		return false;
	}
	libpci.alloc = sym(h, "pci_alloc");
	libpci.cleanup = sym(h, "pci_cleanup");
	libpci.set_name_list_path = sym(h, "pci_set_name_list_path");
	libpci.lookup_name = sym(h, "pci_lookup_name");
	if (!libpci.alloc || !libpci.cleanup || !libpci.set_name_list_path ||
	    !libpci.lookup_name) {
		gv_err("device names from pci.ids are not shown: %s lacks the %s interface",
			LIBPCI_SONAME, LIBPCI_VERSION);
		dlclose(h);
		return false;
	}
	/* Stays loaded until exit: names may be looked up again. */
	state = 1;
	return true;
}

/* libpci calls these for a broken pci.ids; the tool carries on without. */
static void pci_quiet(char *msg, ...)
{
	(void)msg;
}

static void __attribute__((noreturn)) pci_fatal(char *msg, ...)
{
	va_list ap;

	/* Only reached when libpci runs out of memory. */
	va_start(ap, msg);
	fputs("gpuvfio: libpci: ", stderr);
	vfprintf(stderr, msg, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static char *lookup(struct pci_access *pacc, int flags, ...)
{
	char buf[256];
	const char *name;
	va_list ap;
	int arg1, arg2;

	va_start(ap, flags);
	arg1 = va_arg(ap, int);
	arg2 = va_arg(ap, int);
	va_end(ap);
	/* Names only, never numbers made up by libpci; no udev hwdb and no
	 * DNS, so the answer is pci.ids's and the same on every host. */
	name = libpci.lookup_name(pacc, buf, sizeof(buf),
				  flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
				  arg1, arg2);
	return name ? strdup(name) : NULL;
}

/*
 * For a subclass pci.ids does not list, libpci names the class and appends
 * the number ("Unassigned class [ffff]"); the number is printed anyway.
 */
static void strip_class_number(char *name, unsigned int cls)
{
	char suffix[16];
	size_t n, m;

	if (!name)
		return;
	snprintf(suffix, sizeof(suffix), " [%04x]", cls);
	n = strlen(name);
	m = strlen(suffix);
	if (n > m && !strcmp(name + n - m, suffix))
		name[n - m] = '\0';
}

void gv_pci_name_devices(struct gv_host *h)
{
	struct pci_access *pacc;
	const char *ids = getenv(GV_PCI_IDS_ENV);
	struct gv_dev *d;
	size_t i;

	if (!h->ndevs || !libpci_open())
		return;
	pacc = libpci.alloc();
	if (!pacc)
		return;
	pacc->error = pci_fatal;
	pacc->warning = pci_quiet;
	pacc->debug = pci_quiet;
	if (ids && *ids)
		libpci.set_name_list_path(pacc, (char *)ids, 0);
	for (i = 0; i < h->ndevs; i++) {
		d = &h->devs[i];
		d->vendor_name = lookup(pacc, PCI_LOOKUP_VENDOR, (int)d->vendor, 0);
		d->device_name = lookup(pacc, PCI_LOOKUP_DEVICE, (int)d->vendor,
					(int)d->device);
		d->class_name = lookup(pacc, PCI_LOOKUP_CLASS, (int)(d->class >> 8), 0);
		strip_class_number(d->class_name, d->class >> 8);
	}
	libpci.cleanup(pacc);
}
