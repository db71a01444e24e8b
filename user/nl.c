// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <linux/genetlink.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct gv_nl {
	struct nl_sock *sk;
	int family;
	uint32_t version;
	uint32_t ops[256 / 32];		/* bitmap of the family's commands */
	int events_group;		/* multicast group id, or -1 */
	bool quiet;
	char last_msg[512];		/* last extended ACK, formatted */
	bool have_last_msg;
	char last_text[512];		/* and its own text */
	bool have_last_text;
};

/* Names used in messages, one row per attribute; they grow with
 * include/uapi/linux/gpuvfio.h. */
#define NAME(x) [x] = #x

static const char *const gpuvfio_cmd_names[GPUVFIO_CMD_MAX + 1] = {
	NAME(GPUVFIO_CMD_GET_CONFIG),
	NAME(GPUVFIO_CMD_SET_CONFIG),
	NAME(GPUVFIO_CMD_GET_DEVICE),
	NAME(GPUVFIO_CMD_GET_GROUP),
	NAME(GPUVFIO_CMD_BIND),
	NAME(GPUVFIO_CMD_UNBIND),
	NAME(GPUVFIO_CMD_EVENT),
};

static const char *const gpuvfio_attr_names[GPUVFIO_A_MAX + 1] = {
	NAME(GPUVFIO_A_VERSION),
	NAME(GPUVFIO_A_IDS),
	NAME(GPUVFIO_A_EXCLUDE),
	NAME(GPUVFIO_A_MANAGED),
	NAME(GPUVFIO_A_ADDR),
	NAME(GPUVFIO_A_GROUP_ID),
	NAME(GPUVFIO_A_TARGETS),
	NAME(GPUVFIO_A_TARGET),
	NAME(GPUVFIO_A_FLAGS),
	NAME(GPUVFIO_A_TIMEOUT_MS),
	NAME(GPUVFIO_A_TXN),
	NAME(GPUVFIO_A_OUTCOME),
	NAME(GPUVFIO_A_ERRNO),
	NAME(GPUVFIO_A_MESSAGE),
	NAME(GPUVFIO_A_ELAPSED_NS),
	NAME(GPUVFIO_A_WAIT_ADDR),
	NAME(GPUVFIO_A_WAIT_DRIVER),
	NAME(GPUVFIO_A_DEVICE),
	NAME(GPUVFIO_A_GROUP),
	NAME(GPUVFIO_A_MEMBERS),
	NAME(GPUVFIO_A_EVENT),
	NAME(GPUVFIO_A_PAD),
};

static const char *const gpuvfio_dev_attr_names[GPUVFIO_DEV_A_MAX + 1] = {
	NAME(GPUVFIO_DEV_A_ADDR),
	NAME(GPUVFIO_DEV_A_VENDOR),
	NAME(GPUVFIO_DEV_A_DEVICE),
	NAME(GPUVFIO_DEV_A_SUBVENDOR),
	NAME(GPUVFIO_DEV_A_SUBDEVICE),
	NAME(GPUVFIO_DEV_A_CLASS),
	NAME(GPUVFIO_DEV_A_GROUP),
	NAME(GPUVFIO_DEV_A_DRIVER),
	NAME(GPUVFIO_DEV_A_STATE),
	NAME(GPUVFIO_DEV_A_MANAGED),
	NAME(GPUVFIO_DEV_A_ORIG_DRIVER),
	NAME(GPUVFIO_DEV_A_ORIG_OVERRIDE),
	NAME(GPUVFIO_DEV_A_BOOT_VGA),
	NAME(GPUVFIO_DEV_A_MATCHED),
	NAME(GPUVFIO_DEV_A_EXCLUDED),
	NAME(GPUVFIO_DEV_A_ROLE),
	NAME(GPUVFIO_DEV_A_FATE),
	NAME(GPUVFIO_DEV_A_FROM_DRIVER),
	NAME(GPUVFIO_DEV_A_TO_DRIVER),
	NAME(GPUVFIO_DEV_A_PROGRESS),
	NAME(GPUVFIO_DEV_A_ERRNO),
	NAME(GPUVFIO_DEV_A_T_OVERRIDE_NS),
	NAME(GPUVFIO_DEV_A_T_RELEASE_NS),
	NAME(GPUVFIO_DEV_A_T_ATTACH_NS),
	NAME(GPUVFIO_DEV_A_PAD),
};

static const char *const gpuvfio_group_attr_names[GPUVFIO_GROUP_A_MAX + 1] = {
	NAME(GPUVFIO_GROUP_A_ID),
	NAME(GPUVFIO_GROUP_A_VIABLE),
	NAME(GPUVFIO_GROUP_A_VFIO_USER),
	NAME(GPUVFIO_GROUP_A_BUSY),
};

#undef NAME

#define LOOKUP(table, v) \
	((v) < sizeof(table) / sizeof((table)[0]) ? (table)[v] : NULL)

const char *gv_nl_attr_name(int type)
{
	return type < 0 ? NULL : LOOKUP(gpuvfio_attr_names, (unsigned int)type);
}

const char *gv_nl_dev_attr_name(int type)
{
	return type < 0 ? NULL : LOOKUP(gpuvfio_dev_attr_names, (unsigned int)type);
}

const char *gv_nl_group_attr_name(int type)
{
	return type < 0 ? NULL : LOOKUP(gpuvfio_group_attr_names, (unsigned int)type);
}

const char *gv_nl_cmd_name(unsigned int cmd)
{
	return LOOKUP(gpuvfio_cmd_names, cmd);
}

/* The words the tool prints for the protocol's enums; JSON uses them too
 * (docs/json.md), so they never change. */
