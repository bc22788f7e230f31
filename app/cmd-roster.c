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
#include "app/term.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "sync/central.h"
#include "sync/check.h"
#include "sync/sign.h"

/*
 * The central repository, with an error naming the real cause (another
 * user owns it, it is not bare, ...: sync/central.h). `write`: a change.
 */
static int open_repo(struct fl_store **s, const char *dir, int write)
{
	return fl_central_open(s, dir, write, write ? "roster add …" : "roster list …") < 0 ?
		fail() : 0;
}

/*
 * Opens the central repository and reads the roster on its main: *s and
 * *roster the caller frees. EXIT_OK, or the error printed (nothing open).
 */
static int open_roster(struct fl_store **s, cJSON **roster, const char *repo)
{
	git_oid head;
	int e;

	*roster = NULL;
	if ((e = open_repo(s, repo, 0)))
		return e;
	if (fl_store_ref(&head, *s, FL_BRANCH) < 0 || fl_roster_read(roster, *s, &head) < 0) {
		e = error_exit("cannot read the roster of '%s': %s", repo, fl_last_error());
		fl_store_free(*s);
		*s = NULL;
		return e;
	}
	return EXIT_OK;
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
 * The admin's key, when `server init --key` named one (the repository's
 * git config fieldlog.signingKey): roster commits are signed with it.
 */
static void set_admin_signer(struct fl_store *s)
{
	git_config *cfg = NULL;
	git_buf v = GIT_BUF_INIT;

	if (git_repository_config_snapshot(&cfg, fl_store_repo(s)) == 0 &&
	    git_config_get_string_buf(&v, cfg, "fieldlog.signingKey") == 0 && v.size)
		fl_store_set_signer(s, fl_signer_new(v.ptr));
	git_error_clear();
	git_buf_dispose(&v);
	git_config_free(cfg);
}

/*
 * A change to the roster: change() edits the tree (returns 0, or an error
 * exit having said why); the result is one commit on main, written with a
 * compare-and-swap and retried when a push moved main meanwhile. *commit
 * is the new commit; returns 0 (*unchanged set when the roster was
 * already so, and no commit made), or an error exit.
 */
typedef int (*roster_change_fn)(cJSON *roster, void *payload);

static int change_roster(git_oid *commit, int *unchanged, const char *repo, char *const *msg,
			 roster_change_fn change, void *payload)
{
	struct fl_store *s = NULL;
	struct strbuf old = STRBUF_INIT;
	cJSON *roster = NULL;
	char *text = NULL;
	git_oid head;
	int e;

	if ((e = open_repo(&s, repo, 1)))
		return e;
	set_admin_signer(s);
	for (int attempt = 0;; attempt++) {
		cJSON_Delete(roster);
		roster = NULL;
		strbuf_reset(&old);
		free(text);
		text = NULL;
		if (fl_store_ref(&head, s, FL_BRANCH) < 0) {
			e = error_exit("'%s' has no main branch (is it a 'fieldlog server init' repository?)",
				       repo);
			goto out;
		}
		e = fl_store_read_path(&old, s, &head, FL_ROSTER_PATH);
		if (e == FL_ENOTFOUND) {
			roster = fl_roster_new();
		} else if (e < 0 || fl_roster_parse(&roster, old.buf, old.len) < 0) {
			e = error_exit("%s in '%s': %s", FL_ROSTER_PATH, repo, fl_last_error());
			goto out;
		}
		if ((e = change(roster, payload)))
			goto out;
		text = fl_json_canonical(roster);
		if ((*unchanged = !strcmp(text, old.buf)))
			goto out;
		struct fl_write w = { FL_ROSTER_PATH, text, strlen(text) };
		struct fl_sig sig = { "fieldlog admin", "admin@fieldlog", fl_time_now_secs(), 7 * 60 };
		e = fl_store_commit(commit, s, FL_BRANCH, &head, 1, &w, 1, *msg, &sig);
		if (e == 0)
			break;
		/* A push moved main (or holds its lock) meanwhile: read again. */
		if ((e != FL_EEXISTS && e != FL_ELOCKED) || attempt >= 20) {
			e = fail();
			goto out;
		}
		fl_clear_error();
	}
out:
	free(text);
	cJSON_Delete(roster);
	strbuf_release(&old);
	fl_store_free(s);
	return e;
}

