/*
 * progress.c: the progress line of progress.h. Drawn with '\r' and blanked
 * with spaces, not terminal escapes: any terminal, and a serial console,
 * shows it the same.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync/progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

/* A redraw at most this often: 10 a second reads as live, costs nothing. */
#define REDRAW_MS 100

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fl_progress_init(struct fl_progress *p, FILE *out, int on)
{
	memset(p, 0, sizeof(*p));
	p->out = on && out && isatty(fileno(out)) ? out : NULL;
	p->start_ms = now_ms();
	p->last_ms = -REDRAW_MS;
}

/* "5.2 MB", "830 kB", "512 B" */
static void add_size(struct strbuf *sb, double bytes)
{
	if (bytes >= 1e6)
		strbuf_addf(sb, "%.1f MB", bytes / 1e6);
	else if (bytes >= 1e3)
		strbuf_addf(sb, "%.0f kB", bytes / 1e3);
	else
		strbuf_addf(sb, "%.0f B", bytes);
}

void fl_progress_format(struct strbuf *sb, enum fl_phase phase, size_t done, size_t total,
			size_t bytes, long long elapsed_ms)
{
	strbuf_reset(sb);
	/* Each a literal, looked up in the message catalogue. */
	switch (phase) {
	case FL_PHASE_RECEIVING:
		if (total)
			strbuf_addf(sb, fl_tr("receiving: %zu/%zu objects"), done, total);
		else
			strbuf_addf(sb, fl_tr("receiving: %zu objects"), done);
		break;
	case FL_PHASE_INDEXING:
		strbuf_addf(sb, fl_tr("indexing: %zu/%zu deltas"), done, total);
		break;
	case FL_PHASE_SENDING:
		strbuf_addf(sb, fl_tr("sending: %zu/%zu objects"), done, total);
		break;
	default:
		if (total)
			strbuf_addf(sb, fl_tr("importing: %zu/%zu commits"), done, total);
		else
			strbuf_addf(sb, fl_tr("importing: %zu commits"), done);
		break;
	}
	if (bytes) {
		strbuf_addstr(sb, ", ");
		add_size(sb, (double)bytes);
		if (elapsed_ms >= 500) {
			strbuf_addstr(sb, ", ");
			add_size(sb, (double)bytes * 1000.0 / (double)elapsed_ms);
			strbuf_addstr(sb, "/s");
		}
	}
}

void fl_progress_show(struct fl_progress *p, enum fl_phase phase, size_t done, size_t total,
		      size_t bytes, int force)
{
	struct strbuf sb = STRBUF_INIT;
	long long t;

	if (!p->out)
		return;
	t = now_ms();
	if (!force && t - p->last_ms < REDRAW_MS)
		return;
	p->last_ms = t;
	fl_progress_format(&sb, phase, done, total, bytes, t - p->start_ms);
	fprintf(p->out, "\r%s", sb.buf);
	/* a shorter line than the last leaves none of it behind */
	for (size_t i = sb.len; i < p->width; i++)
		fputc(' ', p->out);
	p->width = sb.len > p->width ? sb.len : p->width;
	fflush(p->out);
	p->shown++;
	strbuf_release(&sb);
}

void fl_progress_indexer(struct fl_progress *p, const git_indexer_progress *st)
{
	if (!p->out || !st->total_objects)
		return;
	if (st->received_objects < st->total_objects)
		fl_progress_show(p, FL_PHASE_RECEIVING, st->received_objects, st->total_objects,
				 st->received_bytes, 0);
	else
		fl_progress_show(p, FL_PHASE_INDEXING, st->indexed_deltas, st->total_deltas,
				 st->received_bytes, 0);
}

void fl_progress_end(struct fl_progress *p)
{
	if (!p->out || !p->shown)
		return;
	fputc('\r', p->out);
	for (size_t i = 0; i < p->width; i++)
		fputc(' ', p->out);
	fputc('\r', p->out);
	fflush(p->out);
	fl_trace("progress: %zu lines drawn", p->shown);
	p->width = 0;
	p->shown = 0;
}