static const char *const state_names[] = {
	[GPUVFIO_STATE_UNBOUND]		= "unbound",
	[GPUVFIO_STATE_HOST]		= "host",
	[GPUVFIO_STATE_VFIO]		= "vfio",
	[GPUVFIO_STATE_CLAIMED]		= "claimed",
	[GPUVFIO_STATE_BUSY]		= "busy",
	[GPUVFIO_STATE_BINDING]		= "binding",
	[GPUVFIO_STATE_UNBINDING]	= "unbinding",
};

static const char *const role_names[] = {
	[GPUVFIO_ROLE_TARGET]		= "target",
	[GPUVFIO_ROLE_COMPANION]	= "companion",
	[GPUVFIO_ROLE_NEUTRAL]		= "neutral",
	[GPUVFIO_ROLE_FOREIGN]		= "foreign",
};

static const char *const fate_names[] = {
	[GPUVFIO_FATE_MOVE]		= "move",
	[GPUVFIO_FATE_STAY]		= "stay",
	[GPUVFIO_FATE_ALREADY]		= "already",
	[GPUVFIO_FATE_BLOCKS]		= "blocks",
};

static const char *const progress_names[] = {
	[GPUVFIO_PROGRESS_WAITING]	= "waiting",
	[GPUVFIO_PROGRESS_OVERRIDE]	= "override",
	[GPUVFIO_PROGRESS_RELEASE]	= "release",
	[GPUVFIO_PROGRESS_ATTACH]	= "attach",
	[GPUVFIO_PROGRESS_DONE]		= "done",
	[GPUVFIO_PROGRESS_ROLLED_BACK]	= "rolled_back",
};

static const char *const outcome_names[] = {
	[GPUVFIO_OUTCOME_DONE]		= "done",
	[GPUVFIO_OUTCOME_NOTHING]	= "nothing",
	[GPUVFIO_OUTCOME_DRY_RUN]	= "dry_run",
	[GPUVFIO_OUTCOME_REFUSED]	= "refused",
	[GPUVFIO_OUTCOME_ROLLED_BACK]	= "rolled_back",
	[GPUVFIO_OUTCOME_PENDING]	= "pending",
};

static const char *const event_names[] = {
	[GPUVFIO_EVENT_BOUND]		= "bound",
	[GPUVFIO_EVENT_UNBOUND]		= "unbound",
	[GPUVFIO_EVENT_ROLLED_BACK]	= "rolled_back",
	[GPUVFIO_EVENT_PENDING]		= "pending",
	[GPUVFIO_EVENT_CLAIMED]		= "claimed",
};

const char *gv_nl_state_name(uint32_t v) { return LOOKUP(state_names, v); }
const char *gv_nl_role_name(uint32_t v) { return LOOKUP(role_names, v); }
const char *gv_nl_fate_name(uint32_t v) { return LOOKUP(fate_names, v); }
const char *gv_nl_progress_name(uint32_t v) { return LOOKUP(progress_names, v); }
const char *gv_nl_outcome_name(uint32_t v) { return LOOKUP(outcome_names, v); }
const char *gv_nl_event_name(uint32_t v) { return LOOKUP(event_names, v); }

static const char *ctrl_attr_name(int type)
{
	(void)type;
	return NULL;
}