/*
 * A public key given as its line or as a ".pub" file, checked in full
 * (sshsig.h names another key type); *out is the line as the roster keeps
 * it, without the final newline. Returns 0 or an error exit.
 */
static int key_arg(char **out, const char *arg, const char *who)
{
	struct strbuf sb = STRBUF_INIT;
	struct fl_ssh_pubkey k;

	*out = NULL;
	if (strncmp(arg, "ssh-", 4) && strncmp(arg, "ecdsa-", 6)) {
		if (strbuf_read_file(&sb, arg, 65536) < 0) {
			strbuf_release(&sb);
			return error_exit("'%s' is neither a public key line nor a readable .pub file",
					  arg);
		}
	} else {
		strbuf_addstr(&sb, arg);
	}
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r' ||
			  sb.buf[sb.len - 1] == ' '))
		strbuf_setlen(&sb, sb.len - 1);
	if (strchr(sb.buf, '\n') || fl_ssh_pubkey_parse(&k, sb.buf, sb.len) < 0 ||
	    !fl_roster_key_valid(sb.buf)) {
		int e = error_exit("key for '%s': %s", who,
				   fl_last_error()[0] ? fl_last_error() :
				   "not one OpenSSH ssh-ed25519 public key line");
		strbuf_release(&sb);
		return e;
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;
}

/* 1 when the roster key line is the key k. */
static int line_is(const char *line, const struct fl_ssh_pubkey *k)
{
	struct fl_ssh_pubkey p;
	int same = line && fl_ssh_pubkey_parse(&p, line, strlen(line)) == 0 &&
		   fl_ssh_pubkey_equal(&p, k);
	fl_clear_error();
	return same;
}

/* Adds line to the person's "keys" (and takes it out of "removed_keys"). */
static int person_add_key(cJSON *person, const char *line)
{
	struct fl_ssh_pubkey k;
	cJSON *keys = cJSON_GetObjectItemCaseSensitive(person, "keys"), *v;
	cJSON *removed = cJSON_GetObjectItemCaseSensitive(person, "removed_keys");

	if (fl_ssh_pubkey_parse(&k, line, strlen(line)) < 0)
		return -1;
	if (!keys)
		cJSON_AddItemToObject(person, "keys", keys = cJSON_CreateArray());
	cJSON_ArrayForEach(v, keys)
		if (line_is(cJSON_GetStringValue(v), &k))
			return 0;
	for (int i = cJSON_GetArraySize(removed) - 1; i >= 0; i--)
		if (line_is(cJSON_GetStringValue(cJSON_GetArrayItem(removed, i)), &k))
			cJSON_DeleteItemFromArray(removed, i);
	if (removed && !cJSON_GetArraySize(removed))
		cJSON_DeleteItemFromObjectCaseSensitive(person, "removed_keys");
	cJSON_AddItemToArray(keys, cJSON_CreateString(line));
	return 1;
}

struct add_args {
	cJSON *person;
	int replaced;
	char *msg;
};

static int add_change(cJSON *roster, void *payload)
{
	struct add_args *a = payload;
	cJSON *p = cJSON_Duplicate(a->person, 1);
	const cJSON *old = fl_roster_find(roster, fl_json_str(p, "id"));
	cJSON *newkeys = cJSON_DetachItemFromObjectCaseSensitive(p, "keys"), *v;
	int e;

	/* --key adds to the keys the person has; it never drops one. */
	if (old) {
		const cJSON *ok = cJSON_GetObjectItemCaseSensitive(old, "keys");
		const cJSON *orm = cJSON_GetObjectItemCaseSensitive(old, "removed_keys");
		if (ok)
			cJSON_AddItemToObject(p, "keys", cJSON_Duplicate(ok, 1));
		if (orm)
			cJSON_AddItemToObject(p, "removed_keys", cJSON_Duplicate(orm, 1));
	}
	cJSON_ArrayForEach(v, newkeys)
		person_add_key(p, v->valuestring);
	cJSON_Delete(newkeys);
	if ((e = fl_roster_put(roster, p)) < 0) {
		cJSON_Delete(p);
		return fail();
	}
	a->replaced = e;
	free(a->msg);
	a->msg = xstrfmt("roster: %s %s (%s)", e ? "update" : "add", fl_json_str(a->person, "id"),
			 fl_json_str(a->person, "role"));
	return 0;
}

