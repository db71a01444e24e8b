// SPDX-License-Identifier: GPL-2.0
/*
 * nl-malformed: sends the gpuvfio generic netlink family malformed requests
 * and checks that each is rejected with the right errno and, where the
 * kernel can give one, an extended ACK: a message (NLMSGERR_ATTR_MSG) and a
 * pointer to the offending attribute (NLMSGERR_ATTR_OFFS, or
 * NLMSGERR_ATTR_MISS_TYPE for a missing one).
 *
 *   nl-malformed [--target ADDR]     as root: every malformed case, plus
 *                                    well-formed controls (reads, dry runs,
 *                                    GET_TXN of a dry run, joining "events")
 *   nl-malformed --unpriv [--target ADDR]
 *                                    as an unprivileged user (neither
 *                                    CAP_NET_ADMIN nor CAP_SYS_ADMIN): every
 *                                    change, and GET_TXN, gets generic
 *                                    netlink's bare EPERM (GENL_ADMIN_PERM),
 *                                    "events" cannot be joined, reads work
 *   nl-malformed --no-sys-admin [--target ADDR]
 *                                    with CAP_NET_ADMIN but not
 *                                    CAP_SYS_ADMIN: every change, and
 *                                    GET_TXN, gets gpuvfio's own EPERM,
 *                                    with a message;
 *                                    "events" cannot be joined, reads work
 *
 * ADDR is a device whose group holds only its own card (default: the first
 * display controller in sysfs); requests name it, with the dry-run flag set,
 * so that a defect the kernel failed to see would still change nothing.
 *
 * One line per case, "ok - ..." or "FAIL - ..." with "#" detail lines, as
 * tests/guest/lib.sh prints them (the calling script relays them); exit
 * status 1 when a case failed, 2 when the test could not run.
 *
 * Rejections that generic netlink makes before the family sees the request
 * (unknown command, dump of a do-only command, short header, reserved
 * field, missing capability) carry no message: only the errno is checked.
 * The version field of the genl header is not checked by generic netlink,
 * so nothing is expected of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <dirent.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "uapi/linux/gpuvfio.h"

#define MSG_SIZE	16384
#define NONE		(-1L)

struct msg {
	union {
		struct nlmsghdr nlh;
		unsigned char buf[MSG_SIZE];
	};
	size_t len;
};

/* What came back. */
struct answer {
	int error;		/* 0 or -errno; 1: no answer */
	unsigned int replies;	/* messages of the family before the end */
	bool has_msg;
	char msg[256];
	bool has_offs;
	uint32_t offs;
	bool has_miss;
	uint32_t miss_type;
	/* GET_CONFIG replies */
	char ids[GPUVFIO_LIST_MAX];
	char exclude[GPUVFIO_LIST_MAX];
	bool has_version;
	/* BIND, UNBIND and GET_TXN replies */
	bool has_txn, has_outcome;
	uint32_t txn, outcome;
};

/* What a case expects. */
struct expect {
	int err[4];		/* acceptable errnos (positive), 0-terminated;
				 * none: success */
	bool need_msg;
	long at[3];		/* acceptable NLMSGERR_ATTR_OFFS, NONE-padded */
	int miss[3];		/* acceptable NLMSGERR_ATTR_MISS_TYPE, 0-padded */
	unsigned int min_replies;
	bool bare_only;		/* no message and no pointer either (what
				 * generic netlink itself answers) */
};

static int sock = -1;
static uint16_t family;
static uint32_t events_group;	/* the "events" multicast group's id */
static uint32_t seq = 1000;
static unsigned int passed, failed;

static char target[64];
static long group_id = -1;
static char cur_ids[GPUVFIO_LIST_MAX], cur_exclude[GPUVFIO_LIST_MAX];

/* ---- reporting ------------------------------------------------------------ */

static void __attribute__((format(printf, 2, 3))) report(bool ok, const char *fmt, ...)
{
	va_list ap;

	fputs(ok ? "ok - " : "FAIL - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static void __attribute__((format(printf, 1, 2))) detail(const char *fmt, ...)
{
	va_list ap;

	fputs("#   ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static const char *errname(int err)
{
	static char buf[32];
	const char *n;

	if (err == 0)
		return "success";
	if (err == 1)
		return "no answer";
	n = strerrorname_np(-err);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "error %d", err);
	return buf;
}

/* ---- building requests ------------------------------------------------------ */

static void msg_init(struct msg *m, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_type = family;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	g = NLMSG_DATA(&m->nlh);
	g->cmd = cmd;
	g->version = GPUVFIO_GENL_VERSION;
}

static struct genlmsghdr *genl_of(struct msg *m)
{
	return NLMSG_DATA(&m->nlh);
}

/* An attribute with nla_len declared as hdr + declared (which may lie)
 * and len bytes of data; returns its offset in the message. */
static long put_attr_raw(struct msg *m, uint16_t type, uint16_t declared,
			 const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)(m->buf + m->len);
	long off = (long)m->len;

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > MSG_SIZE) {
		fprintf(stderr, "nl-malformed: message too big\n");
		exit(2);
	}
	nla->nla_type = type;
	nla->nla_len = (uint16_t)(NLA_HDRLEN + declared);
	if (len)
		memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	return off;
}

static long put_attr(struct msg *m, uint16_t type, const void *data, size_t len)
{
	return put_attr_raw(m, type, (uint16_t)len, data, len);
}

static long put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	return put_attr(m, type, &v, sizeof(v));
}

static long put_str(struct msg *m, uint16_t type, const char *s)
{
	return put_attr(m, type, s, strlen(s) + 1);
}

