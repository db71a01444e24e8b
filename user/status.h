/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_STATUS_H
#define GV_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include "gpuvfio.h"
#include "groups.h"
#include "nl.h"

/*
 * Prints what `gpuvfio status` prints, human or JSON, for the groups that
 * hold a device matching one of t[0..nt) or, with nt == 0, a display
 * controller, GPU audio function or managed device. Returns 0, or -EIO when
 * the JSON document could not be completed.
 */
int gv_status_print(FILE *f, bool json, const struct gv_config *cfg,
		    const struct gv_host *h, const struct gv_target *t,
		    unsigned int nt);

/* The module's configuration over netlink, else sysfs; cfg->loaded false
 * when the module is not loaded. Problems are printed, not returned. */
void gv_status_get_config(struct gv_config *cfg);

/*
 * Takes the module's view (GPUVFIO_CMD_GET_DEVICE and GET_GROUP dumps)
 * into h: every device's state ("binding" while a bind moves it), managed
 * flag, original driver and override; each group's vfio_user and busy.
 */
void gv_host_apply_kernel(struct gv_host *h, const struct gv_nl_dev *devs,
			  size_t ndevs, const struct gv_nl_group *groups,
			  size_t ngroups);

/* One member as "0000:01:00.0 VGA compatible controller [0300]: Vendor
 * Device [1234:1111]", the way lspci -nn does it. */
void gv_print_device_line(FILE *f, const struct gv_dev *d);

#endif /* GV_STATUS_H */
