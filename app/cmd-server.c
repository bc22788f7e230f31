/*
 * cmd-server.c: `fieldlog server init DIR` creates the central repository
 * (docs/design.md, "Repository layout" and "The central
 * repository's check"): a bare repository whose main branch starts
 * with an empty roster.json, configured so that git itself refuses
 * deletions and rewinds, with `fieldlog server check` installed as its
 * pre-receive hook. `server check` is that hook: git runs it with the
 * pushed refs on stdin, and a refusal is one line on stderr, which git
 * relays to the pusher.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/term.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/json.h"
#include "schema/record.h"
#include "sync/central.h"
#include "sync/check.h"
#include "sync/sign.h"

/* Whether path can become a new repository: absent, or an empty directory. */
static int usable_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int empty = 1;

	if (!d)
		return errno == ENOENT;
	while (empty && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/* s in single quotes for sh: ' becomes '\''. Caller frees. */
static char *sh_quote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(&sb, "'\\''");
		else
			strbuf_addch(&sb, *s);
	}
	strbuf_addch(&sb, '\'');
	return strbuf_detach(&sb, NULL);
}

/* The absolute path of the running binary, for the hook. Caller frees. */
static char *self_path(void)
{
	char buf[PATH_MAX + 1];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0 || (size_t)n >= sizeof(buf) - 1) {
		fl_error(FL_ERROR, "cannot find this program's path (/proc/self/exe): %s",
			 strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	return xstrdup(buf);
}

static int set_config(git_repository *repo)
{
	static const char *const keys[] = {
		"receive.denyDeletes", "receive.denyNonFastForwards",
		"receive.fsckObjects", "http.receivepack",
	};
	git_config *cfg = NULL, *local = NULL;
	int e = 0;

	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) < 0)
		e = -1;
	for (size_t i = 0; e == 0 && i < FL_ARRAY_SIZE(keys); i++)
		e = git_config_set_bool(local, keys[i], 1);
	if (e < 0)
		e = fl_error(FL_ERROR, "cannot write the repository's config: %s", fl_git_error());
	git_config_free(local);
	git_config_free(cfg);
	return e;
}

/* fieldlog.signingKey: the key `roster` commands sign with. */
static int set_key(git_repository *repo, const char *path)
{
	git_config *cfg = NULL, *local = NULL;
	int e = 0;

	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) < 0 ||
	    git_config_set_string(local, "fieldlog.signingKey", path) < 0)
		e = fl_error(FL_ERROR, "cannot write the repository's config: %s", fl_git_error());
	git_config_free(local);
	git_config_free(cfg);
	return e;
}

static int write_hook(const char *dir, const char *exe)
{
	char *hooks = xstrfmt("%s/hooks", dir), *path = xstrfmt("%s/pre-receive", hooks);
	char *q = sh_quote(exe);
	char *text = xstrfmt("#!/bin/sh\n"
			     "# Installed by 'fieldlog server init': every push is checked\n"
			     "# against roster.json and the record rules (docs/design.md, section 11).\n"
			     "exec %s server check \"$@\"\n", q);
	int e = 0;

	if (mkdir(hooks, 0755) < 0 && errno != EEXIST)
		e = fl_error(FL_ERROR, "cannot create '%s': %s", hooks, strerror(errno));
	else if ((e = fl_write_file_atomic(path, text, strlen(text))) == 0 &&
		 chmod(path, 0755) < 0)
		e = fl_error(FL_ERROR, "cannot make '%s' executable: %s", path, strerror(errno));
	free(text);
	free(q);
	free(path);
	free(hooks);
	return e;
}

/* The key given with --key, checked and made absolute; NULL on error (printed). */
static char *signing_key(const char *key)
{
	struct fl_signer *sg;
	char *cwd = key[0] == '/' ? NULL : getcwd(NULL, 0);
	char *path = cwd ? xstrfmt("%s/%s", cwd, key) : xstrdup(key);
	int e;

	free(cwd);
	sg = fl_signer_new(path);
	e = fl_signer_load(sg);
	fl_signer_free(sg);
	if (e < 0) {
		free(path);
		return NULL;
	}
	return path;
}

/*
 * The repository a git server made (gitolite, Gitea, a hosting panel):
 * bare, without a ref, its hooks directory holding samples or the server's
 * own update hook, which stays. HEAD is pointed at main; a pre-receive hook
 * that is not ours is not overwritten. What changed goes to *changes.
 */
