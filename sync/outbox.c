/*
 * outbox.c: saves waiting to become commits. See outbox.h.
 *
 * The outbox is read back after anything a laptop in the field meets: a
 * crash in the middle of a save, a cut file, a bad sector, a user who
 * deletes what looks like a cache. A save that printed "saved" must never
 * vanish without a word, so each line is framed and the saves that were
 * confirmed are counted in a second file.
 *
 * A line is `~CRC LEN PAYLOAD\n`: CRC the CRC-32 (zlib) of PAYLOAD as 8
 * lowercase hex digits, LEN its length in bytes, PAYLOAD one JSON object
 * (seq, path, text, message, name, email, time, tz). seq numbers the saves
 * of a workspace 1, 2, 3, ... and never goes back, so that a line tells
 * which save it is wherever it stands. Lines written before the frame
 * existed are bare JSON objects without seq ("legacy"); they are read as
 * before and always come first.
 *
 * `outbox.confirmed` holds `C S BYTES CRC`: saves 1..C are commits, saves
 * C+1..S were confirmed (each written and fsync'd before "saved" was
 * printed), and the outbox then had BYTES bytes. A save appends its line,
 * fsyncs it, then rewrites that record in place and fsyncs it. Within the
 * index's transaction that follows, fl_outbox_remember keeps a copy of the
 * framed line in index.db (meta `outbox:SEQ`), dropped once it is a commit.
 * So each confirmed save lives in two files: the outbox and index.db.
 *
 * Reading (the rule the flush follows):
 * - a whole line whose frame and CRC check out is that save;
 * - every seq from C+1 to the larger of S and the highest intact seq must
 *   be there. One that is not (cut off, corrupted, the outbox deleted) is
 *   taken from the PAYLOAD of a damaged line when that payload is whole
 *   and matches the line's CRC (only the frame or the newline was hit),
 *   else from its copy in index.db (whose own frame must check out). Each
 *   recovery is said in one line on stderr after the commits are made;
 * - one that cannot be recovered stops the flush with one line naming the
 *   save and the mend; nothing is committed or dropped until it is mended;
 * - a fragment after the last newline that is not a confirmed save was
 *   torn by a crash before its "saved": it is dropped;
 * - a damaged whole line when no confirmed save is missing, or when the
 *   confirmation record is gone and the line does not lie between two
 *   intact lines, cannot be accounted for: the flush stops and names it.
 * Without `outbox.confirmed` (lost, damaged, or an older workspace) the
 * outbox alone is trusted, as before the frame. Deleting index.db loses
 * only the copies; deleting the outbox is mended from them.
 *
 * A flush commits the saves in order, writes `outbox.mark` (the commit it
 * publishes, the bytes and the last seq it covers), moves the ref, then
 * drops the lines up to that seq and records C = that seq. Dropping by seq
 * is idempotent, so a crash anywhere is finished or redone by the next
 * flush, and no save is committed twice.
 */
#define _POSIX_C_SOURCE 200809L
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "import.h"
#include "schema/json.h"

/* An outbox bigger than this is not ours (a save is at most FL_RECORD_MAX). */
#define OUTBOX_MAX ((size_t)1 << 30)
/* `outbox:` and seq zero-padded to 20 digits, so keys sort as numbers. */
#define COPY_PREFIX "outbox:"
#define COPY_FMT COPY_PREFIX "%020llu"

typedef unsigned long long seq_t;

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

/* Makes the names in dir (created, renamed, removed) durable. */
static void sync_dir(const char *dir)
{
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d >= 0) {
		fsync(d);
		close(d);
	}
}

static uint32_t crc_of(const char *p, size_t len)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)p, (uInt)len);
}

/* --- the confirmation record ------------------------------------------- */

struct confirmed {
	int have;	/* 0: absent or damaged; the outbox alone is trusted */
	seq_t c, s;	/* saves 1..c committed, c+1..s confirmed */
	long long bytes;	/* the outbox's size when s was confirmed */
};

