/*
 * sql.c: the index's statement helpers and transactions, in the manner of
 * Fossil's db.c: statements bind by name and die on a name that is not in
 * them (a programming error the first test finds), and are cached by the
 * address of their SQL text so that loops need not re-prepare. Also the
 * modes of a full import (fl_db_set_fresh, fl_db_set_bulk), which change
 * what a commit does, where sorts spill (fl_db_set_sort_on_disk), and the
 * meta table.
 *
 * Failures that are not bugs (a damaged file, a full disk, an I/O error, a
 * busy index) become named codes with a message in plain words; the SQL
 * that met them goes to FIELDLOG_TRACE only. Inside a transaction they
 * are remembered until fl_db_commit (db.h says why).
 */
#define _GNU_SOURCE   /* sync_file_range, where there is one */
#include "db-int.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
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

/* --- failures ------------------------------------------------------------ */

static fl_db_failure_fn failure_handler;
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fl_db *open_dbs;

void fl_db_on_failure(fl_db_failure_fn fn)
{
	failure_handler = fn;
}

void fl_db_register(struct fl_db *db)
{
	pthread_mutex_lock(&open_lock);
	db->next_open = open_dbs;
	open_dbs = db;
	pthread_mutex_unlock(&open_lock);
}

void fl_db_unregister(struct fl_db *db)
{
	pthread_mutex_lock(&open_lock);
	for (struct fl_db **p = &open_dbs; *p; p = &(*p)->next_open) {
		if (*p == db) {
			*p = db->next_open;
			break;
		}
	}
	pthread_mutex_unlock(&open_lock);
}

static struct fl_db *db_of(sqlite3 *h)
{
	struct fl_db *db;
	pthread_mutex_lock(&open_lock);
	for (db = open_dbs; db && db->h != h; db = db->next_open)
		;
	pthread_mutex_unlock(&open_lock);
	return db;
}

/* 1 when path's file and its directory can be written (a WAL needs both). */
static int writable(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int ok;
	if (slash)
		*slash = '\0';
	ok = access(path, W_OK) == 0 && access(slash ? dir : ".", W_OK) == 0;
	free(dir);
	return ok;
}

int fl_db_error(sqlite3 *h, int rc, const char *sql)
{
	const char *path = h ? sqlite3_db_filename(h, "main") : NULL;
	int ext = h ? sqlite3_extended_errcode(h) : rc;

	if (!path || !*path)
		path = "index.db";
	fl_trace("sqlite: %s (%d/%d) in: %s", h ? sqlite3_errmsg(h) : "?", rc, ext,
		 sql ? sql : "?");
	switch (rc & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	/*
	 * Our statements keep every constraint by construction (ON CONFLICT,
	 * INSERT OR IGNORE): one failing means an index B-tree disagrees
	 * with its table. Rebuilding is right even if it were a bug.
	 */
	case SQLITE_CONSTRAINT:
		return fl_error(FL_EDBCORRUPT, "the index '%s' is damaged; run 'fieldlog reindex'",
				path);
	case SQLITE_FULL:
		return fl_error(FL_EDBFULL, "the disk is full (writing '%s'); free some space "
				"and try again", path);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
		if ((rc & 0xff) == SQLITE_IOERR && ext == SQLITE_IOERR_NOMEM)
			fl_die("out of memory");
		return fl_error(FL_EDBIO, "cannot read or write '%s' (an input/output error); "
				"check the disk", path);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return fl_error(FL_ELOCKED, "the index is busy (another fieldlog is using it); "
				"try again");
	case SQLITE_READONLY:
		if (ext == SQLITE_READONLY_DBMOVED)
			return fl_error(FL_ELOCKED, "the index '%s' was replaced while in use "
					"(rebuilt by another fieldlog); try again", path);
		/*
		 * With the file and its directory writable, SQLite opened it
		 * read-only because of what its header says (a write version
		 * it does not know): damage, not permissions.
		 */
		if (writable(path))
			return fl_error(FL_EDBCORRUPT, "the index '%s' is damaged; run "
					"'fieldlog reindex'", path);
		return fl_error(FL_EDBREADONLY, "cannot write '%s': permission denied; check the "
				"owner and permissions of the file and its directory", path);
	case SQLITE_NOMEM:
		fl_die("out of memory");
	default:
		fl_die("sqlite: %s (in: %.80s)", h ? sqlite3_errmsg(h) : "?", sql ? sql : "?");
	}
}

