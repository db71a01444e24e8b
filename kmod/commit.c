// SPDX-License-Identifier: GPL-2.0
/*
 * The commit, on the engine's workqueue: for each device, in plan order,
 *
 *   set driver_override to the destination driver -> release the driver it
 *   is on -> attach the destination -> put the user's own override back
 *
 * then verify the whole, and roll every device back, in reverse order, on
 * any failure. The override names the destination while it attaches, in
 * every direction (bind, unbind, rollback): no other driver, not even one
 * loaded meanwhile, can take the device between release and attach, and a
 * user's own override naming another driver cannot make the driver core
 * refuse the one the device goes to.
 *
 * A driver's remove can block for as long as a process holds the device;
 * the worker may wait for it, nobody else does: past the request's deadline
 * the transaction is pending, and its end is announced.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "txn.h"

/* How long the commit waits for a device's lock to read its driver. */
#define GV_READ_WAIT_MS	2000

#ifdef GPUVFIO_TEST
u64 gv_fail_mask;
int gv_remove_at;
struct gv_addr gv_remove_addr;

/*
 * "held" (remove_at's third word): the device is deleted on another thread,
 * which stops in gpuvfio's bus notifier until the transaction has ended.
 * The device is then dead (an attach fails with -ENODEV) and marked gone,
 * but still registered: where a hot-unplug racing a commit leaves it for a
 * moment, held for as long as the whole commit and its rollback.
 */
bool gv_remove_held;
static struct pci_dev *held_pdev;
static bool hold_entered, hold_released;
static DECLARE_WAIT_QUEUE_HEAD(hold_wq);

static void held_removal(struct work_struct *work)
{
	struct pci_dev *pdev = READ_ONCE(held_pdev);

	pci_stop_and_remove_bus_device_locked(pdev);
	WRITE_ONCE(held_pdev, NULL);
	pci_dev_put(pdev);
}
static DECLARE_WORK(held_removal_work, held_removal);

static void start_held_removal(struct pci_dev *pdev)
{
	if (READ_ONCE(held_pdev))
		return;		/* one at a time */
	WRITE_ONCE(hold_entered, false);
	WRITE_ONCE(hold_released, false);
	WRITE_ONCE(held_pdev, pci_dev_get(pdev));
	queue_work(gv_wq, &held_removal_work);
	if (!wait_event_timeout(hold_wq, READ_ONCE(hold_entered), 10 * HZ))
		pci_err(pdev, "test: its deletion did not reach the bus notifier\n");
}

void gv_test_removal_hold(struct pci_dev *pdev)
{
	if (pdev != READ_ONCE(held_pdev))
		return;
	WRITE_ONCE(hold_entered, true);
	wake_up_all(&hold_wq);
	if (!wait_event_timeout(hold_wq, READ_ONCE(hold_released), 10 * HZ))
		pci_err(pdev, "test: deletion held for 10 s; let go\n");
}

static void end_held_removal(void)
{
	WRITE_ONCE(hold_released, true);
	wake_up_all(&hold_wq);
}

static void remove_member(struct gv_txn *t, int step, const char *what)
{
	struct gv_addr want = READ_ONCE(gv_remove_addr);
	unsigned int i;

	for (i = 0; i < t->nmembers; i++) {
		struct pci_dev *pdev = t->members[i].pdev;

		if (pci_domain_nr(pdev->bus) != want.domain ||
		    pdev->bus->number != want.bus || pdev->devfn != want.devfn ||
		    !device_is_registered(&pdev->dev))
			continue;
		pci_info(pdev, "test: removed from the bus at step %d (%s)%s\n",
			 step, what, READ_ONCE(gv_remove_held) ? ", held" : "");
		if (READ_ONCE(gv_remove_held)) {
			start_held_removal(pdev);
			return;
		}
		/* As a hot-unplug would, between two steps; the transaction
		 * holds a reference, so pdev stays valid. */
		pci_stop_and_remove_bus_device_locked(pdev);
		return;
	}
}

/*
 * Test builds only: fail the steps of the next transactions whose bits are
 * set in fail_at, or remove a device from the bus just before step N
 * (remove_at). Steps count per transaction from 1.
 */
