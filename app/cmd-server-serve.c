/*
 * cmd-server-serve.c: the central repository's two front doors, which
 * show each person only the branches they fetch (schema/hiderefs.h).
 *
 * `fieldlog server http-backend` is a CGI program in place of git's own
 * git-http-backend: the web server authenticates the request and names
 * the person in REMOTE_USER; we look that login up in the roster on the
 * repository's main, put the person's transfer.hideRefs entries into the
 * environment (GIT_CONFIG_COUNT, git 2.31 and later) and exec `git
 * http-backend`, which serves the request as usual with those refs left
 * out: 3,300 fewer lines for an officer at national scale.
 *
 * `fieldlog server ssh-serve --user LOGIN --repo DIR` is the forced
 * command of a key in authorized_keys: it allows git-upload-pack and
 * git-receive-pack on DIR only, sets the same entries, and passes the
 * login to the pre-receive check as REMOTE_USER (the first name `server
 * check` reads).
 *
 * Both refuse a login that is not in the roster, for reads as well as
 * pushes: the records are officers' field notes, and a git server that
 * authenticates someone the roster does not know is misconfigured (the
 * check would refuse their pushes anyway). A request without any login
 * is refused too: this door is for authenticated requests; a plain `git
 * http-backend` serves a repository without them, with every ref shown.
 */
#define _XOPEN_SOURCE 700   /* realpath */
#include "app/fieldlog.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema/hiderefs.h"
#include "sync/central.h"
#include "sync/check.h"

/* --- shared ------------------------------------------------------------------ */

/* Why a person was not served, for the http status. */
enum refusal {
	SERVE_OK = 0,
	SERVE_NO_REPO,        /* 404: no repository there */
	SERVE_FORBIDDEN,      /* 403: not in the roster */
	SERVE_BROKEN,         /* 500: the repository has no readable roster */
};

/*
 * Opens the repository at dir (or dir.git, as git's enter_repo finds
 * it), reads the roster on its main and the refs to hide from `login`.
 * On success *roster (caller frees) owns the strings h borrows and
 * *gitdir (caller frees) is the directory opened. Otherwise the message
 * is set and the kind of refusal returned.
 */
static enum refusal hidden_for(struct fl_hiderefs *h, cJSON **roster, char **gitdir,
			       const char *dir, const char *login)
{
	struct fl_store *s = NULL;
	git_oid main;
	enum refusal r = SERVE_OK;
	int e;

	*roster = NULL;
	*gitdir = xstrdup(dir);
	/* sync/central.h: another user's repository says so, not "no repository" */
	if ((e = fl_central_open(&s, *gitdir, 0, "server …")) == FL_ENOTFOUND) {
		free(*gitdir);
		*gitdir = xstrfmt("%s.git", dir);
		e = fl_central_open(&s, *gitdir, 0, "server …");
	}
	if (e == FL_ENOTFOUND) {
		fl_error(FL_ENOTFOUND, "no repository at '%s'", dir);
		r = SERVE_NO_REPO;
	} else if (e < 0) {
		r = SERVE_BROKEN;
	} else if (fl_store_ref(&main, s, FL_CENTRAL_MAIN) < 0 ||
		   fl_roster_read(roster, s, &main) < 0) {
		char *why = xstrdup(fl_last_error());
		fl_error(FL_ERROR, "no roster on the main branch of '%s': %s", *gitdir, why);
		free(why);
		r = SERVE_BROKEN;
	} else if (fl_hiderefs_for(h, *roster, login, FL_CENTRAL_AUTHORS) < 0) {
		r = SERVE_FORBIDDEN;
	}
	/* git reads the repository next: let go of ours first. */
	fl_store_free(s);
	if (r != SERVE_OK) {
		cJSON_Delete(*roster);
		*roster = NULL;
		free(*gitdir);
		*gitdir = NULL;
	}
	return r;
}

/*
 * Puts h's entries into the environment and execs `git ARGS...` (git
 * finds its own http-backend, upload-pack, receive-pack). Returns only
 * on failure: FL_EINVALID (a bogus GIT_CONFIG_COUNT) or FL_ERROR.
 */