void fl_db_failed(sqlite3 *h, int rc, const char *sql)
{
	struct fl_db *db = db_of(h);
	int code = fl_db_error(h, rc, sql);

	if (db && (db->in_tx || db->opening)) {
		if (!db->failed) {
			db->failed = code;
			db->failed_msg = xstrdup(fl_last_error());
		}
		return;
	}
	if (failure_handler)
		failure_handler(code, h ? sqlite3_db_filename(h, "main") : "index.db");
	fprintf(stderr, "%s%s\n", fl_tr("error: "), fl_last_error());
	exit(1);
}

void fl_db_exec(struct fl_db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fl_db_failed(db->h, rc, sql);
}

sqlite3_stmt *fl_db_prepare(struct fl_db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		fl_db_failed(db->h, rc, sql);
		return NULL;
	}
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
	FL_ALLOC_GROW(db->cache, db->ncache + 1, db->acache);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		fl_db_failed(db->h, rc, sql);
		return NULL;   /* not cached: a later transaction tries again */
	}
	db->cache[db->ncache].sql = sql;
	db->cache[db->ncache].st = st;
	db->ncache++;
	return st;
}

/* The parameter's index; 0 for a statement that failed to prepare. */
static int param(sqlite3_stmt *st, const char *name)
{
	int i;
	if (!st)
		return 0;
	i = sqlite3_bind_parameter_index(st, name);
	if (!i)
		fl_die("sqlite: no parameter '%s' in: %.80s", name, sqlite3_sql(st));
	return i;
}

void fl_bind_text(sqlite3_stmt *st, const char *name, const char *value)
{
	int i = param(st, name);
	if (i)
		sqlite3_bind_text(st, i, value, -1, SQLITE_TRANSIENT);
}

void fl_bind_int(sqlite3_stmt *st, const char *name, long long value)
{
	int i = param(st, name);
	if (i)
		sqlite3_bind_int64(st, i, value);
}

void fl_bind_null(sqlite3_stmt *st, const char *name)
{
	int i = param(st, name);
	if (i)
		sqlite3_bind_null(st, i);
}

int fl_step(sqlite3_stmt *st)
{
	int rc;
	if (!st)
		return 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	/* sqlite3_step's rc is the primary code; the errcode is the real one. */
	sqlite3 *h = sqlite3_db_handle(st);
	fl_db_failed(h, sqlite3_errcode(h), sqlite3_sql(st));
	sqlite3_reset(st);
	return 0;
}

const char *fl_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

/* Forgets a remembered failure (a new transaction starts clean). */
static void clear_failure(struct fl_db *db)
{
	db->failed = 0;
	free(db->failed_msg);
	db->failed_msg = NULL;
}

int fl_db_begin(struct fl_db *db)
{
	int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		if (rc == SQLITE_BUSY)
			return fl_error(FL_ELOCKED, "the index is busy (another fieldlog is writing)");
		return fl_db_error(db->h, sqlite3_errcode(db->h), "BEGIN IMMEDIATE");
	}
	clear_failure(db);
	db->in_tx = 1;
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
	int rc;
	fl_fts_apply(db);
	if (db->merge_at_commit && !db->failed) {
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
	if (db->failed) {
		fl_db_rollback(db);
		return fl_error(db->failed, "%s", db->failed_msg ? db->failed_msg
							    : _("the index could not be written"));
	}
	rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int e = fl_db_error(db->h, sqlite3_errcode(db->h), "COMMIT");
		if (!db->failed) {
			db->failed = e;
			db->failed_msg = xstrdup(fl_last_error());
		}
		fl_db_rollback(db);
		return e;
	}
	db->in_tx = 0;
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
	db->in_tx = 0;
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
