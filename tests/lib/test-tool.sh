# test-tool.sh: the tests' helper program (tests/helper/test-tool), for the
# scripts that need what only it makes, such as a generated central
# repository. Source it after test-lib.sh:
#
#	. "$TEST_LIB_DIR/test-tool.sh"
#	test_tool generate --repo "$CENTRAL" --profile pilot --officers 3 ...
#
# `make check` builds the helper and passes its absolute path as $TEST_TOOL;
# a script run by hand falls back to the plain build's (`make test-tool`).

: "${TEST_TOOL:=$TEST_ROOT/.build/plain/tests/helper/test-tool}"
export TEST_TOOL

# test_tool ARGS...: the helper, as fieldlog () runs the binary under test.
test_tool () {
	if [ ! -x "$TEST_TOOL" ]; then
		echo "error: no test helper at '$TEST_TOOL' (make test-tool, or set TEST_TOOL)" >&2
		return 127
	fi
	"$TEST_TOOL" "$@"
}
