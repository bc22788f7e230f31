/*
 * test-db.c: the contentless full-text index (schema/db.c) must always
 * hold exactly the texts of the records in the index. A row of a
 * contentless FTS5 table is deleted by giving back the text it was
 * indexed with, so a wrong guess about what the index holds (a version
 * only staged, a seq used again, a record put twice in one transaction)
 * leaves phantom words or breaks the table. A random mix of new records,
 * edits, tombstones and removals, in transactions of random length, is
 * checked after every commit against a brute-force answer: for every
 * word, the rows that MATCH it are the rows whose text has it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema/db.h"
#include "schema/json.h"
#include "tests/unit/tap.h"

static const char *const words[] = {
	"cong", "chuc", "dat", "dai", "tro", "cap", "nguoi", "co", "mot", "cua",
	"thu", "tuc", "ho", "so", "xa", "phuong", "bo", "noi", "vu", "can",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))
#define NRECS 40

static unsigned long long rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static char *sentence(void)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned n = rnd(4);
	for (unsigned i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", words[rnd(NWORDS)]);
	return strbuf_detach(&sb, NULL);
}

/* An issue with 0-3 random texts, or a schedule with 0-3 entries. */
static cJSON *record(int i, int minute, int deleted)
{
	char id[32], at[40];
	cJSON *r = cJSON_CreateObject();
	snprintf(id, sizeof(id), "01K00000000000000000000%03d", i);
	/* Few distinct minutes, so that seqs share minutes and are reused. */
	snprintf(at, sizeof(at), "2025-09-08T08:%02d:00+07:00", minute);
	cJSON_AddStringToObject(r, "kind", i % 2 ? "issue" : "schedule");
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "author", "an");
	cJSON_AddStringToObject(r, "created_at", "2025-09-08T08:00:00+07:00");
	cJSON_AddStringToObject(r, "updated_at", at);
	cJSON_AddBoolToObject(r, "deleted", deleted);
	if (i % 2) {
		char *t;
		cJSON_AddStringToObject(r, "title", t = sentence()), free(t);
		cJSON_AddStringToObject(r, "description", t = sentence()), free(t);
		cJSON *c = cJSON_AddArrayToObject(r, "comments");
		for (unsigned k = rnd(3); k; k--) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "text", t = sentence()), free(t);
			cJSON_AddItemToArray(c, o);
		}
	} else {
		cJSON *e = cJSON_AddArrayToObject(r, "entries");
		for (unsigned k = rnd(4); k; k--) {
			char *t;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "activity", t = sentence()), free(t);
			cJSON_AddStringToObject(o, "note", t = sentence()), free(t);
			cJSON_AddItemToArray(e, o);
		}
	}
	return r;
}

static char *path_of(int i)
{
	return xstrfmt("00/an/%s/01K00000000000000000000%03d.json", i % 2 ? "issue" : "schedule", i);
}

struct expect {
	const char *word;
	long long base;
	struct strbuf *rows;
};

static void expect_text(void *p, int n, const char *field, const char *text)
{
	struct expect *x = p;
	char *copy = xstrdup(text), *save = NULL;
	(void)field;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (!strcmp(w, x->word)) {
			strbuf_addf(x->rows, "%lld\n", x->base + n);
			break;
		}
	free(copy);
}