/* libnl's own errors (not the kernel's, which arrive as errno) as errno. */
static int nlerr_to_errno(int err)
{
	switch (-err) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AF_NOSUPPORT:
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_AGAIN:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/* ---- Extended ACKs ----------------------------------------------------- */

static const struct nlattr *tlv_find(const char *p, size_t len, int type)
{
	const struct nlattr *a;

	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		if ((size_t)NLA_ALIGN(a->nla_len) >= len)
			break;
		p += NLA_ALIGN(a->nla_len);
		len -= NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static bool tlv_u32(const char *p, size_t len, int type, uint32_t *v)
{
	const struct nlattr *a = tlv_find(p, len, type);

	if (!a || a->nla_len != NLA_HDRLEN + sizeof(*v))
		return false;
	memcpy(v, (const char *)a + NLA_HDRLEN, sizeof(*v));
	return true;
}

/* Where an offset of an extended ACK points in the request. */
struct located {
	int type, parent;
	unsigned int index;
};

/*
 * Looks for the attribute starting at off among the attributes in
 * msg[start..end), descending into nests (NLA_F_NESTED). The request is
 * read through memcpy: the offset comes from the kernel and need not be
 * aligned.
 */
static bool locate(const char *msg, size_t start, size_t end, size_t off,
		   int parent, struct located *loc, int depth)
{
	struct nlattr a, b;
	size_t pos = start, p;
	int type;

	while (pos + NLA_HDRLEN <= end && depth < 8) {
		memcpy(&a, msg + pos, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > end - pos)
			return false;
		type = a.nla_type & NLA_TYPE_MASK;
		if (pos == off) {
			loc->type = type;
			loc->parent = parent;
			loc->index = 1;
			for (p = start; p < pos; p += NLA_ALIGN(b.nla_len)) {
				memcpy(&b, msg + p, sizeof(b));
				if (b.nla_len < NLA_HDRLEN)
					break;
				if ((b.nla_type & NLA_TYPE_MASK) == type)
					loc->index++;
			}
			return true;
		}
		if (off > pos && off < pos + a.nla_len && (a.nla_type & NLA_F_NESTED))
			return locate(msg, pos + NLA_HDRLEN, pos + a.nla_len, off,
				      type, loc, depth + 1);
		pos += NLA_ALIGN(a.nla_len);
	}
	return false;
}

static bool locate_in_request(const struct nlmsghdr *req, uint32_t off,
			      struct located *loc)
{
	size_t base = NLMSG_HDRLEN + GENL_HDRLEN;

	if (req->nlmsg_len < base || off < base || off >= req->nlmsg_len)
		return false;
	return locate((const char *)req, base, req->nlmsg_len, off, -1, loc, 0);
}

int gv_nl_parse_ext_ack(const struct nlmsghdr *nlh, const struct nlmsghdr *req,
			struct gv_ext_ack *ack)
{
	const char *base = (const char *)nlh, *tlvs, *s;
	const struct nlmsgerr *e;
	const struct nlattr *a;
	struct located loc;
	size_t len = nlh->nlmsg_len, off;
	int32_t error;
	uint32_t v;

	memset(ack, 0, sizeof(*ack));
	ack->bad_attr = -1;
	ack->bad_parent = -1;
	ack->missing_attr = -1;
	ack->missing_nest = -1;
	if (len < NLMSG_HDRLEN || len < sizeof(*nlh))
		return -EINVAL;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (len < NLMSG_HDRLEN + sizeof(*e))
			return -EINVAL;
		e = (const struct nlmsgerr *)(base + NLMSG_HDRLEN);
		ack->error = e->error;
		/* Unless capped, the request follows in full, then the TLVs. */
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < NLMSG_HDRLEN)
				return -EINVAL;
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		}
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		/* The end of a dump; it carries the dump's error, if any. */
		if (len < NLMSG_HDRLEN + sizeof(error))
			return 0;
		memcpy(&error, base + NLMSG_HDRLEN, sizeof(error));
		ack->error = error;
		off = sizeof(error);
	} else {
		return -EINVAL;
	}
	/* INT_MIN has no positive counterpart: not an errno anyway. */
	if (ack->error == INT32_MIN)
		ack->error = -EPROTO;
	if (ack->error > 0)
		ack->error = -ack->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	if (off > len)
		return -EINVAL;
	off = NLMSG_HDRLEN + NLMSG_ALIGN(off);
	if (off > len)
		return -EINVAL;
	tlvs = base + off;
	len -= off;

	a = tlv_find(tlvs, len, NLMSGERR_ATTR_MSG);
	if (a && a->nla_len > NLA_HDRLEN) {
		s = (const char *)a + NLA_HDRLEN;
		/* Only a NUL-terminated string is taken. */
		if (memchr(s, '\0', a->nla_len - NLA_HDRLEN))
			ack->msg = s;
	}
	if (tlv_u32(tlvs, len, NLMSGERR_ATTR_OFFS, &v)) {
		ack->has_offset = true;
		ack->offset = v;
		if (req && v >= NLMSG_HDRLEN &&
		    (uint64_t)v + NLA_HDRLEN <= req->nlmsg_len) {
			struct nlattr bad;

			/* Copied out: the offset need not be aligned. */
			memcpy(&bad, (const char *)req + v, sizeof(bad));
			ack->bad_attr = bad.nla_type & NLA_TYPE_MASK;
			if (locate_in_request(req, v, &loc)) {
				ack->bad_attr = loc.type;
				ack->bad_parent = loc.parent;
				ack->bad_index = loc.index;
			}
		}
	}
	if (tlv_u32(tlvs, len, NLMSGERR_ATTR_MISS_TYPE, &v) && v <= 0xffff)
		ack->missing_attr = (int)v;
	if (tlv_u32(tlvs, len, NLMSGERR_ATTR_MISS_NEST, &v) && req &&
	    locate_in_request(req, v, &loc))
		ack->missing_nest = loc.type;
	return 0;
}

static const char *name_of(int type, const char *(*attr_name)(int), char *num,
			   size_t size)
{
	const char *name = attr_name ? attr_name(type) : NULL;

	if (name)
		return name;
	snprintf(num, size, "%d", type);
	return num;
}

/* The module starts its messages with "gpuvfio: ", as the tool does its
 * own: one is enough. */
static const char *unprefixed(const char *msg)
{
	static const char prefix[] = GPUVFIO_GENL_NAME ": ";

	if (msg && !strncmp(msg, prefix, sizeof(prefix) - 1))
		return msg + sizeof(prefix) - 1;
	return msg;
}

int gv_nl_format_ext_ack(char *buf, size_t size, const struct gv_ext_ack *ack,
			 const char *(*attr_name)(int type))
{
	const char *msg = unprefixed(ack->msg);
	char what[192], n1[16], n2[16];
	const char *a, *p;

	what[0] = '\0';
	if (ack->bad_attr >= 0) {
		a = name_of(ack->bad_attr, attr_name, n1, sizeof(n1));
		if (ack->bad_parent >= 0) {
			p = name_of(ack->bad_parent, attr_name, n2, sizeof(n2));
			snprintf(what, sizeof(what), "attribute %s #%u in %s", a,
				 ack->bad_index, p);
		} else {
			snprintf(what, sizeof(what), "attribute %s", a);
		}
	} else if (ack->missing_attr >= 0) {
		a = name_of(ack->missing_attr, attr_name, n1, sizeof(n1));
		if (ack->missing_nest >= 0) {
			p = name_of(ack->missing_nest, attr_name, n2, sizeof(n2));
			snprintf(what, sizeof(what), "missing attribute %s in %s", a, p);
		} else {
			snprintf(what, sizeof(what), "missing attribute %s", a);
		}
	}
	if (!msg && !*what)
		return snprintf(buf, size, "%s", "");
	if (!*what)
		return snprintf(buf, size, "kernel reports: %s", msg);
	if (!msg)
		return snprintf(buf, size, "kernel reports: %s", what);
	return snprintf(buf, size, "kernel reports: %s (%s)", msg, what);
}

/* ---- The socket -------------------------------------------------------- */

struct transact {
	struct gv_nl *nl;
	const struct nlmsghdr *req;
	const char *(*attr_name)(int type);
	int (*valid)(struct nl_msg *msg, void *arg);
	void *arg;
	int err;
	bool done;
	bool intr;		/* a dump message had NLM_F_DUMP_INTR */
};

