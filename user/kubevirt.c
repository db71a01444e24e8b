// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio kubevirt: the permittedHostDevices.pciHostDevices entries of the
 * KubeVirt custom resource for the cards gpuvfio claims on this node, as
 * YAML under the resource's path (spec.configuration), or as JSON for a
 * merge patch. KubeVirt assigns only devices already on vfio-pci and leaves
 * the binding to the node: gpuvfio's claim at boot is that binding.
 *
 * resourceName: "<vendor domain>/<pci.ids device name>", the name with
 * each run of characters other than letters and digits made one '_', as
 * KubeVirt's documentation spells NVIDIA's ("nvidia.com/TU104GL_Tesla_T4");
 * the domain is the vendor's (nvidia.com, amd.com, intel.com) or
 * gpuvfio.io, unless -d names one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "gpuvfio.h"
#include "json.h"

/* Kubernetes: a DNS subdomain, "/", then a name of at most 63. */
#define DOMAIN_MAX	253
#define RNAME_MAX	63

struct kv_opts {
	const char *domain;	/* NULL: the vendor's */
	bool external;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s kubevirt [-j|--json] [-d|--domain DOMAIN] [-e|--external]\n"
		"Prints the permittedHostDevices.pciHostDevices entries of the KubeVirt\n"
		"custom resource for the cards gpuvfio claims on this node (those it\n"
		"manages, and those its ids list matches and exclude does not name), as\n"
		"YAML under spec.configuration; with --json, as a document for a merge\n"
		"patch (it replaces the list):\n"
		"  $ kubectl patch kubevirt kubevirt -n kubevirt --type merge -p \"$(%s kubevirt -j)\"\n"
		"One entry per card model: pciVendorSelector VENDOR:DEVICE, resourceName\n"
		"DOMAIN/NAME, NAME being the pci.ids device name with every run of other\n"
		"characters than letters and digits made one '_' (GP104_GeForce_GTX_1080),\n"
		"DOMAIN the vendor's (nvidia.com, amd.com, intel.com; else gpuvfio.io).\n"
		"KubeVirt offers only devices on vfio-pci: gpuvfio's claim at boot puts\n"
		"them there, and a card kept for the host (exclude) is never offered.\n"
		"  -d DOMAIN   the domain of every resourceName\n"
		"  -e          externalResourceProvider: true, for a device plugin other\n"
		"              than KubeVirt's (NVIDIA's sandbox device plugin)\n",
		gv_prog, gv_prog);
}

