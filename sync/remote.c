/*
 * sync.c: fetch, merge record by record, push, import (DESIGN sections 3
 * and 4).
 *
 * Merging. Git's own merge is never used: it would merge JSON text line
 * by line. We diff the merge base against each side; a path changed on
 * one side only is taken from that side; a record changed on both sides
 * goes through the pure three-way merge (merge.h) and is written back in
 * canonical form. Different authors never write the same file, so only
 * one officer's two devices ever produce such a path. What the conflict
 * rule decided is written into the merge commit's message as
 * "Fieldlog-Conflict:" trailers, which `fieldlog log` shows.
 *
 * Failure. Nothing is deleted or rewritten before the central repository
 * confirms a push; local commits stay on main and are simply pushed by a
 * later sync. A connection that hangs is ended by a watchdog thread after
 * `deadline` seconds without progress (libgit2 1.5 has no timeouts).
 * A push refused by the server's hook still returns 0 from libgit2 1.5:
 * the refusal is read from the push_update_reference callback, and the
 * hook's words from the sideband.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "schema/json.h"
#include "schema/record.h"
#include "sync/check.h"
#include "sync/import.h"
#include "sync/merge.h"
#include "sync/push.h"
#include "sync/tls.h"

/* --- watchdog -------------------------------------------------------------- */

static atomic_llong last_progress;
static atomic_int watching;
static int watch_deadline;
static void (*watch_timeout)(void);

static long long mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

static void progressed(void)
{
	atomic_store(&last_progress, mono_now());
}

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (atomic_load(&watching) &&
		    mono_now() - atomic_load(&last_progress) > watch_deadline) {
			if (watch_timeout)
				watch_timeout();
			_exit(3);
		}
	}
	return NULL;
}

static void watch_start(const struct fl_sync_opts *o)
{
	static int started;
	watch_deadline = o->deadline;
	watch_timeout = o->on_timeout;
	progressed();
	atomic_store(&watching, 1);
	if (!started) {
		pthread_t t;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &a, watchdog, NULL) == 0)
			started = 1;
		pthread_attr_destroy(&a);
	}
}

static void watch_stop(void)
{
	atomic_store(&watching, 0);
}

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

/* --- remote callbacks ------------------------------------------------------ */

struct cb {
	const struct fl_sync_opts *o;
	int cred_attempts;
	struct strbuf sideband;
	char *rejected;        /* status of our ref from the server, if refused */
};

static int cb_credentials(git_credential **out, const char *url, const char *user_from_url,
			  unsigned int allowed, void *payload)
{
	struct cb *c = payload;
	const char *home = getenv("HOME");
	(void)url;

	progressed();
	if (++c->cred_attempts > 3)
		return GIT_EUSER;   /* libgit2 would ask again forever */
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		const char *user = user_from_url ? user_from_url : "git";
		const char *key = getenv("FIELDLOG_SSH_KEY");
		if (c->cred_attempts == 1 && getenv("SSH_AUTH_SOCK") && !key)
			return git_credential_ssh_key_from_agent(out, user);
		char *path = NULL;
		if (key && *key) {
			path = xstrdup(key);
		} else {
			static const char *const names[] = { "id_ed25519", "id_ecdsa" };
			for (size_t i = 0; i < 2 && !path; i++) {
				char *p = xstrfmt("%s/.ssh/%s", home ? home : "", names[i]);
				if (access(p, R_OK) == 0)
					path = p;
				else
					free(p);
			}
		}
		if (!path)
			return GIT_PASSTHROUGH;
		char *pub = xstrfmt("%s.pub", path);
		int e = git_credential_ssh_key_new(out, user, access(pub, R_OK) == 0 ? pub : NULL,
						   path, getenv("FIELDLOG_SSH_PASSPHRASE"));
		free(pub);
		free(path);
		return e;
	}
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		const char *user = c->o->user && *c->o->user ? c->o->user :
				   user_from_url ? user_from_url : c->o->me;
		if (!c->o->token || !*c->o->token)
			return GIT_PASSTHROUGH;
		return git_credential_userpass_plaintext_new(out, user ? user : "", c->o->token);
	}
	return GIT_PASSTHROUGH;
}

static int cb_transfer(const git_indexer_progress *p, void *payload)
{
	struct cb *c = payload;
	progressed();
	if (c->o->progress && p->total_objects)
		fprintf(stderr, "\rreceiving objects: %u/%u", p->received_objects, p->total_objects);
	return 0;
}

static int cb_push_transfer(unsigned int current, unsigned int total, size_t bytes,
			    void *payload)
{
	struct cb *c = payload;
	(void)bytes;
	progressed();
	if (c->o->progress && total)
		fprintf(stderr, "\rsending objects: %u/%u", current, total);
	return 0;
}

static int cb_sideband(const char *str, int len, void *payload)
{
	struct cb *c = payload;
	progressed();
	if (c->sideband.len < 64 * 1024)
		strbuf_add(&c->sideband, str, (size_t)len);
	return 0;
}

static int cb_update_ref(const char *refname, const char *status, void *payload)
{
	struct cb *c = payload;
	progressed();
	if (status && !c->rejected)
		c->rejected = xstrfmt("%s: %s", refname, status);
	return 0;
}

static void callbacks(git_remote_callbacks *rc, struct cb *c)
{
	git_remote_init_callbacks(rc, GIT_REMOTE_CALLBACKS_VERSION);
	rc->credentials = cb_credentials;
	rc->transfer_progress = cb_transfer;
	rc->push_transfer_progress = cb_push_transfer;
	rc->sideband_progress = cb_sideband;
	rc->push_update_reference = cb_update_ref;
	rc->payload = c;
}

