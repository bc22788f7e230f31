/*
 * util.c: option parsing, long-text input and JSON output for the
 * commands. Text from argv, stdin and files is checked here (valid UTF-8)
 * and normalised to NFC, so nothing past this point sees anything else.
 */
#define _DEFAULT_SOURCE
#include "app/fieldlog.h"
#include "app/entry.h"
#include "app/term.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"
#include "schema/text.h"

/*
 * Set when a command runs without its workspace because argv asked for
 * -h: parse_opts then prints the usage and exits whatever else it reads.
 */
static int usage_only;

/* Strings that live until exit (option values, read text). */
static struct strlist kept;

static void free_kept(void)
{
	strlist_release(&kept);
}

char *keep(char *s)
{
	static int registered;
	if (!registered) {
		atexit(free_kept);
		registered = 1;
	}
	FL_ALLOC_GROW(kept.v, kept.n + 1, kept.alloc);
	kept.v[kept.n++] = s;
	return s;
}

void strlist_add(struct strlist *l, const char *s)
{
	FL_ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = xstrdup(s);
}

void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

/* "error: " or "warning: " and the translated message, on one line of stderr. */
static void say_line(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs(_(prefix), stderr);
	vfprintf(stderr, _(fmt), ap);
	fputc('\n', stderr);
}

int error_exit(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say_line("error: ", fmt, ap);
	va_end(ap);
	return EXIT_ERROR;
}

void warning_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say_line("warning: ", fmt, ap);
	va_end(ap);
}

int fail(void)
{
	return error_exit("%s", *fl_last_error() ? fl_last_error() : _("failed"));
}

void usage_exit(const char *usage, const struct opt *opts, int code)
{
	FILE *f = code ? stderr : stdout;
	fprintf(f, _("usage: %s\n"), usage);
	if (opts && opts[0].name)
		fputc('\n', f);
	for (const struct opt *o = opts; o && o->name; o++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		fprintf(f, "    %-24s %s\n", left, o->help ? _(o->help) : "");
	}
	exit(code);
}

int usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	fputs(_("error: "), stderr);
	va_start(ap, fmt);
	vfprintf(stderr, _(fmt), ap);
	va_end(ap);
	fprintf(stderr, "\n%s%s\n", _("usage: "), usage);
	return EXIT_USAGE;
}

static const char *nfc_arg(const char *s, const char *what)
{
	char *out = NULL;
	if (fl_text_nfc(&out, s, strlen(s), what) < 0) {
		error_exit("%s", fl_last_error());
		exit(EXIT_ERROR);
	}
	return keep(out);
}

void parse_opts(int argc, const char **argv, const struct opt *opts,
		const char *usage, const char ***pos, int *npos)
{
	const char **p = xcalloc((size_t)argc + 1, sizeof(char *));
	int n = 0, i, only_pos = 0;
	size_t nopts = 0;
	unsigned char *given;

	for (const struct opt *o = opts; o && o->name; o++)
		nopts++;
	if (completing)
		complete_options(argc, argv, opts);
	given = xcalloc(nopts + 1, 1);
	keep((char *)p);
	keep((char *)given);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || !strcmp(a, "-")) {
			p[n++] = nfc_arg(a, _("an argument"));
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			usage_exit(usage, opts, 0);
		if (a[1] != '-') {
			usage_error(usage, "unknown option '%s'", a);
			exit(EXIT_USAGE);
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct opt *o;
		for (o = opts; o && o->name; o++)
			if (strlen(o->name) == len && !strncmp(o->name, name, len))
				break;
		if (!o || !o->name) {
			usage_error(usage, "unknown option '--%.*s'", (int)len, name);
			help_suggest_option(keep(xstrndup(name, len)), opts);
			exit(EXIT_USAGE);
		}
		/* A value given twice is a mistake, not "the last one wins". */
		if (o->type == OPT_STR && given[o - opts]) {
			usage_error(usage, "option '--%s' given twice", o->name);
			exit(EXIT_USAGE);
		}
		given[o - opts] = 1;
		if (o->type == OPT_BOOL) {
			if (eq) {
				usage_error(usage, "option '--%s' takes no value", o->name);
				exit(EXIT_USAGE);
			}
			*(int *)o->dest = 1;
			continue;
		}
		const char *v = eq ? eq + 1 : NULL;
		if (!v) {
			if (i + 1 >= argc) {
				usage_error(usage, "option '--%s' needs a value", o->name);
				exit(EXIT_USAGE);
			}
			v = argv[++i];
		}
		char what[64];
		snprintf(what, sizeof(what), "--%s", o->name);
		v = nfc_arg(v, what);
		if (o->type == OPT_STR)
			*(const char **)o->dest = v;
		else
			strlist_add(o->dest, v);
	}
	if (usage_only)
		usage_exit(usage, opts, 0);
	*pos = p;
	*npos = n;
}

