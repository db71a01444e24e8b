// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio bind / unbind: move devices (and their IOMMU groups) to vfio-pci
 * and back. For now through /sys/kernel/gpuvfio/{bind,unbind}: the targets
 * are checked here with the module's own grammar, so that a typo is refused
 * before anything is touched, then written in one go; the module does the
 * switch as one transaction and answers with an errno.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "gpuvfio.h"
#include "groups.h"
#include "json.h"
#include "pci.h"
#include "sysfs.h"

static void usage(FILE *f, bool bind)
{
	if (bind)
		fprintf(f,
			"Usage: %s bind [-j|--json] TARGET...|--all\n"
			"Moves each target, with the other functions of its card, to vfio-pci.\n",
			gv_prog);
	else
		fprintf(f,
			"Usage: %s unbind [-j|--json] TARGET...|--all\n"
			"Gives each target, with the other functions of its card, back to the\n"
			"driver it had before gpuvfio moved it.\n",
			gv_prog);
	fputs("TARGET is a PCI address (0000:01:00.0 or 01:00.0) or a vendor:device ID\n"
	      "(10de:1bb3: every matching device); --all means every device matching\n"
	      "the module's ids=.\n",
	      f);
}

const char *gv_switch_strerror(int err, bool bind)
{
	switch (err) {
	case -EINVAL:
		return "the module refused the target list as malformed although this tool accepted it: "
		       "the module and the tool may be of different versions (dmesg has the module's reason)";
	case -ENODEV:
		return "no device matches a target: check the addresses and IDs with `gpuvfio status` or `lspci -Dnn`";
	case -EPERM:
		return "a target is in the module's exclude list, and gpuvfio never touches those: "
		       "take it out of /sys/kernel/gpuvfio/exclude first if it really should go to a VM";
	case -ENXIO:
		return "the IOMMU is off, so the device has no IOMMU group: enable VT-d (Intel) or AMD-Vi (AMD) "
		       "in the firmware setup and boot with intel_iommu=on or amd_iommu=on";
	case -EXDEV:
		return "another device on a host driver shares the IOMMU group (dmesg and `gpuvfio status` name it): "
		       "name it as a target too to move it along, or put the card in a slot with its own group";
	case -EOPNOTSUPP:
		return "a target is a PCI bridge or an SR-IOV physical function with VFs enabled: "
		       "name the GPU's own functions instead, or disable the VFs first";
	case -ENOPKG:
		return "vfio-pci is not available: install it, or check that it is not blacklisted "
		       "(`modprobe vfio-pci` says why it does not load)";
	case -EBUSY:
		return bind ? "a VFIO user (a running VM) owns the group: stop the VM or detach the device from it first"
			    : "a VFIO user (a running VM) still has the group open: shut the VM down or detach the device first";
	case -EIO:
		return "a step failed and every device was put back as it was: dmesg has the step and the reason";
	case -EACCES:
		return "permission denied: moving devices needs root";
	case -E2BIG:
		return "too many targets for one request: split them";
	}
	return NULL;
}

