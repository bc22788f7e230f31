/*
 * rules.c: the rule set for an update of an author's branch (rules.h).
 * Pure: no git, no SQLite, no I/O. The callers (the server's hook, the
 * client before a push, the importer) read the commits and blobs and
 * build the input; every decision is made here, so the three cannot
 * drift apart, and each rule is unit tested on literals
 * (tests/unit/test-rules.c).
 */
#include "rules.h"

#include <stdarg.h>
#include <string.h>

#include "json.h"
#include "record.h"
#include "roster.h"

static int refuse_branch(const struct fl_rules *r, struct strbuf *why, const char *fmt, ...)
	FL_PRINTF(3, 4);
static int refuse_branch(const struct fl_rules *r, struct strbuf *why, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(why);
	strbuf_addf(why, _("refused %s: "), r->branch);
	va_start(ap, fmt);
	strbuf_vaddf(why, _(fmt), ap);
	va_end(ap);
	return fl_error(FL_EREJECTED, "%s", why->buf);
}

static int refuse(const struct fl_rules_commit *c, const char *path, struct strbuf *why,
		  const char *fmt, ...) FL_PRINTF(4, 5);
static int refuse(const struct fl_rules_commit *c, const char *path, struct strbuf *why,
		  const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(why);
	strbuf_addf(why, _("refused commit %s: "), c->id ? c->id : "?");
	if (path)
		strbuf_addf(why, "%s: ", path);
	va_start(ap, fmt);
	strbuf_vaddf(why, _(fmt), ap);
	va_end(ap);
	return fl_error(FL_EREJECTED, "%s", why->buf);
}

const char *fl_rules_branch_owner(const char *branch)
{
	static const char full[] = "refs/heads/authors/", part[] = "authors/";

	if (!branch)
		return NULL;
	if (!strncmp(branch, full, sizeof(full) - 1))
		return branch + sizeof(full) - 1;
	if (!strncmp(branch, part, sizeof(part) - 1))
		return branch + sizeof(part) - 1;
	return NULL;
}

int fl_rules_begin(struct fl_rules *r, const char bucket[3], struct strbuf *why)
{
	const char *owner = fl_rules_branch_owner(r->branch);
	const cJSON *p;

	r->owner = r->role = NULL;
	if (!owner)
		return refuse_branch(r, why, "only refs/heads/authors/<id> may be pushed");
	if (!fl_author_valid(owner) || !(p = fl_roster_find(r->roster, owner)))
		return refuse_branch(r, why, "'%s' is not in roster.json", owner);
	if (r->pusher && !fl_roster_find_login(r->roster, r->pusher))
		return refuse_branch(r, why, "unknown pusher '%s' (no such login in roster.json)",
				     fl_login_valid(r->pusher) ? r->pusher : "?");
	r->owner = owner;
	r->role = fl_json_str(p, "role");
	memcpy(r->bucket, bucket, 3);
	r->bucket[2] = '\0';
	return 0;
}

/* 1 when c carries the owner's good signature. */
static int signed_by_owner(const struct fl_rules *r, const struct fl_rules_commit *c)
{
	return c->sig == FL_SIG_GOOD && c->signer && !strcmp(c->signer, r->owner);
}

int fl_rules_pusher(const struct fl_rules *r, const struct fl_rules_commit *commits, size_t n,
		    struct strbuf *why)
{
	const char *id;

	if (!r->pusher)
		return 0;
	id = fl_json_str(fl_roster_find_login(r->roster, r->pusher), "id");
	if (!id)
		return refuse_branch(r, why, "unknown pusher '%s' (no such login in roster.json)",
				     fl_login_valid(r->pusher) ? r->pusher : "?");
	if (!strcmp(id, r->owner))
		return 0;
	/* A relay: every new commit must vouch for itself. */
	for (size_t i = 0; i < n; i++)
		if (!signed_by_owner(r, &commits[i]))
			return refuse_branch(r, why, "'%s' may only push refs/heads/authors/%s"
					     " (or relay commits all signed by their owner)", id, id);
	return n ? 0 : refuse_branch(r, why, "'%s' may only push refs/heads/authors/%s", id, id);
}

