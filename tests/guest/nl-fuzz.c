// SPDX-License-Identifier: GPL-2.0
/*
 * nl-fuzz: random and mutated requests to the gpuvfio generic netlink
 * family, for a bounded time, from a seed that replays them.
 *
 *   nl-fuzz [--unpriv] [--seed N] [--count N] [-v] SECONDS
 *
 * Each message starts from a well-formed request of a command (every
 * command, do and dump, unknown ones too) and is then mutated: bits and
 * bytes flipped, cut short, nlmsg_len lying, attributes duplicated,
 * dropped, nested in others, given random types and lengths, strings
 * without their NUL, random flags, version and reserved fields, several
 * messages in one send. Replies and ACKs are read and thrown away, after
 * a few checks: every ACK carries an errno in range; as --unpriv nothing
 * that changes state is ever answered with anything but an error; as root
 * no bind or unbind ever runs for real (see below). At the end the module
 * must still answer GET_CONFIG, with the lists it had at the start.
 *
 * As root, mutations must not move devices or change the lists, so every
 * message goes through make_safe() before it is sent: messages to other
 * families are redirected to gpuvfio, a BIND or UNBIND that the kernel
 * could accept gets GPUVFIO_F_DRY_RUN set in the flags word it would read
 * (or is withheld when it has none), and a SET_CONFIG is sent only when
 * the kernel must reject it or when it sets the lists the module has.
 * make_safe() reads messages the way netlink_rcv_skb() and nla_parse() do
 * (the last of duplicate attributes wins), and judges lists with the
 * module's own parser, kmod/parse.c, included below. As --unpriv nothing
 * is held back: well-formed binds of real devices and new lists are sent,
 * and must all be refused.
 *
 * Output: "nl-fuzz: ..." lines; "FAIL: ..." for a broken check. Exit 0,
 * 1 when a check failed, 2 when it could not run. With -v each message is
 * printed in hex to stderr before it is sent. Progress goes to /dev/kmsg
 * when it is writable, so a crash's log shows the seed and the count.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "uapi/linux/gpuvfio.h"

/* The module's list parser, built here from the module's own source. */
#include "../../kmod/parse.c"

#define BUF_SIZE	16384
#define MAX_DEVS	64

struct msg {
	union {
		struct nlmsghdr nlh;
		unsigned char buf[BUF_SIZE];
	};
	size_t len;		/* bytes to send */
	bool len_set;		/* nlmsg_len chosen by a mutation */
};

static int sock = -1;
static uint16_t family;
static uint32_t seq = 1;
static bool unpriv, verbose;
static int kmsg = -1;
static unsigned long failures;

static char devs[MAX_DEVS][32];
static unsigned int ndevs;
static char cur_ids[GPUVFIO_LIST_MAX], cur_exclude[GPUVFIO_LIST_MAX];

static struct {
	unsigned long sent, withheld, dry_run_set, replies, acks, ok_acks,
		      dumps_done, send_errors;
	unsigned long err[4096];
} st;

/* ---- random numbers ------------------------------------------------------ */

static uint64_t rng;

static uint64_t next(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n); n > 0. */
static uint32_t r(uint32_t n)
{
	return (uint32_t)((next() >> 32) % n);
}

static bool chance(uint32_t one_in)
{
	return r(one_in) == 0;
}

/* ---- reporting ------------------------------------------------------------ */

static void __attribute__((format(printf, 1, 2))) failure(const char *fmt, ...)
{
	va_list ap;

	failures++;
	if (failures > 20)
		return;
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void hexdump(const char *what, const unsigned char *p, size_t len)
{
	size_t i;

	fprintf(stderr, "%s %zu:", what, len);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", p[i]);
	fputc('\n', stderr);
}

/* ---- building ------------------------------------------------------------- */

static void msg_init(struct msg *m, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *g = NLMSG_DATA(&m->nlh);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->nlh.nlmsg_type = family;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->len_set = false;
	g->cmd = cmd;
	g->version = GPUVFIO_GENL_VERSION;
}

/* Appends an attribute; false when it does not fit. */
static bool put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)(m->buf + m->len);

	if (len > 0xffff - NLA_HDRLEN || m->len + NLA_HDRLEN + NLA_ALIGN(len) > BUF_SIZE)
		return false;
	nla->nla_type = type;
	nla->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy(nla + 1, data, len);
	memset(m->buf + m->len + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	return true;
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put(m, type, &v, sizeof(v));
}

