/*
 * test-json.c: unit tests for schema/json.c, strict parsing and the
 * canonical form of records.
 *
 * Every expected canonical text below was printed by Python, the reference
 * the canonical form is defined against (docs/design.md, "Canonical form"):
 *
 *   python3 -c 'import json,sys; sys.stdout.write(
 *       json.dumps(OBJ, ensure_ascii=False, indent=2) + "\n")'
 *
 * and pasted as C literals (hex escapes only for bytes that would be
 * invisible in the source: control bytes, DEL, U+2028).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "schema/json.h"
#include "tap.h"

/* json.dumps(record, ensure_ascii=False, indent=2) of a sample record. */
static const char record_canonical[] =
	"{\n"
	"  \"kind\": \"issue\",\n"
	"  \"id\": \"01J9Z3K4Q7\",\n"
	"  \"rev\": 3,\n"
	"  \"created\": 1751328000,\n"
	"  \"deleted\": false,\n"
	"  \"assignee\": null,\n"
	"  \"commune\": \"26734\",\n"
	"  \"title\": \"Sạt lở đất ở Phường Đồng Xoài\",\n"
	"  \"body\": \"Dòng 1\\nDòng 2\\tcó tab\\r\\n\\\"trích dẫn\\\" và \\\\ gạch\\u0001\\u001f\x7f\\b\\f\",\n"
	"  \"tags\": [\n"
	"    \"đường\",\n"
	"    \"khẩn cấp\"\n"
	"  ],\n"
	"  \"visits\": [\n"
	"    {\n"
	"      \"by\": \"Nguyễn Thị Thủy\",\n"
	"      \"at\": -42,\n"
	"      \"notes\": []\n"
	"    },\n"
	"    {\n"
	"      \"by\": \"Lê Văn Hòa\",\n"
	"      \"at\": 9007199254740992,\n"
	"      \"extra\": {}\n"
	"    }\n"
	"  ],\n"
	"  \"matrix\": [\n"
	"    [],\n"
	"    [\n"
	"      []\n"
	"    ],\n"
	"    [\n"
	"      1,\n"
	"      [\n"
	"        2,\n"
	"        {}\n"
	"      ]\n"
	"    ],\n"
	"    {}\n"
	"  ],\n"
	"  \"cjk\": \"北京 😀 \xe2\x80\xa8\"\n"
	"}\n";

/* The same record compact and in another layout: same tree, same output. */
static const char record_compact[] =
	"{\"kind\":\"issue\",\"id\":\"01J9Z3K4Q7\",\"rev\":3,\"created\":1751328000,"
	"\"deleted\":false,\"assignee\":null,\"commune\":\"26734\","
	"\"title\":\"S\\u1ea1t l\\u1edf \\u0111\\u1ea5t \\u1edf Ph\\u01b0\\u1eddng "
	"\\u0110\\u1ed3ng Xo\\u00e0i\","
	"\"body\":\"D\\u00f2ng 1\\nD\\u00f2ng 2\\tc\\u00f3 tab\\r\\n\\\"tr\\u00edch "
	"d\\u1eabn\\\" v\\u00e0 \\\\ g\\u1ea1ch\\u0001\\u001F\x7f\\b\\f\","
	"\"tags\":[\"đường\",\"khẩn cấp\"],"
	"\"visits\":[{\"by\":\"Nguyễn Thị Thủy\",\"at\":-42,\"notes\":[]},"
	"{\"by\":\"Lê Văn Hòa\",\"at\":9007199254740992,\"extra\":{}}],"
	"\"matrix\":[[],[[]],[1,[2,{}]],{}],"
	"\"cjk\":\"\\u5317\\u4eac \\ud83d\\ude00 \\u2028\"}";

/* The record indented by 4: same keys in the same order, not canonical. */
static const char indent4_canonical[] =
	"{\n"
	"    \"a\": 1,\n"
	"    \"b\": [\n"
	"        true\n"
	"    ]\n"
	"}\n";

/* json.dumps({"s": chr(1..31) + DEL + '"\\/é' + U+2028}, ...) */
static const char escapes_canonical[] =
	"{\n"
	"  \"s\": \"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\x7f\\\"\\\\/é\xe2\x80\xa8\"\n"
	"}\n";

