/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The switch engine, as its front ends (netlink, sysfs, claims) see it.
 *
 * A request is a transaction: create it, add its targets (each resolved at
 * once: -ENODEV, -EPERM, -E2BIG), submit it, read its report, put it.
 * Submitting never sleeps on anything another task holds: the request is
 * planned at once when it can be, and its commit runs on a workqueue. The
 * end of every submitted transaction is told to the hooks the engine was
 * given at init (netlink turns it into an event), and a transaction stays
 * findable by its id for GPUVFIO_TXN_KEEP_MS after it ends.
 */
#ifndef GV_SWITCH_H
#define GV_SWITCH_H

#include <linux/iommu.h>
#include <linux/pci.h>
#include <uapi/linux/gpuvfio.h>
#include "parse.h"

/* Most devices one request may resolve to. */
#define GV_MAX_DEVICES	256
/* Longest message a transaction keeps for its caller and its events. */
#define GV_MSG_LEN	512

enum {
	/* A claim (load, hotplug, ids written): unbound devices get the
	 * vfio-pci override before submit returns, so that no vendor driver
	 * loaded meanwhile can take them (when the plan must wait for another
	 * request or a device's lock: as the commit begins, on the worker);
	 * when vfio-pci is not there and
	 * every device of the claim is unbound, they keep the override and
	 * vfio-pci binds them when it loads (otherwise the claim is refused,
	 * ENOPKG, and the overrides are put back). */
	GV_F_CLAIM = 1 << 0,
	/* Plan only; change nothing. */
	GV_F_DRY_RUN = 1 << 1,
	/* Do not refuse a group a VFIO user holds open. */
	GV_F_FORCE = 1 << 2,
};

struct gv_txn;

/* What the engine tells its listener. Called in process context, with the
 * transaction's lock held (so that reports read from it are consistent);
 * may allocate, must not wait for anything else. */
struct gv_switch_hooks {
	/* t became pending (GPUVFIO_EVENT_PENDING) or ended (any other). */
	void (*txn_event)(struct gv_txn *t, u32 event);
	/* pdev appeared and was claimed (the override only). */
	void (*dev_claimed)(struct pci_dev *pdev);
};

int gv_switch_init(const struct gv_switch_hooks *hooks);
void gv_switch_exit(void);
/* For the claims of devices that appear. */
void gv_switch_dev_claimed(struct pci_dev *pdev);

/* timeout_ms: the request's deadline, from now (0: the default). */
struct gv_txn *gv_txn_new(bool bind, unsigned int flags,
			  unsigned int timeout_ms);
int gv_txn_add_target(struct gv_txn *t, const struct gv_target *tg);
int gv_txn_add_devices(struct gv_txn *t, struct pci_dev **pdevs,
		       unsigned int n);
unsigned int gv_txn_ndevices(struct gv_txn *t);
/*
 * Plans and queues t without sleeping on another task. 0: ended at once
 * (a dry run, nothing to do); -EINPROGRESS: queued, its end is announced;
 * another -errno: refused, nothing changed (the report says why).
 */
int gv_txn_submit(struct gv_txn *t);
/* Waits for a submitted t up to its deadline (killable): 0, the -errno it
 * ended with, or -EINPROGRESS when it goes on past the wait. */
int gv_txn_wait(struct gv_txn *t);
/* The transaction with this id, referenced, while it is kept; or NULL. */
struct gv_txn *gv_txn_find(u32 id);
void gv_txn_put(struct gv_txn *t);

/* Reports read a consistent state under the transaction's lock; strings
 * and devices stay valid while it is held. */
void gv_txn_lock(struct gv_txn *t);
void gv_txn_unlock(struct gv_txn *t);

struct gv_txn_report {
	u32 id;
	bool bind;
	u32 outcome;			/* GPUVFIO_OUTCOME_* */
	int err;
	const char *msg;
	u64 elapsed_ns;
	struct pci_dev *wait_pdev;	/* pending: whose driver blocks */
	const char *wait_driver;
	unsigned int nmembers;		/* 0 until the plan is made */
};

struct gv_member_report {
	struct pci_dev *pdev;
	int group;
	u32 role, fate, progress;	/* GPUVFIO_ROLE_*, _FATE_*, _PROGRESS_* */
	int err;
	const char *from_driver;
	const char *to_driver;		/* NULL: not moving */
	u64 t_override_ns, t_release_ns, t_attach_ns;
};

void gv_txn_report(struct gv_txn *t, struct gv_txn_report *r);
void gv_txn_member(struct gv_txn *t, unsigned int i,
		   struct gv_member_report *r);

/* GPUVFIO_STATE_BINDING/_UNBINDING while a commit moves pdev, else 0. */
u32 gv_switch_dev_state(struct pci_dev *pdev);
/* The bus notifier: pdev is being deleted. */
void gv_switch_dev_removed(struct pci_dev *pdev);
/* A request holds the group. */
bool gv_switch_group_busy(struct iommu_group *group);

#ifdef GPUVFIO_TEST
/* Test builds: steps 1..64 that fail (a bit each), and the step before
 * which a device leaves the bus. */
extern u64 gv_fail_mask;
extern int gv_remove_at;
extern struct gv_addr gv_remove_addr;
/* ... and whether its deletion stops in the bus notifier until the
 * transaction ends (gv_test_removal_hold(), from the notifier). */
extern bool gv_remove_held;
void gv_test_removal_hold(struct pci_dev *pdev);
#else
static inline void gv_test_removal_hold(struct pci_dev *pdev)
{
}
#endif

#endif /* GV_SWITCH_H */