static void put_str(struct msg *m, uint16_t type, const char *s)
{
	put(m, type, s, strlen(s) + 1);
}

static size_t nest_start(struct msg *m, uint16_t type)
{
	size_t off = m->len;

	put(m, type | NLA_F_NESTED, NULL, 0);
	return off;
}

static void nest_end(struct msg *m, size_t off)
{
	((struct nlattr *)(m->buf + off))->nla_len = (uint16_t)(m->len - off);
}

/* ---- what to put in requests ------------------------------------------------ */

static const char *const ids_pool[] = {
	"1234:1111", "8086:2668", "1b36:000d", "8086:100e", "8086:10d3",
	"10de:1bb3:10de:11d8", "ffff:ffff", "1234:1111:1af4:1100",
};

static const char *const junk_pool[] = {
	"", "all", "zz", "0000:01:00.8", "01:00", "1234:111", "1234:1111:", ":",
	"0000:7f:1f.7", "ffffffff:ff:1f.7", "1234:1111,", ",,,", " ", "0x1234:1111",
	"00:20.0", "all ", "ALL", "1234:11111", "01:00.0.0", "g000:01:00.0",
	"0000:01:00.0\n", "10de:1bb3:10de", "\xff\xfe", "%s%n%x",
};

static const char *pick_device(void)
{
	return ndevs ? devs[r(ndevs)] : "0000:01:00.0";
}

/* A string a target, address or list attribute may hold. */
static void pick_string(char *buf, size_t size)
{
	size_t len, n, i;

	switch (r(6)) {
	case 0:
	case 1:
		snprintf(buf, size, "%s", pick_device());
		break;
	case 2:
		snprintf(buf, size, "%s", ids_pool[r(sizeof(ids_pool) / sizeof(ids_pool[0]))]);
		break;
	case 3:
		snprintf(buf, size, "%s", junk_pool[r(sizeof(junk_pool) / sizeof(junk_pool[0]))]);
		break;
	case 4:
		/* A list of a few of the above. */
		buf[0] = '\0';
		n = 1 + r(5);
		for (i = 0, len = 0; i < n && len + 40 < size; i++) {
			const char *s = r(2) ? pick_device() :
					ids_pool[r(sizeof(ids_pool) / sizeof(ids_pool[0]))];

			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						i ? (r(2) ? "," : " ") : "", s);
		}
		break;
	default:
		/* Long or random text. */
		len = chance(4) ? r((uint32_t)size) : r(40);
		if (len >= size)
			len = size - 1;
		for (i = 0; i < len; i++)
			buf[i] = chance(2) ? "0123456789abcdef:.,"[r(19)] : (char)(1 + r(255));
		buf[len] = '\0';
		break;
	}
}

static const uint32_t timeouts[] = {
	0, 1, 2, 100, 1000, GPUVFIO_TIMEOUT_DEFAULT_MS, GPUVFIO_TIMEOUT_MAX_MS,
	GPUVFIO_TIMEOUT_MAX_MS + 1, 0xffffffffu,
};