/* Whether libgit2's last error means "could not reach the server". */
static int is_offline_error(int code)
{
	const git_error *e = git_error_last();
	const char *m = e && e->message ? e->message : "";
	if (code == GIT_EAUTH || strstr(m, "authentication") || strstr(m, "401") ||
	    strstr(m, "403") || strstr(m, "ertificate") || strstr(m, "hostkey") ||
	    strstr(m, "host key"))
		return 0;
	if (e && (e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_OS))
		return 1;
	return strstr(m, "connect") || strstr(m, "resolve") || strstr(m, "timed out") ||
	       strstr(m, "early EOF") || strstr(m, "unexpected") || strstr(m, "closed") ||
	       strstr(m, "reset by peer") || strstr(m, "No route") || strstr(m, "refused") ||
	       strstr(m, "SSH") || strstr(m, "socket") || strstr(m, "Broken pipe");
}

static int net_error(int code, const char *what)
{
	if (is_offline_error(code))
		return fl_error(FL_EOFFLINE, "cannot reach the central repository (%s: %s)", what,
				fl_git_error());
	return fl_error(FL_ERROR, "%s failed: %s", what, fl_git_error());
}

/* libgit2's own message after we stop offering credentials is unrelated noise. */
static int auth_error(void)
{
	return fl_error(FL_ERROR, "the central repository refused our credentials (authentication"
			" failed; check the login and token: fieldlog remote set-token)");
}

/* --- which branches --------------------------------------------------------- */

/*
 * The central repository has a branch per author (store.h). We fetch our
 * own (into origin/main, so that merging our devices' work is the usual
 * two-branch affair), main (the roster), and: a reviewer everyone's, an
 * officer the reviewers' (their answers). Officers never download each
 * other's records: at national scale that is what made a day's sync cost
 * 20 MB.
 */
struct ids {
	char **v;
	size_t n;
};

static void ids_add(struct ids *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], id))
			return;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(id);
}

static void ids_release(struct ids *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The reviewers in the roster we last fetched (none when there is none). */
static void roster_reviewers(struct ids *out, struct fl_store *s, const char *me)
{
	git_oid tip;
	cJSON *roster = NULL;
	const cJSON *p;

	if (fl_store_ref(&tip, s, FL_REMOTE_ROSTER) == 0 && fl_roster_read(&roster, s, &tip) == 0)
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people")) {
			const char *id = fl_json_str(p, "id"), *role = fl_json_str(p, "role");
			if (id && role && !strcmp(role, "reviewer") && strcmp(id, me ? me : ""))
				ids_add(out, id);
		}
	cJSON_Delete(roster);
	fl_clear_error();
}

/* Whether a is a subset of b. */
static int ids_within(const struct ids *a, const struct ids *b)
{
	for (size_t i = 0; i < a->n; i++) {
		size_t j;
		for (j = 0; j < b->n && strcmp(a->v[i], b->v[j]); j++)
			;
		if (j == b->n)
			return 0;
	}
	return 1;
}

/*
 * The refs a download brought: what the server announced, through our
 * refspecs, where our copy differs. Their objects must have come with it.
 */
static int fetched_refs(struct fl_ref_update **out, size_t *nout, git_repository *repo,
			git_remote *r, char **specs, size_t nspecs)
{
	const git_remote_head **heads;
	git_refspec **rs = xcalloc(nspecs, sizeof(*rs));
	git_odb *odb = NULL;
	size_t nheads, i, k, alloc = 0;
	int e;

	*out = NULL;
	*nout = 0;
	if (git_remote_ls(&heads, &nheads, r) < 0 || git_repository_odb(&odb, repo) < 0) {
		e = fl_error(FL_ERROR, "cannot read what was fetched: %s", fl_git_error());
		goto done;
	}
	for (k = 0; k < nspecs; k++)
		if (git_refspec_parse(&rs[k], specs[k], 1) < 0) {
			e = fl_error(FL_ERROR, "bad refspec '%s': %s", specs[k], fl_git_error());
			goto done;
		}
	for (i = 0; i < nheads; i++) {
		for (k = 0; k < nspecs && !git_refspec_src_matches(rs[k], heads[i]->name); k++)
			;
		if (k == nspecs)
			continue;
		git_buf dst = { NULL, 0, 0 };
		git_oid have;
		if (git_refspec_transform(&dst, rs[k], heads[i]->name) < 0) {
			e = fl_error(FL_ERROR, "bad ref name '%s': %s", heads[i]->name, fl_git_error());
			goto done;
		}
		int same = git_reference_name_to_id(&have, repo, dst.ptr) == 0 &&
			   git_oid_equal(&have, &heads[i]->oid);
		git_error_clear();
		if (same) {
			git_buf_dispose(&dst);
			continue;
		}
		if (!git_odb_exists(odb, &heads[i]->oid)) {
			e = fl_error(FL_ERROR, "the central repository did not send '%s'",
				     heads[i]->name);
			git_buf_dispose(&dst);
			goto done;
		}
		if (*nout == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			*out = xrealloc(*out, alloc * sizeof(**out));
		}
		(*out)[*nout].name = xstrdup(dst.ptr);
		git_oid_cpy(&(*out)[*nout].oid, &heads[i]->oid);
		(*nout)++;
		git_buf_dispose(&dst);
	}
	e = 0;
done:
	for (k = 0; k < nspecs; k++)
		git_refspec_free(rs[k]);
	free(rs);
	git_odb_free(odb);
	return e;
}

/* The refs a fetch moved, for a caller that asks (do_fetch's `moved`). */
struct fetched {
	struct fl_ref_update *u;
	size_t nu;
};

static void fetched_release(struct fetched *f)
{
	for (size_t i = 0; i < f->nu; i++)
		free((char *)f->u[i].name);
	free(f->u);
	memset(f, 0, sizeof(*f));
}

