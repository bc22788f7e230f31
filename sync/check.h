/*
 * check.h: the central repository's own rules (DESIGN section 5) and the
 * roster they are judged against.
 *
 * roster.json, on the central repository's main branch, lists who may
 * write:
 *
 *   {"schema": 1, "people": [{"id": "an.nguyen", "name": "...",
 *     "role": "officer", "provinces": ["42"], "login": "an.nguyen"}]}
 *
 * `id` is the author id (the directory the person writes under, and the
 * name of their branch, refs/heads/authors/<id>), `login` the name the git
 * server knows them by (REMOTE_USER, GL_USER, ...). It changes only
 * through `fieldlog roster add` run on the server; no push may touch it.
 *
 * `fieldlog server check` runs as the pre-receive hook and calls
 * fl_server_check, which refuses a push that updates anything but an
 * author's branch, or a branch other than the pusher's own; that deletes
 * or rewinds a branch; or in which a commit the branch did not have is by
 * someone else, writes outside its writer's directory, deletes a file,
 * writes a file that is not a canonical valid record, or a record of a
 * kind the writer's role may not write.
 */
#ifndef FL_CHECK_H
#define FL_CHECK_H

#include <stdio.h>
#include <git2.h>
#include <cjson/cJSON.h>

#include "schema/base.h"
#include "sync/store.h"

#define FL_ROSTER_PATH "roster.json"
#define FL_ROSTER_SCHEMA 1

/* --- the roster ------------------------------------------------------------ */

/* A new, empty roster: {"schema": 1, "people": []}. Caller frees. */
cJSON *fl_roster_new(void);

/* 1 when s is a server login: 1 to 128 of [A-Za-z0-9._@-]. */
int fl_login_valid(const char *s);

/*
 * Checks one person: id (fl_author_valid), a one-line name, role
 * "officer" or "reviewer", provinces that exist (at least one for an
 * officer, no duplicates), a valid login. Keys beyond those five are
 * allowed (kept for later use such as signing keys). Returns 0 or
 * FL_EINVALID with the reason.
 */
int fl_roster_person_validate(const cJSON *person);

/*
 * Checks a whole roster: schema version, people an array of valid
 * persons, ids and logins each unique. Returns 0 or FL_EINVALID.
 */
int fl_roster_validate(const cJSON *roster);

/*
 * Parses roster.json strictly (schema/json.h) and validates it. *out is
 * the tree (caller frees) or NULL; returns 0 or FL_EINVALID.
 */
int fl_roster_parse(cJSON **out, const char *buf, size_t len);

/*
 * Reads and parses roster.json in the tree of `commit`. Returns 0,
 * FL_ENOTFOUND when the commit has no roster.json, FL_EINVALID, FL_ERROR.
 */
int fl_roster_read(cJSON **out, struct fl_store *s, const git_oid *commit);

/* The person with this id / login (borrowed), or NULL. */
const cJSON *fl_roster_find(const cJSON *roster, const char *id);
const cJSON *fl_roster_find_login(const cJSON *roster, const char *login);

/*
 * Puts `person` (validated first; ownership passes to the roster on
 * success only) into the roster, replacing the entry with the same id and
 * keeping people sorted by id. Keys of the replaced entry that `person`
 * lacks are carried over. Returns 1 when it replaced someone, 0 when it
 * added, FL_EINVALID for an invalid person, FL_EEXISTS when another
 * person already has that login.
 */
int fl_roster_put(cJSON *roster, cJSON *person);

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

#endif
