/*
 * cmd-log.c: `fieldlog log ID` (every version of a record) and
 * `fieldlog diff ID [REV [REV]]` (what changed between two versions).
 *
 * The versions come from sync/history.c, oldest first and numbered from
 * 1, the creation; `diff` accepts those numbers. What a version changed
 * is diffed against the version its commit started from (the first
 * parent's), which on two devices' interleaved branches is the truth
 * where "the line above" would not be.
 *
 * Responses to the record live in other files (the reviewers'); they are
 * read from the index and slotted in by time. The conflicts a sync merge
 * decided for the record (its "Fieldlog-Conflict:" trailers, history.h)
 * are shown on their merge.
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
#include "sync/check.h"
#include "sync/history.h"
#include "sync/sign.h"

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

/* A conflict line (fl_version.conflicts) as {path, kept, detail}. */
static cJSON *conflict_json(const char *line)
{
	cJSON *o = cJSON_CreateObject();
	const char *kept;
	char *path;
	fl_conflict_split(line, &path, &kept);
	cJSON_AddStringToObject(o, "path", path);
	cJSON_AddStringToObject(o, "kept", kept);
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
static const char *kept_label(const struct fl_history *h, const struct fl_version *m)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "%s", _("no new version"));
	for (size_t i = 0; m->has_blob && &h->v[i] < m; i++)
		if (h->v[i].number && git_oid_equal(&h->v[i].blob, &m->blob))
			snprintf(buf, sizeof(buf), _("no new version: kept v%d"), h->v[i].number);
	return buf;
}

/*
 * The line `log` prints for a version's signature:
 *   signed by ID (SHA256:...)          a key the roster gives ID
 *   signed by ID (key removed, SHA256:...)
 *   unsigned
 *   BAD SIGNATURE: why
 * Each version's commit is verified by itself (about 80 us each), not
 * vouched for by a later one: what log shows is who signed that version.
 */
static void signature_text(struct strbuf *sb, const struct fl_sig_verdict *vd)
{
	if (vd->state == FL_COMMIT_GOOD)
		strbuf_addf(sb, _("signed by %s (%s)"), vd->signer, vd->fingerprint);
	else if (vd->state == FL_COMMIT_UNSIGNED)
		strbuf_addstr(sb, _("unsigned"));
	else if (vd->key_removed)
		strbuf_addf(sb, _("signed by %s (key removed, %s)"), vd->signer, vd->fingerprint);
	else
		strbuf_addf(sb, _("BAD SIGNATURE: %s"), vd->reason);
}

static cJSON *signature_json(const struct fl_sig_verdict *vd, const char *text)
{
	static const char *const states[] = { "unsigned", "good", "bad" };
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "state", states[vd->state]);
	cJSON_AddStringToObject(o, "text", text);
	if (*vd->signer)
		cJSON_AddStringToObject(o, "signer", vd->signer);
	if (*vd->fingerprint)
		cJSON_AddStringToObject(o, "fingerprint", vd->fingerprint);
	if (vd->key_removed)
		cJSON_AddBoolToObject(o, "key_removed", 1);
	if (vd->state == FL_COMMIT_BAD)
		cJSON_AddStringToObject(o, "reason", vd->reason);
	return o;
}

/*
 * The roster signatures are judged against: the central one as last
 * fetched. NULL without one (no central repository yet): a signature
 * then names no one, and shows as by a key nobody holds.
 */
static cJSON *read_roster(struct ws *ws)
{
	cJSON *roster = NULL;
	git_oid tip;

	if (fl_store_ref(&tip, ws->store, FL_REMOTE_ROSTER) == 0 &&
	    fl_roster_read(&roster, ws->store, &tip) < 0)
		roster = NULL;
	fl_clear_error();
	return roster;
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
		const char *at = fl_json_str(r, "created_at");
		printf(_("response %s  %s %.5s  %s\n    %s: %s\n"), short_id(fl_json_str(r, "id")),
		       human_date(at), strlen(at) > 11 ? at + 11 : "",
		       officer_name(ws, fl_json_str(r, "author")), label(fl_json_str(r, "state")), t);
		free(t);
	}
}

/*
 * What version v changed, field by field (ch), and in a line (sum): the
 * fields, or for the first version what it is about. Nothing for a merge
 * that wrote no new version.
 */
static int version_summary(struct strbuf *sum, struct fl_changes *ch, struct ws *ws,
			   const struct fl_version *v)
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
			strbuf_addstr(sum, _("saved again, no field changed"));
		goto out;
	}
	strbuf_addstr(sum, _("created"));
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
static void log_version(cJSON *out, const struct fl_history *h, const struct fl_version *v,
			const char *sum, const struct fl_changes *ch,
			const struct fl_sig_verdict *vd, const char *signed_by)
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
		cJSON_AddItemToObject(o, "signature", signature_json(vd, signed_by));
		if (v->number) {
			cJSON_AddStringToObject(o, "summary", sum);
			cJSON_AddItemToObject(o, "changes", changes_json(ch));
		}
		cJSON *cf = cJSON_AddArrayToObject(o, "conflicts");
		for (size_t k = 0; k < v->nconflicts; k++)
			cJSON_AddItemToArray(cf, conflict_json(v->conflicts[k]));
		cJSON_AddItemToArray(out, o);
		return;
	}
	if (v->number)
		printf("v%d  %.8s  %s %.5s  %s%s\n    %s\n", v->number, hex, human_date(when),
		       when + 11, v->author, v->merge ? _("  (merge)") : "", sum);
	else
		printf(_("merge  %.8s  %s %.5s  %s\n    %s\n"), hex, human_date(when), when + 11,
		       v->author, kept_label(h, v));
	printf("    %s\n", signed_by);
	for (size_t k = 0; k < v->nconflicts; k++)
		printf(_("    conflict: %s\n"), v->conflicts[k]);
}

