/*
 * outbox.h: saves waiting to become commits.
 *
 * A save (`issue add`, `visit add`, ...) appends one line to the file
 * `outbox` in the workspace (fsync'd: that is the save) and then updates
 * the index. No libgit2: its start-up alone (mbedTLS parses every CA
 * certificate) and the five fsync'd objects of a commit were two thirds
 * of a save (bench: capture). The first command that reads or moves the
 * repository (sync, log, history, reindex, ...) turns the outbox into
 * commits, one per save and in order, with the author, time and message
 * of the save, so the history is the same as if each save had committed.
 * The contract: docs/design.md, section 8.
 *
 * The truth is repo.git plus the outbox; index.db stays disposable: it
 * remembers how much of the outbox it reflects (meta outbox_size), and a
 * rebuilt or stale index takes the outbox in again.
 *
 * Each line is framed (a CRC-32 and a length) and numbered, and
 * `outbox.confirmed` records how far saves were confirmed, so that a
 * line torn by a crash (never acknowledged: dropped) is told apart from a
 * confirmed save that was cut or corrupted later (recovered from its
 * intact text or its copy in index.db, else the flush stops with one line
 * saying what to mend). The rule is spelled out at the top of outbox.c.
 * A flush writes the commits, then `outbox.mark` (the commit it is about
 * to publish and the last save it covers), then moves the ref, then drops
 * those saves: a crash anywhere is finished or redone by the next flush,
 * and no save is committed twice.
 */
#ifndef FL_OUTBOX_H
#define FL_OUTBOX_H

#include <stddef.h>

#include "schema/db.h"
#include "store.h"

/*
 * Appends a save to DIR/outbox and syncs it to disk; *size gets the
 * file's new size (for the index's meta outbox_size).
 */
int fl_outbox_add(const char *dir, const char *path, const char *text,
		  const char *message, const struct fl_sig *sig, long long *size);
/*
 * Keeps in db (meta) a copy of the save fl_outbox_add just appended to
 * DIR/outbox, so that a damaged outbox can be mended from the index. Call
 * it inside the index transaction that follows the save; it fails
 * silently (the outbox line stays the save).
 */
void fl_outbox_remember(struct fl_db *db, const char *dir);
/* Bytes in DIR/outbox (0 when absent). */
long long fl_outbox_size(const char *dir);
/* Saves waiting in DIR/outbox (its complete lines). */
size_t fl_outbox_count(const char *dir);
/* 1 when db does not reflect DIR's outbox or a flush was interrupted. */
int fl_outbox_stale(const char *dir, struct fl_db *db);
/*
 * Commits every waiting save on top of FL_BRANCH, moves it, and puts the
 * saved records into db again (a catch-up or a rebuild may have replaced
 * them). *n (may be NULL) gets the number of commits made. The caller
 * holds the workspace lock. 0, or an error with nothing lost.
 */
int fl_outbox_flush(const char *dir, struct fl_db *db, struct fl_store *s, size_t *n);

#endif
