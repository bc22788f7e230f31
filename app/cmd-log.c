/*
 * cmd-log.c: `fieldlog log ID` (every version of a record) and
 * `fieldlog diff ID [REV [REV]]` (what changed between two versions).
 *
 * The history of a record is the history of its file in repo.git, on its
 * author's branch (main for our own records, our copy of the author's
 * central branch for others'). We walk that branch from the first commit on (topological order, parents
 * before children, commit time breaking ties) and keep the commits that
 * wrote the file: an ordinary commit whose blob differs from its parent's,
 * and a merge whose blob differs from every parent's (the sync merge
 * itself combined two devices' edits: marked "merge"). A merge that only
 * took one side's version brings no new version: that side's commit is
 * already listed. So `log` reads oldest first and version numbers count
 * up from 1, the creation; `diff` accepts those numbers.
 *
 * What a version changed is diffed against the version its commit started
 * from (the first parent's), which on two devices' interleaved branches is
 * the truth where "the line above" would not be.
 *
 * Responses to the record live in other files (the reviewers'); they are
 * read from the index and slotted in by time. Sync writes the conflicts
 * its merge rule decided as "Fieldlog-Conflict: ID path: ours X, theirs Y,
 * kept Z" trailers on the merge commit; `log` shows the ones naming ID.
 *
 * The walk reads every commit of the branch: linear in one author's
 * history. (libgit2 1.5 has no path-limited walk.)
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/records.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/text.h"
#include "sync/diff.h"

#define CONFLICT_TRAILER "Fieldlog-Conflict: "

struct version {
	int number;          /* 1, 2, ...; 0 for a merge that only reports conflicts */
	git_oid commit;
	git_oid blob;
	int has_blob;
	git_oid parent_blob; /* the first parent's version of the file */
	int has_parent_blob;
	int merge;
	char *author, *email;
	long long when;
	struct strlist conflicts;   /* "path: ours X, theirs Y, kept Z" */
};

struct history {
	char *id, *kind, *path;
	struct version *v;
	size_t n, alloc;
	int nversions;
};

static void history_release(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].author);
		free(h->v[i].email);
		strlist_release(&h->v[i].conflicts);
	}
	free(h->v);
	free(h->id);
	free(h->kind);
	free(h->path);
	memset(h, 0, sizeof(*h));
}

/* The blob at path in commit c; 0 when present, FL_ENOTFOUND when not. */
static int blob_at(git_oid *out, const git_commit *c, const char *path)
{
	git_tree *t = NULL;
	git_tree_entry *te = NULL;
	int e = FL_ENOTFOUND;
	if (git_commit_tree(&t, c) == 0 && git_tree_entry_bypath(&te, t, path) == 0) {
		git_oid_cpy(out, git_tree_entry_id(te));
		e = 0;
	}
	git_tree_entry_free(te);
	git_tree_free(t);
	return e;
}

/* Conflict trailers of a merge message naming id, into list. */
static void parse_conflicts(struct strlist *list, const char *msg, const char *id)
{
	size_t idlen = strlen(id);
	for (const char *p = msg; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		size_t tl = strlen(CONFLICT_TRAILER);
		if (len > tl + idlen + 1 && !strncmp(p, CONFLICT_TRAILER, tl) &&
		    !strncmp(p + tl, id, idlen) && p[tl + idlen] == ' ') {
			char *line = xstrndup(p + tl + idlen + 1, len - tl - idlen - 1);
			strlist_add(list, line);
			free(line);
		}
		p = nl ? nl + 1 : NULL;
	}
}

