// SPDX-License-Identifier: GPL-2.0
/*
 * Claiming the devices that ids= names: at load, when ids is written, and as
 * devices appear (hotplug, rescan). A group is claimed only when every other
 * endpoint in it is a companion (a function of the same slot as a matched
 * device) or itself matched, bound or not: at boot a NIC's driver may simply
 * not have loaded yet, and a group is never taken from under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/slab.h>

#include "claim.h"
#include "compat.h"
#include "config.h"
#include "devices.h"
#include "netlink.h"
#include "switch.h"

static bool slot_has_claimed(struct pci_dev *pdev)
{
	struct pci_dev *other;
	bool ret = false;
	int fn;

	for (fn = 0; fn < 8 && !ret; fn++) {
		other = pci_get_slot(pdev->bus,
				     PCI_DEVFN(PCI_SLOT(pdev->devfn), fn));
		ret = other && other != pdev && gv_config_claims(other);
		pci_dev_put(other);
	}
	return ret;
}

bool gv_claim_allows(struct pci_dev *pdev, struct iommu_group *group)
{
	if (pci_is_bridge(pdev) || gv_config_claims(pdev) ||
	    slot_has_claimed(pdev))
		return true;
	pci_notice(pdev, "[%04x:%04x] is neither matched by ids= nor a function of a matched device's slot: IOMMU group %d not claimed\n",
		   pdev->vendor, pdev->device, iommu_group_id(group));
	return false;
}

struct group_scan {
	struct pci_dev **pdevs;
	unsigned int n, max;
	bool matched_only;
};

static int scan_member(struct device *dev, void *data)
{
	struct group_scan *s = data;
	struct pci_dev *pdev;

	if (!dev_is_pci(dev))
		return 0;
	pdev = to_pci_dev(dev);
	if (s->matched_only && !gv_config_claims(pdev))
		return 0;
	if (s->n == s->max)
		return -E2BIG;
	s->pdevs[s->n++] = pci_dev_get(pdev);
	return 0;
}

static void put_scan(struct group_scan *s)
{
	while (s->n)
		pci_dev_put(s->pdevs[--s->n]);
}

/*
 * Runs the switch, in claim mode, on every group with a device matching
 * ids=, once per group, with the group's matched devices as targets. The
 * switch applies the claim rule to everything else in the groups it sees.
 */
void gv_claim_all(void)
{
	struct group_scan s = { .max = GV_MAX_DEVICES, .matched_only = true };
	struct iommu_group **done;
	struct pci_dev *pdev = NULL;
	unsigned int ndone = 0, i;
	int ret;

	s.pdevs = kcalloc(s.max, sizeof(*s.pdevs), GFP_KERNEL);
	done = kcalloc(s.max, sizeof(*done), GFP_KERNEL);
	if (!s.pdevs || !done)
		goto out;

	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		struct iommu_group *group;

		if (!gv_config_claims(pdev))
			continue;
		group = iommu_group_get(&pdev->dev);
		if (!group) {
			pci_err(pdev, "matches ids= but has no IOMMU group: not claimed. Enable VT-d or AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on\n");
			continue;
		}
		for (i = 0; i < ndone && done[i] != group; i++)
			;
		if (i < ndone || ndone == s.max) {
			iommu_group_put(group);
			continue;
		}
		done[ndone++] = group;

		/* Collected under the group's mutex; switched after. */
		ret = iommu_group_for_each_dev(group, &s, scan_member);
		if (!ret)
			ret = gv_switch_devices(s.pdevs, s.n, true, GV_F_CLAIM);
		if (ret == -EINPROGRESS)
			pr_info("IOMMU group %d: the claim is pending; it completes when the device is let go\n",
				iommu_group_id(group));
		else if (ret)
			pr_warn("IOMMU group %d not claimed (%d)\n",
				iommu_group_id(group), ret);
		put_scan(&s);
	}
out:
	for (i = 0; i < ndone; i++)
		iommu_group_put(done[i]);
	kfree(done);
	kfree(s.pdevs);
}

/* The claim rule over the members of pdev's group. */
static int group_allows_claim(struct iommu_group *group)
{
	struct group_scan s = { .max = GV_MAX_DEVICES };
	unsigned int i;
	int ret;

	s.pdevs = kcalloc(s.max, sizeof(*s.pdevs), GFP_KERNEL);
	if (!s.pdevs)
		return -ENOMEM;
	ret = iommu_group_for_each_dev(group, &s, scan_member);
	for (i = 0; i < s.n && !ret; i++)
		if (!gv_claim_allows(s.pdevs[i], group))
			ret = -EXDEV;
	put_scan(&s);
	kfree(s.pdevs);
	return ret;
}

/*
 * A device was added to the bus and has no driver yet: the PCI core probes
 * drivers for it after this returns. Setting the override now is what keeps
 * a vendor driver from ever binding it; vfio-pci takes it instead.
 */
static void claim_new(struct pci_dev *pdev)
{
	struct iommu_group *group;
	char override[GV_NAME_LEN];
	int ret;

	if (pci_is_bridge(pdev) || gv_config_excluded(pdev) ||
	    (!gv_config_claims(pdev) && !slot_has_claimed(pdev)))
		return;
	group = iommu_group_get(&pdev->dev);
	if (!group) {
		pci_err(pdev, "matches ids= but has no IOMMU group: not claimed\n");
		return;
	}
	ret = group_allows_claim(group);
	iommu_group_put(group);
	if (ret)
		return;

	gv_get_override(pdev, override, sizeof(override));
	ret = gv_set_override(pdev, "vfio-pci");
	if (!ret)
		ret = gv_dev_add(pdev, "", override, NULL);
	if (ret) {
		pci_err(pdev, "could not be claimed (%d)\n", ret);
		return;
	}
	pci_info(pdev, "claimed as it appeared: vfio-pci override set\n");
	gv_nl_event_claimed(pdev);
}

static int gv_bus_notify(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	/* Any driver change ends a netlink dump's consistent view. */
	gv_dev_changed();
	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		claim_new(pdev);
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		gv_switch_dev_removed(pdev);
		gv_dev_remove(pdev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block gv_bus_nb = {
	.notifier_call = gv_bus_notify,
};

int gv_claim_init(void)
{
	return bus_register_notifier(&pci_bus_type, &gv_bus_nb);
}

void gv_claim_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &gv_bus_nb);
}
