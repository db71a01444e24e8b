// SPDX-License-Identifier: GPL-2.0
/*
 * The busy-group registry. Requests on the same IOMMU group are serialised
 * by marking the group busy for as long as one is planned and committed;
 * no mutex is held across a driver's remove, which can block for as long
 * as a process keeps the device open. Requests on other groups, and status
 * reads, never wait for it. The transactions being committed are listed
 * here too, so that status can say a device is binding or unbinding, and so
 * that a device deleted mid-request is marked gone in them.
 */
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "txn.h"

static DEFINE_SPINLOCK(gv_busy_lock);
static LIST_HEAD(gv_busy);
static LIST_HEAD(gv_active);
static DECLARE_WAIT_QUEUE_HEAD(gv_busy_wq);

/* Marks every group of t busy, or none if one of them is. */
bool gv_busy_try_hold(struct gv_txn *t)
{
	struct gv_group *b;
	unsigned int i;

	spin_lock(&gv_busy_lock);
	for (i = 0; i < t->ngroups; i++) {
		list_for_each_entry(b, &gv_busy, busy_node) {
			if (b->group == t->groups[i].group) {
				spin_unlock(&gv_busy_lock);
				return false;
			}
		}
	}
	for (i = 0; i < t->ngroups; i++)
		list_add(&t->groups[i].busy_node, &gv_busy);
	t->holding = true;
	spin_unlock(&gv_busy_lock);
	return true;
}

int gv_busy_hold(struct gv_txn *t)
{
	/* The worker waits, nobody else: idle, not uninterruptible, so that
	 * a long deadline does not look like a hung task. */
	wait_event_idle_timeout(gv_busy_wq, gv_busy_try_hold(t),
				gv_time_left(t->deadline));
	if (t->holding)
		return 0;
	gv_txn_fail(t, NULL, "another request holds the same IOMMU group (it may be pending: see gpuvfio status); nothing changed, try again when it completes");
	return -EBUSY;
}

void gv_busy_release(struct gv_txn *t)
{
	unsigned int i;

	if (!t->holding)
		return;
	spin_lock(&gv_busy_lock);
	for (i = 0; i < t->ngroups; i++)
		list_del(&t->groups[i].busy_node);
	t->holding = false;
	spin_unlock(&gv_busy_lock);
	wake_up_all(&gv_busy_wq);
}

bool gv_switch_group_busy(struct iommu_group *group)
{
	struct gv_group *b;
	bool ret = false;

	spin_lock(&gv_busy_lock);
	list_for_each_entry(b, &gv_busy, busy_node)
		ret |= b->group == group;
	spin_unlock(&gv_busy_lock);
	return ret;
}

void gv_busy_activate(struct gv_txn *t)
{
	spin_lock(&gv_busy_lock);
	list_add_tail(&t->active_node, &gv_active);
	spin_unlock(&gv_busy_lock);
	gv_dev_changed();
}

void gv_busy_deactivate(struct gv_txn *t)
{
	spin_lock(&gv_busy_lock);
	list_del_init(&t->active_node);
	spin_unlock(&gv_busy_lock);
}

u32 gv_switch_dev_state(struct pci_dev *pdev)
{
	struct gv_txn *t;
	unsigned int i;
	u32 state = 0;

	spin_lock(&gv_busy_lock);
	list_for_each_entry(t, &gv_active, active_node) {
		for (i = 0; i < t->nmoves; i++) {
			if (t->moves[i]->pdev == pdev)
				state = t->bind ? GPUVFIO_STATE_BINDING :
						  GPUVFIO_STATE_UNBINDING;
		}
	}
	spin_unlock(&gv_busy_lock);
	return state;
}

/*
 * The bus notifier, as pdev is being deleted: marks it gone in every
 * commit that moves it, before its record is dropped (gv_dev_remove()). A
 * commit adds a device's record first and looks at its mark after, so a
 * device deleted at any point leaves no record behind.
 */
void gv_switch_dev_removed(struct pci_dev *pdev)
{
	struct gv_txn *t;
	unsigned int i;

	spin_lock(&gv_busy_lock);
	list_for_each_entry(t, &gv_active, active_node) {
		for (i = 0; i < t->nmoves; i++) {
			if (t->moves[i]->pdev == pdev)
				t->moves[i]->gone = true;
		}
	}
	spin_unlock(&gv_busy_lock);
}

bool gv_busy_member_gone(struct gv_member *m)
{
	bool gone;

	spin_lock(&gv_busy_lock);
	gone = m->gone;
	spin_unlock(&gv_busy_lock);
	return gone;
}
