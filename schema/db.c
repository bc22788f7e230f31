/*
 * db.c: the index database. See db.h for the contract.
 *
 * Schema changes are migrations: migrate_N moves user_version from N-1 to
 * N. A database whose user_version is above what this binary knows is
 * refused rather than guessed at. The index can always be thrown away and
 * rebuilt (`fieldlog reindex`), so migrations may drop derived tables.
 *
 * Full-text rows live in a contentless FTS5 table whose rowids are derived
 * from the record's `seq` (seq * 1024 + n, n counting fl_db_texts). seq
 * follows updated_at (see time_seq), so the search can list the latest
 * first. A row is deleted by giving back the text it was indexed with,
 * folded again from the record's stored JSON (unlink_record); check_fold
 * rebuilds every row when the fold itself changes.
 */
#define _GNU_SOURCE   /* sync_file_range, where there is one */
#include "db.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "record.h"
#include "refdata.h"
#include "text.h"

#define FTS_STRIDE 1024

struct cached {
	const char *sql;
	sqlite3_stmt *st;
};

/* An open-addressing table from integers to integers (values start at 0). */
struct llmap {
	long long *key;       /* key + 1; 0: an empty cell */
	size_t *val;
	size_t cap, n;
};

static void llmap_clear(struct llmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

/* The value of key, made 0 when new. */
static size_t *llmap_at(struct llmap *m, long long key)
{
	size_t i;
	if (2 * (m->n + 1) > m->cap) {
		struct llmap old = *m;
		m->cap = old.cap ? 2 * old.cap : 4096;
		m->key = xcalloc(m->cap, sizeof(*m->key));
		m->val = xcalloc(m->cap, sizeof(*m->val));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.key[i])
				*llmap_at(m, old.key[i] - 1) = old.val[i];
		llmap_clear(&old);
	}
	for (i = (size_t)((unsigned long long)key * 0x9E3779B97F4A7C15ULL >> 20) & (m->cap - 1);
	     m->key[i] && m->key[i] != key + 1; i = (i + 1) & (m->cap - 1))
		;
	if (!m->key[i]) {
		m->key[i] = key + 1;
		m->n++;
	}
	return &m->val[i];
}

/*
 * Full-text rows waiting to be added (see fts_apply), in memory: staged
 * through a temporary table, each cost an insert into its B-tree and a
 * read back, a sixth of a full import's writing thread. The rows of one
 * record are consecutive; `where` finds them by seq when the record
 * changes again before they are applied.
 */
struct stage_row {
	long long rowid;
	size_t order;         /* of staging: of one rowid, the last wins */
	char *folded;         /* NULL: taken out again */
};

struct stage {
	struct stage_row *v;
	size_t n, alloc;
	struct llmap where;   /* seq -> 1 + index of its first row */
	size_t next;          /* the scan of fts_apply (the virtual table below) */
};

static void stage_clear(struct stage *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i].folded);
	free(st->v);
	llmap_clear(&st->where);
	memset(st, 0, sizeof(*st));
}

struct fl_db {
	sqlite3 *h;
	struct cached *cache;
	size_t ncache, acache;
	int fresh;   /* no records yet: puts skip the search for old versions */
	int bulk;    /* rewriting everything (fl_db_set_bulk) */
	int merge_at_commit;     /* a full import: merge the full-text index at its commit */
	struct strbuf rebuild;   /* the indexes a full import dropped (SQL), until its commit */
	size_t staged;   /* full-text changes waiting in the temp tables */
	/*
	 * While an import is fresh every record goes through time_seq, so
	 * the seqs taken are known without asking the index (a query per
	 * record was a sixth of the writing thread's time): a minute's first
	 * seq -> the next free slot in it.
	 */
	struct llmap minutes;
	struct stage stage;       /* full-text rows to add */
};

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
 * (the staging table is in memory). 10,000, not 20,000 as before: with a
 * branch per author a million records' pack index is mapped whole (108
 * MB), and reindex-1m came to 256.5 MB against its 256 MB target.
 */
#define FTS_BULK_BATCH 10000

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

static void fts_apply(struct fl_db *db)
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