static int roster_add(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog roster add --repo DIR --id ID --name NAME --role officer|reviewer"
		" [--province CODE]... [--login LOGIN] [--key KEY]...";
	const char *repo = NULL, *id = NULL, *name = NULL, *role = NULL, *login = NULL, **pos;
	struct strlist provinces = { NULL, 0, 0 }, keys = { NULL, 0, 0 };
	int npos, e = EXIT_ERROR;
	struct opt opts[] = {
		{ "repo", OPT_STR, &repo, "DIR", N_("the central repository (made by 'server init')") },
		{ "id", OPT_STR, &id, "ID", N_("author id, e.g. an.nguyen (their records' directory)") },
		{ "name", OPT_STR, &name, "NAME", N_("full name") },
		{ "role", OPT_STR, &role, "ROLE", N_("officer or reviewer") },
		{ "province", OPT_LIST, &provinces, "CODE",
		  N_("province code (repeatable; officers need one)") },
		{ "login", OPT_STR, &login, "LOGIN", N_("the git server's user name (default: the id)") },
		{ "key", OPT_LIST, &keys, "KEY", N_("their SSH public key: the line, or a .pub file"
		  " (repeatable)") },
		OPT_END
	};
	cJSON *person = NULL;
	struct add_args a = { NULL, 0, NULL };
	git_oid commit;

	(void)ws;   /* the central repository named by --repo, not a workspace */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos) {
		e = usage_error(usage, "unexpected argument '%s'", pos[0]);
		goto out;
	}
	if (!repo || !id || !name || !role) {
		e = usage_error(usage, "--repo, --id, --name and --role are required");
		goto out;
	}
	if (!login)
		login = id;
	/* Validate before touching the repository: the messages name the option. */
	person = new_person(id, name, role, &provinces, login);
	for (size_t i = 0; i < keys.n; i++) {
		char *line;
		if ((e = key_arg(&line, keys.v[i], id)))
			goto out;
		person_add_key(person, line);
		free(line);
	}
	if (fl_roster_person_validate(person) < 0) {
		e = fail();
		goto out;
	}
	a.person = person;
	int unchanged = 0;
	e = change_roster(&commit, &unchanged, repo, &a.msg, add_change, &a);
	if (e == 0 && unchanged) {
		printf(_("%s is already in the roster as given; nothing to change\n"), id);
		e = EXIT_OK;
		goto out;
	}
	if (e)
		goto out;

	char hex[8], *pv = provinces_text(person);
	git_oid_tostr(hex, sizeof(hex), &commit);
	printf(_("%s %s (%s%s%s, login %s%s) %s the roster: commit %s\n"),
	       a.replaced ? _("updated") : _("added"), id, label(role),
	       !provinces.n ? "" : provinces.n == 1 ? _(", province ") : _(", provinces "), pv, login,
	       keys.n == 1 ? _(", 1 key") : keys.n ? _(", keys") : "", a.replaced ? _("in") : _("to"),
	       hex);
	free(pv);
	e = EXIT_OK;
out:
	free(a.msg);
	cJSON_Delete(person);
	strlist_release(&provinces);
	strlist_release(&keys);
	return e;
}

/*
 * What every roster subcommand but add does first: parse its options,
 * refuse positional arguments unless `any_args`, and require --repo (the
 * central repository: these commands run on the server, not in a
 * workspace). Returns 0 or the usage error's exit code.
 */
