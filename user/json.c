// SPDX-License-Identifier: GPL-2.0
/*
 * JSON output. Strings from sysfs and pci.ids are arbitrary bytes, so they
 * are checked as UTF-8 and anything that is not well-formed (overlong forms,
 * surrogates, code points past U+10FFFF, truncated sequences) is replaced,
 * byte by byte, with U+FFFD: the output is always valid JSON.
 */
#include <string.h>

#include "json.h"

void json_begin(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

int json_end(struct json *j)
{
	if (!j->done || j->depth || j->error)
		return -1;
	fputc('\n', j->f);
	return 0;
}

/* Called before every value: places the comma, checks a value is allowed. */
static bool value_ok(struct json *j)
{
	if (j->error)
		return false;
	if (j->depth == 0) {
		if (j->done) {
			j->error = true;
			return false;
		}
		return true;
	}
	if (j->kind[j->depth - 1] == '{') {
		if (!j->have_key) {
			j->error = true;
			return false;
		}
		j->have_key = false;
		return true;
	}
	if (j->nonempty[j->depth - 1])
		fputc(',', j->f);
	j->nonempty[j->depth - 1] = true;
	return true;
}

static void value_done(struct json *j)
{
	if (j->depth == 0)
		j->done = true;
}

static void open_container(struct json *j, char kind)
{
	if (!value_ok(j))
		return;
	if (j->depth == JSON_MAX_DEPTH) {
		j->error = true;
		return;
	}
	fputc(kind, j->f);
	j->kind[j->depth] = kind;
	j->nonempty[j->depth] = false;
	j->depth++;
}

static void close_container(struct json *j, char kind)
{
	if (j->error)
		return;
	if (j->depth == 0 || j->kind[j->depth - 1] != kind || j->have_key) {
		j->error = true;
		return;
	}
	j->depth--;
	fputc(kind == '{' ? '}' : ']', j->f);
	value_done(j);
}

void json_object_open(struct json *j)
{
	open_container(j, '{');
}

void json_object_close(struct json *j)
{
	close_container(j, '{');
}

void json_array_open(struct json *j)
{
	open_container(j, '[');
}

void json_array_close(struct json *j)
{
	close_container(j, '[');
}

void json_key(struct json *j, const char *key)
{
	if (j->error)
		return;
	if (j->depth == 0 || j->kind[j->depth - 1] != '{' || j->have_key ||
	    !key) {
		j->error = true;
		return;
	}
	if (j->nonempty[j->depth - 1])
		fputc(',', j->f);
	j->nonempty[j->depth - 1] = true;
	json_write_string(j->f, key, strlen(key));
	fputc(':', j->f);
	j->have_key = true;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json_write_string(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		switch (s[i]) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (s[i] < 0x20) {
				fprintf(f, "\\u%04x", s[i]);
				break;
			}
			n = utf8_seq(s + i, len - i);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s + i, 1, n, f);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', f);
}

void json_string_len(struct json *j, const char *s, size_t len)
{
	if (!value_ok(j))
		return;
	if (s)
		json_write_string(j->f, s, len);
	else
		fputs("null", j->f);
	value_done(j);
}

void json_string(struct json *j, const char *s)
{
	json_string_len(j, s, s ? strlen(s) : 0);
}

void json_int(struct json *j, int64_t v)
{
	if (!value_ok(j))
		return;
	fprintf(j->f, "%lld", (long long)v);
	value_done(j);
}

void json_number_text(struct json *j, const char *text)
{
	const char *p = text;

	if (!value_ok(j))
		return;
	/* Only what the tool formats: digits, maybe a fraction. */
	while (*p >= '0' && *p <= '9')
		p++;
	if (p != text && *p == '.' && p[1] >= '0' && p[1] <= '9')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (p == text || *p) {
		j->error = true;
		fputs("null", j->f);
	} else {
		fputs(text, j->f);
	}
	value_done(j);
}

void json_uint(struct json *j, uint64_t v)
{
	if (!value_ok(j))
		return;
	fprintf(j->f, "%llu", (unsigned long long)v);
	value_done(j);
}

void json_bool(struct json *j, bool v)
{
	if (!value_ok(j))
		return;
	fputs(v ? "true" : "false", j->f);
	value_done(j);
}

void json_null(struct json *j)
{
	if (!value_ok(j))
		return;
	fputs("null", j->f);
	value_done(j);
}