static long nest_start(struct msg *m, uint16_t type)
{
	return put_attr(m, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct msg *m, long off)
{
	struct nlattr *nla = (struct nlattr *)(m->buf + off);

	nla->nla_len = (uint16_t)(m->len - (size_t)off);
}

/* A string of n characters (plus the NUL), repeating pattern. */
static char *long_string(size_t n, const char *pattern)
{
	size_t i, p = strlen(pattern);
	char *s = malloc(n + 1);

	if (!s)
		exit(2);
	for (i = 0; i < n; i++)
		s[i] = pattern[i % p];
	s[n] = '\0';
	return s;
}

/* What the base request of each command holds; a case leaves parts out. */
enum {
	OMIT_TARGETS	= 1 << 0,
	OMIT_FLAGS	= 1 << 1,
	OMIT_IDS	= 1 << 2,
	OMIT_EXCLUDE	= 1 << 3,
	OMIT_ADDR	= 1 << 4,
	OMIT_GROUP	= 1 << 5,
	OMIT_TXN	= 1 << 6,
};

/* A transaction id that is never handed out in a test boot. */
#define NO_TXN		0xfffffff0U

/* Offsets in the base request, for the cases that point into it. */
struct base {
	long targets, target, flags, ids, exclude, addr, group, txn;
};

/*
 * The well-formed request each case starts from: bind and unbind name the
 * target as a dry run; set-config sets the lists they already have; the
 * do-only reads name the target and its group; GET_TXN names an unknown
 * transaction.
 */
static void put_base(struct msg *m, uint8_t cmd, uint16_t flags, unsigned int omit,
		     struct base *b)
{
	struct base dummy;

	if (!b)
		b = &dummy;
	memset(b, 0xff, sizeof(*b));	/* NONE everywhere */
	msg_init(m, cmd, flags);
	switch (cmd) {
	case GPUVFIO_CMD_SET_CONFIG:
		if (!(omit & OMIT_IDS))
			b->ids = put_str(m, GPUVFIO_A_IDS, cur_ids);
		if (!(omit & OMIT_EXCLUDE))
			b->exclude = put_str(m, GPUVFIO_A_EXCLUDE, cur_exclude);
		break;
	case GPUVFIO_CMD_GET_DEVICE:
		if (!(flags & NLM_F_DUMP) && !(omit & OMIT_ADDR))
			b->addr = put_str(m, GPUVFIO_A_ADDR, target);
		break;
	case GPUVFIO_CMD_GET_GROUP:
		if (!(flags & NLM_F_DUMP) && !(omit & OMIT_GROUP))
			b->group = put_u32(m, GPUVFIO_A_GROUP_ID, (uint32_t)group_id);
		break;
	case GPUVFIO_CMD_GET_TXN:
		/* An id no transaction has: the module never gets that far. */
		if (!(omit & OMIT_TXN))
			b->txn = put_u32(m, GPUVFIO_A_TXN, NO_TXN);
		break;
	case GPUVFIO_CMD_BIND:
	case GPUVFIO_CMD_UNBIND:
		if (!(omit & OMIT_TARGETS)) {
			b->targets = nest_start(m, GPUVFIO_A_TARGETS);
			b->target = put_str(m, GPUVFIO_A_TARGET, target);
			nest_end(m, b->targets);
		}
		if (!(omit & OMIT_FLAGS))
			b->flags = put_u32(m, GPUVFIO_A_FLAGS, GPUVFIO_F_DRY_RUN);
		break;
	}
}

/* ---- talking to the kernel -------------------------------------------------- */

static void parse_tlvs(const unsigned char *p, const unsigned char *end,
		       struct answer *a)
{
	const struct nlattr *nla;
	size_t n;

	while (p + NLA_HDRLEN <= end) {
		nla = (const struct nlattr *)p;
		if (nla->nla_len < NLA_HDRLEN || p + nla->nla_len > end)
			break;
		n = nla->nla_len - NLA_HDRLEN;
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			a->has_msg = true;
			if (n >= sizeof(a->msg))
				n = sizeof(a->msg) - 1;
			memcpy(a->msg, p + NLA_HDRLEN, n);
			a->msg[n] = '\0';
			a->msg[strcspn(a->msg, "\n")] = '\0';
			break;
		case NLMSGERR_ATTR_OFFS:
			if (n >= 4) {
				a->has_offs = true;
				memcpy(&a->offs, p + NLA_HDRLEN, 4);
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (n >= 4) {
				a->has_miss = true;
				memcpy(&a->miss_type, p + NLA_HDRLEN, 4);
			}
			break;
		}
		p += NLA_ALIGN(nla->nla_len);
	}
}

/* Copies a GET_CONFIG reply's lists. */
static void parse_config(const struct nlmsghdr *nlh, struct answer *a)
{
	const unsigned char *p = (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	const unsigned char *end = (const unsigned char *)nlh + nlh->nlmsg_len;
	const struct nlattr *nla;
	size_t n;
	char *dst;

	while (p + NLA_HDRLEN <= end) {
		nla = (const struct nlattr *)p;
		if (nla->nla_len < NLA_HDRLEN || p + nla->nla_len > end)
			break;
		n = nla->nla_len - NLA_HDRLEN;
		dst = NULL;
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case GPUVFIO_A_IDS:
			dst = a->ids;
			break;
		case GPUVFIO_A_EXCLUDE:
			dst = a->exclude;
			break;
		case GPUVFIO_A_VERSION:
			a->has_version = true;
			break;
		case GPUVFIO_A_TXN:
			if (n >= 4) {
				a->has_txn = true;
				memcpy(&a->txn, p + NLA_HDRLEN, 4);
			}
			break;
		case GPUVFIO_A_OUTCOME:
			if (n >= 4) {
				a->has_outcome = true;
				memcpy(&a->outcome, p + NLA_HDRLEN, 4);
			}
			break;
		}
		if (dst && n) {
			if (n > GPUVFIO_LIST_MAX)
				n = GPUVFIO_LIST_MAX;
			memcpy(dst, p + NLA_HDRLEN, n);
			dst[n - 1] = '\0';
		}
		p += NLA_ALIGN(nla->nla_len);
	}
}

/*
 * Sends m (m->nlh.nlmsg_len is set from m->len unless already set) and reads
 * until its ACK, or for a dump its NLMSG_DONE.
 */
static void exchange(struct msg *m, struct answer *a)
{
	static unsigned char buf[65536];
	const struct nlmsghdr *nlh;
	const struct nlmsgerr *e;
	const unsigned char *tlv;
	ssize_t n;
	int left;

	memset(a, 0, sizeof(*a));
	a->error = 1;
	if (!m->nlh.nlmsg_len)
		m->nlh.nlmsg_len = (uint32_t)m->len;
	m->nlh.nlmsg_seq = ++seq;
	if (send(sock, m->buf, m->len, 0) < 0) {
		a->error = -errno;
		return;
	}
	for (;;) {
		n = recv(sock, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;		/* timeout: no answer */
		}
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				e = NLMSG_DATA(nlh);
				a->error = e->error;
				tlv = (const unsigned char *)(e + 1);
				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					tlv += e->msg.nlmsg_len - NLMSG_HDRLEN;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					parse_tlvs(tlv, (const unsigned char *)nlh +
						   nlh->nlmsg_len, a);
				return;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *err = NLMSG_DATA(nlh);

				a->error = nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ?
					   *err : 0;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					parse_tlvs((const unsigned char *)(err + 1),
						   (const unsigned char *)nlh +
						   nlh->nlmsg_len, a);
				return;
			}
			if (nlh->nlmsg_type == family) {
				a->replies++;
				parse_config(nlh, a);
			}
		}
	}
}

static bool in_list_l(const long *v, size_t n, long x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] != NONE && v[i] == x)
			return true;
	return false;
}

static bool in_list_i(const int *v, size_t n, int x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] && v[i] == x)
			return true;
	return false;
}

