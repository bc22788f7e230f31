/*
 * import.c: tree differences into the index, with every file checked as
 * untrusted input. See import.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "import.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"
#include "schema/rules.h"
#include "schema/text.h"
#include "sync/check.h"

int fl_check_record(cJSON **out, const char *path, unsigned mode,
		    const char *buf, size_t len)
{
	char author[65], kind[16], id[27];

	*out = NULL;
	if (mode == GIT_FILEMODE_BLOB && !fl_record_path_parse(path, author, kind, id))
		return fl_error(FL_EINVALID, "not a record path (<bucket>/<author>/<kind>/<ID>.json)");
	return fl_rules_record(out, path, mode, buf, len);
}

/*
 * One changed path, read and checked (the part that needs only git), ready
 * to be applied to the index (the part that needs only SQLite).
 */
enum item_type {
	ITEM_REMOVE, ITEM_ROSTER, ITEM_SKIP, ITEM_PUT, ITEM_IGNORE,
	ITEM_FOREIGN,   /* outside its branch's directory: listed, the path untouched */
	ITEM_UNFOREIGN  /* such a file gone */
};

struct item {
	enum item_type type;
	int changed;        /* it existed before */
	char *path;
	char *text;         /* blob (ITEM_PUT, ITEM_ROSTER) */
	char *reason;       /* ITEM_SKIP */
	cJSON *rec;         /* ITEM_PUT */
	struct fl_folded folded;   /* ITEM_PUT read on the reading thread */
	struct item *next;
};

static void item_free(struct item *it)
{
	free(it->path);
	free(it->text);
	free(it->reason);
	cJSON_Delete(it->rec);
	fl_folded_release(&it->folded);
	free(it);
}

static void items_free(struct item *it)
{
	while (it) {
		struct item *next = it->next;
		item_free(it);
		it = next;
	}
}

/*
 * What the rules (schema/rules.h) said about another author's branch,
 * judged on the central main's roster: whether it is imported at all, and
 * the paths written by commits they refuse (an author or signature that is
 * not the owner's), each with the refusal.
 */
struct taint {
	char *path, *why;
};

struct judged {
	char *author, *ref;
	int refused;          /* not imported: the rules refuse the branch */
	struct fl_rules rules;
	char *tip;            /* short id of the branch's tip, for messages */
	struct taint *v;
	size_t n, alloc;
	struct strbuf why;
};

struct trust {
	struct fl_roster_shared *shared;   /* the central main's roster (check.h) */
	const cJSON *roster;  /* NULL: no roster, nothing judged (no central yet) */
	const struct fl_keyring *keys;     /* the roster's keys, parsed once */
	struct judged **v;
	size_t n, alloc;
};

/*
 * What a branch may hold: an author's branch only that author's records,
 * the roster's branch only roster.json (anything else there is ignored).
 */
struct branch {
	const char *author;   /* NULL: the roster's branch */
	struct judged *judged;   /* another author's branch, when judged */
};

static int add_taint(void *p, const char *path, const char *why)
{
	struct judged *jd = p;

	FL_ALLOC_GROW(jd->v, jd->n + 1, jd->alloc);
	jd->v[jd->n].path = xstrdup(path);
	jd->v[jd->n].why = xstrdup(!strncmp(why, "refused ", 8) ? why + 8 : why);
	jd->n++;
	return 0;
}

static const char *tainted(const struct judged *jd, const char *path)
{
	for (size_t i = 0; jd && i < jd->n; i++)
		if (!strcmp(jd->v[i].path, path))
			return jd->v[i].why;
	return NULL;
}

static void trust_release(struct trust *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct judged *jd = t->v[i];
		for (size_t k = 0; k < jd->n; k++) {
			free(jd->v[k].path);
			free(jd->v[k].why);
		}
		free(jd->v);
		free(jd->author);
		free(jd->ref);
		free(jd->tip);
		strbuf_release(&jd->why);
		free(jd);
	}
	free(t->v);
	fl_roster_shared_release(t->shared);
	memset(t, 0, sizeof(*t));
}

