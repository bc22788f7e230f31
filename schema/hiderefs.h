/*
 * hiderefs.h: which branches of the central repository the git server
 * shows a person, as git's own `transfer.hideRefs` entries (pure: a
 * function of the roster, no git, no I/O).
 *
 * An officer fetches only their own branch, main and the reviewers'
 * branches (sync/remote.c), yet every fetch and push first reads the
 * server's list of all refs: at national scale 3,332 branches, 266 KB of
 * the 0.27 MB an officer's sync moves. Stock git can leave refs out of
 * that list per request: upload-pack and receive-pack read
 * `transfer.hideRefs` (both), where the last entry that matches a ref
 * wins and "!" un-hides, matching whole path components
 * ("!refs/heads/authors/an" does not show ".../anh"). For an officer:
 *
 *   transfer.hideRefs = refs/heads/authors/
 *   transfer.hideRefs = !refs/heads/authors/<their id>
 *   transfer.hideRefs = !refs/heads/authors/<reviewer>   (each reviewer)
 *
 * A reviewer sees everything. receive-pack refuses an update of a hidden
 * ref ("deny updating a hidden ref"), which is why the officer's own
 * branch must always be un-hidden: even before its first push.
 * `fieldlog server http-backend` and `server ssh-serve` pass these to git
 * through GIT_CONFIG_COUNT / GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n (git
 * 2.31 and later), after whatever the environment already holds.
 */
#ifndef FL_HIDEREFS_H
#define FL_HIDEREFS_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "base.h"

#define FL_HIDEREFS_KEY "transfer.hideRefs"

struct fl_hiderefs {
	const char *id;       /* the person's author id (borrowed from the roster) */
	int reviewer;         /* 1: nothing is hidden */
	char **v;             /* the transfer.hideRefs values, in order */
	size_t n, alloc;
};
#define FL_HIDEREFS_INIT { NULL, 0, NULL, 0, 0 }

/*
 * Fills `out` (initialised with FL_HIDEREFS_INIT; release it with
 * fl_hiderefs_release) for the person the git server authenticated as
 * `login`, in `roster` (a valid roster, schema/roster.h). `authors` is the
 * prefix of the authors' branches ("refs/heads/authors/"). Nothing is
 * hidden from a reviewer (out->n == 0). Returns 0, FL_EINVALID for a login
 * that no roster can hold, FL_ENOTFOUND when nobody in the roster has
 * that login; the message names the login.
 */
int fl_hiderefs_for(struct fl_hiderefs *out, const cJSON *roster, const char *login,
		    const char *authors);
void fl_hiderefs_release(struct fl_hiderefs *h);

/* An environment variable to set, NAME=VALUE. */
struct fl_envvar {
	char *name, *value;
};

/*
 * The variables that append h's entries to git's configuration: for each
 * entry GIT_CONFIG_KEY_<k> = transfer.hideRefs and GIT_CONFIG_VALUE_<k>,
 * numbered after the `count_now` entries the environment already has
 * (GIT_CONFIG_COUNT's value; NULL or "" for none), and last the new
 * GIT_CONFIG_COUNT. Nothing when h hides nothing. *out (caller frees with
 * fl_envvars_free) holds *nout variables. Returns 0, or FL_EINVALID when
 * count_now is not a count git would read.
 */
int fl_hiderefs_env(struct fl_envvar **out, size_t *nout, const struct fl_hiderefs *h,
		    const char *count_now);
void fl_envvars_free(struct fl_envvar *v, size_t n);

#endif
