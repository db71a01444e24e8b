// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio nova: the [pci] device_spec and alias lines of nova.conf for the
 * cards gpuvfio claims on this host (those it manages, and those its ids
 * list matches and exclude does not name). One alias per card model; the
 * spec names the cards by vendor and product ID, or by address when the
 * host keeps an identical card for itself, which an ID would offer too.
 * Every line is checked by nova's own parser in tests/unit/nova_test.py.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "gpuvfio.h"
#include "json.h"

#define MAX_TRAITS	16
#define NAME_MAX_LEN	128

struct nova_opts {
	const char *resource_class;	/* NULL: none */
	const char *traits[MAX_TRAITS];
	unsigned int ntraits;
	const char *numa_policy;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s nova [-j|--json] [-r|--resource-class CLASS] [-t|--trait TRAIT]...\n"
		"              [-p|--numa-policy POLICY]\n"
		"Prints the [pci] device_spec and alias lines of nova.conf for the cards\n"
		"gpuvfio claims on this host: those it manages, and those its ids list\n"
		"matches and exclude does not name (the loaded module's lists, or else\n"
		"those of modprobe.d and the kernel command line). One alias per card\n"
		"model (device_type type-PCI); the spec names cards by vendor and product\n"
		"ID, or by address when the host keeps an identical card (exclude).\n"
		"Each spec says \"managed\": \"no\" (nova 2025.1 and later): libvirt then\n"
		"leaves the card to gpuvfio. Older releases keep it as a tag and ignore\n"
		"it: claim the cards at boot there, once for all:\n"
		"  $ %s ids set --persist 10de:1b80\n"
		"  -r CLASS    a Placement resource class for the spec (CUSTOM_GPU)\n"
		"  -t TRAIT    a Placement trait for the spec; repeat it, or give a\n"
		"              comma-separated list\n"
		"  -p POLICY   the aliases' numa_policy: preferred (the default),\n"
		"              required, legacy or socket\n",
		gv_prog, gv_prog);
}

/* A Placement name: letters, digits and '_', at most 255. */
static bool placement_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len > 255)
		return false;
	for (i = 0; i < len; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '_')
			return false;
	return true;
}

