// SPDX-License-Identifier: GPL-2.0
/*
 * The hook's per-host switch, /etc/gpuvfio/libvirt-hook.conf: "key=value"
 * lines, '#' comments. The package ships it as a conffile, so an
 * administrator's "enabled=no" survives upgrades. A line the hook does not
 * understand is an error, not something to skip: a misspelt "enabld=no"
 * must not leave the hook quietly on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "libvirt-hook.h"

const char *gv_hook_conf_path(void)
{
	const char *env = getenv(GV_HOOK_CONF_ENV);

	return env && *env ? env : GV_HOOK_CONF;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
			   end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int parse_bool(const char *v, bool *b)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*b = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*b = false;
	else
		return -EINVAL;
	return 0;
}

/* One "key=value"; 0, or -EINVAL with the reason in why. */
static int parse_line(char *line, struct gv_hook_conf *c, const char **why)
{
	char *eq = strchr(line, '='), *key, *val;

	if (!eq) {
		*why = "not key=value";
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!strcmp(key, "enabled")) {
		*why = "enabled= takes yes or no";
		return parse_bool(val, &c->enabled);
	}
	if (!strcmp(key, "timeout")) {
		*why = "timeout= takes seconds, 0.001 to 3600 (20, 2.5)";
		return gv_parse_timeout(val, &c->timeout_ms) ? -EINVAL : 0;
	}
	*why = "unknown key (the keys are enabled and timeout)";
	return -EINVAL;
}

int gv_hook_conf_read(const char *path, struct gv_hook_conf *c, char *err,
		      size_t err_size)
{
	char buf[512], *line;
	const char *why = NULL;
	unsigned int nr = 0;
	FILE *f;
	int ret = 0;

	c->enabled = true;
	c->timeout_ms = GV_HOOK_TIMEOUT_MS;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(err, err_size, "cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	while (!ret && fgets(buf, sizeof(buf), f)) {
		nr++;
		if (!strchr(buf, '\n') && !feof(f)) {
			why = "line too long";
			ret = -EINVAL;
			break;
		}
		line = trim(buf);
		if (!*line || *line == '#')
			continue;
		ret = parse_line(line, c, &why);
	}
	if (!ret && ferror(f)) {
		ret = -EIO;
		snprintf(err, err_size, "cannot read %s: %s", path, strerror(EIO));
	} else if (ret) {
		snprintf(err, err_size, "%s, line %u: %s", path, nr, why);
	}
	fclose(f);
	return ret;
}
