/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * gpuvfio: the generic netlink protocol between gpuvfio.ko and its tools.
 *
 * Family name GPUVFIO_GENL_NAME ("gpuvfio"), version GPUVFIO_GENL_VERSION.
 * Attributes are only ever appended; attribute 0 is never used. Every
 * string is NUL-terminated. Reading commands are open to every user;
 * commands that change state require CAP_SYS_ADMIN.
 *
 * GPUVFIO_CMD_GET_CONFIG (do)
 *   request:  no attributes
 *   reply:    GPUVFIO_A_VERSION      NLA_NUL_STRING  module version
 *             GPUVFIO_A_IDS          NLA_NUL_STRING  the ids list, in the
 *                                                    format of ids=
 *             GPUVFIO_A_EXCLUDE      NLA_NUL_STRING  the exclude list
 *             GPUVFIO_A_MANAGED      NLA_U32         number of devices
 *                                                    gpuvfio manages
 */
#ifndef _UAPI_LINUX_GPUVFIO_H
#define _UAPI_LINUX_GPUVFIO_H

#define GPUVFIO_GENL_NAME	"gpuvfio"
#define GPUVFIO_GENL_VERSION	1

enum gpuvfio_cmd {
	GPUVFIO_CMD_UNSPEC,
	GPUVFIO_CMD_GET_CONFIG,
	__GPUVFIO_CMD_MAX
};
#define GPUVFIO_CMD_MAX (__GPUVFIO_CMD_MAX - 1)

enum gpuvfio_attr {
	GPUVFIO_A_UNSPEC,
	GPUVFIO_A_VERSION,
	GPUVFIO_A_IDS,
	GPUVFIO_A_EXCLUDE,
	GPUVFIO_A_MANAGED,
	__GPUVFIO_A_MAX
};
#define GPUVFIO_A_MAX (__GPUVFIO_A_MAX - 1)

/* Longest ids= or exclude= list, in bytes including the NUL. */
#define GPUVFIO_LIST_MAX	4096

#endif /* _UAPI_LINUX_GPUVFIO_H */
