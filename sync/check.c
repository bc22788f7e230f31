/*
 * check.c: the central repository's pre-receive check, and the roster
 * read from main for it (the roster's rules are schema/roster.c). See
 * check.h.
 *
 * Every commit a push brings is judged on its own, against the roster as
 * it was on main before the push: what did this commit write, and may its
 * writer write that? "What it wrote" is its tree difference to its parent
 * (to the empty tree for a root commit). A merge is judged by what the
 * merge itself decided:
 *
 *  - a path whose content differs from every parent was written by the
 *    merge, and is judged like any write;
 *  - a path present in a parent but gone from the merge is a deletion,
 *    refused like any deletion (records are never removed, so an honest
 *    merge holds the union of its parents' files);
 *  - a path where the merge took one parent's version over another's is
 *    fine when the other parent had not changed it since the merge base
 *    (an ordinary clean merge). Otherwise the merge threw a change away:
 *    allowed in the writer's own directory (an officer's two devices
 *    reconciled), refused anywhere else, or a merge with an old commit
 *    could quietly revert other people's records.
 *
 * Everything that is not a clean acceptance ends in one line for the
 * pusher (git relays the hook's stderr): "refused commit <sha>: <path>:
 * <reason>". A repository that cannot be read refuses too: the check
 * fails closed.
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/rules.h"
#include "sync/import.h"
#include "sync/sign.h"

/* --- the roster as main holds it ------------------------------------------- */

/*
 * The roster of the central repository itself, for its own check. Only
 * `fieldlog roster add` on the server writes it (validated, in canonical
 * form), and a push to main is refused, so it is not validated again, and
 * a push needs at most a few people of it: each is found in the text by
 * its canonical line (`      "id": "an.nguyen"`) and only that object is
 * parsed. Parsing the whole national roster (600 KB) was a third of the
 * hook's time. Anyone not found that way (a roster edited by hand, or a
 * stranger) is looked up in the whole, parsed once.
 */
struct roster_view {
	struct strbuf text;
	cJSON *mini;          /* {"people": [...]}: those found so far, for the rules */
	cJSON *found;         /* its array */
	cJSON *whole;         /* the whole roster, once it was needed */
	int bad;              /* the whole did not parse as a roster */
};

/*
 * The roster's text, kept beside the repository as fieldlog/roster-<blob
 * id>.json: inflating the national roster from the pack was 4-5 ms of
 * every push, reading a file a tenth of that. Named by its blob id, a
 * copy cannot go stale; a new roster replaces the old copy.
 */
/* Removes dir/roster-*.json: the copies of rosters that are no longer main's. */
static void drop_roster_copies(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 12 && !strncmp(de->d_name, "roster-", 7) &&
		    !strcmp(de->d_name + n - 5, ".json")) {
			char *p = xstrfmt("%s/%s", dir, de->d_name);
			unlink(p);
			free(p);
		}
	}
	if (d)
		closedir(d);
}

static int roster_view_read(struct roster_view *r, struct fl_store *s, const git_oid *commit)
{
	git_repository *repo = fl_store_repo(s);
	git_commit *c = NULL;
	git_tree *t = NULL;
	const git_tree_entry *te;
	char hex[GIT_OID_HEXSZ + 1], *dir = NULL, *path = NULL;
	int e = -1;

	memset(r, 0, sizeof(*r));
	strbuf_init(&r->text);
	r->mini = cJSON_CreateObject();
	r->found = cJSON_AddArrayToObject(r->mini, "people");
	if (git_commit_lookup(&c, repo, commit) == 0 && git_commit_tree(&t, c) == 0 &&
	    (te = git_tree_entry_byname(t, FL_ROSTER_PATH)) &&
	    git_tree_entry_type(te) == GIT_OBJECT_BLOB) {
		git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(te));
		dir = xstrfmt("%sfieldlog", git_repository_path(repo));
		path = xstrfmt("%s/roster-%s.json", dir, hex);
		e = strbuf_read_file(&r->text, path, 64 << 20);
		if (e < 0) {
			strbuf_reset(&r->text);
			e = fl_store_read_blob(&r->text, s, git_tree_entry_id(te), 64 << 20);
			if (e == 0 && (mkdir(dir, 0755) == 0 || errno == EEXIST)) {
				drop_roster_copies(dir);
				fl_write_file_atomic(path, r->text.buf, r->text.len);
			}
		}
	}
	git_tree_free(t);
	git_commit_free(c);
	free(path);
	free(dir);
	fl_clear_error();
	if (e < 0) {
		strbuf_reset(&r->text);
		e = fl_store_read_path(&r->text, s, commit, FL_ROSTER_PATH);
	}
	/*
	 * The one setting beside the people, read without parsing the whole:
	 * roster.json is canonical (key, colon, one space), and no string
	 * value can hold an unescaped quote, so the text is unambiguous.
	 */
	if (e == 0)
		cJSON_AddBoolToObject(r->mini, "require_signatures",
				      strstr(r->text.buf, "\"require_signatures\": true") != NULL);
	return e;
}

