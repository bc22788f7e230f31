/*
 * dashboard-history.c: the "History" part of the dashboard's issues
 * (dashboard.h): every version of an issue with the fields it changed,
 * what `fieldlog log` and `fieldlog diff` show (sync/history.c,
 * sync/diff.c), codes as labels.
 *
 * This is most of the dashboard's work: at the 100k profile 6,955 issues
 * of 3,321 authors, each author's branch walked once (26,000 commits, a
 * few trees read in each) and 15,000 versions read and compared. It is
 * done an author at a time, on a thread of its own with its own handle
 * on repo.git, while the main thread writes the index and the province
 * pages from SQLite; when those are written the main thread takes
 * authors from the same queue too, so both cores of a desktop work. The
 * HTML of each history is kept (about 1 kB an issue) until the files of
 * issues are written.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/dashboard.h"
#include "app/records.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"
#include "sync/diff.h"
#include "sync/history.h"

/* The label of a field path's top-level field ("comments[01J…].text": Comments). */
static const char *field_label(const char *path)
{
	static const char *const fields[][2] = {
		{ "title", "Title" }, { "description", "Description" }, { "domain", "Domain" },
		{ "communes", "Communes" }, { "severity", "Severity" }, { "status", "Status" },
		{ "actions", "Actions taken" }, { "resolution", "Resolution" },
		{ "escalation", "Escalation" }, { "comments", "Comments" },
	};
	size_t n = strcspn(path, "[.");
	for (size_t i = 0; i < FL_ARRAY_SIZE(fields); i++)
		if (strlen(fields[i][0]) == n && !strncmp(path, fields[i][0], n))
			return _(fields[i][1]);
	return path;
}

/* A changed value as people read it: labels for codes, text as written. */
static void value_text(struct strbuf *sb, const char *path, const cJSON *v)
{
	if (!v || (cJSON_IsString(v) && !*v->valuestring)) {
		strbuf_addstr(sb, "—");
	} else if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		dash_text(sb, !strcmp(path, "status") ? dash_status(s) :
			      !strcmp(path, "severity") ? dash_severity(s) :
			      !strcmp(path, "domain") ? dash_domain(s) : s);
	} else if (cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "text")) {
		dash_text(sb, fl_json_str(v, "text"));   /* a comment added or removed whole */
	} else {
		char *t = cJSON_PrintUnformatted(v);
		dash_text(sb, t ? t : "");
		free(t);
	}
}

static int load_version(cJSON **out, struct fl_store *s, const git_oid *blob)
{
	struct strbuf sb = STRBUF_INIT;
	int e;
	*out = NULL;
	if ((e = fl_store_read_blob(&sb, s, blob, FL_RECORD_MAX)) == 0)
		e = fl_json_parse(out, sb.buf, sb.len);
	strbuf_release(&sb);
	return e;
}

/* The last version read: a version's parent is most often the one before it. */
struct last_version {
	git_oid blob;
	cJSON *rec;
};

/* One version: when, who, and each field it changed (old → new). */
static void issue_version(struct strbuf *sb, struct fl_store *s, const struct fl_version *v,
			  struct last_version *last)
{
	struct fl_changes ch = FL_CHANGES_INIT;
	cJSON *a = NULL, *b = NULL;
	int a_is_last = 0;
	char when[32], day[16];

