// SPDX-License-Identifier: GPL-2.0
/*
 * Planning a request, which changes nothing:
 *
 *   resolve    targets, the other functions of their slots, their groups
 *   classify   every member of every group: target, companion, neutral,
 *              foreign; its driver and its driver_override
 *   preflight  refuse foreign devices, excluded ones, bridges, SR-IOV PFs
 *              with VFs, groups a VFIO user owns; find vfio-pci
 *
 * A plan made by a netlink or sysfs request, or by a claim, never sleeps on
 * anything another task holds: where it would have to (another request
 * holds the group, a driver outside gpuvfio holds a device's lock, vfio-pci
 * is not loaded), it stops with -EAGAIN and the commit's worker plans
 * again, waiting up to the request's deadline.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/vgaarb.h>

#include "compat.h"
#include "config.h"
#include "switch.h"
#include "txn.h"

static int devset_find(const struct gv_devset *set, struct pci_dev *pdev)
{
	unsigned int i;

	for (i = 0; i < set->n; i++)
		if (set->devs[i] == pdev)
			return i;
	return -1;
}

static int devset_add(struct gv_txn *t, struct gv_devset *set,
		      struct pci_dev *pdev)
{
	if (devset_find(set, pdev) >= 0)
		return 0;
	if (set->n == GV_MAX_DEVICES) {
		gv_txn_fail(t, NULL, "the request resolves to more than %u devices; nothing changed",
			    GV_MAX_DEVICES);
		return -E2BIG;
	}
	set->devs[set->n++] = pci_dev_get(pdev);
	return 0;
}

int gv_plan_add_devices(struct gv_txn *t, struct pci_dev **pdevs,
			unsigned int n)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = devset_add(t, &t->devs, pdevs[i]);
	return ret;
}

/* An excluded device is never moved to vfio-pci; one gpuvfio parked
 * before its address was excluded can still be given back. */
static bool refused_by_exclude(struct gv_txn *t, struct pci_dev *pdev)
{
	return gv_config_excluded(pdev) && (t->bind || !gv_dev_managed(pdev));
}

/*
 * Adds every device matching id, or with no id every device ids= claims;
 * returns how many matched, or a negative errno.
 */
static int add_matching(struct gv_txn *t, const struct gv_id *id,
			const char *name)
{
	struct pci_dev *pdev = NULL;
	int found = 0, ret;

	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		if (id ? !gv_id_matches_pdev(id, pdev) : !gv_config_claims(pdev))
			continue;
		if (id && refused_by_exclude(t, pdev)) {
			pci_info(pdev, "matches %s but is excluded: left alone\n",
				 name);
			continue;
		}
		found++;
		ret = devset_add(t, &t->devs, pdev);
		if (ret) {
			pci_dev_put(pdev);
			return ret;
		}
	}
	return found;
}

int gv_plan_add_target(struct gv_txn *t, const struct gv_target *tg)
{
	char name[GV_ID_LEN];
	struct pci_dev *pdev;
	int ret;

	switch (tg->kind) {
	case GV_TARGET_ADDR:
		gv_format_addr(name, sizeof(name), &tg->addr);
		pdev = pci_get_domain_bus_and_slot(tg->addr.domain, tg->addr.bus,
						   tg->addr.devfn);
		if (!pdev) {
			gv_txn_fail(t, NULL, "no PCI device at %s", name);
			return -ENODEV;
		}
		if (refused_by_exclude(t, pdev)) {
			gv_txn_fail(t, pdev, "is excluded (exclude=): refused, nothing changed");
			ret = -EPERM;
		} else {
			ret = devset_add(t, &t->devs, pdev);
		}
		pci_dev_put(pdev);
		return ret;
	case GV_TARGET_ID:
		gv_format_id(name, sizeof(name), &tg->id);
		ret = add_matching(t, &tg->id, name);
		if (!ret) {
			gv_txn_fail(t, NULL, "no device matches %s (or every match is excluded)",
				    name);
			return -ENODEV;
		}
		return ret < 0 ? ret : 0;
	case GV_TARGET_ALL:
		if (!t->bind) {
			t->devs.n += gv_dev_collect(t->devs.devs + t->devs.n,
						    GV_MAX_DEVICES - t->devs.n);
			return 0;
		}
		ret = add_matching(t, NULL, "ids=");
		if (!ret) {
			gv_txn_fail(t, NULL, "no device matches ids=: set ids first");
			return -ENODEV;
		}
		return ret < 0 ? ret : 0;
	}
	return -EINVAL;
}