/* Fixed width: a save rewrites it in place with one pwrite. */
static size_t confirmed_format(char *buf, size_t n, const struct confirmed *cf)
{
	int k = snprintf(buf, n, "%020llu %020llu %020lld ", cf->c, cf->s, cf->bytes);
	k += snprintf(buf + k, n - (size_t)k, "%08" PRIx32 "\n", crc_of(buf, (size_t)k));
	return (size_t)k;
}

static void confirmed_read(struct confirmed *cf, const char *dir)
{
	char *path = xstrfmt("%s/outbox.confirmed", dir), buf[128], again[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	struct confirmed r = { 1, 0, 0, 0 };

	memset(cf, 0, sizeof(*cf));
	if (fd >= 0)
		close(fd);
	free(path);
	if (n <= 0)
		return;
	buf[n] = 0;
	if (sscanf(buf, "%llu %llu %lld", &r.c, &r.s, &r.bytes) != 3 || r.c > r.s ||
	    r.bytes < 0)
		return;
	/* The CRC catches a changed digit that would still parse. */
	if (confirmed_format(again, sizeof(again), &r) == (size_t)n && !memcmp(again, buf, (size_t)n))
		*cf = r;
}

/* Rewrites the record in place and syncs it (a save: one write, one fsync). */
static int confirmed_write(const char *dir, const struct confirmed *cf)
{
	char *path = xstrfmt("%s/outbox.confirmed", dir), buf[128];
	size_t len = confirmed_format(buf, sizeof(buf), cf);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), e = 0;

	if (fd < 0 || pwrite(fd, buf, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0 ||
	    fdatasync(fd) < 0)
		e = fl_error(FL_ERROR, "cannot write '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(path);
	return e;
}

/* --- reading lines ------------------------------------------------------ */

struct save {
	cJSON *o;
	const char *path, *text, *message, *name, *email;
	long long time;
	int tz;
	seq_t seq;	/* 0: a legacy line */
	int owned;	/* recovered: not held by a scan's line */
};

/* Fills s from a payload; framed payloads must carry their seq. 0 or -1. */
static int parse_payload(struct save *s, const char *p, size_t len, int framed)
{
	cJSON *seq;
	memset(s, 0, sizeof(*s));
	if (fl_json_parse(&s->o, p, len) < 0 || !cJSON_IsObject(s->o) ||
	    !(s->path = fl_json_str(s->o, "path")) || !(s->text = fl_json_str(s->o, "text")) ||
	    !(s->message = fl_json_str(s->o, "message")) ||
	    !(s->name = fl_json_str(s->o, "name")) || !(s->email = fl_json_str(s->o, "email")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s->o, "time")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s->o, "tz")))
		goto bad;
	s->time = (long long)cJSON_GetObjectItemCaseSensitive(s->o, "time")->valuedouble;
	s->tz = (int)cJSON_GetObjectItemCaseSensitive(s->o, "tz")->valuedouble;
	seq = cJSON_GetObjectItemCaseSensitive(s->o, "seq");
	if (framed) {
		if (!cJSON_IsNumber(seq) || seq->valuedouble < 1)
			goto bad;
		s->seq = (seq_t)seq->valuedouble;
	} else if (seq) {
		goto bad;
	}
	fl_clear_error();
	return 0;
bad:
	fl_clear_error();
	cJSON_Delete(s->o);
	memset(s, 0, sizeof(*s));
	return -1;
}

