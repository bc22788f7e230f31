/*
 * workspace.c: opening a workspace (config.json, repo.git, index.db, the
 * lock) and saving a record into it.
 *
 * A save appends to the outbox and updates the index (sync/outbox.h);
 * commands that need the repository turn the outbox into commits on
 * refs/heads/main first. The index remembers which commit of each branch
 * it reflects (sync/import.h); when a branch is ahead of it (a commit
 * made and the process killed before its index transaction, or a sync
 * killed between its fetch and its import: meta.refs_pending), the next
 * ws_open imports the difference: the repository is the truth, the index
 * catches up (docs/design.md, "The workspace on disk").
 *
 * Writers (saves, sync, reindex) hold an exclusive flock on DIR/lock.
 * Under it, any *.lock file libgit2 left in repo.git can only come from a
 * killed process, so it is removed (PLATFORM-NOTES: GIT_ELOCKED after
 * kill -9).
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "schema/json.h"
#include "schema/record.h"
#include "sync/sign.h"
#include "sync/outbox.h"
#include "sync/import.h"
#include "sync/sync.h"

const char *opt_workspace;

char *ws_dir(void)
{
	const char *env = getenv("FIELDLOG_HOME"), *home = getenv("HOME");
	if (opt_workspace && *opt_workspace)
		return xstrdup(opt_workspace);
	if (env && *env)
		return xstrdup(env);
	return xstrfmt("%s/.local/share/fieldlog", home && *home ? home : ".");
}

/*
 * Whether a file of repo.git/objects is a temporary file libgit2 names and
 * renames (or removes) before it returns: "pack/pack_git2_XXXXXX" (a pack
 * being downloaded and indexed), "pack/pack-<hex>.idx.lock" and other
 * "*.lock" there, "tmp_object_git2_XXXXXX" (a loose object being
 * written). Never a name a finished pack or object has.
 */
static int is_temp_object_file(const char *name, int in_pack)
{
	size_t n = strlen(name);
	if (in_pack)
		return !strncmp(name, "pack_git2_", 10) || (n > 5 && !strcmp(name + n - 5, ".lock"));
	return !strncmp(name, "tmp_object_git2_", 16);
}

/*
 * Removes the temporary files a killed process left in dir (objects/ or
 * objects/pack/) that were last written before `before`, the time this
 * process already held the workspace lock: no live fieldlog can be
 * writing them, and a file another program writes right now is newer.
 */
static void remove_stale_temps(const char *dir, int in_pack, const struct timespec *before)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		char *p;
		if (!is_temp_object_file(de->d_name, in_pack))
			continue;
		p = xstrfmt("%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mtim.tv_sec < before->tv_sec ||
		     (st.st_mtim.tv_sec == before->tv_sec && st.st_mtim.tv_nsec < before->tv_nsec))) {
			fl_trace("workspace: removing the leftover '%s'", p);
			unlink(p);
		}
		free(p);
	}
	closedir(d);
}

/*
 * repo.git/HEAD is always "ref: refs/heads/main" (fl_store_init); without
 * it libgit2 does not take the directory for a repository at all, so a
 * lost HEAD is written back (with one line saying so) rather than the
 * workspace refused.
 */
static void restore_head(const char *gitdir)
{
	static const char head[] = "ref: " FL_BRANCH "\n";
	char *path = xstrfmt("%s/HEAD", gitdir), *objects = xstrfmt("%s/objects", gitdir);
	struct stat st;
	if (lstat(path, &st) < 0 && errno == ENOENT && stat(objects, &st) == 0 &&
	    S_ISDIR(st.st_mode) && fl_write_file_atomic(path, head, sizeof(head) - 1) == 0)
		fprintf(stderr, _("%s'%s' was missing; wrote it back\n"), _("warning: "), path);
	fl_clear_error();
	free(path);
	free(objects);
}

