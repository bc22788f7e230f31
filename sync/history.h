/*
 * history.h: every version of one record, read from the git history of
 * its file, and the "Fieldlog-Conflict:" trailer that integrate.c writes
 * into a merge commit and this module reads back: the one owner of that
 * format. `fieldlog log` and `fieldlog diff` (app/cmd-log.c) print it.
 */
#ifndef FL_HISTORY_H
#define FL_HISTORY_H

#include <stddef.h>
#include <git2.h>

#include "schema/base.h"
#include "schema/db.h"
#include "sync/store.h"

struct fl_version {
	int number;          /* 1, 2, ...; 0 for a merge that only reports conflicts */
	git_oid commit;
	git_oid blob;
	int has_blob;
	git_oid parent_blob; /* the first parent's version of the file */
	int has_parent_blob;
	int merge;
	char *author, *email;
	long long when;
	char **conflicts;    /* "path: ours X, theirs Y, kept Z", one per field */
	size_t nconflicts;
};

struct fl_history {
	char *id, *kind, *path;
	struct fl_version *v;   /* oldest first */
	size_t n, alloc;
	int nversions;
};

/*
 * Finds the record by id prefix in db (any kind, deleted ones too) and
 * walks the history of its file on its author's branch in s: main when
 * the author is `me`, our copy of their central branch otherwise. Fills
 * h (release it with fl_history_release even on failure). Returns 0,
 * FL_ENOTFOUND (no such record, or no history yet), FL_EAMBIGUOUS, or
 * FL_ERROR, with the message set.
 */
int fl_history_load(struct fl_history *h, struct fl_store *s, struct fl_db *db,
		    const char *me, const char *prefix);
void fl_history_release(struct fl_history *h);

/*
 * The histories of records ids[0..n) of one author and kind, in one walk
 * of the author's branch (the branch's commits are read once, not once
 * per record): hs[i] gets what fl_history_load finds for ids[i], and
 * nversions 0 when the branch holds no version of it. Release each
 * hs[i] with fl_history_release, even on failure. Returns 0,
 * FL_ENOTFOUND (the author has no branch here), or FL_ERROR, with the
 * message set.
 */
int fl_history_load_many(struct fl_history *hs, struct fl_store *s, const char *me,
			 const char *author, const char *kind, const char *const *ids, size_t n);

/* The blob at path in commit c; 0 when present, FL_ENOTFOUND when not. */
int fl_history_blob_at(git_oid *out, const git_commit *c, const char *path);

/*
 * Appends the trailer for one field the conflict rule decided on record
 * id: "Fieldlog-Conflict: ID PATH: ours X, theirs Y, kept ours|theirs".
 */
void fl_conflict_trailer_add(struct strbuf *sb, const char *id, const char *path,
			     const char *ours, const char *theirs, int theirs_won);

/*
 * Splits a conflict line of fl_version.conflicts ("path: ours X, theirs
 * Y, kept Z") into its field path (*path, caller frees) and what was kept
 * (*kept, borrowed from line; "" when the line has none).
 */
void fl_conflict_split(const char *line, char **path, const char **kept);

#endif
