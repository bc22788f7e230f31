/*
 * store.c: record files in a bare git repository, written without a
 * working tree. See store.h.
 *
 * Trees are rebuilt bottom-up with one git_treebuilder per directory on
 * the changed paths only (PLATFORM-NOTES: fast, and a flat directory
 * would not be), so a commit costs O(depth * entries per directory), not
 * O(records).
 */
#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>
#include <zlib.h>

#include "schema/record.h"
#include "sign.h"

struct fl_store {
	git_repository *repo;
	git_odb *saved_odb;           /* during a batch: the repository's own */
	struct batch *batch;          /* during a batch: where writes go */
	struct fl_signer *signer;     /* signs every commit; NULL: unsigned */
};

void fl_store_set_signer(struct fl_store *s, struct fl_signer *signer)
{
	fl_signer_free(s->signer);
	s->signer = signer;
}

struct fl_signer *fl_store_signer(struct fl_store *s)
{
	return s->signer;
}

const char *fl_git_error(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown git error";
}

void fl_store_global_init(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	signal(SIGPIPE, SIG_IGN);
	git_libgit2_init();
	fl_trace("libgit2 initialised");
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	/*
	 * Every object a read returns was hashed when it was stored: by our
	 * writer, or by the indexer that took it from a fetch or a push. As
	 * git itself does, do not hash it again on every read (a sixth of
	 * the time a full import spends reading records).
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	/*
	 * Memory: libgit2 maps up to 8 GB of pack windows and caches 256 MB of
	 * objects by default, and both count against a laptop's memory when a
	 * reviewer indexes a national repository. Walking a tree touches each
	 * object once; small limits cost nothing measurable. (With a branch
	 * per author a million records are 3.9 million objects, whose pack
	 * index alone, 108 MB, is mapped whole: reindex-1m measured 274 MB
	 * peak with 32 MB for each of these, over the 256 MB target.)
	 */
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)16 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)8 << 20);
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)8 << 20);
}

int fl_store_init(struct fl_store **out, const char *gitdir)
{
	git_repository_init_options o;
	struct fl_store *s;

	fl_store_global_init();
	/* The _INIT macros trip -Wmissing-field-initializers; the functions do not. */
	git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	*out = NULL;
	o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
		  GIT_REPOSITORY_INIT_NO_REINIT;
	o.initial_head = "main";
	s = xcalloc(1, sizeof(*s));
	if (git_repository_init_ext(&s->repo, gitdir, &o) < 0) {
		free(s);
		return fl_error(FL_ERROR, "cannot create repository '%s': %s", gitdir,
				fl_git_error());
	}
	*out = s;
	return 0;
}

int fl_store_open(struct fl_store **out, const char *gitdir)
{
	struct fl_store *s;
	int e;

	fl_store_global_init();
	*out = NULL;
	s = xcalloc(1, sizeof(*s));
	e = git_repository_open_ext(&s->repo, gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH |
				    GIT_REPOSITORY_OPEN_BARE, NULL);
	if (e < 0) {
		free(s);
		return fl_error(e == GIT_ENOTFOUND ? FL_ENOTFOUND : FL_ERROR,
				"cannot open repository '%s': %s", gitdir, fl_git_error());
	}
	*out = s;
	return 0;
}

/*
 * A batch's objects are kept by an object database backend of our own,
 * which only remembers what is written to it (libgit2 writes an object
 * only when no backend has it yet), and are then written out as one pack.
 * (libgit2's mempack does the same, but its dump spent 6 ms on a dozen
 * objects, a twentieth of a sync.)
 */
struct batch_object {
	git_oid id;
	git_object_t type;
	char *data;
	size_t len;
};

struct batch {
	git_odb_backend parent;
	struct batch_object *v;
	size_t n, alloc;
	size_t *slot;         /* open addressing by id: 1 + index in v, 0 empty */
	size_t nslot;         /* a power of two, over twice n */
	size_t bytes;         /* of object data held */
	git_odb *backing;     /* bulk batches: where the objects not ours are read */
};

/* The slot of id: where it is, or the empty one where it would go. */
static size_t *batch_slot(const struct batch *c, const git_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof(h));   /* an object id is already a hash */
	for (h &= c->nslot - 1; c->slot[h] && !git_oid_equal(&c->v[c->slot[h] - 1].id, id);
	     h = (h + 1) & (c->nslot - 1))
		;
	return &c->slot[h];
}

/*
 * A flush of weeks of offline saves writes thousands of objects, each
 * looked up first: by a search of the list that was quadratic.
 */
