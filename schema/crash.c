/*
 * crash.c: fl_crash_point (see crash.h). The variable is read once,
 * under pthread_once: the import calls its points from a worker thread.
 */
#include "crash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *crash_at;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void read_env(void)
{
	const char *v = getenv("FIELDLOG_CRASH_AT");
	crash_at = v && *v ? v : NULL;
}

void fl_crash_point(const char *phase)
{
	pthread_once(&once, read_env);
	if (crash_at && !strcmp(crash_at, phase))
		_exit(137);
}
