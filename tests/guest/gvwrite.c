// SPDX-License-Identifier: GPL-2.0
/*
 * gvwrite FILE STRING: one write(2) of STRING to FILE, as a script's echo
 * would do it, reporting the result by errno name so tests can assert it:
 * prints "ok" or e.g. "EXDEV" and exits 0 or 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
	int err;
	const char *name;
} names[] = {
	{ EINVAL, "EINVAL" }, { ENODEV, "ENODEV" }, { EPERM, "EPERM" },
	{ ENXIO, "ENXIO" }, { EXDEV, "EXDEV" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ ENOPKG, "ENOPKG" }, { EBUSY, "EBUSY" }, { EIO, "EIO" },
	{ E2BIG, "E2BIG" }, { ENOENT, "ENOENT" }, { EACCES, "EACCES" },
	{ EINTR, "EINTR" }, { ENOMEM, "ENOMEM" }, { EINPROGRESS, "EINPROGRESS" },
	{ ESHUTDOWN, "ESHUTDOWN" },
};

int main(int argc, char *argv[])
{
	size_t i, len;
	ssize_t ret;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: gvwrite FILE STRING\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	len = strlen(argv[2]);
	ret = write(fd, argv[2], len);
	if (ret == (ssize_t)len) {
		puts("ok");
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (ret < 0 && names[i].err == errno) {
			puts(names[i].name);
			return 1;
		}
	}
	/* One word, as the scripts read the first word. */
	printf("errno-%d (%s)\n", errno, strerror(errno));
	return 1;
}
