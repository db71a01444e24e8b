/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: compact output, correct string escaping,
 * commas placed by the writer. Misuse (a value where a key is due, closing
 * the wrong container, nesting too deep) is recorded and reported by
 * json_end() instead of producing broken output silently.
 */
#ifndef GV_JSON_H
#define GV_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *f;
	int depth;
	/* Per level: '{' or '[', whether it has a member yet, whether an
	 * object has a key waiting for its value. */
	char kind[JSON_MAX_DEPTH];
	bool nonempty[JSON_MAX_DEPTH];
	bool have_key;
	bool done;
	bool error;
};

void json_begin(struct json *j, FILE *f);
/* Returns 0 when the document was complete and well formed. */
int json_end(struct json *j);

void json_object_open(struct json *j);
void json_object_close(struct json *j);
void json_array_open(struct json *j);
void json_array_close(struct json *j);
void json_key(struct json *j, const char *key);

/* A NULL string is written as null. */
void json_string(struct json *j, const char *s);
void json_string_len(struct json *j, const char *s, size_t len);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
/* A number already formatted: digits with an optional fraction ("1.500"). */
void json_number_text(struct json *j, const char *text);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* Writes s as a JSON string literal; invalid UTF-8 becomes U+FFFD. */
void json_write_string(FILE *f, const char *s, size_t len);

#endif /* GV_JSON_H */