/* Nested arrays of objects and empty containers. */
static const char nested_canonical[] =
	"[\n"
	"  {\n"
	"    \"a\": [\n"
	"      {\n"
	"        \"b\": []\n"
	"      },\n"
	"      {\n"
	"        \"c\": {}\n"
	"      }\n"
	"    ]\n"
	"  },\n"
	"  [],\n"
	"  {},\n"
	"  [\n"
	"    [\n"
	"      {\n"
	"        \"d\": null\n"
	"      }\n"
	"    ]\n"
	"  ]\n"
	"]\n";

/* json.dumps(json.loads(compact_input), ...) */
static const char compact_input[] =
	"{\"z\":1,\"a\":[1,2,{\"k\":\"v\"}],\"e\":\"\\u00e9\\ud83d\\ude00\",\"n\":null}";
static const char compact_canonical[] =
	"{\n"
	"  \"z\": 1,\n"
	"  \"a\": [\n"
	"    1,\n"
	"    2,\n"
	"    {\n"
	"      \"k\": \"v\"\n"
	"    }\n"
	"  ],\n"
	"  \"e\": \"é😀\",\n"
	"  \"n\": null\n"
	"}\n";

static cJSON *parse(const char *json)
{
	cJSON *v = NULL;
	if (fl_json_parse(&v, json, strlen(json)) < 0)
		printf("#   unexpected error: %s\n", fl_last_error());
	return v;
}

/* Parses and writes back (top-level form); caller frees. */
static char *reformat(const char *json)
{
	cJSON *v = parse(json);
	char *s = v ? fl_json_canonical(v) : NULL;
	cJSON_Delete(v);
	return s;
}

static void accepts(const char *json, const char *what)
{
	cJSON *v = NULL;
	int err = fl_json_parse(&v, json, strlen(json));
	if (!OK(err == 0 && v, what))
		printf("#   error: %s\n", fl_last_error());
	cJSON_Delete(v);
}

static void refuses_len(const char *json, size_t len, const char *msg,
			const char *what)
{
	cJSON *v = (cJSON *)&v; /* must be reset to NULL */
	int err = fl_json_parse(&v, json, len);
	OK(err == FL_EINVALID && v == NULL, what);
	IS(fl_last_error(), msg, "  ... with the right message");
}

static void refuses(const char *json, const char *msg, const char *what)
{
	refuses_len(json, strlen(json), msg, what);
}

static void test_write(void)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *o, *a, *v;
	char *s;
	char esc[64];
	int i, n = 0;

	o = cJSON_CreateObject();
	IS(s = fl_json_canonical(o), "{}\n", "empty object at top");
	free(s);
	fl_json_write(&sb, o, 0);
	IS(sb.buf, "{}", "empty object, not top: no newline");
	strbuf_addstr(&sb, " | ");
	a = cJSON_CreateArray();
	fl_json_write(&sb, a, 1);
	IS(sb.buf, "{} | []\n", "write appends to the buffer");
	strbuf_release(&sb);
	cJSON_Delete(a);
	cJSON_Delete(o);

	v = cJSON_CreateString("Hòa");
	IS(s = fl_json_canonical(v), "\"Hòa\"\n", "top-level string");
	free(s);
	cJSON_Delete(v);
	v = cJSON_CreateNumber(-9007199254740992.0);
	IS(s = fl_json_canonical(v), "-9007199254740992\n", "-2^53 prints exactly");
	free(s);
	cJSON_Delete(v);
	v = cJSON_CreateNumber(1751328000);
	IS(s = fl_json_canonical(v), "1751328000\n", "no fraction, no exponent");
	free(s);
	cJSON_Delete(v);

	/* Build the escapes record by hand rather than by parsing. */
	for (i = 1; i < 0x20; i++)
		esc[n++] = (char)i;
	memcpy(esc + n, "\x7f\"\\/é\xe2\x80\xa8", 10);
	esc[n + 10] = '\0';
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "s", esc);
	IS(s = fl_json_canonical(o), escapes_canonical,
	   "escapes are Python's: short forms, lower-case \\u00xx, DEL and non-ASCII raw");
	free(s);
	cJSON_Delete(o);
	s = reformat(escapes_canonical);
	IS(s, escapes_canonical, "escapes round-trip");
	free(s);
	v = parse(escapes_canonical);
	IS(v ? fl_json_str(v, "s") : NULL, esc, "escapes decode to the original bytes");
	cJSON_Delete(v);
}

