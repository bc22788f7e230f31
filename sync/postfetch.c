/*
 * postfetch.c: one upload-pack request on an open http connection. See
 * postfetch.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "postfetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <git2/sys/odb_backend.h>

#include "schema/base.h"
#include "sync/wire.h"

/*
 * wants, a flush, haves, "done". No multi_ack: with "done" in the same
 * request the server answers at most one ACK (or a NAK), then the pack.
 */
static void request(struct fl_wire *w, const git_oid *wants, size_t nwants,
		    const git_oid *haves, size_t nhaves)
{
	char hex[GIT_OID_HEXSZ + 1];

	for (size_t i = 0; i < nwants; i++) {
		git_oid_tostr(hex, sizeof(hex), &wants[i]);
		if (i == 0)
			fl_wire_pkt(w, "want %s side-band-64k ofs-delta thin-pack no-progress"
				    " agent=fieldlog\n", hex);
		else
			fl_wire_pkt(w, "want %s\n", hex);
	}
	strbuf_addstr(&w->out, "0000");
	for (size_t i = 0; i < nhaves; i++) {
		git_oid_tostr(hex, sizeof(hex), &haves[i]);
		fl_wire_pkt(w, "have %s\n", hex);
	}
	fl_wire_pkt(w, "done\n");
}

static int starts(const char *data, size_t len, const char *p)
{
	size_t n = strlen(p);
	return len >= n && !memcmp(data, p, n);
}

/* Reads the answer: ACK/NAK lines, then the side-banded pack into idx. */
static int receive(struct fl_wire *w, git_indexer *idx, git_indexer_progress *st,
		   const git_remote_callbacks *cb)
{
	const char *data;
	size_t len;
	int e, in_pack = 0;

	for (;;) {
		if ((e = fl_wire_read_pkt(w, &data, &len)) < 0)
			return e;
		if (e == 0) {
			if (in_pack)
				return 0;
			continue;   /* a flush before the pack: nothing to read in it */
		}
		if (!in_pack && (starts(data, len, "ACK ") || starts(data, len, "NAK")))
			continue;
		if (!in_pack && starts(data, len, "ERR ")) {
			git_error_set(GIT_ERROR_NET, "the server refused the fetch: %.*s",
				      (int)(len > 4 && data[len - 1] == '\n' ? len - 5 : len - 4),
				      data + 4);
			return -1;
		}
		in_pack = 1;
		if (len && data[0] == 1) {
			if ((e = git_indexer_append(idx, data + 1, len - 1, st)) < 0)
				return e;
			if (cb->transfer_progress && (e = cb->transfer_progress(st, cb->payload)) < 0)
				return e;
		} else if (len && data[0] == 2) {
			if (cb->sideband_progress &&
			    (e = cb->sideband_progress(data + 1, (int)len - 1, cb->payload)) < 0)
				return e;
		} else if (len && data[0] == 3) {
			git_error_set(GIT_ERROR_NET, "the server reported an error: %.*s",
				      (int)len - 1, data + 1);
			return -1;
		} else {
			git_error_set_str(GIT_ERROR_NET, "malformed reply from the server"
					  " (no side-band)");
			return -1;
		}
	}
}

/* Every want is now in odb (the pack may not have left one out). */
static int all_here(git_odb *odb, const git_oid *wants, size_t nwants)
{
	git_odb_refresh(odb);
	for (size_t i = 0; i < nwants; i++) {
		if (!git_odb_exists(odb, &wants[i])) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), &wants[i]);
			git_error_set(GIT_ERROR_NET, "the server's pack lacks commit %s", hex);
			return -1;
		}
	}
	return 0;
}

int fl_postfetch(git_smart_subtransport *sub, const char *url, git_repository *repo,
		 const git_oid *wants, size_t nwants, const git_oid *haves, size_t nhaves,
		 const git_remote_callbacks *cb, size_t *bytes)
{
	git_smart_subtransport_stream *st = NULL;
	struct fl_wire *w = NULL;
	git_indexer *idx = NULL;
	git_indexer_options opts;
	git_indexer_progress stats;
	git_odb *odb = NULL;
	char *packdir = xstrfmt("%sobjects/pack", git_repository_path(repo));
	int e;

	memset(&stats, 0, sizeof(stats));
	git_indexer_options_init(&opts, GIT_INDEXER_OPTIONS_VERSION);
	if ((e = git_repository_odb(&odb, repo)) < 0 ||
	    (e = git_indexer_new(&idx, packdir, 0, odb, &opts)) < 0 ||
	    (e = sub->action(&st, sub, url, GIT_SERVICE_UPLOADPACK)) < 0)
		goto done;
	w = fl_wire_new(st);
	request(w, wants, nwants, haves, nhaves);
	fl_trace("postfetch: %zu wants, %zu haves, %zu bytes", nwants, nhaves, w->out.len);
	if ((e = fl_wire_flush(w)) < 0 || (e = receive(w, idx, &stats, cb)) < 0 ||
	    (e = git_indexer_commit(idx, &stats)) < 0)
		goto done;
	fl_trace("postfetch: %u objects, %zu bytes", stats.received_objects,
		 (size_t)stats.received_bytes);
	if (bytes)
		*bytes = (size_t)stats.received_bytes;
	e = all_here(odb, wants, nwants);
done:
	fl_wire_free(w);
	if (st)
		st->free(st);
	git_indexer_free(idx);
	git_odb_free(odb);
	free(packdir);
	return e;
}