static void roster_view_release(struct roster_view *r)
{
	strbuf_release(&r->text);
	cJSON_Delete(r->mini);
	cJSON_Delete(r->whole);
}

/* The object around the canonical line `"key": "value"`, parsed; or NULL. */
static cJSON *roster_scan(const struct roster_view *r, const char *key, const char *value)
{
	char *line = xstrfmt("\n      \"%s\": \"%s\"", key, value);
	const char *hit = strstr(r->text.buf, line), *start = NULL, *end = NULL;
	cJSON *p = NULL;

	if (hit) {
		for (const char *q = hit; q >= r->text.buf + 5 && !start; q--)
			if (!strncmp(q - 5, "\n    {", 6))
				start = q;
		end = strstr(hit, "\n    }");
	}
	if (start && end && (hit[strlen(line)] == ',' || hit[strlen(line)] == '\n')) {
		p = cJSON_ParseWithLength(start - 1, (size_t)(end + 6 - (start - 1)));
		if (!cJSON_IsObject(p) || !fl_json_str(p, key) || strcmp(fl_json_str(p, key), value)) {
			cJSON_Delete(p);
			p = NULL;
		}
	}
	free(line);
	return p;
}

static const cJSON *roster_person(struct roster_view *r, const char *key, const char *value)
{
	const cJSON *p;
	cJSON *q;

	if (!value)
		return NULL;
	cJSON_ArrayForEach(p, r->found)
		if (fl_json_str(p, key) && !strcmp(fl_json_str(p, key), value))
			return p;
	if (!r->whole && (q = roster_scan(r, key, value))) {
		cJSON_AddItemToArray(r->found, q);
		return q;
	}
	if (!r->whole && !r->bad) {
		r->whole = cJSON_ParseWithLength(r->text.buf, r->text.len);
		r->bad = !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r->whole, "people"));
	}
	p = r->bad ? NULL : fl_roster_find_by(r->whole, key, value);
	if (!p)
		return NULL;
	/* Into the roster the rules see, which holds only those looked up. */
	q = cJSON_Duplicate(p, 1);
	cJSON_AddItemToArray(r->found, q);
	return q;
}

/* The blob id of roster.json in the tree of commit; errors as fl_store_read_path's. */
static int roster_blob(git_oid *out, struct fl_store *s, const git_oid *commit)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *te = NULL;
	int e = 0;

	if (git_commit_lookup(&c, fl_store_repo(s), commit) < 0 || git_commit_tree(&t, c) < 0)
		e = fl_error(FL_ERROR, "cannot read commit: %s", fl_git_error());
	else if (git_tree_entry_bypath(&te, t, FL_ROSTER_PATH) < 0)
		e = fl_error(FL_ENOTFOUND, "no file '%s'", FL_ROSTER_PATH);
	else
		git_oid_cpy(out, git_tree_entry_id(te));
	git_tree_entry_free(te);
	git_tree_free(t);
	git_commit_free(c);
	return e;
}

/* roster.json's blob, read, parsed and validated. */
static int roster_parse_blob(cJSON **out, struct fl_store *s, const git_oid *blob)
{
	struct strbuf sb = STRBUF_INIT;
	int e;

	*out = NULL;
	e = fl_store_read_blob(&sb, s, blob, 64u << 20);
	if (e == 0 && (e = fl_roster_parse(out, sb.buf, sb.len)) < 0) {
		char *why = xstrdup(fl_last_error());
		e = fl_error(e, "%s: %s", FL_ROSTER_PATH, why);
		free(why);
	}
	strbuf_release(&sb);
	return e;
}

int fl_roster_read(cJSON **out, struct fl_store *s, const git_oid *commit)
{
	git_oid blob;
	int e;

	*out = NULL;
	if ((e = roster_blob(&blob, s, commit)) < 0)
		return e;
	return roster_parse_blob(out, s, &blob);
}

/*
 * The one roster kept for the process (it holds a reference of its own),
 * so that the next judge of the same version finds it. One is enough: a
 * process judges on main's roster, and a bundle that brings a new one
 * judges on that one alone. The lock: the importer judges on the thread
 * that reads the repository (sync/import.c), not always the main one.
 */
static struct fl_roster_shared *kept_roster;
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;

static void shared_unref(struct fl_roster_shared *r)
{
	if (!r || --r->refs)
		return;
	fl_keyring_free(r->keys);
	cJSON_Delete(r->roster);
	free(r);
}

int fl_roster_shared_get(struct fl_roster_shared **out, struct fl_store *s,
			 const git_oid *commit)
{
	struct fl_roster_shared *r = NULL;
	git_oid blob;
	cJSON *roster = NULL;
	int e;

	*out = NULL;
	if ((e = roster_blob(&blob, s, commit)) < 0)
		return e;
	pthread_mutex_lock(&kept_mu);
	if (kept_roster && git_oid_equal(&kept_roster->blob, &blob)) {
		r = kept_roster;
		r->refs++;
	}
	pthread_mutex_unlock(&kept_mu);
	if (r) {
		*out = r;
		return 0;
	}
	/* Parsed outside the lock: 10 ms at national scale. */
	fl_trace("roster: read %s", git_oid_tostr_s(&blob));
	if ((e = roster_parse_blob(&roster, s, &blob)) < 0)
		return e;
	r = xcalloc(1, sizeof(*r));
	r->roster = roster;
	r->keys = fl_keyring_new(roster);
	git_oid_cpy(&r->blob, &blob);
	r->refs = 2;   /* the caller's and the process's */
	pthread_mutex_lock(&kept_mu);
	shared_unref(kept_roster);
	kept_roster = r;
	pthread_mutex_unlock(&kept_mu);
	*out = r;
	return 0;
}