/* Whether any PCI device has an IOMMU group: the IOMMU is on. */
static bool any_iommu_group(void)
{
	struct pci_dev *pdev = NULL;
	struct iommu_group *group;

	for_each_pci_dev(pdev) {
		group = iommu_group_get(&pdev->dev);
		if (group) {
			iommu_group_put(group);
			pci_dev_put(pdev);
			return true;
		}
	}
	return false;
}

static int add_group(struct gv_txn *t, struct pci_dev *pdev)
{
	struct iommu_group *group = iommu_group_get(&pdev->dev);
	unsigned int i;

	if (!group && any_iommu_group()) {
		gv_txn_fail(t, pdev, "has no IOMMU group although the IOMMU is on: it is being hot-added or removed, or no IOMMU covers it; try again once it is settled; nothing was changed");
		return -ENXIO;
	}
	if (!group) {
		gv_txn_fail(t, pdev, "has no IOMMU group: DMA is not translated, so it cannot be given to a VM safely. Enable VT-d or AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on; nothing was changed");
		return -ENXIO;
	}
	for (i = 0; i < t->ngroups; i++) {
		if (t->groups[i].group == group) {
			iommu_group_put(group);
			return 0;
		}
	}
	if (t->ngroups == GV_MAX_GROUPS) {
		iommu_group_put(group);
		gv_txn_fail(t, NULL, "the request spans more than %u IOMMU groups; nothing changed",
			    GV_MAX_GROUPS);
		return -E2BIG;
	}
	t->groups[t->ngroups++].group = group;
	return 0;
}

/*
 * The other functions of each target's slot come along. They are usually in
 * the target's IOMMU group, but not always (a rescan can split them), so
 * they are looked up by slot, and their own groups are checked too. Every
 * group is found before any driver is touched: without an IOMMU, vfio-pci's
 * probe of a VGA device would evict the console before it fails.
 */
int gv_plan_resolve(struct gv_txn *t)
{
	struct pci_dev *sib;
	unsigned int i;
	int fn, ret = 0;

	t->ntargets = t->devs.n;
	for (i = 0; i < t->ntargets && !ret; i++) {
		struct pci_dev *pdev = t->devs.devs[i];

		for (fn = 0; fn < 8 && !ret; fn++) {
			sib = pci_get_slot(pdev->bus,
					   PCI_DEVFN(PCI_SLOT(pdev->devfn), fn));
			if (sib)
				ret = devset_add(t, &t->devs, sib);
			pci_dev_put(sib);
		}
	}
	for (i = 0; i < t->devs.n && !ret; i++)
		ret = add_group(t, t->devs.devs[i]);
	return ret;
}

struct collect_ctx {
	struct gv_txn *t;
	struct gv_group *grp;
};

/*
 * Called with the group's mutex held: binding or unbinding here would take
 * it again. Only take references; the work is done after it returns.
 */
static int collect_member(struct device *dev, void *data)
{
	struct collect_ctx *c = data;
	struct gv_txn *t = c->t;
	struct gv_member *m;

	if (!dev_is_pci(dev))
		return 0;
	if (t->nmembers == t->cap) {
		unsigned int cap = t->cap ? t->cap * 2 : 16;

		m = krealloc_array(t->members, cap, sizeof(*m),
				   GFP_KERNEL | __GFP_ZERO);
		if (!m)
			return -ENOMEM;
		t->members = m;
		t->cap = cap;
	}
	m = &t->members[t->nmembers++];
	memset(m, 0, sizeof(*m));
	m->pdev = pci_dev_get(to_pci_dev(dev));
	m->grp = c->grp;
	return 0;
}

/*
 * Whose is the lock a dry run could not take? A dry run holds no group, so
 * when another request holds pdev's group, its commit is the likely holder
 * (it takes the lock of every device it moves); else a driver outside
 * gpuvfio. Any other request holds its own groups: this says nothing then.
 */