static int repo_args(int argc, const char **argv, const struct opt *opts, const char *usage,
		     const char *const *repo, const char ***pos, int *npos, int any_args)
{
	parse_opts(argc, argv, opts, usage, pos, npos);
	if (*npos && !any_args)
		return usage_error(usage, "unexpected argument '%s'", (*pos)[0]);
	if (!*repo)
		return usage_error(usage, "--repo is required");
	return 0;
}

static int roster_list(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog roster list --repo DIR [--json]";
	const char *repo = NULL, **pos;
	int json = 0, npos, e;
	struct opt opts[] = {
		{ "repo", OPT_STR, &repo, "DIR", N_("the central repository") },
		{ "json", OPT_BOOL, &json, NULL, N_("print roster.json itself") },
		OPT_END
	};
	static const char *hdr[] = { N_("ID"), N_("NAME"), N_("ROLE"), N_("PROVINCES"), N_("LOGIN") };
	struct fl_store *s = NULL;
	cJSON *roster = NULL;
	const cJSON *p;
	struct table t;
	size_t n = 0;

	(void)ws;
	if ((e = repo_args(argc, argv, opts, usage, &repo, &pos, &npos, 0)) ||
	    (e = open_roster(&s, &roster, repo)))
		return e;
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
			fprintf(stderr, _("the roster is empty (see 'fieldlog roster add -h')\n"));
		table_release(&t);
	}
	cJSON_Delete(roster);
	fl_store_free(s);
	return EXIT_OK;
}

struct key_args {
	const char *id;
	const char *line;          /* add: the key line */
	const char *which;         /* remove: a fingerprint or a key */
	char fpr[FL_SSH_FINGERPRINT_SIZE];
	char *msg;
};

static int key_add_change(cJSON *roster, void *payload)
{
	struct key_args *a = payload;
	cJSON *p = (cJSON *)fl_roster_find(roster, a->id);

	if (!p)
		return error_exit("no person '%s' in the roster", a->id);
	person_add_key(p, a->line);
	return 0;
}

static int key_remove_change(cJSON *roster, void *payload)
{
	struct key_args *a = payload;
	cJSON *p = (cJSON *)fl_roster_find(roster, a->id);
	cJSON *keys = cJSON_GetObjectItemCaseSensitive(p, "keys"), *removed;
	struct fl_ssh_pubkey given;
	int by_key = fl_ssh_pubkey_parse(&given, a->which, strlen(a->which)) == 0;

	fl_clear_error();
	if (!p)
		return error_exit("no person '%s' in the roster", a->id);
	for (int i = 0; i < cJSON_GetArraySize(keys); i++) {
		const char *line = cJSON_GetStringValue(cJSON_GetArrayItem(keys, i));
		struct fl_ssh_pubkey k;
		char fpr[FL_SSH_FINGERPRINT_SIZE];
		if (!line || fl_ssh_pubkey_parse(&k, line, strlen(line)) < 0)
			continue;
		fl_ssh_fingerprint(fpr, &k);
		if (by_key ? !fl_ssh_pubkey_equal(&k, &given) : strcmp(fpr, a->which))
			continue;
		/* Kept as removed: what it signed is then named, and refused. */
		cJSON *item = cJSON_DetachItemFromArray(keys, i);
		if (!(removed = cJSON_GetObjectItemCaseSensitive(p, "removed_keys")))
			cJSON_AddItemToObject(p, "removed_keys", removed = cJSON_CreateArray());
		cJSON_AddItemToArray(removed, item);
		if (!cJSON_GetArraySize(keys))
			cJSON_DeleteItemFromObjectCaseSensitive(p, "keys");
		memcpy(a->fpr, fpr, sizeof(fpr));
		return 0;
	}
	fl_clear_error();
	return error_exit("'%s' has no key '%s' (see 'fieldlog roster list --repo DIR --json')",
			  a->id, a->which);
}

