// SPDX-License-Identifier: GPL-2.0
/*
 * A transaction's lifetime: created by a front end, submitted (planned
 * without waiting, then committed on the workqueue), ended by its worker,
 * and kept, findable by its id, for GPUVFIO_TXN_KEEP_MS after its end. One
 * deadline per transaction, set when it is created, bounds every wait of
 * its planning; a request still loading vfio-pci or committing at the
 * deadline becomes pending.
 * Whoever listens (netlink) is told of every pending and every end through
 * the hooks given at init.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "stats.h"
#include "txn.h"

struct workqueue_struct *gv_wq;
static const struct gv_switch_hooks *gv_hooks;
static atomic_t gv_txn_ids = ATOMIC_INIT(0);

/* Submitted transactions, oldest first: running, and ended ones kept. */
static DEFINE_SPINLOCK(gv_txns_lock);
static LIST_HEAD(gv_txns);
static void expire_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(gv_expire_work, expire_work);

/* Keeps the first failure as the transaction's message, which the
 * caller's reply and the event carry. */
static __printf(3, 0) void set_msg(struct gv_txn *t, struct pci_dev *pdev,
				   const char *fmt, va_list args)
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

void gv_txn_note(struct gv_txn *t, struct pci_dev *pdev, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	set_msg(t, pdev, fmt, args);
	va_end(args);
}

/* Logs a failure against pdev (or the module) and keeps it (see above). */
void gv_txn_fail(struct gv_txn *t, struct pci_dev *pdev, const char *fmt, ...)
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

void gv_txn_append(struct gv_txn *t, const char *fmt, ...)
{
	size_t len;
	va_list args;

	mutex_lock(&t->lock);
	len = strlen(t->msg);
	va_start(args, fmt);
	vscnprintf(t->msg + len, sizeof(t->msg) - len, fmt, args);
	va_end(args);
	mutex_unlock(&t->lock);
}

/* Under t->lock: what a pending request waits on, for its report. */
static void wait_msg_locked(struct gv_txn *t)
{
	struct gv_member *m = t->waiting;

	lockdep_assert_held(&t->lock);
	if (!t->pending || t->finished)
		return;
	if (m)
		scnprintf(t->wait_msg, sizeof(t->wait_msg), "pending: waiting for %s to %s %s, which a process may hold open; the change completes when it lets go",
			  m->progress == GPUVFIO_PROGRESS_ATTACH ?
			  (m->to_driver[0] ? m->to_driver : "the default driver") :
			  m->driver,
			  m->progress == GPUVFIO_PROGRESS_ATTACH ?
			  "probe" : "release", pci_name(m->pdev));
	else if (t->loading)
		scnprintf(t->wait_msg, sizeof(t->wait_msg), "pending: waiting for modprobe vfio-pci to finish; the request goes on when it has, or is refused if vfio-pci did not load");
	else
		scnprintf(t->wait_msg, sizeof(t->wait_msg), "pending: the change is still in progress");
}

/*
 * Publishes how far m got, and what a pending request waits on: with lanes
 * in parallel, any member still blocking when another one is done.
 */
void gv_txn_progress(struct gv_txn *t, struct gv_member *m, u32 step,
		     bool blocking)
{
	struct gv_member *was;
	unsigned int i;

	mutex_lock(&t->lock);
	was = t->waiting;
	m->progress = step;
	m->blocking = blocking;
	if (blocking) {
		t->waiting = m;
	} else if (t->waiting == m) {
		t->waiting = NULL;
		for (i = 0; i < t->nmoves && !t->waiting; i++)
			if (t->moves[i]->blocking)
				t->waiting = t->moves[i];
	}
	/* A pending request's report names what it waits on now. */
	if (t->waiting != was)
		wait_msg_locked(t);
	mutex_unlock(&t->lock);
}

static void event_locked(struct gv_txn *t, u32 event)
{
	lockdep_assert_held(&t->lock);
	if (gv_hooks && gv_hooks->txn_event)
		gv_hooks->txn_event(t, event);
}

/* Under t->lock: the request is past its deadline, loading or committing. */
static void mark_pending(struct gv_txn *t)
{
	if (t->pending || t->finished)
		return;
	t->pending = true;
	gv_stats_pending();
	t->outcome = GPUVFIO_OUTCOME_PENDING;
	t->elapsed_ns = ktime_get_ns() - t->start_ns;
	wait_msg_locked(t);
	pr_info("transaction %u: %s\n", t->id, t->wait_msg);
	event_locked(t, GPUVFIO_EVENT_PENDING);
}

