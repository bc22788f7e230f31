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

/*
 * What can go wrong with the index that is not a bug, as named codes (the
 * message, from fl_last_error, is plain words; the SQL goes to
 * FIELDLOG_TRACE only). Anything else SQLite reports (a syntax error, a
 * misused statement) is a bug, and dies with "fatal: sqlite: ...".
 */
enum {
	FL_EDBCORRUPT = -20,    /* index.db is damaged (or not a fieldlog index): rebuild it */
	FL_EDBFULL = -21,       /* the disk is full */
	FL_EDBIO = -22,         /* the disk failed to read or write */
	FL_EDBREADONLY = -23,   /* no permission to write index.db or its directory */
};

struct fl_db;

/*
 * Opens (creating when `create`) the index at path, applies pending
 * migrations and (re)loads reference data when its date changed. Cheap
 * checks first: the file's header (a damaged one makes SQLite open the
 * file read-only or fail later), application_id, user_version, the
 * tables, and PRAGMA quick_check of the small tables. Returns 0,
 * FL_ENOTFOUND (missing and not create), FL_EDBCORRUPT (damaged, or not
 * a fieldlog index: the caller may set it aside and rebuild), one of the
 * other FL_EDB* codes or FL_ELOCKED, or FL_ERROR (a newer schema than
 * this binary knows).
 */
int fl_db_open(struct fl_db **out, const char *path, int create);
void fl_db_close(struct fl_db *db);
sqlite3 *fl_db_handle(struct fl_db *db);

/*
 * BEGIN IMMEDIATE / COMMIT / ROLLBACK. Return 0 or a negative code
 * (FL_ELOCKED, FL_EDB*, FL_ERROR).
 *
 * Inside a transaction, a failure that is not a bug (damage, a full disk,
 * an I/O error) does not end the process: the statement helpers below
 * remember the first one and carry on as if a statement had returned no
 * rows, and fl_db_commit rolls the transaction back and returns it. So a
 * caller that has written elsewhere first (a save, to the outbox) can
 * finish or undo its work. Outside a transaction, such a failure goes to
 * the handler set with fl_db_on_failure (see there).
 */
int fl_db_begin(struct fl_db *db);
int fl_db_commit(struct fl_db *db);
void fl_db_rollback(struct fl_db *db);
/*
 * Called with the code (FL_EDB*, FL_ELOCKED; the message in
 * fl_last_error) and the index's file name when a statement outside a
 * transaction fails for a reason that is not a bug. It must not return
 * (app/ prints one line and exits, setting a damaged index aside). Without
 * a handler the message is printed as "error: ..." and the process exits 1.
 */
typedef void (*fl_db_failure_fn)(int code, const char *path);
void fl_db_on_failure(fl_db_failure_fn fn);
/*
 * Statements prepared or stepped after this sort (ORDER BY) in temporary
 * files beyond a few MB (on), or in memory (off, the default, which a big
 * sort fills). Call it with no transaction open.
 */
void fl_db_set_sort_on_disk(struct fl_db *db, int on);
/* Runs SQL without parameters; failures as above (schema and pragmas only). */
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
/*
 * sqlite3_step; returns 1 for a row, 0 when done. Any other result is
 * handled as fl_db_begin describes (in a transaction: remembered, and 0).
 * A statement that could not be prepared in a transaction is NULL, which
 * the bind and step helpers accept.
 */
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
