/*
 * merge.h: the three-way merge of two versions of one record against their
 * common ancestor (docs/design.md, "Merging two versions of a record").
 * Pure: parsed cJSON trees in, a new tree out; no git, no SQLite, no I/O.
 *
 * Rules:
 *  - if ours equals base the result is theirs; if theirs equals base, or
 *    ours equals theirs, the result is ours (so merge(b,o,b)=o,
 *    merge(b,b,t)=t, merge(b,x,x)=x exactly);
 *  - objects merge key by key, recursively;
 *  - arrays whose elements are all objects with a string "id" merge by id:
 *    an element deleted on either side stays deleted, elements added on
 *    either side are kept, elements on both sides merge recursively;
 *    an element deleted on one side and modified on the other stays
 *    deleted whatever the winner rule says, and is still reported as a
 *    conflict ("comments[<id>]", the deleting side as winner, its value
 *    "null");
 *    order: surviving base elements in base order, then new ones by id;
 *  - other arrays merge as sets of values (canonical JSON equality):
 *    kept = in base and in both sides; plus what either side added;
 *    order: base order, then additions sorted by their canonical text;
 *  - "updated_at" takes the later of the two values, never a conflict;
 *  - a scalar (or mixed-type) value changed on both sides to different
 *    values is a conflict: the winner is the side with more edits since
 *    the ancestor, then the later updated_at, then the larger commit id;
 *    the conflict is reported, the loser's value stays in git history.
 * The result never depends on which side is called "ours" except through
 * that rule: merge(b,o,t) and merge(b,t,o) give the same tree.
 */
#ifndef FL_MERGE_H
#define FL_MERGE_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct fl_merge_side {
	const cJSON *rec;       /* that side's version of the record */
	unsigned edits;         /* commits touching the record since the base */
	const char *commit_id;  /* hex id of that side's head commit */
};

struct fl_merge_conflict {
	char *path;         /* "status", "entries[01J…].state" */
	char *ours;         /* compact JSON of our value ("null" when absent) */
	char *theirs;       /* compact JSON of their value */
	int theirs_won;     /* 1 when their value was kept */
};

struct fl_merge_result {
	cJSON *merged;      /* owned; the merged record */
	struct fl_merge_conflict *conflicts;
	size_t nconflicts;
};

/*
 * Merges `ours` and `theirs` against `base` (NULL: no common ancestor,
 * treated as an empty object). Fills *out (release with
 * fl_merge_result_release). Returns 0; never fails on well-formed trees.
 */
int fl_merge_records(struct fl_merge_result *out, const cJSON *base,
		     const struct fl_merge_side *ours,
		     const struct fl_merge_side *theirs);

void fl_merge_result_release(struct fl_merge_result *r);

/* Returns 1 when a and b are equal JSON values (object key order ignored). */
int fl_json_equal(const cJSON *a, const cJSON *b);

#endif
