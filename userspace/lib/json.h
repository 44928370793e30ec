/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer for `-j` output: objects, arrays, strings
 * (escaped per RFC 8259), integers and booleans. Commas are tracked per
 * nesting level so callers only say what they write.
 */
#ifndef IPSECME_JSON_H
#define IPSECME_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *out);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
/* @key is NULL inside arrays. */
void json_string(struct json *j, const char *key, const char *value);
void json_u64(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);
/* Writes the escaped, quoted form of @s. */
void json_write_escaped(FILE *out, const char *s);

#endif /* IPSECME_JSON_H */
