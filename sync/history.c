/*
 * history.c: every version of one record, from the git history of its
 * file, and the "Fieldlog-Conflict:" trailer format (written by
 * integrate.c's merge commits, read back here).
 *
 * The history of a record is the history of its file in repo.git, on its
 * author's branch (main for our own records, our copy of the author's
 * central branch for others'). We walk that branch from the first commit
 * on (topological order, parents before children, commit time breaking
 * ties) and keep the commits that wrote the file: an ordinary commit
 * whose blob differs from its parent's, and a merge whose blob differs
 * from every parent's (the sync merge itself combined two devices' edits:
 * marked "merge"). A merge that only took one side's version brings no
 * new version: that side's commit is already listed. So versions read
 * oldest first and their numbers count up from 1, the creation.
 *
 * The walk reads every commit of the branch: linear in one author's
 * history (libgit2 1.5 has no path-limited walk). So that a page of many
 * records pays it once, fl_history_load_many follows several records of
 * one author and kind in the same walk, and looks only the kind
 * directory up in each commit: when its tree is a parent's, no file in
 * it changed, and the records' own entries are not read.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync/history.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"

#define CONFLICT_TRAILER "Fieldlog-Conflict: "

void fl_conflict_trailer_add(struct strbuf *sb, const char *id, const char *path,
			     const char *ours, const char *theirs, int theirs_won)
{
	strbuf_addf(sb, CONFLICT_TRAILER "%s %s: ours %s, theirs %s, kept %s\n", id, path, ours,
		    theirs, theirs_won ? "theirs" : "ours");
}

void fl_conflict_split(const char *line, char **path, const char **kept)
{
	const char *sep = strstr(line, ": ours ");
	const char *k = NULL;
	/* The last ", kept ": a value may hold the words itself. */
	for (const char *p = line; (p = strstr(p, ", kept ")); p++)
		k = p;
	*path = sep ? xstrndup(line, (size_t)(sep - line)) : xstrdup(line);
	*kept = k ? k + 7 : "";
}

/* Conflict trailers of a merge message naming id, appended to v. */
static void parse_conflicts(struct fl_version *v, const char *msg, const char *id)
{
	size_t idlen = strlen(id), tl = strlen(CONFLICT_TRAILER);
	for (const char *p = msg; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > tl + idlen + 1 && !strncmp(p, CONFLICT_TRAILER, tl) &&
		    !strncmp(p + tl, id, idlen) && p[tl + idlen] == ' ') {
			v->conflicts = xrealloc(v->conflicts,
						(v->nconflicts + 1) * sizeof(*v->conflicts));
			v->conflicts[v->nconflicts++] = xstrndup(p + tl + idlen + 1,
								 len - tl - idlen - 1);
		}
		p = nl ? nl + 1 : NULL;
	}
}

static void version_release(struct fl_version *v)
{
	free(v->author);
	free(v->email);
	for (size_t k = 0; k < v->nconflicts; k++)
		free(v->conflicts[k]);
	free(v->conflicts);
	memset(v, 0, sizeof(*v));
}

void fl_history_release(struct fl_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		version_release(&h->v[i]);
	free(h->v);
	free(h->id);
	free(h->kind);
	free(h->path);
	memset(h, 0, sizeof(*h));
}

int fl_history_blob_at(git_oid *out, const git_commit *c, const char *path)
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

