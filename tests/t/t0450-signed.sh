#!/bin/sh
# t0450-signed: every commit fieldlog writes is signed as stock git signs
# with gpg.format=ssh, and stock git checks it.
#
# - keys made here by ssh-keygen (HOME is the scratch directory's, so no
#   key of the machine is ever used); `init --key` prints the line the
#   admin gives to `roster add --key`;
# - saves, a sync, a merge between two devices of one officer (the second
#   signing with a passphrase-protected key through ssh-keygen and
#   SSH_ASKPASS), a reviewer's response, roster commits: with the file
#   `roster allowed-signers` prints, `git log --show-signature` says
#   Good "git" signature for each;
# - `log` names the signer of each version, and after `roster key remove`
#   shows the versions that key signed as "key removed";
# - a malformed roster key line is a one-line error naming the person;
# - a workspace without a key still commits (unsigned), and says how to
#   add one.

. "$(dirname "$0")/test-lib.sh"

CENTRAL=$TEST_SCRATCH/central.git

# verify_all REF: every commit reachable from REF has a good signature.
verify_all () {
	git --git-dir="$CENTRAL" -c gpg.ssh.allowedSignersFile="$TEST_SCRATCH/allowed" \
		log --format="%H %G? %GS" "$1" >out/sigs &&
	cat out/sigs &&
	test -s out/sigs &&
	! grep -v " G [a-z.]*@fieldlog\$" out/sigs
}

test_lazy_prereq SSHKEYGEN 'command -v ssh-keygen'

test_expect_success SSHKEYGEN 'keys, a central repository that requires signatures, two people' '
	mkdir ws out keys &&
	ssh-keygen -q -t ed25519 -N "" -C admin -f keys/admin &&
	ssh-keygen -q -t ed25519 -N "" -C an@laptop -f keys/an &&
	ssh-keygen -q -t ed25519 -N "sekret" -C an@phone -f keys/an2 &&
	ssh-keygen -q -t ed25519 -N "" -C bo@office -f keys/bo &&
	fieldlog server init --key keys/admin "$CENTRAL" >out/init &&
	grep "signatures: every new commit must be signed" out/init &&
	test "$(git --git-dir="$CENTRAL" show main:roster.json | json_get require_signatures)" = true &&
	fieldlog roster add --repo "$CENTRAL" --id an --name "Nguyễn Văn An" --role officer \
		--province 42 --key keys/an.pub >out/add &&
	grep "1 key" out/add &&
	fieldlog roster add --repo "$CENTRAL" --id bo --name "Vụ Chính quyền" --role reviewer \
		--key "$(cat keys/bo.pub)"
'

test_expect_success SSHKEYGEN 'init --key prints the public key line for the admin' '
	fl an init --id an --remote "$CENTRAL" --key keys/an >out/an.init &&
	grep "^  $(cut -d" " -f1-2 keys/an.pub) an@fieldlog\$" out/an.init &&
	grep "(SHA256:" out/an.init &&
	fl bo init --id bo --remote "$CENTRAL" --key keys/bo >/dev/null
'

test_expect_success SSHKEYGEN 'a save signs nothing; its commit is signed when the outbox is committed' '
	fl an issue add --title "Chậm chi trả trợ cấp" --domain meritorious --commune 18073 \
		--severity medium --json >out/i1 &&
	json_get id <out/i1 >id &&
	test -s ws/an/outbox &&
	fl an sync >out/sync &&
	grep "sent 1" out/sync &&
	git --git-dir=ws/an/repo.git cat-file commit main >out/c &&
	grep "^gpgsig -----BEGIN SSH SIGNATURE-----" out/c
'