int cmd_log(int argc, const char **argv, struct ws *ws)
{
	const char **pos;
	int json = 0, npos, e = EXIT_OK;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, N_("print JSON") }, OPT_END };
	struct fl_history h;
	cJSON *resp = NULL, *out = NULL, *roster = NULL;

	memset(&h, 0, sizeof(h));
	parse_opts(argc, argv, opts, log_usage, &pos, &npos);
	if (npos != 1) {
		e = usage_error(log_usage, "give one record id");
		goto out;
	}
	if (fl_history_load(&h, ws->store, ws->db, ws->id, pos[0]) < 0) {
		e = fail();
		goto out;
	}
	resp = responses_to(ws, h.id);
	roster = read_roster(ws);
	if (json)
		out = cJSON_CreateArray();
	else
		printf(_("%s %s: %d version%s, oldest first\n"), label(h.kind), h.id, h.nversions,
		       h.nversions == 1 ? "" : "s");

	const cJSON *r = resp ? resp->child : NULL;
	for (size_t i = 0; i <= h.n; i++) {
		struct fl_version *v = i < h.n ? &h.v[i] : NULL;
		struct fl_changes ch = FL_CHANGES_INIT;
		struct strbuf sum = STRBUF_INIT, signed_by = STRBUF_INIT;
		struct fl_sig_verdict vd;

		/* Responses written before this commit come first. */
		for (; r && (!v || fl_time_parse(fl_json_str(r, "created_at")) < v->when); r = r->next)
			log_response(out, ws, r);
		if (!v)
			break;
		if (fl_commit_verify(&vd, fl_store_repo(ws->store), &v->commit, roster) < 0 ||
		    version_summary(&sum, &ch, ws, v) < 0) {
			e = fail();
		} else {
			signature_text(&signed_by, &vd);
			log_version(out, &h, v, sum.buf, &ch, &vd, signed_by.buf);
		}
		strbuf_release(&sum);
		strbuf_release(&signed_by);
		fl_changes_release(&ch);
		if (e != EXIT_OK)
			goto out;
	}
	if (json)
		print_json(out);
out:
	cJSON_Delete(roster);
	cJSON_Delete(out);
	cJSON_Delete(resp);
	fl_history_release(&h);
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

static void side_of_version(struct side *s, const struct fl_version *v)
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
static const struct fl_version *last_version(const struct fl_history *h)
{
	for (size_t i = h->n; i-- > 0;)
		if (h->v[i].number)
			return &h->v[i];
	return NULL;
}

static int resolve_rev(struct side *out, struct ws *ws, const struct fl_history *h,
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
		const struct fl_version *best = NULL;
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
	const struct fl_version *found = NULL;
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
	out->has = fl_history_blob_at(&out->blob, (const git_commit *)obj, h->path) == 0;
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
		fputs(_("(none)"), stdout);
	} else if (cJSON_IsString(v)) {
		fputs(*v->valuestring ? v->valuestring : "\"\"", stdout);
	} else {
		char *s = cJSON_PrintUnformatted(v);
		fputs(s, stdout);
		cJSON_free(s);
	}
}

/* One change for people: a long text as a line diff, an element added or removed field by field. */
void print_change(const struct fl_change *c)
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
		printf("%s: %s\n", c->path, c->new_value ? _("added") : _("removed"));
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
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, N_("print JSON: [{path, old, new}]") },
			      OPT_END };
	struct fl_history h;
	struct side a, b;
	cJSON *ra = NULL, *rb = NULL;
	struct fl_changes ch = FL_CHANGES_INIT;

	memset(&h, 0, sizeof(h));
	parse_opts(argc, argv, opts, diff_usage, &pos, &npos);
	if (npos < 1 || npos > 3) {
		e = usage_error(diff_usage, "give a record id and at most two revisions");
		goto out;
	}
	if (fl_history_load(&h, ws->store, ws->db, ws->id, pos[0]) < 0) {
		e = fail();
		goto out;
	}
	const struct fl_version *last = last_version(&h);
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
				snprintf(a.label, sizeof(a.label), _("parent of v%d"), last->number);
		} else {
			snprintf(a.label, sizeof(a.label), "%s", _("(none)"));
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
		printf(_("no differences\n"));
	for (size_t i = 0; i < ch.n; i++)
		print_change(&ch.v[i]);
out:
	fl_changes_release(&ch);
	cJSON_Delete(ra);
	cJSON_Delete(rb);
	fl_history_release(&h);
	return e;
}
