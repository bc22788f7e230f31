/*
 * test-hiderefs.c: schema/hiderefs.c on literal rosters: what an officer
 * and a reviewer are shown, strangers and bad logins refused, and the
 * GIT_CONFIG_* variables numbered after those already set.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "schema/hiderefs.h"
#include "schema/json.h"
#include "schema/roster.h"
#include "tests/unit/tap.h"

#define AUTHORS "refs/heads/authors/"

static const char roster_text[] =
	"{\"schema\": 1, \"people\": ["
	"{\"id\": \"an.nguyen\", \"name\": \"An\", \"role\": \"officer\","
	" \"provinces\": [\"01\"], \"login\": \"an-login\"},"
	"{\"id\": \"anh.vu\", \"name\": \"Anh\", \"role\": \"officer\","
	" \"provinces\": [\"01\"], \"login\": \"anh\"},"
	"{\"id\": \"hoa.le\", \"name\": \"Hoa\", \"role\": \"reviewer\","
	" \"provinces\": [], \"login\": \"hoa\"},"
	"{\"id\": \"minh.do\", \"name\": \"Minh\", \"role\": \"reviewer\","
	" \"provinces\": [], \"login\": \"minh\"}]}";

/* The entries joined by spaces, for comparison. Caller frees. */
static char *joined(const struct fl_hiderefs *h)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < h->n; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", h->v[i]);
	return strbuf_detach(&sb, NULL);
}

static const char *env_get(const struct fl_envvar *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return v[i].value;
	return NULL;
}

int main(void)
{
	cJSON *roster = NULL;
	struct fl_hiderefs h = FL_HIDEREFS_INIT, none = FL_HIDEREFS_INIT;
	struct fl_envvar *env;
	size_t nenv;
	char *s;

	IS_INT(fl_roster_parse(&roster, roster_text, strlen(roster_text)), 0, "the roster parses");

	IS_INT(fl_hiderefs_for(&h, roster, "an-login", AUTHORS), 0, "an officer, found by login");
	IS(h.id, "an.nguyen", "whose id is the branch name");
	OK(!h.reviewer, "an officer is no reviewer");
	s = joined(&h);
	IS(s, "refs/heads/authors/ !refs/heads/authors/an.nguyen !refs/heads/authors/hoa.le"
	      " !refs/heads/authors/minh.do",
	   "hide every author's branch, then show their own and the reviewers' (last wins)");
	free(s);
	s = joined(&h);
	OK(!strstr(s, "anh.vu"), "another officer's branch stays hidden");
	free(s);

	IS_INT(fl_hiderefs_env(&env, &nenv, &h, NULL), 0, "the environment for it");
	IS_INT(nenv, 9, "a key and a value per entry, and the count");
	IS(env_get(env, nenv, "GIT_CONFIG_COUNT"), "4", "count: the four entries");
	IS(env_get(env, nenv, "GIT_CONFIG_KEY_0"), "transfer.hideRefs", "key 0");
	IS(env_get(env, nenv, "GIT_CONFIG_VALUE_0"), AUTHORS, "value 0 hides the authors");
	IS(env_get(env, nenv, "GIT_CONFIG_VALUE_1"), "!" AUTHORS "an.nguyen", "value 1 shows theirs");
	IS(env[nenv - 1].name, "GIT_CONFIG_COUNT", "the count comes last");
	fl_envvars_free(env, nenv);

	IS_INT(fl_hiderefs_env(&env, &nenv, &h, "2"), 0, "after two entries already set");
	IS(env_get(env, nenv, "GIT_CONFIG_KEY_2"), "transfer.hideRefs", "numbering goes on at 2");
	OK(!env_get(env, nenv, "GIT_CONFIG_KEY_0"), "the existing entries are left alone");
	IS(env_get(env, nenv, "GIT_CONFIG_VALUE_5"), "!" AUTHORS "minh.do", "the last at 5");
	IS(env_get(env, nenv, "GIT_CONFIG_COUNT"), "6", "count: 2 + 4");
	fl_envvars_free(env, nenv);

	IS_INT(fl_hiderefs_env(&env, &nenv, &h, ""), 0, "an empty count is git's 0");
	IS(env_get(env, nenv, "GIT_CONFIG_COUNT"), "4", "so the count is 4");
	fl_envvars_free(env, nenv);
	IS_INT(fl_hiderefs_env(&env, &nenv, &h, "2x"), FL_EINVALID, "a bogus count is refused");
	OK(env == NULL && nenv == 0, "with nothing to set");
	IS_INT(fl_hiderefs_env(&env, &nenv, &h, "-1"), FL_EINVALID, "a negative count too");
	IS_INT(fl_hiderefs_env(&env, &nenv, &h, "99999999999999999999"), FL_EINVALID,
	       "and one past git's limit");
	fl_hiderefs_release(&h);
	OK(h.v == NULL && h.n == 0, "release empties it");
	fl_hiderefs_release(NULL);

	IS_INT(fl_hiderefs_for(&h, roster, "hoa", AUTHORS), 0, "a reviewer");
	OK(h.reviewer && h.n == 0, "sees everything: nothing hidden");
	IS(h.id, "hoa.le", "with their id");
	IS_INT(fl_hiderefs_env(&env, &nenv, &h, "3"), 0, "no environment for a reviewer");
	OK(env == NULL && nenv == 0, "nothing to set, the count untouched");
	fl_hiderefs_release(&h);

	IS_INT(fl_hiderefs_for(&h, roster, "an.nguyen", AUTHORS), FL_ENOTFOUND,
	       "an id is not a login: not found");
	OK(strstr(fl_last_error(), "'an.nguyen'") != NULL, "the message names the login");
	IS_INT(fl_hiderefs_for(&none, roster, "stranger", AUTHORS), FL_ENOTFOUND,
	       "a stranger is not found");
	OK(none.n == 0, "and gets nothing");
	IS_INT(fl_hiderefs_for(&none, roster, "a b", AUTHORS), FL_EINVALID, "a bad login is refused");
	IS_INT(fl_hiderefs_for(&none, roster, "", AUTHORS), FL_EINVALID, "so is an empty one");
	IS_INT(fl_hiderefs_for(&none, roster, NULL, AUTHORS), FL_EINVALID, "and none at all");

	cJSON *empty = fl_roster_new();
	IS_INT(fl_hiderefs_for(&none, empty, "an-login", AUTHORS), FL_ENOTFOUND,
	       "nobody is in an empty roster");
	cJSON_Delete(empty);

	/* A roster without reviewers: only their own branch is shown. */
	cJSON *solo = NULL;
	const char *solo_text = "{\"schema\": 1, \"people\": [{\"id\": \"an.nguyen\", \"name\": \"An\","
				" \"role\": \"officer\", \"provinces\": [\"01\"], \"login\": \"an\"}]}";
	IS_INT(fl_roster_parse(&solo, solo_text, strlen(solo_text)), 0, "a roster of one officer");
	IS_INT(fl_hiderefs_for(&h, solo, "an", AUTHORS), 0, "its officer");
	s = joined(&h);
	IS(s, "refs/heads/authors/ !refs/heads/authors/an.nguyen", "sees main and their own branch");
	free(s);
	fl_hiderefs_release(&h);
	cJSON_Delete(solo);

	cJSON_Delete(roster);
	return tap_done();
}
