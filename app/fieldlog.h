/*
 * fieldlog.h: what the commands in app/ share: the command table entry
 * and its setup flags, option parsing, reading long text, the workspace,
 * and output helpers.
 * Only app/ includes this; sync/ and schema/ know nothing of it.
 */
#ifndef FL_APP_H
#define FL_APP_H

#include <stdio.h>
#include <cjson/cJSON.h>

#include "schema/base.h"
#include "schema/db.h"
#include "sync/store.h"

/* Exit codes (README "Exit codes"). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_OFFLINE = 3,    /* saved locally; the central repository was unreachable */
	EXIT_REJECTED = 4,   /* the central repository refused the push */
};

/*
 * Messages: _("...") (schema/base.h) is the Vietnamese translation when
 * Vietnamese is chosen. i18n_init chooses: FIELDLOG_LANG=vi|en, else the
 * workspace's "lang" (`fieldlog config set lang`), else the locale. It
 * may run again once -C has named another workspace.
 */
void i18n_init(void);
/* Whether messages are in Vietnamese. */
int i18n_vi(void);
/*
 * A value of a closed list (status, severity, state, kind, role) as people
 * read it: Vietnamese when chosen, else the value itself. Never for
 * machine formats, which keep the ASCII ids.
 */
const char *label(const char *value);
/*
 * A date (YYYY-MM-DD, or a timestamp starting with one) as people read
 * it: "thứ Năm, 11/9/2025" or "Thu 11 Sep 2025"; anything else unchanged.
 * Borrowed: one of a few static buffers, reused after eight calls.
 */
const char *human_date(const char *ymd);
/*
 * s followed by spaces up to `width` terminal columns (printf's %-12s
 * counts bytes, and a Vietnamese label has 2 or 3 bytes to a letter).
 * Borrowed: reused after four calls.
 */
const char *padded(const char *s, size_t width);

/* --- options ------------------------------------------------------------- */

struct strlist {
	char **v;
	size_t n, alloc;
};
void strlist_add(struct strlist *l, const char *s);
void strlist_release(struct strlist *l);

enum opt_type { OPT_BOOL, OPT_STR, OPT_LIST };

struct opt {
	const char *name;       /* long name without dashes; "" ends the table */
	enum opt_type type;
	void *dest;             /* int *, const char **, struct strlist * */
	const char *arg;        /* metavariable for help, NULL for bools */
	const char *help;
};
#define OPT_END { NULL, OPT_BOOL, NULL, NULL, NULL }

/*
 * Parses argv[1..argc) against opts. Values are checked for valid UTF-8
 * and normalised to NFC (they live until exit). Positional arguments go
 * to *pos (npos of them). -h/--help prints usage and exits 0; an unknown
 * option or missing value prints a usage error and exits 2.
 */
void parse_opts(int argc, const char **argv, const struct opt *opts,
		const char *usage, const char ***pos, int *npos);
/* Prints "usage: ..." plus the option table and exits with `code`. */
void usage_exit(const char *usage, const struct opt *opts, int code);
/* Prints "error: <message>" and returns EXIT_ERROR (or EXIT_USAGE). */
int error_exit(const char *fmt, ...) FL_PRINTF(1, 2);
/* "warning: MESSAGE" on stderr, translated; the command goes on. */
void warning_line(const char *fmt, ...) FL_PRINTF(1, 2);
int usage_error(const char *usage, const char *fmt, ...) FL_PRINTF(2, 3);
/* Prints "error: " + fl_last_error() and returns EXIT_ERROR. */
int fail(void);
/*
 * Reads all of s as a decimal integer in [min, max] into *out; otherwise
 * FL_EINVALID with a message naming `what` (e.g. "option '--limit'").
 */
int parse_number(long long *out, const char *s, const char *what, long long min,
		 long long max);
/* Registers a string to free at exit; returns it. */
char *keep(char *s);

/*
 * Resolves a long-text argument: "-" reads stdin, "@FILE" reads the file,
 * anything else is the text itself; NULL with `required` on a terminal
 * opens $EDITOR. The result is valid NFC (kept until exit) or NULL when
 * absent; errors return FL_EINVALID etc. with the message set.
 */
