/*
 * record.c: the record schema as a table, and the validation, defaults,
 * key ordering, ids and calendar arithmetic built on it.
 *
 * The table is the one place that says which fields a kind has, in which
 * order, of which type, whether they are required. Everything else (new
 * records, ordering, validation) walks it, so adding a field is one line.
 */
#define _POSIX_C_SOURCE 200809L
#include "record.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "refdata.h"
#include "text.h"

enum ftype {
	T_SHORT,     /* one-line text, FL_SHORT_MAX */
	T_TEXT,      /* long text, FL_TEXT_MAX */
	T_DATE,      /* YYYY-MM-DD, "" allowed unless required */
	T_WEEK,      /* YYYY-Www */
	T_TIME,      /* RFC 3339, "" allowed unless required */
	T_ENUM,
	T_COMMUNE,   /* a commune code that exists */
	T_DOMAIN,    /* a domain id that exists */
	T_ID,        /* a ULID */
	T_IDS,       /* array of ULIDs (a set) */
	T_COMMUNES,  /* array of commune codes (a set) */
	T_TEXTS,     /* array of long texts */
	T_OBJECTS,   /* array of objects with ids, described by `sub` */
	T_COUNTS,    /* object of name -> integer */
	T_AUTHOR,
};

/*
 * `required`: REQUIRED must be present and not empty; OPTIONAL must be
 * present, empty allowed; MAY_BE_ABSENT is left out when empty and, when
 * present, not empty. Fields added to a kind after records of it were
 * written are MAY_BE_ABSENT: older records stay valid, and each value has
 * one canonical form (absent, never an empty value).
 */
enum { OPTIONAL = 0, REQUIRED = 1, MAY_BE_ABSENT = 2 };

struct field {
	const char *name;
	enum ftype type;
	int required;
	const char *const *values;        /* T_ENUM */
	const struct field *sub;          /* T_OBJECTS: element fields */
};

const char *const fl_severities[] = { "low", "medium", "high", "urgent", NULL };
const char *const fl_statuses[] = { "open", "in_progress", "resolved", "escalated",
				    "answered", "closed", NULL };
const char *const fl_entry_states[] = { "planned", "done", "cancelled", NULL };
const char *const fl_issue_response_states[] = { "answered", "closed", NULL };
const char *const fl_report_response_states[] = { "approved", "has_issues", NULL };
static const char *const response_states[] = { "answered", "closed", "approved",
					       "has_issues", NULL };
static const char *const target_kinds[] = { "issue", "report", NULL };

