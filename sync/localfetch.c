/*
 * localfetch.c: a central repository on a path (localfetch.h): the pack
 * of what a fetch asks for, built from the source with our copies of the
 * wanted branches hidden, as git's upload-pack does over a network; and,
 * for a reviewer's clone, the source's packs taken as they are.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync/localfetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/base.h"
#include "sync/push.h"
#include "sync/store.h"

char *fl_local_gitdir(const char *url)
{
	git_repository *src = NULL;
	char *out = NULL;

	if (fl_push_supported(url))
		return NULL;
	if (!strncmp(url, "file://", 7))
		url += 7;
	if (git_repository_open_ext(&src, url, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0)
		out = xstrdup(git_repository_commondir(src));
	git_repository_free(src);
	git_error_clear();
	return out;
}

/* --- the pack of a fetch ------------------------------------------------------- */

struct sink {
	git_odb_writepack *wp;
	git_indexer_progress st;
	git_indexer_progress_cb progress;
	void *payload;
};

static int sink_append(void *buf, size_t size, void *payload)
{
	struct sink *k = payload;
	int e = k->wp->append(k->wp, buf, size, &k->st);
	if (e == 0 && k->progress)
		e = k->progress(&k->st, k->payload);
	return e;
}

/* The walk of wants minus haves, in src. */
static int fetch_walk(git_revwalk **out, git_repository *src, const git_oid *wants,
		      size_t nwants, const struct fl_haves *haves)
{
	git_odb *odb = NULL;
	int e;

	if ((e = git_revwalk_new(out, src)) < 0 || (e = git_repository_odb(&odb, src)) < 0)
		return e;
	for (size_t i = 0; e == 0 && i < nwants; i++)
		e = git_revwalk_push(*out, &wants[i]);
	for (size_t i = 0; e == 0 && i < haves->n; i++)
		if (git_odb_exists(odb, &haves->v[i]))
			e = git_revwalk_hide(*out, &haves->v[i]);
	git_odb_free(odb);
	return e;
}

int fl_local_fetch(git_repository *repo, const char *gitdir, const git_oid *wants,
		   size_t nwants, const struct fl_haves *haves, git_indexer_progress_cb progress,
		   void *payload)
{
	git_repository *src = NULL;
	git_revwalk *walk = NULL;
	git_packbuilder *pb = NULL;
	git_odb *odb = NULL;
	struct sink k;
	int e;

	memset(&k, 0, sizeof(k));
	k.progress = progress;
	k.payload = payload;
	if ((e = git_repository_open_bare(&src, gitdir)) < 0 ||
	    (e = fetch_walk(&walk, src, wants, nwants, haves)) < 0 ||
	    (e = git_packbuilder_new(&pb, src)) < 0 ||
	    (e = git_packbuilder_insert_walk(pb, walk)) < 0 ||
	    (e = git_repository_odb(&odb, repo)) < 0 ||
	    (e = git_odb_write_pack(&k.wp, odb, NULL, NULL)) < 0)
		goto done;
	fl_trace("fetch: %zu objects from '%s'", git_packbuilder_object_count(pb), gitdir);
	if ((e = git_packbuilder_foreach(pb, sink_append, &k)) == 0)
		e = k.wp->commit(k.wp, &k.st);
done:
	if (e < 0 && e != GIT_EUSER)
		e = fl_error(FL_ERROR, "cannot fetch from '%s': %s", gitdir, fl_git_error());
	else if (e < 0)
		e = FL_ERROR;
	if (k.wp)
		k.wp->free(k.wp);
	git_odb_free(odb);
	git_packbuilder_free(pb);
	git_revwalk_free(walk);
	git_repository_free(src);
	return e;
}

/* --- a clone of everything ----------------------------------------------------- */

/*
 * The reviewer's clone takes the source's objects as they are (why: the
 * delta search of a pack of everything was most of a 100k clone). All or
 * nothing: a file that cannot be taken undoes the others, so that no
 * commit is ever present without what it points at.
 */
struct taken {
	char **v;
	size_t n, alloc;
};

