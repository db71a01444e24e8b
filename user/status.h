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
int gv_status_print(FILE *f, bool json, const struct gv_config *cfg,
		    const struct gv_host *h, const struct gv_target *t,
		    unsigned int nt);

/* One member as "0000:01:00.0 VGA compatible controller [0300]: Vendor
 * Device [1234:1111]", the way lspci -nn does it. */
void gv_print_device_line(FILE *f, const struct gv_dev *d);

#endif /* GV_STATUS_H */
