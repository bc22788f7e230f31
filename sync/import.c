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
#include "schema/text.h"

int fl_check_record(cJSON **out, const char *path, unsigned mode,
		    const char *buf, size_t len)
{
	char author[65], kind[16], id[27];
	cJSON *rec = NULL;
	int e;

	*out = NULL;
	if (mode != GIT_FILEMODE_BLOB)
		return fl_error(FL_EINVALID, mode == GIT_FILEMODE_LINK ? "a symbolic link" :
				mode == GIT_FILEMODE_COMMIT ? "a submodule" :
				mode == GIT_FILEMODE_BLOB_EXECUTABLE ? "an executable file" :
				"not a regular file");
	if (!fl_record_path_parse(path, author, kind, id))
		return fl_error(FL_EINVALID, "not a record path (<bucket>/<author>/<kind>/<ID>.json)");
	if (len > FL_RECORD_MAX)
		return fl_error(FL_EINVALID, "%zu bytes, over the limit of %d", len, FL_RECORD_MAX);
	if ((e = fl_json_parse(&rec, buf, len)) < 0)
		return e;
	if ((e = fl_record_validate(rec)) < 0)
		goto bad;
	/*
	 * Canonical: the bytes are what we would write for this tree. (The
	 * validation above has already checked every string is NFC.) One
	 * serialisation instead of fl_json_is_canonical's second parse.
	 */
	{
		struct strbuf canon = STRBUF_INIT;
		fl_json_write(&canon, rec, 1);
		int same = canon.len == len && !memcmp(canon.buf, buf, len);
		strbuf_release(&canon);
		if (!same) {
			e = fl_error(FL_EINVALID, "not in canonical form");
			goto bad;
		}
	}
	if (strcmp(fl_json_str(rec, "id"), id)) {
		e = fl_error(FL_EINVALID, "id '%s' does not match the file name", fl_json_str(rec, "id"));
		goto bad;
	}
	if (strcmp(fl_json_str(rec, "author"), author)) {
		e = fl_error(FL_EINVALID, "author '%s' does not match the directory '%s'",
			     fl_json_str(rec, "author"), author);
		goto bad;
	}
	if (strcmp(fl_json_str(rec, "kind"), kind)) {
		e = fl_error(FL_EINVALID, "kind '%s' does not match the directory '%s'",
			     fl_json_str(rec, "kind"), kind);
		goto bad;
	}
	*out = rec;
	return 0;
bad:
	cJSON_Delete(rec);
	return e;
}

/*
 * One changed path, read and checked (the part that needs only git), ready
 * to be applied to the index (the part that needs only SQLite).
 */
enum item_type { ITEM_REMOVE, ITEM_ROSTER, ITEM_SKIP, ITEM_PUT, ITEM_IGNORE };

struct item {
	enum item_type type;
	int changed;        /* it existed before */
	char *path;
	char *text;         /* blob (ITEM_PUT, ITEM_ROSTER) */
	char *reason;       /* ITEM_SKIP */
	cJSON *rec;         /* ITEM_PUT */
	struct item *next;
};

static void item_free(struct item *it)
{
	free(it->path);
	free(it->text);
	free(it->reason);
	cJSON_Delete(it->rec);
	free(it);
}

static struct item *read_item(struct fl_store *s, const char *path, const git_oid *old_blob,
			      const git_oid *new_blob, unsigned mode)
{
	struct item *it = xcalloc(1, sizeof(*it));
	struct strbuf buf = STRBUF_INIT;

	it->path = xstrdup(path);
	it->changed = old_blob != NULL;
	if (!new_blob) {
		it->type = ITEM_REMOVE;
	} else if (!strcmp(path, "roster.json")) {
		it->type = ITEM_IGNORE;
		if (mode == GIT_FILEMODE_BLOB &&
		    fl_store_read_blob(&buf, s, new_blob, FL_RECORD_MAX * 4) == 0 &&
		    fl_utf8_valid(buf.buf, buf.len)) {
			it->type = ITEM_ROSTER;
			it->text = strbuf_detach(&buf, NULL);
		}
	} else if (mode != GIT_FILEMODE_BLOB) {
		it->type = ITEM_SKIP;
		it->reason = xstrdup(mode == GIT_FILEMODE_LINK ? "a symbolic link" :
				     mode == GIT_FILEMODE_COMMIT ? "a submodule" :
				     "not a regular file");
	} else if (fl_store_read_blob(&buf, s, new_blob, FL_RECORD_MAX) < 0 ||
		   fl_check_record(&it->rec, path, mode, buf.buf, buf.len) < 0) {
		it->type = ITEM_SKIP;
		it->reason = xstrdup(fl_last_error());
	} else {
		it->type = ITEM_PUT;
		it->text = strbuf_detach(&buf, NULL);
	}
	strbuf_release(&buf);
	return it;
}

static void apply_item(struct fl_db *db, const struct item *it, struct fl_import_stats *st)
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
		fl_db_put_record(db, it->path, it->rec, it->text);
		if (it->changed)
			st->changed++;
		else
			st->added++;
		break;
	case ITEM_IGNORE:
		break;
	}
}

