/*
 * pager.c: the terminal behind stdout. Its state is read once at start
 * (term_init), because the pager then takes stdout's place and a table
 * printed into it must still fit the terminal the pager shows it on.
 *
 * The pager is run the way git runs it (pager.c, run-command.c): a pipe,
 * `sh -c "$pager"` reading it, our stdout (and stderr when that is the
 * same terminal) pointed into it, and the pager waited for at exit so the
 * shell prompt does not come back under its screen. LESS=FRX unless set:
 * F quits when the text fits one screen, R passes the colours through,
 * X leaves the text on the screen.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/term.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

int opt_no_pager, opt_no_color, opt_wide;

static int tty_out = -1;    /* stdout was a terminal at start */
static size_t tty_cols;     /* its width then (0: it could not say) */
static pid_t pager_pid;

void term_init(void)
{
	struct winsize w;

	if (tty_out >= 0)
		return;
	tty_out = isatty(1);
	if (tty_out && ioctl(1, TIOCGWINSZ, &w) == 0)
		tty_cols = w.ws_col;
}

int out_is_tty(void)
{
	term_init();
	return tty_out;
}

size_t term_width(void)
{
	const char *c = getenv("COLUMNS");

	term_init();
	if (opt_wide)
		return 0;
	if (c && atoi(c) > 20)
		return (size_t)atoi(c);
	if (!tty_out)
		return 0;   /* a file or a pipe: never cut */
	/* A terminal too narrow to say anything sensible is treated as 80. */
	return tty_cols > 20 ? tty_cols : 80;
}

int term_color(void)
{
	const char *term = getenv("TERM");

	term_init();
	return tty_out && !opt_no_color && !getenv("NO_COLOR") && !(term && !strcmp(term, "dumb"));
}

/*
 * Green for what is settled, yellow for what waits on the officer, red
 * for what is urgent or waits on the Ministry; the same value in English
 * or as translated into the table.
 */
const char *term_color_of(const char *value)
{
	static const struct {
		const char *value, *sgr;
	} colors[] = {
		{ "open", "\033[33m" },        { "in_progress", "\033[36m" },
		{ "escalated", "\033[1;31m" }, { "resolved", "\033[32m" },
		{ "closed", "\033[2m" },       { "low", "\033[32m" },
		{ "medium", "\033[33m" },      { "high", "\033[31m" },
		{ "urgent", "\033[1;31m" },
	};

	for (size_t i = 0; i < FL_ARRAY_SIZE(colors); i++)
		if (!strcmp(value, colors[i].value) || !strcmp(value, _(colors[i].value)))
			return colors[i].sgr;
	return NULL;
}

static void wait_for_pager(void)
{
	int status;

	if (!pager_pid)
		return;
	fflush(stdout);
	fflush(stderr);
	/* The pager sees the end of its input only once every copy of the pipe is closed. */
	close(1);
	close(2);
	while (waitpid(pager_pid, &status, 0) < 0)
		;
	pager_pid = 0;
}

static const char *pager_command(void)
{
	const char *p = getenv("FIELDLOG_PAGER");

	if (!p)
		p = getenv("PAGER");
	if (!p)
		p = "less";
	return p;
}

void pager_start(void)
{
	const char *pager = pager_command();
	int fd[2];

	if (!out_is_tty() || opt_no_pager || pager_pid || !*pager || !strcmp(pager, "cat"))
		return;
	fflush(stdout);
	if (pipe(fd) < 0)
		return;
	if ((pager_pid = fork()) < 0) {
		pager_pid = 0;
		close(fd[0]);
		close(fd[1]);
		return;
	}
	if (!pager_pid) {
		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		setenv("LESS", getenv("LESS") ? getenv("LESS") : "FRX", 1);
		setenv("LV", getenv("LV") ? getenv("LV") : "-c", 1);
		execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
		_exit(127);
	}
	dup2(fd[1], 1);
	if (isatty(2))
		dup2(fd[1], 2);
	close(fd[0]);
	close(fd[1]);
	/* Quitting the pager early is not an error worth a message. */
	signal(SIGPIPE, SIG_DFL);
	atexit(wait_for_pager);
}