int fl_db_set_bulk(struct fl_db *db, int on)
{
	sqlite3_stmt *st = NULL;
	int bulk = 0;

	/* The journal mode changes only with no statement in progress. */
	for (size_t i = 0; i < db->ncache; i++)
		sqlite3_reset(db->cache[i].st);
	/*
	 * "main." matters: unqualified, the pragma also changes the temp
	 * database's journal, after which a checkpoint fails with "database
	 * table is locked".
	 */
	if (sqlite3_prepare_v2(db->h, on ? "PRAGMA main.journal_mode = TRUNCATE"
				      : "PRAGMA main.journal_mode = WAL", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		bulk = !strcmp((const char *)sqlite3_column_text(st, 0), "truncate");
	sqlite3_finalize(st);
	db->bulk = bulk;
	/* Sorting for the indexes a full import rebuilds, on a second core too. */
	fl_db_exec(db, bulk ? "PRAGMA threads = 2" : "PRAGMA threads = 0");
	return bulk;
}

/*
 * The secondary indexes: a full import that rebuilds drops them and builds
 * them again at its commit, by sorting, instead of inserting every row
 * into each B-tree at a random place (a 100k reindex: about 10 % less
 * time). Their definitions are read from the schema, so an index a
 * migration adds is rebuilt too; unique indexes stay (seq's serves
 * time_seq). A reviewer's first clone keeps them: its writing thread
 * waits for the download most of the time, and the rebuild was 1.4 s at
 * the end with one core idle (100k records; the clone took 1 s less in
 * three interleaved pairs without it).
 */
void fl_db_set_fresh(struct fl_db *db, int fresh, int rebuild)
{
	db->fresh = fresh;
	llmap_clear(&db->minutes);
	if (!fresh || db->merge_at_commit)
		return;
	db->merge_at_commit = 1;
	/*
	 * The full-text index is merged into one segment at the commit, so
	 * merging as it grows is work done twice; and in bigger pieces
	 * (8 MB of pending terms, not 1) it grows by fewer segments. The
	 * writing thread of a 100k reindex: about 10 % fewer samples. (16
	 * MB saved a little more, but took reindex-1m to 243-248 MB of its
	 * 256.) The commit puts FTS5's defaults back.
	 */
	fl_db_exec(db, "INSERT INTO search(search, rank) VALUES ('automerge', 0);"
		       "INSERT INTO search(search, rank) VALUES ('crisismerge', 64);"
		       "INSERT INTO search(search, rank) VALUES ('hashsize', 8388608);");
	if (!rebuild)
		return;
	struct strbuf drop = STRBUF_INIT;
	sqlite3_stmt *st = fl_db_prepare(db,
		"SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
		" AND tbl_name IN ('records', 'record_communes')"
		" AND sql NOT LIKE 'CREATE UNIQUE %'");
	while (fl_step(st)) {
		strbuf_addf(&drop, "DROP INDEX \"%s\";", fl_col_text(st, 0));
		strbuf_addf(&db->rebuild, "%s;", fl_col_text(st, 1));
	}
	sqlite3_finalize(st);
	if (drop.len)
		fl_db_exec(db, drop.buf);
	strbuf_release(&drop);
}

sqlite3 *fl_db_handle(struct fl_db *db)
{
	return db->h;
}

void fl_db_exec(struct fl_db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fl_die("sqlite: %s (in: %.60s)", msg ? msg : "?", sql);
}

sqlite3_stmt *fl_db_prepare(struct fl_db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		fl_die("sqlite: %s (in: %.80s)", sqlite3_errmsg(db->h), sql);
	return st;
}

sqlite3_stmt *fl_db_stmt(struct fl_db *db, const char *sql)
{
	size_t i;
	for (i = 0; i < db->ncache; i++) {
		if (db->cache[i].sql == sql) {
			sqlite3_reset(db->cache[i].st);
			sqlite3_clear_bindings(db->cache[i].st);
			return db->cache[i].st;
		}
	}
	if (db->ncache == db->acache) {
		db->acache = db->acache ? 2 * db->acache : 32;
		db->cache = xrealloc(db->cache, db->acache * sizeof(*db->cache));
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		fl_die("sqlite: %s (in: %.80s)", sqlite3_errmsg(db->h), sql);
	db->cache[db->ncache].sql = sql;
	db->cache[db->ncache].st = st;
	db->ncache++;
	return st;
}

static int param(sqlite3_stmt *st, const char *name)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (!i)
		fl_die("sqlite: no parameter '%s' in: %.80s", name, sqlite3_sql(st));
	return i;
}

void fl_bind_text(sqlite3_stmt *st, const char *name, const char *value)
{
	sqlite3_bind_text(st, param(st, name), value, -1, SQLITE_TRANSIENT);
}

void fl_bind_int(sqlite3_stmt *st, const char *name, long long value)
{
	sqlite3_bind_int64(st, param(st, name), value);
}

void fl_bind_null(sqlite3_stmt *st, const char *name)
{
	sqlite3_bind_null(st, param(st, name));
}

int fl_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	fl_die("sqlite: %s (in: %.80s)", sqlite3_errmsg(sqlite3_db_handle(st)),
	       sqlite3_sql(st));
}

const char *fl_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

int fl_db_begin(struct fl_db *db)
{
	int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_BUSY)
		return fl_error(FL_ELOCKED, "the index is busy (another fieldlog is writing)");
	if (rc != SQLITE_OK)
		return fl_error(FL_ERROR, "sqlite: %s", sqlite3_errmsg(db->h));
	return 0;
}

#ifdef SYNC_FILE_RANGE_WRITE
static void *writeback(void *p)
{
	int fd = (int)(intptr_t)p;
	sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	close(fd);
	return NULL;
}
#endif

/*
 * Has the kernel start writing what the transaction has written so far.
 * A full import writes the whole file in one transaction, and its COMMIT
 * then waited for all of it to reach the disk (about 0.8 s of a 100k
 * reindex, with the disk idle until then): started before the full-text
 * merge and again before the index builds, the writing overlaps them. On
 * a thread of its own, because submitting 200 MB blocks while the disk's
 * queue is full (0.4 s measured); asked on this thread after every batch
 * of the import instead, the calls slowed it by as much as they saved.
 */