static struct batch_object *batch_find(git_odb_backend *b, const git_oid *id)
{
	struct batch *c = (struct batch *)b;
	size_t *at = c->nslot ? batch_slot(c, id) : NULL;
	return at && *at ? &c->v[*at - 1] : NULL;
}

static int batch_write(git_odb_backend *b, const git_oid *id, const void *data, size_t len,
		       git_object_t type)
{
	struct batch *c = (struct batch *)b;
	if (batch_find(b, id))
		return 0;
	if (2 * (c->n + 1) > c->nslot) {
		free(c->slot);
		c->nslot = c->nslot ? 2 * c->nslot : 64;
		c->slot = xcalloc(c->nslot, sizeof(*c->slot));
		for (size_t i = 0; i < c->n; i++)
			*batch_slot(c, &c->v[i].id) = i + 1;
	}
	*batch_slot(c, id) = c->n + 1;
	FL_ALLOC_GROW(c->v, c->n + 1, c->alloc);
	git_oid_cpy(&c->v[c->n].id, id);
	c->v[c->n].type = type;
	c->v[c->n].data = xmalloc(len ? len : 1);
	memcpy(c->v[c->n].data, data, len);
	c->v[c->n].len = len;
	c->n++;
	c->bytes += len;
	return 0;
}

/* What a bulk batch reads from the repository's own objects. */
static int batch_read_backing(void **out, size_t *len, git_object_t *type,
			      git_odb_backend *b, const git_oid *id)
{
	struct batch *c = (struct batch *)b;
	git_odb_object *obj = NULL;
	int e;

	if (!c->backing)
		return GIT_ENOTFOUND;
	if ((e = git_odb_read(&obj, c->backing, id)) < 0)
		return e;
	*len = git_odb_object_size(obj);
	*type = git_odb_object_type(obj);
	if ((*out = git_odb_backend_data_alloc(b, *len ? *len : 1)))
		memcpy(*out, git_odb_object_data(obj), *len);
	git_odb_object_free(obj);
	return *out ? 0 : -1;
}

static int batch_read(void **out, size_t *len, git_object_t *type, git_odb_backend *b,
		      const git_oid *id)
{
	struct batch_object *o = batch_find(b, id);
	if (!o)
		return batch_read_backing(out, len, type, b, id);
	if (!(*out = git_odb_backend_data_alloc(b, o->len ? o->len : 1)))
		return -1;
	memcpy(*out, o->data, o->len);
	*len = o->len;
	*type = o->type;
	return 0;
}

static int batch_read_header(size_t *len, git_object_t *type, git_odb_backend *b,
			     const git_oid *id)
{
	struct batch_object *o = batch_find(b, id);
	struct batch *c = (struct batch *)b;
	if (!o)
		return c->backing ? git_odb_read_header(len, type, c->backing, id) : GIT_ENOTFOUND;
	*len = o->len;
	*type = o->type;
	return 0;
}

static int batch_exists(git_odb_backend *b, const git_oid *id)
{
	struct batch *c = (struct batch *)b;
	return batch_find(b, id) != NULL ||
	       (c->backing && git_odb_exists_ext(c->backing, id, GIT_ODB_LOOKUP_NO_REFRESH));
}

static void batch_free(git_odb_backend *b)
{
	struct batch *c = (struct batch *)b;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].data);
	free(c->v);
	free(c->slot);
	git_odb_free(c->backing);
	free(c);
}

/* The batch's objects as a pack (version 2, whole objects, no deltas). */
static int batch_pack(struct strbuf *out, const struct batch *c)
{
	unsigned char sum[20], hdr[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2 };
	uLong cap = 0;
	Bytef *z = NULL;

	hdr[8] = (unsigned char)(c->n >> 24);
	hdr[9] = (unsigned char)(c->n >> 16);
	hdr[10] = (unsigned char)(c->n >> 8);
	hdr[11] = (unsigned char)c->n;
	strbuf_add(out, hdr, sizeof(hdr));
	for (size_t i = 0; i < c->n; i++) {
		const struct batch_object *o = &c->v[i];
		unsigned char h[16];
		size_t n = 0, size = o->len;
		uLongf zlen;

		h[n] = (unsigned char)(((unsigned)o->type << 4) | (size & 0x0f));
		for (size >>= 4; size; size >>= 7) {
			h[n++] |= 0x80;
			h[n] = (unsigned char)(size & 0x7f);
		}
		strbuf_add(out, h, n + 1);
		zlen = compressBound((uLong)o->len);
		if (zlen > cap) {
			cap = zlen;
			z = xrealloc(z, cap);
		}
		if (compress2(z, &zlen, (const Bytef *)o->data, (uLong)o->len, Z_BEST_SPEED) != Z_OK) {
			free(z);
			return fl_error(FL_ERROR, "cannot compress an object");
		}
		strbuf_add(out, z, zlen);
	}
	free(z);
	fl_sha1(sum, out->buf, out->len);
	strbuf_add(out, sum, sizeof(sum));
	return 0;
}

