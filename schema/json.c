/*
 * json.c: strict JSON parsing and the canonical serialisation of records.
 *
 * Records are stored in git as JSON in one canonical form (docs/design.md,
 * "Canonical form"): byte for byte what Python's json.dumps(obj, ensure_ascii=False,
 * indent=2) prints, plus one "\n", with integers only. One form per record
 * is what keeps diffs readable and merges clean, and it lets any JSON tool
 * check our files.
 *
 * cJSON does the grammar, but on its own it accepts too much
 * (PLATFORM-NOTES): invalid UTF-8, duplicate keys, trailing garbage,
 * "\u0000" silently truncating a string, floats, leading zeros, any byte
 * up to 0x20 as whitespace, raw control bytes inside strings. So
 * fl_json_parse runs three passes:
 *
 *   1. the whole buffer must be valid UTF-8 without NUL (fl_utf8_valid);
 *   2. a lexical scan of the first value (scan_value) checks what cJSON
 *      does not: whitespace, string escapes, number syntax, literals,
 *      nesting depth, and finds where the value ends;
 *   3. cJSON parses exactly that value, and a walk of the tree refuses
 *      duplicate keys.
 *
 * Anything that passes can be written back by fl_json_write. Numbers
 * must be written as plain integers: a fraction or an exponent is refused
 * even when the value is integral ("1.0", "1e3"). Records hold integers
 * only, and whatever wrote 1.0 or 1e3 thinks in floats; refusing the
 * syntax outright finds that writer at once, instead of on the day it
 * writes 1.5.
 *
 * fl_json_is_canonical also requires the text to be NFC, the other half
 * of the canonical form; fl_json_parse itself does not normalise (that
 * happens where text enters, see text.h).
 */
#include "json.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Containers nested deeper than this are refused (cJSON allows 1000). */
#define MAX_DEPTH 64

/* 2^53: every integer up to this magnitude is exact in a double. */
#define MAX_SAFE_DIGITS "9007199254740992"
#define MAX_SAFE 9007199254740992.0

/*
 * cJSON allocates every node, key and string on its own, and a full
 * import parses a hundred thousand records into trees it frees soon
 * after: in a 100k clone the frees alone (with glibc merging the freed
 * chunks again at the next big allocation, a git blob) are about 2.5 s
 * of CPU. A thread that asks for it (fl_json_pool) takes cJSON's memory
 * from blocks of its own instead, by bumping a pointer, and a block goes
 * back to malloc whole when the last thing allocated from it is freed,
 * on whatever thread that happens.
 *
 * So that the free hook can tell a pooled allocation from a malloc'd one
 * (and cJSON_free stays right for both), each one starts with a word:
 * its block, or NULL for malloc.
 */
#define POOL_BLOCK (64 * 1024)

struct pool_block {
	atomic_size_t live;   /* allocations not freed yet, +1 while current */
	size_t used, size;
	void *data[];         /* word-aligned: cJSON's nodes hold pointers and doubles */
};

static _Thread_local int pooling;
static _Thread_local struct pool_block *current;
static atomic_size_t blocks;   /* allocated, not freed: for the tests */

static void block_release(struct pool_block *b)
{
	if (atomic_fetch_sub_explicit(&b->live, 1, memory_order_acq_rel) == 1) {
		free(b);
		atomic_fetch_sub_explicit(&blocks, 1, memory_order_relaxed);
	}
}

static void *json_alloc(size_t n)
{
	size_t words = 1 + (n + sizeof(void *) - 1) / sizeof(void *);
	void **p;

	if (!pooling) {
		p = xmalloc(words * sizeof(void *));
		p[0] = NULL;
		return p + 1;
	}
	struct pool_block *b = current;
	if (!b || b->size - b->used < words) {
		size_t size = POOL_BLOCK / sizeof(void *);
		if (words > size / 4)
			size = words;   /* a block of its own, never current */
		b = xmalloc(sizeof(*b) + size * sizeof(void *));
		atomic_fetch_add_explicit(&blocks, 1, memory_order_relaxed);
		atomic_init(&b->live, 0);
		b->used = 0;
		b->size = size;
		if (size != words) {
			if (current)
				block_release(current);
			current = b;
			atomic_fetch_add_explicit(&b->live, 1, memory_order_relaxed);
		}
	}
	atomic_fetch_add_explicit(&b->live, 1, memory_order_relaxed);
	p = b->data + b->used;
	b->used += words;
	p[0] = b;
	return p + 1;
}

static void json_free(void *v)
{
	if (!v)
		return;
	void **p = (void **)v - 1;
	if (p[0])
		block_release(p[0]);
	else
		free(p);
}

