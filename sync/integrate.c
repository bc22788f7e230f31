/*
 * integrate.c: bringing what a fetch brought into main (docs/design.md, "Sync").
 *
 * Git's own merge is never used: it would merge JSON text line by line.
 * We diff the merge base against each side; a path changed on one side
 * only is taken from that side; a record changed on both sides goes
 * through the pure three-way merge (merge.h) and is written back in
 * canonical form. Different authors never write the same file, so only
 * one officer's two devices ever produce such a path. What the conflict
 * rule decided is written into the merge commit's message as
 * "Fieldlog-Conflict:" trailers (history.h owns the format), which
 * `fieldlog log` shows.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync/integrate.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "sync/check.h"
#include "sync/history.h"
#include "sync/merge.h"

/* --- merging ----------------------------------------------------------------- */

/* Commits in tip (not in base) whose version of path differs from their first parent's. */
static unsigned count_edits(git_repository *repo, const git_oid *tip, const git_oid *base,
			    const char *path)
{
	git_revwalk *w = NULL;
	git_oid id;
	unsigned n = 0;
	if (git_revwalk_new(&w, repo) < 0)
		return 0;
	git_revwalk_push(w, tip);
	if (base)
		git_revwalk_hide(w, base);
	while (git_revwalk_next(&id, w) == 0) {
		git_commit *c = NULL, *p = NULL;
		git_tree *t = NULL, *pt = NULL;
		git_tree_entry *a = NULL, *b = NULL;
		if (git_commit_lookup(&c, repo, &id) == 0 && git_commit_tree(&t, c) == 0) {
			git_tree_entry_bypath(&a, t, path);
			if (git_commit_parentcount(c) == 1 && git_commit_parent(&p, c, 0) == 0 &&
			    git_commit_tree(&pt, p) == 0)
				git_tree_entry_bypath(&b, pt, path);
			if (git_commit_parentcount(c) <= 1 &&
			    (!a != !b || (a && b && !git_oid_equal(git_tree_entry_id(a),
								     git_tree_entry_id(b)))))
				n++;
		}
		git_tree_entry_free(a);
		git_tree_entry_free(b);
		git_tree_free(t);
		git_tree_free(pt);
		git_commit_free(p);
		git_commit_free(c);
	}
	git_revwalk_free(w);
	return n;
}

static cJSON *parse_blob(struct fl_store *s, const git_oid *commit, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *r = NULL;
	if (commit && fl_store_read_path(&sb, s, commit, path) == 0 &&
	    fl_json_parse(&r, sb.buf, sb.len) == 0 && !cJSON_IsObject(r)) {
		cJSON_Delete(r);
		r = NULL;
	}
	strbuf_release(&sb);
	return r;
}

/* The two sides of a merge and their base, as the steps below share them. */
struct merging {
	struct fl_store *s;
	const git_oid *ours, *theirs, *base;   /* base NULL: no common ancestor */
	char ohex[GIT_OID_HEXSZ + 1], thex[GIT_OID_HEXSZ + 1];
	struct strbuf trailers;                 /* Fieldlog-Conflict: lines */
	size_t conflicts;
};