int read_text(const char **out, const char *arg, const char *what, int required);

/* --- workspace ----------------------------------------------------------- */

struct ws {
	char *dir;
	char *id, *name, *role, *province, *remote;
	cJSON *config;
	struct fl_db *db;
	struct fl_store *store;
	int lock_fd;
};

extern const char *opt_workspace;   /* -C DIR */

/* The workspace directory: -C, $FIELDLOG_HOME, or ~/.local/share/fieldlog. */
char *ws_dir(void);
/* ws_open flags (0: read). */
#define WS_WRITE 1
#define WS_INDEX_ONLY 2   /* index and saves only: ws->store may stay NULL */

/*
 * Opens the workspace. WS_WRITE takes the workspace lock (waiting a little
 * for another fieldlog) and recovers stale git lock files. Whenever the
 * repository is opened, the index is first brought up to its head and
 * the outbox committed (sync/outbox.h); with WS_INDEX_ONLY neither
 * happens when the index already reflects the head.
 */
int ws_open(struct ws **out, int flags);
void ws_close(struct ws *ws);
/* One line on how to start signing, or NULL when the workspace has a key. */
const char *ws_key_hint(const struct ws *ws);
int ws_save_config(struct ws *ws);
/* Takes the lock of an unopened workspace directory (init, reindex). */
int ws_lock(const char *dir, int *fd_out);
/*
 * Lets go of a writer's lock while a person types in an editor, and takes
 * it back (waiting as ws_lock does; FL_ELOCKED after 20 s). A sync may run
 * in between, so a command reads the records it changes only after the text.
 */
void ws_unlock(struct ws *ws);
int ws_relock(struct ws *ws);

/*
 * Validates rec and, in one transaction, updates the index and queues the
 * commit (author = this officer, time = now, `message`) in the outbox: all
 * or nothing. rec's updated_at is set to now first. The commit is made by
 * the next command that opens the repository (sync/outbox.h).
 */
int ws_save(struct ws *ws, cJSON *rec, const char *message);
/*
 * The end of every add and edit: ws_save, then the saved record as JSON
 * (`json`) or the line fmt makes (translated). EXIT_OK, or the error
 * printed and EXIT_ERROR.
 */
int save_record(struct ws *ws, cJSON *rec, const char *message, int json, const char *fmt, ...)
	FL_PRINTF(5, 6);
/* Brings the index up to the head of repo.git (see sync/import.h). */
int ws_catch_up(struct ws *ws);
/*
 * Builds DIR/index.db anew from repo.git (s; `me`: this workspace's id)
 * and the outbox, beside the old one, and renames it into place: a killed
 * rebuild leaves the old index. The caller holds the lock. 0 or an error.
 */
struct fl_import_stats;
int ws_rebuild_index(const char *dir, struct fl_store *s, const char *me,
		     struct fl_import_stats *stats);
/*
 * The index turned out damaged (a record that does not parse): sets it
 * aside for the next command to rebuild, prints one line, exits 1.
 */
int ws_index_damaged(struct ws *ws);
/* Looks a record up by id prefix; prints nothing. Caller frees. */
int ws_find(cJSON **out, struct ws *ws, const char *prefix, const char *kind);

/* Sync options from a workspace config (URL, token, timeouts). */
struct fl_sync_opts;
void sync_opts_from_config(struct fl_sync_opts *o, cJSON *cfg);

/* --- output -------------------------------------------------------------- */

/* Prints v in canonical JSON form on stdout. */
void print_json(const cJSON *v);

/* Tables (app/table.c): columns aligned in display columns, fitted to the terminal. */
struct table {
	size_t ncols;
	const char **headers;
	struct strlist cells;    /* row-major */
	unsigned colored;        /* bit c: colour column c's statuses and severities */
};
void table_init(struct table *t, size_t ncols, const char **headers);
void table_add(struct table *t, ...);  /* ncols const char * */
/*
 * Prints aligned columns fitted to term_width(): the first column (the
 * id) and one-word columns (dates, statuses) are never cut; the widest
 * text columns shrink and end in "…".
 */
