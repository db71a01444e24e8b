// SPDX-License-Identifier: GPL-2.0
/*
 * The switch: moves a set of devices, with the other functions of their
 * slots, from their host drivers to vfio-pci (bind) or back (unbind), as one
 * transaction per request:
 *
 *   resolve -> group -> classify -> preflight -> commit -> verify,
 *   and roll back every device, in reverse order, on any failure.
 *
 * driver_override is the lock that keeps other drivers away: it is set to
 * "vfio-pci" before the host driver is released, so nothing can bind the
 * device between release and attach, not even a driver loaded meanwhile.
 *
 * Requests on the same IOMMU group are serialised by marking the group busy;
 * no mutex is held across a driver's remove, which can block for as long as
 * a process keeps the device open.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vgaarb.h>
#include <linux/wait.h>

#include "claim.h"
#include "compat.h"
#include "config.h"
#include "devices.h"
#include "switch.h"

#define GV_VFIO		"vfio-pci"
#define GV_MAX_GROUPS	64

enum gv_role {
	GV_ROLE_TARGET,
	GV_ROLE_COMPANION,
	GV_ROLE_NEUTRAL,
	GV_ROLE_FOREIGN,
};

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
	enum gv_role role;
	bool dma_managed;
	enum gv_done done;
	char driver[GV_NAME_LEN];	/* bound when classified, "" if none */
	char override[GV_NAME_LEN];	/* driver_override when classified */
	char to_driver[GV_NAME_LEN];	/* "": none (claim) or default (unbind) */
	char to_override[GV_NAME_LEN];
};

/* A set of devices, each held by a reference. */
struct gv_devset {
	struct pci_dev *devs[GV_MAX_DEVICES];
	unsigned int n;
};

struct gv_plan {
	bool bind;
	unsigned int flags;
	struct gv_devset devs;		/* targets, then companions */
	unsigned int ntargets;
	struct gv_group groups[GV_MAX_GROUPS];
	unsigned int ngroups;
	struct gv_member *members;
	unsigned int nmembers, cap;
	struct gv_member **moves;
	unsigned int nmoves;
	struct device_driver *vfio;
	unsigned int step;
};

#ifdef GPUVFIO_TEST
int gv_fail_at;

/* Test builds only: fail step N of the next transactions (0 = never). */
static int gv_step(struct gv_plan *p, struct gv_member *m, const char *what)
{
	if (++p->step != READ_ONCE(gv_fail_at))
		return 0;
	pci_warn(m->pdev, "injected fault at step %u (%s)\n", p->step, what);
	return -EIO;
}
#else
static inline int gv_step(struct gv_plan *p, struct gv_member *m,
			  const char *what)
{
	return 0;
}
#endif

static DEFINE_SPINLOCK(gv_busy_lock);
static LIST_HEAD(gv_busy);
static DECLARE_WAIT_QUEUE_HEAD(gv_busy_wq);

/* Marks every group of the plan busy, or none if one of them is. */
static bool try_hold_groups(struct gv_plan *p)
{
	struct gv_group *b;
	unsigned int i;

	spin_lock(&gv_busy_lock);
	for (i = 0; i < p->ngroups; i++) {
		list_for_each_entry(b, &gv_busy, busy_node) {
			if (b->group == p->groups[i].group) {
				spin_unlock(&gv_busy_lock);
				return false;
			}
		}
	}
	for (i = 0; i < p->ngroups; i++)
		list_add(&p->groups[i].busy_node, &gv_busy);
	spin_unlock(&gv_busy_lock);
	return true;
}

static void release_groups(struct gv_plan *p)
{
	unsigned int i;

	spin_lock(&gv_busy_lock);
	for (i = 0; i < p->ngroups; i++)
		list_del(&p->groups[i].busy_node);
	spin_unlock(&gv_busy_lock);
	wake_up_all(&gv_busy_wq);
}

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
static struct device_driver *driver_get(const char *name)
{
	struct drv_lookup l = { .name = name };

	bus_for_each_drv(&pci_bus_type, NULL, &l, match_driver_name);
	return l.drv;
}

static void driver_put(struct device_driver *drv)
{
	if (drv)
		module_put(drv->owner);
}

