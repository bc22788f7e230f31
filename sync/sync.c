/*
 * sync.c: one sync (DESIGN sections 3 and 4): push first when that may be
 * the whole exchange, else rounds of fetch (remote.c), integrate into
 * main (integrate.c) and push, then the import of what the branches now
 * hold into the index. The first contact is clone.c.
 *
 * Nothing is deleted or rewritten before the central repository confirms
 * a push; local commits stay on main and are simply pushed by a later
 * sync.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync.h"

#include <stdlib.h>
#include <string.h>

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
	r->server_message = NULL;
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
 * is main too and the commits count as sent. `a`: see fl_remote_push.
 */
static int send_main(struct fl_store *s, const struct fl_sync_opts *o, const git_oid *main,
		     const git_oid *origin, struct fl_sync_result *out, struct fl_adv *a)
{
	git_repository *repo = fl_store_repo(s);
	git_reference *ref = NULL;
	size_t pending = count_commits(repo, main, origin);
	int e = fl_remote_push(repo, o, &out->server_message, a);

	if (e < 0)
		return e;
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
	int have_origin, exchanged = 0, e = 0, round;

	memset(out, 0, sizeof(*out));

	/*
	 * Something to send: push first. The server's answer lists every
	 * ref, so when our branch has not moved (no other device pushed) and
	 * nothing we follow has either, the push was the whole exchange: one
	 * connection instead of two. Otherwise, or when the push was not a
	 * fast-forward, the usual round below: fetch, merge, push.
	 */
	if (to_send(&main, &origin, &have_origin, s) && fl_push_supported(o->url)) {
		struct fl_adv a = { NULL, NULL, 0, 0 };
		fl_trace("sync: push first");
		e = send_main(s, o, &main, have_origin ? &origin : NULL, out, &a);
		if (e == 0) {
			exchanged = !fl_remote_fetch_needed(s, db, o, &a);
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
		if ((e = fl_remote_fetch_all(s, db, o, o->everyone)) < 0)
			break;
		fl_trace("sync: merge");
		if ((e = fl_integrate(s, o, &out->conflicts)) < 0)
			break;
		if (!to_send(&main, &origin, &have_origin, s))
			break;   /* nothing of ours to send */
		fl_trace("sync: push");
		e = send_main(s, o, &main, have_origin ? &origin : NULL, out, NULL);
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