static int gv_step(struct gv_txn *t, struct gv_member *m, const char *what)
{
	int step = atomic_inc_return(&t->step);

	if (step == READ_ONCE(gv_remove_at))
		remove_member(t, step, what);
	if (step > 64 || !(READ_ONCE(gv_fail_mask) & BIT_ULL(step - 1)))
		return 0;
	gv_txn_fail(t, m->pdev, "injected fault at step %d (%s)", step, what);
	return -EIO;
}
#else
static inline int gv_step(struct gv_txn *t, struct gv_member *m,
			  const char *what)
{
	return 0;
}

static inline void end_held_removal(void)
{
}
#endif

struct drv_lookup {
	const char *name;
	struct device_driver *drv;
};

static int match_driver_name(struct device_driver *drv, void *data)
{
	struct drv_lookup *l = data;

	if (strcmp(drv->name, l->name) || !try_module_get(drv->owner))
		return 0;
	l->drv = drv;
	return 1;
}

/*
 * Finds a PCI driver by name and pins its module. driver_find() would hand
 * back a pointer that its module's unload can free under us.
 */
struct device_driver *gv_driver_get(const char *name)
{
	struct drv_lookup l = { .name = name };

	bus_for_each_drv(&pci_bus_type, NULL, &l, match_driver_name);
	return l.drv;
}

void gv_driver_put(struct device_driver *drv)
{
	if (drv)
		module_put(drv->owner);
}

static int move_to_driver(struct gv_txn *t, struct pci_dev *pdev,
			  const char *name)
{
	struct device_driver *drv;
	int ret;

	if (!name[0]) {
		ret = device_attach(&pdev->dev);
		return ret < 0 ? ret : 0;
	}
	drv = gv_driver_get(name);
	if (!drv) {
		gv_txn_fail(t, pdev, "cannot go to %s: that driver is not registered",
			    name);
		return -ENOENT;
	}
	ret = device_driver_attach(drv, &pdev->dev);
	/* Bound meanwhile to the very driver it was going to (vfio-pci,
	 * loaded meanwhile, takes a device whose override names it): it is
	 * where it should be. */
	if (ret == -EBUSY && READ_ONCE(pdev->dev.driver) == drv)
		ret = 0;
	gv_driver_put(drv);
	return ret;
}

/*
 * A host driver cannot bind into a group a VFIO user still owns (-EBUSY).
 * When a VM exits, vfio-pci's remove returns as soon as the device is
 * closed, a moment before the group is: an unbind that was waiting for the
 * VM retries for a while instead of rolling back.
 */
static int attach_host(struct gv_txn *t, struct gv_member *m)
{
	int ret, tries;

	for (tries = 0;; tries++) {
		ret = move_to_driver(t, m->pdev, m->to_driver);
		if (ret != -EBUSY || t->bind || tries == 50 ||
		    !iommu_group_dma_owner_claimed(m->grp->group))
			return ret;
		msleep(100);
	}
}

/* m left the bus (a hot-unplug, a write to its remove file) mid-request. */
/*
 * m is leaving the bus, or has left it. A device being deleted is dead
 * (every attach fails with -ENODEV) from before the bus notifier marks it
 * gone until device_del() takes it out of sysfs, a while later: the mark is
 * what tells a hot-unplug from a driver that refused the device.
 */
static bool member_removed(struct gv_member *m)
{
	return gv_busy_member_gone(m) || !device_is_registered(&m->pdev->dev);
}

static int removed(struct gv_txn *t, struct gv_member *m)
{
	gv_txn_fail(t, m->pdev, "was removed from the bus during the request; the others were rolled back");
	return -EIO;
}

