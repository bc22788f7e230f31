/*
 * main.c: the one dispatch table. Global options (-C DIR, -h, --version)
 * are read here; then the table entry of the command says what it needs
 * (none, the workspace to read or to write, the index only, an officer's
 * or a reviewer's workspace), and run_command (util.c) opens the workspace
 * and checks the role once before the command runs, as git's run_builtin
 * does for RUN_SETUP. A command with subcommands asks for nothing here:
 * the subcommand table in its own file declares the same per subcommand.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/fieldlog.h"
#include "schema/json.h"

#define FIELDLOG_VERSION "0.1.0"

static const struct cmd commands[] = {
	/* setting up */
	{ "init", cmd_init, 0, "create a workspace (officer or reviewer)" },
	{ "whoami", cmd_whoami, WS_INDEX_ONLY, "show who and where this workspace is" },
	{ "remote", cmd_remote, 0, "show or set the central repository URL" },
	/* reference data */
	{ "communes", cmd_communes, 0, "find communes (diacritics optional)" },
	{ "provinces", cmd_provinces, 0, "list the 34 provinces" },
	{ "domains", cmd_domains, 0, "list the domains of state management" },
	/* an officer's log */
	{ "schedule", cmd_schedule, 0, "plan a week: add, edit, list, show" },
	{ "visit", cmd_visit, 0, "log commune visits: add, edit, list, show" },
	{ "issue", cmd_issue, 0, "record obstacles: add, edit, comment, list, show" },
	{ "report", cmd_report, 0, "weekly report: week, submit, list, show, weekly" },
	{ "delete", cmd_delete, WS_WRITE | WS_INDEX_ONLY, "delete a record (kept in history)" },
	/* the central repository */
	{ "sync", cmd_sync, WS_WRITE, "send and receive with the central repository" },
	{ "status", cmd_status, WS_READ, "what is waiting to be sent, last sync, skipped records" },
	/* review */
	{ "respond", cmd_respond, WS_WRITE | WS_INDEX_ONLY | NEED_REVIEWER,
	  "answer an issue or a weekly report (reviewers)" },
	{ "search", cmd_search, WS_INDEX_ONLY, "full-text search, diacritic-insensitive" },
	{ "log", cmd_log, WS_READ, "every version of a record" },
	{ "diff", cmd_diff, WS_READ, "field-by-field differences between versions" },
	{ "stats", cmd_stats, WS_INDEX_ONLY, "counts by province, domain, status, severity" },
	{ "export", cmd_export, WS_INDEX_ONLY, "export records as CSV, JSON or an Excel workbook" },
	{ "dashboard", cmd_dashboard, WS_READ, "a week as a static web site to look at (charts, pages)" },
	/* administration (a central repository named by --repo, or no index) */
	{ "server", cmd_server, 0, "central repository: init, check (pre-receive hook)" },
	{ "roster", cmd_roster, 0, "officers and reviewers of a central repository" },
	{ "reindex", cmd_reindex, 0, "rebuild index.db from repo.git" },
};

static void usage(FILE *f)
{
	fputs("usage: fieldlog [-C DIR] COMMAND [ARGS]\n\n"
	      "Plan, log and report field work on commune-level government, offline;\n"
	      "share it through a central git repository with `fieldlog sync`.\n\n", f);
	for (size_t i = 0; i < FL_ARRAY_SIZE(commands); i++)
		if (!(commands[i].setup & HIDDEN))
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
		if (!strcmp(commands[c].name, argv[i])) {
			int rc;
			fl_trace("%s: start", argv[i]);
			rc = run_command(&commands[c], argc - i, argv + i, argv[i]);
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
