/*
 * import.c: tree differences into the index, with every file checked as
 * untrusted input. See import.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "import.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/text.h"

int fl_check_record(cJSON **out, const char *path, unsigned mode,
		    const char *buf, size_t len)
{
	char author[65], kind[16], id[27];
	cJSON *rec = NULL;
	int e;

	*out = NULL;
	if (mode != GIT_FILEMODE_BLOB)
		return fl_error(FL_EINVALID, mode == GIT_FILEMODE_LINK ? "a symbolic link" :
				mode == GIT_FILEMODE_COMMIT ? "a submodule" :
				mode == GIT_FILEMODE_BLOB_EXECUTABLE ? "an executable file" :
				"not a regular file");
	if (!fl_record_path_parse(path, author, kind, id))
		return fl_error(FL_EINVALID, "not a record path (<author>/<kind>/<shard>/<ID>.json)");
	if (len > FL_RECORD_MAX)
		return fl_error(FL_EINVALID, "%zu bytes, over the limit of %d", len, FL_RECORD_MAX);
	if ((e = fl_json_parse(&rec, buf, len)) < 0)
		return e;
	if ((e = fl_record_validate(rec)) < 0)
		goto bad;
	/*
	 * Canonical: the bytes are what we would write for this tree. (The
	 * validation above has already checked every string is NFC.) One
	 * serialisation instead of fl_json_is_canonical's second parse.
	 */
	{
		struct strbuf canon = STRBUF_INIT;
		fl_json_write(&canon, rec, 1);
		int same = canon.len == len && !memcmp(canon.buf, buf, len);
		strbuf_release(&canon);
		if (!same) {
			e = fl_error(FL_EINVALID, "not in canonical form");
			goto bad;
		}
	}
	if (strcmp(fl_json_str(rec, "id"), id)) {
		e = fl_error(FL_EINVALID, "id '%s' does not match the file name", fl_json_str(rec, "id"));
		goto bad;
	}
	if (strcmp(fl_json_str(rec, "author"), author)) {
		e = fl_error(FL_EINVALID, "author '%s' does not match the directory '%s'",
			     fl_json_str(rec, "author"), author);
		goto bad;
	}
	if (strcmp(fl_json_str(rec, "kind"), kind)) {
		e = fl_error(FL_EINVALID, "kind '%s' does not match the directory '%s'",
			     fl_json_str(rec, "kind"), kind);
		goto bad;
	}
	*out = rec;
	return 0;
bad:
	cJSON_Delete(rec);
	return e;
}

struct ctx {
	struct fl_db *db;
	struct fl_store *s;
	struct fl_import_stats *st;
	struct strbuf buf;
};

static int one(void *p, const char *path, const git_oid *old_blob,
	       const git_oid *new_blob, unsigned mode)
{
	struct ctx *c = p;
	cJSON *rec = NULL;

	if (!new_blob) {
		fl_db_remove_path(c->db, path);
		c->st->removed++;
		return 0;
	}
	strbuf_reset(&c->buf);
	if (!strcmp(path, "roster.json")) {
		if (mode == GIT_FILEMODE_BLOB &&
		    fl_store_read_blob(&c->buf, c->s, new_blob, FL_RECORD_MAX * 4) == 0 &&
		    fl_utf8_valid(c->buf.buf, c->buf.len))
			fl_db_meta_set(c->db, "roster", c->buf.buf);
		return 0;
	}
	if (mode != GIT_FILEMODE_BLOB) {
		fl_db_skip(c->db, path, mode == GIT_FILEMODE_LINK ? "a symbolic link" :
			   mode == GIT_FILEMODE_COMMIT ? "a submodule" : "not a regular file");
		c->st->skipped++;
		return 0;
	}
	if (fl_store_read_blob(&c->buf, c->s, new_blob, FL_RECORD_MAX) < 0 ||
	    fl_check_record(&rec, path, mode, c->buf.buf, c->buf.len) < 0) {
		fl_db_skip(c->db, path, fl_last_error());
		c->st->skipped++;
		return 0;
	}
	fl_db_put_record(c->db, path, rec, c->buf.buf);
	if (old_blob)
		c->st->changed++;
	else
		c->st->added++;
	cJSON_Delete(rec);
	return 0;
}

int fl_indexed_commit(git_oid *out, struct fl_db *db)
{
	char *hex = fl_db_meta_get(db, "indexed_commit");
	int e = hex && git_oid_fromstr(out, hex) == 0 ? 0 : FL_ENOTFOUND;
	free(hex);
	return e;
}

int fl_import(struct fl_db *db, struct fl_store *s, const git_oid *from,
	      const git_oid *to, struct fl_import_stats *stats)
{
	struct fl_import_stats local = { 0, 0, 0, 0 };
	struct ctx c = { db, s, stats ? stats : &local, STRBUF_INIT };
	char hex[GIT_OID_HEXSZ + 1];
	int e;

	if ((e = fl_db_begin(db)) < 0)
		return e;
	if (!from) {
		fl_db_clear_records(db);
		fl_db_set_fresh(db, 1);
	}
	e = fl_store_diff(s, from, to, one, &c);
	strbuf_release(&c.buf);
	if (e < 0) {
		fl_db_rollback(db);
		return e;
	}
	git_oid_tostr(hex, sizeof(hex), to);
	fl_db_meta_set(db, "indexed_commit", hex);
	return fl_db_commit(db);
}
