/*
 * store.h: the git side of a workspace (repo.git) and of the central
 * repository: a bare repository whose commits hold record files, written
 * without any working tree by building trees in memory.
 *
 * Layout (docs/design.md, "Repository layout"): <bucket>/<author>/<kind>/<ID>.json,
 * where <bucket> is the first two hex digits of `git hash-object` of the
 * author id (`printf %s ID | git hash-object --stdin | cut -c1-2`). With
 * 3,321 officers at the top, the root tree was 150 KB: every commit
 * rewrote it, and every 50th version of it went whole into each fetch
 * (git's delta chains stop at 50), most of a provincial officer's daily
 * download. 256 buckets keep it at ~8 KB and a bucket at ~13 authors.
 * No shard below <kind>: an officer writes ~300 records a year.
 */
#ifndef FL_STORE_H
#define FL_STORE_H

#include <stddef.h>
#include <git2.h>

#include "schema/base.h"

#define FL_BRANCH "refs/heads/main"
#define FL_REMOTE_BRANCH "refs/remotes/origin/main"

/*
 * The central repository has one branch per author, refs/heads/authors/<id>
 * (FL_CENTRAL_AUTHORS), whose tree holds only that author's records, and
 * main, which holds roster.json. Locally, main is our own branch (its
 * central copy is FL_REMOTE_BRANCH); the central main is FL_REMOTE_ROSTER,
 * and others' branches are FL_REMOTE_AUTHORS<id>.
 */
#define FL_CENTRAL_AUTHORS "refs/heads/authors/"
#define FL_CENTRAL_MAIN "refs/heads/main"
#define FL_REMOTE_ROSTER "refs/remotes/origin/roster"
#define FL_REMOTE_AUTHORS "refs/remotes/origin/authors/"

struct fl_store;

/* Starts libgit2 once per process (SIGPIPE ignored, fsync on). */
void fl_store_global_init(void);

/* Creates a bare repository at gitdir whose HEAD names FL_BRANCH. */
int fl_store_init(struct fl_store **out, const char *gitdir);
/* Opens an existing one; FL_ENOTFOUND when there is none. */
int fl_store_open(struct fl_store **out, const char *gitdir);
void fl_store_free(struct fl_store *s);
git_repository *fl_store_repo(struct fl_store *s);

/*
 * From now on every commit fl_store_commit writes is signed by `signer`
 * (sync/sign.h), which the store owns and frees (NULL: unsigned, the
 * default). Saves that only reach the outbox sign nothing; the signature
 * is made when the outbox becomes commits.
 */
struct fl_signer;
void fl_store_set_signer(struct fl_store *s, struct fl_signer *signer);
/* The store's signer (borrowed), or NULL. */
struct fl_signer *fl_store_signer(struct fl_store *s);

/* SHA-1 of data (git's object ids; no libgit2 needed). */
void fl_sha1(unsigned char out[20], const void *data, size_t len);
/* The two-hex-digit directory an author's records live under. */
void fl_author_bucket(char out[3], const char *author);
/* Repository path of a record; caller frees. */
char *fl_record_path(const char *author, const char *kind, const char *id);
/*
 * Splits a repository path into author, kind and id when it has the record
 * layout (writes into the caller's buffers); returns 1, or 0 otherwise.
 */
int fl_record_path_parse(const char *path, char author[65], char kind[16],
			 char id[27]);

/*
 * Lets go of the packs the store has mapped (their indexes are mapped
 * whole: 108 MB for a million records); they are opened again when next
 * needed. For a full import, before the index builds its own indexes.
 * Returns 0, or -1 (nothing changed).
 */
int fl_store_unmap(struct fl_store *s);

/*
 * Between these, objects written (fl_store_commit with ref NULL) stay in
 * memory, readable through the store; fl_store_batch_end(s, 1) stores them
 * as one pack, fsync'd like any object (a commit is five or six objects,
 * and a loose file with its fsync for each was most of committing a
 * save). fl_store_batch_end(s, 0) drops them. Moving a ref to an object
 * of the batch before it ends would point it at nothing on disk.
 */
int fl_store_batch_begin(struct fl_store *s);
int fl_store_batch_end(struct fl_store *s, int keep);
/*
 * For a writer of a great many objects (the test data generator,
 * tests/helper): a batch that is the object database's only backend and
 * reads older objects from the repository's own database without
 * rescanning objects/pack. libgit2 rescans it on every write of an object
 * it does not have, i.e. of every new object: 9 system calls each, 40 %
 * of generating 90,000 objects. Objects other processes store meanwhile
 * are not seen. End it with fl_store_batch_end.
 */
int fl_store_batch_begin_bulk(struct fl_store *s);
/*
 * Bytes of object data the open batch holds (0 outside one): a writer of
 * a great many commits ends the batch and begins the next when it has
 * grown too big to keep in memory.
 */
size_t fl_store_batch_bytes(const struct fl_store *s);

