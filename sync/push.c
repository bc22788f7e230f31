/*
 * push.c: receive-pack spoken over libgit2's subtransports. See push.h.
 *
 * The protocol (git's Documentation/technical/pack-protocol.txt): the
 * server advertises its refs (libgit2's smart transport reads them for us
 * in connect()); we send one pkt-line "<old> <new> refs/heads/main\0<caps>",
 * a flush, and a pack; the server answers "unpack ok" and "ok <ref>" or
 * "ng <ref> <reason>", inside side-band channel 1, while channel 2 carries
 * what its hooks print.
 *
 * How we reach the subtransport: git_transport_smart() creates it through
 * the definition's callback, and ours keeps a pointer. On stateful
 * transports (git://, ssh) the RECEIVEPACK action hands back the very
 * connection the refs came over, so the smart transport still owns that
 * stream; on http it is a new POST request that we own and free.
 */
#define _POSIX_C_SOURCE 200809L
#include "push.h"

#include <git2/sys/transport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "sync/store.h"
#include "sync/wire.h"


/* --- choosing the subtransport ---------------------------------------------- */

struct capture {
	git_smart_subtransport_cb make;
	git_smart_subtransport *sub;
};

static int capture_sub(git_smart_subtransport **out, git_transport *owner, void *param)
{
	struct capture *c = param;
	int e = c->make(out, owner, NULL);
	if (e == 0)
		c->sub = *out;
	return e;
}

static int has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* The subtransport for url, or NULL (local paths, file://, unknown). */
static git_smart_subtransport_cb pick(const char *url, unsigned *rpc)
{
	const char *colon, *slash;

	*rpc = 0;
	if (has_prefix(url, "http://") || has_prefix(url, "https://")) {
		*rpc = 1;
		return git_smart_subtransport_http;
	}
	if (has_prefix(url, "git://"))
		return git_smart_subtransport_git;
	if (has_prefix(url, "ssh://") || has_prefix(url, "ssh+git://") ||
	    has_prefix(url, "git+ssh://"))
		return git_smart_subtransport_ssh;
	/* scp-like user@host:path, as libgit2 reads it */
	colon = strchr(url, ':');
	slash = strchr(url, '/');
	if (colon && !strstr(url, "://") && (!slash || colon < slash) && colon > url)
		return git_smart_subtransport_ssh;
	return NULL;
}

int fl_push_supported(const char *url)
{
	unsigned rpc;
	return pick(url, &rpc) != NULL;
}

git_smart_subtransport_cb fl_push_subtransport(const char *url, unsigned *rpc)
{
	return pick(url, rpc);
}

/* --- what to send ------------------------------------------------------------- */

static int send_tree(void *pb, const git_oid *tree)
{
	return git_packbuilder_insert(pb, tree, NULL);
}

static int send_blob(void *pb, const char *path, const git_oid *old_blob,
		     const git_oid *new_blob, unsigned mode)
{
	(void)old_blob;
	/* a submodule entry points outside the repository: nothing to send */
	if (!new_blob || mode == GIT_FILEMODE_COMMIT)
		return 0;
	return git_packbuilder_insert(pb, new_blob, path);
}

static int cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/*
 * The commits reachable from local and not from remote (NULL: the server
 * has nothing), each with the part of its tree that its parent lacks: the
 * tree diff reads only subtrees that differ, so the cost follows the
 * change, not the repository. A parent outside the new set is one the
 * server has, whole; when there is none, the first parent is new and sent
 * itself.
 */
static int build_pack(git_packbuilder *pb, git_repository *repo, const git_oid *local,
		      const git_oid *remote)
{
	git_revwalk *w = NULL;
	git_oid id, *v = NULL, *sorted = NULL;
	size_t n = 0, alloc = 0, i;
	int e;

	if ((e = git_revwalk_new(&w, repo)) < 0 || (e = git_revwalk_push(w, local)) < 0 ||
	    (remote && (e = git_revwalk_hide(w, remote)) < 0))
		goto done;
	while ((e = git_revwalk_next(&id, w)) == 0) {
		FL_ALLOC_GROW(v, n + 1, alloc);
		git_oid_cpy(&v[n++], &id);
	}
	if (e != GIT_ITEROVER)
		goto done;
	e = 0;
	sorted = xmalloc((n ? n : 1) * sizeof(*sorted));
	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_oid);
	for (i = 0; i < n && e == 0; i++) {
		git_commit *c = NULL;
		const git_oid *base = NULL;
		unsigned p, np;

		if ((e = git_commit_lookup(&c, repo, &v[i])) < 0)
			break;
		np = git_commit_parentcount(c);
		for (p = 0; p < np && !base; p++)
			if (!bsearch(git_commit_parent_id(c, p), sorted, n, sizeof(*sorted), cmp_oid))
				base = git_commit_parent_id(c, p);
		if (!base && np)
			base = git_commit_parent_id(c, 0);
		if ((e = git_packbuilder_insert(pb, &v[i], NULL)) == 0) {
			git_commit *bc = NULL;
			if (!base || (e = git_commit_lookup(&bc, repo, base)) == 0)
				e = fl_tree_diff(repo, bc ? git_commit_tree_id(bc) : NULL,
						 git_commit_tree_id(c), send_blob, send_tree, pb);
			git_commit_free(bc);
		}
		git_commit_free(c);
	}
done:
	free(sorted);
	free(v);
	git_revwalk_free(w);
	return e;
}

