/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_SWITCH_H
#define GV_SWITCH_H

#include <linux/pci.h>
#include "parse.h"

/* Most devices one request may resolve to. */
#define GV_MAX_DEVICES	256

enum {
	/* Called for a claim (load, hotplug, ids write): when vfio-pci is not
	 * there, unbound devices still get the override so no vendor driver
	 * can take them, and vfio-pci binds them when it loads. */
	GV_F_CLAIM = 1 << 0,
};

int gv_bind_targets(const struct gv_target *t, unsigned int n);
int gv_unbind_targets(const struct gv_target *t, unsigned int n);
int gv_switch_devices(struct pci_dev **pdevs, unsigned int n, bool bind,
		      unsigned int flags);

#ifdef GPUVFIO_TEST
extern int gv_fail_at;
#endif

#endif /* GV_SWITCH_H */
