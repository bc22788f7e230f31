/*
 * db-int.h: the inside of struct fl_db, shared by the files of the index
 * and by no one else: db.c (open, records), sql.c (statements,
 * transactions), migrate.c (schema), fts.c (full-text staging). Users of
 * the index include db.h.
 */
#ifndef FL_DB_INT_H
#define FL_DB_INT_H

#include "db.h"

/* Full-text rowids: seq * FTS_STRIDE + n, n counting fl_db_texts. */
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

void fl_llmap_clear(struct llmap *m);
/* The value of key, made 0 when new. */
size_t *fl_llmap_at(struct llmap *m, long long key);

/*
 * Full-text rows waiting to be added (see fl_fts_apply), in memory: staged
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
	size_t next;          /* the scan of fts_apply (fts.c's virtual table) */
};

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
	/*
	 * Failures that are not bugs are remembered, not fatal, in a
	 * transaction or while fl_db_open checks the file: the first one's
	 * code and message, for fl_db_commit or fl_db_open to return (kept
	 * until the next fl_db_begin).
	 */
	int in_tx, opening;
	int failed;
	char *failed_msg;
	struct fl_db *next_open;  /* the list fl_step searches by handle */
};

/*
 * Classifies SQLite's result rc for a statement on h (sql: its text, for
 * FIELDLOG_TRACE only): records a plain message and returns the FL_EDB*
 * code, FL_ELOCKED; dies on a bug. The caller decides what follows; most
 * go through fl_db_failed.
 */
int fl_db_error(sqlite3 *h, int rc, const char *sql);
/* A failure on h: remembered in a transaction or an open, else the handler. */
void fl_db_failed(sqlite3 *h, int rc, const char *sql);
/* Joins and leaves the list of open connections (db.c's open and close). */
void fl_db_register(struct fl_db *db);
void fl_db_unregister(struct fl_db *db);

/* fts.c. Registers the fl_stage virtual table on db's connection; 0 or FL_ERROR. */
int fl_fts_register(struct fl_db *db);
/* Stages the texts of rec (pre: folded already, taken; may be NULL) under seq. */
void fl_fts_add(struct fl_db *db, long long seq, const cJSON *rec, struct fl_folded *pre);
/*
 * Stages the removal of the rows of seq, whose record (json) the index
 * holds; a tombstone (deleted) had none.
 */
void fl_fts_remove(struct fl_db *db, long long seq, int deleted, const char *json);
/* Applies what is staged; fl_fts_apply_full only once a batch is full. */
void fl_fts_apply(struct fl_db *db);
void fl_fts_apply_full(struct fl_db *db);
/* Forgets what is staged (a rollback, a cleared index, a close). */
void fl_fts_discard(struct fl_db *db);

/* migrate.c: each returns 0 or FL_ERROR. */
/* Brings user_version up to this binary's schema; refuses a newer one. */
int fl_db_migrate(struct fl_db *db);
/* Empties the full-text index when the fold it was built with changed. */
int fl_db_check_fold(struct fl_db *db);
/* Loads reference data when the index holds none or another date's. */
int fl_db_load_refdata(struct fl_db *db);

#endif