int fl_rules_commit_header(const struct fl_rules *r, const struct fl_rules_commit *c,
			   struct strbuf *why)
{
	const char *email = c->author_email ? c->author_email : "";
	const char *at = strrchr(email, '@');
	char id[65];
	size_t n;

	if (!at || strcmp(at, "@fieldlog"))
		return refuse(c, NULL, why, "author <%s> is not a fieldlog id (<id>@fieldlog)", email);
	n = (size_t)(at - email);
	if (n >= sizeof(id))
		return refuse(c, NULL, why, "author <%s> is not in the roster", email);
	memcpy(id, email, n);
	id[n] = '\0';
	if (!fl_author_valid(id) || !fl_roster_find(r->roster, id))
		return refuse(c, NULL, why, "author <%s> is not in the roster", email);
	if (strcmp(id, r->owner))
		return refuse(c, NULL, why, "written by '%s', on the branch of '%s'", id, r->owner);
	if (c->sig == FL_SIG_BAD)
		return refuse(c, NULL, why, "its signature does not verify");
	if (c->sig == FL_SIG_GOOD && (!c->signer || strcmp(c->signer, r->owner)))
		return refuse(c, NULL, why, "signed by the key of '%s', on the branch of '%s'",
			      c->signer ? c->signer : "?", r->owner);
	if (r->require_signatures && c->sig != FL_SIG_GOOD)
		return refuse(c, NULL, why, "unsigned, and this repository requires every commit"
			      " signed by its author's key");
	return 0;
}

/* Whether path lies in the owner's directory, <bucket>/<owner>/. */
static int own_path(const struct fl_rules *r, const char *path)
{
	size_t n = strlen(r->owner);

	return path[0] == r->bucket[0] && path[1] == r->bucket[1] && path[2] == '/' &&
	       !strncmp(path + 3, r->owner, n) && path[3 + n] == '/';
}


int fl_rules_record(cJSON **out, const char *path, unsigned mode, const char *buf,
		    size_t len)
{
	char author[65], kind[16], id[27];
	struct strbuf canon = STRBUF_INIT;
	cJSON *rec = NULL;
	int e;

	*out = NULL;
	if (mode != FL_MODE_FILE)
		return fl_error(FL_EINVALID, mode == 0120000 ? "a symbolic link" :
				mode == 0160000 ? "a submodule" :
				mode == 0100755 ? "an executable file" : "not a regular file");
	if (!fl_record_path_split(path, author, kind, id))
		return fl_error(FL_EINVALID, "not a record path (<bucket>/<author>/<kind>/<ID>.json)");
	if (len > FL_RECORD_MAX)
		return fl_error(FL_EINVALID, "%zu bytes, over the limit of %d", len, FL_RECORD_MAX);
	if ((e = fl_json_parse(&rec, buf, len)) < 0)
		return e;
	if ((e = fl_record_validate(rec)) < 0)
		goto bad;
	/*
	 * Canonical: the bytes are what we would write for this tree. (The
	 * validation above has already checked every string is NFC.) One
	 * serialisation instead of fl_json_is_canonical's second parse.
	 */
	fl_json_write(&canon, rec, 1);
	if (canon.len != len || memcmp(canon.buf, buf, len)) {
		e = fl_error(FL_EINVALID, "not in canonical form");
		goto bad;
	}
	if (strcmp(fl_json_str(rec, "id"), id)) {
		e = fl_error(FL_EINVALID, "id '%s' does not match the file name", fl_json_str(rec, "id"));
		goto bad;
	}
	if (strcmp(fl_json_str(rec, "author"), author)) {
		e = fl_error(FL_EINVALID, "author '%s' does not match the directory '%s'",
			     fl_json_str(rec, "author"), author);
		goto bad;
	}
	if (strcmp(fl_json_str(rec, "kind"), kind)) {
		e = fl_error(FL_EINVALID, "kind '%s' does not match the directory '%s'",
			     fl_json_str(rec, "kind"), kind);
		goto bad;
	}
	strbuf_release(&canon);
	*out = rec;
	return 0;
bad:
	strbuf_release(&canon);
	cJSON_Delete(rec);
	return e;
}