/*
 * Removes *.lock files below dir (recursively), and, at the top
 * (depth 0), the temporary files of objects/ (remove_stale_temps) and a
 * lost HEAD (restore_head). Only called holding the workspace lock.
 */
static void remove_stale_locks(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (depth == 0) {
		restore_head(dir);
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		char *objects = xstrfmt("%s/objects", dir), *pack = xstrfmt("%s/objects/pack", dir);
		remove_stale_temps(objects, 0, &now);
		remove_stale_temps(pack, 1, &now);
		free(objects);
		free(pack);
	}
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char *p;
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "objects"))
			continue;
		p = xstrfmt("%s/%s", dir, de->d_name);
		if (n > 5 && !strcmp(de->d_name + n - 5, ".lock")) {
			unlink(p);
		} else if (depth < 6) {
			struct stat st;
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				remove_stale_locks(p, depth + 1);
		}
		free(p);
	}
	closedir(d);
}

/* Takes the lock on fd, waiting up to 20 s for another fieldlog (a sync, say). */
static int take_lock(int fd, const char *dir)
{
	for (int i = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; i++) {
		if (i == 200)
			return fl_error(FL_ELOCKED, "another fieldlog is working in '%s'; try again",
					dir);
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return 0;
}

int ws_lock(const char *dir, int *fd_out)
{
	char *path = xstrfmt("%s/lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), e;
	free(path);
	*fd_out = -1;
	if (fd < 0)
		return fl_error(FL_ERROR, "cannot open the workspace lock in '%s': %s", dir,
				strerror(errno));
	if ((e = take_lock(fd, dir)) < 0) {
		close(fd);
		return e;
	}
	*fd_out = fd;
	return 0;
}

void ws_unlock(struct ws *ws)
{
	if (ws && ws->lock_fd >= 0)
		flock(ws->lock_fd, LOCK_UN);
}

int ws_relock(struct ws *ws)
{
	return ws && ws->lock_fd >= 0 ? take_lock(ws->lock_fd, ws->dir) : 0;
}

static const char *cfg(cJSON *c, const char *key)
{
	const char *v = fl_json_str(c, key);
	return v ? v : "";
}

int ws_save_config(struct ws *ws)
{
	char *path = xstrfmt("%s/config.json", ws->dir);
	char *text = fl_json_canonical(ws->config);
	int e = fl_write_file_atomic(path, text, strlen(text));
	chmod(path, 0600);   /* it may hold an access token */
	free(text);
	free(path);
	return e;
}

int ws_catch_up(struct ws *ws)
{
	/* A lost ref file must not read as saves undone (sync.h). */
	char *note = NULL;
	int e = fl_sync_mend_main(ws->store, ws->db, &note);
	if (note)
		fprintf(stderr, "%s%s\n", _("warning: "), note);
	free(note);
	return e < 0 ? e : fl_import_refs(ws->db, ws->store, ws->id, 0, NULL);
}

/*
 * The commit refs/heads/main names, read from its loose ref file, or else
 * from packed-refs, without starting libgit2 and opening the repository
 * (milliseconds, where reading one small file takes microseconds). 0, 1 when
 * there is no main (a reviewer who has not written yet), -1 when the
 * files cannot be read as expected.
 */
static int peek_head(char hex[GIT_OID_HEXSZ + 1], const char *dir)
{
	static const char name[] = " refs/heads/main\n";
	char *path = xstrfmt("%s/repo.git/refs/heads/main", dir);
	struct strbuf sb = STRBUF_INIT;
	int e = strbuf_read_file(&sb, path, 128);
	free(path);
	if (e == 0) {
		e = sb.len >= GIT_OID_HEXSZ && (sb.len == GIT_OID_HEXSZ ||
						sb.buf[GIT_OID_HEXSZ] == '\n') ? 0 : -1;
		if (e == 0)
			memcpy(hex, sb.buf, GIT_OID_HEXSZ);
	} else if (e == FL_ENOTFOUND) {
		/* Packed: "<hex> refs/heads/main" on a line of its own. */
		path = xstrfmt("%s/repo.git/packed-refs", dir);
		e = strbuf_read_file(&sb, path, 64 << 20);
		free(path);
		if (e == FL_ENOTFOUND) {
			e = 1;
		} else if (e == 0) {
			const char *p = sb.buf, *end = sb.buf + sb.len;
			e = 1;
			while (p < end) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
				if (len == GIT_OID_HEXSZ + sizeof(name) - 1 &&
				    !memcmp(p + GIT_OID_HEXSZ, name, sizeof(name) - 1)) {
					memcpy(hex, p, GIT_OID_HEXSZ);
					e = 0;
					break;
				}
				p += len;
			}
		}
	}
	hex[e == 0 ? GIT_OID_HEXSZ : 0] = '\0';
	strbuf_release(&sb);
	fl_clear_error();
	return e;
}

/* --- a damaged index ------------------------------------------------------- */

/*
 * Moves a damaged index out of the way, as PATH.damaged-YYYYMMDDTHHMMSS
 * (kept for a bug report; the index holds nothing that cannot be
 * rebuilt), and removes its WAL and shared-memory files, which belong to
 * the old file. Returns the new name (caller frees), or NULL with errno.
 */
static char *set_aside(const char *path)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	char *aside, *p;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	aside = xstrfmt("%s.damaged-%s", path, stamp);
	for (int i = 2; access(aside, F_OK) == 0 && i < 100; i++) {
		free(aside);
		aside = xstrfmt("%s.damaged-%s-%d", path, stamp, i);
	}
	if (rename(path, aside) < 0 && errno != ENOENT) {
		free(aside);
		return NULL;
	}
	p = xstrfmt("%s-wal", path);
	unlink(p);
	free(p);
	p = xstrfmt("%s-shm", path);
	unlink(p);
	free(p);
	return aside;
}

