// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "gpuvfio"; the protocol is described in
 * include/uapi/linux/gpuvfio.h.
 *
 * No handler waits: generic netlink holds its global cb_lock for read
 * around every request of every family, and a family registering (nbd,
 * wireguard, a wifi driver) takes it for write; a handler that slept would
 * stall every module load that registers a family, and behind it every
 * generic-netlink request on the host. A bind or unbind is therefore
 * planned without waiting and answered at once with its plan and its
 * transaction id; its end is an event, and GET_TXN reads it. Every request
 * is strictly validated against its operation's policy by the core; what a
 * policy cannot say (the target grammar, required attributes) is checked
 * here, with an extended-ACK message that names the attribute.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/vgaarb.h>
#include <net/genetlink.h>
#include <uapi/linux/gpuvfio.h>

#include "claim.h"
#include "compat.h"
#include "config.h"
#include "devices.h"
#include "netlink.h"
#include "stats.h"
#include "switch.h"

/* The most a dump message is sized for (an entry larger fails, EMSGSIZE). */
#define GV_DUMP_ALLOC_MAX	(1U << 20)

/* Not const: 6.1's policy holds a plain pointer. */
static struct netlink_range_validation gv_timeout_range = {
	.min = 1,
	.max = GPUVFIO_TIMEOUT_MAX_MS,
};

static const struct nla_policy gv_none_policy[GPUVFIO_A_MAX + 1] = {
};

static const struct nla_policy gv_set_config_policy[GPUVFIO_A_MAX + 1] = {
	[GPUVFIO_A_IDS]		= { .type = NLA_NUL_STRING,
				    .len = GPUVFIO_LIST_MAX - 1 },
	[GPUVFIO_A_EXCLUDE]	= { .type = NLA_NUL_STRING,
				    .len = GPUVFIO_LIST_MAX - 1 },
	[GPUVFIO_A_TIMEOUT_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&gv_timeout_range),
};

static const struct nla_policy gv_get_device_policy[GPUVFIO_A_MAX + 1] = {
	[GPUVFIO_A_ADDR]	= { .type = NLA_NUL_STRING,
				    .len = GPUVFIO_TARGET_MAX - 1 },
};

static const struct nla_policy gv_get_group_policy[GPUVFIO_A_MAX + 1] = {
	[GPUVFIO_A_GROUP_ID]	= { .type = NLA_U32 },
};

static const struct nla_policy gv_target_policy[GPUVFIO_A_MAX + 1] = {
	[GPUVFIO_A_TARGET]	= { .type = NLA_NUL_STRING,
				    .len = GPUVFIO_TARGET_MAX - 1 },
};

static const struct nla_policy gv_switch_policy[GPUVFIO_A_MAX + 1] = {
	[GPUVFIO_A_TARGETS]	= NLA_POLICY_NESTED(gv_target_policy),
	[GPUVFIO_A_FLAGS]	= NLA_POLICY_MASK(NLA_U32, __GPUVFIO_F_ALL),
	[GPUVFIO_A_TIMEOUT_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&gv_timeout_range),
};

static const struct nla_policy gv_get_txn_policy[GPUVFIO_A_MAX + 1] = {
	[GPUVFIO_A_TXN]		= { .type = NLA_U32 },
};

static struct genl_family gv_family;
/* Events are sent only while the family is registered. */
static bool gv_registered;

enum { GV_MCGRP_EVENTS };

static const struct genl_multicast_group gv_mcgrps[] = {
	[GV_MCGRP_EVENTS] = {
		.name = GPUVFIO_MCGRP_EVENTS,
#ifdef GENL_MCAST_CAP_SYS_ADMIN
		/* Events name devices and their drivers as they move; who
		 * may move them may watch them. */
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
#endif
	},
};

/*
 * Changing commands are GENL_ADMIN_PERM (CAP_NET_ADMIN, checked by the
 * core); moving drivers needs CAP_SYS_ADMIN as well, said in a message.
 */
static int gv_check_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG(info->extack,
		       "gpuvfio: changing drivers needs CAP_SYS_ADMIN (run as root)");
	return -EPERM;
}

/*
 * The most a GPUVFIO_A_DEVICE nest of pdev takes: its record's override is
 * of any length the kernel accepts, the rest is bounded.
 */
static size_t nl_dev_size(struct pci_dev *pdev)
{
	return nla_total_size(0) +				/* nest */
	       nla_total_size(GV_ADDR_LEN + 1) +		/* addr */
	       4 * nla_total_size(sizeof(u16)) +		/* ids */
	       7 * nla_total_size(sizeof(u32)) +		/* class, group,
								 * state, role,
								 * fate, progress,
								 * errno */
	       4 * nla_total_size(GV_NAME_LEN) +		/* driver, orig,
								 * from, to */
	       4 * nla_total_size(0) +				/* flags */
	       nla_total_size(gv_dev_override_len(pdev) + 1) +
	       3 * nla_total_size_64bit(sizeof(u64));		/* times */
}

