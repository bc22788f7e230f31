/*
 * integrate.h: bringing what a fetch brought into main (for sync/ only):
 * a fast-forward, or a merge commit made record by record.
 */
#ifndef FL_INTEGRATE_H
#define FL_INTEGRATE_H

#include <stddef.h>

#include "sync/store.h"
#include "sync/sync.h"

/*
 * Brings main up to date with origin/main: nothing when the central
 * repository is empty or we are ahead, a fast-forward when we are
 * behind, otherwise a merge commit on main (o->me, o->name sign it).
 * Adds the number of fields the conflict rule decided to *conflicts.
 * Returns 0 or FL_ERROR.
 */
int fl_integrate(struct fl_store *s, const struct fl_sync_opts *o, size_t *conflicts);

#endif
