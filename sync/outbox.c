/*
 * outbox.c: saves waiting to become commits. See outbox.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"
#include "schema/json.h"

/* An outbox bigger than this is not ours (a save is at most FL_RECORD_MAX). */
#define OUTBOX_MAX ((size_t)1 << 30)

long long fl_outbox_size(const char *dir)
{
	char *path = xstrfmt("%s/outbox", dir);
	struct stat st;
	long long n = stat(path, &st) == 0 ? (long long)st.st_size : 0;
	free(path);
	return n;
}

size_t fl_outbox_count(const char *dir)
{
	char *path = xstrfmt("%s/outbox", dir);
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;
	if (strbuf_read_file(&sb, path, OUTBOX_MAX) == 0)
		for (size_t i = 0; i < sb.len; i++)
			n += sb.buf[i] == '\n';
	fl_clear_error();
	strbuf_release(&sb);
	free(path);
	return n;
}

int fl_outbox_stale(const char *dir, struct fl_db *db)
{
	char *mark = xstrfmt("%s/outbox.mark", dir);
	char *have = fl_db_meta_get(db, "outbox_size");
	int stale = access(mark, F_OK) == 0 ||
		    (have ? atoll(have) : 0) != fl_outbox_size(dir);
	free(have);
	free(mark);
	return stale;
}

/* Makes the names in dir (created, renamed, removed) durable. */
static void sync_dir(const char *dir)
{
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d >= 0) {
		fsync(d);
		close(d);
	}
}

int fl_outbox_add(const char *dir, const char *path, const char *text,
		  const char *message, const struct fl_sig *sig, long long *size)
{
	char *file = xstrfmt("%s/outbox", dir);
	cJSON *o = cJSON_CreateObject();
	struct stat st;
	char *line;
	int fd, e = 0, created;

	cJSON_AddStringToObject(o, "path", path);
	cJSON_AddStringToObject(o, "text", text);
	cJSON_AddStringToObject(o, "message", message);
	cJSON_AddStringToObject(o, "name", sig->name);
	cJSON_AddStringToObject(o, "email", sig->email);
	cJSON_AddNumberToObject(o, "time", (double)sig->when);
	cJSON_AddNumberToObject(o, "tz", sig->offset);
	line = cJSON_PrintUnformatted(o);   /* one line: newlines are escaped */
	cJSON_Delete(o);
	if (!line)
		fl_die("out of memory");

	created = stat(file, &st) < 0;
	fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st) < 0) {
		e = fl_error(FL_ERROR, "cannot open '%s': %s", file, strerror(errno));
		goto done;
	}
	/* A line torn by a crash was never acknowledged: cut it off first. */
	if (st.st_size > 0) {
		char c = 0;
		if (pread(fd, &c, 1, st.st_size - 1) == 1 && c != '\n') {
			struct strbuf sb = STRBUF_INIT;
			if (strbuf_read_fd(&sb, fd, OUTBOX_MAX) == 0) {
				size_t k = sb.len;
				while (k && sb.buf[k - 1] != '\n')
					k--;
				st.st_size = (off_t)k;
			}
			strbuf_release(&sb);
			if (ftruncate(fd, st.st_size) < 0) {
				e = fl_error(FL_ERROR, "cannot repair '%s': %s", file, strerror(errno));
				goto done;
			}
		}
	}
	size_t len = strlen(line);
	line[len] = '\n';   /* over the terminator: written with its length */
	if (pwrite(fd, line, len + 1, st.st_size) != (ssize_t)(len + 1) || fdatasync(fd) < 0) {
		e = fl_error(FL_ERROR, "cannot write '%s': %s", file, strerror(errno));
		/* Else the torn line is cut off by the next save. */
		int r = ftruncate(fd, st.st_size);
		(void)r;
		goto done;
	}
	*size = (long long)st.st_size + (long long)len + 1;
	if (created)
		sync_dir(dir);   /* the new name must be on disk too */
done:
	if (fd >= 0)
		close(fd);
	cJSON_free(line);
	free(file);
	return e;
}

/* Reads path into sb: 1, or 0 when there is no such file (not an error). */
static int read_if_any(struct strbuf *sb, const char *path, size_t limit)
{
	int e = strbuf_read_file(sb, path, limit);
	if (e == FL_ENOTFOUND) {
		fl_clear_error();
		return 0;
	}
	return e < 0 ? e : 1;
}