/*
 * Judges the commits a step brings to an author's branch (on the thread
 * that reads the repository), on the central main's roster.
 */
static int trust_step(struct trust *t, struct fl_store *s, const struct fl_import_step *step,
		      struct judged **out)
{
	int own = !strcmp(step->key, "indexed_commit");
	struct judged *jd;
	char bucket[3];
	char hex[8];
	int e;

	*out = NULL;
	if (!step->author)
		return 0;
	if (!t->roster) {
		/* The central main's roster, as check.c reads it; none: no central yet. */
		git_oid main;
		if (fl_store_ref(&main, s, FL_REMOTE_ROSTER) == 0)
			fl_roster_shared_get(&t->shared, s, &main);
		fl_clear_error();
		if (!t->shared)
			return 0;
		t->roster = t->shared->roster;
		t->keys = t->shared->keys;
	}
	jd = xcalloc(1, sizeof(*jd));
	strbuf_init(&jd->why);
	jd->author = xstrdup(step->author);
	git_oid_tostr(hex, sizeof(hex), &step->to);
	jd->tip = xstrdup(hex);
	jd->ref = xstrfmt("authors/%s", step->author);
	jd->rules.roster = t->roster;
	jd->rules.branch = jd->ref;
	FL_ALLOC_GROW(t->v, t->n + 1, t->alloc);
	t->v[t->n++] = jd;
	*out = jd;
	fl_author_bucket(bucket, step->author);
	if ((e = fl_rules_begin(&jd->rules, bucket, &jd->why)) < 0) {
		/* Our own records stay ours, roster or not (a push will say why not). */
		jd->refused = !own;
		if (own)
			*out = NULL;
		fl_clear_error();
		return 0;
	}
	/*
	 * Our own main: its commits are ours (saves, merges); what a merge
	 * took in from our central branch is judged by the rules on each
	 * file, as any other branch's.
	 */
	if (own)
		return 0;
	e = fl_check_import(s, t->roster, t->keys, step->author, step->has_from ? &step->from : NULL,
			    &step->to, 0, add_taint, jd);
	if (e == FL_EREJECTED) {
		jd->refused = 1;
		e = 0;
	}
	fl_clear_error();
	return e;
}

/* Whether path lies under the directory of `author` (<bucket>/<author>/). */
static int under_author(const char *path, const char *author)
{
	size_t n = strlen(author);
	return strlen(path) > 3 + n && path[2] == '/' && !strncmp(path + 3, author, n) &&
	       path[3 + n] == '/';
}

/*
 * The rules on the version of path the branch now holds (rec, valid), against
 * the version it replaces; on refusal, jd->why holds the reason alone.
 */
static int judge_item(struct fl_store *s, struct judged *jd, const char *path,
		      const git_oid *old_blob, const cJSON *rec)
{
	struct strbuf old = STRBUF_INIT;
	struct fl_rules_commit c = { jd->tip, NULL, NULL, FL_SIG_NONE, NULL, NULL, 0 };
	struct fl_rules_change ch = { path, NULL, "", 0, 0, FL_MODE_FILE, 0 };
	int e;

	if (old_blob && fl_store_read_blob(&old, s, old_blob, FL_RECORD_MAX) == 0) {
		ch.old_buf = old.buf;
		ch.old_len = old.len;
	}
	fl_clear_error();
	e = fl_rules_record_ok(&jd->rules, &c, &ch, rec, &jd->why);
	if (e < 0) {
		/* "refused commit <tip>: <path>: <reason>": the path is the entry's own. */
		const char *p = strstr(jd->why.buf, path);
		if (p && p[strlen(path)] == ':') {
			char *reason = xstrdup(p + strlen(path) + 2);
			strbuf_reset(&jd->why);
			strbuf_addstr(&jd->why, reason);
			free(reason);
		}
	}
	strbuf_release(&old);
	return e;
}

