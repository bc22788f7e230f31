/*
 * negotiate.h: the "have" lines of a fetch, chosen by us rather than by
 * libgit2 1.5. For remote.c only.
 *
 * libgit2 1.5 walks every local ref by commit date, sends the newest
 * commits in batches of 20 and stops after the first batch the server
 * acknowledges any of. A reviewer holds a ref per author (3,332 at
 * national scale): those 20 are the newest commits of a few authors, and
 * for every other branch the fetch asks for, the server, told nothing of
 * it, sends its whole history (pilot: 980 KB for 50 new records, where
 * stock git fetch moves a fraction of it). The fix is told here: the
 * first batch carries, instead, the commit our copy of each wanted branch
 * points at, so the server leaves out everything those already hold.
 */
#ifndef FL_NEGOTIATE_H
#define FL_NEGOTIATE_H

#include <stddef.h>
#include <git2.h>
#include <git2/sys/transport.h>

#include "schema/base.h"

/* Commits the fetch tells the server we have. */
struct fl_haves {
	git_oid *v;
	size_t n, alloc;
};

void fl_haves_add(struct fl_haves *h, const git_oid *id);
void fl_haves_release(struct fl_haves *h);

/* Fills h, once the server's refs are known. */
typedef void (*fl_haves_fill)(struct fl_haves *h, void *payload);

/*
 * A git_transport_cb for git://, ssh and http(s) URLs: libgit2's own
 * smart transport, whose first batch of "have" lines is replaced by
 * h's (when h has any; h must outlive the transport). fill (may be
 * NULL) fills h just before: the fetch runs as one git_remote_download,
 * which lists the server's refs itself. Returns GIT_ENOTFOUND for a URL
 * of another kind (a path, file://), which the caller leaves to libgit2.
 */
int fl_negotiate_transport(git_transport **out, git_remote *owner, const char *url,
			   struct fl_haves *h, fl_haves_fill fill, void *payload);

/* Whether fl_negotiate_transport takes url. */
int fl_negotiate_supported(const char *url);

/*
 * The pure part, for tests: the request buf[0..len) with its "have"
 * lines replaced by h's, into *out; 0 when the request has none (then
 * *out is left empty and buf goes unchanged), 1 when rewritten, -1 when
 * buf is no sequence of pkt-lines.
 */
int fl_negotiate_rewrite(struct strbuf *out, const char *buf, size_t len,
			 const struct fl_haves *h);

#endif
