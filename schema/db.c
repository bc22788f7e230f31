/*
 * db.c: the index database (index.db; see db.h for the contract): opening
 * it, and the records it holds: put, remove, resolve an id prefix, get.
 *
 * The other parts of the index are sql.c (statement helpers and
 * transactions), migrate.c (the schema and its migrations) and fts.c (the
 * full-text rows); db-int.h is what they share. A record's `seq` orders
 * records by last change (time_seq) and keys its full-text rows.
 */
#define _POSIX_C_SOURCE 200809L
#include "db-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "record.h"
#include "refdata.h"
#include "text.h"

void fl_llmap_clear(struct llmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

size_t *fl_llmap_at(struct llmap *m, long long key)
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
				*fl_llmap_at(m, old.key[i] - 1) = old.val[i];
		fl_llmap_clear(&old);
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
 * The 100-byte header of an SQLite file, checked before SQLite reads it:
 * a damaged one is otherwise met late, and oddly (a write version above
 * 2, one changed byte at offset 18, makes SQLite open the file read-only,
 * so the first write of a save fails as "readonly"). 0 when it is sane or
 * the file is new (absent or empty), FL_EDBCORRUPT, or FL_ENOTFOUND.
 * The layout: https://www.sqlite.org/fileformat.html#the_database_header
 */
static int check_header(const char *path)
{
	unsigned char h[100];
	struct stat sb;
	FILE *f = fopen(path, "rb");
	size_t n;
	unsigned long page, pages;

	if (!f)
		return errno == ENOENT ? FL_ENOTFOUND : 0;   /* SQLite will say why */
	/* Not a file (a directory, say): SQLite's own error names it. */
	if (fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
		fclose(f);
		return 0;
	}
	n = fread(h, 1, sizeof(h), f);
	fclose(f);
	if (n != sizeof(h) || memcmp(h, "SQLite format 3", 16) != 0)
		goto bad;
	page = (unsigned long)h[16] << 8 | h[17];
	if (page == 1)
		page = 65536;
	if (page < 512 || (page & (page - 1)) != 0)
		goto bad;
	/* Versions 1 (rollback journal) and 2 (WAL); payload fractions fixed. */
	if (h[18] < 1 || h[18] > 2 || h[19] < 1 || h[19] > 2 ||
	    h[21] != 64 || h[22] != 32 || h[23] != 32 || page - h[20] < 480)
		goto bad;
	/* Whole pages; at least as many as the header counts (when it is current). */
	if ((unsigned long long)sb.st_size % page != 0)
		goto bad;
	pages = (unsigned long)h[28] << 24 | (unsigned long)h[29] << 16 | h[30] << 8 | h[31];
	if (!memcmp(h + 24, h + 92, 4) && (unsigned long long)pages * page > (unsigned long long)sb.st_size)
		goto bad;
	return 0;
bad:
	return fl_error(FL_EDBCORRUPT, "the index '%s' is damaged; run 'fieldlog reindex'", path);
}

/*
 * The tables of the current schema, and PRAGMA quick_check of the small
 * ones (meta, people, skipped, and the schema itself): all of them are
 * read by almost every command, and a damaged page among them would
 * otherwise fail it halfway (under 1 ms together). The whole file is
 * not checked: quick_check reads every page, 0.6 s at 100k records (a
 * 270 MB index, in the page cache) against 60 ms for a whole `issue
 * list`; damage elsewhere is met by the statement that reads it, which
 * reports it the same way.
 */
static int check_tables(struct fl_db *db)
{
	static const char *const small[] = { "meta", "people", "skipped" };
	sqlite3_stmt *st = fl_db_prepare(db,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN"
		" ('meta', 'provinces', 'communes', 'domains', 'records', 'record_communes',"
		"  'search', 'skipped', 'people')");
	int ok = fl_step(st) && sqlite3_column_int(st, 0) == 9;
	sqlite3_finalize(st);
	for (size_t i = 0; ok && !db->failed && i < FL_ARRAY_SIZE(small); i++) {
		char *sql = xstrfmt("PRAGMA quick_check(%s)", small[i]);
		st = fl_db_prepare(db, sql);
		ok = fl_step(st) && !strcmp(fl_col_text(st, 0), "ok");
		sqlite3_finalize(st);
		free(sql);
	}
	if (db->failed)
		return fl_error(db->failed, "%s", db->failed_msg);
	if (!ok)
		return fl_error(FL_EDBCORRUPT, "the index '%s' is damaged; run 'fieldlog reindex'",
				sqlite3_db_filename(db->h, "main"));
	return 0;
}

/* fl_db_open's work once the file is open; a negative code on failure. */
static int open_checks(struct fl_db *db, const char *path)
{
	sqlite3_stmt *st;
	int e;

	sqlite3_busy_timeout(db->h, 10000);
	/*
	 * Closing the last connection would checkpoint the WAL into the
	 * database (four fdatasyncs, a third of a short command's time).
	 * SQLite's automatic checkpoint every 1000 pages does that work in
	 * bulk instead; the index is derived data, rebuilt if ever lost.
	 */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_extended_result_codes(db->h, 0);

	st = fl_db_prepare(db, "PRAGMA application_id");
	long long app = fl_step(st) ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (db->failed)
		return fl_error(db->failed, "%s", db->failed_msg);
	if (app == 0) {
		st = fl_db_prepare(db, "SELECT count(*) FROM sqlite_schema");
		long long n = fl_step(st) ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		if (n)
			return fl_error(FL_EDBCORRUPT, "'%s' is not a fieldlog index; run "
					"'fieldlog reindex'", path);
		fl_db_exec(db, "PRAGMA application_id = 1179406151");  /* 0x464c4f47 */
	} else if (app != FL_DB_APPLICATION_ID) {
		return fl_error(FL_EDBCORRUPT, "'%s' is not a fieldlog index; run 'fieldlog reindex'",
				path);
	}
	fl_db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		       "PRAGMA journal_size_limit = 4194304;"
		       "PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;"
		       "CREATE TEMP TABLE fts_unstage(rowid INTEGER PRIMARY KEY, folded);");
	if (db->failed)
		return fl_error(db->failed, "%s", db->failed_msg);
	if ((e = fl_fts_register(db)) < 0)
		return e;
	fl_trace("db: open");
	if ((e = fl_db_migrate(db)) < 0 || (e = check_tables(db)) < 0 ||
	    (e = fl_db_check_fold(db)) < 0)
		return e;
	fl_trace("db: migrated");
	if ((e = fl_db_load_refdata(db)) < 0)
		return e;
	fl_trace("db: reference data");
	if (db->failed)
		return fl_error(db->failed, "%s", db->failed_msg);
	return 0;
}