/* The CRC in a frame's header, when its 8 hex digits are readable. */
static int frame_crc(uint32_t *out, const char *p, size_t len)
{
	uint32_t v = 0;
	if (len < 10 || p[0] != '~' || p[9] != ' ')
		return -1;
	for (int i = 1; i <= 8; i++) {
		int c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* A whole framed line (without its newline): 0 and s filled, or -1. */
static int parse_frame(struct save *s, const char *p, size_t len)
{
	uint32_t crc;
	size_t i = 10, n = 0;
	if (frame_crc(&crc, p, len) < 0)
		return -1;
	for (; i < len && p[i] >= '0' && p[i] <= '9' && i < 20; i++)
		n = n * 10 + (size_t)(p[i] - '0');
	if (i == 10 || i >= len || p[i] != ' ' || len - i - 1 != n ||
	    crc_of(p + i + 1, n) != crc)
		return -1;
	return parse_payload(s, p + i + 1, n, 1);
}

/*
 * A damaged line whose payload survived: from its first '{' to its end,
 * a whole save whose CRC is the one the header still shows. 0 or -1.
 */
static int salvage(struct save *s, const char *p, size_t len)
{
	const char *b = memchr(p, '{', len);
	uint32_t crc;
	if (!b || frame_crc(&crc, p, len) < 0 || crc_of(b, len - (size_t)(b - p)) != crc)
		return -1;
	return parse_payload(s, b, len - (size_t)(b - p), 1);
}

enum { L_LEGACY, L_FRAMED, L_DAMAGED };

struct line {
	size_t start, end;	/* end: before the newline */
	int whole;		/* ended by a newline */
	int kind;
	struct save s;		/* L_LEGACY, L_FRAMED */
};

struct scan {
	struct strbuf sb;
	struct line *v;
	size_t n, alloc;
	struct confirmed cf;
};

static void scan_release(struct scan *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		cJSON_Delete(sc->v[i].s.o);
	free(sc->v);
	strbuf_release(&sc->sb);
	memset(sc, 0, sizeof(*sc));
}

/* Reads DIR's outbox and confirmation record into sc. 0 or an error. */
static int scan_read(struct scan *sc, const char *dir)
{
	char *file = xstrfmt("%s/outbox", dir);
	int e;
	size_t pos = 0;

	memset(sc, 0, sizeof(*sc));
	strbuf_init(&sc->sb);
	confirmed_read(&sc->cf, dir);
	e = strbuf_read_file(&sc->sb, file, OUTBOX_MAX);
	free(file);
	if (e == FL_ENOTFOUND) {
		fl_clear_error();
		return 0;
	}
	if (e < 0)
		return e;
	while (pos < sc->sb.len) {
		char *p = sc->sb.buf + pos, *nl = memchr(p, '\n', sc->sb.len - pos);
		size_t len = nl ? (size_t)(nl - p) : sc->sb.len - pos;
		struct line l = { pos, pos + len, nl != NULL, L_DAMAGED, { 0 } };
		if (l.whole && parse_frame(&l.s, p, len) == 0)
			l.kind = L_FRAMED;
		else if (l.whole && len && *p == '{' && parse_payload(&l.s, p, len, 0) == 0)
			l.kind = L_LEGACY;
		FL_ALLOC_GROW(sc->v, sc->n + 1, sc->alloc);
		sc->v[sc->n++] = l;
		pos += len + (nl != NULL);
	}
	return 0;
}

/* --- adding ------------------------------------------------------------- */

/*
 * Checks an outbox that is not as the last save left it (a torn write, a
 * confirmation record lost, or damage): *next gets the seq of the next
 * save, *keep the bytes to keep (up to the last whole line), *c the
 * committed count to record. An error when a confirmed save is missing or
 * a whole line is damaged: the next sync recovers or explains it.
 */
static int check_for_add(const struct scan *sc, const char *file, seq_t *next, size_t *keep,
			 seq_t *c)
{
	seq_t lo = sc->cf.have ? sc->cf.c + 1 : 0, hi = sc->cf.have ? sc->cf.s : 0, want;
	seq_t first = 0, last = 0;
	*keep = 0;
	for (size_t i = 0; i < sc->n; i++) {
		const struct line *l = &sc->v[i];
		if (l->kind == L_DAMAGED && l->whole)
			return fl_error(FL_ERROR, "'%s' line %zu is damaged: run 'fieldlog sync' "
					"to recover or explain it before saving again", file, i + 1);
		if (l->whole)
			*keep = l->end + 1;
		if (l->kind == L_FRAMED) {
			if (!first)
				first = l->s.seq;
			last = l->s.seq;
		}
	}
	if (!sc->cf.have) {
		lo = first ? first : 1;
		*c = first ? first - 1 : 0;
	} else {
		*c = sc->cf.c;
	}
	/* Every confirmed save not yet committed must be a whole line. */
	want = lo;
	for (size_t i = 0; i < sc->n; i++) {
		const struct line *l = &sc->v[i];
		if (l->kind != L_FRAMED || l->s.seq < lo)
			continue;
		if (l->s.seq != want)
			break;
		want++;
	}
	if (want <= hi)
		return fl_error(FL_ERROR, "'%s' lost confirmed save %llu: run 'fieldlog sync' "
				"to recover it before saving again", file, want);
	*next = (last > hi ? last : hi) + 1;
	if (*next < want)
		*next = want;
	return 0;
}

int fl_outbox_add(const char *dir, const char *path, const char *text,
		  const char *message, const struct fl_sig *sig, long long *size)
{
	char *file = xstrfmt("%s/outbox", dir);
	struct scan sc = { STRBUF_INIT, NULL, 0, 0, { 0 } };
	struct confirmed cf;
	cJSON *o = NULL;
	struct strbuf line = STRBUF_INIT;
	struct stat st;
	char *payload = NULL;
	seq_t next = 1, c = 0;
	off_t at;
	int fd = -1, e = 0, created;

	confirmed_read(&cf, dir);
	created = stat(file, &st) < 0;
	fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st) < 0) {
		e = fl_error(FL_ERROR, "cannot open '%s': %s", file, strerror(errno));
		goto done;
	}
	if (cf.have && st.st_size == cf.bytes) {
		/* As the last save left it: nothing to read. */
		next = cf.s + 1;
		c = cf.c;
		at = st.st_size;
	} else {
		size_t keep;
		if ((e = scan_read(&sc, dir)) < 0 ||
		    (e = check_for_add(&sc, file, &next, &keep, &c)) < 0)
			goto done;
		/* A torn line was never confirmed: cut it off first. */
		at = (off_t)keep;
		if (at != st.st_size && ftruncate(fd, at) < 0) {
			e = fl_error(FL_ERROR, "cannot repair '%s': %s", file, strerror(errno));
			goto done;
		}
	}

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "seq", (double)next);
	cJSON_AddStringToObject(o, "path", path);
	cJSON_AddStringToObject(o, "text", text);
	cJSON_AddStringToObject(o, "message", message);
	cJSON_AddStringToObject(o, "name", sig->name);
	cJSON_AddStringToObject(o, "email", sig->email);
	cJSON_AddNumberToObject(o, "time", (double)sig->when);
	cJSON_AddNumberToObject(o, "tz", sig->offset);
	payload = cJSON_PrintUnformatted(o);   /* one line: newlines are escaped */
	if (!payload)
		fl_die("out of memory");
	size_t plen = strlen(payload);
	strbuf_addf(&line, "~%08" PRIx32 " %zu ", crc_of(payload, plen), plen);
	strbuf_add(&line, payload, plen);
	strbuf_addch(&line, '\n');
	if (pwrite(fd, line.buf, line.len, at) != (ssize_t)line.len || fdatasync(fd) < 0) {
		e = fl_error(FL_ERROR, "cannot write '%s': %s", file, strerror(errno));
		/* Else the torn line is cut off by the next save. */
		int r = ftruncate(fd, at);
		(void)r;
		goto done;
	}
	/* The save is confirmed once this is on disk, before "saved" is printed. */
	struct confirmed now = { 1, c, next, (long long)at + (long long)line.len };
	if ((e = confirmed_write(dir, &now)) < 0)
		goto done;
	*size = now.bytes;
	if (created || !cf.have)
		sync_dir(dir);   /* the new names must be on disk too */