void fl_roster_shared_release(struct fl_roster_shared *r)
{
	pthread_mutex_lock(&kept_mu);
	shared_unref(r);
	pthread_mutex_unlock(&kept_mu);
}

/* --- objects in quarantine ------------------------------------------------- */

int fl_check_open_objects(struct fl_store *s)
{
	git_repository *repo = fl_store_repo(s);
	char *dir = xstrfmt("%sobjects", git_repository_path(repo));
	char *alt = xstrfmt("%s/info/alternates", dir);
	struct strbuf list = STRBUF_INIT;
	git_odb *odb = NULL;
	git_odb_backend *pack = NULL, *loose = NULL;
	int e = 0;

	if (git_odb_new(&odb) < 0 || git_odb_backend_pack(&pack, dir) < 0 ||
	    git_odb_add_backend(odb, pack, 2) < 0) {
		if (pack && odb)
			pack->free(pack);
		e = -1;
	} else if (git_odb_backend_loose(&loose, dir, -1, 0, 0, 0) < 0 ||
		   git_odb_add_backend(odb, loose, 1) < 0) {
		if (loose)
			loose->free(loose);
		e = -1;
	}
	/* The repository's own alternates, as git_odb_open would read them. */
	if (e == 0 && strbuf_read_file(&list, alt, 1 << 20) == 0) {
		char *line = list.buf;
		while (e == 0 && line && *line) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (*line && *line != '#') {
				char *path = *line == '/' ? xstrdup(line) : xstrfmt("%s/%s", dir, line);
				e = git_odb_add_disk_alternate(odb, path) < 0 ? -1 : 0;
				free(path);
			}
			line = nl ? nl + 1 : NULL;
		}
	}
	fl_clear_error();
	if (e == 0)
		git_repository_set_odb(repo, odb);
	else
		e = fl_error(FL_ERROR, "cannot read the objects in '%s': %s", dir, fl_git_error());
	git_odb_free(odb);
	strbuf_release(&list);
	free(alt);
	free(dir);
	return e;
}

int fl_check_add_objects(struct fl_store *s, const char *dir)
{
	git_odb *odb = NULL;
	int e = 0;

	if (!dir || !*dir)
		return 0;
	if (git_repository_odb(&odb, fl_store_repo(s)) < 0 ||
	    git_odb_add_disk_alternate(odb, dir) < 0)
		e = fl_error(FL_ERROR, "cannot read objects in '%s': %s", dir, fl_git_error());
	git_odb_free(odb);
	return e;
}

/* --- judging commits --------------------------------------------------------- */


/*
 * The git side of judging (schema/rules.h decides): reads each new commit
 * and the blobs of the paths it wrote, and hands them to the rules.
 */
struct judge {
	struct fl_store *s;
	struct roster_view *view;   /* the server's lazily read roster, or NULL */
	struct fl_rules rules;
	struct strbuf *why;
	struct strbuf oldb, newb;
	int refused;
	struct fl_rules_commit commit;   /* the commit being judged */
	char short_id[8];
	char signer[65];                 /* its signer's id (commit.signer) */
	/* where a response's target is looked for */
	const char *authors_prefix;      /* FL_CENTRAL_AUTHORS or FL_REMOTE_AUTHORS */
	const char *me;                  /* whose records FL_BRANCH holds, or NULL */
	/* the importer: each path of a refused commit, instead of stopping */
	fl_check_taint_fn taint;
	void *taint_payload;
	int any_base;        /* the client: the server judges fast-forwards itself */
	/* the roster's keys parsed once (NULL: looked up in rules.roster each time) */
	const struct fl_keyring *keys;
	struct fl_keyring *own_keys;     /* keys, when this judge made it */
	/*
	 * The importer: the id whose verified signature on the tip vouches
	 * for the bytes of every commit it reaches (sign.h), or NULL.
	 */
	const char *vouch;
	const char *branch_owner;        /* the importer: whose branch ("" elsewhere) */
	int own;                         /* the owner's own sync (FL_CHECK_OWN) */
};

static int refuse(struct judge *j, const char *path, const char *fmt, ...) FL_PRINTF(3, 4);
static int refuse(struct judge *j, const char *path, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(j->why);
	strbuf_addf(j->why, _("refused commit %s: "), j->short_id);
	if (path)
		strbuf_addf(j->why, "%s: ", path);
	va_start(ap, fmt);
	strbuf_vaddf(j->why, _(fmt), ap);
	va_end(ap);
	j->refused = 1;
	return fl_error(FL_EREJECTED, "%s", j->why->buf);
}