/* Sends m and judges the answer against x; desc names the case. */
static bool expect(struct msg *m, const struct expect *x, struct answer *out,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool expect(struct msg *m, const struct expect *x, struct answer *out,
		   const char *fmt, ...)
{
	struct answer local, *a = out ? out : &local;
	bool want_ptr = x->at[0] != NONE || x->miss[0];
	bool ok_err, ok_msg, ok_ptr, ok_replies, ok_bare, ok;
	char desc[512], got[512], want[256];
	size_t i, len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);

	exchange(m, a);
	if (x->err[0])
		ok_err = a->error < 0 && in_list_i(x->err, 4, -a->error);
	else
		ok_err = a->error == 0;
	ok_msg = !x->need_msg || (a->has_msg && *a->msg);
	ok_ptr = !want_ptr ||
		 (a->has_offs && in_list_l(x->at, 3, (long)a->offs)) ||
		 (a->has_miss && in_list_i(x->miss, 3, (int)a->miss_type));
	ok_replies = a->replies >= x->min_replies;
	ok_bare = !x->bare_only || (!a->has_msg && !a->has_offs && !a->has_miss);
	ok = ok_err && ok_msg && ok_ptr && ok_replies && ok_bare;

	len = (size_t)snprintf(got, sizeof(got), "%s", errname(a->error));
	if (a->has_msg && len < sizeof(got))
		len += (size_t)snprintf(got + len, sizeof(got) - len, ", \"%s\"", a->msg);
	if (a->has_offs && len < sizeof(got))
		len += (size_t)snprintf(got + len, sizeof(got) - len, ", offset %u", a->offs);
	if (a->has_miss && len < sizeof(got))
		len += (size_t)snprintf(got + len, sizeof(got) - len, ", missing attribute %u",
					a->miss_type);
	if (x->min_replies && len < sizeof(got))
		snprintf(got + len, sizeof(got) - len, ", %u replies", a->replies);

	report(ok, "%s (%s)", desc, got);
	if (!ok) {
		len = 0;
		want[0] = '\0';
		for (i = 0; i < 4 && x->err[i] && len < sizeof(want); i++)
			len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%s",
						i ? " or " : "", errname(-x->err[i]));
		detail("expected: %s%s%s%s", x->err[0] ? want : "success",
		       x->need_msg ? ", with an extended-ACK message" : "",
		       want_ptr ? ", pointing at the attribute" : "",
		       x->bare_only ? ", without a message or a pointer" : "");
		if (want_ptr) {
			for (i = 0; i < 3; i++)
				if (x->at[i] != NONE)
					detail("acceptable offset: %ld", x->at[i]);
			for (i = 0; i < 3; i++)
				if (x->miss[i])
					detail("acceptable missing attribute: %d", x->miss[i]);
		}
		if (x->min_replies)
			detail("expected at least %u replies", x->min_replies);
	}
	return ok;
}

/* Shorthands for the common expectations. */
static struct expect rejected(int err, long at)
{
	struct expect x = { .err = { err }, .need_msg = true,
			    .at = { at, NONE, NONE } };
	return x;
}

static struct expect rejected2(int err1, int err2, long at1, long at2)
{
	struct expect x = { .err = { err1, err2 }, .need_msg = true,
			    .at = { at1, at2, NONE } };
	return x;
}

static struct expect missing(int type1, int type2, long at)
{
	struct expect x = { .err = { EINVAL }, .need_msg = true,
			    .at = { at, NONE, NONE }, .miss = { type1, type2 } };
	return x;
}

/* Rejected by generic netlink itself: no message, no pointer. */
static struct expect bare(int err)
{
	struct expect x = { .err = { err }, .at = { NONE, NONE, NONE } };
	return x;
}

/* As bare(), and checked to carry neither. */
static struct expect bare_only(int err)
{
	struct expect x = { .err = { err }, .at = { NONE, NONE, NONE },
			    .bare_only = true };
	return x;
}

static struct expect success(unsigned int min_replies)
{
	struct expect x = { .at = { NONE, NONE, NONE }, .min_replies = min_replies };
	return x;
}

/* ---- setup ------------------------------------------------------------------ */

/* CTRL_ATTR_MCAST_GROUPS: a nest of groups, each a nest of a name and an id. */
static void find_events_group(const unsigned char *p, const unsigned char *end)
{
	const struct nlattr *grp, *nla;
	const unsigned char *q, *gend;
	bool named;
	uint32_t id;

	while (p + NLA_HDRLEN <= end) {
		grp = (const struct nlattr *)p;
		if (grp->nla_len < NLA_HDRLEN || p + grp->nla_len > end)
			return;
		named = false;
		id = 0;
		gend = p + grp->nla_len;
		for (q = p + NLA_HDRLEN; q + NLA_HDRLEN <= gend;
		     q += NLA_ALIGN(nla->nla_len)) {
			nla = (const struct nlattr *)q;
			if (nla->nla_len < NLA_HDRLEN || q + nla->nla_len > gend)
				break;
			if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_NAME)
				named = !strncmp((const char *)q + NLA_HDRLEN,
						 GPUVFIO_MCGRP_EVENTS,
						 nla->nla_len - NLA_HDRLEN);
			else if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_ID &&
				 nla->nla_len >= NLA_HDRLEN + 4)
				memcpy(&id, q + NLA_HDRLEN, 4);
		}
		if (named)
			events_group = id;
		p += NLA_ALIGN(grp->nla_len);
	}
}

static int resolve_family(void)
{
	static unsigned char buf[65536];
	struct msg m;
	const struct nlmsghdr *nlh;
	const unsigned char *p, *end;
	const struct nlattr *nla;
	ssize_t n;
	int left;

	memset(&m, 0, sizeof(m));
	m.nlh.nlmsg_type = GENL_ID_CTRL;
	m.nlh.nlmsg_flags = NLM_F_REQUEST;
	m.len = NLMSG_HDRLEN + GENL_HDRLEN;
	genl_of(&m)->cmd = CTRL_CMD_GETFAMILY;
	genl_of(&m)->version = 1;
	put_str(&m, CTRL_ATTR_FAMILY_NAME, GPUVFIO_GENL_NAME);
	m.nlh.nlmsg_len = (uint32_t)m.len;
	m.nlh.nlmsg_seq = ++seq;
	if (send(sock, m.buf, m.len, 0) < 0)
		return -errno;
	n = recv(sock, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	left = (int)n;
	for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
	     nlh = NLMSG_NEXT(nlh, left)) {
		if (nlh->nlmsg_type == NLMSG_ERROR)
			return ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
		if (nlh->nlmsg_type != GENL_ID_CTRL)
			continue;
		p = (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
		end = (const unsigned char *)nlh + nlh->nlmsg_len;
		while (p + NLA_HDRLEN <= end) {
			nla = (const struct nlattr *)p;
			if (nla->nla_len < NLA_HDRLEN || p + nla->nla_len > end)
				break;
			switch (nla->nla_type & NLA_TYPE_MASK) {
			case CTRL_ATTR_FAMILY_ID:
				memcpy(&family, p + NLA_HDRLEN, sizeof(family));
				break;
			case CTRL_ATTR_MCAST_GROUPS:
				find_events_group(p + NLA_HDRLEN, p + nla->nla_len);
				break;
			}
			p += NLA_ALIGN(nla->nla_len);
		}
		return family ? 0 : -ENOENT;
	}
	return -ENOENT;
}

static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The first display controller, when no target was given. */
static int find_target(void)
{
	char path[PATH_MAX], cls[32];
	struct dirent *de;
	DIR *d = opendir("/sys/bus/pci/devices");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", de->d_name);
		if (read_line(path, cls, sizeof(cls)) || strncmp(cls, "0x03", 4))
			continue;
		if (strlen(de->d_name) < sizeof(target) &&
		    (!*target || strcmp(de->d_name, target) < 0))
			strcpy(target, de->d_name);
	}
	closedir(d);
	return *target ? 0 : -1;
}

static void find_group(void)
{
	char path[PATH_MAX], link[PATH_MAX], *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", target);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return;
	link[n] = '\0';
	base = strrchr(link, '/');
	group_id = strtol(base ? base + 1 : link, NULL, 10);
}

