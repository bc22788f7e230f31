/*
 * sync.h: exchanging records with the central repository (docs/design.md,
 * "Sync"): fetch, merge record by record, push, import. The
 * entry for app/; the work is done in sync.c (the rounds), remote.c
 * (transport), integrate.c (merging) and clone.c (first contact).
 */
#ifndef FL_SYNC_H
#define FL_SYNC_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "schema/db.h"
#include "sync/store.h"

struct fl_sync_opts {
	const char *url;
	const char *token;       /* https: password/token (never printed) */
	const char *user;        /* https: user name (default: our id) */
	const char *me;          /* our author id */
	const char *name;        /* our display name (merge commits) */
	int everyone;            /* a reviewer: fetch every author's branch */
	int deadline;            /* seconds without progress before giving up */
	int progress;            /* print progress on stderr */
	int max_retries;         /* non-fast-forward rounds */
	/*
	 * Called on the watchdog thread when `deadline` passes. A network
	 * read that hangs gets no callback to cancel it (libgit2 1.5 has no
	 * timeouts), so only the caller can end the wait: it may end the
	 * process (app/ does, with its exit code). When it returns, or is
	 * NULL, the exchange is cancelled at libgit2's next callback and the
	 * sync returns FL_EOFFLINE.
	 */
	void (*on_timeout)(void);
};

struct fl_sync_result {
	size_t sent;             /* our commits the central repository now has */
	size_t received;         /* records changed by what we fetched */
	size_t conflicts;        /* fields decided by the conflict rule */
	size_t skipped;          /* invalid records seen while importing */
	char *server_message;    /* what the server said when it refused */
	size_t relayed;          /* colleagues' branches relayed (sync/bundle.h) */
	char *relay_refused;     /* why the central repository refused one, or NULL */
};

/* Fills defaults (deadline 60 s or $FIELDLOG_SYNC_TIMEOUT, 5 retries). */
void fl_sync_opts_init(struct fl_sync_opts *o);

/*
 * One sync: fetch our branch of the central repository (and the roster,
 * and the branches we follow: every author's for a reviewer, the
 * reviewers' for an officer), merge our branch into main, push main to
 * it, import the differences into the index. Returns 0; FL_EOFFLINE when the central
 * repository could not be reached or stopped answering within the
 * deadline (local commits stay queued); FL_EREJECTED when it refused our
 * push (its reason in out->server_message); FL_ERROR otherwise.
 */
int fl_sync_run(struct fl_sync_result *out, struct fl_store *s, struct fl_db *db,
		const struct fl_sync_opts *o);
void fl_sync_result_release(struct fl_sync_result *r);

/*
 * For `init --remote`: creates DIR/repo.git, fetches the central
 * repository into it (as a sync would) and points main at our branch. Fills missing
 * name/role/province of cfg from roster.json. An id that has records
 * centrally adopts them (a second device). index(payload) gives the new,
 * empty index, or NULL with the error set; a reviewer's clone of many
 * branches asks for it after the first fetch and indexes them into it
 * while it fetches, any other clone once everything is fetched; so the
 * index can be made while the network works. Every record is indexed
 * before repo.git.new becomes repo.git; the caller writes config.json
 * last, so that a clone killed at any point leaves no workspace, only
 * leftovers (fl_sync_init_leftovers).
 */
int fl_sync_clone(const char *dir, cJSON *cfg, const struct fl_sync_opts *o,
		  struct fl_db *(*index)(void *), void *payload);

/*
 * What an `init` killed before it wrote DIR/config.json left behind: a
 * repo.git.new, or a repo.git whose every commit is on the central
 * repository (or that has none). Removes them; returns 1 when there were
 * any, 0 when not. FL_EEXISTS (nothing removed) when DIR holds saves of
 * someone whose config.json was lost: an outbox, or a repo.git with
 * commits not sent.
 */
int fl_sync_init_leftovers(const char *dir);

/*
 * The names v[i..j) of the sorted list v[0..n) in as few patterns as may
 * be, for the refspecs of a reviewer's clone in parts: "<prefix>*" for
 * each run of names that share a prefix with no name outside the range, a
 * name itself where none does. Of the patterns of two disjoint ranges,
 * neither matches a string the other matches, so a branch pushed after v
 * was made is fetched in one part at most. Returns how many, in *out
 * (each and the array to free).
 */
size_t fl_prefix_cover(char ***out, char *const *v, size_t n, size_t i, size_t j);

/*
 * Has libgit2 log every update of every ref of s's repository
 * (core.logAllRefUpdates=always), so that repo.git/logs/refs/heads/main
 * keeps, outside the ref store, the commit main was last moved to. A bare
 * repository logs nothing by default. Cheap when already set. Returns 0
 * or FL_ERROR.
 */
int fl_sync_log_refs(struct fl_store *s);

/*
 * Makes sure refs/heads/main still holds every commit it was moved to:
 * the last entry of its reflog and the commit the index reflects (db may
 * be NULL). Losing packed-refs or the loose ref file leaves main missing
 * or at an older value; a sync would then take the central branch for
 * ours and the saves not yet sent would be gone. When main is missing or
 * behind one of them, it is moved there (a fast-forward: nothing on main
 * is dropped) and *note gets one line saying so (caller frees; NULL when
 * nothing was done). When main has moved away from its reflog's last
 * commit (not by fieldlog), returns FL_ERROR with one line saying how to
 * mend it. Call it before the outbox is flushed and before the index
 * catches up, under the workspace lock.
 */
int fl_sync_mend_main(struct fl_store *s, struct fl_db *db, char **note);

/* Number of commits on main that origin/main does not have. */
size_t fl_sync_pending(struct fl_store *s);

#endif
