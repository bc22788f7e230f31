/*
 * test-rules.c: the rule set of schema/rules.c on literals, with no
 * repository: each rule once accepting and once refusing, with the
 * refusal's line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "schema/json.h"
#include "schema/record.h"
#include "schema/roster.h"
#include "schema/rules.h"
#include "sync/store.h"
#include "tests/unit/tap.h"

#define ISSUE_ID "01JC8Z5Q3H2M4N6P8R0T2V4X6Y"
#define RESP_ID "01JC8Z5Q3H2M4N6P8R0T2V4X71"
#define T0 "2025-09-08T09:00:00+07:00"

static cJSON *roster(void)
{
	cJSON *r = fl_roster_new();
	static const char *const people[][3] = {
		{ "an.nguyen", "officer", "an" }, { "binh.tran", "officer", "binh" },
		{ "chi.le", "reviewer", "chi" },
	};
	for (size_t i = 0; i < 3; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "id", people[i][0]);
		cJSON_AddStringToObject(p, "name", "Nguyễn Văn An");
		cJSON_AddStringToObject(p, "role", people[i][1]);
		cJSON *pv = cJSON_AddArrayToObject(p, "provinces");
		cJSON_AddItemToArray(pv, cJSON_CreateString("42"));
		cJSON_AddStringToObject(p, "login", people[i][2]);
		if (fl_roster_put(r, p) < 0)
			abort();
	}
	return r;
}

/* An issue record's canonical text; caller frees. */
static char *issue_text(const char *author, const char *created)
{
	cJSON *r = fl_record_new(FL_ISSUE, ISSUE_ID, author, created);
	struct strbuf sb = STRBUF_INIT;
	fl_json_set_str(r, "title", "Thiếu cán bộ địa chính");
	fl_json_set_str(r, "domain", "land");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(r, "communes"),
			     cJSON_CreateString("18073"));
	fl_json_set_str(r, "severity", "high");
	fl_json_write(&sb, r, 1);
	cJSON_Delete(r);
	return strbuf_detach(&sb, NULL);
}

static char *response_text(const char *target)
{
	cJSON *r = fl_record_new(FL_RESPONSE, RESP_ID, "chi.le", T0);
	struct strbuf sb = STRBUF_INIT;
	fl_json_set_str(r, "target", target);
	fl_json_set_str(r, "target_kind", "issue");
	fl_json_set_str(r, "text", "Đã trả lời");
	fl_json_set_str(r, "state", "closed");
	fl_json_write(&sb, r, 1);
	cJSON_Delete(r);
	return strbuf_detach(&sb, NULL);
}

static int exists(void *payload, const char *kind, const char *id)
{
	(void)payload;
	return !strcmp(kind, "issue") && !strcmp(id, ISSUE_ID);
}

static struct strbuf why = STRBUF_INIT;
static cJSON *the_roster;

/*
 * Judges one commit on `branch` pushed by `pusher` that changes one path
 * (path NULL: none); returns "ok" or the refusal's line.
 */
static const char *judge(const char *branch, const char *pusher, const char *author,
			 enum fl_sig_state sig, const char *signer, int require, const char *path,
			 const char *old, const char *new, unsigned mode)
{
	static char out[512];
	struct fl_rules r = { the_roster, branch, pusher, require, exists, NULL, NULL, NULL, "" };
	struct fl_rules_change ch = { path, old, new, old ? strlen(old) : 0,
				      new ? strlen(new) : 0, mode, 0 };
	char *email = author ? xstrfmt("%s@fieldlog", author) : xstrdup("evil@evil");
	struct fl_rules_commit c = { "1a2b3c4", email, email, sig, signer, &ch, path ? 1 : 0 };
	const char *owner = fl_rules_branch_owner(branch);
	char bucket[3];
	int e;

	fl_author_bucket(bucket, owner ? owner : "x");
	e = fl_rules_judge(&r, bucket, &c, 1, &why);
	snprintf(out, sizeof(out), "%s", e ? why.buf : "ok");
	free(email);
	return out;
}

static int has(const char *got, const char *want, const char *what)
{
	int ok = strstr(got, want) != NULL;
	if (!ok)
		fprintf(stderr, "# got: %s\n", got);
	return OK(ok, what);
}