	if (!v->number)
		return;   /* a merge that only reports conflicts writes no version */
	fl_time_format_vn(when, v->when);
	dash_date(day, when);
	strbuf_addf(sb, "<li data-version=\"%d\"><b>", v->number);
	strbuf_addf(sb, _("Version %d"), v->number);
	strbuf_addf(sb, "</b>, %.5s %s, ", when + 11, day);
	dash_text(sb, v->author);
	if (v->has_parent_blob && last->rec && git_oid_equal(&last->blob, &v->parent_blob)) {
		a = last->rec;
		a_is_last = 1;
	}
	if ((v->has_parent_blob && !a && load_version(&a, s, &v->parent_blob) < 0) ||
	    load_version(&b, s, &v->blob) < 0) {
		strbuf_addstr(sb, ": ");
		dash_text(sb, fl_last_error());
		fl_clear_error();
		goto out;
	}
	if (!v->has_parent_blob) {
		strbuf_addstr(sb, ": ");
		dash_text(sb, _("created"));
		goto out;
	}
	fl_record_diff(&ch, a, b);
	strbuf_addstr(sb, "<ul class=\"changes\">\n");
	for (size_t i = 0; i < ch.n; i++) {
		strbuf_addstr(sb, "<li><b>");
		dash_text(sb, field_label(ch.v[i].path));
		strbuf_addstr(sb, "</b>: <span class=\"old\">");
		value_text(sb, ch.v[i].path, ch.v[i].old_value);
		strbuf_addstr(sb, "</span> → <span class=\"new\">");
		value_text(sb, ch.v[i].path, ch.v[i].new_value);
		strbuf_addstr(sb, "</span></li>\n");
	}
	strbuf_addstr(sb, "</ul>");
out:
	strbuf_addstr(sb, "</li>\n");
	fl_changes_release(&ch);
	if (!a_is_last)
		cJSON_Delete(a);
	if (b) {
		cJSON_Delete(last->rec);
		last->rec = b;
		last->blob = v->blob;
	}
}

/* The History heading and list of one issue, or why there is none. */
static void history_html(struct strbuf *sb, struct fl_store *s, const struct fl_history *h,
			 const char *error)
{
	struct last_version last = { { { 0 } }, NULL };

	dash_elem(sb, "h2", _("History"));
	strbuf_addch(sb, '\n');
	if (error || !h->nversions) {
		/* Saved but not yet synced, or the history is not here: say so, go on. */
		strbuf_addstr(sb, "<p>");
		dash_text(sb, error ? error : _("This issue has no version in the repository yet."));
		strbuf_addstr(sb, "</p>\n");
		return;
	}
	strbuf_addstr(sb, "<ol class=\"history\">\n");
	for (size_t i = 0; i < h->n; i++)
		issue_version(sb, s, &h->v[i], &last);
	strbuf_addstr(sb, "</ol>\n");
	cJSON_Delete(last.rec);
}

/* An author's shown issues: ids[first, first + n) of the queue. */
struct author_job {
	char *author;
	size_t first, n;
};

struct dash_histories {
	struct ws *ws;
	char *gitdir;             /* repo.git, for the thread's own handle */
	char **ids;               /* by author, then id */
	char **html;              /* each id's History part, once made */
	size_t n, alloc;
	struct author_job *jobs;
	size_t njobs, alloc_jobs, next;
	pthread_mutex_t lock;     /* guards next */
	pthread_t thread;
	int started;
	struct dash_history_index {
		const char *id, *html;
	} *by_id;                 /* after dash_histories_finish */
};

/* Loads and writes out the histories of one author's issues. */
static void run_job(struct dash_histories *hs, struct fl_store *s, const struct author_job *j)
{
	struct fl_history *h = xcalloc(j->n, sizeof(*h));
	const char *const *ids = (const char *const *)hs->ids + j->first;
	char *error = NULL;

	if (fl_history_load_many(h, s, hs->ws->id, j->author, "issue", ids, j->n) < 0) {
		error = xstrdup(fl_last_error());
		fl_clear_error();
	}
	for (size_t i = 0; i < j->n; i++) {
		struct strbuf sb = STRBUF_INIT;
		history_html(&sb, s, &h[i], error);
		hs->html[j->first + i] = strbuf_detach(&sb, NULL);
		fl_history_release(&h[i]);
	}
	free(h);
	free(error);
}

/* Takes authors from the queue until it is empty. */
static void run_jobs(struct dash_histories *hs, struct fl_store *s)
{
	for (;;) {
		size_t k;
		pthread_mutex_lock(&hs->lock);
		k = hs->next < hs->njobs ? hs->next++ : hs->njobs;
		pthread_mutex_unlock(&hs->lock);
		if (k == hs->njobs)
			break;
		run_job(hs, s, &hs->jobs[k]);
	}
}

