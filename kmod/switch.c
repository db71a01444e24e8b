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
 * a process keeps the device open. The commit runs on a workqueue and the
 * caller waits for it only up to its timeout: past it, the caller is told
 * the change is pending, and an event announces its end.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/kmod.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/vgaarb.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "claim.h"
#include "compat.h"
#include "config.h"
#include "devices.h"
#include "netlink.h"
#include "switch.h"

#define GV_VFIO		"vfio-pci"
#define GV_MAX_GROUPS	64

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
	bool gone;			/* left the bus meanwhile (gv_busy_lock) */
	enum gv_done done;
	int err;
	u64 t_override, t_release, t_attach;
	char driver[GV_NAME_LEN];	/* bound when classified, "" if none */
	char override[GV_NAME_LEN];	/* driver_override when classified */
	char to_driver[GV_NAME_LEN];	/* "": none (claim) or default (unbind) */
	char to_override[GV_NAME_LEN];
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
	struct completion done;
	struct list_head active_node;	/* on gv_active while committing */
	u32 id;
	bool bind;
	unsigned int flags;
	bool finished;			/* the commit ended (under lock) */
	bool pending;			/* its caller left before the end */
	u32 outcome;			/* GPUVFIO_OUTCOME_* */
	int err;
	u64 start_ns, elapsed_ns;
	struct gv_member *waiting;	/* whose driver the worker waits on */
	char msg[GV_MSG_LEN];		/* the first failure, or the result */
	char wait_msg[GV_MSG_LEN];	/* what a pending request waits on */

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

static struct workqueue_struct *gv_wq;
static atomic_t gv_txn_ids = ATOMIC_INIT(0);

/* Keeps the first failure as the transaction's message, which the
 * caller's reply and the event carry. */
static __printf(3, 0) void set_msg(struct gv_txn *t, struct pci_dev *pdev,
				   const char *fmt,
		    va_list args)
{
	int len = 0;

	mutex_lock(&t->lock);
	if (!t->msg[0]) {
		if (pdev)
			len = scnprintf(t->msg, sizeof(t->msg), "%s ",
					pci_name(pdev));
		vscnprintf(t->msg + len, sizeof(t->msg) - len, fmt, args);
	}
	mutex_unlock(&t->lock);
}

static __printf(3, 4) void note(struct gv_txn *t, struct pci_dev *pdev,
				const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	set_msg(t, pdev, fmt, args);
	va_end(args);
}

/* Logs a failure against pdev (or the module) and keeps it (see above). */
static __printf(3, 4) void fail(struct gv_txn *t, struct pci_dev *pdev,
				const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (pdev)
		pci_err(pdev, "%pV\n", &vaf);
	else
		pr_err("%pV\n", &vaf);
	va_end(args);

	va_start(args, fmt);
	set_msg(t, pdev, fmt, args);
	va_end(args);
}

#ifdef GPUVFIO_TEST
int gv_fail_at;
int gv_remove_at;
struct gv_addr gv_remove_addr;

static void remove_member(struct gv_txn *p, int step, const char *what)
{
	struct gv_addr want = READ_ONCE(gv_remove_addr);
	unsigned int i;

	for (i = 0; i < p->nmembers; i++) {
		struct pci_dev *pdev = p->members[i].pdev;

		if (pci_domain_nr(pdev->bus) != want.domain ||
		    pdev->bus->number != want.bus || pdev->devfn != want.devfn ||
		    !device_is_registered(&pdev->dev))
			continue;
		pci_info(pdev, "test: removed from the bus at step %d (%s)\n",
			 step, what);
		/* As a hot-unplug would, between two steps; the transaction
		 * holds a reference, so pdev stays valid. */
		pci_stop_and_remove_bus_device_locked(pdev);
		return;
	}
}

/*
 * Test builds only: fail step N of the next transactions (fail_at, 0 =
 * never), or remove a device from the bus just before step N (remove_at).
 */
static int gv_step(struct gv_txn *p, struct gv_member *m, const char *what)
{
	int step = atomic_inc_return(&p->step);

	if (step == READ_ONCE(gv_remove_at))
		remove_member(p, step, what);
	if (step != READ_ONCE(gv_fail_at))
		return 0;
	fail(p, m->pdev, "injected fault at step %d (%s)", step, what);
	return -EIO;
}
#else
static inline int gv_step(struct gv_txn *p, struct gv_member *m,
			  const char *what)
{
	return 0;
}
#endif

