// SPDX-License-Identifier: GPL-2.0
/*
 * The module's own parsers, kmod/parse.c, compiled in userspace from the
 * same file: PCI addresses, vendor:device IDs, targets, and the ids=,
 * exclude= and target lists. The first byte of the input picks what is
 * parsed and with which limits; the rest is the string.
 *
 * Beyond "does not crash", every input is held to properties:
 *   - what parses formats back to at most GV_ADDR_LEN / GV_ID_LEN - 1
 *     characters, and the formatted text parses to the same value;
 *   - a failed parse leaves its output as it was (a list reports n = 0 and
 *     names a token that lies inside the input and holds no separator);
 *   - the grammar agrees with an independent, naive reading of
 *     kmod/parse.h's grammar (digit counts, ranges, separators);
 *   - a list parses to exactly its tokens, each as the one-item parser
 *     reads it, and fails with E2BIG exactly when it has more than max;
 *   - a formatted list never writes past its buffer, whatever the size,
 *     is NUL-terminated, is cut only between items, returns the length it
 *     wanted, fits in GPUVFIO_LIST_MAX (the kernel's GET_CONFIG and sysfs
 *     buffers) and parses back to the same list.
 * A broken property aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/gpuvfio.h>

#include "parse.h"

#define MAX_INPUT	8192

static void broken(const char *what, const char *s)
{
	fprintf(stderr, "fuzz_parse: property broken: %s\ninput: '%s'\n", what, s);
	abort();
}

#define require(cond, s) \
	do { if (!(cond)) broken(#cond, (s)); } while (0)

/* ---- an independent reading of the grammar -------------------------------- */

static int hexdig(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* The count of hex digits at s[0..len) if all of it is hex, else -1. */
static int hexrun(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!hexdig(s[i]))
			return -1;
	return (int)len;
}

static unsigned long hexnum(const char *s, size_t len)
{
	char buf[16];

	memcpy(buf, s, len);
	buf[len] = '\0';
	return strtoul(buf, NULL, 16);
}

/* Splits s[0..len) at every c; returns the number of pieces (at most max). */
static size_t split(const char *s, size_t len, char c, const char **piece,
		    size_t *plen, size_t max)
{
	size_t n = 0, start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == c) {
			if (n == max)
				return max + 1;
			piece[n] = s + start;
			plen[n++] = i - start;
			start = i + 1;
		}
	}
	return n;
}

/* [DDDD:]BB:SS.F: domain 4-8 digits, bus 2, slot 2 (<= 1f), function 0-7. */
static int ref_addr(const char *s, size_t len, struct gv_addr *a)
{
	const char *p[4], *q[3];
	size_t pl[4], ql[3], n, m, i = 0;
	unsigned long domain = 0, slot, fn;

	n = split(s, len, ':', p, pl, 3);
	if (n != 2 && n != 3)
		return -1;
	if (n == 3) {
		if (hexrun(p[0], pl[0]) < 4 || pl[0] > 8)
			return -1;
		domain = hexnum(p[0], pl[0]);
		i = 1;
	}
	if (pl[i] != 2 || hexrun(p[i], 2) < 0)
		return -1;
	m = split(p[i + 1], pl[i + 1], '.', q, ql, 2);
	if (m != 2 || ql[0] != 2 || hexrun(q[0], 2) < 0 ||
	    ql[1] != 1 || hexrun(q[1], 1) < 0)
		return -1;
	slot = hexnum(q[0], 2);
	fn = hexnum(q[1], 1);
	if (slot > 0x1f || fn > 7)
		return -1;
	a->domain = (uint32_t)domain;
	a->bus = (uint8_t)hexnum(p[i], 2);
	a->devfn = (uint8_t)(slot << 3 | fn);
	return 0;
}