/*
 * What a statement outside a transaction does when the index fails (see
 * fl_db_on_failure): one line, and exit 1. A damaged index is set aside
 * first, so that the next command rebuilds it instead of failing again.
 */
static void index_failed(int code, const char *path)
{
	char *aside;
	if (code == FL_EDBCORRUPT && path && *path && (aside = set_aside(path))) {
		error_exit("the index was damaged and has been set aside as '%s'; run the "
			   "command again to rebuild it", aside);
		exit(EXIT_ERROR);
	}
	error_exit("%s", fl_last_error());
	exit(EXIT_ERROR);
}

int ws_index_damaged(struct ws *ws)
{
	char *path = xstrfmt("%s/index.db", ws->dir);
	fl_error(FL_EDBCORRUPT, "the index '%s' is damaged; run 'fieldlog reindex'", path);
	index_failed(FL_EDBCORRUPT, path);
	free(path);   /* not reached */
	return EXIT_ERROR;
}

int ws_rebuild_index(const char *dir, struct fl_store *s, const char *me,
		     struct fl_import_stats *stats)
{
	char *tmp = xstrfmt("%s/index.db.new", dir), *final = xstrfmt("%s/index.db", dir);
	struct fl_db *db = NULL;
	int e;

	/* A killed rebuild's file: its WAL must not be replayed onto a new one. */
	for (const char *sfx = ""; sfx; sfx = !*sfx ? "-wal" : sfx[1] == 'w' ? "-shm" : NULL) {
		char *p = xstrfmt("%s%s", tmp, sfx);
		unlink(p);
		free(p);
	}
	if ((e = fl_db_open(&db, tmp, 1)) < 0)
		goto out;
	if ((e = fl_import_refs(db, s, me, 1, stats)) < 0)
		goto out;
	fl_crash_point("reindex:import");
	/* Saves not yet committed are in the outbox: commit them, index them. */
	if ((e = fl_outbox_flush(dir, db, s, NULL)) < 0)
		goto out;
	fl_db_exec(db, "PRAGMA main.wal_checkpoint(TRUNCATE)");
	fl_db_close(db);
	db = NULL;
	fl_crash_point("reindex:swap");
	if (rename(tmp, final) < 0) {
		e = fl_error(FL_ERROR, "cannot replace '%s': %s", final, strerror(errno));
		goto out;
	}
	/* The old index's WAL must not be replayed onto the new file. */
	for (const char *sfx = "-wal"; sfx; sfx = sfx[1] == 'w' ? "-shm" : NULL) {
		char *p = xstrfmt("%s%s", final, sfx), *q = xstrfmt("%s%s", tmp, sfx);
		unlink(p);
		unlink(q);
		free(p);
		free(q);
	}
out:
	fl_db_close(db);
	free(tmp);
	free(final);
	return e;
}

