/*
 * diff.h: field-by-field differences between two versions of a record, a
 * one-line summary of them for `fieldlog log`, and a unified line diff for
 * long text in `fieldlog diff`. Pure functions over cJSON trees.
 *
 * Paths: a top-level field is its key ("status"); a field inside an
 * element of an array of objects with ids is "comments[<id>].text"; an
 * element added or removed as a whole is "comments[<id>]" (old or new is
 * NULL); a nested object field is "figures.visits"; an array of plain
 * values is compared as a whole ("communes"), and so is a key that
 * appears or disappears with its whole value (even an id array). A NULL
 * record counts as {}, so a new record lists each field. "updated_at" is
 * never reported (every edit changes it).
 */
#ifndef FL_DIFF_H
#define FL_DIFF_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "schema/base.h"

struct fl_change {
	char *path;
	cJSON *old_value;   /* owned copy; NULL when the path did not exist */
	cJSON *new_value;   /* owned copy; NULL when it no longer exists */
};

struct fl_changes {
	struct fl_change *v;
	size_t n, alloc;
};
#define FL_CHANGES_INIT { NULL, 0, 0 }

/*
 * Appends to *out the changes from a to b, in the key order of b (then keys
 * only in a). Either side may be NULL (record created / absent).
 */
void fl_record_diff(struct fl_changes *out, const cJSON *a, const cJSON *b);
void fl_changes_release(struct fl_changes *c);

/*
 * Appends a one-line summary, "; "-separated, at most max_items items
 * then "; …and N more" (max_items 0 gives just "…and N more"); appends
 * nothing for no changes. Additions and removals of elements of one id
 * array make a single item. Numbers, booleans and null count as short;
 * "N lines changed" is fl_text_lines_changed, so one rewritten line is
 * "2 lines changed". Items:
 *   status: open → escalated         (short scalars: old → new)
 *   description: 3 lines changed     (multi-line or > 60 code points)
 *   comments: 1 added                (elements of id arrays added/removed)
 *   entries[01J…].state: planned → done
 *   title: set to "…"                (old absent or empty)
 */
void fl_changes_summary(struct strbuf *sb, const struct fl_changes *c,
			size_t max_items);

/*
 * Appends a unified diff (lines prefixed " ", "-", "+", hunks headed
 * "@@ -a,b +c,d @@", both counts always written) of texts a and b with
 * `context` lines of context. NULL is "". A text is split at every '\n',
 * so a final '\n' makes a final empty line and "" has no lines; field
 * values seldom end in '\n', and no "\ No newline" marker is needed.
 * Appends nothing when they are equal.
 */
void fl_text_udiff(struct strbuf *sb, const char *a, const char *b, int context);

/* Number of lines that differ between a and b (insertions + deletions). */
size_t fl_text_lines_changed(const char *a, const char *b);

#endif
