# refs-damage.sh: what t0610 (ref files lost) and t0611 (kill -9 at each
# crash point) share: a central repository served by git daemon with an
# officer and a reviewer, devices of the officer, and the bookkeeping of
# every case: each confirmed save on the officer's central branch once
# with its last title, git fsck --strict on both sides, and the counts
# (cases tried, recovered, refused with one line, lost, doubled) printed
# as a TAP comment.
#
# Source it after test-lib.sh and servers.sh; then call rd_setup in the
# first test body and rd_report at the end.

case ${LSAN_OPTIONS-} in
*print_suppressions=*) ;;
*) LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0" ;;
esac
export LSAN_OPTIONS

SRV=$TEST_SCRATCH/srv
CENTRAL=$SRV/central.git
ME=an.nguyen
mkdir -p "$SRV" ws out
# stock git, for the damage and the checks, writes reflogs and commits
GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com
GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
: >saves.none     # saves.WS: ID<TAB>TITLE of WS's confirmed saves, the last title wins
: >counts         # one word a case: recovered | refused | lost | doubled

fl () {
	_ws=$1
	shift
	fieldlog -C "ws/$_ws" "$@"
}

# save WS TITLE: a new issue on WS; recorded in `saves` once it said so.
save () {
	fl "$1" issue add --title "$2" --domain land --commune 18073 --severity high \
		--json >out/added &&
	printf '%s\t%s\n' "$(json_get id <out/added)" "$2" >>saves.$1
}

# join WS: a device of the officer, joined to the central repository.
join () {
	fieldlog -C "ws/$1" init --id $ME --remote "$URL" >/dev/null
}

# central_lost [FILE]: prints the saves of FILE (default: every device's)
# missing from the officer's central branch (or there with another title).
# central_doubled: the commit subjects found there more than once.
central_lost () {
	branch=refs/heads/authors/$ME
	dir=$(author_dir $ME)
	cat ${1:-saves.*} |
	awk -F '\t' '{ t[$1] = $2 } END { for (k in t) printf "%s\t%s\n", k, t[k] }' |
	while IFS='	' read -r id title; do
		git -C "$CENTRAL" show "$branch:$dir/issue/$id.json" 2>/dev/null >out/rec ||
			{ echo "$id missing"; continue; }
		grep -F "\"title\": \"$title\"" out/rec >/dev/null || echo "$id not '$title'"
	done
}
central_doubled () {
	git -C "$CENTRAL" log --no-merges --format=%s "refs/heads/authors/$ME" | sort | uniq -d
}

# fsck_all WS: git fsck --strict on WS's repo.git (when there is one) and
# the central repository.
fsck_all () {
	if [ -d "ws/$1/repo.git" ]; then
		git -C "ws/$1/repo.git" fsck --strict --no-progress || return 1
	fi
	git -C "$CENTRAL" fsck --strict --no-progress
}

# outcome WS RC ERRFILE: after a case's recovering command (exit RC, its
# stderr in ERRFILE): a sync that succeeded must have sent every save of
# WS (recovered); one that failed must have said why in one `error:` line
# (refused: its saves stay on the device). Appends the outcome to `counts`;
# fails on a loss, a double, a refusal that is not one line, or fsck.
outcome () {
	touch saves.$1 &&
	lost=$(central_lost saves.$1) &&
	doubled=$(central_doubled) &&
	if [ "$2" = 0 ] && [ -z "$lost" ]; then
		echo recovered >>counts
	elif [ "$2" != 0 ] && [ "$2" -lt 128 ] && [ "$(wc -l <"$3")" -eq 1 ] &&
	     grep "^error: " "$3" >/dev/null; then
		echo refused >>counts
	else
		echo "lost: $lost" >&2
		echo lost >>counts
	fi &&
	if [ -n "$doubled" ]; then
		echo "doubled: $doubled" >&2
		echo doubled >>counts
	fi &&
	fsck_all "$1" &&
	[ -z "$doubled" ] && { [ "$2" != 0 ] || [ -z "$lost" ]; }
}


# rd_setup: the central repository, its people, the git daemon serving it
# (URL), and the officer's first device (ws/first) with one save sent.
rd_setup () {
	fieldlog server init --allow-unsigned "$CENTRAL" >/dev/null &&
	fieldlog roster add --repo "$CENTRAL" --id $ME --name "Nguyễn Văn An" \
		--role officer --province 42 --login an >/dev/null &&
	fieldlog roster add --repo "$CENTRAL" --id dung.pham --name "Phạm Dũng" \
		--role reviewer --login dung >/dev/null &&
	start_git_daemon "$SRV" &&
	URL=$GIT_DAEMON_URL/central.git &&
	join first &&
	save first "Ghi đầu tiên" &&
	fl first sync >out/sync &&
	grep "^sent 1," out/sync
}

# rd_report MIN: prints the counts; the last test checks that at least MIN
# cases ran, none lost or doubled a save, and every one was recovered or
# refused with one line.
rd_report () {
	rd_min=$1
	tried=$(($(wc -l <counts)))
	recovered=$(grep -c "^recovered$" counts)
	refused=$(grep -c "^refused$" counts)
	lost=$(grep -c "^lost$" counts)
	doubled=$(grep -c "^doubled$" counts)
	echo "# cases tried $tried, recovered $recovered, refused with one line $refused, lost $lost, doubled $doubled"

	test_expect_success 'counts: nothing lost, nothing doubled, every case recovered or refused' '
		test "$tried" -ge "$rd_min" &&
		test "$lost" = 0 && test "$doubled" = 0 &&
		for f in saves.*; do
			w=${f#saves.} &&
			if grep "^error: " out/$w.err >/dev/null 2>&1; then continue; fi &&
			test -z "$(central_lost $f)" || return 1
		done &&
		test "$((recovered + refused))" = "$((tried))"
	'
}