static struct version *history_add(struct history *h)
{
	if (h->n == h->alloc) {
		h->alloc = h->alloc ? 2 * h->alloc : 16;
		h->v = xrealloc(h->v, h->alloc * sizeof(*h->v));
	}
	struct version *v = &h->v[h->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

/*
 * Finds the record by id prefix (any kind, deleted ones too) and walks the
 * history of its file. Returns 0 or an FL_E* code with the message set.
 */
static int history_load(struct history *h, struct ws *ws, const char *prefix)
{
	git_repository *repo = fl_store_repo(ws->store);
	git_revwalk *walk = NULL;
	git_oid oid;
	cJSON *rec;
	char *branch = NULL;
	int e;

	memset(h, 0, sizeof(*h));
	if ((e = fl_db_resolve(&h->id, ws->db, prefix, NULL)) < 0)
		return e;
	if (!(rec = fl_db_get(ws->db, h->id)))
		return fl_error(FL_ERROR, "record '%s' is damaged in the index; run 'fieldlog reindex'",
				prefix);
	h->kind = xstrdup(fl_json_str(rec, "kind"));
	h->path = fl_record_path(fl_json_str(rec, "author"), h->kind, h->id);
	/* Our records are on main; another author's on our copy of their branch. */
	branch = strcmp(fl_json_str(rec, "author"), ws->id) ?
		 xstrfmt("%s%s", FL_REMOTE_AUTHORS, fl_json_str(rec, "author")) :
		 xstrdup(FL_BRANCH);
	cJSON_Delete(rec);

	if (fl_store_ref(&oid, ws->store, branch) < 0) {
		e = fl_error(FL_ENOTFOUND, "no history yet");
		goto done;
	}
	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(walk, &oid) < 0) {
		e = fl_error(FL_ERROR, "cannot walk the history: %s", fl_git_error());
		goto done;
	}
	while (git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		git_oid blob, pblob;
		unsigned np, differs = 0, i;
		int has, first_has = 0;
		struct strlist conflicts = { NULL, 0, 0 };

		if (git_commit_lookup(&c, repo, &oid) < 0) {
			e = fl_error(FL_ERROR, "cannot read commit: %s", fl_git_error());
			goto done;
		}
		np = git_commit_parentcount(c);
		has = blob_at(&blob, c, h->path) == 0;
		for (i = 0; i < np; i++) {
			git_commit *p = NULL;
			git_oid b;
			int phas = 0;
			if (git_commit_parent(&p, c, i) == 0)
				phas = blob_at(&b, p, h->path) == 0;
			git_commit_free(p);
			if (i == 0) {
				first_has = phas;
				if (phas)
					git_oid_cpy(&pblob, &b);
			}
			if (has && (!phas || !git_oid_equal(&b, &blob)))
				differs++;
		}
		if (np > 1)
			parse_conflicts(&conflicts, git_commit_message(c), h->id);
		int is_version = has && (np == 0 || differs == np);
		if (is_version || conflicts.n) {
			const git_signature *sig = git_commit_author(c);
			struct version *v = history_add(h);
			git_oid_cpy(&v->commit, &oid);
			v->number = is_version ? ++h->nversions : 0;
			v->has_blob = has;
			if (has)
				git_oid_cpy(&v->blob, &blob);
			v->has_parent_blob = first_has;
			if (first_has)
				git_oid_cpy(&v->parent_blob, &pblob);
			v->merge = np > 1;
			v->author = xstrdup(sig->name ? sig->name : "");
			v->email = xstrdup(sig->email ? sig->email : "");
			v->when = (long long)sig->when.time;
			v->conflicts = conflicts;
		} else {
			strlist_release(&conflicts);
		}
		git_commit_free(c);
	}
	e = h->nversions ? 0 : fl_error(FL_ENOTFOUND, "no history for %s %s in %s",
					 h->kind, h->id, branch);
done:
	git_revwalk_free(walk);
	free(branch);
	return e;
}

/* A version's record, parsed (caller frees); NULL for absent. */
static int load_blob(cJSON **out, struct ws *ws, const git_oid *blob)
{
	struct strbuf sb = STRBUF_INIT;
	int e;
	*out = NULL;
	if ((e = fl_store_read_blob(&sb, ws->store, blob, FL_RECORD_MAX)) == 0 &&
	    (e = fl_json_parse(out, sb.buf, sb.len)) < 0) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), blob);
		e = fl_error(FL_EINVALID, "version %.8s cannot be read: %s", hex, fl_last_error());
	}
	strbuf_release(&sb);
	return e;
}