/* The commit `ref` points at; FL_ENOTFOUND when the ref does not exist. */
int fl_store_ref(git_oid *out, struct fl_store *s, const char *ref);

/* Reads a blob (at most `limit` bytes, else FL_EINVALID) into sb. */
int fl_store_read_blob(struct strbuf *sb, struct fl_store *s,
		       const git_oid *blob, size_t limit);
/* Reads path in the tree of commit into sb; FL_ENOTFOUND when absent. */
int fl_store_read_path(struct strbuf *sb, struct fl_store *s,
		       const git_oid *commit, const char *path);

struct fl_write {
	const char *path;
	const char *data;    /* NULL removes the path (only the merge uses this) */
	size_t len;
};

struct fl_sig {
	const char *name, *email;
	long long when;      /* seconds since the epoch */
	int offset;          /* minutes east of UTC */
};

/*
 * Writes the files as one commit on top of parents[0..nparents) (tree
 * taken from parents[0], or empty) and moves `ref` to it, but only if
 * `ref` still points at parents[0] (or does not exist when nparents is
 * 0): a compare-and-swap, so a concurrent writer is never overwritten.
 * With ref NULL the commit is only written (no ref moves). Signed when
 * the store has a signer (fl_store_set_signer); a signing failure is its
 * error, and nothing is written.
 * Returns 0, FL_ELOCKED (ref lock held), FL_EEXISTS (ref moved), FL_ERROR.
 */
int fl_store_commit(git_oid *out, struct fl_store *s, const char *ref,
		    const git_oid *parents, size_t nparents,
		    const struct fl_write *w, size_t nw, const char *message,
		    const struct fl_sig *author);
/*
 * Moves ref to `to` if it still points at `from` (or does not exist when
 * from is NULL). Same returns as fl_store_commit.
 */
int fl_store_set_ref(struct fl_store *s, const char *ref, const git_oid *to,
		     const git_oid *from, const char *message);

/*
 * Sets many refs at once, forced, by writing them into packed-refs (and
 * removing loose files of the same names), as git's pack-refs leaves them.
 * For a fetch's remote-tracking refs: a reviewer's first clone updates
 * 3,332 of them, and a loose file with its fsync for each cost seconds.
 * The objects must already be stored. Returns 0, FL_ELOCKED, FL_EINVALID
 * (not a ref name) or FL_ERROR.
 */
struct fl_ref_update {
	const char *name;
	git_oid oid;
};
int fl_store_update_refs(git_repository *repo, const struct fl_ref_update *u, size_t n);

/* Same, but builds only the tree (used by merges). base may be NULL. */
int fl_store_build_tree(git_oid *out, struct fl_store *s, const git_oid *base_tree,
			const struct fl_write *w, size_t nw);

/*
 * Calls cb for every file that differs between the trees of commits `from`
 * (NULL: the empty tree, i.e. every file of `to`) and `to`. old/new are
 * NULL for an added/removed file; mode is the new (or old) file mode. A
 * nonzero return from cb stops the walk and is returned.
 */
typedef int (*fl_change_fn)(void *payload, const char *path, const git_oid *old_blob,
			    const git_oid *new_blob, unsigned mode);
int fl_store_diff(struct fl_store *s, const git_oid *from, const git_oid *to,
		  fl_change_fn cb, void *payload);
/*
 * fl_store_diff's reports, collected: pass fl_tree_changes_collect as the
 * callback and the list as its payload. `parent` is copied into each entry
 * collected next (a merge's diffs against each of its parents).
 */
struct fl_tree_change {
	char *path;
	git_oid old_id, new_id;
	int has_old, has_new;
	unsigned mode;   /* the new mode, or the old one for a removal */
	size_t parent;
};
struct fl_tree_changes {
	struct fl_tree_change *v;
	size_t n, alloc;
	size_t parent;
};
#define FL_TREE_CHANGES_INIT { NULL, 0, 0, 0 }
int fl_tree_changes_collect(void *payload, const char *path, const git_oid *old_blob,
			    const git_oid *new_blob, unsigned mode);
/* Sorts by path, then parent. */
void fl_tree_changes_sort(struct fl_tree_changes *c);
/* The entry for path in a sorted list of one diff, or NULL. */
struct fl_tree_change *fl_tree_changes_find(const struct fl_tree_changes *c, const char *path);
void fl_tree_changes_release(struct fl_tree_changes *c);

/*
 * The same between two trees (from may be NULL), reading only subtrees
 * whose ids differ; on_tree (may be NULL) is also called for every tree of
 * `to` that `from` lacks, the root included: with cb's new blobs, what a
 * push must send (sync/push.c).
 */
typedef int (*fl_tree_fn)(void *payload, const git_oid *tree);
int fl_tree_diff(git_repository *repo, const git_oid *from, const git_oid *to,
		 fl_change_fn cb, fl_tree_fn on_tree, void *payload);

/* Message of libgit2's last error, for fl_error. */
const char *fl_git_error(void);

#endif