int fl_store_unmap(struct fl_store *s)
{
	git_odb *odb = NULL, *none = NULL;
	char *dir = xstrfmt("%sobjects", git_repository_path(s->repo));
	int e = 0;

	/*
	 * Packs are shared process-wide while any object database holds them:
	 * the old database must be gone before a new one opens the same packs.
	 */
	if (s->batch || git_odb_new(&none) < 0) {
		e = -1;
	} else {
		git_repository_set_odb(s->repo, none);   /* the old one is freed, unmapped */
		if (git_odb_open(&odb, dir) == 0)
			git_repository_set_odb(s->repo, odb);
	}
	git_odb_free(none);
	git_odb_free(odb);
	free(dir);
	fl_clear_error();
	return e;
}

static int batch_begin(struct fl_store *s, int bulk)
{
	git_odb *odb = NULL, *own = NULL;
	struct batch *c;
	char *dir;
	int e;

	if (s->batch)
		return 0;
	c = xcalloc(1, sizeof(*c));
	git_odb_init_backend(&c->parent, GIT_ODB_BACKEND_VERSION);
	c->parent.read = batch_read;
	c->parent.read_header = batch_read_header;
	c->parent.write = batch_write;
	c->parent.exists = batch_exists;
	c->parent.free = batch_free;
	dir = xstrfmt("%s/objects", git_repository_path(s->repo));
	if (bulk)
		e = git_repository_odb(&own, s->repo) < 0 ||
		    git_repository_odb(&c->backing, s->repo) < 0 || git_odb_new(&odb) < 0 ? -1 : 0;
	else
		e = git_repository_odb(&own, s->repo) < 0 || git_odb_open(&odb, dir) < 0 ? -1 : 0;
	free(dir);
	if (e == 0 && git_odb_add_backend(odb, &c->parent, 1000) < 0)
		e = -1;
	else if (e < 0)
		batch_free(&c->parent);
	if (e < 0) {
		git_odb_free(odb);        /* frees c when it was added */
		git_odb_free(own);
		return fl_error(FL_ERROR, "cannot start writing: %s", fl_git_error());
	}
	/* Writes go to the backend of highest priority that can write: ours. */
	git_repository_set_odb(s->repo, odb);
	git_odb_free(odb);            /* the repository holds it */
	s->saved_odb = own;
	s->batch = c;
	return 0;
}

int fl_store_batch_begin(struct fl_store *s)
{
	return batch_begin(s, 0);
}

int fl_store_batch_begin_bulk(struct fl_store *s)
{
	return batch_begin(s, 1);
}

size_t fl_store_batch_bytes(const struct fl_store *s)
{
	return s->batch ? s->batch->bytes : 0;
}

static int batch_progress(const git_indexer_progress *p, void *payload)
{
	(void)p, (void)payload;
	return 0;
}

int fl_store_batch_end(struct fl_store *s, int keep)
{
	struct batch *c = s->batch;
	struct strbuf pack = STRBUF_INIT;
	git_odb_writepack *wp = NULL;
	git_indexer_progress st;
	int e = 0;

	if (!c)
		return 0;
	if (keep && c->n)
		e = batch_pack(&pack, c);
	/* Back to the repository's own objects, which the pack then joins. */
	git_repository_set_odb(s->repo, s->saved_odb);   /* frees c with the batch's odb */
	if (e == 0 && pack.len) {
		memset(&st, 0, sizeof(st));
		/*
		 * In pieces, as a fetch hands it over: libgit2 1.5's indexer,
		 * given a pack of a few hundred MB in one append, can report
		 * "unexpected data at the end of the pack" for a sound one.
		 */
		size_t at = 0, piece = (size_t)1 << 20;
		if (git_odb_write_pack(&wp, s->saved_odb, batch_progress, NULL) < 0)
			e = -1;
		for (; e == 0 && at < pack.len; at += piece)
			if (wp->append(wp, pack.buf + at, pack.len - at < piece ? pack.len - at : piece,
				       &st) < 0)
				e = -1;
		if (e == 0 && wp->commit(wp, &st) < 0)
			e = -1;
		if (e < 0)
			e = fl_error(FL_ERROR, "cannot write objects: %s", fl_git_error());
		if (wp)
			wp->free(wp);
	}
	strbuf_release(&pack);
	git_odb_free(s->saved_odb);
	s->saved_odb = NULL;
	s->batch = NULL;
	return e;
}

