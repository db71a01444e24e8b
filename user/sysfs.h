/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Access to sysfs below a root that tests can move: GPUVFIO_SYSFS_ROOT
 * replaces "/sys" (for testing against a fake tree; see gpuvfio(8)).
 */
#ifndef GV_SYSFS_H
#define GV_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

#include "gpuvfio.h"

#define GV_SYSFS_ROOT_ENV	"GPUVFIO_SYSFS_ROOT"

/* "/sys", or the override. */
const char *gv_sysfs_root(void);
/* True when the root was overridden (the tool then stays off netlink). */
bool gv_sysfs_overridden(void);

/* Root + "/" + the formatted rest; -ENAMETOOLONG if it does not fit. */
int gv_sysfs_path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Reads a whole attribute into buf, NUL-terminated, without the trailing
 * newline. Returns its length or -errno (-EFBIG when it did not fit).
 */
int gv_sysfs_read(const char *path, char *buf, size_t size);
/* Reads a "0x..." attribute (vendor, device, class). */
int gv_sysfs_read_hex(const char *path, unsigned int *val);
/* The last component of a symlink's target (driver, iommu_group links). */
int gv_sysfs_link_name(const char *path, char *buf, size_t size);
/* One write(2) of buf, as the kernel wants for sysfs; 0 or -errno. */
int gv_sysfs_write(const char *path, const char *buf, size_t len);

/* /sys/kernel/gpuvfio exists. */
bool gv_module_loaded(void);
/* Fills cfg from /sys/kernel/gpuvfio/{version,ids,exclude,devices/}. */
int gv_sysfs_read_config(struct gv_config *cfg);

#endif /* GV_SYSFS_H */
