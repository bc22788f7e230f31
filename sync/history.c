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
 * history. (libgit2 1.5 has no path-limited walk.)
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

int fl_history_load(struct fl_history *h, struct fl_store *s, struct fl_db *db,
		    const char *me, const char *prefix)
{
	git_repository *repo = fl_store_repo(s);
	git_revwalk *walk = NULL;
	git_oid oid;
	cJSON *rec;
	char *branch = NULL;
	int e;

	memset(h, 0, sizeof(*h));
	if ((e = fl_db_resolve(&h->id, db, prefix, NULL)) < 0)
		return e;
	if (!(rec = fl_db_get(db, h->id)))
		return fl_error(FL_ERROR, "record '%s' is damaged in the index; run 'fieldlog reindex'",
				prefix);
	h->kind = xstrdup(fl_json_str(rec, "kind"));
	h->path = fl_record_path(fl_json_str(rec, "author"), h->kind, h->id);
	/* Our records are on main; another author's on our copy of their branch. */
	branch = strcmp(fl_json_str(rec, "author"), me) ?
		 xstrfmt("%s%s", FL_REMOTE_AUTHORS, fl_json_str(rec, "author")) :
		 xstrdup(FL_BRANCH);
	cJSON_Delete(rec);

	if (fl_store_ref(&oid, s, branch) < 0) {
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
		struct fl_version found;

		memset(&found, 0, sizeof(found));
		if (git_commit_lookup(&c, repo, &oid) < 0) {
			e = fl_error(FL_ERROR, "cannot read commit: %s", fl_git_error());
			goto done;
		}
		np = git_commit_parentcount(c);
		has = fl_history_blob_at(&blob, c, h->path) == 0;
		for (i = 0; i < np; i++) {
			git_commit *p = NULL;
			git_oid b;
			int phas = 0;
			if (git_commit_parent(&p, c, i) == 0)
				phas = fl_history_blob_at(&b, p, h->path) == 0;
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
			parse_conflicts(&found, git_commit_message(c), h->id);
		int is_version = has && (np == 0 || differs == np);
		if (is_version || found.nconflicts) {
			const git_signature *sig = git_commit_author(c);
			struct fl_version *v = history_add(h);
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
			v->conflicts = found.conflicts;
			v->nconflicts = found.nconflicts;
		} else {
			version_release(&found);
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