static struct device_driver *vfio_get(void)
{
	struct device_driver *drv = driver_get(GV_VFIO);

	/* A modprobe.d "install vfio-pci /bin/true" makes this succeed
	 * without loading anything: look again rather than trust it. */
	if (!drv && !request_module(GV_VFIO))
		drv = driver_get(GV_VFIO);
	return drv;
}

/*
 * Reads which driver pdev is bound to. A device whose driver is being probed
 * or removed holds its lock, maybe for as long as a process keeps it open:
 * that is reported as -EBUSY after a while instead of waiting for it.
 */
static int read_driver(struct pci_dev *pdev, char *name, bool *dma_managed)
{
	struct device_driver *drv;
	int tries;

	for (tries = 0; !device_trylock(&pdev->dev); tries++) {
		if (tries == 200) {
			pci_warn(pdev, "busy: a driver is being probed or removed; try again later\n");
			return -EBUSY;
		}
		msleep(10);
	}
	drv = pdev->dev.driver;
	strscpy(name, drv ? drv->name : "", GV_NAME_LEN);
	if (dma_managed)
		*dma_managed = !drv || to_pci_driver(drv)->driver_managed_dma;
	device_unlock(&pdev->dev);
	return 0;
}

static int add_group(struct gv_plan *p, struct pci_dev *pdev)
{
	struct iommu_group *group = iommu_group_get(&pdev->dev);
	unsigned int i;

	if (!group) {
		pci_err(pdev, "has no IOMMU group: DMA is not translated, so it cannot be given to a VM safely. Enable VT-d or AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on; nothing was changed\n");
		return -ENXIO;
	}
	for (i = 0; i < p->ngroups; i++) {
		if (p->groups[i].group == group) {
			iommu_group_put(group);
			return 0;
		}
	}
	if (p->ngroups == GV_MAX_GROUPS) {
		iommu_group_put(group);
		pr_err("request spans more than %u IOMMU groups\n",
		       GV_MAX_GROUPS);
		return -E2BIG;
	}
	p->groups[p->ngroups++].group = group;
	return 0;
}

struct collect_ctx {
	struct gv_plan *p;
	struct gv_group *grp;
};

/*
 * Called with the group's mutex held: binding or unbinding here would take
 * it again. Only take references; the work is done after it returns.
 */
static int collect_member(struct device *dev, void *data)
{
	struct collect_ctx *c = data;
	struct gv_plan *p = c->p;
	struct gv_member *m;

	if (!dev_is_pci(dev))
		return 0;
	if (p->nmembers == p->cap) {
		unsigned int cap = p->cap ? p->cap * 2 : 16;

		m = krealloc_array(p->members, cap, sizeof(*m),
				   GFP_KERNEL | __GFP_ZERO);
		if (!m)
			return -ENOMEM;
		p->members = m;
		p->cap = cap;
	}
	m = &p->members[p->nmembers++];
	memset(m, 0, sizeof(*m));
	m->pdev = pci_dev_get(to_pci_dev(dev));
	m->grp = c->grp;
	return 0;
}

static int devset_find(const struct gv_devset *set, struct pci_dev *pdev)
{
	unsigned int i;

	for (i = 0; i < set->n; i++)
		if (set->devs[i] == pdev)
			return i;
	return -1;
}

static int devset_add(struct gv_devset *set, struct pci_dev *pdev)
{
	if (devset_find(set, pdev) >= 0)
		return 0;
	if (set->n == GV_MAX_DEVICES) {
		pr_err("request resolves to more than %u devices\n",
		       GV_MAX_DEVICES);
		return -E2BIG;
	}
	set->devs[set->n++] = pci_dev_get(pdev);
	return 0;
}

static void devset_put(struct gv_devset *set)
{
	while (set->n)
		pci_dev_put(set->devs[--set->n]);
}

/*
 * The other functions of each target's slot come along. They are usually in
 * the target's IOMMU group, but not always (a rescan can split them), so
 * they are looked up by slot, and their own groups are checked too.
 */
