// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio ids|exclude [show|set|add|del]: the module's ids= and exclude=
 * lists over netlink (GPUVFIO_CMD_GET_CONFIG, GPUVFIO_CMD_SET_CONFIG). Every
 * item is checked with the module's grammar before anything is sent; add
 * and del work out the new list here from the current one and set it
 * whole. With --persist, the resulting list is also written to modprobe.d,
 * for every boot, next to the other list's persisted value.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devsrc.h"
#include "gpuvfio.h"
#include "ids.h"
#include "json.h"
#include "modconf.h"
#include "nl.h"
#include "sysfs.h"
#include "target.h"

/*
 * Where --persist writes: a file of its own, next to the package's
 * gpuvfio.conf, holding both lists.
 */
#define GV_MODPROBE_D	"/etc/modprobe.d"
#define GV_IDS_CONF	"gpuvfio-ids.conf"

/* What tells the two lists apart; the rest of this file serves both. */
struct kind {
	const char *name;	/* the command and the module parameter */
	const char *item;	/* what one item is, for messages */
	size_t size;		/* of one parsed item */
	int (*parse)(const char *s, void *v, unsigned int max, unsigned int *n,
		     struct gv_parse_err *err);
	int (*format_list)(char *buf, size_t size, const void *v, unsigned int n);
	int (*format_one)(char *buf, size_t size, const void *item);
	bool (*equal)(const void *a, const void *b);
};

static int parse_ids(const char *s, void *v, unsigned int max, unsigned int *n,
		     struct gv_parse_err *err)
{
	return gv_parse_id_list(s, v, max, n, err);
}

static int parse_addrs(const char *s, void *v, unsigned int max, unsigned int *n,
		       struct gv_parse_err *err)
{
	return gv_parse_addr_list(s, v, max, n, err);
}

static int format_ids(char *buf, size_t size, const void *v, unsigned int n)
{
	return gv_format_id_list(buf, size, v, n);
}

static int format_addrs(char *buf, size_t size, const void *v, unsigned int n)
{
	return gv_format_addr_list(buf, size, v, n);
}

static int format_id(char *buf, size_t size, const void *item)
{
	return gv_format_id(buf, size, item);
}

static int format_addr(char *buf, size_t size, const void *item)
{
	return gv_format_addr(buf, size, item);
}

static bool id_equal(const void *pa, const void *pb)
{
	const struct gv_id *a = pa, *b = pb;

	return a->vendor == b->vendor && a->device == b->device &&
	       a->subvendor == b->subvendor && a->subdevice == b->subdevice;
}

static bool addr_equal(const void *a, const void *b)
{
	return gv_addr_equal(a, b);
}

static const struct kind ids_kind = {
	.name = "ids", .item = "a vendor:device ID (10de:1bb3, or 10de:1bb3:10de:11d8 with the subsystem)",
	.size = sizeof(struct gv_id), .parse = parse_ids, .format_list = format_ids,
	.format_one = format_id, .equal = id_equal,
};

static const struct kind exclude_kind = {
	.name = "exclude", .item = "a PCI address (0000:01:00.0)",
	.size = sizeof(struct gv_addr), .parse = parse_addrs, .format_list = format_addrs,
	.format_one = format_addr, .equal = addr_equal,
};

static void usage_ids(FILE *f)
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
		"(\"options gpuvfio ids=LIST\", with the persisted exclude list), which\n"
		"modprobe reads at every boot; then update the initramfs, with\n"
		"update-initramfs or dracut. Without the module loaded, only the file\n"
		"changes. GPUVFIO_MODPROBE_D names another directory.\n",
		gv_prog, gv_prog, gv_prog, gv_prog, GV_MODPROBE_D, GV_IDS_CONF);
}

