/*
 * fts.c: the full-text side of the index: which texts of a record are
 * searchable (fl_db_texts), their folding, and the staging of rows on
 * their way into the FTS5 table.
 *
 * Full-text rows live in a contentless FTS5 table whose rowids are
 * derived from the record's `seq` (seq * 1024 + n, n counting
 * fl_db_texts). seq follows updated_at (db.c's time_seq), so the search
 * can list the latest first. A row is deleted by giving back the text it
 * was indexed with, folded again from the record's stored JSON
 * (fl_fts_remove); migrate.c's fl_db_check_fold empties the index when
 * the fold itself changes.
 */
#include "db-int.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "text.h"

/*
 * Full-text changes are staged in temp tables and applied in two
 * statements (deletes, then one INSERT ... SELECT) at commit or every
 * FTS_BATCH rows. Why: any statement that writes FTS5 inside a transaction
 * opens a statement savepoint, and FTS5 flushes its pending terms to a new
 * on-disk segment at every savepoint. Written row by row, a 100k-record
 * import made 100k tiny segments and spent most of its time merging them
 * (measured: 74 s; staged: see bench/results.json).
 */
#define FTS_BATCH 5000
/*
 * In a full import, seq (the rowid's high part) follows time while records
 * come in the repository's order, and FTS5 flushes its pending terms to a
 * new segment whenever a rowid goes backwards: fewer, bigger batches
 * (sorted by rowid) save time and cost memory, about 1 MB per 1,000 rows
 * (the staging table is in memory). 10,000: with a branch per author a
 * million records' pack index is mapped whole (108 MB) during a full
 * import, and batches of 20,000 take reindex-1m to 256.5 MB, over its
 * 256 MB target.
 */
#define FTS_BULK_BATCH 10000

static void stage_clear(struct stage *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i].folded);
	free(st->v);
	fl_llmap_clear(&st->where);
	memset(st, 0, sizeof(*st));
}

static int stage_cmp(const void *pa, const void *pb)
{
	const struct stage_row *a = pa, *b = pb;
	if (a->rowid != b->rowid)
		return a->rowid < b->rowid ? -1 : 1;
	return (a->order > b->order) - (a->order < b->order);
}

/*
 * fl_stage: the staged rows as a table, sorted (by fts_apply, which is
 * its only reader), without the rows taken out and with only the last of
 * one rowid, so that FTS5 gets them in one INSERT ... SELECT.
 */
struct stage_vtab {
	sqlite3_vtab base;
	struct fl_db *db;
};

static int stage_connect(sqlite3 *h, void *aux, int argc, const char *const *argv,
			 sqlite3_vtab **out, char **err)
{
	(void)argc, (void)argv, (void)err;
	int rc = sqlite3_declare_vtab(h, "CREATE TABLE x(folded)");
	if (rc != SQLITE_OK)
		return rc;
	struct stage_vtab *t = xcalloc(1, sizeof(*t));
	t->db = aux;
	*out = &t->base;
	return SQLITE_OK;
}

static int stage_disconnect(sqlite3_vtab *t)
{
	free(t);
	return SQLITE_OK;
}

static int stage_best_index(sqlite3_vtab *t, sqlite3_index_info *info)
{
	(void)t;
	info->estimatedCost = 1e6;
	return SQLITE_OK;
}

static int stage_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
	(void)t;
	*out = xcalloc(1, sizeof(**out));
	return SQLITE_OK;
}

static int stage_close(sqlite3_vtab_cursor *c)
{
	free(c);
	return SQLITE_OK;
}

/* From i on, the first row to give: live, and the last of its rowid. */
static size_t stage_skip(const struct stage *st, size_t i)
{
	while (i < st->n && (!st->v[i].folded ||
			     (i + 1 < st->n && st->v[i + 1].rowid == st->v[i].rowid)))
		i++;
	return i;
}

static struct stage *stage_of(sqlite3_vtab_cursor *c)
{
	return &((struct stage_vtab *)c->pVtab)->db->stage;
}