static void test_round_trip(void)
{
	char *s;

	s = reformat(record_canonical);
	IS(s, record_canonical, "sample record round-trips byte for byte");
	free(s);
	s = reformat(record_compact);
	IS(s, record_canonical, "compact, escaped input gives the canonical record");
	free(s);
	s = reformat(indent4_canonical);
	IS(s, "{\n  \"a\": 1,\n  \"b\": [\n    true\n  ]\n}\n",
	   "indent 4 is rewritten with indent 2");
	free(s);
	s = reformat(nested_canonical);
	IS(s, nested_canonical, "nested arrays of objects and empty containers");
	free(s);
	s = reformat(compact_input);
	IS(s, compact_canonical, "\\u escapes and surrogate pairs are written raw");
	free(s);
	s = reformat(" \t\r\n[ ] \n\n");
	IS(s, "[]\n", "JSON whitespace around and inside is accepted");
	free(s);
	s = reformat("{\"a\":{},\"b\":[],\"c\":[{}],\"d\":[[]]}");
	IS(s, "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    {}\n  ],\n"
	      "  \"d\": [\n    []\n  ]\n}\n", "empty {} and [] nested");
	free(s);
	s = reformat("\"\\\\u0000\"");
	IS(s, "\"\\\\u0000\"\n", "an escaped backslash before u0000 is no escape");
	free(s);
	s = reformat("-0");
	IS(s, "0\n", "-0 is the integer 0");
	free(s);
}

