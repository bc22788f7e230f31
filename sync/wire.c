/*
 * wire.c: pkt-lines over a subtransport stream. See wire.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fl_wire *fl_wire_new(git_smart_subtransport_stream *st)
{
	struct fl_wire *w = xcalloc(1, sizeof(*w));
	w->st = st;
	strbuf_init(&w->out);
	return w;
}

void fl_wire_free(struct fl_wire *w)
{
	if (!w)
		return;
	strbuf_release(&w->out);
	free(w);
}

int fl_wire_flush(struct fl_wire *w)
{
	int e = 0;
	if (w->out.len)
		e = w->st->write(w->st, w->out.buf, w->out.len);
	w->sent += w->out.len;
	strbuf_reset(&w->out);
	return e;
}

int fl_wire_write(struct fl_wire *w, const char *data, size_t len)
{
	strbuf_add(&w->out, data, len);
	return w->out.len >= 256 * 1024 ? fl_wire_flush(w) : 0;
}

void fl_wire_pkt(struct fl_wire *w, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	char head[5];
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&line, fmt, ap);
	va_end(ap);
	snprintf(head, sizeof(head), "%04x", (unsigned)line.len + 4);
	strbuf_add(&w->out, head, 4);
	strbuf_add(&w->out, line.buf, line.len);
	strbuf_release(&line);
}

/* Makes at least `need` bytes available from start; 0 or -1 (git error set). */
static int fill(struct fl_wire *w, size_t need)
{
	while (w->end - w->start < need) {
		size_t got = 0;
		int e;

		if (w->eof) {
			git_error_set_str(GIT_ERROR_NET, "early EOF: the server closed the connection");
			return -1;
		}
		if (w->start) {
			memmove(w->buf, w->buf + w->start, w->end - w->start);
			w->end -= w->start;
			w->start = 0;
		}
		if ((e = w->st->read(w->st, w->buf + w->end, sizeof(w->buf) - w->end, &got)) < 0)
			return e;
		if (got == 0)
			w->eof = 1;
		w->end += got;
	}
	return 0;
}

int fl_wire_read_pkt(struct fl_wire *w, const char **data, size_t *len)
{
	unsigned n = 0;
	int e;

	if ((e = fill(w, 4)) < 0)
		return e;
	for (int i = 0; i < 4; i++) {
		char ch = w->buf[w->start + i];
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
			ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (d < 0) {
			git_error_set_str(GIT_ERROR_NET, "malformed reply from the server (bad pkt-line)");
			return -1;
		}
		n = n * 16 + (unsigned)d;
	}
	if (n == 0) {
		w->start += 4;
		return 0;
	}
	if (n < 4 || n > 65520) {
		git_error_set_str(GIT_ERROR_NET, "malformed reply from the server (bad pkt-line)");
		return -1;
	}
	if ((e = fill(w, n)) < 0)
		return e;
	*data = w->buf + w->start + 4;
	*len = n - 4;
	w->start += n;
	return 1;
}