static struct item *read_item(struct fl_store *s, const struct branch *b, const char *path,
			      const git_oid *old_blob, const git_oid *new_blob, unsigned mode)
{
	struct item *it = xcalloc(1, sizeof(*it));
	struct strbuf buf = STRBUF_INIT;

	it->path = xstrdup(path);
	it->changed = old_blob != NULL;
	if (b->judged && b->judged->refused) {
		it->type = ITEM_IGNORE;   /* a branch not in the roster is not imported */
	} else if (!b->author && strcmp(path, "roster.json")) {
		it->type = ITEM_IGNORE;
	} else if (b->author && !under_author(path, b->author)) {
		/*
		 * Listed under its own name: the path may be another author's
		 * real record, which a hostile branch must not be able to hide.
		 */
		free(it->path);
		it->path = xstrfmt(_("%s (on the branch of %s)"), path, b->author);
		it->type = new_blob ? ITEM_FOREIGN : ITEM_UNFOREIGN;
		if (new_blob)
			it->reason = xstrfmt(_("not under the directory of '%s', whose branch it is on"),
					     b->author);
	} else if (!new_blob) {
		it->type = ITEM_REMOVE;
	} else if (!b->author) {
		it->type = ITEM_IGNORE;
		if (mode == GIT_FILEMODE_BLOB &&
		    fl_store_read_blob(&buf, s, new_blob, FL_ROSTER_MAX) == 0 &&
		    fl_utf8_valid(buf.buf, buf.len)) {
			it->type = ITEM_ROSTER;
			it->text = strbuf_detach(&buf, NULL);
		}
	} else if (mode != GIT_FILEMODE_BLOB) {
		it->type = ITEM_SKIP;
		it->reason = xstrdup(mode == GIT_FILEMODE_LINK ? _("a symbolic link") :
				     mode == GIT_FILEMODE_COMMIT ? _("a submodule") :
				     _("not a regular file"));
	} else if (b->judged && tainted(b->judged, path)) {
		it->type = ITEM_SKIP;
		it->reason = xstrdup(tainted(b->judged, path));
	} else if (fl_store_read_blob(&buf, s, new_blob, FL_RECORD_MAX) < 0 ||
		   fl_check_record(&it->rec, path, mode, buf.buf, buf.len) < 0) {
		it->type = ITEM_SKIP;
		it->reason = xstrdup(fl_last_error());
	} else if (b->judged && judge_item(s, b->judged, path, old_blob, it->rec) < 0) {
		it->type = ITEM_SKIP;
		it->reason = xstrdup(b->judged->why.buf);
		cJSON_Delete(it->rec);
		it->rec = NULL;
	} else {
		it->type = ITEM_PUT;
		it->text = strbuf_detach(&buf, NULL);
	}
	strbuf_release(&buf);
	return it;
}

static void apply_item(struct fl_db *db, struct item *it, struct fl_import_stats *st)
{
	switch (it->type) {
	case ITEM_REMOVE:
		fl_db_remove_path(db, it->path);
		st->removed++;
		break;
	case ITEM_ROSTER:
		fl_db_set_roster(db, it->text);
		break;
	case ITEM_SKIP:
		fl_db_skip(db, it->path, it->reason);
		st->skipped++;
		break;
	case ITEM_PUT:
		fl_db_put_record_folded(db, it->path, it->rec, it->text, &it->folded);
		if (it->changed)
			st->changed++;
		else
			st->added++;
		break;
	case ITEM_FOREIGN:
	case ITEM_UNFOREIGN: {
		sqlite3_stmt *q = fl_db_stmt(db, it->type == ITEM_FOREIGN ?
					     "INSERT OR REPLACE INTO skipped VALUES (?1, ?2)" :
					     "DELETE FROM skipped WHERE path = ?1");
		sqlite3_bind_text(q, 1, it->path, -1, SQLITE_STATIC);
		if (it->type == ITEM_FOREIGN)
			sqlite3_bind_text(q, 2, it->reason, -1, SQLITE_STATIC);
		sqlite3_step(q);
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
		if (it->type == ITEM_FOREIGN)
			st->skipped++;
		break;
	}
	case ITEM_IGNORE:
		break;
	}
}

/* --- one thread: small differences ---------------------------------------- */

struct ctx {
	struct fl_db *db;
	struct fl_store *s;
	struct fl_import_stats *st;
	struct branch b;
	struct trust *trust;
};

