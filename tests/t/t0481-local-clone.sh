#!/bin/sh
# t0481: a reviewer's clone from a central repository on a path or a
# file:// URL (a mounted share) takes its packs and loose objects as they
# are, hard-linked, rather than having libgit2 build a new pack: the
# workspace is the one a clone over git daemon makes (same records, same
# index), later syncs over the path work, and a central repository that
# borrows objects from elsewhere (alternates) is fetched the ordinary way.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/test-tool.sh"

CENTRAL=$TEST_SCRATCH/srv/central.git

test_expect_success 'a generated central repository with packs and loose objects' '
	mkdir -p srv out &&
	test_tool generate --repo "$CENTRAL" --profile pilot --officers 40 --weeks 1 \
		--seed 11 --json >out/summary.json &&
	git --git-dir="$CENTRAL" repack -adq &&
	test_tool generate --repo "$CENTRAL" --append 20 --authors 5 --seed 12 \
		--layout authors --json >/dev/null &&
	# the appended records as loose objects, as a small push leaves them
	new=$(ls -t "$CENTRAL"/objects/pack/*.pack | head -n 1) &&
	mv "$new" out/new.pack && rm "${new%.pack}.idx" &&
	git --git-dir="$CENTRAL" unpack-objects -q <out/new.pack &&
	ls "$CENTRAL"/objects/pack/*.pack >out/packs &&
	test "$(find "$CENTRAL/objects" -path "*/objects/[0-9a-f][0-9a-f]/*" -type f | wc -l)" -gt 0 &&
	git --git-dir="$CENTRAL" show main:roster.json >out/roster.json &&
	REVIEWER=$(json_get people <out/roster.json | "$PYTHON" -c "
import json, sys
print([p[\"id\"] for p in json.load(sys.stdin) if p[\"role\"] == \"reviewer\"][0])") &&
	start_git_daemon srv &&
	fieldlog -C ws/d init --id "$REVIEWER" --remote "$GIT_DAEMON_URL/central.git" >out/d.init &&
	fieldlog -C ws/d export --format json >out/d.export
'

for how in path file; do
	test_expect_success "a reviewer's clone from a $how: the packs linked, the same workspace" '
		case '$how' in
		path) url=$CENTRAL ;;
		file) url=file://$CENTRAL ;;
		esac &&
		FIELDLOG_TRACE=1 fieldlog -C ws/'$how' init --id "$REVIEWER" --remote "$url" \
			>out/'$how'.init 2>out/'$how'.trace &&
		grep "clone: took $(wc -l <out/packs) packs and [1-9][0-9]* loose objects" \
			out/'$how'.trace &&
		n=$(sed -n "s/.*; \([0-9]*\) records indexed$/\1/p" out/d.init) &&
		test -n "$n" &&
		grep "$url; $n records indexed" out/'$how'.init &&
		for p in $(cat out/packs); do
			test "$(stat -c %i "$p")" = \
				"$(stat -c %i "ws/'$how'/repo.git/objects/pack/${p##*/}")" || return 1
		done &&
		fieldlog -C ws/'$how' export --format json >out/'$how'.export &&
		test_cmp out/d.export out/'$how'.export &&
		git --git-dir=ws/'$how'/repo.git fsck --connectivity-only 2>out/'$how'.fsck &&
		fieldlog -C ws/'$how' sync >out/'$how'.sync &&
		grep "^sent 0, received 0, conflicts 0" out/'$how'.sync
	'
done

test_expect_success 'later records arrive over the path by an ordinary fetch' '
	test_tool generate --repo "$CENTRAL" --append 7 --authors 3 --seed 13 \
		--layout authors --json >/dev/null &&
	fieldlog -C ws/path sync >out/path.sync2 &&
	grep "received 7," out/path.sync2
'

test_expect_success 'a central repository with alternates is fetched the ordinary way' '
	git clone -q --bare --shared "$CENTRAL" srv/borrow.git &&
	test -s srv/borrow.git/objects/info/alternates &&
	FIELDLOG_TRACE=1 fieldlog -C ws/alt init --id "$REVIEWER" --remote "$TEST_SCRATCH/srv/borrow.git" \
		>out/alt.init 2>out/alt.trace &&
	! grep "clone: took" out/alt.trace &&
	grep "records indexed" out/alt.init &&
	git --git-dir=ws/alt/repo.git fsck --connectivity-only
'

test_done
