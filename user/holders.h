/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who holds a device open: the processes with a file descriptor on one of
 * the device's nodes (/dev/nvidiaN, /dev/dri/cardN and renderDN,
 * /dev/snd/ nodes of card N, /dev/vfio/GROUP). A driver's remove waits for them, so a
 * bind or unbind is refused while they are there (unless --force).
 *
 * A descriptor matches a node when both are character devices with the
 * same st_rdev, or when both are the same file (st_dev, st_ino): the
 * second lets the tests use a fake tree of plain files. The roots move
 * for tests: GPUVFIO_PROC_ROOT replaces /proc, GPUVFIO_DEV_ROOT /dev
 * (sysfs follows GPUVFIO_SYSFS_ROOT, see sysfs.h).
 */
#ifndef GV_HOLDERS_H
#define GV_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define GV_PROC_ROOT_ENV	"GPUVFIO_PROC_ROOT"
#define GV_DEV_ROOT_ENV		"GPUVFIO_DEV_ROOT"

/* A device that would move. */
struct gv_holder_dev {
	const char *addr;	/* "0000:01:00.0" */
	unsigned int vendor;	/* 0x10de: NVIDIA's nodes are looked at */
	const char *driver;	/* its driver now, "" for none */
	long group;		/* IOMMU group, -1 for none */
};

struct gv_holder {
	char addr[32];		/* the device held */
	pid_t pid;
	char comm[64];		/* /proc/PID/comm */
	char node[96];		/* "/dev/snd/controlC0", as the operator
				 * knows it (not under a moved root) */
};

/* "/proc" and "/dev", or the overrides. */
const char *gv_proc_root(void);
const char *gv_dev_root(void);

/*
 * Finds the holders of devs[0..ndevs): stores up to max in out and
 * returns how many there are (possibly more than max), or -errno when
 * /proc cannot be read. Processes whose descriptors cannot be read (not
 * root) are skipped.
 */
int gv_holders_scan(const struct gv_holder_dev *devs, size_t ndevs,
		    struct gv_holder *out, size_t max);

#endif /* GV_HOLDERS_H */
