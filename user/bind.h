/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_BIND_H
#define GV_BIND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "holders.h"
#include "json.h"
#include "nl.h"
#include "target.h"

#define GV_TARGET_TEXT	(GV_ID_LEN + GV_ADDR_LEN)

/* A bind or unbind request as the tool understood it. */
struct gv_switch_req {
	bool bind;		/* false: unbind */
	bool all;		/* the one target is "all" */
	bool dry_run, force;
	uint32_t timeout_ms;	/* 0: the kernel's default */
	struct gv_target t[GV_MAX_LIST];
	unsigned int nt;
	/* The targets in canonical form, as sent in GPUVFIO_A_TARGET. */
	char text[GV_MAX_LIST][GV_TARGET_TEXT];
	const char *textp[GV_MAX_LIST];
};

/*
 * Reads the TARGET arguments (and --all) into r, whose bind field is set.
 * Returns 0 or GV_EXIT_USAGE, with the reason printed.
 */
int gv_switch_parse(int argc, char **argv, bool all, struct gv_switch_req *r);

/*
 * Reads "--timeout SECONDS": a decimal number of seconds ("3", "0.5",
 * "2.25"), at most 3 decimals, 0.001 to 3600. 0, or -EINVAL for a
 * malformed value, -ERANGE for one out of range.
 */
int gv_parse_timeout(const char *s, uint32_t *ms);

/*
 * Prints a bind/unbind result or an event: human (a header line with the
 * outcome, then every member, by IOMMU group) or, in json, the members'
 * fields into an open object (see gv_result_json()).
 */
void gv_result_print_members(FILE *f, const struct gv_nl_result *res, bool bind);
/* "0.125" for 125000 ns: milliseconds with 3 decimals. */
void gv_format_ms(char *buf, size_t size, uint64_t ns);
/* The keys of a result (outcome, txn, errno, message, elapsed_ms, wait,
 * members) into an open JSON object; err overrides res->err when not 0,
 * message when not NULL. docs/json.md lists them. */
void gv_result_json(struct json *j, const struct gv_nl_result *res, int err,
		    const char *message);

/*
 * What the operator should know and do when the module refuses a bind
 * (bind true) or unbind with -err and says nothing itself; NULL for
 * errors without a sentence.
 */
const char *gv_switch_strerror(int err, bool bind);

#endif /* GV_BIND_H */