/* The first of id, kind, author, created_at that differs between a and b, or NULL. */
static const char *changed_key(const cJSON *a, const cJSON *b)
{
	static const char *const keys[] = { "id", "kind", "author", "created_at" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		const char *x = fl_json_str(a, keys[i]), *y = fl_json_str(b, keys[i]);
		if (!x || !y || strcmp(x, y))
			return keys[i];
	}
	return NULL;
}

int fl_rules_change(const struct fl_rules *r, const struct fl_rules_commit *c,
		    const struct fl_rules_change *ch, struct strbuf *why)
{
	unsigned mode = ch->mode ? ch->mode : FL_MODE_FILE;
	cJSON *rec = NULL;
	int e;

	if (!strcmp(ch->path, "roster.json"))
		return refuse(c, ch->path, why, "the roster changes only on the server"
			      " ('fieldlog roster add'), never by a push");
	if (!ch->new_buf)
		return refuse(c, ch->path, why, "deletes record (records are never removed;"
			      " mark one \"deleted\": true instead)");
	if (ch->discards && !own_path(r, ch->path))
		return refuse(c, ch->path, why, "the merge throws away a change one of its parents"
			      " made (only %s's own records may be reconciled by hand)", r->owner);
	if (!own_path(r, ch->path))
		return refuse(c, ch->path, why, "not under '%s/%s/': %s writes only their own records",
			      r->bucket, r->owner, r->owner);
	if (fl_rules_record(&rec, ch->path, mode, ch->new_buf, ch->new_len) < 0)
		return refuse(c, ch->path, why, "%s", fl_last_error());
	e = fl_rules_record_ok(r, c, ch, rec, why);
	cJSON_Delete(rec);
	return e;
}

int fl_rules_record_ok(const struct fl_rules *r, const struct fl_rules_commit *c,
		       const struct fl_rules_change *ch, const cJSON *rec, struct strbuf *why)
{
	const char *kind = fl_json_str(rec, "kind"), *key;
	cJSON *old = NULL;
	int e = 0;

	if (!strcmp(r->role, "reviewer") && strcmp(kind, "response"))
		return refuse(c, ch->path, why, "%s is a reviewer: reviewers write only responses,"
			      " not %s records", r->owner, kind);
	if (!strcmp(r->role, "officer") && !strcmp(kind, "response"))
		return refuse(c, ch->path, why, "%s is an officer: only reviewers write responses",
			      r->owner);
	/*
	 * The version replaced was judged when it came; a version that was
	 * not a record is no reference for what may not change.
	 */
	if (ch->old_buf && fl_json_parse(&old, ch->old_buf, ch->old_len) == 0 &&
	    cJSON_IsObject(old) && (key = changed_key(old, rec))) {
		e = refuse(c, ch->path, why, "changes '%s' of an existing record ('%s' to '%s');"
			   " it never changes once written", key,
			   fl_json_str(old, key) ? fl_json_str(old, key) : "",
			   fl_json_str(rec, key) ? fl_json_str(rec, key) : "");
		goto done;
	}
	fl_clear_error();
	if (!strcmp(kind, "response") && r->exists) {
		const char *tk = fl_json_str(rec, "target_kind"), *tid = fl_json_str(rec, "target");
		if (!r->exists(r->exists_payload, tk, tid))
			e = refuse(c, ch->path, why, "answers %s %s, which does not exist", tk, tid);
	}
done:
	cJSON_Delete(old);
	return e;
}

int fl_rules_judge(struct fl_rules *r, const char bucket[3],
		   const struct fl_rules_commit *commits, size_t n, struct strbuf *why)
{
	int e;

	if ((e = fl_rules_begin(r, bucket, why)) < 0 ||
	    (e = fl_rules_pusher(r, commits, n, why)) < 0)
		return e;
	for (size_t i = 0; i < n; i++) {
		const struct fl_rules_commit *c = &commits[i];
		if ((e = fl_rules_commit_header(r, c, why)) < 0)
			return e;
		for (size_t k = 0; k < c->nchanges; k++)
			if ((e = fl_rules_change(r, c, &c->changes[k], why)) < 0)
				return e;
	}
	return 0;
}