static int one(void *p, const char *path, const git_oid *old_blob,
	       const git_oid *new_blob, unsigned mode)
{
	struct ctx *c = p;
	struct item *it = read_item(c->s, &c->b, path, old_blob, new_blob, mode);
	apply_item(c->db, it, c->st);
	item_free(it);
	return 0;
}

/* --- two threads: whole trees ----------------------------------------------- */

/*
 * A full import (reindex, a reviewer's first clone) reads and checks every
 * record: parsing, validation and git reads are about half the work, the
 * index writes the other half. A worker thread walks the tree and checks
 * records while this thread writes them, through a bounded queue. Only the
 * worker touches the repository and only this thread the database.
 */
#define QUEUE_MAX 512
#define PUBLISH_BATCH 32

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct item *head, *tail;
	size_t n;
	struct item *spent;   /* written, for the reader to free (see publish) */
	struct item *batch, *batch_tail;   /* read, not yet in the queue */
	size_t nbatch;
	int done, result;
	char *error;
	struct fl_store *s;
	const struct fl_import_step *steps;
	size_t nsteps;
	fl_step_source source;   /* may be NULL: then only steps */
	void *source_payload;
	struct fl_import_step *more;   /* what source gave, in order */
	size_t nmore;
	struct branch b;      /* of the step being read */
	struct trust *trust;
};

/* Puts the items read so far in the queue. */
static void publish(struct pipe *q)
{
	if (!q->batch)
		return;
	pthread_mutex_lock(&q->mu);
	while (q->n >= QUEUE_MAX)
		pthread_cond_wait(&q->not_full, &q->mu);
	if (q->tail)
		q->tail->next = q->batch;
	else
		q->head = q->batch;
	q->tail = q->batch_tail;
	/* The writer waits only for an empty queue. */
	if (q->n == 0)
		pthread_cond_signal(&q->not_empty);
	q->n += q->nbatch;
	q->batch = q->batch_tail = NULL;
	q->nbatch = 0;
	struct item *spent = q->spent;
	q->spent = NULL;
	pthread_mutex_unlock(&q->mu);
	/*
	 * Items are freed by the thread that allocated them. Freed by the
	 * writer, every free of a parsed record's nodes took the lock of
	 * this thread's malloc arena from under it: 80,000 futex wake-ups
	 * in a 100k reindex, on the thread that bounds the import.
	 */
	items_free(spent);
}

static int produce(void *p, const char *path, const git_oid *old_blob,
		   const git_oid *new_blob, unsigned mode)
{
	struct pipe *q = p;
	struct item *it = read_item(q->s, &q->b, path, old_blob, new_blob, mode);
	if (it->type == ITEM_PUT)
		fl_db_fold(&it->folded, it->rec);
	/*
	 * In batches: one at a time, a writer that kept up with the reader
	 * waited for every item, and each cost both threads a wake-up.
	 */
	if (q->batch_tail)
		q->batch_tail->next = it;
	else
		q->batch = it;
	q->batch_tail = it;
	if (++q->nbatch >= PUBLISH_BATCH)
		publish(q);
	return 0;
}

/* What the import's source gives, once what was read is in the queue. */
static int pipe_source(void *p, struct fl_import_step **out, size_t *n)
{
	struct pipe *q = p;
	publish(q);
	return q->source(q->source_payload, out, n);
}

static int pipe_branch(void *p, const struct fl_import_step *step)
{
	struct pipe *q = p;
	q->b.author = step->author;
	return trust_step(q->trust, q->s, step, &q->b.judged);
}

static int ctx_branch(void *p, const struct fl_import_step *step)
{
	struct ctx *c = p;
	c->b.author = step->author;
	return trust_step(c->trust, c->s, step, &c->b.judged);
}

/*
 * Reads every step from nothing, then every step that source gives
 * (appended to *more, the caller's even on failure), calling cb for each
 * file after `branch` has told cb's payload whose branch it is on.
 */