static bool held_by_other_request(struct gv_txn *t, struct pci_dev *pdev)
{
	struct iommu_group *group;
	bool ret;

	if (!(t->flags & GV_F_DRY_RUN))
		return false;
	group = iommu_group_get(&pdev->dev);
	if (!group)
		return false;
	ret = gv_switch_group_busy(group);
	iommu_group_put(group);
	return ret;
}

/*
 * Takes pdev's lock, to read its driver. A device whose driver is being
 * probed or removed holds its lock, maybe for as long as a process keeps it
 * open. Without wait: -EAGAIN, for the worker to wait instead (a dry run,
 * which has no worker, is refused at once). With wait: polled until limit,
 * then refused.
 */
static int lock_member(struct gv_txn *t, struct pci_dev *pdev, bool wait,
		       unsigned long limit)
{
	while (!device_trylock(&pdev->dev)) {
		if (!wait && !(t->flags & GV_F_DRY_RUN))
			return -EAGAIN;
		if (!wait || !time_before(jiffies, limit)) {
			gv_txn_fail(t, pdev, "is busy: %s; %s",
				    held_by_other_request(t, pdev) ?
				    "another gpuvfio request is moving its group" :
				    "a driver is being probed or removed outside gpuvfio",
				    t->committing ? "rolled back" :
				    "nothing changed, try again later");
			return -EBUSY;
		}
		msleep(10);
	}
	return 0;
}

int gv_plan_read_driver(struct gv_txn *t, struct pci_dev *pdev, char *name,
			unsigned int wait_ms)
{
	struct device_driver *drv;
	int ret;

	ret = lock_member(t, pdev, true, jiffies + msecs_to_jiffies(wait_ms));
	if (ret)
		return ret;
	drv = pdev->dev.driver;
	strscpy(name, drv ? drv->name : "", GV_NAME_LEN);
	device_unlock(&pdev->dev);
	return 0;
}

static int read_member(struct gv_txn *t, struct gv_member *m, bool wait)
{
	struct device_driver *drv;
	int ret = lock_member(t, m->pdev, wait, t->deadline);

	if (ret)
		return ret;
	drv = m->pdev->dev.driver;
	strscpy(m->driver, drv ? drv->name : "", sizeof(m->driver));
	m->dma_managed = !drv || to_pci_driver(drv)->driver_managed_dma;
	m->override = gv_override_dup_locked(m->pdev);
	device_unlock(&m->pdev->dev);
	return m->override ? 0 : -ENOMEM;
}

static int classify(struct gv_txn *t, bool wait)
{
	unsigned int i, j;
	int idx, ret;

	for (i = 0; i < t->ngroups; i++) {
		struct collect_ctx c = { .t = t, .grp = &t->groups[i] };

		ret = iommu_group_for_each_dev(t->groups[i].group, &c,
					       collect_member);
		if (ret)
			return ret;
	}

	for (i = 0; i < t->nmembers; i++) {
		struct gv_member *m = &t->members[i];

		ret = read_member(t, m, wait);
		if (ret)
			return ret;
		idx = devset_find(&t->devs, m->pdev);
		if (idx >= 0 && idx < t->ntargets)
			m->role = GPUVFIO_ROLE_TARGET;
		else if (idx >= 0)
			m->role = GPUVFIO_ROLE_COMPANION;
		else
			m->role = m->dma_managed ? GPUVFIO_ROLE_NEUTRAL :
						   GPUVFIO_ROLE_FOREIGN;
		m->fate = GPUVFIO_FATE_STAY;
	}

	/* A group is owned by a VFIO user (a VM) when its DMA ownership is
	 * claimed although no member is on a driver that uses the DMA API. */
	for (i = 0; i < t->ngroups; i++) {
		bool all_managed = true;

		for (j = 0; j < t->nmembers; j++)
			if (t->members[j].grp == &t->groups[i])
				all_managed &= t->members[j].dma_managed;
		t->groups[i].vfio_user = all_managed &&
			iommu_group_dma_owner_claimed(t->groups[i].group);
	}
	return 0;
}