struct save {
	cJSON *o;
	const char *path, *text, *message, *name, *email;
	long long time;
	int tz;
};

/*
 * Reads the complete lines of the outbox; *used gets the bytes they cover.
 * A damaged line (we write whole lines only: a disk error, or a hand edit)
 * is an error, and the flush commits nothing until it is mended: the file
 * stays as it is for a person to look at.
 */
static int read_saves(const char *dir, struct save **out, size_t *n, size_t *used)
{
	char *file = xstrfmt("%s/outbox", dir);
	struct strbuf sb = STRBUF_INIT;
	struct save *v = NULL;
	size_t nv = 0, av = 0, pos = 0;
	int e = read_if_any(&sb, file, OUTBOX_MAX), lineno = 0;

	*out = NULL;
	*n = *used = 0;
	if (e <= 0)
		goto done;
	e = 0;
	while (pos < sb.len) {
		char *nl = memchr(sb.buf + pos, '\n', sb.len - pos);
		struct save s;
		if (!nl)
			break;   /* torn by a crash: never acknowledged */
		lineno++;
		memset(&s, 0, sizeof(s));
		if (fl_json_parse(&s.o, sb.buf + pos, (size_t)(nl - sb.buf) - pos) < 0 ||
		    !(s.path = fl_json_str(s.o, "path")) || !(s.text = fl_json_str(s.o, "text")) ||
		    !(s.message = fl_json_str(s.o, "message")) ||
		    !(s.name = fl_json_str(s.o, "name")) || !(s.email = fl_json_str(s.o, "email")) ||
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s.o, "time")) ||
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s.o, "tz"))) {
			cJSON_Delete(s.o);
			e = fl_error(FL_ERROR, "'%s' line %d is damaged: mend or remove that "
				     "line (saves waiting there are not committed until then)",
				     file, lineno);
			break;
		}
		s.time = (long long)cJSON_GetObjectItemCaseSensitive(s.o, "time")->valuedouble;
		s.tz = (int)cJSON_GetObjectItemCaseSensitive(s.o, "tz")->valuedouble;
		if (nv == av) {
			av = av ? 2 * av : 16;
			v = xrealloc(v, av * sizeof(*v));
		}
		v[nv++] = s;
		pos = (size_t)(nl - sb.buf) + 1;
	}
	*used = pos;
done:
	*out = v;
	*n = nv;
	strbuf_release(&sb);
	free(file);
	return e;
}

static void free_saves(struct save *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(v[i].o);
	free(v);
}

/* Drops the first `bytes` of the outbox (saves now in the repository). */
static int drop(const char *dir, size_t bytes)
{
	char *file = xstrfmt("%s/outbox", dir);
	struct strbuf sb = STRBUF_INIT;
	int e = read_if_any(&sb, file, OUTBOX_MAX);

	if (e == 1 && sb.len <= bytes) {
		e = unlink(file) < 0 ? fl_error(FL_ERROR, "cannot remove '%s': %s", file,
						strerror(errno)) : 0;
	} else if (e == 1) {
		e = fl_write_file_atomic(file, sb.buf + bytes, sb.len - bytes);
	}
	/* Before the mark goes: else a power cut could keep this undone and not the mark. */
	if (e == 0)
		sync_dir(dir);
	strbuf_release(&sb);
	free(file);
	return e;
}

/* Puts the records of the saves into the index, which now reflects target. */
static int index_saves(struct fl_db *db, const struct save *v, size_t n, const git_oid *target,
		   const git_oid *base, const char *dir)
{
	char hex[GIT_OID_HEXSZ + 1], size[32];
	git_oid indexed;
	int e;

	if ((e = fl_db_begin(db)) < 0)
		return e;
	for (size_t i = 0; i < n; i++) {
		cJSON *rec = NULL;
		if (fl_json_parse(&rec, v[i].text, strlen(v[i].text)) == 0)
			fl_db_put_record(db, v[i].path, rec, v[i].text);
		cJSON_Delete(rec);
	}
	/* The index reflected the old head: it now reflects the new one. */
	int have = fl_indexed_commit(&indexed, db) == 0;
	if (target && (base ? have && git_oid_equal(&indexed, base) : !have)) {
		git_oid_tostr(hex, sizeof(hex), target);
		fl_db_meta_set(db, "indexed_commit", hex);
	}
	snprintf(size, sizeof(size), "%lld", fl_outbox_size(dir));
	char *had = fl_db_meta_get(db, "outbox_size");
	if (!had || strcmp(had, size))
		fl_db_meta_set(db, "outbox_size", size);
	free(had);
	if ((e = fl_db_commit(db)) < 0)
		fl_db_rollback(db);
	fl_clear_error();
	return e;
}