static int roster_key(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog roster key add --repo DIR ID KEY\n"
		"   or: fieldlog roster key remove --repo DIR ID FINGERPRINT|KEY";
	const char *repo = NULL, **pos;
	struct opt opts[] = {
		{ "repo", OPT_STR, &repo, "DIR", N_("the central repository") },
		OPT_END
	};
	struct key_args a;
	char *line = NULL, hex[8];
	git_oid commit;
	int npos, e, add;

	(void)ws;
	if ((e = repo_args(argc, argv, opts, usage, &repo, &pos, &npos, 1)))
		return e;
	if (npos != 3 || (strcmp(pos[0], "add") && strcmp(pos[0], "remove")))
		return usage_error(usage, "give add or remove, an id and a key");
	add = !strcmp(pos[0], "add");
	memset(&a, 0, sizeof(a));
	a.id = pos[1];
	a.which = pos[2];
	if (add || strncmp(pos[2], "SHA256:", 7)) {
		if ((e = key_arg(&line, pos[2], pos[1])))
			return e;
		a.which = line;
		a.line = line;
		struct fl_ssh_pubkey k;
		fl_ssh_pubkey_parse(&k, line, strlen(line));
		fl_ssh_fingerprint(a.fpr, &k);
	}
	a.msg = xstrfmt("roster: %s a key of %s", add ? "add" : "remove", a.id);
	int unchanged = 0;
	e = change_roster(&commit, &unchanged, repo, &a.msg,
			  add ? key_add_change : key_remove_change, &a);
	if (e == 0 && unchanged) {
		printf(_("%s already holds %s; nothing to change\n"), a.id, a.fpr);
		e = EXIT_OK;
	} else if (e == 0) {
		git_oid_tostr(hex, sizeof(hex), &commit);
		/*
		 * fprintf, not printf: gcc -O1 with the sanitizers merges a printf
		 * here with the one above, then warns of a null format.
		 */
		fprintf(stdout, _("%s key %s %s %s: commit %s\n"), add ? _("added") : _("removed"),
			a.fpr, add ? _("to") : _("from"), a.id, hex);
		if (!add)
			printf(_("commits signed with it now show as 'signed by %s (key removed)' and"
			       " count as badly signed\n"), a.id);
	}
	free(a.msg);
	free(line);
	return e;
}

static int roster_allowed_signers(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog roster allowed-signers --repo DIR";
	const char *repo = NULL, **pos;
	struct opt opts[] = {
		{ "repo", OPT_STR, &repo, "DIR", N_("the central repository") },
		OPT_END
	};
	struct fl_store *s = NULL;
	cJSON *roster = NULL;
	const cJSON *p, *k;
	int npos, e;

	(void)ws;
	if ((e = repo_args(argc, argv, opts, usage, &repo, &pos, &npos, 0)) ||
	    (e = open_roster(&s, &roster, repo)))
		return e;
	/*
	 * The principal is the committer's email (every fieldlog commit on
	 * authors/<id> is committed as <id>@fieldlog), as git's
	 * gpg.ssh.allowedSignersFile matches it; namespaces="git" limits the
	 * key to git signatures, as ssh-keygen -Y verify -n git checks.
	 */
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people"))
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(p, "keys"))
			printf("%s@fieldlog namespaces=\"git\" %s\n", fl_json_str(p, "id"),
			       cJSON_GetStringValue(k));
	set_admin_signer(s);
	if (fl_store_signer(s) && fl_signer_load(fl_store_signer(s)) == 0) {
		struct strbuf sb = STRBUF_INIT;
		fl_ssh_pubkey_format(&sb, fl_signer_pubkey(fl_store_signer(s)));
		printf("admin@fieldlog namespaces=\"git\" %s\n", sb.buf);
		strbuf_release(&sb);
	}
	fl_clear_error();
	cJSON_Delete(roster);
	fl_store_free(s);
	return EXIT_OK;
}

int cmd_roster(int argc, const char **argv, struct ws *ws)
{
	static const struct cmd sub[] = {
		{ "add", roster_add, 0,
		  N_("add an officer or a reviewer") },
		{ "list", roster_list, USE_PAGER,
		  N_("list officers and reviewers") },
		{ "key", roster_key, 0,
		  N_("set a person's signing key") },
		{ "allowed-signers", roster_allowed_signers, 0,
		  N_("print the allowed signers file") },
	};
	(void)ws;
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub),
			"fieldlog roster add|list|key|allowed-signers --repo DIR ...");
}