static void start_writeback(struct fl_db *db)
{
#ifdef SYNC_FILE_RANGE_WRITE
	pthread_attr_t attr;
	pthread_t t;
	int fd = open(sqlite3_db_filename(db->h, "main"), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, writeback, (void *)(intptr_t)fd) != 0)
		close(fd);
	pthread_attr_destroy(&attr);
#else
	(void)db;
#endif
}

int fl_db_commit(struct fl_db *db)
{
	fts_apply(db);
	if (db->merge_at_commit) {
		/*
		 * A full import leaves the full-text index in dozens of
		 * segments, which FTS5 then merges a few hundred pages at a
		 * time in every later write: each save took 40-50 ms instead
		 * of 15 (100k records) for as long as that lasted. Merged into
		 * one now, while the index is being built anyway.
		 */
		start_writeback(db);
		fl_trace("db: merging the full-text index");
		fl_db_exec(db, "INSERT INTO search(search) VALUES ('optimize');"
			       "INSERT INTO search(search, rank) VALUES ('automerge', 4);"
			       "INSERT INTO search(search, rank) VALUES ('crisismerge', 16);"
			       "INSERT INTO search(search, rank) VALUES ('hashsize', 1048576);");
		if (db->rebuild.len) {
			start_writeback(db);
			fl_trace("db: indexing");
			fl_db_exec(db, db->rebuild.buf);
			strbuf_reset(&db->rebuild);
			fl_trace("db: indexed");
		}
		db->merge_at_commit = 0;
	}
	db->fresh = 0;
	llmap_clear(&db->minutes);
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return fl_error(FL_ERROR, "sqlite: %s", sqlite3_errmsg(db->h));
	return 0;
}

