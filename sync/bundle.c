/*
 * bundle.c: git bundles (v2) written with libgit2's pack builder and read
 * with its indexer, judged before anything of them is kept, and the
 * relay of what they brought. See bundle.h.
 *
 * libgit2 1.5 has no bundle writer or reader: the header is a few lines
 * of text, written and parsed here; the pack after it is the same pack a
 * push sends (the commits and, for each, the subtrees and blobs its
 * parent lacks: sync/push.c explains why not git_packbuilder_insert_walk),
 * and is indexed as it is, never rebuilt (a bundle of a week is ~50
 * records, a few tens of KB).
 */
#define _POSIX_C_SOURCE 200809L
#include "bundle.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/record.h"
#include "schema/roster.h"
#include "schema/rules.h"
#include "sync/check.h"
#include "sync/remote.h"
#include "sync/sign.h"
#include "sync/sshsig.h"

const char *const fl_bundle_kinds[FL_BUNDLE_KINDS] = {
	"schedule", "visit", "issue", "report", "response",
};

#define HEADER_MAX (1 << 20)   /* 3,332 branches' ref lines are ~250 KB */
#define PIECE (1 << 20)        /* what the indexer is handed at a time */

void fl_bundle_spec_add_tip(struct fl_bundle_spec *sp, const char *name, const git_oid *oid)
{
	FL_ALLOC_GROW(sp->tips, sp->ntips + 1, sp->alloc);
	sp->tips[sp->ntips].name = xstrdup(name);
	git_oid_cpy(&sp->tips[sp->ntips].oid, oid);
	sp->ntips++;
}

void fl_bundle_spec_add_known(struct fl_bundle_spec *sp, const git_oid *oid)
{
	FL_ALLOC_GROW(sp->known, sp->nknown + 1, sp->kalloc);
	git_oid_cpy(&sp->known[sp->nknown++], oid);
}

void fl_bundle_spec_release(struct fl_bundle_spec *sp)
{
	for (size_t i = 0; i < sp->ntips; i++)
		free(sp->tips[i].name);
	free(sp->tips);
	free(sp->known);
	memset(sp, 0, sizeof(*sp));
}

int fl_bundle_central(git_oid *out, struct fl_store *s, const char *main_ref)
{
	git_repository *repo = fl_store_repo(s);
	git_revwalk *w = NULL;
	git_oid tip, id;
	int e, found = 0;

	if ((e = fl_store_ref(&tip, s, main_ref)) < 0)
		return fl_error(FL_ENOTFOUND, "no roster of a central repository here yet ('%s');"
				" sync once first", main_ref);
	/* main grows by one commit per roster change: a short first-parent walk. */
	if (git_revwalk_new(&w, repo) < 0 || git_revwalk_simplify_first_parent(w) < 0 ||
	    git_revwalk_push(w, &tip) < 0) {
		e = fl_error(FL_ERROR, "cannot walk '%s': %s", main_ref, fl_git_error());
		goto done;
	}
	while ((e = git_revwalk_next(&id, w)) == 0) {
		git_oid_cpy(out, &id);
		found = 1;
	}
	e = e == GIT_ITEROVER && found ? 0 :
		fl_error(FL_ERROR, "cannot walk '%s': %s", main_ref, fl_git_error());
done:
	git_revwalk_free(w);
	return e;
}

/* --- writing ---------------------------------------------------------------- */

struct writer {
	git_repository *repo;
	git_packbuilder *pb;
	struct fl_bundle_stats *st;
	git_oid *v;          /* the commits written, sorted */
	size_t n, alloc;
	git_oid *pre;        /* their parents left out: the prerequisites */
	size_t npre, palloc;
};

static int cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

static int in_set(const git_oid *v, size_t n, const git_oid *id)
{
	return n && bsearch(id, v, n, sizeof(*v), cmp_oid) != NULL;
}

static int add_tree(void *p, const git_oid *tree)
{
	struct writer *w = p;
	return git_packbuilder_insert(w->pb, tree, NULL);
}

static int add_blob(void *p, const char *path, const git_oid *old_blob,
		    const git_oid *new_blob, unsigned mode)
{
	struct writer *w = p;
	char author[65], kind[16], id[27];

	(void)old_blob;
	if (!new_blob || mode == GIT_FILEMODE_COMMIT)
		return 0;
	if (fl_record_path_parse(path, author, kind, id))
		for (size_t k = 0; k < FL_BUNDLE_KINDS; k++)
			if (!strcmp(kind, fl_bundle_kinds[k]))
				w->st->kinds[k]++;
	return git_packbuilder_insert(w->pb, new_blob, path);
}

/*
 * The commits the tips reach that the reader does not have (nor, with
 * since, older ones), sorted into w->v.
 */