static int add_companions(struct gv_plan *p)
{
	struct pci_dev *sib;
	unsigned int i;
	int fn, ret = 0;

	for (i = 0; i < p->ntargets && !ret; i++) {
		struct pci_dev *t = p->devs.devs[i];

		for (fn = 0; fn < 8 && !ret; fn++) {
			sib = pci_get_slot(t->bus, PCI_DEVFN(PCI_SLOT(t->devfn), fn));
			if (sib)
				ret = devset_add(&p->devs, sib);
			pci_dev_put(sib);
		}
	}
	return ret;
}

static int classify(struct gv_plan *p)
{
	unsigned int i, j;
	int idx, ret;

	for (i = 0; i < p->ngroups; i++) {
		struct collect_ctx c = { .p = p, .grp = &p->groups[i] };

		ret = iommu_group_for_each_dev(p->groups[i].group, &c,
					       collect_member);
		if (ret)
			return ret;
	}

	for (i = 0; i < p->nmembers; i++) {
		struct gv_member *m = &p->members[i];

		ret = read_driver(m->pdev, m->driver, &m->dma_managed);
		if (ret)
			return ret;
		gv_get_override(m->pdev, m->override, sizeof(m->override));
		idx = devset_find(&p->devs, m->pdev);
		if (idx >= 0 && idx < p->ntargets)
			m->role = GV_ROLE_TARGET;
		else if (idx >= 0)
			m->role = GV_ROLE_COMPANION;
		else
			m->role = m->dma_managed ? GV_ROLE_NEUTRAL :
						   GV_ROLE_FOREIGN;
	}

	/* A group is owned by a VFIO user (a VM) when its DMA ownership is
	 * claimed although no member is on a driver that uses the DMA API. */
	for (i = 0; i < p->ngroups; i++) {
		bool all_managed = true;

		for (j = 0; j < p->nmembers; j++)
			if (p->members[j].grp == &p->groups[i])
				all_managed &= p->members[j].dma_managed;
		p->groups[i].vfio_user = all_managed &&
			iommu_group_dma_owner_claimed(p->groups[i].group);
	}
	return 0;
}

static int refuse_foreign(struct gv_plan *p)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < p->nmembers; i++) {
		struct gv_member *m = &p->members[i];

		/* A claim never takes a group from a device that may simply
		 * not have its driver yet. */
		if ((p->flags & GV_F_CLAIM) && m->role == GV_ROLE_NEUTRAL &&
		    !gv_claim_allows(m->pdev, m->grp->group)) {
			ret = -EXDEV;
			continue;
		}
		if (m->role != GV_ROLE_FOREIGN)
			continue;
		pci_err(m->pdev, "[%04x:%04x] class %06x, bound to %s, shares IOMMU group %d with this request: refused, nothing changed. Name it as a target too to move it with the group\n",
			m->pdev->vendor, m->pdev->device, m->pdev->class,
			m->driver, iommu_group_id(m->grp->group));
		ret = -EXDEV;
	}
	return ret;
}

static bool moving_role(struct gv_member *m)
{
	return m->role == GV_ROLE_TARGET || m->role == GV_ROLE_COMPANION;
}

static int check_mover(struct gv_plan *p, struct gv_member *m)
{
	struct pci_dev *pdev = m->pdev;

	if (gv_config_excluded(pdev)) {
		pci_err(pdev, "is excluded (exclude=) but is a function of the same slot as a target: refused, nothing changed\n");
		return -EPERM;
	}
	if (pci_is_bridge(pdev)) {
		pci_err(pdev, "is a bridge: gpuvfio moves endpoints only; refused, nothing changed\n");
		return -EOPNOTSUPP;
	}
	if (pdev->is_physfn && pci_num_vf(pdev) > 0) {
		pci_err(pdev, "is an SR-IOV PF with %d VFs enabled: disable them first (sriov_numvfs); refused, nothing changed\n",
			pci_num_vf(pdev));
		return -EOPNOTSUPP;
	}
	if (m->grp->vfio_user) {
		pci_err(pdev, "IOMMU group %d is in use by a VFIO user (a VM): stop it first; refused, nothing changed\n",
			iommu_group_id(m->grp->group));
		return -EBUSY;
	}
	return 0;
}