int fl_db_open(struct fl_db **out, const char *path, int create)
{
	struct fl_db *db;
	/* NOMUTEX: a connection is only ever used by one thread (sync/import.c). */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc, e;

	*out = NULL;
	if ((e = check_header(path)) < 0 && !(e == FL_ENOTFOUND && create)) {
		if (e == FL_ENOTFOUND)
			fl_error(e, "cannot open index '%s': no such file", path);
		return e;
	}
	db = xcalloc(1, sizeof(*db));
	strbuf_init(&db->rebuild);
	rc = sqlite3_open_v2(path, &db->h, flags, NULL);
	if (rc != SQLITE_OK) {
		if (rc == SQLITE_CANTOPEN || !db->h)
			e = fl_error(rc == SQLITE_CANTOPEN && !create ? FL_ENOTFOUND : FL_ERROR,
				     "cannot open index '%s': %s", path,
				     db->h ? sqlite3_errmsg(db->h) : "out of memory");
		else
			e = fl_db_error(db->h, sqlite3_errcode(db->h), "open");
		fl_db_close(db);
		return e;
	}
	fl_db_register(db);
	db->opening = 1;
	e = open_checks(db, path);
	db->opening = 0;
	if (e < 0) {
		char *msg = xstrdup(fl_last_error());
		fl_db_close(db);
		fl_error(e, "%s", msg);
		free(msg);
		return e;
	}
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
	fl_llmap_clear(&db->minutes);
	fl_fts_discard(db);
	fl_db_unregister(db);
	free(db->failed_msg);
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

/* Takes the record's texts out of the full-text index and its communes out. */
static void unlink_record(struct fl_db *db, const char *id)
{
	sqlite3_stmt *st = fl_db_stmt(db, "SELECT seq, deleted, json FROM records WHERE id = :id");
	fl_bind_text(st, ":id", id);
	if (fl_step(st)) {
		long long seq = sqlite3_column_int64(st, 0);
		int deleted = sqlite3_column_int(st, 1);
		char *json = xstrdup(fl_col_text(st, 2));
		sqlite3_reset(st);
		fl_fts_remove(db, seq, deleted, json);
		free(json);
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
		while (*(next = fl_llmap_at(&db->minutes, base)) == MINUTE_SLOTS)
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
		date = str(rec, "date");   /* when found; absent in older issues */
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
		fl_fts_add(db, seq, rec, folded);
	fl_fts_apply_full(db);
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
	fl_fts_discard(db);
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
		/* The kind as people read it: app/i18n.c marks the kinds. */
		return fl_error(FL_ENOTFOUND, "no %s '%s'", kind ? _(kind) : _("record"), prefix);
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

