/*
 * cmd-bundle.c: `fieldlog bundle create|import`: records that travel as
 * a file where there is no signal (sync/bundle.h has the format and the
 * rules).
 *
 *   bundle create [FILE]            my commits the central repository is
 *                                   not known to have (--since, --all)
 *   bundle create --for ID [FILE]   what officer ID may not have received:
 *                                   the roster and the reviewers' branches
 *                                   (--repo DIR: the admin, on the server)
 *   bundle import FILE              judged, then taken in as a fetch would;
 *                                   colleagues' branches are relayed to the
 *                                   central repository by the next sync
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/roster.h"
#include "sync/bundle.h"
#include "sync/check.h"
#include "sync/import.h"

static const char bundle_usage[] = "fieldlog bundle (create | import) ...";

/* "850 bytes", "12.4 KB", "3.1 MB"; borrowed static storage. */
static const char *size_text(long long n)
{
	static char buf[32];

	if (n < 1024)
		snprintf(buf, sizeof(buf), _("%lld bytes"), n);
	else if (n < 1024 * 1024)
		snprintf(buf, sizeof(buf), "%.1f KB", (double)n / 1024);
	else
		snprintf(buf, sizeof(buf), "%.1f MB", (double)n / (1024 * 1024));
	return buf;
}

/* What create was asked for. */
struct create_args {
	const char *file, *since, *for_id, *repo;
	int all;
};

/* The tips for officer `id`: the roster and each reviewer's branch (never id's own). */
static int for_officer(struct fl_bundle_spec *sp, struct fl_store *s, const char *main_ref,
		       const char *authors, const char *me, const char *id)
{
	git_oid tip;
	cJSON *roster = NULL;
	const cJSON *p;
	int e;

	if ((e = fl_store_ref(&tip, s, main_ref)) < 0 || (e = fl_roster_read(&roster, s, &tip)) < 0)
		return e;
	if (!fl_roster_find(roster, id)) {
		e = fl_error(FL_ENOTFOUND, "'%s' is not in the roster", id);
		goto done;
	}
	fl_bundle_spec_add_tip(sp, FL_CENTRAL_MAIN, &tip);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people")) {
		const char *rid = fl_json_str(p, "id"), *role = fl_json_str(p, "role");
		char *ref, *name;
		if (!rid || !role || strcmp(role, "reviewer") || !strcmp(rid, id) || !fl_author_valid(rid))
			continue;
		ref = me && !strcmp(rid, me) ? xstrdup(FL_BRANCH) : xstrfmt("%s%s", authors, rid);
		name = xstrfmt("%s%s", FL_CENTRAL_AUTHORS, rid);
		if (fl_store_ref(&tip, s, ref) == 0)
			fl_bundle_spec_add_tip(sp, name, &tip);
		fl_clear_error();
		free(ref);
		free(name);
	}
done:
	cJSON_Delete(roster);
	return e;
}

/* Fills sp from the arguments; *what gets the default file's middle part. */
static int create_spec(struct fl_bundle_spec *sp, char **what, struct fl_store *s,
		       const struct create_args *a, const char *me)
{
	const char *main_ref = a->repo ? FL_CENTRAL_MAIN : FL_REMOTE_ROSTER;
	git_oid tip;
	int e = 0;

	if (a->for_id) {
		*what = xstrfmt("for-%s", a->for_id);
		e = for_officer(sp, s, main_ref, a->repo ? FL_CENTRAL_AUTHORS : FL_REMOTE_AUTHORS,
				me, a->for_id);
	} else {
		char *name = xstrfmt("%s%s", FL_CENTRAL_AUTHORS, me);
		*what = xstrdup(me);
		if ((e = fl_store_ref(&tip, s, FL_BRANCH)) == 0)
			fl_bundle_spec_add_tip(sp, name, &tip);
		else
			e = fl_error(FL_ENOTFOUND, "nothing to bundle: no commit of yours yet");
		/* What the central repository is known to have: the last sync's. */
		if (e == 0 && !a->all && !a->since && fl_store_ref(&tip, s, FL_REMOTE_BRANCH) == 0)
			fl_bundle_spec_add_known(sp, &tip);
		fl_clear_error();
		free(name);
	}
	if (e == 0 && a->since) {
		if (!fl_date_valid(a->since))
			e = fl_error(FL_EINVALID, "option '--since' needs a date YYYY-MM-DD, not '%s'",
				     a->since);
		else   /* midnight, Vietnam time */
			sp->since = (long long)fl_date_days(a->since) * 86400 - 7 * 3600;
	}
	return e;
}

