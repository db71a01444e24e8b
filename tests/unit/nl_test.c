// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink: extended-ACK parsing on hand-made messages, then the real
 * thing against the kernel's own "nlctrl" family (gpuvfio is not loaded
 * on the host): family resolution with its ops, a missing family, and a
 * request the kernel refuses with an extended ACK.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"
#include "test.h"

/* Builds messages into an aligned buffer. */
struct msg {
	union {
		struct nlmsghdr hdr;
		char bytes[4096];
	};
	size_t len;
};

static void *put(struct msg *m, const void *data, size_t len)
{
	void *p = m->bytes + m->len;

	memcpy(p, data, len);
	m->len += NLMSG_ALIGN(len);
	m->hdr.nlmsg_len = (uint32_t)m->len;
	return p;
}

static void put_attr(struct msg *m, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };
	char buf[2048] = { 0 };

	memcpy(buf, &a, sizeof(a));
	if (len)
		memcpy(buf + NLA_HDRLEN, data, len);
	put(m, buf, NLA_ALIGN(a.nla_len));
}

/* A gpuvfio request: nlmsghdr, genlmsghdr, GPUVFIO_A_VERSION, GPUVFIO_A_IDS. */
static void make_request(struct msg *req)
{
	struct nlmsghdr h = { .nlmsg_type = 0x20, .nlmsg_flags = NLM_F_REQUEST };
	struct genlmsghdr g = { .cmd = GPUVFIO_CMD_GET_CONFIG, .version = 1 };

	memset(req, 0, sizeof(*req));
	put(req, &h, sizeof(h));
	put(req, &g, sizeof(g));
	put_attr(req, GPUVFIO_A_VERSION, "1", 2);
	put_attr(req, GPUVFIO_A_IDS, "zz", 3);
}

/* The offset of the GPUVFIO_A_IDS attribute in the request. */
#define IDS_OFFSET (NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + 4)

static void make_error(struct msg *m, const struct msg *req, int error,
		       bool capped, const char *text, bool with_offset)
{
	struct nlmsghdr h = { .nlmsg_type = NLMSG_ERROR };
	struct nlmsgerr e = { .error = error };
	uint32_t off = IDS_OFFSET;

	memset(m, 0, sizeof(*m));
	h.nlmsg_flags = (capped ? NLM_F_CAPPED : 0) | (text || with_offset ? NLM_F_ACK_TLVS : 0);
	put(m, &h, sizeof(h));
	if (capped) {
		e.msg = req->hdr;
		put(m, &e, sizeof(e));
	} else {
		/* error, then the whole request */
		put(m, &e.error, sizeof(e.error));
		m->len -= NLMSG_ALIGN(sizeof(e.error));
		memcpy(m->bytes + m->len, &e.error, sizeof(e.error));
		memcpy(m->bytes + m->len + sizeof(e.error), req->bytes, req->len);
		m->len += NLMSG_ALIGN(sizeof(e.error) + req->len);
		m->hdr.nlmsg_len = (uint32_t)m->len;
	}
	if (text)
		put_attr(m, NLMSGERR_ATTR_MSG, text, (uint16_t)(strlen(text) + 1));
	if (with_offset)
		put_attr(m, NLMSGERR_ATTR_OFFS, &off, sizeof(off));
}

