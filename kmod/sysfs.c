// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/gpuvfio: for scripts and early boot without the tool. One
 * value per file; see docs/ABI/sysfs-kernel-gpuvfio.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <uapi/linux/gpuvfio.h>

#include "claim.h"
#include "config.h"
#include "devices.h"
#include "stats.h"
#include "switch.h"
#include "sysfs.h"

static struct kobject *gv_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", GPUVFIO_VERSION);
}

static ssize_t ids_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return gv_config_show_ids(buf);
}

/* A new list replaces the old one and its devices are claimed at once,
 * as at load. Devices the old list matched stay where they are. */
static ssize_t ids_store(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t count)
{
	int ret = gv_config_set_ids(buf);

	if (ret)
		return ret;
	gv_claim_all(0);
	return count;
}

static ssize_t exclude_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return gv_config_show_exclude(buf);
}

static ssize_t exclude_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int ret = gv_config_set_exclude(buf);

	return ret ? ret : count;
}

/*
 * A write waits for its request up to the default timeout, and says
 * -EINPROGRESS when it goes on past it (or the wait was interrupted). It
 * holds nothing but the file meanwhile: the commit runs on the engine's
 * workqueue like any other.
 */
static int switch_targets(const struct gv_target *tg, unsigned int n,
			  bool bind)
{
	struct gv_txn *t;
	unsigned int i;
	int ret = 0;

	t = gv_txn_new(bind, 0, 0);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++)
		ret = gv_txn_add_target(t, &tg[i]);
	if (!ret)
		ret = gv_txn_submit(t);
	if (ret == -EINPROGRESS)
		ret = gv_txn_wait(t);
	gv_txn_put(t);
	return ret;
}

static ssize_t switch_store(const char *buf, size_t count, bool bind)
{
	struct gv_parse_err err;
	struct gv_target *tg;
	unsigned int n;
	int ret;

	tg = kcalloc(GV_MAX_LIST, sizeof(*tg), GFP_KERNEL);
	if (!tg)
		return -ENOMEM;
	ret = gv_parse_target_list(buf, tg, GV_MAX_LIST, &n, &err);
	if (ret == -E2BIG) {
		pr_err("%s: more than %u targets\n", bind ? "bind" : "unbind",
		       GV_MAX_LIST);
	} else if (ret) {
		pr_err("%s: '%.*s' is neither a PCI address (0000:01:00.0), a vendor:device ID (10de:1bb3) nor 'all'; nothing changed\n",
		       bind ? "bind" : "unbind",
		       (int)min_t(size_t, err.len, 32), err.tok);
	} else if (!n) {
		pr_err("%s: no target given\n", bind ? "bind" : "unbind");
		ret = -EINVAL;
	} else {
		ret = switch_targets(tg, n, bind);
	}
	kfree(tg);
	return ret ? ret : count;
}

static ssize_t bind_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	return switch_store(buf, count, true);
}

static ssize_t unbind_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	return switch_store(buf, count, false);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);
static struct kobj_attribute ids_attr = __ATTR(ids, 0644, ids_show, ids_store);
static struct kobj_attribute exclude_attr =
	__ATTR(exclude, 0644, exclude_show, exclude_store);
static struct kobj_attribute bind_attr = __ATTR_WO(bind);
static struct kobj_attribute unbind_attr = __ATTR_WO(unbind);

#ifdef GPUVFIO_TEST
/* The steps that fail, "3" or "6,13"; "0" for none. */
static ssize_t fail_at_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	u64 mask = READ_ONCE(gv_fail_mask);
	int len = 0, step;

	for (step = 1; step <= 64; step++)
		if (mask & BIT_ULL(step - 1))
			len += sysfs_emit_at(buf, len, "%s%d", len ? "," : "",
					     step);
	if (!len)
		len = sysfs_emit(buf, "0");
	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t fail_at_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	char *s, *tok, *copy;
	u64 mask = 0;
	int step, ret = 0;

	copy = kstrndup(buf, count, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	s = strim(copy);
	while ((tok = strsep(&s, ",")) && !ret) {
		ret = kstrtoint(tok, 0, &step);
		if (!ret && (step < 0 || step > 64))
			ret = -ERANGE;
		if (!ret && step)
			mask |= BIT_ULL(step - 1);
	}
	kfree(copy);
	if (ret)
		return ret;
	WRITE_ONCE(gv_fail_mask, mask);
	return count;
}

static struct kobj_attribute fail_at_attr = __ATTR_RW(fail_at);

/* "STEP ADDRESS": remove that device from the bus before step STEP of the
 * next transactions that move it; "STEP ADDRESS held": start its removal
 * there and hold it in the bus notifier until the transaction ends; "0":
 * never. */