static int collect(struct writer *w, const struct fl_bundle_spec *sp)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int e;

	if ((e = git_revwalk_new(&walk, w->repo)) < 0)
		goto done;
	for (size_t i = 0; i < sp->ntips && e == 0; i++)
		e = git_revwalk_push(walk, &sp->tips[i].oid);
	for (size_t i = 0; i < sp->nknown && e == 0; i++)
		e = git_revwalk_hide(walk, &sp->known[i]);
	while (e == 0 && (e = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c = NULL;
		if ((e = git_commit_lookup(&c, w->repo, &id)) < 0)
			break;
		if (sp->since <= 0 || (long long)git_commit_time(c) >= sp->since) {
			FL_ALLOC_GROW(w->v, w->n + 1, w->alloc);
			git_oid_cpy(&w->v[w->n++], &id);
		}
		git_commit_free(c);
	}
	if (e == GIT_ITEROVER)
		e = 0;
	if (w->n)
		qsort(w->v, w->n, sizeof(*w->v), cmp_oid);
done:
	git_revwalk_free(walk);
	return e;
}

/* Each commit of w->v with what its parent lacks; parents left out become prerequisites. */
static int pack_commits(struct writer *w)
{
	int e = 0;

	for (size_t i = 0; i < w->n && e == 0; i++) {
		git_commit *c = NULL, *bc = NULL;
		const git_oid *base = NULL;
		unsigned np;

		if ((e = git_commit_lookup(&c, w->repo, &w->v[i])) < 0)
			break;
		np = git_commit_parentcount(c);
		for (unsigned p = 0; p < np; p++) {
			const git_oid *pid = git_commit_parent_id(c, p);
			if (in_set(w->v, w->n, pid))
				continue;
			if (!base)
				base = pid;
			if (!in_set(w->pre, w->npre, pid)) {
				FL_ALLOC_GROW(w->pre, w->npre + 1, w->palloc);
				git_oid_cpy(&w->pre[w->npre++], pid);
				qsort(w->pre, w->npre, sizeof(*w->pre), cmp_oid);
			}
		}
		if (!base && np)
			base = git_commit_parent_id(c, 0);
		w->st->commits++;
		if ((e = git_packbuilder_insert(w->pb, &w->v[i], NULL)) == 0 &&
		    (!base || (e = git_commit_lookup(&bc, w->repo, base)) == 0))
			e = fl_tree_diff(w->repo, bc ? git_commit_tree_id(bc) : NULL,
					 git_commit_tree_id(c), add_blob, add_tree, w);
		git_commit_free(bc);
		git_commit_free(c);
	}
	return e;
}

/* The first line of a commit's message, for a prerequisite's comment. */
static void subject(struct strbuf *sb, git_repository *repo, const git_oid *id)
{
	git_commit *c = NULL;
	const char *s = "";

	if (git_commit_lookup(&c, repo, id) == 0 && git_commit_summary(c))
		s = git_commit_summary(c);
	strbuf_addstr(sb, s);
	git_commit_free(c);
	git_error_clear();
}

static void header(struct strbuf *sb, struct writer *w, const struct fl_bundle_spec *sp,
		   const git_oid *central)
{
	char hex[GIT_OID_HEXSZ + 1];

	strbuf_addstr(sb, "# v2 git bundle\n");
	strbuf_addf(sb, "-%s %s\n", git_oid_tostr(hex, sizeof(hex), central), FL_BUNDLE_CENTRAL);
	for (size_t i = 0; i < w->npre; i++) {
		if (git_oid_equal(&w->pre[i], central))
			continue;
		strbuf_addf(sb, "-%s ", git_oid_tostr(hex, sizeof(hex), &w->pre[i]));
		subject(sb, w->repo, &w->pre[i]);
		strbuf_addch(sb, '\n');
		w->st->prerequisites++;
	}
	for (size_t i = 0; i < sp->ntips; i++)
		strbuf_addf(sb, "%s %s\n", git_oid_tostr(hex, sizeof(hex), &sp->tips[i].oid),
			    sp->tips[i].name);
	strbuf_addch(sb, '\n');
}

static int write_chunk(void *buf, size_t size, void *payload)
{
	FILE *f = payload;
	return fwrite(buf, 1, size, f) == size ? 0 : -1;
}