int parse_number(long long *out, const char *s, const char *what, long long min,
		 long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	/* Digits only, all of them: "1e3", "2x", " 5" and "+5" are not numbers here. */
	if (!*s || !(*s == '-' || (*s >= '0' && *s <= '9')) || *end || errno == ERANGE ||
	    v < min || v > max)
		return fl_error(FL_EINVALID, "%s needs a whole number from %lld to %lld, not '%s'",
				what, min, max, s);
	*out = v;
	return 0;
}

/* --- long text ------------------------------------------------------------ */

static struct ws *open_ws;

/*
 * The text from $VISUAL or $EDITOR. The workspace's lock is let go while
 * the editor runs, so a sync started meanwhile (by hand or by a timer)
 * does not wait for a person to finish typing; the callers read the record
 * they change only after the text.
 */
static int from_editor(struct strbuf *sb, const char *what)
{
	const char *editor = getenv("VISUAL");
	char tmpl[] = "/tmp/fieldlog-XXXXXX.txt";
	struct strbuf raw = STRBUF_INIT;
	char *cmd = NULL;
	int fd, rc;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	if ((fd = mkstemps(tmpl, 4)) < 0)
		return fl_error(FL_ERROR, "cannot create a temporary file");
	dprintf(fd, _("\n# Write the %s above. Lines starting with '#' are ignored.\n"), what);
	close(fd);
	cmd = xstrfmt("%s '%s'", editor, tmpl);
	ws_unlock(open_ws);
	rc = system(cmd);
	if (ws_relock(open_ws) < 0) {
		rc = fl_error(FL_ELOCKED, "%s; nothing was saved", fl_last_error());
		goto out;
	}
	if (rc != 0) {
		rc = fl_error(FL_ERROR, "the editor failed; nothing was saved");
		goto out;
	}
	if ((rc = strbuf_read_file(&raw, tmpl, FL_TEXT_MAX * 4)) < 0)
		goto out;
	/* Drop comment lines, then surrounding blank lines. */
	char *line = raw.buf, *end = raw.buf + raw.len;
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
		if (line[0] != '#') {
			strbuf_add(sb, line, len);
			strbuf_addch(sb, '\n');
		}
		line += len + 1;
	}
	rc = 0;
out:
	unlink(tmpl);
	free(cmd);
	strbuf_release(&raw);
	return rc;
}

