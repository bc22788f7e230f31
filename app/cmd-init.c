/*
 * cmd-init.c: `fieldlog init` (a new workspace, or a second device of an
 * enrolled officer, or a reviewer's clone) and `fieldlog whoami`.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"
#include "sync/sign.h"
#include "sync/sync.h"

/*
 * A clone's new index (schema and reference data: 25-35 ms, a tenth of a
 * pilot clone) is made on a thread of its own while the first fetch
 * waits for the network; the clone asks for it when it needs it
 * (opened_index), and init after the clone otherwise.
 */
struct opening {
	pthread_t t;
	int started;
	const char *path;
	struct fl_db *db;
	int e;
	char *error;
};

static void *open_index(void *p)
{
	struct opening *o = p;
	if ((o->e = fl_db_open(&o->db, o->path, 1)) < 0)
		o->error = xstrdup(fl_last_error());
	fl_clear_error();   /* this thread's error slot */
	return NULL;
}

static void join_index(struct opening *o)
{
	if (o->started) {
		pthread_join(o->t, NULL);
		o->started = 0;
	}
}

static struct fl_db *opened_index(void *p)
{
	struct opening *o = p;
	join_index(o);
	if (o->e < 0) {
		fl_error(o->e, "%s", o->error);
		return NULL;
	}
	return o->db;
}

static const char init_usage[] =
	"fieldlog init --id ID --name NAME --role officer|reviewer [--province CODE] [--remote URL]"
	" [--key PATH]\n   or: fieldlog init --key PATH   (sign an existing workspace's commits)";

/*
 * The key fieldlog signs commits with: --key, else ~/.ssh/id_ed25519 when
 * there is one. *out is an absolute path (the workspace is used from any
 * directory), or NULL when there is no key. Returns 0 or an error exit.
 */
static int find_key(char **out, const char *given)
{
	struct fl_signer *sg;
	char *path = NULL;
	int e;

	*out = NULL;
	if (given) {
		path = given[0] == '/' ? xstrdup(given) : NULL;
		if (!path) {
			char *cwd = getcwd(NULL, 0);
			path = xstrfmt("%s/%s", cwd ? cwd : ".", given);
			free(cwd);
		}
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home)
			return 0;
		path = xstrfmt("%s/.ssh/id_ed25519", home);
		char *pub = xstrfmt("%s.pub", path);
		int there = access(path, F_OK) == 0 || access(pub, F_OK) == 0;
		free(pub);
		if (!there) {
			free(path);
			return 0;
		}
	}
	sg = fl_signer_new(path);
	e = fl_signer_load(sg);
	fl_signer_free(sg);
	if (e < 0 && !given) {
		/* The default is a guess: an unusable one leaves commits unsigned. */
		fprintf(stderr, _("warning: not signing with %s: %s\n"), path, fl_last_error());
		fl_clear_error();
		free(path);
		return 0;
	}
	if (e < 0) {
		free(path);
		return fail();
	}
	*out = path;
	return 0;
}

/* What the admin needs: the public key line, for 'roster add --key'. */
static void print_key(const char *keyfile, const char *id)
{
	struct fl_signer *sg = fl_signer_new(keyfile);
	struct strbuf sb = STRBUF_INIT;

	if (fl_signer_load(sg) == 0) {
		fl_ssh_pubkey_format(&sb, fl_signer_pubkey(sg));
		printf(_("commits are signed with %s (%s)\n"
		       "give the admin this line for 'fieldlog roster add --key' or 'roster key add':\n"
		       "  %s %s@fieldlog\n"), keyfile, fl_signer_fingerprint(sg), sb.buf, id);
	}
	fl_clear_error();
	strbuf_release(&sb);
	fl_signer_free(sg);
}

static void print_no_key(void)
{
	fprintf(stderr, _("hint: no signing key, so your commits are unsigned; make one with"
		" 'ssh-keygen -t ed25519' and run 'fieldlog init --key ~/.ssh/id_ed25519'\n"));
}

/* `init --key PATH` on an existing workspace: sign from now on. */
static int set_key(const char *given)
{
	struct ws *ws;
	char *key = NULL;
	int e;

	if ((e = find_key(&key, given)))
		return e;
	if (ws_open(&ws, WS_WRITE | WS_INDEX_ONLY) < 0) {
		free(key);
		return fail();
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ws->config, "key");
	cJSON_AddStringToObject(ws->config, "key", key);
	e = ws_save_config(ws) < 0 ? fail() : EXIT_OK;
	if (e == EXIT_OK)
		print_key(key, ws->id);
	ws_close(ws);
	free(key);
	return e;
}

static int mkdirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0755) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* An index left by a clone that failed, with its write-ahead log. */
static void remove_db(const char *path)
{
	const char *ext[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		char *p = xstrfmt("%s%s", path, ext[i]);
		unlink(p);
		free(p);
	}
}