/* VVVV:DDDD or VVVV:DDDD:SVVV:SDDD, exactly 4 hex digits each. */
static int ref_id(const char *s, size_t len, struct gv_id *id)
{
	const char *p[5];
	size_t pl[5], n, i;
	uint32_t f[4] = { 0, 0, GV_ANY_ID, GV_ANY_ID };

	n = split(s, len, ':', p, pl, 4);
	if (n != 2 && n != 4)
		return -1;
	for (i = 0; i < n; i++) {
		if (pl[i] != 4 || hexrun(p[i], 4) < 0)
			return -1;
		f[i] = (uint32_t)hexnum(p[i], 4);
	}
	id->vendor = f[0];
	id->device = f[1];
	id->subvendor = f[2];
	id->subdevice = f[3];
	return 0;
}

static int ref_target(const char *s, size_t len, struct gv_target *t)
{
	if (len == 3 && !memcmp(s, "all", 3)) {
		t->kind = GV_TARGET_ALL;
		return 0;
	}
	if (memchr(s, '.', len)) {
		t->kind = GV_TARGET_ADDR;
		return ref_addr(s, len, &t->addr);
	}
	t->kind = GV_TARGET_ID;
	return ref_id(s, len, &t->id);
}

static int id_equal(const struct gv_id *a, const struct gv_id *b)
{
	return a->vendor == b->vendor && a->device == b->device &&
	       a->subvendor == b->subvendor && a->subdevice == b->subdevice;
}

static int target_equal(const struct gv_target *a, const struct gv_target *b)
{
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case GV_TARGET_ADDR:
		return gv_addr_equal(&a->addr, &b->addr);
	case GV_TARGET_ID:
		return id_equal(&a->id, &b->id);
	default:
		return 1;
	}
}

/* ---- one item --------------------------------------------------------------- */

static void one_addr(const char *s, size_t len)
{
	struct gv_addr a, ref, back;
	char buf[GV_ADDR_LEN + 1];
	int ret, n;

	memset(&a, 0xa5, sizeof(a));
	ret = gv_parse_addr(s, len, &a);
	require(ret == 0 || ret == -EINVAL, s);
	require((ret == 0) == (ref_addr(s, len, &ref) == 0), s);
	if (ret) {
		memset(&ref, 0xa5, sizeof(ref));
		require(!memcmp(&a, &ref, sizeof(a)), s);
		return;
	}
	require(gv_addr_equal(&a, &ref), s);
	n = gv_format_addr(buf, sizeof(buf), &a);
	require(n >= 12 && n <= GV_ADDR_LEN && (size_t)n == strlen(buf), s);
	require(gv_parse_addr(buf, (size_t)n, &back) == 0, buf);
	require(gv_addr_equal(&a, &back), buf);
}

static void one_id(const char *s, size_t len)
{
	struct gv_id id, ref, back;
	char buf[GV_ID_LEN];
	int ret, n;

	memset(&id, 0xa5, sizeof(id));
	ret = gv_parse_id(s, len, &id);
	require(ret == 0 || ret == -EINVAL, s);
	require((ret == 0) == (ref_id(s, len, &ref) == 0), s);
	if (ret) {
		memset(&ref, 0xa5, sizeof(ref));
		require(!memcmp(&id, &ref, sizeof(id)), s);
		return;
	}
	require(id_equal(&id, &ref), s);
	require(gv_id_match(&id, id.vendor, id.device, 0x1234, 0x5678) ==
		((id.subvendor == GV_ANY_ID || id.subvendor == 0x1234) &&
		 (id.subdevice == GV_ANY_ID || id.subdevice == 0x5678)), s);
	n = gv_format_id(buf, sizeof(buf), &id);
	require(n >= 9 && n <= GV_ID_LEN - 1 && (size_t)n == strlen(buf), s);
	require(gv_parse_id(buf, (size_t)n, &back) == 0, buf);
	require(id_equal(&id, &back), buf);
}