static int walk_all(struct fl_store *s, const struct fl_import_step *steps, size_t nsteps,
		    fl_step_source source, void *payload, struct fl_import_step **more,
		    size_t *nmore, int (*branch)(void *, const struct fl_import_step *),
		    fl_change_fn cb, void *cbp)
{
	int e = 0;
	for (size_t i = 0; i < nsteps && e >= 0; i++) {
		if ((e = branch(cbp, &steps[i])) == 0)
			e = fl_store_diff(s, NULL, &steps[i].to, cb, cbp);
	}
	while (source && e >= 0) {
		struct fl_import_step *v = NULL;
		size_t n = 0;
		if ((e = source(payload, &v, &n)) <= 0)
			break;
		*more = xrealloc(*more, (*nmore + n) * sizeof(**more));
		memcpy(*more + *nmore, v, n * sizeof(*v));
		free(v);
		for (size_t i = *nmore; i < *nmore + n && e >= 0; i++) {
			if ((e = branch(cbp, &(*more)[i])) == 0)
				e = fl_store_diff(s, NULL, &(*more)[i].to, cb, cbp);
		}
		*nmore += n;
	}
	return e < 0 ? e : 0;
}

static void *worker(void *p)
{
	struct pipe *q = p;
	fl_json_pool(1);   /* the records it parses are freed in bulk */
	/* Only this thread touches `more` until it is joined. */
	int e = walk_all(q->s, q->steps, q->nsteps, q->source ? pipe_source : NULL, q, &q->more,
		     &q->nmore, pipe_branch, produce, q);
	publish(q);
	pthread_mutex_lock(&q->mu);
	q->done = 1;
	q->result = e;
	if (e < 0)
		q->error = xstrdup(fl_last_error());
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
	fl_clear_error();   /* this thread's error slot dies with it */
	fl_json_pool(0);
	return NULL;
}

/*
 * Reads every step (and what source gives, into *more) from nothing.
 * *more is the caller's, even on failure.
 */
static int import_all(struct fl_db *db, struct fl_store *s, const struct fl_import_step *steps,
		      size_t nsteps, fl_step_source source, void *payload,
		      struct fl_import_step **more, size_t *nmore, struct fl_import_stats *st,
		      struct trust *trust)
{
	struct pipe q;
	pthread_t t;
	int e;

	memset(&q, 0, sizeof(q));
	pthread_mutex_init(&q.mu, NULL);
	pthread_cond_init(&q.not_empty, NULL);
	pthread_cond_init(&q.not_full, NULL);
	q.s = s;
	q.steps = steps;
	q.nsteps = nsteps;
	q.source = source;
	q.source_payload = payload;
	q.trust = trust;
	fl_refdata();   /* parsed once, before two threads can race to do it */
	if (pthread_create(&t, NULL, worker, &q) != 0) {
		/* No second thread: read and write here, in turn. */
		struct ctx c = { db, s, st, { NULL, NULL }, trust };
		return walk_all(s, steps, nsteps, source, payload, more, nmore, ctx_branch, one, &c);
	}
	struct item *written = NULL, *last = NULL;
	for (;;) {
		pthread_mutex_lock(&q.mu);
		/* Handed back to the reader to free (see publish). */
		if (written) {
			last->next = q.spent;
			q.spent = written;
		}
		while (!q.head && !q.done)
			pthread_cond_wait(&q.not_empty, &q.mu);
		struct item *batch = q.head;
		q.head = q.tail = NULL;
		q.n = 0;
		int finished = q.done;
		pthread_cond_signal(&q.not_full);
		pthread_mutex_unlock(&q.mu);
		written = batch;
		for (struct item *it = batch; it; it = it->next) {
			apply_item(db, it, st);
			last = it;
		}
		if (finished && !batch)
			break;
	}
	pthread_join(t, NULL);
	items_free(q.spent);
	*more = q.more;
	*nmore = q.nmore;
	e = q.result;
	if (e < 0)
		fl_error(e, "%s", q.error ? q.error : "cannot read the repository");
	free(q.error);
	pthread_mutex_destroy(&q.mu);
	pthread_cond_destroy(&q.not_empty);
	pthread_cond_destroy(&q.not_full);
	return e;
}

