#!/bin/sh
# t0244-completion: the bash completion (contrib/completion/fieldlog.bash)
# sourced in a real bash answers commands, subcommands, options, option
# values (commune codes and names, marks optional), and the ids of the
# workspace's records, through `fieldlog __complete`, which is hidden from
# the help and never opens or changes anything while it probes a command.

. "$(dirname "$0")/test-lib.sh"

FIELDLOG_NOW=2025-09-10T10:00:00+07:00
export FIELDLOG_NOW
mkdir bin && ln -s "$FIELDLOG_BIN" bin/fieldlog
PATH=$TEST_SCRATCH/bin:$PATH

# complete WORD...: what <TAB> offers after "fieldlog WORD..." (the last word
# is the one being completed), one answer a line, as bash would insert it.
complete () {
	bash -c '
		. "$1/contrib/completion/fieldlog.bash" && shift &&
		complete -p fieldlog >/dev/null &&
		COMP_WORDS=(fieldlog "$@") && COMP_CWORD=$# &&
		_fieldlog && for c in "${COMPREPLY[@]}"; do printf "%s\n" "$c"; done' sh "$TEST_ROOT" "$@"
}

if ! command -v bash >/dev/null; then
	test_skip_all "bash is not installed"
fi

test_expect_success 'set-up: a workspace with two issues and a visit' '
	fieldlog init --id le.van.cuong --name "Lê Văn Cường" --role officer --province 42 &&
	fieldlog issue add --title "Một" --domain civil_servants --commune 18073 --severity low &&
	fieldlog issue add --title "Hai" --domain civil_servants --commune 18073 --severity low &&
	fieldlog visit add --date 2025-09-09 --commune 18073 --summary "Ba" &&
	fieldlog issue list --json | "$PYTHON" -c "import json,sys; [print(r[\"id\"]) for r in json.load(sys.stdin)]" | sort >issue-ids &&
	fieldlog visit list --json | "$PYTHON" -c "import json,sys; [print(r[\"id\"]) for r in json.load(sys.stdin)]" >visit-ids &&
	test_line_count = 2 issue-ids
'

test_expect_success 'commands and subcommands' '
	complete iss >out && echo issue >expect && test_cmp expect out &&
	complete s >out && printf "schedule\nsync\nstatus\nsearch\nstats\nserver\n" >expect &&
	sort expect >e && sort out >o && test_cmp e o &&
	complete issue "" >out && printf "add\nedit\ncomment\nlist\nshow\n" >expect && test_cmp expect out &&
	complete remote set >out && printf "set\nset-token\n" >expect && test_cmp expect out &&
	complete help sch >out && echo schedule >expect && test_cmp expect out &&
	complete help issue co >out && echo comment >expect && test_cmp expect out &&
	complete __ >out && test_line_count = 0 out
'

test_expect_success 'options, and global options' '
	complete issue add --sev >out && echo --severity >expect && test_cmp expect out &&
	complete issue list --com >out && echo --commune >expect && test_cmp expect out &&
	complete --no >out && printf -- "--no-pager\n--no-color\n" >expect && test_cmp expect out
'

test_expect_success 'ids of the workspace records, of the kind asked' '
	complete issue show 01 >out && sort out >o && test_cmp issue-ids o &&
	complete visit edit "" >out && test_cmp visit-ids out &&
	complete delete 01 >out && test_line_count = 3 out &&
	id=$(head -n1 issue-ids) &&
	complete issue show $(echo $id | cut -c1-14) >out && echo $id >expect && test_cmp expect out
'

test_expect_success '-C names the workspace whose ids are offered' '
	mv "$HOME/.local/share/fieldlog" ws &&
	complete issue show 01 >out && test_line_count = 0 out &&
	complete -C ws issue show 01 >out && sort out >o && test_cmp issue-ids o
'

test_expect_success 'commune values: codes, and names with marks optional' '
	complete issue add --commune 1807 >out && grep -x 18073 out &&
	complete issue add --commune thien >out && grep -x "Phường\\\\ Thiên\\\\ Hương" out &&
	complete issue add --commune "thien\\ huong" >out &&
	echo "Phường\\ Thiên\\ Hương" >expect && test_cmp expect out &&
	complete issue add --commune "\"Thiên hươ" >out && echo "Phường Thiên Hương" >expect && test_cmp expect out &&
	complete communes "thien huong" >out && grep -x "Phường\\\\ Thiên\\\\ Hương" out &&
	complete issue add --severity u >out && echo urgent >expect && test_cmp expect out &&
	complete issue add --domain civil >out && echo civil_servants >expect && test_cmp expect out
'

test_expect_success 'probing changes nothing: no workspace made, none locked' '
	export FIELDLOG_HOME="$TEST_SCRATCH/none" &&
	complete init --i >out && grep -x -- --id out &&
	complete sync --t >out && grep -x -- --timeout out &&
	complete issue add --title x --com >out &&
	! test -e "$TEST_SCRATCH/none" &&
	fieldlog help >help && ! grep __complete help
'

test_done
