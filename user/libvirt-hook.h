/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gpuvfio-libvirt-hook: the program libvirt runs from
 * /etc/libvirt/hooks/qemu.d/ (docs/libvirt-hook.md). It is built from
 * the tool's own bind path (bind.c, nl*.c) and these files, the only ones
 * linked with libxml2:
 *
 *   libvirt-hook.c         the operations: argv, what prepare/begin and
 *                          release/end do, the timeout
 *   libvirt-hook-xml.c     the domain XML: its UUID and the source address
 *                          of every unmanaged PCI <hostdev>
 *   libvirt-hook-conf.c    the per-host switch file
 *   libvirt-hook-record.c  what the hook moved, per domain, so that
 *                          release/end gives back exactly that
 *   libvirt-hook-main.c    main() and what gpuvfio.c gives the tool
 */
#ifndef GV_LIBVIRT_HOOK_H
#define GV_LIBVIRT_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"

#define GV_HOOK_CONF		"/etc/gpuvfio/libvirt-hook.conf"
#define GV_HOOK_CONF_ENV	"GPUVFIO_HOOK_CONF"
#define GV_HOOK_STATE		"/run/gpuvfio/libvirt-hook"
#define GV_HOOK_STATE_ENV	"GPUVFIO_HOOK_STATE_DIR"
/* libvirt waits for the hook this long at most, unless timeout= says. */
#define GV_HOOK_TIMEOUT_MS	20000
/* The domain XML libvirt writes on standard input, at most. */
#define GV_HOOK_XML_MAX		(16u << 20)
/* "8-4-4-4-12" hex digits and a NUL. */
#define GV_HOOK_UUID_LEN	37

/* Exit status (gpuvfio-libvirt-hook(8)). */
enum {
	GV_HOOK_OK = 0,		/* done, nothing to do, or not ours */
	GV_HOOK_FAILED = 1,	/* refused or failed: libvirt does not start
				 * the domain; the reason is on stderr */
	GV_HOOK_USAGE = 2,	/* not called as libvirt calls a hook */
};

/* A set of PCI addresses, without duplicates. */
struct gv_hook_addrs {
	unsigned int n;
	struct gv_addr a[GV_MAX_LIST];
};

/* Adds addr unless it is there already. 0, or -E2BIG when full. */
int gv_hook_addrs_add(struct gv_hook_addrs *s, const struct gv_addr *addr);
bool gv_hook_addrs_has(const struct gv_hook_addrs *s, const struct gv_addr *addr);

/* What the hook needs from a domain's XML. */
struct gv_hook_domain {
	char uuid[GV_HOOK_UUID_LEN];	/* lower case, with dashes */
	struct gv_hook_addrs pci;	/* unmanaged PCI hostdevs' sources */
};

/*
 * Parses xml[0..len) (no network, no external entities) into d: the
 * domain's <uuid>, and the source address of every
 * <hostdev mode='subsystem' type='pci'> whose managed is 'no' or absent
 * (libvirt's default). Returns 0; -EINVAL for XML that is malformed or
 * not a domain libvirt would write (why in err); -E2BIG for more than
 * GV_MAX_LIST such devices.
 */
int gv_hook_parse_domain(const char *xml, size_t len, struct gv_hook_domain *d,
			 char *err, size_t err_size);

/*
 * A number as libvirt reads the attributes of a PCI address: hexadecimal
 * with 0x, octal with a leading 0, decimal otherwise; no sign, no spaces.
 * 0, or -EINVAL, or -ERANGE above max.
 */
int gv_hook_parse_number(const char *s, unsigned long max, unsigned long *v);

/* The switch file. */
struct gv_hook_conf {
	bool enabled;
	uint32_t timeout_ms;
};

/* GV_HOOK_CONF, or $GPUVFIO_HOOK_CONF. */
const char *gv_hook_conf_path(void);
/*
 * Reads path into c (defaults first: enabled, GV_HOOK_TIMEOUT_MS); a
 * missing file leaves the defaults. 0, or -errno with the file, line and
 * reason in err.
 */
int gv_hook_conf_read(const char *path, struct gv_hook_conf *c, char *err,
		      size_t err_size);

/*
 * The record of what the hook moved for a domain (by UUID), one PCI
 * address a line, in GV_HOOK_STATE (or $GPUVFIO_HOOK_STATE_DIR).
 * read: 0, -ENOENT when there is none, -EINVAL for a damaged one, -errno.
 * write: replaces it atomically; an empty set removes it. 0 or -errno.
 */
int gv_hook_record_read(const char *uuid, struct gv_hook_addrs *s);
int gv_hook_record_write(const char *uuid, const struct gv_hook_addrs *s);
/* The record's path, for messages. */
int gv_hook_record_path(char *buf, size_t size, const char *uuid);

/*
 * The hook: argv as libvirt gives it (PROGRAM DOMAIN OPERATION
 * SUB-OPERATION EXTRA), the domain XML read from xml_fd. Returns the
 * exit status.
 */
int gv_hook_main(int argc, char **argv, int xml_fd);

#endif /* GV_LIBVIRT_HOOK_H */
