/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's counters, for metrics: how its requests ended since it was
 * loaded, what runs now, and how long the last one took. Kept with
 * atomics where a transaction ends (txn.c); read without a lock by
 * netlink (GPUVFIO_A_STATS) and sysfs (/sys/kernel/gpuvfio/stats/).
 */
#ifndef GV_STATS_H
#define GV_STATS_H

#include <linux/types.h>

struct gv_stats {
	u64 binds, unbinds, claims;
	u64 rollbacks, rollbacks_incomplete, refusals;
	u64 nothing, dry_runs;
	u32 running, pending;
	bool have_last;
	u64 last_ns;
	u32 last_outcome;		/* GPUVFIO_OUTCOME_* */
};

/* A transaction ended with outcome (GPUVFIO_OUTCOME_*) after elapsed_ns. */
void gv_stats_ended(bool bind, bool claim, u32 outcome, u64 elapsed_ns);
/* A device was claimed as it appeared (no transaction). */
void gv_stats_dev_claimed(void);
/* A transaction went to the workqueue; it left it (was_pending: it had
 * been reported pending). */
void gv_stats_running(void);
void gv_stats_done_running(bool was_pending);
/* A running transaction passed its deadline. */
void gv_stats_pending(void);

/* A snapshot: each value is exact, not all of them at the same instant. */
void gv_stats_read(struct gv_stats *s);

#endif /* GV_STATS_H */
