/*
 * remote.c: the exchange with the central repository (DESIGN sections 3
 * and 4): which branches a device follows, the fetch, the push, and the
 * watchdog and transport callbacks both share. sync.c runs the rounds,
 * clone.c the first contact; app/ reaches all of it through sync.h.
 *
 * Failure. A connection that hangs is ended by a watchdog thread after
 * `deadline` seconds without progress (libgit2 1.5 has no timeouts; see
 * the watchdog below for who ends the process). A push refused by the
 * server's hook still returns 0 from libgit2 1.5: the refusal is read
 * from the push_update_reference callback, and the hook's words from the
 * sideband. Whether an error means "could not reach the server" (exit 3
 * in app/) or a configuration to mend is decided by netfail.c, from
 * libgit2's message; an ssh host key is judged by hostkey.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync/remote.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "schema/json.h"
#include "schema/record.h"
#include "sync/check.h"
#include "sync/hostkey.h"
#include "sync/netfail.h"
#include "sync/localfetch.h"
#include "sync/negotiate.h"
#include "sync/progress.h"
#include "sync/postfetch.h"
#include "sync/push.h"
#include "sync/tls.h"

/* --- watchdog -------------------------------------------------------------- */

/*
 * libgit2 1.5 has no network timeouts: a connection that stops answering
 * leaves the thread blocked in a read. A thread of our own watches the
 * time since the last progress (any callback); past the deadline it marks
 * the exchange timed out, so that the next callback cancels it, and calls
 * o->on_timeout, which may end the process: a read that never returns
 * gets no callback, and whether to give up the whole process for it
 * (fieldlog: exit 3) is the application's decision, not this layer's.
 */
static atomic_llong last_progress;
static atomic_int watching;
static atomic_int timed_out;
static int watch_deadline;
static void (*watch_timeout)(void);

static long long mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

/* Notes progress; < 0 once the deadline has passed (the callback cancels). */
static int progressed(void)
{
	atomic_store(&last_progress, mono_now());
	return atomic_load(&timed_out) ? GIT_EUSER : 0;
}

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (atomic_load(&watching) &&
		    mono_now() - atomic_load(&last_progress) > watch_deadline) {
			atomic_store(&watching, 0);
			atomic_store(&timed_out, 1);
			if (watch_timeout)
				watch_timeout();
		}
	}
	return NULL;
}

static void watch_start(const struct fl_sync_opts *o)
{
	static int started;
	watch_deadline = o->deadline;
	watch_timeout = o->on_timeout;
	atomic_store(&timed_out, 0);
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

/* An exchange the watchdog ended (its hook did not end the process). */
static int timeout_error(const struct fl_sync_opts *o)
{
	return fl_error(FL_EOFFLINE, "the central repository stopped answering (%d s without"
			" progress)", o->deadline);
}

/* --- remote callbacks ------------------------------------------------------ */

struct cb {
	const struct fl_sync_opts *o;
	int cred_attempts;
	struct strbuf sideband;
	char *rejected;        /* status of our ref from the server, if refused */
	char *hostkey;         /* why the server's host key was refused */
	struct fl_haves haves; /* a fetch: what we tell the server we have */
	struct fl_progress meter;
	/* a fetch: what `wanted` needs, once the server's refs are known */
	git_repository *repo;
	git_remote *remote;
	char **specs;
	size_t nspecs;
};

static int cb_credentials(git_credential **out, const char *url, const char *user_from_url,
			  unsigned int allowed, void *payload)
{
	struct cb *c = payload;
	const char *home = getenv("HOME");
	(void)url;

	if (progressed() < 0)
		return GIT_EUSER;
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
	if (progressed() < 0)
		return GIT_EUSER;
	fl_progress_indexer(&c->meter, p);
	return 0;
}

static int cb_push_transfer(unsigned int current, unsigned int total, size_t bytes,
			    void *payload)
{
	struct cb *c = payload;
	if (progressed() < 0)
		return GIT_EUSER;
	if (total)
		fl_progress_show(&c->meter, FL_PHASE_SENDING, current, total, bytes, 0);
	return 0;
}

static int cb_sideband(const char *str, int len, void *payload)
{
	struct cb *c = payload;
	if (progressed() < 0)
		return GIT_EUSER;
	if (c->sideband.len < 64 * 1024)
		strbuf_add(&c->sideband, str, (size_t)len);
	return 0;
}

static int cb_update_ref(const char *refname, const char *status, void *payload)
{
	struct cb *c = payload;
	if (progressed() < 0)
		return GIT_EUSER;
	if (status && !c->rejected)
		c->rejected = xstrfmt("%s: %s", refname, status);
	return 0;
}

/* The host key, judged in hostkey.c; a person answering is not the network stalling. */
static int cb_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	struct cb *c = payload;
	int e, was = atomic_exchange(&watching, 0);
	(void)host;

	e = fl_hostkey_check(cert, valid, c->o->url);   /* GIT_PASSTHROUGH: not ssh */
	if (e < 0 && e != GIT_PASSTHROUGH && !c->hostkey)
		c->hostkey = xstrdup(fl_last_error());
	progressed();
	atomic_store(&watching, was);
	return e < 0 && e != GIT_PASSTHROUGH ? GIT_EUSER : e;
}

