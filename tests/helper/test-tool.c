/*
 * test-tool.c: the program the tests and the benchmark run for what the
 * product must not carry, as git's t/helper/test-tool: one binary, one
 * command per job (a table, below), linked against the same library as
 * fieldlog, so that it reuses the product's code rather than copying it.
 * `make check`, `make bench` and `make test-tool` build it into
 * .build/<variant>/tests/helper/; `make` and `make install` never do.
 * The tests find it through $TEST_TOOL.
 */
#include <stdio.h>
#include <string.h>

#include "tests/helper/test-tool.h"
#include "app/fieldlog.h"
#include "schema/json.h"

struct test_cmd {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const char *help;
};

static const struct test_cmd cmds[] = {
	{ "generate", cmd__generate, "write a synthetic central repository (bench, tests)" },
};

static void usage(FILE *f)
{
	fputs("usage: test-tool COMMAND [ARGS]\n\n", f);
	for (size_t i = 0; i < FL_ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fputs("\n'test-tool COMMAND -h' describes a command.\n", f);
}

int main(int argc, const char **argv)
{
	fl_json_init();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < FL_ARRAY_SIZE(cmds); i++) {
		if (strcmp(cmds[i].name, argv[1]))
			continue;
		int rc = cmds[i].fn(argc - 1, argv + 1);
		fflush(stdout);
		if (ferror(stdout)) {
			fprintf(stderr, "error: cannot write output\n");
			return EXIT_ERROR;
		}
		return rc;
	}
	fprintf(stderr, "error: unknown command '%s' (see 'test-tool -h')\n", argv[1]);
	return EXIT_USAGE;
}
