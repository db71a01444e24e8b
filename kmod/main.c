// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio: hands GPUs, with the other functions of their slot, to vfio-pci
 * and back, atomically and after checking their whole IOMMU group.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>
#include <uapi/linux/gpuvfio.h>

#include "claim.h"
#include "config.h"
#include "netlink.h"
#include "switch.h"
#include "sysfs.h"

static int ids_param_set(const char *val, const struct kernel_param *kp)
{
	return gv_config_set_ids(val);
}

static int ids_param_get(char *buf, const struct kernel_param *kp)
{
	return gv_config_show_ids(buf);
}

static int exclude_param_set(const char *val, const struct kernel_param *kp)
{
	return gv_config_set_exclude(val);
}

static int exclude_param_get(char *buf, const struct kernel_param *kp)
{
	return gv_config_show_exclude(buf);
}

static const struct kernel_param_ops ids_ops = {
	.set = ids_param_set,
	.get = ids_param_get,
};

static const struct kernel_param_ops exclude_ops = {
	.set = exclude_param_set,
	.get = exclude_param_get,
};

/* Read-only here: at run time, /sys/kernel/gpuvfio/ids also claims. */
module_param_cb(ids, &ids_ops, NULL, 0444);
MODULE_PARM_DESC(ids, "vendor:device[:subvendor:subdevice] list to hand to vfio-pci, comma-separated (as vfio-pci ids=)");
module_param_cb(exclude, &exclude_ops, NULL, 0444);
MODULE_PARM_DESC(exclude, "PCI addresses never touched, comma-separated (e.g. the host's own card of the same model)");

/* The engine tells netlink of every transaction's end; it knows no more. */
static const struct gv_switch_hooks gv_hooks = {
	.txn_event = gv_nl_txn_event,
	.dev_claimed = gv_nl_dev_claimed,
};

static int __init gv_init(void)
{
	int ret;

	ret = gv_switch_init(&gv_hooks);
	if (ret)
		return ret;
	ret = gv_sysfs_init();
	if (ret)
		goto err_switch;
	ret = gv_netlink_init();
	if (ret)
		goto err_sysfs;
	/* Before the first claim, so that no device slips in between. */
	ret = gv_claim_init();
	if (ret)
		goto err_netlink;
	/* Returns at once: a claim that waits for a driver goes on alone. */
	gv_claim_all(0);
	pr_info("version %s loaded\n", GPUVFIO_VERSION);
	return 0;

err_netlink:
	gv_netlink_exit();
err_sysfs:
	gv_sysfs_exit();
err_switch:
	gv_switch_exit();
	return ret;
}

static void __exit gv_exit(void)
{
	gv_claim_exit();
	gv_netlink_exit();
	gv_sysfs_exit();
	gv_switch_exit();
	pr_info("unloaded; devices on vfio-pci stay there\n");
}

module_init(gv_init);
module_exit(gv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Atomic, IOMMU-group-checked handover of GPUs to vfio-pci");
MODULE_AUTHOR("gpuvfio developers");
MODULE_VERSION(GPUVFIO_VERSION);
MODULE_SOFTDEP("pre: vfio-pci");
MODULE_ALIAS_GENL_FAMILY(GPUVFIO_GENL_NAME);