/* The one place extended ACKs are looked at: remembered and printed. */
static void handle_ack(struct transact *t, const struct nlmsghdr *nlh)
{
	struct gv_ext_ack ack;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		t->intr = true;
	if (gv_nl_parse_ext_ack(nlh, t->req, &ack))
		return;
	if (ack.error && !t->err)
		t->err = ack.error;
	if (ack.msg) {
		snprintf(t->nl->last_text, sizeof(t->nl->last_text), "%s",
			 unprefixed(ack.msg));
		t->nl->have_last_text = true;
	}
	if (gv_nl_format_ext_ack(t->nl->last_msg, sizeof(t->nl->last_msg), &ack,
				 t->attr_name) > 0) {
		t->nl->have_last_msg = true;
		if (!t->nl->quiet)
			gv_err("%s", t->nl->last_msg);
	}
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct transact *t = arg;
	int ret;

	if (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP_INTR)
		t->intr = true;
	/* After a failed reply, the rest is read and dropped so that the
	 * socket stays in step. */
	if (!t->err && t->valid) {
		ret = t->valid(msg, t->arg);
		if (ret < 0)
			t->err = ret;
	}
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct transact *t = arg;

	handle_ack(t, nlmsg_hdr(msg));
	t->done = true;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct transact *t = arg;

	handle_ack(t, nlmsg_hdr(msg));
	t->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct transact *t = arg;
	/* libnl passes the payload; the header is right in front of it. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	(void)nla;
	handle_ack(t, nlh);
	if (!t->err)
		t->err = e->error < 0 ? e->error : -e->error;
	t->done = true;
	return NL_STOP;
}

static int transact(struct gv_nl *nl, int family, uint8_t version, uint8_t cmd,
		    uint16_t flags, gv_nl_put_fn put, void *put_arg,
		    int (*valid)(struct nl_msg *, void *), void *arg,
		    const char *(*attr_name)(int))
{
	struct transact t = {
		.nl = nl, .attr_name = attr_name, .valid = valid, .arg = arg,
	};
	struct nl_msg *msg;
	struct nl_cb *cb;
	int ret;

	nl->have_last_msg = false;
	nl->last_msg[0] = '\0';
	nl->have_last_text = false;
	nl->last_text[0] = '\0';
	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!msg || !cb) {
		ret = -ENOMEM;
		goto out;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			 flags | NLM_F_ACK, cmd, version)) {
		ret = -ENOMEM;
		goto out;
	}
	if (put) {
		ret = put(msg, put_arg);
		if (ret < 0)
			goto out;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);

	ret = nl_send_auto(nl->sk, msg);
	if (ret < 0) {
		ret = nlerr_to_errno(ret);
		goto out;
	}
	t.req = nlmsg_hdr(msg);
	while (!t.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !t.done) {
			gv_err("netlink: %s", nl_geterror(ret));
			t.err = nlerr_to_errno(ret);
			break;
		}
	}
	ret = t.err;
	if (!ret && t.intr)
		ret = -EINTR;
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return ret;
}

static int put_family_name(struct nl_msg *msg, void *arg)
{
	return nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, arg) ? -EMSGSIZE : 0;
}

static void family_groups(struct gv_nl *nl, struct nlattr *groups)
{
	static const struct nla_policy grp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
		[CTRL_ATTR_MCAST_GRP_NAME]	= { .type = NLA_STRING },
		[CTRL_ATTR_MCAST_GRP_ID]	= { .type = NLA_U32 },
	};
	struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1], *grp;
	int rem;

	nla_for_each_nested(grp, groups, rem) {
		if (nla_parse_nested(tb, CTRL_ATTR_MCAST_GRP_MAX, grp, grp_policy) ||
		    !tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		if (!strcmp(nla_get_string(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    GPUVFIO_MCGRP_EVENTS))
			nl->events_group = (int)nla_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static int family_reply(struct nl_msg *msg, void *arg)
{
	static const struct nla_policy policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID]	= { .type = NLA_U16 },
		[CTRL_ATTR_VERSION]	= { .type = NLA_U32 },
		[CTRL_ATTR_OPS]		= { .type = NLA_NESTED },
		[CTRL_ATTR_MCAST_GROUPS] = { .type = NLA_NESTED },
	};
	static const struct nla_policy op_policy[CTRL_ATTR_OP_MAX + 1] = {
		[CTRL_ATTR_OP_ID]	= { .type = NLA_U32 },
	};
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *op_tb[CTRL_ATTR_OP_MAX + 1];
	struct gv_nl *nl = arg;
	struct nlattr *op;
	uint32_t id;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, policy) ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	nl->family = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		nl->version = nla_get_u32(tb[CTRL_ATTR_VERSION]);
	if (tb[CTRL_ATTR_OPS]) {
		nla_for_each_nested(op, tb[CTRL_ATTR_OPS], rem) {
			if (nla_parse_nested(op_tb, CTRL_ATTR_OP_MAX, op, op_policy) ||
			    !op_tb[CTRL_ATTR_OP_ID])
				continue;
			id = nla_get_u32(op_tb[CTRL_ATTR_OP_ID]);
			if (id < 256)
				nl->ops[id / 32] |= 1u << (id % 32);
		}
	}
	/* The multicast groups come with the family: no second request
	 * (genl_ctrl_resolve_grp() would ask again). */
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		family_groups(nl, tb[CTRL_ATTR_MCAST_GROUPS]);
	return 0;
}