/* A well-formed request of cmd (or of a random command). */
static void base(struct msg *m, uint8_t cmd)
{
	static char s[GPUVFIO_LIST_MAX + 64];
	uint16_t flags = 0;
	size_t nest;
	unsigned int i, n;
	uint32_t f;

	switch (cmd) {
	case GPUVFIO_CMD_GET_DEVICE:
	case GPUVFIO_CMD_GET_GROUP:
		if (chance(2))
			flags = NLM_F_DUMP;
		break;
	}
	msg_init(m, cmd, flags);
	switch (cmd) {
	case GPUVFIO_CMD_SET_CONFIG:
		/* As root, the lists it has (or junk); as nobody, anything. */
		if (r(3)) {
			if (unpriv || chance(3))
				pick_string(s, sizeof(s));
			else
				snprintf(s, sizeof(s), "%s", cur_ids);
			put_str(m, GPUVFIO_A_IDS, s);
		}
		if (r(3)) {
			if (unpriv || chance(3))
				pick_string(s, sizeof(s));
			else
				snprintf(s, sizeof(s), "%s", cur_exclude);
			put_str(m, GPUVFIO_A_EXCLUDE, s);
		}
		if (chance(4))
			put_u32(m, GPUVFIO_A_TIMEOUT_MS, timeouts[r(sizeof(timeouts) / 4)]);
		break;
	case GPUVFIO_CMD_GET_DEVICE:
		if (!(flags & NLM_F_DUMP) || chance(4)) {
			if (chance(4))
				pick_string(s, GPUVFIO_TARGET_MAX + 8);
			else
				snprintf(s, sizeof(s), "%s", pick_device());
			put_str(m, GPUVFIO_A_ADDR, s);
		}
		break;
	case GPUVFIO_CMD_GET_GROUP:
		if (!(flags & NLM_F_DUMP) || chance(4))
			put_u32(m, GPUVFIO_A_GROUP_ID,
				chance(8) ? (uint32_t)next() : r(24));
		break;
	case GPUVFIO_CMD_BIND:
	case GPUVFIO_CMD_UNBIND:
		nest = nest_start(m, GPUVFIO_A_TARGETS);
		n = chance(8) ? r(GPUVFIO_TARGETS_MAX + 3) : 1 + r(3);
		for (i = 0; i < n; i++) {
			if (chance(3))
				pick_string(s, GPUVFIO_TARGET_MAX + 8);
			else
				snprintf(s, sizeof(s), "%s", pick_device());
			put_str(m, GPUVFIO_A_TARGET, s);
		}
		nest_end(m, nest);
		f = GPUVFIO_F_DRY_RUN;
		if (chance(4))
			f |= GPUVFIO_F_FORCE;
		if (unpriv && chance(2))
			f &= ~(uint32_t)GPUVFIO_F_DRY_RUN;
		if (chance(16))
			f |= 1u << r(32);
		put_u32(m, GPUVFIO_A_FLAGS, f);
		if (chance(2))
			put_u32(m, GPUVFIO_A_TIMEOUT_MS, timeouts[r(sizeof(timeouts) / 4)]);
		break;
	default:
		/* GET_CONFIG, EVENT, UNSPEC, unknown: no attributes, or one. */
		if (chance(4))
			put_u32(m, (uint16_t)r(GPUVFIO_A_MAX + 2), (uint32_t)next());
		break;
	}
}

static uint8_t random_cmd(void)
{
	if (chance(8))
		return (uint8_t)r(256);
	return (uint8_t)r(GPUVFIO_CMD_MAX + 2);
}

/* ---- mutating --------------------------------------------------------------- */

/* The offsets of the top-level attributes of m's first message. */
static unsigned int attrs_of(const struct msg *m, size_t *off, unsigned int max)
{
	size_t pos = NLMSG_HDRLEN + GENL_HDRLEN;
	unsigned int n = 0;
	const struct nlattr *nla;

	while (n < max && pos + NLA_HDRLEN <= m->len) {
		nla = (const struct nlattr *)(m->buf + pos);
		if (nla->nla_len < NLA_HDRLEN || pos + nla->nla_len > m->len)
			break;
		off[n++] = pos;
		pos += NLA_ALIGN(nla->nla_len);
	}
	return n;
}

/* Inserts len bytes at off (zeroed); false when there is no room. */
static bool insert(struct msg *m, size_t off, size_t len)
{
	if (m->len + len > BUF_SIZE || off > m->len)
		return false;
	memmove(m->buf + off + len, m->buf + off, m->len - off);
	memset(m->buf + off, 0, len);
	m->len += len;
	return true;
}

