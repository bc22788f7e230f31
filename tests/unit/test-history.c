/*
 * test-history.c: the "Fieldlog-Conflict:" trailer, whose writing
 * (integrate.c's merge commits) and reading (`fieldlog log`) meet in
 * sync/history.c. The line a merge writes splits back into the field path
 * and the side kept, also when a value holds ", kept " itself.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "sync/history.h"
#include "tests/unit/tap.h"

static void check(const char *ours, const char *theirs, int theirs_won, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	const char *prefix = "Fieldlog-Conflict: 01ABC ", *kept;
	char *path = NULL;

	fl_conflict_trailer_add(&sb, "01ABC", "attendees[2].name", ours, theirs, theirs_won);
	OK(!strncmp(sb.buf, prefix, strlen(prefix)), what);
	OK(sb.len && sb.buf[sb.len - 1] == '\n', "one line, ended");
	sb.buf[--sb.len] = '\0';
	fl_conflict_split(sb.buf + strlen(prefix), &path, &kept);
	IS(path, "attendees[2].name", "the path splits back");
	IS(kept, theirs_won ? "theirs" : "ours", "the side kept splits back");
	free(path);
	strbuf_release(&sb);
}

int main(void)
{
	check("\"Lan\"", "\"Lân\"", 1, "a trailer line naming the record");
	check("\"a, kept b\"", "\"c\"", 0, "a value holding \", kept \"");

	char *path;
	const char *kept;
	fl_conflict_split("no separators here", &path, &kept);
	IS(path, "no separators here", "a line without ': ours ' is its own path");
	IS(kept, "", "and keeps nothing");
	free(path);
	return tap_done();
}
