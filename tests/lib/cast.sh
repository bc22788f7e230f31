# cast.sh: the people the workflow tests meet again and again, and an
# unsigned central repository of them at $TEST_SCRATCH/srv/central.git
# (CENTRAL), each with a workspace ws/ID. Source it after test-lib.sh.
#
#   an    officer, Hà Tĩnh (42)     binh  officer, Đồng Nai (75)
#   chi   officer, Hà Nội (01)      bo    reviewer of the Ministry

CENTRAL=$TEST_SCRATCH/srv/central.git

# cast_add ID: ID, one of the cast, in $CENTRAL's roster (login: the id).
cast_add () {
	case $1 in
	an)	set -- an "Nguyễn Văn An" officer 42 ;;
	binh)	set -- binh "Trần Thị Bình" officer 75 ;;
	chi)	set -- chi "Lê Minh Chi" officer 01 ;;
	bo)	set -- bo "Vụ Chính quyền địa phương" reviewer ;;
	*)	echo "cast.sh: nobody called '$1' in the cast" >&2
		return 1 ;;
	esac
	fieldlog roster add --repo "$CENTRAL" --id "$1" --name "$2" --role "$3" \
		${4:+--province "$4"} --login "$1" >"out/roster-$1"
}

# cast_central ID...: $CENTRAL with those people, and their workspaces
# joined to it (at the clock `now` set, if any).
cast_central () {
	mkdir -p "$TEST_SCRATCH/srv" ws out &&
	fieldlog server init --allow-unsigned "$CENTRAL" >out/server-init || return 1
	for _id; do
		cast_add "$_id" || return 1
	done
	for _id; do
		fl "$_id" init --id "$_id" --remote "$CENTRAL" >"out/init-$_id" 2>&1 || return 1
	done
}
