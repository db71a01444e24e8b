// SPDX-License-Identifier: GPL-2.0
/*
 * The devices gpuvfio manages: where each came from, so that it can be given
 * back, and its view in /sys/kernel/gpuvfio/devices/<address>/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include <uapi/linux/gpuvfio.h>

#include "compat.h"
#include "devices.h"

struct gv_dev {
	struct kobject kobj;
	struct list_head node;
	struct pci_dev *pdev;
	struct module *pin;
	char orig_driver[GV_NAME_LEN];
	char *orig_override;		/* any length the kernel accepts */
};

static DEFINE_MUTEX(gv_devices_lock);
static LIST_HEAD(gv_devices);
static unsigned int gv_ndevices;	/* written under the lock, read without */
static struct kset *gv_devices_kset;
static u32 (*gv_dev_moving)(struct pci_dev *pdev) __ro_after_init;

#define to_gv_dev(k) container_of(k, struct gv_dev, kobj)

static ssize_t original_driver_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_gv_dev(kobj)->orig_driver);
}

static ssize_t original_override_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_gv_dev(kobj)->orig_override);
}

static const char *const gv_state_names[] = {
	[GPUVFIO_STATE_UNSPEC]		= "unknown",
	[GPUVFIO_STATE_UNBOUND]		= "unbound",
	[GPUVFIO_STATE_HOST]		= "host",
	[GPUVFIO_STATE_VFIO]		= "vfio",
	[GPUVFIO_STATE_CLAIMED]		= "claimed",
	[GPUVFIO_STATE_BUSY]		= "busy",
	[GPUVFIO_STATE_BINDING]		= "binding",
	[GPUVFIO_STATE_UNBINDING]	= "unbinding",
};

static atomic_t gv_generation = ATOMIC_INIT(1);

void gv_dev_changed(void)
{
	atomic_inc(&gv_generation);
}

unsigned int gv_dev_generation(void)
{
	return atomic_read(&gv_generation);
}

/*
 * The state is read from the device itself, so it cannot go stale. A device
 * whose driver is being probed or removed holds its lock, maybe for as long
 * as a process keeps it open: say so instead of waiting.
 */
void gv_dev_status(struct pci_dev *pdev, struct gv_dev_status *s)
{
	struct device *dev = &pdev->dev;
	char override[GV_NAME_LEN];
	u32 moving = gv_dev_moving ? gv_dev_moving(pdev) : 0;

	memset(s, 0, sizeof(*s));
	s->state = moving;
	if (!device_trylock(dev)) {
		if (!moving)
			s->state = GPUVFIO_STATE_BUSY;
		return;
	}
	s->have_driver = true;
	if (dev->driver) {
		strscpy(s->driver, dev->driver->name, sizeof(s->driver));
		s->dma_managed = to_pci_driver(dev->driver)->driver_managed_dma;
		if (!moving)
			s->state = strcmp(s->driver, "vfio-pci") ?
				   GPUVFIO_STATE_HOST : GPUVFIO_STATE_VFIO;
	} else {
		s->dma_managed = true;
		gv_get_override_locked(pdev, override, sizeof(override));
		if (!moving)
			s->state = strcmp(override, "vfio-pci") ?
				   GPUVFIO_STATE_UNBOUND : GPUVFIO_STATE_CLAIMED;
	}
	device_unlock(dev);
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct gv_dev_status s;

	gv_dev_status(to_gv_dev(kobj)->pdev, &s);
	return sysfs_emit(buf, "%s\n", gv_state_names[s.state]);
}

static struct kobj_attribute original_driver_attr = __ATTR_RO(original_driver);
static struct kobj_attribute original_override_attr = __ATTR_RO(original_override);
static struct kobj_attribute state_attr = __ATTR_RO(state);

static struct attribute *gv_dev_attrs[] = {
	&original_driver_attr.attr,
	&original_override_attr.attr,
	&state_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(gv_dev);

static void gv_dev_release(struct kobject *kobj)
{
	struct gv_dev *d = to_gv_dev(kobj);

	pci_dev_put(d->pdev);
	module_put(d->pin);
	kfree(d->orig_override);
	kfree(d);
}

static const struct kobj_type gv_dev_ktype = {
	.release = gv_dev_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = gv_dev_groups,
};

static struct gv_dev *find_locked(struct pci_dev *pdev)
{
	struct gv_dev *d;