static void test_parse(void)
{
	struct msg req, m;
	struct gv_ext_ack ack;
	char buf[256];
	uint32_t miss = GPUVFIO_A_VERSION;

	make_request(&req);

	make_error(&m, &req, -EINVAL, true, "bad ids list", true);
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == 0 && ack.error == -EINVAL &&
	      ack.msg && !strcmp(ack.msg, "bad ids list") && ack.has_offset &&
	      ack.offset == IDS_OFFSET && ack.bad_attr == GPUVFIO_A_IDS,
	      "capped ACK: error, message, offset resolved to GPUVFIO_A_IDS");
	gv_nl_format_ext_ack(buf, sizeof(buf), &ack, gv_nl_attr_name);
	check_str(buf, "kernel reports: bad ids list (attribute GPUVFIO_A_IDS)",
		  "formatted as 'kernel reports: ...' naming the attribute");
	gv_nl_format_ext_ack(buf, sizeof(buf), &ack, NULL);
	check_str(buf, "kernel reports: bad ids list (attribute 2)",
		  "without names, the attribute's number");

	make_error(&m, &req, -EINVAL, false, "bad ids list", true);
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == 0 && ack.msg &&
	      !strcmp(ack.msg, "bad ids list") && ack.bad_attr == GPUVFIO_A_IDS,
	      "uncapped ACK: the echoed request is skipped to find the TLVs");

	make_error(&m, &req, -EINVAL, true, "bad ids list", true);
	check(gv_nl_parse_ext_ack(&m.hdr, NULL, &ack) == 0 && ack.bad_attr == -1 &&
	      ack.has_offset, "without the request, the offset stays unresolved");

	make_error(&m, &req, -EPERM, true, NULL, false);
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == 0 && ack.error == -EPERM &&
	      !ack.msg && ack.bad_attr == -1 && !ack.has_offset,
	      "plain error without TLVs");
	check(gv_nl_format_ext_ack(buf, sizeof(buf), &ack, gv_nl_attr_name) == 0 && !*buf,
	      "nothing to report: empty");

	make_error(&m, &req, 0, true, "deprecated, use X", false);
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == 0 && ack.error == 0 &&
	      ack.msg && !strcmp(ack.msg, "deprecated, use X"),
	      "success ACK with a warning message");

	make_error(&m, &req, -EINVAL, true, NULL, false);
	m.hdr.nlmsg_flags |= NLM_F_ACK_TLVS;
	put_attr(&m, NLMSGERR_ATTR_MISS_TYPE, &miss, sizeof(miss));
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == 0 &&
	      ack.missing_attr == GPUVFIO_A_VERSION, "missing attribute type");
	gv_nl_format_ext_ack(buf, sizeof(buf), &ack, gv_nl_attr_name);
	check_str(buf, "kernel reports: missing attribute GPUVFIO_A_VERSION",
		  "a missing attribute is named");

	/* Offsets pointing outside the request are not followed. */
	make_error(&m, &req, -EINVAL, true, "x", false);
	{
		uint32_t off = (uint32_t)req.len;

		put_attr(&m, NLMSGERR_ATTR_OFFS, &off, sizeof(off));
	}
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == 0 && ack.bad_attr == -1,
	      "an offset past the request is ignored");

	/* Malformed messages. */
	make_error(&m, &req, -EINVAL, true, "unterminated", false);
	m.bytes[m.len - 4 + 0] = 'x';	/* overwrite the NUL and padding */
	m.bytes[m.len - 4 + 1] = 'x';
	m.bytes[m.len - 4 + 2] = 'x';
	m.bytes[m.len - 4 + 3] = 'x';
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == 0 && !ack.msg,
	      "a message string without NUL is not taken");
	make_error(&m, &req, -EINVAL, true, "abc", false);
	{
		struct nlattr *a = (struct nlattr *)(m.bytes + m.len - NLA_ALIGN(NLA_HDRLEN + 4));

		a->nla_len = 200;
	}
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == 0 && !ack.msg,
	      "an attribute longer than the message is not read");
	make_error(&m, &req, -EINVAL, true, "abc", false);
	m.hdr.nlmsg_len = NLMSG_HDRLEN + 2;
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == -EINVAL,
	      "a truncated error message is refused");
	make_error(&m, &req, -EINVAL, false, "abc", false);
	((struct nlmsgerr *)(m.bytes + NLMSG_HDRLEN))->msg.nlmsg_len = 900;
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == -EINVAL,
	      "an echoed request longer than the message is refused");

	/* NLMSG_DONE ends a dump and carries its error. */
	memset(&m, 0, sizeof(m));
	{
		struct nlmsghdr h = { .nlmsg_type = NLMSG_DONE, .nlmsg_flags = NLM_F_ACK_TLVS };
		int32_t err = -EMSGSIZE;

		put(&m, &h, sizeof(h));
		put(&m, &err, sizeof(err));
		put_attr(&m, NLMSGERR_ATTR_MSG, "dump failed", 12);
	}
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == 0 && ack.error == -EMSGSIZE &&
	      ack.msg && !strcmp(ack.msg, "dump failed"),
	      "NLMSG_DONE: the dump's error and message");

	check(gv_nl_attr_name(GPUVFIO_A_MANAGED) && !strcmp(gv_nl_attr_name(GPUVFIO_A_MANAGED), "GPUVFIO_A_MANAGED") &&
	      !gv_nl_attr_name(0) && !gv_nl_attr_name(GPUVFIO_A_MAX + 1),
	      "attribute names: every known one, none for 0 or unknown");
}

/* Nests in a struct msg: the start's offset, then the length fixed up. */
static size_t nest_begin(struct msg *m, uint16_t type)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN, .nla_type = type | NLA_F_NESTED };
	size_t start = m->len;

	put(m, &a, sizeof(a));
	return start;
}

static void nest_end(struct msg *m, size_t start)
{
	struct nlattr *a = (struct nlattr *)(m->bytes + start);

	a->nla_len = (uint16_t)(m->len - start);
}

