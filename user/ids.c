// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio ids [show|set|add|del]: the module's ids= list over netlink
 * (GPUVFIO_CMD_GET_CONFIG, GPUVFIO_CMD_SET_CONFIG). Every ID is checked
 * with the module's grammar before anything is sent; add and del work out
 * the new list here from the current one and set it whole. With --persist,
 * the resulting list is also written to modprobe.d, for every boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpuvfio.h"
#include "ids.h"
#include "json.h"
#include "nl.h"
#include "sysfs.h"
#include "target.h"

/* Where --persist writes: a file of its own, next to the package's gpuvfio.conf. */
#define GV_MODPROBE_D	"/etc/modprobe.d"
#define GV_IDS_CONF	"gpuvfio-ids.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s ids [-j|--json] [show]\n"
		"       %s ids set [--persist] LIST\n"
		"       %s ids add [--persist] ID...\n"
		"       %s ids del [--persist] ID...\n"
		"Shows or changes the module's ids list: the devices gpuvfio claims for\n"
		"vfio-pci as they appear. An ID is vendor:device or\n"
		"vendor:device:subvendor:subdevice, 4 hex digits each (10de:1bb3); LIST\n"
		"is IDs separated by commas or blanks ('' empties it). Devices a new\n"
		"list matches are claimed at once.\n"
		"--persist also writes the new list to %s/%s\n"
		"(\"options gpuvfio ids=LIST\"), which modprobe reads at every boot; then\n"
		"update the initramfs, with update-initramfs or dracut. Without the module\n"
		"loaded, only the file changes. GPUVFIO_MODPROBE_D names another directory.\n",
		gv_prog, gv_prog, gv_prog, gv_prog, GV_MODPROBE_D, GV_IDS_CONF);
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

static void persist_path(char *buf, size_t size)
{
	const char *dir = getenv("GPUVFIO_MODPROBE_D");

	snprintf(buf, size, "%s/%s", dir && *dir ? dir : GV_MODPROBE_D, GV_IDS_CONF);
}

/*
 * The ids of the "options gpuvfio ... ids=LIST" lines of the persisted file
 * into list ("" when there is no file); 0 or a negative errno.
 */
static int persist_read(const char *path, char *list, size_t size)
{
	char line[GPUVFIO_LIST_MAX + 64], *save, *tok;
	FILE *f;

	*list = '\0';
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		tok = strtok_r(line, " \t\n", &save);
		if (!tok || strcmp(tok, "options"))
			continue;
		tok = strtok_r(NULL, " \t\n", &save);
		if (!tok || strcmp(tok, "gpuvfio"))
			continue;
		while ((tok = strtok_r(NULL, " \t\n", &save)))
			if (!strncmp(tok, "ids=", 4))
				snprintf(list, size, "%s", tok + 4);
	}
	fclose(f);
	return 0;
}

/*
 * Replaces the persisted file with one holding list, through a temporary
 * file and rename(), so that modprobe never reads half a file; an empty list
 * removes it. 0 or a negative errno.
 */
static int persist_write(const char *path, const char *list)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd, ret = 0;

	if (!*list)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		goto out;
	}
	fprintf(f, "# Written by `gpuvfio ids set --persist`: the devices gpuvfio claims for\n"
		   "# vfio-pci at every boot. After a change, update the initramfs\n"
		   "# (update-initramfs -u, or dracut -f).\n"
		   "options gpuvfio ids=%s\n", list);
	if (fflush(f) || fsync(fd))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
out:
	if (ret)
		unlink(tmp);
	return ret;
}

/*
 * --persist: writes ids[0..n) (set) or the persisted list edited by them
 * (add, del) when module_list is NULL, else module_list, the module's list
 * after the change. Says what it did on stderr; 0 or GV_EXIT_FAILED.
 */
static int persist(bool set, bool add, const struct gv_id *ids, unsigned int n,
		   const char *module_list)
{
	char path[PATH_MAX], *old = NULL, *list = NULL;
	struct gv_id *cur = NULL;
	struct gv_parse_err err;
	unsigned int ncur = 0;
	int ret = GV_EXIT_FAILED, e;

	persist_path(path, sizeof(path));
	old = malloc(GPUVFIO_LIST_MAX);
	list = malloc(GPUVFIO_LIST_MAX);
	cur = calloc(GV_MAX_LIST, sizeof(*cur));
	if (!old || !list || !cur) {
		gv_err("out of memory");
		goto out;
	}
	if (module_list) {
		/* The module's own list, canonical. */
		if (gv_parse_id_list(module_list, cur, GV_MAX_LIST, &ncur, &err)) {
			gv_err("the module's ids list has '%.*s', which this tool cannot read: %s was not written",
			       (int)err.len, err.tok, path);
			goto out;
		}
	} else if (set) {
		memcpy(cur, ids, n * sizeof(*cur));
		ncur = n;
	} else {
		e = persist_read(path, old, GPUVFIO_LIST_MAX);
		if (e) {
			gv_err("could not read %s: %s", path, strerror(-e));
			goto out;
		}
		if (gv_parse_id_list(old, cur, GV_MAX_LIST, &ncur, &err)) {
			gv_err("%s has '%.*s', which is not a vendor:device ID: fix or remove the file",
			       path, (int)err.len, err.tok);
			goto out;
		}
		if (gv_ids_edit(cur, &ncur, ids, n, add) < 0)
			goto out;
	}
	gv_format_id_list(list, GPUVFIO_LIST_MAX, cur, ncur);
	e = persist_write(path, list);
	if (e) {
		gv_err("could not write %s: %s: the ids were not persisted%s", path, strerror(-e),
		       e == -EACCES || e == -EPERM || e == -EROFS ? " (run as root)" : "");
		goto out;
	}
	if (*list)
		gv_err("wrote %s: options gpuvfio ids=%s; run update-initramfs -u (or dracut -f) so that the initramfs claims them at boot too",
		       path, list);
	else
		gv_err("removed %s: no ids are claimed at boot; run update-initramfs -u (or dracut -f)",
		       path);
	ret = GV_EXIT_OK;
out:
	free(cur);
	free(list);
	free(old);
	return ret;
}

enum sub { SHOW, SET, ADD, DEL };

static int run(enum sub sub, struct gv_id *ids, unsigned int n, bool persisting)
{
	const struct gv_id *given = ids;
	unsigned int ngiven = n;
	enum sub asked = sub;
	struct gv_config *cfg;
	struct gv_id *cur = NULL;
	struct gv_parse_err err;
	struct gv_nl *nl = NULL;
	char *list = NULL;
	unsigned int ncur = 0;
	int ret;

	if (!gv_module_loaded()) {
		if (persisting) {
			gv_err("the gpuvfio module is not loaded: only the persisted list changes, and applies when it loads");
			return persist(sub == SET, sub == ADD, ids, n, NULL);
		}
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
	/* What the module has now is what the next boot should have. */
	if (persisting && persist(asked == SET, asked == ADD, given, ngiven, cfg->ids))
		ret = GV_EXIT_FAILED;
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
		{ "persist", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool persisting = false;
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
		case 'P':
			persisting = true;
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
	if (sub == SHOW && persisting) {
		gv_err("--persist goes with ids set, add or del");
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
	return run(sub, ids, n, persisting);
}