void fl_store_free(struct fl_store *s)
{
	if (!s)
		return;
	if (s->batch)
		fl_store_batch_end(s, 0);
	fl_signer_free(s->signer);
	git_repository_free(s->repo);
	free(s);
}

git_repository *fl_store_repo(struct fl_store *s)
{
	return s->repo;
}

/*
 * SHA-1 (FIPS 180-4) of a short message, written out here because the
 * bucket of every saved record needs git's blob id of the author, and
 * git_odb_hash would start libgit2 in a save that otherwise never needs
 * it (sync/outbox.h). Checked against git_odb_hash in tests/unit.
 */
static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (i = 0; i < 80; i++) {
		uint32_t f, k, t;
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(b, 30), b = a, a = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

void fl_sha1(unsigned char out[20], const void *data, size_t len)
{
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
	const unsigned char *p = data;
	unsigned char last[128];
	size_t rest, n;
	uint64_t bits = (uint64_t)len * 8;
	int i;

	for (; len >= 64; p += 64, len -= 64)
		sha1_block(h, p);
	rest = len;
	memcpy(last, p, rest);
	last[rest++] = 0x80;
	n = rest + 8 <= 64 ? 64 : 128;
	memset(last + rest, 0, n - rest);
	for (i = 0; i < 8; i++)
		last[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha1_block(h, last);
	if (n == 128)
		sha1_block(h, last + 64);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

void fl_author_bucket(char out[3], const char *author)
{
	static const char hex[] = "0123456789abcdef";
	struct strbuf sb = STRBUF_INIT;
	unsigned char id[20];

	/* git hash-object: "blob <size>\0<content>" */
	strbuf_addf(&sb, "blob %zu", strlen(author));
	strbuf_add(&sb, "", 1);
	strbuf_addstr(&sb, author);
	fl_sha1(id, sb.buf, sb.len);
	strbuf_release(&sb);
	out[0] = hex[id[0] >> 4];
	out[1] = hex[id[0] & 15];
	out[2] = '\0';
}

char *fl_record_path(const char *author, const char *kind, const char *id)
{
	char b[3];
	fl_author_bucket(b, author);
	return xstrfmt("%s/%s/%s/%s.json", b, author, kind, id);
}

int fl_record_path_parse(const char *path, char author[65], char kind[16], char id[27])
{
	char b[3];

	if (!fl_record_path_split(path, author, kind, id))
		return 0;
	fl_author_bucket(b, author);
	return path[0] == b[0] && path[1] == b[1];
}

int fl_store_ref(git_oid *out, struct fl_store *s, const char *ref)
{
	int e = git_reference_name_to_id(out, s->repo, ref);
	if (e == GIT_ENOTFOUND)
		return fl_error(FL_ENOTFOUND, "no ref '%s'", ref);
	if (e < 0)
		return fl_error(FL_ERROR, "cannot read ref '%s': %s", ref, fl_git_error());
	return 0;
}

int fl_store_read_blob(struct strbuf *sb, struct fl_store *s, const git_oid *id,
		       size_t limit)
{
	git_odb *odb = NULL;
	size_t len;
	git_object_t type;
	int e;

	/* Look at the header first: a huge blob is refused before it is read. */
	if ((e = git_repository_odb(&odb, s->repo)) < 0 ||
	    (e = git_odb_read_header(&len, &type, odb, id)) < 0) {
		git_odb_free(odb);
		return fl_error(FL_ERROR, "cannot read object: %s", fl_git_error());
	}
	git_odb_free(odb);
	if (type != GIT_OBJECT_BLOB)
		return fl_error(FL_EINVALID, "not a file");
	if (len > limit)
		return fl_error(FL_EINVALID, "file of %zu bytes is over the limit of %zu",
				len, limit);
	git_blob *b = NULL;
	if (git_blob_lookup(&b, s->repo, id) < 0)
		return fl_error(FL_ERROR, "cannot read object: %s", fl_git_error());
	strbuf_add(sb, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return 0;
}

int fl_store_read_path(struct strbuf *sb, struct fl_store *s, const git_oid *commit,
		       const char *path)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *te = NULL;
	int e;

	if (git_commit_lookup(&c, s->repo, commit) < 0 || git_commit_tree(&t, c) < 0) {
		e = fl_error(FL_ERROR, "cannot read commit: %s", fl_git_error());
		goto done;
	}
	if (git_tree_entry_bypath(&te, t, path) < 0) {
		e = fl_error(FL_ENOTFOUND, "no file '%s'", path);
		goto done;
	}
	e = fl_store_read_blob(sb, s, git_tree_entry_id(te), 64u << 20);
done:
	git_tree_entry_free(te);
	git_tree_free(t);
	git_commit_free(c);
	return e;
}

static int cmp_write(const void *a, const void *b)
{
	return strcmp(((const struct fl_write *)a)->path, ((const struct fl_write *)b)->path);
}

/*
 * Builds the tree for directory `prefix` (length plen, "" or ending in
 * '/') from `base` (may be NULL) with writes w[0..n), all of whose paths
 * start with prefix, sorted.
 */
static int build(git_oid *out, git_repository *repo, const git_tree *base,
		 const struct fl_write *w, size_t n, size_t plen)
{
	git_treebuilder *tb = NULL;
	size_t i = 0;
	int e;

	if ((e = git_treebuilder_new(&tb, repo, base)) < 0)
		return e;
	while (i < n) {
		const char *rest = w[i].path + plen;
		const char *slash = strchr(rest, '/');
		if (!slash) {
			if (w[i].data) {
				git_oid blob;
				if ((e = git_blob_create_from_buffer(&blob, repo, w[i].data, w[i].len)) < 0 ||
				    (e = git_treebuilder_insert(NULL, tb, rest, &blob, GIT_FILEMODE_BLOB)) < 0)
					goto done;
			} else if (git_treebuilder_get(tb, rest)) {
				if ((e = git_treebuilder_remove(tb, rest)) < 0)
					goto done;
			}
			i++;
			continue;
		}
		/* A subdirectory: take every write below it at once. */
		size_t dlen = (size_t)(slash - rest) + 1, j = i + 1;
		while (j < n && !strncmp(w[j].path + plen, rest, dlen))
			j++;
		char *name = xstrndup(rest, dlen - 1);
		const git_tree_entry *te = git_treebuilder_get(tb, name);
		git_tree *sub = NULL;
		git_oid sub_id;
		if (te && git_tree_entry_type(te) == GIT_OBJECT_TREE &&
		    (e = git_tree_lookup(&sub, repo, git_tree_entry_id(te))) < 0) {
			free(name);
			goto done;
		}
		e = build(&sub_id, repo, sub, w + i, j - i, plen + dlen);
		git_tree_free(sub);
		if (e >= 0) {
			git_tree *st = NULL;
			if ((e = git_tree_lookup(&st, repo, &sub_id)) >= 0) {
				if (git_tree_entrycount(st) == 0)
					e = git_treebuilder_get(tb, name) ?
						git_treebuilder_remove(tb, name) : 0;
				else
					e = git_treebuilder_insert(NULL, tb, name, &sub_id,
								   GIT_FILEMODE_TREE);
				git_tree_free(st);
			}
		}
		free(name);
		if (e < 0)
			goto done;
		i = j;
	}
	e = git_treebuilder_write(out, tb);
done:
	git_treebuilder_free(tb);
	return e;
}

int fl_store_build_tree(git_oid *out, struct fl_store *s, const git_oid *base_tree,
			const struct fl_write *w, size_t nw)
{
	struct fl_write *sorted = xmalloc((nw ? nw : 1) * sizeof(*sorted));
	git_tree *base = NULL;
	int e = 0;

	memcpy(sorted, w, nw * sizeof(*w));
	qsort(sorted, nw, sizeof(*sorted), cmp_write);
	if (base_tree && (e = git_tree_lookup(&base, s->repo, base_tree)) < 0)
		goto done;
	e = build(out, s->repo, base, sorted, nw, 0);
done:
	git_tree_free(base);
	free(sorted);
	if (e < 0)
		return fl_error(FL_ERROR, "cannot write tree: %s", fl_git_error());
	return 0;
}

int fl_store_commit(git_oid *out, struct fl_store *s, const char *ref,
		    const git_oid *parents, size_t nparents,
		    const struct fl_write *w, size_t nw, const char *message,
		    const struct fl_sig *author)
{
	git_commit *pc[2] = { NULL, NULL };
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_buf text = GIT_BUF_INIT;
	git_oid tree_id, base_tree;
	int e = 0;
	size_t i;

	if (nparents > 2)
		return fl_error(FL_ERROR, "too many parents");
	for (i = 0; i < nparents; i++)
		if (git_commit_lookup(&pc[i], s->repo, &parents[i]) < 0) {
			e = fl_error(FL_ERROR, "cannot read commit: %s", fl_git_error());
			goto done;
		}
	if (nparents)
		git_oid_cpy(&base_tree, git_commit_tree_id(pc[0]));
	if ((e = fl_store_build_tree(&tree_id, s, nparents ? &base_tree : NULL, w, nw)) < 0)
		goto done;
	if (git_tree_lookup(&tree, s->repo, &tree_id) < 0 ||
	    git_signature_new(&sig, author->name, author->email, (git_time_t)author->when,
			      author->offset) < 0 ||
	    git_commit_create_buffer(&text, s->repo, sig, sig, NULL, message, tree, nparents,
				     (const git_commit **)pc) < 0) {
		e = fl_error(FL_ERROR, "cannot write commit: %s", fl_git_error());
		goto done;
	}
	if ((e = fl_commit_write_signed(out, s->repo, text.ptr, s->signer)) < 0)
		goto done;
	if (ref)
		e = fl_store_set_ref(s, ref, out, nparents ? &parents[0] : NULL, message);
done:
	git_buf_dispose(&text);
	git_tree_free(tree);
	git_signature_free(sig);
	git_commit_free(pc[0]);
	git_commit_free(pc[1]);
	return e;
}

int fl_store_set_ref(struct fl_store *s, const char *ref, const git_oid *to,
		     const git_oid *from, const char *message)
{
	git_reference *newref = NULL;
	int e;

	if (from)
		e = git_reference_create_matching(&newref, s->repo, ref, to, 1, from, message);
	else
		e = git_reference_create(&newref, s->repo, ref, to, 0, message);
	git_reference_free(newref);
	if (e == GIT_ELOCKED)
		return fl_error(FL_ELOCKED, "'%s' is locked by another writer", ref);
	if (e == GIT_EMODIFIED || e == GIT_EEXISTS)
		return fl_error(FL_EEXISTS, "'%s' moved while writing", ref);
	if (e < 0)
		return fl_error(FL_ERROR, "cannot update '%s': %s", ref, fl_git_error());
	return 0;
}

/* --- many refs at once ---------------------------------------------------- */

struct pref {
	char *name;
	char *lines;          /* "<hex> <name>\n", then any "^<hex>\n" peel line */
	size_t seq;           /* of one name, the highest is the newest */
};

static int pref_cmp(const void *pa, const void *pb)
{
	const struct pref *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);
	return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

static void pref_add(struct pref **v, size_t *n, size_t *alloc, char *name, char *lines)
{
	FL_ALLOC_GROW(*v, *n + 1, *alloc);
	(*v)[*n].name = name;
	(*v)[*n].lines = lines;
	(*v)[*n].seq = *n;
	(*n)++;
}

/* The entries of an existing packed-refs file (none when there is none). */
static int packed_read(struct pref **v, size_t *n, size_t *alloc, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		return errno == ENOENT ? 0 : fl_error(FL_ERROR, "cannot read '%s': %s", path,
						     strerror(errno));
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n' || line[0] == '#')
			continue;
		if (line[0] == '^' && *n) {
			char *both = xstrfmt("%s%s", (*v)[*n - 1].lines, line);
			free((*v)[*n - 1].lines);
			(*v)[*n - 1].lines = both;
		} else if (len > GIT_OID_HEXSZ + 2 && line[GIT_OID_HEXSZ] == ' ') {
			char *name = xstrdup(line + GIT_OID_HEXSZ + 1);
			name[strlen(name) - 1] = '\0';
			pref_add(v, n, alloc, name, xstrdup(line));
		}
	}
	free(line);
	fclose(f);
	return 0;
}

int fl_store_update_refs(git_repository *repo, const struct fl_ref_update *u, size_t nu)
{
	const char *gitdir = git_repository_path(repo);
	char *path, *lock;
	struct pref *v = NULL;
	size_t n = 0, alloc = 0, i;
	struct strbuf out = STRBUF_INIT;
	int fd = -1, e = 0, valid;

	for (i = 0; i < nu; i++)
		if (git_reference_name_is_valid(&valid, u[i].name) < 0 || !valid ||
		    strncmp(u[i].name, "refs/", 5))
			return fl_error(FL_EINVALID, "not a ref name: '%s'", u[i].name);
	path = xstrfmt("%spacked-refs", gitdir);
	lock = xstrfmt("%s.lock", path);
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno == EEXIST ? fl_error(FL_ELOCKED, "'%s' is locked by another writer", path)
				    : fl_error(FL_ERROR, "cannot create '%s': %s", lock, strerror(errno));
		goto done;
	}
	if ((e = packed_read(&v, &n, &alloc, path)) < 0)
		goto done;
	for (i = 0; i < nu; i++) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &u[i].oid);
		pref_add(&v, &n, &alloc, xstrdup(u[i].name), xstrfmt("%s %s\n", hex, u[i].name));
	}
	qsort(v, n, sizeof(*v), pref_cmp);
	strbuf_addstr(&out, "# pack-refs with: peeled fully-peeled sorted \n");
	for (i = 0; i < n; i++)
		if (i + 1 == n || strcmp(v[i].name, v[i + 1].name))
			strbuf_addstr(&out, v[i].lines);
	for (const char *p = out.buf, *end = out.buf + out.len; p < end;) {
		ssize_t w = write(fd, p, (size_t)(end - p));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			e = fl_error(FL_ERROR, "cannot write '%s': %s", lock, strerror(errno));
			goto done;
		}
		p += w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		e = fl_error(FL_ERROR, "cannot write '%s': %s", lock, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(lock, path) < 0) {
		e = fl_error(FL_ERROR, "cannot rename '%s': %s", lock, strerror(errno));
		goto done;
	}
	/*
	 * A loose file of the same name would hide the packed entry. Were we
	 * to stop before it is gone, the ref reads as its old value, as if
	 * this update had not happened: the next fetch makes it again.
	 */
	for (i = 0; i < nu; i++) {
		char *loose = xstrfmt("%s%s", gitdir, u[i].name);
		if (unlink(loose) < 0 && errno != ENOENT)
			e = fl_error(FL_ERROR, "cannot remove '%s': %s", loose, strerror(errno));
		free(loose);
	}
