// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"

const char *gv_sysfs_root(void)
{
	const char *root = getenv(GV_SYSFS_ROOT_ENV);

	return root && *root ? root : "/sys";
}

bool gv_sysfs_overridden(void)
{
	const char *root = getenv(GV_SYSFS_ROOT_ENV);

	return root && *root;
}

int gv_sysfs_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, size, "%s/", gv_sysfs_root());
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= size - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}

int gv_sysfs_read(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t r;
	int fd, ret = 0;

	if (!size)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Sysfs hands out an attribute in one read, but a fake tree made of
	 * plain files need not: read until EOF. */
	while (len < size) {
		r = read(fd, buf + len, size - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (ret)
		return ret;
	if (len == size)
		return -EFBIG;
	while (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return (int)len;
}

int gv_sysfs_read_hex(const char *path, unsigned int *val)
{
	char buf[32], *end;
	unsigned long v;
	int ret;

	ret = gv_sysfs_read(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (strncmp(buf, "0x", 2) || !buf[2])
		return -EINVAL;
	errno = 0;
	v = strtoul(buf + 2, &end, 16);
	if (errno || *end || v > UINT_MAX)
		return -EINVAL;
	*val = (unsigned int)v;
	return 0;
}

int gv_sysfs_link_name(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base || strlen(base) >= size)
		return -EINVAL;
	strcpy(buf, base);
	return 0;
}

int gv_sysfs_write(const char *path, const char *buf, size_t len)
{
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Not retried on a short count: the kernel takes a sysfs write whole
	 * or fails it. */
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

bool gv_module_loaded(void)
{
	char path[PATH_MAX];
	struct stat st;

	if (gv_sysfs_path(path, sizeof(path), "kernel/gpuvfio"))
		return false;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int count_entries(const char *path, uint32_t *n)
{
	struct dirent *de;
	DIR *d;

	d = opendir(path);
	if (!d)
		return -errno;
	*n = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			(*n)++;
	closedir(d);
	return 0;
}

/*
 * /sys/kernel/gpuvfio/stats/, when the module has it: st->have only when
 * every file reads as a number.
 */
static void read_stats(struct gv_stats *st)
{
	uint64_t running = 0, pending = 0;
	const struct {
		const char *file;
		uint64_t *v;
	} files[] = {
		{ "binds", &st->binds },
		{ "unbinds", &st->unbinds },
		{ "claims", &st->claims },
		{ "rollbacks", &st->rollbacks },
		{ "rollbacks_incomplete", &st->rollbacks_incomplete },
		{ "refusals", &st->refusals },
		{ "nothing", &st->nothing },
		{ "dry_runs", &st->dry_runs },
		{ "running", &running },
		{ "pending", &pending },
		{ "last_ns", &st->last_ns },
	};
	char path[PATH_MAX], buf[32], *end;
	size_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (gv_sysfs_path(path, sizeof(path), "kernel/gpuvfio/stats/%s",
				  files[i].file) ||
		    gv_sysfs_read(path, buf, sizeof(buf)) <= 0 ||
		    buf[0] < '0' || buf[0] > '9')
			goto bad;
		errno = 0;
		*files[i].v = strtoull(buf, &end, 10);
		if (errno || *end)
			goto bad;
	}
	st->running = running > UINT32_MAX ? UINT32_MAX : running;
	st->pending = pending > UINT32_MAX ? UINT32_MAX : pending;
	/* 0: no request has ended yet (none takes no time). */
	st->have_last = st->last_ns != 0;
	st->have = true;
	return;
bad:
	memset(st, 0, sizeof(*st));
}

int gv_sysfs_read_config(struct gv_config *cfg)
{
	static const struct {
		const char *file;
		size_t off, size;
	} files[] = {
		{ "version", offsetof(struct gv_config, version),
		  sizeof(((struct gv_config *)0)->version) },
		{ "ids", offsetof(struct gv_config, ids),
		  sizeof(((struct gv_config *)0)->ids) },
		{ "exclude", offsetof(struct gv_config, exclude),
		  sizeof(((struct gv_config *)0)->exclude) },
	};
	char path[PATH_MAX];
	size_t i;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (!gv_module_loaded())
		return -ENOENT;
	cfg->loaded = true;
	cfg->source = "sysfs";
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ret = gv_sysfs_path(path, sizeof(path), "kernel/gpuvfio/%s",
				    files[i].file);
		if (!ret)
			ret = gv_sysfs_read(path, (char *)cfg + files[i].off,
					    files[i].size);
		if (ret < 0)
			return ret;
	}
	ret = gv_sysfs_path(path, sizeof(path), "kernel/gpuvfio/devices");
	if (!ret && !count_entries(path, &cfg->managed))
		cfg->have_managed = true;
	read_stats(&cfg->stats);
	return 0;
}
