/*
 * check.h: the central repository's own rules (docs/design.md, "The
 * central repository's check") and the roster they are judged against.
 *
 * The roster (who may write, and as what) is the pure model of
 * schema/roster.h; this file reads it from the central repository's main.
 *
 * `fieldlog server check` runs as the pre-receive hook and calls
 * fl_server_check, which refuses a push that updates anything but an
 * author's branch, that deletes or rewinds a branch, or that the rules of
 * schema/rules.h refuse. This file is the git side of those rules: it
 * reads the new commits and the blobs they wrote and asks the rules. The
 * client runs the same before it pushes (fl_check_branch: a path remote
 * runs no hook), and the importer on what it fetched (fl_check_import).
 */
#ifndef FL_CHECK_H
#define FL_CHECK_H

#include <stdio.h>
#include <git2.h>
#include <cjson/cJSON.h>

#include "schema/base.h"
#include "schema/roster.h"
#include "schema/rules.h"
#include "sync/sign.h"
#include "sync/store.h"

/* --- the roster on main (the model itself: schema/roster.h) ------------------ */

/*
 * Reads and parses roster.json in the tree of `commit`. Returns 0,
 * FL_ENOTFOUND when the commit has no roster.json, FL_EINVALID, FL_ERROR.
 */
int fl_roster_read(cJSON **out, struct fl_store *s, const git_oid *commit);

/*
 * The roster of `commit` for judging, shared: read, parsed, validated and
 * its keys parsed (sign.h) once per process for each version of
 * roster.json (its blob id), whichever store or commit it is asked
 * through. A bundle import judges the bundle on it, then the import that
 * indexes what it brought judges again; at national scale (3,331 people
 * with keys, 1.1 MB) each fresh read costs ~10 ms.
 *
 * Read-only (fl_roster_read gives a copy to edit). Returns 0, or
 * fl_roster_read's errors (an error is not remembered: the next call
 * tries again). *out stays valid until fl_roster_shared_release, which
 * takes NULL.
 */
struct fl_roster_shared {
	cJSON *roster;
	struct fl_keyring *keys;    /* of roster */
	git_oid blob;               /* roster.json's */
	unsigned refs;              /* check.c's own */
};
int fl_roster_shared_get(struct fl_roster_shared **out, struct fl_store *s,
			 const git_oid *commit);
void fl_roster_shared_release(struct fl_roster_shared *r);

/* --- the pre-receive check -------------------------------------------------- */

/*
 * Reads the repository's objects without its commit-graph: libgit2 1.5
 * verifies the whole file's checksum (SHA-1 with collision detection)
 * before its first walk, 8 ms at 100k records, more than the walk of a
 * push's few commits. (git's own receive-pack keeps using it.) Call
 * before fl_check_add_objects. Returns 0 or FL_ERROR.
 */
int fl_check_open_objects(struct fl_store *s);

/*
 * Makes objects in `dir` readable through the store. During pre-receive
 * git keeps the pushed objects in a quarantine directory, named by
 * GIT_QUARANTINE_PATH / GIT_OBJECT_DIRECTORY, and libgit2 1.5 does not
 * read those variables: the hook passes each of them, and each entry of
 * GIT_ALTERNATE_OBJECT_DIRECTORIES, here. Returns 0 or FL_ERROR.
 */
int fl_check_add_objects(struct fl_store *s, const char *dir);

/*
 * Judges a push. `in` carries git's pre-receive input, one
 * "<old-sha> <new-sha> <ref>" line per updated ref. `pusher_login` is the
 * git server's name for the pusher (NULL or "": unknown, and each commit
 * is then judged as written by its author, "<id>@fieldlog", who must be
 * in the roster). The roster is the one on main.
 *
 * Returns 0 when the push may go ahead. Otherwise returns FL_EREJECTED
 * (or FL_ERROR when the repository could not be read, which refuses the
 * push too) and sets `why` to one line without a final newline, such as
 * "refused commit 1a2b3c4: binh.tran/issue/Y/01J....json: not under
 * 'an.nguyen/', the pusher's own directory".
 */
int fl_server_check(struct fl_store *s, FILE *in, const char *pusher_login,
		    struct strbuf *why);

/*
 * Judges, as the server would, the commits that the branch `ref`
 * (refs/heads/authors/<id>) gains from old (NULL: none) to new, against
 * `roster` (the central main's; `keys` its keyring, NULL: made here),
 * with no pusher. A response's target is looked for in FL_REMOTE_AUTHORS*
 * and, for `me`, in FL_BRANCH. Returns 0, or FL_EREJECTED (FL_ERROR: the
 * repository could not be read) with the one line in `why`.
 */
int fl_check_branch(struct fl_store *s, const cJSON *roster, const struct fl_keyring *keys,
		    const char *ref, const git_oid *old, const git_oid *new, const char *me,
		    struct strbuf *why);

/*
 * For the importer: judges the author and signature of each commit from
 * `from` (NULL: none) to `to` on author's branch, and for each commit the
 * rules refuse calls taint with every path that commit wrote and the
 * refusal's line (what the rules say about the paths themselves, the
 * importer judges on the final versions). `keys` is roster's keyring
 * (sign.h; NULL: made here). Returns 0, FL_EREJECTED when the branch
 * itself is refused (author not in the roster), or the first non-zero
 * return of taint or FL_ERROR.
 *
 * Tip-vouching: when `to` carries a good signature by author, that one
 * Ed25519 verification vouches for the bytes of every commit it reaches,
 * and each other commit's signature block is only parsed: it must still
 * be there and name a key author holds (else it is judged in full, and
 * refused as without vouching). An unsigned commit stays unsigned, so a
 * repository that requires signatures still refuses it.
 *
 * A valid signature by a key author has since removed is taken under a
 * vouching tip (the owner's current key took that history on), and with
 * FL_CHECK_OWN (the owner's own sync, which is about to sign over it:
 * a new laptop takes on what the lost one signed); otherwise it is BAD.
 */
#define FL_CHECK_OWN 1u
typedef int (*fl_check_taint_fn)(void *payload, const char *path, const char *why);
int fl_check_import(struct fl_store *s, const cJSON *roster, const struct fl_keyring *keys,
		    const char *author, const git_oid *from, const git_oid *to, unsigned flags,
		    fl_check_taint_fn taint, void *payload);

#endif
