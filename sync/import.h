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
 * Applies the differences between commits `from` (NULL: start from an
 * empty index) and `to` to the index, in one transaction that also sets
 * meta.indexed_commit to `to`. roster.json is kept in meta.roster.
 */
int fl_import(struct fl_db *db, struct fl_store *s, const git_oid *from,
	      const git_oid *to, struct fl_import_stats *stats);

/* The commit the index reflects (FL_ENOTFOUND when none). */
int fl_indexed_commit(git_oid *out, struct fl_db *db);

#endif
