#!/bin/sh
# t0910: the data generator is a test helper, not a fieldlog command. The
# binary users run has no `generate` and none of its word lists, while
# `test-tool generate` (tests/helper) still writes what t0403, t0520 and the
# bench build on: a valid central repository in either layout, the same
# one for the same seed. The bench compares figures across runs and caches
# repositories by the generator's format (4), so its output is pinned here:
# the ids below were written by format 4's generator when it was still
# compiled into fieldlog.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/test-tool.sh"

refs () {
	git --git-dir="$1" for-each-ref --format="%(objectname) %(refname)"
}

test_expect_success 'fieldlog has no generate command' '
	test_must_fail --exit=2 fieldlog generate --version >out 2>err &&
	test_line_count = 1 err &&
	grep "^error: unknown command '\''generate'\''" err &&
	test ! -s out &&
	fieldlog -h >help &&
	! grep generate help &&
	# one of the generator'\''s word lists (positions of commune officials)
	! grep -q -a "Hội Cựu chiến binh" "$FIELDLOG_BIN"
'

test_expect_success 'test-tool: usage, unknown commands, the format version' '
	test_tool -h >help &&
	grep "^  generate " help &&
	test_must_fail --exit=2 test_tool nosuch 2>err &&
	grep "^error: unknown command '\''nosuch'\''" err &&
	test "$(test_tool generate --version)" = 4
'

test_expect_success 'test-tool generate: a valid central repository, a branch per author' '
	test_tool generate --repo a.git --profile pilot --officers 4 --weeks 6 --seed 3 \
		--check-all --json >a.json &&
	git --git-dir=a.git fsck --strict --no-dangling &&
	test "$(json_get records <a.json)" = 166 &&
	test "$(json_get response <a.json)" = 7 &&
	test "$(json_get commits <a.json)" = 53 &&
	test "$(json_get layout <a.json)" = authors &&
	git --git-dir=a.git show main:roster.json >roster.json &&
	test "$(json_get people <roster.json | "$PYTHON" -c "import json, sys; print(len(json.load(sys.stdin)))")" = 7
'

test_expect_success 'the same seed, the same commits as format 4 wrote them' '
	cat >expect <<-\EOF &&
	a244a6b71959534f8544165e82cd15c77258727b refs/heads/authors/bnv.kien.1
	56d8fa506eca6d69f58df871fa21b8a2b587392f refs/heads/authors/bnv.nga.3
	638b03db57357a9228519a247014672003c7b55a refs/heads/authors/cuong.luong.00691
	f66828c1a7877aadb693afb523db3af99a3a6cb3 refs/heads/authors/nghia.lo.03127
	76b755c9980d2ae20065ae36f5b6e900a36a85ac refs/heads/authors/quan.phan.00004
	909a15e230660d15955d0fe643b6edadb0e29cac refs/heads/authors/tung.tran.01273
	e50e964fd343cfa05c3cdc997c9c68ed79e2b1f9 refs/heads/main
	EOF
	refs a.git >actual &&
	test_cmp expect actual
'

test_expect_success '--append: one commit per record on its author'\''s branch, pinned too' '
	test_tool generate --repo a.git --append 5 --authors 2 --seed 8 --json >ap.json &&
	test "$(json_get commits <ap.json)" = 5 &&
	test "$(json_get author_refs <ap.json)" = 2 &&
	git --git-dir=a.git fsck --strict --no-dangling &&
	cat >expect <<-\EOF &&
	a244a6b71959534f8544165e82cd15c77258727b refs/heads/authors/bnv.kien.1
	56d8fa506eca6d69f58df871fa21b8a2b587392f refs/heads/authors/bnv.nga.3
	452de1a756bc8a0fd6aeadabc321c8337539f2c9 refs/heads/authors/cuong.luong.00691
	f66828c1a7877aadb693afb523db3af99a3a6cb3 refs/heads/authors/nghia.lo.03127
	ceae0e05ca83f094f656cdaf7b2811f866c965de refs/heads/authors/quan.phan.00004
	909a15e230660d15955d0fe643b6edadb0e29cac refs/heads/authors/tung.tran.01273
	e50e964fd343cfa05c3cdc997c9c68ed79e2b1f9 refs/heads/main
	EOF
	refs a.git >actual &&
	test_cmp expect actual
'

test_expect_success 'the single layout: the same files on main, pinned' '
	test_tool generate --repo s.git --layout single --profile pilot --officers 4 \
		--weeks 6 --seed 3 --json >s.json &&
	test_tool generate --repo s.git --append 5 --authors 2 --seed 8 --json >/dev/null &&
	git --git-dir=s.git fsck --strict --no-dangling &&
	echo "cabce129ef405c41f630682aeaa9eeaec7bcaea1 refs/heads/main" >expect &&
	refs s.git >actual &&
	test_cmp expect actual &&
	for r in $(git --git-dir=a.git for-each-ref --format="%(refname)"); do
		git --git-dir=a.git ls-tree -r "$r" || return 1
	done | sort >a.files &&
	git --git-dir=s.git ls-tree -r main | sort >s.files &&
	test_line_count = 172 s.files &&
	test_cmp a.files s.files
'

test_expect_success 'a layout that does not match the repository is refused' '
	test_must_fail test_tool generate --repo s.git --append 1 --layout authors 2>err &&
	grep "^error: .*has the single layout, not the authors one" err
'

# The bench's 100k profile, seed 1: one pack of a few hundred MB, which
# libgit2's indexer refused when it was handed over in a single append.
test_lazy_prereq PLAIN_BUILD '! nm -D "$FIELDLOG_BIN" 2>/dev/null | grep -q __asan_init'
test_expect_success PLAIN_BUILD 'the 100k profile is written as one sound pack' '
	test_tool generate --repo big.git --profile 100k --seed 1 >out 2>err &&
	grep "^100k: 95312 records" out &&
	git -C big.git fsck --connectivity-only --no-progress &&
	rm -rf big.git
'

test_done