/* Display functions first: a GPU returns to its driver before its audio. */
static void add_move(struct gv_plan *p, struct gv_member *m)
{
	unsigned int i;

	if ((m->pdev->class >> 16) == PCI_BASE_CLASS_DISPLAY) {
		for (i = p->nmoves; i > 0; i--) {
			if ((p->moves[i - 1]->pdev->class >> 16) ==
			    PCI_BASE_CLASS_DISPLAY)
				break;
			p->moves[i] = p->moves[i - 1];
		}
		p->moves[i] = m;
	} else {
		p->moves[p->nmoves] = m;
	}
	p->nmoves++;
}

static int plan_bind(struct gv_plan *p)
{
	bool all_unbound = true;
	unsigned int i;
	int ret;

	ret = refuse_foreign(p);
	if (ret)
		return ret;
	for (i = 0; i < p->nmembers; i++) {
		struct gv_member *m = &p->members[i];

		if (!moving_role(m) || !strcmp(m->driver, GV_VFIO))
			continue;
		ret = check_mover(p, m);
		if (ret)
			return ret;
		all_unbound &= !m->driver[0];
		strscpy(m->to_override, GV_VFIO, sizeof(m->to_override));
		strscpy(m->to_driver, GV_VFIO, sizeof(m->to_driver));
		add_move(p, m);
	}
	if (!p->nmoves)
		return 0;

	p->vfio = vfio_get();
	if (!p->vfio) {
		if (!(p->flags & GV_F_CLAIM) || !all_unbound) {
			pr_err("vfio-pci is not available (modprobe vfio-pci failed, or is disabled in modprobe.d): nothing changed\n");
			return -ENOPKG;
		}
		/* Claim only: the override keeps vendor drivers away and
		 * vfio-pci binds the devices when it loads. */
		for (i = 0; i < p->nmoves; i++)
			p->moves[i]->to_driver[0] = '\0';
	}
	for (i = 0; i < p->nmoves; i++)
		if (p->moves[i]->pdev == vga_default_device())
			pci_notice(p->moves[i]->pdev, "is the boot VGA device: the host console on it goes away\n");
	return 0;
}

static int plan_unbind(struct gv_plan *p)
{
	char orig_override[GV_NAME_LEN];
	unsigned int i;
	int ret;

	for (i = 0; i < p->nmembers; i++) {
		struct gv_member *m = &p->members[i];
		bool recorded;

		if (!moving_role(m))
			continue;
		recorded = gv_dev_lookup(m->pdev, m->to_driver, orig_override);
		if (!recorded && strcmp(m->driver, GV_VFIO))
			continue;
		ret = check_mover(p, m);
		if (ret)
			return ret;
		/* A device gpuvfio did not park goes to the kernel's default
		 * driver, with its override cleared. */
		strscpy(m->to_override, recorded ? orig_override : "",
			sizeof(m->to_override));
		if (!strcmp(m->to_override, GV_VFIO))
			m->to_override[0] = '\0';
		add_move(p, m);
	}
	return 0;
}

static int attach(struct pci_dev *pdev, const char *name)
{
	struct device_driver *drv;
	int ret;

	if (!name[0]) {
		ret = device_attach(&pdev->dev);
		return ret < 0 ? ret : 0;
	}
	drv = driver_get(name);
	if (!drv) {
		pci_warn(pdev, "driver %s is no longer registered\n", name);
		return -ENOENT;
	}
	ret = device_driver_attach(drv, &pdev->dev);
	driver_put(drv);
	return ret;
}

static int move(struct gv_plan *p, struct gv_member *m)
{
	int ret;

	ret = gv_step(p, m, "set driver_override");
	if (!ret)
		ret = gv_set_override(m->pdev, m->to_override);
	if (ret)
		return ret;
	m->done = GV_DONE_OVERRIDE;

	ret = gv_step(p, m, "release driver");
	if (ret)
		return ret;
	device_release_driver(&m->pdev->dev);
	m->done = GV_DONE_RELEASE;

	if (p->bind && !m->to_driver[0])
		return 0;	/* claim only: vfio-pci binds it when it loads */
	ret = gv_step(p, m, "attach driver");
	if (ret)
		return ret;
	m->done = GV_DONE_ATTACH;
	ret = attach(m->pdev, m->to_driver);
	if (ret)
		pci_err(m->pdev, "%s did not take the device (%d)\n",
			m->to_driver[0] ? m->to_driver : "default driver", ret);
	return ret;
}

