/*
 * roster.h: the roster, who may write to the central repository, as a
 * pure model over its JSON tree (no git, no SQLite): validation, look-up,
 * edits. roster.json, on the central repository's main branch, is:
 *
 *   {"schema": 1, "require_signatures": true,
 *    "people": [{"id": "an.nguyen", "name": "...",
 *     "role": "officer", "provinces": ["42"], "login": "an.nguyen",
 *     "keys": ["ssh-ed25519 AAAA... an@laptop"],
 *     "removed_keys": ["ssh-ed25519 AAAA... an@lost-laptop"]}]}
 *
 * `keys` are the OpenSSH public keys whose signatures count as the
 * person's (sync/sign.h); `removed_keys` those taken away (a lost or
 * replaced laptop), kept so that what they signed is named, and refused.
 * `require_signatures` (absent: false, a repository made before signing)
 * says every new commit on authors/<id> must carry a good signature by
 * one of id's keys; `fieldlog server init` sets it unless
 * --allow-unsigned. It lives here rather than in the server's git config
 * so that every importer, which fetches the roster, judges by the same
 * setting as the server's check.
 *
 * `id` is the author id (the directory the person writes under, and the
 * name of their branch, refs/heads/authors/<id>), `login` the name the git
 * server knows them by (REMOTE_USER, GL_USER, ...). It changes only
 * through `fieldlog roster add` run on the server; no push may touch it.
 * The rules judged against it are sync/check.h's.
 */
#ifndef FL_ROSTER_H
#define FL_ROSTER_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "base.h"

#define FL_ROSTER_PATH "roster.json"
/*
 * The largest roster an importer reads. The national roster of 3,321
 * officers, each with a signing key, is about 1.1 MB; a key or two more
 * per person or longer names must not make every officer's index lose the
 * roster (and with it the reviewers whose answers a sync fetches).
 */
#define FL_ROSTER_MAX (32 * 1024 * 1024)
#define FL_ROSTER_SCHEMA 1

/* A new, empty roster: {"schema": 1, "people": []}. Caller frees. */
cJSON *fl_roster_new(void);

/* 1 when s is a server login: 1 to 128 of [A-Za-z0-9._@-]. */
int fl_login_valid(const char *s);

/*
 * Checks one person: id (fl_author_valid), a one-line name, role
 * "officer" or "reviewer", provinces that exist (at least one for an
 * officer, no duplicates), a valid login, and "keys" / "removed_keys",
 * when there, lists of distinct valid key lines. Other fields are allowed. Returns 0 or
 * FL_EINVALID with the reason.
 */
int fl_roster_person_validate(const cJSON *person);

/*
 * 1 when line is an OpenSSH Ed25519 public key line ("ssh-ed25519
 * BASE64[ comment]", a one-line comment). Pure: sync/sshsig.h parses it.
 */
int fl_roster_key_valid(const char *line);
/* The same, and the 32 bytes of a valid line's key into `key`. */
int fl_roster_key_parse(unsigned char key[32], const char *line);

/* 1 when the roster says every new commit must be signed. */
int fl_roster_requires_signatures(const cJSON *roster);

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

/* The person with this id / login (borrowed), or NULL. */
const cJSON *fl_roster_find(const cJSON *roster, const char *id);
/* The person whose string `key` is value (borrowed), or NULL. */
const cJSON *fl_roster_find_by(const cJSON *roster, const char *key, const char *value);
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

#endif