/*
 * The others whose branches the server announced (names are unique; a
 * name that is no author id is of no branch the import would read).
 */
static void announced_authors(struct ids *out, git_remote *r, const char *me)
{
	const git_remote_head **heads;
	size_t nheads, plen = strlen(FL_CENTRAL_AUTHORS);
	if (git_remote_ls(&heads, &nheads, r) < 0)
		return;
	out->v = xcalloc(nheads + 1, sizeof(*out->v));
	for (size_t i = 0; i < nheads; i++) {
		const char *author = heads[i]->name + plen;
		if (!strncmp(heads[i]->name, FL_CENTRAL_AUTHORS, plen) && strcmp(author, me) &&
		    fl_author_valid(author))
			out->v[out->n++] = xstrdup(author);
	}
}

/* The central repository as an anonymous remote, TLS made ready for it. */
static int central_remote(git_remote **r, git_repository *repo, const struct fl_sync_opts *o)
{
	int e;
	if ((e = fl_tls_prepare(o->url)) < 0)
		return e;
	if (git_remote_create_anonymous(r, repo, o->url) < 0)
		return fl_error(FL_ERROR, "bad central repository URL '%s': %s", o->url,
				fl_git_error());
	return 0;
}

/*
 * Fetches our branch, the roster, and everyone's branches or those of
 * `others` (ids, or prefixes of ids ending in '*': fl_prefix_cover).
 * `announced` (may be NULL) gets the others whose branches the server
 * has, `moved` (may be NULL) the refs the fetch moved.
 */
static int do_fetch(git_repository *repo, const struct fl_sync_opts *o, int everyone,
		    const struct ids *others, struct ids *announced, struct fetched *moved)
{
	git_remote *r = NULL;
	git_fetch_options fo;
	struct cb c = { o, 0, STRBUF_INIT, NULL };
	size_t n = 0, i, nu = 0;
	struct fl_ref_update *u = NULL;
	char **specs = xcalloc(3 + others->n, sizeof(*specs));
	git_strarray refspecs;
	int e;

	specs[n++] = xstrfmt("+%s%s:%s", FL_CENTRAL_AUTHORS, o->me, FL_REMOTE_BRANCH);
	specs[n++] = xstrfmt("+%s:%s", FL_CENTRAL_MAIN, FL_REMOTE_ROSTER);
	if (everyone)
		specs[n++] = xstrfmt("+%s*:%s*", FL_CENTRAL_AUTHORS, FL_REMOTE_AUTHORS);
	else
		for (i = 0; i < others->n; i++)
			specs[n++] = xstrfmt("+%s%s:%s%s", FL_CENTRAL_AUTHORS, others->v[i],
					     FL_REMOTE_AUTHORS, others->v[i]);
	refspecs.strings = specs;
	refspecs.count = n;

	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	callbacks(&fo.callbacks, &c);
	fo.prune = GIT_FETCH_NO_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	if ((e = central_remote(&r, repo, o)) < 0)
		goto done;
	watch_start(o);
	e = git_remote_connect(r, GIT_DIRECTION_FETCH, &fo.callbacks, &fo.proxy_opts,
			       &fo.custom_headers);
	if (e == 0)
		e = git_remote_download(r, &refspecs, &fo);
	if (e < 0)
		e = c.cred_attempts > 3 ? auth_error() : net_error(e, "fetch");
	else
		e = fetched_refs(&u, &nu, repo, r, specs, n);
	if (e == 0 && announced)
		announced_authors(announced, r, o->me);
	git_remote_disconnect(r);
	watch_stop();
	if (o->progress)
		fputc('\r', stderr);
	if (e < 0)
		goto done;
	/*
	 * Not git_remote_update_tips: it writes each ref as a loose file with
	 * its fsync, which was a quarter of a reviewer's first clone (3,332
	 * branches), and thousands of loose files slow every later look-up.
	 */
	if (nu)
		e = fl_store_update_refs(repo, u, nu);
	if (e == 0 && moved) {
		moved->u = u;
		moved->nu = nu;
		u = NULL;
		nu = 0;
	}
done:
	git_remote_free(r);
	strbuf_release(&c.sideband);
	free(c.rejected);
	for (i = 0; i < nu; i++)
		free((char *)u[i].name);
	free(u);
	for (i = 0; i < n; i++)
		free(specs[i]);
	free(specs);
	return e;
}

/* The reviewers of the roster the index holds (at national scale the
 * roster is half a megabyte of JSON: not parsed on every sync). */
static void indexed_reviewers(struct ids *out, struct fl_db *db, const char *me)
{
	sqlite3_stmt *st = fl_db_stmt(db, "SELECT id FROM people WHERE role = 'reviewer'");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (id && strcmp(id, me ? me : ""))
			ids_add(out, id);
	}
	sqlite3_reset(st);
}

/* Whether the roster we fetched is the one the index holds. */
static int roster_indexed(struct fl_store *s, struct fl_db *db)
{
	git_oid tip;
	char hex[GIT_OID_HEXSZ + 1];
	char *indexed = fl_db_meta_get(db, "indexed " FL_REMOTE_ROSTER);
	int same = 0;
	if (indexed && fl_store_ref(&tip, s, FL_REMOTE_ROSTER) == 0) {
		git_oid_tostr(hex, sizeof(hex), &tip);
		same = !strcmp(hex, indexed);
	}
	fl_clear_error();
	free(indexed);
	return same;
}

/*
 * Fetches what we follow; an officer whose fetch brought a roster with
 * new reviewers fetches their branches too. db may be NULL (a clone).
 */