done:
	if (fd >= 0) {
		close(fd);
		unlink(lock);
	}
	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].lines);
	}
	free(v);
	strbuf_release(&out);
	free(path);
	free(lock);
	return e;
}

/* --- differences ---------------------------------------------------------- */

struct differ {
	git_repository *repo;
	fl_change_fn cb;
	fl_tree_fn on_tree;   /* may be NULL */
	void *payload;
	struct strbuf path;
};

static int read_tree(git_tree **out, git_repository *repo, const git_oid *id)
{
	if (git_tree_lookup(out, repo, id) < 0)
		return fl_error(FL_ERROR, "cannot read tree: %s", fl_git_error());
	return 0;
}

static int new_tree(struct differ *d, const git_oid *id)
{
	return d->on_tree ? d->on_tree(d->payload, id) : 0;
}

static int diff_all(struct differ *d, const git_tree *t, int removed);

/*
 * An entry present on one side only (path already names it): a file is
 * reported, a directory reported file by file.
 */
static int diff_one_side(struct differ *d, const git_tree_entry *te, int removed)
{
	const git_oid *id = git_tree_entry_id(te);
	git_tree *sub = NULL;
	int e;

	if (git_tree_entry_type(te) != GIT_OBJECT_TREE)
		return d->cb(d->payload, d->path.buf, removed ? id : NULL, removed ? NULL : id,
			     (unsigned)git_tree_entry_filemode_raw(te));
	if ((!removed && (e = new_tree(d, id)) != 0) || (e = read_tree(&sub, d->repo, id)) < 0)
		return e;
	strbuf_addch(&d->path, '/');
	e = diff_all(d, sub, removed);
	git_tree_free(sub);
	return e;
}