/* 1 when the tip of ref holds author's record kind/id. */
static int ref_has(struct fl_store *s, const char *ref, const char *author, const char *kind,
		   const char *id)
{
	git_oid tip;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *te = NULL;
	char *path = fl_record_path(author, kind, id);
	int found = fl_store_ref(&tip, s, ref) == 0 &&
		    git_commit_lookup(&c, fl_store_repo(s), &tip) == 0 &&
		    git_commit_tree(&t, c) == 0 && git_tree_entry_bypath(&te, t, path) == 0;

	git_tree_entry_free(te);
	git_tree_free(t);
	git_commit_free(c);
	free(path);
	fl_clear_error();
	return found;
}

/*
 * Whether a record kind/id exists on any author's branch: a response's
 * target. Records live under their author's directory and the id does not
 * say whose, so each branch is asked (one tree look-up each; only
 * reviewers write responses, a few a day).
 */
static int record_exists(void *p, const char *kind, const char *id)
{
	struct judge *j = p;
	git_reference_iterator *it = NULL;
	git_reference *ref;
	char *glob = xstrfmt("%s*", j->authors_prefix);
	size_t plen = strlen(j->authors_prefix);
	int found = j->me && ref_has(j->s, FL_BRANCH, j->me, kind, id);

	if (!found && git_reference_iterator_glob_new(&it, fl_store_repo(j->s), glob) == 0) {
		while (!found && git_reference_next(&ref, it) == 0) {
			const char *author = git_reference_name(ref) + plen;
			found = fl_author_valid(author) &&
				ref_has(j->s, git_reference_name(ref), author, kind, id);
			git_reference_free(ref);
		}
	}
	git_reference_iterator_free(it);
	free(glob);
	fl_clear_error();
	return found;
}

/*
 * The verdict on commit c. Under a vouching tip (j->vouch), a block that
 * names a key of the tip's signer is taken without the arithmetic: the
 * tip's signature covers these bytes. Anything else (no block, another
 * person's key, a removed one) is judged in full, so the refusal is the
 * same as without vouching.
 */
static int verdict(struct fl_sig_verdict *vd, const struct judge *j, git_commit *c)
{
	git_repository *repo = git_commit_owner(c);

	if (!j->keys)
		return fl_commit_verify(vd, repo, git_commit_id(c), j->rules.roster);
	if (j->vouch) {
		if (fl_commit_verify_keys(vd, repo, git_commit_id(c), j->keys, 1) < 0)
			return -1;
		if (vd->state == FL_COMMIT_UNSIGNED ||
		    (vd->state == FL_COMMIT_GOOD && !strcmp(vd->signer, j->vouch)))
			return 0;
	}
	if (fl_commit_verify_keys(vd, repo, git_commit_id(c), j->keys, 0) < 0)
		return -1;
	/*
	 * A valid signature by a key the owner has since removed: the owner's
	 * current key on the tip (or, in the owner's own sync, the owner
	 * about to sign over it) takes it on. Anywhere else it stays BAD.
	 */
	if (vd->state == FL_COMMIT_BAD && vd->key_removed && !strcmp(vd->signer, j->branch_owner) &&
	    (j->vouch || j->own)) {
		vd->state = FL_COMMIT_GOOD;
		vd->vouched = 1;
	}
	return 0;
}

/*
 * The signature of commit c judged against the roster the rules hold
 * (sync/sign.h), as the rules take it; `signer` (65 bytes, the caller's)
 * keeps the signer's id for rc. A verdict that cannot be had (the commit
 * does not read) is a bad signature: nothing is accepted on its strength.
 * Call it after rules.require_signatures is set.
 */
static void commit_verdict(const struct judge *j, struct fl_rules_commit *rc, char *signer,
			   git_commit *c)
{
	struct fl_sig_verdict vd;

	rc->signer = NULL;
	if (verdict(&vd, j, c) < 0) {
		fl_clear_error();
		rc->sig = FL_SIG_BAD;
		return;
	}
	switch (vd.state) {
	case FL_COMMIT_GOOD:
		rc->sig = FL_SIG_GOOD;
		snprintf(signer, 65, "%s", vd.signer);
		rc->signer = signer;
		break;
	case FL_COMMIT_UNSIGNED:
		rc->sig = FL_SIG_NONE;
		break;
	default:
		/*
		 * A sound signature by a key nobody in the roster holds says
		 * nothing about who wrote the commit. Where unsigned commits
		 * are taken (a repository made before signing), it counts as
		 * unsigned: an officer whose laptop has a key the admin never
		 * listed is not locked out. Where signatures are required it
		 * is refused, as is every broken or removed-key signature.
		 */
		rc->sig = vd.unknown_key && !j->rules.require_signatures ? FL_SIG_NONE
									   : FL_SIG_BAD;
		break;
	}
}