static int exec_git(const struct fl_hiderefs *h, const char **args)
{
	struct fl_envvar *env;
	size_t n;
	int e;

	if ((e = fl_hiderefs_env(&env, &n, h, getenv("GIT_CONFIG_COUNT"))) < 0)
		return e;
	for (size_t i = 0; i < n; i++)
		if (setenv(env[i].name, env[i].value, 1) < 0)
			e = fl_error(FL_ERROR, "cannot set %s: %s", env[i].name, strerror(errno));
	fl_envvars_free(env, n);
	if (e < 0)
		return e;
	/* libgit2's start-up ignored SIGPIPE, and git would inherit that. */
	signal(SIGPIPE, SIG_DFL);
	fflush(stdout);
	execvp("git", (char *const *)args);   /* execvp does not write to them */
	return fl_error(FL_ERROR, "cannot run 'git %s': %s", args[1], strerror(errno));
}

/* --- http: a CGI program ----------------------------------------------------- */

/*
 * The requests git http-backend serves (its own table, http-backend.c),
 * anchored at the end: what comes before the match is the repository.
 */
static const char git_request[] =
	"(/HEAD|/info/refs|/objects/info/(alternates|http-alternates|packs)"
	"|/objects/[0-9a-f]{2}/([0-9a-f]{38}|[0-9a-f]{62})"
	"|/objects/pack/pack-([0-9a-f]{40}|[0-9a-f]{64})\\.(pack|idx)"
	"|/git-upload-pack|/git-receive-pack)$";

/* Prints a CGI refusal: the status and the reason, also to the server's log. */
static int cgi_refuse(int status, const char *fmt, ...) FL_PRINTF(2, 3);
static int cgi_refuse(int status, const char *fmt, ...)
{
	struct strbuf why = STRBUF_INIT;
	va_list ap;
	const char *text = status == 404 ? "Not Found" :
			   status == 403 ? "Forbidden" : "Internal Server Error";

	va_start(ap, fmt);
	strbuf_vaddf(&why, fmt, ap);
	va_end(ap);
	printf("Status: %d %s\r\n"
	       "Content-Type: text/plain; charset=utf-8\r\n"
	       "Cache-Control: no-cache\r\n"
	       "\r\n"
	       "error: %s\n", status, text, why.buf);
	fflush(stdout);
	fprintf(stderr, _("fieldlog server http-backend: error: %s\n"), why.buf);
	strbuf_release(&why);
	return EXIT_ERROR;
}

/* Whether a PATH_INFO names something outside the project root (git's daemon_avoid_alias). */
static int aliased(const char *p)
{
	if (*p != '/')
		return 1;
	for (; *p; p++)
		if (p[0] == '/' && (p[1] == '/' || (p[1] == '.' && (!p[2] || p[2] == '/' ||
			(p[2] == '.' && (!p[3] || p[3] == '/'))))))
			return 1;
	return 0;
}

int cmd_server_http_backend(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog server http-backend   (a CGI program: the web server runs it in place of"
		" git-http-backend, with REMOTE_USER set)";
	struct opt opts[] = { OPT_END };
	const char **pos, *login = getenv("REMOTE_USER"), *root = getenv("GIT_PROJECT_ROOT");
	const char *info = getenv("PATH_INFO");
	struct fl_hiderefs h = FL_HIDEREFS_INIT;
	cJSON *roster = NULL;
	char *path = NULL, *gitdir = NULL;
	const char *args[] = { "git", "http-backend", NULL };
	regex_t re;
	regmatch_t m;
	int npos, rc;
	enum refusal r;

	(void)ws;   /* the repository the request names, not a workspace */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (!getenv("REQUEST_METHOD"))
		return error_exit("no REQUEST_METHOD: 'server http-backend' is a CGI program"
				  " for the web server to run");
	if (!login || !*login)
		return cgi_refuse(403, "no login: the web server must authenticate every"
				  " request (REMOTE_USER is empty)");
	if (root && *root)
		path = info && *info && !aliased(info) ? xstrfmt("%s%s", root, info) : NULL;
	else if (getenv("PATH_TRANSLATED"))
		path = xstrdup(getenv("PATH_TRANSLATED"));
	if (!path)
		return cgi_refuse(404, "no repository: PATH_INFO '%s' is not a path below"
				  " GIT_PROJECT_ROOT", info ? info : "");
	if (regcomp(&re, git_request, REG_EXTENDED) != 0) {
		free(path);
		return cgi_refuse(500, "cannot compile a regular expression");
	}
	rc = regexec(&re, path, 1, &m, 0);
	regfree(&re);
	if (rc != 0) {
		rc = cgi_refuse(404, "not a git request: '%s'", info ? info : path);
		goto out;
	}
	path[m.rm_so] = '\0';
	r = hidden_for(&h, &roster, &gitdir, path, login);
	if (r != SERVE_OK) {
		rc = cgi_refuse(r == SERVE_NO_REPO ? 404 : r == SERVE_FORBIDDEN ? 403 : 500,
				"%s", fl_last_error());
		goto out;
	}
	exec_git(&h, args);
	rc = cgi_refuse(500, "%s", fl_last_error());
out:
	fl_hiderefs_release(&h);
	cJSON_Delete(roster);
	free(gitdir);
	free(path);
	return rc;
}

/* --- ssh: a forced command --------------------------------------------------- */

/*
 * Undoes git's sq_quote (quote.c): 'a'\''b' is a'b, and '\!' a !, as
 * git and libgit2 quote the path they ask the server for. Returns the
 * text (caller frees), or NULL when s is anything else.
 */
static char *sq_dequote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	if (*s++ != '\'')
		goto bad;
	for (;;) {
		while (*s && *s != '\'')
			strbuf_addch(&sb, *s++);
		if (*s++ != '\'')
			goto bad;
		if (!*s)
			return strbuf_detach(&sb, NULL);
		if (s[0] == '\\' && (s[1] == '\'' || s[1] == '!') && s[2] == '\'') {
			strbuf_addch(&sb, s[1]);
			s += 3;
			continue;
		}
		goto bad;
	}
bad:
	strbuf_release(&sb);
	return NULL;
}

