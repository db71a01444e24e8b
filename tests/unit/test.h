/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal harness: every check prints "ok - what" or "FAIL - what", and
 * test_done() turns the count of failures into the exit status.
 */
#ifndef GV_TEST_H
#define GV_TEST_H

#include <stdbool.h>
#include <stddef.h>

bool check(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "ok - what # SKIP why" for a check that cannot run here. */
void skip(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int test_done(void);

/* check() that also shows both strings when they differ. */
bool check_str(const char *got, const char *want, const char *what);
/* got contains want. */
bool check_contains(const char *got, const char *want, const char *what);

/* A strict JSON validator (RFC 8259, UTF-8 checked): the emitter's judge. */
bool json_valid(const char *s);

/* A fake sysfs tree in a temporary directory, set as GPUVFIO_SYSFS_ROOT. */
const char *fake_init(void);
void fake_cleanup(void);
/* A PCI device; driver NULL for none, group < 0 for none. */
void fake_dev(const char *addr, unsigned int vendor, unsigned int device,
	      unsigned int class, const char *driver, int group);
void fake_set_driver(const char *addr, const char *driver);
/* The same below bridges: devices/PARENT/ADDR ("pci0000:00/0000:00:1c.0"). */
void fake_dev_at(const char *parent, const char *addr, unsigned int vendor,
		 unsigned int device, unsigned int class, const char *driver,
		 int group);
/* An empty iommu_groups/ directory: the IOMMU is on in name only. */
void fake_iommu_dir(void);
/* /sys/kernel/gpuvfio with the given files. */
void fake_module(const char *version, const char *ids, const char *exclude);
void fake_managed(const char *addr, const char *orig_driver,
		  const char *orig_override, const char *state);
/* A file anywhere under the root, with its directories. */
void fake_file(const char *rel, const char *content);
/* Reads a file under the root; "" if missing. Static buffer. */
const char *fake_read(const char *rel);

/* Runs the tool's main() with stdout and stderr captured. */
struct run {
	int status;
	char out[65536];
	char err[65536];
};
/* NULL-terminated arguments after "gpuvfio"; returns the exit status. */
int run_tool(struct run *r, ...) __attribute__((sentinel));

/* Captures stdout and stderr of anything in between. */
void capture_begin(void);
void capture_end(char *out, size_t out_size, char *err, size_t err_size);

#endif /* GV_TEST_H */
