/*
 * cmd-roster.c: `fieldlog roster add|list`: the admin's view of
 * roster.json in the central repository (see sync/check.h for its form).
 * The roster is changed here, on the server's own repository, and never
 * by a push, so the pre-receive check can trust it. Each change is one
 * commit on main, written with a compare-and-swap: a push landing at the
 * same moment makes us read the roster again and retry.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "sync/check.h"

static int open_repo(struct fl_store **s, const char *dir)
{
	int e = fl_store_open(s, dir);
	if (e == FL_ENOTFOUND)
		return error_exit("no repository at '%s' (create one with 'fieldlog server init DIR')",
				  dir);
	return e < 0 ? fail() : 0;
}

/* "42, 75" from the person's provinces; caller frees. */
static char *provinces_text(const cJSON *person)
{
	struct strbuf sb = STRBUF_INIT;
	const cJSON *v;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(person, "provinces")) {
		if (sb.len)
			strbuf_addstr(&sb, ", ");
		strbuf_addstr(&sb, cJSON_GetStringValue(v) ? cJSON_GetStringValue(v) : "?");
	}
	return strbuf_detach(&sb, NULL);
}

static cJSON *new_person(const char *id, const char *name, const char *role,
			 const struct strlist *provinces, const char *login)
{
	cJSON *p = cJSON_CreateObject(), *arr = cJSON_CreateArray();

	cJSON_AddStringToObject(p, "id", id);
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(p, "role", role);
	for (size_t i = 0; i < provinces->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(provinces->v[i]));
	cJSON_AddItemToObject(p, "provinces", arr);
	cJSON_AddStringToObject(p, "login", login);
	return p;
}

/*
 * Puts person into the roster on main of s and commits it, reading again
 * when a push moved main meanwhile. *commit is the new commit, *replaced
 * whether the person was there; *changed is 0 when the roster already
 * said so (nothing committed). EXIT_OK, or the error printed.
 */
static int roster_commit(git_oid *commit, int *replaced, int *changed, struct fl_store *s,
			 const char *repo, const cJSON *person)
{
	struct strbuf old = STRBUF_INIT;
	cJSON *roster = NULL;
	char *text = NULL, *msg = NULL;
	git_oid head;
	int e, rc;

	*changed = 1;
	for (int attempt = 0;; attempt++) {
		cJSON_Delete(roster);
		roster = NULL;
		strbuf_reset(&old);
		free(text);
		text = NULL;
		if (fl_store_ref(&head, s, FL_BRANCH) < 0) {
			rc = error_exit("'%s' has no main branch (is it a 'fieldlog server init' repository?)",
					repo);
			goto out;
		}
		e = fl_store_read_path(&old, s, &head, FL_ROSTER_PATH);
		if (e == FL_ENOTFOUND) {
			roster = fl_roster_new();
		} else if (e < 0 || fl_roster_parse(&roster, old.buf, old.len) < 0) {
			rc = error_exit("%s in '%s': %s", FL_ROSTER_PATH, repo, fl_last_error());
			goto out;
		}
		cJSON *p = cJSON_Duplicate(person, 1);
		if ((e = fl_roster_put(roster, p)) < 0) {
			cJSON_Delete(p);
			rc = fail();
			goto out;
		}
		*replaced = e;
		text = fl_json_canonical(roster);
		if (!strcmp(text, old.buf)) {
			*changed = 0;
			rc = EXIT_OK;
			goto out;
		}
		free(msg);
		msg = xstrfmt("roster: %s %s (%s)", *replaced ? "update" : "add",
			      fl_json_str(person, "id"), fl_json_str(person, "role"));
		struct fl_write w = { FL_ROSTER_PATH, text, strlen(text) };
		struct fl_sig sig = { "fieldlog admin", "admin@fieldlog", fl_time_now_secs(), 7 * 60 };
		e = fl_store_commit(commit, s, FL_BRANCH, &head, 1, &w, 1, msg, &sig);
		if (e == 0)
			break;
		/* A push moved main (or holds its lock) meanwhile: read again. */
		if ((e != FL_EEXISTS && e != FL_ELOCKED) || attempt >= 20) {
			rc = fail();
			goto out;
		}
		fl_clear_error();
	}
	rc = EXIT_OK;
out:
	free(msg);
	free(text);
	cJSON_Delete(roster);
	strbuf_release(&old);
	return rc;
}

