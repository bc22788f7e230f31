/*
 * sync.c: one sync (docs/design.md, "Sync"): push first when that may be
 * the whole exchange, else rounds of fetch (remote.c), integrate into
 * main (integrate.c) and push, then the import of what the branches now
 * hold into the index. The first contact is clone.c.
 *
 * Nothing is deleted or rewritten before the central repository confirms
 * a push; local commits stay on main and are simply pushed by a later
 * sync. Nor is main ever taken from the central repository over commits
 * it held: libgit2 logs every move of main (repo.git/logs/refs/heads/main),
 * and a main that a lost ref file left missing or behind is brought back
 * to its last logged commit before anything else reads it
 * (fl_sync_mend_main).
 */
#define _POSIX_C_SOURCE 200809L
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sync/bundle.h"
#include "sync/import.h"
#include "sync/integrate.h"
#include "sync/push.h"
#include "sync/remote.h"

void fl_sync_opts_init(struct fl_sync_opts *o)
{
	const char *t = getenv("FIELDLOG_SYNC_TIMEOUT");
	memset(o, 0, sizeof(*o));
	o->deadline = t && atoi(t) > 0 ? atoi(t) : 60;
	o->max_retries = 5;
}

void fl_sync_result_release(struct fl_sync_result *r)
{
	free(r->server_message);
	free(r->relay_refused);
	r->server_message = r->relay_refused = NULL;
}

/* Counts non-merge commits reachable from tip and not from hide. */
static size_t count_commits(git_repository *repo, const git_oid *tip, const git_oid *hide)
{
	git_revwalk *w = NULL;
	git_oid id;
	size_t n = 0;
	if (!tip || git_revwalk_new(&w, repo) < 0)
		return 0;
	git_revwalk_push(w, tip);
	if (hide)
		git_revwalk_hide(w, hide);
	while (git_revwalk_next(&id, w) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, repo, &id) == 0 && git_commit_parentcount(c) <= 1)
			n++;
		git_commit_free(c);
	}
	git_revwalk_free(w);
	return n;
}

size_t fl_sync_pending(struct fl_store *s)
{
	git_oid main, origin;
	int have_main = fl_store_ref(&main, s, FL_BRANCH) == 0;
	int have_origin = fl_store_ref(&origin, s, FL_REMOTE_BRANCH) == 0;
	fl_clear_error();
	return have_main ? count_commits(fl_store_repo(s), &main, have_origin ? &origin : NULL) : 0;
}

/*
 * Pushes main (which descends from origin, NULL when we never pushed) to
 * our central branch; once the server confirms, our copy of that branch
 * is main too and the commits count as sent. `a`, `fetched`: see
 * fl_remote_push.
 */
static int send_main(struct fl_store *s, struct fl_db *db, const struct fl_sync_opts *o,
		     const git_oid *main, const git_oid *origin, struct fl_sync_result *out,
		     struct fl_adv *a, int *fetched)
{
	git_repository *repo = fl_store_repo(s);
	git_reference *ref = NULL;
	size_t pending = count_commits(repo, main, origin);
	int e = fl_remote_push(s, db, o, &out->server_message, a, fetched);

	if (e < 0)
		return e;
	/*
	 * What the server had of our branch before this push is what was not
	 * sent now: our copy of it may be older (a sync killed after its push,
	 * or the ref file lost), and counting from it would report as sent
	 * again what the server already had.
	 */
	if (a) {
		char *ours = xstrfmt("%s%s", FL_CENTRAL_AUTHORS, o->me);
		git_odb *odb = NULL;
		for (size_t i = 0; i < a->n; i++) {
			if (strcmp(a->name[i], ours) || git_oid_is_zero(&a->oid[i]))
				continue;
			if (git_repository_odb(&odb, repo) == 0 && git_odb_exists(odb, &a->oid[i]))
				pending = count_commits(repo, main, &a->oid[i]);
			break;
		}
		git_odb_free(odb);
		free(ours);
	}
	fl_crash_point("sync:after-push");
	if (git_reference_create(&ref, repo, FL_REMOTE_BRANCH, main, 1, "sync: pushed") < 0)
		e = fl_error(FL_ERROR, "cannot update %s: %s", FL_REMOTE_BRANCH, fl_git_error());
	git_reference_free(ref);
	out->sent += pending;
	return e;
}

/* Our main and our copy of our central branch; 1 when main has commits to send. */
static int to_send(git_oid *main, git_oid *origin, int *have_origin, struct fl_store *s)
{
	int have_main = fl_store_ref(main, s, FL_BRANCH) == 0;
	*have_origin = fl_store_ref(origin, s, FL_REMOTE_BRANCH) == 0;
	fl_clear_error();
	return have_main && (!*have_origin || !git_oid_equal(main, origin));
}

