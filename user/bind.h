/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_BIND_H
#define GV_BIND_H

#include <stdbool.h>
#include <stdio.h>

#include "groups.h"
#include "target.h"

/* A bind or unbind request as the tool understood it. */
struct gv_switch_req {
	bool bind;		/* false: unbind */
	bool all;		/* the one target is "all" */
	struct gv_target t[GV_MAX_LIST];
	unsigned int nt;
	char text[4096];	/* what is written to sysfs: canonical targets,
				 * space separated; sysfs takes one page */
};

/*
 * Reads the TARGET arguments (and --all) into r, whose bind field is set.
 * Returns 0 or GV_EXIT_USAGE, with the reason printed.
 */
int gv_switch_parse(int argc, char **argv, bool all, struct gv_switch_req *r);

/*
 * Prints what a request changed: every group holding a target, a device
 * whose driver changed or, for "all", a managed device, with each member's
 * driver before and after. before may be NULL (unknown). 0 or -EIO.
 */
int gv_switch_report(FILE *f, bool json, const struct gv_switch_req *r,
		     const struct gv_host *before, const struct gv_host *after);

/*
 * What the operator should know and do when the module refuses a bind
 * (bind true) or unbind with -err; NULL for errors without a sentence.
 */
const char *gv_switch_strerror(int err, bool bind);

#endif /* GV_BIND_H */