static void mutate(struct msg *m)
{
	static const uint8_t interesting[] = { 0, 1, 0x7f, 0x80, 0xff, 0x3a, 0x2e, 0x2c };
	static char s[6144];
	size_t off[128], a, b, len;
	unsigned int n = attrs_of(m, off, 128);
	struct nlattr *nla;
	struct genlmsghdr *g = NLMSG_DATA(&m->nlh);
	struct msg extra;

	switch (r(18)) {
	case 0:		/* flip a bit */
		m->buf[r((uint32_t)m->len)] ^= (uint8_t)(1u << r(8));
		break;
	case 1:		/* an interesting byte */
		m->buf[r((uint32_t)m->len)] = interesting[r(sizeof(interesting))];
		break;
	case 2:		/* a byte in the payload: skip the netlink header */
		if (m->len > NLMSG_HDRLEN)
			m->buf[NLMSG_HDRLEN + r((uint32_t)(m->len - NLMSG_HDRLEN))] = (uint8_t)next();
		break;
	case 3:		/* cut short */
		m->len = r((uint32_t)m->len + 1);
		if (m->len < NLMSG_HDRLEN && chance(2))
			m->len = NLMSG_HDRLEN;
		if (chance(2))
			m->len_set = true;	/* nlmsg_len keeps the old length */
		break;
	case 4:		/* nlmsg_len lies */
		switch (r(5)) {
		case 0: m->nlh.nlmsg_len = r(NLMSG_HDRLEN + GENL_HDRLEN + 4); break;
		case 1: m->nlh.nlmsg_len = (uint32_t)m->len - 1 - r(8); break;
		case 2: m->nlh.nlmsg_len = (uint32_t)m->len + 1 + r(8); break;
		case 3: m->nlh.nlmsg_len = (uint32_t)next(); break;
		default: m->nlh.nlmsg_len = (uint32_t)m->len - 4 * r(4); break;
		}
		m->len_set = true;
		break;
	case 5:		/* duplicate an attribute, at the end or next to it */
		if (!n)
			break;
		a = off[r(n)];
		len = NLA_ALIGN(((struct nlattr *)(m->buf + a))->nla_len);
		b = chance(2) ? m->len : a;
		if (insert(m, b, len))
			memcpy(m->buf + b, m->buf + (b <= a ? a + len : a), len);
		break;
	case 6:		/* nest a run of attributes in a new one */
		if (!n)
			break;
		a = off[r(n)];
		b = chance(2) ? m->len : off[r(n)];
		if (b < a) {
			len = a;
			a = b;
			b = len;
		}
		if (b - a + NLA_HDRLEN > 0xffff || !insert(m, a, NLA_HDRLEN))
			break;
		nla = (struct nlattr *)(m->buf + a);
		nla->nla_type = (uint16_t)((chance(2) ? GPUVFIO_A_TARGETS : r(GPUVFIO_A_MAX + 2)) |
					   (chance(4) ? 0 : NLA_F_NESTED));
		nla->nla_len = (uint16_t)(b - a + NLA_HDRLEN);
		break;
	case 7:		/* a random attribute */
		len = chance(16) ? r(6000) : r(70);
		for (a = 0; a < len && a < sizeof(s); a++)
			s[a] = (char)next();
		if (len > sizeof(s))
			len = sizeof(s);
		if (chance(2)) {
			pick_string(s, sizeof(s));
			len = strlen(s) + r(2);
		}
		put(m, (uint16_t)(chance(2) ? r(GPUVFIO_A_MAX + 3) : (uint16_t)next()), s, len);
		break;
	case 8:		/* an attribute's length */
		if (!n)
			break;
		nla = (struct nlattr *)(m->buf + off[r(n)]);
		switch (r(4)) {
		case 0: nla->nla_len = (uint16_t)r(8); break;
		case 1: nla->nla_len = (uint16_t)(nla->nla_len + 1 + r(8)); break;
		case 2: nla->nla_len = (uint16_t)(nla->nla_len - 1 - r(4)); break;
		default: nla->nla_len = (uint16_t)next(); break;
		}
		break;
	case 9:		/* an attribute's type, flags included */
		if (!n)
			break;
		nla = (struct nlattr *)(m->buf + off[r(n)]);
		nla->nla_type = chance(2) ? (uint16_t)(nla->nla_type ^ (1u << r(16))) :
			(uint16_t)r(GPUVFIO_A_MAX + 3);
		break;
	case 10:	/* the command */
		g->cmd = random_cmd();
		break;
	case 11:	/* version, reserved */
		if (chance(2))
			g->version = (uint8_t)next();
		else
			g->reserved = (uint16_t)(chance(2) ? next() : 1);
		break;
	case 12:	/* netlink flags */
		m->nlh.nlmsg_flags = chance(2) ? (uint16_t)next() :
			(uint16_t)(NLM_F_REQUEST | (chance(2) ? NLM_F_ACK : 0) |
				   (chance(2) ? NLM_F_DUMP : 0) | (chance(4) ? NLM_F_ECHO : 0) |
				   (chance(4) ? NLM_F_EXCL | NLM_F_CREATE : 0));
		break;
	case 13:	/* drop an attribute */
		if (!n)
			break;
		a = off[r(n)];
		len = NLA_ALIGN(((struct nlattr *)(m->buf + a))->nla_len);
		if (a + len > m->len)
			len = m->len - a;
		memmove(m->buf + a, m->buf + a + len, m->len - a - len);
		m->len -= len;
		break;
	case 14:	/* a string attribute without its NUL */
		if (!n)
			break;
		nla = (struct nlattr *)(m->buf + off[r(n)]);
		if (nla->nla_len > NLA_HDRLEN)
			((char *)nla)[nla->nla_len - 1] = (char)('A' + r(26));
		break;
	case 15:	/* the nest's contents: a target replaced */
		if (!n)
			break;
		nla = (struct nlattr *)(m->buf + off[0]);
		if ((nla->nla_type & NLA_TYPE_MASK) != GPUVFIO_A_TARGETS)
			break;
		pick_string(s, 80);
		{
			size_t end = off[0] + nla->nla_len;

			if (end > m->len)
				break;
			if (!insert(m, end, NLA_HDRLEN + NLA_ALIGN(strlen(s) + 1)))
				break;
			nla = (struct nlattr *)(m->buf + end);
			nla->nla_type = GPUVFIO_A_TARGET;
			nla->nla_len = (uint16_t)(NLA_HDRLEN + strlen(s) + 1);
			memcpy(nla + 1, s, strlen(s) + 1);
			nla = (struct nlattr *)(m->buf + off[0]);
			nla->nla_len = (uint16_t)(nla->nla_len + NLA_HDRLEN +
						  NLA_ALIGN(strlen(s) + 1));
		}
		break;
	case 16:	/* another message after this one */
		if (!m->len_set)
			m->nlh.nlmsg_len = (uint32_t)m->len;
		m->len_set = true;
		base(&extra, random_cmd());
		extra.nlh.nlmsg_len = (uint32_t)extra.len;
		extra.nlh.nlmsg_seq = seq + 1000000;
		if (chance(2))
			m->len = NLMSG_ALIGN(m->len);
		if (m->len + extra.len <= BUF_SIZE) {
			memcpy(m->buf + m->len, extra.buf, extra.len);
			m->len += extra.len;
		}
		break;
	default:	/* the whole header random */
		for (a = 0; a < NLMSG_HDRLEN + GENL_HDRLEN && a < m->len; a++)
			if (chance(3))
				m->buf[a] = (uint8_t)next();
		m->nlh.nlmsg_type = family;
		break;
	}
}