static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16], *tmp = xstrfmt("%s.tmp", to);
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, e = -1;
	ssize_t n = 0;

	if (in >= 0)
		out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (out >= 0 && n == 0 && close(out) == 0) {
		out = -1;
		e = rename(tmp, to);
	}
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (e < 0)
		unlink(tmp);
	free(tmp);
	return e;
}

/* Takes from/name as to/name; 0 also when we have it already. */
static int take(struct taken *t, const char *from, const char *to, const char *name)
{
	char *a = xstrfmt("%s/%s", from, name), *b = xstrfmt("%s/%s", to, name);
	int e = 0;

	if (access(b, F_OK) == 0)
		goto done;
	if (link(a, b) < 0 && (errno == ENOENT || copy_file(a, b) < 0)) {
		e = -1;
		goto done;
	}
	FL_ALLOC_GROW(t->v, t->n + 1, t->alloc);
	t->v[t->n++] = b;
	b = NULL;
done:
	free(a);
	free(b);
	return e;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* The packs of from/pack (each .pack before its .idx: libgit2 finds a
 * pack by its index) into to/pack. */
static int take_packs(struct taken *t, const char *from, const char *to, size_t *npacks)
{
	char *src = xstrfmt("%s/pack", from), *dst = xstrfmt("%s/pack", to);
	DIR *d = opendir(src);
	struct dirent *de;
	int e = d ? 0 : -1;

	while (e == 0 && (de = readdir(d))) {
		if (!ends_with(de->d_name, ".pack"))
			continue;
		char *idx = xstrfmt("%.*s.idx", (int)(strlen(de->d_name) - 5), de->d_name);
		e = take(t, src, dst, de->d_name);
		if (e == 0)
			e = take(t, src, dst, idx);
		free(idx);
		(*npacks)++;
	}
	if (d)
		closedir(d);
	free(src);
	free(dst);
	return e;
}

/* The loose objects of from (objects/xx/...) into to. */
static int take_loose(struct taken *t, const char *from, const char *to, size_t *nloose)
{
	int e = 0;

	for (int i = 0; i < 256 && e == 0; i++) {
		char sub[3];
		snprintf(sub, sizeof(sub), "%02x", i);
		char *src = xstrfmt("%s/%s", from, sub), *dst = xstrfmt("%s/%s", to, sub);
		DIR *d = opendir(src);
		struct dirent *de;
		while (d && e == 0 && (de = readdir(d))) {
			if (strlen(de->d_name) != GIT_OID_HEXSZ - 2)
				continue;
			if (mkdir(dst, 0755) < 0 && errno != EEXIST)
				e = -1;
			else
				e = take(t, src, dst, de->d_name);
			(*nloose)++;
		}
		if (d)
			closedir(d);
		free(src);
		free(dst);
	}
	return e;
}

int fl_local_take_objects(git_repository *repo, const char *gitdir)
{
	char *from = xstrfmt("%sobjects", gitdir), *alt = xstrfmt("%s/info/alternates", from);
	char *to = xstrfmt("%sobjects", git_repository_path(repo));
	struct taken t = { NULL, 0, 0 };
	size_t npacks = 0, nloose = 0;
	git_odb *odb = NULL;
	int e = -1;

	/* Objects borrowed from elsewhere would be missing from ours. */
	if (access(alt, F_OK) == 0)
		goto done;
	e = take_packs(&t, from, to, &npacks);
	if (e == 0)
		e = take_loose(&t, from, to, &nloose);
	if (e < 0) {
		fl_trace("clone: could not take the objects of '%s' (%s); fetching instead", from,
			 strerror(errno));
		for (size_t i = t.n; i-- > 0;)
			unlink(t.v[i]);
	} else {
		fl_trace("clone: took %zu packs and %zu loose objects of '%s'", npacks, nloose, from);
	}
	if (git_repository_odb(&odb, repo) == 0)
		git_odb_refresh(odb);
	git_odb_free(odb);
	git_error_clear();
done:
	for (size_t i = 0; i < t.n; i++)
		free(t.v[i]);
	free(t.v);
	free(from);
	free(to);
	free(alt);
	return e == 0;
}
