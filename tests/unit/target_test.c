// SPDX-License-Identifier: GPL-2.0
/* The target grammar: what is accepted, what it means, what is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"
#include "test.h"

static int parse(const char *s, struct gv_target *t)
{
	return gv_parse_target(s, strlen(s), t);
}

static void accept_addr(const char *s, uint32_t domain, uint8_t bus,
			uint8_t slot, uint8_t fn)
{
	struct gv_target t;

	memset(&t, 0xaa, sizeof(t));
	check(parse(s, &t) == 0 && t.kind == GV_TARGET_ADDR &&
	      t.addr.domain == domain && t.addr.bus == bus &&
	      t.addr.devfn == (slot << 3 | fn),
	      "address '%s' is %x:%02x:%02x.%u", s, domain, bus, slot, fn);
}

static void accept_id(const char *s, uint32_t v, uint32_t d, uint32_t sv,
		      uint32_t sd)
{
	struct gv_target t;

	memset(&t, 0xaa, sizeof(t));
	check(parse(s, &t) == 0 && t.kind == GV_TARGET_ID && t.id.vendor == v &&
	      t.id.device == d && t.id.subvendor == sv && t.id.subdevice == sd,
	      "ID '%s' is %04x:%04x sub %x:%x", s, v, d, sv, sd);
}

static void reject(const char *s, size_t len, const char *why)
{
	struct gv_target t;

	check(gv_parse_target(s, len, &t) == -EINVAL, "refused: %s", why);
}

static void test_single(void)
{
	struct gv_target t;

	accept_addr("0000:01:00.0", 0, 1, 0, 0);
	accept_addr("01:00.0", 0, 1, 0, 0);
	accept_addr("0000:1f:1f.7", 0, 0x1f, 0x1f, 7);
	accept_addr("abcd:EF:1a.3", 0xabcd, 0xef, 0x1a, 3);
	accept_addr("10000:e1:00.0", 0x10000, 0xe1, 0, 0);
	accept_addr("ffffffff:ff:1f.7", 0xffffffff, 0xff, 0x1f, 7);
	accept_id("10de:1bb3", 0x10de, 0x1bb3, GV_ANY_ID, GV_ANY_ID);
	accept_id("10DE:1Bb3", 0x10de, 0x1bb3, GV_ANY_ID, GV_ANY_ID);
	accept_id("10de:1bb3:10de:11d8", 0x10de, 0x1bb3, 0x10de, 0x11d8);
	accept_id("ffff:ffff", 0xffff, 0xffff, GV_ANY_ID, GV_ANY_ID);
	check(parse("all", &t) == 0 && t.kind == GV_TARGET_ALL, "'all' is all");
	check(gv_parse_target("01:00.0trailing", 7, &t) == 0 &&
	      t.kind == GV_TARGET_ADDR && t.addr.bus == 1,
	      "only len bytes are read");

	reject("", 0, "empty");
	reject("1:00.0", 6, "one-digit bus");
	reject("001:00.0", 8, "three-digit bus");
	reject("01:0.0", 6, "one-digit slot");
	reject("01:00.00", 8, "two-digit function");
	reject("01:00.8", 7, "function 8");
	reject("01:20.0", 7, "slot 0x20");
	reject("0:01:00.0", 9, "one-digit domain");
	reject("000:01:00.0", 11, "three-digit domain");
	reject("123456789:01:00.0", 18, "nine-digit domain");
	reject("0000:01:00", 10, "no function");
	reject("0000:01:00.", 11, "empty function");
	reject("0000-01:00.0", 12, "dash for colon");
	reject("0000:01:00.0.0", 14, "two dots");
	reject("0000:01:00.0x", 13, "trailing junk");
	reject(" 01:00.0", 8, "leading blank");
	reject("01:00.0 ", 8, "trailing blank");
	reject("01:00.0\n", 8, "trailing newline in a single token");
	reject("-1:00.0", 7, "sign");
	reject("+1:00.0", 7, "plus sign");
	reject("0x:01.0", 7, "0x prefix");
	reject("0000:01:00:0.0", 14, "three colons");
	reject("10de", 4, "vendor alone");
	reject("10de:", 5, "empty device");
	reject(":1bb3", 5, "empty vendor");
	reject("10de:1bb", 8, "three-digit device");
	reject("10de:1bb33", 10, "five-digit device");
	reject("0x10de:1bb3", 11, "0x in an ID");
	reject("10de:1bb3:10de", 14, "three ID fields");
	reject("10de:1bb3:10de:11d8:0000", 24, "five ID fields");
	reject("10de:1bb3:10de:11d", 18, "short subdevice");
	reject("g0de:1bb3", 9, "not hex");
	reject("10de 1bb3", 9, "blank inside");
	reject("ALL", 3, "'ALL' (the word is lower case)");
	reject("All", 3, "'All'");
	reject("al", 2, "'al'");
	reject("alll", 4, "'alll'");
	reject("all\0", 4, "'all' with a NUL");
	reject("01:00\0.0", 8, "NUL inside an address");
	reject("10de\0:1bb3", 10, "NUL inside an ID");
}

static void test_list(void)
{
	struct gv_target t[GV_MAX_LIST + 1];
	struct gv_parse_err err;
	char big[GV_MAX_LIST * 11 + 16];
	unsigned int n = 99, i;
	size_t len = 0;
	int ret;

	ret = gv_parse_target_list("01:00.0 10de:1bb3,all\n", t, GV_MAX_LIST,
				   &n, &err);
	check(ret == 0 && n == 3 && t[0].kind == GV_TARGET_ADDR &&
	      t[1].kind == GV_TARGET_ID && t[2].kind == GV_TARGET_ALL,
	      "list with blank, comma and newline separators");
	ret = gv_parse_target_list(" ,\t,\r\n ", t, GV_MAX_LIST, &n, &err);
	check(ret == 0 && n == 0, "a list of separators is empty");
	ret = gv_parse_target_list("", t, GV_MAX_LIST, &n, &err);
	check(ret == 0 && n == 0, "an empty list is empty");

	n = 99;
	ret = gv_parse_target_list("01:00.0 b@d 02:00.0", t, GV_MAX_LIST, &n, &err);
	check(ret == -EINVAL && n == 0 && err.len == 3 &&
	      !memcmp(err.tok, "b@d", 3),
	      "a bad token fails the list and is pointed at");
	ret = gv_parse_target_list("01:00.0,,10de:1bb", t, GV_MAX_LIST, &n, &err);
	check(ret == -EINVAL && err.len == 8 && !memcmp(err.tok, "10de:1bb", 8),
	      "the last token is checked too");

	for (i = 0; i < GV_MAX_LIST; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len, "%02x:00.0 ", i);
	ret = gv_parse_target_list(big, t, GV_MAX_LIST, &n, &err);
	check(ret == 0 && n == GV_MAX_LIST, "%d targets fit", GV_MAX_LIST);
	snprintf(big + len, sizeof(big) - len, "ff:00.0");
	ret = gv_parse_target_list(big, t, GV_MAX_LIST, &n, &err);
	check(ret == -E2BIG && n == 0 && !memcmp(err.tok, "ff:00.0", 7),
	      "one more is too many (-E2BIG), pointing at the first extra");
	ret = gv_parse_target_list("01:00.0", t, 0, &n, &err);
	check(ret == -E2BIG, "max 0 takes nothing");
}

static void test_format_match(void)
{
	struct gv_addr a = { .domain = 0x10000, .bus = 0xe1, .devfn = 0x1f << 3 | 7 };
	struct gv_id id = { 0x10de, 0x1bb3, GV_ANY_ID, GV_ANY_ID };
	struct gv_target t;
	unsigned int slot, fn, ok = 1;
	char buf[32];

	gv_format_addr(buf, sizeof(buf), &a);
	check_str(buf, "10000:e1:1f.7", "address formatted in full");
	a.domain = 0;
	a.bus = 1;
	a.devfn = 1;
	gv_format_addr(buf, sizeof(buf), &a);
	check_str(buf, "0000:01:00.1", "domain padded to 4 digits");
	gv_format_id(buf, sizeof(buf), &id);
	check_str(buf, "10de:1bb3", "ID formatted");
	id.subvendor = 0x10de;
	id.subdevice = 0x11d8;
	gv_format_id(buf, sizeof(buf), &id);
	check_str(buf, "10de:1bb3:10de:11d8", "ID with subsystem formatted");

	for (slot = 0; slot < 32; slot++) {
		for (fn = 0; fn < 8; fn++) {
			a.devfn = (uint8_t)(slot << 3 | fn);
			gv_format_addr(buf, sizeof(buf), &a);
			ok &= parse(buf, &t) == 0 && gv_addr_equal(&t.addr, &a);
		}
	}
	check(ok, "every slot and function survives format and parse");

	id.subvendor = id.subdevice = GV_ANY_ID;
	check(gv_id_match(&id, 0x10de, 0x1bb3, 0x1234, 0x5678),
	      "an ID without subsystem matches any subsystem");
	check(!gv_id_match(&id, 0x10de, 0x1bb4, 0x1234, 0x5678),
	      "another device does not match");
	id.subvendor = 0x10de;
	id.subdevice = 0x11d8;
	check(gv_id_match(&id, 0x10de, 0x1bb3, 0x10de, 0x11d8) &&
	      !gv_id_match(&id, 0x10de, 0x1bb3, 0x10de, 0x11d9),
	      "an ID with subsystem matches only that subsystem");
}

/* Random strings: no crash, and whatever is accepted means one thing. */
static void test_random(void)
{
	static const char alphabet[] = "0123456789abcdefABCDEF:.,x- al\n";
	char s[24], buf[32];
	struct gv_target t, u;
	unsigned int i, len, k, accepted = 0, consistent = 1;

	srand(1);
	for (i = 0; i < 200000; i++) {
		len = (unsigned int)rand() % 20;
		for (k = 0; k < len; k++)
			s[k] = alphabet[(unsigned int)rand() % (sizeof(alphabet) - 1)];
		s[len] = '\0';
		if (gv_parse_target(s, len, &t))
			continue;
		accepted++;
		if (t.kind == GV_TARGET_ADDR) {
			gv_format_addr(buf, sizeof(buf), &t.addr);
			consistent &= !parse(buf, &u) && gv_addr_equal(&t.addr, &u.addr);
		} else if (t.kind == GV_TARGET_ID) {
			gv_format_id(buf, sizeof(buf), &t.id);
			consistent &= !parse(buf, &u) && !memcmp(&t.id, &u.id, sizeof(t.id));
		}
	}
	check(consistent, "200000 random strings: %u accepted, each formats and parses back to itself",
	      accepted);
}

int main(void)
{
	test_single();
	test_list();
	test_format_match();
	test_random();
	return test_done();
}