static int nl_put_dev(struct sk_buff *msg, struct pci_dev *pdev,
		      const struct gv_member_report *r)
{
	char orig_driver[GV_NAME_LEN], *orig_override;
	struct iommu_group *group;
	struct gv_dev_status st;
	struct nlattr *nest;
	int managed;

	nest = nla_nest_start(msg, GPUVFIO_A_DEVICE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(msg, GPUVFIO_DEV_A_ADDR, pci_name(pdev)) ||
	    nla_put_u16(msg, GPUVFIO_DEV_A_VENDOR, pdev->vendor) ||
	    nla_put_u16(msg, GPUVFIO_DEV_A_DEVICE, pdev->device) ||
	    nla_put_u16(msg, GPUVFIO_DEV_A_SUBVENDOR, pdev->subsystem_vendor) ||
	    nla_put_u16(msg, GPUVFIO_DEV_A_SUBDEVICE, pdev->subsystem_device) ||
	    nla_put_u32(msg, GPUVFIO_DEV_A_CLASS, pdev->class))
		goto cancel;
	group = iommu_group_get(&pdev->dev);
	if (group) {
		int id = iommu_group_id(group);

		iommu_group_put(group);
		if (nla_put_u32(msg, GPUVFIO_DEV_A_GROUP, id))
			goto cancel;
	}
	gv_dev_status(pdev, &st);
	if ((st.have_driver &&
	     nla_put_string(msg, GPUVFIO_DEV_A_DRIVER, st.driver)) ||
	    nla_put_u32(msg, GPUVFIO_DEV_A_STATE, st.state))
		goto cancel;
	managed = gv_dev_lookup(pdev, orig_driver, &orig_override);
	if (managed < 0) {
		nla_nest_cancel(msg, nest);
		return managed;
	}
	if (managed &&
	    (nla_put_flag(msg, GPUVFIO_DEV_A_MANAGED) ||
	     nla_put_string(msg, GPUVFIO_DEV_A_ORIG_DRIVER, orig_driver) ||
	     nla_put_string(msg, GPUVFIO_DEV_A_ORIG_OVERRIDE, orig_override))) {
		kfree(orig_override);
		goto cancel;
	}
	kfree(orig_override);
	if ((pdev == vga_default_device() &&
	     nla_put_flag(msg, GPUVFIO_DEV_A_BOOT_VGA)) ||
	    (gv_config_matches(pdev) &&
	     nla_put_flag(msg, GPUVFIO_DEV_A_MATCHED)) ||
	    (gv_config_excluded(pdev) &&
	     nla_put_flag(msg, GPUVFIO_DEV_A_EXCLUDED)))
		goto cancel;

	if (!r)
		goto out;
	if (nla_put_u32(msg, GPUVFIO_DEV_A_ROLE, r->role) ||
	    nla_put_u32(msg, GPUVFIO_DEV_A_FATE, r->fate) ||
	    nla_put_string(msg, GPUVFIO_DEV_A_FROM_DRIVER, r->from_driver) ||
	    (r->to_driver &&
	     nla_put_string(msg, GPUVFIO_DEV_A_TO_DRIVER, r->to_driver)) ||
	    (r->progress &&
	     nla_put_u32(msg, GPUVFIO_DEV_A_PROGRESS, r->progress)) ||
	    (r->err && nla_put_u32(msg, GPUVFIO_DEV_A_ERRNO, -r->err)) ||
	    (r->t_override_ns &&
	     nla_put_u64_64bit(msg, GPUVFIO_DEV_A_T_OVERRIDE_NS,
			       r->t_override_ns, GPUVFIO_DEV_A_PAD)) ||
	    (r->t_release_ns &&
	     nla_put_u64_64bit(msg, GPUVFIO_DEV_A_T_RELEASE_NS,
			       r->t_release_ns, GPUVFIO_DEV_A_PAD)) ||
	    (r->t_attach_ns &&
	     nla_put_u64_64bit(msg, GPUVFIO_DEV_A_T_ATTACH_NS,
			       r->t_attach_ns, GPUVFIO_DEV_A_PAD)))
		goto cancel;
out:
	nla_nest_end(msg, nest);
	return 0;
cancel:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

/* Ends a nest, which cannot be longer than its u16 length says: -E2BIG
 * (cancelled) when it would be. */
static int nl_nest_end(struct sk_buff *msg, struct nlattr *nest)
{
	if (skb_tail_pointer(msg) - (unsigned char *)nest > U16_MAX) {
		nla_nest_cancel(msg, nest);
		return -E2BIG;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* The transaction's report; called with its lock held. */
static int nl_put_txn(struct sk_buff *msg, struct gv_txn *t, bool members)
{
	struct gv_member_report mr;
	struct gv_txn_report r;
	struct nlattr *nest;
	unsigned int i;

	gv_txn_report(t, &r);
	if (nla_put_u32(msg, GPUVFIO_A_TXN, r.id) ||
	    nla_put_u32(msg, GPUVFIO_A_OUTCOME, r.outcome) ||
	    nla_put_u32(msg, GPUVFIO_A_ERRNO, -r.err) ||
	    nla_put_string(msg, GPUVFIO_A_MESSAGE, r.msg) ||
	    nla_put_u64_64bit(msg, GPUVFIO_A_ELAPSED_NS, r.elapsed_ns,
			      GPUVFIO_A_PAD))
		return -EMSGSIZE;
	if (r.wait_pdev &&
	    (nla_put_string(msg, GPUVFIO_A_WAIT_ADDR, pci_name(r.wait_pdev)) ||
	     nla_put_string(msg, GPUVFIO_A_WAIT_DRIVER, r.wait_driver)))
		return -EMSGSIZE;
	if (!members)
		return 0;
	nest = nla_nest_start(msg, GPUVFIO_A_MEMBERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < r.nmembers; i++) {
		gv_txn_member(t, i, &mr);
		if (nl_put_dev(msg, mr.pdev, &mr)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	return nl_nest_end(msg, nest);
}

/* The most a transaction's report takes (without members: NULL); called
 * with its lock held. */
static size_t txn_size(struct gv_txn *t)
{
	struct gv_member_report mr;
	struct gv_txn_report r;
	size_t size;
	unsigned int i;

	size = 5 * nla_total_size(sizeof(u32)) +	/* event, txn, outcome,
							 * errno, spare */
	       nla_total_size(GV_MSG_LEN) +
	       nla_total_size_64bit(sizeof(u64)) +
	       nla_total_size(GV_ADDR_LEN + 1) + nla_total_size(GV_NAME_LEN) +
	       nla_total_size(0);			/* members nest */
	if (!t)
		return size;
	gv_txn_report(t, &r);
	for (i = 0; i < r.nmembers; i++) {
		gv_txn_member(t, i, &mr);
		size += nl_dev_size(mr.pdev);
	}
	return size;
}

/*
 * A message about t: the reply to its request (info given) or an event,
 * sized for its worst case (a record may grow meanwhile: then once more,
 * larger). Members are left out only when even that fails.
 */
static struct sk_buff *txn_msg(struct gv_txn *t, struct genl_info *info,
			       u8 cmd, u32 event)
{
	struct sk_buff *msg;
	bool members = true;
	int tries = 0, ret;
	size_t size;
	void *hdr;

	size = txn_size(t);
again:
	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg && members) {
		/* No memory for every member: the outcome at least. */
		members = false;
		size = txn_size(NULL);
		msg = genlmsg_new(size, GFP_KERNEL);
	}
	if (!msg)
		return NULL;
	if (info)
		hdr = genlmsg_put_reply(msg, info, &gv_family, 0, cmd);
	else
		hdr = genlmsg_put(msg, 0, 0, &gv_family, 0, cmd);
	if (!hdr)
		goto fail;
	if (event && nla_put_u32(msg, GPUVFIO_A_EVENT, event))
		goto fail;
	ret = nl_put_txn(msg, t, members);
	if (ret) {
		if (!members)
			goto fail;
		nlmsg_free(msg);
		/* Too many members for one nest, or a record that grew
		 * twice: the report without them. */
		if (ret == -E2BIG || ++tries == 2)
			members = false;
		size *= 2;
		goto again;
	}
	genlmsg_end(msg, hdr);
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

static bool have_listeners(void)
{
	return READ_ONCE(gv_registered) &&
	       genl_has_listeners(&gv_family, &init_net, GV_MCGRP_EVENTS);
}

void gv_nl_txn_event(struct gv_txn *t, u32 event)
{
	struct sk_buff *msg;

	if (!have_listeners())
		return;
	msg = txn_msg(t, NULL, GPUVFIO_CMD_EVENT, event);
	if (msg)
		genlmsg_multicast(&gv_family, msg, 0, GV_MCGRP_EVENTS,
				  GFP_KERNEL);
}

void gv_nl_dev_claimed(struct pci_dev *pdev)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	if (!have_listeners())
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE + nl_dev_size(pdev), GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &gv_family, 0, GPUVFIO_CMD_EVENT);
	if (!hdr || nla_put_u32(msg, GPUVFIO_A_EVENT, GPUVFIO_EVENT_CLAIMED) ||
	    nla_put_u32(msg, GPUVFIO_A_ERRNO, 0) ||
	    nla_put_string(msg, GPUVFIO_A_MESSAGE,
			   "claimed as it appeared: vfio-pci override set"))
		goto fail;
	nest = nla_nest_start(msg, GPUVFIO_A_MEMBERS);
	if (!nest || nl_put_dev(msg, pdev, NULL))
		goto fail;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&gv_family, msg, 0, GV_MCGRP_EVENTS, GFP_KERNEL);
	return;
fail:
	nlmsg_free(msg);
}

/* GPUVFIO_A_STATS: the module's counters (stats.h). */
static int nl_put_stats(struct sk_buff *msg)
{
	struct gv_stats s;
	struct nlattr *nest;

	gv_stats_read(&s);
	nest = nla_nest_start(msg, GPUVFIO_A_STATS);
	if (!nest ||
	    nla_put_u64_64bit(msg, GPUVFIO_STATS_A_BINDS, s.binds,
			      GPUVFIO_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, GPUVFIO_STATS_A_UNBINDS, s.unbinds,
			      GPUVFIO_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, GPUVFIO_STATS_A_CLAIMS, s.claims,
			      GPUVFIO_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, GPUVFIO_STATS_A_ROLLBACKS, s.rollbacks,
			      GPUVFIO_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, GPUVFIO_STATS_A_ROLLBACKS_INCOMPLETE,
			      s.rollbacks_incomplete, GPUVFIO_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, GPUVFIO_STATS_A_REFUSALS, s.refusals,
			      GPUVFIO_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, GPUVFIO_STATS_A_NOTHING, s.nothing,
			      GPUVFIO_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, GPUVFIO_STATS_A_DRY_RUNS, s.dry_runs,
			      GPUVFIO_STATS_A_PAD) ||
	    nla_put_u32(msg, GPUVFIO_STATS_A_RUNNING, s.running) ||
	    nla_put_u32(msg, GPUVFIO_STATS_A_PENDING, s.pending))
		return -EMSGSIZE;
	if (s.have_last &&
	    (nla_put_u64_64bit(msg, GPUVFIO_STATS_A_LAST_NS, s.last_ns,
			       GPUVFIO_STATS_A_PAD) ||
	     nla_put_u32(msg, GPUVFIO_STATS_A_LAST_OUTCOME, s.last_outcome)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

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
				info->genlhdr->cmd);
	if (!hdr)
		goto err;
	if (nla_put_string(msg, GPUVFIO_A_VERSION, GPUVFIO_VERSION))
		goto err;
	gv_config_format_ids(list, GPUVFIO_LIST_MAX);
	if (nla_put_string(msg, GPUVFIO_A_IDS, list))
		goto err;
	gv_config_format_exclude(list, GPUVFIO_LIST_MAX);
	if (nla_put_string(msg, GPUVFIO_A_EXCLUDE, list) ||
	    nla_put_u32(msg, GPUVFIO_A_MANAGED, gv_dev_count()) ||
	    nl_put_stats(msg))
		goto err;
	genlmsg_end(msg, hdr);
	kfree(list);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	kfree(list);
	return ret;
}

static int gv_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *ids = info->attrs[GPUVFIO_A_IDS];
	struct nlattr *exclude = info->attrs[GPUVFIO_A_EXCLUDE];
	struct nlattr *timeout = info->attrs[GPUVFIO_A_TIMEOUT_MS];
	struct gv_parse_err err;
	int ret, bad;

	ret = gv_check_admin(skb, info);
	if (ret)
		return ret;
	if (!ids && !exclude) {
		NL_SET_ERR_MSG(info->extack,
			       "gpuvfio: give GPUVFIO_A_IDS, GPUVFIO_A_EXCLUDE or both");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, GPUVFIO_A_IDS);
		return -EINVAL;
	}
	/* The timeout is the deadline of the claims a new ids list makes. */
	if (timeout && !ids) {
		NL_SET_ERR_MSG_ATTR(info->extack, timeout,
				    "gpuvfio: GPUVFIO_A_TIMEOUT_MS applies to the claims of a new ids list: give GPUVFIO_A_IDS too");
		return -EINVAL;
	}
	ret = gv_config_set_lists(ids ? nla_data(ids) : NULL,
				  exclude ? nla_data(exclude) : NULL,
				  &bad, &err);
	if (ret == -E2BIG) {
		NL_SET_ERR_MSG_ATTR(info->extack, bad ? exclude : ids,
				    "gpuvfio: more than 64 entries");
		return ret;
	}
	if (ret == -EINVAL) {
		if (bad)
			gv_extack(info->extack, exclude,
				  "gpuvfio: malformed PCI address in the exclude list",
				  "gpuvfio: '%.*s' is not a PCI address",
				  (int)min_t(size_t, err.len, 24), err.tok);
		else
			gv_extack(info->extack, ids,
				  "gpuvfio: malformed vendor:device ID in the ids list",
				  "gpuvfio: '%.*s' is not vendor:device",
				  (int)min_t(size_t, err.len, 24), err.tok);
		return ret;
	}
	if (ret)
		return ret;
	if (ids)
		gv_claim_all(timeout ? nla_get_u32(timeout) : 0);
	return gv_get_config(skb, info);
}

/*
 * Replies with what fill puts in a message sized by size. Sized, then
 * filled, without a lock between: what changed meanwhile (a member added to
 * a group, a record made with a longer override) needs a second try, with
 * twice the room.
 */
static int reply_sized(struct genl_info *info, u8 cmd,
		       size_t (*size)(void *arg),
		       int (*fill)(struct sk_buff *msg, void *arg), void *arg)
{
	struct sk_buff *msg;
	unsigned int tries;
	void *hdr;
	int ret;

	for (tries = 0;; tries++) {
		msg = genlmsg_new(size(arg) << tries, GFP_KERNEL);
		if (!msg)
			return -ENOMEM;
		hdr = genlmsg_put_reply(msg, info, &gv_family, 0, cmd);
		ret = hdr ? fill(msg, arg) : -EMSGSIZE;
		if (!ret)
			break;
		nlmsg_free(msg);
		if (ret != -EMSGSIZE || tries == 1)
			return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static size_t dev_reply_size(void *pdev)
{
	return nl_dev_size(pdev);
}

static int dev_reply_fill(struct sk_buff *msg, void *pdev)
{
	return nl_put_dev(msg, pdev, NULL);
}

static int gv_get_device(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[GPUVFIO_A_ADDR];
	struct pci_dev *pdev;
	struct gv_addr addr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, GPUVFIO_A_ADDR)) {
		NL_SET_ERR_MSG(info->extack, "gpuvfio: GPUVFIO_A_ADDR is required");
		return -EINVAL;
	}
	if (gv_parse_addr(nla_data(attr), strlen(nla_data(attr)), &addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "gpuvfio: not a PCI address (0000:01:00.0)");
		return -EINVAL;
	}
	pdev = pci_get_domain_bus_and_slot(addr.domain, addr.bus, addr.devfn);
	if (!pdev) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "gpuvfio: no PCI device at this address");
		return -ENODEV;
	}
	ret = reply_sized(info, GPUVFIO_CMD_GET_DEVICE, dev_reply_size,
			  dev_reply_fill, pdev);
	pci_dev_put(pdev);
	return ret;
}