void fl_json_init(void)
{
	/*
	 * With hooks other than malloc/free cJSON stops using realloc and
	 * allocates afresh when printing; we print with cJSON only for
	 * diagnostics and the outbox's one-line entries, so that costs
	 * nothing that matters.
	 */
	cJSON_Hooks hooks = { json_alloc, json_free };
	cJSON_InitHooks(&hooks);
}

void fl_json_pool(int on)
{
	if (!on && current) {
		block_release(current);
		current = NULL;
	}
	pooling = on;
}

size_t fl_json_pool_blocks(void)
{
	return atomic_load_explicit(&blocks, memory_order_relaxed);
}

static int is_ws(unsigned char c)
{
	/* JSON whitespace. cJSON would also skip \f, \v and other controls. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int malformed(size_t at)
{
	return fl_error(FL_EINVALID, "malformed JSON near byte %zu", at);
}

static int hex4(const unsigned char *s, size_t len, size_t i, unsigned *out)
{
	unsigned v = 0;
	size_t k;

	if (len - i < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		unsigned char c = s[i + k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * Scans the string starting at s[*pos] (a '"') and leaves *pos after its
 * closing quote, or at len when it is unterminated (cJSON then reports it).
 * The buffer is known to be valid UTF-8, so only ASCII needs a look.
 */
static int scan_string(const unsigned char *s, size_t len, size_t *pos)
{
	size_t i = *pos + 1;

	while (i < len) {
		unsigned char c = s[i];
		unsigned u, lo;

		if (c == '"') {
			*pos = i + 1;
			return 0;
		}
		if (c < 0x20)
			return fl_error(FL_EINVALID,
					"control character in a string near byte %zu", i);
		if (c != '\\') {
			i++;
			continue;
		}
		/*
		 * An escape. Each one is consumed whole here, so the '\' of
		 * "\\" can never be mistaken for the start of the next escape
		 * and a '"' after "\\" correctly ends the string.
		 */
		if (i + 1 >= len)
			break;
		c = s[i + 1];
		if (c != 'u') {
			if (!strchr("\"\\/bfnrt", c))
				return malformed(i);
			i += 2;
			continue;
		}
		if (hex4(s, len, i + 2, &u) < 0)
			return malformed(i);
		/* cJSON would end the string at U+0000 and drop the rest. */
		if (u == 0)
			return fl_error(FL_EINVALID,
					"forbidden \\u0000 escape near byte %zu", i);
		/*
		 * UTF-16 surrogates: a high half must be followed at once by an
		 * escaped low half; either half alone names no character and
		 * cannot be written as UTF-8.
		 */
		if (u >= 0xDC00 && u <= 0xDFFF)
			return fl_error(FL_EINVALID,
					"lone surrogate escape near byte %zu", i);
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (len - i < 12 || s[i + 6] != '\\' || s[i + 7] != 'u' ||
			    hex4(s, len, i + 8, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
				return fl_error(FL_EINVALID,
						"lone surrogate escape near byte %zu", i);
			i += 12;
			continue;
		}
		i += 6;
	}
	*pos = len;
	return 0;
}

/*
 * Scans a number at s[*pos]: an optional '-', then "0" or a digit string
 * without leading zeros, and nothing of a fraction or exponent.
 */
static int scan_number(const unsigned char *s, size_t len, size_t *pos)
{
	size_t i = *pos, start;

	if (s[i] == '-')
		i++;
	start = i;
	if (i >= len || s[i] < '0' || s[i] > '9')
		return malformed(*pos);
	if (s[i] == '0' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9')
		return malformed(*pos);
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E'))
		return fl_error(FL_EINVALID, "not an integer near byte %zu", *pos);
	/*
	 * Range is checked on the digits: as a double, 2^53 + 1 rounds to
	 * 2^53 and would slip through a check of the parsed value.
	 */
	if (i - start > strlen(MAX_SAFE_DIGITS) ||
	    (i - start == strlen(MAX_SAFE_DIGITS) &&
	     memcmp(s + start, MAX_SAFE_DIGITS, i - start) > 0))
		return fl_error(FL_EINVALID, "not an integer near byte %zu", *pos);
	*pos = i;
	return 0;
}

static int scan_word(const unsigned char *s, size_t len, size_t *pos)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t i = *pos, k;

	while (i < len && ((s[i] >= 'a' && s[i] <= 'z') ||
			   (s[i] >= 'A' && s[i] <= 'Z') ||
			   (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
		i++;
	for (k = 0; k < FL_ARRAY_SIZE(words); k++)
		if (i - *pos == strlen(words[k]) &&
		    !memcmp(s + *pos, words[k], i - *pos)) {
			*pos = i;
			return 0;
		}
	return malformed(*pos);
}

/*
 * Lexical pass over the first JSON value in s[0..len). On success *end is
 * the offset just after that value (or len when the input stops early, in
 * which case cJSON reports the truncation). Grammar (what may follow what)
 * is left to cJSON; this pass checks the tokens cJSON is lax about.
 */
static int scan_value(const unsigned char *s, size_t len, size_t *end)
{
	size_t i = 0, depth = 0;
	int err;

	for (;;) {
		while (i < len && is_ws(s[i]))
			i++;
		if (i >= len) {
			*end = len;
			return 0;
		}
		switch (s[i]) {
		case '{':
		case '[':
			if (++depth > MAX_DEPTH)
				return fl_error(FL_EINVALID, "nested too deeply");
			i++;
			continue;
		case '}':
		case ']':
			if (!depth)
				return malformed(i);
			depth--;
			i++;
			break;
		case ',':
		case ':':
			if (!depth)
				return malformed(i);
			i++;
			continue;
		case '"':
			if ((err = scan_string(s, len, &i)) < 0)
				return err;
			break;
		case '-':
		case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if ((err = scan_number(s, len, &i)) < 0)
				return err;
			break;
		default:
			if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')) {
				if ((err = scan_word(s, len, &i)) < 0)
					return err;
				break;
			}
			return malformed(i);
		}
		/* A token that closes the top-level value ends the scan. */
		if (!depth) {
			*end = i;
			return 0;
		}
	}
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int duplicate_key(const char *key)
{
	/* Keep the message on one line whatever the key holds. */
	char *k = xstrdup(key);
	char *p;
	int err;

	for (p = k; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	err = fl_error(FL_EINVALID, "duplicate key '%s'", k);
	free(k);
	return err;
}

/*
 * Refuses duplicate keys anywhere in the tree. Keys are sorted per object
 * so that a hostile object with many keys costs n log n, not n^2. The
 * recursion is bounded by MAX_DEPTH, already enforced by the scan.
 */
static int check_tree(const cJSON *v)
{
	const cJSON *c;
	int err = 0;

	if (cJSON_IsNumber(v)) {
		/* The scan saw to this; a second look costs nothing. */
		double d = v->valuedouble;
		if (d < -MAX_SAFE || d > MAX_SAFE || d != (double)(long long)d)
			return fl_error(FL_EINVALID, "not an integer");
		return 0;
	}
	if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
		return 0;
	if (cJSON_IsObject(v) && v->child && v->child->next) {
		size_t n = 0, k;
		const char **keys;

		for (c = v->child; c; c = c->next)
			n++;
		keys = xmalloc(n * sizeof(*keys));
		n = 0;
		for (c = v->child; c; c = c->next)
			keys[n++] = c->string;
		qsort(keys, n, sizeof(*keys), cmp_keys);
		for (k = 1; k < n; k++)
			if (!strcmp(keys[k - 1], keys[k])) {
				err = duplicate_key(keys[k]);
				break;
			}
		free(keys);
		if (err < 0)
			return err;
	}
	for (c = v->child; c; c = c->next)
		if ((err = check_tree(c)) < 0)
			return err;
	return 0;
}

int fl_json_parse(cJSON **out, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	const char *parse_end = NULL;
	size_t end = 0, i;
	cJSON *v;
	int err;

	*out = NULL;
	/*
	 * UTF-8 first, over the whole buffer: after this every byte >= 0x80
	 * belongs to a well-formed sequence and none is NUL, so the scan
	 * below only has to look at ASCII, and cJSON (which would copy any
	 * bytes into strings) never sees a malformed sequence.
	 */
	if (!fl_utf8_valid(buf, len))
		return fl_error(FL_EINVALID, "invalid UTF-8");
	if ((err = scan_value(s, len, &end)) < 0)
		return err;
	/*
	 * cJSON parses only the value the scan delimited, so it cannot run
	 * past it; what lies beyond is checked separately below, so that a
	 * malformed value is reported as such before any trailing bytes.
	 */
	v = cJSON_ParseWithLengthOpts(buf, end, &parse_end, 0);
	if (!v)
		return malformed(parse_end ? (size_t)(parse_end - buf) : 0);
	i = (size_t)(parse_end - buf);
	while (i < len && is_ws(s[i]))
		i++;
	if (i < len) {
		cJSON_Delete(v);
		return fl_error(FL_EINVALID, "trailing bytes after the object");
	}
	if ((err = check_tree(v)) < 0) {
		cJSON_Delete(v);
		return err;
	}
	*out = v;
	return 0;
}

void fl_json_quote(struct strbuf *sb, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	/*
	 * Python's escaping with ensure_ascii=False: the two-character
	 * escapes, \u00xx in lower-case hex for the other bytes below 0x20,
	 * and every other byte (DEL and all of non-ASCII) as it is.
	 */
	strbuf_addch(sb, '"');
	for (; *p; p++) {
		/* Runs that need no escape go in at once (most of every text). */
		const unsigned char *run = p;
		while (*p >= 0x20 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			strbuf_add(sb, run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '"': strbuf_addstr(sb, "\\\""); break;
		case '\\': strbuf_addstr(sb, "\\\\"); break;
		case '\n': strbuf_addstr(sb, "\\n"); break;
		case '\r': strbuf_addstr(sb, "\\r"); break;
		case '\t': strbuf_addstr(sb, "\\t"); break;
		case '\b': strbuf_addstr(sb, "\\b"); break;
		case '\f': strbuf_addstr(sb, "\\f"); break;
		default:
			if (*p < 0x20)
				strbuf_addf(sb, "\\u%04x", (unsigned)*p);
			else
				strbuf_addch(sb, *p);
		}
	}
	strbuf_addch(sb, '"');
}

static void write_value(struct strbuf *sb, const cJSON *v, size_t level)
{
	const cJSON *c;
	int obj;

	if (cJSON_IsNull(v)) {
		strbuf_addstr(sb, "null");
	} else if (cJSON_IsTrue(v)) {
		strbuf_addstr(sb, "true");
	} else if (cJSON_IsFalse(v)) {
		strbuf_addstr(sb, "false");
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		/*
		 * The canonical form has no way to write a fraction, and
		 * writing a rounded value into a record would be silent data
		 * loss: a caller that built such a number has a bug.
		 */
		if (d < -MAX_SAFE || d > MAX_SAFE || d != (double)(long long)d)
			fl_die("canonical JSON: %g is not an integer", d);
		strbuf_addf(sb, "%lld", (long long)d);
	} else if (cJSON_IsString(v) && v->valuestring) {
		fl_json_quote(sb, v->valuestring);
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		obj = cJSON_IsObject(v);
		if (!v->child) {
			strbuf_addstr(sb, obj ? "{}" : "[]");
			return;
		}
		strbuf_addstr(sb, obj ? "{\n" : "[\n");
		for (c = v->child; c; c = c->next) {
			strbuf_addchars(sb, ' ', 2 * (level + 1));
			if (obj) {
				if (!c->string)
					fl_die("canonical JSON: object member without a key");
				fl_json_quote(sb, c->string);
				strbuf_addstr(sb, ": ");
			}
			write_value(sb, c, level + 1);
			strbuf_addstr(sb, c->next ? ",\n" : "\n");
		}
		strbuf_addchars(sb, ' ', 2 * level);
		strbuf_addch(sb, obj ? '}' : ']');
	} else {
		fl_die("canonical JSON: unsupported cJSON item type %d", v->type);
	}
}

void fl_json_write(struct strbuf *sb, const cJSON *v, int top)
{
	write_value(sb, v, 0);
	if (top)
		strbuf_addch(sb, '\n');
}

char *fl_json_canonical(const cJSON *v)
{
	struct strbuf sb = STRBUF_INIT;
	fl_json_write(&sb, v, 1);
	return strbuf_detach(&sb, NULL);
}

int fl_json_is_canonical(const char *buf, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *v;
	int ok;

	if (fl_json_parse(&v, buf, len) < 0)
		return 0;
	fl_json_write(&sb, v, 1);
	ok = sb.len == len && !memcmp(sb.buf, buf, len);
	cJSON_Delete(v);
	strbuf_release(&sb);
	/*
	 * The canonical form is also NFC (docs/design.md, "Canonical form"). Checking the
	 * whole buffer is the same as checking each string: every string is
	 * fenced by ASCII quotes, which no combining mark composes with.
	 */
	if (ok) {
		char *nfc = NULL;
		ok = !fl_text_nfc(&nfc, buf, len, "JSON") && strlen(nfc) == len &&
		     !memcmp(nfc, buf, len);
		free(nfc);
	}
	return ok;
}

const char *fl_json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

long long fl_json_int(const cJSON *obj, const char *key, long long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (!cJSON_IsNumber(v))
		return dflt;
	d = v->valuedouble;
	/* Out of range for a long long would be undefined behaviour. */
	if (d < -MAX_SAFE || d > MAX_SAFE)
		return dflt;
	return (long long)d;
}

void fl_json_set_str(cJSON *obj, const char *key, const char *value)
{
	cJSON *item = cJSON_CreateString(value);

	/* Replacing relinks the new item where the old one was. */
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
	else
		cJSON_AddItemToObject(obj, key, item);
}