/* A DNS subdomain: labels of [a-z0-9-], not starting or ending in '-'. */
static bool dns_subdomain(const char *s)
{
	size_t len = strlen(s), label = 0, i;

	if (!len || len > DOMAIN_MAX || !strchr(s, '.'))
		return false;
	for (i = 0; i <= len; i++) {
		if (s[i] == '.' || !s[i]) {
			if (!label || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '-')
			return false;
		if (!label++ && s[i] == '-')
			return false;
	}
	return true;
}

static int parse_opts(int argc, char **argv, struct kv_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "domain", required_argument, NULL, 'd' },
		{ "external", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	memset(o, 0, sizeof(*o));
	optind = 0;
	while ((opt = getopt_long(argc, argv, "jd:eh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			gv_json = true;
			break;
		case 'd':
			if (!dns_subdomain(optarg)) {
				gv_err("'%s' is not a domain for a resource name: lowercase DNS labels with a dot (example.com)",
				       optarg);
				return GV_EXIT_USAGE;
			}
			o->domain = optarg;
			break;
		case 'e':
			o->external = true;
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
		gv_err("kubevirt takes no arguments: it prints the cards gpuvfio claims");
		usage(stderr);
		return GV_EXIT_USAGE;
	}
	return -1;
}

static const char *vendor_domain(unsigned int vendor)
{
	switch (vendor) {
	case 0x10de:
		return "nvidia.com";
	case 0x1002:
		return "amd.com";
	case 0x8086:
		return "intel.com";
	}
	return "gpuvfio.io";
}

static void resource_name(char *buf, size_t size, const struct gv_model *m,
			  const struct kv_opts *o)
{
	char name[RNAME_MAX + 1];

	gv_model_name(name, sizeof(name), m->devs[0], '_', 0);
	snprintf(buf, size, "%s/%s", o->domain ? o->domain : vendor_domain(m->vendor),
		 name);
}

static void print_yaml(FILE *f, const struct gv_model *m, size_t n,
		       const struct kv_opts *o, const char *from)
{
	char rname[DOMAIN_MAX + RNAME_MAX + 2];
	size_t i;

	fprintf(f,
		"# gpuvfio kubevirt: the cards gpuvfio claims on this node (lists from %s).\n"
		"# Merge into the KubeVirt custom resource (kubectl edit kubevirt -n kubevirt\n"
		"# kubevirt); KubeVirt releases that still gate host devices need the\n"
		"# HostDevices feature gate in spec.configuration.developerConfiguration.\n",
		from);
	for (i = 0; i < n; i++)
		if (m[i].nkept)
			fprintf(f, "# %04X:%04X: %s kept for the host (exclude) and never offered: it is not on vfio-pci.\n",
				m[i].vendor, m[i].device, m[i].kept[0]->name);
	fputs("spec:\n  configuration:\n    permittedHostDevices:\n      pciHostDevices:\n", f);
	for (i = 0; i < n; i++) {
		resource_name(rname, sizeof(rname), &m[i], o);
		fprintf(f, "        - pciVendorSelector: \"%04X:%04X\"\n"
			   "          resourceName: \"%s\"\n",
			m[i].vendor, m[i].device, rname);
		if (o->external)
			fputs("          externalResourceProvider: true\n", f);
	}
}

static int print_json(FILE *f, const struct gv_model *m, size_t n,
		      const struct kv_opts *o)
{
	char rname[DOMAIN_MAX + RNAME_MAX + 2], sel[16];
	struct json j;
	size_t i;

	json_begin(&j, f);
	json_object_open(&j);
	json_key(&j, "spec");
	json_object_open(&j);
	json_key(&j, "configuration");
	json_object_open(&j);
	json_key(&j, "permittedHostDevices");
	json_object_open(&j);
	json_key(&j, "pciHostDevices");
	json_array_open(&j);
	for (i = 0; i < n; i++) {
		resource_name(rname, sizeof(rname), &m[i], o);
		snprintf(sel, sizeof(sel), "%04X:%04X", m[i].vendor, m[i].device);
		json_object_open(&j);
		json_key(&j, "pciVendorSelector");
		json_string(&j, sel);
		json_key(&j, "resourceName");
		json_string(&j, rname);
		if (o->external) {
			json_key(&j, "externalResourceProvider");
			json_bool(&j, true);
		}
		json_object_close(&j);
	}
	json_array_close(&j);
	json_object_close(&j);
	json_object_close(&j);
	json_object_close(&j);
	json_object_close(&j);
	return json_end(&j) ? -EIO : 0;
}

int cmd_kubevirt(int argc, char **argv)
{
	char ids[GPUVFIO_LIST_MAX], exclude[GPUVFIO_LIST_MAX];
	struct gv_model *models;
	struct kv_opts o;
	struct gv_host h;
	const char *from;
	size_t n;
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	ret = gv_models_read(&h, ids, exclude, sizeof(ids), &from, &models, &n);
	if (!ret && !n) {
		gv_err("gpuvfio claims no card on this node (ids %s, from %s): claim them first, `%s ids set --persist VENDOR:DEVICE`",
		       *ids ? ids : "empty", from, gv_prog);
		ret = GV_EXIT_FAILED;
	} else if (!ret) {
		if (gv_json)
			ret = print_json(stdout, models, n, &o) ? GV_EXIT_FAILED : 0;
		else
			print_yaml(stdout, models, n, &o, from);
		if (fflush(stdout)) {
			gv_err("could not write the output: %s", strerror(errno));
			ret = GV_EXIT_FAILED;
		}
	}
	gv_models_free(models, n);
	gv_host_free(&h);
	return ret;
}