/*
 * The most a dump's first message needs: room for its largest entry. The
 * kernel's default (a page, unless the caller has received into a larger
 * buffer) cannot hold a device whose record keeps an override of a few KB,
 * nor a large group's members; the dump would fail with EMSGSIZE.
 */
static void dump_room(struct netlink_callback *cb, size_t entry)
{
	cb->min_dump_alloc = min_t(size_t, GV_DUMP_ALLOC_MAX,
				   nlmsg_total_size(GENL_HDRLEN + entry));
}

static int gv_dump_device_start(struct netlink_callback *cb)
{
	struct pci_dev *pdev = NULL;
	size_t most = 0;

	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev)))
		most = max(most, nl_dev_size(pdev));
	dump_room(cb, most);
	return 0;
}

static int gv_dump_device(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pci_dev *pdev = NULL;
	long idx = 0;
	void *hdr;

	cb->seq = gv_dev_generation();
	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		if (idx++ < cb->args[0])
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &gv_family, NLM_F_MULTI,
				  GPUVFIO_CMD_GET_DEVICE);
		if (!hdr)
			goto full;
		genl_dump_check_consistent(cb, hdr);
		if (nl_put_dev(skb, pdev, NULL)) {
			genlmsg_cancel(skb, hdr);
			goto full;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = idx;
	}
	return skb->len;