static cJSON *changes_json(const struct fl_changes *c)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < c->n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", c->v[i].path);
		cJSON_AddItemToObject(o, "old", c->v[i].old_value ?
				      cJSON_Duplicate(c->v[i].old_value, 1) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "new", c->v[i].new_value ?
				      cJSON_Duplicate(c->v[i].new_value, 1) : cJSON_CreateNull());
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* "path: ours X, theirs Y, kept Z" as {path, ours_theirs, kept}. */
static cJSON *conflict_json(const char *line)
{
	cJSON *o = cJSON_CreateObject();
	const char *sep = strstr(line, ": ours ");
	const char *kept = NULL;
	for (const char *p = line; (p = strstr(p, ", kept ")); p++)
		kept = p;
	char *path = sep ? xstrndup(line, (size_t)(sep - line)) : xstrdup(line);
	cJSON_AddStringToObject(o, "path", path);
	cJSON_AddStringToObject(o, "kept", kept ? kept + 7 : "");
	cJSON_AddStringToObject(o, "detail", line);
	free(path);
	return o;
}

static void time_str(char out[32], long long t)
{
	fl_time_format_vn(out, t);
}

/* First line of s, at most max code points, with "…" when cut. */
static char *one_line(const char *s, size_t max)
{
	const char *nl = strchr(s, '\n');
	char *line = xstrndup(s, nl ? (size_t)(nl - s) : strlen(s));
	size_t n = 0, i = 0;
	for (; line[i]; i++)
		if (((unsigned char)line[i] & 0xC0) != 0x80 && n++ == max)
			break;
	if (line[i] || nl) {
		line[i] = '\0';
		char *r = xstrfmt("%s…", line);
		free(line);
		return r;
	}
	return line;
}

/* --- log --------------------------------------------------------------------- */

/* What a merge that wrote nothing new kept: "kept v3". Static buffer. */
static const char *kept_label(const struct history *h, const struct version *m)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "no new version");
	for (size_t i = 0; m->has_blob && &h->v[i] < m; i++)
		if (h->v[i].number && git_oid_equal(&h->v[i].blob, &m->blob))
			snprintf(buf, sizeof(buf), "no new version: kept v%d", h->v[i].number);
	return buf;
}

static const char log_usage[] =
	"fieldlog log ID [--json]   (every version, oldest first; responses and merge conflicts in time)";

/* A response slotted into the log: an entry of out (--json), or two lines. */
static void log_response(cJSON *out, struct ws *ws, const cJSON *r)
{
	if (out) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "response");
		cJSON_AddStringToObject(o, "id", fl_json_str(r, "id"));
		cJSON_AddStringToObject(o, "author", fl_json_str(r, "author"));
		cJSON_AddStringToObject(o, "name", officer_name(ws, fl_json_str(r, "author")));
		cJSON_AddStringToObject(o, "time", fl_json_str(r, "created_at"));
		cJSON_AddStringToObject(o, "state", fl_json_str(r, "state"));
		cJSON_AddStringToObject(o, "text", fl_json_str(r, "text"));
		cJSON_AddItemToArray(out, o);
	} else {
		char *t = one_line(fl_json_str(r, "text"), 100);
		printf("response %s  %s  %s\n    %s: %s\n", short_id(fl_json_str(r, "id")),
		       fl_json_str(r, "created_at"), officer_name(ws, fl_json_str(r, "author")),
		       fl_json_str(r, "state"), t);
		free(t);
	}
}

/*
 * What version v changed, field by field (ch), and in a line (sum): the
 * fields, or for the first version what it is about. Nothing for a merge
 * that wrote no new version.
 */
static int version_summary(struct strbuf *sum, struct fl_changes *ch, struct ws *ws,
			   const struct version *v)
{
	/* What a record is about: a title, a summary, a week, a text. */
	static const char *const heads[] = { "title", "summary", "week", "text" };
	cJSON *a = NULL, *b = NULL;
	int e = 0;

	if (!v->number)
		goto out;
	if ((v->has_parent_blob && (e = load_blob(&a, ws, &v->parent_blob)) < 0) ||
	    (e = load_blob(&b, ws, &v->blob)) < 0)
		goto out;
	if (v->has_parent_blob) {
		fl_record_diff(ch, a, b);
		fl_changes_summary(sum, ch, 4);
		if (!sum->len)
			strbuf_addstr(sum, "saved again, no field changed");
		goto out;
	}
	strbuf_addf(sum, "created");
	for (size_t k = 0; k < FL_ARRAY_SIZE(heads); k++) {
		const char *t = fl_json_str(b, heads[k]);
		if (t && *t) {
			char *l = one_line(t, 60);
			strbuf_addf(sum, ": %s", l);
			free(l);
			break;
		}
	}
out:
	cJSON_Delete(a);
	cJSON_Delete(b);
	return e;
}