/* ---- the cases ----------------------------------------------------------------- */

struct cmd_form {
	const char *name;
	uint8_t cmd;
	uint16_t flags;
};

static const struct cmd_form forms[] = {
	{ "GET_CONFIG", GPUVFIO_CMD_GET_CONFIG, 0 },
	{ "SET_CONFIG", GPUVFIO_CMD_SET_CONFIG, 0 },
	{ "GET_DEVICE", GPUVFIO_CMD_GET_DEVICE, 0 },
	{ "GET_DEVICE dump", GPUVFIO_CMD_GET_DEVICE, NLM_F_DUMP },
	{ "GET_GROUP", GPUVFIO_CMD_GET_GROUP, 0 },
	{ "GET_GROUP dump", GPUVFIO_CMD_GET_GROUP, NLM_F_DUMP },
	{ "BIND", GPUVFIO_CMD_BIND, 0 },
	{ "UNBIND", GPUVFIO_CMD_UNBIND, 0 },
	{ "GET_TXN", GPUVFIO_CMD_GET_TXN, 0 },
};
#define NFORMS (sizeof(forms) / sizeof(forms[0]))

/* An attribute of the top-level space that the command does not take. */
static uint16_t foreign_attr(uint8_t cmd)
{
	switch (cmd) {
	case GPUVFIO_CMD_GET_CONFIG:
		return GPUVFIO_A_IDS;
	case GPUVFIO_CMD_SET_CONFIG:
		return GPUVFIO_A_ADDR;
	case GPUVFIO_CMD_GET_DEVICE:
		return GPUVFIO_A_GROUP_ID;
	case GPUVFIO_CMD_GET_GROUP:
		return GPUVFIO_A_ADDR;
	default:
		return GPUVFIO_A_IDS;
	}
}

static void controls(const char *who)
{
	struct msg m;
	struct answer a;

	put_base(&m, GPUVFIO_CMD_GET_CONFIG, 0, 0, NULL);
	expect(&m, &(struct expect){ .at = { NONE, NONE, NONE }, .min_replies = 1 }, &a,
	       "%sGET_CONFIG is answered", who);
	put_base(&m, GPUVFIO_CMD_GET_DEVICE, NLM_F_DUMP, 0, NULL);
	expect(&m, &(struct expect){ .at = { NONE, NONE, NONE }, .min_replies = 1 }, NULL,
	       "%sGET_DEVICE dump lists devices", who);
	put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, 0, NULL);
	expect(&m, &(struct expect){ .at = { NONE, NONE, NONE }, .min_replies = 1 }, NULL,
	       "%sGET_DEVICE %s is answered", who, target);
	put_base(&m, GPUVFIO_CMD_GET_GROUP, NLM_F_DUMP, 0, NULL);
	expect(&m, &(struct expect){ .at = { NONE, NONE, NONE }, .min_replies = 1 }, NULL,
	       "%sGET_GROUP dump lists groups", who);
	if (group_id >= 0) {
		put_base(&m, GPUVFIO_CMD_GET_GROUP, 0, 0, NULL);
		expect(&m, &(struct expect){ .at = { NONE, NONE, NONE }, .min_replies = 1 },
		       NULL, "%sGET_GROUP %ld is answered", who, group_id);
	}
}

static void unknown_attributes(void)
{
	static const uint16_t types[] = { GPUVFIO_A_MAX + 1, 200, 0x3fff, 0 };
	struct msg m;
	struct expect x;
	size_t i, t;
	long at;

	for (i = 0; i < NFORMS; i++) {
		for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			put_base(&m, forms[i].cmd, forms[i].flags, 0, NULL);
			at = put_u32(&m, types[t], 0);
			x = rejected(EINVAL, at);
			expect(&m, &x, NULL, "%s with attribute type %u is rejected",
			       forms[i].name, types[t]);
		}
		/* A reply-only attribute in a request. */
		put_base(&m, forms[i].cmd, forms[i].flags, 0, NULL);
		at = put_str(&m, GPUVFIO_A_MESSAGE, "hello");
		x = rejected(EINVAL, at);
		expect(&m, &x, NULL, "%s with the reply attribute GPUVFIO_A_MESSAGE is rejected",
		       forms[i].name);
		/* Another command's attribute: the policies are per command. */
		if (!(forms[i].flags & NLM_F_DUMP)) {
			uint16_t type = foreign_attr(forms[i].cmd);

			put_base(&m, forms[i].cmd, forms[i].flags, 0, NULL);
			at = type == GPUVFIO_A_GROUP_ID ? put_u32(&m, type, 1) :
			     put_str(&m, type, type == GPUVFIO_A_IDS ? "1234:1111" : target);
			x = rejected(EINVAL, at);
			expect(&m, &x, NULL, "%s with attribute %u, which it does not take, is rejected",
			       forms[i].name, type);
		}
	}
}