void fl_db_rollback(struct fl_db *db)
{
	strbuf_reset(&db->rebuild);   /* the DROPs roll back with the rest */
	db->merge_at_commit = 0;      /* and FTS5's settings */
	db->fresh = 0;
	llmap_clear(&db->minutes);
	db->staged = 0;   /* the temp table rolls back with the rest */
	stage_clear(&db->stage);
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

char *fl_db_meta_get(struct fl_db *db, const char *key)
{
	sqlite3_stmt *st = fl_db_stmt(db, "SELECT value FROM meta WHERE key = :k");
	char *v = NULL;
	fl_bind_text(st, ":k", key);
	if (fl_step(st))
		v = xstrdup(fl_col_text(st, 0));
	sqlite3_reset(st);
	return v;
}

void fl_db_meta_set(struct fl_db *db, const char *key, const char *value)
{
	sqlite3_stmt *st = fl_db_stmt(db,
		"INSERT INTO meta(key, value) VALUES (:k, :v) "
		"ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	fl_bind_text(st, ":k", key);
	fl_bind_text(st, ":v", value);
	fl_step(st);
	sqlite3_reset(st);
}

/* --- schema and migrations ----------------------------------------------- */

static void migrate_1(struct fl_db *db)
{
	fl_db_exec(db,
		"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
		"CREATE TABLE provinces(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
		"  type TEXT NOT NULL, folded TEXT NOT NULL);"
		"CREATE TABLE communes(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
		"  type TEXT NOT NULL, province_code TEXT NOT NULL, folded TEXT NOT NULL);"
		"CREATE INDEX communes_province ON communes(province_code);"
		"CREATE TABLE domains(id TEXT PRIMARY KEY, label TEXT NOT NULL,"
		"  label_en TEXT NOT NULL, position INTEGER NOT NULL);"
		"CREATE TABLE records("
		"  id TEXT PRIMARY KEY, kind TEXT NOT NULL, author TEXT NOT NULL,"
		"  path TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,"
		"  updated_at TEXT NOT NULL, deleted INTEGER NOT NULL,"
		"  week TEXT, date TEXT, status TEXT, severity TEXT, domain TEXT,"
		"  target TEXT, title TEXT, json TEXT NOT NULL);"
		"CREATE INDEX records_kind ON records(kind, week);"
		"CREATE INDEX records_author ON records(author, kind);"
		"CREATE INDEX records_target ON records(target) WHERE target IS NOT NULL;"
		"CREATE TABLE record_communes(id TEXT NOT NULL, commune TEXT NOT NULL,"
		"  province_code TEXT NOT NULL, PRIMARY KEY(id, commune)) WITHOUT ROWID;"
		"CREATE INDEX record_communes_commune ON record_communes(commune);"
		"CREATE INDEX record_communes_province ON record_communes(province_code, id);"
		"CREATE VIRTUAL TABLE search USING fts5(id UNINDEXED, field UNINDEXED,"
		"  text, folded, tokenize = 'unicode61 remove_diacritics 0');"
		"CREATE TABLE skipped(path TEXT PRIMARY KEY, reason TEXT NOT NULL);");
}

/*
 * 2: only the folded text is indexed. Indexing the text as written too
 * doubled the cost of every import; the ranking of exactly-marked words
 * is done on the hits instead (app/cmd-search.c). The table is rebuilt,
 * and forgetting the indexed commit makes the next open re-import.
 */
static void migrate_2(struct fl_db *db)
{
	fl_db_exec(db,
		"DROP TABLE search;"
		"CREATE VIRTUAL TABLE search USING fts5(id UNINDEXED, field UNINDEXED,"
		"  text UNINDEXED, folded, tokenize = 'unicode61 remove_diacritics 0');"
		"DELETE FROM meta WHERE key = 'indexed_commit';");
}

/* 3: filters by status and by commune start from an index. */
static void migrate_3(struct fl_db *db)
{
	fl_db_exec(db, "CREATE INDEX records_status ON records(kind, status);");
}

/*
 * 4: the roster as a table. At national scale roster.json is over half a
 * megabyte; parsing it in every command that shows a name cost more than
 * the query. fl_db_set_roster fills it whenever roster.json changes.
 */
static void migrate_4(struct fl_db *db)
{
	fl_db_exec(db,
		"CREATE TABLE people(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
		"  role TEXT NOT NULL, provinces TEXT NOT NULL, login TEXT NOT NULL);"
		"CREATE INDEX people_login ON people(login);"
		"DELETE FROM meta WHERE key = 'indexed_commit';");
}

/*
 * 5: records.seq follows updated_at (time_seq) and keys the full-text
 * rows, so that search lists the latest first without ranking every hit.
 * (Not the rowid itself: a full import in that order inserts at random
 * places of the table and took twice as long.) Re-imported to number.
 */
static void migrate_5(struct fl_db *db)
{
	fl_db_exec(db,
		"ALTER TABLE records ADD COLUMN seq INTEGER;"
		"CREATE UNIQUE INDEX records_seq ON records(seq);"
		"DELETE FROM search;"
		"DELETE FROM meta WHERE key = 'indexed_commit';");
}

/*
 * 6: a contentless full-text index. It stored every text twice more (as
 * written and folded) beside records.json, which holds them already: 77 %
 * of the full-text table (a third of index.db at 100k records) and a
 * quarter of a full import's time (28.5 s -> 20.8 s). The search
 * takes a hit's text from its record (fl_db_texts); rows are deleted by
 * giving back the text they were indexed with (unlink_record).
 */
static void migrate_6(struct fl_db *db)
{
	fl_db_exec(db,
		"DROP TABLE search;"
		"CREATE VIRTUAL TABLE search USING fts5(folded, content = '',"
		"  tokenize = 'unicode61 remove_diacritics 0');"
		"DELETE FROM meta WHERE key = 'indexed_commit';");
}

/*
 * 7: the status index also covers severity, the tombstone mark and the id,
 * so that `issue list --status S --severity V --province P` tests its
 * filters in the index and reads only the rows it prints (100k records:
 * 55 ms -> 25 ms, with the province's subquery limited to the kind).
 */
static void migrate_7(struct fl_db *db)
{
	fl_db_exec(db,
		"DROP INDEX records_status;"
		"CREATE INDEX records_status ON records(kind, status, severity, deleted, id);");
}

static void (*const migrations[])(struct fl_db *) = {
	migrate_1,
	migrate_2,
	migrate_3,
	migrate_4,
	migrate_5,
	migrate_6,
	migrate_7,
};

static int migrate(struct fl_db *db)
{
	sqlite3_stmt *st = fl_db_prepare(db, "PRAGMA user_version");
	long long have;
	size_t v;

	fl_step(st);
	have = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (have > (long long)FL_ARRAY_SIZE(migrations))
		return fl_error(FL_ERROR, "the index was written by a newer fieldlog "
				"(schema %lld); run 'fieldlog reindex' with this version", have);
	for (v = (size_t)have; v < FL_ARRAY_SIZE(migrations); v++) {
		char *sql;
		if (fl_db_begin(db) < 0)
			return FL_ERROR;
		migrations[v](db);
		sql = xstrfmt("PRAGMA user_version = %zu", v + 1);
		fl_db_exec(db, sql);
		free(sql);
		if (fl_db_commit(db) < 0)
			return FL_ERROR;
	}
	return 0;
}

/*
 * The full-text rows were folded by another fl_text_fold (a new fieldlog,
 * or a utf8proc with newer Unicode tables): rows of a contentless index
 * are deleted by folding their text again, so they must all go, and the
 * next open imports everything again. (A new index has no rows: it only
 * records the version.)
 */
static int check_fold(struct fl_db *db)
{
	const char *want = fl_text_fold_version();
	char *have = fl_db_meta_get(db, "fold_version");
	int same = have && !strcmp(have, want);

	free(have);
	if (same)
		return 0;
	if (fl_db_begin(db) < 0)
		return FL_ERROR;
	fl_db_exec(db, "INSERT INTO search(search) VALUES ('delete-all');"
		       "DELETE FROM meta WHERE key = 'indexed_commit';");
	fl_db_meta_set(db, "fold_version", want);
	return fl_db_commit(db);
}

/* Loads reference data when the index holds none or another date's. */
static int load_refdata(struct fl_db *db)
{
	char *have = fl_db_meta_get(db, "refdata_date");
	char *want = fl_refdata_key();
	size_t i;
	int same = have && !strcmp(have, want);

	free(have);
	if (same) {
		free(want);
		return 0;
	}
	const struct fl_refdata *r = fl_refdata();
	if (fl_db_begin(db) < 0) {
		free(want);
		return FL_ERROR;
	}
	fl_db_exec(db, "DELETE FROM provinces; DELETE FROM communes; DELETE FROM domains;");
	for (i = 0; i < r->nprovinces; i++) {
		sqlite3_stmt *st = fl_db_stmt(db, "INSERT INTO provinces VALUES (:c, :n, :t, :f)");
		char *f = fl_text_fold(r->provinces[i].name);
		fl_bind_text(st, ":c", r->provinces[i].code);
		fl_bind_text(st, ":n", r->provinces[i].name);
		fl_bind_text(st, ":t", r->provinces[i].type);
		fl_bind_text(st, ":f", f);
		fl_step(st);
		free(f);
	}
	for (i = 0; i < r->ncommunes; i++) {
		sqlite3_stmt *st = fl_db_stmt(db, "INSERT INTO communes VALUES (:c, :n, :t, :p, :f)");
		char *f = fl_text_fold(r->communes[i].name);
		fl_bind_text(st, ":c", r->communes[i].code);
		fl_bind_text(st, ":n", r->communes[i].name);
		fl_bind_text(st, ":t", r->communes[i].type);
		fl_bind_text(st, ":p", r->communes[i].province_code);
		fl_bind_text(st, ":f", f);
		fl_step(st);
		free(f);
	}
	for (i = 0; i < r->ndomains; i++) {
		sqlite3_stmt *st = fl_db_stmt(db, "INSERT INTO domains VALUES (:i, :l, :e, :p)");
		fl_bind_text(st, ":i", r->domains[i].id);
		fl_bind_text(st, ":l", r->domains[i].label);
		fl_bind_text(st, ":e", r->domains[i].label_en);
		fl_bind_int(st, ":p", (long long)i);
		fl_step(st);
	}
	fl_db_meta_set(db, "refdata_date", want);
	free(want);
	return fl_db_commit(db);
}

int fl_db_open(struct fl_db **out, const char *path, int create)
{
	struct fl_db *db = xcalloc(1, sizeof(*db));
	strbuf_init(&db->rebuild);
	/* NOMUTEX: a connection is only ever used by one thread (sync/import.c). */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc;

	*out = NULL;
	rc = sqlite3_open_v2(path, &db->h, flags, NULL);
	if (rc != SQLITE_OK) {
		int e = rc == SQLITE_CANTOPEN ? FL_ENOTFOUND : FL_ERROR;
		fl_error(e, "cannot open index '%s': %s", path,
			 db->h ? sqlite3_errmsg(db->h) : "out of memory");
		fl_db_close(db);
		return e;
	}
	sqlite3_busy_timeout(db->h, 10000);
	/*
	 * Closing the last connection would checkpoint the WAL into the
	 * database (four fdatasyncs, a third of a short command's time).
	 * SQLite's automatic checkpoint every 1000 pages does that work in
	 * bulk instead; the index is derived data, rebuilt if ever lost.
	 */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_extended_result_codes(db->h, 0);

	/* A damaged or foreign file is an error the user can act on, not a crash. */
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "PRAGMA application_id", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		int e = fl_error(FL_ERROR, "the index '%s' is unreadable (%s); rebuild it with "
				 "'fieldlog reindex'", path, sqlite3_errmsg(db->h));
		sqlite3_finalize(st);
		fl_db_close(db);
		return e;
	}
	long long app = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (app == 0) {
		st = fl_db_prepare(db, "SELECT count(*) FROM sqlite_schema");
		fl_step(st);
		long long n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (n) {
			fl_db_close(db);
			return fl_error(FL_ERROR, "'%s' is not a fieldlog index; move it away and run "
					"'fieldlog reindex'", path);
		}
		fl_db_exec(db, "PRAGMA application_id = 1179406151");  /* 0x464c4f47 */
	} else if (app != FL_DB_APPLICATION_ID) {
		fl_db_close(db);
		return fl_error(FL_ERROR, "'%s' is not a fieldlog index", path);
	}
	fl_db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		       "PRAGMA journal_size_limit = 4194304;"
		       "PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;"
		       "CREATE TEMP TABLE fts_unstage(rowid INTEGER PRIMARY KEY, folded);");
	if (sqlite3_create_module_v2(db->h, "fl_stage", &stage_module, db, NULL) != SQLITE_OK) {
		int e = fl_error(FL_ERROR, "sqlite: %s", sqlite3_errmsg(db->h));
		fl_db_close(db);
		return e;
	}
	fl_trace("db: open");
	if (migrate(db) < 0 || check_fold(db) < 0 ||
	    (fl_trace("db: migrated"), load_refdata(db)) < 0) {
		fl_db_close(db);
		return FL_ERROR;
	}
	fl_trace("db: reference data");
	*out = db;
	return 0;
}