/*
 * The index is damaged: set it aside and build a new one from repo.git and
 * the outbox, under the workspace lock (taken here by a reader), saying so
 * in one line. 0, or the error of the rebuild.
 */
static int recover_index(struct ws *ws)
{
	char *path = xstrfmt("%s/index.db", ws->dir), *aside = NULL;
	int e = 0;

	fl_db_close(ws->db);
	ws->db = NULL;
	if (ws->lock_fd < 0 && (e = ws_lock(ws->dir, &ws->lock_fd)) < 0)
		goto out;
	if (!ws->store) {
		char *git = xstrfmt("%s/repo.git", ws->dir);
		remove_stale_locks(git, 0);
		e = fl_store_open(&ws->store, git);
		free(git);
		if (e < 0)
			goto out;
	}
	if (!(aside = set_aside(path))) {
		e = fl_error(FL_ERROR, "cannot move the damaged index '%s' aside: %s", path,
			     strerror(errno));
		goto out;
	}
	if ((e = ws_rebuild_index(ws->dir, ws->store, ws->id, NULL)) < 0 ||
	    (e = fl_db_open(&ws->db, path, 0)) < 0)
		goto out;
	warning_line("the index was damaged; it has been rebuilt from repo.git and the outbox (the "
	     "damaged file is kept as '%s')", aside);
out:
	free(aside);
	free(path);
	return e;
}

/* Reads DIR/config.json into ws (config, id, name, role, province, remote). */
static int read_config(struct ws *ws)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = xstrfmt("%s/config.json", ws->dir);
	int e = strbuf_read_file(&sb, path, 1 << 20);

	free(path);
	if (e == FL_ENOTFOUND) {
		/* An init killed before its last step, config.json (cmd-init.c). */
		char *rp = xstrfmt("%s/repo.git", ws->dir), *tp = xstrfmt("%s/repo.git.new", ws->dir);
		int interrupted = access(rp, F_OK) == 0 || access(tp, F_OK) == 0;
		free(rp);
		free(tp);
		e = fl_error(FL_ENOTFOUND, interrupted ?
			     "the workspace in '%s' is not complete: its 'fieldlog init' was "
			     "interrupted; run it again" :
			     "no fieldlog workspace in '%s' (run 'fieldlog init')", ws->dir);
		goto out;
	}
	if (e < 0 || (e = fl_json_parse(&ws->config, sb.buf, sb.len)) < 0 ||
	    !cJSON_IsObject(ws->config)) {
		e = fl_error(FL_ERROR, "'%s/config.json' is damaged: %s", ws->dir, fl_last_error());
		goto out;
	}
	ws->id = (char *)cfg(ws->config, "id");
	ws->name = (char *)cfg(ws->config, "name");
	ws->role = (char *)cfg(ws->config, "role");
	ws->province = (char *)cfg(ws->config, "province");
	ws->remote = (char *)cfg(ws->config, "remote");
	e = 0;
out:
	strbuf_release(&sb);
	return e;
}

/*
 * Whether the index already reflects the head of main and the outbox, so
 * that index-only work needs no repository (saves go to the outbox).
 */