static int move(struct gv_txn *t, struct gv_member *m)
{
	u64 t0;
	int ret;

	gv_txn_progress(t, m, GPUVFIO_PROGRESS_OVERRIDE, false);
	t0 = ktime_get_ns();
	ret = gv_step(t, m, "set driver_override");
	if (!ret)
		ret = gv_set_override(m->pdev, m->during_override);
	WRITE_ONCE(m->t_override, ktime_get_ns() - t0);
	if (ret) {
		gv_txn_fail(t, m->pdev, "driver_override could not be set (%d); rolled back",
			    ret);
		return ret;
	}
	m->done = GV_DONE_OVERRIDE;

	ret = gv_step(t, m, "release driver");
	if (ret)
		return ret;
	/* The remove can block for as long as a process holds the device. */
	gv_txn_progress(t, m, GPUVFIO_PROGRESS_RELEASE, m->driver[0]);
	t0 = ktime_get_ns();
	device_release_driver(&m->pdev->dev);
	WRITE_ONCE(m->t_release, ktime_get_ns() - t0);
	m->done = GV_DONE_RELEASE;

	if (t->bind && !m->to_driver[0])
		goto done;	/* claim only: vfio-pci binds it when it loads */
	ret = gv_step(t, m, "attach driver");
	if (ret)
		return ret;
	m->done = GV_DONE_ATTACH;
	gv_txn_progress(t, m, GPUVFIO_PROGRESS_ATTACH, true);
	t0 = ktime_get_ns();
	ret = attach_host(t, m);
	WRITE_ONCE(m->t_attach, ktime_get_ns() - t0);
	if (ret && member_removed(m))
		return removed(t, m);
	if (ret) {
		gv_txn_fail(t, m->pdev, "%s did not take the device (%d); rolled back",
			    m->to_driver[0] ? m->to_driver : "its default driver", ret);
		return ret;
	}
	/* Attached: now the user's own override, byte for byte. */
	if (m->after_override) {
		ret = gv_step(t, m, "restore driver_override");
		if (!ret)
			ret = gv_set_override(m->pdev, m->after_override);
		if (ret) {
			gv_txn_fail(t, m->pdev, "its driver_override could not be put back (%d); rolled back",
				    ret);
			return ret;
		}
	}
done:
	gv_txn_progress(t, m, GPUVFIO_PROGRESS_DONE, false);
	return 0;
}

static int verify(struct gv_txn *t)
{
	char now[GV_NAME_LEN];
	unsigned int i;
	int ret;

	for (i = 0; i < t->nmoves; i++) {
		struct gv_member *m = t->moves[i];
		bool ok;

		ret = gv_step(t, m, "verify");
		if (!ret)
			ret = gv_plan_read_driver(t, m->pdev, now,
						  GV_READ_WAIT_MS);
		if (ret)
			return ret;
		/* Gone, it would pass for given back to "its default driver",
		 * and for released by vfio-pci on the way in. */
		if (member_removed(m))
			return removed(t, m);
		if (t->bind && !m->to_driver[0])
			/* Claim only: vfio-pci, loaded meanwhile, may have
			 * taken it already. */
			ok = !now[0] || !strcmp(now, GV_VFIO);
		else if (m->to_driver[0])
			ok = !strcmp(now, m->to_driver);
		else
			ok = strcmp(now, GV_VFIO);
		if (!ok) {
			gv_txn_fail(t, m->pdev, "is on %s instead of %s; rolled back",
				    now[0] ? now : "no driver",
				    m->to_driver[0] ? m->to_driver : "its default driver");
			return -EIO;
		}
	}
	if (!t->bind || !t->vfio)
		return 0;
	for (i = 0; i < t->ngroups; i++) {
		if (iommu_group_dma_owner_claimed(t->groups[i].group)) {
			gv_txn_fail(t, NULL, "IOMMU group %d is not viable after the move: a member uses the DMA API; rolled back",
				    iommu_group_id(t->groups[i].group));
			return -EIO;
		}
	}
	return 0;
}

/*
 * Gives m back to the driver it had, the override naming that driver
 * while it attaches; then the override it had. Returns the attach's
 * result (0 for a device that had no driver); *override_lost is set when
 * the override it had could not be put back.
 */
static int give_back(struct gv_txn *t, struct gv_member *m,
		     bool *override_lost)
{
	char now[GV_NAME_LEN];
	int ret = 0;

	*override_lost = false;
	if (gv_plan_read_driver(t, m->pdev, now, GV_READ_WAIT_MS) ||
	    strcmp(now, m->driver)) {
		/* Without it the attach below fails, and says so. */
		if (gv_set_override(m->pdev, m->driver[0] ? m->driver :
					     m->override))
			pci_err(m->pdev, "rollback: could not set driver_override\n");
		gv_txn_progress(t, m, GPUVFIO_PROGRESS_RELEASE, true);
		device_release_driver(&m->pdev->dev);
		if (m->driver[0]) {
			ret = gv_step(t, m, "rollback attach");
			if (!ret)
				ret = move_to_driver(t, m->pdev, m->driver);
		}
	}
	if (gv_step(t, m, "rollback restore driver_override") ||
	    gv_set_override(m->pdev, m->override)) {
		pci_err(m->pdev, "rollback: could not put driver_override back\n");
		*override_lost = true;
	}
	return ret;
}