static void put_u16(struct msg *m, uint16_t type, uint16_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void put_u64(struct msg *m, uint16_t type, uint64_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void put_str(struct msg *m, uint16_t type, const char *s)
{
	put_attr(m, type, s, (uint16_t)(strlen(s) + 1));
}

static void genl_header(struct msg *m, uint8_t cmd)
{
	struct nlmsghdr h = { .nlmsg_type = 0x20 };
	struct genlmsghdr g = { .cmd = cmd, .version = 1 };

	memset(m, 0, sizeof(*m));
	put(m, &h, sizeof(h));
	put(m, &g, sizeof(g));
}

static void put_member(struct msg *m, const char *addr, uint32_t fate, bool times)
{
	size_t d = nest_begin(m, GPUVFIO_A_DEVICE);

	put_str(m, GPUVFIO_DEV_A_ADDR, addr);
	put_u16(m, GPUVFIO_DEV_A_VENDOR, 0x10de);
	put_u16(m, GPUVFIO_DEV_A_DEVICE, 0x1bb3);
	put_u32(m, GPUVFIO_DEV_A_CLASS, 0x030200);
	put_u32(m, GPUVFIO_DEV_A_GROUP, 12);
	put_str(m, GPUVFIO_DEV_A_DRIVER, "vfio-pci");
	put_u32(m, GPUVFIO_DEV_A_STATE, GPUVFIO_STATE_VFIO);
	put_attr(m, GPUVFIO_DEV_A_MANAGED, NULL, 0);
	put_str(m, GPUVFIO_DEV_A_ORIG_DRIVER, "nvidia");
	put_u32(m, GPUVFIO_DEV_A_ROLE, GPUVFIO_ROLE_TARGET);
	put_u32(m, GPUVFIO_DEV_A_FATE, fate);
	put_str(m, GPUVFIO_DEV_A_FROM_DRIVER, "nvidia");
	put_str(m, GPUVFIO_DEV_A_TO_DRIVER, "vfio-pci");
	put_u32(m, GPUVFIO_DEV_A_PROGRESS, GPUVFIO_PROGRESS_DONE);
	if (times) {
		put_u64(m, GPUVFIO_DEV_A_T_OVERRIDE_NS, 1000);
		put_u64(m, GPUVFIO_DEV_A_T_RELEASE_NS, 2000000);
		put_u64(m, GPUVFIO_DEV_A_T_ATTACH_NS, 3000000);
	}
	put_u32(m, 999, 1);	/* from a newer module: skipped */
	nest_end(m, d);
}

/* A bind reply: two members, the second without times. */
static void make_reply(struct msg *m)
{
	size_t mem;

	genl_header(m, GPUVFIO_CMD_BIND);
	put_u32(m, GPUVFIO_A_TXN, 42);
	put_u32(m, GPUVFIO_A_OUTCOME, GPUVFIO_OUTCOME_PENDING);
	put_u32(m, GPUVFIO_A_ERRNO, 0);
	put_str(m, GPUVFIO_A_MESSAGE, "waiting for snd_hda_intel");
	put_u64(m, GPUVFIO_A_ELAPSED_NS, 3000000000ull);
	put_str(m, GPUVFIO_A_WAIT_ADDR, "0000:01:00.1");
	put_str(m, GPUVFIO_A_WAIT_DRIVER, "snd_hda_intel");
	mem = nest_begin(m, GPUVFIO_A_MEMBERS);
	put_member(m, "0000:01:00.0", GPUVFIO_FATE_MOVE, true);
	put_member(m, "0000:01:00.1", GPUVFIO_FATE_MOVE, false);
	nest_end(m, mem);
}

static int parse_reply(struct msg *m, struct gv_nl_result *r)
{
	const struct nlattr *tb[GPUVFIO_A_MAX + 1];
	uint8_t cmd;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = gv_nl_parse_msg(&m->hdr, m->len, tb, &cmd);
	if (ret)
		return ret;
	return gv_nl_parse_result(tb, r);
}

static void test_replies(void)
{
	const struct nlattr *tb[GPUVFIO_A_MAX + 1];
	struct gv_nl_result r;
	struct gv_nl_group g;
	struct gv_config cfg;
	struct msg m;
	size_t i, mem, gn;
	int ret, bad = 0;

	make_reply(&m);
	ret = parse_reply(&m, &r);
	check(ret == 0 && r.has_txn && r.txn == 42 && r.outcome == GPUVFIO_OUTCOME_PENDING &&
	      !strcmp(r.message, "waiting for snd_hda_intel") && r.has_elapsed &&
	      r.elapsed_ns == 3000000000ull && !strcmp(r.wait_addr, "0000:01:00.1") &&
	      !strcmp(r.wait_driver, "snd_hda_intel"),
	      "a bind reply: txn, outcome, message, elapsed, what it waits on");
	check(r.nmembers == 2 && !strcmp(r.members[0].addr, "0000:01:00.0") &&
	      r.members[0].vendor == 0x10de && r.members[0].class == 0x030200 &&
	      r.members[0].group == 12 && r.members[0].managed &&
	      r.members[0].state == GPUVFIO_STATE_VFIO &&
	      r.members[0].role == GPUVFIO_ROLE_TARGET && r.members[0].fate == GPUVFIO_FATE_MOVE &&
	      !strcmp(r.members[0].from_driver, "nvidia") && !strcmp(r.members[0].to_driver, "vfio-pci") &&
	      r.members[0].has_t_release && r.members[0].t_release_ns == 2000000 &&
	      !r.members[1].has_t_release && !strcmp(r.members[1].addr, "0000:01:00.1"),
	      "its members, with their fields; times only where sent");
	gv_nl_result_free(&r);

	/* Every truncation of a good message is refused or read safely. */
	make_reply(&m);
	for (i = NLMSG_HDRLEN + GENL_HDRLEN; i < m.len; i++) {
		struct msg t = m;

		t.hdr.nlmsg_len = (uint32_t)i;
		ret = parse_reply(&t, &r);
		if (ret != 0 && ret != -EPROTO)
			bad++;
		gv_nl_result_free(&r);
	}
	check(!bad, "every truncation: parsed or -EPROTO, nothing else (ASan watches)");

	/* Wrong types. */
	genl_header(&m, GPUVFIO_CMD_BIND);
	put_u16(&m, GPUVFIO_A_OUTCOME, 1);
	check(parse_reply(&m, &r) == -EPROTO, "a u32 sent as u16: refused");
	gv_nl_result_free(&r);
	genl_header(&m, GPUVFIO_CMD_BIND);
	put_attr(&m, GPUVFIO_A_MESSAGE, "abc", 3);
	check(parse_reply(&m, &r) == -EPROTO, "a string without its NUL: refused");
	gv_nl_result_free(&r);
	genl_header(&m, GPUVFIO_CMD_BIND);
	mem = nest_begin(&m, GPUVFIO_A_MEMBERS);
	{
		size_t d = nest_begin(&m, GPUVFIO_A_DEVICE);

		put_u32(&m, GPUVFIO_DEV_A_FATE, 1);
		nest_end(&m, d);
	}
	nest_end(&m, mem);
	check(parse_reply(&m, &r) == -EPROTO, "a member without an address: refused");
	gv_nl_result_free(&r);
	genl_header(&m, GPUVFIO_CMD_BIND);
	mem = nest_begin(&m, GPUVFIO_A_MEMBERS);
	{
		size_t d = nest_begin(&m, GPUVFIO_A_DEVICE);

		put_str(&m, GPUVFIO_DEV_A_ADDR, "0000:01:00.0");
		put_u32(&m, GPUVFIO_DEV_A_VENDOR, 0x10de);	/* a u16 of 4 bytes */
		nest_end(&m, d);
	}
	nest_end(&m, mem);
	check(parse_reply(&m, &r) == -EPROTO, "a vendor id sent as u32: refused");
	gv_nl_result_free(&r);
	genl_header(&m, GPUVFIO_CMD_BIND);
	{
		char big[300];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		mem = nest_begin(&m, GPUVFIO_A_MEMBERS);
		{
			size_t d = nest_begin(&m, GPUVFIO_A_DEVICE);

			put_str(&m, GPUVFIO_DEV_A_ADDR, "0000:01:00.0");
			put_attr(&m, GPUVFIO_DEV_A_DRIVER, big, sizeof(big));
			nest_end(&m, d);
		}
		nest_end(&m, mem);
	}
	check(parse_reply(&m, &r) == -EPROTO, "a driver name longer than any: refused, not cut");
	gv_nl_result_free(&r);
	genl_header(&m, GPUVFIO_CMD_BIND);
	{
		char big[2000];

		memset(big, 'm', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		put_attr(&m, GPUVFIO_A_MESSAGE, big, 1000);
		big[999] = '\0';
	}
	check(parse_reply(&m, &r) == -EPROTO, "a message without NUL in its length: refused");
	gv_nl_result_free(&r);

	/* Garbage: an attribute longer than the message. */
	genl_header(&m, GPUVFIO_CMD_BIND);
	put_u32(&m, GPUVFIO_A_TXN, 1);
	((struct nlattr *)(m.bytes + NLMSG_HDRLEN + GENL_HDRLEN))->nla_len = 500;
	check(parse_reply(&m, &r) == -EPROTO, "an attribute longer than the message: refused");
	gv_nl_result_free(&r);
	genl_header(&m, GPUVFIO_CMD_BIND);
	m.hdr.nlmsg_len = 900;
	check(parse_reply(&m, &r) == -EPROTO, "nlmsg_len beyond the buffer: refused");
	gv_nl_result_free(&r);

	/* A group. */
	genl_header(&m, GPUVFIO_CMD_GET_GROUP);
	gn = nest_begin(&m, GPUVFIO_A_GROUP);
	put_u32(&m, GPUVFIO_GROUP_A_ID, 7);
	put_attr(&m, GPUVFIO_GROUP_A_VFIO_USER, NULL, 0);
	put_attr(&m, GPUVFIO_GROUP_A_BUSY, NULL, 0);
	nest_end(&m, gn);
	mem = nest_begin(&m, GPUVFIO_A_MEMBERS);
	put_member(&m, "0000:07:00.0", 0, false);
	nest_end(&m, mem);
	check(gv_nl_parse_msg(&m.hdr, m.len, tb, NULL) == 0 && gv_nl_parse_group(tb, &g) == 0 &&
	      g.id == 7 && !g.viable && g.vfio_user && g.busy && g.nmembers == 1 &&
	      !strcmp(g.members[0].addr, "0000:07:00.0"),
	      "a group: id, flags, members");
	gv_nl_group_free(&g);
	genl_header(&m, GPUVFIO_CMD_GET_GROUP);
	gn = nest_begin(&m, GPUVFIO_A_GROUP);
	put_u32(&m, GPUVFIO_GROUP_A_VIABLE, 1);
	put_u32(&m, GPUVFIO_GROUP_A_ID, 7);
	nest_end(&m, gn);
	check(gv_nl_parse_msg(&m.hdr, m.len, tb, NULL) == 0 && gv_nl_parse_group(tb, &g) == -EPROTO,
	      "a flag with a payload: refused");
	gv_nl_group_free(&g);

	/* The configuration. */
	genl_header(&m, GPUVFIO_CMD_GET_CONFIG);
	put_str(&m, GPUVFIO_A_VERSION, "1.2.3");
	put_str(&m, GPUVFIO_A_IDS, "10de:1bb3");
	put_u32(&m, GPUVFIO_A_MANAGED, 2);
	check(gv_nl_parse_msg(&m.hdr, m.len, tb, NULL) == 0 && gv_nl_parse_config(tb, &cfg) == 0 &&
	      !strcmp(cfg.version, "1.2.3") && !strcmp(cfg.ids, "10de:1bb3") && !*cfg.exclude &&
	      cfg.have_managed && cfg.managed == 2,
	      "the configuration");
	genl_header(&m, GPUVFIO_CMD_GET_CONFIG);
	put_str(&m, GPUVFIO_A_IDS, "10de:1bb3");
	check(gv_nl_parse_msg(&m.hdr, m.len, tb, NULL) == 0 && gv_nl_parse_config(tb, &cfg) == -EPROTO,
	      "a configuration without a version: refused");

	/* The module's counters (GPUVFIO_A_STATS); absent above: an older
	 * module. */
	check(!cfg.stats.have, "a configuration without GPUVFIO_A_STATS: no counters");
	genl_header(&m, GPUVFIO_CMD_GET_CONFIG);
	put_str(&m, GPUVFIO_A_VERSION, "1.2.3");
	gn = nest_begin(&m, GPUVFIO_A_STATS);
	put_u64(&m, GPUVFIO_STATS_A_BINDS, 3);
	put_u64(&m, GPUVFIO_STATS_A_ROLLBACKS_INCOMPLETE, 1ull << 40);
	put_u64(&m, GPUVFIO_STATS_A_DRY_RUNS, 9);
	put_u32(&m, GPUVFIO_STATS_A_RUNNING, 2);
	put_u32(&m, GPUVFIO_STATS_A_PENDING, 1);
	put_u64(&m, GPUVFIO_STATS_A_LAST_NS, 1500000000ull);
	put_u32(&m, GPUVFIO_STATS_A_LAST_OUTCOME, GPUVFIO_OUTCOME_ROLLED_BACK);
	put_u32(&m, 999, 1);	/* from a newer module: skipped */
	nest_end(&m, gn);
	check(gv_nl_parse_msg(&m.hdr, m.len, tb, NULL) == 0 && gv_nl_parse_config(tb, &cfg) == 0 &&
	      cfg.stats.have && cfg.stats.binds == 3 && cfg.stats.unbinds == 0 &&
	      cfg.stats.rollbacks_incomplete == 1ull << 40 && cfg.stats.dry_runs == 9 &&
	      cfg.stats.running == 2 && cfg.stats.pending == 1 && cfg.stats.have_last &&
	      cfg.stats.last_ns == 1500000000ull && cfg.stats.have_last_outcome &&
	      cfg.stats.last_outcome == GPUVFIO_OUTCOME_ROLLED_BACK,
	      "the module's counters");
	genl_header(&m, GPUVFIO_CMD_GET_CONFIG);
	put_str(&m, GPUVFIO_A_VERSION, "1.2.3");
	gn = nest_begin(&m, GPUVFIO_A_STATS);
	put_u32(&m, GPUVFIO_STATS_A_BINDS, 3);	/* a u64 of 4 bytes */
	nest_end(&m, gn);
	check(gv_nl_parse_msg(&m.hdr, m.len, tb, NULL) == 0 && gv_nl_parse_config(tb, &cfg) == -EPROTO &&
	      !cfg.stats.have, "a counter of the wrong size: refused");
	check(!strcmp(gv_nl_attr_name(GPUVFIO_A_STATS), "GPUVFIO_A_STATS"),
	      "GPUVFIO_A_STATS has its name");

	check(!strcmp(gv_nl_state_name(GPUVFIO_STATE_BINDING), "binding") &&
	      !strcmp(gv_nl_state_name(GPUVFIO_STATE_UNBINDING), "unbinding") &&
	      !strcmp(gv_nl_outcome_name(GPUVFIO_OUTCOME_ROLLED_BACK), "rolled_back") &&
	      !strcmp(gv_nl_event_name(GPUVFIO_EVENT_CLAIMED), "claimed") &&
	      !strcmp(gv_nl_fate_name(GPUVFIO_FATE_BLOCKS), "blocks") &&
	      !strcmp(gv_nl_role_name(GPUVFIO_ROLE_COMPANION), "companion") &&
	      !strcmp(gv_nl_progress_name(GPUVFIO_PROGRESS_ROLLED_BACK), "rolled_back") &&
	      !gv_nl_state_name(0) && !gv_nl_state_name(__GPUVFIO_STATE_MAX) &&
	      !gv_nl_event_name(1000),
	      "enum names, none for 0 or values this version does not know");
}

/* A GET_TXN reply: a bind whose rollback left the audio function
 * stranded. */
static void test_get_txn(void)
{
	struct gv_nl_result r, c;
	struct msg m;
	size_t mem, d;
	uint8_t cmd = 0;
	const struct nlattr *tb[GPUVFIO_A_MAX + 1];

	genl_header(&m, GPUVFIO_CMD_GET_TXN);
	put_u32(&m, GPUVFIO_A_TXN, 77);
	put_u32(&m, GPUVFIO_A_OUTCOME, GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE);
	put_u32(&m, GPUVFIO_A_ERRNO, EIO);
	put_str(&m, GPUVFIO_A_MESSAGE, "vfio-pci probe failed; 0000:01:00.1 could not be given back");
	put_u64(&m, GPUVFIO_A_ELAPSED_NS, 12000000);
	mem = nest_begin(&m, GPUVFIO_A_MEMBERS);
	put_member(&m, "0000:01:00.0", GPUVFIO_FATE_MOVE, true);
	d = nest_begin(&m, GPUVFIO_A_DEVICE);
	put_str(&m, GPUVFIO_DEV_A_ADDR, "0000:01:00.1");
	put_u32(&m, GPUVFIO_DEV_A_FATE, GPUVFIO_FATE_MOVE);
	put_str(&m, GPUVFIO_DEV_A_FROM_DRIVER, "snd_hda_intel");
	put_str(&m, GPUVFIO_DEV_A_TO_DRIVER, "vfio-pci");
	put_u32(&m, GPUVFIO_DEV_A_PROGRESS, GPUVFIO_PROGRESS_STRANDED);
	put_u32(&m, GPUVFIO_DEV_A_ERRNO, EIO);
	nest_end(&m, d);
	nest_end(&m, mem);
	check(gv_nl_parse_msg(&m.hdr, m.len, tb, &cmd) == 0 && cmd == GPUVFIO_CMD_GET_TXN &&
	      gv_nl_parse_result(tb, &r) == 0 && r.event == 0 && r.has_txn && r.txn == 77 &&
	      r.outcome == GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE && r.err == EIO &&
	      !strcmp(r.message, "vfio-pci probe failed; 0000:01:00.1 could not be given back") &&
	      r.nmembers == 2 && r.members[1].progress == GPUVFIO_PROGRESS_STRANDED &&
	      r.members[1].err == EIO && !strcmp(r.members[1].from_driver, "snd_hda_intel"),
	      "a GET_TXN reply: the bind reply's attributes, a stranded member");
	check(gv_nl_result_copy(&c, &r) == 0 && c.nmembers == 2 && c.members != r.members &&
	      !strcmp(c.members[1].addr, "0000:01:00.1") && c.txn == 77,
	      "a result copied, with its own members");
	gv_nl_result_free(&c);
	gv_nl_result_free(&r);

	genl_header(&m, GPUVFIO_CMD_GET_TXN);
	put_u32(&m, GPUVFIO_A_TXN, 78);
	put_u32(&m, GPUVFIO_A_OUTCOME, GPUVFIO_OUTCOME_RUNNING);
	check(parse_reply(&m, &r) == 0 && r.outcome == GPUVFIO_OUTCOME_RUNNING && !r.nmembers &&
	      !r.members,
	      "a RUNNING report: no members yet");
	gv_nl_result_free(&r);

	check(!strcmp(gv_nl_outcome_name(GPUVFIO_OUTCOME_RUNNING), "running") &&
	      !strcmp(gv_nl_outcome_name(GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE), "rollback_incomplete") &&
	      !strcmp(gv_nl_event_name(GPUVFIO_EVENT_ROLLBACK_INCOMPLETE), "rollback_incomplete") &&
	      !strcmp(gv_nl_event_name(GPUVFIO_EVENT_REFUSED), "refused") &&
	      !strcmp(gv_nl_progress_name(GPUVFIO_PROGRESS_STRANDED), "stranded") &&
	      !strcmp(gv_nl_cmd_name(GPUVFIO_CMD_GET_TXN), "GPUVFIO_CMD_GET_TXN"),
	      "the new names: running, rollback_incomplete, refused, stranded, GPUVFIO_CMD_GET_TXN");
}

/* Every value the header defines has a name: a value added to the UAPI
 * without its word fails here. */
static void test_every_name(void)
{
	unsigned int v, missing = 0;

	for (v = 1; v <= GPUVFIO_CMD_MAX; v++)
		missing += !gv_nl_cmd_name(v);
	for (v = 1; v <= GPUVFIO_A_MAX; v++)
		missing += !gv_nl_attr_name((int)v);
	for (v = 1; v <= GPUVFIO_DEV_A_MAX; v++)
		missing += !gv_nl_dev_attr_name((int)v);
	for (v = 1; v <= GPUVFIO_GROUP_A_MAX; v++)
		missing += !gv_nl_group_attr_name((int)v);
	for (v = 1; v <= GPUVFIO_STATE_MAX; v++)
		missing += !gv_nl_state_name(v);
	for (v = 1; v <= GPUVFIO_ROLE_MAX; v++)
		missing += !gv_nl_role_name(v);
	for (v = 1; v <= GPUVFIO_FATE_MAX; v++)
		missing += !gv_nl_fate_name(v);
	for (v = 1; v <= GPUVFIO_PROGRESS_MAX; v++)
		missing += !gv_nl_progress_name(v);
	for (v = 1; v <= GPUVFIO_OUTCOME_MAX; v++)
		missing += !gv_nl_outcome_name(v);
	for (v = 1; v <= GPUVFIO_EVENT_MAX; v++)
		missing += !gv_nl_event_name(v);
	check(!missing, "every command, attribute and enum value of the header has a name (%u missing)",
	      missing);
	check(!gv_nl_outcome_name(GPUVFIO_OUTCOME_MAX + 1) && !gv_nl_event_name(GPUVFIO_EVENT_MAX + 1) &&
	      !gv_nl_progress_name(GPUVFIO_PROGRESS_MAX + 1) && !gv_nl_cmd_name(GPUVFIO_CMD_MAX + 1),
	      "and none past the last");
}

/* A bind request with three targets; the kernel points at the second. */
static void test_nested_ack(void)
{
	struct msg req, m;
	struct gv_ext_ack ack;
	char buf[256];
	size_t nest, second;
	uint32_t off, miss = GPUVFIO_A_TARGET;

	genl_header(&req, GPUVFIO_CMD_BIND);
	req.hdr.nlmsg_flags = NLM_F_REQUEST;
	nest = nest_begin(&req, GPUVFIO_A_TARGETS);
	put_str(&req, GPUVFIO_A_TARGET, "0000:01:00.0");
	second = req.len;
	put_str(&req, GPUVFIO_A_TARGET, "0000:02:00.0");
	put_str(&req, GPUVFIO_A_TARGET, "0000:03:00.0");
	nest_end(&req, nest);
	put_u32(&req, GPUVFIO_A_TIMEOUT_MS, 0);

	make_error(&m, &req, -EINVAL, true, "no such device", false);
	off = (uint32_t)second;
	put_attr(&m, NLMSGERR_ATTR_OFFS, &off, sizeof(off));
	check(gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack) == 0 && ack.bad_attr == GPUVFIO_A_TARGET &&
	      ack.bad_parent == GPUVFIO_A_TARGETS && ack.bad_index == 2,
	      "an offset inside a nest: the attribute, its nest and its position");
	gv_nl_format_ext_ack(buf, sizeof(buf), &ack, gv_nl_attr_name);
	check_str(buf, "kernel reports: no such device (attribute GPUVFIO_A_TARGET #2 in GPUVFIO_A_TARGETS)",
		  "a nested attribute is named with its nest");

	make_error(&m, &req, -ENODEV, true, "gpuvfio: no device 0000:02:00.0", false);
	off = (uint32_t)second;
	put_attr(&m, NLMSGERR_ATTR_OFFS, &off, sizeof(off));
	gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack);
	gv_nl_format_ext_ack(buf, sizeof(buf), &ack, gv_nl_attr_name);
	check_str(buf, "kernel reports: no device 0000:02:00.0 (attribute GPUVFIO_A_TARGET #2 in GPUVFIO_A_TARGETS)",
		  "the module's own \"gpuvfio: \" prefix is not repeated");

	make_error(&m, &req, -ERANGE, true, "out of range", false);
	off = (uint32_t)(req.len - NLA_HDRLEN - 4);
	put_attr(&m, NLMSGERR_ATTR_OFFS, &off, sizeof(off));
	gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack);
	gv_nl_format_ext_ack(buf, sizeof(buf), &ack, gv_nl_attr_name);
	check_str(buf, "kernel reports: out of range (attribute GPUVFIO_A_TIMEOUT_MS)",
		  "a top-level attribute: GPUVFIO_A_TIMEOUT_MS");

	make_error(&m, &req, -EINVAL, true, NULL, false);
	m.hdr.nlmsg_flags |= NLM_F_ACK_TLVS;
	put_attr(&m, NLMSGERR_ATTR_MISS_TYPE, &miss, sizeof(miss));
	off = (uint32_t)nest;
	put_attr(&m, NLMSGERR_ATTR_MISS_NEST, &off, sizeof(off));
	gv_nl_parse_ext_ack(&m.hdr, &req.hdr, &ack);
	gv_nl_format_ext_ack(buf, sizeof(buf), &ack, gv_nl_attr_name);
	check_str(buf, "kernel reports: missing attribute GPUVFIO_A_TARGET in GPUVFIO_A_TARGETS",
		  "a missing attribute in a nest");

	check(!strcmp(gv_nl_attr_name(GPUVFIO_A_TIMEOUT_MS), "GPUVFIO_A_TIMEOUT_MS") &&
	      !strcmp(gv_nl_attr_name(GPUVFIO_A_PAD), "GPUVFIO_A_PAD") &&
	      !strcmp(gv_nl_dev_attr_name(GPUVFIO_DEV_A_T_ATTACH_NS), "GPUVFIO_DEV_A_T_ATTACH_NS") &&
	      !strcmp(gv_nl_group_attr_name(GPUVFIO_GROUP_A_BUSY), "GPUVFIO_GROUP_A_BUSY") &&
	      !strcmp(gv_nl_cmd_name(GPUVFIO_CMD_SET_CONFIG), "GPUVFIO_CMD_SET_CONFIG") &&
	      !gv_nl_dev_attr_name(GPUVFIO_DEV_A_MAX + 1) && !gv_nl_cmd_name(0),
	      "names for every attribute set and command");
}