/* A version (or a merge's conflicts): an entry of out (--json), or lines. */
static void log_version(cJSON *out, const struct history *h, const struct version *v,
			const char *sum, const struct fl_changes *ch)
{
	char when[32], hex[GIT_OID_HEXSZ + 1];

	time_str(when, v->when);
	git_oid_tostr(hex, sizeof(hex), &v->commit);
	if (out) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", v->number ? "version" : "conflict");
		if (v->number)
			cJSON_AddNumberToObject(o, "version", v->number);
		cJSON_AddStringToObject(o, "commit", hex);
		cJSON_AddStringToObject(o, "author", v->author);
		cJSON_AddStringToObject(o, "email", v->email);
		cJSON_AddStringToObject(o, "time", when);
		cJSON_AddBoolToObject(o, "merge", v->merge);
		if (v->number) {
			cJSON_AddStringToObject(o, "summary", sum);
			cJSON_AddItemToObject(o, "changes", changes_json(ch));
		}
		cJSON *cf = cJSON_AddArrayToObject(o, "conflicts");
		for (size_t k = 0; k < v->conflicts.n; k++)
			cJSON_AddItemToArray(cf, conflict_json(v->conflicts.v[k]));
		cJSON_AddItemToArray(out, o);
		return;
	}
	if (v->number)
		printf("v%d  %.8s  %s  %s%s\n    %s\n", v->number, hex, when, v->author,
		       v->merge ? "  (merge)" : "", sum);
	else
		printf("merge  %.8s  %s  %s\n    %s\n", hex, when, v->author, kept_label(h, v));
	for (size_t k = 0; k < v->conflicts.n; k++)
		printf("    conflict: %s\n", v->conflicts.v[k]);
}

int cmd_log(int argc, const char **argv, struct ws *ws)
{
	const char **pos;
	int json = 0, npos, e = EXIT_OK;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, "print JSON" }, OPT_END };
	struct history h;
	cJSON *resp = NULL, *out = NULL;

	memset(&h, 0, sizeof(h));
	parse_opts(argc, argv, opts, log_usage, &pos, &npos);
	if (npos != 1) {
		e = usage_error(log_usage, "give one record id");
		goto out;
	}
	if (history_load(&h, ws, pos[0]) < 0) {
		e = fail();
		goto out;
	}
	resp = responses_to(ws, h.id);
	if (json)
		out = cJSON_CreateArray();
	else
		printf("%s %s: %d version%s, oldest first\n", h.kind, h.id, h.nversions,
		       h.nversions == 1 ? "" : "s");

	const cJSON *r = resp ? resp->child : NULL;
	for (size_t i = 0; i <= h.n; i++) {
		struct version *v = i < h.n ? &h.v[i] : NULL;
		struct fl_changes ch = FL_CHANGES_INIT;
		struct strbuf sum = STRBUF_INIT;

		/* Responses written before this commit come first. */
		for (; r && (!v || fl_time_parse(fl_json_str(r, "created_at")) < v->when); r = r->next)
			log_response(out, ws, r);
		if (!v)
			break;
		if (version_summary(&sum, &ch, ws, v) < 0)
			e = fail();
		else
			log_version(out, &h, v, sum.buf, &ch);
		strbuf_release(&sum);
		fl_changes_release(&ch);
		if (e != EXIT_OK)
			goto out;
	}
	if (json)
		print_json(out);
out:
	cJSON_Delete(out);
	cJSON_Delete(resp);
	history_release(&h);
	return e;
}

/* --- diff -------------------------------------------------------------------- */

static const char diff_usage[] = "fieldlog diff ID [REV [REV]] [--json]\n"
	"  REV: a version number from 'fieldlog log' (1 = the first), a commit id\n"
	"  prefix (at least 4 hex digits), or a date YYYY-MM-DD (the last version\n"
	"  on or before that day, Vietnam time). No REV: the last change; one REV:\n"
	"  from REV to the last version.";

/* One side of a diff: a version, or the file as it was at some commit. */
struct side {
	int has;             /* 0: the record did not exist there */
	git_oid blob;
	char label[64];
};

