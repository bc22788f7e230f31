/*
 * postfetch.h: a fetch in one upload-pack request, on the http connection
 * a push has just used.
 *
 * An officer's sync over a weak link pushes first; the server's answer
 * lists the refs, so it is known there and then whether a reviewer
 * answered or the roster moved, and which commits each of those refs
 * points at. libgit2's fetch would open a new connection, ask for the
 * refs again and negotiate in two requests: four round trips, 1.2 s at
 * 300 ms each. Here the wants (those refs), the haves (our copies of
 * them) and "done" go in one POST on the push's open connection, as
 * git's own fetch-pack sends its last request over stateless http
 * (Documentation/technical/pack-protocol.txt, "Packfile Negotiation").
 */
#ifndef FL_POSTFETCH_H
#define FL_POSTFETCH_H

#include <stddef.h>
#include <git2.h>
#include <git2/sys/transport.h>

/*
 * Asks the upload-pack service of url, through sub (an http(s)
 * subtransport), for the commits wants[0..nwants) and everything they
 * reach but haves[0..nhaves) do, and indexes the pack into repo's
 * objects/pack (a thin pack is completed from repo). Every want is in
 * repo when it returns 0; else a negative libgit2 error, git_error_last()
 * set, and no ref moved (it moves none: the caller does). cb: its
 * sideband_progress and transfer_progress are called, as by a fetch.
 * *bytes (may be NULL): the size of the server's answer.
 */
int fl_postfetch(git_smart_subtransport *sub, const char *url, git_repository *repo,
		 const git_oid *wants, size_t nwants, const git_oid *haves, size_t nhaves,
		 const git_remote_callbacks *cb, size_t *bytes);

#endif