/* What `init` was given. */
struct init_args {
	const char *id, *name, *role, *province, *remote;
	const char *key;   /* the absolute path of the signing key, or NULL */
};

/* Checks the options for a new workspace or a device joining; prints why not. */
static int init_check(const struct init_args *a)
{
	if (!a->id)
		return usage_error(init_usage, "--id is required");
	if (!fl_author_valid(a->id))
		return error_exit("invalid id '%s' (use a-z, 0-9, '.', '_', '-'; at most 64)", a->id);
	if (!a->remote || (a->name && a->role)) {
		if (!a->name || !*a->name)
			return usage_error(init_usage, "--name is required");
		if (!a->role)
			return usage_error(init_usage, "--role is required");
	}
	if (a->role && strcmp(a->role, "officer") && strcmp(a->role, "reviewer"))
		return error_exit("unknown role '%s' (officer or reviewer)", a->role);
	if (a->province && !fl_province_find(a->province))
		return error_exit("unknown province code '%s' (see 'fieldlog provinces')", a->province);
	if (a->role && !strcmp(a->role, "officer") && !a->province && !a->remote)
		return usage_error(init_usage, "--province is required for an officer");
	return EXIT_OK;
}

static cJSON *init_config(const struct init_args *a)
{
	cJSON *cfg = cJSON_CreateObject();
	cJSON_AddStringToObject(cfg, "id", a->id);
	cJSON_AddStringToObject(cfg, "name", a->name ? a->name : "");
	cJSON_AddStringToObject(cfg, "role", a->role ? a->role : "");
	cJSON_AddStringToObject(cfg, "province", a->province ? a->province : "");
	cJSON_AddStringToObject(cfg, "remote", a->remote ? a->remote : "");
	if (a->key)
		cJSON_AddStringToObject(cfg, "key", a->key);
	return cfg;
}

/*
 * Joining: fetch the central repository first, so that a second device
 * adopts the officer's history and a reviewer gets everything;
 * roster.json fills in what was not given. The index is made meanwhile
 * (struct opening). 0 or an FL_E* code with the message set.
 */
static int init_join(const char *dir, const char *dbpath, cJSON *cfg)
{
	struct fl_sync_opts o;
	struct opening idx = { .path = dbpath };
	int e;

	sync_opts_from_config(&o, cfg);
	idx.started = pthread_create(&idx.t, NULL, open_index, &idx) == 0;
	if (!idx.started)
		open_index(&idx);
	e = fl_sync_clone(dir, cfg, &o, opened_index, &idx);
	join_index(&idx);   /* a failed clone keeps its own error */
	fl_db_close(idx.db);
	free(idx.error);
	if (e < 0)
		remove_db(dbpath);
	return e;
}

/* A new repo.git of our own. */
static int init_new(const char *dir)
{
	char *gitdir = xstrfmt("%s/repo.git", dir);
	struct fl_store *s = NULL;
	int e = fl_store_init(&s, gitdir);
	if (e == 0)
		e = fl_sync_log_refs(s);
	fl_store_free(s);
	free(gitdir);
	return e;
}

/* Opens the new workspace once (creating index.db, indexing what was fetched) and says so. */
static int init_report(const char *key)
{
	struct ws *ws;
	sqlite3_stmt *st;
	long long n;

	if (ws_open(&ws, WS_WRITE) < 0)
		return fail();
	st = fl_db_stmt(ws->db, "SELECT count(*) FROM records");
	fl_step(st);
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	printf(_("Initialised fieldlog workspace in %s for %s (%s)%s\n"), ws->dir, ws->id,
	       *ws->role ? label(ws->role) : "?", *ws->remote ? "" : _("; no central repository yet"));
	if (*ws->remote)
		printf(_("central repository: %s; %lld records indexed\n"), ws->remote, n);
	st = fl_db_stmt(ws->db, "SELECT count(*) FROM skipped");
	fl_step(st);
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n)
		fprintf(stderr, _("warning: %lld invalid record%s skipped (see 'fieldlog status')\n"),
			n, n == 1 ? "" : "s");
	if (key)
		print_key(key, ws->id);
	else
		print_no_key();
	ws_close(ws);
	return EXIT_OK;
}

/*
 * Makes dir, takes its lock (*lock_fd) and clears what an interrupted init
 * left. config.json is written last, once repo.git and index.db hold
 * everything: an init killed before it made no workspace, and what it
 * left is cleared here and the init made again. 0 or an exit code.
 */
