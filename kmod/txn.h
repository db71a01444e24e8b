/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the switch engine: a transaction and its members, shared by
 *   txn.c     its lifetime, ids, report, end and submission
 *   plan.c    resolve, classify, preflight (nothing changes)
 *   commit.c  the commit on the workqueue: lanes, moves, verify, rollback
 *   busy.c    the busy-group registry and the transactions committing
 * Front ends use switch.h only.
 */
#ifndef GV_TXN_H
#define GV_TXN_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "devices.h"
#include "switch.h"

#define GV_VFIO		"vfio-pci"
/* Each group holds at least one of the request's devices, so the group limit
 * never refuses what the device limit lets through. */
#define GV_MAX_GROUPS	GV_MAX_DEVICES

/* How far a device got in its move, for the rollback. */
enum gv_done {
	GV_DONE_NOTHING,
	GV_DONE_OVERRIDE,
	GV_DONE_RELEASE,
	GV_DONE_ATTACH,
};

struct gv_group {
	struct iommu_group *group;
	struct list_head busy_node;
	bool vfio_user;
};

struct gv_member {
	struct pci_dev *pdev;
	struct gv_group *grp;
	u32 role;			/* GPUVFIO_ROLE_* */
	u32 fate;			/* GPUVFIO_FATE_* */
	u32 progress;			/* GPUVFIO_PROGRESS_*, under t->lock */
	bool dma_managed;
	bool blocking;			/* in a remove or probe that may wait
					 * for a holder (under t->lock) */
	bool gone;			/* left the bus meanwhile (busy lock) */
	enum gv_done done;
	/* Written by a lane, read by reports: WRITE_ONCE/READ_ONCE. */
	int err;
	u64 t_override, t_release, t_attach;
	char driver[GV_NAME_LEN];	/* bound when classified, "" if none */
	char to_driver[GV_NAME_LEN];	/* "": none (claim) or default (unbind) */
	/* Overrides, any length: the user's when classified, the one that
	 * names the destination while it attaches, and the one put back
	 * after the attach (NULL: leave the one set while attaching). */
	char *override;
	char *during_override;
	char *after_override;
};

/*
 * The moves of one IOMMU group, made in order by one worker. Groups are
 * independent of each other, so a transaction's lanes run in parallel; the
 * transaction is still all or nothing: a failure in one lane stops the
 * others and everything is rolled back.
 */
struct gv_lane {
	struct work_struct work;
	struct gv_txn *txn;
	struct gv_group *grp;
	int err;
};

/* A set of devices, each held by a reference. */
struct gv_devset {
	struct pci_dev *devs[GV_MAX_DEVICES];
	unsigned int n;
};

struct gv_txn {
	struct kref ref;
	/* Orders the worker's progress against reports and events. Never
	 * held across a driver's remove or probe. */
	struct mutex lock;
	struct work_struct work;
	struct delayed_work deadline_work;
	struct completion done;
	struct list_head active_node;	/* on the busy registry's list while
					 * committing */
	struct list_head node;		/* on the list of kept transactions */
	u32 id;
	bool bind;
	unsigned int flags;
	unsigned long deadline;		/* jiffies: the one deadline */
	u64 start_ns, elapsed_ns;

	/* Under lock: */
	bool submitted;
	bool planned;			/* members are there to report */
	bool loading;			/* past its plan, in modprobe vfio-pci */
	bool committing;
	bool finished;
	bool pending;			/* past the deadline, still going */
	u32 outcome;			/* GPUVFIO_OUTCOME_* */
	int err;
	unsigned long ended;		/* jiffies, once finished */
	struct gv_member *waiting;	/* whose driver the worker waits on */
	char msg[GV_MSG_LEN];		/* the first failure, or the result */
	char wait_msg[GV_MSG_LEN];	/* what a pending request waits on */

	/* Set while planning, by one task at a time: */
	bool replan;			/* the worker plans (it had to wait) */
	bool load_vfio;			/* the worker loads vfio-pci first */
	bool all_unbound;		/* every move has no driver */
	bool preclaimed;		/* overrides set by submit (claims) */
	bool incomplete;		/* the rollback stranded a device */
	struct gv_devset devs;		/* targets, then companions */
	unsigned int ntargets;
	struct gv_group groups[GV_MAX_GROUPS];
	unsigned int ngroups;
	bool holding;			/* the groups are marked busy */
	struct gv_member *members;
	unsigned int nmembers, cap;
	struct gv_member **moves;
	unsigned int nmoves;
	struct gv_lane *lanes;
	unsigned int nlanes;
	atomic_t aborted;		/* a lane failed: the others stop */
	struct device_driver *vfio;
	atomic_t step;			/* test builds: fault injection */
};

/* txn.c */
extern struct workqueue_struct *gv_wq;
__printf(3, 4) void gv_txn_note(struct gv_txn *t, struct pci_dev *pdev,
				const char *fmt, ...);
__printf(3, 4) void gv_txn_fail(struct gv_txn *t, struct pci_dev *pdev,
				const char *fmt, ...);
/* Appends to the message, whatever it holds (the rollback's account). */
__printf(2, 3) void gv_txn_append(struct gv_txn *t, const char *fmt, ...);
void gv_txn_progress(struct gv_txn *t, struct gv_member *m, u32 step,
		     bool blocking);
/* The worker's stages past the plan, which the deadline makes pending
 * rather than refused: modprobe vfio-pci (loading to loaded), then the
 * commit. */
void gv_txn_loading(struct gv_txn *t);
void gv_txn_loaded(struct gv_txn *t);
void gv_txn_committing(struct gv_txn *t);
/* The worker's end: outcome from err and how far it got; the event. */
void gv_txn_end(struct gv_txn *t, int err, bool changed);

/* plan.c */
int gv_plan_resolve(struct gv_txn *t);
/* wait false: -EAGAIN where it would have to wait for another task. */
int gv_plan(struct gv_txn *t, bool wait);
/* Undoes a plan that had to stop (-EAGAIN), for the worker to redo. */
void gv_plan_reset(struct gv_txn *t);
void gv_plan_free(struct gv_txn *t);
int gv_plan_add_target(struct gv_txn *t, const struct gv_target *tg);
int gv_plan_add_devices(struct gv_txn *t, struct pci_dev **pdevs,
			unsigned int n);
/* Reads pdev's driver, waiting for its lock for wait_ms at most (-EBUSY). */
int gv_plan_read_driver(struct gv_txn *t, struct pci_dev *pdev, char *name,
			unsigned int wait_ms);

/* commit.c */
void gv_commit_work(struct work_struct *work);
/* Claims: the vfio-pci override on every unbound move, now. */
void gv_commit_preclaim(struct gv_txn *t);
struct device_driver *gv_driver_get(const char *name);
void gv_driver_put(struct device_driver *drv);

/* busy.c */
bool gv_busy_try_hold(struct gv_txn *t);
/* Waits until every group of t is free and holds them, or until t's
 * deadline (-EBUSY). */
int gv_busy_hold(struct gv_txn *t);
void gv_busy_release(struct gv_txn *t);
void gv_busy_activate(struct gv_txn *t);
void gv_busy_deactivate(struct gv_txn *t);
bool gv_busy_member_gone(struct gv_member *m);

static inline unsigned long gv_time_left(unsigned long deadline)
{
	return time_before(jiffies, deadline) ? deadline - jiffies : 0;
}

#endif /* GV_TXN_H */