static void print_created(const char *file, const struct fl_bundle_spec *sp,
			  const struct fl_bundle_stats *st)
{
	int first = 1;

	printf(_("wrote %s (%s)\n"), file, size_text(st->bytes));
	printf(_("  %zu commit%s on"), st->commits, st->commits == 1 ? "" : "s");
	for (size_t i = 0; i < sp->ntips; i++)
		printf(" %s", sp->tips[i].name + strlen("refs/heads/"));
	printf("\n");
	for (size_t k = 0; k < FL_BUNDLE_KINDS; k++) {
		if (!st->kinds[k])
			continue;
		printf(first ? _("  record versions: %zu %s") : ", %zu %s", st->kinds[k],
		       fl_bundle_kinds[k]);
		first = 0;
	}
	if (!first)
		printf("\n");
}

/* The central repository (--repo) or the workspace, opened for create. */
static int create_open(struct fl_store **s, struct ws **ws, const struct create_args *a)
{
	int e;

	*s = NULL;
	*ws = NULL;
	if (a->repo) {
		e = fl_store_open(s, a->repo);
		return e == FL_ENOTFOUND ? fl_error(e, "no repository at '%s'", a->repo) : e;
	}
	if ((e = ws_open(ws, WS_WRITE)) < 0)   /* commits the outbox: saves go in too */
		return e;
	*s = (*ws)->store;
	return 0;
}

static int bundle_create(int argc, const char **argv, struct ws *unused)
{
	static const char usage[] = "fieldlog bundle create [FILE] [--since DATE | --all]"
				    " [--for ID [--repo DIR]]";
	struct create_args a = { NULL, NULL, NULL, NULL, 0 };
	struct opt opts[] = {
		{ "since", OPT_STR, &a.since, "DATE", "commits made since DATE (YYYY-MM-DD)" },
		{ "all", OPT_BOOL, &a.all, NULL, "every commit of the branch" },
		{ "for", OPT_STR, &a.for_id, "ID", "what officer ID has not received" },
		{ "repo", OPT_STR, &a.repo, "DIR", "the central repository (with --for)" },
		OPT_END
	};
	struct fl_bundle_spec sp = { NULL, 0, 0, NULL, 0, 0, 0 };
	struct fl_bundle_stats st;
	struct fl_store *s = NULL;
	struct ws *ws = NULL;
	const char **pos;
	char *what = NULL, *file = NULL, now[32];
	git_oid central;
	int npos, rc = EXIT_ERROR, e;

	(void)unused;
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos > 1)
		return usage_error(usage, "unexpected argument '%s'", pos[1]);
	if (a.repo && !a.for_id)
		return usage_error(usage, "--repo needs --for ID (the admin bundles for an officer)");
	if (a.all && a.since)
		return usage_error(usage, "--all and --since exclude each other");
	if ((e = create_open(&s, &ws, &a)) < 0 ||
	    (e = create_spec(&sp, &what, s, &a, ws ? ws->id : NULL)) < 0 ||
	    (e = fl_bundle_central(&central, s, a.repo ? FL_CENTRAL_MAIN : FL_REMOTE_ROSTER)) < 0) {
		rc = fail();
		goto out;
	}
	fl_bundle_spec_add_known(&sp, &central);
	fl_time_now(now);
	now[10] = '\0';
	file = npos ? xstrdup(pos[0]) : xstrfmt("fieldlog-%s-%s.bundle", what, now);
	e = fl_bundle_write(&st, s, file, &sp, &central);
	if (e == FL_ENOTFOUND) {
		printf(_("nothing to bundle: the central repository has all of it (--all or --since"
			 " DATE bundle it anyway)\n"));
		rc = EXIT_OK;
	} else if (e < 0) {
		rc = fail();
	} else {
		print_created(file, &sp, &st);
		rc = EXIT_OK;
	}
out:
	if (ws)
		ws_close(ws);
	else
		fl_store_free(s);
	fl_bundle_spec_release(&sp);
	free(what);
	free(file);
	return rc;
}