static void test_refuse(void)
{
	char deep[300];
	int i;

	/* Duplicates, compared after unescaping, at any depth. */
	refuses("{\"a\":1,\"b\":2,\"a\":3}", "duplicate key 'a'", "duplicate key");
	refuses("{\"x\":{\"b\":1,\"c\":2,\"b\":3}}", "duplicate key 'b'",
		"duplicate key in a nested object");
	refuses("{\"v\":[{\"k\":1},{\"k\":1,\"k\":2}]}", "duplicate key 'k'",
		"duplicate key in an object inside an array");
	refuses("{\"é\":1,\"\\u00e9\":2}", "duplicate key 'é'",
		"duplicate key spelled once raw, once escaped");
	refuses("{\"a\\nb\":1,\"a\\nb\":2}", "duplicate key 'a?b'",
		"duplicate key message stays on one line");
	accepts("{\"a\":1,\"A\":2}", "keys differing in case are distinct");
	accepts("[{\"k\":1},{\"k\":2}]", "same key in sibling objects is fine");

	/* After the value, only whitespace. */
	refuses("{} x", "trailing bytes after the object", "trailing word");
	refuses("{}{}", "trailing bytes after the object", "two objects");
	refuses("{},", "trailing bytes after the object", "trailing comma");
	refuses("[1]]", "trailing bytes after the object", "extra bracket");
	refuses("1 2", "trailing bytes after the object", "two numbers");
	refuses("{}\n\f", "trailing bytes after the object",
		"form feed is not JSON whitespace");
	refuses_len("{}\n\0", 4, "invalid UTF-8", "NUL byte after the object");
	accepts("{}\n\n \t", "trailing whitespace is fine");

	/* Escapes cJSON would mangle. */
	refuses("{\"a\":\"x\\u0000y\"}", "forbidden \\u0000 escape near byte 7",
		"\\u0000 escape");
	refuses("[\"\\\\\\u0000\"]", "forbidden \\u0000 escape near byte 4",
		"\\u0000 right after an escaped backslash");
	refuses("[\"\\ud800\"]", "lone surrogate escape near byte 2",
		"lone high surrogate");
	refuses("[\"\\udc00\"]", "lone surrogate escape near byte 2",
		"lone low surrogate");
	refuses("[\"\\ud800\\u0041\"]", "lone surrogate escape near byte 2",
		"high surrogate followed by a non-surrogate");
	refuses("[\"\\ud800\\ud800\"]", "lone surrogate escape near byte 2",
		"two high surrogates");
	refuses("[\"\\ud83dx\"]", "lone surrogate escape near byte 2",
		"high surrogate followed by a letter");
	refuses("[\"\\ud83d\"", "lone surrogate escape near byte 2",
		"high surrogate at the end of the input");
	accepts("[\"\\ud83d\\ude00\\u00e9\\u001f\\/\"]", "valid escapes");

	/* Bytes: the whole buffer must be valid UTF-8, NUL-free. */
	refuses("{\"a\":\"\xc0\x80\"}", "invalid UTF-8", "overlong NUL in a string");
	refuses("{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8", "surrogate bytes in a string");
	refuses("{\"a\":\"\xe1\xbb\"}", "invalid UTF-8", "truncated sequence in a string");
	refuses("{\"\xff\":1}", "invalid UTF-8", "invalid byte in a key");
	refuses_len("{\"a\":\"b\0c\"}", 10, "invalid UTF-8", "raw NUL in a string");
	refuses("{\"a\":\"tab\there\"}", "control character in a string near byte 9",
		"raw control byte in a string");
	refuses("[\"\n\"]", "control character in a string near byte 2",
		"raw newline in a string");

	/* Numbers: integers within +-2^53 and in plain syntax only. */
	refuses("{\"n\":1.5}", "not an integer near byte 5", "fraction");
	refuses("[1.0]", "not an integer near byte 1", "integral value with a fraction");
	refuses("[1e3]", "not an integer near byte 1", "exponent");
	refuses("[1E3]", "not an integer near byte 1", "capital exponent");
	refuses("[-0.0]", "not an integer near byte 1", "negative zero with a fraction");
	refuses("[9007199254740993]", "not an integer near byte 1", "2^53 + 1");
	refuses("[-9007199254740993]", "not an integer near byte 1", "-(2^53 + 1)");
	refuses("[10000000000000000]", "not an integer near byte 1", "17 digits");
	accepts("[9007199254740992,-9007199254740992,0,-1]", "integers up to 2^53");
	refuses("[01]", "malformed JSON near byte 1", "leading zero");
	refuses("[-]", "malformed JSON near byte 1", "minus without digits");
	refuses("[+1]", "malformed JSON near byte 1", "plus sign");
	refuses("[.5]", "malformed JSON near byte 1", "fraction without integer part");

	/* Nesting: 64 levels pass, 65 do not, and 2000 fail the same way. */
	for (i = 0; i < 64; i++) {
		deep[i] = '[';
		deep[64 + i] = ']';
	}
	deep[128] = '\0';
	accepts(deep, "64 levels of arrays");
	for (i = 0; i < 65; i++) {
		deep[i] = '[';
		deep[65 + i] = ']';
	}
	deep[130] = '\0';
	refuses(deep, "nested too deeply", "65 levels of arrays");
	{
		struct strbuf sb = STRBUF_INIT;
		for (i = 0; i < 2000; i++)
			strbuf_addstr(&sb, "{\"a\":");
		strbuf_addstr(&sb, "1");
		strbuf_addchars(&sb, '}', 2000);
		refuses(sb.buf, "nested too deeply",
			"2000 levels (beyond cJSON's own limit)");
		strbuf_release(&sb);
	}

	/* Grammar, as cJSON reports it. */
	refuses("", "malformed JSON near byte 0", "empty input");
	refuses(" \n", "malformed JSON near byte 1", "whitespace only");
	refuses("\f{}", "malformed JSON near byte 0", "form feed before the value");
	refuses("{'a':1}", "malformed JSON near byte 1", "single quotes");
	refuses("{\"a\":}", "malformed JSON near byte 5", "missing value");
	refuses("{\"a\" 1}", "malformed JSON near byte 5", "missing colon");
	refuses("[1,]", "malformed JSON near byte 3", "trailing comma in an array");
	refuses("{\"a\":1,}", "malformed JSON near byte 7", "trailing comma in an object");
	refuses("{\"a\":\"b", "malformed JSON near byte 6", "unterminated string");
	refuses("[\"\\x\"]", "malformed JSON near byte 2", "unknown escape");
	refuses("[\"\\u12\"]", "malformed JSON near byte 2", "short \\u escape");
	refuses("[tru]", "malformed JSON near byte 1", "truncated literal");
	refuses("[truex]", "malformed JSON near byte 1", "literal run on");
	refuses("[NaN]", "malformed JSON near byte 1", "NaN");
	refuses("]", "malformed JSON near byte 0", "closing bracket first");
	refuses("{\"a\":1]", "malformed JSON near byte 6", "mismatched bracket");
	refuses("{1:2}", "malformed JSON near byte 2", "number as key");
	fl_clear_error();
}

