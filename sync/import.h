/*
 * import.h: bringing the index up to a commit of the repository, and the
 * checks applied to every file that comes from a repository (our own, the
 * central one, or a push the server is judging).
 *
 * Everything read from git is untrusted: a file that is not a canonical,
 * valid record of a known kind, with the id of its file name and the
 * author of its directory, is skipped and listed (`fieldlog status`), and
 * the import goes on with the good ones.
 */
#ifndef FL_IMPORT_H
#define FL_IMPORT_H

#include <git2.h>
#include <cjson/cJSON.h>

#include "schema/db.h"
#include "sync/store.h"

/*
 * Checks one file at `path` with git file mode `mode` and contents
 * buf[0..len). Returns 0 and the parsed record in *out (caller frees), or
 * FL_EINVALID with the reason ("not canonical JSON", "id does not match
 * the file name", ...). roster.json and other non-record paths are the
 * caller's business.
 */
int fl_check_record(cJSON **out, const char *path, unsigned mode,
		    const char *buf, size_t len);

struct fl_import_stats {
	size_t added, changed, removed, skipped;
};

/*
 * The index is built from several branches of the local repository:
 *
 *   refs/heads/main                       our own records (FL_BRANCH)
 *   refs/remotes/origin/roster            roster.json (the central main)
 *   refs/remotes/origin/authors/<id>      each other author's records
 *
 * and remembers, per branch, the commit it reflects: meta.indexed_commit
 * for main, meta."indexed <ref>" for the others. A branch may only add
 * records under its author's directory; anything else on it is skipped
 * and listed.
 */
struct fl_import_step {
	char *key;            /* the meta key that remembers this branch */
	char *author;         /* whose records; NULL for the roster's branch */
	git_oid from, to;
	int has_from;         /* 0: from nothing */
};

/*
 * Applies the steps (each the difference between its from and to) to the
 * index in one transaction that also records each step's `to`. `fresh`:
 * the index is emptied first and every step read from nothing, on two
 * threads.
 */
int fl_import(struct fl_db *db, struct fl_store *s, const struct fl_import_step *steps,
	      size_t nsteps, int fresh, struct fl_import_stats *stats);

/*
 * The author whose records the index takes from the branch `ref` (in
 * FL_REMOTE_AUTHORS), or NULL when it takes none from it: not an author's
 * branch, not a valid id, or `me` (whose records come from main). Its
 * step's meta key is "indexed <ref>".
 */
const char *fl_import_branch_author(const char *ref, const char *me);
/*
 * A fresh import whose steps keep arriving while it runs: a reviewer's
 * first clone indexes each part of its fetch while the next downloads.
 * After `steps`, source is called (on the import's reading thread) until
 * it returns 0 (no more) or an error (the import fails with it; its
 * message must be set on that thread); returning 1, it hands over *out[0..*n)
 * (malloc'd, as are their key and author), which it may have waited for.
 */
typedef int (*fl_step_source)(void *payload, struct fl_import_step **out, size_t *n);
int fl_import_stream(struct fl_db *db, struct fl_store *s, const struct fl_import_step *steps,
		     size_t nsteps, fl_step_source source, void *payload,
		     struct fl_import_stats *stats);
/*
 * The steps that bring the index up to every branch (see above), `me`
 * being the workspace's author id (origin/authors/<me> is skipped: main
 * holds our records). *fresh is set when the index reflects no branch
 * yet, or `rebuild` asks for everything from nothing. Caller frees with
 * fl_import_steps_release.
 */
int fl_import_plan(struct fl_import_step **out, size_t *n, int *fresh, struct fl_db *db,
		   struct fl_store *s, const char *me, int rebuild);
void fl_import_steps_release(struct fl_import_step *steps, size_t n);

/*
 * Brings the index up to every branch: fl_import_plan then fl_import;
 * `fresh` rebuilds from nothing. When a commit the index remembers is
 * gone, rebuilds rather than failing.
 */
int fl_import_refs(struct fl_db *db, struct fl_store *s, const char *me, int fresh,
		   struct fl_import_stats *stats);

/* The commit of main the index reflects (FL_ENOTFOUND when none). */
int fl_indexed_commit(git_oid *out, struct fl_db *db);

#endif