static void wrong_types(void)
{
	static const char addr_nonul[] = "0000:01:00.0";
	struct msg m;
	struct expect x;
	struct base b;
	uint64_t v64 = GPUVFIO_F_DRY_RUN;
	uint16_t v16 = GPUVFIO_F_DRY_RUN;
	long at, nest;

	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_FLAGS, NULL);
	at = put_attr(&m, GPUVFIO_A_FLAGS, &v16, sizeof(v16));
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "BIND with a 2-byte GPUVFIO_A_FLAGS is rejected");

	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_FLAGS, NULL);
	at = put_attr(&m, GPUVFIO_A_FLAGS, &v64, sizeof(v64));
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "BIND with an 8-byte GPUVFIO_A_FLAGS is rejected");

	put_base(&m, GPUVFIO_CMD_UNBIND, 0, 0, NULL);
	at = put_attr(&m, GPUVFIO_A_TIMEOUT_MS, &v16, sizeof(v16));
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "UNBIND with a 2-byte GPUVFIO_A_TIMEOUT_MS is rejected");

	put_base(&m, GPUVFIO_CMD_GET_GROUP, 0, OMIT_GROUP, NULL);
	at = put_attr(&m, GPUVFIO_A_GROUP_ID, &v64, sizeof(v64));
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "GET_GROUP with an 8-byte GPUVFIO_A_GROUP_ID is rejected");

	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_FLAGS, NULL);
	at = put_attr(&m, GPUVFIO_A_FLAGS | NLA_F_NESTED, &(uint32_t){ GPUVFIO_F_DRY_RUN }, 4);
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "BIND with GPUVFIO_A_FLAGS marked NLA_F_NESTED is rejected");

	put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, OMIT_ADDR, NULL);
	at = put_attr(&m, GPUVFIO_A_ADDR, addr_nonul, strlen(addr_nonul));
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "GET_DEVICE with a GPUVFIO_A_ADDR without its NUL is rejected");

	put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, OMIT_ADDR, NULL);
	at = put_attr(&m, GPUVFIO_A_ADDR, NULL, 0);
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "GET_DEVICE with an empty GPUVFIO_A_ADDR payload is rejected");

	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, OMIT_IDS, NULL);
	at = put_attr(&m, GPUVFIO_A_IDS, "1234:1111", 9);
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "SET_CONFIG with a GPUVFIO_A_IDS without its NUL is rejected");

	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, NULL);
	nest = nest_start(&m, GPUVFIO_A_TARGETS);
	at = put_attr(&m, GPUVFIO_A_TARGET, target, strlen(target));
	nest_end(&m, nest);
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "BIND with a GPUVFIO_A_TARGET without its NUL is rejected");

	/* TARGETS that is not a nest. */
	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, NULL);
	at = put_str(&m, GPUVFIO_A_TARGETS, target);
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "BIND with GPUVFIO_A_TARGETS as a string is rejected");

	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, NULL);
	nest = put_attr(&m, GPUVFIO_A_TARGETS, NULL, 0);	/* no NLA_F_NESTED */
	put_str(&m, GPUVFIO_A_TARGET, target);
	nest_end(&m, nest);
	x = rejected(EINVAL, nest);
	expect(&m, &x, NULL, "BIND with GPUVFIO_A_TARGETS lacking NLA_F_NESTED is rejected");

	put_base(&m, GPUVFIO_CMD_UNBIND, 0, OMIT_TARGETS, NULL);
	at = put_u32(&m, GPUVFIO_A_TARGETS, 1);
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "UNBIND with GPUVFIO_A_TARGETS as a u32 is rejected");

	/* Nests holding something other than targets. */
	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, &b);
	nest = nest_start(&m, GPUVFIO_A_TARGETS);
	put_str(&m, GPUVFIO_A_TARGET, target);
	at = put_str(&m, GPUVFIO_A_ADDR, target);
	nest_end(&m, nest);
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "BIND with a GPUVFIO_A_ADDR inside GPUVFIO_A_TARGETS is rejected");

	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, NULL);
	nest = nest_start(&m, GPUVFIO_A_TARGETS);
	put_str(&m, GPUVFIO_A_TARGET, target);
	at = put_u32(&m, 200, 0);
	nest_end(&m, nest);
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "BIND with attribute type 200 inside GPUVFIO_A_TARGETS is rejected");

	put_base(&m, GPUVFIO_CMD_UNBIND, 0, OMIT_TARGETS, NULL);
	nest = nest_start(&m, GPUVFIO_A_TARGETS);
	at = nest_start(&m, GPUVFIO_A_TARGET);
	put_str(&m, GPUVFIO_A_TARGET, target);
	nest_end(&m, at);
	nest_end(&m, nest);
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "UNBIND with a nested GPUVFIO_A_TARGET is rejected");
}

static void broken_framing(void)
{
	struct msg m;
	struct expect x = { .err = { EINVAL }, .need_msg = true, .at = { NONE, NONE, NONE } };
	struct nlattr *nla;
	long at;

	/* An attribute that claims more bytes than the message has. */
	put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, OMIT_ADDR, NULL);
	at = put_str(&m, GPUVFIO_A_ADDR, target);
	nla = (struct nlattr *)(m.buf + at);
	nla->nla_len = 200;
	expect(&m, &x, NULL, "GET_DEVICE with an attribute longer than the message is rejected");

	/* An attribute header that claims less than itself. */
	put_base(&m, GPUVFIO_CMD_BIND, 0, 0, NULL);
	put_attr_raw(&m, GPUVFIO_A_TIMEOUT_MS, (uint16_t)-2, &(uint32_t){ 1000 }, 4);
	expect(&m, &x, NULL, "BIND with an nla_len of 2 is rejected");

	/* Bytes after the last attribute. */
	put_base(&m, GPUVFIO_CMD_UNBIND, 0, 0, NULL);
	m.buf[m.len] = 0xaa;
	m.buf[m.len + 1] = 0x55;
	m.len += 2;
	expect(&m, &x, NULL, "UNBIND with 2 stray bytes after its attributes is rejected");
}

static void oversized(void)
{
	struct msg m;
	struct expect x;
	struct base b;
	char *s;
	long at, nest;
	int i;

	s = long_string(GPUVFIO_LIST_MAX + 100, "1234:1111,");
	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, OMIT_IDS, NULL);
	at = put_str(&m, GPUVFIO_A_IDS, s);
	x = rejected2(EINVAL, ERANGE, at, NONE);
	expect(&m, &x, NULL, "SET_CONFIG with a GPUVFIO_A_IDS of %d bytes is rejected",
	       GPUVFIO_LIST_MAX + 101);
	free(s);

	s = long_string(GPUVFIO_LIST_MAX, "0000:01:00.0,");
	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, OMIT_EXCLUDE, NULL);
	at = put_str(&m, GPUVFIO_A_EXCLUDE, s);
	x = rejected2(EINVAL, ERANGE, at, NONE);
	expect(&m, &x, NULL, "SET_CONFIG with a GPUVFIO_A_EXCLUDE of %d bytes is rejected",
	       GPUVFIO_LIST_MAX + 1);
	free(s);

	s = long_string(200, "0000:01:00.0");
	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, NULL);
	nest = nest_start(&m, GPUVFIO_A_TARGETS);
	at = put_str(&m, GPUVFIO_A_TARGET, s);
	nest_end(&m, nest);
	x = rejected2(EINVAL, ERANGE, at, NONE);
	expect(&m, &x, NULL, "BIND with a GPUVFIO_A_TARGET of 201 bytes is rejected");

	put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, OMIT_ADDR, NULL);
	at = put_str(&m, GPUVFIO_A_ADDR, s);
	x = rejected2(EINVAL, ERANGE, at, NONE);
	expect(&m, &x, NULL, "GET_DEVICE with a GPUVFIO_A_ADDR of 201 bytes is rejected");
	free(s);

	/* One target more than a request may hold. */
	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, &b);
	nest = nest_start(&m, GPUVFIO_A_TARGETS);
	for (i = 0; i < GPUVFIO_TARGETS_MAX; i++)
		put_str(&m, GPUVFIO_A_TARGET, target);
	at = put_str(&m, GPUVFIO_A_TARGET, target);
	nest_end(&m, nest);
	x = (struct expect){ .err = { EINVAL, E2BIG, ERANGE }, .need_msg = true,
			     .at = { nest, at, NONE } };
	expect(&m, &x, NULL, "BIND with %d targets is rejected", GPUVFIO_TARGETS_MAX + 1);
}

