/*
 * localfetch.h: fetching from a central repository on a path or file://
 * URL (a mounted share) without libgit2 1.5's local transport, for
 * remote.c and clone.c.
 *
 * That transport ignores what the fetch asks for: it packs the objects of
 * every ref of the source, hiding only refs of the same name in ours, and
 * fieldlog keeps the authors' branches under other names. Each fetch of a
 * changed branch so packed the whole central repository again, with a
 * delta search: 1.7 s for an officer's first sync at pilot scale, 28 s of
 * a reviewer's 35 s clone at 100k.
 */
#ifndef FL_LOCALFETCH_H
#define FL_LOCALFETCH_H

#include <stddef.h>
#include <git2.h>

#include "sync/negotiate.h"

/* The git directory a path or file:// URL names, or NULL (a network URL,
 * or no repository there). Caller frees. */
char *fl_local_gitdir(const char *url);

/*
 * Copies into repo the objects of the commits `wants` of the repository
 * at gitdir that the commits `haves` do not reach (those of haves that
 * gitdir lacks are ignored), as one pack: what git's upload-pack would
 * send. progress (may be NULL) sees the objects as they are written.
 * Returns 0 or FL_ERROR.
 */
int fl_local_fetch(git_repository *repo, const char *gitdir, const git_oid *wants,
		   size_t nwants, const struct fl_haves *haves, git_indexer_progress_cb progress,
		   void *payload);

/*
 * For a clone of everything: takes gitdir's packs and loose objects as
 * they are, hard-linked (copied across file systems), as `git clone
 * --local` does, all or nothing. Returns 1 when taken, 0 when not (the
 * source borrows objects through alternates, or a file went away: a gc
 * on the share), leaving a fetch to do the work.
 */
int fl_local_take_objects(git_repository *repo, const char *gitdir);

#endif