/* Every file below tree t, reported as added (removed = 0) or removed. */
static int diff_all(struct differ *d, const git_tree *t, int removed)
{
	size_t n = git_tree_entrycount(t), plen = d->path.len;
	int e = 0;
	for (size_t i = 0; i < n && !e; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(t, i);
		strbuf_setlen(&d->path, plen);
		strbuf_addstr(&d->path, git_tree_entry_name(te));
		e = diff_one_side(d, te, removed);
	}
	strbuf_setlen(&d->path, plen);
	return e;
}

/* Differences between trees a and b, descending only into subtrees that differ. */
static int diff_trees(struct differ *d, const git_tree *a, const git_tree *b)
{
	size_t i = 0, j = 0, na = git_tree_entrycount(a), nb = git_tree_entrycount(b);
	size_t plen = d->path.len;
	int e = 0;

	while (!e && (i < na || j < nb)) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int c = !ea ? 1 : !eb ? -1 : git_tree_entry_cmp(ea, eb);
		const git_tree_entry *one = c < 0 ? ea : eb;
		strbuf_setlen(&d->path, plen);
		strbuf_addstr(&d->path, git_tree_entry_name(one));
		if (c == 0 && git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) &&
		    git_tree_entry_filemode_raw(ea) == git_tree_entry_filemode_raw(eb)) {
			i++, j++;
			continue;
		}
		if (c == 0 && git_tree_entry_type(ea) == GIT_OBJECT_TREE &&
		    git_tree_entry_type(eb) == GIT_OBJECT_TREE) {
			git_tree *ta = NULL, *tb = NULL;
			if ((e = new_tree(d, git_tree_entry_id(eb))) == 0 &&
			    (e = read_tree(&ta, d->repo, git_tree_entry_id(ea))) == 0 &&
			    (e = read_tree(&tb, d->repo, git_tree_entry_id(eb))) == 0) {
				strbuf_addch(&d->path, '/');
				e = diff_trees(d, ta, tb);
			}
			git_tree_free(ta);
			git_tree_free(tb);
			i++, j++;
			continue;
		}
		if (c == 0 && git_tree_entry_type(ea) != GIT_OBJECT_TREE &&
		    git_tree_entry_type(eb) != GIT_OBJECT_TREE) {
			e = d->cb(d->payload, d->path.buf, git_tree_entry_id(ea),
				  git_tree_entry_id(eb), (unsigned)git_tree_entry_filemode_raw(eb));
			i++, j++;
			continue;
		}
		/* Only on one side (or a file became a directory: both reported). */
		int removed = c <= 0;
		const git_tree_entry *te = removed ? ea : eb;
		strbuf_setlen(&d->path, plen);
		strbuf_addstr(&d->path, git_tree_entry_name(te));
		e = diff_one_side(d, te, removed);
		if (removed)
			i++;
		else
			j++;
	}
	strbuf_setlen(&d->path, plen);
	return e;
}

