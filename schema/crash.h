/*
 * crash.h: named points where a test can end the process as kill -9
 * would, to prove that each phase of a save, a sync or a reindex can be
 * cut without losing or doubling what was confirmed.
 */
#ifndef FL_CRASH_H
#define FL_CRASH_H

/*
 * With FIELDLOG_CRASH_AT=PHASE in the environment, the process ends at
 * once (_exit(137), the status of a SIGKILL'd process in a shell) when it
 * reaches fl_crash_point(PHASE): no atexit handler, no stdio flush, no
 * SQLite rollback, as after a real kill. Otherwise a no-op; the variable
 * is read once per process.
 */
void fl_crash_point(const char *phase);

#endif
