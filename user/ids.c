// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio ids [show|set|add|del]: the module's ids= list over netlink
 * (GPUVFIO_CMD_GET_CONFIG, GPUVFIO_CMD_SET_CONFIG). Every ID is checked
 * with the module's grammar before anything is sent; add and del work out
 * the new list here from the current one and set it whole.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpuvfio.h"
#include "ids.h"
#include "json.h"
#include "nl.h"
#include "sysfs.h"
#include "target.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s ids [-j|--json] [show]\n"
		"       %s ids set LIST\n"
		"       %s ids add ID...\n"
		"       %s ids del ID...\n"
		"Shows or changes the module's ids list: the devices gpuvfio claims for\n"
		"vfio-pci as they appear. An ID is vendor:device or\n"
		"vendor:device:subvendor:subdevice, 4 hex digits each (10de:1bb3); LIST\n"
		"is IDs separated by commas or blanks ('' empties it). Devices a new\n"
		"list matches are claimed at once.\n",
		gv_prog, gv_prog, gv_prog, gv_prog);
}

int gv_ids_parse(int argc, char **argv, struct gv_id *ids, unsigned int *n,
		 bool allow_empty)
{
	struct gv_parse_err err;
	unsigned int got;
	int ret;

	*n = 0;
	for (; argc > 0; argc--, argv++) {
		ret = gv_parse_id_list(*argv, ids + *n, GV_MAX_LIST - *n, &got, &err);
		if (ret == -E2BIG) {
			gv_err("too many IDs: the list holds at most %d", GV_MAX_LIST);
			return GV_EXIT_USAGE;
		}
		if (ret) {
			gv_err("'%.*s' is not a vendor:device ID (10de:1bb3, or 10de:1bb3:10de:11d8 with the subsystem): nothing was sent",
			       (int)err.len, err.tok);
			return GV_EXIT_USAGE;
		}
		*n += got;
	}
	if (!*n && !allow_empty) {
		gv_err("name one or more vendor:device IDs (10de:1bb3)");
		return GV_EXIT_USAGE;
	}
	return 0;
}

static bool id_equal(const struct gv_id *a, const struct gv_id *b)
{
	return a->vendor == b->vendor && a->device == b->device &&
	       a->subvendor == b->subvendor && a->subdevice == b->subdevice;
}

static bool id_in(const struct gv_id *list, unsigned int n, const struct gv_id *id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (id_equal(&list[i], id))
			return true;
	return false;
}

int gv_ids_edit(struct gv_id *cur, unsigned int *ncur, const struct gv_id *ids,
		unsigned int n, bool add)
{
	char name[GV_ID_LEN];
	unsigned int i, k, changed = 0;

	for (i = 0; i < n; i++) {
		gv_format_id(name, sizeof(name), &ids[i]);
		if (add) {
			if (id_in(cur, *ncur, &ids[i])) {
				gv_err("%s is in the list already", name);
				continue;
			}
			if (*ncur == GV_MAX_LIST) {
				gv_err("the ids list holds at most %d IDs: %s does not fit",
				       GV_MAX_LIST, name);
				return -E2BIG;
			}
			cur[(*ncur)++] = ids[i];
			changed++;
			continue;
		}
		if (!id_in(cur, *ncur, &ids[i])) {
			gv_err("%s is not in the list", name);
			continue;
		}
		for (k = 0; k < *ncur;) {
			if (id_equal(&cur[k], &ids[i])) {
				memmove(&cur[k], &cur[k + 1], (*ncur - k - 1) * sizeof(*cur));
				(*ncur)--;
				changed++;
			} else {
				k++;
			}
		}
	}
	return (int)changed;
}

/* Calls fn for each item of a list as the module prints it. */
static void json_list(struct json *j, const char *key, const char *list)
{
	const char *p = list, *start;

	json_key(j, key);
	json_array_open(j);
	while (*p) {
		if (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n') {
			p++;
			continue;
		}
		start = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		json_string_len(j, start, (size_t)(p - start));
	}
	json_array_close(j);
}

int gv_ids_print(FILE *f, bool json, const struct gv_config *cfg)
{
	struct json j;

	if (!json) {
		fprintf(f, "ids:     %s\nexclude: %s\n",
			*cfg->ids ? cfg->ids : "(none)",
			*cfg->exclude ? cfg->exclude : "(none)");
		return 0;
	}
	json_begin(&j, f);
	json_object_open(&j);
	json_key(&j, "version");
	json_string(&j, *cfg->version ? cfg->version : NULL);
	json_list(&j, "ids", cfg->ids);
	json_list(&j, "exclude", cfg->exclude);
	json_key(&j, "managed");
	if (cfg->have_managed)
		json_uint(&j, cfg->managed);
	else
		json_null(&j);
	json_object_close(&j);
	return json_end(&j) ? -EIO : 0;
}