static void wanted(struct fl_haves *haves, struct fl_haves *missing, git_repository *repo,
		   git_remote *r, char **specs, size_t nspecs);

static void fill_haves(struct fl_haves *h, void *payload)
{
	struct cb *c = payload;
	wanted(h, NULL, c->repo, c->remote, c->specs, c->nspecs);
}

static int cb_transport(git_transport **out, git_remote *owner, void *payload)
{
	struct cb *c = payload;
	return fl_negotiate_transport(out, owner, c->o->url, &c->haves, fill_haves, c);
}

static void callbacks(git_remote_callbacks *rc, struct cb *c)
{
	git_remote_init_callbacks(rc, GIT_REMOTE_CALLBACKS_VERSION);
	rc->credentials = cb_credentials;
	rc->transfer_progress = cb_transfer;
	rc->push_transfer_progress = cb_push_transfer;
	rc->sideband_progress = cb_sideband;
	rc->push_update_reference = cb_update_ref;
	rc->certificate_check = cb_certificate;
	rc->payload = c;
}

/*
 * "Authorization: Basic ..." for an http(s) URL without a user in it,
 * when we have a token; else NULL. Sent with the first request, it saves
 * the round trip of the 401 libgit2 waits for before it asks for
 * credentials: one per connection, 300 ms each on a 3G line. Caller frees.
 */
static char *auth_header(const struct fl_sync_opts *o)
{
	const char *host;
	char *pair, *b64, *h;
	size_t len, blen;

	if (!o->token || !*o->token)
		return NULL;
	if (!strncmp(o->url, "http://", 7))
		host = o->url + 7;
	else if (!strncmp(o->url, "https://", 8))
		host = o->url + 8;
	else
		return NULL;
	if (memchr(host, '@', strcspn(host, "/")))
		return NULL;   /* the URL's user: libgit2's way */
	pair = xstrfmt("%s:%s", o->user && *o->user ? o->user : o->me ? o->me : "", o->token);
	len = strlen(pair);
	blen = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	b64 = xmalloc(blen);
	sodium_bin2base64(b64, blen, (const unsigned char *)pair, len,
			  sodium_base64_VARIANT_ORIGINAL);
	h = xstrfmt("Authorization: Basic %s", b64);
	sodium_memzero(pair, len);
	free(pair);
	free(b64);
	return h;
}

static int net_error(int code, const char *what, const struct cb *c)
{
	if (c->hostkey)
		return fl_error(FL_ERROR, "%s", c->hostkey);
	return fl_netfail(code, what, c->o->url);
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
void fl_ids_add(struct fl_ids *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], id))
			return;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(id);
}

void fl_ids_release(struct fl_ids *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The reviewers in the roster we last fetched (none when there is none). */
static void roster_reviewers(struct fl_ids *out, struct fl_store *s, const char *me)
{
	git_oid tip;
	cJSON *roster = NULL;
	const cJSON *p;

	if (fl_store_ref(&tip, s, FL_REMOTE_ROSTER) == 0 && fl_roster_read(&roster, s, &tip) == 0)
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people")) {
			const char *id = fl_json_str(p, "id"), *role = fl_json_str(p, "role");
			if (id && role && !strcmp(role, "reviewer") && strcmp(id, me ? me : ""))
				fl_ids_add(out, id);
		}
	cJSON_Delete(roster);
	fl_clear_error();
}

