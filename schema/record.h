/*
 * record.h: what a record is (docs/design.md, "Records"): the kinds, their fields
 * in canonical order, validation of every field, ids, and the calendar
 * (real dates, ISO weeks, RFC 3339 times in UTC+07:00).
 *
 * All of it is pure: records are cJSON trees, reference data comes from
 * refdata.h. The same validation runs when an officer saves, when sync
 * imports what others wrote, and in the server's pre-receive check.
 */
#ifndef FL_RECORD_H
#define FL_RECORD_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "base.h"

#define FL_SCHEMA_VERSION 1

enum fl_kind {
	FL_KIND_NONE = -1,
	FL_SCHEDULE = 0,
	FL_VISIT,
	FL_ISSUE,
	FL_REPORT,
	FL_RESPONSE,
	FL_NKINDS
};

/* Size limits, in bytes of UTF-8. */
#define FL_SHORT_MAX 500      /* titles, activities, names */
#define FL_TEXT_MAX 20000     /* descriptions, findings, comments */
#define FL_LIST_MAX 500       /* elements in any array */

const char *fl_kind_name(enum fl_kind k);
/* FL_KIND_NONE when unknown. */
enum fl_kind fl_kind_parse(const char *name);

/* Enumerations (NULL-terminated). */
extern const char *const fl_severities[];
extern const char *const fl_statuses[];
extern const char *const fl_entry_states[];
extern const char *const fl_issue_response_states[];
extern const char *const fl_report_response_states[];
/* Index of s in list, or -1. */
int fl_enum_index(const char *const *list, const char *s);

/*
 * A new record of `kind` with the envelope filled in and every kind field
 * present with its empty default, in canonical order. Caller frees.
 */
cJSON *fl_record_new(enum fl_kind kind, const char *id, const char *author,
		     const char *now);

/*
 * Checks everything about a parsed record: the envelope (schema version,
 * known kind, id, author, times, deleted), each field of its kind (type,
 * required, enum, date, week, commune and domain codes that exist, sizes),
 * no unknown keys, and the canonical key order. Returns 0 or FL_EINVALID
 * with a one-line reason naming the field, e.g.
 * "field 'date': '2025-09-31' is not a real date".
 */
int fl_record_validate(const cJSON *rec);

/*
 * Splits a record's repository path, <2 hex>/<author>/<kind>/<ULID>.json,
 * into its parts (NUL-terminated); 1 when it has that shape, else 0. The
 * bucket is not checked against the author (sync/store.h does that).
 */
int fl_record_path_split(const char *path, char author[65], char kind[16], char id[27]);

/*
 * Puts the keys of rec (and of the objects in its id arrays) into
 * canonical order in place; unknown keys go last. Used after merges and
 * on input that will then be validated.
 */
void fl_record_order(cJSON *rec);

/* --- ids ---------------------------------------------------------------- */

#define FL_ID_LEN 26  /* ULID: 48-bit ms time + 80 random bits, Crockford base32 */

/* Writes a new ULID (upper case) and NUL into out[27]. */
void fl_id_new(char out[FL_ID_LEN + 1]);
/*
 * The ULID of a time (ms since the epoch, 48 bits kept) and 80 bits of
 * randomness, into out[27]: what fl_id_new writes, for callers that bring
 * their own clock and randomness (the test data generator, tests/helper).
 */
void fl_id_encode(char out[FL_ID_LEN + 1], unsigned long long ms,
		  const unsigned char rand[10]);
/* 1 when s is a well-formed ULID in canonical upper case. */
int fl_id_valid(const char *s);
/* 1 when s is an author id: [a-z0-9][a-z0-9._-]{0,63}. */
int fl_author_valid(const char *s);

/* --- calendar ----------------------------------------------------------- */

/* 1 when s is YYYY-MM-DD and a real calendar date (1900..9999). */
int fl_date_valid(const char *s);
/* 1 when s is YYYY-Www and that ISO year has week ww. */
int fl_week_valid(const char *s);
/* ISO week of a valid date into out[9] ("2025-W37"). */
void fl_week_of_date(char out[9], const char *date);
/* Date of the given weekday (1 = Monday … 7 = Sunday) of a valid ISO week. */
void fl_week_day(char out[11], const char *week, int weekday);
/* Adds n (may be negative) weeks to a valid ISO week. */
void fl_week_add(char out[9], const char *week, int n);
/* 1 when s is an RFC 3339 time with seconds and an explicit offset. */
int fl_time_valid(const char *s);
/* Seconds since the epoch of a valid RFC 3339 time, or -1. */
long long fl_time_parse(const char *s);
/*
 * The current time as RFC 3339 in the local zone (officers: +07:00) into
 * out[32]. FIELDLOG_NOW overrides the clock (tests, demos).
 */
void fl_time_now(char out[32]);
/* Current time in seconds (honours FIELDLOG_NOW). */
long long fl_time_now_secs(void);
/* Formats t in UTC+07:00, Vietnam time, into out[32]. */
void fl_time_format_vn(char out[32], long long t);
/* Days since 1970-01-01 of a valid date. */
long fl_date_days(const char *date);

/* --- issues ------------------------------------------------------------- */

/*
 * 1 when an officer may move an issue from status `from` to `to`
 * (docs/design.md, "Records": open → in_progress → resolved | escalated → answered
 * → closed, plus reopening). "answered" is only ever set by a response.
 */
int fl_issue_transition_ok(const char *from, const char *to);

#endif