static int stage_filter(sqlite3_vtab_cursor *c, int idx, const char *idxstr, int argc,
			sqlite3_value **argv)
{
	(void)idx, (void)idxstr, (void)argc, (void)argv;
	struct stage *st = stage_of(c);
	st->next = stage_skip(st, 0);
	return SQLITE_OK;
}

static int stage_next(sqlite3_vtab_cursor *c)
{
	struct stage *st = stage_of(c);
	st->next = stage_skip(st, st->next + 1);
	return SQLITE_OK;
}

static int stage_eof(sqlite3_vtab_cursor *c)
{
	struct stage *st = stage_of(c);
	return st->next >= st->n;
}

static int stage_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
	struct stage *st = stage_of(c);
	(void)col;
	sqlite3_result_text(ctx, st->v[st->next].folded, -1, SQLITE_STATIC);
	return SQLITE_OK;
}

static int stage_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
	struct stage *st = stage_of(c);
	*rowid = st->v[st->next].rowid;
	return SQLITE_OK;
}

static const sqlite3_module stage_module = {
	.xConnect = stage_connect,
	.xBestIndex = stage_best_index,
	.xDisconnect = stage_disconnect,
	.xDestroy = stage_disconnect,
	.xOpen = stage_open,
	.xClose = stage_close,
	.xFilter = stage_filter,
	.xNext = stage_next,
	.xEof = stage_eof,
	.xColumn = stage_column,
	.xRowid = stage_rowid,
};

void fl_fts_apply(struct fl_db *db)
{
	if (!db->staged)
		return;
	/*
	 * The index is contentless (migration 6): a row is deleted by giving
	 * back exactly the text it was indexed with, which unlink_record
	 * staged from the record's stored JSON.
	 */
	fl_db_exec(db, "INSERT INTO search(search, rowid, folded)"
		       " SELECT 'delete', rowid, folded FROM temp.fts_unstage ORDER BY rowid;"
		       "DELETE FROM temp.fts_unstage;");
	if (db->stage.n) {
		qsort(db->stage.v, db->stage.n, sizeof(*db->stage.v), stage_cmp);
		fl_db_exec(db, "INSERT INTO search(rowid, folded) SELECT rowid, folded FROM fl_stage");
	}
	stage_clear(&db->stage);
	db->staged = 0;
}

/* --- records ------------------------------------------------------------- */

static const char *str(const cJSON *rec, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, key));
}

void fl_db_texts(const cJSON *rec, fl_text_fn fn, void *payload)
{
	static const char *const fields[] = {
		"title", "description", "actions", "resolution", "escalation",
		"summary", "met", "findings", "text", "comments", "entries", NULL
	};
	int n = 0;

#define TEXT(f, t) do { \
		const char *t_ = (t); \
		if (t_ && *t_ && n < FTS_STRIDE) \
			fn(payload, n++, (f), t_); \
	} while (0)
	for (const char *const *f = fields; *f; f++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, *f), *e;
		if (cJSON_IsString(v)) {
			TEXT(*f, v->valuestring);
		} else if (cJSON_IsArray(v)) {
			cJSON_ArrayForEach(e, v) {
				if (cJSON_IsString(e)) {
					TEXT(*f, e->valuestring);
				} else if (cJSON_IsObject(e)) {
					TEXT(*f, str(e, "text"));
					TEXT(*f, str(e, "activity"));
					TEXT(*f, str(e, "place"));
					TEXT(*f, str(e, "note"));
				}
			}
		}
	}
#undef TEXT
}

struct fts_job {
	struct fl_db *db;
	long long base;   /* seq * FTS_STRIDE */
	struct fl_folded *pre;   /* the texts already folded (taken), or NULL */
};