/*
 * A response answers a record that exists. The server asks every branch
 * when the response is pushed; here, once the index holds every branch,
 * it is one query. Only a reviewer's index holds every branch: an
 * officer's lacks other officers' records, and a response to one of
 * those is none of the officer's business.
 */
static void skip_answers_to_nothing(struct fl_db *db, struct trust *t,
				    const struct fl_import_step *steps, size_t nsteps,
				    struct fl_import_stats *st)
{
	const char *me = NULL;
	sqlite3_stmt *q;
	char **paths = NULL, **why = NULL;
	size_t n = 0, apaths = 0, awhy = 0;

	for (size_t i = 0; i < nsteps; i++)
		if (!strcmp(steps[i].key, "indexed_commit"))
			me = steps[i].author;
	if (!t->roster || !me || !fl_roster_find(t->roster, me) ||
	    strcmp(fl_json_str(fl_roster_find(t->roster, me), "role"), "reviewer"))
		return;
	q = fl_db_stmt(db, "SELECT r.path, json_extract(r.json, '$.target_kind'), r.target"
		       " FROM records r WHERE r.kind = 'response' AND r.target IS NOT NULL"
		       " AND r.author != ?1"
		       " AND NOT EXISTS (SELECT 1 FROM records t WHERE t.id = r.target)");
	sqlite3_bind_text(q, 1, me, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(q) == SQLITE_ROW) {
		FL_ALLOC_GROW(paths, n + 1, apaths);
		FL_ALLOC_GROW(why, n + 1, awhy);
		paths[n] = xstrdup((const char *)sqlite3_column_text(q, 0));
		why[n] = xstrfmt(_("answers %s %s, which does not exist"),
				 sqlite3_column_text(q, 1) ? (const char *)sqlite3_column_text(q, 1) : "?",
				 (const char *)sqlite3_column_text(q, 2));
		n++;
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	for (size_t i = 0; i < n; i++) {
		fl_db_skip(db, paths[i], why[i]);
		st->skipped++;
		free(paths[i]);
		free(why[i]);
	}
	free(paths);
	free(why);
}

int fl_indexed_commit(git_oid *out, struct fl_db *db)
{
	char *hex = fl_db_meta_get(db, "indexed_commit");
	int e = hex && git_oid_fromstr(out, hex) == 0 ? 0 : FL_ENOTFOUND;
	free(hex);
	return e;
}

static int import_run(struct fl_db *db, struct fl_store *s, const struct fl_import_step *steps,
		      size_t nsteps, int fresh, fl_step_source source, void *payload,
		      struct fl_import_stats *stats)
{
	struct fl_import_stats local = { 0, 0, 0, 0 };
	struct fl_import_stats *st = stats ? stats : &local;
	struct fl_import_step *more = NULL;
	size_t nmore = 0;
	char hex[GIT_OID_HEXSZ + 1];
	int e, bulk = fresh ? fl_db_set_bulk(db, 1) : 0;
	struct trust trust = { NULL, NULL, NULL, NULL, 0, 0 };
	size_t i;

