/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one front door to the host's devices, as wg's ipc.c is to its two
 * backends: the source is chosen once, when it is opened (the module over
 * netlink when it is loaded, sysfs otherwise), and every command that
 * reads devices gets the same model from it: struct gv_config for the
 * module and struct gv_host (groups.h) for the devices, their drivers,
 * groups, gpuvfio's record (managed, state, original driver and
 * override) and, on request, their names from pci.ids.
 *
 * The PCI topology itself (IDs, class, driver link, group) always comes
 * from sysfs, which is where the kernel publishes it; the netlink source
 * lays the module's own view over it: states in transition ("binding")
 * that sysfs cannot show, and each group's VFIO user and busy flags.
 */
#ifndef GV_DEVSRC_H
#define GV_DEVSRC_H

#include <stdbool.h>

#include "gpuvfio.h"
#include "groups.h"
#include "nl.h"

enum gv_devsrc_kind {
	GV_DEVSRC_SYSFS,
	GV_DEVSRC_NETLINK,
};

struct gv_devsrc {
	enum gv_devsrc_kind kind;	/* what was chosen */
	struct gv_nl *nl;		/* NETLINK: the socket, NULL when it
					 * could not be opened */
	int nl_err;			/* why not, -errno */
};

/* Flags of gv_devsrc_host(). */
enum {
	GV_DEVSRC_NAMES = 1 << 0,	/* names from pci.ids */
};

/*
 * The choice, without opening anything: NETLINK when the module is loaded
 * and the sysfs root is the real one (a moved root, GPUVFIO_SYSFS_ROOT,
 * is a test tree the kernel's answers would not belong to), else SYSFS.
 */
enum gv_devsrc_kind gv_devsrc_choose(void);
/* "netlink" or "sysfs". */
const char *gv_devsrc_name(enum gv_devsrc_kind kind);

/*
 * Opens the chosen source. Never fails: a module that cannot be reached
 * over netlink leaves kind NETLINK with nl NULL, and each read then falls
 * back to sysfs and says so. Close with gv_devsrc_close().
 */
void gv_devsrc_open(struct gv_devsrc *src);
/* The same with the kind given (tests). */
void gv_devsrc_open_kind(struct gv_devsrc *src, enum gv_devsrc_kind kind);
void gv_devsrc_close(struct gv_devsrc *src);

/*
 * The module's configuration: over netlink, else from sysfs;
 * cfg->loaded false when the module is not loaded. Problems are printed,
 * not returned.
 */
void gv_devsrc_config(struct gv_devsrc *src, struct gv_config *cfg);

/*
 * Every PCI device and IOMMU group into h, with the module's record, from
 * the source; flags GV_DEVSRC_*. 0 or -errno (the PCI devices could not
 * be read; h is then empty). Free with gv_host_free().
 */
int gv_devsrc_host(struct gv_devsrc *src, struct gv_host *h, unsigned int flags);

/*
 * The lists the module claims by: the running module's when it is loaded
 * (cfg from gv_devsrc_config()), else those it would get at its next load
 * (modprobe.d under the sysfs root when that is moved, and the kernel
 * command line). *from gets "the loaded module" or "modprobe.d and the
 * kernel command line". Malformed persisted lists count as empty.
 */
void gv_devsrc_claim_lists(const struct gv_config *cfg, char *ids, char *exclude,
			   size_t size, const char **from);

/*
 * Lays the module's view (GPUVFIO_CMD_GET_DEVICE and GET_GROUP dumps) over
 * h: every device's state ("binding" while a bind moves it), managed flag,
 * original driver and override; each group's vfio_user and busy.
 */
void gv_host_apply_kernel(struct gv_host *h, const struct gv_nl_dev *devs,
			  size_t ndevs, const struct gv_nl_group *groups,
			  size_t ngroups);

#endif /* GV_DEVSRC_H */
