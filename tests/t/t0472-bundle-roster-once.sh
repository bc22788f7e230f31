#!/bin/sh
# t0472-bundle-roster-once: a bundle import reads the roster once.
#
# Judging a bundle, the server's own check of an officer's branch, and the
# import that indexes what the bundle brought all judge on one roster: the
# trace shows it read once and its keys parsed into one keyring, whether
# the roster is the workspace's own or one the bundle brings. (At national
# scale each read of the 1.1 MB roster is ~10 ms, its keyring ~2 ms of it.)
# The judging itself is as strict as before: t0470 and t0471 refuse
# unsigned and wrongly signed commits with the same roster shared.

. "$(dirname "$0")/test-lib.sh"

CENTRAL=$TEST_SCRATCH/central.git

# traced WHO FILE: imports FILE into WHO with the trace in out/WHO.trace.
traced () {
	FIELDLOG_TRACE=1 fl $1 bundle import "$2" >out/$1.import 2>out/$1.trace &&
	cat out/$1.import
}

# once WHO: the last traced import read one roster and made one keyring.
once () {
	grep "roster: read " out/$1.trace >out/$1.reads
	grep "sign: a keyring of " out/$1.trace >out/$1.keyrings
	test_line_count = 1 out/$1.reads &&
	test_line_count = 1 out/$1.keyrings
}

test_lazy_prereq SSHKEYGEN 'command -v ssh-keygen'

test_expect_success SSHKEYGEN 'a central repository that requires signatures; an, bo' '
	mkdir ws out keys &&
	for k in admin an bo chi; do
		ssh-keygen -q -t ed25519 -N "" -C $k -f keys/$k || return 1
	done &&
	fieldlog server init --key keys/admin "$CENTRAL" >/dev/null &&
	fieldlog roster add --repo "$CENTRAL" --id an --name "Nguyễn Văn An" --role officer \
		--province 42 --key keys/an.pub &&
	fieldlog roster add --repo "$CENTRAL" --id bo --name "Vụ Chính quyền" --role reviewer \
		--key keys/bo.pub &&
	fl an init --id an --remote "$CENTRAL" --key keys/an >/dev/null &&
	fl bo init --id bo --remote "$CENTRAL" --key keys/bo >/dev/null &&
	fl an issue add --title "Đã gửi trước" --domain land --commune 18073 --severity low &&
	fl an sync >/dev/null
'

test_expect_success SSHKEYGEN 'an officer'\''s week: judged, checked as the server would, indexed on one roster' '
	fl an remote set "$TEST_SCRATCH/nowhere.git" >/dev/null &&
	fl an issue add --title "Chậm chi trả trợ cấp" --domain meritorious --commune 18073 \
		--severity medium --json >out/i1 &&
	json_get id <out/i1 >id &&
	fl an visit add --commune 18073 --date 2026-12-01 --summary "Làm việc với UBND xã" &&
	fl an bundle create week.bundle >/dev/null &&
	fl bo sync >/dev/null &&
	traced bo week.bundle &&
	grep "^imported 2 commits from week.bundle: authors/an (2)\$" out/bo.import &&
	grep "^records: 2 new, 0 changed\$" out/bo.import &&
	once bo &&
	grep "roster: read $(git --git-dir="$CENTRAL" rev-parse main:roster.json)\$" out/bo.reads
'

test_expect_success SSHKEYGEN 'a bundle that brings a roster: that one, read once' '
	fl bo respond "$(cat id)" --status answered --text "Bộ đã nhận" >/dev/null &&
	fl bo sync >/dev/null &&
	fieldlog roster add --repo "$CENTRAL" --id chi --name "Lê Chi" --role officer \
		--province 42 --key keys/chi.pub &&
	fieldlog bundle create --for an --repo "$CENTRAL" for-an.bundle >/dev/null &&
	traced an for-an.bundle &&
	grep "^imported 2 commits from for-an.bundle: main (1) authors/bo (1)\$" out/an.import &&
	once an &&
	grep "roster: read $(git --git-dir="$CENTRAL" rev-parse main:roster.json)\$" out/an.reads
'

test_done