/* --- one thread: small differences ---------------------------------------- */

struct ctx {
	struct fl_db *db;
	struct fl_store *s;
	struct fl_import_stats *st;
};

static int one(void *p, const char *path, const git_oid *old_blob,
	       const git_oid *new_blob, unsigned mode)
{
	struct ctx *c = p;
	struct item *it = read_item(c->s, path, old_blob, new_blob, mode);
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

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct item *head, *tail;
	size_t n;
	int done, result;
	char *error;
	struct fl_store *s;
	const git_oid *to;
};

static int produce(void *p, const char *path, const git_oid *old_blob,
		   const git_oid *new_blob, unsigned mode)
{
	struct pipe *q = p;
	struct item *it = read_item(q->s, path, old_blob, new_blob, mode);
	pthread_mutex_lock(&q->mu);
	while (q->n >= QUEUE_MAX)
		pthread_cond_wait(&q->not_full, &q->mu);
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->n++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

static void *worker(void *p)
{
	struct pipe *q = p;
	int e = fl_store_diff(q->s, NULL, q->to, produce, q);
	pthread_mutex_lock(&q->mu);
	q->done = 1;
	q->result = e;
	if (e < 0)
		q->error = xstrdup(fl_last_error());
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
	fl_clear_error();   /* this thread's error slot dies with it */
	return NULL;
}

static int import_all(struct fl_db *db, struct fl_store *s, const git_oid *to,
		      struct fl_import_stats *st)
{
	struct pipe q;
	pthread_t t;
	int e;

	memset(&q, 0, sizeof(q));
	pthread_mutex_init(&q.mu, NULL);
	pthread_cond_init(&q.not_empty, NULL);
	pthread_cond_init(&q.not_full, NULL);
	q.s = s;
	q.to = to;
	fl_refdata();   /* parsed once, before two threads can race to do it */
	if (pthread_create(&t, NULL, worker, &q) != 0) {
		struct ctx c = { db, s, st };
		return fl_store_diff(s, NULL, to, one, &c);
	}
	for (;;) {
		pthread_mutex_lock(&q.mu);
		while (!q.head && !q.done)
			pthread_cond_wait(&q.not_empty, &q.mu);
		struct item *batch = q.head;
		q.head = q.tail = NULL;
		q.n = 0;
		int finished = q.done;
		pthread_cond_signal(&q.not_full);
		pthread_mutex_unlock(&q.mu);
		while (batch) {
			struct item *next = batch->next;
			apply_item(db, batch, st);
			item_free(batch);
			batch = next;
		}
		if (finished && !batch) {
			pthread_mutex_lock(&q.mu);
			int empty = !q.head;
			pthread_mutex_unlock(&q.mu);
			if (empty)
				break;
		}
	}
	pthread_join(t, NULL);
	e = q.result;
	if (e < 0)
		fl_error(e, "%s", q.error ? q.error : "cannot read the repository");
	free(q.error);
	pthread_mutex_destroy(&q.mu);
	pthread_cond_destroy(&q.not_empty);
	pthread_cond_destroy(&q.not_full);
	return e;
}

int fl_indexed_commit(git_oid *out, struct fl_db *db)
{
	char *hex = fl_db_meta_get(db, "indexed_commit");
	int e = hex && git_oid_fromstr(out, hex) == 0 ? 0 : FL_ENOTFOUND;
	free(hex);
	return e;
}

int fl_import(struct fl_db *db, struct fl_store *s, const git_oid *from,
	      const git_oid *to, struct fl_import_stats *stats)
{
	struct fl_import_stats local = { 0, 0, 0, 0 };
	struct ctx c = { db, s, stats ? stats : &local };
	char hex[GIT_OID_HEXSZ + 1];
	int e, bulk = from ? 0 : fl_db_set_bulk(db, 1);

	if ((e = fl_db_begin(db)) < 0)
		goto out;
	/* Big imports touch pages all over the B-trees: give them room. */
	fl_db_exec(db, "PRAGMA cache_size = -16384");
	fl_trace("import: %s", from ? "the difference" : "everything");
	if (!from) {
		fl_db_clear_records(db);
		fl_db_set_fresh(db, 1);
		e = import_all(db, s, to, c.st);
	} else {
		e = fl_store_diff(s, from, to, one, &c);
	}
	if (e < 0) {
		fl_db_rollback(db);
		goto out;
	}
	fl_trace("import: read %zu, committing", c.st->added + c.st->changed + c.st->removed);
	git_oid_tostr(hex, sizeof(hex), to);
	fl_db_meta_set(db, "indexed_commit", hex);
	e = fl_db_commit(db);
	fl_trace("import: committed");
	/*
	 * Commands do not checkpoint when they close (schema/db.c), so a big
	 * import in WAL mode would leave a WAL as large as the index for every
	 * later command to scan: fold it in and truncate it now.
	 */
	if (e == 0 && !bulk && c.st->added + c.st->changed + c.st->removed > 1000)
		fl_db_exec(db, "PRAGMA main.wal_checkpoint(TRUNCATE)");
out:
	if (bulk)
		fl_db_set_bulk(db, 0);
	return e < 0 ? e : 0;
}