full:
	pci_dev_put(pdev);
	/* An entry that does not fit in an empty message never will: an
	 * error, not the dump's end. */
	return skb->len ?: -EMSGSIZE;
}

/* The group with the smallest id at least min, referenced; NULL if none. */
static struct iommu_group *group_from(int min)
{
	struct iommu_group *best = NULL, *group;
	struct pci_dev *pdev = NULL;
	int id;

	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		group = iommu_group_get(&pdev->dev);
		if (!group)
			continue;
		id = iommu_group_id(group);
		if (id >= min && (!best || id < iommu_group_id(best))) {
			iommu_group_put(best);
			best = group;
		} else {
			iommu_group_put(group);
		}
	}
	return best;
}

struct group_members {
	struct pci_dev *pdevs[GV_MAX_DEVICES];
	unsigned int n;
};

/* Under the group's mutex: references only. */
static int collect_member(struct device *dev, void *data)
{
	struct group_members *g = data;

	if (!dev_is_pci(dev) || g->n == GV_MAX_DEVICES)
		return 0;
	g->pdevs[g->n++] = pci_dev_get(to_pci_dev(dev));
	return 0;
}

static int size_member(struct device *dev, void *data)
{
	size_t *size = data;

	if (dev_is_pci(dev))
		*size += nl_dev_size(to_pci_dev(dev));
	return 0;
}