test_expect_success SSHKEYGEN 'a second device with a passphrase-protected key, signing through ssh-keygen' '
	fieldlog roster key add --repo "$CENTRAL" an keys/an2.pub >out/keyadd &&
	grep "added key SHA256:" out/keyadd &&
	fl an2 init --id an --remote "$CENTRAL" --key keys/an2 >out/an2.init &&
	grep "signed with .*keys/an2 (SHA256:" out/an2.init &&
	printf "#!/bin/sh\necho sekret\n" >askpass &&
	chmod +x askpass &&
	id=$(cat id) &&
	fl an issue edit "$id" --severity high &&
	fl an sync &&
	SSH_ASKPASS=$TEST_SCRATCH/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		fl an2 issue edit "$id" --status escalated --escalation "Xin ý kiến Bộ" </dev/null &&
	SSH_ASKPASS=$TEST_SCRATCH/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		fl an2 sync </dev/null >out/an2.sync &&
	git --git-dir=ws/an2/repo.git rev-list --merges main >out/merges &&
	test -s out/merges &&
	fl an sync
'

test_expect_success SSHKEYGEN 'a reviewer responds: the response is signed too' '
	fl bo sync &&
	fl bo respond "$(cat id)" --status answered --text "Bộ đã nhận" &&
	fl bo sync >out/bo.sync &&
	grep "sent 1" out/bo.sync
'

test_expect_success SSHKEYGEN 'stock git: Good "git" signature for every fieldlog commit' '
	fieldlog roster allowed-signers --repo "$CENTRAL" >allowed &&
	grep "^an@fieldlog namespaces=\"git\" ssh-ed25519 " allowed &&
	test "$(grep -c "^an@fieldlog " allowed)" = 2 &&
	verify_all authors/an &&
	test "$(git --git-dir="$CENTRAL" rev-list --merges authors/an | wc -l)" -ge 1 &&
	verify_all authors/bo &&
	verify_all main &&
	git --git-dir="$CENTRAL" -c gpg.ssh.allowedSignersFile="$TEST_SCRATCH/allowed" \
		log --show-signature authors/an >out/show &&
	test "$(grep -c "^Good \"git\" signature for an@fieldlog" out/show)" = \
		"$(git --git-dir="$CENTRAL" rev-list --count authors/an)"
'

test_expect_success SSHKEYGEN 'log: signed by whom, per version, and in --json' '
	id=$(cat id) &&
	fp1=$(ssh-keygen -lf keys/an.pub | cut -d" " -f2) &&
	fp2=$(ssh-keygen -lf keys/an2.pub | cut -d" " -f2) &&
	fl an log "$id" >out/log &&
	cat out/log &&
	grep "^    signed by an ($fp1)\$" out/log &&
	grep "^    signed by an ($fp2)\$" out/log &&
	! grep "unsigned\|BAD" out/log &&
	fl an log "$id" --json >out/log.json &&
	test "$(json_get 0.signature.state 0.signature.signer 0.signature.fingerprint <out/log.json)" = "good
an
$fp1"
'

test_expect_success SSHKEYGEN 'a removed key: what it signed shows as such' '
	id=$(cat id) &&
	fp1=$(ssh-keygen -lf keys/an.pub | cut -d" " -f2) &&
	fieldlog roster key remove --repo "$CENTRAL" an "$fp1" >out/rm &&
	grep "removed key $fp1 from an" out/rm &&
	fl an sync &&
	fl an log "$id" >out/log2 &&
	grep "^    signed by an (key removed, $fp1)\$" out/log2 &&
	fl an log "$id" --json >out/log2.json &&
	test "$(json_get 0.signature.state 0.signature.key_removed <out/log2.json)" = "bad
true" &&
	fieldlog roster allowed-signers --repo "$CENTRAL" >allowed2 &&
	! grep "$(cut -d" " -f2 keys/an.pub)" allowed2 &&
	fieldlog roster key remove --repo "$CENTRAL" an keys/an.pub 2>err;
	test $? = 1 && grep "^error: .an. has no key" err
'

