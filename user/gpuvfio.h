/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the commands of the gpuvfio tool share: exit codes, the global
 * output mode, the module's configuration, error printing.
 */
#ifndef GV_GPUVFIO_H
#define GV_GPUVFIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/gpuvfio.h>

/* Exit status, documented in gpuvfio(8). */
enum {
	GV_EXIT_OK = 0,
	GV_EXIT_FAILED = 1,	/* refused or failed; the reason is on stderr */
	GV_EXIT_USAGE = 2,
	GV_EXIT_NO_MODULE = 3,
	GV_EXIT_PENDING = 4,	/* still in progress past the timeout */
};

extern const char *gv_prog;
/* Set by -j/--json, before or after the command name. */
extern bool gv_json;

/*
 * A command gets argv from its own name on and returns the exit status.
 * Each understands -h/--help (usage on stdout, exit 0).
 */
int cmd_status(int argc, char **argv);
int cmd_bind(int argc, char **argv);
int cmd_unbind(int argc, char **argv);
int cmd_ids(int argc, char **argv);
int cmd_exclude(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_xml(int argc, char **argv);
int cmd_nova(int argc, char **argv);
int cmd_kubevirt(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
/* path gets buf whole or not at all (atomic.c); 0 or -errno, *what the
 * step that failed. */
int gv_write_atomic(const char *path, const char *buf, size_t len,
		    const char **what);

/* The module's counters (GPUVFIO_A_STATS, /sys/kernel/gpuvfio/stats/). */
struct gv_stats {
	bool have;			/* the module reported them */
	uint64_t binds, unbinds, claims;
	uint64_t rollbacks, rollbacks_incomplete, refusals;
	uint64_t nothing, dry_runs;
	uint32_t running, pending;	/* gauges: transactions now */
	bool have_last;			/* a request has ended */
	uint64_t last_ns;		/* how long the last one took */
	bool have_last_outcome;		/* netlink only */
	uint32_t last_outcome;		/* enum gpuvfio_outcome */
};

/* The module's configuration, from netlink or, failing that, sysfs. */
struct gv_config {
	bool loaded;
	const char *source;		/* "netlink" or "sysfs" */
	char version[64];
	char ids[GPUVFIO_LIST_MAX];
	char exclude[GPUVFIO_LIST_MAX];
	bool have_managed;
	uint32_t managed;		/* devices gpuvfio manages */
	struct gv_stats stats;		/* absent from older modules */
};

/*
 * The options of a command that has none of its own: -j/--json and
 * -h/--help (usage on stdout). Returns -1 to go on, with optind at the
 * first argument, or the exit status (0 after --help, GV_EXIT_USAGE with
 * the usage on stderr).
 */
int gv_common_opts(int argc, char **argv, void (*usage)(FILE *f));

/* "gpuvfio: <message>\n" on stderr. */
void gv_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define GV_MODULE_MISSING \
	"the gpuvfio module is not loaded: modprobe gpuvfio"

#endif /* GV_GPUVFIO_H */
