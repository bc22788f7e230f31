/*
 * complete.c: `fieldlog __complete WORD... CURRENT`, the answers the bash
 * completion (contrib/completion/fieldlog.bash) offers, one per line:
 * commands, subcommands, options, option values (commune codes and
 * names, domains, provinces, statuses), and the ids of the workspace's
 * records.
 *
 * The subcommands and options are not listed twice: the command is run
 * as for `-h` (which opens nothing and changes nothing) with `completing`
 * set, and dispatch() or parse_opts() hand their own tables to
 * complete_subcommands() or complete_options(), which answer and exit.
 * Anything the probed command prints itself goes to /dev/null; the
 * answers go to the real stdout.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/term.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema/refdata.h"
#include "schema/text.h"

int completing;

static const char *cur = "";     /* the word being completed */
static const char *top = "";     /* the command: issue, delete, communes... */
static FILE *answers;

static void answer(const char *s)
{
	fprintf(answers, "%s\n", s);
}

static void answer_if_prefix(const char *s)
{
	if (!strncmp(s, cur, strlen(cur)))
		answer(s);
}

static FL_NORETURN void done(void)
{
	fflush(answers);
	_exit(EXIT_OK);   /* no atexit: the probed command opened nothing worth closing */
}

void complete_subcommands(const struct cmd *sub, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(sub[i].setup & HIDDEN))
			answer_if_prefix(sub[i].name);
	done();
}

