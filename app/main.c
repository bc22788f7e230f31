/*
 * main.c: the one dispatch table. Global options (-C DIR, -h, --version)
 * are handled here; each command parses its own options and opens the
 * workspace itself with the access it needs (see ws_open), the way git's
 * builtins do with RUN_SETUP.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/fieldlog.h"
#include "schema/json.h"

#define FIELDLOG_VERSION "0.1.0"

struct command {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const char *help;
	int hidden;
};

static const struct command commands[] = {
	/* setting up */
	{ "init", cmd_init, "create a workspace (officer or reviewer)", 0 },
	{ "whoami", cmd_whoami, "show who and where this workspace is", 0 },
	{ "remote", cmd_remote, "show or set the central repository URL", 0 },
	/* reference data */
	{ "communes", cmd_communes, "find communes (diacritics optional)", 0 },
	{ "provinces", cmd_provinces, "list the 34 provinces", 0 },
	{ "domains", cmd_domains, "list the domains of state management", 0 },
	/* an officer's log */
	{ "schedule", cmd_schedule, "plan a week: add, edit, list, show", 0 },
	{ "visit", cmd_visit, "log commune visits: add, edit, list, show", 0 },
	{ "issue", cmd_issue, "record obstacles: add, edit, comment, list, show", 0 },
	{ "report", cmd_report, "weekly report: week, submit, list, show, weekly", 0 },
	{ "delete", cmd_delete, "delete a record (kept in history)", 0 },
	/* the central repository */
	{ "sync", cmd_sync, "send and receive with the central repository", 0 },
	{ "status", cmd_status, "what is waiting to be sent, last sync, skipped records", 0 },
	/* review */
	{ "respond", cmd_respond, "answer an issue or a weekly report (reviewers)", 0 },
	{ "search", cmd_search, "full-text search, diacritic-insensitive", 0 },
	{ "log", cmd_log, "every version of a record", 0 },
	{ "diff", cmd_diff, "field-by-field differences between versions", 0 },
	{ "stats", cmd_stats, "counts by province, domain, status, severity", 0 },
	{ "export", cmd_export, "export records as CSV or JSON", 0 },
	/* administration */
	{ "server", cmd_server, "central repository: init, check (pre-receive hook)", 0 },
	{ "roster", cmd_roster, "officers and reviewers of a central repository", 0 },
	{ "reindex", cmd_reindex, "rebuild index.db from repo.git", 0 },
	{ "generate", cmd_generate, "write synthetic records (benchmarks)", 1 },
};

static void usage(FILE *f)
{
	fputs("usage: fieldlog [-C DIR] COMMAND [ARGS]\n\n"
	      "Plan, log and report field work on commune-level government, offline;\n"
	      "share it through a central git repository with `fieldlog sync`.\n\n", f);
	for (size_t i = 0; i < FL_ARRAY_SIZE(commands); i++)
		if (!commands[i].hidden && commands[i].fn)
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fputs("\n'fieldlog COMMAND -h' describes a command. The workspace is -C DIR,\n"
	      "$FIELDLOG_HOME, or ~/.local/share/fieldlog.\n", f);
}

int main(int argc, const char **argv)
{
	int i = 1;

	fl_json_init();
	i18n_init();
	while (i < argc && argv[i][0] == '-') {
		if (!strncmp(argv[i], "-C", 2) && (argv[i][2] || i + 1 < argc)) {
			const char *dir = argv[i][2] ? argv[i] + 2 : argv[++i];
			i++;
			/* An empty -C must not quietly mean the default workspace. */
			if (!*dir) {
				fprintf(stderr, "%s%s\n", _("error: "),
					_("option '-C' needs a directory, not ''"));
				return EXIT_USAGE;
			}
			if (opt_workspace) {
				fprintf(stderr, "%s%s\n", _("error: "), _("option '-C' given twice"));
				return EXIT_USAGE;
			}
			opt_workspace = dir;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("fieldlog %s\n", FIELDLOG_VERSION);
			return EXIT_OK;
		} else {
			fprintf(stderr, "error: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t c = 0; c < FL_ARRAY_SIZE(commands); c++) {
		if (!strcmp(commands[c].name, argv[i]) && commands[c].fn) {
			int rc;
			fl_trace("%s: start", argv[i]);
			rc = commands[c].fn(argc - i, argv + i);
			fl_trace("%s: done, exit %d", argv[i], rc);
			fflush(stdout);
			if (ferror(stdout)) {
				fprintf(stderr, "error: cannot write output\n");
				return EXIT_ERROR;
			}
			return rc;
		}
	}
	fprintf(stderr, "error: unknown command '%s' (see 'fieldlog -h')\n", argv[i]);
	return EXIT_USAGE;
}
