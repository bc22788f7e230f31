#!/bin/sh
# t0457-big-roster: a national roster with keys is over a megabyte (3,321
# officers with an ed25519 key each: about 1.1 MB). An officer's index must
# still take it: the people it lists are the reviewers whose branches the
# officer's sync fetches, so a roster left out of the index meant that no
# answer ever reached an officer at national scale.

. "$(dirname "$0")/test-lib.sh"

test_expect_success 'set-up: a central repository whose roster is over 1 MB' '
	fieldlog server init c.git --allow-unsigned >/dev/null &&
	fieldlog roster add --repo c.git --id bnv.an --name "Lê An" --role reviewer >/dev/null &&
	fieldlog roster add --repo c.git --id nguyen.binh --name "Nguyễn Bình" --role officer \
		--province 42 >/dev/null &&
	git --git-dir=c.git show main:roster.json >roster.json &&
	"$PYTHON" - <<-\PY &&
	import json
	r = json.load(open("roster.json", encoding="utf-8"))
	for i in range(4000):
	    r["people"].append({"id": "can.bo.%05d" % i, "name": "Cán bộ số %d của tỉnh" % i,
	                        "role": "officer", "provinces": ["42"],
	                        "login": "can.bo.%05d" % i,
	                        "keys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%040dQ can.bo.%05d" % (i, i)]})
	open("roster.json", "w", encoding="utf-8").write(
	    json.dumps(r, ensure_ascii=False, indent=2) + "\n")
	PY
	test "$(wc -c <roster.json)" -gt 1048576 &&
	blob=$(git --git-dir=c.git hash-object -w roster.json) &&
	tree=$(printf "100644 blob %s\troster.json\n" "$blob" | git --git-dir=c.git mktree) &&
	commit=$(git --git-dir=c.git -c user.name=admin -c user.email=admin@fieldlog \
		commit-tree -p main -m "roster: 4000 more officers" "$tree") &&
	git --git-dir=c.git update-ref refs/heads/main "$commit"
'

test_expect_success 'the officer indexes every person of it, the reviewer among them' '
	fieldlog -C ws init --id nguyen.binh --remote "$TEST_SCRATCH/c.git" >/dev/null &&
	"$PYTHON" - "$TEST_SCRATCH/ws/index.db" <<-\PY
	import sqlite3, sys
	db = sqlite3.connect(sys.argv[1])
	n = db.execute("SELECT count(*) FROM people").fetchone()[0]
	assert n == 4002, n
	assert db.execute("SELECT role FROM people WHERE id = ?", ("bnv.an",)).fetchone() == ("reviewer",)
	PY
'

test_done