/*
 * Not git_diff_tree_to_tree: libgit2 1.5 expands every subtree of both
 * sides, i.e. reads every tree of the repository. Equal subtrees (same
 * id) are skipped here without being read.
 */
int fl_tree_diff(git_repository *repo, const git_oid *from, const git_oid *to,
		 fl_change_fn cb, fl_tree_fn on_tree, void *payload)
{
	struct differ d = { repo, cb, on_tree, payload, STRBUF_INIT };
	git_tree *a = NULL, *b = NULL;
	int e;

	if (from && to && git_oid_equal(from, to))
		return 0;
	if ((from && (e = read_tree(&a, repo, from)) < 0) || (e = read_tree(&b, repo, to)) < 0 ||
	    (e = new_tree(&d, to)) != 0)
		goto done;
	e = a ? diff_trees(&d, a, b) : diff_all(&d, b, 0);
done:
	strbuf_release(&d.path);
	git_tree_free(a);
	git_tree_free(b);
	return e;
}

static int tree_of(git_oid *out, git_repository *repo, const git_oid *commit)
{
	git_commit *c = NULL;
	if (git_commit_lookup(&c, repo, commit) < 0)
		return fl_error(FL_ERROR, "cannot read commit: %s", fl_git_error());
	git_oid_cpy(out, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

int fl_store_diff(struct fl_store *s, const git_oid *from, const git_oid *to,
		  fl_change_fn cb, void *payload)
{
	git_oid a, b;
	int e;

	if ((from && (e = tree_of(&a, s->repo, from)) < 0) || (e = tree_of(&b, s->repo, to)) < 0)
		return e;
	return fl_tree_diff(s->repo, from ? &a : NULL, &b, cb, NULL, payload);
}

/* --- collected diffs --------------------------------------------------------- */

int fl_tree_changes_collect(void *payload, const char *path, const git_oid *old_blob,
			    const git_oid *new_blob, unsigned mode)
{
	struct fl_tree_changes *c = payload;
	struct fl_tree_change *ch;

	FL_ALLOC_GROW(c->v, c->n + 1, c->alloc);
	ch = &c->v[c->n++];
	memset(ch, 0, sizeof(*ch));
	ch->path = xstrdup(path);
	if ((ch->has_old = old_blob != NULL))
		git_oid_cpy(&ch->old_id, old_blob);
	if ((ch->has_new = new_blob != NULL))
		git_oid_cpy(&ch->new_id, new_blob);
	ch->mode = mode;
	ch->parent = c->parent;
	return 0;
}

static int cmp_tree_change(const void *a, const void *b)
{
	const struct fl_tree_change *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->parent < y->parent ? -1 : x->parent > y->parent;
}

void fl_tree_changes_sort(struct fl_tree_changes *c)
{
	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), cmp_tree_change);
}

struct fl_tree_change *fl_tree_changes_find(const struct fl_tree_changes *c, const char *path)
{
	struct fl_tree_change key;

	memset(&key, 0, sizeof(key));
	key.path = (char *)path;
	key.parent = c->n ? c->v[0].parent : 0;
	return c->n ? bsearch(&key, c->v, c->n, sizeof(*c->v), cmp_tree_change) : NULL;
}

void fl_tree_changes_release(struct fl_tree_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	memset(c, 0, sizeof(*c));
}