static void bad_values(void)
{
	static const char *const bad_targets[] = {
		"zz:00.0", "10de", "0000:01:00.0 junk", "", "0000:01:00.8", "all-of-them",
	};
	struct msg m;
	struct expect x;
	struct base b;
	size_t i;
	long at;

	for (i = 0; i < sizeof(bad_targets) / sizeof(bad_targets[0]); i++) {
		put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, &b);
		b.targets = nest_start(&m, GPUVFIO_A_TARGETS);
		at = put_str(&m, GPUVFIO_A_TARGET, bad_targets[i]);
		nest_end(&m, b.targets);
		x = rejected2(EINVAL, EINVAL, at, b.targets);
		expect(&m, &x, NULL, "BIND of the target '%s' is rejected", bad_targets[i]);
	}
	put_base(&m, GPUVFIO_CMD_UNBIND, 0, OMIT_TARGETS, &b);
	b.targets = nest_start(&m, GPUVFIO_A_TARGETS);
	put_str(&m, GPUVFIO_A_TARGET, target);
	at = put_str(&m, GPUVFIO_A_TARGET, "zz:00.0");
	nest_end(&m, b.targets);
	x = rejected2(EINVAL, EINVAL, at, b.targets);
	expect(&m, &x, NULL, "UNBIND of a good and a malformed target is rejected");

	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, &b);
	b.targets = nest_start(&m, GPUVFIO_A_TARGETS);
	at = put_str(&m, GPUVFIO_A_TARGET, "0000:7f:1f.7");
	nest_end(&m, b.targets);
	x = rejected2(ENODEV, ENODEV, at, b.targets);
	expect(&m, &x, NULL, "BIND of an address with no device is rejected");

	put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, OMIT_ADDR, NULL);
	at = put_str(&m, GPUVFIO_A_ADDR, "zz");
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "GET_DEVICE of the address 'zz' is rejected");

	put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, OMIT_ADDR, NULL);
	at = put_str(&m, GPUVFIO_A_ADDR, "10de:1bb3");
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "GET_DEVICE of an ID instead of an address is rejected");

	put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, OMIT_ADDR, NULL);
	at = put_str(&m, GPUVFIO_A_ADDR, "0000:7f:1f.7");
	x = rejected(ENODEV, at);
	expect(&m, &x, NULL, "GET_DEVICE of an address with no device is rejected");

	put_base(&m, GPUVFIO_CMD_GET_GROUP, 0, OMIT_GROUP, NULL);
	at = put_u32(&m, GPUVFIO_A_GROUP_ID, 0x7fffffff);
	x = rejected2(ENOENT, ENODEV, at, NONE);
	expect(&m, &x, NULL, "GET_GROUP of a group that does not exist is rejected");

	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, OMIT_IDS, NULL);
	at = put_str(&m, GPUVFIO_A_IDS, "10de:zzzz");
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "SET_CONFIG of the ids '10de:zzzz' is rejected");

	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, OMIT_IDS, NULL);
	at = put_str(&m, GPUVFIO_A_IDS, "1234:1111,10de:zzzz");
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "SET_CONFIG of a list with one bad id is rejected");

	/* A good new ids list (matching nothing) with a bad exclude list: the
	 * lists are validated together, so neither may be applied. */
	msg_init(&m, GPUVFIO_CMD_SET_CONFIG, 0);
	put_str(&m, GPUVFIO_A_IDS, "ffff:fff0");
	at = put_str(&m, GPUVFIO_A_EXCLUDE, "01:00");
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "SET_CONFIG of good ids and the exclude list '01:00' is rejected");
}

static void bad_flags_and_timeouts(void)
{
	static const uint32_t bad_flags[] = { 1U << 5, 0x80000000U, ~(uint32_t)__GPUVFIO_F_ALL };
	static const uint32_t bad_timeouts[] = { 0, GPUVFIO_TIMEOUT_MAX_MS + 1, 0xffffffffU };
	struct msg m;
	struct expect x;
	size_t i;
	long at;
	int c;

	for (c = GPUVFIO_CMD_BIND; c <= GPUVFIO_CMD_UNBIND; c++) {
		const char *name = c == GPUVFIO_CMD_BIND ? "BIND" : "UNBIND";

		for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
			put_base(&m, (uint8_t)c, 0, OMIT_FLAGS, NULL);
			at = put_u32(&m, GPUVFIO_A_FLAGS, GPUVFIO_F_DRY_RUN | bad_flags[i]);
			/* The policy's mask: the core's own message, pointing
			 * at GPUVFIO_A_FLAGS. */
			x = rejected(EINVAL, at);
			expect(&m, &x, NULL, "%s with the unknown flag bits 0x%x is rejected",
			       name, bad_flags[i] & ~(uint32_t)__GPUVFIO_F_ALL);
		}
		for (i = 0; i < sizeof(bad_timeouts) / sizeof(bad_timeouts[0]); i++) {
			put_base(&m, (uint8_t)c, 0, 0, NULL);
			at = put_u32(&m, GPUVFIO_A_TIMEOUT_MS, bad_timeouts[i]);
			x = rejected2(ERANGE, EINVAL, at, NONE);
			expect(&m, &x, NULL, "%s with a timeout of %u ms is rejected",
			       name, bad_timeouts[i]);
		}
	}
	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, 0, NULL);
	at = put_u32(&m, GPUVFIO_A_TIMEOUT_MS, 0);
	x = rejected2(ERANGE, EINVAL, at, NONE);
	expect(&m, &x, NULL, "SET_CONFIG with a timeout of 0 ms is rejected");

	/* The timeout is the deadline of the claims a new ids list makes:
	 * with an exclude list alone it means nothing. */
	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, OMIT_IDS, NULL);
	at = put_u32(&m, GPUVFIO_A_TIMEOUT_MS, 1000);
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "SET_CONFIG with a timeout and GPUVFIO_A_EXCLUDE but no GPUVFIO_A_IDS is rejected");
}

static void missing_attributes(void)
{
	struct msg m;
	struct expect x;
	long nest;

	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, NULL);
	x = missing(GPUVFIO_A_TARGETS, 0, NONE);
	expect(&m, &x, NULL, "BIND without GPUVFIO_A_TARGETS is rejected");

	put_base(&m, GPUVFIO_CMD_UNBIND, 0, OMIT_TARGETS, NULL);
	x = missing(GPUVFIO_A_TARGETS, 0, NONE);
	expect(&m, &x, NULL, "UNBIND without GPUVFIO_A_TARGETS is rejected");

	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_TARGETS, NULL);
	nest = nest_start(&m, GPUVFIO_A_TARGETS);
	nest_end(&m, nest);
	x = missing(GPUVFIO_A_TARGET, 0, nest);
	expect(&m, &x, NULL, "BIND with an empty GPUVFIO_A_TARGETS is rejected");

	put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, OMIT_ADDR, NULL);
	x = missing(GPUVFIO_A_ADDR, 0, NONE);
	expect(&m, &x, NULL, "GET_DEVICE (do) without GPUVFIO_A_ADDR is rejected");

	put_base(&m, GPUVFIO_CMD_GET_GROUP, 0, OMIT_GROUP, NULL);
	x = missing(GPUVFIO_A_GROUP_ID, 0, NONE);
	expect(&m, &x, NULL, "GET_GROUP (do) without GPUVFIO_A_GROUP_ID is rejected");

	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, OMIT_IDS | OMIT_EXCLUDE, NULL);
	x = missing(GPUVFIO_A_IDS, GPUVFIO_A_EXCLUDE, NONE);
	expect(&m, &x, NULL, "SET_CONFIG with neither GPUVFIO_A_IDS nor GPUVFIO_A_EXCLUDE is rejected");

	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, OMIT_IDS | OMIT_EXCLUDE, NULL);
	put_u32(&m, GPUVFIO_A_TIMEOUT_MS, 1000);
	x = missing(GPUVFIO_A_IDS, GPUVFIO_A_EXCLUDE, NONE);
	expect(&m, &x, NULL, "SET_CONFIG with only a timeout is rejected");

	put_base(&m, GPUVFIO_CMD_GET_TXN, 0, OMIT_TXN, NULL);
	x = missing(GPUVFIO_A_TXN, 0, NONE);
	expect(&m, &x, NULL, "GET_TXN without GPUVFIO_A_TXN is rejected");
}