static void usage_exclude(FILE *f)
{
	fprintf(f,
		"Usage: %s exclude [-j|--json] [show]\n"
		"       %s exclude set [--persist] LIST\n"
		"       %s exclude add [--persist] ADDRESS...\n"
		"       %s exclude del [--persist] ADDRESS...\n"
		"Shows or changes the module's exclude list: PCI addresses gpuvfio never\n"
		"claims, even when the ids list matches them (the host's own card of the\n"
		"same model as the one passed through). An ADDRESS is\n"
		"[domain:]bus:slot.function (0000:01:00.0); LIST is addresses separated\n"
		"by commas or blanks ('' empties it). Devices already claimed stay so.\n"
		"--persist also writes the new list to %s/%s\n"
		"(\"options gpuvfio exclude=LIST\", with the persisted ids list), which\n"
		"modprobe reads at every boot; then update the initramfs, with\n"
		"update-initramfs or dracut. Without the module loaded, only the file\n"
		"changes. GPUVFIO_MODPROBE_D names another directory.\n",
		gv_prog, gv_prog, gv_prog, gv_prog, GV_MODPROBE_D, GV_IDS_CONF);
}

static void usage(const struct kind *k, FILE *f)
{
	if (k == &exclude_kind)
		usage_exclude(f);
	else
		usage_ids(f);
}

/* Reads item arguments (each may be a list); see gv_ids_parse(). */
static int list_parse(const struct kind *k, int argc, char **argv, void *items,
		      unsigned int *n, bool allow_empty)
{
	struct gv_parse_err err;
	unsigned int got;
	int ret;

	*n = 0;
	for (; argc > 0; argc--, argv++) {
		ret = k->parse(*argv, (char *)items + *n * k->size, GV_MAX_LIST - *n,
			       &got, &err);
		if (ret == -E2BIG) {
			gv_err("too many items: the %s list holds at most %d", k->name,
			       GV_MAX_LIST);
			return GV_EXIT_USAGE;
		}
		if (ret) {
			gv_err("'%.*s' is not %s: nothing was sent", (int)err.len, err.tok,
			       k->item);
			return GV_EXIT_USAGE;
		}
		*n += got;
	}
	if (!*n && !allow_empty) {
		gv_err(k == &ids_kind ? "name one or more vendor:device IDs (10de:1bb3)" :
					"name one or more PCI addresses (0000:01:00.0)");
		return GV_EXIT_USAGE;
	}
	return 0;
}

int gv_ids_parse(int argc, char **argv, struct gv_id *ids, unsigned int *n,
		 bool allow_empty)
{
	return list_parse(&ids_kind, argc, argv, ids, n, allow_empty);
}

static bool item_in(const struct kind *k, const void *list, unsigned int n,
		    const void *item)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (k->equal((const char *)list + i * k->size, item))
			return true;
	return false;
}

/* Adds or removes items; see gv_ids_edit(). */
static int list_edit(const struct kind *k, void *cur, unsigned int *ncur,
		     const void *items, unsigned int n, bool add)
{
	char name[GV_ID_LEN + GV_ADDR_LEN];
	unsigned int i, j, changed = 0;
	const char *item;
	char *c = cur;

	for (i = 0; i < n; i++) {
		item = (const char *)items + i * k->size;
		k->format_one(name, sizeof(name), item);
		if (add) {
			if (item_in(k, cur, *ncur, item)) {
				gv_err("%s is in the list already", name);
				continue;
			}
			if (*ncur == GV_MAX_LIST) {
				gv_err("the %s list holds at most %d items: %s does not fit",
				       k->name, GV_MAX_LIST, name);
				return -E2BIG;
			}
			memcpy(c + (*ncur)++ * k->size, item, k->size);
			changed++;
			continue;
		}
		if (!item_in(k, cur, *ncur, item)) {
			gv_err("%s is not in the list", name);
			continue;
		}
		for (j = 0; j < *ncur;) {
			if (k->equal(c + j * k->size, item)) {
				memmove(c + j * k->size, c + (j + 1) * k->size,
					(*ncur - j - 1) * k->size);
				(*ncur)--;
				changed++;
			} else {
				j++;
			}
		}
	}
	return (int)changed;
}