static int index_current(struct ws *ws)
{
	char head[GIT_OID_HEXSZ + 1];
	char *indexed = fl_db_meta_get(ws->db, "indexed_commit");
	int peek = peek_head(head, ws->dir);
	char *pending = fl_db_meta_get(ws->db, "refs_pending");
	int current = (indexed ? peek == 0 && !strcmp(head, indexed) : peek == 1) &&
		      !pending && !fl_outbox_stale(ws->dir, ws->db);

	free(pending);
	free(indexed);
	return current;
}

/*
 * Catch up when behind, then commit the outbox. A reader without the lock
 * tries to take it briefly; if a writer is busy it reads what the index
 * has.
 */
static int catch_up_and_flush(struct ws *ws, int write)
{
	git_oid head, indexed;
	char *pending, *lp;
	int behind, fd, e = 0;

	if (write)
		return (e = ws_catch_up(ws)) < 0 ? e :
			fl_outbox_flush(ws->dir, ws->db, ws->store, NULL);
	pending = fl_db_meta_get(ws->db, "refs_pending");
	behind = pending || (fl_store_ref(&head, ws->store, FL_BRANCH) == 0 &&
			     (fl_indexed_commit(&indexed, ws->db) < 0 ||
			      !git_oid_equal(&head, &indexed)));
	free(pending);
	if (!behind && fl_outbox_size(ws->dir) <= 0 && !fl_outbox_stale(ws->dir, ws->db))
		return 0;
	lp = xstrfmt("%s/lock", ws->dir);
	fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(lp);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 && (e = ws_catch_up(ws)) == 0)
		e = fl_outbox_flush(ws->dir, ws->db, ws->store, NULL);
	if (fd >= 0)
		close(fd);
	return e;
}

int ws_open(struct ws **out, int flags)
{
	int write = flags & WS_WRITE, recovered = 0;
	struct ws *ws = xcalloc(1, sizeof(*ws));
	char *path;
	int e;

	*out = NULL;
	ws->lock_fd = -1;
	ws->dir = ws_dir();
	if ((e = read_config(ws)) < 0)
		goto out;
	if (write && (e = ws_lock(ws->dir, &ws->lock_fd)) < 0)
		goto out;
	fl_db_on_failure(index_failed);
	path = xstrfmt("%s/index.db", ws->dir);
	e = fl_db_open(&ws->db, path, 1);
	free(path);
	if (e == FL_EDBCORRUPT) {
		recovered = 1;
		e = recover_index(ws);
	}
	if (e < 0 || ((flags & WS_INDEX_ONLY) && index_current(ws)))
		goto out;
	path = xstrfmt("%s/repo.git", ws->dir);
	if (write)
		remove_stale_locks(path, 0);
	e = fl_store_open(&ws->store, path);
	free(path);
	if (e < 0)
		goto out;
	/* Every commit the outbox and merges make is signed with the key. */
	if (*cfg(ws->config, "key"))
		fl_store_set_signer(ws->store, fl_signer_new(cfg(ws->config, "key")));
	e = catch_up_and_flush(ws, write);
	/* Damage met while catching up (a page no check had read). */
	if (e == FL_EDBCORRUPT && !recovered && (e = recover_index(ws)) == 0)
		e = catch_up_and_flush(ws, write);
	if (e < 0)
		goto out;
	fl_clear_error();
out:
	if (e < 0) {
		/* Keep the message across ws_close. */
		char *msg = xstrdup(fl_last_error());
		ws_close(ws);
		fl_error(e, "%s", msg);
		free(msg);
	} else {
		*out = ws;
	}
	return e < 0 ? e : 0;
}

const char *ws_key_hint(const struct ws *ws)
{
	const char *k = fl_json_str(ws->config, "key");
	if (k && *k)
		return NULL;
	return _("hint: your commits are unsigned; make a key with 'ssh-keygen -t ed25519'"
		 " and run 'fieldlog init --key ~/.ssh/id_ed25519'");
}