/* ---- keeping root's messages harmless ------------------------------------ */

/* The last top-level attribute of type t, walking as nla_parse() does;
 * NULL if none. */
static const struct nlattr *last_attr(const unsigned char *p, size_t len, uint16_t t)
{
	const struct nlattr *nla, *found = NULL;

	while (len >= NLA_HDRLEN) {
		nla = (const struct nlattr *)p;
		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > len)
			break;
		if ((nla->nla_type & NLA_TYPE_MASK) == t)
			found = nla;
		if ((size_t)NLA_ALIGN(nla->nla_len) >= len)
			break;
		len -= NLA_ALIGN(nla->nla_len);
		p += NLA_ALIGN(nla->nla_len);
	}
	return found;
}

/*
 * A list as the kernel would read it: NULL when the kernel must reject
 * the attribute (no NUL within GPUVFIO_LIST_MAX bytes), else the string.
 */
static const char *list_of(const struct nlattr *nla)
{
	size_t len = nla->nla_len - NLA_HDRLEN;
	const char *s = (const char *)(nla + 1);
	const char *nul = memchr(s, '\0', len < GPUVFIO_LIST_MAX ? len : GPUVFIO_LIST_MAX);

	if (!nul || (size_t)(nul - s) > GPUVFIO_LIST_MAX - 1)
		return NULL;
	return s;
}

/* Whether the list s is valid and formats to what cur says. */
static int list_state(const char *s, bool ids, const char *cur)
{
	static struct gv_id idv[GV_MAX_LIST];
	static struct gv_addr addrv[GV_MAX_LIST];
	static char text[GPUVFIO_LIST_MAX];
	unsigned int n;

	if (ids) {
		if (gv_parse_id_list(s, idv, GV_MAX_LIST, &n, NULL))
			return 0;		/* invalid: rejected */
		gv_format_id_list(text, sizeof(text), idv, n);
	} else {
		if (gv_parse_addr_list(s, addrv, GV_MAX_LIST, &n, NULL))
			return 0;
		gv_format_addr_list(text, sizeof(text), addrv, n);
	}
	return strcmp(text, cur) ? 2 : 1;	/* 2: a change */
}

