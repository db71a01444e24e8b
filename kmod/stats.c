// SPDX-License-Identifier: GPL-2.0
/*
 * The module's counters (see stats.h and GPUVFIO_A_STATS in the UAPI
 * header). Atomics, not a lock: they are bumped where a transaction ends,
 * under that transaction's own lock, and read by anyone at any time; no
 * reader needs two of them to agree.
 */
#include <linux/atomic.h>
#include <uapi/linux/gpuvfio.h>

#include "stats.h"

static atomic64_t gv_binds, gv_unbinds, gv_claims;
static atomic64_t gv_rollbacks, gv_rollbacks_incomplete, gv_refusals;
static atomic64_t gv_nothing, gv_dry_runs;
static atomic_t gv_running, gv_pending;
/* The last request's end: its duration, then (release) its outcome + 1,
 * 0 before the first. A reader that sees an outcome sees a duration too;
 * two requests ending together may pair one's duration with the other's
 * outcome, which a scrape tolerates. Neither is ever torn. */
static atomic64_t gv_last_ns;
static atomic_t gv_last_outcome;

static atomic64_t *done_counter(bool bind, bool claim)
{
	if (claim)
		return &gv_claims;
	return bind ? &gv_binds : &gv_unbinds;
}

void gv_stats_ended(bool bind, bool claim, u32 outcome, u64 elapsed_ns)
{
	atomic64_t *c = NULL;

	switch (outcome) {
	case GPUVFIO_OUTCOME_DRY_RUN:
		/* A question: it leaves the last request's duration to
		 * requests that could change something. One the module
		 * refuses counts as the refusal it is: the tool's bind asks
		 * one first and stops there when it is refused. */
		atomic64_inc(&gv_dry_runs);
		return;
	case GPUVFIO_OUTCOME_DONE:
		c = done_counter(bind, claim);
		break;
	case GPUVFIO_OUTCOME_NOTHING:
		c = &gv_nothing;
		break;
	case GPUVFIO_OUTCOME_REFUSED:
		c = &gv_refusals;
		break;
	case GPUVFIO_OUTCOME_ROLLED_BACK:
		c = &gv_rollbacks;
		break;
	case GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE:
		c = &gv_rollbacks_incomplete;
		break;
	}
	if (c)
		atomic64_inc(c);
	atomic64_set(&gv_last_ns, elapsed_ns);
	atomic_set_release(&gv_last_outcome, outcome + 1);
}

void gv_stats_dev_claimed(void)
{
	atomic64_inc(&gv_claims);
}

void gv_stats_running(void)
{
	atomic_inc(&gv_running);
}

void gv_stats_done_running(bool was_pending)
{
	if (was_pending)
		atomic_dec(&gv_pending);
	atomic_dec(&gv_running);
}

void gv_stats_pending(void)
{
	atomic_inc(&gv_pending);
}

void gv_stats_read(struct gv_stats *s)
{
	u32 last = atomic_read_acquire(&gv_last_outcome);

	s->binds = atomic64_read(&gv_binds);
	s->unbinds = atomic64_read(&gv_unbinds);
	s->claims = atomic64_read(&gv_claims);
	s->rollbacks = atomic64_read(&gv_rollbacks);
	s->rollbacks_incomplete = atomic64_read(&gv_rollbacks_incomplete);
	s->refusals = atomic64_read(&gv_refusals);
	s->nothing = atomic64_read(&gv_nothing);
	s->dry_runs = atomic64_read(&gv_dry_runs);
	s->running = atomic_read(&gv_running);
	s->pending = atomic_read(&gv_pending);
	s->have_last = last != 0;
	s->last_ns = atomic64_read(&gv_last_ns);
	s->last_outcome = last ? last - 1 : 0;
}