static int fetch_all(struct fl_store *s, struct fl_db *db, const struct fl_sync_opts *o,
		     int everyone)
{
	struct ids before = { NULL, 0 }, after = { NULL, 0 };
	int e;

	if (!everyone) {
		if (db && roster_indexed(s, db))
			indexed_reviewers(&before, db, o->me);
		else
			roster_reviewers(&before, s, o->me);
	}
	e = do_fetch(fl_store_repo(s), o, everyone, &before, NULL, NULL);
	if (e == 0 && !everyone && !(db && roster_indexed(s, db))) {
		roster_reviewers(&after, s, o->me);
		if (!ids_within(&after, &before))
			e = do_fetch(fl_store_repo(s), o, 0, &after, NULL, NULL);
	}
	ids_release(&before);
	ids_release(&after);
	return e;
}

/* --- what the server announced ------------------------------------------------ */

struct adv {
	char **name;
	git_oid *oid;
	size_t n, alloc;
};

static int adv_add(const char *name, const git_oid *oid, void *payload)
{
	struct adv *a = payload;
	if (a->n == a->alloc) {
		a->alloc = a->alloc ? 2 * a->alloc : 64;
		a->name = xrealloc(a->name, a->alloc * sizeof(*a->name));
		a->oid = xrealloc(a->oid, a->alloc * sizeof(*a->oid));
	}
	a->name[a->n] = xstrdup(name);
	git_oid_cpy(&a->oid[a->n], oid);
	a->n++;
	return 0;
}

static void adv_release(struct adv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->name[i]);
	free(a->name);
	free(a->oid);
	memset(a, 0, sizeof(*a));
}

static const git_oid *adv_find(const struct adv *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->name[i], name))
			return &a->oid[i];
	return NULL;
}

/* Whether the server has a ref (remote, NULL: none) our copy local_ref lacks. */
static int behind(struct fl_store *s, const char *local_ref, const git_oid *remote)
{
	git_oid l;
	int have = fl_store_ref(&l, s, local_ref) == 0;
	fl_clear_error();
	return remote && !git_oid_is_zero(remote) && (!have || !git_oid_equal(&l, remote));
}

/* Whether, by what the server announced, a fetch would bring anything. */
static int fetch_needed(struct fl_store *s, struct fl_db *db, const struct fl_sync_opts *o,
			const struct adv *a)
{
	size_t plen = strlen(FL_CENTRAL_AUTHORS), i;
	int need = behind(s, FL_REMOTE_ROSTER, adv_find(a, FL_CENTRAL_MAIN));

	if (o->everyone) {
		for (i = 0; i < a->n && !need; i++) {
			const char *author = a->name[i] + plen;
			if (strncmp(a->name[i], FL_CENTRAL_AUTHORS, plen) || !strcmp(author, o->me))
				continue;
			char *local = xstrfmt("%s%s", FL_REMOTE_AUTHORS, author);
			need = behind(s, local, &a->oid[i]);
			free(local);
		}
	} else if (!need) {
		struct ids r = { NULL, 0 };
		indexed_reviewers(&r, db, o->me);
		for (i = 0; i < r.n && !need; i++) {
			char *remote = xstrfmt("%s%s", FL_CENTRAL_AUTHORS, r.v[i]);
			char *local = xstrfmt("%s%s", FL_REMOTE_AUTHORS, r.v[i]);
			need = behind(s, local, adv_find(a, remote));
			free(remote);
			free(local);
		}
		ids_release(&r);
	}
	return need;
}

/*
 * Pushes main to our branch; FL_EEXISTS when it has moved on
 * (non-fast-forward). `a` (may be NULL) collects what the server announced.
 */
static int do_push(git_repository *repo, const struct fl_sync_opts *o, char **server_message,
		   struct adv *a)
{
	git_remote *r = NULL;
	git_push_options po;
	struct cb c = { o, 0, STRBUF_INIT, NULL };
	char *ours = xstrfmt("%s%s", FL_CENTRAL_AUTHORS, o->me);
	char *spec = xstrfmt("%s:%s", FL_BRANCH, ours);
	git_strarray refspecs = { &spec, 1 };
	int e;

	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	callbacks(&po.callbacks, &c);
	if ((e = central_remote(&r, repo, o)) < 0)
		goto done;
	watch_start(o);
	if (fl_push_supported(o->url)) {
		git_oid main;
		e = git_reference_name_to_id(&main, repo, FL_BRANCH);
		if (e == 0)
			e = fl_push(r, ours, &main, &po.callbacks, a ? adv_add : NULL, a);
	} else {
		e = git_remote_push(r, &refspecs, &po);   /* a local path */
	}
	watch_stop();
	if (o->progress)
		fputc('\r', stderr);
	if (e == GIT_ENONFASTFORWARD) {
		e = fl_error(FL_EEXISTS, "the central repository moved on");
	} else if (e < 0) {
		e = c.cred_attempts > 3 ? auth_error() : net_error(e, "push");
	} else if (c.rejected) {
		/*
		 * "cannot lock ref" / "failed to update ref": another push (our own
		 * killed sync's, still finishing on the server) moved main between
		 * its hook and its update. Same remedy as non-fast-forward.
		 */
		if (strstr(c.rejected, "non-fast-forward") || strstr(c.rejected, "fetch first") ||
		    strstr(c.rejected, "cannot lock ref") || strstr(c.rejected, "failed to update ref") ||
		    strstr(c.sideband.buf, "cannot lock ref")) {
			e = fl_error(FL_EEXISTS, "the central repository moved on");
		} else {
			/* The hook's own lines say why; keep those that matter. */
			struct strbuf why = STRBUF_INIT;
			char *line = c.sideband.buf;
			while (line && *line) {
				char *nl = strchr(line, '\n');
				size_t len = nl ? (size_t)(nl - line) : strlen(line);
				if (len && strncmp(line, "remote: ", 8) != 0 && memchr(line, ':', len)) {
					strbuf_add(&why, line, len);
					strbuf_addch(&why, '\n');
				}
				line = nl ? nl + 1 : NULL;
			}
			if (!why.len)
				strbuf_addf(&why, "%s\n", c.rejected);
			while (why.len && why.buf[why.len - 1] == '\n')
				strbuf_setlen(&why, why.len - 1);
			*server_message = strbuf_detach(&why, NULL);
			e = fl_error(FL_EREJECTED, "the central repository refused the push: %s",
				     c.rejected);
		}
	}
done:
	git_remote_free(r);
	strbuf_release(&c.sideband);
	free(c.rejected);
	free(ours);
	free(spec);
	return e;
}

