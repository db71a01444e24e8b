/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers for PCI addresses, vendor:device IDs and lists of them.
 *
 * This file and parse.c build both in the kernel and in userspace (the CLI
 * and the host tests include them), so that the module, the tool and the
 * fuzzers agree on one grammar:
 *
 *   address  DDDD:BB:SS.F or BB:SS.F       (hex; domain 4-8 digits, bus and
 *                                           slot 2 digits, function 0-7)
 *   id       VVVV:DDDD[:SVVV:SDDD]         (exactly 4 hex digits each)
 *   target   address | id | "all"
 *   list     items separated by commas and/or white space
 */
#ifndef GV_PARSE_H
#define GV_PARSE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
#endif

#define GV_ANY_ID	0xffffffffu	/* like PCI_ANY_ID */
#define GV_MAX_LIST	64		/* entries in ids=, exclude=, targets */
#define GV_ADDR_LEN	16		/* "ffffffff:ff:1f.7" without NUL */
#define GV_ID_LEN	20		/* "ffff:ffff:ffff:ffff" with NUL */

struct gv_addr {
	u32 domain;
	u8 bus;
	u8 devfn;	/* slot << 3 | function, as in struct pci_dev */
};

struct gv_id {
	u32 vendor, device;
	u32 subvendor, subdevice;	/* GV_ANY_ID when not given */
};

enum gv_target_kind {
	GV_TARGET_ADDR,
	GV_TARGET_ID,
	GV_TARGET_ALL,
};

struct gv_target {
	enum gv_target_kind kind;
	union {
		struct gv_addr addr;
		struct gv_id id;
	};
};

/* Where a list failed to parse: the offending token, for the error message. */
struct gv_parse_err {
	const char *tok;
	size_t len;
};

int gv_parse_addr(const char *s, size_t len, struct gv_addr *addr);
int gv_parse_id(const char *s, size_t len, struct gv_id *id);
int gv_parse_target(const char *s, size_t len, struct gv_target *t);

int gv_parse_id_list(const char *s, struct gv_id *ids, unsigned int max,
		     unsigned int *n, struct gv_parse_err *err);
int gv_parse_addr_list(const char *s, struct gv_addr *addrs, unsigned int max,
		       unsigned int *n, struct gv_parse_err *err);
int gv_parse_target_list(const char *s, struct gv_target *t, unsigned int max,
			 unsigned int *n, struct gv_parse_err *err);

bool gv_id_match(const struct gv_id *id, u32 vendor, u32 device,
		 u32 subvendor, u32 subdevice);
bool gv_addr_equal(const struct gv_addr *a, const struct gv_addr *b);

int gv_format_addr(char *buf, size_t size, const struct gv_addr *addr);
int gv_format_id(char *buf, size_t size, const struct gv_id *id);
int gv_format_id_list(char *buf, size_t size, const struct gv_id *ids,
		      unsigned int n);
int gv_format_addr_list(char *buf, size_t size, const struct gv_addr *addrs,
			unsigned int n);

#endif /* GV_PARSE_H */