/* Fills the rules' view of commit c's header (borrowing from c). */
static void commit_header(struct judge *j, git_commit *c, const git_oid *id)
{
	const git_signature *a = git_commit_author(c), *m = git_commit_committer(c);
	const char *email = a && a->email ? a->email : "";
	const char *at = strrchr(email, '@');

	git_oid_tostr(j->short_id, sizeof(j->short_id), id);
	memset(&j->commit, 0, sizeof(j->commit));
	j->commit.id = j->short_id;
	j->commit.author_email = email;
	j->commit.committer_email = m && m->email ? m->email : "";
	commit_verdict(j, &j->commit, j->signer, c);
	/* The server's roster holds only those looked up: look the author up. */
	if (j->view && at && !strcmp(at, "@fieldlog")) {
		char *aid = xstrndup(email, (size_t)(at - email));
		if (fl_author_valid(aid))
			roster_person(j->view, "id", aid);
		free(aid);
	}
}

/* Reads blob id into sb (at most a record's size); 0 or an error. */
static int read_blob(struct judge *j, struct strbuf *sb, const git_oid *id)
{
	strbuf_reset(sb);
	return fl_store_read_blob(sb, j->s, id, FL_RECORD_MAX);
}

/* Judges one path the commit wrote (new_id) or removed (new_id NULL). */
static int judge_path(struct judge *j, const char *path, const git_oid *old_id,
		      const git_oid *new_id, unsigned mode, int discards)
{
	struct fl_rules_change ch = { path, NULL, NULL, 0, 0, mode, discards };

	if (new_id) {
		ch.new_buf = "";
		if (mode == GIT_FILEMODE_BLOB && strcmp(path, FL_ROSTER_PATH)) {
			if (read_blob(j, &j->newb, new_id) < 0)
				return refuse(j, path, "%s", fl_last_error());
			ch.new_buf = j->newb.buf;
			ch.new_len = j->newb.len;
		}
		if (old_id && read_blob(j, &j->oldb, old_id) == 0) {
			ch.old_buf = j->oldb.buf;
			ch.old_len = j->oldb.len;
		}
		fl_clear_error();
	}
	if (fl_rules_change(&j->rules, &j->commit, &ch, j->why) < 0) {
		j->refused = 1;
		return FL_EREJECTED;
	}
	return 0;
}

static int judge_cb(void *p, const char *path, const git_oid *old_blob,
		    const git_oid *new_blob, unsigned mode)
{
	return judge_path(p, path, old_blob, new_blob, mode, 0);
}

/* 1 when the version (has, id) of path equals its version in one of the trees. */
static int same_as_a_base(git_tree **bases, size_t nbases, const char *path,
			  int has, const git_oid *id)
{
	if (nbases == 0)
		return !has;
	for (size_t i = 0; i < nbases; i++) {
		git_tree_entry *te = NULL;
		int in_base = git_tree_entry_bypath(&te, bases[i], path) == 0;
		int same = in_base ? has && git_oid_equal(git_tree_entry_id(te), id) : !has;
		git_tree_entry_free(te);
		if (same)
			return 1;
	}
	return 0;
}

/*
 * Calls fn for each path merge c decided, with its version in a parent
 * that had it (or NULL) and whether it threw a parent's change away. See
 * the top of this file.
 */
typedef int (*merge_path_fn)(struct judge *j, const char *path, const git_oid *old_id,
			     const git_oid *new_id, unsigned mode, int discards);
static int merge_paths(struct judge *j, git_commit *c, const git_oid *id, merge_path_fn fn)
{
	git_repository *repo = fl_store_repo(j->s);
	size_t n = git_commit_parentcount(c), nbases = 0;
	git_oid *parents = xcalloc(n, sizeof(*parents));
	struct fl_tree_changes all = FL_TREE_CHANGES_INIT;
	git_oidarray bases = { NULL, 0 };
	git_tree **btrees = NULL;
	int e = 0, have_bases = 0;

	for (size_t i = 0; i < n; i++)
		git_oid_cpy(&parents[i], git_commit_parent_id(c, (unsigned)i));
	for (size_t i = 0; i < n && e == 0; i++) {
		all.parent = i;
		e = fl_store_diff(j->s, &parents[i], id, fl_tree_changes_collect, &all);
	}
	if (e < 0) {
		e = refuse(j, NULL, "cannot compare with its parents: %s", fl_last_error());
		goto done;
	}
	fl_tree_changes_sort(&all);

	for (size_t a = 0, b; a < all.n && e == 0; a = b) {
		const struct fl_tree_change *g = &all.v[a];
		const git_oid *old = NULL;
		int dropped = 0;

		for (b = a + 1; b < all.n && !strcmp(all.v[b].path, g->path); b++)
			;
		for (size_t x = a; x < b && !old; x++)
			if (all.v[x].has_old)
				old = &all.v[x].old_id;
		/* Written by the merge itself, or gone from it. */
		if (b - a == n || !g->has_new) {
			e = fn(j, g->path, old, g->has_new ? &g->new_id : NULL, g->mode, 0);
			continue;
		}
		/*
		 * The merge kept the version of the parents not listed here;
		 * those listed lose theirs, which is fine only if they had not
		 * changed it since the merge base.
		 */
		if (!have_bases) {
			have_bases = 1;
			int r = git_merge_bases_many(&bases, repo, n, parents);
			if (r < 0 && r != GIT_ENOTFOUND) {
				e = refuse(j, NULL, "cannot find the merge base: %s", fl_git_error());
				break;
			}
			btrees = xcalloc(bases.count ? bases.count : 1, sizeof(*btrees));
			for (size_t i = 0; i < bases.count; i++) {
				git_commit *bc = NULL;
				if (git_commit_lookup(&bc, repo, &bases.ids[i]) < 0 ||
				    git_commit_tree(&btrees[nbases], bc) < 0) {
					git_commit_free(bc);
					e = refuse(j, NULL, "cannot read the merge base: %s", fl_git_error());
					break;
				}
				nbases++;
				git_commit_free(bc);
			}
			if (e < 0)
				break;
		}
		for (size_t x = a; x < b && !dropped; x++)
			dropped = !same_as_a_base(btrees, nbases, g->path, all.v[x].has_old,
						  &all.v[x].old_id);
		if (dropped)
			e = fn(j, g->path, old, &g->new_id, g->mode, 1);
	}
done:
	for (size_t i = 0; i < nbases; i++)
		git_tree_free(btrees[i]);
	free(btrees);
	git_oidarray_dispose(&bases);
	fl_tree_changes_release(&all);
	free(parents);
	return e;
}

