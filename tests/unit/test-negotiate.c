/*
 * test-negotiate.c: sync/negotiate.c's rewrite of an upload-pack request
 * on literal pkt-lines: libgit2's haves replaced by ours where the first
 * "have" stood, wants, flushes and "done" kept, requests without haves
 * and broken framing left alone.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "sync/negotiate.h"
#include "tests/unit/tap.h"

#define A "1111111111111111111111111111111111111111"
#define B "2222222222222222222222222222222222222222"
#define W "0053want 3333333333333333333333333333333333333333 multi_ack_detailed side-band-64k\n"
#define OURS1 "0032have aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
#define OURS2 "0032have bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"

int main(void)
{
	struct fl_haves h = { NULL, 0, 0 }, none = { NULL, 0, 0 };
	struct strbuf out = STRBUF_INIT;
	git_oid id;
	const char *req = W "0000" "0032have " A "\n" "0032have " B "\n" "0000";
	const char *last = W "0000" "0032have " A "\n" "0009done\n";

	git_oid_fromstr(&id, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	fl_haves_add(&h, &id);
	git_oid_fromstr(&id, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	fl_haves_add(&h, &id);

	IS_INT(fl_negotiate_rewrite(&out, req, strlen(req), &h), 1, "a round with haves is rewritten");
	IS(out.buf, W "0000" OURS1 OURS2 "0000", "ours in place of libgit2's, flushes kept");

	IS_INT(fl_negotiate_rewrite(&out, last, strlen(last), &h), 1, "a last round too");
	IS(out.buf, W "0000" OURS1 OURS2 "0009done\n", "\"done\" kept after ours");

	IS_INT(fl_negotiate_rewrite(&out, W "00000009done\n", strlen(W "00000009done\n"), &h), 0,
	       "a request without haves is left alone");
	IS_INT(out.len, 0, "and nothing is written for it");

	IS_INT(fl_negotiate_rewrite(&out, req, strlen(req), &none), 1, "no haves of ours");
	IS(out.buf, W "0000" "0000", "drops libgit2's (the caller does not ask for that)");

	IS_INT(fl_negotiate_rewrite(&out, "00zzwant", 8, &h), -1, "a bad length is refused");
	IS_INT(fl_negotiate_rewrite(&out, "0100want", 8, &h), -1, "a length past the end too");
	IS_INT(fl_negotiate_rewrite(&out, "0003", 4, &h), -1, "and one shorter than its header");

	strbuf_release(&out);
	fl_haves_release(&h);
	return tap_done();
}