/* One message: false to withhold it. May set the dry-run bit. */
static bool message_safe(struct nlmsghdr *nlh)
{
	const unsigned char *attrs;
	const struct nlattr *ids, *excl, *targets;
	struct nlattr *flags;
	size_t len;
	uint32_t f;
	int si, se;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return true;			/* genetlink rejects it */
	attrs = (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	switch (((struct genlmsghdr *)NLMSG_DATA(nlh))->cmd) {
	case GPUVFIO_CMD_BIND:
	case GPUVFIO_CMD_UNBIND:
		targets = last_attr(attrs, len, GPUVFIO_A_TARGETS);
		if (!targets)
			return true;		/* required: rejected */
		flags = (struct nlattr *)last_attr(attrs, len, GPUVFIO_A_FLAGS);
		if (!flags)
			return false;
		if (flags->nla_len < NLA_HDRLEN + sizeof(f))
			return true;		/* too short for a u32: rejected */
		memcpy(&f, flags + 1, sizeof(f));
		if (!(f & GPUVFIO_F_DRY_RUN)) {
			f |= GPUVFIO_F_DRY_RUN;
			memcpy(flags + 1, &f, sizeof(f));
			st.dry_run_set++;
		}
		return true;
	case GPUVFIO_CMD_SET_CONFIG:
		ids = last_attr(attrs, len, GPUVFIO_A_IDS);
		excl = last_attr(attrs, len, GPUVFIO_A_EXCLUDE);
		if ((ids && !list_of(ids)) || (excl && !list_of(excl)))
			return true;		/* no NUL: rejected */
		si = ids ? list_state(list_of(ids), true, cur_ids) : 1;
		se = excl ? list_state(list_of(excl), false, cur_exclude) : 1;
		if (!si || !se)
			return true;		/* a bad list: nothing applied */
		/* Both good: only the lists the module has, and a claim
		 * (which a new ids list starts) only with no ids at all. */
		return si == 1 && se == 1 && (!ids || !*cur_ids);
	default:
		return true;			/* reads, or rejected */
	}
}

/* Every message the kernel would take from this buffer, as
 * netlink_rcv_skb() walks it. */
static bool make_safe(struct msg *m)
{
	size_t off = 0, left = m->len, step;
	struct nlmsghdr *nlh;

	while (left >= NLMSG_HDRLEN) {
		nlh = (struct nlmsghdr *)(m->buf + off);
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > left)
			break;
		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && nlh->nlmsg_type != family)
			nlh->nlmsg_type = family;	/* no other family */
		if (nlh->nlmsg_type == family && !unpriv && !message_safe(nlh))
			return false;
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= left)
			break;
		off += step;
		left -= step;
	}
	return true;
}

/* ---- talking ------------------------------------------------------------------ */

static void check_reply(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	const struct nlattr *outcome;
	uint32_t o;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return;
	st.replies++;
	if (unpriv && (g->cmd == GPUVFIO_CMD_SET_CONFIG || g->cmd == GPUVFIO_CMD_BIND ||
		       g->cmd == GPUVFIO_CMD_UNBIND)) {
		failure("an unprivileged request was answered with a reply to command %u", g->cmd);
		return;
	}
	if (g->cmd != GPUVFIO_CMD_BIND && g->cmd != GPUVFIO_CMD_UNBIND)
		return;
	outcome = last_attr((const unsigned char *)(g + 1),
			    nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, GPUVFIO_A_OUTCOME);
	if (!outcome || outcome->nla_len < NLA_HDRLEN + 4) {
		failure("a %s reply without GPUVFIO_A_OUTCOME",
			g->cmd == GPUVFIO_CMD_BIND ? "BIND" : "UNBIND");
		return;
	}
	memcpy(&o, outcome + 1, 4);
	if (o != GPUVFIO_OUTCOME_DRY_RUN && o != GPUVFIO_OUTCOME_REFUSED)
		failure("a dry-run %s ran for real: outcome %u",
			g->cmd == GPUVFIO_CMD_BIND ? "BIND" : "UNBIND", o);
}

/* Reads whatever the kernel queued: it answers within send() and refills a
 * dump within recv(), so this waits for nothing. */
static void drain(void)
{
	static unsigned char buf[65536];
	const struct nlmsghdr *nlh;
	ssize_t n;
	int left, err;

	for (;;) {
		n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return;		/* EAGAIN: all read */
		}
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_type == NLMSG_DONE) {
				st.dumps_done++;
			} else if (nlh->nlmsg_type == NLMSG_ERROR) {
				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
					continue;
				err = ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
				st.acks++;
				if (err > 0 || err < -4095) {
					failure("an ACK with error %d", err);
					continue;
				}
				st.err[-err]++;
				if (!err)
					st.ok_acks++;
			} else if (nlh->nlmsg_type == family) {
				check_reply(nlh);
			}
		}
	}
}