int gv_switch_parse(int argc, char **argv, bool all, struct gv_switch_req *r)
{
	struct gv_parse_err err;
	unsigned int got, i;
	size_t len = 0;
	char one[GV_ID_LEN + GV_ADDR_LEN];
	int ret, n;

	if (all) {
		if (argc > 0) {
			gv_err("--all already names every device in ids=: give no targets with it");
			return GV_EXIT_USAGE;
		}
		r->t[0].kind = GV_TARGET_ALL;
		r->nt = 1;
	}
	for (; argc > 0; argc--, argv++) {
		ret = gv_parse_target_list(*argv, r->t + r->nt,
					   GV_MAX_LIST - r->nt, &got, &err);
		if (ret == -E2BIG) {
			gv_err("too many targets: at most %d in one request", GV_MAX_LIST);
			return GV_EXIT_USAGE;
		}
		if (ret) {
			gv_err("'%.*s' is neither a PCI address (0000:01:00.0 or 01:00.0) nor a vendor:device ID (10de:1bb3): nothing was changed",
			       (int)err.len, err.tok);
			return GV_EXIT_USAGE;
		}
		r->nt += got;
	}
	for (i = 0; i < r->nt; i++)
		if (r->t[i].kind == GV_TARGET_ALL)
			r->all = true;
	if (r->all && r->nt > 1) {
		gv_err("'all' (--all) already names every device in ids=: give it alone");
		return GV_EXIT_USAGE;
	}
	if (!r->nt) {
		gv_err("name what to %s: one or more PCI addresses or vendor:device IDs, or --all",
		       r->bind ? "bind" : "unbind");
		return GV_EXIT_USAGE;
	}
	for (i = 0; i < r->nt; i++) {
		switch (r->t[i].kind) {
		case GV_TARGET_ADDR:
			gv_format_addr(one, sizeof(one), &r->t[i].addr);
			break;
		case GV_TARGET_ID:
			gv_format_id(one, sizeof(one), &r->t[i].id);
			break;
		case GV_TARGET_ALL:
			strcpy(one, "all");
			break;
		}
		n = snprintf(r->text + len, sizeof(r->text) - len, "%s%s",
			     i ? " " : "", one);
		if (n < 0 || (size_t)n >= sizeof(r->text) - len) {
			gv_err("the target list is too long for one request: split it");
			return GV_EXIT_USAGE;
		}
		len += (size_t)n;
	}
	return 0;
}

static bool matches_request(const struct gv_switch_req *r, const struct gv_dev *d)
{
	unsigned int i;

	for (i = 0; i < r->nt; i++)
		if (gv_dev_match(d, &r->t[i]))
			return true;
	return false;
}

static const struct gv_dev *before_of(const struct gv_host *before,
				      const struct gv_dev *d)
{
	return before ? gv_host_find(before, &d->addr) : NULL;
}

static bool dev_changed(const struct gv_host *before, const struct gv_dev *d)
{
	const struct gv_dev *b = before_of(before, d);

	return b && strcmp(b->driver, d->driver);
}

static bool dev_reported(const struct gv_switch_req *r, const struct gv_host *before,
			 const struct gv_dev *d)
{
	return matches_request(r, d) || dev_changed(before, d) ||
	       (r->all && d->managed);
}

static bool group_reported(const struct gv_switch_req *r, const struct gv_host *before,
			   const struct gv_host *after, const struct gv_group *g)
{
	size_t i;

	for (i = 0; i < g->nmembers; i++)
		if (dev_reported(r, before, &after->devs[g->members[i]]))
			return true;
	return false;
}

static const char *driver_or_none(const char *driver)
{
	return *driver ? driver : "none";
}

static void human_member(FILE *f, const struct gv_host *before,
			 const struct gv_dev *d)
{
	const struct gv_dev *b = before_of(before, d);

	fprintf(f, "  %s %s [%04x:%04x]: ", d->name,
		d->class_name ? d->class_name : "unknown class", d->vendor,
		d->device);
	if (!b)
		fprintf(f, "%s (new)", driver_or_none(d->driver));
	else if (strcmp(b->driver, d->driver))
		fprintf(f, "%s -> %s", driver_or_none(b->driver),
			driver_or_none(d->driver));
	else
		fprintf(f, "%s (unchanged)", driver_or_none(d->driver));
	if (d->managed && strcmp(d->state, "vfio"))
		fprintf(f, "; gpuvfio: %s", *d->state ? d->state : "unknown");
	fputc('\n', f);
}

static void json_member(struct json *j, const struct gv_host *before,
			const struct gv_dev *d)
{
	const struct gv_dev *b = before_of(before, d);
	char id[8];

	json_object_open(j);
	json_key(j, "address");
	json_string(j, d->name);
	snprintf(id, sizeof(id), "%04x", d->vendor & 0xffff);
	json_key(j, "vendor");
	json_string(j, id);
	snprintf(id, sizeof(id), "%04x", d->device & 0xffff);
	json_key(j, "device");
	json_string(j, id);
	snprintf(id, sizeof(id), "%04x", (d->class >> 8) & 0xffff);
	json_key(j, "class");
	json_string(j, id);
	json_key(j, "driver_before");
	json_string(j, b && *b->driver ? b->driver : NULL);
	json_key(j, "driver_after");
	json_string(j, *d->driver ? d->driver : NULL);
	json_key(j, "changed");
	json_bool(j, dev_changed(before, d));
	json_key(j, "managed");
	json_bool(j, d->managed);
	json_key(j, "state");
	json_string(j, d->managed && *d->state ? d->state : NULL);
	json_object_close(j);
}

