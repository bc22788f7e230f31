/*
 * migrate.c: the index's schema as versioned SQL strings. migrations[N-1]
 * moves user_version from N-1 to N; a database whose user_version is
 * above what this binary knows is refused rather than guessed at. The index can
 * always be thrown away and rebuilt (`fieldlog reindex`), so migrations
 * may drop derived tables. Also what keeps derived contents current at
 * open: the fold of the full-text rows, and the reference data.
 */
#include "db-int.h"

#include <stdlib.h>
#include <string.h>

#include "refdata.h"
#include "text.h"

/* --- schema and migrations ----------------------------------------------- */

/*
 * One step of the schema: the SQL that moves user_version from N-1 to N,
 * and whether the next open must import everything again (the indexed
 * commit is forgotten: the step emptied or reshaped derived rows).
 */
struct migration {
	const char *sql;
	int reimport;
};

static const struct migration migrations[] = {
	/* 1: the first schema. */
	{ "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
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
	  "CREATE TABLE skipped(path TEXT PRIMARY KEY, reason TEXT NOT NULL);",
	  0 },
	/*
	 * 2: only the folded text is indexed. Indexing the text as written too
	 * doubled the cost of every import; the ranking of exactly-marked words
	 * is done on the hits instead (app/cmd-search.c). The table is rebuilt,
	 * and forgetting the indexed commit makes the next open re-import.
	 */
	{ "DROP TABLE search;"
	  "CREATE VIRTUAL TABLE search USING fts5(id UNINDEXED, field UNINDEXED,"
	  "  text UNINDEXED, folded, tokenize = 'unicode61 remove_diacritics 0');",
	  1 },
	/* 3: filters by status and by commune start from an index. */
	{ "CREATE INDEX records_status ON records(kind, status);",
	  0 },
	/*
	 * 4: the roster as a table. At national scale roster.json is over half a
	 * megabyte; parsing it in every command that shows a name cost more than
	 * the query. fl_db_set_roster fills it whenever roster.json changes.
	 */
	{ "CREATE TABLE people(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
	  "  role TEXT NOT NULL, provinces TEXT NOT NULL, login TEXT NOT NULL);"
	  "CREATE INDEX people_login ON people(login);",
	  1 },
	/*
	 * 5: records.seq follows updated_at (time_seq) and keys the full-text
	 * rows, so that search lists the latest first without ranking every hit.
	 * (Not the rowid itself: a full import in that order inserts at random
	 * places of the table and took twice as long.) Re-imported to number.
	 */
	{ "ALTER TABLE records ADD COLUMN seq INTEGER;"
	  "CREATE UNIQUE INDEX records_seq ON records(seq);"
	  "DELETE FROM search;",
	  1 },
	/*
	 * 6: a contentless full-text index. It stored every text twice more (as
	 * written and folded) beside records.json, which holds them already: 77 %
	 * of the full-text table (a third of index.db at 100k records) and a
	 * quarter of a full import's time (28.5 s -> 20.8 s). The search
	 * takes a hit's text from its record (fl_db_texts); rows are deleted by
	 * giving back the text they were indexed with (unlink_record).
	 */
	{ "DROP TABLE search;"
	  "CREATE VIRTUAL TABLE search USING fts5(folded, content = '',"
	  "  tokenize = 'unicode61 remove_diacritics 0');",
	  1 },
	/*
	 * 7: the status index also covers severity, the tombstone mark and the id,
	 * so that `issue list --status S --severity V --province P` tests its
	 * filters in the index and reads only the rows it prints (100k records:
	 * 55 ms -> 25 ms, with the province's subquery limited to the kind).
	 */
	{ "DROP INDEX records_status;"
	  "CREATE INDEX records_status ON records(kind, status, severity, deleted, id);",
	  0 },
};

int fl_db_migrate(struct fl_db *db)
{
	sqlite3_stmt *st = fl_db_prepare(db, "PRAGMA user_version");
	long long have = -1;
	size_t v;
	int e;

	if (fl_step(st))
		have = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	/*
	 * Unreadable, or far above this binary's schema: a damaged header,
	 * not a newer fieldlog (which adds a migration at a time).
	 */
	if (have < 0 || have > (long long)FL_ARRAY_SIZE(migrations) + 100)
		return fl_error(FL_EDBCORRUPT, "the index '%s' is damaged; run 'fieldlog reindex'",
				sqlite3_db_filename(db->h, "main"));
	if (have > (long long)FL_ARRAY_SIZE(migrations))
		return fl_error(FL_ERROR, "the index was written by a newer fieldlog "
				"(schema %lld); run 'fieldlog reindex' with this version", have);
	for (v = (size_t)have; v < FL_ARRAY_SIZE(migrations); v++) {
		char *sql;
		if ((e = fl_db_begin(db)) < 0)
			return e;
		fl_db_exec(db, migrations[v].sql);
		if (migrations[v].reimport)
			fl_db_exec(db, "DELETE FROM meta WHERE key = 'indexed_commit';");
		sql = xstrfmt("PRAGMA user_version = %zu", v + 1);
		fl_db_exec(db, sql);
		free(sql);
		if ((e = fl_db_commit(db)) < 0)
			return e;
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
int fl_db_check_fold(struct fl_db *db)
{
	const char *want = fl_text_fold_version();
	char *have = fl_db_meta_get(db, "fold_version");
	int same = have && !strcmp(have, want);

	free(have);
	if (same)
		return 0;
	int e = fl_db_begin(db);
	if (e < 0)
		return e;
	fl_db_exec(db, "INSERT INTO search(search) VALUES ('delete-all');"
		       "DELETE FROM meta WHERE key = 'indexed_commit';");
	fl_db_meta_set(db, "fold_version", want);
	return fl_db_commit(db);
}

int fl_db_load_refdata(struct fl_db *db)
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
	int e = fl_db_begin(db);
	if (e < 0) {
		free(want);
		return e;
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
