/*
 * clone.c: first contact with the central repository (`init --remote`):
 * a new repo.git fetched as a sync would, who we are filled in from the
 * roster, and for a reviewer with many authors the fetch of everyone's
 * branches in parts, each indexed while the next downloads.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/json.h"
#include "sync/import.h"
#include "sync/integrate.h"
#include "sync/localfetch.h"
#include "sync/remote.h"

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
		fprintf(stderr, _("warning: could not remove '%s': %s\n"), path, strerror(errno));
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
	const struct fl_ids *authors;
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
		struct fl_ids part = { NULL, 0 };
		struct fl_fetched out;
		memset(&out, 0, sizeof(out));
		pthread_mutex_lock(&f->mu);
		int stop = f->stop;
		pthread_mutex_unlock(&f->mu);
		if (stop)
			break;
		part.n = fl_prefix_cover(&part.v, sorted, n, at, n - at < per ? n : at + per);
		e = fl_remote_fetch(repo, f->o, 0, &part, NULL, &out);
		fl_ids_release(&part);
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
		fl_fetched_release(&out);
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
			  const struct fl_ids *authors)
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
	struct fl_ids announced = { NULL, 0 };
	struct fl_db *db = NULL;
	size_t conflicts = 0;
	int e;

	remove_tree(tmp);
	if ((e = fl_store_init(&s, tmp)) < 0 || (e = fl_sync_log_refs(s)) < 0)
		goto done;
	/*
	 * Our own branch and the roster first: the roster says who we are,
	 * and so what else to fetch (the reviewers' branches, or everyone's).
	 */
	struct fl_ids none = { NULL, 0 };
	fl_trace("clone: fetch");
	if ((e = fl_remote_fetch(fl_store_repo(s), o, 0, &none, &announced, NULL)) < 0)
		goto done;
	fl_trace("clone: fetched");
	fl_crash_point("init:after-fetch");

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
	/* A reviewer takes everything: from a share, the packs as they are. */
	char *share = reviewer ? fl_local_gitdir(o->url) : NULL;
	if (share)
		fl_local_take_objects(fl_store_repo(s), share);
	free(share);
	struct fl_sync_opts all = *o;
	all.everyone = 1;
	/* A reviewer follows everyone (with many branches: fetched in parts,
	 * indexed as they land), an officer the reviewers. */
	if (reviewer && announced.n >= CLONE_PART_MIN) {
		if ((e = fl_integrate(s, o, &conflicts)) == 0 && !(db = index(payload)))
			e = FL_ERROR;
		if (e == 0)
			e = clone_everyone(s, db, &all, &announced);
	} else {
		e = fl_remote_fetch_all(s, NULL, reviewer ? &all : o, reviewer);
	}
	if (e < 0 || (e = fl_integrate(s, o, &conflicts)) < 0)
		goto done;
	fl_trace("clone: fetched all");
	fl_crash_point("init:after-clone");
	/*
	 * Without a full index there is no workspace: the records are
	 * indexed here, before repo.git and then config.json come into
	 * place, so that a workspace never exists without them (a reviewer
	 * killed after config.json listed 0 records of 140, with no hint).
	 */
	if (!db && !(db = index(payload))) {
		e = FL_ERROR;
		goto done;
	}
	if ((e = fl_import_refs(db, s, o->me, 0, NULL)) < 0)
		goto done;
	fl_crash_point("init:after-index");
	fl_store_free(s);
	s = NULL;
	if (rename(tmp, final) < 0)
		e = fl_error(FL_ERROR, "cannot create '%s': %s", final, strerror(errno));
	fl_crash_point("init:after-rename");
done:
	fl_store_free(s);
	fl_ids_release(&announced);
	if (e < 0)
		remove_tree(tmp);
	free(tmp);
	free(final);
	return e;
}

/* Whether gitdir/objects holds any object or pack (names other than "info", "pack"). */
static int has_objects(const char *gitdir)
{
	const char *sub[] = { "objects", "objects/pack" };
	int found = 0;
	for (size_t i = 0; i < 2 && !found; i++) {
		char *path = xstrfmt("%s/%s", gitdir, sub[i]);
		DIR *d = opendir(path);
		struct dirent *de;
		while (d && !found && (de = readdir(d)))
			found = de->d_name[0] != '.' && strcmp(de->d_name, "info") &&
				strcmp(de->d_name, "pack");
		if (d)
			closedir(d);
		free(path);
	}
	return found;
}

int fl_sync_init_leftovers(const char *dir)
{
	char *tmp = xstrfmt("%s/repo.git.new", dir), *final = xstrfmt("%s/repo.git", dir);
	char *outbox = xstrfmt("%s/outbox", dir);
	struct stat st;
	int found = 0, e = 0;

	if (lstat(outbox, &st) == 0) {
		e = fl_error(FL_EEXISTS, "'%s' holds saves but '%s/config.json' is missing: put "
			     "config.json back rather than running 'init' again", outbox, dir);
		goto done;
	}
	if (lstat(final, &st) == 0) {
		struct fl_store *s = NULL;
		size_t pending = 0;
		git_oid main;
		/*
		 * Saves not yet sent, or a branch no central repository has: not
		 * ours to drop. Nor objects in a repository that does not open.
		 */
		if (fl_store_open(&s, final) < 0)
			pending = has_objects(final);
		else if (fl_store_ref(&main, s, FL_BRANCH) == 0) {
			git_oid origin;
			pending = fl_store_ref(&origin, s, FL_REMOTE_BRANCH) == 0 ?
				  fl_sync_pending(s) : 1;
		}
		fl_store_free(s);
		fl_clear_error();
		if (pending) {
			e = fl_error(FL_EEXISTS, "'%s' holds saves not yet sent but '%s/config.json' is "
				     "missing: put config.json back rather than running 'init' again",
				     final, dir);
			goto done;
		}
		remove_tree(final);
		found = 1;
	}
	if (lstat(tmp, &st) == 0) {
		remove_tree(tmp);
		found = 1;
	}
	e = found;
done:
	free(tmp);
	free(final);
	free(outbox);
	return e;
}
