/*
 * central.c: the central repository as the admin meets it on the server.
 *
 * libgit2 1.5 refuses a repository owned by another user, as git does
 * since 2.35.2 (the safe.directory check); its message, "repository path
 * is not owned by current user", reached the admin as "no repository at
 * ..." and sent them to create one. Running as root would be the wrong
 * fix anyway: files root writes into objects/ the git user can no longer
 * change. So the message names the owner and says to run as that user.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync/central.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/base.h"

/* The name of user uid ("uid 1001" when it has none). Caller frees. */
static char *user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	return pw ? xstrdup(pw->pw_name) : xstrfmt("uid %ld", (long)uid);
}

static int owner_error(const char *dir, uid_t uid, const char *again)
{
	char *owner = user_name(uid), *me = user_name(geteuid());
	int e = fl_error(FL_ERROR, "'%s' is owned by '%s', not by '%s' who runs this; run as that"
			 " user, e.g. sudo -u %s fieldlog %s", dir, owner, me, owner, again);
	free(me);
	free(owner);
	return e;
}

/* Why dir could not be opened, when libgit2's own words would mislead. */
static int diagnose(const char *dir, const char *again)
{
	struct stat st;
	char *p;
	int e;

	if (stat(dir, &st) < 0)
		return errno == ENOENT ?
			fl_error(FL_ENOTFOUND, "no repository at '%s' (create one with 'fieldlog"
				 " server init DIR')", dir) :
			fl_error(FL_ERROR, "cannot read '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fl_error(FL_ERROR, "'%s' is not a directory, so not a git repository", dir);
	if (access(dir, R_OK | X_OK) < 0)
		return fl_error(FL_ERROR, "cannot read '%s': %s; run as its owner", dir,
				strerror(errno));
	p = xstrfmt("%s/.git", dir);
	e = access(p, F_OK) == 0 ?
		fl_error(FL_ERROR, "'%s' is a working tree, not a bare repository; the central"
			 " repository is bare (git clone --bare, or fieldlog server init)", dir) : 0;
	free(p);
	if (e)
		return e;
	p = xstrfmt("%s/HEAD", dir);
	e = access(p, F_OK) < 0 ?
		fl_error(FL_ENOTFOUND, "'%s' is not a git repository (no HEAD; create one with"
			 " 'fieldlog server init DIR')", dir) : 0;
	free(p);
	if (e)
		return e;
	if (st.st_uid != geteuid())
		return owner_error(dir, st.st_uid, again);
	return fl_error(FL_ERROR, "cannot open repository '%s': %s", dir, fl_git_error());
}

int fl_central_open(struct fl_store **out, const char *dir, int want_write, const char *again)
{
	static const char *const sub[] = { "objects", "refs" };
	struct stat st;
	int e;

	*out = NULL;
	if (fl_store_open(out, dir) < 0)
		return diagnose(dir, again);
	if (!git_repository_is_bare(fl_store_repo(*out))) {
		e = fl_error(FL_ERROR, "'%s' is not a bare repository; the central repository is bare"
			     " (git clone --bare, or fieldlog server init)", dir);
		goto fail;
	}
	for (size_t i = 0; want_write && i < FL_ARRAY_SIZE(sub); i++) {
		char *p = xstrfmt("%s/%s", dir, sub[i]);
		int denied = access(p, W_OK) < 0 && errno == EACCES;
		if (denied && stat(p, &st) == 0 && st.st_uid != geteuid())
			e = owner_error(dir, st.st_uid, again);
		else if (denied)
			e = fl_error(FL_ERROR, "cannot write to '%s': permission denied", p);
		free(p);
		if (denied)
			goto fail;
	}
	return 0;
fail:
	fl_store_free(*out);
	*out = NULL;
	return e;
}

int fl_central_adoptable(struct fl_store *s)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	char *first = NULL;
	size_t n = 0;
	int e;

	if (git_reference_iterator_new(&it, fl_store_repo(s)) < 0)
		return fl_error(FL_ERROR, "cannot list the refs: %s", fl_git_error());
	while (git_reference_next(&ref, it) == 0) {
		if (!first)
			first = xstrdup(git_reference_name(ref));
		n++;
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
	e = n ? fl_error(FL_EEXISTS, "it already holds %zu ref%s (the first: '%s'); fieldlog adopts"
			 " only an empty repository", n, n == 1 ? "" : "s", first) : 0;
	free(first);
	return e;
}
