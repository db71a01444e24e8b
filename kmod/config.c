// SPDX-License-Identifier: GPL-2.0
/*
 * The configured ids and exclude lists. A new list is parsed completely
 * before it replaces the old one, so a bad token never half-applies.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "config.h"
#include "devices.h"

static DEFINE_MUTEX(gv_config_lock);
static struct gv_id gv_ids[GV_MAX_LIST];
static unsigned int gv_nids;
static struct gv_addr gv_exclude[GV_MAX_LIST];
static unsigned int gv_nexclude;

static void report_bad(const char *what, int ret, const struct gv_parse_err *err)
{
	if (ret == -E2BIG)
		pr_err("%s: more than %u entries; nothing changed\n", what,
		       GV_MAX_LIST);
	else
		pr_err("%s: malformed entry '%.*s'; nothing changed\n", what,
		       (int)min_t(size_t, err->len, 32), err->tok);
}

int gv_config_set_ids(const char *s)
{
	struct gv_parse_err err;
	struct gv_id *ids;
	unsigned int n;
	int ret;

	ids = kcalloc(GV_MAX_LIST, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	ret = gv_parse_id_list(s, ids, GV_MAX_LIST, &n, &err);
	if (ret) {
		report_bad("ids (expected vendor:device[:subvendor:subdevice], 4 hex digits each)",
			   ret, &err);
		goto out;
	}
	mutex_lock(&gv_config_lock);
	memcpy(gv_ids, ids, n * sizeof(*ids));
	gv_nids = n;
	mutex_unlock(&gv_config_lock);
	gv_dev_changed();
out:
	kfree(ids);
	return ret;
}

int gv_config_set_exclude(const char *s)
{
	struct gv_parse_err err;
	struct gv_addr *addrs;
	unsigned int n;
	int ret;

	addrs = kcalloc(GV_MAX_LIST, sizeof(*addrs), GFP_KERNEL);
	if (!addrs)
		return -ENOMEM;
	ret = gv_parse_addr_list(s, addrs, GV_MAX_LIST, &n, &err);
	if (ret) {
		report_bad("exclude (expected PCI addresses such as 0000:01:00.0)",
			   ret, &err);
		goto out;
	}
	mutex_lock(&gv_config_lock);
	memcpy(gv_exclude, addrs, n * sizeof(*addrs));
	gv_nexclude = n;
	mutex_unlock(&gv_config_lock);
	gv_dev_changed();
out:
	kfree(addrs);
	return ret;
}

int gv_config_set_lists(const char *ids_s, const char *exclude_s,
			int *bad, struct gv_parse_err *err)
{
	struct gv_addr *addrs;
	struct gv_id *ids;
	unsigned int nids = 0, naddrs = 0;
	int ret = -ENOMEM;

	ids = kcalloc(GV_MAX_LIST, sizeof(*ids), GFP_KERNEL);
	addrs = kcalloc(GV_MAX_LIST, sizeof(*addrs), GFP_KERNEL);
	if (!ids || !addrs)
		goto out;
	*bad = 0;
	ret = ids_s ? gv_parse_id_list(ids_s, ids, GV_MAX_LIST, &nids, err) : 0;
	if (ret)
		goto out;
	*bad = 1;
	ret = exclude_s ? gv_parse_addr_list(exclude_s, addrs, GV_MAX_LIST,
					     &naddrs, err) : 0;
	if (ret)
		goto out;
	mutex_lock(&gv_config_lock);
	if (ids_s) {
		memcpy(gv_ids, ids, nids * sizeof(*ids));
		gv_nids = nids;
	}
	if (exclude_s) {
		memcpy(gv_exclude, addrs, naddrs * sizeof(*addrs));
		gv_nexclude = naddrs;
	}
	mutex_unlock(&gv_config_lock);
	/* What a dump shows as matched or excluded may have changed. */
	gv_dev_changed();
out:
	kfree(ids);
	kfree(addrs);
	return ret;
}

int gv_config_format_ids(char *buf, size_t size)
{
	int ret;

	mutex_lock(&gv_config_lock);
	ret = gv_format_id_list(buf, size, gv_ids, gv_nids);
	mutex_unlock(&gv_config_lock);
	return ret;
}

int gv_config_format_exclude(char *buf, size_t size)
{
	int ret;

	mutex_lock(&gv_config_lock);
	ret = gv_format_addr_list(buf, size, gv_exclude, gv_nexclude);
	mutex_unlock(&gv_config_lock);
	return ret;
}

bool gv_id_matches_pdev(const struct gv_id *id, struct pci_dev *pdev)
{
	return gv_id_match(id, pdev->vendor, pdev->device,
			   pdev->subsystem_vendor, pdev->subsystem_device);
}

static bool excluded_locked(struct pci_dev *pdev)
{
	struct gv_addr a = {
		.domain = pci_domain_nr(pdev->bus),
		.bus = pdev->bus->number,
		.devfn = pdev->devfn,
	};
	unsigned int i;

	for (i = 0; i < gv_nexclude; i++)
		if (gv_addr_equal(&gv_exclude[i], &a))
			return true;
	return false;
}

bool gv_config_excluded(struct pci_dev *pdev)
{
	bool ret;

	mutex_lock(&gv_config_lock);
	ret = excluded_locked(pdev);
	mutex_unlock(&gv_config_lock);
	return ret;
}

bool gv_config_matches(struct pci_dev *pdev)
{
	bool ret = false;
	unsigned int i;

	mutex_lock(&gv_config_lock);
	for (i = 0; i < gv_nids && !ret; i++)
		ret = gv_id_matches_pdev(&gv_ids[i], pdev);
	mutex_unlock(&gv_config_lock);
	return ret;
}

bool gv_config_claims(struct pci_dev *pdev)
{
	bool ret = false;
	unsigned int i;

	mutex_lock(&gv_config_lock);
	for (i = 0; i < gv_nids && !ret; i++)
		ret = gv_id_matches_pdev(&gv_ids[i], pdev);
	if (ret)
		ret = !excluded_locked(pdev);
	mutex_unlock(&gv_config_lock);
	return ret;
}

bool gv_config_slot_claimed(struct pci_dev *pdev)
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

bool gv_config_claim_allows(struct pci_dev *pdev, struct iommu_group *group)
{
	if (pci_is_bridge(pdev) || gv_config_claims(pdev) ||
	    gv_config_slot_claimed(pdev))
		return true;
	pci_notice(pdev, "[%04x:%04x] is neither matched by ids= nor a function of a matched device's slot: IOMMU group %d not claimed\n",
		   pdev->vendor, pdev->device, iommu_group_id(group));
	return false;
}

/* For sysfs and module parameter reads: the list and a newline, in a page. */
static int show_line(char *buf, int (*fmt)(char *, size_t))
{
	size_t len;

	fmt(buf, PAGE_SIZE - 1);
	len = strlen(buf);
	buf[len++] = '\n';
	buf[len] = '\0';
	return len;
}

int gv_config_show_ids(char *buf)
{
	return show_line(buf, gv_config_format_ids);
}

int gv_config_show_exclude(char *buf)
{
	return show_line(buf, gv_config_format_exclude);
}