static int refuse_foreign(struct gv_txn *t)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t->nmembers; i++) {
		struct gv_member *m = &t->members[i];

		/* A claim never takes a group from a device that may simply
		 * not have its driver yet. */
		if ((t->flags & GV_F_CLAIM) &&
		    m->role == GPUVFIO_ROLE_NEUTRAL &&
		    !gv_config_claim_allows(m->pdev, m->grp->group)) {
			m->fate = GPUVFIO_FATE_BLOCKS;
			gv_txn_note(t, m->pdev, "is neither matched by ids= nor a function of a matched device's slot: IOMMU group %d not claimed",
				    iommu_group_id(m->grp->group));
			ret = -EXDEV;
			continue;
		}
		if (m->role != GPUVFIO_ROLE_FOREIGN)
			continue;
		m->fate = GPUVFIO_FATE_BLOCKS;
		gv_txn_fail(t, m->pdev, "[%04x:%04x] class %06x, bound to %s, shares IOMMU group %d with this request: refused, nothing changed. Name it as a target too to move it with the group",
			    m->pdev->vendor, m->pdev->device, m->pdev->class,
			    m->driver, iommu_group_id(m->grp->group));
		ret = -EXDEV;
	}
	return ret;
}

static bool moving_role(struct gv_member *m)
{
	return m->role == GPUVFIO_ROLE_TARGET ||
	       m->role == GPUVFIO_ROLE_COMPANION;
}

static int check_mover(struct gv_txn *t, struct gv_member *m)
{
	struct pci_dev *pdev = m->pdev;
	int ret = 0;

	if (refused_by_exclude(t, pdev)) {
		gv_txn_fail(t, pdev, "is excluded (exclude=) but is a function of the same slot as a target: refused, nothing changed");
		ret = -EPERM;
	} else if (pci_is_bridge(pdev)) {
		gv_txn_fail(t, pdev, "is a bridge: gpuvfio moves endpoints only; refused, nothing changed");
		ret = -EOPNOTSUPP;
	} else if (pdev->is_physfn && pci_num_vf(pdev) > 0) {
		gv_txn_fail(t, pdev, "is an SR-IOV PF with %d VFs enabled: disable them first (sriov_numvfs); refused, nothing changed",
			    pci_num_vf(pdev));
		ret = -EOPNOTSUPP;
	} else if (m->grp->vfio_user && !(t->flags & GV_F_FORCE)) {
		gv_txn_fail(t, pdev, "is in IOMMU group %d, which a VFIO user (a VM) holds open: stop the VM first, or force it and wait for the VM to let go; refused, nothing changed",
			    iommu_group_id(m->grp->group));
		ret = -EBUSY;
	}
	if (ret)
		m->fate = GPUVFIO_FATE_BLOCKS;
	return ret;
}

/* Display functions first: a GPU returns to its driver before its audio. */
static void add_move(struct gv_txn *t, struct gv_member *m)
{
	unsigned int i;

	m->fate = GPUVFIO_FATE_MOVE;
	m->progress = GPUVFIO_PROGRESS_WAITING;
	if ((m->pdev->class >> 16) == PCI_BASE_CLASS_DISPLAY) {
		for (i = t->nmoves; i > 0; i--) {
			if ((t->moves[i - 1]->pdev->class >> 16) ==
			    PCI_BASE_CLASS_DISPLAY)
				break;
			t->moves[i] = t->moves[i - 1];
		}
		t->moves[i] = m;
	} else {
		t->moves[t->nmoves] = m;
	}
	t->nmoves++;
}

