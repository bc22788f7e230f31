/*
 * netfail.c: sorting a failed exchange into "the network" and "the
 * configuration", from libgit2's error (its class and its message, the
 * only things libgit2 1.5 tells). The configuration causes are looked for
 * first: several of them arrive with GIT_ERROR_NET or GIT_ERROR_SSH, the
 * classes a dropped connection has too.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync/netfail.h"

#include <stdlib.h>
#include <string.h>
#include <git2.h>

#include "schema/base.h"
#include "sync/hostkey.h"
#include "sync/store.h"

enum cause { NETWORK, KEX, AUTH, REPO, CERT };

/* Substrings of libgit2's (and the server's) messages, by cause. */
static const struct {
	const char *needle;
	enum cause cause;
} rules[] = {
	{ "exchange encryption keys", KEX },        /* libssh2: no common host key type */
	{ "Unable to exchange", KEX },
	{ "authentication", AUTH },                 /* "Failed to authenticate SSH session" */
	{ "Authentication", AUTH },
	{ "authenticate", AUTH },
	{ "no callback set", AUTH },                /* http asked for credentials we lack */
	{ "status code: 401", AUTH },
	{ "status code: 403", AUTH },
	{ "does not appear to be a git repository", REPO },   /* git-shell, ssh-serve */
	{ "no such repository", REPO },             /* git daemon */
	{ "not exported", REPO },
	{ "repository not found", REPO },
	{ "status code: 404", REPO },
	{ "DENIED", REPO },                         /* gitolite: "R any REPO USER DENIED" */
	{ "does not exist", REPO },
	{ "ertificate", CERT },
};

/* Words of a failure to reach the server at all. */
static const char *const offline_words[] = {
	"connect", "resolve", "timed out", "early EOF", "unexpected", "closed", "reset by peer",
	"No route", "refused", "SSH", "socket", "Broken pipe", "unreachable",
};

static enum cause cause_of(int code, const git_error *e)
{
	const char *m = e && e->message ? e->message : "";
	if (code == GIT_EAUTH)
		return AUTH;
	if (code == GIT_ECERTIFICATE)
		return CERT;
	for (size_t i = 0; i < FL_ARRAY_SIZE(rules); i++)
		if (strstr(m, rules[i].needle))
			return rules[i].cause;
	return NETWORK;
}

static int offline(const git_error *e)
{
	const char *m = e && e->message ? e->message : "";
	if (e && (e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_OS))
		return 1;
	for (size_t i = 0; i < FL_ARRAY_SIZE(offline_words); i++)
		if (strstr(m, offline_words[i]))
			return 1;
	return 0;
}

static int kex_error(const char *what, const char *url, const char *why)
{
	char *hint = fl_hostkey_kex_hint(url);
	int e;

	if (hint)
		e = fl_error(FL_ERROR, "%s failed: the ssh server refused the key exchange (%s), a"
			     " configuration problem, not the network: %s", what, why, hint);
	else
		e = fl_error(FL_ERROR, "%s failed: the ssh server refused the key exchange (%s), a"
			     " configuration problem, not the network: fieldlog needs the server to"
			     " offer an ed25519 or ECDSA host key; record it with 'fieldlog remote"
			     " trust-host'", what, why);
	free(hint);
	return e;
}

int fl_netfail(int code, const char *what, const char *url)
{
	const git_error *e = git_error_last();
	char *why = xstrdup(fl_git_error());
	int rc;

	switch (cause_of(code, e)) {
	case KEX:
		rc = kex_error(what, url, why);
		break;
	case AUTH:
		rc = fl_error(FL_ERROR, "%s failed: the central repository refused our credentials"
			      " (%s): check that the ssh key (FIELDLOG_SSH_KEY or ~/.ssh/id_ed25519)"
			      " or the login and token (fieldlog remote set-token) are the ones the"
			      " administrator registered", what, why);
		break;
	case REPO:
		rc = fl_error(FL_ERROR, "%s failed: there is no central repository at '%s' that we"
			      " may use (%s): check the URL with the administrator (fieldlog remote"
			      " set URL)", what, url, why);
		break;
	case CERT:
		rc = fl_error(FL_ERROR, "%s failed: the server's certificate was refused (%s)", what,
			      why);
		break;
	default:
		rc = offline(e) ? fl_error(FL_EOFFLINE, "cannot reach the central repository (%s:"
					   " %s)", what, why)
				: fl_error(FL_ERROR, "%s failed: %s", what, why);
	}
	free(why);
	return rc;
}
