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

#include "app/term.h"
#include "schema/json.h"

#define FIELDLOG_VERSION "0.1.0"

static const struct cmd commands[] = {
	/* setting up */
	{ "init", cmd_init, 0, N_("create a workspace (officer or reviewer)") },
	{ "whoami", cmd_whoami, WS_INDEX_ONLY, N_("show who and where this workspace is") },
	{ "remote", cmd_remote, 0, N_("show or set the central repository URL") },
	/* reference data */
	{ "communes", cmd_communes, USE_PAGER, N_("find communes (diacritics optional)") },
	{ "provinces", cmd_provinces, USE_PAGER, N_("list the 34 provinces") },
	{ "domains", cmd_domains, USE_PAGER, N_("list the domains of state management") },
	/* an officer's log */
	{ "schedule", cmd_schedule, 0, N_("plan a week: add, edit, list, show") },
	{ "visit", cmd_visit, 0, N_("log commune visits: add, edit, list, show") },
	{ "issue", cmd_issue, 0, N_("record obstacles: add, edit, comment, list, show") },
	{ "report", cmd_report, 0, N_("weekly report: week, submit, list, show, weekly") },
	{ "delete", cmd_delete, WS_WRITE | WS_INDEX_ONLY, N_("delete a record (kept in history)") },
	/* the central repository */
	{ "sync", cmd_sync, WS_WRITE, N_("send and receive with the central repository") },
	{ "status", cmd_status, WS_READ, N_("what is waiting to be sent, last sync, skipped records") },
	{ "bundle", cmd_bundle, 0, N_("records as a file, where there is no signal: create, import") },
	/* review */
	{ "respond", cmd_respond, WS_WRITE | WS_INDEX_ONLY | NEED_REVIEWER,
	  N_("answer an issue or a weekly report (reviewers)") },
	{ "search", cmd_search, WS_INDEX_ONLY | USE_PAGER, N_("full-text search, diacritic-insensitive") },
	{ "log", cmd_log, WS_READ | USE_PAGER, N_("every version of a record") },
	{ "diff", cmd_diff, WS_READ | USE_PAGER, N_("field-by-field differences between versions") },
	{ "stats", cmd_stats, WS_INDEX_ONLY | USE_PAGER, N_("counts by province, domain, status, severity") },
	{ "export", cmd_export, WS_INDEX_ONLY, N_("export records as CSV, JSON or an Excel workbook") },
	{ "dashboard", cmd_dashboard, WS_READ, N_("a week as a static web site to look at (charts, pages)") },
	/* administration (a central repository named by --repo, or no index) */
	{ "server", cmd_server, 0, N_("central repository: init, check (pre-receive hook)") },
	{ "roster", cmd_roster, 0, N_("officers and reviewers of a central repository") },
	{ "reindex", cmd_reindex, 0, N_("rebuild index.db from repo.git") },
	{ "config", cmd_config, 0, N_("workspace settings: lang (vi or en)") },
	/* help */
	{ "help", cmd_help, 0, N_("describe a command: help [COMMAND [SUBCOMMAND]]") },
	{ "__complete", cmd_complete, HIDDEN, NULL },
};

int main(int argc, const char **argv)
{
	int i = 1;

	fl_json_init();
	i18n_init();
	term_init();
	help_set_commands(commands, FL_ARRAY_SIZE(commands));
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
			help_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--no-pager")) {
			opt_no_pager = 1;
			i++;
		} else if (!strcmp(argv[i], "--no-color")) {
			opt_no_color = 1;
			i++;
		} else if (!strcmp(argv[i], "--wide")) {
			opt_wide = 1;
			i++;
		} else if (!strcmp(argv[i], "--version")) {
			printf("fieldlog %s\n", FIELDLOG_VERSION);
			return EXIT_OK;
		} else {
			fprintf(stderr, "%s", _("error: "));
			fprintf(stderr, _("unknown option '%s'"), argv[i]);
			fputc('\n', stderr);
			help_usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* -C may name a workspace whose "lang" differs from the default one's. */
	if (opt_workspace)
		i18n_init();
	if (i >= argc) {
		help_usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t c = 0; c < fl_ncommands; c++) {
		if (!strcmp(fl_commands[c].name, argv[i])) {
			int rc;
			fl_trace("%s: start", argv[i]);
			rc = run_command(&fl_commands[c], argc - i, argv + i, argv[i]);
			fl_trace("%s: done, exit %d", argv[i], rc);
			fflush(stdout);
			if (ferror(stdout)) {
				fprintf(stderr, "%s%s\n", _("error: "), _("cannot write output"));
				return EXIT_ERROR;
			}
			return rc;
		}
	}
	return help_unknown_command(argv[i]);
}
