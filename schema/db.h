/*
 * db.h: the SQLite index (index.db): its schema and migrations
 * (migrate.c), statement helpers in the manner of Fossil's db.c and
 * transactions (sql.c), the full-text rows (fts.c), and the operations
 * that keep the index in step with repo.git (db.c).
 *
 * The index holds nothing that cannot be rebuilt: reference data is loaded
 * from refdata.h, records from the repository. `meta.indexed_commit` says
 * which commit the records reflect.
 *
 * Statement helpers bind by name and die on a name that is not in the
 * statement: that is a programming error, caught by the first test that
 * runs the code. Statements are cached per SQL text pointer, so callers
 * write fl_db_stmt(db, "SELECT ...") in loops without re-preparing.
 */
#ifndef FL_DB_H
#define FL_DB_H

#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "base.h"

#define FL_DB_APPLICATION_ID 0x464c4f47  /* "FLOG" */

struct fl_db;

/*
 * Opens (creating when `create`) the index at path, applies pending
 * migrations and (re)loads reference data when its date changed. Returns
 * 0, FL_ENOTFOUND (missing and not create), or FL_ERROR (not a fieldlog
 * index, newer schema than this binary knows, SQLite error).
 */
int fl_db_open(struct fl_db **out, const char *path, int create);
void fl_db_close(struct fl_db *db);
sqlite3 *fl_db_handle(struct fl_db *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Return 0 or FL_ERROR / FL_ELOCKED. */
int fl_db_begin(struct fl_db *db);
int fl_db_commit(struct fl_db *db);
void fl_db_rollback(struct fl_db *db);
/*
 * Statements prepared or stepped after this sort (ORDER BY) in temporary
 * files beyond a few MB (on), or in memory (off, the default, which a big
 * sort fills). Call it with no transaction open.
 */
void fl_db_set_sort_on_disk(struct fl_db *db, int on);
/* Runs SQL without parameters; dies on error (schema and pragmas only). */
void fl_db_exec(struct fl_db *db, const char *sql);

/*
 * A cached, reset statement for `sql` (which must be a string literal or
 * otherwise outlive the db: the pointer is the cache key). Dies on a
 * syntax error.
 */
sqlite3_stmt *fl_db_stmt(struct fl_db *db, const char *sql);
/* Prepares an uncached statement (for SQL built at run time); finalize it. */
sqlite3_stmt *fl_db_prepare(struct fl_db *db, const char *sql);
void fl_bind_text(sqlite3_stmt *st, const char *name, const char *value);
void fl_bind_int(sqlite3_stmt *st, const char *name, long long value);
void fl_bind_null(sqlite3_stmt *st, const char *name);
/* sqlite3_step that dies on anything but ROW/DONE; returns 1 for a row. */
int fl_step(sqlite3_stmt *st);
/* Column text, never NULL ("" for NULL). Borrowed until the next step. */
const char *fl_col_text(sqlite3_stmt *st, int col);

/* meta table. fl_db_meta_get returns a new string or NULL. */
char *fl_db_meta_get(struct fl_db *db, const char *key);
void fl_db_meta_set(struct fl_db *db, const char *key, const char *value);

/*
 * Stores (insert or replace) one record parsed from repository path
 * `path`, with its canonical text, updating the extracted columns, the
 * commune links and the full-text index. Call inside a transaction.
 */
/*
 * The searchable texts of a record in the order of their full-text rows
 * (row = seq * 1024 + n): fn(payload, n, field, text) for each non-empty
 * one. The search uses it to find a hit's text again.
 */
typedef void (*fl_text_fn)(void *payload, int n, const char *field, const char *text);
void fl_db_texts(const cJSON *rec, fl_text_fn fn, void *payload);

void fl_db_put_record(struct fl_db *db, const char *path, const cJSON *rec,
		      const char *text);
/*
 * The texts of rec, folded for the full-text index (fl_text_fold), in the
 * order of fl_db_texts: an import folds them on its reading thread and
 * hands them to fl_db_put_record_folded, which does what fl_db_put_record
 * does without folding them again on the thread that writes (it takes
 * the strings: the index stages them until it applies them).
 */
struct fl_folded {
	char **v;
	int n;
};
void fl_db_fold(struct fl_folded *out, const cJSON *rec);
void fl_folded_release(struct fl_folded *f);
void fl_db_put_record_folded(struct fl_db *db, const char *path, const cJSON *rec,
			     const char *text, struct fl_folded *folded);
/*
 * Declares that the index holds no records (just cleared), so that
 * fl_db_put_record need not look for an older version of each record:
 * a full rebuild then costs inserts only. fl_db_commit clears the mark.
 *
 * With `rebuild`, the secondary indexes are also dropped now and built
 * again at the commit, by sorting: less work in all, but all of it at the
 * end, on one core. For an import that writes as fast as it reads (a
 * reindex). One paced by a download (a reviewer's first clone) keeps
 * them and maintains them as rows arrive, in time it would spend waiting.
 */
void fl_db_set_fresh(struct fl_db *db, int fresh, int rebuild);

/*
 * Bulk mode for rewriting the whole index (outside a transaction): a
 * rollback journal instead of the WAL. A WAL makes a big transaction write
 * every page twice (WAL, then checkpoint) and look each page up in its
 * index on every read; a rollback journal only saves the few pages that
 * existed before. Crash-safe either way. Returns 1 when the index is now
 * in bulk mode: not when another process has it open (the WAL is kept).
 */
int fl_db_set_bulk(struct fl_db *db, int on);

/* Removes whatever the index holds for path (record or skip entry). */
void fl_db_remove_path(struct fl_db *db, const char *path);
/* Records a file that failed validation on import, with the reason. */
void fl_db_skip(struct fl_db *db, const char *path, const char *reason);
/*
 * Keeps roster.json's text in meta.roster and its people in the `people`
 * table (id, name, role, provinces as a JSON array, login).
 */
void fl_db_set_roster(struct fl_db *db, const char *text);

/* Empties records, links, search index and skips (for reindex). */
void fl_db_clear_records(struct fl_db *db);

/*
 * Resolves an id prefix (case-insensitive, at least 4 characters) of a
 * record of `kind` (NULL: any kind) into *out_id (caller frees).
 * FL_ENOTFOUND, or FL_EAMBIGUOUS with the candidates in the message.
 */
int fl_db_resolve(char **out_id, struct fl_db *db, const char *prefix,
		  const char *kind);
/* The stored record with this exact id, parsed (caller frees), or NULL. */
cJSON *fl_db_get(struct fl_db *db, const char *id);

#endif