/* The most a GPUVFIO_A_GROUP and its members take. */
static size_t group_size(struct iommu_group *group)
{
	size_t size = 2 * nla_total_size(0) +		/* the two nests */
		      nla_total_size(sizeof(u32)) +	/* id */
		      3 * nla_total_size(0);		/* flags */

	iommu_group_for_each_dev(group, &size, size_member);
	return size;
}

static int nl_put_group(struct sk_buff *msg, struct iommu_group *group)
{
	struct group_members *g;
	struct gv_dev_status st;
	struct nlattr *nest;
	bool managed = true;
	unsigned int i;
	int ret = -ENOMEM;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return ret;
	iommu_group_for_each_dev(group, g, collect_member);
	for (i = 0; i < g->n; i++) {
		gv_dev_status(g->pdevs[i], &st);
		managed &= st.have_driver && st.dma_managed;
	}

	ret = -EMSGSIZE;
	nest = nla_nest_start(msg, GPUVFIO_A_GROUP);
	if (!nest ||
	    nla_put_u32(msg, GPUVFIO_GROUP_A_ID, iommu_group_id(group)) ||
	    (managed && nla_put_flag(msg, GPUVFIO_GROUP_A_VIABLE)) ||
	    (managed && iommu_group_dma_owner_claimed(group) &&
	     nla_put_flag(msg, GPUVFIO_GROUP_A_VFIO_USER)) ||
	    (gv_switch_group_busy(group) &&
	     nla_put_flag(msg, GPUVFIO_GROUP_A_BUSY)))
		goto out;
	nla_nest_end(msg, nest);
	nest = nla_nest_start(msg, GPUVFIO_A_MEMBERS);
	if (!nest)
		goto out;
	for (i = 0; i < g->n; i++)
		if (nl_put_dev(msg, g->pdevs[i], NULL))
			goto out;
	ret = nl_nest_end(msg, nest) ? -EMSGSIZE : 0;
out:
	for (i = 0; i < g->n; i++)
		pci_dev_put(g->pdevs[i]);
	kfree(g);
	return ret;
}

