/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gpuvfio's options as modprobe resolves them from modprobe.d, under any
 * root: the running system's, a fake tree's, or an unpacked initramfs.
 */
#ifndef GV_MODCONF_H
#define GV_MODCONF_H

#include <limits.h>
#include <stdbool.h>

#include "gpuvfio.h"
#include "target.h"

/* One parameter: its last value, and where that was set. */
struct gv_modopt {
	bool set;
	char value[GPUVFIO_LIST_MAX];
	char from[PATH_MAX];		/* "/etc/modprobe.d/x.conf", "the kernel command line" */
};

struct gv_modconf {
	struct gv_modopt ids, exclude;
};

/*
 * Reads every "options gpuvfio ..." line of the modprobe.d directories
 * under root ("" for /) the way kmod does: the *.conf files of
 * /etc/modprobe.d, /run/modprobe.d, /usr/local/lib/modprobe.d and
 * /lib/modprobe.d, a name in an earlier directory hiding the same name in
 * a later one, in the order of their names; a later value of a parameter
 * replaces an earlier one, as the kernel parses them. Paths in from[] are
 * without root. 0, or -errno when a directory could not be read.
 */
int gv_modconf_read(const char *root, struct gv_modconf *mc);

/* Then the kernel command line's gpuvfio.ids= and gpuvfio.exclude=, which
 * modprobe passes after the files' options. */
void gv_modconf_cmdline(struct gv_modconf *mc, const char *cmdline);

/*
 * The list of opt in canonical form (the module's), into buf; "" when
 * unset. -EINVAL with err set when a token is malformed (buf then holds
 * the value as written).
 */
int gv_modconf_canonical(const struct gv_modopt *opt, bool ids, char *buf,
			 size_t size, struct gv_parse_err *err);

#endif /* GV_MODCONF_H */
