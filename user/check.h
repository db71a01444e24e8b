/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `gpuvfio check` collects: a list of findings, each PASS, WARN or
 * FAIL with a sentence that says what to do, the host's (check.c) and each
 * device's (check-dev.c) alike.
 */
#ifndef GV_CHECK_H
#define GV_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "gpuvfio.h"
#include "target.h"

enum gv_result { GV_PASS, GV_WARN, GV_FAIL };

struct gv_check {
	const char *name;
	enum gv_result result;
	char device[GV_ADDR_LEN + 1];	/* "" unless about one device */
	char message[1024];
};

struct gv_checks {
	struct gv_check *v;
	size_t n;
	unsigned int count[3];
	bool oom;
};

/* Appends a finding; on allocation failure sets c->oom. */
void gv_check_add(struct gv_checks *c, const char *name, enum gv_result r,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Marks the last finding as being about the device named addr. */
void gv_check_set_device(struct gv_checks *c, const char *addr);

/*
 * An absolute path outside /sys ("/proc/iomem"), moved under the fake
 * root (GPUVFIO_SYSFS_ROOT) when there is one: ROOT/proc/iomem.
 */
int gv_check_host_path(char *buf, size_t size, const char *abs);

#endif /* GV_CHECK_H */