void fl_db_close(struct fl_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->ncache; i++)
		sqlite3_finalize(db->cache[i].st);
	free(db->cache);
	strbuf_release(&db->rebuild);
	llmap_clear(&db->minutes);
	stage_clear(&db->stage);
	sqlite3_close(db->h);
	free(db);
}

/* --- records ------------------------------------------------------------- */

static const char *str(const cJSON *rec, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, key));
}

static void bind_opt(sqlite3_stmt *st, const char *name, const char *v)
{
	if (v && *v)
		fl_bind_text(st, name, v);
	else
		fl_bind_null(st, name);
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
	if (st->n == st->alloc) {
		st->alloc = st->alloc ? 2 * st->alloc : 1024;
		st->v = xrealloc(st->v, st->alloc * sizeof(*st->v));
	}
	if (n == 0)
		*llmap_at(&st->where, j->base / FTS_STRIDE) = st->n + 1;
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
	size_t *at = st->where.cap ? llmap_at(&st->where, seq) : NULL;
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

/* Stages the texts of rec for the full-text index under rowids seq * 1024 + n. */
static void fts_record(struct fl_db *db, long long seq, const cJSON *rec,
		       struct fl_folded *pre)
{
	struct fts_job j = { db, seq * FTS_STRIDE, pre };
	fl_db_texts(rec, fts_stage_text, &j);
}

/* Takes the record's texts out of the full-text index and its communes out. */
static void unlink_record(struct fl_db *db, const char *id)
{
	sqlite3_stmt *st = fl_db_stmt(db, "SELECT seq, deleted, json FROM records WHERE id = :id");
	fl_bind_text(st, ":id", id);
	if (fl_step(st)) {
		long long lo = sqlite3_column_int64(st, 0) * FTS_STRIDE;
		int deleted = sqlite3_column_int(st, 1);
		char *json = xstrdup(fl_col_text(st, 2));
		sqlite3_reset(st);
		/*
		 * Still staged (never in the index): taken out. Else in the
		 * index, where only the exact text it was indexed with deletes
		 * a row: the stored JSON gives it back (a tombstone had no
		 * texts).
		 */
		cJSON *old = NULL;
		if (!stage_drop(&db->stage, lo / FTS_STRIDE) && !deleted &&
		    fl_json_parse(&old, json, strlen(json)) == 0) {
			struct fts_job j = { db, lo, NULL };
			fl_db_texts(old, fts_unstage_text, &j);
		}
		cJSON_Delete(old);
		free(json);
		fl_clear_error();
	}
	sqlite3_reset(st);
	st = fl_db_stmt(db, "DELETE FROM record_communes WHERE id = :id");
	fl_bind_text(st, ":id", id);
	fl_step(st);
}

static void link_commune(struct fl_db *db, const char *id, const char *code)
{
	const struct fl_commune *c = code ? fl_commune_find(code) : NULL;
	sqlite3_stmt *st;
	if (!c)
		return;
	st = fl_db_stmt(db, "INSERT OR IGNORE INTO record_communes VALUES (:id, :c, :p)");
	fl_bind_text(st, ":id", id);
	fl_bind_text(st, ":c", c->code);
	fl_bind_text(st, ":p", c->province_code);
	fl_step(st);
}

/*
 * A record's seq: its updated_at in minutes times MINUTE_SLOTS, plus the
 * first free slot of that minute (or of the next one with a free slot).
 * It is renumbered whenever the record changes, so seq order is the order
 * of last change, and the search (full-text rowid = seq * FTS_STRIDE +
 * field) can list the latest first by walking its index backwards, in time
 * that does not grow with the hits. Minutes, not seconds: FTS5 stores
 * rowids as deltas, and dense numbers keep them short.
 */
#define MINUTE_SLOTS 64

static long long time_seq(struct fl_db *db, const char *updated_at)
{
	long long t = updated_at ? fl_time_parse(updated_at) : 0, base;
	sqlite3_stmt *st;

	if (t < 0)
		t = 0;
	if (t > (1LL << 40))
		t = 1LL << 40;   /* keeps seq * FTS_STRIDE well within 63 bits */
	base = t / 60 * MINUTE_SLOTS;
	if (db->fresh) {
		/* Every seq taken went through here (db->minutes). */
		size_t *next;
		while (*(next = llmap_at(&db->minutes, base)) == MINUTE_SLOTS)
			base += MINUTE_SLOTS;
		return base + (long long)(*next)++;
	}
	st = fl_db_stmt(db, "SELECT max(seq) FROM records WHERE seq BETWEEN :a AND :b");
	for (;; base += MINUTE_SLOTS) {
		long long r;
		fl_bind_int(st, ":a", base);
		fl_bind_int(st, ":b", base + MINUTE_SLOTS - 1);
		fl_step(st);
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			r = base;
		else if (sqlite3_column_int64(st, 0) < base + MINUTE_SLOTS - 1)
			r = sqlite3_column_int64(st, 0) + 1;
		else
			r = -1;   /* a full minute */
		sqlite3_reset(st);
		if (r >= 0)
			return r;
	}
}

static void remove_path(struct fl_db *db, const char *path, const char *keep);

void fl_db_put_record(struct fl_db *db, const char *path, const cJSON *rec,
		      const char *text)
{
	fl_db_put_record_folded(db, path, rec, text, NULL);
}

void fl_db_put_record_folded(struct fl_db *db, const char *path, const cJSON *rec,
			     const char *text, struct fl_folded *folded)
{
	const char *id = str(rec, "id"), *kind = str(rec, "kind");
	enum fl_kind k = fl_kind_parse(kind);
	const char *week = NULL, *date = NULL, *status = NULL, *title = NULL;
	char wbuf[9], dbuf[11];
	const cJSON *e;
	sqlite3_stmt *st;
	int deleted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "deleted"));

	if (!db->fresh) {
		unlink_record(db, id);
		remove_path(db, path, id);
	} else {
		/* Two files with one id (a hostile repository): the last wins, whole. */
		sqlite3_stmt *st0 = fl_db_stmt(db, "SELECT 1 FROM records WHERE id = :id");
		fl_bind_text(st0, ":id", id);
		int again = fl_step(st0);
		sqlite3_reset(st0);
		if (again)
			unlink_record(db, id);
	}

	switch (k) {
	case FL_SCHEDULE:
	case FL_REPORT:
		week = str(rec, "week");
		title = k == FL_REPORT ? str(rec, "summary") : NULL;
		break;
	case FL_VISIT:
		date = str(rec, "date");
		title = str(rec, "summary");
		break;
	case FL_ISSUE:
		status = str(rec, "status");
		title = str(rec, "title");
		break;
	case FL_RESPONSE:
		status = str(rec, "state");
		title = str(rec, "text");
		break;
	default:
		break;
	}
	if (!date) {
		/* Issues and responses are dated by when they were written. */
		snprintf(dbuf, sizeof(dbuf), "%.10s", str(rec, "created_at"));
		date = dbuf;
	}
	if (!week && fl_date_valid(date)) {
		fl_week_of_date(wbuf, date);
		week = wbuf;
	}

	st = fl_db_stmt(db,
		"INSERT INTO records(seq, id, kind, author, path, created_at, updated_at,"
		"  deleted, week, date, status, severity, domain, target, title, json)"
		" VALUES (:seq, :id, :kind, :author, :path, :c, :u, :del, :week, :date,"
		"  :status, :sev, :dom, :target, :title, :json)"
		" ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, kind = excluded.kind,"
		"  author = excluded.author, path = excluded.path,"
		"  created_at = excluded.created_at, updated_at = excluded.updated_at,"
		"  deleted = excluded.deleted, week = excluded.week, date = excluded.date,"
		"  status = excluded.status, severity = excluded.severity,"
		"  domain = excluded.domain, target = excluded.target,"
		"  title = excluded.title, json = excluded.json");
	/* Not RETURNING: the row gets this seq either way, and RETURNING
	 * gathers its rows in a temporary table, for every record. */
	long long seq = time_seq(db, str(rec, "updated_at"));
	fl_bind_int(st, ":seq", seq);
	fl_bind_text(st, ":id", id);
	fl_bind_text(st, ":kind", kind);
	fl_bind_text(st, ":author", str(rec, "author"));
	fl_bind_text(st, ":path", path);
	fl_bind_text(st, ":c", str(rec, "created_at"));
	fl_bind_text(st, ":u", str(rec, "updated_at"));
	fl_bind_int(st, ":del", deleted);
	bind_opt(st, ":week", week);
	bind_opt(st, ":date", date);
	bind_opt(st, ":status", status);
	bind_opt(st, ":sev", k == FL_ISSUE ? str(rec, "severity") : NULL);
	bind_opt(st, ":dom", k == FL_ISSUE ? str(rec, "domain") : NULL);
	bind_opt(st, ":target", k == FL_RESPONSE ? str(rec, "target") : NULL);
	bind_opt(st, ":title", title);
	fl_bind_text(st, ":json", text);
	fl_step(st);
	sqlite3_reset(st);

	link_commune(db, id, str(rec, "commune"));
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "communes"))
		link_commune(db, id, cJSON_GetStringValue(e));
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "entries"))
		link_commune(db, id, str(e, "commune"));
	if (!deleted)
		fts_record(db, seq, rec, folded);
	if (db->staged >= (db->bulk ? FTS_BULK_BATCH : FTS_BATCH))
		fts_apply(db);
}