	if ((e = fl_db_begin(db)) < 0)
		goto out;
	/* Big imports touch pages all over the B-trees: give them room. */
	fl_db_exec(db, "PRAGMA cache_size = -16384");
	fl_trace("import: %s of %zu branches", fresh ? "everything" : "the difference", nsteps);
	if (fresh) {
		fl_db_clear_records(db);
		fl_db_exec(db, "DELETE FROM meta WHERE key = 'indexed_commit' OR key LIKE 'indexed %'");
		/* Paced by a download (source), the index keeps its indexes. */
		fl_db_set_fresh(db, 1, source == NULL);
		e = import_all(db, s, steps, nsteps, source, payload, &more, &nmore, st, &trust);
	} else {
		e = 0;
		for (i = 0; i < nsteps && e >= 0; i++) {
			struct ctx c = { db, s, st, { NULL, NULL }, &trust };
			if ((e = ctx_branch(&c, &steps[i])) == 0)
				e = fl_store_diff(s, steps[i].has_from ? &steps[i].from : NULL,
						  &steps[i].to, one, &c);
		}
	}
	if (e >= 0)
		skip_answers_to_nothing(db, &trust, steps, nsteps, st);
	if (e < 0) {
		fl_db_rollback(db);
		goto out;
	}
	fl_trace("import: read %zu, committing", st->added + st->changed + st->removed);
	fl_crash_point("import:mid");   /* everything read and written, not committed */
	/*
	 * Building the index's own indexes (fresh: at the commit) needs memory
	 * the mapped packs would otherwise still hold: reindex-1m peaked
	 * there, at 255 MB, 108 of them a pack index no longer needed.
	 */
	if (fresh)
		fl_store_unmap(s);
	for (i = 0; i < nsteps + nmore; i++) {
		const struct fl_import_step *step = i < nsteps ? &steps[i] : &more[i - nsteps];
		git_oid_tostr(hex, sizeof(hex), &step->to);
		fl_db_meta_set(db, step->key, hex);
	}
	e = fl_db_commit(db);
	fl_trace("import: committed");
	/*
	 * Commands do not checkpoint when they close (schema/db.c), so a big
	 * import in WAL mode would leave a WAL as large as the index for every
	 * later command to scan: fold it in and truncate it now.
	 */
	if (e == 0 && !bulk && st->added + st->changed + st->removed > 1000)
		fl_db_exec(db, "PRAGMA main.wal_checkpoint(TRUNCATE)");
out:
	if (bulk)
		fl_db_set_bulk(db, 0);
	fl_import_steps_release(more, nmore);
	trust_release(&trust);
	return e < 0 ? e : 0;
}

int fl_import(struct fl_db *db, struct fl_store *s, const struct fl_import_step *steps,
	      size_t nsteps, int fresh, struct fl_import_stats *stats)
{
	return import_run(db, s, steps, nsteps, fresh, NULL, NULL, stats);
}

int fl_import_stream(struct fl_db *db, struct fl_store *s, const struct fl_import_step *steps,
		     size_t nsteps, fl_step_source source, void *payload,
		     struct fl_import_stats *stats)
{
	return import_run(db, s, steps, nsteps, 1, source, payload, stats);
}

/* --- the branches the index is built from ------------------------------------ */

const char *fl_import_branch_author(const char *ref, const char *me)
{
	size_t plen = strlen(FL_REMOTE_AUTHORS);
	const char *author = ref + plen;
	/* Our own records come from main, which is ahead of the central copy. */
	if (strncmp(ref, FL_REMOTE_AUTHORS, plen) || !fl_author_valid(author) ||
	    !strcmp(author, me ? me : ""))
		return NULL;
	return author;
}

void fl_import_steps_release(struct fl_import_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(steps[i].key);
		free(steps[i].author);
	}
	free(steps);
}

static void add_step(struct fl_import_step **v, size_t *n, size_t *alloc, const char *key,
		     const char *author, const git_oid *to, const char *indexed)
{
	struct fl_import_step *p;
	FL_ALLOC_GROW(*v, *n + 1, *alloc);
	p = &(*v)[(*n)++];
	memset(p, 0, sizeof(*p));
	p->key = xstrdup(key);
	p->author = author ? xstrdup(author) : NULL;
	git_oid_cpy(&p->to, to);
	p->has_from = indexed && git_oid_fromstr(&p->from, indexed) == 0;
}

/*
 * The index's "indexed..." rows (the commit each branch was indexed at),
 * sorted by key, read by one statement: a look-up per branch took and
 * released the database's read lock 3,332 times at 100k, 10 ms of every
 * writing command's catch-up.
 */
struct indexed_row {
	char *key, *value;
};

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct indexed_row *)a)->key, ((const struct indexed_row *)b)->key);
}

static struct indexed_row *indexed_rows(size_t *n, struct fl_db *db)
{
	sqlite3_stmt *st = fl_db_stmt(db, "SELECT key, value FROM meta"
				      " WHERE key >= 'indexed' AND key < 'indexee'");
	struct indexed_row *v = NULL;
	size_t alloc = 0;