/* 1 when, for every word, MATCH gives exactly the rows whose text has it. */
static int consistent(struct fl_db *db, char *why, size_t len)
{
	for (size_t w = 0; w < NWORDS; w++) {
		struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
		struct expect x = { words[w], 0, &want };
		sqlite3_stmt *st = fl_db_prepare(db, "SELECT seq, json FROM records"
						     " WHERE deleted = 0 ORDER BY seq");
		while (fl_step(st)) {
			cJSON *rec = NULL;
			const char *json = fl_col_text(st, 1);
			x.base = sqlite3_column_int64(st, 0) * 1024;
			if (fl_json_parse(&rec, json, strlen(json)) == 0)
				fl_db_texts(rec, expect_text, &x);
			cJSON_Delete(rec);
		}
		sqlite3_finalize(st);
		st = fl_db_prepare(db, "SELECT rowid FROM search WHERE search MATCH :q ORDER BY rowid");
		fl_bind_text(st, ":q", words[w]);
		while (fl_step(st))
			strbuf_addf(&got, "%lld\n", (long long)sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
		int same = want.len == got.len && !memcmp(want.buf, got.buf, want.len);
		if (!same)
			snprintf(why, len, "'%s': want rows\n%sgot\n%s", words[w], want.buf ? want.buf : "",
				 got.buf ? got.buf : "");
		strbuf_release(&want);
		strbuf_release(&got);
		if (!same)
			return 0;
	}
	return 1;
}

int main(void)
{
	char dir[] = "/tmp/fieldlog-test-db.XXXXXX", why[4096] = "";
	struct fl_db *db;
	int present[NRECS] = { 0 }, rounds = 0, bad = 0;

	if (!mkdtemp(dir))
		return 1;
	char *file = xstrfmt("%s/index.db", dir);
	if (fl_db_open(&db, file, 1) < 0) {
		printf("not ok 1 - open: %s\n", fl_last_error());
		return 1;
	}
	int saved[NRECS], rolled_back = 0;
	for (int round = 0; round < 300 && !bad; round++, rounds++) {
		memcpy(saved, present, sizeof(saved));
		fl_db_begin(db);
		int full = round == 150 || round == 230;
		if (full) {
			/*
			 * A full rebuild in the middle, then edits again: once
			 * dropping the secondary indexes (a reindex), once
			 * keeping them (a clone).
			 */
			fl_db_clear_records(db);
			fl_db_set_fresh(db, 1, round == 150);
			memset(present, 0, sizeof(present));
			/* Two files with one id (a hostile repository): the last wins. */
			for (int twice = 0; twice < 2; twice++) {
				cJSON *r = record(1, 7 + twice, 0);
				cJSON_ReplaceItemInObjectCaseSensitive(r, "title",
					cJSON_CreateString(twice ? "dat dai" : "cong chuc"));
				char *text = fl_json_canonical(r), *path = path_of(1);
				fl_db_put_record(db, path, r, text);
				free(text);
				free(path);
				cJSON_Delete(r);
			}
			present[1] = 1;
		}
		for (unsigned ops = 1 + rnd(8); ops; ops--) {
			int i = (int)rnd(NRECS);
			char *path = path_of(i);
			if (present[i] && rnd(5) == 0 && !full) {
				fl_db_remove_path(db, path);
				present[i] = 0;
			} else if (!full || !present[i]) {
				cJSON *r = record(i, (int)rnd(3), rnd(6) == 0);
				char *text = fl_json_canonical(r);
				fl_db_put_record(db, path, r, text);
				free(text);
				cJSON_Delete(r);
				present[i] = 1;
			}
			free(path);
		}
		if (round % 9 == 4) {
			/* Given up: what it staged must go with it. */
			fl_db_rollback(db);
			memcpy(present, saved, sizeof(saved));
			rolled_back++;
			if (!consistent(db, why, sizeof(why)))
				bad = 1;
		} else if (fl_db_commit(db) < 0) {
			snprintf(why, sizeof(why), "commit: %s", fl_last_error());
			bad = 1;
		} else if (!consistent(db, why, sizeof(why))) {
			bad = 1;
		}
	}
	if (!OK(!bad && rolled_back > 30, "300 transactions of puts, edits, tombstones and"
		      " removals, some rolled back: the full-text index matches the records after each"))
		printf("#   after %d transactions: %s\n", rounds, why);
	sqlite3_stmt *idx = fl_db_prepare(db, "SELECT count(*) FROM sqlite_schema WHERE type ="
					  " 'index' AND name IN ('records_kind', 'records_author',"
					  " 'records_status', 'record_communes_commune')");
	OK(fl_step(idx) && sqlite3_column_int(idx, 0) == 4,
	   "the secondary indexes are there after both kinds of full rebuild");
	sqlite3_finalize(idx);
	fl_db_begin(db);
	fl_db_exec(db, "INSERT INTO search(search) VALUES ('integrity-check')");
	OK(fl_db_commit(db) == 0, "FTS5 integrity-check passes");
	fl_db_close(db);

	/*
	 * A full import counts the seqs it hands out in memory: the same
	 * records, put fresh and put one by one into an index that already
	 * holds a record, get the same seqs, through a minute's 64 slots
	 * filling and spilling over into the next minutes.
	 */
	struct fl_db *two[2] = { NULL, NULL };
	char *seqs[2] = { NULL, NULL };
	for (int fresh = 0; fresh < 2; fresh++) {
		char *f = xstrfmt("%s/seq%d.db", dir, fresh);
		struct strbuf got = STRBUF_INIT;
		if (fl_db_open(&two[fresh], f, 1) < 0)
			break;
		fl_db_begin(two[fresh]);
		if (fresh) {
			fl_db_clear_records(two[fresh]);
			fl_db_set_fresh(two[fresh], 1, 1);
		}
		for (int i = 0; i < 150; i++) {
			cJSON *r = record(i, i < 140 ? 0 : 2, 0);
			char *text = fl_json_canonical(r), *path = path_of(i);
			fl_db_put_record(two[fresh], path, r, text);
			free(text);
			free(path);
			cJSON_Delete(r);
		}
		fl_db_commit(two[fresh]);
		sqlite3_stmt *st = fl_db_prepare(two[fresh], "SELECT id, seq FROM records ORDER BY id");
		while (fl_step(st))
			strbuf_addf(&got, "%s=%lld ", fl_col_text(st, 0), (long long)sqlite3_column_int64(st, 1));
		sqlite3_finalize(st);
		seqs[fresh] = strbuf_detach(&got, NULL);
		fl_db_close(two[fresh]);
		free(f);
	}
	OK(seqs[0] && seqs[1] && !strcmp(seqs[0], seqs[1]) && strstr(seqs[1], "=1874446080 ") &&
	   strstr(seqs[1], "=1874446229 "),
	   "a fresh import hands out the seqs the index would: 140 records of one minute fill it"
	   " and the next two, and then share the third with its own records");
	free(seqs[0]);
	free(seqs[1]);

	/*
	 * A full import applies its texts in batches, each a segment of the
	 * full-text index; it must end with one, or every later save pays
	 * for merging them (three times slower saves after a clone).
	 */
	for (int rebuild = 1; rebuild >= 0; rebuild--) {
		struct fl_db *big = NULL;
		char *bigfile = xstrfmt("%s/big%d.db", dir, rebuild);
		long long segments = -1;
		if (fl_db_open(&big, bigfile, 1) == 0) {
			fl_db_set_bulk(big, 1);
			fl_db_begin(big);
			fl_db_clear_records(big);
			fl_db_set_fresh(big, 1, rebuild);
			for (int i = 0; i < 12000; i++) {
				cJSON *r = record(1, i % 60, 0);
				char id[48], *path;
				snprintf(id, sizeof(id), "01K000000000000000000%05u", (unsigned)i % 100000);
				cJSON_ReplaceItemInObjectCaseSensitive(r, "id", cJSON_CreateString(id));
				cJSON_ReplaceItemInObjectCaseSensitive(r, "title", cJSON_CreateString("dat dai"));
				cJSON_DeleteItemFromObjectCaseSensitive(r, "description");
				cJSON_DeleteItemFromObjectCaseSensitive(r, "comments");
				path = xstrfmt("00/an/issue/%s.json", id);
				char *text = fl_json_canonical(r);
				fl_db_put_record(big, path, r, text);
				free(text);
				free(path);
				cJSON_Delete(r);
			}
			fl_db_commit(big);
			fl_db_set_bulk(big, 0);
			sqlite3_stmt *st = fl_db_prepare(big, "SELECT count(DISTINCT segid) FROM search_idx");
			if (fl_step(st))
				segments = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
			fl_db_close(big);
		}
		free(bigfile);
		IS_INT(segments, 1, rebuild ? "a full import of 12,000 texts leaves the full-text"
		       " index in one segment" : "  ... and so does one that keeps the secondary indexes");
	}
	/*
	 * A failure that is not a bug, inside a transaction, is remembered:
	 * the commit rolls back and returns it (a save can then finish or
	 * undo its work) instead of the process dying mid-transaction.
	 */
	{
		struct fl_db *t = NULL;
		char *tf = xstrfmt("%s/tx.db", dir), *v;
		OK(fl_db_open(&t, tf, 1) == 0, "a new index opens");
		fl_db_begin(t);
		fl_db_meta_set(t, "a", "1");
		fl_db_exec(t, "INSERT INTO meta(key, value) VALUES ('b', NULL)");
		IS_INT(fl_db_commit(t), FL_EDBCORRUPT, "a failed statement inside a transaction:"
		       " the commit returns it");
		v = fl_db_meta_get(t, "a");
		OK(!v, "  ... and the transaction's other writes are rolled back");
		free(v);
		OK(!strstr(fl_last_error(), "INSERT"), "  ... and its message has no SQL");
		fl_db_close(t);

		/* One byte of the header (18: the write version), then the magic. */
		static const long offsets[] = { 18, 21, 0 };
		for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
			FILE *f = fopen(tf, "r+b");
			int c;
			fseek(f, offsets[i], SEEK_SET);
			c = fgetc(f);
			fseek(f, offsets[i], SEEK_SET);
			fputc(c ^ 0xff, f);
			fclose(f);
			t = NULL;
			char *what = xstrfmt("a flipped byte at offset %ld: FL_EDBCORRUPT at open",
					     offsets[i]);
			IS_INT(fl_db_open(&t, tf, 1), FL_EDBCORRUPT, what);
			free(what);
			fl_db_close(t);
		}
		free(tf);

		/* A valid SQLite file of someone else's. */
		sqlite3 *h;
		tf = xstrfmt("%s/other.db", dir);
		sqlite3_open(tf, &h);
		sqlite3_exec(h, "CREATE TABLE t(x)", NULL, NULL, NULL);
		sqlite3_close(h);
		t = NULL;
		IS_INT(fl_db_open(&t, tf, 1), FL_EDBCORRUPT, "another program's database is not"
		       " taken for an index");
		fl_db_close(t);
		free(tf);
	}
	char *cmd = xstrfmt("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
	free(file);
	return tap_done();
}