int main(void)
{
	char *an = issue_text("an.nguyen", T0), *an2 = issue_text("an.nguyen", "2025-09-09T09:00:00+07:00");
	char *p_an = fl_record_path("an.nguyen", "issue", ISSUE_ID);
	char *p_binh = fl_record_path("binh.tran", "issue", ISSUE_ID);
	char *binh = issue_text("binh.tran", T0);
	char *resp = response_text(ISSUE_ID), *resp_none = response_text("01JC8Z5Q3H2M4N6P8R0T2V4X99");
	char *p_resp = fl_record_path("chi.le", "response", RESP_ID);
	const char *A = "refs/heads/authors/an.nguyen";

	fl_json_init();
	the_roster = roster();

	/* The branch. */
	IS(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, p_an, NULL, an, 0), "ok",
	   "an's own record on an's branch, no pusher: accepted");
	has(judge("refs/heads/authors/evil", NULL, "evil", FL_SIG_NONE, NULL, 0, NULL, NULL, NULL, 0),
	    "refused refs/heads/authors/evil: 'evil' is not in roster.json",
	    "the branch of someone not in the roster: refused");
	has(judge("refs/heads/side", NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, NULL, NULL, NULL, 0),
	    "only refs/heads/authors/<id>", "a branch that is not an author's: refused");

	/* The author, whatever the pusher. */
	has(judge("authors/binh.tran", "binh", "an.nguyen", FL_SIG_NONE, NULL, 0, NULL, NULL, NULL, 0),
	    "refused commit 1a2b3c4: written by 'an.nguyen', on the branch of 'binh.tran'",
	    "a commit authored as An on binh's branch, pushed by binh: refused");
	has(judge("authors/binh.tran", "binh", NULL, FL_SIG_NONE, NULL, 0, NULL, NULL, NULL, 0),
	    "author <evil@evil> is not a fieldlog id", "an author who is no fieldlog id: refused");
	has(judge("authors/binh.tran", "binh", "mallory", FL_SIG_NONE, NULL, 0, NULL, NULL, NULL, 0),
	    "author <mallory@fieldlog> is not in the roster", "an author not in the roster: refused");
	IS(judge("authors/binh.tran", "binh", "binh.tran", FL_SIG_NONE, NULL, 0, NULL, NULL, NULL, 0),
	   "ok", "binh's own commit pushed by binh: accepted");

	/* The pusher, and the relay. */
	has(judge(A, "mallory", "an.nguyen", FL_SIG_NONE, NULL, 0, NULL, NULL, NULL, 0),
	    "unknown pusher 'mallory'", "a pusher not in the roster: refused");
	has(judge(A, "binh", "an.nguyen", FL_SIG_NONE, NULL, 0, NULL, NULL, NULL, 0),
	    "'binh.tran' may only push refs/heads/authors/binh.tran",
	    "binh pushing an's unsigned commit: refused");
	IS(judge(A, "binh", "an.nguyen", FL_SIG_GOOD, "an.nguyen", 0, p_an, NULL, an, 0), "ok",
	   "binh relaying an's signed commit: accepted");
	has(judge(A, "binh", "an.nguyen", FL_SIG_GOOD, "binh.tran", 0, NULL, NULL, NULL, 0),
	    "may only push", "binh relaying a commit claimed by an but signed by binh: refused");

	/* Signatures. */
	has(judge(A, NULL, "an.nguyen", FL_SIG_BAD, NULL, 0, NULL, NULL, NULL, 0),
	    "its signature does not verify", "a bad signature: refused, even when not required");
	has(judge(A, NULL, "an.nguyen", FL_SIG_GOOD, "binh.tran", 0, NULL, NULL, NULL, 0),
	    "signed by the key of 'binh.tran', on the branch of 'an.nguyen'",
	    "signed by another roster member's key: refused");
	has(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 1, NULL, NULL, NULL, 0),
	    "unsigned, and this repository requires", "unsigned where required: refused");
	IS(judge(A, NULL, "an.nguyen", FL_SIG_GOOD, "an.nguyen", 1, p_an, NULL, an, 0), "ok",
	   "signed by the owner where required: accepted");

	/* Paths. */
	has(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, p_binh, NULL, binh, 0),
	    ": not under '", "a record under another officer's directory: refused");
	has(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, "roster.json", NULL, "{}", 0),
	    "roster.json: the roster changes only on the server", "roster.json: refused");
	has(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, p_an, an, NULL, 0),
	    "deletes record", "a deletion (or a rename's old half): refused");
	has(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, p_an, NULL, an, 0100755),
	    "an executable file", "mode 100755: refused");
	has(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, p_an, NULL, an, 0120000),
	    "a symbolic link", "a symbolic link: refused");

	/* Records. */
	{
		char *bent = xstrfmt("%s ", an);
		has(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, p_an, NULL, bent, 0),
		    "not in canonical form", "a record not in canonical form: refused");
		free(bent);
	}
	has(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, p_an, NULL, "not json", 0),
	    p_an, "a file that is not JSON: refused");
	{
		char *p = fl_record_path("an.nguyen", "issue", "01JC8Z5Q3H2M4N6P8R0T2V4X70");
		has(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, p, NULL, an, 0),
		    "does not match the file name", "a record whose id is not its file name: refused");
		free(p);
	}

	/* Kinds by role. */
	IS(judge("authors/chi.le", NULL, "chi.le", FL_SIG_NONE, NULL, 0, p_resp, NULL, resp, 0), "ok",
	   "a reviewer's response to an existing issue: accepted");
	{
		char *p = fl_record_path("chi.le", "issue", ISSUE_ID);
		char *t = issue_text("chi.le", T0);
		has(judge("authors/chi.le", NULL, "chi.le", FL_SIG_NONE, NULL, 0, p, NULL, t, 0),
		    "chi.le is a reviewer: reviewers write only responses",
		    "a reviewer's issue: refused");
		free(t);
		free(p);
	}
	{
		/* A response record an officer wrote under their own directory. */
		cJSON *r = fl_record_new(FL_RESPONSE, RESP_ID, "binh.tran", T0);
		struct strbuf sb = STRBUF_INIT;
		char *p = fl_record_path("binh.tran", "response", RESP_ID);
		fl_json_set_str(r, "target", ISSUE_ID);
		fl_json_set_str(r, "target_kind", "issue");
		fl_json_set_str(r, "text", "x");
		fl_json_set_str(r, "state", "closed");
		fl_json_write(&sb, r, 1);
		has(judge("authors/binh.tran", NULL, "binh.tran", FL_SIG_NONE, NULL, 0, p, NULL, sb.buf, 0),
		    "binh.tran is an officer: only reviewers write responses",
		    "an officer's response: refused");
		strbuf_release(&sb);
		cJSON_Delete(r);
		free(p);
	}
	has(judge("authors/chi.le", NULL, "chi.le", FL_SIG_NONE, NULL, 0, p_resp, NULL, resp_none, 0),
	    "answers issue 01JC8Z5Q3H2M4N6P8R0T2V4X99, which does not exist",
	    "a response to a record that does not exist: refused");

	/* What never changes. */
	has(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, p_an, an, an2, 0),
	    "changes 'created_at' of an existing record", "a changed created_at: refused");
	IS(judge(A, NULL, "an.nguyen", FL_SIG_NONE, NULL, 0, p_an, an, an, 0), "ok",
	   "an edit that keeps created_at: accepted");

	/* A merge that throws a change away. */
	{
		struct fl_rules r = { the_roster, A, NULL, 0, NULL, NULL, NULL, NULL, "" };
		struct fl_rules_change ch[] = {
			{ p_an, an, an, strlen(an), strlen(an), 0, 1 },
			{ p_binh, binh, binh, strlen(binh), strlen(binh), 0, 1 },
		};
		struct fl_rules_commit c = { "5d6e7f8", "an.nguyen@fieldlog", NULL, FL_SIG_NONE, NULL,
					     ch, 1 };
		char bucket[3];
		fl_author_bucket(bucket, "an.nguyen");
		IS_INT(fl_rules_judge(&r, bucket, &c, 1, &why), 0,
		       "a merge reconciling the owner's own record: accepted");
		c.changes = ch + 1;
		IS_INT(fl_rules_judge(&r, bucket, &c, 1, &why), FL_EREJECTED,
		       "a merge throwing away another's change: refused");
		has(why.buf, "the merge throws away a change", "with the reason");
	}

	strbuf_release(&why);
	cJSON_Delete(the_roster);
	free(an);
	free(an2);
	free(binh);
	free(resp);
	free(resp_none);
	free(p_an);
	free(p_binh);
	free(p_resp);
	return tap_done();
}