int gv_switch_report(FILE *f, bool json, const struct gv_switch_req *r,
		     const struct gv_host *before, const struct gv_host *after)
{
	const struct gv_group *g;
	const struct gv_dev *d;
	bool changed = false;
	struct json j;
	size_t i, k, shown = 0;

	for (i = 0; i < after->ndevs; i++)
		changed |= dev_changed(before, &after->devs[i]);

	if (json) {
		json_begin(&j, f);
		json_object_open(&j);
		json_key(&j, "command");
		json_string(&j, r->bind ? "bind" : "unbind");
		json_key(&j, "request");
		json_string(&j, r->text);
		json_key(&j, "changed");
		json_bool(&j, changed);
		json_key(&j, "groups");
		json_array_open(&j);
	}
	for (i = 0; i < after->ngroups; i++) {
		g = &after->groups[i];
		if (!group_reported(r, before, after, g))
			continue;
		if (json) {
			json_object_open(&j);
			json_key(&j, "group");
			json_int(&j, g->id);
			json_key(&j, "devices");
			json_array_open(&j);
			for (k = 0; k < g->nmembers; k++)
				json_member(&j, before, &after->devs[g->members[k]]);
			json_array_close(&j);
			json_object_close(&j);
			continue;
		}
		fprintf(f, "%sIOMMU group %d:\n", shown++ ? "\n" : "", g->id);
		for (k = 0; k < g->nmembers; k++)
			human_member(f, before, &after->devs[g->members[k]]);
	}
	for (i = 0; i < after->ndevs; i++) {
		d = &after->devs[i];
		if (d->group >= 0 || !dev_reported(r, before, d))
			continue;
		if (json) {
			json_object_open(&j);
			json_key(&j, "group");
			json_null(&j);
			json_key(&j, "devices");
			json_array_open(&j);
			json_member(&j, before, d);
			json_array_close(&j);
			json_object_close(&j);
			continue;
		}
		fprintf(f, "%sNo IOMMU group:\n", shown++ ? "\n" : "");
		human_member(f, before, d);
	}
	if (json) {
		json_array_close(&j);
		json_object_close(&j);
		return json_end(&j) ? -EIO : 0;
	}
	if (!changed)
		fprintf(f, "%sNothing changed: %s.\n", shown ? "\n" : "",
			r->bind ? "the targets were already on vfio-pci"
				: "the targets were already off vfio-pci");
	return 0;
}

/* Best effort: which targets name no device at all. */
static void explain_enodev(const struct gv_switch_req *r, const struct gv_host *h)
{
	char name[GV_ID_LEN + GV_ADDR_LEN];
	unsigned int i;
	size_t k;

	for (i = 0; i < r->nt; i++) {
		if (r->t[i].kind == GV_TARGET_ALL)
			continue;
		for (k = 0; k < h->ndevs && !gv_dev_match(&h->devs[k], &r->t[i]); k++)
			;
		if (k < h->ndevs)
			continue;
		if (r->t[i].kind == GV_TARGET_ADDR)
			gv_format_addr(name, sizeof(name), &r->t[i].addr);
		else
			gv_format_id(name, sizeof(name), &r->t[i].id);
		gv_err("no PCI device is %s", name);
	}
}

/*
 * Best effort: the members the module will have called foreign: in a
 * target's group, on a host driver, neither targets nor in a target's slot.
 */
