#!/bin/sh
# tests/demo.sh FIELDLOG: a short scripted session of an officer in Hà Tĩnh,
# run by `make demo`. Everything happens in a temporary directory that is
# removed at the end; each command is printed ("$ fieldlog ...") before its
# output. The clock is fixed (FIELDLOG_NOW) to days of week 2025-W37 so that
# the weekly report has something to say.
#
# When the binary has `server`, `roster` and `sync`, the session ends with a
# central repository in the same temporary directory, a sync, and a reviewer
# who sees the escalated issue; otherwise that part is left out. Last, the
# week's report is written as a .docx beside the temporary directory, and
# the week's dashboard (a static web site) beside it; both are kept, and
# the demo says where.

set -eu

FIELDLOG=${1:-}
if [ -z "$FIELDLOG" ]; then
	echo "usage: sh tests/demo.sh PATH-TO-FIELDLOG" >&2
	exit 2
fi
case $FIELDLOG in
/*) ;;
*) FIELDLOG=$(pwd -P)/$FIELDLOG ;;
esac
if [ ! -x "$FIELDLOG" ]; then
	echo "demo: no fieldlog binary at '$FIELDLOG' (run make first)" >&2
	exit 1
fi

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/fieldlog-demo.XXXXXX")
DEMO=$(cd "$DEMO" && pwd -P)
trap 'st=$?; cd /; rm -rf "$DEMO"; [ $st -eq 0 ] || echo "demo: stopped (status $st)" >&2' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$DEMO"

# The officer's workspace; no -C needed on the command lines below.
FIELDLOG_HOME=$DEMO/officer
export FIELDLOG_HOME
unset FIELDLOG_NOW FIELDLOG_REFDATA
export LC_ALL=C.UTF-8

if [ -t 1 ]; then
	B=$(printf '\033[1m') D=$(printf '\033[2m') N=$(printf '\033[0m')
else
	B= D= N=
fi

# quote ARG: ARG as a shell would need it typed.
quote () {
	case $1 in
	'' | *[!A-Za-z0-9._/:=@%,+-]*)
		printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*)
		printf '%s' "$1" ;;
	esac
}

# show WORDS...: prints "$ WORDS" as a command line.
show () {
	_line='$'
	for _w
	do
		_line="$_line $(quote "$_w")"
	done
	printf '%s%s%s\n' "$B" "$_line" "$N"
}

# run fieldlog ARGS...: prints the command, runs it; its output is also kept
# in .last (for the ids it prints).
run () {
	shift
	show fieldlog "$@"
	"$FIELDLOG" "$@" >"$DEMO/.last" 2>&1 || {
		st=$?
		cat "$DEMO/.last"
		return $st
	}
	cat "$DEMO/.last"
	echo
}

# last_id: the last full record id printed by the previous command.
last_id () {
	grep -o '[0-9A-HJKMNP-TV-Z]\{26\}' "$DEMO/.last" | tail -n 1
}

# short ID: the first 10 characters, as the tables show them (any unique
# prefix of an id is accepted).
short () {
	printf '%s\n' "$1" | cut -c1-10
}

# day RFC3339 TEXT: a heading, and the clock fieldlog sees from now on.
day () {
	FIELDLOG_NOW=$1
	export FIELDLOG_NOW
	printf '\n%s== %s ==%s\n\n' "$B" "$2" "$N"
}

note () {
	printf '%s# %s%s\n' "$D" "$*" "$N"
}

cat <<EOF
${B}fieldlog demo${N}: one week of Nguyễn Văn An, an officer of the Ministry of Home
Affairs in Hà Tĩnh, with no network. Everything happens in
  $DEMO
which is removed at the end. The clock is fixed to days of week 2025-W37.
EOF

day 2025-09-08T07:30:00+07:00 "Monday 8 September 2025: set up and plan the week"
note "the workspace is \$FIELDLOG_HOME ($FIELDLOG_HOME); -C DIR would select another"
run fieldlog init --id nguyen.van.an --name "Nguyễn Văn An" --role officer --province 42
run fieldlog whoami
note "communes are found without typing diacritics"
run fieldlog communes thanh sen
run fieldlog communes "tran phu" --province 42
run fieldlog schedule add --date 2025-09-08 --commune 18073 \
	--activity "Làm việc với UBND phường về cải cách thủ tục hành chính"
E1=$(last_id)
run fieldlog schedule add --date 2025-09-09 --commune 18073 \
	--activity "Kiểm tra công tác văn thư, lưu trữ"
E2=$(last_id)
run fieldlog schedule add --date 2025-09-11 --commune 18100 \
	--activity "Dự họp dân về thực hiện dân chủ ở cơ sở"

day 2025-09-08T17:00:00+07:00 "Monday evening: the first visit"
run fieldlog schedule edit "$(short "$E1")" --state done
run fieldlog visit add --date 2025-09-08 --commune 18073 \
	--summary "Làm việc với Chủ tịch UBND phường về bộ phận một cửa" \
	--met "Ông Trần Văn Bình, Chủ tịch UBND phường" \
	--finding "Thiếu 2 công chức địa chính – xây dựng" \
	--finding "Bộ phận một cửa quá tải vào thứ Hai"
run fieldlog issue add --title "Thiếu công chức địa chính – xây dựng" \
	--domain civil_servants --commune 18073 --severity high \
	--description "Phường chỉ còn 1 công chức địa chính sau sắp xếp."
run fieldlog domains

day 2025-09-09T07:00:00+07:00 "Tuesday 9 September: a change of plan"
run fieldlog schedule edit "$(short "$E2")" --state cancelled --note "Lãnh đạo phường đi họp tỉnh"
run fieldlog issue add --title "Chậm giải quyết hồ sơ đất đai sau sắp xếp đơn vị hành chính" \
	--domain admin_reform --commune 18073 --commune 18100 --severity urgent \
	--description "37 hồ sơ quá hạn; chưa có hướng dẫn chuyển tiếp."
I2=$(last_id)
run fieldlog issue add --title "Nhà văn hóa tổ dân phố xuống cấp" \
	--domain local_government --commune 18100 --severity medium
I3=$(last_id)
run fieldlog visit add --date 2025-09-09 --commune 18100 \
	--summary "Kiểm tra nhà văn hóa và bộ phận tiếp nhận hồ sơ" \
	--issue "$(short "$I2")" --issue "$(short "$I3")"

day 2025-09-10T10:30:00+07:00 "Wednesday 10 September: escalate to the Ministry"
run fieldlog issue edit "$(short "$I2")" --status escalated \
	--escalation "Đề nghị Bộ hướng dẫn thẩm quyền giải quyết hồ sơ chuyển tiếp"
run fieldlog issue comment "$(short "$I2")" --text "Đã báo cáo UBND tỉnh bằng văn bản số 12/BC-UBND"
run fieldlog issue edit "$(short "$I3")" --status resolved --resolution "UBND phường đã duyệt kinh phí sửa chữa"
run fieldlog issue list
run fieldlog issue show "$(short "$I2")"

day 2025-09-11T08:00:00+07:00 "Thursday 11 September: the weekly report"
run fieldlog report week
run fieldlog report submit --summary "Tuần 37: làm việc tại Thành Sen và Trần Phú; 1 kiến nghị gửi Bộ."

printf '\n%s== History: every saved edit is a commit in repo.git ==%s\n\n' "$B" "$N"
note "a save is a line in the workspace's outbox; the next sync, status or log makes the commits"
run fieldlog status
if command -v git >/dev/null 2>&1; then
	show git -C officer/repo.git log --oneline
	git -C officer/repo.git log --oneline
	echo
	note "the escalation, as stock git shows it: one commit, one record, canonical JSON"
	show git -C officer/repo.git log -1 -p --grep=escalated
	git -C officer/repo.git log -1 -p --grep=escalated
	echo
else
	note "git is not installed here; with git, 'git -C officer/repo.git log' shows the history"
	echo
fi

# The central repository, when this build has it.
if "$FIELDLOG" server init -h >/dev/null 2>&1 &&
   "$FIELDLOG" roster add -h >/dev/null 2>&1 &&
   "$FIELDLOG" sync -h >/dev/null 2>&1 &&
   "$FIELDLOG" remote -h >/dev/null 2>&1; then
	day 2025-09-11T09:00:00+07:00 "Thursday, back online: the central repository"
	note "the admin creates the central repository and its roster (a local path here;"
	note "in the pilot it is served over https or ssh)"
	run fieldlog server init --allow-unsigned "$DEMO/central.git"
	run fieldlog roster add --repo "$DEMO/central.git" --id nguyen.van.an \
		--name "Nguyễn Văn An" --role officer --province 42
	run fieldlog roster add --repo "$DEMO/central.git" --id le.thi.hoa \
		--name "Lê Thị Hoa" --role reviewer
	note "the officer points the workspace at it and syncs"
	run fieldlog remote set "$DEMO/central.git"
	run fieldlog sync
	note "a reviewer of the Ministry's working group sees the escalated issue"
	run fieldlog -C reviewer init --id le.thi.hoa --name "Lê Thị Hoa" --role reviewer \
		--remote "$DEMO/central.git"
	run fieldlog -C reviewer issue list --escalated
	note "the reviewer answers; the answer goes to the reviewer's own branch"
	run fieldlog -C reviewer respond "$(short "$I2")" --status answered \
		--text "Vụ Chính quyền địa phương đã có văn bản hướng dẫn; tỉnh áp dụng từ tuần sau."
	run fieldlog -C reviewer sync
	note "the officer's next sync brings the answer (and no other officer's records)"
	run fieldlog sync
	run fieldlog issue show "$(short "$I2")"
fi

# The week as the document an officer sends (kept: it is outside $DEMO).
day 2025-09-11T10:00:00+07:00 "Thursday: the weekly report as a document to send"
DOCX=$(cd "${TMPDIR:-/tmp}" && pwd -P)/bao-cao-2025-W37-nguyen.van.an.docx
note "once: the unit line under BỘ NỘI VỤ in the header"
run fieldlog report unit "TỔ CÔNG TÁC CỦA BỘ TẠI TỈNH HÀ TĨNH"
run fieldlog report week 2025-W37 --format docx -o "$DOCX"
note "the weekly report, in the form of Nghị định 30/2020/NĐ-CP, is in $DOCX"
note "(open it in Word or LibreOffice; --format html writes the same as a web page)"
echo

# The week as the working group looks at it (kept too, beside the .docx).
if "$FIELDLOG" dashboard -h >/dev/null 2>&1; then
	DASH=$(cd "${TMPDIR:-/tmp}" && pwd -P)/dashboard-2025-W37
	# In Vietnamese, as on the Ministry's desktops (LANGUAGE decides first).
	LANGUAGE=vi
	export LANGUAGE
	if [ -d "$DEMO/reviewer" ]; then
		note "the reviewer's dashboard of the week: every officer's records, as a web site"
		note "(LANGUAGE=vi: its labels in Vietnamese, as on the Ministry's desktops)"
		run fieldlog -C reviewer dashboard --week 2025-W37 -o "$DASH"
	else
		note "the week's dashboard, as a web site (LANGUAGE=vi: in Vietnamese)"
		run fieldlog dashboard --week 2025-W37 -o "$DASH"
	fi
	unset LANGUAGE
	note "the dashboard (charts of the 34 provinces, a page per province and per issue) is in $DASH"
	note "open $DASH/index.html in a browser: it needs no network"
	echo
fi

printf '%sThat was fieldlog.%s The temporary directory is removed now. Next: make check\n' "$B" "$N"
