/*
 * term.h: what fieldlog does differently on a terminal: the width tables
 * fit, the pager long output goes through, colour for statuses and
 * severities; and the help, "did you mean" and shell completion built on
 * the command tables. Only app/ includes this.
 */
#ifndef FL_APP_TERM_H
#define FL_APP_TERM_H

#include "app/fieldlog.h"

/* Marks a string for the catalogue where it is defined; _() translates it where it is shown. */
#ifndef N_
#define N_(s) (s)
#endif

/* --- the terminal and the pager (pager.c) ------------------------------- */

/* Global options that change output (main.c sets them before the command runs). */
extern int opt_no_pager, opt_no_color, opt_wide;

/*
 * Looks at stdout once, before anything can replace it with a pager:
 * whether it is a terminal and how wide. out_is_tty() and term_width()
 * answer from here afterwards, so a table printed into the pager still
 * fits the terminal behind it.
 */
void term_init(void);
/*
 * The width tables fit: COLUMNS when set (> 20), else the terminal's
 * (TIOCGWINSZ, 80 when it cannot say); 0 (no limit) when stdout is not a
 * terminal and COLUMNS is not set, and with --wide.
 */
size_t term_width(void);
/* Whether colour is wanted: a terminal, no NO_COLOR, no --no-color, TERM not "dumb". */
int term_color(void);
/*
 * Sends the rest of stdout (and stderr, when it is the terminal too)
 * through $FIELDLOG_PAGER, $PAGER or `less` (with LESS=FRX unless LESS is
 * set), as git does. Nothing happens when stdout is not a terminal, with
 * --no-pager, or when the pager is "" or "cat". The pager is waited for
 * at exit.
 */
void pager_start(void);

/* The SGR sequence for a status or severity value (English or translated), or NULL. */
const char *term_color_of(const char *value);
#define TERM_RESET "\033[m"

/* --- help and suggestions (help.c) -------------------------------------- */

/*
 * main.c hands its table over before running anything (the table stays in
 * main.c, and the libraries the test tool links need no main).
 */
void help_set_commands(const struct cmd *table, size_t n);
extern const struct cmd *fl_commands;
extern size_t fl_ncommands;

int cmd_help(int argc, const char **argv, struct ws *ws);
/* `fieldlog -h` and `fieldlog help`: the usage, then every visible command, one line each. */
void help_usage(FILE *f);
void help_commands(FILE *f);
/* The entry of main.c's table named `name`, or NULL. */
const struct cmd *help_find_command(const char *name);
/* The subcommands of `cmd` (e.g. "issue"), one line each. */
void help_subcommands(FILE *f, const char *cmd, const struct cmd *sub, size_t n);
/*
 * The nearest of `n` candidates to `word` (Damerau-Levenshtein, as git's
 * help.c weighs them), or NULL when none is close enough to be a typo.
 * `next(i)` returns candidate i.
 */
const char *help_nearest(const char *word, const char *(*next)(const void *set, size_t i),
			 const void *set, size_t n);
/*
 * Print "hint: did you mean '...'?" on stderr when an unknown command,
 * subcommand or option (`name` without dashes) is near a known one.
 */
void help_suggest_command(const char *word);
/* "error: unknown command 'word'" and the suggestion; returns EXIT_USAGE. */
int help_unknown_command(const char *word);
void help_suggest_subcommand(const char *word, const struct cmd *sub, size_t n);
void help_suggest_option(const char *name, const struct opt *opts);

/* --- completion (complete.c) -------------------------------------------- */

int cmd_complete(int argc, const char **argv, struct ws *ws);
/*
 * Set while `fieldlog __complete` probes a command: dispatch() and
 * parse_opts() hand their tables here (they print the candidates and exit)
 * instead of running anything.
 */
extern int completing;
void complete_subcommands(const struct cmd *sub, size_t n) FL_NORETURN;
void complete_options(int argc, const char **argv, const struct opt *opts) FL_NORETURN;

#endif