static int send_msg(struct msg *m)
{
	if (!m->len_set)
		m->nlh.nlmsg_len = (uint32_t)m->len;
	if (m->len >= NLMSG_HDRLEN)
		m->nlh.nlmsg_seq = ++seq;
	if (verbose)
		hexdump("nl-fuzz: message", m->buf, m->len);
	if (send(sock, m->buf, m->len, 0) < 0)
		return -errno;
	return 0;
}

/* A request and its answers, for setup and the final check: returns the
 * ACK's error, fills the lists from a GET_CONFIG reply. */
static int exchange(struct msg *m, char *ids, char *excl, bool *got_reply)
{
	static unsigned char buf[65536];
	const struct nlmsghdr *nlh;
	const struct nlattr *nla;
	const unsigned char *p;
	size_t rem;
	ssize_t n;
	int left;

	int ret;

	*got_reply = false;
	ret = send_msg(m);
	if (ret)
		return ret;
	for (;;) {
		n = recv(sock, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == EINTR ? 0 : -errno;
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			*got_reply = true;
			p = (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
			rem = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			while (rem >= NLA_HDRLEN) {
				nla = (const struct nlattr *)p;
				if (nla->nla_len < NLA_HDRLEN || nla->nla_len > rem)
					break;
				if (nlh->nlmsg_type == GENL_ID_CTRL &&
				    nla->nla_type == CTRL_ATTR_FAMILY_ID)
					memcpy(&family, nla + 1, sizeof(family));
				if (ids && nla->nla_type == GPUVFIO_A_IDS)
					snprintf(ids, GPUVFIO_LIST_MAX, "%.*s",
						 (int)(nla->nla_len - NLA_HDRLEN), (const char *)(nla + 1));
				if (excl && nla->nla_type == GPUVFIO_A_EXCLUDE)
					snprintf(excl, GPUVFIO_LIST_MAX, "%.*s",
						 (int)(nla->nla_len - NLA_HDRLEN), (const char *)(nla + 1));
				if ((size_t)NLA_ALIGN(nla->nla_len) >= rem)
					break;
				rem -= NLA_ALIGN(nla->nla_len);
				p += NLA_ALIGN(nla->nla_len);
			}
		}
	}
}

static int resolve_family(void)
{
	struct msg m;
	bool got;
	int ret;

	family = GENL_ID_CTRL;
	msg_init(&m, CTRL_CMD_GETFAMILY, 0);
	((struct genlmsghdr *)NLMSG_DATA(&m.nlh))->version = 1;
	put_str(&m, CTRL_ATTR_FAMILY_NAME, GPUVFIO_GENL_NAME);
	family = 0;
	ret = exchange(&m, NULL, NULL, &got);
	if (ret)
		return ret;
	return family ? 0 : -ENOENT;
}

static int read_config(char *ids, char *excl)
{
	struct msg m;
	bool got;
	int ret;

	msg_init(&m, GPUVFIO_CMD_GET_CONFIG, 0);
	ret = exchange(&m, ids, excl, &got);
	if (!ret && !got)
		ret = -ENODATA;
	return ret;
}

static void find_devices(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) && ndevs < MAX_DEVS)
		if (de->d_name[0] != '.' && strlen(de->d_name) < sizeof(devs[0]))
			strcpy(devs[ndevs++], de->d_name);
	closedir(d);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The count is of messages made (sent or withheld), as --count takes it. */