static int init_prepare(const char *dir, const char *cfgpath, const char *dbpath, int *lock_fd)
{
	struct stat dbst;
	int e;

	if (mkdirs(dir) < 0)
		return error_exit("cannot create '%s': %s", dir, strerror(errno));
	if (ws_lock(dir, lock_fd) < 0)
		return fail();
	if (access(cfgpath, F_OK) == 0)   /* made meanwhile, under its lock */
		return error_exit("a workspace already exists in '%s'", dir);
	if ((e = fl_sync_init_leftovers(dir)) < 0)
		return fail();
	if (e == 1 || (lstat(dbpath, &dbst) == 0 && S_ISREG(dbst.st_mode)))
		fprintf(stderr, "%s%s\n", _("warning: "),
			_("an earlier 'init' here was interrupted; starting it again"));
	remove_db(dbpath);
	return 0;
}

int cmd_init(int argc, const char **argv, struct ws *ws)
{
	struct init_args a = { NULL, NULL, NULL, NULL, NULL, NULL };
	const char *keyopt = NULL, **pos;
	char *key = NULL;
	int npos, lock_fd = -1, existed = 1, rc;
	struct opt opts[] = {
		{ "id", OPT_STR, &a.id, "ID", N_("your id, e.g. nguyen.van.an (a-z, 0-9, . _ -)") },
		{ "name", OPT_STR, &a.name, "NAME", N_("your full name") },
		{ "role", OPT_STR, &a.role, "ROLE", N_("officer or reviewer") },
		{ "province", OPT_STR, &a.province, "CODE", N_("your province's code (officers)") },
		{ "remote", OPT_STR, &a.remote, "URL", N_("the central repository") },
		{ "key", OPT_STR, &keyopt, "PATH", N_("SSH Ed25519 key to sign commits with"
		  " (default ~/.ssh/id_ed25519)") },
		OPT_END
	};
	char *dir = NULL, *cfgpath = NULL, *dbpath = NULL;
	cJSON *cfg = NULL;
	int e;

	(void)ws;   /* there is none yet: init makes it */
	parse_opts(argc, argv, opts, init_usage, &pos, &npos);
	if (npos)
		return usage_error(init_usage, "unexpected argument '%s'", pos[0]);
	if (keyopt && !a.id && !a.name && !a.role && !a.province && !a.remote)
		return set_key(keyopt);
	if ((rc = init_check(&a)))
		return rc;
	if ((rc = find_key(&key, keyopt)))
		return rc;
	a.key = key;

	dir = ws_dir();
	cfgpath = xstrfmt("%s/config.json", dir);
	dbpath = xstrfmt("%s/index.db", dir);
	if (access(cfgpath, F_OK) == 0) {
		rc = error_exit("a workspace already exists in '%s'", dir);
		goto out;
	}
	existed = access(dir, F_OK) == 0;
	if ((rc = init_prepare(dir, cfgpath, dbpath, &lock_fd)))
		goto out;
	cfg = init_config(&a);
	e = a.remote ? init_join(dir, dbpath, cfg) : init_new(dir);
	if (e == FL_EOFFLINE) {
		error_exit("%s; nothing was created", fl_last_error());
		rc = EXIT_OFFLINE;
		goto undo;
	}
	if (e == 0) {
		char *text = fl_json_canonical(cfg);
		e = fl_write_file_atomic(cfgpath, text, strlen(text));
		chmod(cfgpath, 0600);
		free(text);
	}
	if (e < 0) {
		rc = fail();
		goto undo;
	}
	fl_crash_point("init:after-config");
	close(lock_fd);
	lock_fd = -1;
	rc = init_report(key);
	goto out;
undo:
	/* Nothing half-made stays behind: the lock file, and the directory we made. */
	{
		char *lock = xstrfmt("%s/lock", dir);
		unlink(lock);
		free(lock);
		if (!existed)
			rmdir(dir);
	}
out:
	if (lock_fd >= 0)
		close(lock_fd);
	cJSON_Delete(cfg);
	free(cfgpath);
	free(dbpath);
	free(dir);
	free(key);
	return rc;
}

int cmd_whoami(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog whoami [--json]";
	int json = 0, npos;
	const char **pos;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, N_("print JSON") }, OPT_END };

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", ws->id);
		cJSON_AddStringToObject(o, "name", ws->name);
		cJSON_AddStringToObject(o, "role", ws->role);
		cJSON_AddStringToObject(o, "province", ws->province);
		cJSON_AddStringToObject(o, "remote", ws->remote);
		cJSON_AddStringToObject(o, "workspace", ws->dir);
		print_json(o);
		cJSON_Delete(o);
	} else {
		const struct fl_province *p = fl_province_find(ws->province);
		printf("%s <%s>, %s%s%s\n", ws->name, ws->id, label(ws->role), p ? ", " : "",
		       p ? p->name : "");
		printf(_("workspace: %s\n"), ws->dir);
		printf(_("central repository: %s\n"), *ws->remote ? ws->remote : _("(none)"));
	}
	return EXIT_OK;
}