static ssize_t remove_at_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct gv_addr a = READ_ONCE(gv_remove_addr);
	int step = READ_ONCE(gv_remove_at);
	char addr[GV_ADDR_LEN + 1];

	if (!step)
		return sysfs_emit(buf, "0\n");
	gv_format_addr(addr, sizeof(addr), &a);
	return sysfs_emit(buf, "%d %s%s\n", step, addr,
			  READ_ONCE(gv_remove_held) ? " held" : "");
}

static ssize_t remove_at_store(struct kobject *kobj,
			       struct kobj_attribute *attr, const char *buf,
			       size_t count)
{
	const char *sp = strchr(buf, ' ');
	struct gv_addr a = {};
	const char *rest;
	bool held = false;
	char num[12];
	size_t len;
	int step, ret;

	if (!sp) {
		ret = kstrtoint(buf, 0, &step);
		if (ret)
			return ret;
		if (step)
			return -EINVAL;	/* a step needs an address */
		WRITE_ONCE(gv_remove_at, 0);
		return count;
	}
	if (sp - buf >= sizeof(num))
		return -EINVAL;
	memcpy(num, buf, sp - buf);
	num[sp - buf] = '\0';
	ret = kstrtoint(num, 0, &step);
	if (ret)
		return ret;
	len = strcspn(sp + 1, " \n");
	ret = gv_parse_addr(sp + 1, len, &a);
	if (ret)
		return ret;
	rest = sp + 1 + len;
	if (*rest == ' ') {
		if (strcmp(rest, " held") && strcmp(rest, " held\n"))
			return -EINVAL;
		held = true;
	} else if (*rest && strcmp(rest, "\n")) {
		return -EINVAL;
	}
	WRITE_ONCE(gv_remove_at, 0);
	WRITE_ONCE(gv_remove_addr, a);
	WRITE_ONCE(gv_remove_held, held);
	WRITE_ONCE(gv_remove_at, step);
	return count;
}

static struct kobj_attribute remove_at_attr = __ATTR_RW(remove_at);
#endif

static struct attribute *gv_attrs[] = {
	&version_attr.attr,
	&ids_attr.attr,
	&exclude_attr.attr,
	&bind_attr.attr,
	&unbind_attr.attr,
#ifdef GPUVFIO_TEST
	&fail_at_attr.attr,
	&remove_at_attr.attr,
#endif
	NULL,
};

static const struct attribute_group gv_attr_group = {
	.attrs = gv_attrs,
};

/* stats/: the module's counters (stats.h), one per file, read-only. */
#define GV_STAT_ATTR(field)						\
static ssize_t field##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct gv_stats s;						\
									\
	gv_stats_read(&s);						\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)s.field);	\
}									\
static struct kobj_attribute field##_attr = __ATTR_RO(field)

GV_STAT_ATTR(binds);
GV_STAT_ATTR(unbinds);
GV_STAT_ATTR(claims);
GV_STAT_ATTR(rollbacks);
GV_STAT_ATTR(rollbacks_incomplete);
GV_STAT_ATTR(refusals);
GV_STAT_ATTR(nothing);
GV_STAT_ATTR(dry_runs);
GV_STAT_ATTR(running);
GV_STAT_ATTR(pending);
/* 0 before the first request: none takes no time at all. */
GV_STAT_ATTR(last_ns);

static struct attribute *gv_stats_attrs[] = {
	&binds_attr.attr,
	&unbinds_attr.attr,
	&claims_attr.attr,
	&rollbacks_attr.attr,
	&rollbacks_incomplete_attr.attr,
	&refusals_attr.attr,
	&nothing_attr.attr,
	&dry_runs_attr.attr,
	&running_attr.attr,
	&pending_attr.attr,
	&last_ns_attr.attr,
	NULL,
};

static const struct attribute_group gv_stats_group = {
	.name = "stats",
	.attrs = gv_stats_attrs,
};

int gv_sysfs_init(void)
{
	int ret;

	gv_kobj = kobject_create_and_add("gpuvfio", kernel_kobj);
	if (!gv_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(gv_kobj, &gv_attr_group);
	if (ret)
		goto err_put;
	ret = sysfs_create_group(gv_kobj, &gv_stats_group);
	if (ret)
		goto err_group;
	ret = gv_devices_init(gv_kobj, gv_switch_dev_state);
	if (ret)
		goto err_stats;
	return 0;

err_stats:
	sysfs_remove_group(gv_kobj, &gv_stats_group);
err_group:
	sysfs_remove_group(gv_kobj, &gv_attr_group);
err_put:
	kobject_put(gv_kobj);
	return ret;
}

void gv_sysfs_exit(void)
{
	/* Waits for writes in flight: a bind under way completes first. */
	sysfs_remove_group(gv_kobj, &gv_attr_group);
	sysfs_remove_group(gv_kobj, &gv_stats_group);
	gv_devices_exit();
	kobject_put(gv_kobj);
}