static int adopt(struct fl_store **s, const char *dir, struct strbuf *changes)
{
	git_reference *head = NULL;
	const char *target;
	char *hook = xstrfmt("%s/hooks/pre-receive", dir);
	struct strbuf text = STRBUF_INIT;
	int e;

	if ((e = fl_central_open(s, dir, 1, "server init …")) == FL_ENOTFOUND) {
		e = fl_error(FL_EEXISTS, "'%s' is not an empty directory and not a git repository", dir);
		goto out;
	}
	if (e < 0)
		goto out;
	if ((e = fl_central_adoptable(*s)) < 0) {
		e = fl_error(FL_EEXISTS, "cannot adopt '%s': %s", dir, fl_last_error());
		goto out;
	}
	if (strbuf_read_file(&text, hook, 1 << 20) == 0 && !strstr(text.buf, " server check")) {
		e = fl_error(FL_EEXISTS, "'%s' exists and is not fieldlog's: move it away, or have it"
			     " run 'fieldlog server check' with the same input", hook);
		goto out;
	}
	fl_clear_error();
	if (git_reference_lookup(&head, fl_store_repo(*s), "HEAD") == 0 &&
	    (target = git_reference_symbolic_target(head)) && !strcmp(target, FL_BRANCH))
		goto out;
	strbuf_addf(changes, "  HEAD    %s -> %s\n", head && git_reference_symbolic_target(head) ?
		    git_reference_symbolic_target(head) : "(detached)", FL_BRANCH);
	if (git_repository_set_head(fl_store_repo(*s), FL_BRANCH) < 0)
		e = fl_error(FL_ERROR, "cannot point HEAD of '%s' at main: %s", dir, fl_git_error());
out:
	git_reference_free(head);
	strbuf_release(&text);
	free(hook);
	return e;
}

static void init_report(const char *dir, int adopted, const char *changes, const char *hex,
			int allow_unsigned, const char *exe)
{
	printf(adopted ? _("adopted the existing repository %s; what changed:\n") :
			 _("created the central repository %s\n"), dir);
	printf("%s", changes);
	printf(_("  main    commit %s with an empty roster.json\n"
		 "  config  receive.denyDeletes, receive.denyNonFastForwards,\n"
		 "          receive.fsckObjects, http.receivepack = true\n"
		 "  %s\n"
		 "  hook    hooks/pre-receive runs %s server check\n"
		 "          (if the binary moves, edit the path in that file)\n"), hex,
	       allow_unsigned ? _("signatures: not required (--allow-unsigned)") :
	       _("signatures: every new commit must be signed by its author's key (roster --key)"),
	       exe);
	printf(_("\nnext steps:\n"
		 "  1. add officers and reviewers, here on the server (a push may not touch the roster):\n"
		 "       fieldlog roster add --repo %s --id ID --name NAME --role officer"
		 " --province CODE --login LOGIN\n"
		 "       fieldlog roster add --repo %s --id ID --name NAME --role reviewer --login LOGIN\n"
		 "     LOGIN is the name the git server authenticates (REMOTE_USER, GL_USER, ...).\n"
		 "  2. serve %s with git-http-backend, gitolite, Gitea or GitLab, so the hook\n"
		 "     learns who pushes (without that, commits are judged by their author).\n"
		 "     docs/admin.md has a recipe for each.\n"
		 "  3. each officer runs: fieldlog init --id ID --name NAME --role officer"
		 " --province CODE --remote URL\n"), dir, dir, dir);
}

static int server_init(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog server init [--allow-unsigned] [--key PATH] DIR";
	const char **pos, *key = NULL;
	int npos, e, allow_unsigned = 0, adopted;
	struct opt opts[] = {
		{ "allow-unsigned", OPT_BOOL, &allow_unsigned, NULL,
		  N_("accept unsigned commits (for officers whose fieldlog predates signing)") },
		{ "key", OPT_STR, &key, "PATH", N_("the admin's SSH key, to sign roster commits") },
		OPT_END
	};
	char *keypath = NULL, *exe = NULL, *roster_text = NULL;
	struct fl_store *s = NULL;
	struct strbuf changes = STRBUF_INIT;
	cJSON *roster = NULL;
	git_oid commit;
	char hex[8];

	(void)ws;   /* the central repository named by DIR, not a workspace */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != 1)
		return usage_error(usage, "give the directory of the new repository");
	const char *dir = pos[0];
	if ((key && !(keypath = signing_key(key))) || !(exe = self_path())) {
		e = FL_ERROR;
		goto out;
	}
	adopted = !usable_dir(dir);
	if ((e = adopted ? adopt(&s, dir, &changes) : fl_store_init(&s, dir)) < 0 ||
	    (e = set_config(fl_store_repo(s))) < 0 ||
	    (keypath && (e = set_key(fl_store_repo(s), keypath)) < 0) ||
	    (e = write_hook(dir, exe)) < 0)
		goto out;
	if (keypath)
		fl_store_set_signer(s, fl_signer_new(keypath));
	roster = fl_roster_new();
	/*
	 * In roster.json, not the server's git config: every importer reads
	 * the roster, so clients and the hook judge by the same setting.
	 */
	if (!allow_unsigned)
		cJSON_AddBoolToObject(roster, "require_signatures", 1);
	roster_text = fl_json_canonical(roster);
	struct fl_write w = { FL_ROSTER_PATH, roster_text, strlen(roster_text) };
	struct fl_sig sig = { "fieldlog admin", "admin@fieldlog", fl_time_now_secs(), 7 * 60 };
	/*
	 * This commit names the central repository (bundles carry it; see
	 * "Bundles" in docs/design.md). Two made by one admin's key in one second
	 * would otherwise be the same commit: a random id keeps them apart.
	 */
	char central_id[FL_ID_LEN + 1];
	fl_id_new(central_id);
	char *msg = xstrfmt("roster: new central repository, nobody in it yet\n\n"
			    "Fieldlog-Central: %s\n", central_id);
	e = fl_store_commit(&commit, s, FL_BRANCH, NULL, 0, &w, 1, msg, &sig);
	free(msg);
	if (e < 0)
		goto out;
	git_oid_tostr(hex, sizeof(hex), &commit);
	init_report(dir, adopted, changes.buf, hex, allow_unsigned, exe);
