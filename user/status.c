// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio status: every IOMMU group with a GPU in it, its members and their
 * drivers, gpuvfio's record of the devices it manages, and whether the group
 * is viable for VFIO. Works without the module: sysfs shows the rest.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devsrc.h"
#include "gpuvfio.h"
#include "groups.h"
#include "json.h"
#include "status.h"
#include "sysfs.h"

#define MAX_BLOCKERS	64

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s status [-j|--json] [TARGET...]\n"
		"Shows every IOMMU group that holds a GPU, a GPU's audio function or a\n"
		"device gpuvfio manages; with TARGETs (PCI addresses or vendor:device\n"
		"IDs), the groups of the devices they name.\n",
		gv_prog);
}

static bool dev_selected(const struct gv_host *h, const struct gv_dev *d,
			 const struct gv_target *t, unsigned int nt)
{
	unsigned int i;

	if (!nt)
		return gv_dev_is_interesting(h, d);
	for (i = 0; i < nt; i++)
		if (gv_dev_match(d, &t[i]))
			return true;
	return false;
}

static bool group_selected(const struct gv_host *h, const struct gv_group *g,
			   const struct gv_target *t, unsigned int nt)
{
	size_t i;

	for (i = 0; i < g->nmembers; i++)
		if (dev_selected(h, &h->devs[g->members[i]], t, nt))
			return true;
	return false;
}

static const char *state_meaning(const char *state)
{
	if (!strcmp(state, "vfio"))
		return "on vfio-pci";
	if (!strcmp(state, "claimed"))
		return "held for vfio-pci, which has not bound it yet";
	if (!strcmp(state, "host"))
		return "on a host driver";
	if (!strcmp(state, "unbound"))
		return "no driver";
	if (!strcmp(state, "busy"))
		return "a driver is being bound or released";
	if (!strcmp(state, "binding"))
		return "a bind is moving it; it completes when its driver lets go: see `gpuvfio monitor`";
	if (!strcmp(state, "unbinding"))
		return "an unbind is moving it; it completes when vfio-pci lets go: see `gpuvfio monitor`";
	return NULL;
}

/* Worth a word even on a device gpuvfio does not manage. */
static bool state_in_transition(const char *state)
{
	return !strcmp(state, "busy") || !strcmp(state, "binding") ||
	       !strcmp(state, "unbinding") || !strcmp(state, "claimed");
}

void gv_print_device_line(FILE *f, const struct gv_dev *d)
{
	unsigned int cls = d->class >> 8;

	fprintf(f, "%s ", d->name);
	if (d->class_name)
		fprintf(f, "%s [%04x]: ", d->class_name, cls);
	else
		fprintf(f, "unknown class [%04x]: ", cls);
	if (d->vendor_name)
		fprintf(f, "%s ", d->vendor_name);
	fprintf(f, "%s [%04x:%04x]\n",
		d->device_name ? d->device_name : "unknown device",
		d->vendor, d->device);
}

static void human_device(FILE *f, const struct gv_dev *d)
{
	const char *meaning;

	fputs("  ", f);
	gv_print_device_line(f, d);
	fprintf(f, "      driver: %s", *d->driver ? d->driver : "none");
	if (d->managed || state_in_transition(d->state)) {
		meaning = state_meaning(d->state);
		fprintf(f, "; gpuvfio: %s", *d->state ? d->state : "unknown");
		if (meaning)
			fprintf(f, " (%s)", meaning);
	}
	if (d->managed) {
		fprintf(f, ", original driver %s",
			*d->orig_driver ? d->orig_driver : "none");
		if (*d->orig_override)
			fprintf(f, ", original override %s", d->orig_override);
	}
	fputc('\n', f);
}

static void human_group(FILE *f, const struct gv_host *h,
			const struct gv_group *g)
{
	const struct gv_dev *blk[MAX_BLOCKERS];
	size_t n, i;

	n = gv_group_blockers(h, g, blk, MAX_BLOCKERS);
	fprintf(f, "IOMMU group %d: ", g->id);
	if (!n) {
		fputs("viable\n", f);
	} else {
		fputs("not viable, host drivers hold DMA: ", f);
		for (i = 0; i < n && i < MAX_BLOCKERS; i++)
			fprintf(f, "%s%s %s", i ? ", " : "", blk[i]->name,
				blk[i]->driver);
		if (n > MAX_BLOCKERS)
			fputs(", ...", f);
		fputc('\n', f);
	}
	if (g->kernel && g->vfio_user)
		fputs("  owned by a VFIO user (a VM): unbind is refused until it lets go\n", f);
	if (g->kernel && g->busy)
		fputs("  a bind or unbind is moving this group (see `gpuvfio monitor`)\n", f);
	for (i = 0; i < g->nmembers; i++)
		human_device(f, &h->devs[g->members[i]]);
}

static void human_config(FILE *f, const struct gv_config *cfg)
{
	fprintf(f, "module:  gpuvfio %s", *cfg->version ? cfg->version : "(version unknown)");
	if (cfg->have_managed)
		fprintf(f, ", managing %u device%s", cfg->managed,
			cfg->managed == 1 ? "" : "s");
	fprintf(f, "\nids:     %s\nexclude: %s\n\n",
		*cfg->ids ? cfg->ids : "(none)",
		*cfg->exclude ? cfg->exclude : "(none)");
}

