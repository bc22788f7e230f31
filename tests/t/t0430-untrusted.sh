#!/bin/sh
# t0430: what comes from the central repository is untrusted input. A copy
# of the central repository without its pre-receive hook (srv/evil.git,
# served by git daemon) receives, by stock git, every kind of bad file:
# invalid JSON, duplicate keys, trailing bytes after the object, invalid
# UTF-8, "\u0000", an unknown kind, an id that is not the file name, an
# author that is not the directory, a 300 KB file, a symbolic link, a
# submodule entry (and a few more: an executable file, a non-canonical
# record, a path outside the layout, JSON nested 20000 deep), next to two
# good records. Workspaces syncing from it do not crash (exit 0), import
# the good records, and `fieldlog status` lists each bad file with a reason.
# Each author's branch may hold only that author's records: a file under
# someone else's directory is listed under its own name (the branch's
# author added), so it cannot hide that person's real record.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

EVIL=$SCN_SRV/evil.git

# stock_push CLONE AUTHOR MESSAGE: commits everything staged in CLONE as
# AUTHOR@fieldlog and pushes it to AUTHOR's branch of evil.git (no hook
# there).
stock_push () {
	GIT_AUTHOR_EMAIL=$2@fieldlog git -C "$1" commit -q -m "$3" &&
	git -C "$1" push -q origin "HEAD:refs/heads/authors/$2"
}

test_expect_success 'central repository, and a copy of it without the hook' '
	fieldlog server init --allow-unsigned "$SCN_CENTRAL" >/dev/null &&
	for p in an.nguyen binh.tran; do
		scn_person $p &&
		fieldlog roster add --repo "$SCN_CENTRAL" --id $p --name "$scn_name" \
			--role officer --province $scn_prov --login $scn_login || return 1
	done &&
	fieldlog roster add --repo "$SCN_CENTRAL" --id dung.pham --name "Phạm Quốc Dũng" \
		--role reviewer --login dung-login &&
	git clone -q --bare "$SCN_CENTRAL" "$EVIL" &&
	test ! -e "$EVIL/hooks/pre-receive" &&
	start_git_daemon "$SCN_SRV" &&
	URL=$GIT_DAEMON_URL/evil.git
'

test_expect_success 'a reviewer workspace joins before the bad files arrive' '
	fieldlog -C ws/early init --id dung.pham --remote "$URL" >out/early.init &&
	grep "0 records indexed" out/early.init
'

test_expect_success 'stock git writes two good records and every kind of bad file' '
	git init -q evil && git -C evil remote add origin "$URL" &&
	git init -q evil2 && git -C evil2 remote add origin "$URL" &&
	good1=$(scn_foreign_record an.nguyen out/good1.json) &&
	good2=$(scn_foreign_record binh.tran out/good2.json) &&
	mkdir -p "evil/${good1%/*}" "evil2/${good2%/*}" "evil/${good2%/*}" &&
	cp out/good1.json "evil/$good1" &&
	cp out/good2.json "evil2/$good2" &&
	# a record of binh.tran, altered, on the branch of an.nguyen
	sed -e "s/made outside fieldlog sync/thay bằng bản giả/" out/good2.json >"evil/$good2" &&
	printf "%s (on the branch of an.nguyen)\t%s\n" "$good2" "branch" >bad.extra &&
	echo "$good1" >good.paths &&
	echo "$good2" >>good.paths &&
	# bad.manifest: PATH<TAB>what the reason must mention (a regexp)
	"$PYTHON" - out/good1.json evil >bad.manifest <<-\PY &&
	import hashlib, json, os, random, sys
	good = open(sys.argv[1], encoding="utf-8").read()
	rec = json.loads(good)
	root = sys.argv[2]
	rng = random.Random(430)
	def ulid():
	    a = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	    return "01" + "".join(rng.choice(a) for _ in range(24))
	def bucket(author):
	    a = author.encode("utf-8")
	    return hashlib.sha1(b"blob %d\0" % len(a) + a).hexdigest()[:2]
	def path(author="an.nguyen", kind="issue", i=None):
	    i = i or ulid()
	    return "%s/%s/%s/%s.json" % (bucket(author), author, kind, i), i
	def put(p, data, why):
	    full = os.path.join(root, p)
	    os.makedirs(os.path.dirname(full), exist_ok=True)
	    with open(full, "wb") as f:
	        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
	    print("%s\t%s" % (p, why))
	def as_id(i, text=good):
	    # the good record, canonical, with another id
	    return text.replace(rec["id"], i)
	p, i = path(); put(p, as_id(i)[:120], "json")
	p, i = path(); put(p, as_id(i).replace("{\n", "{\n  \"title\": \"hai lần\",\n", 1), "duplicate")
	p, i = path(); put(p, as_id(i) + "{}\n", "trailing")
	p, i = path(); put(p, as_id(i).encode("utf-8").replace(b"made outside", b"made \xff\xfe outside"), "utf-?8")
	p, i = path(); put(p, as_id(i).replace("made outside", "made \\u0000 outside"), "u0000|nul")
	p, i = path(); put(p, as_id(i).replace("\"kind\": \"issue\"", "\"kind\": \"rumour\""), "kind")
	p, i = path(); put(p, as_id(ulid()), "file name")
	p, i = path(); put(p, as_id(i).replace("\"author\": \"an.nguyen\"", "\"author\": \"binh.tran\""), "author.*director")
	p, i = path(); put(p, as_id(i).replace("\"description\": \"\"", "\"description\": \"%s\"" % ("a" * 300000)), "limit|large|size|bytes")
	p, i = path(); put(p, as_id(i).replace("\n  ", "\n    "), "canonical")
	p, i = path(); put(p, "[" * 20000 + "]" * 20000, "nest|deep")
	print("an.nguyen/notes.txt (on the branch of an.nguyen)\tbranch")
	os.makedirs(os.path.join(root, "an.nguyen"), exist_ok=True)
	open(os.path.join(root, "an.nguyen/notes.txt"), "w").write("ghi chú\n")
	i = ulid(); put("%s/an.nguyen/issue/%s/%s.json" % (bucket("an.nguyen"), i[-1], i), as_id(i), "record path|layout")
	i = ulid(); put("00/an.nguyen/issue/%s.json" % i, as_id(i), "record path|layout")
	PY
	# a symbolic link, an executable file and a submodule, each where a
	# record would be
	an=$(author_dir an.nguyen) &&
	link=$an/issue/01K7ZSYMBOL1CL1NKAAAAAAAAL.json &&
	mkdir -p "evil/$an/issue" &&
	ln -s ../../../roster.json "evil/$link" &&
	printf "%s\t%s\n" "$link" "symbolic link" >>bad.manifest &&
	exe=$an/issue/01K7ZEXECVTAB1EAAAAAAAAAAX.json &&
	sed -e "s/$(json_get id <out/good1.json)/01K7ZEXECVTAB1EAAAAAAAAAAX/" out/good1.json >"evil/$exe" &&
	chmod +x "evil/$exe" &&
	printf "%s\t%s\n" "$exe" "executable|regular" >>bad.manifest &&
	git -C evil add -A &&
	sub=$an/issue/01K7ZSVBM0DV1EAAAAAAAAAAAS.json &&
	git -C evil update-index --add --cacheinfo "160000,$(git --git-dir="$EVIL" rev-parse main),$sub" &&
	printf "%s\t%s\n" "$sub" "submodule" >>bad.manifest &&
	cat bad.extra >>bad.manifest &&
	stock_push evil an.nguyen "good and bad records" &&
	git -C evil2 add -A &&
	stock_push evil2 binh.tran "a good record" &&
	git --git-dir="$EVIL" ls-tree -r authors/an.nguyen >out/evil.tree &&
	cat out/evil.tree &&
	grep "^120000 " out/evil.tree &&
	grep "^160000 " out/evil.tree &&
	grep "^100755 " out/evil.tree &&
	test_line_count = 18 bad.manifest