test_expect_success SSHKEYGEN 'a malformed roster key is a one-line error naming the person' '
	test_must_fail fieldlog roster add --repo "$CENTRAL" --id cu --name Cu --role officer \
		--province 42 --key "ssh-ed25519 AAAAnotakey cu" 2>err &&
	test_line_count = 1 err &&
	grep "^error: key for .cu.:" err &&
	ssh-keygen -q -t rsa -b 1024 -N "" -f keys/rsa 2>/dev/null &&
	test_must_fail fieldlog roster key add --repo "$CENTRAL" bo keys/rsa.pub 2>err &&
	test_line_count = 1 err &&
	grep "error: key for .bo.:.*ssh-rsa" err &&
	git --git-dir="$CENTRAL" show main:roster.json >r.json &&
	"$PYTHON" - <<-\EOF &&
	import json
	r = json.load(open("r.json", encoding="utf-8"))
	r["people"][1]["keys"] = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIbroken bo"]
	json.dump(r, open("r.json", "w", encoding="utf-8"), ensure_ascii=False, indent=2)
	EOF
	blob=$(git --git-dir="$CENTRAL" hash-object -w r.json) &&
	tree=$(printf "100644 blob %s\troster.json\n" "$blob" | git --git-dir="$CENTRAL" mktree) &&
	c=$(git --git-dir="$CENTRAL" commit-tree -p main -m broken "$tree") &&
	git --git-dir="$CENTRAL" update-ref refs/heads/main "$c" &&
	test_must_fail fieldlog roster list --repo "$CENTRAL" 2>err &&
	test_line_count = 1 err &&
	grep "person .bo.: .ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIbroken bo. is not an OpenSSH" err
'

test_expect_success 'a workspace without a key commits unsigned, and says how to add one' '
	mkdir -p solo out &&
	fieldlog -C solo/ws init --id chi --name Chi --role officer --province 42 2>err >out/solo &&
	grep "^hint: no signing key.*ssh-keygen -t ed25519.*fieldlog init --key" err &&
	test_line_count = 1 err &&
	fieldlog -C solo/ws issue add --title "Một việc" --domain land --commune 18073 \
		--severity low --json >out/solo.i &&
	fieldlog -C solo/ws log "$(json_get id <out/solo.i)" >out/solo.log &&
	grep "^    unsigned\$" out/solo.log &&
	fieldlog -C solo/ws status >out/st 2>err &&
	! test -s err &&
	grep "^signing key: none (your commits are unsigned.*fieldlog init --key" out/st &&
	! git --git-dir=solo/ws/repo.git cat-file commit main | grep gpgsig
'

test_expect_success SSHKEYGEN 'init --key on an existing workspace signs from then on' '
	fieldlog -C solo/ws init --key keys/bo >out/setkey &&
	grep "commits are signed with" out/setkey &&
	fieldlog -C solo/ws status >out/st2 2>err &&
	! test -s err &&
	grep "^signing key: .*/keys/bo\$" out/st2 &&
	fieldlog -C solo/ws issue add --title "Hai việc" --domain land --commune 18073 \
		--severity low --json >out/solo.i2 &&
	fieldlog -C solo/ws log "$(json_get id <out/solo.i2)" >out/solo.log2 &&
	grep "^    BAD SIGNATURE: signed with SHA256:.*a key nobody in the roster holds" out/solo.log2 &&
	git --git-dir=solo/ws/repo.git cat-file commit main | grep "^gpgsig "
'

test_expect_success SSHKEYGEN 'init uses ~/.ssh/id_ed25519 when --key is not given' '
	mkdir -p home/.ssh &&
	ssh-keygen -q -t ed25519 -N "" -f home/.ssh/id_ed25519 &&
	HOME=$TEST_SCRATCH/home fieldlog -C ws/dflt init --id dung --name Dung --role reviewer \
		>out/dflt 2>err &&
	grep "commits are signed with $TEST_SCRATCH/home/.ssh/id_ed25519 (SHA256:" out/dflt &&
	! grep hint err
'

test_done
