/*
 * cmd-respond.c: `fieldlog respond ID --text TEXT --status|--state S`: a
 * reviewer's answer to an officer's issue or weekly report.
 *
 * A response is a record of its own under the reviewer's directory, never
 * an edit of the officer's file: each author writes only under their own
 * directory (docs/design.md, "Repository layout"), so answering can never conflict with the
 * officer's own edits. What the answer does to an issue's status is
 * computed when reading (records.c, effective_status): the latest
 * response decides while the officer has the issue escalated.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/records.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"

static const char respond_usage[] =
	"fieldlog respond ID --text TEXT (--status answered|closed | --state approved|has_issues)"
	" [--json]";

/*
 * Resolves an id prefix among issues and reports: a prefix that also fits
 * a visit or a schedule still names the one issue or report it fits. When
 * it fits neither, the prefix is looked up among all records, so that the
 * caller can say "that is a visit" rather than "not found".
 */
static int resolve_target(char **out, struct ws *ws, const char *prefix)
{
	char *issue = NULL, *report = NULL;
	int e;

	if ((e = fl_db_resolve(&issue, ws->db, prefix, "issue")) == FL_EAMBIGUOUS ||
	    (e = fl_db_resolve(&report, ws->db, prefix, "report")) == FL_EAMBIGUOUS)
		goto out;
	if (issue && report) {
		e = fl_error(FL_EAMBIGUOUS, "id prefix '%s' is ambiguous: %s (issue), %s (report)",
			     prefix, issue, report);
		goto out;
	}
	if (issue || report) {
		*out = issue ? issue : report;
		issue = report = NULL;
		e = 0;
		goto out;
	}
	e = fl_db_resolve(out, ws->db, prefix, NULL);
out:
	free(issue);
	free(report);
	return e;
}

/*
 * The issue or weekly report prefix names, if a response with `status`
 * (issues) or `state` (reports) fits it: into *out, its full id *id_out.
 * Prints why not and returns EXIT_ERROR otherwise.
 */
static int answerable(cJSON **out, char **id_out, struct ws *ws, const char *prefix,
		      const char *status, const char *state)
{
	cJSON *target = NULL;
	char *target_id = NULL;
	const char *kind;
	int rc;

	if (resolve_target(&target_id, ws, prefix) < 0) {
		rc = fail();
		goto out;
	}
	if (!(target = fl_db_get(ws->db, target_id))) {
		rc = error_exit("record '%s' is damaged in the index; run 'fieldlog reindex'", prefix);
		goto out;
	}
	kind = fl_json_str(target, "kind");
	if (strcmp(kind, "issue") && strcmp(kind, "report"))
		rc = error_exit("%s is a %s; responses answer issues and weekly reports",
				target_id, label(kind));
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(target, "deleted")))
		rc = error_exit("%s %s was deleted by its author", label(kind), target_id);
	else if (!strcmp(kind, "issue") && !status)
		rc = error_exit("%s is an issue: answer it with --status answered|closed", target_id);
	else if (!strcmp(kind, "report") && !state)
		rc = error_exit("%s is a weekly report: review it with --state approved|has_issues",
				target_id);
	else if (!strcmp(kind, "report") && !*fl_json_str(target, "submitted_at"))
		rc = error_exit("report %s is a draft that was never submitted", target_id);
	else
		rc = EXIT_OK;
	if (rc == EXIT_OK) {
		*out = target;
		*id_out = target_id;
		target = NULL;
		target_id = NULL;
	}
out:
	cJSON_Delete(target);
	free(target_id);
	return rc;
}

int cmd_respond(int argc, const char **argv, struct ws *ws)
{
	const char *text = NULL, *status = NULL, *state = NULL, **pos;
	int json = 0, npos, rc;
	struct opt opts[] = {
		{ "text", OPT_STR, &text, "TEXT", N_("the answer (- stdin, @file)") },
		{ "status", OPT_STR, &status, "S", N_("for an issue: answered or closed") },
		{ "state", OPT_STR, &state, "S", N_("for a weekly report: approved or has_issues") },
		{ "json", OPT_BOOL, &json, NULL, N_("print the saved response as JSON") },
		OPT_END
	};
	cJSON *target = NULL, *rec = NULL;
	char *target_id = NULL, *msg = NULL;
	char id[FL_ID_LEN + 1], now[32];

	parse_opts(argc, argv, opts, respond_usage, &pos, &npos);
	if (npos != 1)
		return usage_error(respond_usage, "give the id of one issue or weekly report");
	if (status && state)
		return usage_error(respond_usage, "give --status (issues) or --state (reports), not both");
	if (!status && !state)
		return usage_error(respond_usage,
				   "--status answered|closed (issue) or --state approved|has_issues"
				   " (report) is required");
	if (status && fl_enum_index(fl_issue_response_states, status) < 0)
		return error_exit("unknown status '%s' for an answer (answered, closed)", status);
	if (state && fl_enum_index(fl_report_response_states, state) < 0)
		return error_exit("unknown state '%s' for a review (approved, has_issues)", state);
	if (read_text(&text, text, "response", 1) < 0)
		return fail();
	if (!text || !*text)
		return usage_error(respond_usage, "--text is required");
	if ((rc = answerable(&target, &target_id, ws, pos[0], status, state)))
		goto out;

	const char *kind = fl_json_str(target, "kind"), *answer = status ? status : state;
	fl_id_new(id);
	fl_time_now(now);
	rec = fl_record_new(FL_RESPONSE, id, ws->id, now);
	fl_json_set_str(rec, "target", target_id);
	fl_json_set_str(rec, "target_kind", kind);
	fl_json_set_str(rec, "text", text);
	fl_json_set_str(rec, "state", answer);

	msg = xstrfmt("response %s: %s %s %s", id, kind, target_id, answer);
	rc = save_record(ws, rec, msg, json, "response %s saved: %s %s %s\n", id, label(kind),
			 target_id, label(answer));
	/* Answering an issue the officer has not escalated changes nothing yet. */
	const char *own = fl_json_str(target, "status");
	if (rc == EXIT_OK && !json && !strcmp(kind, "issue") && strcmp(own, "escalated") &&
	    strcmp(own, "answered"))
		printf(_("note: the officer has this issue '%s'; the answer takes effect"
		       " while it is escalated\n"), label(own));
out:
	free(msg);
	cJSON_Delete(rec);
	cJSON_Delete(target);
	free(target_id);
	return rc;
}
