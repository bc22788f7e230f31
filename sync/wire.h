/*
 * wire.h: pkt-lines over one of libgit2's subtransport streams, for the
 * exchanges we speak ourselves (push.c: receive-pack; postfetch.c: an
 * upload-pack request). git's Documentation/technical/protocol-common.txt:
 * four hex digits of length (the four included), "0000" a flush.
 */
#ifndef FL_WIRE_H
#define FL_WIRE_H

#include <stddef.h>
#include <git2.h>
#include <git2/sys/transport.h>

#include "schema/base.h"

struct fl_wire {
	git_smart_subtransport_stream *st;
	char buf[2 * 65536];
	size_t start, end;
	int eof;
	size_t sent;          /* bytes handed to the stream so far */
	struct strbuf out;    /* written but not yet sent */
};

/* A wire on st (which it does not own); release with fl_wire_free. */
struct fl_wire *fl_wire_new(git_smart_subtransport_stream *st);
void fl_wire_free(struct fl_wire *w);

/*
 * Buffers data; sends in pieces of 256 kB. Small separate writes met
 * Nagle's algorithm and the server's delayed ACK: 40 ms of nothing per
 * exchange on a TCP transport.
 */
int fl_wire_write(struct fl_wire *w, const char *data, size_t len);
/*
 * Appends one pkt-line holding the printf-style text, kept until
 * fl_wire_flush: libgit2's http stream takes a fetch request in a
 * single write.
 */
void fl_wire_pkt(struct fl_wire *w, const char *fmt, ...) FL_PRINTF(2, 3);
/* Sends what is buffered. 0 or a negative libgit2 error. */
int fl_wire_flush(struct fl_wire *w);

/*
 * Reads one pkt-line: 1 (*data, *len set; valid until the next read), 0
 * for a flush, or a negative error with git_error_last() set.
 */
int fl_wire_read_pkt(struct fl_wire *w, const char **data, size_t *len);

#endif
