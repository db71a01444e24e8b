// SPDX-License-Identifier: GPL-2.0
/*
 * The one device source (user/devsrc.c): which backend is chosen, and what
 * each fills in the one host model. The kernel is the test's: gv_nl_*()
 * are wrapped (see the Makefile), over a fake sysfs tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devsrc.h"
#include "test.h"

static struct {
	int open_err;
	int dump_err;		/* the device dump fails (the module unloading) */
	unsigned int opens, closes, gets, dumps;
} k;

static struct gv_nl *fake_nl = (struct gv_nl *)&k;

int __wrap_gv_nl_open(struct gv_nl **nl)
{
	k.opens++;
	if (k.open_err)
		return k.open_err;
	*nl = fake_nl;
	return 0;
}

void __wrap_gv_nl_close(struct gv_nl *nl)
{
	if (nl == fake_nl)
		k.closes++;
}

bool __wrap_gv_nl_has_op(const struct gv_nl *nl, uint8_t cmd)
{
	(void)nl;
	(void)cmd;
	return true;
}

int __wrap_gv_nl_get_config(struct gv_nl *nl, struct gv_config *cfg)
{
	(void)nl;
	k.gets++;
	memset(cfg, 0, sizeof(*cfg));
	cfg->loaded = true;
	cfg->source = "netlink";
	snprintf(cfg->ids, sizeof(cfg->ids), "10de:aaaa");
	return 0;
}

/* The kernel says 0000:03:00.0 is in the middle of a bind. */
int __wrap_gv_nl_dump_devices(struct gv_nl *nl, struct gv_nl_dev **devs, size_t *n)
{
	(void)nl;
	k.dumps++;
	if (k.dump_err)
		return k.dump_err;
	*devs = calloc(1, sizeof(**devs));
	if (!*devs)
		return -ENOMEM;
	snprintf((*devs)[0].addr, sizeof((*devs)[0].addr), "0000:03:00.0");
	(*devs)[0].state = GPUVFIO_STATE_BINDING;
	(*devs)[0].managed = true;
	snprintf((*devs)[0].orig_driver, sizeof((*devs)[0].orig_driver), "nouveau");
	*n = 1;
	return 0;
}

int __wrap_gv_nl_dump_groups(struct gv_nl *nl, struct gv_nl_group **groups, size_t *n)
{
	(void)nl;
	*groups = NULL;
	*n = 0;
	return 0;
}

static void make_host(void)
{
	fake_init();
	fake_dev("0000:01:00.0", 0x10de, 0x1b80, 0x030000, "nvidia", 1);
	fake_dev("0000:03:00.0", 0x10de, 0x1b80, 0x030000, "vfio-pci", 3);
	fake_module("9.9-test", "10de:1b80", "0000:01:00.0");
	fake_managed("0000:03:00.0", "bochs-drm", "", "vfio");
}

static const struct gv_dev *dev(const struct gv_host *h, const char *name)
{
	struct gv_addr a;

	gv_parse_addr(name, strlen(name), &a);
	return gv_host_find(h, &a);
}

static void test_choose(void)
{
	struct gv_devsrc src;

	make_host();
	memset(&k, 0, sizeof(k));
	check(gv_devsrc_choose() == GV_DEVSRC_SYSFS,
	      "a moved sysfs root (a test tree) is read from sysfs, module or not");
	gv_devsrc_open(&src);
	check(src.kind == GV_DEVSRC_SYSFS && !src.nl && k.opens == 0,
	      "opening it touches no netlink socket");
	gv_devsrc_close(&src);
	check(!strcmp(gv_devsrc_name(GV_DEVSRC_NETLINK), "netlink") &&
	      !strcmp(gv_devsrc_name(GV_DEVSRC_SYSFS), "sysfs"), "the sources' names");
}

/* The configuration and the host through the netlink source, as a command
 * reads them; what it says on stderr into err. */
static void read_netlink(struct gv_config *cfg, struct gv_host *h, char *err, size_t size)
{
	struct gv_devsrc src;
	char out[256];

	capture_begin();
	gv_devsrc_open_kind(&src, GV_DEVSRC_NETLINK);
	gv_devsrc_config(&src, cfg);
	gv_devsrc_host(&src, h, 0);
	gv_devsrc_close(&src);
	capture_end(out, sizeof(out), err, size);
}