int fl_sync_run(struct fl_sync_result *out, struct fl_store *s, struct fl_db *db,
		const struct fl_sync_opts *o)
{
	git_oid main, origin;
	int have_origin, exchanged = 0, fetched = 0, e = 0, round;

	memset(out, 0, sizeof(*out));
	fl_crash_point("sync:after-outbox");   /* ws_open flushed it */

	/*
	 * Colleagues' branches a bundle brought go first, before a fetch
	 * (a reviewer's) could take their older central versions for ours.
	 * A refusal holds back only that branch, not our own work.
	 */
	e = fl_relay_run(&out->relayed, s, o, &out->relay_refused);
	if (e == FL_EREJECTED) {
		if (!out->relay_refused)
			out->relay_refused = xstrdup(fl_last_error());
		fl_clear_error();
		e = 0;
	}
	if (e < 0)
		return e;

	/*
	 * Something to send: push first. The server's answer lists every
	 * ref, so when our branch has not moved (no other device pushed) and
	 * nothing we follow has either, the push was the whole exchange: one
	 * connection instead of two. Over http, what did move (a reviewer's
	 * answer) comes on the push's connection in one more request. Else,
	 * or when the push was not a fast-forward, the usual round below:
	 * fetch, merge, push.
	 */
	if (to_send(&main, &origin, &have_origin, s) && fl_push_supported(o->url)) {
		struct fl_adv a = { NULL, NULL, 0, 0 };
		fl_trace("sync: push first");
		e = send_main(s, db, o, &main, have_origin ? &origin : NULL, out, &a, &fetched);
		if (e == 0) {
			exchanged = !fetched && !fl_remote_fetch_needed(s, db, o, &a);
		} else if (e == FL_EEXISTS || e == FL_EREJECTED) {
			/* Merge first; a refusal is met again (and reported) below. */
			free(out->server_message);
			out->server_message = NULL;
			fl_clear_error();
			e = 0;
		}
		fl_adv_release(&a);
	}
	if (e == 0 && !exchanged)
		fl_db_meta_set(db, "refs_pending", "1");   /* until the import (workspace.c) */
	for (round = 0; e == 0 && !exchanged; round++) {
		fl_trace("sync: fetch");
		if (!(round == 0 && fetched) && (e = fl_remote_fetch_all(s, db, o, o->everyone)) < 0)
			break;
		fl_crash_point("sync:after-fetch");
		fl_trace("sync: merge");
		if ((e = fl_integrate(s, o, &out->conflicts)) < 0)
			break;
		fl_crash_point("sync:after-merge");
		if (!to_send(&main, &origin, &have_origin, s))
			break;   /* nothing of ours to send */
		fl_trace("sync: push");
		e = send_main(s, db, o, &main, have_origin ? &origin : NULL, out, NULL, NULL);
		if (e == FL_EEXISTS && round < o->max_retries) {
			fl_clear_error();
			e = 0;
			continue;   /* someone pushed in between: fetch, merge, retry */
		}
		break;
	}
	if (e == FL_EEXISTS)
		e = fl_error(FL_ERROR, "the central repository kept moving; try again");

	/*
	 * Import whatever the branches now hold, even after a failed push.
	 * After a push that was the whole exchange nothing moved but main,
	 * which the index already reflects (the saves were indexed).
	 */
	if (!exchanged) {
		struct fl_import_stats st = { 0, 0, 0, 0 };
		char *msg = e < 0 ? xstrdup(fl_last_error()) : NULL;
		fl_crash_point("sync:before-import");
		fl_trace("sync: import");
		int ie = fl_import_refs(db, s, o->me, 0, &st);
		if (ie < 0 && e == 0)
			e = ie;
		else if (msg)
			fl_error(e, "%s", msg);
		else if (e == 0)
			fl_clear_error();
		free(msg);
		out->received = st.added + st.changed + st.removed + st.skipped;
		out->skipped = st.skipped;
		fl_trace("sync: imported %zu", out->received);
	}
	return e;
}

/* --- main's last confirmed commit --------------------------------------------- */

int fl_sync_log_refs(struct fl_store *s)
{
	git_config *cfg = NULL;
	git_buf v = { NULL, 0, 0 };
	int e = 0;

	if (git_repository_config(&cfg, fl_store_repo(s)) < 0)
		return fl_error(FL_ERROR, "cannot read the repository's config: %s", fl_git_error());
	if (git_config_get_string_buf(&v, cfg, "core.logallrefupdates") < 0 || !v.ptr ||
	    strcmp(v.ptr, "always") != 0) {
		if (git_config_set_string(cfg, "core.logAllRefUpdates", "always") < 0)
			e = fl_error(FL_ERROR, "cannot write the repository's config: %s",
				     fl_git_error());
	}
	git_error_clear();
	git_buf_dispose(&v);
	git_config_free(cfg);
	return e;
}

/*
 * The commit of the last complete, well-formed line of a reflog file
 * ("<old hex> <new hex> <who> <when>\t<why>\n"); 0 when found, 1 when the
 * file is missing or holds none. Only its tail is read: the log grows by
 * a line a flush or merge and is never read whole.
 */
