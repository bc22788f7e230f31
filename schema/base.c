/*
 * base.c: allocation, strbuf, and the error slot (see base.h for the
 * conventions).
 */
#define _POSIX_C_SOURCE 200809L
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char strbuf_slopbuf[1];

static void oom(size_t n)
{
	fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrvfmt(const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_vaddf(&sb, fmt, ap);
	return strbuf_detach(&sb, NULL);
}

char *xstrfmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	s = xstrvfmt(fmt, ap);
	va_end(ap);
	return s;
}

void fl_die(const char *fmt, ...)
{
	va_list ap;
	fputs("fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Per thread: the importer checks records on a worker thread (sync/import.c). */
static _Thread_local struct strbuf last_error = STRBUF_INIT;

static fl_translator translator;

void fl_set_translator(fl_translator t)
{
	translator = t;
}

const char *fl_tr(const char *msgid)
{
	return translator ? translator(msgid) : msgid;
}

/*
 * An error is one line, whatever a library put in its message (mbedTLS
 * lists every reason a certificate failed, one per line): each line
 * break becomes "; ", and trailing ones go.
 */
static void one_line(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	size_t i;

	while (sb->len && (sb->buf[sb->len - 1] == '\n' || sb->buf[sb->len - 1] == '\r'))
		sb->buf[--sb->len] = 0;
	if (!memchr(sb->buf, '\n', sb->len) && !memchr(sb->buf, '\r', sb->len))
		return;
	for (i = 0; i < sb->len; i++) {
		if (sb->buf[i] != '\n' && sb->buf[i] != '\r') {
			strbuf_addch(&out, sb->buf[i]);
			continue;
		}
		while (i + 1 < sb->len && (sb->buf[i + 1] == '\n' || sb->buf[i + 1] == '\r'))
			i++;
		strbuf_addstr(&out, "; ");
	}
	strbuf_release(sb);
	*sb = out;
}

int fl_error(int code, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fl_tr(fmt), ap);
	va_end(ap);
	one_line(&sb);
	strbuf_release(&last_error);
	last_error = sb;
	return code;
}

const char *fl_last_error(void)
{
	return last_error.buf;
}

void fl_clear_error(void)
{
	strbuf_release(&last_error);
}

void strbuf_init(struct strbuf *sb)
{
	sb->buf = strbuf_slopbuf;
	sb->len = sb->alloc = 0;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb);
}

char *strbuf_detach(struct strbuf *sb, size_t *len_out)
{
	char *s;
	if (len_out)
		*len_out = sb->len;
	if (!sb->alloc)
		s = xstrdup("");
	else
		s = sb->buf;
	strbuf_init(sb);
	return s;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return;
	size_t n = sb->alloc ? sb->alloc : 64;
	while (n < want)
		n = n * 3 / 2 + 16;
	if (!sb->alloc) {
		sb->buf = xmalloc(n);
		sb->buf[0] = '\0';
	} else {
		sb->buf = xrealloc(sb->buf, n);
	}
	sb->alloc = n;
}

void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (!sb->alloc)
		return;
	sb->len = len;
	sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (!len)
		return;
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	strbuf_grow(sb, 1);
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
}

void strbuf_addchars(struct strbuf *sb, int c, size_t n)
{
	strbuf_grow(sb, n);
	memset(sb->buf + sb->len, c, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		fl_die("vsnprintf failed for format '%s'", fmt);
	strbuf_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

int strbuf_read_fd(struct strbuf *sb, int fd, size_t limit)
{
	size_t start = sb->len;
	for (;;) {
		ssize_t n;
		strbuf_grow(sb, 8192);
		n = read(fd, sb->buf + sb->len, 8192);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fl_error(FL_ERROR, "read failed: %s", strerror(errno));
		}
		if (n == 0)
			break;
		sb->len += (size_t)n;
		sb->buf[sb->len] = '\0';
		if (limit && sb->len - start > limit)
			return fl_error(FL_EINVALID, "input is larger than %zu bytes", limit);
	}
	return 0;
}

int strbuf_read_file(struct strbuf *sb, const char *path, size_t limit)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;
	if (fd < 0)
		return fl_error(errno == ENOENT ? FL_ENOTFOUND : FL_ERROR,
				"cannot open '%s': %s", path, strerror(errno));
	err = strbuf_read_fd(sb, fd, limit);
	close(fd);
	return err;
}

int fl_write_file_atomic(const char *path, const void *data, size_t len)
{
	char *tmp = xstrfmt("%s.tmp.%ld", path, (long)getpid());
	int fd, err = 0;
	const char *p = data;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = fl_error(FL_ERROR, "cannot create '%s': %s", tmp, strerror(errno));
		goto done;
	}
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = fl_error(FL_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			goto done;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		err = fl_error(FL_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, path) < 0) {
		err = fl_error(FL_ERROR, "cannot rename '%s': %s", tmp, strerror(errno));
		unlink(tmp);
	}
done:
	free(tmp);
	return err;
}

static int trace_on;
static const char *die_at;

static void trace_init(void)
{
	const char *v = getenv("FIELDLOG_TRACE");
	die_at = getenv("FIELDLOG_TEST_DIE_AT");
	if (die_at && !*die_at)
		die_at = NULL;
	trace_on = v && *v && strcmp(v, "0") != 0 ? (!strcmp(v, "2") ? 2 : 1) : 0;
}

void fl_trace(const char *fmt, ...)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	static double first, prev;
	struct timespec ts;
	double now;
	va_list ap;

	pthread_once(&once, trace_init);
	int on = trace_on;
	if (die_at && !strncmp(fmt, die_at, strlen(die_at)))
		_exit(137);   /* as if killed here (tests of recovery) */
	if (!on)
		return;
	/* A clone traces from three threads: one line, and one "+", at a time. */
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&mu);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
	if (first == 0)
		first = prev = now;
	fprintf(stderr, "trace: %8.1f ms (+%7.1f) ", now - first, now - prev);
	if (on > 1) {
		/* FIELDLOG_TRACE=2: the resident memory too, from /proc/self/statm */
		long pages = 0, resident = 0;
		FILE *f = fopen("/proc/self/statm", "r");
		if (f && fscanf(f, "%ld %ld", &pages, &resident) == 2)
			fprintf(stderr, "[%5.0f MB] ", (double)resident * (double)sysconf(_SC_PAGESIZE) / 1048576.0);
		if (f)
			fclose(f);
	}
	prev = now;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&mu);
}

static const char *crash_at;     /* FIELDLOG_CRASH_AT without its "@N" */
static size_t crash_at_len;
static long crash_at_nth = 1;

static void crash_init(void)
{
	const char *v = getenv("FIELDLOG_CRASH_AT");
	const char *at;

	if (!v || !*v)
		return;
	crash_at = v;
	crash_at_len = strlen(v);
	at = strrchr(v, '@');
	if (at && at[1]) {
		char *end;
		long n = strtol(at + 1, &end, 10);
		if (!*end && n > 0) {
			crash_at_len = (size_t)(at - v);
			crash_at_nth = n;
		}
	}
}

void fl_crash_point(const char *phase)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	static atomic_long hits;

	pthread_once(&once, crash_init);
	if (!crash_at || strlen(phase) != crash_at_len ||
	    memcmp(phase, crash_at, crash_at_len) != 0)
		return;
	if (atomic_fetch_add(&hits, 1) + 1 >= crash_at_nth)
		_exit(137);   /* as if killed here */
}