	*n = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		FL_ALLOC_GROW(v, *n + 1, alloc);
		v[*n].key = xstrdup((const char *)sqlite3_column_text(st, 0));
		v[(*n)++].value = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	if (st)
		sqlite3_reset(st);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_row);
	return v;
}

/* The value of key among rows (borrowed), or NULL. */
static const char *indexed_at(const struct indexed_row *v, size_t n, const char *key)
{
	struct indexed_row k = { (char *)key, NULL };
	const struct indexed_row *r = n ? bsearch(&k, v, n, sizeof(*v), cmp_row) : NULL;
	return r ? r->value : NULL;
}

int fl_import_plan(struct fl_import_step **out, size_t *nout, int *fresh, struct fl_db *db,
		   struct fl_store *s, const char *me, int rebuild)
{
	git_repository *repo = fl_store_repo(s);
	git_reference_iterator *it = NULL;
	git_reference *ref;
	struct fl_import_step *v = NULL;
	size_t n = 0, alloc = 0, nrows = 0, k = 0;
	struct indexed_row *rows = rebuild ? NULL : indexed_rows(&nrows, db);
	git_oid tip;
	const char *indexed;
	int known = 0, e = 0;

	*out = NULL;
	*nout = 0;
#define INDEXED(key) (indexed = indexed_at(rows, nrows, key), known |= indexed != NULL)
	INDEXED("indexed_commit");
	if (fl_store_ref(&tip, s, FL_BRANCH) == 0)
		add_step(&v, &n, &alloc, "indexed_commit", me, &tip, indexed);
	INDEXED("indexed " FL_REMOTE_ROSTER);
	if (fl_store_ref(&tip, s, FL_REMOTE_ROSTER) == 0)
		add_step(&v, &n, &alloc, "indexed " FL_REMOTE_ROSTER, NULL, &tip, indexed);
	fl_clear_error();

	if (git_reference_iterator_glob_new(&it, repo, FL_REMOTE_AUTHORS "*") < 0) {
		fl_import_steps_release(v, n);
		e = fl_error(FL_ERROR, "cannot list the branches: %s", fl_git_error());
		goto done;
	}
	while (git_reference_next(&ref, it) == 0) {
		const char *name = git_reference_name(ref);
		const char *author = fl_import_branch_author(name, me);
		const git_oid *id = git_reference_target(ref);
		if (id && author) {
			char *key = xstrfmt("indexed %s", name);
			INDEXED(key);
			add_step(&v, &n, &alloc, key, author, id, indexed);
			free(key);
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
#undef INDEXED
	/* Only what moved; everything when the index has nothing yet. */
	*fresh = !known && n > 0;
	for (size_t i = 0; i < n; i++) {
		if (!*fresh && v[i].has_from && git_oid_equal(&v[i].from, &v[i].to)) {
			free(v[i].key);
			free(v[i].author);
			continue;
		}
		v[k++] = v[i];
	}
	*out = v;
	*nout = k;
	if (!k) {
		free(v);
		*out = NULL;
	}
done:
	for (size_t i = 0; i < nrows; i++) {
		free(rows[i].key);
		free(rows[i].value);
	}
	free(rows);
	return e;
}

int fl_import_refs(struct fl_db *db, struct fl_store *s, const char *me, int fresh,
		   struct fl_import_stats *stats)
{
	struct fl_import_step *steps;
	size_t n;
	int plan_fresh, e;

	if ((e = fl_import_plan(&steps, &n, &plan_fresh, db, s, me, fresh)) < 0)
		return e;
	e = n ? fl_import(db, s, steps, n, plan_fresh, stats) : 0;
	if (e < 0 && !plan_fresh) {
		/*
		 * A commit the index remembers is gone (a repository restored
		 * from a backup, say): rebuild instead of failing forever.
		 */
		fl_import_steps_release(steps, n);
		if ((e = fl_import_plan(&steps, &n, &plan_fresh, db, s, me, 1)) < 0)
			return e;
		e = n ? fl_import(db, s, steps, n, plan_fresh, stats) : 0;
	}
	fl_import_steps_release(steps, n);
	if (e == 0)
		fl_db_exec(db, "DELETE FROM meta WHERE key = 'refs_pending'");
	return e;
}
