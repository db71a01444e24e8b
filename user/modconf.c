// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio's options in modprobe.d, read the way kmod reads them, so that
 * `gpuvfio check` can tell what the next boot passes to the module, both
 * from the root file system and from inside an unpacked initramfs, and
 * `--persist` can keep the parameter it does not change.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modconf.h"

/* kmod's configuration directories, highest priority first. */
static const char *const conf_dirs[] = {
	"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d",
	"/lib/modprobe.d",
};

#define MAX_CONF_FILES	512

struct conf_file {
	char name[256];
	const char *dir;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct conf_file *)a)->name,
		      ((const struct conf_file *)b)->name);
}

static bool listed(const struct conf_file *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return true;
	return false;
}

/* The *.conf names of every directory, the first directory's winning. */
static int list_files(const char *root, struct conf_file *v, size_t *n)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t i, len;
	DIR *d;

	*n = 0;
	for (i = 0; i < sizeof(conf_dirs) / sizeof(conf_dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, conf_dirs[i]);
		d = opendir(path);
		if (!d) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return -errno;
		}
		while ((de = readdir(d)) && *n < MAX_CONF_FILES) {
			len = strlen(de->d_name);
			if (de->d_name[0] == '.' || len < 6 || len >= sizeof(v->name) ||
			    strcmp(de->d_name + len - 5, ".conf") ||
			    listed(v, *n, de->d_name))
				continue;
			strcpy(v[*n].name, de->d_name);
			v[*n].dir = conf_dirs[i];
			(*n)++;
		}
		closedir(d);
	}
	qsort(v, *n, sizeof(*v), by_name);
	return 0;
}

/* "name=value" (the value's double quotes dropped) into opt. */
static void set_opt(struct gv_modopt *opt, const char *value, const char *from)
{
	size_t len = strlen(value);

	if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
		value++;
		len -= 2;
	}
	if (len >= sizeof(opt->value))
		len = sizeof(opt->value) - 1;
	memcpy(opt->value, value, len);
	opt->value[len] = '\0';
	snprintf(opt->from, sizeof(opt->from), "%s", from);
	opt->set = true;
}

static void take_param(struct gv_modconf *mc, const char *param, const char *from)
{
	if (!strncmp(param, "ids=", 4))
		set_opt(&mc->ids, param + 4, from);
	else if (!strncmp(param, "exclude=", 8))
		set_opt(&mc->exclude, param + 8, from);
}

/* One logical line (continuations joined): an options line for gpuvfio? */
static void parse_line(struct gv_modconf *mc, char *line, const char *from)
{
	char *save, *tok;

	tok = strtok_r(line, " \t\n", &save);
	if (!tok || tok[0] == '#' || strcmp(tok, "options"))
		return;
	tok = strtok_r(NULL, " \t\n", &save);
	if (!tok || strcmp(tok, "gpuvfio"))
		return;
	while ((tok = strtok_r(NULL, " \t\n", &save)))
		take_param(mc, tok, from);
}

static void read_file(struct gv_modconf *mc, const char *path, const char *from)
{
	char *line = NULL, *logical = NULL, *p;
	size_t cap = 0, len, have = 0;
	ssize_t got;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return;
	while ((got = getline(&line, &cap, f)) >= 0) {
		len = (size_t)got;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		p = realloc(logical, have + len + 2);
		if (!p)
			break;
		logical = p;
		memcpy(logical + have, line, len + 1);
		have += len;
		/* A backslash at the end joins the next line, as kmod reads. */
		if (have && logical[have - 1] == '\\') {
			logical[have - 1] = ' ';
			continue;
		}
		parse_line(mc, logical, from);
		have = 0;
	}
	if (have)
		parse_line(mc, logical, from);
	free(logical);
	free(line);
	fclose(f);
}

int gv_modconf_read(const char *root, struct gv_modconf *mc)
{
	char path[PATH_MAX], from[PATH_MAX];
	struct conf_file *v;
	size_t n, i;
	int ret;

	memset(mc, 0, sizeof(*mc));
	v = calloc(MAX_CONF_FILES, sizeof(*v));
	if (!v)
		return -ENOMEM;
	ret = list_files(root, v, &n);
	for (i = 0; !ret && i < n; i++) {
		snprintf(from, sizeof(from), "%s/%s", v[i].dir, v[i].name);
		snprintf(path, sizeof(path), "%s%s", root, from);
		read_file(mc, path, from);
	}
	free(v);
	return ret;
}

void gv_modconf_cmdline(struct gv_modconf *mc, const char *cmdline)
{
	char *copy, *save, *tok;

	copy = strdup(cmdline);
	if (!copy)
		return;
	for (tok = strtok_r(copy, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save))
		if (!strncmp(tok, "gpuvfio.", 8))
			take_param(mc, tok + 8, "the kernel command line");
	free(copy);
}

int gv_modconf_canonical(const struct gv_modopt *opt, bool ids, char *buf,
			 size_t size, struct gv_parse_err *err)
{
	struct gv_addr addrs[GV_MAX_LIST];
	struct gv_id idv[GV_MAX_LIST];
	unsigned int n;
	int ret;

	if (!opt->set) {
		*buf = '\0';
		return 0;
	}
	if (ids)
		ret = gv_parse_id_list(opt->value, idv, GV_MAX_LIST, &n, err);
	else
		ret = gv_parse_addr_list(opt->value, addrs, GV_MAX_LIST, &n, err);
	if (ret) {
		snprintf(buf, size, "%s", opt->value);
		return -EINVAL;
	}
	if (ids)
		gv_format_id_list(buf, size, idv, n);
	else
		gv_format_addr_list(buf, size, addrs, n);
	return 0;
}