out:
	if (e < 0)
		e = fail();
	strbuf_release(&changes);
	cJSON_Delete(roster);
	free(roster_text);
	free(exe);
	free(keypath);
	fl_store_free(s);
	return e;
}

/*
 * Adds each directory of a GIT_ALTERNATE_OBJECT_DIRECTORIES value: entries
 * separated by ':', an entry starting with '"' quoted the C way (git does
 * that for paths holding ':' or '"').
 */
static int add_alternates(struct fl_store *s, const char *list)
{
	struct strbuf one = STRBUF_INIT;
	const char *p = list;
	int e = 0;

	while (p && *p && e == 0) {
		strbuf_reset(&one);
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1] >= '0' && p[1] <= '7') {
					int v = 0, k;
					for (k = 0; k < 3 && p[1] >= '0' && p[1] <= '7'; k++)
						v = v * 8 + (*++p - '0');
					strbuf_addch(&one, v);
					continue;
				}
				if (*p == '\\' && p[1]) {
					p++;
					strbuf_addch(&one, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
					continue;
				}
				strbuf_addch(&one, *p);
			}
			if (*p == '"')
				p++;
			while (*p && *p != ':')
				p++;
		} else {
			const char *end = strchr(p, ':');
			size_t n = end ? (size_t)(end - p) : strlen(p);
			strbuf_add(&one, p, n);
			p += n;
		}
		if (*p == ':')
			p++;
		if (one.len)
			e = fl_check_add_objects(s, one.buf);
	}
	strbuf_release(&one);
	return e;
}

static int server_check(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog server check   (the pre-receive hook; git runs it with the pushed refs on stdin)";
	static const char *const who[] = { "REMOTE_USER", "GL_USER", "GITEA_PUSHER_NAME",
					   "GL_USERNAME" };
	struct opt opts[] = { OPT_END };
	const char **pos, *gitdir = getenv("GIT_DIR"), *login = NULL;
	const char *quarantine = getenv("GIT_QUARANTINE_PATH");
	const char *objdir = getenv("GIT_OBJECT_DIRECTORY");
	struct strbuf why = STRBUF_INIT;
	struct fl_store *s = NULL;
	int npos, e;

	(void)ws;   /* the repository git runs the hook in, not a workspace */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (!gitdir || !*gitdir)
		gitdir = ".";
	for (size_t i = 0; i < FL_ARRAY_SIZE(who) && !login; i++) {
		const char *v = getenv(who[i]);
		if (v && *v)
			login = v;
	}
	/* The pushed objects are still in quarantine; libgit2 must be told. */
	if ((e = fl_store_open(&s, gitdir)) == 0 && (e = fl_check_open_objects(s)) == 0)
		e = fl_check_add_objects(s, quarantine);
	if (e == 0 && objdir && (!quarantine || strcmp(objdir, quarantine)))
		e = fl_check_add_objects(s, objdir);
	if (e == 0)
		e = add_alternates(s, getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES"));
	if (e < 0) {
		fprintf(stderr, _("fieldlog: refused push: %s\n"), fl_last_error());
		goto out;
	}
	e = fl_server_check(s, stdin, login, &why);
	if (e < 0)
		fprintf(stderr, _("fieldlog: %s\n"), why.len ? why.buf : fl_last_error());
out:
	strbuf_release(&why);
	fl_store_free(s);
	return e < 0 ? EXIT_ERROR : EXIT_OK;
}

int cmd_server(int argc, const char **argv, struct ws *ws)
{
	static const struct cmd sub[] = {
		{ "init", server_init, 0,
		  N_("create a central repository") },
		{ "check", server_check, 0,
		  N_("check pushed records (pre-receive hook)") },
		{ "http-backend", cmd_server_http_backend, 0,
		  N_("serve the repository over HTTP (CGI)") },
		{ "ssh-serve", cmd_server_ssh_serve, 0,
		  N_("serve the repository over SSH (forced command)") },
	};
	(void)ws;
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub),
			"fieldlog server init DIR | server check (pre-receive hook)"
			" | server http-backend (CGI) | server ssh-serve --user LOGIN --repo DIR");
}