void ws_close(struct ws *ws)
{
	if (!ws)
		return;
	fl_db_close(ws->db);
	fl_store_free(ws->store);
	cJSON_Delete(ws->config);
	if (ws->lock_fd >= 0)
		close(ws->lock_fd);
	free(ws->dir);
	free(ws);
}

int ws_save(struct ws *ws, cJSON *rec, const char *message)
{
	char now[32], n[32];
	int e;
	char *text, *path = NULL, *email = NULL;
	struct fl_sig sig;
	long long size;

	fl_time_now(now);
	fl_json_set_str(rec, "updated_at", now);
	fl_record_order(rec);
	if ((e = fl_record_validate(rec)) < 0)
		return e;
	text = fl_json_canonical(rec);
	if (strlen(text) > FL_RECORD_MAX) {
		e = fl_error(FL_EINVALID, "the record would be over %d bytes", FL_RECORD_MAX);
		goto out;
	}
	path = fl_record_path(fl_json_str(rec, "author"), fl_json_str(rec, "kind"),
			      fl_json_str(rec, "id"));
	email = xstrfmt("%s@fieldlog", ws->id);
	sig.name = *ws->name ? ws->name : ws->id;
	sig.email = email;
	sig.when = fl_time_now_secs();
	sig.offset = 7 * 60;
	/*
	 * The outbox line is the save; the index follows. Once the line is
	 * written (and confirmed, sync/outbox.h) the save is kept whatever
	 * the index does: damaged, it is rebuilt from repo.git and the outbox
	 * (which has the save); full or failing, it catches up with the next
	 * command (its outbox_size is behind the outbox). Either way the save
	 * completes and says so, and a retry cannot double it.
	 */
	fl_trace("save: outbox");
	if ((e = fl_outbox_add(ws->dir, path, text, message, &sig, &size)) < 0) {
		char *msg = xstrdup(fl_last_error());
		fl_error(e, "%s (nothing was saved)", msg);
		free(msg);
		goto out;
	}
	fl_crash_point("save:outbox");
	fl_trace("save: index");
	int ie = fl_db_begin(ws->db);
	if (ie == 0) {
		snprintf(n, sizeof(n), "%lld", size);
		fl_db_put_record(ws->db, path, rec, text);
		fl_crash_point("save:index");
		fl_db_meta_set(ws->db, "outbox_size", n);
		fl_outbox_remember(ws->db, ws->dir);
		ie = fl_db_commit(ws->db);
	}
	if (ie == FL_EDBCORRUPT)
		ie = recover_index(ws);
	/* The save is kept (in the outbox): a warning, never "try again". */
	if (ie == FL_EDBFULL)
		warning_line("saved; the disk is full, so the index will catch up once some space is freed");
	else if (ie < 0 && !ws->db)
		warning_line("saved; the index is damaged and could not be rebuilt (%s): run "
		     "'fieldlog reindex'", fl_last_error());
	else if (ie < 0)
		warning_line("saved; the index could not be updated and will catch up with the next command");
	fl_clear_error();
	fl_crash_point("save:confirm");
out:
	fl_trace("save: saved");
	free(email);
	free(text);
	free(path);
	return e;
}

int save_record(struct ws *ws, cJSON *rec, const char *message, int json, const char *fmt, ...)
{
	va_list ap;

	if (ws_save(ws, rec, message) < 0)
		return fail();
	if (json) {
		print_json(rec);
	} else {
		va_start(ap, fmt);
		vprintf(_(fmt), ap);
		va_end(ap);
	}
	return EXIT_OK;
}

int ws_find(cJSON **out, struct ws *ws, const char *prefix, const char *kind)
{
	char *id = NULL;
	int e;
	*out = NULL;
	if ((e = fl_db_resolve(&id, ws->db, prefix, kind)) < 0)
		return e;
	*out = fl_db_get(ws->db, id);
	free(id);
	if (!*out)
		return fl_error(FL_ERROR, "record '%s' is damaged in the index; run 'fieldlog reindex'",
				prefix);
	return 0;
}