static void test_live(void)
{
	char out[4096], err[4096];
	struct gv_nl *nl;
	int ret;

	ret = gv_nl_open_family(&nl, "nlctrl");
	if (ret == -EPROTONOSUPPORT || ret == -EPERM || ret == -EACCES) {
		skip("no generic netlink here", "live netlink checks");
		return;
	}
	check(ret == 0 && gv_nl_family_id(nl) == GENL_ID_CTRL &&
	      gv_nl_has_op(nl, CTRL_CMD_GETFAMILY) && !gv_nl_has_op(nl, 200),
	      "resolves nlctrl: its id and its ops");
	gv_nl_close(nl);

	ret = gv_nl_open_family(&nl, "gpuvfio-none");
	check(ret == -ENOENT && !nl, "a family that is not registered: -ENOENT");

	/* A family name longer than GENL_NAMSIZ fails the kernel's policy,
	 * and the kernel says why in an extended ACK. */
	capture_begin();
	ret = gv_nl_open_family(&nl, "a-family-name-far-too-long-for-genl");
	capture_end(out, sizeof(out), err, sizeof(err));
	check(ret < 0 && ret != -ENOENT, "an over-long name is refused (%s)", strerror(-ret));
	check_contains(err, "gpuvfio: kernel reports: ", "the kernel's reason is printed");
	check_contains(err, "(attribute 2)", "pointing at CTRL_ATTR_FAMILY_NAME (2)");
}

int main(void)
{
	test_parse();
	test_replies();
	test_get_txn();
	test_every_name();
	test_nested_ack();
	test_live();
	return test_done();
}