enum sub { SHOW, SET, ADD, DEL };

static int run(enum sub sub, struct gv_id *ids, unsigned int n)
{
	struct gv_config *cfg;
	struct gv_id *cur = NULL;
	struct gv_parse_err err;
	struct gv_nl *nl = NULL;
	char *list = NULL;
	unsigned int ncur = 0;
	int ret;

	if (!gv_module_loaded()) {
		gv_err(GV_MODULE_MISSING);
		return GV_EXIT_NO_MODULE;
	}
	cfg = calloc(1, sizeof(*cfg));
	list = malloc(GPUVFIO_LIST_MAX);
	cur = calloc(GV_MAX_LIST, sizeof(*cur));
	if (!cfg || !list || !cur) {
		gv_err("out of memory");
		ret = GV_EXIT_FAILED;
		goto out;
	}
	ret = gv_nl_open(&nl);
	if (ret) {
		if (ret == -ENOENT)
			gv_err(GV_MODULE_MISSING);
		else
			gv_err("could not reach the gpuvfio module over netlink: %s", strerror(-ret));
		ret = ret == -ENOENT ? GV_EXIT_NO_MODULE : GV_EXIT_FAILED;
		goto out;
	}
	if (!gv_nl_require_op(nl, GPUVFIO_CMD_GET_CONFIG, "gpuvfio ids") ||
	    (sub != SHOW && !gv_nl_require_op(nl, GPUVFIO_CMD_SET_CONFIG,
					       sub == SET ? "gpuvfio ids set" :
					       sub == ADD ? "gpuvfio ids add" :
							    "gpuvfio ids del"))) {
		ret = GV_EXIT_FAILED;
		goto out;
	}
	if (sub != SET) {
		ret = gv_nl_get_config(nl, cfg);
		if (ret) {
			gv_err("could not read the module's configuration: %s", strerror(-ret));
			ret = GV_EXIT_FAILED;
			goto out;
		}
	}
	if (sub == ADD || sub == DEL) {
		if (gv_parse_id_list(cfg->ids, cur, GV_MAX_LIST, &ncur, &err)) {
			gv_err("the module's ids list has '%.*s', which this tool cannot read: the module and the tool may be of different versions",
			       (int)err.len, err.tok);
			ret = GV_EXIT_FAILED;
			goto out;
		}
		ret = gv_ids_edit(cur, &ncur, ids, n, sub == ADD);
		if (ret < 0) {
			ret = GV_EXIT_FAILED;
			goto out;
		}
		if (ret == 0)
			sub = SHOW;	/* nothing to change */
		ids = cur;
		n = ncur;
	}
	if (sub != SHOW) {
		gv_format_id_list(list, GPUVFIO_LIST_MAX, ids, n);
		ret = gv_nl_set_config(nl, list, NULL, cfg);
		if (ret) {
			if (ret == -EPERM || ret == -EACCES)
				gv_err("changing the ids list needs root (CAP_SYS_ADMIN): run as root");
			else
				gv_err("the module refused the ids list '%s': %s", list,
				       strerror(-ret));
			ret = GV_EXIT_FAILED;
			goto out;
		}
	}
	ret = gv_ids_print(stdout, gv_json, cfg) ? GV_EXIT_FAILED : GV_EXIT_OK;
	if (fflush(stdout)) {
		gv_err("could not write the output: %s", strerror(errno));
		ret = GV_EXIT_FAILED;
	}
out:
	gv_nl_close(nl);
	free(cur);
	free(list);
	free(cfg);
	return ret;
}

int cmd_ids(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct gv_id ids[GV_MAX_LIST];
	unsigned int n = 0;
	enum sub sub = SHOW;
	const char *name;
	int opt, ret;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (opt) {
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
	argc -= optind;
	argv += optind;
	if (argc > 0) {
		name = argv[0];
		argc--;
		argv++;
		if (!strcmp(name, "show"))
			sub = SHOW;
		else if (!strcmp(name, "set"))
			sub = SET;
		else if (!strcmp(name, "add"))
			sub = ADD;
		else if (!strcmp(name, "del"))
			sub = DEL;
		else {
			gv_err("'%s' is not an ids command: show, set, add or del", name);
			return GV_EXIT_USAGE;
		}
	}
	if (sub == SHOW && argc > 0) {
		gv_err("ids show takes no arguments");
		return GV_EXIT_USAGE;
	}
	if (sub == SET && argc == 0) {
		gv_err("ids set needs the new list (`%s ids set ''` empties it)", gv_prog);
		return GV_EXIT_USAGE;
	}
	if (sub != SHOW) {
		ret = gv_ids_parse(argc, argv, ids, &n, sub == SET);
		if (ret)
			return ret;
	}
	return run(sub, ids, n);
}