int gv_ids_edit(struct gv_id *cur, unsigned int *ncur, const struct gv_id *ids,
		unsigned int n, bool add)
{
	return list_edit(&ids_kind, cur, ncur, ids, n, add);
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
 * The lists of the persisted file's "options gpuvfio ..." lines (each ""
 * when absent, or when there is no file): 0 or a negative errno.
 */
static int persist_read(const char *path, char *ids, char *exclude, size_t size)
{
	char line[2 * GPUVFIO_LIST_MAX + 64], *save, *tok;
	FILE *f;

	*ids = *exclude = '\0';
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
		while ((tok = strtok_r(NULL, " \t\n", &save))) {
			if (!strncmp(tok, "ids=", 4))
				snprintf(ids, size, "%s", tok + 4);
			else if (!strncmp(tok, "exclude=", 8))
				snprintf(exclude, size, "%s", tok + 8);
		}
	}
	fclose(f);
	return 0;
}

/*
 * Replaces the persisted file with one holding both lists, through a
 * temporary file and rename(), so that modprobe never reads half a file;
 * with both lists empty it removes it. 0 or a negative errno.
 */
static int persist_write(const char *path, const char *ids, const char *exclude)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd, ret = 0;

	if (!*ids && !*exclude)
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
	fprintf(f, "# Written by `gpuvfio ids|exclude set --persist`: the devices gpuvfio\n"
		   "# claims for vfio-pci at every boot, and those it never touches. After a\n"
		   "# change, update the initramfs (update-initramfs -u, or dracut -f).\n"
		   "options gpuvfio%s%s%s%s\n",
		   *ids ? " ids=" : "", ids, *exclude ? " exclude=" : "", exclude);
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
 * Says where else modprobe.d sets this list, when a file there (or the
 * kernel command line) overrides or repeats what --persist wrote.
 */
static void persist_shadowed(const struct kind *k, const char *path)
{
	const char *dir = getenv("GPUVFIO_MODPROBE_D");
	struct gv_modconf *mc;
	const struct gv_modopt *o;

	if (dir && *dir)
		return;		/* a directory of the caller's: not modprobe's */
	mc = malloc(sizeof(*mc));
	if (!mc || gv_modconf_read("", mc)) {
		free(mc);
		return;
	}
	o = k == &ids_kind ? &mc->ids : &mc->exclude;
	if (o->set && strcmp(o->from, path))
		gv_err("warning: %s sets %s= after %s, and wins: modprobe passes gpuvfio %s=%s",
		       o->from, k->name, path, k->name, o->value);
	free(mc);
}

/*
 * --persist: writes items[0..n) (set) or the persisted list edited by them
 * (add, del) when module_list is NULL, else module_list, the module's list
 * after the change; the other list's persisted value is kept. Says what it
 * did on stderr; 0 or GV_EXIT_FAILED.
 */