/* --- merging ----------------------------------------------------------------- */

struct change {
	char *path;
	git_oid blob;       /* zero when removed */
	int removed;
};

struct changes {
	struct change *v;
	size_t n, alloc;
};

static int collect(void *p, const char *path, const git_oid *old_blob, const git_oid *new_blob,
		   unsigned mode)
{
	struct changes *c = p;
	(void)old_blob, (void)mode;
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 64;
		c->v = xrealloc(c->v, c->alloc * sizeof(*c->v));
	}
	c->v[c->n].path = xstrdup(path);
	c->v[c->n].removed = !new_blob;
	if (new_blob)
		git_oid_cpy(&c->v[c->n].blob, new_blob);
	else
		memset(&c->v[c->n].blob, 0, sizeof(git_oid));
	c->n++;
	return 0;
}

static void changes_release(struct changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
}

static int cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->path, ((const struct change *)b)->path);
}

static struct change *find_change(struct changes *c, const char *path)
{
	struct change key;
	key.path = (char *)path;
	return bsearch(&key, c->v, c->n, sizeof(*c->v), cmp_change);
}

/* Commits in tip (not in base) whose version of path differs from their first parent's. */
static unsigned count_edits(git_repository *repo, const git_oid *tip, const git_oid *base,
			    const char *path)
{
	git_revwalk *w = NULL;
	git_oid id;
	unsigned n = 0;
	if (git_revwalk_new(&w, repo) < 0)
		return 0;
	git_revwalk_push(w, tip);
	if (base)
		git_revwalk_hide(w, base);
	while (git_revwalk_next(&id, w) == 0) {
		git_commit *c = NULL, *p = NULL;
		git_tree *t = NULL, *pt = NULL;
		git_tree_entry *a = NULL, *b = NULL;
		if (git_commit_lookup(&c, repo, &id) == 0 && git_commit_tree(&t, c) == 0) {
			git_tree_entry_bypath(&a, t, path);
			if (git_commit_parentcount(c) == 1 && git_commit_parent(&p, c, 0) == 0 &&
			    git_commit_tree(&pt, p) == 0)
				git_tree_entry_bypath(&b, pt, path);
			if (git_commit_parentcount(c) <= 1 &&
			    (!a != !b || (a && b && !git_oid_equal(git_tree_entry_id(a),
								     git_tree_entry_id(b)))))
				n++;
		}
		git_tree_entry_free(a);
		git_tree_entry_free(b);
		git_tree_free(t);
		git_tree_free(pt);
		git_commit_free(p);
		git_commit_free(c);
	}
	git_revwalk_free(w);
	return n;
}

static cJSON *parse_blob(struct fl_store *s, const git_oid *commit, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *r = NULL;
	if (commit && fl_store_read_path(&sb, s, commit, path) == 0 &&
	    fl_json_parse(&r, sb.buf, sb.len) == 0 && !cJSON_IsObject(r)) {
		cJSON_Delete(r);
		r = NULL;
	}
	strbuf_release(&sb);
	return r;
}

/*
 * Merges theirs into ours (neither an ancestor of the other) as a merge
 * commit on main. Adds the number of conflicting fields to *conflicts.
 */