static size_t group_reply_size(void *group)
{
	return group_size(group);
}

static int group_reply_fill(struct sk_buff *msg, void *group)
{
	return nl_put_group(msg, group);
}

static int gv_get_group(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[GPUVFIO_A_GROUP_ID];
	struct iommu_group *group;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, GPUVFIO_A_GROUP_ID)) {
		NL_SET_ERR_MSG(info->extack,
			       "gpuvfio: GPUVFIO_A_GROUP_ID is required");
		return -EINVAL;
	}
	group = group_from(nla_get_u32(attr) > INT_MAX ? INT_MAX :
			   nla_get_u32(attr));
	if (!group || (u32)iommu_group_id(group) != nla_get_u32(attr)) {
		iommu_group_put(group);
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "gpuvfio: no IOMMU group with a PCI device has this number");
		return -ENODEV;
	}
	ret = reply_sized(info, GPUVFIO_CMD_GET_GROUP, group_reply_size,
			  group_reply_fill, group);
	iommu_group_put(group);
	return ret;
}

static int gv_dump_group_start(struct netlink_callback *cb)
{
	struct iommu_group *group;
	size_t most = 0;
	int id = 0;

	while ((group = group_from(id))) {
		most = max(most, group_size(group));
		id = iommu_group_id(group) + 1;
		iommu_group_put(group);
	}
	dump_room(cb, most);
	return 0;
}