/* Whether every word of `want` starts a word of `name` (both folded), as `communes` matches. */
static int words_match(const char *name, char *want)
{
	char *save = NULL;

	for (char *w = strtok_r(want, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		const char *p = name;
		while ((p = strstr(p, w)) && !(p == name || p[-1] == ' ' || p[-1] == '-'))
			p++;
		if (!p)
			return 0;
	}
	return 1;
}

/*
 * Commune codes for digits; otherwise the names (with their marks) whose
 * words start with the words typed, marks and case optional: "thien h"
 * offers "Xã Thiên Hương".
 */
static void communes(void)
{
	const struct fl_refdata *rd = fl_refdata();
	char *want = fl_text_fold(cur);

	for (size_t i = 0; i < rd->ncommunes; i++) {
		const struct fl_commune *c = &rd->communes[i];
		if (*cur >= '0' && *cur <= '9') {
			answer_if_prefix(c->code);
		} else {
			char *name = fl_text_fold(c->name), *w = xstrdup(want);
			if (words_match(name, w))
				answer(c->name);
			free(w);
			free(name);
		}
	}
	free(want);
}

/* Ids of the workspace's records (of kind `top` when it names one) starting with cur. */
static void record_ids(void)
{
	static const char *kinds[] = { "issue", "visit", "schedule", "report" };
	const char *kind = NULL;
	struct ws *ws = NULL;
	sqlite3_stmt *st;

	for (size_t i = 0; i < FL_ARRAY_SIZE(kinds); i++)
		if (!strcmp(top, kinds[i]))
			kind = kinds[i];
	if (ws_open(&ws, WS_INDEX_ONLY) < 0)
		return;
	st = fl_db_prepare(ws->db, "SELECT id FROM records WHERE deleted = 0"
			   " AND (:kind IS NULL OR kind = :kind)"
			   " AND substr(id, 1, length(:p)) = upper(:p) ORDER BY id");
	if (kind)
		fl_bind_text(st, ":kind", kind);
	else
		fl_bind_null(st, ":kind");
	fl_bind_text(st, ":p", cur);
	while (fl_step(st))
		answer(fl_col_text(st, 0));
	sqlite3_finalize(st);
	ws_close(ws);
}

static void values(const char *opt)
{
	static const char *fixed[][6] = {
		{ "severity", "low", "medium", "high", "urgent", NULL },
		{ "status", "open", "in_progress", "escalated", "resolved", "closed" },
		{ "format", "table", "json", "csv", NULL, NULL },
		{ "role", "officer", "reviewer", NULL, NULL, NULL },
	};
	const struct fl_refdata *rd;

	if (!strcmp(opt, "commune")) {
		communes();
		return;
	}
	rd = fl_refdata();
	if (!strcmp(opt, "domain"))
		for (size_t i = 0; i < rd->ndomains; i++)
			answer_if_prefix(rd->domains[i].id);
	if (!strcmp(opt, "province"))
		for (size_t i = 0; i < rd->nprovinces; i++)
			answer_if_prefix(rd->provinces[i].code);
	for (size_t i = 0; i < FL_ARRAY_SIZE(fixed); i++)
		if (!strcmp(opt, fixed[i][0]))
			for (size_t j = 1; j < 6 && fixed[i][j]; j++)
				answer_if_prefix(fixed[i][j]);
}

/* Whether `sub` of `top` takes a record id as its argument. */
static int takes_id(const char *sub)
{
	static const char *by_id[] = { "delete", "log", "diff", "respond", "show", "edit",
				       "comment" };
	for (size_t i = 0; i < FL_ARRAY_SIZE(by_id); i++)
		if (!strcmp(top, by_id[i]) || !strcmp(sub, by_id[i]))
			return 1;
	return 0;
}

void complete_options(int argc, const char **argv, const struct opt *opts)
{
	/* argv ends with the "-h" the probe added; the word before it is the previous one. */
	const char *prev = argc >= 3 ? argv[argc - 2] : NULL;

	if (prev && !strncmp(prev, "--", 2) && !strchr(prev, '=')) {
		for (const struct opt *o = opts; o && o->name; o++)
			if (!strcmp(o->name, prev + 2) && o->type != OPT_BOOL) {
				values(o->name);
				done();
			}
	}
	if (*cur == '-') {
		for (const struct opt *o = opts; o && o->name; o++) {
			char *s = xstrfmt("--%s", o->name);
			answer_if_prefix(s);
			free(s);
		}
		answer_if_prefix("--help");
	} else if (!strcmp(top, "communes")) {
		communes();
	} else if (takes_id(argv[0])) {
		record_ids();
	}
	done();
}

static void commands(void)
{
	static const char *global[] = { "-C", "--help", "--version", "--no-pager", "--no-color",
					 "--wide" };
	if (*cur == '-') {
		for (size_t i = 0; i < FL_ARRAY_SIZE(global); i++)
			answer_if_prefix(global[i]);
		return;
	}
	for (size_t i = 0; i < fl_ncommands; i++)
		if (!(fl_commands[i].setup & HIDDEN))
			answer_if_prefix(fl_commands[i].name);
}

/*
 * Runs the command words[0] as for -h with `completing` set; the probe
 * ends in complete_subcommands() or complete_options(). A command that
 * reads neither table (e.g. `init` done by hand) simply answers nothing.
 */
static void probe(int n, const char **words)
{
	const struct cmd *c = help_find_command(words[0]);
	const char **argv = xcalloc((size_t)n + 2, sizeof(char *));
	int devnull = open("/dev/null", O_WRONLY);

	if (!c || (c->setup & HIDDEN) || devnull < 0)
		goto out;
	memcpy(argv, words, (size_t)n * sizeof(char *));
	argv[n] = "-h";
	top = words[0];
	completing = 1;
	fflush(stdout);
	dup2(devnull, 1);
	dup2(devnull, 2);
	run_command(c, n + 1, argv, words[0]);
out:
	if (devnull >= 0)
		close(devnull);
	free(argv);
}

int cmd_complete(int argc, const char **argv, struct ws *ws)
{
	int i = 1;

	(void)ws;
	answers = fdopen(dup(1), "w");
	if (!answers || argc < 2)
		return EXIT_USAGE;
	cur = argv[argc - 1];
	/* Global options before the command; -C names the workspace whose ids we offer. */
	while (i < argc - 1 && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-C") && i + 1 < argc - 1)
			opt_workspace = argv[++i];
		else if (!strcmp(argv[i], "-C"))
			return EXIT_OK;   /* a directory: the shell completes it */
		i++;
	}
	/* `help issue a` completes as `issue a` does, but no further than the subcommand. */
	if (i < argc - 1 && !strcmp(argv[i], "help")) {
		i++;
		if (argc - 1 - i > 1)
			return EXIT_OK;
		if (i < argc - 1 && *cur == '-')
			return EXIT_OK;
	}
	if (i == argc - 1)
		commands();
	else
		probe(argc - 1 - i, argv + i);
	fclose(answers);
	return EXIT_OK;
}