/* The same tree through each source: the model says where it came from. */
static void test_sources(void)
{
	struct gv_config cfg;
	struct gv_devsrc src;
	const struct gv_dev *d;
	struct gv_host h;
	char err[1024];

	make_host();
	memset(&k, 0, sizeof(k));
	gv_devsrc_open_kind(&src, GV_DEVSRC_SYSFS);
	gv_devsrc_config(&src, &cfg);
	check(gv_devsrc_host(&src, &h, 0) == 0, "sysfs: the host is read");
	gv_devsrc_close(&src);
	d = dev(&h, "0000:03:00.0");
	check(!strcmp(cfg.source, "sysfs") && !strcmp(cfg.ids, "10de:1b80") && k.gets == 0,
	      "sysfs: the configuration from /sys/kernel/gpuvfio");
	check(!h.kernel_view, "sysfs: the devices' view is sysfs's");
	check(d && !strcmp(d->state, "vfio") && !strcmp(d->orig_driver, "bochs-drm") &&
	      !d->kernel && k.dumps == 0, "sysfs: the record from sysfs (the control)");
	gv_host_free(&h);

	gv_devsrc_open_kind(&src, GV_DEVSRC_NETLINK);
	gv_devsrc_config(&src, &cfg);
	check(gv_devsrc_host(&src, &h, 0) == 0, "netlink: the host is read");
	gv_devsrc_close(&src);
	d = dev(&h, "0000:03:00.0");
	check(k.opens == 1 && k.closes == 1, "netlink: one socket, opened once and closed");
	check(!strcmp(cfg.source, "netlink") && !strcmp(cfg.ids, "10de:aaaa"),
	      "netlink: the configuration is the module's answer");
	check(d && !strcmp(d->state, "binding") && !strcmp(d->orig_driver, "nouveau") &&
	      d->kernel && h.kernel && h.kernel_view,
	      "netlink: the module's state lies over sysfs's");
	check(d && !strcmp(d->driver, "vfio-pci") && d->group == 3,
	      "netlink: topology and drivers still from sysfs");
	gv_host_free(&h);

	/* The configuration answered, the dumps did not (rmmod under way). */
	memset(&k, 0, sizeof(k));
	k.dump_err = -ENOENT;
	read_netlink(&cfg, &h, err, sizeof(err));
	d = dev(&h, "0000:03:00.0");
	check(!strcmp(cfg.source, "netlink") && !h.kernel_view && d && !strcmp(d->state, "vfio") &&
	      strstr(err, "could not read the module's devices over netlink"),
	      "dumps failing: the configuration is the module's, the devices' view sysfs's, and it says so");
	gv_host_free(&h);

	memset(&k, 0, sizeof(k));
	k.open_err = -ENOENT;
	read_netlink(&cfg, &h, err, sizeof(err));
	d = dev(&h, "0000:03:00.0");
	check_str(err, "gpuvfio: could not ask the module over netlink (no gpuvfio netlink family); reading its configuration from sysfs\n",
		  "netlink unreachable: said once, on stderr");
	check(!strcmp(cfg.source, "sysfs") && d && !strcmp(d->state, "vfio") &&
	      k.dumps == 0 && k.closes == 0, "netlink unreachable: sysfs's view stands");
	gv_host_free(&h);
}

static void test_claim_lists(void)
{
	char ids[GPUVFIO_LIST_MAX], exclude[GPUVFIO_LIST_MAX];
	struct gv_config cfg = { .loaded = true };
	const char *from;

	make_host();
	snprintf(cfg.ids, sizeof(cfg.ids), "10de:1b80");
	gv_devsrc_claim_lists(&cfg, ids, exclude, sizeof(ids), &from);
	check(!strcmp(ids, "10de:1b80") && !strcmp(from, "the loaded module"),
	      "claim lists: the loaded module's");
	cfg.loaded = false;
	fake_file("etc/modprobe.d/gpuvfio.conf", "options gpuvfio ids=10DE:1eb8 exclude=02:00.0\n");
	fake_file("proc/cmdline", "quiet\n");
	gv_devsrc_claim_lists(&cfg, ids, exclude, sizeof(ids), &from);
	check_str(ids, "10de:1eb8", "claim lists without the module: modprobe.d's, canonical");
	check_str(exclude, "0000:02:00.0", "... and its exclude");
	fake_file("proc/cmdline", "quiet gpuvfio.ids=1002:731f\n");
	gv_devsrc_claim_lists(&cfg, ids, exclude, sizeof(ids), &from);
	check_str(ids, "1002:731f", "the kernel command line wins, as modprobe passes it last");
}

int main(void)
{
	test_choose();
	test_sources();
	test_claim_lists();
	fake_cleanup();
	return test_done();
}