void fl_db_remove_path(struct fl_db *db, const char *path)
{
	remove_path(db, path, NULL);
}

/*
 * Removes the record at path unless its id is keep (already unlinked by
 * the caller: a second unlink would stage deletes for texts that are
 * only staged, and a contentless index must never see those).
 */
static void remove_path(struct fl_db *db, const char *path, const char *keep)
{
	sqlite3_stmt *st = fl_db_stmt(db, "SELECT id FROM records WHERE path = :p");
	char *id = NULL;
	fl_bind_text(st, ":p", path);
	if (fl_step(st) && !(keep && !strcmp(fl_col_text(st, 0), keep)))
		id = xstrdup(fl_col_text(st, 0));
	sqlite3_reset(st);
	if (id) {
		unlink_record(db, id);
		st = fl_db_stmt(db, "DELETE FROM records WHERE id = :id");
		fl_bind_text(st, ":id", id);
		fl_step(st);
		free(id);
	}
	st = fl_db_stmt(db, "DELETE FROM skipped WHERE path = :p");
	fl_bind_text(st, ":p", path);
	fl_step(st);
}

void fl_db_skip(struct fl_db *db, const char *path, const char *reason)
{
	sqlite3_stmt *st;
	fl_db_remove_path(db, path);
	st = fl_db_stmt(db, "INSERT OR REPLACE INTO skipped VALUES (:p, :r)");
	fl_bind_text(st, ":p", path);
	fl_bind_text(st, ":r", reason);
	fl_step(st);
}

