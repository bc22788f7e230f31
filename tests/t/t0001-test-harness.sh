#!/bin/sh
# t0001-test-harness: the harness itself. A test that cannot run here must
# say so ("ok N # skip ...") and be counted as skipped, never as passed; and
# every test runs as on a fresh machine, where no git identity or git
# configuration of the developer's can make it pass. Checked on small
# scripts and unit tests run by a copy of tests/run.sh.

. "$(dirname "$0")/test-lib.sh"

test_expect_success 'prerequisites: set, lazy, lists, negation, missing' '
	cat >prereqs.sh <<-\EOF &&
	. "$TL_DIR/test-lib.sh"
	test_set_prereq HAVE
	test_lazy_prereq LAZY_YES "true"
	test_lazy_prereq LAZY_NO "false"
	test_lazy_prereq COUNTED "echo run >>\"\$COUNT_FILE\""
	test_expect_success "no prerequisite" "true"
	test_expect_success HAVE "a set one runs" "true"
	test_expect_success MISSING "an unknown one skips" "false"
	test_expect_success LAZY_YES "a lazy one that holds runs" "true"
	test_expect_success LAZY_NO "a lazy one that fails skips" "false"
	test_expect_success HAVE,LAZY_NO "all of a list must hold" "false"
	test_expect_success !LAZY_NO "!NAME runs when NAME fails" "true"
	test_expect_success !HAVE "!NAME skips when NAME holds" "false"
	test_expect_success "set inside a test" "test_set_prereq LATER"
	test_expect_success LATER "holds after it" "true"
	test_expect_success COUNTED "a lazy one" "true"
	test_expect_success COUNTED "is tried once" "true"
	test_expect_success "test_have_prereq" "
		test_have_prereq HAVE,LAZY_YES,!LAZY_NO &&
		! test_have_prereq LAZY_YES,MISSING
	"
	test_done
	EOF
	TL_DIR=$TEST_DIRECTORY COUNT_FILE=$PWD/count sh prereqs.sh >out &&
	cat >expect <<-\EOF &&
	ok 1 - no prerequisite
	ok 2 - a set one runs
	ok 3 # skip an unknown one skips (missing MISSING)
	ok 4 - a lazy one that holds runs
	ok 5 # skip a lazy one that fails skips (missing LAZY_NO)
	ok 6 # skip all of a list must hold (missing LAZY_NO)
	ok 7 - !NAME runs when NAME fails
	ok 8 # skip !NAME skips when NAME holds (missing !HAVE)
	ok 9 - set inside a test
	ok 10 - holds after it
	ok 11 - a lazy one
	ok 12 - is tried once
	ok 13 - test_have_prereq
	1..13
	EOF
	test_cmp expect out &&
	echo run >expect &&
	test_cmp expect count
'

test_expect_success 'a bad prerequisite name stops the script' '
	cat >badname.sh <<-\EOF &&
	. "$TL_DIR/test-lib.sh"
	test_expect_success "NO SUCH" "spaces in a name" "true"
	test_done
	EOF
	test_must_fail env TL_DIR=$TEST_DIRECTORY sh badname.sh >out &&
	grep "^Bail out! .*bad prerequisite name .NO" out
'

# A copy of the harness in a tree of its own, with one script that skips
# some tests, one that skips whole, and one unit "test" that reports the
# environment it was given.
test_expect_success 'run.sh: a tree with skips and an environment check' '
	mkdir -p tree/tests/t unit &&
	cp "$TEST_ROOT/tests/run.sh" tree/tests/ &&
	cp "$TEST_DIRECTORY/test-lib.sh" tree/tests/t/ &&
	cat >tree/tests/t/t1-some.sh <<-\EOF &&
	. "$(dirname "$0")/test-lib.sh"
	test_expect_success "runs" "true"
	test_expect_success NOPE "cannot run here" "false"
	test_expect_success NOPE "nor this" "false"
	test_done
	EOF
	cat >tree/tests/t/t2-none.sh <<-\EOF &&
	. "$(dirname "$0")/test-lib.sh"
	test_skip_all "no frobnicator here"
	EOF
	cat >unit/test-env <<-\EOF &&
	#!/bin/sh
	# what a unit test finds: an empty HOME of its own, and no git
	# identity or configuration from the person running the suite
	n=0
	check () {
		n=$((n + 1))
		if eval "$2" >/dev/null 2>&1; then
			echo "ok $n - $1"
		else
			echo "not ok $n - $1"
			(eval "$3") 2>&1 | sed "s/^/# /"
		fi
	}
	check "HOME is below the run directory" "case \$HOME in \$RUN_DIR/*) true ;; *) false ;; esac" "echo \$HOME"
	check "HOME is empty" "test -z \"\$(ls -A \"\$HOME\")\"" "ls -A \$HOME"
	check "XDG_CONFIG_HOME is in it" "test \"\$XDG_CONFIG_HOME\" = \"\$HOME/.config\"" "echo \$XDG_CONFIG_HOME"
	check "no identity in the environment" "test -z \"\${GIT_AUTHOR_NAME-}\${GIT_AUTHOR_EMAIL-}\${GIT_COMMITTER_NAME-}\${GIT_COMMITTER_EMAIL-}\${EMAIL-}\"" "env | grep -E ^GIT_AUTHOR_\|^GIT_COMMITTER_\|^EMAIL="
	check "no git configuration" "test -z \"\$(git config --list --show-origin)\"" "git config --list --show-origin"
	check "no user.name" "! git config user.name" "git config user.name"
	echo "1..$n"
	EOF
	chmod +x unit/test-env &&

	# the person running the suite has an identity everywhere
	mkdir -p outer-home/.config/git &&
	printf "[user]\n\tname = Outer\n\temail = outer@example.com\n" >outer-home/.gitconfig &&
	cp outer-home/.gitconfig outer-home/.config/git/config &&
	env HOME=$PWD/outer-home XDG_CONFIG_HOME=$PWD/outer-home/.config \
		EMAIL=outer@example.com UNIT_DIR=$PWD/unit TEST_JOBS=1 \
		sh tree/tests/run.sh t1 t2 test-env >out
	st=$? &&
	cat out &&
	test $st = 0 &&
	cat >expect <<-\EOF &&
	PASS t1-some.sh (1/3, 2 skipped)
	    ok 2 # skip cannot run here (missing NOPE)
	    ok 3 # skip nor this (missing NOPE)
	SKIP t2-none.sh (no frobnicator here)
	PASS test-env (6/6)
	7 passed, 0 failed, 3 skipped
	EOF
	test_cmp expect out
'

test_done
