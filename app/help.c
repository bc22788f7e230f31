/*
 * help.c: `fieldlog help [COMMAND [SUBCOMMAND]]`, the lists `-h` prints
 * at each level, and "did you mean" for a mistyped command, subcommand or
 * option.
 *
 * The lists come from the tables themselves (main.c's, and each command's
 * subcommand table), so a new command cannot be left out of the help, and
 * `help issue add` is `issue add -h`: the usage text lives next to the
 * command it documents, and this file only finds it.
 *
 * The nearest name is git's (help.c): a Damerau-Levenshtein distance
 * weighted so that a swap of two letters costs nothing, an extra letter 1,
 * a wrong one 2 and a missing one 3, and a typed prefix of a name counts
 * as exact; a name 7 or more away, or further than half the length of
 * the word typed, is no typo and gets no suggestion.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/term.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SIMILARITY_FLOOR 7

const struct cmd *fl_commands;
size_t fl_ncommands;

void help_set_commands(const struct cmd *table, size_t n)
{
	fl_commands = table;
	fl_ncommands = n;
}

/* git's weights (see the file comment): swap, substitution, insertion, deletion. */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int *row0 = xcalloc(lb + 1, sizeof(int)), *row1 = xcalloc(lb + 1, sizeof(int));
	int *row2 = xcalloc(lb + 1, sizeof(int)), *tmp, d;

	for (j = 0; j <= lb; j++)
		row1[j] = (int)j * 1;
	for (i = 0; i < la; i++) {
		row2[0] = (int)(i + 1) * 3;
		for (j = 0; j < lb; j++) {
			row2[j + 1] = row1[j] + 2 * (a[i] != b[j]);
			if (i > 0 && j > 0 && a[i - 1] == b[j] && a[i] == b[j - 1] &&
			    row2[j + 1] > row0[j - 1])
				row2[j + 1] = row0[j - 1];
			if (row2[j + 1] > row1[j + 1] + 3)
				row2[j + 1] = row1[j + 1] + 3;
			if (row2[j + 1] > row2[j] + 1)
				row2[j + 1] = row2[j] + 1;
		}
		tmp = row0;
		row0 = row1;
		row1 = row2;
		row2 = tmp;
	}
	d = row1[lb];
	free(row0);
	free(row1);
	free(row2);
	return d;
}

const char *help_nearest(const char *word, const char *(*next)(const void *set, size_t i),
			 const void *set, size_t n)
{
	const char *best = NULL;
	int best_d = SIMILARITY_FLOOR;

	if (!*word)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *c = next(set, i);
		int d;
		if (!c)
			continue;
		d = !strncmp(c, word, strlen(word)) ? 0 : distance(word, c);
		/* Short words are near everything: "wide" is 5 from "since". */
		if (d > (int)strlen(word) / 2 + 1)
			continue;
		if (d < best_d) {
			best_d = d;
			best = c;
		}
	}
	return best;
}

/* A translated line: fmt (from _()) and a newline. */
static void FL_PRINTF(2, 3) say(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static void suggest(const char *prefix, const char *name)
{
	if (name)
		say(stderr, _("hint: did you mean '%s%s'?"), prefix, name);
}

static const char *command_at(const void *set, size_t i)
{
	const struct cmd *c = (const struct cmd *)set + i;
	return c->setup & HIDDEN ? NULL : c->name;
}

void help_suggest_command(const char *word)
{
	suggest("", help_nearest(word, command_at, fl_commands, fl_ncommands));
}

void help_suggest_subcommand(const char *word, const struct cmd *sub, size_t n)
{
	suggest("", help_nearest(word, command_at, sub, n));
}

static const char *option_at(const void *set, size_t i)
{
	return ((const struct opt *)set)[i].name;
}

void help_suggest_option(const char *name, const struct opt *opts)
{
	size_t n = 0;

	while (opts && opts[n].name)
		n++;
	suggest("--", help_nearest(name, option_at, opts, n));
}

int help_unknown_command(const char *word)
{
	fputs(_("error: "), stderr);
	say(stderr, _("unknown command '%s' (see 'fieldlog help')"), word);
	help_suggest_command(word);
	return EXIT_USAGE;
}

static void list(FILE *f, const struct cmd *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(c[i].setup & HIDDEN))
			fprintf(f, "  %-13s %s\n", c[i].name, c[i].help ? _(c[i].help) : "");
}

void help_commands(FILE *f)
{
	list(f, fl_commands, fl_ncommands);
}

void help_usage(FILE *f)
{
	fputs(_("usage: fieldlog [-C DIR] [--no-pager] [--no-color] [--wide] COMMAND [ARGS]\n\n"
		"Plan, log and report field work on commune-level government, offline;\n"
		"share it through a central git repository with `fieldlog sync`.\n\n"), f);
	help_commands(f);
	fputs(_("\n'fieldlog help COMMAND' or 'fieldlog COMMAND -h' describes a command.\n"
		"The workspace is -C DIR, $FIELDLOG_HOME, or ~/.local/share/fieldlog.\n"), f);
}

void help_subcommands(FILE *f, const char *cmd, const struct cmd *sub, size_t n)
{
	fputc('\n', f);
	list(f, sub, n);
	fputc('\n', f);
	say(f, _("'fieldlog help %s SUBCOMMAND' describes each one."), cmd);
}

const struct cmd *help_find_command(const char *name)
{
	for (size_t i = 0; i < fl_ncommands; i++)
		if (!strcmp(fl_commands[i].name, name))
			return &fl_commands[i];
	return NULL;
}

int cmd_help(int argc, const char **argv, struct ws *ws)
{
	const struct cmd *c;
	const char *sub_argv[4];
	int n = 0;

	(void)ws;
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		help_usage(stdout);
		return EXIT_OK;
	}
	if (argc > 3)
		return usage_error("fieldlog help [COMMAND [SUBCOMMAND]]",
				   "unexpected argument '%s'", argv[3]);
	if (!(c = help_find_command(argv[1])) || (c->setup & HIDDEN)) {
		return help_unknown_command(argv[1]);
	}
	/* `help issue add` is `issue add -h`: the usage lives with the command. */
	sub_argv[n++] = argv[1];
	if (argc == 3)
		sub_argv[n++] = argv[2];
	sub_argv[n++] = "-h";
	sub_argv[n] = NULL;
	return run_command(c, n, sub_argv, argv[1]);
}
