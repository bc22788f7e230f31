/*
 * json.h: strict parsing and the canonical serialisation of records.
 *
 * The canonical form (docs/design.md, "Canonical form") is byte for byte what Python prints
 * with json.dumps(obj, ensure_ascii=False, indent=2) plus one "\n": two
 * spaces per level, "key": value, ", " never used (items end with ",\n"),
 * empty containers as {} and [], non-ASCII written raw, and only \" \\ \n
 * \r \t \b \f and \u00XX (lower-case hex) for the other control bytes.
 * Numbers are integers only.
 *
 * cJSON alone accepts too much (PLATFORM-NOTES): invalid UTF-8, duplicate
 * keys, trailing garbage, \u0000 truncating a string, floats. fl_json_parse
 * refuses all of those, so anything that passes it can be serialised back.
 */
#ifndef FL_JSON_H
#define FL_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "base.h"

/* Largest record file accepted anywhere, in bytes. */
#define FL_RECORD_MAX (256 * 1024)

/*
 * Installs xmalloc-based hooks into cJSON so that out-of-memory is fatal.
 * Call once at start-up.
 */
void fl_json_init(void);

/*
 * On this thread, from now on (on) or no longer (off), cJSON takes its
 * memory from blocks kept for the purpose: much cheaper to allocate and
 * free in bulk (a full import's parsing). What it allocated may be freed
 * on any thread, before or after; a block is freed when all of it is.
 * Turn it off before the thread ends. Needs fl_json_init's hooks.
 */
void fl_json_pool(int on);

/* How many of the pool's blocks, on all threads, are not freed yet. */
size_t fl_json_pool_blocks(void);

/*
 * Parses buf[0..len) strictly: valid UTF-8, exactly one JSON value with
 * nothing but whitespace after it, no duplicate keys in any object, no
 * \u0000 escape, no lone surrogate escapes, numbers that are integers
 * within +-2^53, nesting at most 64 deep. On success *out is the tree
 * (caller frees with cJSON_Delete); on failure returns FL_EINVALID with a
 * one-line reason ("duplicate key 'x'", "trailing bytes after the object",
 * "invalid UTF-8", ...) and *out is NULL.
 */
int fl_json_parse(cJSON **out, const char *buf, size_t len);

/*
 * Appends the canonical form of v to sb. When `top` is nonzero a final
 * "\n" is added (what a record file holds). Integers are printed without
 * a fraction or exponent.
 */
void fl_json_write(struct strbuf *sb, const cJSON *v, int top);

/* Convenience: canonical form of v as a new string with final "\n". */
char *fl_json_canonical(const cJSON *v);

/*
 * Returns 1 when buf[0..len) parses strictly and serialises back to the
 * very same bytes, else 0.
 */
int fl_json_is_canonical(const char *buf, size_t len);

/* Helpers over cJSON objects (borrowed results; NULL/"" when absent). */
const char *fl_json_str(const cJSON *obj, const char *key);
long long fl_json_int(const cJSON *obj, const char *key, long long dflt);
/* Replaces or adds key with a string value (the key keeps its position). */
void fl_json_set_str(cJSON *obj, const char *key, const char *value);

/*
 * Appends str (valid UTF-8) to sb as a JSON string, quoted and escaped as
 * the canonical form writes it: the two-character escapes, \u00xx for the
 * other bytes below 0x20, every other byte as it is.
 */
void fl_json_quote(struct strbuf *sb, const char *str);

#endif