static void print_imported(const char *file, const struct fl_bundle_import *r,
			   const struct fl_import_stats *st)
{
	printf(_("imported %zu commit%s from %s:"), r->commits, r->commits == 1 ? "" : "s", file);
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].fresh)
			printf(" %s (%zu)", r->v[i].name + strlen("refs/heads/"), r->v[i].commits);
	printf("\n");
	printf(_("records: %zu new, %zu changed\n"), st->added, st->changed);
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].fresh && strcmp(r->v[i].name, FL_CENTRAL_MAIN))
			printf(_("%s waits to be relayed to the central repository by the next sync\n"),
			       r->v[i].name + strlen("refs/heads/"));
}

/*
 * Indexes the branches the import moved, each from the commit the index
 * reflects for it, as a sync's import would: planning over every branch
 * (fl_import_refs) reads a ref and a meta row for each of a reviewer's
 * 3,332. When another import is owed (a sync killed before its own),
 * everything is brought up to date instead.
 */
static int index_moved(struct ws *ws, const struct fl_bundle_import *r,
		       struct fl_import_stats *st)
{
	struct fl_import_step *steps = xcalloc(r->n ? r->n : 1, sizeof(*steps));
	char *owed = fl_db_meta_get(ws->db, "refs_pending");
	size_t n = 0;
	int e;

	fl_trace("bundle: index the records");
	/* Until the index has it (workspace.c catches up after a crash). */
	fl_db_meta_set(ws->db, "refs_pending", "1");
	for (size_t i = 0; i < r->n && !owed; i++) {
		const struct fl_bundle_branch *b = &r->v[i];
		int roster = !strcmp(b->name, FL_CENTRAL_MAIN);
		char *local, *hex;
		if (!b->fresh)
			continue;
		local = roster ? xstrdup(FL_REMOTE_ROSTER) :
			xstrfmt("%s%s", FL_REMOTE_AUTHORS, b->name + strlen(FL_CENTRAL_AUTHORS));
		steps[n].key = xstrfmt("indexed %s", local);
		steps[n].author = roster ? NULL : xstrdup(fl_import_branch_author(local, ws->id));
		git_oid_cpy(&steps[n].to, &b->new);
		hex = fl_db_meta_get(ws->db, steps[n].key);
		steps[n].has_from = hex && git_oid_fromstr(&steps[n].from, hex) == 0;
		free(hex);
		free(local);
		n++;
	}
	e = owed ? fl_import_refs(ws->db, ws->store, ws->id, 0, st) :
		fl_import(ws->db, ws->store, steps, n, 0, st);
	if (e == 0)
		fl_db_exec(ws->db, "DELETE FROM meta WHERE key = 'refs_pending'");
	fl_import_steps_release(steps, n);
	free(owed);
	return e;
}

static int bundle_import(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog bundle import FILE";
	struct opt opts[] = { OPT_END };
	struct fl_bundle_import r;
	struct fl_import_stats st = { 0, 0, 0, 0 };
	const char **pos;
	int npos, rc = EXIT_OK;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos > 1)
		return usage_error(usage, "unexpected argument '%s'", pos[1]);
	if (!npos)
		return usage_error(usage, "which bundle? (a FILE is needed)");
	if (fl_bundle_import(&r, ws->store, pos[0], ws->id) < 0) {
		rc = fail();
	} else if (!r.commits) {
		printf(_("nothing new in %s\n"), pos[0]);
	} else {
		if (index_moved(ws, &r, &st) < 0)
			rc = fail();
		else
			print_imported(pos[0], &r, &st);
		if (st.skipped)
			fprintf(stderr, _("warning: %zu invalid record%s skipped (see 'fieldlog status')\n"),
				st.skipped, st.skipped == 1 ? "" : "s");
	}
	fl_bundle_import_release(&r);
	return rc;
}

int cmd_bundle(int argc, const char **argv, struct ws *ws)
{
	static const struct cmd sub[] = {
		{ "create", bundle_create, 0, N_("write what the central repository lacks to a file") },
		{ "import", bundle_import, WS_WRITE, N_("check and take in a colleague's bundle") },
	};

	(void)ws;   /* each subcommand declares its own setup */
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub), bundle_usage);
}