done:
	if (fd >= 0)
		close(fd);
	cJSON_Delete(o);
	cJSON_free(payload);
	strbuf_release(&line);
	scan_release(&sc);
	free(file);
	return e;
}

void fl_outbox_remember(struct fl_db *db, const char *dir)
{
	char *file = xstrfmt("%s/outbox", dir), key[64];
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	size_t want = 8192;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 2)
		goto done;
	/* Only the last line: read back from the end until its start. */
	for (;;) {
		size_t n = (size_t)st.st_size < want ? (size_t)st.st_size : want;
		strbuf_reset(&sb);
		strbuf_grow(&sb, n);
		if (pread(fd, sb.buf, n, st.st_size - (off_t)n) != (ssize_t)n)
			goto done;
		strbuf_setlen(&sb, n);
		if (sb.buf[n - 1] != '\n')
			goto done;
		char *p = sb.buf + n - 1;
		while (p > sb.buf && p[-1] != '\n')
			p--;
		if (p > sb.buf || n == (size_t)st.st_size) {
			struct save s;
			size_t len = (size_t)(sb.buf + n - 1 - p);
			if (parse_frame(&s, p, len) == 0) {
				p[len] = 0;
				snprintf(key, sizeof(key), COPY_FMT, s.seq);
				fl_db_meta_set(db, key, p);
				cJSON_Delete(s.o);
			}
			break;
		}
		if (want > OUTBOX_MAX)
			break;
		want *= 4;
	}