static void side_of_version(struct side *s, const struct version *v)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), &v->commit);
	s->has = v->has_blob;
	git_oid_cpy(&s->blob, &v->blob);
	snprintf(s->label, sizeof(s->label), "v%d (%.8s)", v->number, hex);
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int all_hex(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The last version (not a conflict-only merge) in h. */
static const struct version *last_version(const struct history *h)
{
	for (size_t i = h->n; i-- > 0;)
		if (h->v[i].number)
			return &h->v[i];
	return NULL;
}

static int resolve_rev(struct side *out, struct ws *ws, const struct history *h,
		       const char *rev)
{
	size_t i, n = strlen(rev);

	memset(out, 0, sizeof(*out));
	/* A version number: small and within range. */
	if (all_digits(rev) && n <= 6 && rev[0] != '0') {
		long k = atol(rev);
		for (i = 0; i < h->n; i++)
			if (h->v[i].number == k) {
				side_of_version(out, &h->v[i]);
				return 0;
			}
		if (n < 4)
			return fl_error(FL_ENOTFOUND, "%s %s has no version %s (it has %d)",
					h->kind, h->id, rev, h->nversions);
	}
	/* A date: the last version made on or before that day (UTC+07:00). */
	if (n == 10 && rev[4] == '-' && rev[7] == '-') {
		const struct version *best = NULL;
		if (!fl_date_valid(rev))
			return fl_error(FL_EINVALID, "'%s' is not a real date (YYYY-MM-DD)", rev);
		for (i = 0; i < h->n; i++) {
			char when[32];
			if (!h->v[i].number)
				continue;
			fl_time_format_vn(when, h->v[i].when);
			if (strncmp(when, rev, 10) <= 0)
				best = &h->v[i];
		}
		if (!best)
			return fl_error(FL_ENOTFOUND, "%s %s has no version on or before %s",
					h->kind, h->id, rev);
		side_of_version(out, best);
		return 0;
	}
	if (!all_hex(rev) || n < 4 || n > GIT_OID_HEXSZ)
		return fl_error(FL_ENOTFOUND, "unknown revision '%s' (a version number, a commit id"
				" of at least 4 hex digits, or a date YYYY-MM-DD)", rev);
	/* A commit prefix: one of the record's versions first. */
	const struct version *found = NULL;
	for (i = 0; i < h->n; i++) {
		char hex[GIT_OID_HEXSZ + 1];
		if (!h->v[i].number)
			continue;
		git_oid_tostr(hex, sizeof(hex), &h->v[i].commit);
		if (!strncasecmp(hex, rev, n)) {
			if (found)
				return fl_error(FL_EAMBIGUOUS, "commit prefix '%s' is ambiguous", rev);
			found = &h->v[i];
		}
	}
	if (found) {
		side_of_version(out, found);
		return 0;
	}
	/* Any other commit: the record as it was there. */
	git_object *obj = NULL;
	git_oid oid;
	int e;
	if (git_oid_fromstrn(&oid, rev, n) < 0)
		return fl_error(FL_ENOTFOUND, "unknown revision '%s'", rev);
	e = git_object_lookup_prefix(&obj, fl_store_repo(ws->store), &oid, n, GIT_OBJECT_COMMIT);
	if (e == GIT_EAMBIGUOUS)
		return fl_error(FL_EAMBIGUOUS, "commit prefix '%s' is ambiguous", rev);
	if (e < 0)
		return fl_error(FL_ENOTFOUND, "no commit '%s' in the history of %s %s", rev,
				h->kind, h->id);
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), git_object_id(obj));
	out->has = blob_at(&out->blob, (const git_commit *)obj, h->path) == 0;
	snprintf(out->label, sizeof(out->label), "%.8s", hex);
	git_object_free(obj);
	if (!out->has)
		return fl_error(FL_ENOTFOUND, "%s %s does not exist at commit %.8s", h->kind, h->id, hex);
	return 0;
}

static int is_long_text(const cJSON *v)
{
	return cJSON_IsString(v) && (strchr(v->valuestring, '\n') ||
				      fl_utf8_len(v->valuestring) > 60);
}