static void get_txn_cases(void)
{
	uint16_t v16 = 1;
	uint64_t v64 = 1;
	struct msg m;
	struct expect x;
	long at;

	put_base(&m, GPUVFIO_CMD_GET_TXN, 0, OMIT_TXN, NULL);
	at = put_u32(&m, GPUVFIO_A_TXN, NO_TXN);
	x = rejected(ENOENT, at);
	expect(&m, &x, NULL, "GET_TXN of a transaction that never was is ENOENT, pointing at GPUVFIO_A_TXN");

	put_base(&m, GPUVFIO_CMD_GET_TXN, 0, OMIT_TXN, NULL);
	at = put_attr(&m, GPUVFIO_A_TXN, &v16, sizeof(v16));
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "GET_TXN with a 2-byte GPUVFIO_A_TXN is rejected");

	put_base(&m, GPUVFIO_CMD_GET_TXN, 0, OMIT_TXN, NULL);
	at = put_attr(&m, GPUVFIO_A_TXN, &v64, sizeof(v64));
	x = rejected(EINVAL, at);
	expect(&m, &x, NULL, "GET_TXN with an 8-byte GPUVFIO_A_TXN is rejected");
}

static void bad_headers(void)
{
	static const uint8_t bad_cmds[] = { GPUVFIO_CMD_UNSPEC, GPUVFIO_CMD_MAX + 1, 250,
					    GPUVFIO_CMD_EVENT };
	static const uint8_t do_only[] = { GPUVFIO_CMD_GET_CONFIG, GPUVFIO_CMD_SET_CONFIG,
					   GPUVFIO_CMD_BIND, GPUVFIO_CMD_UNBIND,
					   GPUVFIO_CMD_GET_TXN };
	struct msg m;
	struct expect x;
	size_t i;

	for (i = 0; i < sizeof(bad_cmds); i++) {
		msg_init(&m, bad_cmds[i], 0);
		x = bare(EOPNOTSUPP);
		expect(&m, &x, NULL, "command %u is rejected", bad_cmds[i]);
	}
	for (i = 0; i < sizeof(do_only); i++) {
		put_base(&m, do_only[i], NLM_F_DUMP, 0, NULL);
		x = bare(EOPNOTSUPP);
		expect(&m, &x, NULL, "command %u with NLM_F_DUMP (it has no dump) is rejected",
		       do_only[i]);
	}

	/* The genl header cut short: 2 of its 4 bytes. */
	msg_init(&m, GPUVFIO_CMD_GET_CONFIG, 0);
	m.len = NLMSG_HDRLEN + 2;
	x = bare(EINVAL);
	expect(&m, &x, NULL, "a message shorter than the genl header is rejected");

	/* No genl header at all. */
	msg_init(&m, GPUVFIO_CMD_GET_CONFIG, 0);
	m.len = NLMSG_HDRLEN;
	x = bare(EINVAL);
	expect(&m, &x, NULL, "a message without a genl header is rejected");

	/* The reserved field (checked for every command: resv_start_op is 0). */
	put_base(&m, GPUVFIO_CMD_GET_CONFIG, 0, 0, NULL);
	genl_of(&m)->reserved = 1;
	x = bare(EINVAL);
	expect(&m, &x, NULL, "GET_CONFIG with a nonzero reserved field is rejected");

	put_base(&m, GPUVFIO_CMD_BIND, 0, 0, NULL);
	genl_of(&m)->reserved = 0x8000;
	x = bare(EINVAL);
	expect(&m, &x, NULL, "BIND with a nonzero reserved field is rejected");
}

/* Well-formed requests that root may make and that change nothing. */
static void root_controls(void)
{
	struct msg m;
	struct expect x = success(0);

	put_base(&m, GPUVFIO_CMD_BIND, 0, 0, NULL);
	expect(&m, &x, NULL, "BIND of %s as a dry run is accepted", target);
	put_base(&m, GPUVFIO_CMD_UNBIND, 0, 0, NULL);
	expect(&m, &x, NULL, "UNBIND of %s as a dry run is accepted", target);
	put_base(&m, GPUVFIO_CMD_BIND, 0, 0, NULL);
	put_u32(&m, GPUVFIO_A_TIMEOUT_MS, 1);
	expect(&m, &x, NULL, "BIND dry run with the shortest timeout (1 ms) is accepted");
	put_base(&m, GPUVFIO_CMD_BIND, 0, 0, NULL);
	put_u32(&m, GPUVFIO_A_TIMEOUT_MS, GPUVFIO_TIMEOUT_MAX_MS);
	expect(&m, &x, NULL, "BIND dry run with the longest timeout (%u ms) is accepted",
	       GPUVFIO_TIMEOUT_MAX_MS);
	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, 0, NULL);
	expect(&m, &x, NULL, "SET_CONFIG of the lists it already has is accepted");
	/* The control of the case with a timeout and no ids. */
	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, OMIT_EXCLUDE, NULL);
	put_u32(&m, GPUVFIO_A_TIMEOUT_MS, 1000);
	expect(&m, &x, NULL, "SET_CONFIG of the ids it already has, with a timeout, is accepted");

	/* A dry run is a transaction too: its report stays readable. */
	{
		struct answer a;
		struct expect y = success(1);
		bool ok;

		put_base(&m, GPUVFIO_CMD_BIND, 0, 0, NULL);
		ok = expect(&m, &y, &a, "BIND of %s as a dry run replies with its transaction",
			    target);
		report(ok && a.has_txn && a.has_outcome && a.outcome == GPUVFIO_OUTCOME_DRY_RUN,
		       "the dry run's reply has GPUVFIO_A_TXN (%u) and outcome DRY_RUN (%u)",
		       a.has_txn ? a.txn : 0, a.has_outcome ? a.outcome : 0);
		if (ok && a.has_txn) {
			uint32_t id = a.txn;

			put_base(&m, GPUVFIO_CMD_GET_TXN, 0, OMIT_TXN, NULL);
			put_u32(&m, GPUVFIO_A_TXN, id);
			ok = expect(&m, &y, &a, "GET_TXN of the dry run's transaction %u is answered", id);
			report(ok && a.has_txn && a.txn == id && a.has_outcome &&
			       a.outcome == GPUVFIO_OUTCOME_DRY_RUN,
			       "and its report is that transaction's, outcome DRY_RUN (txn %u, outcome %u)",
			       a.has_txn ? a.txn : 0, a.has_outcome ? a.outcome : 0);
		}
	}
}

/*
 * Joining "events", on a socket of its own: the module keeps its events to
 * CAP_SYS_ADMIN (GENL_MCAST_CAP_SYS_ADMIN). want_err: 0 or EPERM.
 */
static void join_events(int want_err, const char *who)
{
	int fd, ret, err = 0;

	if (!events_group) {
		report(false, "%sthe family has a multicast group \"%s\"", who,
		       GPUVFIO_MCGRP_EVENTS);
		return;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0) {
		report(false, "%sa socket to join \"%s\" (%s)", who, GPUVFIO_MCGRP_EVENTS,
		       strerror(errno));
		return;
	}
	ret = setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &events_group,
			 sizeof(events_group));
	if (ret)
		err = errno;
	close(fd);
	report(err == want_err, "%sjoining \"%s\" %s (%s)", who, GPUVFIO_MCGRP_EVENTS,
	       want_err ? "is refused with EPERM" : "works",
	       err ? strerrorname_np(err) : "joined");
}

