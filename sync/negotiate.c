/*
 * negotiate.c: a smart subtransport around libgit2's own (git://, ssh,
 * http) that rewrites the first batch of "have" lines of an upload-pack
 * request. See negotiate.h for why.
 *
 * What goes over the wire (git's pack-protocol.txt, protocol v0): the
 * request is pkt-lines, "want" lines, a flush, "have" lines, then a flush
 * (another round follows) or "done". libgit2 1.5 writes each round in one
 * write() of the stream, so the first write that holds "have" lines is
 * the first round: its haves are dropped and ours put in their place. The
 * server acknowledges those it has ("ACK <id> common"); libgit2 takes any
 * acknowledgement as enough, ends the negotiation with "done" (over http
 * repeating the acknowledged ids, as it does for its own) and the server
 * builds the pack from the wants minus everything the acknowledged ids
 * reach. Later writes pass unchanged. A request without haves (an empty
 * repository) is left alone: there is nothing to tell.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync/negotiate.h"

#include <stdlib.h>
#include <string.h>

#include "sync/push.h"

void fl_haves_add(struct fl_haves *h, const git_oid *id)
{
	FL_ALLOC_GROW(h->v, h->n + 1, h->alloc);
	git_oid_cpy(&h->v[h->n++], id);
}

void fl_haves_release(struct fl_haves *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* --- the request --------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The length of the pkt-line at p (4 for a flush), or -1. */
static long pkt_len(const char *p, size_t avail)
{
	long n = 0;
	if (avail < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int v = hexval(p[i]);
		if (v < 0)
			return -1;
		n = n * 16 + v;
	}
	if (n == 0)
		return 4;
	return n < 4 || (size_t)n > avail ? -1 : n;
}

int fl_negotiate_rewrite(struct strbuf *out, const char *buf, size_t len,
			 const struct fl_haves *h)
{
	size_t at = 0;
	int seen = 0;

	strbuf_reset(out);
	while (at < len) {
		long n = pkt_len(buf + at, len - at);
		if (n < 0) {
			strbuf_reset(out);
			return -1;
		}
		if (n > 9 && !memcmp(buf + at + 4, "have ", 5)) {
			for (size_t i = 0; !seen && i < h->n; i++) {
				char hex[GIT_OID_HEXSZ + 1];
				git_oid_tostr(hex, sizeof(hex), &h->v[i]);
				strbuf_addf(out, "0032have %s\n", hex);
			}
			seen = 1;
		} else {
			strbuf_add(out, buf + at, (size_t)n);
		}
		at += (size_t)n;
	}
	if (!seen)
		strbuf_reset(out);
	return seen;
}

/* --- the subtransport ------------------------------------------------------------ */

struct neg_sub;

struct neg_stream {
	git_smart_subtransport_stream parent;
	git_smart_subtransport_stream *inner;
	struct neg_sub *sub;
	int rewrite;                /* an upload-pack request */
};

struct neg_sub {
	git_smart_subtransport parent;
	git_smart_subtransport *inner;
	struct fl_haves *haves;
	fl_haves_fill fill;
	void *payload;
	int done;                   /* our haves went out */
	/* A stateful transport hands back the same stream for every action. */
	git_smart_subtransport_stream *last_inner;
	struct neg_stream *last;
};

static int s_read(git_smart_subtransport_stream *stream, char *buffer, size_t size,
		  size_t *nread)
{
	struct neg_stream *s = (struct neg_stream *)stream;
	return s->inner->read(s->inner, buffer, size, nread);
}

static int s_write(git_smart_subtransport_stream *stream, const char *buffer, size_t len)
{
	struct neg_stream *s = (struct neg_stream *)stream;
	struct strbuf out = STRBUF_INIT;
	int e;

	if (s->rewrite && !s->sub->done && s->sub->fill) {
		s->sub->fill(s->sub->haves, s->sub->payload);
		s->sub->fill = NULL;
	}
	if (!s->rewrite || s->sub->done || !s->sub->haves->n ||
	    fl_negotiate_rewrite(&out, buffer, len, s->sub->haves) <= 0) {
		/* No "have" line in this request (or a malformed one): as it is. */
		e = s->inner->write(s->inner, buffer, len);
	} else {
		s->sub->done = 1;
		fl_trace("fetch: told the server of %zu commits we have", s->sub->haves->n);
		e = s->inner->write(s->inner, out.buf, out.len);
	}
	strbuf_release(&out);
	return e;
}

static void s_free(git_smart_subtransport_stream *stream)
{
	struct neg_stream *s = (struct neg_stream *)stream;
	if (s->sub->last == s) {
		s->sub->last = NULL;
		s->sub->last_inner = NULL;
	}
	s->inner->free(s->inner);
	free(s);
}

static int t_action(git_smart_subtransport_stream **out, git_smart_subtransport *transport,
		    const char *url, git_smart_service_t action)
{
	struct neg_sub *t = (struct neg_sub *)transport;
	git_smart_subtransport_stream *inner = NULL;
	struct neg_stream *s;
	int e;

	if ((e = t->inner->action(&inner, t->inner, url, action)) < 0)
		return e;
	if (inner == t->last_inner && t->last) {
		t->last->rewrite = action == GIT_SERVICE_UPLOADPACK;
		*out = &t->last->parent;
		return 0;
	}
	s = xcalloc(1, sizeof(*s));
	s->parent.subtransport = transport;
	s->parent.read = s_read;
	s->parent.write = s_write;
	s->parent.free = s_free;
	s->inner = inner;
	s->sub = t;
	s->rewrite = action == GIT_SERVICE_UPLOADPACK;
	t->last_inner = inner;
	t->last = s;
	*out = &s->parent;
	return 0;
}

static int t_close(git_smart_subtransport *transport)
{
	struct neg_sub *t = (struct neg_sub *)transport;
	return t->inner->close(t->inner);
}

static void t_free(git_smart_subtransport *transport)
{
	struct neg_sub *t = (struct neg_sub *)transport;
	t->inner->free(t->inner);
	free(t);
}

struct neg_def {
	git_smart_subtransport_cb make;
	struct fl_haves *haves;
	fl_haves_fill fill;
	void *payload;
};

static int make_sub(git_smart_subtransport **out, git_transport *owner, void *param)
{
	struct neg_def *d = param;
	struct neg_sub *t = xcalloc(1, sizeof(*t));
	int e;

	if ((e = d->make(&t->inner, owner, NULL)) < 0) {
		free(t);
		return e;
	}
	t->parent.action = t_action;
	t->parent.close = t_close;
	t->parent.free = t_free;
	t->haves = d->haves;
	t->fill = d->fill;
	t->payload = d->payload;
	*out = &t->parent;
	return 0;
}

int fl_negotiate_supported(const char *url)
{
	unsigned rpc;
	return fl_push_subtransport(url, &rpc) != NULL;
}

int fl_negotiate_transport(git_transport **out, git_remote *owner, const char *url,
			   struct fl_haves *h, fl_haves_fill fill, void *payload)
{
	struct neg_def d;
	git_smart_subtransport_definition def;

	d.make = fl_push_subtransport(url, &def.rpc);
	if (!d.make)
		return GIT_ENOTFOUND;
	d.haves = h;
	d.fill = fill;
	d.payload = payload;
	def.callback = make_sub;
	def.param = &d;   /* read only while git_transport_smart creates the subtransport */
	return git_transport_smart(out, owner, &def);
}