static void print_human(FILE *f, const struct gv_config *cfg,
			const struct gv_host *h, const struct gv_target *t,
			unsigned int nt)
{
	size_t i, shown = 0, loose = 0;
	const struct gv_dev *d;

	if (cfg->loaded)
		human_config(f, cfg);
	if (!h->iommu)
		fputs("No IOMMU groups: the IOMMU is off, so no device can be passed to a VM.\n"
		      "Enable VT-d (Intel) or AMD-Vi (AMD) in the firmware setup and boot with\n"
		      "intel_iommu=on (Intel) or amd_iommu=on (AMD) on the kernel command line.\n\n",
		      f);
	for (i = 0; i < h->ngroups; i++) {
		if (!group_selected(h, &h->groups[i], t, nt))
			continue;
		if (shown++)
			fputc('\n', f);
		human_group(f, h, &h->groups[i]);
	}
	for (i = 0; i < h->ndevs; i++) {
		d = &h->devs[i];
		if (d->group >= 0 || !dev_selected(h, d, t, nt))
			continue;
		if (!loose++)
			fprintf(f, "%s%s:\n", shown ? "\n" : "",
				h->iommu || nt ? "No IOMMU group" :
						 "GPUs (no IOMMU group)");
		human_device(f, d);
	}
	if (shown || loose || nt)
		return;
	if (h->iommu)
		fputs("No IOMMU group holds a GPU, a GPU's audio function or a device gpuvfio manages.\n",
		      f);
	else
		fputs("No GPU found: no PCI display controller (class 03xx).\n", f);
}

static void json_hex4(struct json *j, const char *key, unsigned int v)
{
	char buf[16];

	json_key(j, key);
	if (v == GV_ANY_ID) {
		json_null(j);
		return;
	}
	snprintf(buf, sizeof(buf), "%04x", v);
	json_string(j, buf);
}

static void json_opt_string(struct json *j, const char *key, const char *s,
			    bool present)
{
	json_key(j, key);
	json_string(j, present && *s ? s : NULL);
}

static void json_device(struct json *j, const struct gv_dev *d)
{
	json_object_open(j);
	json_key(j, "address");
	json_string(j, d->name);
	json_hex4(j, "vendor", d->vendor);
	json_hex4(j, "device", d->device);
	json_hex4(j, "subsystem_vendor", d->subvendor);
	json_hex4(j, "subsystem_device", d->subdevice);
	json_hex4(j, "class", d->class >> 8);
	json_key(j, "class_name");
	json_string(j, d->class_name);
	json_key(j, "vendor_name");
	json_string(j, d->vendor_name);
	json_key(j, "device_name");
	json_string(j, d->device_name);
	json_opt_string(j, "driver", d->driver, true);
	json_key(j, "managed");
	json_bool(j, d->managed);
	json_opt_string(j, "original_driver", d->orig_driver, d->managed);
	json_opt_string(j, "original_override", d->orig_override, d->managed);
	json_opt_string(j, "state", d->state, d->managed || d->kernel);
	json_object_close(j);
}

static void json_group(struct json *j, const struct gv_host *h,
		       const struct gv_group *g)
{
	const struct gv_dev *blk[MAX_BLOCKERS];
	size_t n, i;

	n = gv_group_blockers(h, g, blk, MAX_BLOCKERS);
	json_object_open(j);
	json_key(j, "group");
	json_int(j, g->id);
	json_key(j, "viable");
	json_bool(j, n == 0);
	json_key(j, "blocking");
	json_array_open(j);
	for (i = 0; i < n && i < MAX_BLOCKERS; i++)
		json_string(j, blk[i]->name);
	json_array_close(j);
	json_key(j, "vfio_user");
	if (g->kernel)
		json_bool(j, g->vfio_user);
	else
		json_null(j);
	json_key(j, "busy");
	if (g->kernel)
		json_bool(j, g->busy);
	else
		json_null(j);
	json_key(j, "devices");
	json_array_open(j);
	for (i = 0; i < g->nmembers; i++)
		json_device(j, &h->devs[g->members[i]]);
	json_array_close(j);
	json_object_close(j);
}

/* A device without a group stands alone, with "group": null. */
static void json_loose(struct json *j, const struct gv_dev *d)
{
	json_object_open(j);
	json_key(j, "group");
	json_null(j);
	json_key(j, "viable");
	json_bool(j, false);
	json_key(j, "blocking");
	json_array_open(j);
	json_array_close(j);
	json_key(j, "vfio_user");
	json_null(j);
	json_key(j, "busy");
	json_null(j);
	json_key(j, "devices");
	json_array_open(j);
	json_device(j, d);
	json_array_close(j);
	json_object_close(j);
}