void table_print(struct table *t, FILE *f);
void table_release(struct table *t);

/* Commune "Name (Province)" for display; borrowed static storage per call. */
const char *commune_label(const char *code);
/* Whether stdout is a terminal (tables, colours, footers). */
int out_is_tty(void);

/* --- commands ------------------------------------------------------------ */

/*
 * What a command needs before it runs, the third column of its table entry
 * (git's RUN_SETUP): run_command opens the workspace with that access and
 * checks the role, once, and passes the workspace in. 0 asks for nothing:
 * the command gets NULL (it makes or finds its own directory, or needs
 * none). WS_WRITE and WS_INDEX_ONLY (the ws_open flags) imply WS_READ.
 */
#define WS_READ 4          /* open the workspace: read the index and the repository */
#define NEED_OFFICER 8     /* refused unless this is an officer's workspace */
#define NEED_REVIEWER 16   /* refused unless this is a reviewer's workspace */
#define HIDDEN 32          /* not listed by 'fieldlog -h' */
#define USE_PAGER 64       /* long output: through the pager on a terminal (app/pager.c) */

/*
 * A command or subcommand: one line of the table in main.c, or of the
 * static table in the command's own file. `ws` is the opened workspace
 * (NULL when `setup` asks for none, or when -h only wants the usage).
 */
struct cmd {
	const char *name;
	int (*fn)(int argc, const char **argv, struct ws *ws);
	unsigned setup;
	const char *help;   /* a line for 'fieldlog -h'; NULL for subcommands */
};

/*
 * Runs c with argv (argv[0] its name) after the setup it declares; `what`
 * names it in a refusal ("issue add"). With -h or --help in argv nothing
 * is opened: the command's parse_opts prints its usage and exits 0, so
 * the usage never needs a workspace.
 */
int run_command(const struct cmd *c, int argc, const char **argv, const char *what);
/* Runs the subcommand named by argv[1]; usage on -h, none or unknown. */
int dispatch(int argc, const char **argv, const struct cmd *sub, size_t n,
	     const char *usage);
/* `KIND show ID [--json]` for any kind (kind NULL: any). */
int show_command(int argc, const char **argv, struct ws *ws, const char *kind);

int cmd_init(int argc, const char **argv, struct ws *ws);
int cmd_whoami(int argc, const char **argv, struct ws *ws);
int cmd_communes(int argc, const char **argv, struct ws *ws);
int cmd_provinces(int argc, const char **argv, struct ws *ws);
int cmd_domains(int argc, const char **argv, struct ws *ws);
int cmd_schedule(int argc, const char **argv, struct ws *ws);
int cmd_visit(int argc, const char **argv, struct ws *ws);
int cmd_issue(int argc, const char **argv, struct ws *ws);
int cmd_report(int argc, const char **argv, struct ws *ws);
int cmd_delete(int argc, const char **argv, struct ws *ws);
int cmd_reindex(int argc, const char **argv, struct ws *ws);
int cmd_sync(int argc, const char **argv, struct ws *ws);
int cmd_status(int argc, const char **argv, struct ws *ws);
int cmd_bundle(int argc, const char **argv, struct ws *ws);   /* cmd-bundle.c */
int cmd_remote(int argc, const char **argv, struct ws *ws);
int cmd_server(int argc, const char **argv, struct ws *ws);
int cmd_server_http_backend(int argc, const char **argv, struct ws *ws);   /* cmd-server-serve.c */
int cmd_server_ssh_serve(int argc, const char **argv, struct ws *ws);
int cmd_roster(int argc, const char **argv, struct ws *ws);
int cmd_respond(int argc, const char **argv, struct ws *ws);
int cmd_search(int argc, const char **argv, struct ws *ws);
int cmd_log(int argc, const char **argv, struct ws *ws);
int cmd_diff(int argc, const char **argv, struct ws *ws);
int cmd_stats(int argc, const char **argv, struct ws *ws);
int cmd_export(int argc, const char **argv, struct ws *ws);
int cmd_config(int argc, const char **argv, struct ws *ws);
int cmd_dashboard(int argc, const char **argv, struct ws *ws);   /* dashboard.c */

#endif
