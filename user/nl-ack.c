// SPDX-License-Identifier: GPL-2.0
/*
 * Extended ACKs: the kernel's reason for an error in words, and where in
 * the request it points. libnl 3.7 has no helper for them, so they are
 * parsed here, once, as pure functions over the message (unit-tested and
 * fuzzed); nl.c calls them for every ACK it receives.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>

#include "nl-internal.h"
#include "nl.h"

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
const char *gv_nl_unprefixed(const char *msg)
{
	static const char prefix[] = GPUVFIO_GENL_NAME ": ";

	if (msg && !strncmp(msg, prefix, sizeof(prefix) - 1))
		return msg + sizeof(prefix) - 1;
	return msg;
}

int gv_nl_format_ext_ack(char *buf, size_t size, const struct gv_ext_ack *ack,
			 const char *(*attr_name)(int type))
{
	const char *msg = gv_nl_unprefixed(ack->msg);
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
