/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_MONITOR_H
#define GV_MONITOR_H

#include <stdbool.h>
#include <stdio.h>

#include "nl.h"

/* One event as `gpuvfio monitor` prints it: a line of text, or one JSON
 * object on a line. 0 or -EIO. */
int gv_monitor_print(FILE *f, bool json, const struct gv_nl_result *ev);

#endif /* GV_MONITOR_H */