done:
	if (fd >= 0)
		close(fd);
	strbuf_release(&sb);
	free(file);
}

int fl_outbox_stale(const char *dir, struct fl_db *db)
{
	char *mark = xstrfmt("%s/outbox.mark", dir);
	char *have = fl_db_meta_get(db, "outbox_size");
	long long size = fl_outbox_size(dir);
	struct confirmed cf;
	int stale = access(mark, F_OK) == 0 || (have ? atoll(have) : 0) != size;
	/* Confirmed saves waiting and no outbox: the flush must see to them. */
	if (!stale && size == 0) {
		confirmed_read(&cf, dir);
		stale = cf.have && cf.s > cf.c;
	}
	free(have);
	free(mark);
	return stale;
}

/* --- flushing ----------------------------------------------------------- */

/* What a flush will commit, in order; the saves are borrowed or owned. */
struct plan {
	struct save *v;
	size_t n, alloc;
	seq_t last;		/* the highest seq committed (0: legacy only) */
	size_t from_text, from_index;
};

static void plan_add(struct plan *p, const struct save *s)
{
	FL_ALLOC_GROW(p->v, p->n + 1, p->alloc);
	p->v[p->n++] = *s;
}

/* Frees what the plan owns (recovered saves); the rest belongs to the scan. */
static void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].owned)
			cJSON_Delete(p->v[i].o);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* The copy of save seq in the index at path, read-only (malloc'd), or NULL. */
static char *copy_in_file(const char *path, const char *key)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/*
 * A save's copy in index.db: 0 and s filled, or -1. db first; then
 * DIR/index.db itself, which is another file while reindex builds a new
 * index beside it (the copies are in the old one).
 */
static int from_index(struct save *s, struct fl_db *db, const char *dir, seq_t seq)
{
	char key[64], *text = NULL;
	int e = -1;
	snprintf(key, sizeof(key), COPY_FMT, seq);
	if (db) {
		text = fl_db_meta_get(db, key);
		fl_clear_error();
	}
	if (!text) {
		char *path = xstrfmt("%s/index.db", dir);
		text = copy_in_file(path, key);
		free(path);
	}
	if (text && parse_frame(s, text, strlen(text)) == 0) {
		if (s->seq == seq)
			e = 0;
		else
			cJSON_Delete(s->o);
	}
	free(text);
	return e;
}

/* Applies the reading rule of the opening comment. 0 or an error. */
static int plan_saves(struct plan *p, struct scan *sc, struct fl_db *db, const char *dir,
		      const char *file)
{
	seq_t first = 0, last = 0, lo, hi;
	size_t i, j, first_at = 0, last_at = 0;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < sc->n; i++) {
		struct line *l = &sc->v[i];
		if (l->kind == L_LEGACY) {
			plan_add(p, &l->s);
		} else if (l->kind == L_FRAMED) {
			if (last && l->s.seq <= last)
				return fl_error(FL_ERROR, "'%s' line %zu repeats an earlier save: "
						"remove that line", file, i + 1);
			if (!first) {
				first = l->s.seq;
				first_at = i;
			}
			last = l->s.seq;
			last_at = i;
		}
	}
	if (sc->cf.have) {
		lo = sc->cf.c + 1;
		hi = sc->cf.s > last ? sc->cf.s : last;
	} else {
		lo = first ? first : 1;
		hi = last;
	}
	for (seq_t want = lo; want <= hi; want++) {
		struct save s;
		int found = 0;
		for (j = 0; j < sc->n && !found; j++)
			if (sc->v[j].kind == L_FRAMED && sc->v[j].s.seq == want) {
				plan_add(p, &sc->v[j].s);
				found = 1;
			}
		for (j = 0; j < sc->n && !found; j++) {
			struct line *l = &sc->v[j];
			if (l->kind != L_DAMAGED)
				continue;
			if (salvage(&s, sc->sb.buf + l->start, l->end - l->start) == 0) {
				if (s.seq == want) {
					s.owned = 1;
					plan_add(p, &s);
					p->from_text++;
					found = 1;
				} else {
					cJSON_Delete(s.o);
				}
			}
		}
		if (!found && from_index(&s, db, dir, want) == 0) {
			s.owned = 1;
			plan_add(p, &s);
			p->from_index++;
			found = 1;
		}
		if (!found)
			return fl_error(FL_ERROR, "'%s' lost confirmed save %llu (cut or damaged, "
					"and index.db has no copy): restore the file from a backup, "
					"or remove '%s.confirmed' to commit only what it holds",
					file, want, file);
		p->last = want;
	}
	/*
	 * A damaged whole line is a confirmed save recovered above; one that
	 * cannot be (nothing was missing, or without the confirmation record
	 * it does not lie between intact lines) is named, not dropped.
	 */
	for (i = 0; i < sc->n; i++) {
		struct line *l = &sc->v[i];
		int between = first && i > first_at && i < last_at;
		if (l->kind == L_DAMAGED && l->whole &&
		    (!(p->from_text + p->from_index) || (!sc->cf.have && !between)))
			return fl_error(FL_ERROR, "'%s' line %zu is damaged: mend or remove that "
					"line (saves waiting there are not committed until then)",
					file, i + 1);
	}
	return 0;
}