'

# check_workspace WS: status lists every bad file with a fitting reason,
# and only those; the two good records are indexed.
check_workspace () {
	fieldlog -C "$1" status >out/status.txt &&
	cat out/status.txt &&
	grep "records skipped as invalid: 18" out/status.txt &&
	fieldlog -C "$1" status --json >out/status.json &&
	"$PYTHON" - bad.manifest out/status.json <<-\PY &&
	import json, re, sys
	want = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8"))
	got = {s["path"]: s["reason"] for s in json.load(open(sys.argv[2], encoding="utf-8"))["skipped"]}
	bad = 0
	for p, why in sorted(want.items()):
	    if p not in got:
	        print("not listed as skipped: %s" % p); bad = 1
	    elif not got[p] or not re.search(why, got[p], re.I):
	        print("%s: reason %r does not mention /%s/" % (p, got[p], why)); bad = 1
	for p in sorted(set(got) - set(want)):
	    print("listed but not bad: %s (%s)" % (p, got[p])); bad = 1
	sys.exit(bad)
	PY
	fieldlog -C "$1" issue list --json >out/list.json &&
	scn_ids out/list.json >out/ids.actual &&
	for f in $(cat good.paths); do
		id=${f##*/} && echo "${id%.json}" || return 1
	done | sort >out/ids.expect &&
	test_cmp out/ids.expect out/ids.actual
}

test_expect_success 'the early workspace syncs: exit 0, warns, imports the good records' '
	fieldlog -C ws/early sync >out/sync.out 2>out/sync.err &&
	cat out/sync.out out/sync.err &&
	grep "^sent 0, received [0-9]*, conflicts 0$" out/sync.out &&
	grep "18 invalid records skipped" out/sync.err
'

test_expect_success 'its status lists each bad file with the reason; the good ones are in' '
	check_workspace ws/early
'

test_expect_success 'a fresh workspace (init --remote) imports the same way' '
	fieldlog -C ws/fresh init --id dung.pham --remote "$URL" >out/fresh.init 2>out/fresh.err &&
	cat out/fresh.init out/fresh.err &&
	grep "2 records indexed" out/fresh.init &&
	fieldlog -C ws/fresh sync &&
	check_workspace ws/fresh
'

test_expect_success 'reindex keeps the same skipped list and records' '
	fieldlog -C ws/fresh reindex &&
	check_workspace ws/fresh
'

test_expect_success 'the good records stay usable: show works, another sync is quiet' '
	id=$(sed -n 1p out/ids.expect) &&
	fieldlog -C ws/fresh issue show "$id" --json >out/shown &&
	test "$(json_get id <out/shown)" = "$id" &&
	fieldlog -C ws/fresh sync >out/again &&
	test "$(cat out/again)" = "sent 0, received 0, conflicts 0"
'

test_done
