/*
 * central.h: opening the central repository on the server (roster, server
 * init) with errors that name the real cause: the repository is owned by
 * another user (libgit2, like git, refuses it: safe.directory), cannot be
 * read or written, is not a git repository, is not bare. And adopting an
 * empty bare repository that a git server (gitolite, Gitea, a hosting
 * panel) created (DESIGN section 5).
 */
#ifndef FL_CENTRAL_H
#define FL_CENTRAL_H

#include "sync/store.h"

/*
 * Opens the bare repository dir into *out. `want_write`: the caller will
 * write (so the objects and refs directories must be writable by us).
 * `again` names the command for the "run as that user" advice, e.g.
 * "roster add …". FL_ENOTFOUND (nothing at dir), FL_ERROR (why in the
 * message).
 */
int fl_central_open(struct fl_store **out, const char *dir, int want_write, const char *again);

/*
 * Whether s (just opened) may be adopted: a bare repository without a
 * single ref. FL_EEXISTS with the reason (how many refs, the first) when
 * not.
 */
int fl_central_adoptable(struct fl_store *s);

#endif