/*
 * Puts every device that was touched back on the driver and override it had,
 * in the reverse of the plan's order (in each group, last touched first).
 * Runs to the end whatever fails, and names every device it could not give
 * back: the transaction then ends as "rollback incomplete", and the device
 * keeps a record of where it came from so that an unbind can try again.
 */
static void rollback(struct gv_txn *t)
{
	bool override_lost, recorded;
	unsigned int i;
	int ret;

	for (i = t->nmoves; i-- > 0;) {
		struct gv_member *m = t->moves[i];

		if (m->done == GV_DONE_NOTHING)
			continue;
		ret = give_back(t, m, &override_lost);
		if (ret) {
			/* Recorded first, the mark looked at after, as in
			 * record(): a device deleted at any point leaves no
			 * record behind, and is not called stranded. */
			recorded = !t->bind ||
				   !gv_dev_add(m->pdev, m->driver, m->override,
					       NULL);
			if (member_removed(m)) {
				if (t->bind)
					gv_dev_remove(m->pdev);
				pci_info(m->pdev, "rollback: removed from the bus meanwhile\n");
				gv_txn_append(t, "; %s was removed from the bus meanwhile",
					      pci_name(m->pdev));
				continue;
			}
			pci_err(m->pdev, "rollback: %s did not take the device back (%d): left without a driver\n",
				m->driver, ret);
			gv_txn_progress(t, m, GPUVFIO_PROGRESS_STRANDED, false);
			gv_txn_append(t, "; rollback incomplete: %s left without a driver (%s did not take it back: %d)",
				      pci_name(m->pdev), m->driver, ret);
			t->incomplete = true;
			if (!recorded)
				pci_err(m->pdev, "not recorded either: bind it to %s by hand\n",
					m->driver);
			continue;
		}
		if (override_lost && !member_removed(m)) {
			/* On its driver, but the driver core would hand it to
			 * the wrong one at its next probe. */
			gv_txn_append(t, "; rollback incomplete: %s is back on %s but its driver_override could not be put back (%s)",
				      pci_name(m->pdev),
				      m->driver[0] ? m->driver : "no driver",
				      m->override[0] ? "write its old value back by hand" :
				      "clear it by hand");
			t->incomplete = true;
		}
		pci_info(m->pdev, "rolled back to %s%s\n",
			 m->driver[0] ? m->driver : "no driver",
			 override_lost ? ", its driver_override not put back" : "");
		gv_txn_progress(t, m, GPUVFIO_PROGRESS_ROLLED_BACK, false);
	}
}

/* One group's moves, in plan order, until one fails or another lane's did. */
static int move_lane(struct gv_txn *t, struct gv_group *grp)
{
	unsigned int i;
	int ret;

	for (i = 0; i < t->nmoves; i++) {
		struct gv_member *m = t->moves[i];

		if (m->grp != grp)
			continue;
		if (atomic_read(&t->aborted))
			return -ECANCELED;
		ret = move(t, m);
		if (ret) {
			WRITE_ONCE(m->err, ret);
			atomic_set(&t->aborted, 1);
			return ret;
		}
	}
	return 0;
}

static void gv_lane_work(struct work_struct *work)
{
	struct gv_lane *l = container_of(work, struct gv_lane, work);

	l->err = move_lane(l->txn, l->grp);
}

/* One lane per group with something to move. */
static int plan_lanes(struct gv_txn *t)
{
	unsigned int g, i;

	t->lanes = kcalloc(t->ngroups, sizeof(*t->lanes), GFP_KERNEL);
	if (!t->lanes)
		return -ENOMEM;
	for (g = 0; g < t->ngroups; g++) {
		for (i = 0; i < t->nmoves; i++) {
			if (t->moves[i]->grp == &t->groups[g])
				break;
		}
		if (i == t->nmoves)
			continue;
		t->lanes[t->nlanes].txn = t;
		t->lanes[t->nlanes].grp = &t->groups[g];
		INIT_WORK(&t->lanes[t->nlanes].work, gv_lane_work);
		t->nlanes++;
	}
	return 0;
}