static int add_traits(struct nova_opts *o, char *list)
{
	char *save, *tok;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!placement_name(tok, strlen(tok))) {
			gv_err("'%s' is not a Placement trait: capitals, digits and '_' (CUSTOM_GPU_GAMING)",
			       tok);
			return GV_EXIT_USAGE;
		}
		if (o->ntraits == MAX_TRAITS) {
			gv_err("too many traits: at most %d", MAX_TRAITS);
			return GV_EXIT_USAGE;
		}
		o->traits[o->ntraits++] = tok;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct nova_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "resource-class", required_argument, NULL, 'r' },
		{ "trait", required_argument, NULL, 't' },
		{ "numa-policy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const char *const policies[] = { "preferred", "required", "legacy", "socket" };
	size_t i;
	int opt, ret;

	memset(o, 0, sizeof(*o));
	o->numa_policy = "preferred";
	optind = 0;
	while ((opt = getopt_long(argc, argv, "jr:t:p:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			gv_json = true;
			break;
		case 'r':
			if (!placement_name(optarg, strlen(optarg))) {
				gv_err("'%s' is not a Placement resource class: capitals, digits and '_' (CUSTOM_GPU)",
				       optarg);
				return GV_EXIT_USAGE;
			}
			o->resource_class = optarg;
			break;
		case 't':
			ret = add_traits(o, optarg);
			if (ret)
				return ret;
			break;
		case 'p':
			for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
				if (!strcmp(optarg, policies[i]))
					break;
			if (i == sizeof(policies) / sizeof(policies[0])) {
				gv_err("'%s' is not a numa_policy: preferred, required, legacy or socket",
				       optarg);
				return GV_EXIT_USAGE;
			}
			o->numa_policy = policies[i];
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
		gv_err("nova takes no arguments: it prints the cards gpuvfio claims");
		usage(stderr);
		return GV_EXIT_USAGE;
	}
	return -1;
}

static void hex4(char *buf, unsigned int v)
{
	snprintf(buf, 5, "%04x", v & 0xffff);
}

/* One device_spec: by ID when d is NULL, else by d's address. */
static void json_spec(struct json *j, const struct gv_model *m,
		      const struct gv_dev *d, const struct nova_opts *o)
{
	char id[8], traits[MAX_TRAITS * 256];
	size_t len = 0;
	unsigned int i;

	json_object_open(j);
	hex4(id, m->vendor);
	json_key(j, "vendor_id");
	json_string(j, id);
	hex4(id, m->device);
	json_key(j, "product_id");
	json_string(j, id);
	if (d) {
		json_key(j, "address");
		json_string(j, d->name);
	}
	json_key(j, "managed");
	json_string(j, "no");
	if (o->resource_class) {
		json_key(j, "resource_class");
		json_string(j, o->resource_class);
	}
	if (o->ntraits) {
		traits[0] = '\0';
		for (i = 0; i < o->ntraits; i++)
			len += (size_t)snprintf(traits + len, sizeof(traits) - len, "%s%s",
						i ? "," : "", o->traits[i]);
		json_key(j, "traits");
		json_string(j, traits);
	}
	json_object_close(j);
}

static void json_alias(struct json *j, const struct gv_model *m, const char *name,
		       const struct nova_opts *o)
{
	char id[8];

	json_object_open(j);
	json_key(j, "name");
	json_string(j, name);
	hex4(id, m->vendor);
	json_key(j, "vendor_id");
	json_string(j, id);
	hex4(id, m->device);
	json_key(j, "product_id");
	json_string(j, id);
	json_key(j, "device_type");
	json_string(j, "type-PCI");
	json_key(j, "numa_policy");
	json_string(j, o->numa_policy);
	json_object_close(j);
}

/*
 * The alias names, one per model; a name pci.ids gives two models
 * (rebrands) gets the product ID after it.
 */
static void alias_names(const struct gv_model *m, size_t n, char (*names)[NAME_MAX_LEN])
{
	size_t i, k;

	for (i = 0; i < n; i++)
		gv_model_name(names[i], NAME_MAX_LEN - 6, m[i].devs[0], '-',
			      GV_NAME_BRACKET | GV_NAME_LOWER);
	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			if (!strcmp(names[i], names[k]))
				snprintf(names[k] + strlen(names[k]), 6, "-%04x", m[k].device);
}

/* Each spec and alias as one line "key = {json}", or all in one document. */
static int print_lines(FILE *f, const struct gv_model *m, size_t n,
		       char (*names)[NAME_MAX_LEN], const struct nova_opts *o,
		       bool json)
{
	struct json j;
	size_t i, k;
	int err = 0;

	if (json) {
		json_begin(&j, f);
		json_object_open(&j);
		json_key(&j, "device_spec");
		json_array_open(&j);
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < (m[i].nkept ? m[i].ndevs : 1); k++) {
			if (!json) {
				fputs("device_spec = ", f);
				json_begin(&j, f);
			}
			json_spec(&j, &m[i], m[i].nkept ? m[i].devs[k] : NULL, o);
			if (!json) {
				err |= json_end(&j);
			}
		}
	}
	if (json) {
		json_array_close(&j);
		json_key(&j, "alias");
		json_array_open(&j);
	}
	for (i = 0; i < n; i++) {
		if (!json) {
			fputs("alias = ", f);
			json_begin(&j, f);
		}
		json_alias(&j, &m[i], names[i], o);
		if (!json) {
			err |= json_end(&j);
		}
	}
	if (json) {
		json_array_close(&j);
		json_object_close(&j);
		err |= json_end(&j);
	}
	return err ? -EIO : 0;
}

static void print_comments(FILE *f, const struct gv_model *m, size_t n,
			   char (*names)[NAME_MAX_LEN], const char *from,
			   const char *ids)
{
	size_t i, k;

	fprintf(f, "# gpuvfio nova: the cards gpuvfio claims on this host (ids %s, from %s),\n"
		   "# for nova.conf on this compute node.\n", *ids ? ids : "empty", from);
	fputs("# \"managed\": \"no\" (nova 2025.1 and later): libvirt leaves each card to\n"
	      "# gpuvfio, which moves its whole slot (claim at boot, or gpuvfio's libvirt\n"
	      "# hook). Older nova keeps it as a plain tag and has libvirt detach one\n"
	      "# function at a time: there, claim the cards at boot (gpuvfio ids set\n"
	      "# with its persist option), so that they are on vfio-pci before any VM.\n",
	      f);
	for (i = 0; i < n; i++) {
		for (k = 0; k < m[i].nkept; k++)
			fprintf(f, "# %s [%04x:%04x] is kept for the host: the spec names the claimed cards by address.\n",
				m[i].kept[k]->name, m[i].vendor, m[i].device);
		fprintf(f, "# flavor: openstack flavor set FLAVOR --property \"pci_passthrough:alias\"=\"%s:1\"\n",
			names[i]);
	}
	fputs("[pci]\n", f);
}

int cmd_nova(int argc, char **argv)
{
	char ids[GPUVFIO_LIST_MAX], exclude[GPUVFIO_LIST_MAX];
	char (*names)[NAME_MAX_LEN] = NULL;
	struct gv_model *models;
	struct nova_opts o;
	struct gv_host h;
	const char *from;
	size_t n;
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	ret = gv_models_read(&h, ids, exclude, sizeof(ids), &from, &models, &n);
	if (ret)
		goto out;
	if (n)
		names = calloc(n, sizeof(*names));
	if (n && !names) {
		gv_err("out of memory");
		ret = GV_EXIT_FAILED;
		goto out;
	}
	if (!n) {
		gv_err("gpuvfio claims no card on this host (ids %s, from %s): claim them first, `%s ids set --persist VENDOR:DEVICE`",
		       *ids ? ids : "empty", from, gv_prog);
		ret = GV_EXIT_FAILED;
		goto out;
	}
	alias_names(models, n, names);
	if (!gv_json)
		print_comments(stdout, models, n, names, from, ids);
	ret = print_lines(stdout, models, n, names, &o, gv_json) ? GV_EXIT_FAILED : 0;
	if (fflush(stdout)) {
		gv_err("could not write the output: %s", strerror(errno));
		ret = GV_EXIT_FAILED;
	}
out:
	free(names);
	gv_models_free(models, n);
	gv_host_free(&h);
	return ret;
}
