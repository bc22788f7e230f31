/*
 * test-progress.c: sync/progress.c's line on literal figures (phase,
 * counts, sizes, a rate once half a second has passed), and a meter on a
 * stream that is no terminal drawing nothing.
 */
#include <stdio.h>
#include <string.h>

#include "schema/base.h"
#include "sync/progress.h"
#include "tests/unit/tap.h"

int main(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct fl_progress p;
	FILE *f = tmpfile();

	fl_progress_format(&sb, FL_PHASE_RECEIVING, 1203, 340915, 5200000, 4000);
	IS(sb.buf, "receiving: 1203/340915 objects, 5.2 MB, 1.3 MB/s", "receiving, with a rate");
	fl_progress_format(&sb, FL_PHASE_INDEXING, 7, 90, 830000, 100);
	IS(sb.buf, "indexing: 7/90 deltas, 830 kB", "no rate in the first half second");
	fl_progress_format(&sb, FL_PHASE_SENDING, 2, 3, 512, 1000);
	IS(sb.buf, "sending: 2/3 objects, 512 B, 512 B/s", "sending, small");
	fl_progress_format(&sb, FL_PHASE_IMPORTING, 40, 0, 0, 1000);
	IS(sb.buf, "importing: 40 commits", "no total, no bytes");

	fl_progress_init(&p, f, 1);
	OK(!p.out, "a file is no terminal: the meter is off");
	fl_progress_show(&p, FL_PHASE_RECEIVING, 1, 2, 3, 1);
	fl_progress_end(&p);
	IS_INT(ftell(f), 0, "and draws nothing");

	fclose(f);
	strbuf_release(&sb);
	return tap_done();
}