static int verify(struct gv_plan *p)
{
	char now[GV_NAME_LEN];
	unsigned int i;
	int ret;

	for (i = 0; i < p->nmoves; i++) {
		struct gv_member *m = p->moves[i];
		bool ok;

		ret = gv_step(p, m, "verify");
		if (!ret)
			ret = read_driver(m->pdev, now, NULL);
		if (ret)
			return ret;
		if (p->bind || m->to_driver[0])
			ok = !strcmp(now, m->to_driver);
		else
			ok = strcmp(now, GV_VFIO);
		if (!ok) {
			pci_err(m->pdev, "is on %s instead of %s\n",
				now[0] ? now : "no driver",
				m->to_driver[0] ? m->to_driver : "its default driver");
			return -EIO;
		}
	}
	if (!p->bind || !p->vfio)
		return 0;
	for (i = 0; i < p->ngroups; i++) {
		if (iommu_group_dma_owner_claimed(p->groups[i].group)) {
			pr_err("IOMMU group %d is not viable after the move: a member uses the DMA API\n",
			       iommu_group_id(p->groups[i].group));
			return -EIO;
		}
	}
	return 0;
}

/*
 * Puts every device that was touched back on the driver and override it had,
 * last touched first. Runs to the end whatever fails, and says what it
 * could not restore.
 */
static void rollback(struct gv_plan *p, unsigned int started)
{
	char now[GV_NAME_LEN];
	unsigned int i;

	for (i = started; i-- > 0;) {
		struct gv_member *m = p->moves[i];

		if (m->done == GV_DONE_NOTHING)
			continue;
		if (gv_set_override(m->pdev, m->override))
			pci_err(m->pdev, "rollback: could not restore driver_override '%s'\n",
				m->override);
		if (!read_driver(m->pdev, now, NULL) && !strcmp(now, m->driver))
			continue;
		device_release_driver(&m->pdev->dev);
		if (m->driver[0] && attach(m->pdev, m->driver))
			pci_err(m->pdev, "rollback: %s did not take the device back\n",
				m->driver);
		else
			pci_info(m->pdev, "rolled back to %s\n",
				 m->driver[0] ? m->driver : "no driver");
	}
}

static int commit(struct gv_plan *p)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < p->nmoves && !ret; i++)
		ret = move(p, p->moves[i]);
	if (!ret)
		ret = verify(p);
	if (ret) {
		rollback(p, i);
		return ret;
	}

	for (i = 0; i < p->nmoves; i++) {
		struct gv_member *m = p->moves[i];

		if (p->bind) {
			ret = gv_dev_add(m->pdev, m->driver, m->override,
					 p->vfio);
			if (ret)
				pci_warn(m->pdev, "moved, but not recorded (%d): unbind gives it the default driver\n",
					 ret);
			pci_info(m->pdev, "%s -> %s\n",
				 m->driver[0] ? m->driver : "no driver",
				 m->to_driver[0] ? m->to_driver : "vfio-pci override (claimed)");
		} else {
			gv_dev_remove(m->pdev);
			pci_info(m->pdev, "%s -> %s\n", m->driver,
				 m->to_driver[0] ? m->to_driver : "default driver");
		}
	}
	return 0;
}

