/*
 * sql.c: the index's statement helpers and transactions, in the manner of
 * Fossil's db.c: statements bind by name and die on a name that is not in
 * them (a programming error the first test finds), and are cached by the
 * address of their SQL text so that loops need not re-prepare. Also the
 * modes of a full import (fl_db_set_fresh, fl_db_set_bulk), which change
 * what a commit does, where sorts spill (fl_db_set_sort_on_disk), and the
 * meta table.
 */
#define _GNU_SOURCE   /* sync_file_range, where there is one */
#include "db-int.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
 * With temp_store = MEMORY (fl_db_open: the import's temporary table is
 * faster there) a statement's ORDER BY sorts every row in memory: 500 MB
 * for an export of 100,000 records. FILE keeps a few MB of it and spills
 * the rest to temporary files. SQLite drops the temporary database when
 * the setting changes, so going back remakes the table fl_db_open made.
 */
void fl_db_set_sort_on_disk(struct fl_db *db, int on)
{
	/* The setting changes only with no statement in progress. */
	for (size_t i = 0; i < db->ncache; i++)
		sqlite3_reset(db->cache[i].st);
	fl_db_exec(db, on ? "PRAGMA temp_store = FILE"
		       : "PRAGMA temp_store = MEMORY;"
			 "CREATE TEMP TABLE IF NOT EXISTS fts_unstage(rowid INTEGER PRIMARY KEY, folded);");
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
	fl_llmap_clear(&db->minutes);
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
	fl_fts_apply(db);
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
	fl_llmap_clear(&db->minutes);
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return fl_error(FL_ERROR, "sqlite: %s", sqlite3_errmsg(db->h));
	return 0;
}

void fl_db_rollback(struct fl_db *db)
{
	strbuf_reset(&db->rebuild);   /* the DROPs roll back with the rest */
	db->merge_at_commit = 0;      /* and FTS5's settings */
	db->fresh = 0;
	fl_llmap_clear(&db->minutes);
	fl_fts_discard(db);   /* the temp table rolls back with the rest */
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
