#!/bin/sh
# tests/check-layers.sh BUILD_DIR: the layers point one way (schema <- sync
# <- app), checked on the per-layer archives BUILD_DIR/libfl-{schema,sync,app}.a.
#
# Linking them in the order app, sync, schema already fails on an upward
# reference, but only when nothing else pulled the called object in first;
# the symbols say it always: no symbol that libfl-schema.a leaves undefined
# may be defined in libfl-sync.a or libfl-app.a, and none that libfl-sync.a
# leaves undefined in libfl-app.a. Speaks TAP; exit 1 on a violation, which
# is named with the symbol and the object that calls it.

set -u
dir=${1:?usage: check-layers.sh BUILD_DIR}
NM=${NM:-nm}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fieldlog-layers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

echo 1..2
for l in schema sync app; do
	if [ ! -f "$dir/libfl-$l.a" ]; then
		echo "not ok 1 # no '$dir/libfl-$l.a' (run make)"
		exit 1
	fi
	# Defined global symbols, one a line.
	"$NM" -g --defined-only "$dir/libfl-$l.a" 2>/dev/null |
		awk 'NF == 3 { print $3 }' | sort -u > "$tmp/$l.def"
	# Undefined ones as "symbol object".
	"$NM" -u -A "$dir/libfl-$l.a" 2>/dev/null |
		awk '{ n = split($1, a, ":"); print $NF, a[n - 1] }' | sort -u > "$tmp/$l.undef"
done

status=0
n=0
check() {   # check LOWER "UPPER..."
	n=$((n + 1))
	lower=$1
	shift
	sort -u "$@" > "$tmp/upper"
	awk 'NR == FNR { up[$1] = 1; next } ($1 in up)' "$tmp/upper" "$tmp/$lower.undef" \
		> "$tmp/bad"
	if [ -s "$tmp/bad" ]; then
		echo "not ok $n - $lower/ calls nothing in a layer above it"
		while read -r sym obj; do
			echo "# $lower/$obj references '$sym', defined above it"
		done < "$tmp/bad"
		status=1
	else
		echo "ok $n - $lower/ calls nothing in a layer above it"
	fi
}
check schema "$tmp/sync.def" "$tmp/app.def"
check sync "$tmp/app.def"
exit $status
