// SPDX-License-Identifier: GPL-2.0
/*
 * Claiming the devices that ids= names: at load, when ids is written, and as
 * devices appear (hotplug, rescan). A group is claimed only when every other
 * endpoint in it is a companion (a function of the same slot as a matched
 * device) or itself matched, bound or not: at boot a NIC's driver may simply
 * not have loaded yet, and a group is never taken from under it (the rule is
 * gv_config_claim_allows()).
 *
 * No claim holds its caller: modprobe, the boot, an ids write. Each group's
 * claim is a transaction whose unbound devices get the vfio-pci override
 * before gv_claim_all() returns (no vendor driver loaded after gpuvfio can
 * take them); a host driver that has to let go of a device does so on the
 * engine's workqueue, for as long as its holder wants, and the claim's end
 * is announced.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/slab.h>

#include "claim.h"
#include "compat.h"
#include "config.h"
#include "devices.h"
#include "switch.h"

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

/* Submits one group's claim; never waits for it. */
static void claim_group(struct iommu_group *group, struct group_scan *s,
			unsigned int timeout_ms)
{
	struct gv_txn *t;
	int ret = -ENOMEM;

	t = gv_txn_new(true, GV_F_CLAIM, timeout_ms);
	if (t) {
		ret = gv_txn_add_devices(t, s->pdevs, s->n);
		if (!ret)
			ret = gv_txn_submit(t);
		gv_txn_put(t);
	}
	if (ret && ret != -EINPROGRESS)
		pr_warn("IOMMU group %d not claimed (%d)\n",
			iommu_group_id(group), ret);
}

/*
 * Runs the switch, in claim mode, on every group with a device matching
 * ids=, once per group, with the group's matched devices as targets. The
 * switch applies the claim rule to everything else in the groups it sees.
 */
void gv_claim_all(unsigned int timeout_ms)
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
			claim_group(group, &s, timeout_ms);
		else
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
		if (!gv_config_claim_allows(s.pdevs[i], group))
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
	char *override;
	int ret;

	if (pci_is_bridge(pdev) || gv_config_excluded(pdev) ||
	    (!gv_config_claims(pdev) && !gv_config_slot_claimed(pdev)))
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

	override = gv_override_dup(pdev);
	ret = override ? gv_set_override(pdev, "vfio-pci") : -ENOMEM;
	if (!ret)
		ret = gv_dev_add(pdev, "", override, NULL);
	kfree(override);
	if (ret) {
		pci_err(pdev, "could not be claimed (%d)\n", ret);
		return;
	}
	pci_info(pdev, "claimed as it appeared: vfio-pci override set\n");
	gv_switch_dev_claimed(pdev);
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
		gv_test_removal_hold(pdev);
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