	list_for_each_entry(d, &gv_devices, node)
		if (d->pdev == pdev)
			return d;
	return NULL;
}

int gv_dev_add(struct pci_dev *pdev, const char *orig_driver,
	       const char *orig_override, struct device_driver *vfio)
{
	struct gv_dev *d, *old;
	int ret;

	mutex_lock(&gv_devices_lock);
	old = find_locked(pdev);
	if (old && !old->pin && vfio && try_module_get(vfio->owner))
		old->pin = vfio->owner;
	mutex_unlock(&gv_devices_lock);
	if (old)
		return 0;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->orig_override = kstrdup(orig_override, GFP_KERNEL);
	if (!d->orig_override) {
		kfree(d);
		return -ENOMEM;
	}
	d->pdev = pci_dev_get(pdev);
	strscpy(d->orig_driver, orig_driver, sizeof(d->orig_driver));
	if (vfio && try_module_get(vfio->owner))
		d->pin = vfio->owner;
	d->kobj.kset = gv_devices_kset;
	ret = kobject_init_and_add(&d->kobj, &gv_dev_ktype, NULL, "%s",
				   pci_name(pdev));
	if (ret) {
		kobject_put(&d->kobj);
		return ret;
	}

	mutex_lock(&gv_devices_lock);
	/* Records are only added under the group's transaction or by the
	 * bus notifier for a device that just appeared, so no twin can have
	 * slipped in meanwhile; keep the check cheap anyway. */
	if (find_locked(pdev)) {
		mutex_unlock(&gv_devices_lock);
		kobject_put(&d->kobj);
		return 0;
	}
	list_add_tail(&d->node, &gv_devices);
	WRITE_ONCE(gv_ndevices, gv_ndevices + 1);
	mutex_unlock(&gv_devices_lock);
	gv_dev_changed();
	kobject_uevent(&d->kobj, KOBJ_ADD);
	return 0;
}

void gv_dev_remove(struct pci_dev *pdev)
{
	struct gv_dev *d;

	mutex_lock(&gv_devices_lock);
	d = find_locked(pdev);
	if (d) {
		list_del(&d->node);
		WRITE_ONCE(gv_ndevices, gv_ndevices - 1);
	}
	mutex_unlock(&gv_devices_lock);
	/* Outside the lock: removing the kobject waits for its readers. */
	if (d) {
		gv_dev_changed();
		kobject_put(&d->kobj);
	}
}

int gv_dev_lookup(struct pci_dev *pdev, char *orig_driver,
		  char **orig_override)
{
	struct gv_dev *d;
	int ret = 0;

	*orig_override = NULL;
	mutex_lock(&gv_devices_lock);
	d = find_locked(pdev);
	if (d) {
		strscpy(orig_driver, d->orig_driver, GV_NAME_LEN);
		*orig_override = kstrdup(d->orig_override, GFP_KERNEL);
		ret = *orig_override ? 1 : -ENOMEM;
	}
	mutex_unlock(&gv_devices_lock);
	return ret;
}

size_t gv_dev_override_len(struct pci_dev *pdev)
{
	struct gv_dev *d;
	size_t len = 0;

	mutex_lock(&gv_devices_lock);
	d = find_locked(pdev);
	if (d)
		len = strlen(d->orig_override);
	mutex_unlock(&gv_devices_lock);
	return len;
}

bool gv_dev_managed(struct pci_dev *pdev)
{
	bool ret;

	mutex_lock(&gv_devices_lock);
	ret = find_locked(pdev);
	mutex_unlock(&gv_devices_lock);
	return ret;
}

unsigned int gv_dev_count(void)
{
	return READ_ONCE(gv_ndevices);
}

unsigned int gv_dev_collect(struct pci_dev **pdevs, unsigned int max)
{
	struct gv_dev *d;
	unsigned int n = 0;

	mutex_lock(&gv_devices_lock);
	list_for_each_entry(d, &gv_devices, node) {
		if (n == max)
			break;
		pdevs[n++] = pci_dev_get(d->pdev);
	}
	mutex_unlock(&gv_devices_lock);
	return n;
}

int gv_devices_init(struct kobject *parent,
		    u32 (*moving)(struct pci_dev *pdev))
{
	gv_dev_moving = moving;
	gv_devices_kset = kset_create_and_add("devices", NULL, parent);
	return gv_devices_kset ? 0 : -ENOMEM;
}

/*
 * On unload the devices stay where they are: a VM using one must not notice.
 * Only the records go, and with them the references on vfio-pci.
 */
void gv_devices_exit(void)
{
	struct gv_dev *d, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&gv_devices_lock);
	list_splice_init(&gv_devices, &gone);
	WRITE_ONCE(gv_ndevices, 0);
	mutex_unlock(&gv_devices_lock);
	list_for_each_entry_safe(d, tmp, &gone, node) {
		pci_info(d->pdev, "left on its current driver; original driver was '%s'\n",
			 d->orig_driver[0] ? d->orig_driver : "none");
		list_del(&d->node);
		kobject_put(&d->kobj);
	}
	kset_unregister(gv_devices_kset);
}