static void gv_txn_deadline(struct work_struct *work)
{
	struct gv_txn *t = container_of(to_delayed_work(work), struct gv_txn,
					deadline_work);

	/* Still planning at the deadline: the plan refuses by itself. */
	mutex_lock(&t->lock);
	if (t->committing || t->loading)
		mark_pending(t);
	mutex_unlock(&t->lock);
	gv_txn_put(t);
}

/*
 * The worker is past the plan, in one of the two stages the deadline cannot
 * cut short: loading vfio-pci (modprobe) or committing. Past the deadline,
 * the request is pending on it.
 */
static void past_plan(struct gv_txn *t, bool *stage)
{
	mutex_lock(&t->lock);
	*stage = true;
	if (!time_before(jiffies, t->deadline))
		mark_pending(t);
	mutex_unlock(&t->lock);
}

void gv_txn_loading(struct gv_txn *t)
{
	past_plan(t, &t->loading);
}

void gv_txn_loaded(struct gv_txn *t)
{
	mutex_lock(&t->lock);
	t->loading = false;
	wait_msg_locked(t);
	mutex_unlock(&t->lock);
}

void gv_txn_committing(struct gv_txn *t)
{
	past_plan(t, &t->committing);
}

static void finish_locked(struct gv_txn *t, int err, u32 outcome)
{
	lockdep_assert_held(&t->lock);
	/* An ended transaction is kept for its report only: it pins no
	 * driver (rmmod vfio-pci must not wait for it). */
	gv_driver_put(t->vfio);
	t->vfio = NULL;
	t->err = err;
	t->outcome = outcome;
	t->elapsed_ns = ktime_get_ns() - t->start_ns;
	t->waiting = NULL;
	/* Read without the lock by expire(). */
	WRITE_ONCE(t->ended, jiffies);
	WRITE_ONCE(t->finished, true);
	/* Every end, also a refusal or a dry run inside the request, is
	 * freed when its time is up on a quiet host too. */
	mod_delayed_work(system_wq, &gv_expire_work,
			 msecs_to_jiffies(GPUVFIO_TXN_KEEP_MS) + HZ);
	gv_stats_ended(t->bind, t->flags & GV_F_CLAIM, outcome, t->elapsed_ns);
	if (err)
		return;
	if (outcome == GPUVFIO_OUTCOME_NOTHING)
		scnprintf(t->msg, sizeof(t->msg), "nothing to do: every device is already %s",
			  t->bind ? "on vfio-pci" : "off vfio-pci");
	else if (outcome == GPUVFIO_OUTCOME_DONE)
		scnprintf(t->msg, sizeof(t->msg), "%s %u device%s",
			  t->bind ? "moved to vfio-pci:" : "given back:",
			  t->nmoves, t->nmoves == 1 ? "" : "s");
}

void gv_txn_end(struct gv_txn *t, int err, bool changed)
{
	u32 outcome, event;

	if (!err) {
		outcome = t->nmoves ? GPUVFIO_OUTCOME_DONE :
				      GPUVFIO_OUTCOME_NOTHING;
		event = (t->flags & GV_F_CLAIM) ? GPUVFIO_EVENT_CLAIMED :
			t->bind ? GPUVFIO_EVENT_BOUND : GPUVFIO_EVENT_UNBOUND;
	} else if (t->incomplete) {
		outcome = GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE;
		event = GPUVFIO_EVENT_ROLLBACK_INCOMPLETE;
	} else if (changed) {
		outcome = GPUVFIO_OUTCOME_ROLLED_BACK;
		event = GPUVFIO_EVENT_ROLLED_BACK;
	} else {
		outcome = GPUVFIO_OUTCOME_REFUSED;
		event = GPUVFIO_EVENT_REFUSED;
	}

	mutex_lock(&t->lock);
	if (t->pending)
		pr_info("transaction %u (%s) %s after it was reported pending\n",
			t->id, t->bind ? "bind" : "unbind",
			err ? "failed" : "completed");
	finish_locked(t, err, outcome);
	gv_stats_done_running(t->pending);
	event_locked(t, event);
	mutex_unlock(&t->lock);

	if (cancel_delayed_work_sync(&t->deadline_work))
		gv_txn_put(t);
	complete_all(&t->done);
	gv_txn_put(t);
	module_put(THIS_MODULE);
}

static void gv_txn_release(struct kref *ref)
{
	struct gv_txn *t = container_of(ref, struct gv_txn, ref);
	unsigned int i;

	gv_busy_release(t);
	gv_plan_free(t);
	for (i = 0; i < t->ngroups; i++)
		iommu_group_put(t->groups[i].group);
	while (t->devs.n)
		pci_dev_put(t->devs.devs[--t->devs.n]);
	kvfree(t);
}

