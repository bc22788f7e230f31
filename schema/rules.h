/*
 * rules.h: the one rule set that decides whether an update of an author's
 * branch is acceptable (docs/design.md section 11). Pure: it is given the
 * roster, the branch, the pusher, the new commits (their authors and
 * signature verdicts) and each changed path's old and new bytes, and it
 * reads nothing itself. The same rules run in the server's pre-receive
 * check, in the client before it pushes (a path remote runs no hook), and
 * in the importer, which skips what they refuse.
 *
 * The rules:
 *  - the branch is authors/<id> of someone in the roster, never deleted;
 *  - the pusher, when the transport knows one, is in the roster, and is
 *    the branch's owner unless every new commit carries the owner's good
 *    signature (a colleague relaying signed work);
 *  - every commit's author is the owner (<id>@fieldlog), whatever the
 *    transport; a bad signature is always refused; when the repository
 *    requires signatures, every commit is signed by the owner's key;
 *  - a commit writes only under the owner's directory
 *    (<bucket>/<id>/<kind>/<ULID>.json), files of mode 100644, never
 *    roster.json, and deletes nothing (a rename is a delete);
 *  - each file written is a canonical, valid record whose id, kind and
 *    author match its path, of a kind the owner's role writes (officers:
 *    schedule, visit, issue, report; reviewers: response); its id, kind,
 *    author and created_at are those of the version it replaces;
 *  - a response's target is a record that exists;
 *  - a merge may throw away another parent's change only in the owner's
 *    directory (two devices of one officer reconciled by hand).
 *
 * Each refusal is one line, without a final newline: "refused <branch>:
 * <reason>" for the branch as a whole, "refused commit <id>: [<path>: ]
 * <reason>" for one commit.
 */
#ifndef FL_RULES_H
#define FL_RULES_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "base.h"

/* The only file mode a record may have: git's regular, non-executable file. */
#define FL_MODE_FILE 0100644

/* What checking a commit's signature said (filled by the caller). */
enum fl_sig_state {
	FL_SIG_NONE,   /* no signature */
	FL_SIG_GOOD,   /* valid, by a key of `signer` */
	FL_SIG_BAD     /* present but does not verify, or by no roster key */
};

/* One path a commit changed: old and new bytes, NULL when absent. */
struct fl_rules_change {
	const char *path;
	const char *old_buf, *new_buf;
	size_t old_len, new_len;
	unsigned mode;       /* the new file's git mode (0: FL_MODE_FILE) */
	int discards;        /* a merge kept this path but threw away a parent's change */
};

struct fl_rules_commit {
	const char *id;              /* for messages: the short hex id */
	const char *author_email;    /* as the commit says */
	const char *committer_email; /* informative: a relay may commit */
	enum fl_sig_state sig;
	const char *signer;          /* roster id of the signing key (FL_SIG_GOOD) */
	const struct fl_rules_change *changes;
	size_t nchanges;
};

/* 1 when a record of `kind` with `id` exists, for a response's target. */
typedef int (*fl_rules_exists_fn)(void *payload, const char *kind, const char *id);

struct fl_rules {
	const cJSON *roster;         /* roster.json as on the central main */
	const char *branch;          /* "refs/heads/authors/<id>" or "authors/<id>" */
	const char *pusher;          /* the server's login for the pusher, or NULL */
	int require_signatures;
	fl_rules_exists_fn exists;   /* NULL: targets are not checked */
	void *exists_payload;
	/* filled by fl_rules_begin: */
	const char *owner;           /* the branch's author id (borrowed from branch) */
	const char *role;            /* the owner's role */
	char bucket[3];              /* the owner's bucket (sync/store.h) */
};

/*
 * The owner's id of a branch name (after "authors/"), or NULL. Borrowed
 * from `branch`.
 */
const char *fl_rules_branch_owner(const char *branch);

/*
 * Judges the branch and its pusher before any commit: sets r->owner and
 * r->role from the roster, `bucket` being the owner's bucket directory
 * (the caller computes it: sync/store.h's fl_author_bucket). Returns 0, or
 * FL_EREJECTED with the line in `why`.
 */
int fl_rules_begin(struct fl_rules *r, const char bucket[3], struct strbuf *why);

/*
 * Judges who may push these commits (the relay rule): after
 * fl_rules_begin, with every new commit's signature verdict. Returns 0 or
 * FL_EREJECTED.
 */
int fl_rules_pusher(const struct fl_rules *r, const struct fl_rules_commit *commits, size_t n,
		    struct strbuf *why);

/* Judges one commit's author and signature. Returns 0 or FL_EREJECTED. */
int fl_rules_commit_header(const struct fl_rules *r, const struct fl_rules_commit *c,
			   struct strbuf *why);

/*
 * Judges one path commit c changed. Returns 0 or FL_EREJECTED; a
 * response's target that does not exist is refused as well.
 */
int fl_rules_change(const struct fl_rules *r, const struct fl_rules_commit *c,
		    const struct fl_rules_change *ch, struct strbuf *why);

/*
 * The part of fl_rules_change after the path and the record's own
 * validity: `rec` is ch->new_buf already checked by fl_rules_record (the
 * importer has parsed it anyway). Kind by role, the fields that never
 * change (against ch->old_buf, when given), a response's target. Returns
 * 0 or FL_EREJECTED.
 */
int fl_rules_record_ok(const struct fl_rules *r, const struct fl_rules_commit *c,
		       const struct fl_rules_change *ch, const cJSON *rec, struct strbuf *why);

/*
 * All of the above, in order: the branch, the pusher, then each commit's
 * header and changes. Returns 0 or FL_EREJECTED (the first refusal).
 */
int fl_rules_judge(struct fl_rules *r, const char bucket[3],
		   const struct fl_rules_commit *commits, size_t n, struct strbuf *why);

/*
 * A file as a record: mode FL_MODE_FILE, a record path
 * (<bucket>/<author>/<kind>/<ID>.json, the bucket not checked), at most
 * FL_RECORD_MAX bytes, strict JSON in canonical form, valid
 * (schema/record.h), with the id, kind and author of its path. Returns 0
 * and the record in *out (caller frees), or FL_EINVALID with the reason.
 */
int fl_rules_record(cJSON **out, const char *path, unsigned mode, const char *buf,
		    size_t len);

#endif
