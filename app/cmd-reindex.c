/*
 * cmd-reindex.c: `fieldlog reindex` throws the index away and rebuilds it
 * from repo.git alone (the repository is the truth; DESIGN section 1).
 * A fresh file is built next to the old one and renamed over it, so an
 * interrupted reindex leaves the old index in place. Saves still in the
 * outbox (sync/outbox.h) are committed and indexed too.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "schema/json.h"
#include "sync/import.h"
#include "sync/outbox.h"

int cmd_reindex(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog reindex";
	const char **pos;
	int npos, lock_fd = -1, e;
	struct opt opts[] = { OPT_END };
	struct fl_store *s = NULL;
	struct fl_db *db = NULL;
	struct fl_import_stats st = { 0, 0, 0, 0 };
	struct timespec t0, t1;
	struct strbuf text = STRBUF_INIT;
	cJSON *config = NULL;

	(void)ws;   /* the index may be what is broken: reindex opens only the repository */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	char *dir = ws_dir();
	char *cfg = xstrfmt("%s/config.json", dir);
	char *gitdir = xstrfmt("%s/repo.git", dir);
	char *tmp = xstrfmt("%s/index.db.new", dir);
	char *final = xstrfmt("%s/index.db", dir);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (access(cfg, F_OK) < 0) {
		e = error_exit("no fieldlog workspace in '%s' (run 'fieldlog init')", dir);
		goto out;
	}
	if (ws_lock(dir, &lock_fd) < 0) {
		e = fail();
		goto out;
	}
	unlink(tmp);
	for (const char *sfx = "-wal"; sfx; sfx = *sfx == '-' && sfx[1] == 'w' ? "-shm" : NULL) {
		char *p = xstrfmt("%s%s", tmp, sfx);
		unlink(p);
		free(p);
	}
	if (fl_store_open(&s, gitdir) < 0) {
		e = fail();
		goto out;
	}
	if (fl_db_open(&db, tmp, 1) < 0) {
		e = fail();
		goto out;
	}
	/* Our id says which branch is ours (main) rather than a central copy. */
	if (strbuf_read_file(&text, cfg, 1 << 20) < 0 ||
	    fl_json_parse(&config, text.buf, text.len) < 0 || !fl_json_str(config, "id")) {
		e = error_exit("'%s' is damaged: %s", cfg, fl_last_error());
		goto out;
	}
	if (fl_import_refs(db, s, fl_json_str(config, "id"), 1, &st) < 0) {
		e = fail();
		goto out;
	}
	/* Saves not yet committed are in the outbox: commit them, index them. */
	if (fl_outbox_flush(dir, db, s, NULL) < 0) {
		e = fail();
		goto out;
	}
	fl_db_exec(db, "PRAGMA main.wal_checkpoint(TRUNCATE)");
	fl_db_close(db);
	db = NULL;
	if (rename(tmp, final) < 0) {
		e = error_exit("cannot replace '%s'", final);
		goto out;
	}
	/* The old index's WAL must not be replayed onto the new file. */
	for (const char *sfx = "-wal"; sfx; sfx = *sfx == '-' && sfx[1] == 'w' ? "-shm" : NULL) {
		char *p = xstrfmt("%s%s", final, sfx), *q = xstrfmt("%s%s", tmp, sfx);
		unlink(p);
		unlink(q);
		free(p);
		free(q);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("indexed %zu records (%zu skipped) in %.2f s\n", st.added, st.skipped, secs);
	e = EXIT_OK;
out:
	fl_db_close(db);
	fl_store_free(s);
	if (lock_fd >= 0)
		close(lock_fd);
	cJSON_Delete(config);
	strbuf_release(&text);
	free(cfg);
	free(gitdir);
	free(tmp);
	free(final);
	free(dir);
	return e;
}
