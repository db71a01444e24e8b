// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "gpuvfio"; the protocol is described in
 * include/uapi/linux/gpuvfio.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/genetlink.h>
#include <uapi/linux/gpuvfio.h>

#include "config.h"
#include "devices.h"
#include "netlink.h"

static const struct nla_policy gv_policy[GPUVFIO_A_MAX + 1] = {
	[GPUVFIO_A_VERSION]	= { .type = NLA_REJECT },
	[GPUVFIO_A_IDS]		= { .type = NLA_REJECT },
	[GPUVFIO_A_EXCLUDE]	= { .type = NLA_REJECT },
	[GPUVFIO_A_MANAGED]	= { .type = NLA_REJECT },
};

static struct genl_family gv_family;

static int gv_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	char *list;
	void *hdr;
	int ret = -EMSGSIZE;

	list = kmalloc(GPUVFIO_LIST_MAX, GFP_KERNEL);
	msg = genlmsg_new(3 * GPUVFIO_LIST_MAX, GFP_KERNEL);
	if (!list || !msg) {
		ret = -ENOMEM;
		goto err;
	}
	hdr = genlmsg_put_reply(msg, info, &gv_family, 0,
				GPUVFIO_CMD_GET_CONFIG);
	if (!hdr)
		goto err;
	if (nla_put_string(msg, GPUVFIO_A_VERSION, GPUVFIO_VERSION))
		goto err;
	gv_config_format_ids(list, GPUVFIO_LIST_MAX);
	if (nla_put_string(msg, GPUVFIO_A_IDS, list))
		goto err;
	gv_config_format_exclude(list, GPUVFIO_LIST_MAX);
	if (nla_put_string(msg, GPUVFIO_A_EXCLUDE, list) ||
	    nla_put_u32(msg, GPUVFIO_A_MANAGED, gv_dev_count()))
		goto err;
	genlmsg_end(msg, hdr);
	kfree(list);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	kfree(list);
	return ret;
}

static const struct genl_small_ops gv_ops[] = {
	{
		.cmd = GPUVFIO_CMD_GET_CONFIG,
		.doit = gv_get_config,
	},
};

static struct genl_family gv_family __ro_after_init = {
	.name = GPUVFIO_GENL_NAME,
	.version = GPUVFIO_GENL_VERSION,
	.maxattr = GPUVFIO_A_MAX,
	.policy = gv_policy,
	.netnsok = false,
	.module = THIS_MODULE,
	.small_ops = gv_ops,
	.n_small_ops = ARRAY_SIZE(gv_ops),
};

int gv_netlink_init(void)
{
	return genl_register_family(&gv_family);
}

void gv_netlink_exit(void)
{
	genl_unregister_family(&gv_family);
}
