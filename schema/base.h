/*
 * base.h: the few things every layer of fieldlog needs: allocation that
 * never returns NULL, a growable string buffer with clear ownership, and the
 * error convention.
 *
 * Errors: lower layers (schema/, sync/) never print. They return 0 on
 * success or one of the negative FL_E* codes below, after recording a
 * one-line message with fl_error(); app/ fetches it with fl_last_error()
 * and decides what to print and how to exit. This mirrors libgit2's
 * git_error_last() and git's `return error(...)`.
 *
 * Memory: out-of-memory is fatal (the process prints one line and exits 1),
 * so callers never test allocation results.
 */
#ifndef FL_BASE_H
#define FL_BASE_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define FL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define FL_NORETURN __attribute__((noreturn))
#define FL_FORMAT_ARG(n) __attribute__((format_arg(n)))
#else
#define FL_PRINTF(f, a)
#define FL_NORETURN
#define FL_FORMAT_ARG(n)
#endif

enum {
	FL_OK = 0,
	FL_ERROR = -1,       /* generic failure; message says why */
	FL_ENOTFOUND = -3,   /* the named thing does not exist */
	FL_EEXISTS = -4,     /* it exists already */
	FL_EAMBIGUOUS = -5,  /* a prefix matched several things */
	FL_EINVALID = -6,    /* input failed validation */
	FL_ELOCKED = -7,     /* another fieldlog holds the workspace */
	FL_EOFFLINE = -10,   /* the central repository could not be reached */
	FL_EREJECTED = -11,  /* the central repository refused our push */
};

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees. */
char *xstrfmt(const char *fmt, ...) FL_PRINTF(1, 2);
char *xstrvfmt(const char *fmt, va_list ap);

/* Prints "fatal: ..." on stderr and exits 1. For impossible states only. */
void fl_die(const char *fmt, ...) FL_PRINTF(1, 2) FL_NORETURN;

/*
 * With FIELDLOG_TRACE set (to anything but "" or "0"), prints on stderr
 * "trace: <ms since the first trace> (+<ms since the previous>) <what>", for
 * finding where a slow command spends its time, as GIT_TRACE_PERFORMANCE
 * does for git; FIELDLOG_TRACE=2 adds the resident memory. The one
 * exception to "lower layers never print". Main thread only (its clock is
 * a static).
 *
 * For tests of recovery: with FIELDLOG_TEST_DIE_AT=TEXT, the process ends
 * at once (exit 137, as after kill -9) at the first trace point whose
 * format starts with TEXT ("sync: import", say).
 */
void fl_trace(const char *fmt, ...) FL_PRINTF(1, 2);

/*
 * Crash points, for tests of recovery: with FIELDLOG_CRASH_AT=PHASE the
 * process ends at once with _exit(137), as after kill -9 (no atexit
 * handlers, no flushing, locks and temp files left behind), the first time
 * it reaches fl_crash_point(PHASE); PHASE@N ends it the Nth time instead
 * (a point inside a loop, "sync:mid-import@3"). Names are "command:where"
 * ("sync:after-push"). Always compiled in: the cost is one getenv, cached
 * on the first call, and a string compare while the variable is set.
 * Safe from any thread.
 */
void fl_crash_point(const char *phase);

/*
 * Records `fmt` as the last error message (replacing any earlier one) and
 * returns `code`, so a lower layer writes: return fl_error(FL_EINVALID, ...).
 */
int fl_error(int code, const char *fmt, ...) FL_PRINTF(2, 3);
/*
 * Messages are written in English and translated at the edge: fl_tr
 * returns the translation of a message (a printf format keeps its
 * conversions) when app/ has installed a translator, else the message
 * itself. fl_error translates its format before formatting, so lower
 * layers need not know about languages.
 */
typedef const char *(*fl_translator)(const char *msgid);
void fl_set_translator(fl_translator t);
const char *fl_tr(const char *msgid) FL_FORMAT_ARG(1);
/*
 * The gettext spellings, for every layer: _("...") translates a message
 * where it is used; N_("...") only marks a string kept in a table (option
 * help, headers, labels) for xgettext, and _() translates it when printed.
 * The catalogue (app/vi.po) holds what xgettext extracts with these and
 * the formats of fl_error, error_exit, usage_error (tests/t/t0231).
 */
#define _(s) fl_tr(s)
#define N_(s) (s)

/* The last recorded message (borrowed; "" when none). */
const char *fl_last_error(void);
void fl_clear_error(void);

/*
 * strbuf: a NUL-terminated, growable byte buffer. `buf` is never NULL once
 * initialised with STRBUF_INIT (it points at a shared empty string until the
 * first write). _release frees and re-initialises; _detach hands the string
 * to the caller (who frees it) and re-initialises.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};
extern char strbuf_slopbuf[];
#define STRBUF_INIT { strbuf_slopbuf, 0, 0 }

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len_out);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) FL_PRINTF(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	FL_PRINTF(2, 0) __attribute__((nonnull(2)));
/* Appends `n` copies of byte c. */
void strbuf_addchars(struct strbuf *sb, int c, size_t n);

/* Reads a whole file into sb (appending). Returns 0 or FL_ENOTFOUND/FL_ERROR. */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t limit);
/* Reads all of fd into sb (appending); fails with FL_EINVALID over `limit`. */
int strbuf_read_fd(struct strbuf *sb, int fd, size_t limit);

/*
 * Writes `len` bytes to `path` atomically: a temporary file in the same
 * directory, fsync, rename. Returns 0 or FL_ERROR.
 */
int fl_write_file_atomic(const char *path, const void *data, size_t len);

#define FL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Makes `array` (with `alloc` slots) hold at least `nr` elements, growing
 * by half again plus 16 (git's ALLOC_GROW): amortised O(1) appends, and no
 * realloc for the first few. Typical use before storing element n:
 * FL_ALLOC_GROW(list->v, list->n + 1, list->alloc). Out of memory is fatal.
 */
#define FL_ALLOC_GROW(array, nr, alloc) \
	do { \
		if ((nr) > (alloc)) { \
			(alloc) = ((alloc) + 16) * 3 / 2 < (nr) ? (nr) : ((alloc) + 16) * 3 / 2; \
			(array) = xrealloc((array), (alloc) * sizeof(*(array))); \
		} \
	} while (0)

#endif