/* The formatted text of one target (as the kernel logs and reports it). */
static int format_target(char *buf, size_t size, const struct gv_target *t)
{
	switch (t->kind) {
	case GV_TARGET_ADDR:
		return gv_format_addr(buf, size, &t->addr);
	case GV_TARGET_ID:
		return gv_format_id(buf, size, &t->id);
	default:
		return snprintf(buf, size, "all");
	}
}

static void one_target(const char *s, size_t len)
{
	struct gv_target t, ref, back;
	char buf[GV_ID_LEN + GV_ADDR_LEN];
	int ret, n;

	memset(&t, 0xa5, sizeof(t));
	ret = gv_parse_target(s, len, &t);
	require(ret == 0 || ret == -EINVAL, s);
	require((ret == 0) == (ref_target(s, len, &ref) == 0), s);
	if (ret) {
		/* gv_parse_target() sets the kind before it parses the
		 * value; the value itself must be left alone. */
		memset(&ref, 0xa5, sizeof(ref));
		require(!memcmp(&t.id, &ref.id, sizeof(t.id)), s);
		return;
	}
	require(target_equal(&t, &ref), s);
	n = format_target(buf, sizeof(buf), &t);
	require(n > 0 && (size_t)n < sizeof(buf), s);
	require(gv_parse_target(buf, (size_t)n, &back) == 0, buf);
	require(target_equal(&t, &back), buf);
}

/* ---- lists -------------------------------------------------------------- */

static int is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum kind { K_ID, K_ADDR, K_TARGET };

static size_t item_size(enum kind k)
{
	return k == K_ID ? sizeof(struct gv_id) :
	       k == K_ADDR ? sizeof(struct gv_addr) : sizeof(struct gv_target);
}

static int parse_one(enum kind k, const char *s, size_t len, void *out)
{
	return k == K_ID ? gv_parse_id(s, len, out) :
	       k == K_ADDR ? gv_parse_addr(s, len, out) :
	       gv_parse_target(s, len, out);
}

static int parse_list(enum kind k, const char *s, void *out, unsigned int max,
		      unsigned int *n, struct gv_parse_err *err)
{
	return k == K_ID ? gv_parse_id_list(s, out, max, n, err) :
	       k == K_ADDR ? gv_parse_addr_list(s, out, max, n, err) :
	       gv_parse_target_list(s, out, max, n, err);
}

static int items_equal(enum kind k, const void *a, const void *b)
{
	return k == K_ID ? id_equal(a, b) :
	       k == K_ADDR ? gv_addr_equal(a, b) : target_equal(a, b);
}

/* Formats n items of kind k (ids or addresses) into buf[size]. */
static int format_list(enum kind k, char *buf, size_t size, const void *items,
		       unsigned int n)
{
	return k == K_ID ? gv_format_id_list(buf, size, items, n) :
	       gv_format_addr_list(buf, size, items, n);
}

/* A formatted list into every small buffer size the input asks for, with a
 * guard after it: nothing past size is touched, the text is a cut of the
 * full text between items, and the length wanted is the full length. */
static void format_cut(enum kind k, const void *items, unsigned int n,
		       const char *full, size_t full_len, size_t size,
		       const char *s)
{
	char buf[GPUVFIO_LIST_MAX + 16];
	size_t i, got;
	int ret;

	memset(buf, 0x5a, sizeof(buf));
	ret = format_list(k, buf, size, items, n);
	require(ret >= 0 && (size_t)ret == full_len, s);
	for (i = size; i < sizeof(buf); i++)
		require(buf[i] == 0x5a, s);
	if (!size)
		return;
	got = strnlen(buf, size);
	require(got < size, s);
	require(!memcmp(buf, full, got), s);
	require(got == full_len || full[got] == ',' || (got == 0 && n), s);
}