/* An earlier flush stopped after its mark: finish it, or forget it. */
static int recover(const char *dir, struct fl_store *s)
{
	char *mark = xstrfmt("%s/outbox.mark", dir);
	struct strbuf sb = STRBUF_INIT;
	git_oid target, head;
	unsigned long long bytes;
	int e = read_if_any(&sb, mark, 256);

	if (e <= 0)
		goto done;
	e = 0;
	if (sb.len > GIT_OID_HEXSZ + 1 && git_oid_fromstrn(&target, sb.buf, GIT_OID_HEXSZ) == 0 &&
	    sscanf(sb.buf + GIT_OID_HEXSZ, " %llu", &bytes) == 1 &&
	    fl_store_ref(&head, s, FL_BRANCH) == 0 && git_oid_equal(&head, &target) &&
	    (e = drop(dir, (size_t)bytes)) < 0)
		goto done;
	fl_clear_error();
	if (unlink(mark) < 0)
		e = fl_error(FL_ERROR, "cannot remove '%s': %s", mark, strerror(errno));
done:
	strbuf_release(&sb);
	free(mark);
	return e;
}

int fl_outbox_flush(const char *dir, struct fl_db *db, struct fl_store *s, size_t *n)
{
	git_oid head, cur;
	struct save *v;
	size_t nv, used, i;
	int have_head, e;

	if (n)
		*n = 0;
	if ((e = recover(dir, s)) < 0)
		return e;
	have_head = fl_store_ref(&head, s, FL_BRANCH) == 0;
	fl_clear_error();
	if ((e = read_saves(dir, &v, &nv, &used)) < 0 || nv == 0) {
		if (e == 0 && db)
			e = index_saves(db, NULL, 0, NULL, NULL, dir);
		free_saves(v, nv);
		return e;
	}
	if (have_head)
		git_oid_cpy(&cur, &head);
	if ((e = fl_store_batch_begin(s)) < 0)
		goto done;
	for (i = 0; i < nv; i++) {
		struct fl_write w = { v[i].path, v[i].text, strlen(v[i].text) };
		struct fl_sig sig = { v[i].name, v[i].email, v[i].time, v[i].tz };
		git_oid next;
		int parent = i || have_head;
		if ((e = fl_store_commit(&next, s, NULL, parent ? &cur : NULL, parent ? 1 : 0,
					 &w, 1, v[i].message, &sig)) < 0)
			break;
		git_oid_cpy(&cur, &next);
	}
	/* All the commits' objects as one pack, on disk before the mark. */
	if (e < 0) {
		fl_store_batch_end(s, 0);
		goto done;
	}
	if ((e = fl_store_batch_end(s, 1)) < 0)
		goto done;
	fl_trace("outbox: objects written");

	char *mark = xstrfmt("%s/outbox.mark", dir), hex[GIT_OID_HEXSZ + 1];
	char *text = xstrfmt("%s %zu\n", git_oid_tostr(hex, sizeof(hex), &cur), used);
	e = fl_write_file_atomic(mark, text, strlen(text));
	free(text);
	if (e == 0)
		sync_dir(dir);   /* the mark is on disk before the ref moves */
	fl_trace("outbox: marked");
	if (e == 0 && (e = fl_store_set_ref(s, FL_BRANCH, &cur, have_head ? &head : NULL,
					    nv == 1 ? "save" : "saves")) < 0)
		unlink(mark);
	free(mark);
	if (e < 0)
		goto done;
	fl_trace("outbox: %zu committed", nv);
	if (n)
		*n = nv;
	if ((e = recover(dir, s)) == 0 && db)
		e = index_saves(db, v, nv, &cur, have_head ? &head : NULL, dir);
done:
	free_saves(v, nv);
	return e;
}