static void *worker(void *arg)
{
	struct dash_histories *hs = arg;
	struct fl_store *s = NULL;

	if (fl_store_open(&s, hs->gitdir) < 0) {
		fl_clear_error();   /* the main thread does it all */
		return NULL;
	}
	fl_json_pool(1);
	run_jobs(hs, s);
	fl_json_pool(0);
	fl_store_free(s);
	return NULL;
}

struct dash_histories *dash_histories_start(struct dash *d)
{
	struct dash_histories *hs = xcalloc(1, sizeof(*hs));
	/*
	 * Before dash_select_issues, so that the thread starts at once: the
	 * issues it marks `page`, found from the index's (kind, week) and
	 * (kind, status) orders. Those of the week, and those whose status
	 * as answered is escalated, which only an issue whose own status is
	 * escalated or answered can have; both are in dash_issue (not
	 * settled, or of the week).
	 */
	char *sql = xstrfmt("SELECT r.author, r.id FROM records r WHERE r.kind = 'issue'"
		" AND r.deleted = 0 AND substr(r.created_at, 1, 10) <= :sun AND (r.week = :w"
		" OR (r.status IN ('escalated', 'answered') AND (%s) = 'escalated'))"
		" ORDER BY r.author, r.id", effective_status_sql);
	sqlite3_stmt *st = fl_db_prepare(d->ws->db, sql);

	free(sql);
	fl_bind_text(st, ":sun", d->sun);
	fl_bind_text(st, ":w", d->week);
	hs->ws = d->ws;
	hs->gitdir = xstrdup(git_repository_path(fl_store_repo(d->ws->store)));
	pthread_mutex_init(&hs->lock, NULL);
	while (fl_step(st)) {
		const char *author = fl_col_text(st, 0);
		if (!hs->njobs || strcmp(hs->jobs[hs->njobs - 1].author, author)) {
			FL_ALLOC_GROW(hs->jobs, hs->njobs + 1, hs->alloc_jobs);
			hs->jobs[hs->njobs].author = xstrdup(author);
			hs->jobs[hs->njobs].first = hs->n;
			hs->jobs[hs->njobs++].n = 0;
		}
		FL_ALLOC_GROW(hs->ids, hs->n + 1, hs->alloc);
		hs->ids[hs->n++] = xstrdup(fl_col_text(st, 1));
		hs->jobs[hs->njobs - 1].n++;
	}
	sqlite3_finalize(st);
	hs->html = xcalloc(hs->n ? hs->n : 1, sizeof(*hs->html));
	/* What the thread reads lazily must be loaded before it starts. */
	(void)_("History");
	(void)fl_refdata();
	hs->started = pthread_create(&hs->thread, NULL, worker, hs) == 0;
	return hs;
}

static int by_id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dash_history_index *)a)->id,
		      ((const struct dash_history_index *)b)->id);
}

void dash_histories_finish(struct dash_histories *hs, struct dash *d)
{
	run_jobs(hs, d->ws->store);
	if (hs->started)
		pthread_join(hs->thread, NULL);
	hs->started = 0;
	hs->by_id = xcalloc(hs->n ? hs->n : 1, sizeof(*hs->by_id));
	for (size_t i = 0; i < hs->n; i++) {
		hs->by_id[i].id = hs->ids[i];
		hs->by_id[i].html = hs->html[i];
	}
	qsort(hs->by_id, hs->n, sizeof(*hs->by_id), by_id_cmp);
}

const char *dash_history_html(const struct dash_histories *hs, const char *id)
{
	struct dash_history_index key = { id, NULL }, *found;
	found = bsearch(&key, hs->by_id, hs->n, sizeof(*hs->by_id), by_id_cmp);
	return found ? found->html : NULL;
}

void dash_histories_free(struct dash_histories *hs)
{
	if (!hs)
		return;
	if (hs->started)
		pthread_join(hs->thread, NULL);
	for (size_t i = 0; i < hs->n; i++) {
		free(hs->ids[i]);
		free(hs->html[i]);
	}
	for (size_t k = 0; k < hs->njobs; k++)
		free(hs->jobs[k].author);
	free(hs->ids);
	free(hs->html);
	free(hs->jobs);
	free(hs->by_id);
	free(hs->gitdir);
	pthread_mutex_destroy(&hs->lock);
	free(hs);
}