static void progress(uint64_t seed, unsigned long made)
{
	char line[160];
	int n;

	if (kmsg < 0)
		return;
	n = snprintf(line, sizeof(line), "nl-fuzz: seed %llu%s: %lu messages made\n",
		     (unsigned long long)seed, unpriv ? " --unpriv" : "", made);
	if (write(kmsg, line, (size_t)n) < 0)
		kmsg = -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: nl-fuzz [--unpriv] [--seed N] [--count N] [-v] SECONDS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char ids_after[GPUVFIO_LIST_MAX], excl_after[GPUVFIO_LIST_MAX];
	struct timeval tv = { .tv_sec = 30 };
	unsigned long count = 0, i;
	uint64_t seed = 0;
	double seconds = -1, end;
	struct msg m;
	int one = 1, rcvbuf = 1 << 20, ret, a;
	unsigned int k, nmut;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--unpriv"))
			unpriv = true;
		else if (!strcmp(argv[a], "-v"))
			verbose = true;
		else if (!strcmp(argv[a], "--seed") && a + 1 < argc)
			seed = strtoull(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--count") && a + 1 < argc)
			count = strtoul(argv[++a], NULL, 0);
		else if (argv[a][0] != '-' && seconds < 0)
			seconds = strtod(argv[a], NULL);
		else
			usage();
	}
	if (seconds < 0 && !count)
		usage();
	if (!seed)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	rng = seed ? seed : 1;
	printf("nl-fuzz: seed %llu%s (replay: nl-fuzz%s --seed %llu --count N)\n",
	       (unsigned long long)seed, unpriv ? ", unprivileged" : ", as root",
	       unpriv ? " --unpriv" : "", (unsigned long long)seed);
	fflush(stdout);

	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (sock < 0 ||
	    setsockopt(sock, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		printf("nl-fuzz: no generic netlink socket: %s\n", strerror(errno));
		return 2;
	}
	setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	ret = resolve_family();
	if (ret) {
		printf("nl-fuzz: the family %s does not resolve: %s\n", GPUVFIO_GENL_NAME,
		       strerror(-ret));
		return 2;
	}
	ret = read_config(cur_ids, cur_exclude);
	if (ret) {
		printf("nl-fuzz: GET_CONFIG fails: %s\n", strerror(-ret));
		return 2;
	}
	find_devices();
	kmsg = unpriv ? -1 : open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	printf("nl-fuzz: family %u, %u devices, ids '%s', exclude '%s'\n", family, ndevs,
	       cur_ids, cur_exclude);

	end = now() + (seconds < 0 ? 1e9 : seconds);
	for (i = 0; (!count || i < count) && now() < end; i++) {
		if (i % 1000 == 0)
			progress(seed, i);
		if (chance(32)) {
			/* Random bytes after a netlink header of the family. */
			msg_init(&m, random_cmd(), 0);
			m.len = r(600);
			for (k = NLMSG_HDRLEN; k < m.len; k++)
				m.buf[k] = (uint8_t)next();
			m.nlh.nlmsg_flags = (uint16_t)next() | NLM_F_REQUEST;
		} else {
			base(&m, chance(10) ? random_cmd() : (uint8_t)(1 + r(GPUVFIO_CMD_MAX)));
			nmut = chance(8) ? 0 : 1 + r(4);
			for (k = 0; k < nmut && m.len; k++)
				mutate(&m);
		}
		if (!m.len_set && m.len >= NLMSG_HDRLEN)
			m.nlh.nlmsg_len = (uint32_t)m.len;
		m.len_set = true;
		if (!make_safe(&m)) {
			st.withheld++;
			continue;
		}
		if (send_msg(&m))
			st.send_errors++;
		else
			st.sent++;
		drain();
		/* Now and then, the module must still answer. */
		if (i % 500 == 499) {
			ret = read_config(ids_after, excl_after);
			if (ret)
				failure("GET_CONFIG after %lu messages: %s", st.sent, strerror(-ret));
		}
	}
	progress(seed, i);

	ret = read_config(ids_after, excl_after);
	if (ret)
		failure("GET_CONFIG at the end: %s", strerror(-ret));
	else if (strcmp(ids_after, cur_ids) || strcmp(excl_after, cur_exclude))
		failure("the lists changed: ids '%s' -> '%s', exclude '%s' -> '%s'",
			cur_ids, ids_after, cur_exclude, excl_after);

	printf("nl-fuzz: %lu messages made, %lu sent (%lu withheld, %lu given the dry-run flag, %lu send errors),"
	       " %lu replies, %lu ACKs (%lu success), %lu dumps ended\n",
	       i, st.sent, st.withheld, st.dry_run_set, st.send_errors, st.replies, st.acks,
	       st.ok_acks, st.dumps_done);
	printf("nl-fuzz: errors in ACKs:");
	for (k = 1; k < 4096; k++)
		if (st.err[k])
			printf(" %s=%lu", strerrorname_np((int)k) ? strerrorname_np((int)k) : "?",
			       st.err[k]);
	printf("\nnl-fuzz: %lu failed checks\n", failures);
	close(sock);
	return failures ? 1 : 0;
}