static int persist(const struct kind *k, bool set, bool add, const void *items,
		   unsigned int n, const char *module_list)
{
	char path[PATH_MAX], *ids = NULL, *exclude = NULL, *list;
	struct gv_parse_err err;
	unsigned int ncur = 0;
	void *cur = NULL;
	int ret = GV_EXIT_FAILED, e;

	persist_path(path, sizeof(path));
	ids = malloc(GPUVFIO_LIST_MAX);
	exclude = malloc(GPUVFIO_LIST_MAX);
	cur = calloc(GV_MAX_LIST, k->size);
	if (!ids || !exclude || !cur) {
		gv_err("out of memory");
		goto out;
	}
	e = persist_read(path, ids, exclude, GPUVFIO_LIST_MAX);
	if (e) {
		gv_err("could not read %s: %s", path, strerror(-e));
		goto out;
	}
	list = k == &ids_kind ? ids : exclude;
	if (module_list) {
		/* The module's own list, canonical. */
		if (k->parse(module_list, cur, GV_MAX_LIST, &ncur, &err)) {
			gv_err("the module's %s list has '%.*s', which this tool cannot read: %s was not written",
			       k->name, (int)err.len, err.tok, path);
			goto out;
		}
	} else if (set) {
		memcpy(cur, items, n * k->size);
		ncur = n;
	} else {
		if (k->parse(list, cur, GV_MAX_LIST, &ncur, &err)) {
			gv_err("%s has '%.*s', which is not %s: fix or remove the file",
			       path, (int)err.len, err.tok, k->item);
			goto out;
		}
		if (list_edit(k, cur, &ncur, items, n, add) < 0)
			goto out;
	}
	k->format_list(list, GPUVFIO_LIST_MAX, cur, ncur);
	e = persist_write(path, ids, exclude);
	if (e) {
		gv_err("could not write %s: %s: the %s list was not persisted%s", path,
		       strerror(-e), k->name,
		       e == -EACCES || e == -EPERM || e == -EROFS ? " (run as root)" : "");
		goto out;
	}
	if (*ids || *exclude)
		gv_err("wrote %s: options gpuvfio %s=%s; run update-initramfs -u (or dracut -f) so that the initramfs has it at boot too",
		       path, k->name, list);
	else
		gv_err("removed %s: nothing is claimed at boot by it; run update-initramfs -u (or dracut -f)",
		       path);
	persist_shadowed(k, path);
	ret = GV_EXIT_OK;
out:
	free(cur);
	free(exclude);
	free(ids);
	return ret;
}

enum sub { SHOW, SET, ADD, DEL };