/* The bytes of the outbox left once saves 1..seq (and legacy lines) are committed. */
static void remaining(struct strbuf *out, const struct scan *sc, seq_t seq)
{
	for (size_t i = 0; i < sc->n; i++) {
		const struct line *l = &sc->v[i];
		if (l->kind == L_FRAMED && l->s.seq > seq)
			strbuf_add(out, sc->sb.buf + l->start, l->end + 1 - l->start);
	}
}

/*
 * Drops what saves 1..seq covered (lines, recovered damage, a torn tail)
 * and records them as committed. Idempotent: a crash is redone by the next
 * flush. With seq 0 (an older mark), drops the first `bytes` instead.
 */
static int drop(const char *dir, seq_t seq, size_t bytes)
{
	char *file = xstrfmt("%s/outbox", dir);
	struct scan sc;
	struct strbuf rest = STRBUF_INIT;
	int e = scan_read(&sc, dir);

	if (e < 0)
		goto done;
	if (seq)
		remaining(&rest, &sc, seq);
	else if (bytes < sc.sb.len)
		strbuf_add(&rest, sc.sb.buf + bytes, sc.sb.len - bytes);
	if (!rest.len) {
		if (unlink(file) < 0 && errno != ENOENT)
			e = fl_error(FL_ERROR, "cannot remove '%s': %s", file, strerror(errno));
	} else if (rest.len != sc.sb.len) {
		e = fl_write_file_atomic(file, rest.buf, rest.len);
	}
	if (e == 0 && (seq || sc.cf.have)) {
		struct confirmed cf = sc.cf;
		if (!cf.have || seq > cf.c)
			cf.c = seq;
		if (cf.s < cf.c)
			cf.s = cf.c;
		for (size_t i = 0; i < sc.n; i++)
			if (sc.v[i].kind == L_FRAMED && sc.v[i].s.seq > cf.s)
				cf.s = sc.v[i].s.seq;
		cf.bytes = (long long)rest.len;
		cf.have = 1;
		e = confirmed_write(dir, &cf);
	}
	/* Before the mark goes: else a power cut could keep this undone and not the mark. */
	if (e == 0)
		sync_dir(dir);
done:
	strbuf_release(&rest);
	scan_release(&sc);
	free(file);
	return e;
}

