/*
 * remote.h: talking to the central repository, for the other files of
 * sync/ only (sync.c's loop, clone.c's first contact): which branches to
 * fetch, the fetch and the push themselves, and the watchdog that bounds
 * both. app/ goes through sync.h.
 */
#ifndef FL_REMOTE_H
#define FL_REMOTE_H

#include <stddef.h>
#include <git2.h>

#include "schema/db.h"
#include "sync/store.h"
#include "sync/sync.h"

/* A set of author ids (or id prefixes ending in '*': fl_prefix_cover). */
struct fl_ids {
	char **v;
	size_t n;
};

/* Adds a copy of id unless it is there already. */
void fl_ids_add(struct fl_ids *l, const char *id);
void fl_ids_release(struct fl_ids *l);

/* The refs a fetch moved, for a caller that asks (fl_remote_fetch's `moved`). */
struct fl_fetched {
	struct fl_ref_update *u;
	size_t nu;
};

void fl_fetched_release(struct fl_fetched *f);

/* What the server announced during a push (ref names and their ids). */
struct fl_adv {
	char **name;
	git_oid *oid;
	size_t n, alloc;
};

void fl_adv_release(struct fl_adv *a);

/*
 * Fetches our branch, the roster, and everyone's branches or those of
 * `others` (ids, or prefixes of ids ending in '*': fl_prefix_cover).
 * `announced` (may be NULL) gets the others whose branches the server
 * has, `moved` (may be NULL) the refs the fetch moved. Returns 0,
 * FL_EOFFLINE (unreachable, or no progress within o->deadline) or
 * FL_ERROR.
 */
int fl_remote_fetch(git_repository *repo, const struct fl_sync_opts *o, int everyone,
		    const struct fl_ids *others, struct fl_ids *announced,
		    struct fl_fetched *moved);

/*
 * Fetches what we follow; an officer whose fetch brought a roster with
 * new reviewers fetches their branches too. db may be NULL (a clone).
 */
int fl_remote_fetch_all(struct fl_store *s, struct fl_db *db, const struct fl_sync_opts *o,
			int everyone);

/* Whether, by what the server announced (a), a fetch would bring anything. */
int fl_remote_fetch_needed(struct fl_store *s, struct fl_db *db, const struct fl_sync_opts *o,
			   const struct fl_adv *a);

/*
 * Pushes main to our branch; FL_EEXISTS when it has moved on
 * (non-fast-forward), FL_EREJECTED when the server's hook refused (its
 * reasons in *server_message, caller frees), FL_EOFFLINE, FL_ERROR. `a`
 * (may be NULL) collects what the server announced. `fetched` (may be
 * NULL; needs db): over http(s), when a branch we follow other than main
 * moved, it is fetched on the push's connection in the same breath and
 * our copies move (sync/postfetch.h); *fetched says whether that
 * happened (if not, fetch as usual).
 */
int fl_remote_push(struct fl_store *s, struct fl_db *db, const struct fl_sync_opts *o,
		   char **server_message, struct fl_adv *a, int *fetched);

/*
 * The same for another branch: makes the central ref dst (refs/heads/...)
 * point at what the local ref src points at (a relayed colleague's
 * branch, sync/bundle.h). Same returns.
 */
int fl_remote_push_ref(git_repository *repo, const struct fl_sync_opts *o, const char *src,
		       const char *dst, char **server_message, struct fl_adv *a);

#endif