static const struct field entry_fields[] = {
	{ "id", T_ID, 1, NULL, NULL },
	{ "date", T_DATE, 1, NULL, NULL },
	/* A commune, or "" when the entry names a place instead (below). */
	{ "commune", T_COMMUNE, OPTIONAL, NULL, NULL },
	{ "place", T_SHORT, MAY_BE_ABSENT, NULL, NULL },
	{ "activity", T_SHORT, 1, NULL, NULL },
	{ "state", T_ENUM, 1, fl_entry_states, NULL },
	{ "note", T_TEXT, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct field comment_fields[] = {
	{ "id", T_ID, 1, NULL, NULL },
	{ "author", T_AUTHOR, 1, NULL, NULL },
	{ "at", T_TIME, 1, NULL, NULL },
	{ "text", T_TEXT, 1, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct field envelope[] = {
	{ "schema", T_SHORT, 1, NULL, NULL },   /* checked by hand */
	{ "kind", T_SHORT, 1, NULL, NULL },
	{ "id", T_ID, 1, NULL, NULL },
	{ "author", T_AUTHOR, 1, NULL, NULL },
	{ "created_at", T_TIME, 1, NULL, NULL },
	{ "updated_at", T_TIME, 1, NULL, NULL },
	{ "deleted", T_SHORT, 1, NULL, NULL },  /* checked by hand */
	{ NULL, 0, 0, NULL, NULL }
};

static const struct field schedule_fields[] = {
	{ "week", T_WEEK, 1, NULL, NULL },
	{ "entries", T_OBJECTS, 0, NULL, entry_fields },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct field visit_fields[] = {
	{ "date", T_DATE, 1, NULL, NULL },
	{ "commune", T_COMMUNE, 1, NULL, NULL },
	{ "summary", T_TEXT, 1, NULL, NULL },
	{ "met", T_TEXT, 0, NULL, NULL },
	{ "findings", T_TEXTS, 0, NULL, NULL },
	{ "issues", T_IDS, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct field issue_fields[] = {
	{ "title", T_SHORT, 1, NULL, NULL },
	/* When the obstacle was found; issues written before it had none. */
	{ "date", T_DATE, MAY_BE_ABSENT, NULL, NULL },
	{ "description", T_TEXT, 0, NULL, NULL },
	{ "domain", T_DOMAIN, 1, NULL, NULL },
	{ "communes", T_COMMUNES, 1, NULL, NULL },
	{ "severity", T_ENUM, 1, fl_severities, NULL },
	{ "status", T_ENUM, 1, fl_statuses, NULL },
	{ "actions", T_TEXT, 0, NULL, NULL },
	{ "resolution", T_TEXT, 0, NULL, NULL },
	{ "escalation", T_TEXT, 0, NULL, NULL },
	{ "comments", T_OBJECTS, 0, NULL, comment_fields },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct field report_fields[] = {
	{ "week", T_WEEK, 1, NULL, NULL },
	{ "summary", T_TEXT, 0, NULL, NULL },
	{ "figures", T_COUNTS, 0, NULL, NULL },
	{ "submitted_at", T_TIME, 0, NULL, NULL },
	/* The document as submitted (app/report-doc.c): the reviewer's copy. */
	{ "unit", T_SHORT, MAY_BE_ABSENT, NULL, NULL },
	{ "place", T_SHORT, MAY_BE_ABSENT, NULL, NULL },
	{ "subject", T_SHORT, MAY_BE_ABSENT, NULL, NULL },
	{ "signer", T_SHORT, MAY_BE_ABSENT, NULL, NULL },
	{ "sections", T_TEXTS, MAY_BE_ABSENT, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct field response_fields[] = {
	{ "target", T_ID, 1, NULL, NULL },
	{ "target_kind", T_ENUM, 1, target_kinds, NULL },
	{ "text", T_TEXT, 1, NULL, NULL },
	{ "state", T_ENUM, 1, response_states, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

static const char *const kind_names[FL_NKINDS] = {
	"schedule", "visit", "issue", "report", "response"
};

static const struct field *const kind_fields[FL_NKINDS] = {
	schedule_fields, visit_fields, issue_fields, report_fields, response_fields
};

const char *fl_kind_name(enum fl_kind k)
{
	return (k >= 0 && k < FL_NKINDS) ? kind_names[k] : "unknown";
}

enum fl_kind fl_kind_parse(const char *name)
{
	for (int k = 0; k < FL_NKINDS; k++)
		if (name && !strcmp(name, kind_names[k]))
			return (enum fl_kind)k;
	return FL_KIND_NONE;
}

int fl_enum_index(const char *const *list, const char *s)
{
	for (int i = 0; s && list[i]; i++)
		if (!strcmp(list[i], s))
			return i;
	return -1;
}

static cJSON *default_value(const struct field *f)
{
	switch (f->type) {
	case T_IDS: case T_COMMUNES: case T_TEXTS: case T_OBJECTS:
		return cJSON_CreateArray();
	case T_COUNTS:
		return cJSON_CreateObject();
	case T_ENUM:
		return cJSON_CreateString(f->values[0]);
	default:
		return cJSON_CreateString("");
	}
}

cJSON *fl_record_new(enum fl_kind kind, const char *id, const char *author,
		     const char *now)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "schema", FL_SCHEMA_VERSION);
	cJSON_AddStringToObject(r, "kind", fl_kind_name(kind));
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "author", author);
	cJSON_AddStringToObject(r, "created_at", now);
	cJSON_AddStringToObject(r, "updated_at", now);
	cJSON_AddFalseToObject(r, "deleted");
	for (const struct field *f = kind_fields[kind]; f->name; f++)
		if (f->required != MAY_BE_ABSENT)
			cJSON_AddItemToObject(r, f->name, default_value(f));
	return r;
}

/* --- ordering ------------------------------------------------------------ */

static void order_object(cJSON *obj, const struct field *a, const struct field *b)
{
	cJSON *head = NULL, *tail = NULL, *it;
	const struct field *lists[2] = { a, b };

	/* Detach the known keys in table order, then append what is left. */
	for (int l = 0; l < 2; l++) {
		for (const struct field *f = lists[l]; f && f->name; f++) {
			it = cJSON_DetachItemFromObjectCaseSensitive(obj, f->name);
			if (!it)
				continue;
			if (f->type == T_OBJECTS && cJSON_IsArray(it)) {
				cJSON *e;
				cJSON_ArrayForEach(e, it)
					if (cJSON_IsObject(e))
						order_object(e, f->sub, NULL);
			}
			it->prev = tail;
			it->next = NULL;
			if (tail)
				tail->next = it;
			else
				head = it;
			tail = it;
		}
	}
	/* Whatever is still attached is unknown: keep it after the known keys. */
	while ((it = obj->child)) {
		cJSON_DetachItemViaPointer(obj, it);
		it->prev = tail;
		it->next = NULL;
		if (tail)
			tail->next = it;
		else
			head = it;
		tail = it;
	}
	obj->child = head;
	if (head)
		head->prev = tail;   /* cJSON keeps the last item in child->prev */
}

void fl_record_order(cJSON *rec)
{
	enum fl_kind k = fl_kind_parse(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(rec, "kind")));
	order_object(rec, envelope, k == FL_KIND_NONE ? NULL : kind_fields[k]);
}

/* --- validation ---------------------------------------------------------- */

static int bad(const char *prefix, const char *name, const char *fmt, ...) FL_PRINTF(3, 4);
static int bad(const char *prefix, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *why;
	int e;
	va_start(ap, fmt);
	why = xstrvfmt(fl_tr(fmt), ap);
	va_end(ap);
	e = fl_error(FL_EINVALID, "field '%s%s': %s", prefix, name, why);
	free(why);
	return e;
}

static int check_string(const char *prefix, const char *name, const cJSON *v,
			size_t max, int required, int oneline)
{
	const char *s = cJSON_GetStringValue(v);
	struct fl_text_scan sc;
	if (!s)
		return bad(prefix, name, "%snot a string", "");
	fl_text_scan(&sc, s);
	if (!sc.valid)
		return bad(prefix, name, "%sinvalid UTF-8", "");
	if (sc.len > max)
		return fl_error(FL_EINVALID, "field '%s%s': longer than %zu bytes",
				prefix, name, max);
	if (required && !*s)
		return bad(prefix, name, "%srequired", "");
	if (oneline && sc.newline)
		return bad(prefix, name, "%smust be one line", "");
	/*
	 * Control characters (C0 but newline and tab, DEL, and C1 U+0080..U+009F)
	 * are refused: records from other people are printed on reviewers'
	 * terminals, and ESC would let a record drive them.
	 */
	if (sc.control || (oneline && sc.tab))
		return bad(prefix, name, "%scontains a control character", "");
	if (!sc.nfc)
		return bad(prefix, name, "%snot in NFC form", "");
	return 0;
}

static int check_fields(const char *prefix, const cJSON *obj,
			const struct field *fields);

static int check_value(const char *prefix, const struct field *f, const cJSON *v)
{
	const char *s;
	int e;

	switch (f->type) {
	case T_SHORT:
	case T_AUTHOR:
		if ((e = check_string(prefix, f->name, v, FL_SHORT_MAX, f->required != 0, 1)) < 0)
			return e;
		if (f->type == T_AUTHOR && !fl_author_valid(v->valuestring))
			return bad(prefix, f->name, "'%s' is not a valid author id", v->valuestring);
		return 0;
	case T_TEXT:
		return check_string(prefix, f->name, v, FL_TEXT_MAX, f->required != 0, 0);
	case T_DATE: case T_WEEK: case T_TIME: case T_ENUM:
	case T_COMMUNE: case T_DOMAIN: case T_ID:
		if ((e = check_string(prefix, f->name, v, FL_SHORT_MAX, f->required != 0, 1)) < 0)
			return e;
		s = v->valuestring;
		if (!*s)
			return 0;
		if (f->type == T_DATE && !fl_date_valid(s))
			return bad(prefix, f->name, "'%s' is not a real date (YYYY-MM-DD)", s);
		if (f->type == T_WEEK && !fl_week_valid(s))
			return bad(prefix, f->name, "'%s' is not an ISO week (YYYY-Www)", s);
		if (f->type == T_TIME && !fl_time_valid(s))
			return bad(prefix, f->name, "'%s' is not an RFC 3339 time", s);
		if (f->type == T_ENUM && fl_enum_index(f->values, s) < 0)
			return bad(prefix, f->name, "unknown value '%s'", s);
		if (f->type == T_COMMUNE && !fl_commune_find(s))
			return bad(prefix, f->name, "unknown commune code '%s'", s);
		if (f->type == T_DOMAIN && !fl_domain_find(s))
			return bad(prefix, f->name, "unknown domain '%s'", s);
		if (f->type == T_ID && !fl_id_valid(s))
			return bad(prefix, f->name, "'%s' is not a record id", s);
		return 0;
	case T_IDS: case T_COMMUNES: case T_TEXTS: case T_OBJECTS: {
		const cJSON *e1;
		int n = 0;
		if (!cJSON_IsArray(v))
			return bad(prefix, f->name, "%snot a list", "");
		cJSON_ArrayForEach(e1, v) {
			if (++n > FL_LIST_MAX)
				return fl_error(FL_EINVALID, "field '%s%s': more than %d elements",
						prefix, f->name, FL_LIST_MAX);
			if (f->type == T_OBJECTS) {
				char *p;
				if (!cJSON_IsObject(e1))
					return bad(prefix, f->name, "%selement is not an object", "");
				p = xstrfmt("%s%s[%d].", prefix, f->name, n - 1);
				e = check_fields(p, e1, f->sub);
				free(p);
				if (e < 0)
					return e;
				continue;
			}
			struct field ef = { f->name, f->type == T_IDS ? T_ID :
					    f->type == T_COMMUNES ? T_COMMUNE : T_TEXT, 1, NULL, NULL };
			if ((e = check_value(prefix, &ef, e1)) < 0)
				return e;
		}
		if (f->required && n == 0)
			return f->required == MAY_BE_ABSENT ?
				bad(prefix, f->name, "%sempty: leave it out", "") :
				bad(prefix, f->name, "%srequired", "");
		/* Sets and id lists hold no duplicates. */
		if (f->type != T_TEXTS) {
			const cJSON *a, *b;
			cJSON_ArrayForEach(a, v) {
				const char *ka = f->type == T_OBJECTS ?
					cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "id")) :
					cJSON_GetStringValue(a);
				for (b = a->next; b; b = b->next) {
					const char *kb = f->type == T_OBJECTS ?
						cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "id")) :
						cJSON_GetStringValue(b);
					if (ka && kb && !strcmp(ka, kb))
						return bad(prefix, f->name, "duplicate element '%s'", ka);
				}
			}
		}
		return 0;
	}
	case T_COUNTS: {
		const cJSON *c;
		if (!cJSON_IsObject(v))
			return bad(prefix, f->name, "%snot an object", "");
		cJSON_ArrayForEach(c, v) {
			if (!cJSON_IsNumber(c) || c->valuedouble < 0 || c->valuedouble > 1e9)
				return bad(prefix, f->name, "'%s' is not a count", c->string);
			if (!fl_author_valid(c->string))
				return bad(prefix, f->name, "bad figure name '%s'", c->string);
		}
		return 0;
	}
	}
	return 0;
}

/* Checks the fields of obj against the table, in order, with no extras. */
static int check_fields_from(const char *prefix, const cJSON *first,
			     const struct field *fields);
static int check_fields(const char *prefix, const cJSON *obj, const struct field *fields)
{
	return check_fields_from(prefix, obj->child, fields);
}

/* Checks the items from `first` on against the table. */
static int check_fields_from(const char *prefix, const cJSON *first,
			     const struct field *fields)
{
	const cJSON *it = first;
	const struct field *f;
	int e;

	for (f = fields; f->name; f++) {
		if (f->required == MAY_BE_ABSENT && (!it || strcmp(it->string, f->name)))
			continue;   /* absent: the same item meets the next field */
		if (!it || strcmp(it->string, f->name)) {
			const cJSON *have = first;
			while (have && strcmp(have->string, f->name))
				have = have->next;
			if (!have)
				return fl_error(FL_EINVALID, "field '%s%s': missing", prefix, f->name);
			return fl_error(FL_EINVALID, "field '%s%s': out of canonical order",
					prefix, f->name);
		}
		if ((e = check_value(prefix, f, it)) < 0)
			return e;
		it = it->next;
	}
	if (it)
		return fl_error(FL_EINVALID, "unknown field '%s%s'", prefix, it->string);
	return 0;
}

int fl_record_validate(const cJSON *rec)
{
	const cJSON *it;
	enum fl_kind k;
	int e, i = 0;

	if (!cJSON_IsObject(rec))
		return fl_error(FL_EINVALID, "a record must be a JSON object");
	/* The envelope by hand: schema and deleted are not strings. */
	for (it = rec->child; envelope[i].name; i++, it = it->next) {
		if (!it || strcmp(it->string, envelope[i].name))
			return fl_error(FL_EINVALID, "field '%s': missing or out of order",
					envelope[i].name);
		if (i == 0) {
			if (!cJSON_IsNumber(it) || it->valuedouble != FL_SCHEMA_VERSION)
				return fl_error(FL_EINVALID, "field 'schema': unsupported version");
		} else if (i == 1) {
			if (fl_kind_parse(cJSON_GetStringValue(it)) == FL_KIND_NONE)
				return fl_error(FL_EINVALID, "field 'kind': unknown kind '%s'",
						cJSON_IsString(it) ? it->valuestring : "?");
		} else if (i == 6) {
			if (!cJSON_IsBool(it))
				return fl_error(FL_EINVALID, "field 'deleted': not true or false");
		} else if ((e = check_value("", &envelope[i], it)) < 0) {
			return e;
		}
	}
	k = fl_kind_parse(cJSON_GetObjectItemCaseSensitive(rec, "kind")->valuestring);

	/* The kind's fields follow the envelope. */
	struct field none = { NULL, 0, 0, NULL, NULL };
	e = check_fields_from("", it, kind_fields[k] ? kind_fields[k] : &none);
	if (e < 0)
		return e;

	/* Cross-field rules. */
	if (k == FL_SCHEDULE) {
		const char *week = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "week"));
		const cJSON *en;
		cJSON_ArrayForEach(en, cJSON_GetObjectItemCaseSensitive(rec, "entries")) {
			const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(en, "date"));
			const cJSON *place = cJSON_GetObjectItemCaseSensitive(en, "place");
			char w[9];
			if (!*cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(en, "commune")) &&
			    !place)
				return fl_error(FL_EINVALID, "field 'entries': an entry names neither a "
						"commune nor a place");
			fl_week_of_date(w, d);
			if (strcmp(w, week))
				return fl_error(FL_EINVALID, "field 'entries': date '%s' is not in week %s",
						d, week);
		}
	} else if (k == FL_RESPONSE) {
		const char *tk = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "target_kind"));
		const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "state"));
		const char *const *ok = !strcmp(tk, "issue") ? fl_issue_response_states
							    : fl_report_response_states;
		if (fl_enum_index(ok, st) < 0)
			return fl_error(FL_EINVALID, "field 'state': '%s' does not apply to a %s",
					st, tk);
	}
	return 0;
}

