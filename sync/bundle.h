/*
 * bundle.h: records that travel as a file (a USB stick, a chat or e-mail
 * attachment) instead of over a connection: git bundles (v2) of the
 * central repository's branches, written and read here, and the relay of
 * what a bundle brought to the central repository by the next sync.
 *
 * The file is what `git bundle create` writes, so stock `git bundle
 * verify` and `git fetch FILE` read it:
 *
 *   # v2 git bundle
 *   -<sha> fieldlog central repository     the central main's first commit
 *   -<sha> <subject>                       each commit the pack builds on
 *   <sha> refs/heads/authors/<id>          the branches it carries, named
 *   <sha> refs/heads/main                  as on the central repository
 *   (blank line)
 *   PACK...                                a self-contained pack
 *
 * The first prerequisite names the central repository: every workspace
 * of it holds its main's first commit, and no other repository does.
 * Nothing of a bundle is trusted: its pack is indexed aside (a quarantine
 * directory in repo.git), every new commit is judged by the rules and
 * signatures the server and the importer use (sync/check.h,
 * schema/rules.h, sync/sign.h), and only when every one passes do the
 * pack and the refs move in; otherwise nothing of it stays.
 */
#ifndef FL_BUNDLE_H
#define FL_BUNDLE_H

#include <stddef.h>
#include <git2.h>
#include <cjson/cJSON.h>

#include "schema/base.h"
#include "sync/store.h"
#include "sync/sync.h"

#define FL_BUNDLE_CENTRAL "fieldlog central repository"
/* Where a branch a bundle brought waits to be relayed (refs/fieldlog/relay/<id>). */
#define FL_RELAY_REFS "refs/fieldlog/relay/"

/* Record versions per kind (schedule, visit, issue, report, response). */
#define FL_BUNDLE_KINDS 5
extern const char *const fl_bundle_kinds[FL_BUNDLE_KINDS];

struct fl_bundle_stats {
	size_t commits;
	size_t objects;
	size_t prerequisites;
	long long bytes;
	size_t kinds[FL_BUNDLE_KINDS];
};

/* A branch to write: its central name (refs/heads/...) and its tip. */
struct fl_bundle_tip {
	char *name;
	git_oid oid;
};

struct fl_bundle_spec {
	struct fl_bundle_tip *tips;
	size_t ntips, alloc;
	git_oid *known;           /* commits the reader has: left out, with what they reach */
	size_t nknown, kalloc;
	long long since;          /* > 0: commits older than this (seconds) are left out */
};

void fl_bundle_spec_add_tip(struct fl_bundle_spec *sp, const char *name, const git_oid *oid);
void fl_bundle_spec_add_known(struct fl_bundle_spec *sp, const git_oid *oid);
void fl_bundle_spec_release(struct fl_bundle_spec *sp);

/*
 * The first commit of the central main whose tip is `main_ref` in s
 * (FL_REMOTE_ROSTER in a workspace, FL_CENTRAL_MAIN in the central
 * repository): what names a central repository. FL_ENOTFOUND without it.
 */
int fl_bundle_central(git_oid *out, struct fl_store *s, const char *main_ref);

/*
 * Writes the bundle of sp to `path` (through a temporary file renamed into
 * place). `central` is written as the first prerequisite. Returns 0 with
 * *st filled, FL_ENOTFOUND when there is no commit to write (the reader
 * has them all), FL_ERROR.
 */
int fl_bundle_write(struct fl_bundle_stats *st, struct fl_store *s, const char *path,
		    const struct fl_bundle_spec *sp, const git_oid *central);

/* What an import did, per branch. */
struct fl_bundle_branch {
	char *name;           /* as in the bundle: refs/heads/authors/<id> or refs/heads/main */
	git_oid old, new;
	int has_old;
	int fresh;            /* 1: moved; 0: nothing new, or our own branch */
	size_t commits;
};

struct fl_bundle_import {
	struct fl_bundle_branch *v;
	size_t n;
	size_t commits;       /* new commits taken in */
	long long bytes;
};

/*
 * Reads the bundle at `path` into s, for the workspace of `me`: checks
 * its header and that it is of this central repository (the roster's
 * first commit among its prerequisites) and that every prerequisite is
 * here, indexes its pack in quarantine, judges every new commit (each
 * author's commits signed by that author's key in the roster, whatever
 * the central repository requires; an officer's branch also by the rules
 * the server applies; main's commits signed by the key that signed the
 * central main's first commit, the admin's), and only then stores the
 * pack and moves refs/remotes/origin/roster and
 * refs/remotes/origin/authors/<id> (and FL_RELAY_REFS<id> for the next
 * sync). Our own branch in a bundle is left alone.
 *
 * Returns 0 (out->commits 0: nothing new), or FL_EINVALID with one line
 * naming the reason (truncated, corrupted, another central repository,
 * not fieldlog's, unsigned or wrongly signed, missing prerequisites), and
 * nothing of the bundle is kept; FL_ERROR when the repository could not
 * be written.
 */
int fl_bundle_import(struct fl_bundle_import *out, struct fl_store *s, const char *path,
		     const char *me);
void fl_bundle_import_release(struct fl_bundle_import *r);

/* --- the relay ------------------------------------------------------------ */

/* A branch waiting to be relayed: the author and the commits not yet sent. */
struct fl_relay {
	char *author;
	git_oid tip;
};

/* The branches waiting in s (caller frees with fl_relay_release). */
int fl_relay_list(struct fl_relay **out, size_t *n, struct fl_store *s);
void fl_relay_release(struct fl_relay *v, size_t n);

/*
 * Pushes each waiting branch to refs/heads/authors/<id> of the central
 * repository and forgets it once the central repository has it (or has
 * moved on past it, as the author's own sync does). *relayed gets the
 * number of branches sent. A refusal keeps the branch waiting and is
 * returned (FL_EREJECTED, the server's reason in *server_message);
 * FL_EOFFLINE and FL_ERROR as a sync.
 */
int fl_relay_run(size_t *relayed, struct fl_store *s, const struct fl_sync_opts *o,
		 char **server_message);

#endif
