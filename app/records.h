/*
 * records.h: what the record commands share: filters and listing for
 * `list` (officers and reviewers), issue status as seen with responses,
 * CSV output, and showing one record.
 */
#ifndef FL_RECORDS_H
#define FL_RECORDS_H

#include "app/fieldlog.h"

struct filters {
	const char *province, *commune, *officer, *domain, *status, *severity;
	const char *since, *until, *week, *sort, *format, *kind, *limit;
	int escalated, json, deleted, mine;
	long long nlimit;        /* --limit as read by filters_check */
};

/* The filter options, to splice into a command's option table. */
#define FILTER_OPTS(f) \
	{ "province", OPT_STR, &(f).province, "CODE", N_("records in this province") }, \
	{ "commune", OPT_STR, &(f).commune, "CODE|NAME", N_("records about this commune") }, \
	{ "officer", OPT_STR, &(f).officer, "ID", N_("records written by this officer") }, \
	{ "domain", OPT_STR, &(f).domain, "ID", N_("issues in this domain") }, \
	{ "status", OPT_STR, &(f).status, "S", N_("issues with this status (as answered)") }, \
	{ "severity", OPT_STR, &(f).severity, "S", N_("issues of this severity") }, \
	{ "since", OPT_STR, &(f).since, "DATE", N_("dated on or after DATE") }, \
	{ "until", OPT_STR, &(f).until, "DATE", N_("dated on or before DATE") }, \
	{ "week", OPT_STR, &(f).week, "W", N_("in ISO week W (2025-W37)") }, \
	{ "escalated", OPT_BOOL, &(f).escalated, NULL, N_("issues waiting for the Ministry (status escalated)") }, \
	{ "sort", OPT_STR, &(f).sort, "KEY", N_("date|updated|severity|status|officer|commune") }, \
	{ "limit", OPT_STR, &(f).limit, "N", N_("at most N records") }, \
	{ "deleted", OPT_BOOL, &(f).deleted, NULL, N_("include deleted records") }, \
	{ "json", OPT_BOOL, &(f).json, NULL, N_("print JSON") }, \
	{ "format", OPT_STR, &(f).format, "FMT", N_("table|json|csv") }

/* Checks every value given (known province, domain, status, dates…); reads --limit. */
int filters_check(struct filters *f);

/*
 * Appends " AND ..." conditions on table alias r for the filters to sql
 * and returns the statement prepared and bound (caller finalizes).
 * `select` is "SELECT ... FROM records r WHERE r.kind = :kind".
 */
sqlite3_stmt *filters_query(struct ws *ws, const struct filters *f, const char *kind,
			    const char *select, const char *order);

/* SQL for an issue's effective status (the officer's, then responses). */
extern const char effective_status_sql[];

/* `KIND list [filters]`: parses the filter options and lists. */
int list_command(int argc, const char **argv, struct ws *ws, const char *kind);

/* Lists records of kind with the filters: table, JSON array or CSV. */
int list_records(struct ws *ws, const char *kind, struct filters *f);

/* The responses to a record, oldest first (a new array). */
/* The JSON in column 0 of each row of st, parsed (unparsable rows left out); resets st. */
cJSON *json_rows(sqlite3_stmt *st);
cJSON *responses_to(struct ws *ws, const char *id);
/* Effective status of an issue given its responses. Borrowed. */
const char *effective_status(const cJSON *issue, const cJSON *responses);

/* Writes records (all of one kind, or mixed) as CSV with a BOM. */
void write_csv(FILE *f, const cJSON *records);

/*
 * Prints one change on stdout as `fieldlog diff` does: a long text as a
 * line diff, an element added or removed field by field (cmd-log.c).
 */
struct fl_change;
void print_change(const struct fl_change *c);

/* Prints one record for people (not JSON). */
void show_record(struct ws *ws, const cJSON *rec);

/* `week` when given, else this week (FIELDLOG_NOW in tests) written into buf. */
const char *week_or_this(char buf[9], const char *week);

/* Short id for tables (first 10 characters). */
const char *short_id(const char *id);
/* Name of an officer from the roster (or the id). Borrowed. */
const char *officer_name(struct ws *ws, const char *id);
/* Province code of an officer from the roster, or NULL. */
const char *officer_province(struct ws *ws, const char *id);

#endif
