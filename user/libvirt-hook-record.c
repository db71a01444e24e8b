// SPDX-License-Identifier: GPL-2.0
/*
 * What the hook moved to vfio-pci for a domain, so that release/end gives
 * back exactly that: not a card that was on vfio-pci already when the
 * domain started (claimed at boot by ids=, or bound by hand), which is
 * where its administrator wants it. One file per domain UUID under
 * /run/gpuvfio/libvirt-hook/, one PCI address a line. /run outlives a
 * restart of libvirtd (its domains keep running) and goes with a reboot
 * (and so do they).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libvirt-hook.h"

static const char *state_dir(void)
{
	const char *env = getenv(GV_HOOK_STATE_ENV);

	return env && *env ? env : GV_HOOK_STATE;
}

int gv_hook_record_path(char *buf, size_t size, const char *uuid)
{
	int n = snprintf(buf, size, "%s/%s", state_dir(), uuid);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int gv_hook_record_read(const char *uuid, struct gv_hook_addrs *s)
{
	char path[4096], line[64];
	struct gv_addr addr;
	size_t len;
	FILE *f;
	int ret = gv_hook_record_path(path, sizeof(path), uuid);

	s->n = 0;
	if (ret)
		return ret;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		len = strcspn(line, "\n");
		if (!len)
			continue;
		ret = gv_parse_addr(line, len, &addr) ? -EINVAL : gv_hook_addrs_add(s, &addr);
	}
	if (!ret && ferror(f))
		ret = -EIO;
	fclose(f);
	return ret;
}

/* mkdir -p for the state directory's two levels at most (/run/gpuvfio). */
static int make_dir(const char *dir)
{
	char parent[4096], *slash;

	if (!mkdir(dir, 0755) || errno == EEXIST)
		return 0;
	if (errno != ENOENT || snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent))
		return -errno;
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return -ENOENT;
	*slash = '\0';
	if (mkdir(parent, 0755) && errno != EEXIST)
		return -errno;
	return mkdir(dir, 0755) && errno != EEXIST ? -errno : 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int gv_hook_record_write(const char *uuid, const struct gv_hook_addrs *s)
{
	char path[4096], tmp[4200], text[GV_MAX_LIST * (GV_ADDR_LEN + 2)];
	size_t len = 0;
	unsigned int i;
	int fd, ret = gv_hook_record_path(path, sizeof(path), uuid);

	if (ret)
		return ret;
	if (!s->n)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	for (i = 0; i < s->n; i++) {
		gv_format_addr(text + len, sizeof(text) - len, &s->a[i]);
		len += strlen(text + len);
		text[len++] = '\n';
	}
	ret = make_dir(state_dir());
	if (ret)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, text, len);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}