static struct fl_version *history_add(struct fl_history *h)
{
	FL_ALLOC_GROW(h->v, h->n + 1, h->alloc);
	struct fl_version *v = &h->v[h->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

/* Our records are on main; another author's on our copy of their branch. Caller frees. */
static char *history_branch(const char *author, const char *me)
{
	return strcmp(author, me) ? xstrfmt("%s%s", FL_REMOTE_AUTHORS, author) : xstrdup(FL_BRANCH);
}

/* The oid of the tree at dir in commit c; 0 when there is one, FL_ENOTFOUND when not. */
static int dir_at(git_oid *out, const git_commit *c, const char *dir)
{
	git_tree *t = NULL;
	git_tree_entry *te = NULL;
	int e = FL_ENOTFOUND;
	if (git_commit_tree(&t, c) == 0 && git_tree_entry_bypath(&te, t, dir) == 0 &&
	    git_tree_entry_type(te) == GIT_OBJECT_TREE) {
		git_oid_cpy(out, git_tree_entry_id(te));
		e = 0;
	}
	git_tree_entry_free(te);
	git_tree_free(t);
	return e;
}

/* A commit's kind directory: its tree's oid, and the tree once it is read. */
struct kind_dir {
	git_oid commit, oid;
	int has;
	git_tree *tree;
};

static void kind_dir_release(struct kind_dir *k)
{
	git_tree_free(k->tree);
	memset(k, 0, sizeof(*k));
}

static int kind_dir_same(const struct kind_dir *a, const struct kind_dir *b)
{
	return a->has == b->has && (!a->has || git_oid_equal(&a->oid, &b->oid));
}

/* The blob of file `name` in the kind directory k (read on first use); 1 when present. */
static int kind_dir_blob(git_oid *out, struct kind_dir *k, git_repository *repo, const char *name)
{
	const git_tree_entry *te;
	if (!k->has || (!k->tree && git_tree_lookup(&k->tree, repo, &k->oid) < 0))
		return 0;
	if (!(te = git_tree_entry_byname(k->tree, name)))
		return 0;
	git_oid_cpy(out, git_tree_entry_id(te));
	return 1;
}

/* What one walk shares: the branch's commits are read once for every record. */
struct walk {
	git_repository *repo;
	const char *dir;          /* BUCKET/AUTHOR/KIND */
	struct fl_history *hs;
	size_t n;
	char **names;             /* ID.json, for each history */
	struct kind_dir prev;     /* the commit walked before: most often the first parent */
};

/*
 * Whether commit c wrote record i's file (a version), and the merge's
 * conflict trailers naming it: the rule of the file's opening comment.
 */
static void walk_record(struct walk *w, size_t i, git_commit *c, struct kind_dir *cur,
			struct kind_dir *par, unsigned np, int skip)
{
	struct fl_history *h = &w->hs[i];
	struct fl_version found;
	git_oid blob, pblob;
	unsigned differs = 0;
	int has = 0, first_has = 0;

	memset(&found, 0, sizeof(found));
	if (np > 1)
		parse_conflicts(&found, git_commit_message(c), h->id);
	if (!skip) {
		has = kind_dir_blob(&blob, cur, w->repo, w->names[i]);
		for (unsigned p = 0; p < np; p++) {
			git_oid b;
			int phas = kind_dir_blob(&b, &par[p], w->repo, w->names[i]);
			if (p == 0 && (first_has = phas))
				git_oid_cpy(&pblob, &b);
			if (has && (!phas || !git_oid_equal(&b, &blob)))
				differs++;
		}
	}
	int is_version = has && (np == 0 || differs == np);
	if (!is_version && !found.nconflicts) {
		version_release(&found);
		return;
	}
	const git_signature *sig = git_commit_author(c);
	struct fl_version *v = history_add(h);
	git_oid_cpy(&v->commit, git_commit_id(c));
	v->number = is_version ? ++h->nversions : 0;
	if ((v->has_blob = has))
		git_oid_cpy(&v->blob, &blob);
	if ((v->has_parent_blob = first_has))
		git_oid_cpy(&v->parent_blob, &pblob);
	v->merge = np > 1;
	v->author = xstrdup(sig->name ? sig->name : "");
	v->email = xstrdup(sig->email ? sig->email : "");
	v->when = (long long)sig->when.time;
	v->conflicts = found.conflicts;
	v->nconflicts = found.nconflicts;
}

/*
 * One commit of the walk. Only the kind directory's tree is looked up in
 * each commit; when it is the same as a parent's, no record of the kind
 * changed there (and a version must differ from every parent), so its
 * files are not looked at: most commits of a branch write one record.
 */
static void walk_commit(struct walk *w, git_commit *c)
{
	const git_oid *oid = git_commit_id(c);
	unsigned np = git_commit_parentcount(c), p;
	struct kind_dir cur, *par = xcalloc(np ? np : 1, sizeof(*par));
	int skip = 0;

	memset(&cur, 0, sizeof(cur));
	git_oid_cpy(&cur.commit, oid);
	cur.has = dir_at(&cur.oid, c, w->dir) == 0;
	for (p = 0; p < np; p++) {
		const git_oid *pid = git_commit_parent_id(c, p);
		git_commit *pc = NULL;
		if (w->prev.has >= 0 && git_oid_equal(pid, &w->prev.commit)) {
			par[p] = w->prev;
			w->prev.tree = NULL;   /* moved */
			w->prev.has = -1;
		} else if (git_commit_lookup(&pc, w->repo, pid) == 0) {
			par[p].has = dir_at(&par[p].oid, pc, w->dir) == 0;
		}
		git_commit_free(pc);
		if (kind_dir_same(&cur, &par[p]))
			skip = 1;
	}
	for (size_t i = 0; i < w->n; i++)
		walk_record(w, i, c, &cur, par, np, skip);
	kind_dir_release(&w->prev);
	w->prev = cur;
	for (p = 0; p < np; p++)
		kind_dir_release(&par[p]);
	free(par);
}

/*
 * The commits of a branch with no merge, oldest first, into *out (n of
 * them; caller frees each and the array); *out is NULL when there is a
 * merge. For such a branch this is the order of the topological walk,
 * without its second reading of every commit: most branches are a line.
 */
static int line_of_commits(git_commit ***out, size_t *n, git_repository *repo, const git_oid *tip)
{
	git_commit **v = NULL, *c = NULL;
	size_t nr = 0, alloc = 0;
	int e = 0;

	*out = NULL;
	*n = 0;
	if (git_commit_lookup(&c, repo, tip) < 0)
		goto fail;
	while (c) {
		unsigned np = git_commit_parentcount(c);
		FL_ALLOC_GROW(v, nr + 1, alloc);
		v[nr++] = c;
		c = NULL;
		if (np > 1)
			goto merge;
		if (np == 1 && git_commit_parent(&c, v[nr - 1], 0) < 0)
			goto fail;
	}
	for (size_t i = 0; i < nr / 2; i++) {
		git_commit *t = v[i];
		v[i] = v[nr - 1 - i];
		v[nr - 1 - i] = t;
	}
	*out = v;
	*n = nr;
	return 0;
fail:
	e = fl_error(FL_ERROR, "cannot read commit: %s", fl_git_error());
merge:
	for (size_t i = 0; i < nr; i++)
		git_commit_free(v[i]);
	free(v);
	return e;
}

/* Every commit of the branch at tip, parents before children, through walk_commit. */
static int walk_branch(struct walk *w, const git_oid *tip)
{
	git_commit **line;
	git_revwalk *walk = NULL;
	git_oid oid;
	size_t n;
	int e;

	if ((e = line_of_commits(&line, &n, w->repo, tip)) < 0)
		return e;
	if (line) {
		for (size_t i = 0; i < n; i++) {
			walk_commit(w, line[i]);
			git_commit_free(line[i]);
		}
		free(line);
		return 0;
	}
	if (git_revwalk_new(&walk, w->repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(walk, tip) < 0) {
		e = fl_error(FL_ERROR, "cannot walk the history: %s", fl_git_error());
		goto done;
	}
	while (e == 0 && git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, w->repo, &oid) < 0)
			e = fl_error(FL_ERROR, "cannot read commit: %s", fl_git_error());
		else
			walk_commit(w, c);
		git_commit_free(c);
	}
done:
	git_revwalk_free(walk);
	return e;
}

int fl_history_load_many(struct fl_history *hs, struct fl_store *s, const char *me,
			 const char *author, const char *kind, const char *const *ids, size_t n)
{
	struct walk w;
	git_oid oid;
	char b[3];
	char *branch = history_branch(author, me), *dir;
	int e = 0;

	fl_author_bucket(b, author);
	dir = xstrfmt("%s/%s/%s", b, author, kind);
	memset(&w, 0, sizeof(w));
	w.repo = fl_store_repo(s);
	w.dir = dir;
	w.hs = hs;
	w.n = n;
	w.names = xcalloc(n ? n : 1, sizeof(*w.names));
	w.prev.has = -1;
	for (size_t i = 0; i < n; i++) {
		memset(&hs[i], 0, sizeof(hs[i]));
		hs[i].id = xstrdup(ids[i]);
		hs[i].kind = xstrdup(kind);
		hs[i].path = fl_record_path(author, kind, ids[i]);
		w.names[i] = xstrfmt("%s.json", ids[i]);
	}
	if (fl_store_ref(&oid, s, branch) < 0) {
		e = fl_error(FL_ENOTFOUND, "no history yet");
		goto done;
	}
	e = walk_branch(&w, &oid);
done:
	kind_dir_release(&w.prev);
	for (size_t i = 0; i < n; i++)
		free(w.names[i]);
	free(w.names);
	free(branch);
	free(dir);
	return e;
}

int fl_history_load(struct fl_history *h, struct fl_store *s, struct fl_db *db,
		    const char *me, const char *prefix)
{
	cJSON *rec;
	char *id = NULL, *author, *kind;
	int e;

	memset(h, 0, sizeof(*h));
	if ((e = fl_db_resolve(&id, db, prefix, NULL)) < 0)
		return e;
	if (!(rec = fl_db_get(db, id))) {
		free(id);
		return fl_error(FL_ERROR, "record '%s' is damaged in the index; run 'fieldlog reindex'",
				prefix);
	}
	author = xstrdup(fl_json_str(rec, "author"));
	kind = xstrdup(fl_json_str(rec, "kind"));
	cJSON_Delete(rec);
	const char *ids[] = { id };
	e = fl_history_load_many(h, s, me, author, kind, ids, 1);
	if (e == 0 && !h->nversions) {
		char *branch = history_branch(author, me);
		e = fl_error(FL_ENOTFOUND, "no history for %s %s in %s", kind, id, branch);
		free(branch);
	}
	free(id);
	free(author);
	free(kind);
	return e;
}