static void json_config(struct json *j, const struct gv_config *cfg)
{
	json_key(j, "module");
	json_object_open(j);
	json_key(j, "loaded");
	json_bool(j, cfg->loaded);
	if (cfg->loaded) {
		json_opt_string(j, "version", cfg->version, true);
		json_key(j, "ids");
		json_string(j, cfg->ids);
		json_key(j, "exclude");
		json_string(j, cfg->exclude);
		json_key(j, "managed");
		if (cfg->have_managed)
			json_uint(j, cfg->managed);
		else
			json_null(j);
		json_key(j, "source");
		json_string(j, cfg->source);
	}
	json_object_close(j);
}

static int print_json(FILE *f, const struct gv_config *cfg,
		      const struct gv_host *h, const struct gv_target *t,
		      unsigned int nt)
{
	struct json j;
	size_t i;

	json_begin(&j, f);
	json_object_open(&j);
	json_config(&j, cfg);
	json_key(&j, "iommu");
	json_bool(&j, h->iommu);
	json_key(&j, "devices_source");
	json_string(&j, h->kernel_view ? "netlink" : "sysfs");
	json_key(&j, "groups");
	json_array_open(&j);
	for (i = 0; i < h->ngroups; i++)
		if (group_selected(h, &h->groups[i], t, nt))
			json_group(&j, h, &h->groups[i]);
	for (i = 0; i < h->ndevs; i++)
		if (h->devs[i].group < 0 && dev_selected(h, &h->devs[i], t, nt))
			json_loose(&j, &h->devs[i]);
	json_array_close(&j);
	json_object_close(&j);
	return json_end(&j) ? -EIO : 0;
}

int gv_status_print(FILE *f, bool json, const struct gv_config *cfg,
		    const struct gv_host *h, const struct gv_target *t,
		    unsigned int nt)
{
	if (json)
		return print_json(f, cfg, h, t, nt);
	print_human(f, cfg, h, t, nt);
	return 0;
}

int gv_parse_targets(int argc, char **argv, struct gv_target *t,
		     unsigned int *n, const char *all_msg,
		     void (*usage)(FILE *f))
{
	struct gv_parse_err err;
	unsigned int got, i;
	int ret;

	*n = 0;
	for (; argc > 0; argc--, argv++) {
		ret = gv_parse_target_list(*argv, t + *n, GV_MAX_LIST - *n, &got, &err);
		if (ret == -E2BIG) {
			gv_err("too many targets: at most %u at a time", GV_MAX_LIST);
			return GV_EXIT_USAGE;
		}
		if (ret) {
			gv_err("'%.*s' is neither a PCI address (0000:01:00.0 or 01:00.0) nor a vendor:device ID (10de:1bb3)",
			       (int)err.len, err.tok);
			if (usage)
				usage(stderr);
			return GV_EXIT_USAGE;
		}
		for (i = 0; i < got; i++) {
			if (t[*n + i].kind == GV_TARGET_ALL) {
				gv_err("%s", all_msg);
				return GV_EXIT_USAGE;
			}
		}
		*n += got;
	}
	return 0;
}

void gv_target_name(const struct gv_target *t, char *buf, size_t size)
{
	if (t->kind == GV_TARGET_ADDR)
		gv_format_addr(buf, size, &t->addr);
	else
		gv_format_id(buf, size, &t->id);
}

int cmd_status(int argc, char **argv)
{
	struct gv_target targets[GV_MAX_LIST];
	struct gv_devsrc src;
	struct gv_config *cfg;
	struct gv_host h;
	unsigned int nt, i;
	size_t k;
	char name[GV_ID_LEN + GV_ADDR_LEN];
	int ret;

	ret = gv_common_opts(argc, argv, usage);
	if (ret >= 0)
		return ret;
	ret = gv_parse_targets(argc - optind, argv + optind, targets, &nt,
			       "status takes addresses and IDs; without any it shows every group with a GPU",
			       NULL);
	if (ret)
		return ret;

	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		gv_err("out of memory");
		return GV_EXIT_FAILED;
	}
	gv_devsrc_open(&src);
	gv_devsrc_config(&src, cfg);
	if (!cfg->loaded && !gv_json)
		gv_err("the gpuvfio module is not loaded (modprobe gpuvfio); showing what sysfs shows");

	ret = gv_devsrc_host(&src, &h, GV_DEVSRC_NAMES);
	gv_devsrc_close(&src);
	if (ret) {
		gv_err("could not read the PCI devices in %s: %s",
		       gv_sysfs_root(), strerror(-ret));
		free(cfg);
		return GV_EXIT_FAILED;
	}
	for (i = 0; i < nt; i++) {
		for (k = 0; k < h.ndevs && !gv_dev_match(&h.devs[k], &targets[i]); k++)
			;
		if (k == h.ndevs) {
			gv_target_name(&targets[i], name, sizeof(name));
			gv_err("no PCI device matches %s: `lspci -Dnn` lists this host's devices",
			       name);
			ret = GV_EXIT_FAILED;
		}
	}
	if (!ret) {
		if (gv_status_print(stdout, gv_json, cfg, &h, targets, nt))
			ret = GV_EXIT_FAILED;
		if (fflush(stdout)) {
			gv_err("could not write the output: %s", strerror(errno));
			ret = GV_EXIT_FAILED;
		}
	}
	gv_host_free(&h);
	free(cfg);
	return ret;
}