/* The importer's view of a refused commit: each path it wrote is tainted. */
static int taint_path(struct judge *j, const char *path, const git_oid *old_id,
		      const git_oid *new_id, unsigned mode, int discards)
{
	(void)old_id, (void)new_id, (void)mode, (void)discards;
	return j->taint(j->taint_payload, path, j->why->buf);
}

static int taint_cb(void *p, const char *path, const git_oid *old_blob,
		    const git_oid *new_blob, unsigned mode)
{
	return taint_path(p, path, old_blob, new_blob, mode, 0);
}

/* Each path commit c wrote, to fn (judge_path or taint_path). */
static int commit_paths(struct judge *j, git_commit *c, const git_oid *id, int taint)
{
	unsigned n = git_commit_parentcount(c);
	int e;

	if (n > 1)
		return merge_paths(j, c, id, taint ? taint_path : judge_path);
	/* Judged while the difference streams by; stops at the first refusal. */
	e = fl_store_diff(j->s, n ? git_commit_parent_id(c, 0) : NULL, id,
			  taint ? taint_cb : judge_cb, j);
	if (e < 0 && !j->refused)
		e = refuse(j, NULL, "cannot compare with its parent: %s", fl_last_error());
	return e;
}

static int judge_commit(struct judge *j, const git_oid *id)
{
	git_commit *c = NULL;
	int e;

	git_oid_tostr(j->short_id, sizeof(j->short_id), id);
	if (git_commit_lookup(&c, fl_store_repo(j->s), id) < 0)
		return refuse(j, NULL, "cannot read it: %s", fl_git_error());
	commit_header(j, c, id);
	if (fl_rules_commit_header(&j->rules, &j->commit, j->why) < 0) {
		j->refused = 1;
		e = FL_EREJECTED;
	} else {
		e = commit_paths(j, c, id, 0);
	}
	git_commit_free(c);
	return e;
}

/* --- the update of one branch ------------------------------------------------ */

static int refuse_push(struct strbuf *why, int code, const char *fmt, ...) FL_PRINTF(3, 4);
static int refuse_push(struct strbuf *why, int code, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(why);
	va_start(ap, fmt);
	strbuf_vaddf(why, _(fmt), ap);
	va_end(ap);
	return fl_error(code, "%s", why->buf);
}

/*
 * The commits new reaches and old does not, oldest first so that the
 * first refusal names the commit that went wrong, into *out (caller
 * frees). *ff: one of them has old as a parent (cheaper than
 * git_graph_descendant_of, which read the whole commit-graph: 6-10 ms at
 * 100k), or old is zero.
 */
static int new_commits(git_oid **out, size_t *nout, int *ff, git_repository *repo,
		       const git_oid *old, const git_oid *new)
{
	git_revwalk *walk = NULL;
	git_oid id, *ids = NULL;
	size_t n = 0, alloc = 0;
	int e;

	*out = NULL;
	*nout = 0;
	*ff = !old || git_oid_is_zero(old);
	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(walk, new) < 0 ||
	    (!*ff && git_revwalk_hide(walk, old) < 0)) {
		git_revwalk_free(walk);
		return -1;
	}
	while ((e = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c = NULL;
		FL_ALLOC_GROW(ids, n + 1, alloc);
		git_oid_cpy(&ids[n++], &id);
		if (!*ff && git_commit_lookup(&c, repo, &id) == 0)
			for (unsigned p = 0; p < git_commit_parentcount(c) && !*ff; p++)
				*ff = git_oid_equal(git_commit_parent_id(c, p), old);
		git_commit_free(c);
	}
	git_revwalk_free(walk);
	if (e != GIT_ITEROVER) {
		free(ids);
		return -1;
	}
	*out = ids;
	*nout = n;
	return 0;
}