static int merge_commits(git_oid *out, struct fl_store *s, const git_oid *ours,
			 const git_oid *theirs, const struct fl_sync_opts *o, size_t *conflicts)
{
	git_repository *repo = fl_store_repo(s);
	git_oid base;
	int have_base = git_merge_base(&base, repo, ours, theirs) == 0;
	struct changes a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	struct fl_write *w = NULL;
	size_t nw = 0, i;
	struct strbuf msg = STRBUF_INIT, trailers = STRBUF_INIT;
	char ohex[GIT_OID_HEXSZ + 1], thex[GIT_OID_HEXSZ + 1];
	int e;

	git_oid_tostr(ohex, sizeof(ohex), ours);
	git_oid_tostr(thex, sizeof(thex), theirs);
	if ((e = fl_store_diff(s, have_base ? &base : NULL, ours, collect, &a)) < 0 ||
	    (e = fl_store_diff(s, have_base ? &base : NULL, theirs, collect, &b)) < 0)
		goto done;
	qsort(a.v, a.n, sizeof(*a.v), cmp_change);
	w = xcalloc(b.n + 1, sizeof(*w));

	for (i = 0; i < b.n; i++) {
		struct change *tb = &b.v[i], *ta = find_change(&a, tb->path);
		if (!ta) {
			/* Changed on their side only: take it as it is. */
			struct strbuf sb = STRBUF_INIT;
			if (!tb->removed && fl_store_read_blob(&sb, s, &tb->blob, 64u << 20) < 0) {
				strbuf_release(&sb);
				continue;
			}
			w[nw].path = tb->path;
			w[nw].data = tb->removed ? NULL : strbuf_detach(&sb, &w[nw].len);
			nw++;
			continue;
		}
		if (ta->removed == tb->removed && (ta->removed || git_oid_equal(&ta->blob, &tb->blob)))
			continue;   /* the same change on both sides */

		/* Both sides changed this file differently. */
		cJSON *rb = have_base ? parse_blob(s, &base, tb->path) : NULL;
		cJSON *ro = parse_blob(s, ours, tb->path), *rt = parse_blob(s, theirs, tb->path);
		if (!ro || !rt) {
			/* Not a record we can read on one side: the central version stands. */
			struct strbuf sb = STRBUF_INIT;
			if (!tb->removed)
				fl_store_read_blob(&sb, s, &tb->blob, 64u << 20);
			w[nw].path = tb->path;
			w[nw].data = tb->removed ? NULL : strbuf_detach(&sb, &w[nw].len);
			nw++;
			cJSON_Delete(rb);
			cJSON_Delete(ro);
			cJSON_Delete(rt);
			continue;
		}
		struct fl_merge_side so = { ro, count_edits(repo, ours, have_base ? &base : NULL, tb->path), ohex };
		struct fl_merge_side st = { rt, count_edits(repo, theirs, have_base ? &base : NULL, tb->path), thex };
		struct fl_merge_result res;
		fl_merge_records(&res, rb, &so, &st);
		fl_record_order(res.merged);
		if (fl_record_validate(res.merged) < 0) {
			/* A merge of two valid records should be valid; if not, pick a side whole. */
			cJSON_Delete(res.merged);
			int cu = strcmp(fl_json_str(rt, "updated_at") ? fl_json_str(rt, "updated_at") : "",
					fl_json_str(ro, "updated_at") ? fl_json_str(ro, "updated_at") : "");
			int theirs_win = st.edits != so.edits ? st.edits > so.edits :
					 cu != 0 ? cu > 0 : strcmp(thex, ohex) > 0;
			res.merged = cJSON_Duplicate(theirs_win ? rt : ro, 1);
		}
		for (size_t k = 0; k < res.nconflicts; k++)
			strbuf_addf(&trailers, "Fieldlog-Conflict: %s %s: ours %s, theirs %s, kept %s\n",
				    fl_json_str(res.merged, "id") ? fl_json_str(res.merged, "id") : tb->path,
				    res.conflicts[k].path, res.conflicts[k].ours, res.conflicts[k].theirs,
				    res.conflicts[k].theirs_won ? "theirs" : "ours");
		*conflicts += res.nconflicts;
		char *text = fl_json_canonical(res.merged);
		w[nw].path = tb->path;
		w[nw].data = text;
		w[nw].len = strlen(text);
		nw++;
		fl_merge_result_release(&res);
		cJSON_Delete(rb);
		cJSON_Delete(ro);
		cJSON_Delete(rt);
	}

	strbuf_addstr(&msg, "sync: merge central repository\n");
	if (trailers.len)
		strbuf_addf(&msg, "\n%s", trailers.buf);
	{
		git_oid parents[2];
		struct fl_sig sig;
		char *email = xstrfmt("%s@fieldlog", o->me ? o->me : "unknown");
		git_oid_cpy(&parents[0], ours);
		git_oid_cpy(&parents[1], theirs);
		sig.name = o->name && *o->name ? o->name : (o->me ? o->me : "fieldlog");
		sig.email = email;
		sig.when = fl_time_now_secs();
		sig.offset = 7 * 60;
		e = fl_store_commit(out, s, FL_BRANCH, parents, 2, w, nw, msg.buf, &sig);
		free(email);
	}
done:
	for (i = 0; i < nw; i++)
		free((char *)w[i].data);
	free(w);
	changes_release(&a);
	changes_release(&b);
	strbuf_release(&msg);
	strbuf_release(&trailers);
	return e;
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

/* Brings main up to date with origin/main: fast-forward or merge. */
static int integrate(struct fl_store *s, const struct fl_sync_opts *o, size_t *conflicts)
{
	git_repository *repo = fl_store_repo(s);
	git_oid ours, theirs, base, out;
	git_reference *ref = NULL;
	int e;

	if (fl_store_ref(&theirs, s, FL_REMOTE_BRANCH) < 0) {
		fl_clear_error();
		return 0;   /* the central repository is empty */
	}
	if (fl_store_ref(&ours, s, FL_BRANCH) < 0) {
		fl_clear_error();
		e = git_reference_create(&ref, repo, FL_BRANCH, &theirs, 0, "sync: first fetch");
		git_reference_free(ref);
		return e < 0 ? fl_error(FL_ERROR, "cannot update main: %s", fl_git_error()) : 0;
	}
	if (git_oid_equal(&ours, &theirs))
		return 0;
	if (git_merge_base(&base, repo, &ours, &theirs) == 0) {
		if (git_oid_equal(&base, &theirs))
			return 0;   /* we are ahead: nothing to merge */
		if (git_oid_equal(&base, &ours)) {
			e = git_reference_create_matching(&ref, repo, FL_BRANCH, &theirs, 1, &ours,
							  "sync: fast-forward");
			git_reference_free(ref);
			return e < 0 ? fl_error(FL_ERROR, "cannot update main: %s", fl_git_error()) : 0;
		}
	}
	return merge_commits(&out, s, &ours, &theirs, o, conflicts);
}

/*
 * Pushes main (which descends from origin, NULL when we never pushed) to
 * our central branch; once the server confirms, our copy of that branch
 * is main too and the commits count as sent. `a`: see do_push.
 */
static int send_main(struct fl_store *s, const struct fl_sync_opts *o, const git_oid *main,
		     const git_oid *origin, struct fl_sync_result *out, struct adv *a)
{
	git_repository *repo = fl_store_repo(s);
	git_reference *ref = NULL;
	size_t pending = count_commits(repo, main, origin);
	int e = do_push(repo, o, &out->server_message, a);

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
		struct adv a = { NULL, NULL, 0, 0 };
		fl_trace("sync: push first");
		e = send_main(s, o, &main, have_origin ? &origin : NULL, out, &a);
		if (e == 0) {
			exchanged = !fetch_needed(s, db, o, &a);
		} else if (e == FL_EEXISTS || e == FL_EREJECTED) {
			/* Merge first; a refusal is met again (and reported) below. */
			free(out->server_message);
			out->server_message = NULL;
			fl_clear_error();
			e = 0;
		}
		adv_release(&a);
	}
	if (e == 0 && !exchanged)
		fl_db_meta_set(db, "refs_pending", "1");   /* until the import (workspace.c) */
	for (round = 0; e == 0 && !exchanged; round++) {
		fl_trace("sync: fetch");
		if ((e = fetch_all(s, db, o, o->everyone)) < 0)
			break;
		fl_trace("sync: merge");
		if ((e = integrate(s, o, &out->conflicts)) < 0)
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

/* --- first contact ------------------------------------------------------------ */

/*
 * Removes path and everything under it, not following symbolic links.
 * (It ran `rm -rf '<path>'`: a workspace path with a quote in it broke
 * the quoting.)
 */
static void remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path))) {
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char *sub = xstrfmt("%s/%s", path, de->d_name);
			remove_tree(sub);
			free(sub);
		}
		closedir(d);
	}
	if ((S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path)) < 0)
		fprintf(stderr, "warning: could not remove '%s': %s\n", path, strerror(errno));
}

