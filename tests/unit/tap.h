/*
 * tap.h: a tiny TAP producer for the unit tests. Each test file has its own
 * main() that calls the checks below and ends with `return tap_done();`,
 * which prints the plan. tests/run.sh counts the "ok"/"not ok" lines, and
 * the "ok N # skip" ones (SKIP) apart.
 */
#ifndef FL_TAP_H
#define FL_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *what)
{
	tap_n++;
	if (cond) {
		printf("ok %d - %s\n", tap_n, what);
	} else {
		tap_failed++;
		printf("not ok %d - %s\n#   at %s:%d\n", tap_n, what, file, line);
	}
	fflush(stdout);
	return cond;
}

static inline int tap_str(const char *got, const char *want, const char *file,
			  int line, const char *what)
{
	int eq = (got == want) || (got && want && strcmp(got, want) == 0);
	if (!tap_ok(eq, file, line, what))
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		       want ? want : "(null)");
	return eq;
}

/*
 * A check that cannot run here (a tool is missing) is reported as skipped,
 * "ok N # skip WHAT (WHY)", which tests/run.sh counts apart from the
 * passed ones: it never passes silently.
 */
static inline void tap_skip(const char *what, const char *why)
{
	tap_n++;
	printf("ok %d # skip %s (%s)\n", tap_n, what, why);
	fflush(stdout);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#define OK(cond, what) tap_ok(!!(cond), __FILE__, __LINE__, (what))
#define IS(got, want, what) tap_str((got), (want), __FILE__, __LINE__, (what))
#define SKIP(what, why) tap_skip((what), (why))
#define IS_INT(got, want, what) tap_ok((long long)(got) == (long long)(want), __FILE__, __LINE__, (what))

#endif
