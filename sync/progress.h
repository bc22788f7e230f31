/*
 * progress.h: one line on a terminal, rewritten in place, for the long
 * operations: a reviewer's clone, a large fetch, a bundle import.
 *
 * The line says the phase, the counts, the bytes and the rate
 * ("receiving: 12034/340915 objects, 5.2 MB, 1.3 MB/s") and is redrawn at
 * most 10 times a second: libgit2 calls back for every object, and a
 * 95k-record clone printed 412,811 lines (13.5 MB) when each call drew
 * one. A meter made off (not a terminal) prints nothing at all.
 */
#ifndef FL_PROGRESS_H
#define FL_PROGRESS_H

#include <stddef.h>
#include <stdio.h>
#include <git2.h>

#include "schema/base.h"

enum fl_phase {
	FL_PHASE_RECEIVING,   /* objects arriving */
	FL_PHASE_INDEXING,    /* a pack's deltas being resolved */
	FL_PHASE_SENDING,     /* objects going out */
	FL_PHASE_IMPORTING,   /* records into the index */
	FL_PHASE_N
};

struct fl_progress {
	FILE *out;            /* NULL: off */
	long long start_ms, last_ms;
	size_t width;         /* of the line on screen, to blank it */
	size_t shown;         /* lines drawn (for tests, through tracing) */
};

/* A meter on out (stderr for fieldlog) when on and out is a terminal. */
void fl_progress_init(struct fl_progress *p, FILE *out, int on);

/*
 * Redraws the line unless it was drawn less than 100 ms ago (force: draw
 * anyway, for a last figure). total 0: unknown; bytes 0: not shown.
 */
void fl_progress_show(struct fl_progress *p, enum fl_phase phase, size_t done, size_t total,
		      size_t bytes, int force);

/* libgit2's indexer figures: receiving, then indexing. */
void fl_progress_indexer(struct fl_progress *p, const git_indexer_progress *st);

/* Blanks the line, so that what follows starts on a clean one. */
void fl_progress_end(struct fl_progress *p);

/*
 * The line for the figures, without '\r', into sb (pure, for tests):
 * elapsed_ms gives the rate.
 */
void fl_progress_format(struct strbuf *sb, enum fl_phase phase, size_t done, size_t total,
			size_t bytes, long long elapsed_ms);

#endif
