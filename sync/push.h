/*
 * push.h: sending one branch to the central repository in time proportional to
 * what is new, not to the size of the repository.
 *
 * Why not git_remote_push: libgit2 1.5 builds the pack by first marking
 * every tree and blob of the remote's tip as "already there", one object
 * at a time (mark_edges_uninteresting in pack-objects.c), so each push
 * walks the whole repository: half a second at 100,000 records, seconds
 * at a million, for a push of two records. We know exactly what is new:
 * the commits since the server's tip and, in each, the subtrees and blobs
 * that differ from a parent the server already has.
 *
 * The transport is still libgit2's own (git://, ssh, http(s), with the
 * same callbacks for credentials and host keys): we let its smart
 * transport connect and read the server's refs, then speak receive-pack
 * on the same subtransport ourselves: one command line, the pack, and
 * the server's report (report-status over side-band-64k).
 */
#ifndef FL_PUSH_H
#define FL_PUSH_H

#include <git2.h>
#include <git2/sys/transport.h>

/* Whether fl_push can handle url (a network URL); else use git_remote_push. */
int fl_push_supported(const char *url);

/* libgit2's subtransport for url and whether it is stateless (*rpc), or
 * NULL for a local path or file:// (also used by negotiate.c). */
git_smart_subtransport_cb fl_push_subtransport(const char *url, unsigned *rpc);

/*
 * Makes `ref` of the repository `remote` (a network URL) point at the
 * commit `local`, which must descend from it. Honours the callbacks as
 * git_remote_push does: credentials, certificate_check,
 * push_transfer_progress, sideband_progress (the hook's messages) and
 * push_update_reference (with the server's reason when it refused the
 * update). Returns 0, GIT_ENONFASTFORWARD when the server's ref is not an
 * ancestor of local (fetch and merge first), or a negative libgit2 error
 * with git_error_last() set. `advertised` (may be NULL) is called with
 * every ref the server announced, before anything is sent; a negative
 * return ends the push with that value. `then` (may be NULL) runs once
 * the server has accepted the update (or already had it), over http(s)
 * only, with the subtransport whose connection the push used, still
 * open: one more request on it costs no new connection. `headers` (may
 * be NULL): extra http headers for every request.
 */
typedef int (*fl_push_advertised_cb)(const char *refname, const git_oid *oid, void *payload);

struct fl_push_hooks {
	fl_push_advertised_cb advertised;
	void (*then)(git_smart_subtransport *sub, const char *url, void *payload);
	void *payload;   /* of both */
};

int fl_push(git_remote *remote, const char *ref, const git_oid *local,
	    const git_remote_callbacks *cb, const struct fl_push_hooks *hooks,
	    const git_strarray *headers);

#endif