/* Records what moved to vfio-pci, and forgets what was given back. */
static void record(struct gv_txn *t)
{
	unsigned int i;
	int ret;

	for (i = 0; i < t->nmoves; i++) {
		struct gv_member *m = t->moves[i];

		if (!t->bind) {
			gv_dev_remove(m->pdev);
			pci_info(m->pdev, "%s -> %s\n", m->driver,
				 m->to_driver[0] ? m->to_driver : "default driver");
			continue;
		}
		ret = gv_dev_add(m->pdev, m->driver, m->override, t->vfio);
		if (ret)
			pci_warn(m->pdev, "moved, but not recorded (%d): unbind gives it the default driver\n",
				 ret);
		pci_info(m->pdev, "%s -> %s\n",
			 m->driver[0] ? m->driver : "no driver",
			 m->to_driver[0] ? m->to_driver : "vfio-pci override (claimed)");
		/* Removed from the bus after verify() saw it: the notifier
		 * may have come before the record was added. */
		if (gv_busy_member_gone(m)) {
			gv_dev_remove(m->pdev);
			pci_info(m->pdev, "was removed from the bus as the request completed; its record is dropped\n");
		}
	}
}

/*
 * Runs every lane, the first on this worker and the others on gv_wq, and
 * waits for all of them: a device's remove or probe in one group does not
 * wait for another group's. Then verifies the whole, or rolls it all back.
 */
static int commit(struct gv_txn *t)
{
	unsigned int i;
	int ret;

	ret = plan_lanes(t);
	if (ret) {
		rollback(t);	/* the overrides a claim set before */
		return ret;
	}
	for (i = 1; i < t->nlanes; i++)
		queue_work(gv_wq, &t->lanes[i].work);
	if (t->nlanes)
		gv_lane_work(&t->lanes[0].work);
	for (i = 1; i < t->nlanes; i++)
		flush_work(&t->lanes[i].work);
	/* The failure that stopped the others, not their -ECANCELED. */
	for (i = 0; i < t->nlanes; i++) {
		if (t->lanes[i].err && (!ret || ret == -ECANCELED))
			ret = t->lanes[i].err;
	}
	if (!ret)
		ret = verify(t);
	if (ret) {
		rollback(t);
		return ret;
	}
	record(t);
	return 0;
}

void gv_commit_preclaim(struct gv_txn *t)
{
	unsigned int i;

	for (i = 0; i < t->nmoves; i++) {
		struct gv_member *m = t->moves[i];

		if (m->driver[0])
			continue;
		/* Never waits for the device's lock: a device whose lock is
		 * taken meanwhile is left to the commit. */
		if (gv_try_set_override(m->pdev, GV_VFIO))
			continue;
		m->done = GV_DONE_OVERRIDE;
		t->preclaimed = true;
	}
}

/* Loads vfio-pci for a plan made without it. */
static int load_vfio(struct gv_txn *t)
{
	unsigned int i;

	if (!request_module(GV_VFIO))
		t->vfio = gv_driver_get(GV_VFIO);
	if (t->vfio)
		return 0;
	if ((t->flags & GV_F_CLAIM) && t->all_unbound) {
		/* Claim only: the override keeps vendor drivers away and
		 * vfio-pci binds the devices when it loads. Reports read
		 * to_driver under the lock. */
		gv_txn_lock(t);
		for (i = 0; i < t->nmoves; i++)
			t->moves[i]->to_driver[0] = '\0';
		gv_txn_unlock(t);
		return 0;
	}
	gv_txn_fail(t, NULL, "vfio-pci is not available (modprobe vfio-pci failed, or is disabled in modprobe.d): nothing changed");
	return -ENOPKG;
}

/*
 * The worker. It holds a reference on the transaction and on the module
 * (so that rmmod fails instead of waiting while a change is pending).
 */
void gv_commit_work(struct work_struct *work)
{
	struct gv_txn *t = container_of(work, struct gv_txn, work);
	bool changed = false;
	int ret = 0;

	if (t->replan) {
		ret = gv_plan(t, true);
		if (!ret)
			gv_busy_activate(t);
		gv_txn_lock(t);
		t->planned = true;
		gv_txn_unlock(t);
	}
	if (!ret && t->load_vfio && t->nmoves) {
		gv_txn_loading(t);
		ret = load_vfio(t);
		gv_txn_loaded(t);
		/* Overrides a claim set before vfio-pci was found. */
		if (ret && t->preclaimed)
			rollback(t);
	}
	if (!ret && t->nmoves) {
		gv_txn_committing(t);
		changed = true;
		ret = commit(t);
	}
	end_held_removal();
	gv_busy_deactivate(t);
	gv_busy_release(t);
	gv_dev_changed();
	gv_txn_end(t, ret, changed);
}
