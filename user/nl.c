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
	char last_msg[256];		/* message of the last extended ACK */
	bool have_last_msg;
};

/* The reply policy and the names used in messages, one row per attribute;
 * both grow with include/uapi/linux/gpuvfio.h. */
static const struct nla_policy gpuvfio_policy[GPUVFIO_A_MAX + 1] = {
	[GPUVFIO_A_VERSION]	= { .type = NLA_STRING },
	[GPUVFIO_A_IDS]		= { .type = NLA_STRING },
	[GPUVFIO_A_EXCLUDE]	= { .type = NLA_STRING },
	[GPUVFIO_A_MANAGED]	= { .type = NLA_U32 },
};

static const char *const gpuvfio_attr_names[GPUVFIO_A_MAX + 1] = {
	[GPUVFIO_A_VERSION]	= "GPUVFIO_A_VERSION",
	[GPUVFIO_A_IDS]		= "GPUVFIO_A_IDS",
	[GPUVFIO_A_EXCLUDE]	= "GPUVFIO_A_EXCLUDE",
	[GPUVFIO_A_MANAGED]	= "GPUVFIO_A_MANAGED",
};

const char *gv_nl_attr_name(int type)
{
	if (type <= 0 || type > GPUVFIO_A_MAX)
		return NULL;
	return gpuvfio_attr_names[type];
}

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
	default:
		return -EIO;
	}
}

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

int gv_nl_parse_ext_ack(const struct nlmsghdr *nlh, const struct nlmsghdr *req,
			struct gv_ext_ack *ack)
{
	const char *base = (const char *)nlh, *tlvs, *s;
	const struct nlmsgerr *e;
	const struct nlattr *a;
	size_t len = nlh->nlmsg_len, off;
	int32_t error;
	uint32_t v;

	memset(ack, 0, sizeof(*ack));
	ack->bad_attr = -1;
	ack->missing_attr = -1;
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
	if (ack->error > 0)
		ack->error = -ack->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
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
		}
	}
	if (tlv_u32(tlvs, len, NLMSGERR_ATTR_MISS_TYPE, &v) && v <= 0xffff)
		ack->missing_attr = (int)v;
	return 0;
}

int gv_nl_format_ext_ack(char *buf, size_t size, const struct gv_ext_ack *ack,
			 const char *(*attr_name)(int type))
{
	const char *name = NULL, *what = "attribute";
	char num[16];
	int type = -1;

	if (ack->bad_attr >= 0) {
		type = ack->bad_attr;
	} else if (ack->missing_attr >= 0) {
		type = ack->missing_attr;
		what = "missing attribute";
	}
	if (type >= 0) {
		name = attr_name ? attr_name(type) : NULL;
		if (!name) {
			snprintf(num, sizeof(num), "%d", type);
			name = num;
		}
	}
	if (!ack->msg && !name)
		return snprintf(buf, size, "%s", "");
	if (!name)
		return snprintf(buf, size, "kernel reports: %s", ack->msg);
	if (!ack->msg)
		return snprintf(buf, size, "kernel reports: %s %s", what, name);
	return snprintf(buf, size, "kernel reports: %s (%s %s)", ack->msg, what,
			name);
}

struct transact {
	struct gv_nl *nl;
	const struct nlmsghdr *req;
	const char *(*attr_name)(int type);
	int (*valid)(struct nl_msg *msg, void *arg);
	void *arg;
	int err;
	bool done;
};

/* The one place extended ACKs are looked at: remembered and printed. */
static void handle_ack(struct transact *t, const struct nlmsghdr *nlh)
{
	struct gv_ext_ack ack;

	if (gv_nl_parse_ext_ack(nlh, t->req, &ack))
		return;
	if (ack.error && !t->err)
		t->err = ack.error;
	if (gv_nl_format_ext_ack(t->nl->last_msg, sizeof(t->nl->last_msg), &ack,
				 t->attr_name) > 0) {
		t->nl->have_last_msg = true;
		gv_err("%s", t->nl->last_msg);
	}
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct transact *t = arg;
	int ret;

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
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return ret;
}

static int put_family_name(struct nl_msg *msg, void *arg)
{
	return nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, arg) ? -EMSGSIZE : 0;
}

static int family_reply(struct nl_msg *msg, void *arg)
{
	static const struct nla_policy policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID]	= { .type = NLA_U16 },
		[CTRL_ATTR_VERSION]	= { .type = NLA_U32 },
		[CTRL_ATTR_OPS]		= { .type = NLA_NESTED },
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

const char *gv_nl_last_message(const struct gv_nl *nl)
{
	return nl->have_last_msg ? nl->last_msg : NULL;
}

struct request {
	gv_nl_reply_fn reply;
	void *arg;
};

static int request_reply(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;
	struct nlattr *tb[GPUVFIO_A_MAX + 1];

	/* Attributes a newer module appends are beyond GPUVFIO_A_MAX and
	 * ignored by the parser. */
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, GPUVFIO_A_MAX, gpuvfio_policy))
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

static void copy_string(char *dst, size_t size, const struct nlattr *a)
{
	snprintf(dst, size, "%s", a ? (const char *)nla_data(a) : "");
}

static int config_reply(struct nlattr **tb, void *arg)
{
	struct gv_config *cfg = arg;

	if (!tb[GPUVFIO_A_VERSION])
		return -EPROTO;
	copy_string(cfg->version, sizeof(cfg->version), tb[GPUVFIO_A_VERSION]);
	copy_string(cfg->ids, sizeof(cfg->ids), tb[GPUVFIO_A_IDS]);
	copy_string(cfg->exclude, sizeof(cfg->exclude), tb[GPUVFIO_A_EXCLUDE]);
	cfg->have_managed = tb[GPUVFIO_A_MANAGED];
	if (cfg->have_managed)
		cfg->managed = nla_get_u32(tb[GPUVFIO_A_MANAGED]);
	return 0;
}

int gv_nl_get_config(struct gv_nl *nl, struct gv_config *cfg)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	ret = gv_nl_request(nl, GPUVFIO_CMD_GET_CONFIG, 0, NULL, config_reply,
			    cfg);
	if (ret) {
		memset(cfg, 0, sizeof(*cfg));
		return ret;
	}
	cfg->loaded = true;
	cfg->source = "netlink";
	return 0;
}