void gv_txn_put(struct gv_txn *t)
{
	if (t)
		kref_put(&t->ref, gv_txn_release);
}

struct gv_txn *gv_txn_new(bool bind, unsigned int flags,
			  unsigned int timeout_ms)
{
	/* About 11 KiB (GV_MAX_DEVICES devices and groups): not worth a
	 * high-order page when memory is fragmented. */
	struct gv_txn *t = kvzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	kref_init(&t->ref);
	mutex_init(&t->lock);
	INIT_WORK(&t->work, gv_commit_work);
	INIT_DELAYED_WORK(&t->deadline_work, gv_txn_deadline);
	init_completion(&t->done);
	INIT_LIST_HEAD(&t->active_node);
	INIT_LIST_HEAD(&t->node);
	t->id = atomic_inc_return(&gv_txn_ids);
	t->bind = bind;
	t->flags = flags;
	t->start_ns = ktime_get_ns();
	t->deadline = jiffies + msecs_to_jiffies(timeout_ms ?:
						 GPUVFIO_TIMEOUT_DEFAULT_MS);
	return t;
}

int gv_txn_add_target(struct gv_txn *t, const struct gv_target *tg)
{
	return gv_plan_add_target(t, tg);
}

int gv_txn_add_devices(struct gv_txn *t, struct pci_dev **pdevs,
		       unsigned int n)
{
	return gv_plan_add_devices(t, pdevs, n);
}

unsigned int gv_txn_ndevices(struct gv_txn *t)
{
	return t->devs.n;
}

/*
 * Drops the ended transactions kept longer than GPUVFIO_TXN_KEEP_MS, and
 * the oldest ended ones past GPUVFIO_TXN_KEEP_MAX (all of them with
 * everything, at unload).
 */
static void expire(bool everything)
{
	unsigned long keep = msecs_to_jiffies(GPUVFIO_TXN_KEEP_MS);
	struct gv_txn *t, *tmp;
	unsigned int ended = 0;
	LIST_HEAD(gone);

	spin_lock(&gv_txns_lock);
	list_for_each_entry_reverse(t, &gv_txns, node)
		ended += READ_ONCE(t->finished);
	list_for_each_entry_safe(t, tmp, &gv_txns, node) {
		/* t->finished and t->ended are written under t->lock by the
		 * worker and only ever go from unset to set. */
		if (!READ_ONCE(t->finished))
			continue;
		if (everything || ended > GPUVFIO_TXN_KEEP_MAX ||
		    time_after(jiffies, READ_ONCE(t->ended) + keep)) {
			list_move(&t->node, &gone);
			ended--;
		}
	}
	spin_unlock(&gv_txns_lock);
	list_for_each_entry_safe(t, tmp, &gone, node) {
		list_del_init(&t->node);
		gv_txn_put(t);
	}
}

/* Also on a quiet host, an ended transaction goes when its time is up. */
static void expire_work(struct work_struct *work)
{
	expire(false);
}

static void keep(struct gv_txn *t)
{
	expire(false);
	kref_get(&t->ref);
	spin_lock(&gv_txns_lock);
	list_add_tail(&t->node, &gv_txns);
	spin_unlock(&gv_txns_lock);
}

struct gv_txn *gv_txn_find(u32 id)
{
	struct gv_txn *t, *found = NULL;

	expire(false);
	spin_lock(&gv_txns_lock);
	list_for_each_entry(t, &gv_txns, node) {
		if (t->id == id) {
			kref_get(&t->ref);
			found = t;
			break;
		}
	}
	spin_unlock(&gv_txns_lock);
	return found;
}

