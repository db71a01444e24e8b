/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows which kernel gpuvfio is built for. Choices are
 * made by probing the target's headers in Kbuild, never by version number
 * alone: Debian moved the driver_override API inside the 6.12 stable series.
 */
#ifndef GV_COMPAT_H
#define GV_COMPAT_H

#include <linux/device.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

/*
 * Sets (s non-empty) or clears (s == "") the device's driver_override.
 * Both APIs take the locks they need themselves: never call with
 * device_lock held.
 */
static inline int gv_set_override(struct pci_dev *pdev, const char *s)
{
#ifdef GV_HAVE_DEVICE_SET_DRIVER_OVERRIDE
	/* 6.12.80+: the override lives in struct device. */
	return device_set_driver_override(&pdev->dev, s);
#else
	/* 5.19 .. 6.12.79, all of 6.1: pci_dev->driver_override. */
	return driver_set_override(&pdev->dev, &pdev->driver_override, s,
				   strlen(s));
#endif
}

/*
 * The same, for a caller that must not wait for the device's lock (a claim
 * in modprobe or in a netlink handler): -EAGAIN when a driver's probe or
 * remove holds it.
 */
static inline int gv_try_set_override(struct pci_dev *pdev, const char *s)
{
#ifdef GV_HAVE_DEVICE_SET_DRIVER_OVERRIDE
	/* Under a spinlock only. */
	return device_set_driver_override(&pdev->dev, s);
#else
	const char *old;
	char *new = NULL;

	if (*s) {
		new = kstrdup(s, GFP_KERNEL);
		if (!new)
			return -ENOMEM;
	}
	if (!device_trylock(&pdev->dev)) {
		kfree(new);
		return -EAGAIN;
	}
	/* What driver_set_override() does, under the lock it would take. */
	old = pdev->driver_override;
	pdev->driver_override = new;
	device_unlock(&pdev->dev);
	kfree(old);
	return 0;
#endif
}

/*
 * Copies the current override into buf ("" when none), for a caller that
 * holds device_lock (as a status read does, by trylock, so that it never
 * waits for a driver's remove).
 */
static inline void gv_get_override_locked(struct pci_dev *pdev, char *buf,
					  size_t size)
{
#ifdef GV_HAVE_DEVICE_SET_DRIVER_OVERRIDE
	spin_lock(&pdev->dev.driver_override.lock);
	strscpy(buf, pdev->dev.driver_override.name ?: "", size);
	spin_unlock(&pdev->dev.driver_override.lock);
#else
	/* driver_set_override() swaps the pointer under device_lock. */
	device_lock_assert(&pdev->dev);
	strscpy(buf, pdev->driver_override ?: "", size);
#endif
}

/*
 * A copy of the current override ("" when none), whatever its length, for
 * a caller that holds device_lock; NULL when out of memory.
 */
static inline char *gv_override_dup_locked(struct pci_dev *pdev)
{
	char *s;

#ifdef GV_HAVE_DEVICE_SET_DRIVER_OVERRIDE
	spin_lock(&pdev->dev.driver_override.lock);
	s = kstrdup(pdev->dev.driver_override.name ?: "", GFP_ATOMIC);
	spin_unlock(&pdev->dev.driver_override.lock);
#else
	device_lock_assert(&pdev->dev);
	s = kstrdup(pdev->driver_override ?: "", GFP_KERNEL);
#endif
	return s;
}

/* The same without the lock held. */
static inline char *gv_override_dup(struct pci_dev *pdev)
{
	char *s;

	device_lock(&pdev->dev);
	s = gv_override_dup_locked(pdev);
	device_unlock(&pdev->dev);
	return s;
}

/*
 * Extended-ACK messages: formatted where the kernel keeps a buffer for them
 * (6.2+), the fixed text elsewhere. The formatted text always reaches the
 * caller too, as GPUVFIO_A_MESSAGE in the reply.
 */
#ifdef NL_SET_ERR_MSG_ATTR_FMT
#define gv_extack(extack, attr, fixed, fmt, args...) \
	NL_SET_ERR_MSG_ATTR_FMT(extack, attr, fmt, ##args)
#else
#define gv_extack(extack, attr, fixed, fmt, args...) \
	NL_SET_ERR_MSG_ATTR(extack, attr, fixed)
#endif

#endif /* GV_COMPAT_H */
