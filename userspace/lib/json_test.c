// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/ktest.h"

static char *buf;
static size_t len;

static struct json *open_json(void)
{
	static struct json j;

	free(buf);
	json_init(&j, open_memstream(&buf, &len));
	return &j;
}

static const char *close_json(struct json *j)
{
	fclose(j->out);
	return buf;
}

static void test_escapes(void)
{
	struct json *j = open_json();

	json_write_escaped(j->out, "a\"b\\c\nd\x01\te");
	KT_EXPECT_STR(close_json(j), "\"a\\\"b\\\\c\\nd\\u0001\\te\"");
}

static void test_nesting_and_commas(void)
{
	struct json *j = open_json();

	json_object_begin(j, NULL);
	json_string(j, "version", "0.1.0");
	json_u64(j, "features", 18446744073709551615ULL);
	json_object_begin(j, "stats");
	json_u64(j, "a", 1);
	json_u64(j, "b", 2);
	json_object_end(j);
	json_array_begin(j, "list");
	json_bool(j, NULL, true);
	json_bool(j, NULL, false);
	json_array_end(j);
	json_object_end(j);
	KT_EXPECT_STR(close_json(j),
		      "{\"version\":\"0.1.0\",\"features\":18446744073709551615,"
		      "\"stats\":{\"a\":1,\"b\":2},\"list\":[true,false]}\n");
}

static void test_empty_containers(void)
{
	struct json *j = open_json();

	json_object_begin(j, NULL);
	json_array_begin(j, "x");
	json_array_end(j);
	json_object_begin(j, "y");
	json_object_end(j);
	json_object_end(j);
	KT_EXPECT_STR(close_json(j), "{\"x\":[],\"y\":{}}\n");
}

int main(void)
{
	kt_run("json escapes quotes, backslashes and control characters",
	       test_escapes);
	kt_run("json separates members at every nesting level",
	       test_nesting_and_commas);
	kt_run("json writes empty objects and arrays", test_empty_containers);
	free(buf);
	return kt_done();
}