/* --- ids ----------------------------------------------------------------- */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void random_bytes(unsigned char *buf, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	while (fd >= 0 && got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (fd >= 0)
		close(fd);
	if (got < n)
		fl_die("cannot read /dev/urandom");
}

/* 128 bits as 26 base-32 digits: the first digit holds 3 bits. */
void fl_id_encode(char out[FL_ID_LEN + 1], unsigned long long ms,
		  const unsigned char rand[10])
{
	unsigned char b[16];
	int i;

	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	memcpy(b + 6, rand, 10);
	for (i = 0; i < FL_ID_LEN; i++) {
		int bit = 128 - 5 * (FL_ID_LEN - i);  /* may be negative for i = 0 */
		unsigned v = 0;
		for (int j = 0; j < 5; j++) {
			int pos = bit + j;
			v <<= 1;
			if (pos >= 0 && (b[pos / 8] >> (7 - pos % 8)) & 1)
				v |= 1;
		}
		out[i] = crockford[v];
	}
	out[FL_ID_LEN] = '\0';
}

/*
 * ULIDs made in the same millisecond by one process increase by one in
 * their random part, so ids made in a loop still sort in creation order.
 */
void fl_id_new(char out[FL_ID_LEN + 1])
{
	static unsigned long long last_ms;
	static unsigned char last_rand[10];
	struct timeval tv;
	unsigned long long ms;
	int i;

	gettimeofday(&tv, NULL);
	ms = (unsigned long long)tv.tv_sec * 1000 + (unsigned long long)tv.tv_usec / 1000;
	if (ms <= last_ms) {
		ms = last_ms;
		for (i = 9; i >= 0 && ++last_rand[i] == 0; i--)
			;
	} else {
		random_bytes(last_rand, sizeof(last_rand));
		last_ms = ms;
	}
	fl_id_encode(out, ms, last_rand);
}

int fl_id_valid(const char *s)
{
	size_t i;
	if (!s || strlen(s) != FL_ID_LEN || s[0] > '7')
		return 0;
	for (i = 0; i < FL_ID_LEN; i++)
		if (!strchr(crockford, s[i]) || !s[i])
			return 0;
	return 1;
}

int fl_author_valid(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;
	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

/* --- calendar ------------------------------------------------------------ */

/* Howard Hinnant's days_from_civil: days since 1970-01-01. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long yy = (long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

static int parse_date(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-' ||
	    !digits(s, 4, y) || !digits(s + 5, 2, m) || !digits(s + 8, 2, d))
		return 0;
	if (*y < 1900 || *m < 1 || *m > 12 || *d < 1)
		return 0;
	return *d <= mdays[*m - 1] + (*m == 2 && is_leap(*y));
}

int fl_date_valid(const char *s)
{
	int y, m, d;
	return s && strlen(s) == 10 && parse_date(s, &y, &m, &d);
}

long fl_date_days(const char *date)
{
	int y, m, d;
	if (!parse_date(date, &y, &m, &d))
		return 0;
	return days_from_civil(y, (unsigned)m, (unsigned)d);
}

/* ISO weekday 1..7 of a day number. */
static int weekday(long days)
{
	long w = (days + 3) % 7;  /* 1970-01-01 was a Thursday */
	if (w < 0)
		w += 7;
	return (int)w + 1;
}

/* Day number of the Monday of ISO week 1 of year y. */
static long week1_monday(int y)
{
	long jan4 = days_from_civil(y, 1, 4);
	return jan4 - (weekday(jan4) - 1);
}

static int weeks_in_year(int y)
{
	return (int)((week1_monday(y + 1) - week1_monday(y)) / 7);
}

static int parse_week(const char *s, int *y, int *w)
{
	if (!s || strlen(s) != 8 || s[4] != '-' || s[5] != 'W' ||
	    !digits(s, 4, y) || !digits(s + 6, 2, w))
		return 0;
	return *y >= 1900 && *w >= 1 && *w <= weeks_in_year(*y);
}

int fl_week_valid(const char *s)
{
	int y, w;
	return parse_week(s, &y, &w);
}

static void week_of_days(char out[9], long days)
{
	int y, m, d;
	civil_from_days(days + 4 - weekday(days), &y, &m, &d);  /* that week's Thursday */
	snprintf(out, 9, "%04u-W%02u", (unsigned)y % 10000u,
		 (unsigned)((days - week1_monday(y)) / 7 + 1) % 100u);
}

void fl_week_of_date(char out[9], const char *date)
{
	week_of_days(out, fl_date_days(date));
}

static long week_monday(const char *week)
{
	int y, w;
	if (!parse_week(week, &y, &w))
		return 0;
	return week1_monday(y) + 7L * (w - 1);
}

void fl_week_day(char out[11], const char *week, int wd)
{
	int y, m, d;
	civil_from_days(week_monday(week) + wd - 1, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
}

void fl_week_add(char out[9], const char *week, int n)
{
	week_of_days(out, week_monday(week) + 7L * n);
}

long long fl_time_parse(const char *s)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 1;
	size_t n = s ? strlen(s) : 0;
	if (n < 20 || !parse_date(s, &y, &mo, &d) || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
	    !digits(s + 17, 2, &se) || h > 23 || mi > 59 || se > 59)
		return -1;
	if (n == 20 && s[19] == 'Z') {
		/* UTC */
	} else if (n == 25 && (s[19] == '+' || s[19] == '-') && s[22] == ':' &&
		   digits(s + 20, 2, &oh) && digits(s + 23, 2, &om) && oh < 24 && om < 60) {
		sign = s[19] == '-' ? -1 : 1;
	} else {
		return -1;
	}
	return (long long)days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	       h * 3600 + mi * 60 + se - sign * (oh * 3600 + om * 60);
}

int fl_time_valid(const char *s)
{
	return fl_time_parse(s) >= 0;
}

void fl_time_format_vn(char out[32], long long t)
{
	long long local = t + 7 * 3600;
	long days = (long)(local >= 0 ? local / 86400 : (local - 86399) / 86400);
	long secs = (long)(local - (long long)days * 86400);
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	unsigned long us = (unsigned long)secs % 86400u;
	snprintf(out, 32, "%04u-%02u-%02uT%02lu:%02lu:%02lu+07:00", (unsigned)y % 10000u,
		 (unsigned)m % 100u, (unsigned)d % 100u, us / 3600, us / 60 % 60, us % 60);
}

long long fl_time_now_secs(void)
{
	const char *fake = getenv("FIELDLOG_NOW");
	if (fake && *fake) {
		long long t = fl_time_parse(fake);
		if (t >= 0)
			return t;
	}
	return (long long)time(NULL);
}

/*
 * Records carry Vietnam time (UTC+07:00, no daylight saving) whatever the
 * laptop's TZ says: every officer and reviewer reads the same wall clock,
 * and the report deadline (Thursday) is a Vietnamese Thursday.
 */
void fl_time_now(char out[32])
{
	fl_time_format_vn(out, fl_time_now_secs());
}

/* --- issues -------------------------------------------------------------- */

int fl_issue_transition_ok(const char *from, const char *to)
{
	static const struct { const char *from, *to; } ok[] = {
		{ "open", "in_progress" }, { "open", "resolved" }, { "open", "escalated" },
		{ "in_progress", "open" }, { "in_progress", "resolved" },
		{ "in_progress", "escalated" },
		{ "resolved", "open" }, { "resolved", "closed" },
		{ "escalated", "in_progress" }, { "escalated", "resolved" },
		{ "answered", "closed" }, { "answered", "escalated" },
		{ "answered", "in_progress" }, { "answered", "resolved" },
		{ "closed", "open" },
	};
	if (!strcmp(from, to))
		return 1;
	for (size_t i = 0; i < FL_ARRAY_SIZE(ok); i++)
		if (!strcmp(ok[i].from, from) && !strcmp(ok[i].to, to))
			return 1;
	return 0;
}

int fl_record_path_split(const char *path, char author[65], char kind[16], char id[27])
{
	const char *a, *k, *f;
	size_t al, kl;

	if (!((path[0] >= '0' && path[0] <= '9') || (path[0] >= 'a' && path[0] <= 'f')) ||
	    !((path[1] >= '0' && path[1] <= '9') || (path[1] >= 'a' && path[1] <= 'f')) ||
	    path[2] != '/')
		return 0;
	a = path + 3;
	if (!(k = strchr(a, '/')) || !(f = strchr(k + 1, '/')))
		return 0;
	al = (size_t)(k - a);
	kl = (size_t)(f - k - 1);
	if (al == 0 || al > 64 || kl == 0 || kl > 15 || strchr(f + 1, '/'))
		return 0;
	if (strlen(f + 1) != FL_ID_LEN + 5 || strcmp(f + 1 + FL_ID_LEN, ".json"))
		return 0;
	memcpy(author, a, al);
	author[al] = '\0';
	memcpy(kind, k + 1, kl);
	kind[kl] = '\0';
	memcpy(id, f + 1, FL_ID_LEN);
	id[FL_ID_LEN] = '\0';
	return 1;
}