int gv_nl_open_family(struct gv_nl **out, const char *family)
{
	struct gv_nl *nl;
	int one = 1, ret;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->events_group = -1;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		ret = -ENOMEM;
		goto err;
	}
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		ret = nlerr_to_errno(ret);
		goto err;
	}
	/* Replies with every member of a group can exceed a page: let libnl
	 * size its buffer to each message. */
	nl_socket_enable_msg_peek(nl->sk);
	/* Extended ACKs carry the kernel's reason in words. Capped: the
	 * request is kept here, so the kernel need not echo it back. Both
	 * options are missing only on kernels far older than gpuvfio's. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	nl->family = -1;
	ret = transact(nl, GENL_ID_CTRL, 1, CTRL_CMD_GETFAMILY, 0,
		       put_family_name, (void *)family, family_reply, nl,
		       ctrl_attr_name);
	if (!ret && nl->family < 0)
		ret = -EPROTO;
	if (ret)
		goto err;
	*out = nl;
	return 0;
err:
	gv_nl_close(nl);
	return ret;
}

int gv_nl_open(struct gv_nl **nl)
{
	return gv_nl_open_family(nl, GPUVFIO_GENL_NAME);
}

void gv_nl_close(struct gv_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		nl_socket_free(nl->sk);
	free(nl);
}

bool gv_nl_has_op(const struct gv_nl *nl, uint8_t cmd)
{
	return nl->ops[cmd / 32] & (1u << (cmd % 32));
}

int gv_nl_family_id(const struct gv_nl *nl)
{
	return nl->family;
}

uint32_t gv_nl_family_version(const struct gv_nl *nl)
{
	return nl->version;
}

void gv_nl_set_quiet(struct gv_nl *nl, bool quiet)
{
	nl->quiet = quiet;
}

const char *gv_nl_last_message(const struct gv_nl *nl)
{
	return nl->have_last_msg ? nl->last_msg : NULL;
}

const char *gv_nl_last_ack_text(const struct gv_nl *nl)
{
	return nl->have_last_text ? nl->last_text : NULL;
}

bool gv_nl_require_op(struct gv_nl *nl, uint8_t cmd, const char *what)
{
	struct gv_config *cfg;
	const char *name = gv_nl_cmd_name(cmd);
	char num[16];

	if (gv_nl_has_op(nl, cmd))
		return true;
	if (!name) {
		snprintf(num, sizeof(num), "command %u", cmd);
		name = num;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg && gv_nl_has_op(nl, GPUVFIO_CMD_GET_CONFIG) &&
	    !gv_nl_get_config(nl, cfg) && *cfg->version)
		gv_err("the loaded gpuvfio module (version %s) is too old for `%s`: it has no %s; update it",
		       cfg->version, what, name);
	else
		gv_err("the loaded gpuvfio module is too old for `%s`: it has no %s; update it",
		       what, name);
	free(cfg);
	return false;
}

struct request {
	gv_nl_reply_fn reply;
	void *arg;
};

static int request_reply(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;
	const struct nlattr *tb[GPUVFIO_A_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	/* Attributes a newer module appends are beyond GPUVFIO_A_MAX and
	 * skipped by the parser. */
	if (gv_nl_parse_msg(nlh, nlh->nlmsg_len, tb, NULL))
		return -EPROTO;
	return r->reply ? r->reply(tb, r->arg) : 0;
}

int gv_nl_request(struct gv_nl *nl, uint8_t cmd, uint16_t flags,
		  gv_nl_put_fn put, gv_nl_reply_fn reply, void *arg)
{
	struct request r = { .reply = reply, .arg = arg };

	if (!gv_nl_has_op(nl, cmd))
		return -ENOSYS;
	return transact(nl, nl->family, GPUVFIO_GENL_VERSION, cmd, flags, put,
			arg, request_reply, &r, gv_nl_attr_name);
}

/* ---- Replies: pure functions over the message ---------------------------- */