/* Busy groups and committing transactions. */
static DEFINE_SPINLOCK(gv_busy_lock);
static LIST_HEAD(gv_busy);
static LIST_HEAD(gv_active);
static DECLARE_WAIT_QUEUE_HEAD(gv_busy_wq);

/* Marks every group of the plan busy, or none if one of them is. */
static bool try_hold_groups(struct gv_txn *p)
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
	p->holding = true;
	spin_unlock(&gv_busy_lock);
	return true;
}

static void release_groups(struct gv_txn *p)
{
	unsigned int i;

	if (!p->holding)
		return;
	spin_lock(&gv_busy_lock);
	for (i = 0; i < p->ngroups; i++)
		list_del(&p->groups[i].busy_node);
	p->holding = false;
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
 * commit adds a device's record first and looks at its mark after
 * (commit()), so a device deleted at any point leaves no record behind.
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

static bool member_gone(struct gv_member *m)
{
	bool gone;

	spin_lock(&gv_busy_lock);
	gone = m->gone;
	spin_unlock(&gv_busy_lock);
	return gone;
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
static int read_driver(struct gv_txn *t, struct pci_dev *pdev, char *name,
		       bool *dma_managed, char *override)
{
	struct device_driver *drv;
	int tries;

	for (tries = 0; !device_trylock(&pdev->dev); tries++) {
		if (tries == 200) {
			fail(t, pdev, "is busy: a driver is being probed or removed outside gpuvfio; nothing changed, try again later");
			return -EBUSY;
		}
		msleep(10);
	}
	drv = pdev->dev.driver;
	strscpy(name, drv ? drv->name : "", GV_NAME_LEN);
	if (dma_managed)
		*dma_managed = !drv || to_pci_driver(drv)->driver_managed_dma;
	if (override)
		gv_get_override_locked(pdev, override, GV_NAME_LEN);
	device_unlock(&pdev->dev);
	return 0;
}

/* Whether any PCI device has an IOMMU group: the IOMMU is on. */
static bool iommu_on(void)
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

static int add_group(struct gv_txn *p, struct pci_dev *pdev)
{
	struct iommu_group *group = iommu_group_get(&pdev->dev);
	unsigned int i;

	if (!group && iommu_on()) {
		fail(p, pdev, "has no IOMMU group although the IOMMU is on: it is being hot-added or removed, or no IOMMU covers it; try again once it is settled; nothing was changed");
		return -ENXIO;
	}
	if (!group) {
		fail(p, pdev, "has no IOMMU group: DMA is not translated, so it cannot be given to a VM safely. Enable VT-d or AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on; nothing was changed");
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
		fail(p, NULL, "the request spans more than %u IOMMU groups; nothing changed",
		     GV_MAX_GROUPS);
		return -E2BIG;
	}
	p->groups[p->ngroups++].group = group;
	return 0;
}

struct collect_ctx {
	struct gv_txn *p;
	struct gv_group *grp;
};

/*
 * Called with the group's mutex held: binding or unbinding here would take
 * it again. Only take references; the work is done after it returns.
 */
static int collect_member(struct device *dev, void *data)
{
	struct collect_ctx *c = data;
	struct gv_txn *p = c->p;
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

static int devset_add(struct gv_txn *t, struct gv_devset *set,
		      struct pci_dev *pdev)
{
	if (devset_find(set, pdev) >= 0)
		return 0;
	if (set->n == GV_MAX_DEVICES) {
		fail(t, NULL, "the request resolves to more than %u devices; nothing changed",
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
static int add_companions(struct gv_txn *p)
{
	struct pci_dev *sib;
	unsigned int i;
	int fn, ret = 0;

	for (i = 0; i < p->ntargets && !ret; i++) {
		struct pci_dev *t = p->devs.devs[i];

		for (fn = 0; fn < 8 && !ret; fn++) {
			sib = pci_get_slot(t->bus, PCI_DEVFN(PCI_SLOT(t->devfn), fn));
			if (sib)
				ret = devset_add(p, &p->devs, sib);
			pci_dev_put(sib);
		}
	}
	return ret;
}

static int classify(struct gv_txn *p)
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

		ret = read_driver(p, m->pdev, m->driver, &m->dma_managed,
				  m->override);
		if (ret)
			return ret;
		idx = devset_find(&p->devs, m->pdev);
		if (idx >= 0 && idx < p->ntargets)
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

static int refuse_foreign(struct gv_txn *p)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < p->nmembers; i++) {
		struct gv_member *m = &p->members[i];

		/* A claim never takes a group from a device that may simply
		 * not have its driver yet. */
		if ((p->flags & GV_F_CLAIM) &&
		    m->role == GPUVFIO_ROLE_NEUTRAL &&
		    !gv_claim_allows(m->pdev, m->grp->group)) {
			m->fate = GPUVFIO_FATE_BLOCKS;
			note(p, m->pdev, "is neither matched by ids= nor a function of a matched device's slot: IOMMU group %d not claimed",
			     iommu_group_id(m->grp->group));
			ret = -EXDEV;
			continue;
		}
		if (m->role != GPUVFIO_ROLE_FOREIGN)
			continue;
		m->fate = GPUVFIO_FATE_BLOCKS;
		fail(p, m->pdev, "[%04x:%04x] class %06x, bound to %s, shares IOMMU group %d with this request: refused, nothing changed. Name it as a target too to move it with the group",
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

static int check_mover(struct gv_txn *p, struct gv_member *m)
{
	struct pci_dev *pdev = m->pdev;
	int ret = 0;

	if (gv_config_excluded(pdev)) {
		fail(p, pdev, "is excluded (exclude=) but is a function of the same slot as a target: refused, nothing changed");
		ret = -EPERM;
	} else if (pci_is_bridge(pdev)) {
		fail(p, pdev, "is a bridge: gpuvfio moves endpoints only; refused, nothing changed");
		ret = -EOPNOTSUPP;
	} else if (pdev->is_physfn && pci_num_vf(pdev) > 0) {
		fail(p, pdev, "is an SR-IOV PF with %d VFs enabled: disable them first (sriov_numvfs); refused, nothing changed",
		     pci_num_vf(pdev));
		ret = -EOPNOTSUPP;
	} else if (m->grp->vfio_user && !(p->flags & GV_F_FORCE)) {
		fail(p, pdev, "is in IOMMU group %d, which a VFIO user (a VM) holds open: stop the VM first, or force it and wait for the VM to let go; refused, nothing changed",
		     iommu_group_id(m->grp->group));
		ret = -EBUSY;
	}
	if (ret)
		m->fate = GPUVFIO_FATE_BLOCKS;
	return ret;
}

/* Display functions first: a GPU returns to its driver before its audio. */
static void add_move(struct gv_txn *p, struct gv_member *m)
{
	unsigned int i;

	m->fate = GPUVFIO_FATE_MOVE;
	m->progress = GPUVFIO_PROGRESS_WAITING;
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

static int plan_bind(struct gv_txn *p)
{
	bool all_unbound = true;
	unsigned int i;
	int ret;

	ret = refuse_foreign(p);
	if (ret)
		return ret;
	for (i = 0; i < p->nmembers; i++) {
		struct gv_member *m = &p->members[i];

		if (!moving_role(m))
			continue;
		if (!strcmp(m->driver, GV_VFIO)) {
			m->fate = GPUVFIO_FATE_ALREADY;
			strscpy(m->to_driver, GV_VFIO, sizeof(m->to_driver));
			continue;
		}
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

	/* A dry run does not load vfio-pci: that would be a change. */
	if (p->flags & GV_F_DRY_RUN)
		p->vfio = driver_get(GV_VFIO);
	else
		p->vfio = vfio_get();
	if (!p->vfio && !(p->flags & GV_F_DRY_RUN)) {
		if (!(p->flags & GV_F_CLAIM) || !all_unbound) {
			fail(p, NULL, "vfio-pci is not available (modprobe vfio-pci failed, or is disabled in modprobe.d): nothing changed");
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

static int plan_unbind(struct gv_txn *p)
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
		if (!recorded && strcmp(m->driver, GV_VFIO)) {
			m->fate = GPUVFIO_FATE_ALREADY;
			strscpy(m->to_driver, m->driver, sizeof(m->to_driver));
			continue;
		}
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

static int attach(struct gv_txn *t, struct pci_dev *pdev, const char *name)
{
	struct device_driver *drv;
	int ret;

	if (!name[0]) {
		ret = device_attach(&pdev->dev);
		return ret < 0 ? ret : 0;
	}
	drv = driver_get(name);
	if (!drv) {
		fail(t, pdev, "cannot go back to %s: that driver is no longer registered",
		     name);
		return -ENOENT;
	}
	ret = device_driver_attach(drv, &pdev->dev);
	driver_put(drv);
	return ret;
}

/*
 * A host driver cannot bind into a group a VFIO user still owns (-EBUSY).
 * When a VM exits, vfio-pci's remove returns as soon as the device is
 * closed, a moment before the group is: an unbind that was waiting for the
 * VM retries for a while instead of rolling back.
 */
static int attach_host(struct gv_txn *p, struct gv_member *m)
{
	int ret, tries;

	for (tries = 0;; tries++) {
		ret = attach(p, m->pdev, m->to_driver);
		if (ret != -EBUSY || p->bind || tries == 50 ||
		    !iommu_group_dma_owner_claimed(m->grp->group))
			return ret;
		msleep(100);
	}
}

/* m left the bus (a hot-unplug, a write to its remove file) mid-request. */
static int removed(struct gv_txn *p, struct gv_member *m)
{
	fail(p, m->pdev, "was removed from the bus during the request; the others were rolled back");
	return -EIO;
}

/* Publishes how far m got; what a pending request waits on. */
static void progress(struct gv_txn *t, struct gv_member *m, u32 step,
		     bool blocking)
{
	mutex_lock(&t->lock);
	m->progress = step;
	if (blocking)
		t->waiting = m;
	else if (t->waiting == m)
		t->waiting = NULL;
	mutex_unlock(&t->lock);
}

static int move(struct gv_txn *p, struct gv_member *m)
{
	u64 t0;
	int ret;

	progress(p, m, GPUVFIO_PROGRESS_OVERRIDE, false);
	t0 = ktime_get_ns();
	ret = gv_step(p, m, "set driver_override");
	if (!ret)
		ret = gv_set_override(m->pdev, m->to_override);
	m->t_override = ktime_get_ns() - t0;
	if (ret) {
		fail(p, m->pdev, "driver_override could not be set (%d); rolled back",
		     ret);
		return ret;
	}
	m->done = GV_DONE_OVERRIDE;

	ret = gv_step(p, m, "release driver");
	if (ret)
		return ret;
	/* The remove can block for as long as a process holds the device. */
	progress(p, m, GPUVFIO_PROGRESS_RELEASE, m->driver[0]);
	t0 = ktime_get_ns();
	device_release_driver(&m->pdev->dev);
	m->t_release = ktime_get_ns() - t0;
	m->done = GV_DONE_RELEASE;

	if (p->bind && !m->to_driver[0])
		goto done;	/* claim only: vfio-pci binds it when it loads */
	ret = gv_step(p, m, "attach driver");
	if (ret)
		return ret;
	m->done = GV_DONE_ATTACH;
	progress(p, m, GPUVFIO_PROGRESS_ATTACH, true);
	t0 = ktime_get_ns();
	ret = attach_host(p, m);
	m->t_attach = ktime_get_ns() - t0;
	if (ret && !device_is_registered(&m->pdev->dev))
		return removed(p, m);
	if (ret) {
		fail(p, m->pdev, "%s did not take the device (%d); rolled back",
		     m->to_driver[0] ? m->to_driver : "its default driver", ret);
		return ret;
	}
done:
	progress(p, m, GPUVFIO_PROGRESS_DONE, false);
	return 0;
}

static int verify(struct gv_txn *p)
{
	char now[GV_NAME_LEN];
	unsigned int i;
	int ret;

	for (i = 0; i < p->nmoves; i++) {
		struct gv_member *m = p->moves[i];
		bool ok;

		ret = gv_step(p, m, "verify");
		if (!ret)
			ret = read_driver(p, m->pdev, now, NULL, NULL);
		if (ret)
			return ret;
		/* Gone, it would pass for given back to "its default driver". */
		if (!device_is_registered(&m->pdev->dev))
			return removed(p, m);
		if (p->bind || m->to_driver[0])
			ok = !strcmp(now, m->to_driver);
		else
			ok = strcmp(now, GV_VFIO);
		if (!ok) {
			fail(p, m->pdev, "is on %s instead of %s; rolled back",
			     now[0] ? now : "no driver",
			     m->to_driver[0] ? m->to_driver : "its default driver");
			return -EIO;
		}
	}
	if (!p->bind || !p->vfio)
		return 0;
	for (i = 0; i < p->ngroups; i++) {
		if (iommu_group_dma_owner_claimed(p->groups[i].group)) {
			fail(p, NULL, "IOMMU group %d is not viable after the move: a member uses the DMA API; rolled back",
			     iommu_group_id(p->groups[i].group));
			return -EIO;
		}
	}
	return 0;
}

/*
 * Puts every device that was touched back on the driver and override it had,
 * in the reverse of the plan's order (in each group, last touched first).
 * Runs to the end whatever fails, and says what it could not restore.
 */
static void rollback(struct gv_txn *p)
{
	char now[GV_NAME_LEN];
	unsigned int i;

	for (i = p->nmoves; i-- > 0;) {
		struct gv_member *m = p->moves[i];

		if (m->done == GV_DONE_NOTHING)
			continue;
		if (gv_set_override(m->pdev, m->override))
			pci_err(m->pdev, "rollback: could not restore driver_override '%s'\n",
				m->override);
		if (read_driver(p, m->pdev, now, NULL, NULL) || strcmp(now, m->driver)) {
			progress(p, m, GPUVFIO_PROGRESS_RELEASE, true);
			device_release_driver(&m->pdev->dev);
			if (m->driver[0] && attach(p, m->pdev, m->driver)) {
				pci_err(m->pdev, "rollback: %s did not take the device back\n",
					m->driver);
				progress(p, m, GPUVFIO_PROGRESS_RELEASE, false);
				continue;
			}
		}
		pci_info(m->pdev, "rolled back to %s\n",
			 m->driver[0] ? m->driver : "no driver");
		progress(p, m, GPUVFIO_PROGRESS_ROLLED_BACK, false);
	}
}

/* One group's moves, in plan order, until one fails or another lane's did. */
static int move_lane(struct gv_txn *p, struct gv_group *grp)
{
	unsigned int i;
	int ret;

	for (i = 0; i < p->nmoves; i++) {
		struct gv_member *m = p->moves[i];

		if (m->grp != grp)
			continue;
		if (atomic_read(&p->aborted))
			return -ECANCELED;
		ret = move(p, m);
		if (ret) {
			m->err = ret;
			atomic_set(&p->aborted, 1);
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

/* One lane per group with something to move (before the commit: it cannot
 * fail halfway for want of memory). */
static int plan_lanes(struct gv_txn *p)
{
	unsigned int g, i;

	p->lanes = kcalloc(p->ngroups, sizeof(*p->lanes), GFP_KERNEL);
	if (!p->lanes)
		return -ENOMEM;
	for (g = 0; g < p->ngroups; g++) {
		for (i = 0; i < p->nmoves; i++) {
			if (p->moves[i]->grp == &p->groups[g])
				break;
		}
		if (i == p->nmoves)
			continue;
		p->lanes[p->nlanes].txn = p;
		p->lanes[p->nlanes].grp = &p->groups[g];
		INIT_WORK(&p->lanes[p->nlanes].work, gv_lane_work);
		p->nlanes++;
	}
	return 0;
}

/*
 * Runs every lane, the first on this worker and the others on gv_wq, and
 * waits for all of them: a device's remove or probe in one group does not
 * wait for another group's. Then verifies the whole, or rolls it all back.
 */
static int commit(struct gv_txn *p)
{
	unsigned int i;
	int ret = 0;

	for (i = 1; i < p->nlanes; i++)
		queue_work(gv_wq, &p->lanes[i].work);
	if (p->nlanes)
		gv_lane_work(&p->lanes[0].work);
	for (i = 1; i < p->nlanes; i++)
		flush_work(&p->lanes[i].work);
	/* The failure that stopped the others, not their -ECANCELED. */
	for (i = 0; i < p->nlanes; i++) {
		if (p->lanes[i].err && (!ret || ret == -ECANCELED))
			ret = p->lanes[i].err;
	}
	if (!ret)
		ret = verify(p);
	if (ret) {
		rollback(p);
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
			/* Removed from the bus after verify() saw it: the
			 * notifier may have come before the record was added. */
			if (member_gone(m)) {
				gv_dev_remove(m->pdev);
				pci_info(m->pdev, "was removed from the bus as the request completed; its record is dropped\n");
			}
		} else {
			gv_dev_remove(m->pdev);
			pci_info(m->pdev, "%s -> %s\n", m->driver,
				 m->to_driver[0] ? m->to_driver : "default driver");
		}
	}
	return 0;
}

static void finish(struct gv_txn *t, int err, u32 outcome)
{
	mutex_lock(&t->lock);
	t->err = err;
	t->outcome = outcome;
	t->elapsed_ns = ktime_get_ns() - t->start_ns;
	t->waiting = NULL;
	t->finished = true;
	if (!err)
		scnprintf(t->msg, sizeof(t->msg), "%s %u device%s",
			  t->bind ? "moved to vfio-pci:" : "given back:",
			  t->nmoves, t->nmoves == 1 ? "" : "s");
	mutex_unlock(&t->lock);
}

static void gv_txn_release(struct kref *ref)
{
	struct gv_txn *t = container_of(ref, struct gv_txn, ref);
	unsigned int i;

	release_groups(t);
	driver_put(t->vfio);
	for (i = 0; i < t->nmembers; i++)
		pci_dev_put(t->members[i].pdev);
	kfree(t->members);
	kfree(t->moves);
	kfree(t->lanes);
	for (i = 0; i < t->ngroups; i++)
		iommu_group_put(t->groups[i].group);
	devset_put(&t->devs);
	kfree(t);
}

void gv_txn_put(struct gv_txn *t)
{
	if (t)
		kref_put(&t->ref, gv_txn_release);
}

/*
 * The commit, on gv_wq. It holds a reference on the transaction and on the
 * module (so that rmmod fails instead of waiting while a change is pending).
 */
static void gv_txn_work(struct work_struct *work)
{
	struct gv_txn *t = container_of(work, struct gv_txn, work);
	int ret;

	ret = commit(t);

	spin_lock(&gv_busy_lock);
	list_del(&t->active_node);
	spin_unlock(&gv_busy_lock);
	release_groups(t);
	gv_dev_changed();
	finish(t, ret, ret ? GPUVFIO_OUTCOME_ROLLED_BACK : GPUVFIO_OUTCOME_DONE);

	mutex_lock(&t->lock);
	if (t->pending)
		pr_info("transaction %u (%s) %s after it was reported pending\n",
			t->id, t->bind ? "bind" : "unbind",
			ret ? "was rolled back" : "completed");
	gv_nl_event_txn(t, ret ? GPUVFIO_EVENT_ROLLED_BACK :
			t->bind ? GPUVFIO_EVENT_BOUND : GPUVFIO_EVENT_UNBOUND);
	mutex_unlock(&t->lock);

	complete(&t->done);
	gv_txn_put(t);
	module_put(THIS_MODULE);
}

struct gv_txn *gv_txn_new(bool bind, unsigned int flags)
{
	struct gv_txn *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	kref_init(&t->ref);
	mutex_init(&t->lock);
	INIT_WORK(&t->work, gv_txn_work);
	init_completion(&t->done);
	INIT_LIST_HEAD(&t->active_node);
	t->id = atomic_inc_return(&gv_txn_ids);
	t->bind = bind;
	t->flags = flags;
	t->start_ns = ktime_get_ns();
	return t;
}

int gv_txn_add_devices(struct gv_txn *t, struct pci_dev **pdevs,
		       unsigned int n)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = devset_add(t, &t->devs, pdevs[i]);
	return ret;
}

static unsigned long time_left(unsigned long deadline)
{
	return time_before(jiffies, deadline) ? deadline - jiffies : 0;
}

int gv_txn_run(struct gv_txn *t, unsigned int timeout_ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	unsigned int i;
	long left;
	int ret;

	t->ntargets = t->devs.n;
	ret = add_companions(t);

	/* Every group is found before any driver is touched: without an
	 * IOMMU, vfio-pci's probe of a VGA device would evict the console
	 * before it fails. */
	for (i = 0; i < t->devs.n && !ret; i++)
		ret = add_group(t, t->devs.devs[i]);
	if (ret)
		goto refused;

	left = wait_event_killable_timeout(gv_busy_wq, try_hold_groups(t),
					   time_left(deadline));
	if (left == -ERESTARTSYS) {
		ret = -EINTR;
		fail(t, NULL, "interrupted while waiting for another request on the same IOMMU group; nothing changed");
		goto refused;
	}
	if (!left && !t->holding) {
		ret = -EBUSY;
		fail(t, NULL, "another request holds the same IOMMU group (it may be pending: see gpuvfio status); nothing changed, try again when it completes");
		goto refused;
	}

	ret = classify(t);
	if (ret)
		goto refused;
	t->moves = kcalloc(t->nmembers, sizeof(*t->moves), GFP_KERNEL);
	if (!t->moves) {
		ret = -ENOMEM;
		goto refused;
	}
	ret = t->bind ? plan_bind(t) : plan_unbind(t);
	if (ret)
		goto refused;
	if (t->flags & GV_F_DRY_RUN) {
		release_groups(t);
		mutex_lock(&t->lock);
		scnprintf(t->msg, sizeof(t->msg), "dry run: %u device%s would move%s; nothing changed",
			  t->nmoves, t->nmoves == 1 ? "" : "s",
			  t->bind && t->nmoves && !t->vfio ?
			  " (vfio-pci is not loaded: the bind loads it)" : "");
		mutex_unlock(&t->lock);
		finish(t, 0, GPUVFIO_OUTCOME_DRY_RUN);
		return 0;
	}
	if (!t->nmoves) {
		release_groups(t);
		mutex_lock(&t->lock);
		scnprintf(t->msg, sizeof(t->msg), "nothing to do: every device is already %s",
			  t->bind ? "on vfio-pci" : "off vfio-pci");
		mutex_unlock(&t->lock);
		pr_info("%s\n", t->msg);
		finish(t, 0, GPUVFIO_OUTCOME_NOTHING);
		return 0;
	}

	ret = plan_lanes(t);
	if (ret)
		goto refused;

	/* Not __module_get(): a request that arrived while rmmod waits for
	 * the family to go must not start a commit that rmmod's teardown
	 * of the workqueue would then wait for. */
	if (!try_module_get(THIS_MODULE)) {
		ret = -ESHUTDOWN;
		fail(t, NULL, "gpuvfio is being unloaded; nothing changed");
		goto refused;
	}
	kref_get(&t->ref);
	spin_lock(&gv_busy_lock);
	list_add_tail(&t->active_node, &gv_active);
	spin_unlock(&gv_busy_lock);
	gv_dev_changed();
	queue_work(gv_wq, &t->work);

	left = wait_for_completion_killable_timeout(&t->done,
						    time_left(deadline));
	mutex_lock(&t->lock);
	if (!t->finished) {
		struct gv_member *m = t->waiting;

		t->pending = true;
		t->outcome = GPUVFIO_OUTCOME_PENDING;
		t->elapsed_ns = ktime_get_ns() - t->start_ns;
		if (m)
			scnprintf(t->wait_msg, sizeof(t->wait_msg), "pending: waiting for %s to %s %s, which a process may hold open; the change completes when it lets go",
				  m->progress == GPUVFIO_PROGRESS_ATTACH ?
				  (m->to_driver[0] ? m->to_driver : "the default driver") :
				  m->driver,
				  m->progress == GPUVFIO_PROGRESS_ATTACH ?
				  "probe" : "release", pci_name(m->pdev));
		else
			scnprintf(t->wait_msg, sizeof(t->wait_msg), "pending: the change is still in progress");
		pr_info("transaction %u: %s\n", t->id, t->wait_msg);
		gv_nl_event_txn(t, GPUVFIO_EVENT_PENDING);
		mutex_unlock(&t->lock);
		return -EINPROGRESS;
	}
	ret = t->err;
	mutex_unlock(&t->lock);
	return ret;

refused:
	release_groups(t);
	finish(t, ret, GPUVFIO_OUTCOME_REFUSED);
	return ret;
}

void gv_txn_lock(struct gv_txn *t)
{
	mutex_lock(&t->lock);
}

void gv_txn_unlock(struct gv_txn *t)
{
	mutex_unlock(&t->lock);
}

void gv_txn_report(struct gv_txn *t, struct gv_txn_report *r)
{
	lockdep_assert_held(&t->lock);
	r->id = t->id;
	r->bind = t->bind;
	r->outcome = t->outcome;
	r->err = t->err;
	r->msg = t->finished ? t->msg : t->wait_msg;
	r->elapsed_ns = t->finished || t->pending ? t->elapsed_ns :
			ktime_get_ns() - t->start_ns;
	r->wait_pdev = NULL;
	r->wait_driver = NULL;
	if (t->pending && !t->finished && t->waiting) {
		struct gv_member *m = t->waiting;

		r->wait_pdev = m->pdev;
		r->wait_driver = m->progress == GPUVFIO_PROGRESS_ATTACH ?
				 m->to_driver : m->driver;
	}
	r->nmembers = t->nmembers;
}

void gv_txn_member(struct gv_txn *t, unsigned int i,
		   struct gv_member_report *r)
{
	struct gv_member *m = &t->members[i];

	lockdep_assert_held(&t->lock);
	r->pdev = m->pdev;
	r->group = iommu_group_id(m->grp->group);
	r->role = m->role;
	r->fate = m->fate;
	r->progress = m->fate == GPUVFIO_FATE_MOVE ? m->progress : 0;
	r->err = m->err;
	r->from_driver = m->driver;
	r->to_driver = m->fate == GPUVFIO_FATE_MOVE ||
		       m->fate == GPUVFIO_FATE_ALREADY ? m->to_driver : NULL;
	r->t_override_ns = m->t_override;
	r->t_release_ns = m->t_release;
	r->t_attach_ns = m->t_attach;
}

int gv_switch_devices(struct pci_dev **pdevs, unsigned int n, bool bind,
		      unsigned int flags)
{
	struct gv_txn *t = gv_txn_new(bind, flags);
	int ret;

	if (!t)
		return -ENOMEM;
	ret = gv_txn_add_devices(t, pdevs, n);
	if (!ret)
		ret = gv_txn_run(t, GPUVFIO_TIMEOUT_DEFAULT_MS);
	gv_txn_put(t);
	return ret;
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
		if (id && gv_config_excluded(pdev)) {
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

int gv_txn_add_target(struct gv_txn *t, const struct gv_target *tg)
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
			fail(t, NULL, "no PCI device at %s", name);
			return -ENODEV;
		}
		if (gv_config_excluded(pdev)) {
			fail(t, pdev, "is excluded (exclude=): refused, nothing changed");
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
			fail(t, NULL, "no device matches %s (or every match is excluded)",
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
			fail(t, NULL, "no device matches ids=: set ids first");
			return -ENODEV;
		}
		return ret < 0 ? ret : 0;
	}
	return -EINVAL;
}

unsigned int gv_txn_ndevices(struct gv_txn *t)
{
	return t->devs.n;
}

static int switch_targets(const struct gv_target *tg, unsigned int nt,
			  bool bind)
{
	struct gv_txn *t;
	unsigned int i;
	int ret = 0;

	t = gv_txn_new(bind, 0);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < nt && !ret; i++)
		ret = gv_txn_add_target(t, &tg[i]);
	if (!ret)
		ret = gv_txn_run(t, GPUVFIO_TIMEOUT_DEFAULT_MS);
	gv_txn_put(t);
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

int gv_switch_init(void)
{
	/* Unbound: independent groups are moved in parallel, and a worker
	 * blocked in a driver's remove does not hold up the others. */
	gv_wq = alloc_workqueue("gpuvfio", WQ_UNBOUND, 0);
	return gv_wq ? 0 : -ENOMEM;
}

void gv_switch_exit(void)
{
	/* Nothing is queued: a pending transaction holds a module reference. */
	destroy_workqueue(gv_wq);
}