static void test_len_respected(void)
{
	/* A buffer without a NUL terminator: ASan catches any overread. */
	char *buf = xmalloc(2);
	cJSON *v = NULL;

	memcpy(buf, "{}", 2);
	IS_INT(fl_json_parse(&v, buf, 2), 0, "unterminated exact-size buffer parses");
	cJSON_Delete(v);
	IS_INT(fl_json_is_canonical(buf, 2), 0, "  ... and is not canonical (no newline)");
	free(buf);
	buf = xmalloc(3);
	memcpy(buf, "{}\n", 3);
	IS_INT(fl_json_is_canonical(buf, 3), 1, "unterminated \"{}\\n\" is canonical");
	free(buf);
	buf = xmalloc(8);
	memcpy(buf, "[\"\\ud83d", 8);
	IS_INT(fl_json_parse(&v, buf, 8), FL_EINVALID,
	       "high surrogate at the very end of the buffer is refused");
	IS(fl_last_error(), "lone surrogate escape near byte 2", "  ... as a lone surrogate");
	IS_INT(fl_json_parse(&v, buf, 7), FL_EINVALID,
	       "\\u escape cut off by the end of the buffer is refused");
	free(buf);
	IS_INT(fl_json_parse(&v, "{}garbage", 2), 0, "only len bytes are read");
	cJSON_Delete(v);
}

static int canonical(const char *s)
{
	return fl_json_is_canonical(s, strlen(s));
}

static void test_is_canonical(void)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	OK(canonical(record_canonical), "canonical record is canonical");
	OK(canonical(escapes_canonical), "canonical escapes are canonical");
	OK(canonical(nested_canonical), "canonical nesting is canonical");
	OK(canonical("{}\n"), "{} plus newline is canonical");
	OK(canonical("[]\n"), "[] plus newline is canonical");
	OK(!canonical(indent4_canonical), "same key order, indent 4: not canonical");
	OK(!canonical(record_compact), "compact: not canonical");
	OK(!fl_json_is_canonical(record_canonical, strlen(record_canonical) - 1),
	   "missing final newline: not canonical");
	strbuf_addstr(&sb, record_canonical);
	strbuf_addch(&sb, '\n');
	OK(!canonical(sb.buf), "two final newlines: not canonical");
	strbuf_reset(&sb);
	for (i = 0; record_canonical[i]; i++) {
		if (record_canonical[i] == '\n')
			strbuf_addch(&sb, '\r');
		strbuf_addch(&sb, record_canonical[i]);
	}
	OK(!canonical(sb.buf), "CRLF line ends: not canonical");
	strbuf_release(&sb);
	OK(!canonical("{\n  \"a\": \"\\u00e9\"\n}\n"), "escaped non-ASCII: not canonical");
	OK(canonical("{\n  \"a\": \"é\"\n}\n"), "  ... raw non-ASCII is");
	OK(!canonical("{\n  \"a\": \"\\u001F\"\n}\n"), "upper-case hex escape: not canonical");
	OK(!canonical("{\n  \"a\": \"\\/\"\n}\n"), "escaped slash: not canonical");
	OK(!canonical("{\n  \"a\":1\n}\n"), "no space after colon: not canonical");
	OK(!canonical("{\n  \"a\": 1 \n}\n"), "trailing space: not canonical");
	OK(!canonical("-0\n"), "-0: not canonical");
	OK(!canonical("{\n  \"a\": \"e\xcc\x81\"\n}\n"),
	   "decomposed (non-NFC) text: not canonical");
	OK(!canonical("{\n  \"a\": 1,\n  \"a\": 1\n}\n"), "duplicate keys: not canonical");
	OK(!canonical("{\n  \"a\": 1.5\n}\n"), "float: not canonical");
	OK(!canonical(""), "empty input: not canonical");
}