/*
 * A reviewer's first clone fetches everyone's branches in parts, on a
 * thread of its own, and indexes each part while the next downloads:
 * libgit2 indexes a pack on one thread and the import is bound by the
 * thread that writes the index, so one after the other they used one of
 * a laptop's cores each in turn (100k records: 8.7 s, then 16 s).
 */
#define CLONE_PARTS 6
#define CLONE_PART_MIN 200   /* fewer branches than this a part: no parts */

struct feed {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	const char *gitdir;
	const struct fl_sync_opts *o;
	const struct ids *authors;
	struct fl_import_step *ready;   /* fetched, not yet taken by the import */
	size_t nready;
	int done, stop, result;
	char *error;
};

static size_t common_prefix(const char *a, const char *b)
{
	size_t i = 0;
	while (a[i] && a[i] == b[i])
		i++;
	return i;
}

/*
 * Why a part is fetched by prefixes: libgit2 matches every advertised ref
 * against every refspec with wildmatch (and so did fetched_refs). With a
 * refspec per author, a part of 640 in a 3,332-branch repository cost two
 * million matches a fetch: a fifth of the fetching thread's time in a
 * 100k clone, 2.5 s of CPU in all. The prefixes of one part number 10-25.
 */
size_t fl_prefix_cover(char ***out, char *const *v, size_t n, size_t i, size_t j)
{
	size_t nout = 0;

	*out = NULL;
	for (size_t k = i; k < j;) {
		size_t before = k > 0 ? common_prefix(v[k - 1], v[k]) : 0;
		size_t after = j < n ? common_prefix(v[k], v[j]) : 0;
		size_t len = (before > after ? before : after) + 1, m = k + 1;
		*out = xrealloc(*out, (nout + 1) * sizeof(**out));
		if (len > strlen(v[k])) {
			(*out)[nout++] = xstrdup(v[k++]);
			continue;
		}
		while (m < j && !strncmp(v[m], v[k], len))
			m++;
		(*out)[nout++] = xstrfmt("%.*s*", (int)len, v[k]);
		k = m;
	}
	return nout;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void *feed_fetch(void *p)
{
	struct feed *f = p;
	git_repository *repo = NULL;
	size_t n = f->authors->n, per, k = 0;
	char **sorted = xcalloc(n + 1, sizeof(*sorted));
	int e = 0;

	memcpy(sorted, f->authors->v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), strp_cmp);
	if (git_repository_open_bare(&repo, f->gitdir) < 0)
		e = fl_error(FL_ERROR, "cannot open '%s': %s", f->gitdir, fl_git_error());
	/* A small first part, so that the import starts early; then equal ones. */
	for (size_t at = 0; e == 0 && at < n; at += per, k++) {
		per = k == 0 ? n / (4 * CLONE_PARTS) + 1 : (n + CLONE_PARTS - 2) / (CLONE_PARTS - 1);
		struct ids part = { NULL, 0 };
		struct fetched out;
		memset(&out, 0, sizeof(out));
		pthread_mutex_lock(&f->mu);
		int stop = f->stop;
		pthread_mutex_unlock(&f->mu);
		if (stop)
			break;
		part.n = fl_prefix_cover(&part.v, sorted, n, at, n - at < per ? n : at + per);
		e = do_fetch(repo, f->o, 0, &part, NULL, &out);
		ids_release(&part);
		if (e < 0)
			break;
		fl_trace("clone: fetched part %zu", k + 1);
		pthread_mutex_lock(&f->mu);
		f->ready = xrealloc(f->ready, (f->nready + out.nu + 1) * sizeof(*f->ready));
		for (size_t i = 0; i < out.nu; i++) {
			const char *author = fl_import_branch_author(out.u[i].name, f->o->me);
			struct fl_import_step *step = &f->ready[f->nready];
			if (!author)
				continue;
			memset(step, 0, sizeof(*step));
			step->key = xstrfmt("indexed %s", out.u[i].name);
			step->author = xstrdup(author);
			git_oid_cpy(&step->to, &out.u[i].oid);
			f->nready++;
		}
		pthread_cond_signal(&f->cond);
		pthread_mutex_unlock(&f->mu);
		fetched_release(&out);
	}
	free(sorted);
	git_repository_free(repo);
	pthread_mutex_lock(&f->mu);
	f->done = 1;
	f->result = e;
	if (e < 0)
		f->error = xstrdup(fl_last_error());
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
	fl_clear_error();   /* this thread's error slot dies with it */
	return NULL;
}