static int plan_bind(struct gv_txn *t)
{
	unsigned int i;
	int ret;

	ret = refuse_foreign(t);
	if (ret)
		return ret;
	t->all_unbound = true;
	for (i = 0; i < t->nmembers; i++) {
		struct gv_member *m = &t->members[i];

		if (!moving_role(m))
			continue;
		if (!strcmp(m->driver, GV_VFIO)) {
			m->fate = GPUVFIO_FATE_ALREADY;
			strscpy(m->to_driver, GV_VFIO, sizeof(m->to_driver));
			continue;
		}
		ret = check_mover(t, m);
		if (ret)
			return ret;
		t->all_unbound &= !m->driver[0];
		/* vfio-pci's ID table is override-only: the override is what
		 * lets it take the device, and what keeps every other driver
		 * away for as long as the device is parked. */
		m->during_override = kstrdup(GV_VFIO, GFP_KERNEL);
		if (!m->during_override)
			return -ENOMEM;
		strscpy(m->to_driver, GV_VFIO, sizeof(m->to_driver));
		add_move(t, m);
	}
	if (!t->nmoves)
		return 0;

	/* Loading vfio-pci waits for modprobe: the worker does it, after
	 * planning (commit.c). A dry run does not load it: that would be a
	 * change. */
	t->vfio = gv_driver_get(GV_VFIO);
	if (!t->vfio && !(t->flags & GV_F_DRY_RUN))
		t->load_vfio = true;
	for (i = 0; i < t->nmoves; i++)
		if (t->moves[i]->pdev == vga_default_device())
			pci_notice(t->moves[i]->pdev, "is the boot VGA device: the host console on it goes away\n");
	return 0;
}

static int plan_unbind(struct gv_txn *t)
{
	char orig_driver[GV_NAME_LEN];
	char *orig_override;
	unsigned int i;
	bool recorded;
	int ret;

	for (i = 0; i < t->nmembers; i++) {
		struct gv_member *m = &t->members[i];

		if (!moving_role(m))
			continue;
		ret = gv_dev_lookup(m->pdev, orig_driver, &orig_override);
		if (ret < 0)
			return ret;
		recorded = ret;
		if (!recorded && strcmp(m->driver, GV_VFIO)) {
			m->fate = GPUVFIO_FATE_ALREADY;
			strscpy(m->to_driver, m->driver, sizeof(m->to_driver));
			continue;
		}
		ret = check_mover(t, m);
		if (ret) {
			kfree(orig_override);
			return ret;
		}
		/* A device gpuvfio did not park goes to the kernel's default
		 * driver, with its override cleared. An override of vfio-pci
		 * is never what a device is given back with. */
		if (!recorded || !strcmp(orig_override, GV_VFIO)) {
			kfree(orig_override);
			orig_override = kstrdup("", GFP_KERNEL);
			if (!orig_override)
				return -ENOMEM;
		}
		if (recorded)
			strscpy(m->to_driver, orig_driver, sizeof(m->to_driver));
		if (m->to_driver[0]) {
			/* The override names the driver it goes back to while
			 * that driver attaches, whatever the user's own names;
			 * then the user's own is put back, exactly. */
			m->after_override = orig_override;
			m->during_override = kstrdup(m->to_driver, GFP_KERNEL);
		} else {
			/* No driver to go back to: the user's own override
			 * (or none) decides, as it would have without us. */
			m->during_override = orig_override;
		}
		if (!m->during_override)
			return -ENOMEM;
		add_move(t, m);
	}
	return 0;
}

int gv_plan(struct gv_txn *t, bool wait)
{
	int ret;

	/* A dry run changes nothing, so it holds nothing: a snapshot. */
	if (!(t->flags & GV_F_DRY_RUN)) {
		if (wait)
			ret = gv_busy_hold(t);
		else
			ret = gv_busy_try_hold(t) ? 0 : -EAGAIN;
		if (ret)
			return ret;
	}
	ret = classify(t, wait);
	if (ret)
		return ret;
	t->moves = kcalloc(t->nmembers, sizeof(*t->moves), GFP_KERNEL);
	if (!t->moves)
		return -ENOMEM;
	return t->bind ? plan_bind(t) : plan_unbind(t);
}

void gv_plan_free(struct gv_txn *t)
{
	unsigned int i;

	for (i = 0; i < t->nmembers; i++) {
		struct gv_member *m = &t->members[i];

		pci_dev_put(m->pdev);
		kfree(m->override);
		kfree(m->during_override);
		kfree(m->after_override);
	}
	kfree(t->members);
	t->members = NULL;
	t->nmembers = 0;
	t->cap = 0;
	kfree(t->moves);
	t->moves = NULL;
	t->nmoves = 0;
	kfree(t->lanes);
	t->lanes = NULL;
	t->nlanes = 0;
	gv_driver_put(t->vfio);
	t->vfio = NULL;
	t->load_vfio = false;
}

void gv_plan_reset(struct gv_txn *t)
{
	gv_busy_release(t);
	gv_plan_free(t);
}
