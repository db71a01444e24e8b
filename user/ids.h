/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_IDS_H
#define GV_IDS_H

#include <stdbool.h>
#include <stdio.h>

#include "gpuvfio.h"
#include "target.h"

/*
 * Reads ID arguments (each may be a list) into ids[0..GV_MAX_LIST).
 * 0, or GV_EXIT_USAGE with the bad token named on stderr; no IDs at all
 * is a usage error unless allow_empty.
 */
int gv_ids_parse(int argc, char **argv, struct gv_id *ids, unsigned int *n,
		 bool allow_empty);

/*
 * Adds (add) or removes ids[0..n) to or from cur[0..*ncur), which has room
 * for GV_MAX_LIST. An ID already in (add) or not in (del) the list is
 * named on stderr and skipped. Returns how many changes were made, or
 * -E2BIG (printed) when the list would grow too long.
 */
int gv_ids_edit(struct gv_id *cur, unsigned int *ncur, const struct gv_id *ids,
		unsigned int n, bool add);

/* What `ids show` prints, human or JSON; 0 or -EIO. */
int gv_ids_print(FILE *f, bool json, const struct gv_config *cfg);

#endif /* GV_IDS_H */
