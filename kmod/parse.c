// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers shared by gpuvfio.ko, the gpuvfio tool and the host tests. No
 * allocation, no locale, no library number parsing: the same bytes give the
 * same answer in the kernel and in userspace.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <stdio.h>
#include <string.h>
#endif

#include "parse.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Reads between min and max hex digits from s[*pos..len) into *val. Stops at
 * the first non-digit; fails if the count is out of range.
 */
static int hexfield(const char *s, size_t len, size_t *pos, unsigned int min,
		    unsigned int max, u32 *val)
{
	unsigned int digits = 0;
	u32 v = 0;
	int d;

	while (*pos < len && (d = hexval(s[*pos])) >= 0) {
		if (++digits > max)
			return -EINVAL;
		v = (v << 4) | (u32)d;
		(*pos)++;
	}
	if (digits < min)
		return -EINVAL;
	*val = v;
	return 0;
}

static int expect(const char *s, size_t len, size_t *pos, char c)
{
	if (*pos >= len || s[*pos] != c)
		return -EINVAL;
	(*pos)++;
	return 0;
}

static size_t count_char(const char *s, size_t len, char c)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += s[i] == c;
	return n;
}

int gv_parse_addr(const char *s, size_t len, struct gv_addr *addr)
{
	u32 domain = 0, bus, slot, fn;
	size_t pos = 0;

	if (count_char(s, len, ':') == 2) {
		if (hexfield(s, len, &pos, 4, 8, &domain) ||
		    expect(s, len, &pos, ':'))
			return -EINVAL;
	}
	if (hexfield(s, len, &pos, 2, 2, &bus) || expect(s, len, &pos, ':') ||
	    hexfield(s, len, &pos, 2, 2, &slot) || expect(s, len, &pos, '.') ||
	    hexfield(s, len, &pos, 1, 1, &fn) || pos != len)
		return -EINVAL;
	if (slot > 0x1f || fn > 7)
		return -EINVAL;
	addr->domain = domain;
	addr->bus = (u8)bus;
	addr->devfn = (u8)(slot << 3 | fn);
	return 0;
}

int gv_parse_id(const char *s, size_t len, struct gv_id *id)
{
	u32 f[4] = { 0, 0, GV_ANY_ID, GV_ANY_ID };
	size_t pos = 0, fields, i;

	fields = count_char(s, len, ':') + 1;
	if (fields != 2 && fields != 4)
		return -EINVAL;
	for (i = 0; i < fields; i++) {
		if (i && expect(s, len, &pos, ':'))
			return -EINVAL;
		if (hexfield(s, len, &pos, 4, 4, &f[i]))
			return -EINVAL;
	}
	if (pos != len)
		return -EINVAL;
	id->vendor = f[0];
	id->device = f[1];
	id->subvendor = f[2];
	id->subdevice = f[3];
	return 0;
}

int gv_parse_target(const char *s, size_t len, struct gv_target *t)
{
	if (len == 3 && !memcmp(s, "all", 3)) {
		t->kind = GV_TARGET_ALL;
		return 0;
	}
	/* Only an address has a '.', so "01:00" is a malformed address to
	 * nobody and a malformed ID to everybody: both are refused. */
	if (count_char(s, len, '.')) {
		t->kind = GV_TARGET_ADDR;
		return gv_parse_addr(s, len, &t->addr);
	}
	t->kind = GV_TARGET_ID;
	return gv_parse_id(s, len, &t->id);
}

static bool is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Splits s at separators and hands each token to parse(), which stores into
 * out + i * size. Nothing is reported as parsed unless the whole list is good.
 */
static int parse_list(const char *s, void *out, size_t size, unsigned int max,
		      unsigned int *n, struct gv_parse_err *err,
		      int (*parse)(const char *, size_t, void *))
{
	unsigned int count = 0;
	size_t i = 0, start;

	*n = 0;
	while (s[i]) {
		if (is_sep(s[i])) {
			i++;
			continue;
		}
		start = i;
		while (s[i] && !is_sep(s[i]))
			i++;
		if (count == max ||
		    parse(s + start, i - start, (char *)out + count * size)) {
			if (err) {
				err->tok = s + start;
				err->len = i - start;
			}
			return count == max ? -E2BIG : -EINVAL;
		}
		count++;
	}
	*n = count;
	return 0;
}