/* --- the wire ----------------------------------------------------------------- */

struct push_wire {
	struct fl_wire *w;
	const git_remote_callbacks *cb;
	unsigned objects;
	const char *ref;
};

static int pack_chunk(void *buf, size_t size, void *payload)
{
	struct push_wire *pw = payload;
	int e = fl_wire_write(pw->w, buf, size);
	if (e == 0 && pw->cb->push_transfer_progress)
		e = pw->cb->push_transfer_progress(pw->objects, pw->objects,
						    pw->w->sent + pw->w->out.len, pw->cb->payload);
	return e;
}

/* Reads the report-status lines in r; calls push_update_reference. */
static int parse_report(const struct strbuf *r, const char *ref, const git_remote_callbacks *cb)
{
	const char *p = r->buf, *end = r->buf + r->len;
	int unpack_ok = 0, reported = 0, e = 0;

	while (p + 4 <= end) {
		unsigned n;
		char line[1024];
		size_t len;

		if (sscanf(p, "%4x", &n) != 1 || (n && n < 4) || p + (n ? n : 4) > end)
			break;
		if (n == 0)
			break;
		len = n - 4 < sizeof(line) - 1 ? n - 4 : sizeof(line) - 1;
		memcpy(line, p + 4, len);
		line[len] = '\0';
		p += n;
		while (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!strncmp(line, "unpack ", 7)) {
			unpack_ok = !strcmp(line + 7, "ok");
			if (!unpack_ok && cb->push_update_reference) {
				char *why = xstrfmt("unpack failed: %s", line + 7);
				e = cb->push_update_reference(ref, why, cb->payload);
				free(why);
				reported = 1;
			}
		} else if (!strncmp(line, "ok ", 3) && !reported) {
			if (cb->push_update_reference)
				e = cb->push_update_reference(line + 3, NULL, cb->payload);
			reported = 1;
		} else if (!strncmp(line, "ng ", 3) && !reported) {
			char *sp = strchr(line + 3, ' ');
			if (sp)
				*sp++ = '\0';
			if (cb->push_update_reference)
				e = cb->push_update_reference(line + 3, sp ? sp : "rejected",
							      cb->payload);
			reported = 1;
		}
	}
	if (!reported) {
		git_error_set_str(GIT_ERROR_NET, "the server sent no report for the push");
		return -1;
	}
	return e;
}