/* Stages a text to add (under rowid base + n). */
static void fts_stage_text(void *p, int n, const char *field, const char *text)
{
	struct fts_job *j = p;
	struct stage *st = &j->db->stage;
	char *folded;
	(void)field;
	if (j->pre && n < j->pre->n && j->pre->v[n]) {
		folded = j->pre->v[n];
		j->pre->v[n] = NULL;
	} else {
		folded = fl_text_fold(text);
	}
	FL_ALLOC_GROW(st->v, st->n + 1, st->alloc);
	if (n == 0)
		*fl_llmap_at(&st->where, j->base / FTS_STRIDE) = st->n + 1;
	st->v[st->n].rowid = j->base + n;
	st->v[st->n].order = st->n;
	st->v[st->n].folded = folded;
	st->n++;
	j->db->staged++;
}

/* Stages a text to delete: exactly the one the index holds (contentless). */
static void fts_unstage_text(void *p, int n, const char *field, const char *text)
{
	struct fts_job *j = p;
	/* IGNORE: a delete already waiting there is what the index holds. */
	sqlite3_stmt *st = fl_db_stmt(j->db, "INSERT OR IGNORE INTO temp.fts_unstage(rowid, folded)"
					     " VALUES (:r, :fo)");
	char *folded = fl_text_fold(text);
	(void)field;
	fl_bind_int(st, ":r", j->base + n);
	fl_bind_text(st, ":fo", folded);
	fl_step(st);
	free(folded);
	j->db->staged++;
}

/* Takes out the staged rows of seq; whether there were any. */
static int stage_drop(struct stage *st, long long seq)
{
	size_t *at = st->where.cap ? fl_llmap_at(&st->where, seq) : NULL;
	int any = 0;
	if (!at || !*at)
		return 0;
	for (size_t i = *at - 1; i < st->n && st->v[i].rowid / FTS_STRIDE == seq; i++) {
		any |= st->v[i].folded != NULL;
		free(st->v[i].folded);
		st->v[i].folded = NULL;
	}
	*at = 0;
	return any;
}

static void fold_one(void *p, int n, const char *field, const char *text)
{
	struct fl_folded *f = p;
	(void)field;
	if (n == f->n) {
		f->v = xrealloc(f->v, (size_t)(n + 1) * sizeof(*f->v));
		f->v[f->n++] = fl_text_fold(text);
	}
}

void fl_db_fold(struct fl_folded *out, const cJSON *rec)
{
	memset(out, 0, sizeof(*out));
	fl_db_texts(rec, fold_one, out);
}

void fl_folded_release(struct fl_folded *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

void fl_fts_add(struct fl_db *db, long long seq, const cJSON *rec, struct fl_folded *pre)
{
	struct fts_job j = { db, seq * FTS_STRIDE, pre };
	fl_db_texts(rec, fts_stage_text, &j);
}


void fl_fts_remove(struct fl_db *db, long long seq, int deleted, const char *json)
{
	/*
	 * Still staged (never in the index): taken out. Else in the index,
	 * where only the exact text it was indexed with deletes a row: the
	 * stored JSON gives it back (a tombstone had no texts).
	 */
	cJSON *old = NULL;
	if (!stage_drop(&db->stage, seq) && !deleted &&
	    fl_json_parse(&old, json, strlen(json)) == 0) {
		struct fts_job j = { db, seq * FTS_STRIDE, NULL };
		fl_db_texts(old, fts_unstage_text, &j);
	}
	cJSON_Delete(old);
	fl_clear_error();
}

void fl_fts_apply_full(struct fl_db *db)
{
	if (db->staged >= (db->bulk ? FTS_BULK_BATCH : FTS_BATCH))
		fl_fts_apply(db);
}

void fl_fts_discard(struct fl_db *db)
{
	stage_clear(&db->stage);
	db->staged = 0;
}

int fl_fts_register(struct fl_db *db)
{
	if (sqlite3_create_module_v2(db->h, "fl_stage", &stage_module, db, NULL) != SQLITE_OK)
		return fl_error(FL_ERROR, "sqlite: %s", sqlite3_errmsg(db->h));
	return 0;
}