static void test_helpers(void)
{
	cJSON *o = parse("{\"id\":\"1\",\"kind\":\"2\",\"title\":\"3\",\"rev\":7,"
			 "\"big\":9007199254740992,\"neg\":-3,\"nul\":null}");
	char *s;

	if (!o) {
		OK(0, "helper fixture parses");
		return;
	}
	IS(fl_json_str(o, "kind"), "2", "str of a string");
	IS(fl_json_str(o, "nope"), NULL, "str of an absent key is NULL");
	IS(fl_json_str(o, "rev"), NULL, "str of a number is NULL");
	IS(fl_json_str(o, "nul"), NULL, "str of null is NULL");
	IS(fl_json_str(o, "KIND"), NULL, "str is case-sensitive");
	IS(fl_json_str(NULL, "kind"), NULL, "str of no object is NULL");
	IS_INT(fl_json_int(o, "rev", -1), 7, "int of a number");
	IS_INT(fl_json_int(o, "big", -1), 9007199254740992LL, "int of 2^53");
	IS_INT(fl_json_int(o, "neg", 0), -3, "int of a negative number");
	IS_INT(fl_json_int(o, "kind", -1), -1, "int of a string is the default");
	IS_INT(fl_json_int(o, "nope", 42), 42, "int of an absent key is the default");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "rev");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "big");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "neg");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "nul");

	/* Replace first, middle and last in place, then add at the end. */
	fl_json_set_str(o, "id", "x");
	fl_json_set_str(o, "kind", "y");
	fl_json_set_str(o, "title", "z");
	fl_json_set_str(o, "note", "Hòa");
	IS(s = fl_json_canonical(o),
	   "{\n"
	   "  \"id\": \"x\",\n"
	   "  \"kind\": \"y\",\n"
	   "  \"title\": \"z\",\n"
	   "  \"note\": \"Hòa\"\n"
	   "}\n", "set_str replaces in place and appends new keys");
	free(s);
	cJSON_Delete(o);

	/* Replacing the only member must keep the list sound for an append. */
	o = cJSON_CreateObject();
	fl_json_set_str(o, "only", "1");
	fl_json_set_str(o, "only", "2");
	fl_json_set_str(o, "added", "3");
	IS(s = fl_json_canonical(o),
	   "{\n"
	   "  \"only\": \"2\",\n"
	   "  \"added\": \"3\"\n"
	   "}\n", "set_str on a one-member object, then an append");
	free(s);
	cJSON_Delete(o);
}

#define POOLED 300

struct pooled {
	cJSON *v[POOLED];
	int ok;
};

/* Parses POOLED records on a thread of its own, freeing every third. */
static void *parse_pooled(void *p)
{
	struct pooled *t = p;
	fl_json_pool(1);
	t->ok = 1;
	for (int i = 0; i < POOLED; i++) {
		if (fl_json_parse(&t->v[i], record_canonical, strlen(record_canonical)) < 0)
			t->ok = 0;
		if (i % 3 == 2) {
			cJSON_Delete(t->v[i - 1]);
			t->v[i - 1] = NULL;
		}
	}
	fl_json_pool(0);
	return NULL;
}

static void test_pool(void)
{
	struct pooled t;
	pthread_t th;
	cJSON *v;
	char *s;
	size_t before = fl_json_pool_blocks();

	/* Trees parsed on one thread, freed on another: a full import. */
	memset(&t, 0, sizeof(t));
	OK(pthread_create(&th, NULL, parse_pooled, &t) == 0, "a parsing thread starts");
	pthread_join(th, NULL);
	OK(t.ok, "records parse with the pool on");
	OK(fl_json_pool_blocks() > before, "their memory comes from the pool's blocks");
	int same = 1;
	for (int i = 0; i < POOLED; i++) {
		if (!t.v[i])
			continue;
		s = fl_json_canonical(t.v[i]);
		same &= !strcmp(s, record_canonical);
		free(s);
	}
	OK(same, "each pooled tree is intact after others were freed");
	for (int i = 0; i < POOLED; i++)
		cJSON_Delete(t.v[i]);
	OK(fl_json_pool_blocks() == before,
	   "every block is freed with the last tree in it, on another thread");

	/* On this thread: a string bigger than a block, and cJSON's printing. */
	size_t n = 100 * 1024;
	char *big = malloc(n + 3);
	big[0] = '"';
	memset(big + 1, 'a', n);
	big[n + 1] = '"';
	big[n + 2] = 0;
	fl_json_pool(1);
	OK(fl_json_parse(&v, big, n + 2) == 0 && strlen(cJSON_GetStringValue(v)) == n,
	   "a string bigger than a block parses pooled");
	char *line = cJSON_PrintUnformatted(v);
	OK(line && strlen(line) == n + 2, "cJSON prints with the pool on");
	fl_json_pool(0);
	cJSON_free(line);
	cJSON_Delete(v);
	free(big);
	OK(fl_json_pool_blocks() == before, "and all of it is freed, after the pool is off");

	/* Off again, cJSON's memory is malloc's. */
	OK(fl_json_parse(&v, record_canonical, strlen(record_canonical)) == 0 &&
	   fl_json_pool_blocks() == before, "with the pool off, no block is taken");
	cJSON_Delete(v);
}

int main(void)
{
	fl_json_init();
	test_write();
	test_round_trip();
	test_refuse();
	test_len_respected();
	test_is_canonical();
	test_helpers();
	test_pool();
	return tap_done();
}
