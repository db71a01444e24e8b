// SPDX-License-Identifier: GPL-2.0
/*
 * The socket: connecting, resolving the family (with its operations and
 * multicast groups) in one request, the one request function every
 * command goes through, the commands themselves, and the events socket.
 * Extended ACKs are parsed in nl-ack.c, replies in nl-parse.c, names in
 * nl-names.c, and the wait for a transaction's end is in nl-txn.c.
 */
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

#include "nl-internal.h"
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
			 gv_nl_unprefixed(ack.msg));
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

/* A bind, unbind or GET_TXN reply into res (the last, should there be
 * more than one). */
static int take_result(const struct nlattr **tb, struct gv_nl_result *res)
{
	int ret;

	gv_nl_result_free(res);
	ret = gv_nl_parse_result(tb, res);
	if (ret) {
		gv_nl_result_free(res);
		return ret;
	}
	res->received = true;
	return 0;
}

static int switch_reply(const struct nlattr **tb, void *arg)
{
	struct switch_arg *s = arg;

	return take_result(tb, s->res);
}

int gv_nl_switch(struct gv_nl *nl, const struct gv_nl_switch_req *req,
		 struct gv_nl_result *res)
{
	struct switch_arg s = { .req = req, .res = res };

	memset(res, 0, sizeof(*res));
	return gv_nl_request(nl, req->bind ? GPUVFIO_CMD_BIND : GPUVFIO_CMD_UNBIND,
			     0, put_switch, switch_reply, &s);
}

struct txn_arg {
	uint32_t txn;			/* first: put_txn's view */
	struct gv_nl_result *res;
};

static int put_txn(struct nl_msg *msg, void *arg)
{
	return nla_put_u32(msg, GPUVFIO_A_TXN, *(const uint32_t *)arg) ? -EMSGSIZE : 0;
}

static int txn_reply(const struct nlattr **tb, void *arg)
{
	struct txn_arg *t = arg;

	return take_result(tb, t->res);
}

int gv_nl_get_txn(struct gv_nl *nl, uint32_t txn, struct gv_nl_result *res)
{
	struct txn_arg t = { .txn = txn, .res = res };
	int ret;

	memset(res, 0, sizeof(*res));
	ret = gv_nl_request(nl, GPUVFIO_CMD_GET_TXN, 0, put_txn, txn_reply, &t);
	if (!ret && !res->received)
		ret = -EPROTO;	/* an ACK without a reply */
	if (ret) {
		gv_nl_result_free(res);
		memset(res, 0, sizeof(*res));
	}
	return ret;
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
