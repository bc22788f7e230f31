/*
 * test-store.c: the SHA-1 that names author buckets without starting
 * libgit2 must agree with libgit2's own (and so with git hash-object);
 * a batch of commits is readable while it lasts, lands as one pack that
 * git itself reads (including a blob of 1 MB, whose pack header needs
 * several size bytes), and leaves nothing when dropped.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync/store.h"
#include "tests/unit/tap.h"

static int count_packs(const char *gitdir)
{
	char *cmd = xstrfmt("ls '%s'/objects/pack/*.pack 2>/dev/null | wc -l", gitdir);
	FILE *f = popen(cmd, "r");
	int n = -1;
	if (f && fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	free(cmd);
	return n;
}

/*
 * Stock git checks what libgit2 wrote. Where there is no git to run, those
 * checks are reported as skipped (the rest still runs); a failing command
 * with git present fails the check.
 */
static int git_check(int cond, const char *cmd, const char *what)
{
	static int have_git = -1;
	if (have_git < 0)
		have_git = system("git --version >/dev/null 2>&1") == 0;
	if (!have_git) {
		SKIP(what, "missing git");
		return 1;
	}
	return OK(cond && system(cmd) == 0, what);
}

static void remove_dir(const char *dir)
{
	char *cmd = xstrfmt("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

static void test_batch(void)
{
	char tmpl[] = "/tmp/fieldlog-test-store.XXXXXX";
	char *dir = mkdtemp(tmpl), *gitdir, *cmd;
	struct fl_store *s = NULL;
	struct fl_sig sig = { "Nguyễn Văn An", "an.nguyen@fieldlog", 1757300000, 420 };
	struct strbuf sb = STRBUF_INIT, big = STRBUF_INIT;
	git_oid c1, c2, c3;

	gitdir = xstrfmt("%s/repo.git", dir);
	OK(fl_store_init(&s, gitdir) == 0, "a new repository");
	strbuf_addchars(&big, 'x', 1 << 20);
	struct fl_write w1 = { "d4/an.nguyen/issue/A.json", "{\"v\": 1}\n", 9 };
	struct fl_write w2[] = { { "d4/an.nguyen/issue/A.json", "{\"v\": 2}\n", 9 },
				 { "d4/an.nguyen/visit/B.json", big.buf, big.len } };
	OK(fl_store_batch_begin(s) == 0, "a batch begins");
	OK(fl_store_commit(&c1, s, NULL, NULL, 0, &w1, 1, "first", &sig) == 0 &&
	   fl_store_commit(&c2, s, NULL, &c1, 1, w2, 2, "second", &sig) == 0,
	   "two commits, the second on the first, in the batch");
	OK(fl_store_read_path(&sb, s, &c2, "d4/an.nguyen/issue/A.json") == 0 &&
	   !strcmp(sb.buf, "{\"v\": 2}\n"), "the batch reads back its own objects");
	OK(count_packs(gitdir) == 0, "nothing on disk yet");
	OK(fl_store_batch_end(s, 1) == 0, "the batch ends, kept");
	OK(count_packs(gitdir) == 1, "as one pack");
	OK(fl_store_set_ref(s, FL_BRANCH, &c2, NULL, "test") == 0, "main moves to it");
	fl_store_free(s);
	s = NULL;
	cmd = xstrfmt("git --git-dir='%s' fsck --strict --no-progress >/dev/null 2>&1 &&"
		      " test \"$(git --git-dir='%s' cat-file -s main:d4/an.nguyen/visit/B.json)\" = %d &&"
		      " test \"$(git --git-dir='%s' log --format=%%s main | tr '\\n' ' ')\" = 'second first '",
		      gitdir, gitdir, 1 << 20, gitdir);
	git_check(1, cmd, "git fsck --strict is clean and git reads both commits and the 1 MB blob");
	free(cmd);

	/* Many objects in one batch (its look-up table grows several times). */
	int many_ok = fl_store_open(&s, gitdir) == 0 && fl_store_batch_begin(s) == 0;
	git_oid tip = c2;
	for (int i = 0; i < 300 && many_ok; i++) {
		char fpath[64], body[32];
		snprintf(fpath, sizeof(fpath), "d4/an.nguyen/visit/V%03d.json", i);
		snprintf(body, sizeof(body), "{\"n\": %d}\n", i);
		struct fl_write w = { fpath, body, strlen(body) };
		git_oid next;
		many_ok = fl_store_commit(&next, s, NULL, &tip, 1, &w, 1, "many", &sig) == 0;
		tip = next;
		/* Everything written so far reads back, the first commit's file too. */
		strbuf_reset(&sb);
		many_ok = many_ok && fl_store_read_path(&sb, s, &tip, "d4/an.nguyen/issue/A.json") == 0;
	}
	many_ok = many_ok && fl_store_batch_end(s, 1) == 0 &&
		  fl_store_set_ref(s, FL_BRANCH, &tip, &c2, "test") == 0;
	fl_store_free(s);
	s = NULL;
	cmd = xstrfmt("git --git-dir='%s' fsck --strict --no-progress >/dev/null 2>&1 &&"
		      " test \"$(git --git-dir='%s' ls-tree -r --name-only main | wc -l)\" = 302",
		      gitdir, gitdir);
	OK(many_ok, "300 commits in one batch");
	git_check(many_ok, cmd, "and git checks and reads the one pack they are in");
	free(cmd);

	int packs = count_packs(gitdir);
	OK(fl_store_open(&s, gitdir) == 0 && fl_store_batch_begin(s) == 0 &&
	   fl_store_commit(&c3, s, NULL, &c2, 1, &w1, 1, "dropped", &sig) == 0 &&
	   fl_store_batch_end(s, 0) == 0, "a batch dropped");
	strbuf_reset(&sb);
	OK(count_packs(gitdir) == packs && fl_store_read_path(&sb, s, &c3, "d4/an.nguyen/issue/A.json") < 0,
	   "leaves nothing behind");
	fl_clear_error();
	fl_store_free(s);
	remove_dir(dir);
	free(gitdir);
	strbuf_release(&sb);
	strbuf_release(&big);
}

/*
 * Many refs at once go into packed-refs: git reads them, an existing
 * entry (with its peel line) survives, a loose file that would hide an
 * update goes, a held lock and a bad name are refused, nothing half done.
 */
static void test_update_refs(void)
{
	char tmpl[] = "/tmp/fieldlog-test-refs.XXXXXX";
	char *dir = mkdtemp(tmpl), *gitdir, *cmd, *path;
	struct fl_store *s = NULL;
	struct fl_sig sig = { "Trần Thị Bình", "binh@fieldlog", 1757300000, 420 };
	struct fl_write w = { "a1/binh/visit/A.json", "{}\n", 3 };
	struct strbuf sb = STRBUF_INIT;
	git_oid c1, c2, got;
	char hex[GIT_OID_HEXSZ + 1];

	gitdir = xstrfmt("%s/repo.git", dir);
	OK(fl_store_init(&s, gitdir) == 0 &&
	   fl_store_commit(&c1, s, FL_BRANCH, NULL, 0, &w, 1, "one", &sig) == 0 &&
	   fl_store_commit(&c2, s, FL_BRANCH, &c1, 1, &w, 1, "two", &sig) == 0,
	   "a repository with two commits");
	git_oid_tostr(hex, sizeof(hex), &c1);
	/*
	 * An annotated tag and a loose remote ref pointing at the first. A
	 * tag needs a tagger: name one, as a fresh machine has no identity
	 * (tests/run.sh hides the developer's own).
	 */
	cmd = xstrfmt("git -c user.name='T Agger' -c user.email=tagger@example.com"
		      " --git-dir='%s' tag -a -m t v1 %s && git --git-dir='%s' pack-refs --all &&"
		      " git --git-dir='%s' update-ref refs/remotes/origin/authors/b %s",
		      gitdir, hex, gitdir, gitdir, hex);
	int tagged = git_check(1, cmd, "git packs a tag and writes a loose ref");
	free(cmd);

	struct fl_ref_update u[] = {
		{ "refs/remotes/origin/authors/b", c2 },
		{ "refs/remotes/origin/authors/a", c2 },
		{ "refs/remotes/origin/authors/a", c1 },   /* the later of one name wins */
	};
	IS_INT(fl_store_update_refs(fl_store_repo(s), u, 3), 0, "three updates written");
	path = xstrfmt("%s/refs/remotes/origin/authors/b", gitdir);
	OK(access(path, F_OK) < 0, "the loose file that would hide one is gone");
	free(path);
	OK(fl_store_ref(&got, s, "refs/remotes/origin/authors/b") == 0 && git_oid_equal(&got, &c2) &&
	   fl_store_ref(&got, s, "refs/remotes/origin/authors/a") == 0 && git_oid_equal(&got, &c1),
	   "libgit2 reads the new values");
	git_oid_tostr(hex, sizeof(hex), &c1);
	char hex2[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex2, sizeof(hex2), &c2);
	cmd = xstrfmt("cd '%s' && test \"$(git --git-dir=repo.git rev-parse origin/authors/a"
		      " origin/authors/b v1^{} | tr '\\n' ' ')\" = '%s %s %s ' &&"
		      " git --git-dir=repo.git fsck --no-progress >/dev/null 2>&1 &&"
		      " test \"$(grep -c '^\\^' repo.git/packed-refs)\" = 1 &&"
		      " test \"$(git --git-dir=repo.git for-each-ref | wc -l)\" = 4",
		      dir, hex, hex2, hex);
	git_check(tagged, cmd, "git reads them, the tag keeps its peel line, no ref is doubled");
	free(cmd);

	path = xstrfmt("%s/packed-refs", gitdir);
	OK(strbuf_read_file(&sb, path, 1 << 20) == 0, "packed-refs read");
	char *lock = xstrfmt("%s.lock", path);
	FILE *f = fopen(lock, "w");
	if (f)
		fclose(f);
	struct fl_ref_update late = { "refs/remotes/origin/authors/c", c1 };
	IS_INT(fl_store_update_refs(fl_store_repo(s), &late, 1), FL_ELOCKED, "a held lock is refused");
	fl_clear_error();
	unlink(lock);
	struct fl_ref_update bad = { "refs/remotes/origin/authors/x..y", c1 };
	IS_INT(fl_store_update_refs(fl_store_repo(s), &bad, 1), FL_EINVALID, "a bad name is refused");
	fl_clear_error();
	struct strbuf after = STRBUF_INIT;
	OK(strbuf_read_file(&after, path, 1 << 20) == 0 && after.len == sb.len && !memcmp(after.buf, sb.buf, sb.len) &&
	   access(lock, F_OK) < 0, "and leaves packed-refs as it was, with no lock behind");
	strbuf_release(&after);
	free(lock);
	free(path);
	fl_store_free(s);
	remove_dir(dir);
	free(gitdir);
	strbuf_release(&sb);
}

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
	test_batch();
	test_update_refs();
	git_libgit2_shutdown();
	return tap_done();
}
