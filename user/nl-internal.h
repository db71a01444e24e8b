/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the netlink layer (nl*.c) share and nothing else
 * needs; the public interface is nl.h.
 */
#ifndef GV_NL_INTERNAL_H
#define GV_NL_INTERNAL_H

/* msg without the module's own "gpuvfio: " prefix (the tool prints its
 * own); NULL for NULL. */
const char *gv_nl_unprefixed(const char *msg);

#endif /* GV_NL_INTERNAL_H */