int gv_switch_devices(struct pci_dev **pdevs, unsigned int n, bool bind,
		      unsigned int flags)
{
	struct gv_plan *p;
	unsigned int i;
	int ret = 0;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->bind = bind;
	p->flags = flags;
	for (i = 0; i < n && !ret; i++)
		ret = devset_add(&p->devs, pdevs[i]);
	p->ntargets = p->devs.n;
	if (!ret)
		ret = add_companions(p);

	/* Every group is found before any driver is touched: without an
	 * IOMMU, vfio-pci's probe of a VGA device would evict the console
	 * before it fails. */
	for (i = 0; i < p->devs.n && !ret; i++)
		ret = add_group(p, p->devs.devs[i]);
	if (ret)
		goto out_groups;

	ret = wait_event_killable(gv_busy_wq, try_hold_groups(p));
	if (ret)
		goto out_groups;

	ret = classify(p);
	if (ret)
		goto out_release;
	p->moves = kcalloc(p->nmembers, sizeof(*p->moves), GFP_KERNEL);
	if (!p->moves) {
		ret = -ENOMEM;
		goto out_release;
	}
	ret = bind ? plan_bind(p) : plan_unbind(p);
	if (ret)
		goto out_release;
	if (!p->nmoves) {
		pr_info("nothing to do: every device is already %s\n",
			bind ? "on vfio-pci" : "off vfio-pci");
		goto out_release;
	}
	ret = commit(p);

out_release:
	release_groups(p);
	driver_put(p->vfio);
	for (i = 0; i < p->nmembers; i++)
		pci_dev_put(p->members[i].pdev);
	kfree(p->members);
	kfree(p->moves);
out_groups:
	for (i = 0; i < p->ngroups; i++)
		iommu_group_put(p->groups[i].group);
	devset_put(&p->devs);
	kfree(p);
	return ret;
}

/*
 * Adds every device matching id, or with no id every device ids= claims;
 * returns how many matched, or a negative errno.
 */
static int add_matching(struct gv_devset *set, const struct gv_id *id,
			const char *name)
{
	struct pci_dev *pdev = NULL;
	int found = 0, ret;

	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		if (id ? !gv_id_matches_pdev(id, pdev) : !gv_config_claims(pdev))
			continue;
		if (id && gv_config_excluded(pdev)) {
			pci_info(pdev, "matches %s but is excluded: left alone\n",
				 name);
			continue;
		}
		found++;
		ret = devset_add(set, pdev);
		if (ret) {
			pci_dev_put(pdev);
			return ret;
		}
	}
	return found;
}

static int resolve_one(const struct gv_target *t, bool bind,
		       struct gv_devset *set)
{
	char name[GV_ID_LEN];
	struct pci_dev *pdev;
	int ret;

	switch (t->kind) {
	case GV_TARGET_ADDR:
		gv_format_addr(name, sizeof(name), &t->addr);
		pdev = pci_get_domain_bus_and_slot(t->addr.domain, t->addr.bus,
						   t->addr.devfn);
		if (!pdev) {
			pr_err("no PCI device at %s\n", name);
			return -ENODEV;
		}
		if (gv_config_excluded(pdev)) {
			pci_err(pdev, "is excluded (exclude=): refused, nothing changed\n");
			ret = -EPERM;
		} else {
			ret = devset_add(set, pdev);
		}
		pci_dev_put(pdev);
		return ret;
	case GV_TARGET_ID:
		gv_format_id(name, sizeof(name), &t->id);
		ret = add_matching(set, &t->id, name);
		if (!ret) {
			pr_err("no device matches %s (or every match is excluded)\n",
			       name);
			return -ENODEV;
		}
		return ret < 0 ? ret : 0;
	case GV_TARGET_ALL:
		if (!bind) {
			set->n += gv_dev_collect(set->devs + set->n,
						 GV_MAX_DEVICES - set->n);
			return 0;
		}
		ret = add_matching(set, NULL, "ids=");
		if (!ret) {
			pr_err("no device matches ids=: set ids first\n");
			return -ENODEV;
		}
		return ret < 0 ? ret : 0;
	}
	return -EINVAL;
}

static int switch_targets(const struct gv_target *t, unsigned int nt,
			  bool bind)
{
	struct gv_devset *set;
	unsigned int i;
	int ret = 0;

	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return -ENOMEM;
	for (i = 0; i < nt && !ret; i++)
		ret = resolve_one(&t[i], bind, set);
	if (!ret && set->n)
		ret = gv_switch_devices(set->devs, set->n, bind, 0);
	else if (!ret)
		pr_info("nothing to do: gpuvfio manages no device\n");
	devset_put(set);
	kfree(set);
	return ret;
}

int gv_bind_targets(const struct gv_target *t, unsigned int n)
{
	return switch_targets(t, n, true);
}

int gv_unbind_targets(const struct gv_target *t, unsigned int n)
{
	return switch_targets(t, n, false);
}