int fl_bundle_write(struct fl_bundle_stats *st, struct fl_store *s, const char *path,
		    const struct fl_bundle_spec *sp, const git_oid *central)
{
	struct writer w;
	struct strbuf hdr = STRBUF_INIT;
	char *tmp = xstrfmt("%s.tmp", path);
	FILE *f = NULL;
	int e;

	memset(st, 0, sizeof(*st));
	memset(&w, 0, sizeof(w));
	w.repo = fl_store_repo(s);
	w.st = st;
	if ((e = collect(&w, sp)) < 0) {
		e = fl_error(FL_ERROR, "cannot walk the commits to bundle: %s", fl_git_error());
		goto done;
	}
	if (!w.n) {
		e = fl_error(FL_ENOTFOUND, "nothing to bundle");
		goto done;
	}
	if (git_packbuilder_new(&w.pb, w.repo) < 0 || (e = pack_commits(&w)) < 0) {
		e = fl_error(FL_ERROR, "cannot build the bundle's pack: %s", fl_git_error());
		goto done;
	}
	st->objects = git_packbuilder_object_count(w.pb);
	header(&hdr, &w, sp, central);
	if (!(f = fopen(tmp, "wb"))) {
		e = fl_error(FL_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (fwrite(hdr.buf, 1, hdr.len, f) != hdr.len ||
	    git_packbuilder_foreach(w.pb, write_chunk, f) < 0 || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		e = fl_error(FL_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	st->bytes = (long long)ftell(f);
	if (fclose(f) != 0 || (f = NULL, rename(tmp, path) < 0)) {
		f = NULL;
		e = fl_error(FL_ERROR, "cannot write '%s': %s", path, strerror(errno));
	}
done:
	if (f)
		fclose(f);
	if (e < 0)
		unlink(tmp);
	git_packbuilder_free(w.pb);
	free(w.v);
	free(w.pre);
	strbuf_release(&hdr);
	free(tmp);
	return e;
}

/* --- reading ------------------------------------------------------------------ */

struct header {
	git_oid *pre;
	size_t npre, palloc;
	int central_at;       /* index in pre of the central repository's line, or -1 */
	struct fl_bundle_tip *refs;
	size_t nrefs, ralloc;
	long pack_at;         /* offset of the pack in the file */
};

static void header_release(struct header *h)
{
	for (size_t i = 0; i < h->nrefs; i++)
		free(h->refs[i].name);
	free(h->refs);
	free(h->pre);
}

/* One header line (without its newline) into h; FL_EINVALID when it is not one. */
static int header_line(struct header *h, const char *line)
{
	git_oid id;
	int pre = line[0] == '-';
	const char *hex = line + pre, *rest = hex + GIT_OID_HEXSZ;

	if (strlen(hex) < GIT_OID_HEXSZ || git_oid_fromstrn(&id, hex, GIT_OID_HEXSZ) < 0 ||
	    (*rest && *rest != ' ') || (!pre && !*rest))
		return FL_EINVALID;
	if (pre) {
		FL_ALLOC_GROW(h->pre, h->npre + 1, h->palloc);
		git_oid_cpy(&h->pre[h->npre], &id);
		if (h->central_at < 0 && *rest && !strcmp(rest + 1, FL_BUNDLE_CENTRAL))
			h->central_at = (int)h->npre;
		h->npre++;
	} else {
		FL_ALLOC_GROW(h->refs, h->nrefs + 1, h->ralloc);
		h->refs[h->nrefs].name = xstrdup(rest + 1);
		git_oid_cpy(&h->refs[h->nrefs].oid, &id);
		h->nrefs++;
	}
	return 0;
}

static int header_read(struct header *h, FILE *f, const char *path)
{
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t len;
	int e = 0, first = 1, ended = 0;

	memset(h, 0, sizeof(*h));
	h->central_at = -1;
	while (!ended && e == 0 && total < HEADER_MAX && (len = getline(&line, &cap, f)) > 0) {
		total += (size_t)len;
		if (line[len - 1] != '\n') {
			e = fl_error(FL_EINVALID, "'%s' is truncated (it ends inside its header)", path);
			break;
		}
		line[--len] = '\0';
		if (first) {
			first = 0;
			if (strcmp(line, "# v2 git bundle"))
				e = fl_error(FL_EINVALID, "'%s' is not a git bundle (v2)", path);
		} else if (!len) {
			ended = 1;
		} else if (header_line(h, line) < 0) {
			e = fl_error(FL_EINVALID, "'%s' is not a git bundle (v2): bad header line"
				     " '%.60s'", path, line);
		}
	}
	if (e == 0 && !ended)
		e = fl_error(FL_EINVALID, first ? "'%s' is not a git bundle (v2)" :
			     "'%s' is truncated (it ends inside its header)", path);
	if (e == 0 && !h->nrefs)
		e = fl_error(FL_EINVALID, "'%s' holds no branch", path);
	h->pack_at = ftell(f);
	free(line);
	return e;
}

/* The local ref a bundle's branch goes to; NULL when it is not a central branch. */
static char *local_ref(const char *name, const char *me, int *own)
{
	const char *id;

	*own = 0;
	if (!strcmp(name, FL_CENTRAL_MAIN))
		return xstrdup(FL_REMOTE_ROSTER);
	if (strncmp(name, FL_CENTRAL_AUTHORS, strlen(FL_CENTRAL_AUTHORS)))
		return NULL;
	id = name + strlen(FL_CENTRAL_AUTHORS);
	if (!fl_author_valid(id))
		return NULL;
	*own = me && !strcmp(id, me);
	return xstrfmt("%s%s", FL_REMOTE_AUTHORS, id);
}

/* Whether we already hold `tip` on `ref` (it is the ref's commit or behind it). */
static int have_tip(struct fl_store *s, const char *ref, const git_oid *tip, git_oid *old,
		    int *has_old)
{
	git_repository *repo = fl_store_repo(s);

	*has_old = fl_store_ref(old, s, ref) == 0;
	fl_clear_error();
	if (!*has_old)
		return 0;
	if (git_oid_equal(old, tip))
		return 1;
	return git_graph_descendant_of(repo, old, tip) == 1;
}

/* Fills out->v from the header: which branches move (fresh), which are ours or known. */
static int plan(struct fl_bundle_import *out, struct fl_store *s, const struct header *h,
		const char *me, const char *path)
{
	out->v = xcalloc(h->nrefs, sizeof(*out->v));
	out->n = h->nrefs;
	for (size_t i = 0; i < h->nrefs; i++) {
		struct fl_bundle_branch *b = &out->v[i];
		int own;
		char *local = local_ref(h->refs[i].name, me, &own);

		b->name = xstrdup(h->refs[i].name);
		git_oid_cpy(&b->new, &h->refs[i].oid);
		if (!local)
			return fl_error(FL_EINVALID, "'%s' is not a bundle of fieldlog records: it holds"
					" '%.100s', not a branch of a central repository", path,
					h->refs[i].name);
		b->fresh = !own && !have_tip(s, local, &b->new, &b->old, &b->has_old);
		free(local);
	}
	return 0;
}

/* The bundle names this central repository, and everything it builds on is here. */
static int check_basis(struct fl_store *s, const struct header *h, const char *path)
{
	git_oid central;
	git_odb *odb = NULL;
	size_t missing = 0, first = 0;
	int e;

	if (h->central_at < 0)
		return fl_error(FL_EINVALID, "'%s' is not a fieldlog bundle: it names no central"
				" repository (plain git commits?)", path);
	if ((e = fl_bundle_central(&central, s, FL_REMOTE_ROSTER)) < 0)
		return e;
	if (!git_oid_equal(&central, &h->pre[h->central_at])) {
		char ours[8], theirs[8];
		git_oid_tostr(ours, sizeof(ours), &central);
		git_oid_tostr(theirs, sizeof(theirs), &h->pre[h->central_at]);
		return fl_error(FL_EINVALID, "'%s' is a bundle of another central repository (its"
				" roster begins at %s, this workspace's at %s)", path, theirs, ours);
	}
	if (git_repository_odb(&odb, fl_store_repo(s)) < 0)
		return fl_error(FL_ERROR, "cannot read the repository: %s", fl_git_error());
	for (size_t i = 0; i < h->npre; i++)
		if (!git_odb_exists(odb, &h->pre[i]) && !missing++)
			first = i;
	git_odb_free(odb);
	if (missing) {
		char hex[8];
		git_oid_tostr(hex, sizeof(hex), &h->pre[first]);
		return fl_error(FL_EINVALID, "'%s' builds on %zu commit%s this workspace does not"
				" have (%s): sync first, or ask for a bundle made with --all", path,
				missing, missing == 1 ? "" : "s", hex);
	}
	return 0;
}

/* Removes dir and what it holds (a quarantine: its pack/ and the files in it). */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char *p;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = xstrfmt("%s/%s", dir, de->d_name);
		if (unlink(p) < 0)
			remove_dir(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Indexes the pack of f (from the header's end) into qdir/pack, as it is. */
static int index_pack(struct fl_store *s, FILE *f, const char *qdir, const char *path,
		      long long *bytes)
{
	git_indexer *idx = NULL;
	git_indexer_options opts;
	git_indexer_progress st;
	git_odb *odb = NULL;
	char *packdir = xstrfmt("%s/pack", qdir);
	char *buf = xmalloc(PIECE);
	size_t n;
	int e = 0;

	memset(&st, 0, sizeof(st));
	git_indexer_options_init(&opts, GIT_INDEXER_OPTIONS_VERSION);
	/*
	 * No connectivity check here: libgit2 looks up every object a tree
	 * names before the pack has shown it, and each miss rescans
	 * objects/pack (1,800 rescans, 100 ms, for a week of 50 records). The
	 * judging reads every new commit and, through the rules, every tree
	 * and blob they wrote; a missing one refuses the bundle there.
	 */
	opts.verify = 0;
	if (mkdir(packdir, 0755) < 0 || git_repository_odb(&odb, fl_store_repo(s)) < 0 ||
	    git_indexer_new(&idx, packdir, 0, odb, &opts) < 0) {
		e = fl_error(FL_ERROR, "cannot index '%s': %s", path, errno ? strerror(errno) :
			     fl_git_error());
		goto done;
	}
	while (e == 0 && (n = fread(buf, 1, PIECE, f)) > 0) {
		*bytes += (long long)n;
		if (git_indexer_append(idx, buf, n, &st) < 0)
			e = -1;
	}
	if (e == 0 && ferror(f))
		e = fl_error(FL_ERROR, "cannot read '%s': %s", path, strerror(errno));
	else if (e < 0 || git_indexer_commit(idx, &st) < 0)
		e = fl_error(FL_EINVALID, "'%s' is truncated or corrupted: %s", path,
			     fl_git_error());
done:
	git_indexer_free(idx);
	git_odb_free(odb);
	free(buf);
	free(packdir);
	return e;
}

/* Moves qdir/pack's files into the repository's packs: .pack before .idx. */
static int keep_pack(struct fl_store *s, const char *qdir)
{
	const char *gitdir = git_repository_path(fl_store_repo(s));
	static const char *const exts[] = { ".pack", ".rev", ".idx" };
	char *from = xstrfmt("%s/pack", qdir);
	DIR *d;
	struct dirent *de;
	int e = 0;

	for (size_t k = 0; k < FL_ARRAY_SIZE(exts) && e == 0; k++) {
		if (!(d = opendir(from))) {
			e = fl_error(FL_ERROR, "cannot read '%s': %s", from, strerror(errno));
			break;
		}
		while (e == 0 && (de = readdir(d))) {
			size_t len = strlen(de->d_name), el = strlen(exts[k]);
			if (len <= el || strcmp(de->d_name + len - el, exts[k]))
				continue;
			char *a = xstrfmt("%s/%s", from, de->d_name);
			char *b = xstrfmt("%sobjects/pack/%s", gitdir, de->d_name);
			if (rename(a, b) < 0)
				e = fl_error(FL_ERROR, "cannot store '%s': %s", b, strerror(errno));
			free(a);
			free(b);
		}
		closedir(d);
	}
	free(from);
	return e;
}

/* --- judging ------------------------------------------------------------------ */

struct judging {
	struct fl_store *q;      /* the repository with the quarantine readable */
	const struct header *h;
	const char *path, *me;
	/*
	 * The roster the branches are judged on, with its keys parsed once
	 * (at national scale 3,321 keys, which parsed again for each of a
	 * week's 50 commits cost 150 ms), shared with the import that
	 * indexes what the bundle brought.
	 */
	struct fl_roster_shared *roster;
	struct strbuf why;
};

static int refuse(struct judging *j, const char *branch)
{
	const char *b = strncmp(branch, "refs/heads/", 11) ? branch : branch + 11;
	const char *why = strncmp(j->why.buf, "refused ", 8) ? j->why.buf : j->why.buf + 8;
	return fl_error(FL_EINVALID, "'%s' refused: %s: %s", j->path, b, why);
}

/* A walk of what `new` brings over `old` (may be NULL) and the bundle's prerequisites. */
static int walk_new(git_revwalk **out, struct judging *j, const git_oid *old, const git_oid *new)
{
	git_revwalk *w = NULL;
	int e;

	if ((e = git_revwalk_new(&w, fl_store_repo(j->q))) == 0 &&
	    (e = git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE)) == 0 &&
	    (e = git_revwalk_push(w, new)) == 0 && old)
		e = git_revwalk_hide(w, old);
	for (size_t i = 0; e == 0 && i < j->h->npre; i++)
		e = git_revwalk_hide(w, &j->h->pre[i]);
	if (e < 0) {
		git_revwalk_free(w);
		return fl_error(FL_EINVALID, "'%s' is corrupted: %s", j->path, fl_git_error());
	}
	*out = w;
	return 0;
}

/* The key that signed commit id (0), or FL_ENOTFOUND when it is unsigned or does not verify. */
static int signing_key(struct fl_ssh_pubkey *out, git_repository *repo, const git_oid *id,
		       const struct fl_ssh_pubkey *allowed)
{
	git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
	int e = git_commit_extract_signature(&sig, &data, repo, (git_oid *)id, NULL);

	if (e == 0)
		e = fl_sshsig_verify(out, sig.ptr, sig.size, data.ptr, data.size, allowed,
				     allowed ? 1 : 0);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	git_error_clear();
	fl_clear_error();
	return e < 0 ? FL_ENOTFOUND : 0;
}

/*
 * main (the roster) continues ours, and each new commit carries the
 * signature of the key that signed its first commit: the admin's (the
 * roster holds no key for the admin; the first commit came from the
 * central repository itself).
 */
static int judge_main(struct judging *j, struct fl_bundle_branch *b, const git_oid *central)
{
	git_repository *repo = fl_store_repo(j->q);
	struct fl_ssh_pubkey admin, k;
	git_revwalk *w = NULL;
	git_oid id;
	int e;

	strbuf_reset(&j->why);
	if (!b->has_old || git_graph_descendant_of(repo, &b->new, &b->old) != 1) {
		strbuf_addstr(&j->why, "it does not continue this workspace's roster");
		return refuse(j, b->name);
	}
	if (signing_key(&admin, repo, central, NULL) < 0) {
		strbuf_addstr(&j->why, "the central repository's roster is unsigned, so roster"
			      " changes are taken only from the central repository");
		return refuse(j, b->name);
	}
	if ((e = walk_new(&w, j, &b->old, &b->new)) < 0)
		return e;
	while (e == 0 && (e = git_revwalk_next(&id, w)) == 0) {
		b->commits++;
		if (signing_key(&k, repo, &id, &admin) < 0) {
			strbuf_addf(&j->why, "roster commit %.7s is not signed by the key that signed"
				    " the roster's first commit", git_oid_tostr_s(&id));
			e = refuse(j, b->name);
		}
	}
	git_revwalk_free(w);
	return e == GIT_ITEROVER ? 0 : e < 0 && e != FL_EINVALID ?
		fl_error(FL_EINVALID, "'%s' is corrupted: %s", j->path, fl_git_error()) : e;
}

/* The rules' view of commit c's author and signature, as the server's check takes it. */
static void commit_view(struct fl_rules_commit *rc, char *signer, char *short_id,
			git_commit *c, const struct fl_keyring *keys)
{
	struct fl_sig_verdict vd;
	const git_signature *a = git_commit_author(c), *m = git_commit_committer(c);

	memset(rc, 0, sizeof(*rc));
	git_oid_tostr(short_id, 8, git_commit_id(c));
	rc->id = short_id;
	rc->author_email = a && a->email ? a->email : "";
	rc->committer_email = m && m->email ? m->email : "";
	rc->sig = FL_SIG_BAD;   /* a verdict that cannot be had vouches for nothing */
	if (fl_commit_verify_keys(&vd, git_commit_owner(c), git_commit_id(c), keys, 0) < 0)
		fl_clear_error();
	else if (vd.state == FL_COMMIT_GOOD)
		rc->sig = FL_SIG_GOOD;
	else if (vd.state == FL_COMMIT_UNSIGNED)
		rc->sig = FL_SIG_NONE;
	if (rc->sig == FL_SIG_GOOD) {
		snprintf(signer, 65, "%s", vd.signer);
		rc->signer = signer;
	}
}

/*
 * Every object a new commit's tree names must be here before any ref
 * points at it (the pack was indexed without libgit2's own check):
 * fl_store_diff reads the trees, this the blobs' headers.
 */
static int blob_here(void *p, const char *path, const git_oid *old_blob,
		     const git_oid *new_blob, unsigned mode)
{
	struct judging *j = p;
	git_odb *odb = NULL;
	size_t len;
	git_object_t type;
	int e = 0;

	(void)old_blob;
	if (!new_blob || mode == GIT_FILEMODE_COMMIT)
		return 0;
	if (git_repository_odb(&odb, fl_store_repo(j->q)) < 0 ||
	    git_odb_read_header(&len, &type, odb, new_blob) < 0)
		e = fl_error(FL_EINVALID, "%s: missing", path);
	git_odb_free(odb);
	return e;
}

/*
 * An author's branch: every new commit written by the owner and signed by
 * the owner's key in the roster (a bundle travels outside any server, so
 * this holds whatever the central repository requires); an officer's
 * branch also passes the server's own check, so that what is relayed is
 * what the central repository accepts.
 */
static int judge_author(struct judging *j, struct fl_bundle_branch *b)
{
	git_repository *repo = fl_store_repo(j->q);
	struct fl_rules rules;
	git_revwalk *w = NULL;
	char bucket[3], signer[65], short_id[8];
	git_oid id;
	int e;

	memset(&rules, 0, sizeof(rules));
	rules.roster = j->roster->roster;
	rules.branch = b->name;
	rules.require_signatures = 1;   /* whatever the roster says: see the comment above */
	strbuf_reset(&j->why);
	fl_author_bucket(bucket, b->name + strlen(FL_CENTRAL_AUTHORS));
	if (fl_rules_begin(&rules, bucket, &j->why) < 0)
		return refuse(j, b->name);
	/* A branch only grows: one that left ours behind would take records away. */
	if (b->has_old && git_graph_descendant_of(repo, &b->new, &b->old) != 1) {
		strbuf_addf(&j->why, "it does not continue this workspace's copy (%.7s); sync first",
			    git_oid_tostr_s(&b->old));
		return refuse(j, b->name);
	}
	if ((e = walk_new(&w, j, b->has_old ? &b->old : NULL, &b->new)) < 0)
		return e;
	while (e == 0 && (e = git_revwalk_next(&id, w)) == 0) {
		git_commit *c = NULL;
		struct fl_rules_commit rc;
		if (git_commit_lookup(&c, repo, &id) < 0) {
			e = fl_error(FL_EINVALID, "'%s' is corrupted: %s", j->path, fl_git_error());
			break;
		}
		b->commits++;
		commit_view(&rc, signer, short_id, c, j->roster->keys);
		if (fl_rules_commit_header(&rules, &rc, &j->why) < 0)
			e = refuse(j, b->name);
		else if (fl_store_diff(j->q, git_commit_parentcount(c) ? git_commit_parent_id(c, 0) :
				       NULL, &id, blob_here, j) < 0)
			e = fl_error(FL_EINVALID, "'%s' is incomplete: commit %s: %s", j->path,
				     short_id, fl_last_error());
		git_commit_free(c);
	}
	git_revwalk_free(w);
	if (e != GIT_ITEROVER)
		return e < 0 && e != FL_EINVALID ?
			fl_error(FL_EINVALID, "'%s' is corrupted: %s", j->path, fl_git_error()) : e;
	fl_clear_error();
	if (rules.role && !strcmp(rules.role, "officer") &&
	    fl_check_branch(j->q, j->roster->roster, j->roster->keys, b->name,
			    b->has_old ? &b->old : NULL, &b->new, j->me, &j->why) < 0)
		return refuse(j, b->name);
	fl_clear_error();
	return 0;
}

/* The roster the branches are judged on: the bundle's main when it brings one, else ours. */
static int judging_roster(struct judging *j, const struct fl_bundle_import *r)
{
	git_oid tip;
	int e = -1;

	for (size_t i = 0; i < r->n && e < 0; i++)
		if (r->v[i].fresh && !strcmp(r->v[i].name, FL_CENTRAL_MAIN)) {
			git_oid_cpy(&tip, &r->v[i].new);
			e = 0;
		}
	if (e < 0 && (e = fl_store_ref(&tip, j->q, FL_REMOTE_ROSTER)) < 0)
		return e;
	return fl_roster_shared_get(&j->roster, j->q, &tip);
}

static int judge_all(struct fl_bundle_import *r, struct fl_store *q, const struct header *h,
		     const char *path, const char *me, const git_oid *central)
{
	struct judging j;
	int e = 0;

	memset(&j, 0, sizeof(j));
	j.q = q;
	j.h = h;
	j.path = path;
	j.me = me;
	strbuf_init(&j.why);
	for (size_t i = 0; i < r->n && e == 0; i++)
		if (r->v[i].fresh && !strcmp(r->v[i].name, FL_CENTRAL_MAIN))
			e = judge_main(&j, &r->v[i], central);
	if (e == 0)
		e = judging_roster(&j, r);
	for (size_t i = 0; i < r->n && e == 0; i++)
		if (r->v[i].fresh && strcmp(r->v[i].name, FL_CENTRAL_MAIN))
			e = judge_author(&j, &r->v[i]);
	for (size_t i = 0; i < r->n; i++)
		r->commits += r->v[i].commits;
	fl_roster_shared_release(j.roster);
	strbuf_release(&j.why);
	return e;
}

/* Moves the refs of the fresh branches; an author's also waits to be relayed. */
static int move_refs(struct fl_store *s, struct fl_bundle_import *r, const char *me)
{
	git_repository *repo = fl_store_repo(s);
	int e = 0;

	for (size_t i = 0; i < r->n && e == 0; i++) {
		struct fl_bundle_branch *b = &r->v[i];
		int own;
		char *local;
		if (!b->fresh)
			continue;
		local = local_ref(b->name, me, &own);
		e = fl_store_set_ref(s, local, &b->new, b->has_old ? &b->old : NULL,
				     "bundle: import");
		if (e == 0 && strcmp(b->name, FL_CENTRAL_MAIN)) {
			git_reference *ref = NULL;
			char *relay = xstrfmt("%s%s", FL_RELAY_REFS,
					      b->name + strlen(FL_CENTRAL_AUTHORS));
			if (git_reference_create(&ref, repo, relay, &b->new, 1, "bundle: to relay") < 0)
				e = fl_error(FL_ERROR, "cannot write '%s': %s", relay, fl_git_error());
			git_reference_free(ref);
			free(relay);
		}
		free(local);
	}
	return e;
}

/* Indexes the pack aside, judges it, and keeps it only when every commit passes. */
static int quarantine(struct fl_bundle_import *out, struct fl_store *s, FILE *f,
		      const struct header *h, const char *path, const char *me,
		      const git_oid *central)
{
	const char *gitdir = git_repository_path(fl_store_repo(s));
	char *qdir = xstrfmt("%sfieldlog-bundle-XXXXXX", gitdir);
	struct fl_store *q = NULL;
	git_odb *odb = NULL;
	int e;

	if (!mkdtemp(qdir)) {
		e = fl_error(FL_ERROR, "cannot make '%s': %s", qdir, strerror(errno));
		free(qdir);
		return e;
	}
	if (fseek(f, h->pack_at, SEEK_SET) < 0) {
		e = fl_error(FL_ERROR, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	fl_trace("bundle: index");
	if ((e = index_pack(s, f, qdir, path, &out->bytes)) < 0 ||
	    (e = fl_store_open(&q, gitdir)) < 0 || (e = fl_check_add_objects(q, qdir)) < 0)
		goto done;
	fl_trace("bundle: judge");
	if ((e = judge_all(out, q, h, path, me, central)) < 0)
		goto done;
	fl_store_free(q);
	q = NULL;
	fl_trace("bundle: keep");
	if ((e = keep_pack(s, qdir)) < 0)
		goto done;
	if (git_repository_odb(&odb, fl_store_repo(s)) == 0)
		git_odb_refresh(odb);
	git_odb_free(odb);
	fl_trace("bundle: refs");
	e = move_refs(s, out, me);
done:
	fl_store_free(q);
	remove_dir(qdir);
	free(qdir);
	return e;
}

int fl_bundle_import(struct fl_bundle_import *out, struct fl_store *s, const char *path,
		     const char *me)
{
	struct header h;
	git_oid central;
	FILE *f = fopen(path, "rb");
	int e, any = 0;

	memset(out, 0, sizeof(*out));
	memset(&h, 0, sizeof(h));
	if (!f)
		return fl_error(FL_EINVALID, "cannot read '%s': %s", path, strerror(errno));
	if ((e = header_read(&h, f, path)) < 0 || (e = plan(out, s, &h, me, path)) < 0 ||
	    (e = check_basis(s, &h, path)) < 0)
		goto done;
	for (size_t i = 0; i < out->n; i++)
		any |= out->v[i].fresh;
	if (!any)
		goto done;   /* nothing new: the pack is not even read */
	git_oid_cpy(&central, &h.pre[h.central_at]);
	e = quarantine(out, s, f, &h, path, me, &central);
done:
	if (e < 0)
		out->commits = 0;
	fclose(f);
	header_release(&h);
	return e;
}

void fl_bundle_import_release(struct fl_bundle_import *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].name);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* --- the relay ----------------------------------------------------------------- */

int fl_relay_list(struct fl_relay **out, size_t *n, struct fl_store *s)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	size_t alloc = 0;

	*out = NULL;
	*n = 0;
	if (git_reference_iterator_glob_new(&it, fl_store_repo(s), FL_RELAY_REFS "*") < 0)
		return fl_error(FL_ERROR, "cannot list the branches to relay: %s", fl_git_error());
	while (git_reference_next(&ref, it) == 0) {
		const git_oid *id = git_reference_target(ref);
		if (id) {
			FL_ALLOC_GROW(*out, *n + 1, alloc);
			(*out)[*n].author = xstrdup(git_reference_name(ref) + strlen(FL_RELAY_REFS));
			git_oid_cpy(&(*out)[*n].tip, id);
			(*n)++;
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
	return 0;
}

void fl_relay_release(struct fl_relay *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].author);
	free(v);
}

/* Forgets a relayed branch, unless it moved meanwhile (a newer bundle). */
static void relay_done(git_repository *repo, const struct fl_relay *r)
{
	char *name = xstrfmt("%s%s", FL_RELAY_REFS, r->author);
	git_reference *ref = NULL;

	if (git_reference_lookup(&ref, repo, name) == 0 && git_reference_target(ref) &&
	    git_oid_equal(git_reference_target(ref), &r->tip))
		git_reference_delete(ref);
	git_reference_free(ref);
	git_error_clear();
	free(name);
}

int fl_relay_run(size_t *relayed, struct fl_store *s, const struct fl_sync_opts *o,
		 char **server_message)
{
	git_repository *repo = fl_store_repo(s);
	struct fl_relay *v = NULL;
	size_t n = 0;
	int e;

	*relayed = 0;
	if ((e = fl_relay_list(&v, &n, s)) < 0)
		return e;
	for (size_t i = 0; i < n && e == 0; i++) {
		char *src = xstrfmt("%s%s", FL_RELAY_REFS, v[i].author);
		char *dst = xstrfmt("%s%s", FL_CENTRAL_AUTHORS, v[i].author);
		fl_trace("sync: relay %s", dst);
		e = fl_remote_push_ref(repo, o, src, dst, server_message, NULL);
		if (e == 0)
			(*relayed)++;
		/* Not a fast-forward: the author's own sync (or another relay) got there first. */
		if (e == 0 || e == FL_EEXISTS) {
			relay_done(repo, &v[i]);
			fl_clear_error();
			e = 0;
		}
		free(src);
		free(dst);
	}
	fl_relay_release(v, n);
	return e;
}