/* Puts the records of the saves into the index, which now reflects target. */
static int index_saves(struct fl_db *db, const struct save *v, size_t n, const git_oid *target,
		   const git_oid *base, const char *dir)
{
	char hex[GIT_OID_HEXSZ + 1], size[32], key[64];
	struct confirmed cf;
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
	/* Copies of saves that are commits now are no longer needed. */
	confirmed_read(&cf, dir);
	if (cf.have) {
		sqlite3_stmt *st = fl_db_stmt(db, "DELETE FROM meta WHERE key >= :lo AND key <= :hi");
		snprintf(key, sizeof(key), COPY_FMT, cf.c);
		fl_bind_text(st, ":lo", COPY_PREFIX);
		fl_bind_text(st, ":hi", key);
		fl_step(st);
		sqlite3_reset(st);
	}
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
	unsigned long long bytes, seq = 0;
	int e = strbuf_read_file(&sb, mark, 256);

	if (e == FL_ENOTFOUND) {
		fl_clear_error();
		e = 0;
		goto done;
	}
	if (e < 0)
		goto done;
	if (sb.len > GIT_OID_HEXSZ + 1 && git_oid_fromstrn(&target, sb.buf, GIT_OID_HEXSZ) == 0 &&
	    sscanf(sb.buf + GIT_OID_HEXSZ, " %llu %llu", &bytes, &seq) >= 1 &&
	    fl_store_ref(&head, s, FL_BRANCH) == 0 && git_oid_equal(&head, &target) &&
	    (e = drop(dir, seq, (size_t)bytes)) < 0)
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
	char *file = xstrfmt("%s/outbox", dir);
	struct scan sc;
	struct plan p = { NULL, 0, 0, 0, 0, 0 };
	git_oid head, cur;
	size_t nv, i;
	int have_head, e;

	memset(&sc, 0, sizeof(sc));
	strbuf_init(&sc.sb);
	if (n)
		*n = 0;
	if ((e = recover(dir, s)) < 0)
		goto done;
	have_head = fl_store_ref(&head, s, FL_BRANCH) == 0;
	fl_clear_error();
	if ((e = scan_read(&sc, dir)) < 0 || (e = plan_saves(&p, &sc, db, dir, file)) < 0)
		goto done;
	nv = p.n;
	if (nv == 0) {
		/* A torn tail alone, or saves all committed: tidy up. */
		if (sc.sb.len || (sc.cf.have && sc.cf.bytes))
			e = drop(dir, sc.cf.have ? sc.cf.c : 0, sc.sb.len);
		if (e == 0 && db)
			e = index_saves(db, NULL, 0, NULL, NULL, dir);
		goto done;
	}
	if (have_head)
		git_oid_cpy(&cur, &head);
	if ((e = fl_store_batch_begin(s)) < 0)
		goto done;
	for (i = 0; i < nv; i++) {
		struct fl_write w = { p.v[i].path, p.v[i].text, strlen(p.v[i].text) };
		struct fl_sig sig = { p.v[i].name, p.v[i].email, p.v[i].time, p.v[i].tz };
		git_oid next;
		int parent = i || have_head;
		if ((e = fl_store_commit(&next, s, NULL, parent ? &cur : NULL, parent ? 1 : 0,
					 &w, 1, p.v[i].message, &sig)) < 0)
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
	char *text = xstrfmt("%s %zu %llu\n", git_oid_tostr(hex, sizeof(hex), &cur), sc.sb.len,
			     p.last);
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
	if (p.from_text || p.from_index)
		fprintf(stderr, _("note: '%s' was damaged: %zu confirmed saves recovered "
				      "(%zu from index.db, %zu from their intact text) and committed\n"),
			file, p.from_text + p.from_index, p.from_index, p.from_text);
	if ((e = recover(dir, s)) == 0 && db)
		e = index_saves(db, p.v, nv, &cur, have_head ? &head : NULL, dir);
done:
	plan_release(&p);
	scan_release(&sc);
	free(file);
	return e;
}
