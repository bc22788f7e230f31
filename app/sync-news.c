/*
 * sync-news.c: the lines a sync prints about what it received, before its
 * "sent N, received M, conflicts K". Counts alone left an officer on a
 * weak link to guess whether the reviewer had answered: the answers to
 * their own issues and reports, and changes of the roster (who reviews,
 * who left), are named one per line, with the title of what was answered.
 *
 * How: the index is read before and after the sync (fl_sync_run imports
 * what it fetched); an answer is news when its id or its updated_at is
 * new, a person when their row differs. Both sets are small (the answers
 * to one person's records; 3,332 people at national scale: about 2 ms).
 */
#define _POSIX_C_SOURCE 200809L
#include "app/sync-news.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/json.h"

struct seen {
	char **v;     /* "key\tvalue", sorted */
	size_t n, alloc;
};

struct sync_news {
	struct seen answers, people;
};

static const char answers_sql[] =
	"SELECT x.id, x.updated_at, r.id, r.title, x.json FROM records x"
	" JOIN records r ON r.id = x.target"
	" WHERE x.kind = 'response' AND x.deleted = 0 AND r.author = :me";
static const char people_sql[] =
	"SELECT id, name || ' (' || role || ')' ||"
	" CASE WHEN provinces IN ('', '[]') THEN '' ELSE ' ' || provinces END FROM people";

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rows of st as "col0\tcol1", sorted. */
static void seen_read(struct seen *s, sqlite3_stmt *st)
{
	while (fl_step(st)) {
		FL_ALLOC_GROW(s->v, s->n + 1, s->alloc);
		s->v[s->n++] = xstrfmt("%s\t%s", fl_col_text(st, 0), fl_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

static int seen_has(const struct seen *s, const char *key)
{
	return s->n && bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_str) != NULL;
}

static void seen_release(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

struct sync_news *sync_news_before(struct ws *ws)
{
	struct sync_news *n = xcalloc(1, sizeof(*n));
	sqlite3_stmt *st = fl_db_stmt(ws->db, answers_sql);

	fl_bind_text(st, ":me", ws->id);
	seen_read(&n->answers, st);
	seen_read(&n->people, fl_db_stmt(ws->db, people_sql));
	return n;
}

/* One line for an answer: its state ("answered", "closed", "approved",
 * "has_issues") as the officer's language says it. */
static void print_answer(const char *state, const char *target, const char *title)
{
	const char *verb = !strcmp(state, "answered") ? _("answered") :
			   !strcmp(state, "closed") ? _("closed") :
			   !strcmp(state, "approved") ? _("approved") :
			   !strcmp(state, "has_issues") ? _("has issues") : _("answered");
	printf(_("%s: %s \"%s\"\n"), verb, target, title);
}

static void print_answers(struct sync_news *n, struct ws *ws)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db, answers_sql);

	fl_bind_text(st, ":me", ws->id);
	while (fl_step(st)) {
		char *key = xstrfmt("%s\t%s", fl_col_text(st, 0), fl_col_text(st, 1));
		if (!seen_has(&n->answers, key)) {
			cJSON *rec = NULL;
			const char *json = fl_col_text(st, 4);
			if (fl_json_parse(&rec, json, strlen(json)) == 0)
				print_answer(fl_json_str(rec, "state") ? fl_json_str(rec, "state") : "",
					     fl_col_text(st, 2), fl_col_text(st, 3));
			cJSON_Delete(rec);
			fl_clear_error();
		}
		free(key);
	}
	sqlite3_reset(st);
}

/* The id of a people row ("id\tname (role) provinces"), its length. */
static size_t id_len(const char *row)
{
	return strcspn(row, "\t");
}

/*
 * Both lists are sorted by the whole row, and so by id: a tab sorts
 * before any character of an id. One merge finds who came, went, changed.
 */
static void print_people(struct sync_news *n, struct ws *ws)
{
	struct seen after = { NULL, 0, 0 };
	size_t i = 0, j = 0;

	seen_read(&after, fl_db_stmt(ws->db, people_sql));
	while (i < n->people.n || j < after.n) {
		const char *b = i < n->people.n ? n->people.v[i] : NULL;
		const char *a = j < after.n ? after.v[j] : NULL;
		int c = !b ? 1 : !a ? -1 : strncmp(b, a, id_len(b) + 1);
		if (c < 0) {
			printf(_("roster: removed %.*s\n"), (int)id_len(b), b);
			i++;
		} else if (c > 0) {
			printf(_("roster: added %.*s: %s\n"), (int)id_len(a), a, a + id_len(a) + 1);
			j++;
		} else {
			if (strcmp(a, b))
				printf(_("roster: changed %.*s: %s\n"), (int)id_len(a), a,
				       a + id_len(a) + 1);
			i++;
			j++;
		}
	}
	seen_release(&after);
}

void sync_news_print(struct sync_news *n, struct ws *ws)
{
	if (!n)
		return;
	print_answers(n, ws);
	print_people(n, ws);
}

void sync_news_free(struct sync_news *n)
{
	if (!n)
		return;
	seen_release(&n->answers);
	seen_release(&n->people);
	free(n);
}