/* Sets *w to the central side's version of tb (its removal when it has none). */
static int central_version(struct fl_write *w, struct fl_store *s, const struct fl_tree_change *tb)
{
	struct strbuf sb = STRBUF_INIT;

	if (tb->has_new && fl_store_read_blob(&sb, s, &tb->new_id, 64u << 20) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	w->path = tb->path;
	w->data = !tb->has_new ? NULL : strbuf_detach(&sb, &w->len);
	return 0;
}

/* A merge of two valid records should be valid; if not, the side the rule favours, whole. */
static cJSON *pick_side(const cJSON *ro, const cJSON *rt, const struct fl_merge_side *so,
			const struct fl_merge_side *st, const struct merging *m)
{
	const char *ut = fl_json_str(rt, "updated_at"), *uo = fl_json_str(ro, "updated_at");
	int cu = strcmp(ut ? ut : "", uo ? uo : "");
	int theirs_win = st->edits != so->edits ? st->edits > so->edits :
			 cu != 0 ? cu > 0 : strcmp(m->thex, m->ohex) > 0;

	return cJSON_Duplicate(theirs_win ? rt : ro, 1);
}

/*
 * Sets *w to the three-way merge of the record at path, changed on both
 * sides, and adds its conflicts to m; the central version when either
 * side is not a record we can read.
 */
static int merge_path(struct fl_write *w, struct merging *m, const struct fl_tree_change *tb)
{
	git_repository *repo = fl_store_repo(m->s);
	const char *path = tb->path;
	cJSON *rb = m->base ? parse_blob(m->s, m->base, path) : NULL;
	cJSON *ro = parse_blob(m->s, m->ours, path), *rt = parse_blob(m->s, m->theirs, path);
	struct fl_merge_result res;
	int e = 0;

	if (!ro || !rt) {
		e = central_version(w, m->s, tb);
		goto done;
	}
	struct fl_merge_side so = { ro, count_edits(repo, m->ours, m->base, path), m->ohex };
	struct fl_merge_side st = { rt, count_edits(repo, m->theirs, m->base, path), m->thex };
	fl_merge_records(&res, rb, &so, &st);
	fl_record_order(res.merged);
	if (fl_record_validate(res.merged) < 0) {
		cJSON_Delete(res.merged);
		res.merged = pick_side(ro, rt, &so, &st, m);
	}
	for (size_t k = 0; k < res.nconflicts; k++)
		fl_conflict_trailer_add(&m->trailers, fl_json_str(res.merged, "id") ?
					fl_json_str(res.merged, "id") : path,
					res.conflicts[k].path, res.conflicts[k].ours,
					res.conflicts[k].theirs, res.conflicts[k].theirs_won);
	m->conflicts += res.nconflicts;
	w->path = path;
	w->data = fl_json_canonical(res.merged);
	w->len = strlen(w->data);
	fl_merge_result_release(&res);
done:
	cJSON_Delete(rb);
	cJSON_Delete(ro);
	cJSON_Delete(rt);
	return e;
}

/* The merge commit of ours and theirs on main, writing w[0..nw). */
static int commit_merge(git_oid *out, const struct merging *m, const struct fl_sync_opts *o,
			const struct fl_write *w, size_t nw)
{
	struct strbuf msg = STRBUF_INIT;
	char *email = xstrfmt("%s@fieldlog", o->me ? o->me : "unknown");
	git_oid parents[2];
	struct fl_sig sig;
	int e;

	strbuf_addstr(&msg, "sync: merge central repository\n");
	if (m->trailers.len)
		strbuf_addf(&msg, "\n%s", m->trailers.buf);
	git_oid_cpy(&parents[0], m->ours);
	git_oid_cpy(&parents[1], m->theirs);
	sig.name = o->name && *o->name ? o->name : (o->me ? o->me : "fieldlog");
	sig.email = email;
	sig.when = fl_time_now_secs();
	sig.offset = 7 * 60;
	e = fl_store_commit(out, m->s, FL_BRANCH, parents, 2, w, nw, msg.buf, &sig);
	free(email);
	strbuf_release(&msg);
	return e;
}

/*
 * Merges theirs into ours (neither an ancestor of the other) as a merge
 * commit on main. Adds the number of conflicting fields to *conflicts.
 * A path changed on their side only takes their version; one changed on
 * both sides alike is left; one changed differently is merged.
 */
static int merge_commits(git_oid *out, struct fl_store *s, const git_oid *ours,
			 const git_oid *theirs, const struct fl_sync_opts *o, size_t *conflicts)
{
	struct merging m = { s, ours, theirs, NULL, "", "", STRBUF_INIT, 0 };
	struct fl_tree_changes a = FL_TREE_CHANGES_INIT, b = FL_TREE_CHANGES_INIT;
	struct fl_write *w = NULL;
	size_t nw = 0, i;
	git_oid base;
	int e;

	if (git_merge_base(&base, fl_store_repo(s), ours, theirs) == 0)
		m.base = &base;
	git_oid_tostr(m.ohex, sizeof(m.ohex), ours);
	git_oid_tostr(m.thex, sizeof(m.thex), theirs);
	if ((e = fl_store_diff(s, m.base, ours, fl_tree_changes_collect, &a)) < 0 ||
	    (e = fl_store_diff(s, m.base, theirs, fl_tree_changes_collect, &b)) < 0)
		goto done;
	fl_tree_changes_sort(&a);
	w = xcalloc(b.n + 1, sizeof(*w));
	for (i = 0; i < b.n; i++) {
		struct fl_tree_change *tb = &b.v[i], *ta = fl_tree_changes_find(&a, tb->path);
		if (ta && ta->has_new == tb->has_new &&
		    (!ta->has_new || git_oid_equal(&ta->new_id, &tb->new_id)))
			continue;   /* the same change on both sides */
		if ((ta ? merge_path(&w[nw], &m, tb) : central_version(&w[nw], s, tb)) == 0)
			nw++;
	}
	*conflicts += m.conflicts;
	e = commit_merge(out, &m, o, w, nw);
done:
	for (i = 0; i < nw; i++)
		free((char *)w[i].data);
	free(w);
	fl_tree_changes_release(&a);
	fl_tree_changes_release(&b);
	strbuf_release(&m.trailers);
	return e;
}

/* --- what we sign over ---------------------------------------------------------- */

static int first_refusal(void *p, const char *path, const char *why)
{
	struct strbuf *sb = p;
	(void)path;
	if (!sb->len)
		strbuf_addstr(sb, why);
	return 0;
}

/*
 * Whether the commits of our central branch that main lacks (from base,
 * NULL: all) pass the importer's author and signature rules. Our next
 * signed commit reaches them, and a signature on a tip vouches for all it
 * reaches (sync/check.h): so we never sign over a commit someone planted
 * on our branch (a share's writer needs no hook). No roster: nothing is
 * judged (no central yet). Returns 0, or FL_ERROR with the reason.
 */
static int own_history_ok(struct fl_store *s, const char *me, const git_oid *base,
			  const git_oid *theirs)
{
	struct strbuf why = STRBUF_INIT;
	cJSON *roster = NULL;
	git_oid main;
	char hex[8];
	int e = 0;

	if (!me || fl_store_ref(&main, s, FL_REMOTE_ROSTER) < 0 ||
	    fl_roster_read(&roster, s, &main) < 0) {
		fl_clear_error();
		goto done;
	}
	e = fl_check_import(s, roster, NULL, me, base, theirs, FL_CHECK_OWN, first_refusal,
			    &why);
	if (e == 0 && why.len)
		e = fl_error(FL_ERROR, "not merging 'authors/%s' (%s) from the central repository:"
			     " %s", me, git_oid_tostr(hex, sizeof(hex), theirs), why.buf);
	else if (e == FL_EREJECTED)
		e = 0;   /* we are not in the roster: a push says why, not this */
	if (e == 0)
		fl_clear_error();
done:
	cJSON_Delete(roster);
	strbuf_release(&why);
	return e;
}

int fl_integrate(struct fl_store *s, const struct fl_sync_opts *o, size_t *conflicts)
{
	git_repository *repo = fl_store_repo(s);
	git_oid ours, theirs, base, out;
	git_reference *ref = NULL;
	int e, has_base;

	if (fl_store_ref(&theirs, s, FL_REMOTE_BRANCH) < 0) {
		fl_clear_error();
		return 0;   /* the central repository is empty */
	}
	if (fl_store_ref(&ours, s, FL_BRANCH) < 0) {
		fl_clear_error();
		if ((e = own_history_ok(s, o->me, NULL, &theirs)) < 0)
			return e;
		e = git_reference_create(&ref, repo, FL_BRANCH, &theirs, 0, "sync: first fetch");
		git_reference_free(ref);
		return e < 0 ? fl_error(FL_ERROR, "cannot update main: %s", fl_git_error()) : 0;
	}
	if (git_oid_equal(&ours, &theirs))
		return 0;
	has_base = git_merge_base(&base, repo, &ours, &theirs) == 0;
	fl_clear_error();
	if (has_base && git_oid_equal(&base, &theirs))
		return 0;   /* we are ahead: nothing to merge */
	if ((e = own_history_ok(s, o->me, has_base ? &base : NULL, &theirs)) < 0)
		return e;
	if (has_base) {
		if (git_oid_equal(&base, &ours)) {
			e = git_reference_create_matching(&ref, repo, FL_BRANCH, &theirs, 1, &ours,
							  "sync: fast-forward");
			git_reference_free(ref);
			return e < 0 ? fl_error(FL_ERROR, "cannot update main: %s", fl_git_error()) : 0;
		}
	}
	return merge_commits(&out, s, &ours, &theirs, o, conflicts);
}
