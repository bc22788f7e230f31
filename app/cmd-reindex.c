/*
 * cmd-reindex.c: `fieldlog reindex` throws the index away and rebuilds it
 * from repo.git alone (the repository is the truth; docs/design.md, "The index").
 * A fresh file is built next to the old one and renamed over it, so an
 * interrupted reindex leaves the old index in place (ws_rebuild_index,
 * which also mends a damaged index when a command meets one). Saves still
 * in the outbox (sync/outbox.h) are committed and indexed too.
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

/*
 * A statement outside the new index's transactions failed (a full disk,
 * say): one line. The half-built file is left for the next reindex to
 * remove; the old index is untouched.
 */
static void reindex_failed(int code, const char *path)
{
	(void)code;
	(void)path;
	error_exit("%s", fl_last_error());
	exit(EXIT_ERROR);
}

int cmd_reindex(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog reindex";
	const char **pos;
	int npos, lock_fd, e;
	struct opt opts[] = { OPT_END };
	struct fl_store *s = NULL;
	struct fl_import_stats st = { 0, 0, 0, 0 };
	struct timespec t0, t1;

	(void)ws;   /* the index may be what is broken: reindex opens only the repository */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	char *dir = ws_dir();
	char *cfg = xstrfmt("%s/config.json", dir);
	char *gitdir = xstrfmt("%s/repo.git", dir);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (access(cfg, F_OK) < 0) {
		e = error_exit("no fieldlog workspace in '%s' (run 'fieldlog init')", dir);
		goto out;
	}
	if (ws_lock(dir, &lock_fd) < 0) {
		e = fail();
		goto out;
	}
	if (fl_store_open(&s, gitdir) < 0) {
		e = fail();
		goto unlock;
	}
	/* Our id says which branch is ours (main) rather than a central copy. */
	struct strbuf text = STRBUF_INIT;
	cJSON *config = NULL;
	if (strbuf_read_file(&text, cfg, 1 << 20) < 0 ||
	    fl_json_parse(&config, text.buf, text.len) < 0 || !fl_json_str(config, "id")) {
		strbuf_release(&text);
		cJSON_Delete(config);
		e = error_exit("'%s' is damaged: %s", cfg, fl_last_error());
		goto unlock;
	}
	strbuf_release(&text);
	fl_db_on_failure(reindex_failed);
	e = ws_rebuild_index(dir, s, fl_json_str(config, "id"), &st);
	cJSON_Delete(config);
	if (e < 0) {
		e = fail();
		goto unlock;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf(_("indexed %zu records (%zu skipped) in %.2f s\n"), st.added, st.skipped, secs);
	e = EXIT_OK;
unlock:
	fl_store_free(s);
	close(lock_fd);
out:
	free(cfg);
	free(gitdir);
	free(dir);
	return e;
}