/* Whether a is a subset of b. */
static int ids_within(const struct fl_ids *a, const struct fl_ids *b)
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

/*
 * What our copies of the branches a fetch asks for point at, where the
 * server's differ (negotiate.h), into haves: told to the server, they
 * keep out of the pack what we hold already. Without them libgit2 1.5
 * tells the server only of the newest 20 commits of all our refs, and a
 * branch that moved came down with its whole history. Into missing (may
 * be NULL), the wanted commits we lack.
 */
static void wanted(struct fl_haves *haves, struct fl_haves *missing, git_repository *repo,
		   git_remote *r, char **specs, size_t nspecs)
{
	const git_remote_head **heads;
	git_refspec **rs = xcalloc(nspecs, sizeof(*rs));
	git_odb *odb = NULL;
	size_t nheads = 0, i, k;

	if (git_remote_ls(&heads, &nheads, r) < 0 || git_repository_odb(&odb, repo) < 0)
		nheads = 0;
	for (k = 0; k < nspecs; k++)
		if (git_refspec_parse(&rs[k], specs[k], 1) < 0)
			nheads = 0;
	for (i = 0; i < nheads; i++) {
		git_buf dst = { NULL, 0, 0 };
		git_oid have;
		for (k = 0; k < nspecs && !git_refspec_src_matches(rs[k], heads[i]->name); k++)
			;
		if (k == nspecs || git_refspec_transform(&dst, rs[k], heads[i]->name) < 0)
			continue;
		if (git_reference_name_to_id(&have, repo, dst.ptr) == 0 &&
		    !git_oid_equal(&have, &heads[i]->oid))
			fl_haves_add(haves, &have);
		if (missing && !git_odb_exists(odb, &heads[i]->oid))
			fl_haves_add(missing, &heads[i]->oid);
		git_buf_dispose(&dst);
	}
	git_error_clear();
	git_odb_free(odb);
	for (k = 0; k < nspecs; k++)
		git_refspec_free(rs[k]);
	free(rs);
}

/*
 * The download from a path or file:// URL (localfetch.h: libgit2's local
 * transport would pack the whole central repository each time).
 */
static int local_download(git_repository *repo, git_remote *r, const char *gitdir, struct cb *c,
			  char **specs, size_t nspecs)
{
	struct fl_haves missing = { NULL, 0, 0 };
	int e = 0;

	wanted(&c->haves, &missing, repo, r, specs, nspecs);
	if (missing.n)
		e = fl_local_fetch(repo, gitdir, missing.v, missing.n, &c->haves, cb_transfer, c);
	fl_haves_release(&missing);
	return e;
}

void fl_fetched_release(struct fl_fetched *f)
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
static void announced_authors(struct fl_ids *out, git_remote *r, const char *me)
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

