// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio metrics: the devices and the module's counters in Prometheus's
 * text exposition format (0.0.4), for node_exporter's textfile collector
 * or any scraper. The metric names are stable like the JSON fields; they
 * are listed, with what each means, in docs/metrics.md.
 *
 * Devices come from the one device source (devsrc.h), so the series are
 * the same whether the module is loaded or not; the module's series
 * (counters, transactions) are there only when it is. --output writes the
 * text atomically: a temporary file in the same directory, fsync, rename,
 * so that a scrape never reads half a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devsrc.h"
#include "groups.h"
#include "holders.h"
#include "sysfs.h"

/* Holders of /dev/vfio/N looked at when the module cannot say. */
#define MAX_VFIO_HOLDERS	256

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s metrics [-o|--output FILE]\n"
		"Prints the devices' states and the module's counters in the Prometheus\n"
		"text format (metric names: gpuvfio(8), docs/metrics.md).\n\n"
		"  -o, --output FILE  write FILE atomically instead (mode 0644; a temporary\n"
		"                     file in the same directory, then renamed): for\n"
		"                     node_exporter's textfile collector, name it *.prom\n"
		"  -h, --help         this help\n",
		gv_prog);
}

/* A label value or HELP text: backslash, newline and (labels only) the
 * double quote escaped, as the format wants. */
static void put_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

/* HELP and TYPE, once per family, before its samples. */
static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, help, false);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void label(FILE *f, bool *first, const char *name, const char *value)
{
	fprintf(f, "%s%s=\"", *first ? "{" : ",", name);
	put_escaped(f, value, true);
	fputc('"', f);
	*first = false;
}

