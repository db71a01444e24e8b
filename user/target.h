/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Targets (PCI addresses, vendor:device IDs, "all") are parsed by the
 * module's own parser, built into the tool from kmod/parse.c, so that the
 * tool refuses exactly what the module refuses. What the tool uses:
 * struct gv_target/gv_addr/gv_id, gv_parse_addr(), gv_parse_target(),
 * gv_parse_target_list() (with struct gv_parse_err), gv_id_match(),
 * gv_addr_equal(), gv_format_addr(), gv_format_id(), GV_MAX_LIST,
 * GV_ADDR_LEN, GV_ID_LEN and GV_ANY_ID.
 */
#ifndef GV_TARGET_H
#define GV_TARGET_H

#include "../kmod/parse.h"

#endif /* GV_TARGET_H */