void fl_db_set_roster(struct fl_db *db, const char *text)
{
	cJSON *r = NULL;
	const cJSON *p;

	fl_db_meta_set(db, "roster", text);
	fl_db_exec(db, "DELETE FROM people");
	if (fl_json_parse(&r, text, strlen(text)) < 0)
		return;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r, "people")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "id"));
		const cJSON *pv = cJSON_GetObjectItemCaseSensitive(p, "provinces");
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name"));
		const char *role = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "role"));
		const char *login = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "login"));
		char *pvs = cJSON_IsArray(pv) ? cJSON_PrintUnformatted(pv) : NULL;
		if (id) {
			sqlite3_stmt *st = fl_db_stmt(db,
				"INSERT OR REPLACE INTO people VALUES (:id, :n, :r, :p, :l)");
			fl_bind_text(st, ":id", id);
			fl_bind_text(st, ":n", name ? name : id);
			fl_bind_text(st, ":r", role ? role : "");
			fl_bind_text(st, ":p", pvs ? pvs : "[]");
			fl_bind_text(st, ":l", login ? login : id);
			fl_step(st);
		}
		cJSON_free(pvs);
	}
	cJSON_Delete(r);
}

void fl_db_clear_records(struct fl_db *db)
{
	fl_db_exec(db, "DELETE FROM records; DELETE FROM record_communes;"
		       "INSERT INTO search(search) VALUES ('delete-all'); DELETE FROM skipped;"
		       "DELETE FROM temp.fts_unstage;");
	stage_clear(&db->stage);
	db->staged = 0;
}

