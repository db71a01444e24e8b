/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_STATUS_H
#define GV_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include "gpuvfio.h"
#include "groups.h"
#include "devsrc.h"

/*
 * Prints what `gpuvfio status` prints, human or JSON, for the groups that
 * hold a device matching one of t[0..nt) or, with nt == 0, a display
 * controller, GPU audio function or managed device. Returns 0, or -EIO when
 * the JSON document could not be completed.
 */
/*
 * Reads the TARGET arguments of status, check and xml into t (room for
 * GV_MAX_LIST): addresses and IDs; "all" is refused with all_msg. 0, or
 * GV_EXIT_USAGE after saying why (and, for a malformed one, usage(stderr)
 * when usage is given).
 */
int gv_parse_targets(int argc, char **argv, struct gv_target *t,
		     unsigned int *n, const char *all_msg,
		     void (*usage)(FILE *f));
/* A target as the user would write it: its address or its ID. */
void gv_target_name(const struct gv_target *t, char *buf, size_t size);

int gv_status_print(FILE *f, bool json, const struct gv_config *cfg,
		    const struct gv_host *h, const struct gv_target *t,
		    unsigned int nt);

/* One member as "0000:01:00.0 VGA compatible controller [0300]: Vendor
 * Device [1234:1111]", the way lspci -nn does it. */
void gv_print_device_line(FILE *f, const struct gv_dev *d);

#endif /* GV_STATUS_H */