static void explain_exdev(const struct gv_switch_req *r,
			  const struct gv_host *h)
{
	const struct gv_group *g;
	const struct gv_dev *d, *e;
	bool has_target, companion;
	size_t i, k, m;

	for (i = 0; i < h->ngroups; i++) {
		g = &h->groups[i];
		has_target = false;
		for (k = 0; k < g->nmembers; k++)
			has_target |= matches_request(r, &h->devs[g->members[k]]);
		if (!has_target)
			continue;
		for (k = 0; k < g->nmembers; k++) {
			d = &h->devs[g->members[k]];
			if (matches_request(r, d) || gv_driver_leaves_dma(d->driver))
				continue;
			companion = false;
			for (m = 0; m < g->nmembers; m++) {
				e = &h->devs[g->members[m]];
				companion |= matches_request(r, e) &&
					     gv_same_slot(&e->addr, &d->addr);
			}
			if (companion)
				continue;
			if (d->class_name)
				gv_err("IOMMU group %d also holds %s (%s, %s [%04x])",
				       g->id, d->name, d->driver, d->class_name,
				       d->class >> 8);
			else
				gv_err("IOMMU group %d also holds %s (%s, class %04x)",
				       g->id, d->name, d->driver, d->class >> 8);
		}
	}
}

static int run(struct gv_switch_req *r)
{
	struct gv_host before, after;
	bool have_before;
	char path[PATH_MAX];
	const char *why;
	int ret;

	if (!gv_module_loaded()) {
		gv_err(GV_MODULE_MISSING);
		return GV_EXIT_NO_MODULE;
	}
	have_before = !gv_host_scan(&before);
	if (!have_before)
		gv_err("could not read the PCI devices before the change; what changed cannot be shown");

	ret = gv_sysfs_path(path, sizeof(path), "kernel/gpuvfio/%s",
			    r->bind ? "bind" : "unbind");
	if (!ret)
		ret = gv_sysfs_write(path, r->text, strlen(r->text));
	if (ret) {
		if (ret == -ENOENT) {
			gv_err(GV_MODULE_MISSING);
			ret = GV_EXIT_NO_MODULE;
			goto out;
		}
		why = gv_switch_strerror(ret, r->bind);
		if (why)
			gv_err("%s failed: %s", r->bind ? "bind" : "unbind", why);
		else
			gv_err("%s failed: writing '%s' to %s: %s (dmesg may say more)",
			       r->bind ? "bind" : "unbind", r->text, path,
			       strerror(-ret));
		if (have_before && ret == -ENODEV)
			explain_enodev(r, &before);
		if (have_before && ret == -EXDEV) {
			gv_pci_name_devices(&before);
			explain_exdev(r, &before);
		}
		ret = GV_EXIT_FAILED;
		goto out;
	}

	ret = gv_host_scan(&after);
	if (ret) {
		gv_err("%s done, but the PCI devices could not be read back: %s",
		       r->bind ? "bind" : "unbind", strerror(-ret));
		ret = GV_EXIT_OK;
		goto out;
	}
	gv_pci_name_devices(&after);
	ret = gv_switch_report(stdout, gv_json, r, have_before ? &before : NULL, &after) ?
		      GV_EXIT_FAILED : GV_EXIT_OK;
	if (fflush(stdout)) {
		gv_err("could not write the output: %s", strerror(errno));
		ret = GV_EXIT_FAILED;
	}
	gv_host_free(&after);
out:
	if (have_before)
		gv_host_free(&before);
	return ret;
}

static int cmd_switch(int argc, char **argv, bool bind)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct gv_switch_req *r;
	bool all = false;
	int opt, ret;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "ajh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'j':
			gv_json = true;
			break;
		case 'h':
			usage(stdout, bind);
			return GV_EXIT_OK;
		default:
			usage(stderr, bind);
			return GV_EXIT_USAGE;
		}
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		gv_err("out of memory");
		return GV_EXIT_FAILED;
	}
	r->bind = bind;
	ret = gv_switch_parse(argc - optind, argv + optind, all, r);
	if (!ret)
		ret = run(r);
	free(r);
	return ret;
}

int cmd_bind(int argc, char **argv)
{
	return cmd_switch(argc, argv, true);
}

int cmd_unbind(int argc, char **argv)
{
	return cmd_switch(argc, argv, false);
}