int read_text(const char **out, const char *arg, const char *what, int required)
{
	struct strbuf sb = STRBUF_INIT;
	int e = 0;
	char *nfc = NULL;

	*out = NULL;
	if (!arg) {
		if (!required || !isatty(0) || !isatty(1))
			return 0;
		e = from_editor(&sb, what);
	} else if (!strcmp(arg, "-")) {
		e = strbuf_read_fd(&sb, 0, FL_TEXT_MAX * 4);
	} else if (arg[0] == '@') {
		e = strbuf_read_file(&sb, arg + 1, FL_TEXT_MAX * 4);
		if (e == FL_ENOTFOUND)
			e = fl_error(FL_ENOTFOUND, "cannot read '%s'", arg + 1);
	} else {
		*out = arg;   /* already checked and normalised by parse_opts */
		return 0;
	}
	if (e == FL_EINVALID) {
		e = fl_error(FL_EINVALID, "field '%s': longer than %d bytes", what, FL_TEXT_MAX);
		goto out;
	}
	if (e < 0)
		goto out;
	/* Text from files and pipes: trailing newlines are not content. */
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
		strbuf_setlen(&sb, sb.len - 1);
	if ((e = fl_text_nfc(&nfc, sb.buf, sb.len, what)) >= 0) {
		*out = keep(nfc);
		e = 0;
	}
out:
	strbuf_release(&sb);
	return e;
}

/* --- output --------------------------------------------------------------- */

void print_json(const cJSON *v)
{
	struct strbuf sb = STRBUF_INIT;
	fl_json_write(&sb, v, 1);
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_release(&sb);
}

const char *commune_label(const char *code)
{
	static char buf[512];
	const struct fl_commune *c = fl_commune_find(code);
	const struct fl_province *p = c ? fl_province_find(c->province_code) : NULL;
	if (!c)
		snprintf(buf, sizeof(buf), "%s", code);
	else
		snprintf(buf, sizeof(buf), "%s, %s", c->name, p ? p->name : c->province_code);
	return buf;
}

/* --- dispatch -------------------------------------------------------------- */

/* Whether argv[1..] asks for the usage: -h or --help before any "--". */
static int wants_help(int argc, const char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}

/* The workspace run_command opened, closed at exit too (usage_exit exits). */

static void close_open_ws(void)
{
	ws_close(open_ws);
	open_ws = NULL;
}

int run_command(const struct cmd *c, int argc, const char **argv, const char *what)
{
	static int registered;
	unsigned need = c->setup;
	int rc;

	if ((need & USE_PAGER) && !completing)
		pager_start();
	if (!(need & (WS_READ | WS_WRITE | WS_INDEX_ONLY)))
		return c->fn(argc, argv, NULL);
	if (wants_help(argc, argv)) {
		usage_only = 1;
		return c->fn(argc, argv, NULL);
	}
	if (!registered) {
		atexit(close_open_ws);
		registered = 1;
	}
	if (ws_open(&open_ws, (int)(need & (WS_WRITE | WS_INDEX_ONLY))) < 0)
		return fail();
	entry_set_home(open_ws->province);
	if ((need & NEED_OFFICER) && strcmp(open_ws->role, "officer"))
		rc = error_exit("only officers run 'fieldlog %s' (the role of this workspace is '%s')",
				what, *open_ws->role ? label(open_ws->role) : _("none"));
	else if ((need & NEED_REVIEWER) && strcmp(open_ws->role, "reviewer"))
		rc = error_exit("only reviewers run 'fieldlog %s' (the role of this workspace is '%s')",
				what, *open_ws->role ? label(open_ws->role) : _("none"));
	else
		rc = c->fn(argc, argv, open_ws);
	close_open_ws();
	return rc;
}

int dispatch(int argc, const char **argv, const struct cmd *sub, size_t n,
	     const char *usage)
{
	int rc;

	if (completing && argc == 2)
		complete_subcommands(sub, n);
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f, "%s%s\n", _("usage: "), usage);
		help_subcommands(f, argv[0], sub, n);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], sub[i].name))
			continue;
		char *what = xstrfmt("%s %s", argv[0], argv[1]);
		rc = run_command(&sub[i], argc - 1, argv + 1, what);
		free(what);
		return rc;
	}
	rc = usage_error(usage, "unknown subcommand '%s'", argv[1]);
	help_suggest_subcommand(argv[1], sub, n);
	return rc;
}
