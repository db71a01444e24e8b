// SPDX-License-Identifier: GPL-2.0
/*
 * Writing a file whole or not at all (metrics --output). In a file of its
 * own so that the fuzz target of the command line can replace it: no input
 * may write a file on the host that runs the fuzzer.
 */
#define _GNU_SOURCE		/* mkostemp() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpuvfio.h"

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The directory of path and its last component, in dir and base. */
static int split_path(const char *path, char *dir, size_t dsize, char *base,
		      size_t bsize)
{
	const char *slash = strrchr(path, '/');
	size_t dlen;

	if (slash && !slash[1])
		return -EISDIR;
	if (!slash) {
		snprintf(dir, dsize, ".");
		return snprintf(base, bsize, "%s", path) >= (int)bsize ?
		       -ENAMETOOLONG : 0;
	}
	dlen = slash == path ? 1 : (size_t)(slash - path);
	if (dlen >= dsize)
		return -ENAMETOOLONG;
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	return snprintf(base, bsize, "%s", slash + 1) >= (int)bsize ?
	       -ENAMETOOLONG : 0;
}

/*
 * path gets buf[0..len) whole or not at all: a temporary file beside it
 * (".NAME.XXXXXX", which the textfile collector ignores: it reads *.prom),
 * written, made 0644 (node_exporter runs as another user), synced, then
 * renamed over path, and the directory synced. On failure the temporary
 * file is removed and path is as it was. 0 or -errno; *what says which
 * step failed.
 */
int gv_write_atomic(const char *path, const char *buf, size_t len,
		    const char **what)
{
	char dir[PATH_MAX], base[NAME_MAX + 1], tmp[PATH_MAX];
	int fd, dfd, ret;

	*what = "use";
	ret = split_path(path, dir, sizeof(dir), base, sizeof(base));
	if (ret)
		return ret;
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	*what = "create a temporary file beside";
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*what = "write";
	ret = write_all(fd, buf, len);
	if (!ret && fchmod(fd, 0644))
		ret = -errno;
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret) {
		*what = "rename into";
		if (rename(tmp, path))
			ret = -errno;
	}
	if (ret) {
		unlink(tmp);
		return ret;
	}
	/* The rename itself survives a crash once the directory is synced. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