static int run(const struct kind *k, enum sub sub, void *items, unsigned int n,
	       bool persisting)
{
	const void *given = items;
	unsigned int ngiven = n;
	enum sub asked = sub;
	struct gv_config *cfg;
	struct gv_parse_err err;
	struct gv_devsrc src;
	struct gv_nl *nl = NULL;
	char *list = NULL;
	const char *now;
	unsigned int ncur = 0;
	void *cur = NULL;
	int ret;

	if (!gv_module_loaded()) {
		if (persisting) {
			gv_err("the gpuvfio module is not loaded: only the persisted list changes, and applies when it loads");
			return persist(k, sub == SET, sub == ADD, items, n, NULL);
		}
		gv_err(GV_MODULE_MISSING);
		return GV_EXIT_NO_MODULE;
	}
	cfg = calloc(1, sizeof(*cfg));
	list = malloc(GPUVFIO_LIST_MAX);
	cur = calloc(GV_MAX_LIST, k->size);
	if (!cfg || !list || !cur) {
		gv_err("out of memory");
		ret = GV_EXIT_FAILED;
		goto out;
	}
	if (sub == SHOW) {
		/* Read as status and check read: the one device source
		 * (netlink, or sysfs when netlink cannot answer). */
		gv_devsrc_open(&src);
		gv_devsrc_config(&src, cfg);
		gv_devsrc_close(&src);
		if (!cfg->loaded) {
			gv_err(GV_MODULE_MISSING);
			ret = GV_EXIT_NO_MODULE;
			goto out;
		}
		goto print;
	}
	/* A change goes over netlink: SET_CONFIG is atomic and answers with
	 * the lists the module then has. */
	ret = gv_nl_open(&nl);
	if (ret) {
		if (ret == -ENOENT)
			gv_err(GV_MODULE_MISSING);
		else
			gv_err("could not reach the gpuvfio module over netlink: %s", strerror(-ret));
		ret = ret == -ENOENT ? GV_EXIT_NO_MODULE : GV_EXIT_FAILED;
		goto out;
	}
	snprintf(list, GPUVFIO_LIST_MAX, "gpuvfio %s%s", k->name,
		 sub == SET ? " set" : sub == ADD ? " add" : " del");
	if (!gv_nl_require_op(nl, GPUVFIO_CMD_GET_CONFIG, k == &ids_kind ? "gpuvfio ids" : "gpuvfio exclude") ||
	    !gv_nl_require_op(nl, GPUVFIO_CMD_SET_CONFIG, list)) {
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
		now = k == &ids_kind ? cfg->ids : cfg->exclude;
		if (k->parse(now, cur, GV_MAX_LIST, &ncur, &err)) {
			gv_err("the module's %s list has '%.*s', which this tool cannot read: the module and the tool may be of different versions",
			       k->name, (int)err.len, err.tok);
			ret = GV_EXIT_FAILED;
			goto out;
		}
		ret = list_edit(k, cur, &ncur, items, n, sub == ADD);
		if (ret < 0) {
			ret = GV_EXIT_FAILED;
			goto out;
		}
		if (ret == 0)
			sub = SHOW;	/* nothing to change */
		items = cur;
		n = ncur;
	}
	if (sub != SHOW) {
		k->format_list(list, GPUVFIO_LIST_MAX, items, n);
		ret = k == &ids_kind ? gv_nl_set_config(nl, list, NULL, cfg) :
				       gv_nl_set_config(nl, NULL, list, cfg);
		if (ret) {
			if (ret == -EPERM || ret == -EACCES)
				gv_err("changing the %s list needs root (CAP_SYS_ADMIN): run as root",
				       k->name);
			else
				gv_err("the module refused the %s list '%s': %s", k->name, list,
				       strerror(-ret));
			ret = GV_EXIT_FAILED;
			goto out;
		}
	}
print:
	ret = gv_ids_print(stdout, gv_json, cfg) ? GV_EXIT_FAILED : GV_EXIT_OK;
	if (fflush(stdout)) {
		gv_err("could not write the output: %s", strerror(errno));
		ret = GV_EXIT_FAILED;
	}
	/* What the module has now is what the next boot should have. */
	if (persisting && persist(k, asked == SET, asked == ADD, given, ngiven,
				  k == &ids_kind ? cfg->ids : cfg->exclude))
		ret = GV_EXIT_FAILED;
out:
	gv_nl_close(nl);
	free(cur);
	free(list);
	free(cfg);
	return ret;
}

static int cmd_list(const struct kind *k, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "persist", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool persisting = false;
	unsigned int n = 0;
	enum sub sub = SHOW;
	const char *name;
	void *items;
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
			usage(k, stdout);
			return GV_EXIT_OK;
		default:
			usage(k, stderr);
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
			gv_err("'%s' is not an %s command: show, set, add or del", name,
			       k->name);
			return GV_EXIT_USAGE;
		}
	}
	if (sub == SHOW && argc > 0) {
		gv_err("%s show takes no arguments", k->name);
		return GV_EXIT_USAGE;
	}
	if (sub == SHOW && persisting) {
		gv_err("--persist goes with %s set, add or del", k->name);
		return GV_EXIT_USAGE;
	}
	if (sub == SET && argc == 0) {
		gv_err("%s set needs the new list (`%s %s set ''` empties it)", k->name,
		       gv_prog, k->name);
		return GV_EXIT_USAGE;
	}
	items = calloc(GV_MAX_LIST, k->size);
	if (!items) {
		gv_err("out of memory");
		return GV_EXIT_FAILED;
	}
	ret = sub == SHOW ? 0 : list_parse(k, argc, argv, items, &n, sub == SET);
	if (!ret)
		ret = run(k, sub, items, n, persisting);
	free(items);
	return ret;
}

int cmd_ids(int argc, char **argv)
{
	return cmd_list(&ids_kind, argc, argv);
}

int cmd_exclude(int argc, char **argv)
{
	return cmd_list(&exclude_kind, argc, argv);
}
