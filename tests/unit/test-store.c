/*
 * test-store.c: the SHA-1 that names author buckets without starting
 * libgit2 must agree with libgit2's own (and so with git hash-object).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/store.h"
#include "tests/unit/tap.h"

int main(void)
{
	unsigned char buf[300], msg[320], mine[20];
	char name[64];
	git_oid theirs;
	size_t len, bad = 0;

	git_libgit2_init();
	/* Every length across the one- and two-block padding boundaries. */
	for (len = 0; len < sizeof(buf); len++) {
		buf[len] = (unsigned char)(len * 131 + 7);
		int h = snprintf((char *)msg, sizeof(msg), "blob %zu", len) + 1;
		memcpy(msg + h, buf, len);
		fl_sha1(mine, msg, (size_t)h + len);
		git_odb_hash(&theirs, buf, len, GIT_OBJECT_BLOB);
		bad += memcmp(mine, theirs.id, 20) != 0;
	}
	IS_INT(bad, 0, "fl_sha1 agrees with git_odb_hash for 300 lengths");
	fl_sha1(mine, "abc", 3);
	snprintf(name, sizeof(name), "%02x%02x%02x%02x", mine[0], mine[1], mine[2], mine[19]);
	IS(name, "a9993e9d", "fl_sha1(\"abc\") is FIPS 180's example");
	fl_author_bucket(name, "an.nguyen.00382");
	IS(name, "d4", "bucket = first two hex digits of git hash-object");
	git_libgit2_shutdown();
	return tap_done();
}