int gv_txn_submit(struct gv_txn *t)
{
	int ret;

	keep(t);
	mutex_lock(&t->lock);
	t->submitted = true;
	mutex_unlock(&t->lock);

	ret = gv_plan_resolve(t);
	if (!ret)
		ret = gv_plan(t, false);
	if (ret == -EAGAIN) {
		/* Something to wait for: the worker plans again. */
		gv_plan_reset(t);
		t->replan = true;
		ret = 0;
	}
	if (ret)
		goto refused;
	if (!t->replan && (t->flags & GV_F_DRY_RUN)) {
		mutex_lock(&t->lock);
		scnprintf(t->msg, sizeof(t->msg), "dry run: %u device%s would move%s; nothing changed",
			  t->nmoves, t->nmoves == 1 ? "" : "s",
			  t->bind && t->nmoves && !t->vfio ?
			  " (vfio-pci is not loaded: the bind loads it)" : "");
		t->planned = true;
		finish_locked(t, 0, GPUVFIO_OUTCOME_DRY_RUN);
		mutex_unlock(&t->lock);
		return 0;
	}
	if (!t->replan && !t->nmoves) {
		gv_busy_release(t);
		mutex_lock(&t->lock);
		t->planned = true;
		finish_locked(t, 0, GPUVFIO_OUTCOME_NOTHING);
		mutex_unlock(&t->lock);
		pr_info("%s\n", t->msg);
		return 0;
	}

	/* Not __module_get(): a request that arrived while rmmod waits for
	 * the family to go must not start a commit that rmmod's teardown
	 * of the workqueue would then wait for. */
	if (!try_module_get(THIS_MODULE)) {
		ret = -ESHUTDOWN;
		gv_txn_fail(t, NULL, "gpuvfio is being unloaded; nothing changed");
		goto refused;
	}
	if (!t->replan) {
		if (t->flags & GV_F_CLAIM)
			gv_commit_preclaim(t);
		gv_busy_activate(t);
	}
	mutex_lock(&t->lock);
	t->planned = !t->replan;
	t->outcome = GPUVFIO_OUTCOME_RUNNING;
	scnprintf(t->wait_msg, sizeof(t->wait_msg), "running: %s; its end is announced as an event of transaction %u",
		  t->replan ? "it waits for another request or a busy device, up to its deadline, before it is planned" :
		  "the change is under way", t->id);
	mutex_unlock(&t->lock);
	gv_stats_running();		/* until gv_txn_end() */
	kref_get(&t->ref);		/* the worker's */
	kref_get(&t->ref);		/* the deadline's */
	/* Not on gv_wq, which workers blocked in removes may fill. */
	queue_delayed_work(system_wq, &t->deadline_work,
			   gv_time_left(t->deadline));
	queue_work(gv_wq, &t->work);
	return -EINPROGRESS;

refused:
	gv_busy_release(t);
	mutex_lock(&t->lock);
	t->planned = true;
	finish_locked(t, ret, GPUVFIO_OUTCOME_REFUSED);
	mutex_unlock(&t->lock);
	return ret;
}

int gv_txn_wait(struct gv_txn *t)
{
	bool planning;
	long left;
	int ret;

	left = wait_for_completion_killable_timeout(&t->done,
						    gv_time_left(t->deadline));
	/* A plan still waiting at the deadline refuses by itself in a
	 * moment (a busy group, a busy device): that is its answer, not
	 * "pending". */
	mutex_lock(&t->lock);
	planning = !t->finished && !t->committing && !t->loading;
	mutex_unlock(&t->lock);
	if (planning && left >= 0)
		wait_for_completion_killable_timeout(&t->done, HZ);
	/* Interrupted or not, what counts is whether it ended. */
	mutex_lock(&t->lock);
	ret = t->finished ? t->err : -EINPROGRESS;
	mutex_unlock(&t->lock);
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
	r->elapsed_ns = t->finished ? t->elapsed_ns :
			ktime_get_ns() - t->start_ns;
	r->wait_pdev = NULL;
	r->wait_driver = NULL;
	if (t->pending && !t->finished && t->waiting) {
		struct gv_member *m = t->waiting;

		r->wait_pdev = m->pdev;
		r->wait_driver = m->progress == GPUVFIO_PROGRESS_ATTACH ?
				 m->to_driver : m->driver;
	}
	r->nmembers = t->planned ? t->nmembers : 0;
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
	r->err = READ_ONCE(m->err);
	r->from_driver = m->driver;
	r->to_driver = m->fate == GPUVFIO_FATE_MOVE ||
		       m->fate == GPUVFIO_FATE_ALREADY ? m->to_driver : NULL;
	r->t_override_ns = READ_ONCE(m->t_override);
	r->t_release_ns = READ_ONCE(m->t_release);
	r->t_attach_ns = READ_ONCE(m->t_attach);
}

void gv_switch_dev_claimed(struct pci_dev *pdev)
{
	gv_stats_dev_claimed();
	if (gv_hooks && gv_hooks->dev_claimed)
		gv_hooks->dev_claimed(pdev);
}

int gv_switch_init(const struct gv_switch_hooks *hooks)
{
	gv_hooks = hooks;
	/* Unbound: independent groups are moved in parallel, and a worker
	 * blocked in a driver's remove does not hold up the others. */
	gv_wq = alloc_workqueue("gpuvfio", WQ_UNBOUND, 0);
	return gv_wq ? 0 : -ENOMEM;
}

void gv_switch_exit(void)
{
	/* Nothing runs: a submitted transaction holds a module reference
	 * until its worker's very end. */
	destroy_workqueue(gv_wq);
	cancel_delayed_work_sync(&gv_expire_work);
	expire(true);
}