int fl_remote_fetch(git_repository *repo, const struct fl_sync_opts *o, int everyone,
		    const struct fl_ids *others, struct fl_ids *announced, struct fl_fetched *moved)
{
	git_remote *r = NULL;
	git_fetch_options fo;
	struct cb c = { o, 0, STRBUF_INIT, NULL, NULL, { NULL, 0, 0 }, { NULL, 0, 0, 0, 0 }, NULL, NULL, NULL, 0 };
	size_t n = 0, i, nu = 0;
	struct fl_ref_update *u = NULL;
	char **specs = xcalloc(3 + others->n, sizeof(*specs));
	char *share = fl_local_gitdir(o->url), *auth = NULL;
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
	fl_progress_init(&c.meter, stderr, o->progress);
	if (fl_negotiate_supported(o->url))
		fo.callbacks.transport = cb_transport;
	if ((auth = auth_header(o))) {
		fo.custom_headers.strings = &auth;
		fo.custom_headers.count = 1;
	}
	fo.prune = GIT_FETCH_NO_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	if ((e = central_remote(&r, repo, o)) < 0)
		goto done;
	c.repo = repo;
	c.remote = r;
	c.specs = specs;
	c.nspecs = n;
	watch_start(o);
	/*
	 * Over a network one git_remote_download, which connects itself:
	 * libgit2 1.5 copies the custom headers for each of connect and
	 * download and frees neither copy (tests/lsan.supp); one call, one
	 * copy. The haves are filled in once the server's refs are known
	 * (fill_haves).
	 */
	if (share) {
		e = git_remote_connect(r, GIT_DIRECTION_FETCH, &fo.callbacks, &fo.proxy_opts,
				       &fo.custom_headers);
		if (e == 0 && (e = local_download(repo, r, share, &c, specs, n)) < 0 &&
		    !atomic_load(&timed_out))
			goto disconnect;
	} else {
		e = git_remote_download(r, &refspecs, &fo);
	}
	if (e < 0 && atomic_load(&timed_out))
		e = timeout_error(o);
	else if (e < 0)
		e = c.cred_attempts > 3 ? auth_error() : net_error(e, "fetch", &c);
	else
		e = fetched_refs(&u, &nu, repo, r, specs, n);
	if (e == 0 && announced)
		announced_authors(announced, r, o->me);
disconnect:
	git_remote_disconnect(r);
	watch_stop();
	fl_progress_end(&c.meter);
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
	free(c.hostkey);
	fl_haves_release(&c.haves);
	free(share);
	free(auth);
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
static void indexed_reviewers(struct fl_ids *out, struct fl_db *db, const char *me)
{
	sqlite3_stmt *st = fl_db_stmt(db, "SELECT id FROM people WHERE role = 'reviewer'");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (id && strcmp(id, me ? me : ""))
			fl_ids_add(out, id);
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

int fl_remote_fetch_all(struct fl_store *s, struct fl_db *db, const struct fl_sync_opts *o,
		     int everyone)
{
	struct fl_ids before = { NULL, 0 }, after = { NULL, 0 };
	int e;

	if (!everyone) {
		if (db && roster_indexed(s, db))
			indexed_reviewers(&before, db, o->me);
		else
			roster_reviewers(&before, s, o->me);
	}
	e = fl_remote_fetch(fl_store_repo(s), o, everyone, &before, NULL, NULL);
	if (e == 0 && !everyone && !(db && roster_indexed(s, db))) {
		roster_reviewers(&after, s, o->me);
		if (!ids_within(&after, &before))
			e = fl_remote_fetch(fl_store_repo(s), o, 0, &after, NULL, NULL);
	}
	fl_ids_release(&before);
	fl_ids_release(&after);
	return e;
}

/* --- what the server announced ------------------------------------------------ */

static int adv_add(const char *name, const git_oid *oid, void *payload)
{
	struct fl_adv *a = payload;
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

void fl_adv_release(struct fl_adv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->name[i]);
	free(a->name);
	free(a->oid);
	memset(a, 0, sizeof(*a));
}

static const git_oid *adv_find(const struct fl_adv *a, const char *name)
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

/* The refs we follow that moved on the server: our name for each, the server's tip. */
struct moved {
	struct fl_ref_update *u;
	size_t n, alloc;
	int roster;   /* main is among them */
};

static void moved_add(struct moved *m, struct fl_store *s, char *local, const git_oid *remote)
{
	if (!behind(s, local, remote)) {
		free(local);
		return;
	}
	FL_ALLOC_GROW(m->u, m->n + 1, m->alloc);
	m->u[m->n].name = local;
	git_oid_cpy(&m->u[m->n].oid, remote);
	m->n++;
}

static void moved_release(struct moved *m)
{
	for (size_t i = 0; i < m->n; i++)
		free((char *)m->u[i].name);
	free(m->u);
	memset(m, 0, sizeof(*m));
}

/* What a fetch would bring, by what the server announced (a). */
static void moved_refs(struct moved *m, struct fl_store *s, struct fl_db *db,
		       const struct fl_sync_opts *o, const struct fl_adv *a)
{
	size_t plen = strlen(FL_CENTRAL_AUTHORS), i;

	memset(m, 0, sizeof(*m));
	moved_add(m, s, xstrdup(FL_REMOTE_ROSTER), adv_find(a, FL_CENTRAL_MAIN));
	m->roster = m->n > 0;
	if (o->everyone) {
		for (i = 0; i < a->n; i++) {
			const char *author = a->name[i] + plen;
			if (strncmp(a->name[i], FL_CENTRAL_AUTHORS, plen) || !strcmp(author, o->me))
				continue;
			moved_add(m, s, xstrfmt("%s%s", FL_REMOTE_AUTHORS, author), &a->oid[i]);
		}
	} else {
		struct fl_ids r = { NULL, 0 };
		indexed_reviewers(&r, db, o->me);
		for (i = 0; i < r.n; i++) {
			char *remote = xstrfmt("%s%s", FL_CENTRAL_AUTHORS, r.v[i]);
			moved_add(m, s, xstrfmt("%s%s", FL_REMOTE_AUTHORS, r.v[i]),
				  adv_find(a, remote));
			free(remote);
		}
		fl_ids_release(&r);
	}
}

int fl_remote_fetch_needed(struct fl_store *s, struct fl_db *db, const struct fl_sync_opts *o,
			const struct fl_adv *a)
{
	struct moved m;
	int need;

	moved_refs(&m, s, db, o, a);
	need = m.n > 0;
	moved_release(&m);
	return need;
}

/* --- the fetch on the push's connection ---------------------------------------- */

struct piggy {
	struct fl_store *s;
	struct fl_db *db;
	const struct fl_sync_opts *o;
	struct fl_adv *a;
	const git_remote_callbacks *cb;
	int fetched;
};

static int piggy_adv(const char *name, const git_oid *oid, void *payload)
{
	struct piggy *p = payload;
	return p->a ? adv_add(name, oid, p->a) : 0;
}

/*
 * After the push: what moved, fetched in one request on the same
 * connection, and our copies of those refs moved. Not when the roster
 * moved (it may name reviewers whose branches we do not follow yet:
 * fl_remote_fetch_all's second pass) and never fatal: anything amiss
 * leaves the fetch to the usual round.
 */
static void piggy_fetch(git_smart_subtransport *sub, const char *url, void *payload)
{
	struct piggy *p = payload;
	git_repository *repo = fl_store_repo(p->s);
	struct moved m;
	git_oid *wants = NULL, *haves = NULL, id;
	size_t nh = 0, i;
	int e = 0;

	moved_refs(&m, p->s, p->db, p->o, p->a);
	if (!m.n || m.roster)
		goto done;
	wants = xcalloc(m.n, sizeof(*wants));
	haves = xcalloc(m.n + 2, sizeof(*haves));
	for (i = 0; i < m.n; i++) {
		git_oid_cpy(&wants[i], &m.u[i].oid);
		if (fl_store_ref(&id, p->s, m.u[i].name) == 0)
			git_oid_cpy(&haves[nh++], &id);
	}
	/* main: the server has it now; the roster: answers may build on it */
	if (fl_store_ref(&id, p->s, FL_BRANCH) == 0)
		git_oid_cpy(&haves[nh++], &id);
	if (fl_store_ref(&id, p->s, FL_REMOTE_ROSTER) == 0)
		git_oid_cpy(&haves[nh++], &id);
	fl_clear_error();
	fl_trace("sync: fetch on the push's connection");
	/* Until the import has read the moved refs (workspace.c) */
	fl_db_meta_set(p->db, "refs_pending", "1");
	if ((e = fl_postfetch(sub, url, repo, wants, m.n, haves, nh, p->cb, NULL)) < 0 ||
	    (e = fl_store_update_refs(repo, m.u, m.n)) < 0) {
		fl_trace("sync: that fetch failed (%s); the usual one follows",
			 e == FL_ERROR ? fl_last_error() : fl_git_error());
		fl_clear_error();
		git_error_clear();
		goto done;
	}
	fl_crash_point("sync:after-postfetch");
	p->fetched = 1;
done:
	free(wants);
	free(haves);
	moved_release(&m);
}

/*
 * A path or file:// remote runs no hook (libgit2's local push runs none),
 * so what is about to be sent is judged here by the hook's own rules
 * (sync/check.h), against the central main's roster as last fetched (the
 * sync fetches before it pushes to a path), and refused with the line
 * the hook would print. Over a network the hook judges with the same
 * code, on the roster as it is now.
 */
static int local_check(git_repository *repo, const struct fl_sync_opts *o, const char *ref,
		       char **server_message)
{
	struct fl_store *s = NULL;
	git_oid main, origin, tip;
	cJSON *roster = NULL;
	struct strbuf why = STRBUF_INIT;
	int e, have_origin;

	if ((e = fl_store_open(&s, git_repository_path(repo))) < 0)
		return e;
	if ((e = fl_store_ref(&main, s, FL_BRANCH)) < 0)
		goto done;
	have_origin = fl_store_ref(&origin, s, FL_REMOTE_BRANCH) == 0;
	if (fl_store_ref(&tip, s, FL_REMOTE_ROSTER) < 0 || fl_roster_read(&roster, s, &tip) < 0) {
		strbuf_addf(&why, "refused %s: the central repository has no main branch and so"
			    " no roster (run 'fieldlog server init')", ref);
		e = FL_EREJECTED;
	} else {
		fl_clear_error();
		e = fl_check_branch(s, roster, NULL, ref, have_origin ? &origin : NULL, &main, o->me,
				    &why);
	}
	if (e < 0 && why.len) {
		*server_message = xstrfmt("fieldlog: %s", why.buf);
		e = fl_error(FL_EREJECTED, "the central repository refused the push: %s", why.buf);
	}
done:
	cJSON_Delete(roster);
	strbuf_release(&why);
	fl_store_free(s);
	return e;
}

/*
 * Pushes the local ref src to the central ref ours; `check`: judge it
 * first as the hook would when the remote is a path (our main; a relayed
 * branch was judged when its bundle was imported).
 */
static int push_ref(git_repository *repo, const struct fl_sync_opts *o, const char *src,
		    char *ours, int check, char **server_message, struct piggy *p)
{
	git_remote *r = NULL;
	git_push_options po;
	struct cb c = { o, 0, STRBUF_INIT, NULL, NULL, { NULL, 0, 0 }, { NULL, 0, 0, 0, 0 }, NULL, NULL, NULL, 0 };
	char *spec = xstrfmt("%s:%s", src, ours);
	git_strarray refspecs = { &spec, 1 };
	int e;

	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	callbacks(&po.callbacks, &c);
	fl_progress_init(&c.meter, stderr, o->progress);
	if ((e = central_remote(&r, repo, o)) < 0)
		goto done;
	if (check && !fl_push_supported(o->url) &&
	    (e = local_check(repo, o, ours, server_message)) < 0)
		goto done;
	watch_start(o);
	if (fl_push_supported(o->url)) {
		git_oid main;
		char *auth = auth_header(o);
		git_strarray headers = { &auth, auth ? 1 : 0 };
		e = git_reference_name_to_id(&main, repo, src);
		struct fl_push_hooks hooks = { piggy_adv, p && p->db ? piggy_fetch : NULL, p };
		if (e == 0) {
			if (p)
				p->cb = &po.callbacks;
			e = fl_push(r, ours, &main, &po.callbacks, p ? &hooks : NULL, &headers);
		}
		free(auth);
	} else {
		e = git_remote_push(r, &refspecs, &po);   /* a local path */
	}
	watch_stop();
	fl_progress_end(&c.meter);
	if (e == GIT_ENONFASTFORWARD) {
		e = fl_error(FL_EEXISTS, "the central repository moved on");
	} else if (e < 0 && atomic_load(&timed_out)) {
		e = timeout_error(o);
	} else if (e < 0) {
		e = c.cred_attempts > 3 ? auth_error() : net_error(e, "push", &c);
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
	free(c.hostkey);
	free(ours);
	free(spec);
	return e;
}

int fl_remote_push(struct fl_store *s, struct fl_db *db, const struct fl_sync_opts *o,
		   char **server_message, struct fl_adv *a, int *fetched)
{
	struct piggy p = { s, fetched ? db : NULL, o, a, NULL, 0 };
	int e = push_ref(fl_store_repo(s), o, FL_BRANCH,
			 xstrfmt("%s%s", FL_CENTRAL_AUTHORS, o->me), 1, server_message, &p);
	if (fetched)
		*fetched = e == 0 && p.fetched;
	return e;
}

int fl_remote_push_ref(git_repository *repo, const struct fl_sync_opts *o, const char *src,
		       const char *dst, char **server_message, struct fl_adv *a)
{
	struct piggy p = { NULL, NULL, o, a, NULL, 0 };
	return push_ref(repo, o, src, xstrdup(dst), 0, server_message, &p);
}
