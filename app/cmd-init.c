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
	"fieldlog init --id ID --name NAME --role officer|reviewer [--province CODE] [--remote URL]";

static int mkdirs(const char *dir)
{
	char *p = xstrdup(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
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

CMD(init)
{
	const char *id = NULL, *name = NULL, *role = NULL, *province = NULL, *remote = NULL;
	const char **pos;
	int npos, lock_fd = -1, e;
	struct opt opts[] = {
		{ "id", OPT_STR, &id, "ID", "your id, e.g. nguyen.van.an (a-z, 0-9, . _ -)" },
		{ "name", OPT_STR, &name, "NAME", "your full name" },
		{ "role", OPT_STR, &role, "ROLE", "officer or reviewer" },
		{ "province", OPT_STR, &province, "CODE", "your province's code (officers)" },
		{ "remote", OPT_STR, &remote, "URL", "the central repository" },
		OPT_END
	};
	parse_opts(argc, argv, opts, init_usage, &pos, &npos);
	if (npos)
		return usage_error(init_usage, "unexpected argument '%s'", pos[0]);
	if (!id)
		return usage_error(init_usage, "--id is required");
	if (!fl_author_valid(id))
		return error_exit("invalid id '%s' (use a-z, 0-9, '.', '_', '-'; at most 64)", id);
	if (!remote || (name && role)) {
		if (!name || !*name)
			return usage_error(init_usage, "--name is required");
		if (!role)
			return usage_error(init_usage, "--role is required");
	}
	if (role && strcmp(role, "officer") && strcmp(role, "reviewer"))
		return error_exit("unknown role '%s' (officer or reviewer)", role);
	if (province && !fl_province_find(province))
		return error_exit("unknown province code '%s' (see 'fieldlog provinces')", province);
	if (role && !strcmp(role, "officer") && !province && !remote)
		return usage_error(init_usage, "--province is required for an officer");

	char *dir = ws_dir();
	char *cfgpath = xstrfmt("%s/config.json", dir), *dbpath = xstrfmt("%s/index.db", dir);
	if (access(cfgpath, F_OK) == 0) {
		e = error_exit("a workspace already exists in '%s'", dir);
		goto out;
	}
	int existed = access(dir, F_OK) == 0;
	if (mkdirs(dir) < 0) {
		e = error_exit("cannot create '%s': %s", dir, strerror(errno));
		goto out;
	}
	if (ws_lock(dir, &lock_fd) < 0) {
		e = fail();
		goto out;
	}
	/*
	 * config.json is written last, once repo.git and index.db hold
	 * everything: an init killed before it made no workspace, and what it
	 * left is cleared here and the init made again.
	 */
	if (access(cfgpath, F_OK) == 0) {
		e = error_exit("a workspace already exists in '%s'", dir);
		goto out;
	}
	if ((e = fl_sync_init_leftovers(dir)) < 0) {
		e = fail();
		goto out;
	}
	struct stat dbst;
	if (e == 1 || (lstat(dbpath, &dbst) == 0 && S_ISREG(dbst.st_mode)))
		fprintf(stderr, "%s%s\n", _("warning: "),
			_("an earlier 'init' here was interrupted; starting it again"));
	remove_db(dbpath);

	cJSON *cfg = cJSON_CreateObject();
	cJSON_AddStringToObject(cfg, "id", id);
	cJSON_AddStringToObject(cfg, "name", name ? name : "");
	cJSON_AddStringToObject(cfg, "role", role ? role : "");
	cJSON_AddStringToObject(cfg, "province", province ? province : "");
	cJSON_AddStringToObject(cfg, "remote", remote ? remote : "");

	if (remote) {
		/*
		 * Joining: fetch the central repository first, so that a second
		 * device adopts the officer's history and a reviewer gets
		 * everything; roster.json fills in what was not given.
		 */
		struct fl_sync_opts o;
		struct opening idx = { .path = dbpath };
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
		if (e == FL_EOFFLINE) {
			error_exit("%s; nothing was created", fl_last_error());
			cJSON_Delete(cfg);
			e = EXIT_OFFLINE;
			goto undo;
		}
	} else {
		char *gitdir = xstrfmt("%s/repo.git", dir);
		struct fl_store *s = NULL;
		if ((e = fl_store_init(&s, gitdir)) == 0)
			e = fl_sync_log_refs(s);
		fl_store_free(s);
		free(gitdir);
	}
	if (e == 0) {
		char *text = fl_json_canonical(cfg);
		e = fl_write_file_atomic(cfgpath, text, strlen(text));
		chmod(cfgpath, 0600);
		free(text);
	}
	cJSON_Delete(cfg);
	if (e < 0) {
		e = fail();
		goto undo;
	}
	fl_crash_point("init:after-config");
	close(lock_fd);
	lock_fd = -1;

	/* Open it once: creates index.db (a clone has filled it already). */
	struct ws *ws;
	if (ws_open(&ws, WS_WRITE) < 0) {
		e = fail();
		goto out;
	}
	sqlite3_stmt *st = fl_db_stmt(ws->db, "SELECT count(*) FROM records");
	fl_step(st);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	printf("Initialised fieldlog workspace in %s for %s (%s)%s\n", ws->dir, ws->id,
	       *ws->role ? ws->role : "?", *ws->remote ? "" : "; no central repository yet");
	if (*ws->remote)
		printf("central repository: %s; %lld records indexed\n", ws->remote, n);
	ws_close(ws);
	e = EXIT_OK;
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
	free(cfgpath);
	free(dbpath);
	free(dir);
	return e;
}

CMD(whoami)
{
	static const char usage[] = "fieldlog whoami [--json]";
	int json = 0, npos;
	const char **pos;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, "print JSON" }, OPT_END };
	struct ws *ws;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (ws_open(&ws, WS_INDEX_ONLY) < 0)
		return fail();
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
		printf("%s <%s>, %s%s%s\n", ws->name, ws->id, ws->role, p ? ", " : "",
		       p ? p->name : "");
		printf("workspace: %s\n", ws->dir);
		printf("central repository: %s\n", *ws->remote ? ws->remote : "(none)");
	}
	ws_close(ws);
	return EXIT_OK;
}