static int roster_add(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog roster add --repo DIR --id ID --name NAME --role officer|reviewer"
		" [--province CODE]... [--login LOGIN]";
	const char *repo = NULL, *id = NULL, *name = NULL, *role = NULL, *login = NULL, **pos;
	struct strlist provinces = { NULL, 0, 0 };
	int npos, rc, replaced = 0, changed;
	struct opt opts[] = {
		{ "repo", OPT_STR, &repo, "DIR", "the central repository (made by 'server init')" },
		{ "id", OPT_STR, &id, "ID", "author id, e.g. an.nguyen (their records' directory)" },
		{ "name", OPT_STR, &name, "NAME", "full name" },
		{ "role", OPT_STR, &role, "ROLE", "officer or reviewer" },
		{ "province", OPT_LIST, &provinces, "CODE", "province code (repeatable; officers need one)" },
		{ "login", OPT_STR, &login, "LOGIN", "the git server's user name (default: the id)" },
		OPT_END
	};
	struct fl_store *s = NULL;
	cJSON *person = NULL;
	char *pv = NULL;
	char hex[8];
	git_oid commit;

	(void)ws;   /* the central repository named by --repo, not a workspace */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos) {
		rc = usage_error(usage, "unexpected argument '%s'", pos[0]);
		goto out;
	}
	if (!repo || !id || !name || !role) {
		rc = usage_error(usage, "--repo, --id, --name and --role are required");
		goto out;
	}
	if (!login)
		login = id;
	/* Validate before touching the repository: the messages name the option. */
	person = new_person(id, name, role, &provinces, login);
	if (fl_roster_person_validate(person) < 0) {
		rc = fail();
		goto out;
	}
	if ((rc = open_repo(&s, repo)) ||
	    (rc = roster_commit(&commit, &replaced, &changed, s, repo, person)))
		goto out;
	if (!changed) {
		printf("%s is already in the roster as given; nothing to change\n", id);
		goto out;
	}
	pv = provinces_text(person);
	git_oid_tostr(hex, sizeof(hex), &commit);
	printf("%s %s (%s%s%s, login %s) %s the roster: commit %s\n",
	       replaced ? "updated" : "added", id, role,
	       !provinces.n ? "" : provinces.n == 1 ? ", province " : ", provinces ", pv, login,
	       replaced ? "in" : "to", hex);
out:
	free(pv);
	cJSON_Delete(person);
	strlist_release(&provinces);
	fl_store_free(s);
	return rc;
}

static int roster_list(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog roster list --repo DIR [--json]";
	const char *repo = NULL, **pos;
	int json = 0, npos, e;
	struct opt opts[] = {
		{ "repo", OPT_STR, &repo, "DIR", "the central repository" },
		{ "json", OPT_BOOL, &json, NULL, "print roster.json itself" },
		OPT_END
	};
	static const char *hdr[] = { "ID", "NAME", "ROLE", "PROVINCES", "LOGIN" };
	struct fl_store *s = NULL;
	cJSON *roster = NULL;
	const cJSON *p;
	git_oid head;
	struct table t;
	size_t n = 0;

	(void)ws;   /* the central repository named by --repo, not a workspace */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (!repo)
		return usage_error(usage, "--repo is required");
	if ((e = open_repo(&s, repo)))
		return e;
	if (fl_store_ref(&head, s, FL_BRANCH) < 0 || fl_roster_read(&roster, s, &head) < 0) {
		e = error_exit("cannot read the roster of '%s': %s", repo, fl_last_error());
		fl_store_free(s);
		return e;
	}
	if (json) {
		print_json(roster);
	} else {
		table_init(&t, 5, hdr);
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people")) {
			char *pv = provinces_text(p);
			table_add(&t, fl_json_str(p, "id"), fl_json_str(p, "name"),
				  fl_json_str(p, "role"), pv, fl_json_str(p, "login"));
			free(pv);
			n++;
		}
		if (n)
			table_print(&t, stdout);
		else
			fprintf(stderr, "the roster is empty (see 'fieldlog roster add -h')\n");
		table_release(&t);
	}
	cJSON_Delete(roster);
	fl_store_free(s);
	return EXIT_OK;
}

int cmd_roster(int argc, const char **argv, struct ws *ws)
{
	static const struct cmd sub[] = {
		{ "add", roster_add, 0, NULL }, { "list", roster_list, 0, NULL },
	};
	(void)ws;
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub),
			"fieldlog roster add|list --repo DIR ...");
}