static void sample_u64(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* ---- The host and the module ------------------------------------------- */

/* Entries of a comma-separated list ("" has none). */
static unsigned int list_count(const char *list)
{
	unsigned int n = 0;
	bool in = false;

	for (; *list; list++) {
		if (*list == ',' || *list == ' ' || *list == '\n') {
			in = false;
		} else if (!in) {
			in = true;
			n++;
		}
	}
	return n;
}

static void gauge(FILE *f, const char *name, const char *help, uint64_t v)
{
	family(f, name, "gauge", help);
	sample_u64(f, name, v);
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	family(f, name, "counter", help);
	sample_u64(f, name, v);
}

static void put_stats(FILE *f, const struct gv_stats *st)
{
	gauge(f, "gpuvfio_transactions_running",
	      "Transactions the module is committing now, pending ones included.",
	      st->running);
	gauge(f, "gpuvfio_transactions_pending",
	      "Transactions past their deadline, waiting for a driver that a process holds.",
	      st->pending);
	counter(f, "gpuvfio_binds_total",
		"Bind requests that moved devices to vfio-pci.", st->binds);
	counter(f, "gpuvfio_unbinds_total",
		"Unbind requests that gave devices back to their drivers.", st->unbinds);
	counter(f, "gpuvfio_claims_total",
		"Claims: groups claimed at load or for a new ids list, and devices claimed as they appeared.",
		st->claims);
	counter(f, "gpuvfio_rollbacks_total",
		"Requests that failed after a change and were rolled back completely.",
		st->rollbacks);
	counter(f, "gpuvfio_rollbacks_incomplete_total",
		"Requests whose rollback left a device without its driver.",
		st->rollbacks_incomplete);
	counter(f, "gpuvfio_refusals_total",
		"Requests refused before any change, dry runs included.", st->refusals);
	counter(f, "gpuvfio_nothing_to_do_total",
		"Requests that were already satisfied.", st->nothing);
	counter(f, "gpuvfio_dry_runs_total",
		"Dry runs that gave their plan (the tool's bind and unbind send one first).",
		st->dry_runs);
	if (!st->have_last)
		return;
	family(f, "gpuvfio_last_request_duration_seconds", "gauge",
	       "How long the last request that ended took, from its arrival to its end (dry runs aside).");
	fprintf(f, "gpuvfio_last_request_duration_seconds %" PRIu64 ".%09" PRIu64 "\n",
		st->last_ns / 1000000000u, st->last_ns % 1000000000u);
}

static void put_host(FILE *f, const struct gv_config *cfg, const struct gv_host *h)
{
	bool first = true;

	gauge(f, "gpuvfio_module_loaded", "Whether the gpuvfio module is loaded.",
	      cfg->loaded);
	gauge(f, "gpuvfio_iommu_enabled",
	      "Whether the system has IOMMU groups (without them no device can be passed through).",
	      h->iommu);
	if (!cfg->loaded)
		return;
	family(f, "gpuvfio_module_info", "gauge", "The loaded module's version, as a label.");
	fputs("gpuvfio_module_info", f);
	label(f, &first, "version", cfg->version);
	fputs("} 1\n", f);
	gauge(f, "gpuvfio_ids_entries", "Entries in the module's ids list.",
	      list_count(cfg->ids));
	gauge(f, "gpuvfio_exclude_entries", "Entries in the module's exclude list.",
	      list_count(cfg->exclude));
	if (cfg->have_managed)
		gauge(f, "gpuvfio_managed_devices", "Devices gpuvfio manages.",
		      cfg->managed);
	if (cfg->stats.have)
		put_stats(f, &cfg->stats);
}

/* ---- Devices and groups ----------------------------------------------- */

/* Per group: shown, and whether a VFIO user owns it (-1: unknown). */
struct group_view {
	bool shown;
	int vfio_user;
};

static void put_devices(FILE *f, const struct gv_host *h)
{
	char vendor[8], device[8], class[8], group[16];
	const struct gv_dev *d;
	bool first;
	size_t i;

	family(f, "gpuvfio_device_info", "gauge",
	       "A GPU, GPU audio or managed device: its IDs, class, driver, gpuvfio state and IOMMU group, as labels.");
	for (i = 0; i < h->ndevs; i++) {
		d = &h->devs[i];
		if (!gv_dev_is_interesting(h, d))
			continue;
		snprintf(vendor, sizeof(vendor), "%04x", d->vendor & 0xffff);
		snprintf(device, sizeof(device), "%04x", d->device & 0xffff);
		snprintf(class, sizeof(class), "%04x", (d->class >> 8) & 0xffff);
		if (d->group >= 0)
			snprintf(group, sizeof(group), "%d", d->group);
		else
			group[0] = '\0';
		first = true;
		fputs("gpuvfio_device_info", f);
		label(f, &first, "address", d->name);
		label(f, &first, "vendor", vendor);
		label(f, &first, "device", device);
		label(f, &first, "class", class);
		label(f, &first, "driver", d->driver);
		label(f, &first, "state", d->state);
		label(f, &first, "group", group);
		fputs("} 1\n", f);
	}
	family(f, "gpuvfio_device_managed", "gauge",
	       "Whether gpuvfio manages the device (moved it, or claimed it).");
	for (i = 0; i < h->ndevs; i++) {
		d = &h->devs[i];
		if (!gv_dev_is_interesting(h, d))
			continue;
		first = true;
		fputs("gpuvfio_device_managed", f);
		label(f, &first, "address", d->name);
		fprintf(f, "} %d\n", d->managed);
	}
}

static const struct gv_dev *vfio_member(const struct gv_host *h,
					 const struct gv_group *g)
{
	size_t i;

	for (i = 0; i < g->nmembers; i++)
		if (!strcmp(h->devs[g->members[i]].driver, "vfio-pci"))
			return &h->devs[g->members[i]];
	return NULL;
}

/*
 * Groups the module did not report. Only a group with a member on
 * vfio-pci can have a VFIO user; one has when a process holds /dev/vfio/N
 * open (QEMU does, for as long as the VM runs). One scan of /proc for all
 * of them; processes that cannot be looked at (not root) are not seen.
 * When /proc cannot be read, those groups stay unknown (-1).
 */
static void vfio_holders(const struct gv_host *h, struct group_view *gv)
{
	struct gv_holder_dev *devs;
	struct gv_holder *out;
	const struct gv_dev *d;
	size_t i, k, n = 0;
	int found = 0;

	devs = calloc(h->ngroups ? h->ngroups : 1, sizeof(*devs));
	out = calloc(MAX_VFIO_HOLDERS, sizeof(*out));
	if (!devs || !out)
		goto out;
	for (i = 0; i < h->ngroups; i++) {
		if (!gv[i].shown || h->groups[i].kernel)
			continue;
		d = vfio_member(h, &h->groups[i]);
		if (!d) {
			gv[i].vfio_user = 0;
			continue;
		}
		devs[n].addr = d->name;
		devs[n].vendor = d->vendor;
		devs[n].driver = d->driver;
		devs[n].group = h->groups[i].id;
		n++;
	}
	found = n ? gv_holders_scan(devs, n, out, MAX_VFIO_HOLDERS) : 0;
	if (found < 0)
		goto out;
	for (i = 0; i < h->ngroups; i++)
		if (gv[i].shown && !h->groups[i].kernel && gv[i].vfio_user < 0)
			gv[i].vfio_user = 0;
	for (k = 0; k < (size_t)found && k < MAX_VFIO_HOLDERS; k++) {
		const char *num = out[k].node + strlen("/dev/vfio/");
		char *end;
		long id;

		if (strncmp(out[k].node, "/dev/vfio/", strlen("/dev/vfio/")))
			continue;
		id = strtol(num, &end, 10);
		if (end == num || *end)
			continue;
		for (i = 0; i < h->ngroups; i++)
			if (h->groups[i].id == id)
				gv[i].vfio_user = 1;
	}
out:
	free(devs);
	free(out);
}

static void group_family(FILE *f, const struct gv_host *h,
			 const struct group_view *gv, const char *name,
			 const char *help, int (*value)(const struct gv_host *h,
							const struct gv_group *g,
							const struct group_view *v))
{
	char id[16];
	bool first, header = false;
	size_t i;
	int v;

	for (i = 0; i < h->ngroups; i++) {
		if (!gv[i].shown)
			continue;
		v = value(h, &h->groups[i], &gv[i]);
		if (v < 0)
			continue;
		if (!header)
			family(f, name, "gauge", help);
		header = true;
		snprintf(id, sizeof(id), "%d", h->groups[i].id);
		first = true;
		fputs(name, f);
		label(f, &first, "group", id);
		fprintf(f, "} %d\n", v);
	}
}

static int value_viable(const struct gv_host *h, const struct gv_group *g,
			const struct group_view *v)
{
	(void)v;
	return gv_group_viable(h, g);
}

static int value_vfio_user(const struct gv_host *h, const struct gv_group *g,
			   const struct group_view *v)
{
	(void)h;
	return g->kernel ? g->vfio_user : v->vfio_user;
}

static int value_busy(const struct gv_host *h, const struct gv_group *g,
		      const struct group_view *v)
{
	(void)h;
	(void)v;
	return g->kernel ? g->busy : -1;
}

static int put_groups(FILE *f, const struct gv_host *h)
{
	struct group_view *gv;
	const struct gv_group *g;
	size_t i, k;

	gv = calloc(h->ngroups ? h->ngroups : 1, sizeof(*gv));
	if (!gv)
		return -ENOMEM;
	for (i = 0; i < h->ngroups; i++) {
		g = &h->groups[i];
		gv[i].vfio_user = -1;
		for (k = 0; k < g->nmembers; k++)
			if (gv_dev_is_interesting(h, &h->devs[g->members[k]]))
				gv[i].shown = true;
	}
	vfio_holders(h, gv);
	group_family(f, h, gv, "gpuvfio_group_viable",
		     "Whether every member of the IOMMU group is unbound or on a driver that leaves DMA to its owner (vfio-pci, pci-stub, pcieport).",
		     value_viable);
	group_family(f, h, gv, "gpuvfio_group_vfio_user",
		     "Whether a VFIO user (a VM) owns the IOMMU group.",
		     value_vfio_user);
	group_family(f, h, gv, "gpuvfio_group_busy",
		     "Whether a bind or unbind is moving the IOMMU group now (maybe pending).",
		     value_busy);
	free(gv);
	return 0;
}

/* ---- Output ----------------------------------------------------------- */

/* The whole text into a new buffer; 0 or -errno. */
static int render(char **buf, size_t *len)
{
	struct gv_devsrc src;
	struct gv_config cfg;
	struct gv_host h = { 0 };
	FILE *f;
	int ret;

	gv_devsrc_open(&src);
	gv_devsrc_config(&src, &cfg);
	ret = gv_devsrc_host(&src, &h, 0);
	gv_devsrc_close(&src);
	if (ret) {
		gv_err("could not read the PCI devices in %s/bus/pci/devices: %s",
		       gv_sysfs_root(), strerror(-ret));
		return ret;
	}
	*buf = NULL;
	f = open_memstream(buf, len);
	if (!f) {
		ret = -errno;
		goto out;
	}
	put_host(f, &cfg, &h);
	put_devices(f, &h);
	ret = put_groups(f, &h);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
out:
	gv_host_free(&h);
	return ret;
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *output = NULL, *what;
	size_t len;
	char *buf;
	int opt, ret;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "o:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			output = optarg;
			break;
		case 'j':
			gv_json = true;
			break;
		case 'h':
			usage(stdout);
			return GV_EXIT_OK;
		default:
			usage(stderr);
			return GV_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		gv_err("metrics takes no arguments ('%s')", argv[optind]);
		usage(stderr);
		return GV_EXIT_USAGE;
	}
	if (gv_json) {
		gv_err("metrics prints the Prometheus text format: -j/--json does not apply");
		return GV_EXIT_USAGE;
	}
	if (output && !output[0]) {
		gv_err("--output needs a file name");
		return GV_EXIT_USAGE;
	}
	if (render(&buf, &len))
		return GV_EXIT_FAILED;
	if (output) {
		ret = gv_write_atomic(output, buf, len, &what);
		if (ret)
			gv_err("could not %s %s: %s; nothing written", what,
			       output, strerror(-ret));
	} else {
		ret = fwrite(buf, 1, len, stdout) == len && !fflush(stdout) ? 0 : -EIO;
		if (ret)
			gv_err("could not write the metrics to standard output");
	}
	free(buf);
	return ret ? GV_EXIT_FAILED : GV_EXIT_OK;
}