int fl_db_resolve(char **out_id, struct fl_db *db, const char *prefix,
		  const char *kind)
{
	char up[FL_ID_LEN + 1];
	size_t i, n = strlen(prefix);
	struct strbuf cands = STRBUF_INIT;
	int found = 0;
	sqlite3_stmt *st;

	*out_id = NULL;
	if (n < 4 || n > FL_ID_LEN)
		return fl_error(FL_ENOTFOUND, "no record '%s' (give at least 4 characters of its id)",
				prefix);
	for (i = 0; i < n; i++) {
		char c = prefix[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
			return fl_error(FL_ENOTFOUND, "no record '%s'", prefix);
		up[i] = c;
	}
	up[n] = '\0';
	st = fl_db_stmt(db, "SELECT id, kind FROM records WHERE id >= :lo AND id < :hi"
			    " AND (:kind IS NULL OR kind = :kind) ORDER BY id LIMIT 6");
	char hi[FL_ID_LEN + 2];
	memcpy(hi, up, n);
	hi[n] = '\x7f';
	hi[n + 1] = '\0';
	fl_bind_text(st, ":lo", up);
	fl_bind_text(st, ":hi", hi);
	if (kind)
		fl_bind_text(st, ":kind", kind);
	while (fl_step(st)) {
		if (found++ == 0)
			*out_id = xstrdup(fl_col_text(st, 0));
		if (found <= 5)
			strbuf_addf(&cands, "%s%s (%s)", found > 1 ? ", " : "",
				    fl_col_text(st, 0), fl_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (found == 1) {
		strbuf_release(&cands);
		return 0;
	}
	free(*out_id);
	*out_id = NULL;
	if (!found) {
		strbuf_release(&cands);
		return fl_error(FL_ENOTFOUND, "no %s '%s'", kind ? kind : "record", prefix);
	}
	int e = fl_error(FL_EAMBIGUOUS, "id prefix '%s' is ambiguous: %s%s", prefix,
			 cands.buf, found > 5 ? ", ..." : "");
	strbuf_release(&cands);
	return e;
}

cJSON *fl_db_get(struct fl_db *db, const char *id)
{
	sqlite3_stmt *st = fl_db_stmt(db, "SELECT json FROM records WHERE id = :id");
	cJSON *rec = NULL;
	fl_bind_text(st, ":id", id);
	if (fl_step(st)) {
		const char *t = fl_col_text(st, 0);
		if (fl_json_parse(&rec, t, strlen(t)) < 0)
			rec = NULL;
	}
	sqlite3_reset(st);
	return rec;
}