static int reflog_last(git_oid *out, const char *path)
{
	char buf[4096];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 1;
	ssize_t n = -1;

	if (fd < 0)
		return 1;
	if (fstat(fd, &st) == 0) {
		off_t at = st.st_size > (off_t)sizeof(buf) ? st.st_size - (off_t)sizeof(buf) : 0;
		n = pread(fd, buf, (size_t)(st.st_size - at), at);
	}
	close(fd);
	/* Back from the last newline: a line torn by a crash has none. */
	while (n > 0 && buf[n - 1] != '\n')
		n--;
	while (found && n > 0) {
		ssize_t end = n - 1, start = end;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		if (end - start > 2 * GIT_OID_HEXSZ + 1 && buf[start + GIT_OID_HEXSZ] == ' ' &&
		    buf[start + 2 * GIT_OID_HEXSZ + 1] == ' ' &&
		    git_oid_fromstrn(out, buf + start + GIT_OID_HEXSZ + 1, GIT_OID_HEXSZ) == 0 &&
		    !git_oid_is_zero(out))
			found = 0;
		n = start;
	}
	return found;
}

/* Whether `id` names a commit in the repository. */
static int have_commit(git_repository *repo, const git_oid *id)
{
	git_commit *c = NULL;
	int ok = git_commit_lookup(&c, repo, id) == 0;
	git_commit_free(c);
	git_error_clear();
	return ok;
}

int fl_sync_mend_main(struct fl_store *s, struct fl_db *db, char **note)
{
	git_repository *repo = fl_store_repo(s);
	const char *gitdir = git_repository_path(repo);
	char *logpath = xstrfmt("%slogs/%s", gitdir, FL_BRANCH);
	char *where = xstrndup(gitdir, strlen(gitdir) - (strlen(gitdir) > 1 &&
							    gitdir[strlen(gitdir) - 1] == '/'));
	git_oid main, logged, indexed, target;
	const char *from = NULL;
	int have_main, e = 0;

	*note = NULL;
	if ((e = fl_sync_log_refs(s)) < 0)
		goto done;
	have_main = fl_store_ref(&main, s, FL_BRANCH) == 0;
	fl_clear_error();

	/*
	 * The reflog: libgit2 appends to it before it moves the ref, so its
	 * last commit is main's, or (killed in between) a commit whose
	 * objects are written and whose outbox lines the flush then finds
	 * done (sync/outbox.h): moving main there loses and doubles nothing.
	 */
	int logged_found = reflog_last(&logged, logpath) == 0;
	if (logged_found) {
		if (!have_commit(repo, &logged)) {
			if (!have_main)
				e = fl_error(FL_ERROR, "branch 'main' of '%s' is missing and its last "
					     "commit %.7s is not in it either; copy repo.git back "
					     "from a backup", where, git_oid_tostr_s(&logged));
			goto done;   /* with main there, a damaged log line changes nothing */
		}
		if (!have_main || (!git_oid_equal(&main, &logged) &&
				   git_graph_descendant_of(repo, &logged, &main) == 1)) {
			git_oid_cpy(&target, &logged);
			from = _("its log");
		} else if (!git_oid_equal(&main, &logged) &&
			   git_graph_descendant_of(repo, &main, &logged) != 1) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), &logged);
			e = fl_error(FL_ERROR, "branch 'main' of '%s' (%.7s) no longer holds its last "
				     "commit: restore it with 'git -C \"%s\" update-ref "
				     "refs/heads/main %s'", where, git_oid_tostr_s(&main), where, hex);
			goto done;
		}
	}
	/*
	 * Without a log (a repository made before logging was on, or the log
	 * itself lost), the commit of main the index reflects. Only then:
	 * main moved back on purpose with git is logged, and the index
	 * follows the repository, not the other way round.
	 */
	if (!logged_found && db && fl_indexed_commit(&indexed, db) == 0 &&
	    have_commit(repo, &indexed)) {
		if (!have_main || (!git_oid_equal(&main, &indexed) &&
				   git_graph_descendant_of(repo, &indexed, &main) == 1)) {
			git_oid_cpy(&target, &indexed);
			from = _("the index");
		}
	}
	git_error_clear();
	fl_clear_error();
	if (from) {
		git_reference *ref = NULL;
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &target);
		if (have_main)
			e = git_reference_create_matching(&ref, repo, FL_BRANCH, &target, 1, &main,
							  "fieldlog: main restored");
		else
			e = git_reference_create(&ref, repo, FL_BRANCH, &target, 0,
						 "fieldlog: main restored");
		git_reference_free(ref);
		if (e < 0) {
			e = fl_error(FL_ERROR, "cannot restore branch 'main' of '%s': %s", where,
				     fl_git_error());
			goto done;
		}
		*note = have_main ?
			xstrfmt(_("branch 'main' of '%s' was behind (%.7s); moved it on to %.7s, "
				  "its last commit, from %s"), where, git_oid_tostr_s(&main), hex, from) :
			xstrfmt(_("branch 'main' of '%s' was missing; restored it at %.7s, its last "
				  "commit, from %s"), where, hex, from);
		e = 1;
	}
done:
	free(logpath);
	free(where);
	return e;
}