static void print_value(const cJSON *v)
{
	if (!v) {
		fputs("(none)", stdout);
	} else if (cJSON_IsString(v)) {
		fputs(*v->valuestring ? v->valuestring : "\"\"", stdout);
	} else {
		char *s = cJSON_PrintUnformatted(v);
		fputs(s, stdout);
		cJSON_free(s);
	}
}

/* One change for people: a long text as a line diff, an element added or removed field by field. */
static void print_change(const struct fl_change *c)
{
	if ((is_long_text(c->old_value) || is_long_text(c->new_value)) &&
	    (!c->old_value || cJSON_IsString(c->old_value)) &&
	    (!c->new_value || cJSON_IsString(c->new_value))) {
		struct strbuf sb = STRBUF_INIT;
		fl_text_udiff(&sb, c->old_value ? c->old_value->valuestring : "",
			      c->new_value ? c->new_value->valuestring : "", 3);
		printf("%s:\n", c->path);
		for (const char *p = sb.buf; *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			printf("    %.*s\n", (int)len, p);
			p += len + (nl ? 1 : 0);
		}
		strbuf_release(&sb);
		return;
	}
	if (cJSON_IsObject(c->old_value) != cJSON_IsObject(c->new_value) &&
	    (!c->old_value || !c->new_value)) {
		/* A whole element added or removed: its fields, one a line. */
		const cJSON *obj = c->new_value ? c->new_value : c->old_value, *k;
		printf("%s: %s\n", c->path, c->new_value ? "added" : "removed");
		cJSON_ArrayForEach(k, obj) {
			printf("    %c %s: ", c->new_value ? '+' : '-', k->string);
			print_value(k);
			putchar('\n');
		}
		return;
	}
	printf("%s: ", c->path);
	print_value(c->old_value);
	fputs(" → ", stdout);
	print_value(c->new_value);
	putchar('\n');
}

int cmd_diff(int argc, const char **argv, struct ws *ws)
{
	const char **pos;
	int json = 0, npos, e = EXIT_OK;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, "print JSON: [{path, old, new}]" },
			      OPT_END };
	struct history h;
	struct side a, b;
	cJSON *ra = NULL, *rb = NULL;
	struct fl_changes ch = FL_CHANGES_INIT;

	memset(&h, 0, sizeof(h));
	parse_opts(argc, argv, opts, diff_usage, &pos, &npos);
	if (npos < 1 || npos > 3) {
		e = usage_error(diff_usage, "give a record id and at most two revisions");
		goto out;
	}
	if (history_load(&h, ws, pos[0]) < 0) {
		e = fail();
		goto out;
	}
	const struct version *last = last_version(&h);
	if (npos == 1) {
		/* The last change: what the last version's commit did. */
		side_of_version(&b, last);
		memset(&a, 0, sizeof(a));
		a.has = last->has_parent_blob;
		git_oid_cpy(&a.blob, &last->parent_blob);
		if (last->number > 1) {
			for (size_t i = 0; i < h.n; i++)
				if (h.v[i].number && git_oid_equal(&h.v[i].blob, &a.blob))
					side_of_version(&a, &h.v[i]);
			if (!a.label[0])
				snprintf(a.label, sizeof(a.label), "parent of v%d", last->number);
		} else {
			snprintf(a.label, sizeof(a.label), "(none)");
		}
	} else {
		if (resolve_rev(&a, ws, &h, pos[1]) < 0) {
			e = fail();
			goto out;
		}
		if (npos == 3) {
			if (resolve_rev(&b, ws, &h, pos[2]) < 0) {
				e = fail();
				goto out;
			}
		} else {
			side_of_version(&b, last);
		}
	}
	if ((a.has && load_blob(&ra, ws, &a.blob) < 0) || (b.has && load_blob(&rb, ws, &b.blob) < 0)) {
		e = fail();
		goto out;
	}
	fl_record_diff(&ch, ra, rb);
	if (json) {
		cJSON *arr = changes_json(&ch);
		print_json(arr);
		cJSON_Delete(arr);
		goto out;
	}
	printf("%s %s: %s → %s\n", h.kind, h.id, a.label, b.label);
	if (!ch.n)
		printf("no differences\n");
	for (size_t i = 0; i < ch.n; i++)
		print_change(&ch.v[i]);
out:
	fl_changes_release(&ch);
	cJSON_Delete(ra);
	cJSON_Delete(rb);
	history_release(&h);
	return e;
}
