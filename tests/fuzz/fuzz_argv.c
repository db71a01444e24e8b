// SPDX-License-Identifier: GPL-2.0
/*
 * The whole command line: the input is split at NUL bytes into arguments
 * and handed to the tool's main() (renamed gpuvfio_main). /sys, /proc and
 * /dev are an empty directory and gv_nl_open() always fails (linked with
 * --wrap), so every command stops at "module not loaded" or earlier:
 * what is fuzzed is the parsing each command does before it acts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct gv_nl;

int gpuvfio_main(int argc, char **argv);

int __wrap_gv_nl_open(struct gv_nl **nl)
{
	*nl = NULL;
	return -ENOENT;
}

/* metrics --output FILE would write FILE wherever the input names it. */
int __wrap_gv_write_atomic(const char *path, const char *buf, size_t len,
			   const char **what)
{
	(void)path;
	(void)buf;
	(void)len;
	*what = "write";
	return -EROFS;
}

#define MAX_ARGS 32

static char root[] = "/tmp/gpuvfio-fuzz.XXXXXX";

static void remove_root(void)
{
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(root))
		abort();
	atexit(remove_root);
	setenv("GPUVFIO_SYSFS_ROOT", root, 1);
	setenv("GPUVFIO_PROC_ROOT", root, 1);
	setenv("GPUVFIO_DEV_ROOT", root, 1);
	setenv("GPUVFIO_PCI_IDS", "/dev/null", 1);
	/* ids|exclude set --persist write there (with a module to ask). */
	setenv("GPUVFIO_MODPROBE_D", root, 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[MAX_ARGS + 1], *p, *end;
	int argc = 0;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "gpuvfio";
	for (p = buf, end = buf + size; argc < MAX_ARGS; p += strlen(p) + 1) {
		argv[argc++] = p;
		if (p + strlen(p) >= end)
			break;
	}
	argv[argc] = NULL;
	/* `monitor` would only get as far as "not loaded"; nothing blocks. */
	gpuvfio_main(argc, argv);
	free(buf);
	return 0;
}