/* A bit of the effective capability set, from /proc/self/status. */
static bool have_cap(int cap)
{
	char line[256];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff & (1ULL << cap);
}

/*
 * A caller without CAP_NET_ADMIN is refused by generic netlink itself
 * (GENL_ADMIN_PERM): a bare EPERM. One with CAP_NET_ADMIN but without
 * CAP_SYS_ADMIN gets as far as gpuvfio, which says what is missing.
 */
static void unprivileged(bool net_admin)
{
	struct msg m;
	struct expect x = net_admin ?
		(struct expect){ .err = { EPERM }, .need_msg = true, .at = { NONE, NONE, NONE } } :
		bare_only(EPERM);
	struct answer a;
	const char *who = net_admin ? "with CAP_NET_ADMIN only" : "as nobody";

	report(!have_cap(21 /* CAP_SYS_ADMIN */) && have_cap(12 /* CAP_NET_ADMIN */) == net_admin,
	       "%s: CAP_SYS_ADMIN is not in the effective set, CAP_NET_ADMIN %s", who,
	       net_admin ? "is" : "is not either");

	put_base(&m, GPUVFIO_CMD_BIND, 0, OMIT_FLAGS, NULL);
	expect(&m, &x, &a, "%s, BIND of %s is refused", who, target);
	put_base(&m, GPUVFIO_CMD_BIND, 0, 0, NULL);
	expect(&m, &x, &a, "%s, even a dry-run BIND is refused", who);
	put_base(&m, GPUVFIO_CMD_UNBIND, 0, OMIT_FLAGS, NULL);
	expect(&m, &x, &a, "%s, UNBIND of %s is refused", who, target);
	put_base(&m, GPUVFIO_CMD_UNBIND, 0, 0, NULL);
	put_u32(&m, GPUVFIO_A_FLAGS, GPUVFIO_F_FORCE);
	expect(&m, &x, &a, "%s, a forced UNBIND is refused", who);
	put_base(&m, GPUVFIO_CMD_SET_CONFIG, 0, 0, NULL);
	expect(&m, &x, &a, "%s, SET_CONFIG of the current lists is refused", who);
	msg_init(&m, GPUVFIO_CMD_SET_CONFIG, 0);
	put_str(&m, GPUVFIO_A_IDS, "1234:1111");
	expect(&m, &x, &a, "%s, SET_CONFIG of new ids is refused", who);
	msg_init(&m, GPUVFIO_CMD_SET_CONFIG, 0);
	put_str(&m, GPUVFIO_A_EXCLUDE, target);
	expect(&m, &x, &a, "%s, SET_CONFIG of a new exclude list is refused", who);

	/* What an unprivileged user may send is validated as for root. */
	{
		struct expect y;
		long at;

		put_base(&m, GPUVFIO_CMD_GET_CONFIG, 0, 0, NULL);
		at = put_u32(&m, 200, 0);
		y = rejected(EINVAL, at);
		expect(&m, &y, NULL, "%s, GET_CONFIG with attribute type 200 is rejected", who);
		put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, OMIT_ADDR, NULL);
		y = missing(GPUVFIO_A_ADDR, 0, NONE);
		expect(&m, &y, NULL, "%s, GET_DEVICE without GPUVFIO_A_ADDR is rejected", who);
		put_base(&m, GPUVFIO_CMD_GET_DEVICE, 0, OMIT_ADDR, NULL);
		at = put_str(&m, GPUVFIO_A_ADDR, "zz");
		y = rejected(EINVAL, at);
		expect(&m, &y, NULL, "%s, GET_DEVICE of the address 'zz' is rejected", who);
	}
	/* A transaction's report is for whom may watch the events: GET_TXN
	 * is refused as a change is, before the id is even looked at. */
	put_base(&m, GPUVFIO_CMD_GET_TXN, 0, 0, NULL);
	expect(&m, &x, &a, "%s, GET_TXN is refused as the events are", who);
	join_events(EPERM, net_admin ? "with CAP_NET_ADMIN only, " : "as nobody, ");
}

static int read_config(char *ids, char *exclude)
{
	struct msg m;
	struct answer a;

	put_base(&m, GPUVFIO_CMD_GET_CONFIG, 0, 0, NULL);
	exchange(&m, &a);
	if (a.error || !a.replies)
		return a.error ? a.error : -ENODATA;
	strcpy(ids, a.ids);
	strcpy(exclude, a.exclude);
	return 0;
}

int main(int argc, char **argv)
{
	static char ids_after[GPUVFIO_LIST_MAX], exclude_after[GPUVFIO_LIST_MAX];
	struct timeval tv = { .tv_sec = 60 };
	bool unpriv = false, net_admin = false;
	int i, one = 1, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--unpriv")) {
			unpriv = true;
		} else if (!strcmp(argv[i], "--no-sys-admin")) {
			unpriv = true;
			net_admin = true;
		} else if (!strcmp(argv[i], "--target") && i + 1 < argc) {
			snprintf(target, sizeof(target), "%s", argv[++i]);
		} else {
			fprintf(stderr, "usage: nl-malformed [--unpriv|--no-sys-admin] [--target ADDR]\n");
			return 2;
		}
	}
	if (!*target && find_target()) {
		report(false, "a display controller to name in requests exists");
		return 2;
	}
	find_group();

	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (sock < 0 ||
	    setsockopt(sock, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(sock, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		report(false, "a generic netlink socket with extended ACKs (%s)", strerror(errno));
		return 2;
	}
	ret = resolve_family();
	report(!ret, "the family %s resolves through nlctrl%s%s", GPUVFIO_GENL_NAME,
	       ret ? ": " : "", ret ? strerror(-ret) : "");
	if (ret)
		return 2;
	ret = read_config(cur_ids, cur_exclude);
	report(!ret, "GET_CONFIG gives the current lists (ids '%s', exclude '%s')%s%s",
	       cur_ids, cur_exclude, ret ? ": " : "", ret ? errname(ret) : "");
	if (ret)
		return 2;

	controls(net_admin ? "with CAP_NET_ADMIN only, " : unpriv ? "as nobody, " : "");
	if (unpriv) {
		unprivileged(net_admin);
	} else {
		unknown_attributes();
		wrong_types();
		broken_framing();
		oversized();
		bad_values();
		bad_flags_and_timeouts();
		missing_attributes();
		get_txn_cases();
		bad_headers();
		root_controls();
		join_events(0, "as root, ");
	}

	ret = read_config(ids_after, exclude_after);
	report(!ret && !strcmp(cur_ids, ids_after) && !strcmp(cur_exclude, exclude_after),
	       "the module's ids and exclude lists are unchanged (ids '%s', exclude '%s')",
	       ids_after, exclude_after);
	printf("# nl-malformed%s: %u passed, %u failed\n",
	       net_admin ? " --no-sys-admin" : unpriv ? " --unpriv" : "", passed, failed);
	close(sock);
	return failed ? 1 : 0;
}