static int parse_id_cb(const char *s, size_t len, void *out)
{
	return gv_parse_id(s, len, out);
}

static int parse_addr_cb(const char *s, size_t len, void *out)
{
	return gv_parse_addr(s, len, out);
}

static int parse_target_cb(const char *s, size_t len, void *out)
{
	return gv_parse_target(s, len, out);
}

int gv_parse_id_list(const char *s, struct gv_id *ids, unsigned int max,
		     unsigned int *n, struct gv_parse_err *err)
{
	return parse_list(s, ids, sizeof(*ids), max, n, err, parse_id_cb);
}

int gv_parse_addr_list(const char *s, struct gv_addr *addrs, unsigned int max,
		       unsigned int *n, struct gv_parse_err *err)
{
	return parse_list(s, addrs, sizeof(*addrs), max, n, err, parse_addr_cb);
}

int gv_parse_target_list(const char *s, struct gv_target *t, unsigned int max,
			 unsigned int *n, struct gv_parse_err *err)
{
	return parse_list(s, t, sizeof(*t), max, n, err, parse_target_cb);
}

bool gv_id_match(const struct gv_id *id, u32 vendor, u32 device,
		 u32 subvendor, u32 subdevice)
{
	return id->vendor == vendor && id->device == device &&
	       (id->subvendor == GV_ANY_ID || id->subvendor == subvendor) &&
	       (id->subdevice == GV_ANY_ID || id->subdevice == subdevice);
}

bool gv_addr_equal(const struct gv_addr *a, const struct gv_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus &&
	       a->devfn == b->devfn;
}

int gv_format_addr(char *buf, size_t size, const struct gv_addr *addr)
{
	return snprintf(buf, size, "%04x:%02x:%02x.%u", addr->domain,
			addr->bus, addr->devfn >> 3, addr->devfn & 7u);
}

int gv_format_id(char *buf, size_t size, const struct gv_id *id)
{
	if (id->subvendor == GV_ANY_ID && id->subdevice == GV_ANY_ID)
		return snprintf(buf, size, "%04x:%04x", id->vendor, id->device);
	return snprintf(buf, size, "%04x:%04x:%04x:%04x", id->vendor,
			id->device, id->subvendor & 0xffffu,
			id->subdevice & 0xffffu);
}

/* Appends with commas; returns the length it wanted, like snprintf. */
static int format_list(char *buf, size_t size, const void *items,
		       size_t item_size, unsigned int n,
		       int (*fmt)(char *, size_t, const void *))
{
	char one[GV_ID_LEN + GV_ADDR_LEN];
	size_t used = 0;
	unsigned int i;
	int len;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < n; i++) {
		len = fmt(one, sizeof(one), (const char *)items + i * item_size);
		if (len < 0)
			return len;
		if (used + (i > 0) + (size_t)len < size) {
			if (i)
				buf[used] = ',';
			memcpy(buf + used + (i > 0), one, (size_t)len + 1);
		}
		used += (i > 0) + (size_t)len;
	}
	return (int)used;
}

static int format_id_cb(char *buf, size_t size, const void *item)
{
	return gv_format_id(buf, size, item);
}

static int format_addr_cb(char *buf, size_t size, const void *item)
{
	return gv_format_addr(buf, size, item);
}

int gv_format_id_list(char *buf, size_t size, const struct gv_id *ids,
		      unsigned int n)
{
	return format_list(buf, size, ids, sizeof(*ids), n, format_id_cb);
}

int gv_format_addr_list(char *buf, size_t size, const struct gv_addr *addrs,
			unsigned int n)
{
	return format_list(buf, size, addrs, sizeof(*addrs), n, format_addr_cb);
}