/* The import's source of steps (fl_step_source): each part as it lands. */
static int feed_next(void *p, struct fl_import_step **out, size_t *n)
{
	struct feed *f = p;
	int r = 0;

	pthread_mutex_lock(&f->mu);
	while (!f->nready && !f->done)
		pthread_cond_wait(&f->cond, &f->mu);
	if (f->nready) {
		*out = f->ready;
		*n = f->nready;
		f->ready = NULL;
		f->nready = 0;
		r = 1;
	} else if (f->result < 0) {
		r = fl_error(f->result, "%s", f->error);
	}
	pthread_mutex_unlock(&f->mu);
	return r;
}

/* Fetches everyone's branches into s while indexing them into db. */
static int clone_everyone(struct fl_store *s, struct fl_db *db, const struct fl_sync_opts *o,
			  const struct ids *authors)
{
	struct fl_import_step *steps = NULL;
	size_t nsteps = 0;
	struct feed f;
	pthread_t t;
	int fresh, e;

	if ((e = fl_import_plan(&steps, &nsteps, &fresh, db, s, o->me, 1)) < 0)
		return e;
	memset(&f, 0, sizeof(f));
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.cond, NULL);
	f.gitdir = git_repository_path(fl_store_repo(s));
	f.o = o;
	f.authors = authors;
	if (pthread_create(&t, NULL, feed_fetch, &f) != 0) {
		fl_import_steps_release(steps, nsteps);
		return fl_error(FL_ERROR, "cannot start a thread");
	}
	e = fl_import_stream(db, s, steps, nsteps, feed_next, &f, NULL);
	pthread_mutex_lock(&f.mu);
	f.stop = 1;
	pthread_mutex_unlock(&f.mu);
	pthread_join(t, NULL);
	fl_import_steps_release(steps, nsteps);
	fl_import_steps_release(f.ready, f.nready);
	free(f.error);
	pthread_mutex_destroy(&f.mu);
	pthread_cond_destroy(&f.cond);
	if (e == 0)
		fl_trace("clone: fetched and indexed");
	return e;
}

int fl_sync_clone(const char *dir, cJSON *cfg, const struct fl_sync_opts *o,
		  struct fl_db *(*index)(void *), void *payload)
{
	char *tmp = xstrfmt("%s/repo.git.new", dir), *final = xstrfmt("%s/repo.git", dir);
	struct fl_store *s = NULL;
	struct ids announced = { NULL, 0 };
	struct fl_db *db = NULL;
	size_t conflicts = 0;
	int e;

	remove_tree(tmp);
	if ((e = fl_store_init(&s, tmp)) < 0)
		goto done;
	/*
	 * Our own branch and the roster first: the roster says who we are,
	 * and so what else to fetch (the reviewers' branches, or everyone's).
	 */
	struct ids none = { NULL, 0 };
	fl_trace("clone: fetch");
	if ((e = do_fetch(fl_store_repo(s), o, 0, &none, &announced, NULL)) < 0)
		goto done;
	fl_trace("clone: fetched");

	/* Fill in who we are from the roster. */
	git_oid head;
	if (fl_store_ref(&head, s, FL_REMOTE_ROSTER) == 0) {
		struct strbuf sb = STRBUF_INIT;
		cJSON *roster = NULL;
		const cJSON *p;
		if (fl_store_read_path(&sb, s, &head, "roster.json") == 0 &&
		    fl_json_parse(&roster, sb.buf, sb.len) == 0) {
			cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people")) {
				if (strcmp(fl_json_str(p, "id") ? fl_json_str(p, "id") : "",
					   fl_json_str(cfg, "id")))
					continue;
				const char *keys[] = { "name", "role" };
				for (int k = 0; k < 2; k++)
					if (!*fl_json_str(cfg, keys[k]) && fl_json_str(p, keys[k]))
						fl_json_set_str(cfg, keys[k], fl_json_str(p, keys[k]));
				const cJSON *pv = cJSON_GetObjectItemCaseSensitive(p, "provinces");
				if (!*fl_json_str(cfg, "province") && cJSON_GetArraySize(pv) > 0)
					fl_json_set_str(cfg, "province",
							cJSON_GetStringValue(cJSON_GetArrayItem(pv, 0)));
			}
		}
		cJSON_Delete(roster);
		strbuf_release(&sb);
	}
	fl_clear_error();
	if (!*fl_json_str(cfg, "role")) {
		e = fl_error(FL_ENOTFOUND, "'%s' is not in the central repository's roster; "
			     "give --name and --role (and ask the admin to add you)",
			     fl_json_str(cfg, "id"));
		goto done;
	}
	int reviewer = !strcmp(fl_json_str(cfg, "role"), "reviewer");
	struct fl_sync_opts all = *o;
	all.everyone = 1;
	/* A reviewer follows everyone (with many branches: fetched in parts,
	 * indexed as they land), an officer the reviewers. */
	if (reviewer && announced.n >= CLONE_PART_MIN) {
		if ((e = integrate(s, o, &conflicts)) == 0 && !(db = index(payload)))
			e = FL_ERROR;
		if (e == 0)
			e = clone_everyone(s, db, &all, &announced);
	} else {
		e = fetch_all(s, NULL, reviewer ? &all : o, reviewer);
	}
	if (e < 0 || (e = integrate(s, o, &conflicts)) < 0)
		goto done;
	/* Without an index there is no workspace: nothing stays. */
	if (!db && !(db = index(payload))) {
		e = FL_ERROR;
		goto done;
	}
	fl_trace("clone: fetched all");
	fl_store_free(s);
	s = NULL;
	if (rename(tmp, final) < 0)
		e = fl_error(FL_ERROR, "cannot create '%s'", final);
done:
	fl_store_free(s);
	ids_release(&announced);
	if (e < 0)
		remove_tree(tmp);
	free(tmp);
	free(final);
	return e;
}
