/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host as status and bind see it: every PCI device with its IDs, class
 * and driver, the IOMMU groups they form, and gpuvfio's record of the
 * devices it manages. Read from sysfs in one pass; everything after that
 * (which groups to show, viability) is pure and unit-tested.
 */
#ifndef GV_GROUPS_H
#define GV_GROUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "target.h"

#define GV_DRIVER_LEN	64	/* driver names and driver_override values */
#define GV_STATE_LEN	32

struct gv_dev {
	struct gv_addr addr;
	char name[GV_ADDR_LEN + 1];		/* "0000:01:00.0" */
	unsigned int vendor, device;
	unsigned int subvendor, subdevice;	/* GV_ANY_ID when unreadable */
	unsigned int class;			/* 24 bits: class, subclass, prog-if */
	char driver[GV_DRIVER_LEN];		/* "" when unbound */
	int group;				/* -1 when it has none */

	bool managed;				/* gpuvfio has a record of it */
	char orig_driver[GV_DRIVER_LEN];	/* "" for none */
	char orig_override[4096];	/* "" for none; any length the
					 * kernel accepts (less than a page) */
	char state[GV_STATE_LEN];		/* "vfio", "claimed", ... */
	bool kernel;				/* state, managed and the
						 * original driver and override
						 * come from the module over
						 * netlink, for every device */

	/* From pci.ids (pci.c); NULL when unknown. */
	char *vendor_name, *device_name, *class_name;
};

struct gv_group {
	int id;
	size_t *members;	/* indexes into gv_host.devs, in address order */
	size_t nmembers;
	bool kernel;		/* the module reported vfio_user and busy */
	bool vfio_user;		/* a VFIO user (a VM) owns the group */
	bool busy;		/* a bind or unbind is moving it */
};

struct gv_host {
	struct gv_dev *devs;	/* sorted by address */
	size_t ndevs;
	struct gv_group *groups;	/* sorted by id */
	size_t ngroups;
	bool iommu;		/* /sys/kernel/iommu_groups has groups */
	bool kernel;		/* device states came from the module */
	bool kernel_view;	/* the module's view was laid over sysfs's
				 * (gv_devsrc_host() over netlink, and it
				 * answered) */
};

/* Reads the whole picture from sysfs; 0 or -errno. */
int gv_host_scan(struct gv_host *h);
void gv_host_free(struct gv_host *h);

/* Helpers for building a host by hand (the scan uses them too). */
struct gv_dev *gv_host_add_dev(struct gv_host *h, const struct gv_addr *addr);
/* Sorts devices, then builds groups from each device's group id. */
int gv_host_finish(struct gv_host *h);

const struct gv_dev *gv_host_find(const struct gv_host *h,
				  const struct gv_addr *addr);
const struct gv_group *gv_host_group(const struct gv_host *h, int id);

/* Display controller: PCI class 03xx. */
bool gv_dev_is_display(const struct gv_dev *d);
/* Audio device (0403) in the same slot as a display controller. */
bool gv_dev_is_gpu_audio(const struct gv_host *h, const struct gv_dev *d);
/* What status shows by default: display, GPU audio or managed. */
bool gv_dev_is_interesting(const struct gv_host *h, const struct gv_dev *d);
bool gv_same_slot(const struct gv_addr *a, const struct gv_addr *b);

bool gv_dev_match(const struct gv_dev *d, const struct gv_target *t);

/*
 * Drivers that leave DMA to the owner of the group (the kernel's
 * driver_managed_dma): vfio-pci and its variant drivers, pci-stub,
 * pcieport. An unbound device ("") also leaves the group viable.
 */
bool gv_driver_leaves_dma(const char *driver);
/* Viable: every member is unbound or on such a driver. */
bool gv_group_viable(const struct gv_host *h, const struct gv_group *g);
/* Members that keep the group from being viable, stored in out[0..max). */
size_t gv_group_blockers(const struct gv_host *h, const struct gv_group *g,
			 const struct gv_dev **out, size_t max);

#endif /* GV_GROUPS_H */