/* Reads the server's answer to the end (demultiplexing the side-band). */
static int read_answer(struct push_wire *pw)
{
	struct strbuf report = STRBUF_INIT;
	const char *data;
	size_t len;
	int e, banded = -1;

	for (;;) {
		if ((e = fl_wire_read_pkt(pw->w, &data, &len)) < 0)
			goto done;
		if (e == 0) {
			if (banded != 1)
				strbuf_addstr(&report, "0000");
			break;
		}
		if (banded < 0)
			banded = len && (data[0] == 1 || data[0] == 2 || data[0] == 3);
		if (!banded) {
			strbuf_addf(&report, "%04x", (unsigned)len + 4);
			strbuf_add(&report, data, len);
		} else if (len && data[0] == 1) {
			strbuf_add(&report, data + 1, len - 1);
		} else if (len && data[0] == 2) {
			if (pw->cb->sideband_progress &&
			    (e = pw->cb->sideband_progress(data + 1, (int)len - 1, pw->cb->payload)) < 0)
				goto done;
		} else if (len && data[0] == 3) {
			struct strbuf m = STRBUF_INIT;
			strbuf_addstr(&m, "the server reported an error: ");
			strbuf_add(&m, data + 1, len - 1);
			git_error_set_str(GIT_ERROR_NET, m.buf);
			strbuf_release(&m);
			e = -1;
			goto done;
		}
	}
	e = parse_report(&report, pw->ref, pw->cb);
done:
	strbuf_release(&report);
	return e;
}

/* --- the push ------------------------------------------------------------------ */

/*
 * Connects and reads the server's refs. A function of its own, never
 * inlined, so that tests/lsan.supp can name it: libgit2 1.5's SSH transport
 * leaks the known_hosts list it reads while connecting (libgit2 #6598).
 */
static __attribute__((noinline)) int push_connect(git_transport *t, const char *url,
						  const git_remote_connect_options *opts,
						  const git_remote_head ***heads, size_t *nheads)
{
	int e = t->connect(t, url, GIT_DIRECTION_PUSH, opts);
	return e < 0 ? e : t->ls(heads, nheads, t);
}

/*
 * Hands each advertised ref to `advertised` and finds ref's tip among
 * them: *have is 0 when the server has no such branch (or an empty one).
 */
static int remote_tip_of(git_oid *tip, int *have, const git_remote_head **heads, size_t nheads,
			 const char *ref, fl_push_advertised_cb advertised, void *payload)
{
	*have = 0;
	for (size_t i = 0; i < nheads; i++) {
		int e;
		if (advertised && (e = advertised(heads[i]->name, &heads[i]->oid, payload)) < 0)
			return e;
		if (!strcmp(heads[i]->name, ref) && !git_oid_is_zero(&heads[i]->oid)) {
			git_oid_cpy(tip, &heads[i]->oid);
			*have = 1;
		}
	}
	return 0;
}

/* GIT_ENONFASTFORWARD unless local descends from the server's tip (which we must hold). */
static int fast_forward_only(git_repository *repo, const git_oid *local, const git_oid *tip)
{
	git_odb *odb = NULL;
	int known = git_repository_odb(&odb, repo) == 0 && git_odb_exists(odb, tip);

	git_odb_free(odb);
	if (!known || git_graph_descendant_of(repo, local, tip) != 1) {
		git_error_set_str(GIT_ERROR_REFERENCE, "cannot push non-fastforwardable reference");
		return GIT_ENONFASTFORWARD;
	}
	return 0;
}

/* The receive-pack command for ref, from old (NULL: creation) to new, and the flush. */
static void update_command(struct strbuf *cmd, const char *ref, const git_oid *old,
			   const git_oid *new)
{
	char old_hex[GIT_OID_HEXSZ + 1], new_hex[GIT_OID_HEXSZ + 1], line[256];
	int n;

	memset(old_hex, '0', GIT_OID_HEXSZ);
	old_hex[GIT_OID_HEXSZ] = '\0';
	if (old)
		git_oid_tostr(old_hex, sizeof(old_hex), old);
	git_oid_tostr(new_hex, sizeof(new_hex), new);
	n = snprintf(line, sizeof(line), "%s %s %s%c%s\n", old_hex, new_hex, ref, '\0',
		     "report-status side-band-64k agent=fieldlog");
	strbuf_addf(cmd, "%04x", n + 4);
	strbuf_add(cmd, line, (size_t)n);
	strbuf_addstr(cmd, "0000");
}

/*
 * Sends the command and pb's pack over the receive-pack stream st, and
 * reads the server's report (progress counts pb's objects).
 */
