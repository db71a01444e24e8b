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
		char bytes[1024];
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
	char buf[256] = { 0 };

	memcpy(buf, &a, sizeof(a));
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
	test_live();
	return test_done();
}
