// SPDX-License-Identifier: GPL-2.0
/*
 * One source of devices for every command (see devsrc.h): the choice
 * between netlink and sysfs is made here and nowhere else.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devsrc.h"
#include "modconf.h"
#include "pci.h"
#include "sysfs.h"

enum gv_devsrc_kind gv_devsrc_choose(void)
{
	return gv_module_loaded() && !gv_sysfs_overridden() ? GV_DEVSRC_NETLINK :
							      GV_DEVSRC_SYSFS;
}

const char *gv_devsrc_name(enum gv_devsrc_kind kind)
{
	return kind == GV_DEVSRC_NETLINK ? "netlink" : "sysfs";
}

void gv_devsrc_open_kind(struct gv_devsrc *src, enum gv_devsrc_kind kind)
{
	memset(src, 0, sizeof(*src));
	src->kind = kind;
	if (kind == GV_DEVSRC_NETLINK)
		src->nl_err = gv_nl_open(&src->nl);
	if (src->nl_err)
		src->nl = NULL;
}

void gv_devsrc_open(struct gv_devsrc *src)
{
	gv_devsrc_open_kind(src, gv_devsrc_choose());
}

void gv_devsrc_close(struct gv_devsrc *src)
{
	if (src->nl)
		gv_nl_close(src->nl);
	src->nl = NULL;
}

static const char *nl_reason(int err)
{
	if (err == -ENOSYS)
		return "the module does not know GET_CONFIG";
	if (err == -ENOENT)
		return "no gpuvfio netlink family";
	return strerror(-err);
}

void gv_devsrc_config(struct gv_devsrc *src, struct gv_config *cfg)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (!gv_module_loaded())
		return;
	if (src->kind == GV_DEVSRC_NETLINK) {
		ret = src->nl ? gv_nl_get_config(src->nl, cfg) : src->nl_err;
		if (!ret)
			return;
		gv_err("could not ask the module over netlink (%s); reading its configuration from sysfs",
		       nl_reason(ret));
	}
	ret = gv_sysfs_read_config(cfg);
	if (ret < 0)
		gv_err("could not read the module's configuration in %s/kernel/gpuvfio: %s",
		       gv_sysfs_root(), strerror(-ret));
	cfg->loaded = true;
	cfg->source = "sysfs";
}

void gv_host_apply_kernel(struct gv_host *h, const struct gv_nl_dev *devs,
			  size_t ndevs, const struct gv_nl_group *groups,
			  size_t ngroups)
{
	struct gv_group *g;
	struct gv_addr addr;
	struct gv_dev *d;
	const char *state;
	size_t i, k;

	for (i = 0; i < ndevs; i++) {
		if (gv_parse_addr(devs[i].addr, strlen(devs[i].addr), &addr))
			continue;
		d = (struct gv_dev *)gv_host_find(h, &addr);
		if (!d)
			continue;
		d->kernel = true;
		state = gv_nl_state_name(devs[i].state);
		snprintf(d->state, sizeof(d->state), "%s", state ? state : "");
		d->managed = devs[i].managed;
		snprintf(d->orig_driver, sizeof(d->orig_driver), "%s",
			 d->managed ? devs[i].orig_driver : "");
		snprintf(d->orig_override, sizeof(d->orig_override), "%s",
			 d->managed ? devs[i].orig_override : "");
	}
	if (ndevs)
		h->kernel = true;
	for (i = 0; i < ngroups; i++) {
		for (k = 0; k < h->ngroups; k++) {
			g = &h->groups[k];
			if ((uint32_t)g->id != groups[i].id)
				continue;
			g->kernel = true;
			g->vfio_user = groups[i].vfio_user;
			g->busy = groups[i].busy;
		}
	}
}

/*
 * The module's view of every device and group, over netlink: a device in
 * the middle of a bind shows "binding". Without it (an older module, no
 * netlink), sysfs's view stands, with a word on stderr.
 */
static void kernel_view(struct gv_devsrc *src, struct gv_host *h)
{
	struct gv_nl_group *groups = NULL;
	struct gv_nl_dev *devs = NULL;
	size_t ndevs = 0, ngroups = 0;
	int ret;

	/* gv_devsrc_config() has said why there is no socket. */
	if (src->kind != GV_DEVSRC_NETLINK || !src->nl)
		return;
	if (!gv_nl_has_op(src->nl, GPUVFIO_CMD_GET_DEVICE) ||
	    !gv_nl_has_op(src->nl, GPUVFIO_CMD_GET_GROUP)) {
		gv_err("the loaded gpuvfio module is too old to report devices in transition (no GPUVFIO_CMD_GET_DEVICE): update it; showing sysfs's view");
		return;
	}
	ret = gv_nl_dump_devices(src->nl, &devs, &ndevs);
	if (!ret)
		ret = gv_nl_dump_groups(src->nl, &groups, &ngroups);
	if (ret)
		gv_err("could not read the module's devices over netlink (%s); showing sysfs's view",
		       ret == -EINTR ? "they kept changing while read" : strerror(-ret));
	else {
		gv_host_apply_kernel(h, devs, ndevs, groups, ngroups);
		h->kernel_view = true;
	}
	free(devs);
	gv_nl_groups_free(groups, ngroups);
}

int gv_devsrc_host(struct gv_devsrc *src, struct gv_host *h, unsigned int flags)
{
	int ret;

	ret = gv_host_scan(h);
	if (ret)
		return ret;
	kernel_view(src, h);
	if (flags & GV_DEVSRC_NAMES)
		gv_pci_name_devices(h);
	return 0;
}

/* /proc/cmdline, under a moved sysfs root when there is one. */
static void read_cmdline(char *buf, size_t size)
{
	char path[PATH_MAX];
	int ret;

	if (gv_sysfs_overridden())
		ret = gv_sysfs_path(path, sizeof(path), "proc/cmdline");
	else
		ret = snprintf(path, sizeof(path), "/proc/cmdline") < 0;
	if (ret || gv_sysfs_read(path, buf, size) < 0)
		buf[0] = '\0';
}

void gv_devsrc_claim_lists(const struct gv_config *cfg, char *ids, char *exclude,
			   size_t size, const char **from)
{
	struct gv_parse_err err;
	struct gv_modconf *mc;
	char *cmdline;

	ids[0] = exclude[0] = '\0';
	if (cfg->loaded) {
		snprintf(ids, size, "%s", cfg->ids);
		snprintf(exclude, size, "%s", cfg->exclude);
		*from = "the loaded module";
		return;
	}
	*from = "modprobe.d and the kernel command line";
	mc = malloc(sizeof(*mc));
	cmdline = malloc(4096);
	if (!mc || !cmdline)
		goto out;
	if (gv_modconf_read(gv_sysfs_overridden() ? gv_sysfs_root() : "", mc))
		goto out;
	read_cmdline(cmdline, 4096);
	gv_modconf_cmdline(mc, cmdline);
	if (gv_modconf_canonical(&mc->ids, true, ids, size, &err))
		ids[0] = '\0';
	if (gv_modconf_canonical(&mc->exclude, false, exclude, size, &err))
		exclude[0] = '\0';
out:
	free(cmdline);
	free(mc);
}