int gv_nl_parse_attrs(const void *buf, size_t len, const struct nlattr **tb,
		      int max)
{
	const char *p = buf;
	const struct nlattr *a;
	size_t step;
	int type;

	memset(tb, 0, ((size_t)max + 1) * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EPROTO;
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

int gv_nl_parse_msg(const struct nlmsghdr *nlh, size_t len,
		    const struct nlattr **tb, uint8_t *cmd)
{
	const struct genlmsghdr *g;
	size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN;

	if (len < hdr || nlh->nlmsg_len < hdr || nlh->nlmsg_len > len)
		return -EPROTO;
	g = (const struct genlmsghdr *)((const char *)nlh + NLMSG_HDRLEN);
	if (cmd)
		*cmd = g->cmd;
	return gv_nl_parse_attrs((const char *)nlh + hdr, nlh->nlmsg_len - hdr,
				 tb, GPUVFIO_A_MAX);
}

static size_t payload_len(const struct nlattr *a)
{
	return (size_t)a->nla_len - NLA_HDRLEN;
}

static const void *payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

/* Each getter: true when a is absent (nothing stored) or well formed. */
static bool get_u16(const struct nlattr *a, uint16_t *v, bool *has)
{
	if (!a)
		return true;
	if (payload_len(a) != sizeof(*v))
		return false;
	memcpy(v, payload(a), sizeof(*v));
	if (has)
		*has = true;
	return true;
}

static bool get_u32(const struct nlattr *a, uint32_t *v, bool *has)
{
	if (!a)
		return true;
	if (payload_len(a) != sizeof(*v))
		return false;
	memcpy(v, payload(a), sizeof(*v));
	if (has)
		*has = true;
	return true;
}

static bool get_u64(const struct nlattr *a, uint64_t *v, bool *has)
{
	if (!a)
		return true;
	if (payload_len(a) != sizeof(*v))
		return false;
	memcpy(v, payload(a), sizeof(*v));
	if (has)
		*has = true;
	return true;
}

static bool get_flag(const struct nlattr *a, bool *v)
{
	*v = a != NULL;
	return !a || payload_len(a) == 0;
}

/*
 * A NUL-terminated string into dst. One that does not fit is refused,
 * unless truncating is harmless (the kernel's sentences).
 */
static bool get_str(const struct nlattr *a, char *dst, size_t size,
		    bool truncate, bool *has)
{
	const char *s;
	const char *nul;

	if (!a)
		return true;
	s = payload(a);
	nul = memchr(s, '\0', payload_len(a));
	if (!nul)
		return false;
	if ((size_t)(nul - s) >= size) {
		if (!truncate)
			return false;
		memcpy(dst, s, size - 1);
		dst[size - 1] = '\0';
	} else {
		memcpy(dst, s, (size_t)(nul - s) + 1);
	}
	if (has)
		*has = true;
	return true;
}

static bool is_nest(const struct nlattr *a)
{
	return payload_len(a) == 0 || payload_len(a) >= NLA_HDRLEN;
}

int gv_nl_parse_dev(const struct nlattr *nest, struct gv_nl_dev *d)
{
	const struct nlattr *tb[GPUVFIO_DEV_A_MAX + 1];
	uint32_t group = 0;
	bool has_group = false, has_addr = false, ok;

	memset(d, 0, sizeof(*d));
	d->group = -1;
	if (!nest || !is_nest(nest) ||
	    gv_nl_parse_attrs(payload(nest), payload_len(nest), tb,
			      GPUVFIO_DEV_A_MAX))
		return -EPROTO;
	ok = get_str(tb[GPUVFIO_DEV_A_ADDR], d->addr, sizeof(d->addr), false,
		     &has_addr) &&
	     get_u16(tb[GPUVFIO_DEV_A_VENDOR], &d->vendor, &d->has_ids) &&
	     get_u16(tb[GPUVFIO_DEV_A_DEVICE], &d->device, NULL) &&
	     get_u16(tb[GPUVFIO_DEV_A_SUBVENDOR], &d->subvendor, &d->has_subsys) &&
	     get_u16(tb[GPUVFIO_DEV_A_SUBDEVICE], &d->subdevice, NULL) &&
	     get_u32(tb[GPUVFIO_DEV_A_CLASS], &d->class, &d->has_class) &&
	     get_u32(tb[GPUVFIO_DEV_A_GROUP], &group, &has_group) &&
	     get_str(tb[GPUVFIO_DEV_A_DRIVER], d->driver, sizeof(d->driver),
		     false, &d->has_driver) &&
	     get_u32(tb[GPUVFIO_DEV_A_STATE], &d->state, NULL) &&
	     get_flag(tb[GPUVFIO_DEV_A_MANAGED], &d->managed) &&
	     get_str(tb[GPUVFIO_DEV_A_ORIG_DRIVER], d->orig_driver,
		     sizeof(d->orig_driver), false, NULL) &&
	     get_str(tb[GPUVFIO_DEV_A_ORIG_OVERRIDE], d->orig_override,
		     sizeof(d->orig_override), false, NULL) &&
	     get_flag(tb[GPUVFIO_DEV_A_BOOT_VGA], &d->boot_vga) &&
	     get_flag(tb[GPUVFIO_DEV_A_MATCHED], &d->matched) &&
	     get_flag(tb[GPUVFIO_DEV_A_EXCLUDED], &d->excluded) &&
	     get_u32(tb[GPUVFIO_DEV_A_ROLE], &d->role, NULL) &&
	     get_u32(tb[GPUVFIO_DEV_A_FATE], &d->fate, NULL) &&
	     get_str(tb[GPUVFIO_DEV_A_FROM_DRIVER], d->from_driver,
		     sizeof(d->from_driver), false, &d->has_from) &&
	     get_str(tb[GPUVFIO_DEV_A_TO_DRIVER], d->to_driver,
		     sizeof(d->to_driver), false, &d->has_to) &&
	     get_u32(tb[GPUVFIO_DEV_A_PROGRESS], &d->progress, NULL) &&
	     get_u32(tb[GPUVFIO_DEV_A_ERRNO], &d->err, NULL) &&
	     get_u64(tb[GPUVFIO_DEV_A_T_OVERRIDE_NS], &d->t_override_ns,
		     &d->has_t_override) &&
	     get_u64(tb[GPUVFIO_DEV_A_T_RELEASE_NS], &d->t_release_ns,
		     &d->has_t_release) &&
	     get_u64(tb[GPUVFIO_DEV_A_T_ATTACH_NS], &d->t_attach_ns,
		     &d->has_t_attach);
	if (!ok || !has_addr || !*d->addr)
		return -EPROTO;
	if (has_group)
		d->group = group;
	return 0;
}

/* Far more than a message can hold: a bound on what a bad one costs. */
#define MAX_MEMBERS	4096

int gv_nl_parse_members(const struct nlattr *nest, struct gv_nl_dev **devs,
			size_t *n)
{
	const char *p;
	const struct nlattr *a;
	struct gv_nl_dev *v = NULL, *nv;
	size_t len, step, cap = 0;
	int ret = 0;

	*devs = NULL;
	*n = 0;
	if (!nest)
		return 0;
	if (!is_nest(nest))
		return -EPROTO;
	p = payload(nest);
	len = payload_len(nest);
	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len) {
			ret = -EPROTO;
			break;
		}
		if ((a->nla_type & NLA_TYPE_MASK) == GPUVFIO_A_DEVICE) {
			if (*n == MAX_MEMBERS) {
				ret = -EPROTO;
				break;
			}
			if (*n == cap) {
				cap = cap ? cap * 2 : 8;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					ret = -ENOMEM;
					break;
				}
				v = nv;
			}
			ret = gv_nl_parse_dev(a, &v[*n]);
			if (ret)
				break;
			(*n)++;
		}
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	if (ret) {
		free(v);
		*n = 0;
		return ret;
	}
	*devs = v;
	return 0;
}

