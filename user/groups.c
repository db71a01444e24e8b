// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "sysfs.h"

struct gv_dev *gv_host_add_dev(struct gv_host *h, const struct gv_addr *addr)
{
	struct gv_dev *devs, *d;

	devs = realloc(h->devs, (h->ndevs + 1) * sizeof(*devs));
	if (!devs)
		return NULL;
	h->devs = devs;
	d = &devs[h->ndevs++];
	memset(d, 0, sizeof(*d));
	d->addr = *addr;
	gv_format_addr(d->name, sizeof(d->name), addr);
	d->subvendor = d->subdevice = GV_ANY_ID;
	d->group = -1;
	return d;
}

static int addr_cmp(const struct gv_addr *a, const struct gv_addr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->devfn != b->devfn)
		return a->devfn < b->devfn ? -1 : 1;
	return 0;
}

static int dev_cmp(const void *a, const void *b)
{
	return addr_cmp(&((const struct gv_dev *)a)->addr,
			&((const struct gv_dev *)b)->addr);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int gv_host_finish(struct gv_host *h)
{
	int *ids = NULL;
	size_t i, j, n = 0;
	struct gv_group *g;

	if (h->ndevs)
		qsort(h->devs, h->ndevs, sizeof(*h->devs), dev_cmp);

	if (h->ndevs) {
		ids = malloc(h->ndevs * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
	}
	for (i = 0; i < h->ndevs; i++)
		if (h->devs[i].group >= 0)
			ids[n++] = h->devs[i].group;
	if (n)
		qsort(ids, n, sizeof(*ids), int_cmp);

	h->groups = calloc(n ? n : 1, sizeof(*h->groups));
	if (!h->groups) {
		free(ids);
		return -ENOMEM;
	}
	h->ngroups = 0;
	for (i = 0; i < n; i++) {
		if (i && ids[i] == ids[i - 1])
			continue;
		g = &h->groups[h->ngroups++];
		g->id = ids[i];
		g->members = calloc(h->ndevs, sizeof(*g->members));
		if (!g->members) {
			free(ids);
			return -ENOMEM;
		}
		for (j = 0; j < h->ndevs; j++)
			if (h->devs[j].group == g->id)
				g->members[g->nmembers++] = j;
	}
	free(ids);
	return 0;
}

void gv_host_free(struct gv_host *h)
{
	size_t i;

	for (i = 0; i < h->ndevs; i++) {
		free(h->devs[i].vendor_name);
		free(h->devs[i].device_name);
		free(h->devs[i].class_name);
	}
	for (i = 0; i < h->ngroups; i++)
		free(h->groups[i].members);
	free(h->devs);
	free(h->groups);
	memset(h, 0, sizeof(*h));
}

/* Copies a sysfs attribute of the device; "" when it cannot be read. */
static void read_attr(const char *dev, const char *dir, const char *attr,
		      char *buf, size_t size)
{
	char path[PATH_MAX];

	if (gv_sysfs_path(path, sizeof(path), "%s/%s/%s", dir, dev, attr) ||
	    gv_sysfs_read(path, buf, size) < 0)
		buf[0] = '\0';
}

static int scan_device(struct gv_host *h, const char *name)
{
	struct gv_addr addr;
	struct gv_dev *d;
	char path[PATH_MAX];
	static const struct {
		const char *attr;
		size_t off;
	} hex[] = {
		{ "vendor", offsetof(struct gv_dev, vendor) },
		{ "device", offsetof(struct gv_dev, device) },
		{ "class", offsetof(struct gv_dev, class) },
		{ "subsystem_vendor", offsetof(struct gv_dev, subvendor) },
		{ "subsystem_device", offsetof(struct gv_dev, subdevice) },
	};
	size_t i;
	int ret;

	/* Anything that is not a PCI address is not a PCI device. */
	if (gv_parse_addr(name, strlen(name), &addr))
		return 0;
	d = gv_host_add_dev(h, &addr);
	if (!d)
		return -ENOMEM;
	for (i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		ret = gv_sysfs_path(path, sizeof(path), "bus/pci/devices/%s/%s",
				    name, hex[i].attr);
		if (ret)
			return ret;
		/* A device removed under our feet keeps the defaults. */
		gv_sysfs_read_hex(path, (unsigned int *)((char *)d + hex[i].off));
	}
	ret = gv_sysfs_path(path, sizeof(path), "bus/pci/devices/%s/driver", name);
	if (ret)
		return ret;
	if (gv_sysfs_link_name(path, d->driver, sizeof(d->driver)))
		d->driver[0] = '\0';
	return 0;
}

static int scan_dir(const char *rel, int (*fn)(struct gv_host *, const char *, void *),
		    struct gv_host *h, void *arg)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret;

	ret = gv_sysfs_path(path, sizeof(path), "%s", rel);
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		ret = fn(h, de->d_name, arg);
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}

static int scan_device_cb(struct gv_host *h, const char *name, void *arg)
{
	(void)arg;
	return scan_device(h, name);
}

static struct gv_dev *find_by_name(struct gv_host *h, const char *name)
{
	struct gv_addr addr;
	size_t i;

	if (gv_parse_addr(name, strlen(name), &addr))
		return NULL;
	for (i = 0; i < h->ndevs; i++)
		if (gv_addr_equal(&h->devs[i].addr, &addr))
			return &h->devs[i];
	return NULL;
}

static int group_member_cb(struct gv_host *h, const char *name, void *arg)
{
	struct gv_dev *d = find_by_name(h, name);

	/* Non-PCI members (rare on x86) are not shown. */
	if (d)
		d->group = *(int *)arg;
	return 0;
}

static int scan_group_cb(struct gv_host *h, const char *name, void *arg)
{
	char rel[PATH_MAX];
	char *end;
	long id;
	int ret;

	(void)arg;
	errno = 0;
	id = strtol(name, &end, 10);
	if (errno || *end || id < 0 || id > INT_MAX)
		return 0;
	h->iommu = true;
	if ((size_t)snprintf(rel, sizeof(rel), "kernel/iommu_groups/%s/devices",
			     name) >= sizeof(rel))
		return -ENAMETOOLONG;
	ret = scan_dir(rel, group_member_cb, h, &(int){ (int)id });
	return ret == -ENOENT ? 0 : ret;
}

static int scan_managed_cb(struct gv_host *h, const char *name, void *arg)
{
	static const char dir[] = "kernel/gpuvfio/devices";
	struct gv_dev *d = find_by_name(h, name);

	(void)arg;
	if (!d)
		return 0;
	d->managed = true;
	read_attr(name, dir, "original_driver", d->orig_driver,
		  sizeof(d->orig_driver));
	read_attr(name, dir, "original_override", d->orig_override,
		  sizeof(d->orig_override));
	read_attr(name, dir, "state", d->state, sizeof(d->state));
	return 0;
}

int gv_host_scan(struct gv_host *h)
{
	int ret;

	memset(h, 0, sizeof(*h));
	/* No PCI bus at all is a host with no devices, not an error. */
	ret = scan_dir("bus/pci/devices", scan_device_cb, h, NULL);
	if (ret && ret != -ENOENT)
		goto err;
	ret = scan_dir("kernel/iommu_groups", scan_group_cb, h, NULL);
	if (ret && ret != -ENOENT)
		goto err;
	ret = scan_dir("kernel/gpuvfio/devices", scan_managed_cb, h, NULL);
	if (ret && ret != -ENOENT)
		goto err;
	ret = gv_host_finish(h);
	if (ret)
		goto err;
	return 0;
err:
	gv_host_free(h);
	return ret;
}

const struct gv_dev *gv_host_find(const struct gv_host *h,
				  const struct gv_addr *addr)
{
	size_t i;

	for (i = 0; i < h->ndevs; i++)
		if (gv_addr_equal(&h->devs[i].addr, addr))
			return &h->devs[i];
	return NULL;
}

const struct gv_group *gv_host_group(const struct gv_host *h, int id)
{
	size_t i;

	for (i = 0; i < h->ngroups; i++)
		if (h->groups[i].id == id)
			return &h->groups[i];
	return NULL;
}

bool gv_dev_is_display(const struct gv_dev *d)
{
	return (d->class >> 16) == 0x03;
}

bool gv_same_slot(const struct gv_addr *a, const struct gv_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus &&
	       (a->devfn >> 3) == (b->devfn >> 3);
}

bool gv_dev_is_gpu_audio(const struct gv_host *h, const struct gv_dev *d)
{
	size_t i;

	if ((d->class >> 8) != 0x0403)
		return false;
	for (i = 0; i < h->ndevs; i++)
		if (gv_dev_is_display(&h->devs[i]) &&
		    gv_same_slot(&h->devs[i].addr, &d->addr))
			return true;
	return false;
}

bool gv_dev_is_interesting(const struct gv_host *h, const struct gv_dev *d)
{
	return gv_dev_is_display(d) || d->managed || gv_dev_is_gpu_audio(h, d);
}

bool gv_dev_match(const struct gv_dev *d, const struct gv_target *t)
{
	switch (t->kind) {
	case GV_TARGET_ADDR:
		return gv_addr_equal(&d->addr, &t->addr);
	case GV_TARGET_ID:
		return gv_id_match(&t->id, d->vendor, d->device, d->subvendor,
				   d->subdevice);
	case GV_TARGET_ALL:
		break;
	}
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

bool gv_driver_leaves_dma(const char *driver)
{
	/* Variant drivers (mlx5_vfio_pci, nvgrace-gpu-vfio-pci, ...) are
	 * built on vfio-pci-core and leave DMA to the VFIO user as well. */
	return !*driver || !strcmp(driver, "pci-stub") ||
	       !strcmp(driver, "pcieport") || ends_with(driver, "vfio-pci") ||
	       ends_with(driver, "vfio_pci");
}

size_t gv_group_blockers(const struct gv_host *h, const struct gv_group *g,
			 const struct gv_dev **out, size_t max)
{
	size_t i, n = 0;
	const struct gv_dev *d;

	for (i = 0; i < g->nmembers; i++) {
		d = &h->devs[g->members[i]];
		if (gv_driver_leaves_dma(d->driver))
			continue;
		if (n < max)
			out[n] = d;
		n++;
	}
	return n;
}

bool gv_group_viable(const struct gv_host *h, const struct gv_group *g)
{
	return gv_group_blockers(h, g, NULL, 0) == 0;
}