static int send_update(git_smart_subtransport_stream *st, const git_remote_callbacks *cb,
		       const char *ref, const git_oid *old, const git_oid *new, git_packbuilder *pb)
{
	struct strbuf cmd = STRBUF_INIT;
	struct push_wire pw = { fl_wire_new(st), cb, 0, ref };
	int e;

	pw.objects = (unsigned)git_packbuilder_object_count(pb);
	update_command(&cmd, ref, old, new);
	if ((e = fl_wire_write(pw.w, cmd.buf, cmd.len)) < 0 ||
	    (e = git_packbuilder_foreach(pb, pack_chunk, &pw)) < 0 ||
	    (e = fl_wire_flush(pw.w)) < 0)
		goto done;
	fl_trace("push: sent %zu bytes", pw.w->sent);
	e = read_answer(&pw);
	fl_trace("push: answered");
done:
	fl_wire_free(pw.w);
	strbuf_release(&cmd);
	return e;
}

int fl_push(git_remote *remote, const char *ref, const git_oid *local,
	    const git_remote_callbacks *cb, const struct fl_push_hooks *hooks,
	    const git_strarray *headers)
{
	git_repository *repo = git_remote_owner(remote);
	const char *url = git_remote_url(remote);
	struct capture cap = { NULL, NULL };
	git_smart_subtransport_definition def;
	git_remote_connect_options opts;
	git_transport *t = NULL;
	git_packbuilder *pb = NULL;
	git_smart_subtransport_stream *st = NULL;
	const git_remote_head **heads;
	git_oid remote_tip;
	int have_remote = 0, e;
	size_t nheads;
	unsigned rpc;
	char *why = NULL;

	if (!(cap.make = pick(url, &rpc))) {
		git_error_set_str(GIT_ERROR_INVALID, "not a network URL");
		return -1;
	}
	def.callback = capture_sub;
	def.rpc = rpc;
	def.param = &cap;
	git_remote_connect_options_init(&opts, GIT_REMOTE_CONNECT_OPTIONS_VERSION);
	opts.callbacks = *cb;
	if (headers)
		opts.custom_headers = *headers;
	if ((e = git_transport_smart(&t, remote, &def)) < 0)
		goto done;
	fl_trace("push: connect");
	if ((e = push_connect(t, url, &opts, &heads, &nheads)) < 0 ||
	    (e = remote_tip_of(&remote_tip, &have_remote, heads, nheads, ref,
			       hooks ? hooks->advertised : NULL, hooks ? hooks->payload : NULL)) < 0)
		goto done;
	if (have_remote && git_oid_equal(&remote_tip, local)) {
		/* already there (an earlier, interrupted sync got through) */
		e = cb->push_update_reference ?
		    cb->push_update_reference(ref, NULL, cb->payload) : 0;
		goto then;
	}
	if (have_remote && (e = fast_forward_only(repo, local, &remote_tip)) < 0)
		goto done;
	fl_trace("push: pack");
	if ((e = git_packbuilder_new(&pb, repo)) < 0 ||
	    (e = build_pack(pb, repo, local, have_remote ? &remote_tip : NULL)) < 0)
		goto done;
	fl_trace("push: %zu objects", git_packbuilder_object_count(pb));
	if (!cap.sub) {
		git_error_set_str(GIT_ERROR_NET, "no connection to push over");
		e = -1;
		goto done;
	}
	if ((e = cap.sub->action(&st, cap.sub, url, GIT_SERVICE_RECEIVEPACK)) < 0)
		goto done;
	e = send_update(st, cb, ref, have_remote ? &remote_tip : NULL, local, pb);
then:
	/* The server answered; its http connection is still open for one more request. */
	if (e == 0 && rpc && cap.sub && hooks && hooks->then)
		hooks->then(cap.sub, url, hooks->payload);
done:
	if (e < 0) {
		/* closing may overwrite the error that matters */
		const git_error *ge = git_error_last();
		why = xstrdup(ge && ge->message ? ge->message : "push failed");
	}
	if (st && rpc)
		st->free(st);   /* ours; a stateful stream belongs to t */
	git_packbuilder_free(pb);
	if (t) {
		t->close(t);
		t->free(t);
	}
	if (why) {
		git_error_set_str(GIT_ERROR_NET, why);
		free(why);
	}
	return e;
}