int gv_nl_parse_result(const struct nlattr **tb, struct gv_nl_result *r)
{
	bool ok;

	memset(r, 0, sizeof(*r));
	ok = get_u32(tb[GPUVFIO_A_EVENT], &r->event, NULL) &&
	     get_u32(tb[GPUVFIO_A_TXN], &r->txn, &r->has_txn) &&
	     get_u32(tb[GPUVFIO_A_OUTCOME], &r->outcome, NULL) &&
	     get_u32(tb[GPUVFIO_A_ERRNO], &r->err, NULL) &&
	     get_str(tb[GPUVFIO_A_MESSAGE], r->message, sizeof(r->message),
		     true, NULL) &&
	     get_u64(tb[GPUVFIO_A_ELAPSED_NS], &r->elapsed_ns, &r->has_elapsed) &&
	     get_str(tb[GPUVFIO_A_WAIT_ADDR], r->wait_addr, sizeof(r->wait_addr),
		     false, NULL) &&
	     get_str(tb[GPUVFIO_A_WAIT_DRIVER], r->wait_driver,
		     sizeof(r->wait_driver), false, NULL);
	if (!ok)
		return -EPROTO;
	return gv_nl_parse_members(tb[GPUVFIO_A_MEMBERS], &r->members,
				   &r->nmembers);
}

void gv_nl_result_free(struct gv_nl_result *r)
{
	free(r->members);
	r->members = NULL;
	r->nmembers = 0;
}

int gv_nl_parse_group(const struct nlattr **tb, struct gv_nl_group *g)
{
	const struct nlattr *gtb[GPUVFIO_GROUP_A_MAX + 1];
	const struct nlattr *nest = tb[GPUVFIO_A_GROUP];
	bool has_id = false;

	memset(g, 0, sizeof(*g));
	if (!nest || !is_nest(nest) ||
	    gv_nl_parse_attrs(payload(nest), payload_len(nest), gtb,
			      GPUVFIO_GROUP_A_MAX))
		return -EPROTO;
	if (!get_u32(gtb[GPUVFIO_GROUP_A_ID], &g->id, &has_id) || !has_id ||
	    !get_flag(gtb[GPUVFIO_GROUP_A_VIABLE], &g->viable) ||
	    !get_flag(gtb[GPUVFIO_GROUP_A_VFIO_USER], &g->vfio_user) ||
	    !get_flag(gtb[GPUVFIO_GROUP_A_BUSY], &g->busy))
		return -EPROTO;
	return gv_nl_parse_members(tb[GPUVFIO_A_MEMBERS], &g->members,
				   &g->nmembers);
}

void gv_nl_group_free(struct gv_nl_group *g)
{
	free(g->members);
	g->members = NULL;
	g->nmembers = 0;
}

int gv_nl_parse_config(const struct nlattr **tb, struct gv_config *cfg)
{
	bool has_version = false;

	memset(cfg, 0, sizeof(*cfg));
	/* Lists longer than GPUVFIO_LIST_MAX are refused, not cut: a cut
	 * list would be written back by `ids add`. */
	if (!get_str(tb[GPUVFIO_A_VERSION], cfg->version, sizeof(cfg->version),
		     true, &has_version) ||
	    !get_str(tb[GPUVFIO_A_IDS], cfg->ids, sizeof(cfg->ids), false, NULL) ||
	    !get_str(tb[GPUVFIO_A_EXCLUDE], cfg->exclude, sizeof(cfg->exclude),
		     false, NULL) ||
	    !get_u32(tb[GPUVFIO_A_MANAGED], &cfg->managed, &cfg->have_managed) ||
	    !has_version) {
		memset(cfg, 0, sizeof(*cfg));
		return -EPROTO;
	}
	return 0;
}

/* ---- Commands ---------------------------------------------------------- */

static int config_reply(const struct nlattr **tb, void *arg)
{
	return gv_nl_parse_config(tb, arg);
}

static int config_done(struct gv_config *cfg, int ret)
{
	if (ret) {
		memset(cfg, 0, sizeof(*cfg));
		return ret;
	}
	if (!*cfg->version)
		return -EPROTO;	/* no reply came */
	cfg->loaded = true;
	cfg->source = "netlink";
	return 0;
}

int gv_nl_get_config(struct gv_nl *nl, struct gv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_done(cfg, gv_nl_request(nl, GPUVFIO_CMD_GET_CONFIG, 0,
					      NULL, config_reply, cfg));
}

struct set_config {
	const char *ids, *exclude;
	struct gv_config *cfg;
};

static int put_set_config(struct nl_msg *msg, void *arg)
{
	struct set_config *s = arg;

	if (s->ids && nla_put_string(msg, GPUVFIO_A_IDS, s->ids))
		return -EMSGSIZE;
	if (s->exclude && nla_put_string(msg, GPUVFIO_A_EXCLUDE, s->exclude))
		return -EMSGSIZE;
	return 0;
}

static int set_config_reply(const struct nlattr **tb, void *arg)
{
	struct set_config *s = arg;

	return gv_nl_parse_config(tb, s->cfg);
}

int gv_nl_set_config(struct gv_nl *nl, const char *ids, const char *exclude,
		     struct gv_config *cfg)
{
	struct set_config s = { .ids = ids, .exclude = exclude, .cfg = cfg };

	memset(cfg, 0, sizeof(*cfg));
	return config_done(cfg, gv_nl_request(nl, GPUVFIO_CMD_SET_CONFIG, 0,
					      put_set_config, set_config_reply,
					      &s));
}

struct dev_list {
	struct gv_nl_dev *v;
	size_t n, cap;
};

static int device_reply(const struct nlattr **tb, void *arg)
{
	struct dev_list *l = arg;
	struct gv_nl_dev *nv;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 32;
		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	if (gv_nl_parse_dev(tb[GPUVFIO_A_DEVICE], &l->v[l->n]))
		return -EPROTO;
	l->n++;
	return 0;
}

/* A dump that a change interrupted is read again, a few times. */
#define DUMP_TRIES	4

int gv_nl_dump_devices(struct gv_nl *nl, struct gv_nl_dev **devs, size_t *n)
{
	struct dev_list l = { 0 };
	int ret = -EINTR, i;

	for (i = 0; i < DUMP_TRIES && ret == -EINTR; i++) {
		l.n = 0;
		ret = gv_nl_request(nl, GPUVFIO_CMD_GET_DEVICE, NLM_F_DUMP, NULL,
				    device_reply, &l);
	}
	if (ret) {
		free(l.v);
		*devs = NULL;
		*n = 0;
		return ret;
	}
	*devs = l.v;
	*n = l.n;
	return 0;
}