static void list(enum kind k, const char *s, unsigned int max, size_t cut)
{
	/* Room for GV_MAX_LIST of the largest item, suitably aligned. */
	static struct gv_target out_t[GV_MAX_LIST], back_t[GV_MAX_LIST], one_t;
	unsigned char *out = (unsigned char *)out_t;
	unsigned char *back = (unsigned char *)back_t;
	void *one = &one_t;
	static char text[GPUVFIO_LIST_MAX + 16];
	size_t size = item_size(k), i = 0, start, tokens = 0;
	struct gv_parse_err err = { NULL, 0 };
	size_t bad_start = 0, bad_len = 0;
	unsigned int n = 12345, n2;
	int ret, want = 0, len;

	/* What the list should give: its tokens, each parsed on its own. */
	while (s[i]) {
		if (is_sep(s[i])) {
			i++;
			continue;
		}
		start = i;
		while (s[i] && !is_sep(s[i]))
			i++;
		if (!want && tokens == max) {
			want = -E2BIG;
			bad_start = start;
			bad_len = i - start;
		} else if (!want && parse_one(k, s + start, i - start, one)) {
			want = -EINVAL;
			bad_start = start;
			bad_len = i - start;
		}
		tokens++;
	}

	ret = parse_list(k, s, out, max, &n, &err);
	require(ret == want, s);
	if (ret) {
		require(n == 0, s);
		require(err.tok == s + bad_start && err.len == bad_len, s);
		for (i = 0; i < err.len; i++)
			require(!is_sep(err.tok[i]) && err.tok[i], s);
		/* Without an err to fill, the answer is the same. */
		require(parse_list(k, s, out, max, &n, NULL) == want && n == 0, s);
		return;
	}
	require(n == tokens && n <= max, s);

	/* Each item is what the one-item parser reads from its token. */
	for (i = 0, n2 = 0; s[i];) {
		if (is_sep(s[i])) {
			i++;
			continue;
		}
		start = i;
		while (s[i] && !is_sep(s[i]))
			i++;
		require(parse_one(k, s + start, i - start, one) == 0, s);
		require(items_equal(k, one, out + n2 * size), s);
		n2++;
	}

	if (k == K_TARGET)
		return;	/* targets are never formatted as a list */

	/* The kernel formats these lists into GPUVFIO_LIST_MAX bytes. */
	len = format_list(k, text, GPUVFIO_LIST_MAX, out, n);
	require(len >= 0 && len < GPUVFIO_LIST_MAX && (size_t)len == strlen(text), s);
	require(parse_list(k, text, back, GV_MAX_LIST, &n2, NULL) == 0, text);
	require(n2 == n, text);
	for (i = 0; i < n; i++)
		require(items_equal(k, out + i * size, back + i * size), text);
	format_cut(k, out, n, text, (size_t)len, cut % ((size_t)len + 2), s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char s[MAX_INPUT + 1];
	unsigned int sel, max;
	size_t len;

	if (size < 2 || size > MAX_INPUT)
		return 0;
	sel = data[0];
	/* The string: at most up to its first NUL, as the kernel sees it. */
	len = size - 1;
	memcpy(s, data + 1, len);
	s[len] = '\0';

	/* The one-item parsers take a length and need no NUL. */
	switch (sel % 6) {
	case 0:
		one_addr(s, len);
		break;
	case 1:
		one_id(s, len);
		break;
	case 2:
		one_target(s, len);
		break;
	}
	if (memchr(s, '\0', len))
		return 0;	/* lists are C strings */
	/* The high bits choose max: the full GV_MAX_LIST half of the time. */
	max = sel & 0x80 ? (sel >> 3) & 0x0f : GV_MAX_LIST;
	switch (sel % 6) {
	case 3:
		list(K_ID, s, max, data[size - 1] * 17u);
		break;
	case 4:
		list(K_ADDR, s, max, data[size - 1] * 17u);
		break;
	case 5:
		list(K_TARGET, s, max, 0);
		break;
	default:
		/* The same bytes as each kind of list, too. */
		list(K_ID, s, GV_MAX_LIST, len);
		list(K_ADDR, s, GV_MAX_LIST, len);
		list(K_TARGET, s, GV_MAX_LIST, 0);
		break;
	}
	return 0;
}