/* The real path of p, or of p.git (caller frees); NULL when neither exists. */
static char *real_repo(const char *p)
{
	char buf[PATH_MAX], *git;

	if (realpath(p, buf))
		return xstrdup(buf);
	git = xstrfmt("%s.git", p);
	if (realpath(git, buf)) {
		free(git);
		return xstrdup(buf);
	}
	free(git);
	return NULL;
}

int cmd_server_ssh_serve(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog server ssh-serve --user LOGIN --repo DIR   (the forced command of"
		" LOGIN's key in authorized_keys)";
	static const char *const verbs[] = { "git-upload-pack ", "git upload-pack ",
					     "git-receive-pack ", "git receive-pack " };
	const char *login = NULL, *repo = NULL, **pos;
	struct opt opts[] = {
		{ "user", OPT_STR, &login, "LOGIN", N_("who this key is (the roster's login)") },
		{ "repo", OPT_STR, &repo, "DIR", N_("the central repository, the only one served") },
		OPT_END
	};
	const char *cmd = getenv("SSH_ORIGINAL_COMMAND"), *quoted = NULL;
	struct fl_hiderefs h = FL_HIDEREFS_INIT;
	cJSON *roster = NULL;
	char *asked = NULL, *want = NULL, *got = NULL, *gitdir = NULL;
	const char *args[] = { "git", NULL, NULL, NULL };
	size_t v;
	int npos, rc = EXIT_ERROR;

	(void)ws;
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (!login || !repo)
		return usage_error(usage, "give --user and --repo");
	if (!cmd || !*cmd)
		return error_exit("this key only serves git (git-upload-pack, git-receive-pack);"
				  " no SSH_ORIGINAL_COMMAND");
	for (v = 0; v < FL_ARRAY_SIZE(verbs) && !quoted; v++)
		if (!strncmp(cmd, verbs[v], strlen(verbs[v])))
			quoted = cmd + strlen(verbs[v]);
	if (!quoted || !(asked = sq_dequote(quoted)))
		return error_exit("this key only serves git-upload-pack and git-receive-pack"
				  " of one repository, not '%.60s'", cmd);
	args[1] = v > 2 ? "receive-pack" : "upload-pack";   /* v is one past the match */
	if (!strncmp(asked, "~/", 2) && getenv("HOME")) {
		char *home = xstrfmt("%s/%s", getenv("HOME"), asked + 2);
		got = real_repo(home);
		free(home);
	} else {
		got = real_repo(asked);
	}
	want = real_repo(repo);
	if (!want) {
		rc = error_exit("no repository at '%s' (the --repo of this key)", repo);
		goto out;
	}
	if (!got || strcmp(got, want)) {
		rc = error_exit("this key serves only '%s', not '%s'", repo, asked);
		goto out;
	}
	if (hidden_for(&h, &roster, &gitdir, want, login) != SERVE_OK) {
		rc = fail();
		goto out;
	}
	/* `server check`, the pre-receive hook, reads the pusher from here. */
	if (setenv("REMOTE_USER", login, 1) < 0) {
		rc = error_exit("cannot set REMOTE_USER: %s", strerror(errno));
		goto out;
	}
	args[2] = gitdir;
	exec_git(&h, args);
	rc = fail();
out:
	fl_hiderefs_release(&h);
	cJSON_Delete(roster);
	free(gitdir);
	free(asked);
	free(want);
	free(got);
	return rc;
}