struct group_list {
	struct gv_nl_group *v;
	size_t n, cap;
};

static int group_reply(const struct nlattr **tb, void *arg)
{
	struct group_list *l = arg;
	struct gv_nl_group *nv;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 16;
		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	if (gv_nl_parse_group(tb, &l->v[l->n])) {
		gv_nl_group_free(&l->v[l->n]);
		return -EPROTO;
	}
	l->n++;
	return 0;
}

void gv_nl_groups_free(struct gv_nl_group *groups, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gv_nl_group_free(&groups[i]);
	free(groups);
}

int gv_nl_dump_groups(struct gv_nl *nl, struct gv_nl_group **groups,
		      size_t *n)
{
	struct group_list l = { 0 };
	size_t i;
	int ret = -EINTR, tries;

	for (tries = 0; tries < DUMP_TRIES && ret == -EINTR; tries++) {
		for (i = 0; i < l.n; i++)
			gv_nl_group_free(&l.v[i]);
		l.n = 0;
		ret = gv_nl_request(nl, GPUVFIO_CMD_GET_GROUP, NLM_F_DUMP, NULL,
				    group_reply, &l);
	}
	if (ret) {
		gv_nl_groups_free(l.v, l.n);
		*groups = NULL;
		*n = 0;
		return ret;
	}
	*groups = l.v;
	*n = l.n;
	return 0;
}

static int put_switch(struct nl_msg *msg, void *arg)
{
	const struct gv_nl_switch_req *req = *(const struct gv_nl_switch_req **)arg;
	struct nlattr *nest;
	unsigned int i;

	/* Strict validation wants NLA_F_NESTED on every nest. */
	nest = nla_nest_start(msg, GPUVFIO_A_TARGETS | NLA_F_NESTED);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < req->ntargets; i++)
		if (nla_put_string(msg, GPUVFIO_A_TARGET, req->targets[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	if (nla_put_u32(msg, GPUVFIO_A_FLAGS, req->flags))
		return -EMSGSIZE;
	if (req->timeout_ms && nla_put_u32(msg, GPUVFIO_A_TIMEOUT_MS, req->timeout_ms))
		return -EMSGSIZE;
	return 0;
}

struct switch_arg {
	const struct gv_nl_switch_req *req;	/* first: put_switch's view */
	struct gv_nl_result *res;
};

static int switch_reply(const struct nlattr **tb, void *arg)
{
	struct switch_arg *s = arg;
	int ret;

	gv_nl_result_free(s->res);
	ret = gv_nl_parse_result(tb, s->res);
	if (ret) {
		gv_nl_result_free(s->res);
		return ret;
	}
	s->res->received = true;
	return 0;
}

int gv_nl_switch(struct gv_nl *nl, const struct gv_nl_switch_req *req,
		 struct gv_nl_result *res)
{
	struct switch_arg s = { .req = req, .res = res };

	memset(res, 0, sizeof(*res));
	return gv_nl_request(nl, req->bind ? GPUVFIO_CMD_BIND : GPUVFIO_CMD_UNBIND,
			     0, put_switch, switch_reply, &s);
}

/* ---- Events ------------------------------------------------------------ */

int gv_nl_subscribe_events(struct gv_nl *nl)
{
	int ret;

	if (nl->events_group < 0)
		return -ENOENT;
	ret = nl_socket_add_membership(nl->sk, nl->events_group);
	if (ret < 0)
		return nlerr_to_errno(ret);
	/* Events carry no sequence number of ours. */
	nl_socket_disable_seq_check(nl->sk);
	ret = nl_socket_set_nonblocking(nl->sk);
	if (ret < 0)
		return nlerr_to_errno(ret);
	/* Room for a burst (an ids change claims many devices at once). */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);
	return 0;
}

int gv_nl_fd(const struct gv_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

struct event_arg {
	gv_nl_event_fn fn;
	void *arg;
	int family;
	bool bad;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct event_arg *e = arg;
	const struct nlattr *tb[GPUVFIO_A_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct gv_nl_result ev;
	uint8_t cmd;

	if (nlh->nlmsg_type != e->family ||
	    gv_nl_parse_msg(nlh, nlh->nlmsg_len, tb, &cmd) ||
	    cmd != GPUVFIO_CMD_EVENT)
		return NL_SKIP;
	if (gv_nl_parse_result(tb, &ev)) {
		e->bad = true;
	} else {
		ev.received = true;
		e->fn(&ev, e->arg);
	}
	gv_nl_result_free(&ev);
	return NL_OK;
}

static int event_seq_ok(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int gv_nl_read_events(struct gv_nl *nl, gv_nl_event_fn fn, void *arg)
{
	struct event_arg e = { .fn = fn, .arg = arg, .family = nl->family };
	struct nl_cb *cb;
	int ret = 0, got;

	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, &e);
	/* Events are not answers: they carry no sequence number to check. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, event_seq_ok, NULL);
	/* Bounded: the caller polls again for whatever is left. */
	for (got = 0; got < 256; got++) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0)
			break;
	}
	nl_cb_put(cb);
	if (e.bad)
		gv_err("an event from the module could not be read (the module may be newer than the tool)");
	if (ret >= 0)
		return 0;
	if (ret == -NLE_AGAIN)
		return got ? 0 : -EAGAIN;
	/* recvmsg()'s ENOBUFS: the kernel dropped messages for us. */
	if (ret == -NLE_NOMEM)
		return -ENOBUFS;
	gv_err("reading events: %s", nl_geterror(ret));
	return nlerr_to_errno(ret);
}