/* The relay rule needs every new commit's signature before any is judged. */
static int judge_pusher(struct judge *j, const git_oid *ids, size_t n)
{
	struct fl_rules_commit *v;
	char (*signers)[65];
	int e = 0;

	if (!j->rules.pusher)
		return 0;
	v = xcalloc(n ? n : 1, sizeof(*v));
	signers = xcalloc(n ? n : 1, sizeof(*signers));
	for (size_t i = 0; i < n && e == 0; i++) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, fl_store_repo(j->s), &ids[i]) < 0) {
			e = -1;
			break;
		}
		commit_verdict(j, &v[i], signers[i], c);
		git_commit_free(c);
	}
	if (e == 0)
		e = fl_rules_pusher(&j->rules, v, n, j->why);
	free(signers);
	free(v);
	return e;
}

/* Judges the update of one author's branch from old to new. */
static int judge_branch(struct judge *j, const char *ref, const git_oid *old,
			const git_oid *new)
{
	git_repository *repo = fl_store_repo(j->s);
	const char *author = fl_rules_branch_owner(ref);
	git_commit *tip = NULL;
	git_oid *ids = NULL;
	size_t n = 0, i;
	char bucket[3];
	int e, ff;

	if (old && git_oid_equal(old, new))
		return 0;
	if (j->view && author && fl_author_valid(author))
		roster_person(j->view, "id", author);
	j->rules.branch = ref;
	fl_author_bucket(bucket, author && fl_author_valid(author) ? author : "-");
	if ((e = fl_rules_begin(&j->rules, bucket, j->why)) < 0)
		return e;
	if (git_oid_is_zero(new))
		return refuse_push(j->why, FL_EREJECTED, "refused %s: the branch may not be deleted",
				   ref);
	/* Something that is not a commit would only fail deeper, less clearly. */
	e = git_commit_lookup(&tip, repo, new);
	git_commit_free(tip);
	if (e < 0)
		return refuse_push(j->why, FL_EREJECTED, "refused %s: it would not point at a commit",
				   ref);
	/* Commits other branches hold are judged too: each branch holds one author's work. */
	if (new_commits(&ids, &n, &ff, repo, old, new) < 0)
		return refuse_push(j->why, FL_ERROR, "refused push: cannot walk the new commits: %s",
				   fl_git_error());
	if (!ff && !j->any_base) {
		e = refuse_push(j->why, FL_EREJECTED, "refused %s: not a fast-forward; history on"
				" the central repository is never rewritten (fetch and merge first)",
				ref);
		goto done;
	}
	if ((e = judge_pusher(j, ids, n)) < 0) {
		if (e != FL_EREJECTED)
			e = refuse_push(j->why, FL_ERROR, "refused push: cannot read the new commits: %s",
					fl_git_error());
		goto done;
	}
	for (i = 0, e = 0; i < n && e == 0; i++)
		e = judge_commit(j, &ids[i]);
	if (e < 0 && !j->refused)
		e = refuse_push(j->why, FL_ERROR, "refused push: cannot judge the new commits: %s",
				fl_git_error());
done:
	free(ids);
	return e;
}

static void judge_init(struct judge *j, struct fl_store *s, struct strbuf *why)
{
	memset(j, 0, sizeof(*j));
	strbuf_init(&j->oldb);
	strbuf_init(&j->newb);
	j->s = s;
	j->why = why;
	j->rules.exists = record_exists;
	j->rules.exists_payload = j;
	j->branch_owner = "";
}

static void judge_release(struct judge *j)
{
	fl_keyring_free(j->own_keys);
	strbuf_release(&j->oldb);
	strbuf_release(&j->newb);
}

int fl_check_branch(struct fl_store *s, const cJSON *roster, const struct fl_keyring *keys,
		    const char *ref, const git_oid *old, const git_oid *new, const char *me,
		    struct strbuf *why)
{
	struct judge j;
	int e;

	judge_init(&j, s, why);
	j.rules.roster = roster;
	j.rules.require_signatures = fl_roster_requires_signatures(roster);
	j.authors_prefix = FL_REMOTE_AUTHORS;
	j.me = me;
	j.any_base = 1;
	j.keys = keys ? keys : (j.own_keys = fl_keyring_new(roster));
	e = judge_branch(&j, ref, old, new);
	judge_release(&j);
	return e;
}

/*
 * Whether `to`, the tip the importer reaches, carries a good signature by
 * author: then it vouches for the bytes of every commit it reaches.
 */
static int tip_vouches(struct judge *j, const git_oid *to, const char *author)
{
	struct fl_sig_verdict vd;
	int good = fl_commit_verify_keys(&vd, fl_store_repo(j->s), to, j->keys, 0) == 0 &&
		   vd.state == FL_COMMIT_GOOD && !strcmp(vd.signer, author);

	fl_clear_error();
	return good;
}

