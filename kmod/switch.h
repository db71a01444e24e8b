/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_SWITCH_H
#define GV_SWITCH_H

#include <linux/iommu.h>
#include <linux/pci.h>
#include <uapi/linux/gpuvfio.h>
#include "parse.h"

/* Most devices one request may resolve to. */
#define GV_MAX_DEVICES	256
/* Longest message a transaction keeps for its caller and its events. */
#define GV_MSG_LEN	320

enum {
	/* Called for a claim (load, hotplug, ids write): when vfio-pci is not
	 * there, unbound devices still get the override so no vendor driver
	 * can take them, and vfio-pci binds them when it loads. */
	GV_F_CLAIM = 1 << 0,
	/* Plan only; change nothing. */
	GV_F_DRY_RUN = 1 << 1,
	/* Do not refuse a group a VFIO user holds open. */
	GV_F_FORCE = 1 << 2,
};

/*
 * One bind or unbind request. Create it, add its targets (each resolved at
 * once: -ENODEV, -EPERM, -E2BIG), run it, report it, put it. A run returns
 * 0 when done (or nothing to do, or planned in a dry run), -EINPROGRESS
 * when the change goes on past the timeout, or the -errno that refused it
 * or that rolled it back.
 */
struct gv_txn;

struct gv_txn *gv_txn_new(bool bind, unsigned int flags);
int gv_txn_add_target(struct gv_txn *t, const struct gv_target *tg);
int gv_txn_add_devices(struct gv_txn *t, struct pci_dev **pdevs,
		       unsigned int n);
unsigned int gv_txn_ndevices(struct gv_txn *t);
int gv_txn_run(struct gv_txn *t, unsigned int timeout_ms);
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
	unsigned int nmembers;
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

/* The sysfs and claim paths: a transaction with the default timeout. */
int gv_bind_targets(const struct gv_target *t, unsigned int n);
int gv_unbind_targets(const struct gv_target *t, unsigned int n);
int gv_switch_devices(struct pci_dev **pdevs, unsigned int n, bool bind,
		      unsigned int flags);

/* GPUVFIO_STATE_BINDING/_UNBINDING while a commit moves pdev, else 0. */
u32 gv_switch_dev_state(struct pci_dev *pdev);
/* The bus notifier: pdev is being deleted. */
void gv_switch_dev_removed(struct pci_dev *pdev);
/* A request holds the group. */
bool gv_switch_group_busy(struct iommu_group *group);

int gv_switch_init(void);
void gv_switch_exit(void);

#ifdef GPUVFIO_TEST
extern int gv_fail_at;
extern int gv_remove_at;
extern struct gv_addr gv_remove_addr;
#endif

#endif /* GV_SWITCH_H */
