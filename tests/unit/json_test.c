// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: escaping, UTF-8 repair, structure, misuse. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "test.h"

static char *buf;
static size_t size;

static FILE *open_buf(void)
{
	free(buf);
	buf = NULL;
	return open_memstream(&buf, &size);
}

/* The literal json_write_string() makes of len bytes of s. */
static const char *escaped(const char *s, size_t len)
{
	FILE *f = open_buf();

	json_write_string(f, s, len);
	fclose(f);
	return buf;
}

static void esc(const char *s, size_t len, const char *want, const char *what)
{
	const char *got = escaped(s, len);

	check_str(got, want, what);
	check(json_valid(got), "...and is valid JSON");
}

static void test_escaping(void)
{
	esc("plain", 5, "\"plain\"", "plain text as is");
	esc("", 0, "\"\"", "empty string");
	esc("a\"b", 3, "\"a\\\"b\"", "quote escaped");
	esc("a\\b", 3, "\"a\\\\b\"", "backslash escaped");
	esc("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"", "short escapes");
	esc("\x01\x1f", 2, "\"\\u0001\\u001f\"", "other control characters as \\u00XX");
	esc("a\0b", 3, "\"a\\u0000b\"", "NUL inside a string");
	esc("/\x7f", 2, "\"/\x7f\"", "slash and DEL need no escape");
	esc("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"", "2-byte UTF-8 kept");
	esc("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"", "3-byte UTF-8 kept");
	esc("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"", "4-byte UTF-8 kept");
	esc("\xc3", 1, "\"\\ufffd\"", "truncated sequence replaced");
	esc("a\xe2\x82", 3, "\"a\\ufffd\\ufffd\"", "truncated 3-byte sequence replaced byte by byte");
	esc("\xc0\x80", 2, "\"\\ufffd\\ufffd\"", "overlong NUL replaced");
	esc("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\"", "overlong 3-byte form replaced");
	esc("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"", "UTF-16 surrogate replaced");
	esc("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "beyond U+10FFFF replaced");
	esc("\xff", 1, "\"\\ufffd\"", "0xff replaced");
	esc("\x80x", 2, "\"\\ufffdx\"", "stray continuation byte replaced");
	esc("\xc3(", 2, "\"\\ufffd(\"", "bad continuation: lead replaced, next kept");
}

static void test_document(void)
{
	struct json j;
	FILE *f = open_buf();
	int ret;

	json_begin(&j, f);
	json_object_open(&j);
	json_key(&j, "a");
	json_int(&j, -42);
	json_key(&j, "b");
	json_array_open(&j);
	json_bool(&j, true);
	json_bool(&j, false);
	json_null(&j);
	json_string(&j, "x");
	json_string(&j, NULL);
	json_uint(&j, UINT64_MAX);
	json_array_close(&j);
	json_key(&j, "c");
	json_object_open(&j);
	json_object_close(&j);
	json_key(&j, "d");
	json_array_open(&j);
	json_array_close(&j);
	json_key(&j, "k\"ey");
	json_string_len(&j, "ab", 1);
	json_object_close(&j);
	ret = json_end(&j);
	fclose(f);
	check(ret == 0, "a complete document ends well");
	check_str(buf, "{\"a\":-42,\"b\":[true,false,null,\"x\",null,18446744073709551615],"
		       "\"c\":{},\"d\":[],\"k\\\"ey\":\"a\"}\n",
		  "commas, nesting, null for a NULL string, escaped key");
	check(json_valid(buf), "...and it is valid JSON");
}

typedef void (*misuse_fn)(struct json *j);

static void m_value_without_key(struct json *j)
{
	json_object_open(j);
	json_int(j, 1);
	json_object_close(j);
}

static void m_key_in_array(struct json *j)
{
	json_array_open(j);
	json_key(j, "a");
	json_int(j, 1);
	json_array_close(j);
}

static void m_key_without_value(struct json *j)
{
	json_object_open(j);
	json_key(j, "a");
	json_object_close(j);
}

static void m_wrong_close(struct json *j)
{
	json_object_open(j);
	json_array_close(j);
}

static void m_unclosed(struct json *j)
{
	json_array_open(j);
}

static void m_two_documents(struct json *j)
{
	json_int(j, 1);
	json_int(j, 2);
}

static void m_empty(struct json *j)
{
	(void)j;
}

static void m_too_deep(struct json *j)
{
	int i;

	for (i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_array_open(j);
	for (i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_array_close(j);
}

static void m_close_top(struct json *j)
{
	json_int(j, 1);
	json_array_close(j);
}

static void test_misuse(void)
{
	static const struct {
		misuse_fn fn;
		const char *what;
	} cases[] = {
		{ m_value_without_key, "a value where a key is due" },
		{ m_key_in_array, "a key in an array" },
		{ m_key_without_value, "a key without a value" },
		{ m_wrong_close, "closing an object as an array" },
		{ m_unclosed, "an unclosed array" },
		{ m_two_documents, "two top-level values" },
		{ m_empty, "no value at all" },
		{ m_too_deep, "nesting deeper than JSON_MAX_DEPTH" },
		{ m_close_top, "closing at the top level" },
	};
	struct json j;
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = open_buf();
		json_begin(&j, f);
		cases[i].fn(&j);
		check(json_end(&j) != 0, "misuse reported: %s", cases[i].what);
		fclose(f);
	}

	f = open_buf();
	json_begin(&j, f);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_open(&j);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_close(&j);
	check(json_end(&j) == 0, "nesting of exactly JSON_MAX_DEPTH is fine");
	fclose(f);
}

/* The validator the other tests rely on must itself say no. */
static void test_validator(void)
{
	static const char *bad[] = {
		"", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "[01]", "\"a", "\"\t\"",
		"\"\\x\"", "\"\xc3\"", "tru", "{a:1}", "[1 2]", "1 2", "\"\\u12\"",
		"[-]", "1.", ".5", "{\"a\":1}}",
	};
	static const char *good[] = {
		"0", "-0.5e+3", "[]", "{}", "\"\\u00e9\"", " [ 1 , {\"a\" : null} ] ",
		"\"caf\xc3\xa9\"",
	};
	size_t i;
	bool ok = true;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok &= !json_valid(bad[i]);
	check(ok, "the test validator refuses broken JSON");
	ok = true;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok &= json_valid(good[i]);
	check(ok, "the test validator accepts good JSON");
}

int main(void)
{
	test_validator();
	test_escaping();
	test_document();
	test_misuse();
	free(buf);
	return test_done();
}