int fl_check_import(struct fl_store *s, const cJSON *roster, const struct fl_keyring *keys,
		    const char *author, const git_oid *from, const git_oid *to, unsigned flags,
		    fl_check_taint_fn taint, void *payload)
{
	struct strbuf why = STRBUF_INIT;
	char *ref = xstrfmt("%s%s", FL_CENTRAL_AUTHORS, author);
	git_repository *repo = fl_store_repo(s);
	git_oid *ids = NULL;
	size_t n = 0;
	char bucket[3];
	struct judge j;
	int e, ff;

	judge_init(&j, s, &why);
	j.authors_prefix = FL_REMOTE_AUTHORS;
	j.rules.roster = roster;
	j.rules.require_signatures = fl_roster_requires_signatures(roster);
	j.rules.branch = ref;
	j.taint = taint;
	j.taint_payload = payload;
	j.keys = keys ? keys : (j.own_keys = fl_keyring_new(roster));
	j.branch_owner = author;
	j.own = !!(flags & FL_CHECK_OWN);
	if ((!from || !git_oid_equal(from, to)) && tip_vouches(&j, to, author))
		j.vouch = author;
	fl_author_bucket(bucket, author);
	if ((e = fl_rules_begin(&j.rules, bucket, &why)) < 0)
		goto done;
	if ((e = new_commits(&ids, &n, &ff, repo, from, to)) < 0) {
		e = fl_error(FL_ERROR, "cannot walk the commits of '%s': %s", ref, fl_git_error());
		goto done;
	}
	for (size_t i = 0; i < n && e == 0; i++) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, repo, &ids[i]) < 0) {
			e = fl_error(FL_ERROR, "cannot read commit of '%s': %s", ref, fl_git_error());
			break;
		}
		commit_header(&j, c, &ids[i]);
		if (fl_rules_commit_header(&j.rules, &j.commit, &why) < 0) {
			fl_clear_error();
			e = commit_paths(&j, c, &ids[i], 1);
		}
		git_commit_free(c);
	}
done:
	free(ids);
	free(ref);
	judge_release(&j);
	strbuf_release(&why);
	return e;
}

/* --- the push as a whole ---------------------------------------------------- */

/* Parses "<old> <new> <ref>" (trailing newline removed). */
static int parse_line(git_oid *old, git_oid *new, const char **ref, const char *line)
{
	size_t hex = GIT_OID_HEXSZ;

	if (strlen(line) < 2 * hex + 3 || line[hex] != ' ' || line[2 * hex + 1] != ' ' ||
	    git_oid_fromstrn(old, line, hex) < 0 ||
	    git_oid_fromstrn(new, line + hex + 1, hex) < 0)
		return -1;
	*ref = line + 2 * hex + 2;
	return 0;
}

int fl_server_check(struct fl_store *s, FILE *in, const char *pusher_login,
		    struct strbuf *why)
{
	git_oid old, new, main;
	struct roster_view roster;
	int have_roster = 0;
	struct judge j;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int e = 0;

	judge_init(&j, s, why);
	j.authors_prefix = FL_CENTRAL_AUTHORS;
	while ((len = getline(&line, &cap, in)) > 0) {
		const char *ref;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		if (parse_line(&old, &new, &ref, line) < 0) {
			e = refuse_push(why, FL_ERROR, "refused push: cannot read the hook's input"
					" line '%.100s'", line);
			goto done;
		}
		if (!strcmp(ref, FL_CENTRAL_MAIN)) {
			e = refuse_push(why, FL_EREJECTED, "refused %s: it holds the roster, which"
					" changes only through 'fieldlog roster add' on the server", ref);
			goto done;
		}
		if (strncmp(ref, FL_CENTRAL_AUTHORS, strlen(FL_CENTRAL_AUTHORS))) {
			e = refuse_push(why, FL_EREJECTED, "refused %s: only %s<id> may be pushed",
					ref, FL_CENTRAL_AUTHORS);
			goto done;
		}
		if (!have_roster) {
			if (fl_store_ref(&main, s, FL_CENTRAL_MAIN) < 0) {
				e = refuse_push(why, FL_EREJECTED, "refused %s: the central repository has"
						" no main branch and so no roster (run 'fieldlog server"
						" init')", ref);
				goto done;
			}
			e = roster_view_read(&roster, s, &main);
			have_roster = 1;
			if (e < 0) {
				e = refuse_push(why, FL_ERROR, "refused push: no valid roster on %s: %s",
						FL_CENTRAL_MAIN, fl_last_error());
				goto done;
			}
			j.view = &roster;
			j.rules.roster = roster.mini;
			j.rules.require_signatures =
				fl_roster_requires_signatures(roster.mini);
			if (pusher_login && *pusher_login &&
			    (!fl_login_valid(pusher_login) ||
			     !roster_person(&roster, "login", pusher_login))) {
				e = refuse_push(why, FL_EREJECTED, "refused push: unknown pusher '%s'"
						" (no such login in %s)",
						fl_login_valid(pusher_login) ? pusher_login : "?",
						FL_ROSTER_PATH);
				goto done;
			}
			j.rules.pusher = pusher_login && *pusher_login ? pusher_login : NULL;
		}
		if ((e = judge_branch(&j, ref, &old, &new)) < 0)
			goto done;
	}
done:
	if (have_roster)
		roster_view_release(&roster);
	judge_release(&j);
	free(line);
	return e;
}