static int gv_dump_group(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct iommu_group *group;
	void *hdr;

	cb->seq = gv_dev_generation();
	while ((group = group_from(cb->args[0]))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &gv_family, NLM_F_MULTI,
				  GPUVFIO_CMD_GET_GROUP);
		if (!hdr)
			goto full;
		genl_dump_check_consistent(cb, hdr);
		if (nl_put_group(skb, group)) {
			genlmsg_cancel(skb, hdr);
			goto full;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = iommu_group_id(group) + 1;
		iommu_group_put(group);
	}
	return skb->len;
full:
	iommu_group_put(group);
	return skb->len ?: -EMSGSIZE;
}

/* The fixed part of a refusal's extended ACK; the reply says the rest. */
static const char *refusal(int err)
{
	switch (err) {
	case -EXDEV:
		return "gpuvfio: refused: the IOMMU group holds a device on a host driver that is not a target (see GPUVFIO_A_MESSAGE)";
	case -EPERM:
		return "gpuvfio: refused: a device is excluded (exclude=)";
	case -ENXIO:
		return "gpuvfio: refused: a device has no IOMMU group (the IOMMU is off)";
	case -EOPNOTSUPP:
		return "gpuvfio: refused: a device is a bridge or an SR-IOV PF with VFs";
	case -ENOPKG:
		return "gpuvfio: refused: vfio-pci is not available";
	case -EBUSY:
		return "gpuvfio: refused: the group is busy (a VFIO user, or another request)";
	case -ENODEV:
		return "gpuvfio: no PCI device matches this target";
	case -E2BIG:
		return "gpuvfio: the request resolves to too many devices";
	default:
		return "gpuvfio: failed and rolled back (see GPUVFIO_A_MESSAGE)";
	}
}

static void set_refusal(struct netlink_ext_ack *extack,
			const struct nlattr *attr, int err)
{
	if (!extack)
		return;
	extack->_msg = refusal(err);
	NL_SET_BAD_ATTR(extack, attr);
}

static int gv_switch(struct sk_buff *skb, struct genl_info *info, bool bind)
{
	struct nlattr *targets = info->attrs[GPUVFIO_A_TARGETS];
	struct nlattr *fattr = info->attrs[GPUVFIO_A_FLAGS];
	unsigned int timeout = GPUVFIO_TIMEOUT_DEFAULT_MS;
	unsigned int flags = 0, ntargets = 0;
	struct gv_target target;
	struct sk_buff *msg;
	struct nlattr *attr;
	struct gv_txn *t;
	int rem, ret, sent;

	ret = gv_check_admin(skb, info);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, GPUVFIO_A_TARGETS)) {
		NL_SET_ERR_MSG(info->extack,
			       "gpuvfio: GPUVFIO_A_TARGETS is required");
		return -EINVAL;
	}
	/* Unknown bits were refused by the policy's mask. */
	if (fattr && (nla_get_u32(fattr) & GPUVFIO_F_DRY_RUN))
		flags |= GV_F_DRY_RUN;
	if (fattr && (nla_get_u32(fattr) & GPUVFIO_F_FORCE))
		flags |= GV_F_FORCE;
	if (info->attrs[GPUVFIO_A_TIMEOUT_MS])
		timeout = nla_get_u32(info->attrs[GPUVFIO_A_TIMEOUT_MS]);

	/* Every target is parsed before any is resolved: a bad one changes
	 * nothing and is pointed at. */
	nla_for_each_nested(attr, targets, rem) {
		const char *s = nla_data(attr);

		if (nla_type(attr) != GPUVFIO_A_TARGET) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "gpuvfio: only GPUVFIO_A_TARGET belongs in GPUVFIO_A_TARGETS");
			return -EINVAL;
		}
		if (gv_parse_target(s, strlen(s), &target)) {
			gv_extack(info->extack, attr,
				  "gpuvfio: not a PCI address, vendor:device ID or \"all\"",
				  "gpuvfio: '%.24s' is not a PCI address, ID or \"all\"",
				  s);
			return -EINVAL;
		}
		if (++ntargets > GPUVFIO_TARGETS_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "gpuvfio: more than 64 targets");
			return -E2BIG;
		}
	}
	if (!ntargets) {
		NL_SET_ERR_MSG_ATTR(info->extack, targets,
				    "gpuvfio: GPUVFIO_A_TARGETS is empty");
		return -EINVAL;
	}

	t = gv_txn_new(bind, flags, timeout);
	if (!t)
		return -ENOMEM;
	nla_for_each_nested(attr, targets, rem) {
		const char *s = nla_data(attr);

		gv_parse_target(s, strlen(s), &target);
		ret = gv_txn_add_target(t, &target);
		if (ret) {
			set_refusal(info->extack, attr, ret);
			goto out;
		}
	}

	/* Never waits: queued (RUNNING, its end is an event), or ended at
	 * once. An unbind of "all" with nothing managed reports that there
	 * was nothing to do. */
	ret = gv_txn_submit(t);
	if (ret == -EINPROGRESS)
		ret = 0;
	gv_txn_lock(t);
	msg = txn_msg(t, info, info->genlhdr->cmd, 0);
	gv_txn_unlock(t);
	sent = msg ? genlmsg_reply(msg, info) : -ENOMEM;
	if (ret) {
		set_refusal(info->extack, targets, ret);
	} else if (sent) {
		/* Never an ACK without the reply the caller waits for. */
		NL_SET_ERR_MSG(info->extack,
			       "gpuvfio: the request was taken, but its reply could not be sent: its end is announced as an event (gpuvfio monitor)");
		ret = sent;
	}
out:
	gv_txn_put(t);
	return ret;
}

static int gv_bind(struct sk_buff *skb, struct genl_info *info)
{
	return gv_switch(skb, info, true);
}

static int gv_unbind(struct sk_buff *skb, struct genl_info *info)
{
	return gv_switch(skb, info, false);
}

static int gv_get_txn(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[GPUVFIO_A_TXN];
	struct sk_buff *msg;
	struct gv_txn *t;
	int ret;

	/* A transaction's report is for whom may watch the events. */
	ret = gv_check_admin(skb, info);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, GPUVFIO_A_TXN)) {
		NL_SET_ERR_MSG(info->extack, "gpuvfio: GPUVFIO_A_TXN is required");
		return -EINVAL;
	}
	t = gv_txn_find(nla_get_u32(attr));
	if (!t) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "gpuvfio: no such transaction: it never was, or ended more than GPUVFIO_TXN_KEEP_MS ago");
		return -ENOENT;
	}
	gv_txn_lock(t);
	msg = txn_msg(t, info, GPUVFIO_CMD_GET_TXN, 0);
	gv_txn_unlock(t);
	gv_txn_put(t);
	return msg ? genlmsg_reply(msg, info) : -ENOMEM;
}

static const struct genl_ops gv_ops[] = {
	{
		.cmd = GPUVFIO_CMD_GET_CONFIG,
		.doit = gv_get_config,
		.policy = gv_none_policy,
		.maxattr = GPUVFIO_A_MAX,
	},
	{
		.cmd = GPUVFIO_CMD_SET_CONFIG,
		.flags = GENL_ADMIN_PERM,
		.doit = gv_set_config,
		.policy = gv_set_config_policy,
		.maxattr = GPUVFIO_A_MAX,
	},
	{
		.cmd = GPUVFIO_CMD_GET_DEVICE,
		.doit = gv_get_device,
		.start = gv_dump_device_start,
		.dumpit = gv_dump_device,
		.policy = gv_get_device_policy,
		.maxattr = GPUVFIO_A_MAX,
	},
	{
		.cmd = GPUVFIO_CMD_GET_GROUP,
		.doit = gv_get_group,
		.start = gv_dump_group_start,
		.dumpit = gv_dump_group,
		.policy = gv_get_group_policy,
		.maxattr = GPUVFIO_A_MAX,
	},
	{
		.cmd = GPUVFIO_CMD_BIND,
		.flags = GENL_ADMIN_PERM,
		.doit = gv_bind,
		.policy = gv_switch_policy,
		.maxattr = GPUVFIO_A_MAX,
	},
	{
		.cmd = GPUVFIO_CMD_UNBIND,
		.flags = GENL_ADMIN_PERM,
		.doit = gv_unbind,
		.policy = gv_switch_policy,
		.maxattr = GPUVFIO_A_MAX,
	},
	{
		.cmd = GPUVFIO_CMD_GET_TXN,
		.flags = GENL_ADMIN_PERM,
		.doit = gv_get_txn,
		.policy = gv_get_txn_policy,
		.maxattr = GPUVFIO_A_MAX,
	},
};

static struct genl_family gv_family __ro_after_init = {
	.name = GPUVFIO_GENL_NAME,
	.version = GPUVFIO_GENL_VERSION,
	.maxattr = GPUVFIO_A_MAX,
	.netnsok = false,
	/* No handler waits, and none needs the others serialised: the
	 * engine has its own locks. */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = gv_ops,
	.n_ops = ARRAY_SIZE(gv_ops),
	.mcgrps = gv_mcgrps,
	.n_mcgrps = ARRAY_SIZE(gv_mcgrps),
};

int gv_netlink_init(void)
{
	int ret = genl_register_family(&gv_family);

	WRITE_ONCE(gv_registered, !ret);
	return ret;
}

void gv_netlink_exit(void)
{
	WRITE_ONCE(gv_registered, false);
	genl_unregister_family(&gv_family);
}
