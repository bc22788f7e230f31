/*
 * cmd-schedule.c: `fieldlog schedule add|edit|list|show`: an officer's
 * plan for an ISO week, one record per officer and week, with one entry
 * per planned activity (date, commune or place, activity), later marked
 * done or cancelled. Schedules look ahead, so their dates may lie in the
 * future. Entries carry their own ids, so two devices editing
 * different entries merge cleanly.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/entry.h"
#include "app/term.h"
#include "app/records.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"

/* This officer's schedule for week (parsed), or NULL. */
static cJSON *schedule_of_week(struct ws *ws, const char *week)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db,
		"SELECT id FROM records WHERE kind = 'schedule' AND author = :me"
		" AND week = :week AND deleted = 0 ORDER BY id LIMIT 1");
	char *id = NULL;
	cJSON *rec = NULL;
	fl_bind_text(st, ":me", ws->id);
	fl_bind_text(st, ":week", week);
	if (fl_step(st))
		id = xstrdup(fl_col_text(st, 0));
	sqlite3_reset(st);
	if (id)
		rec = fl_db_get(ws->db, id);
	free(id);
	return rec;
}

static int schedule_add(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog schedule add --date YYYY-MM-DD {--commune CODE|NAME | --place TEXT}..."
		" --activity TEXT [--note TEXT] [--json]";
	const char *date = NULL, *commune = NULL, *activity = NULL, *note = NULL, *place = NULL;
	const char **pos;
	int json = 0, npos, rc;
	struct opt opts[] = {
		{ "date", OPT_STR, &date, "DATE", N_("the planned day") },
		{ "commune", OPT_STR, &commune, "CODE|NAME", N_("the commune (see 'fieldlog communes')") },
		{ "place", OPT_STR, &place, "TEXT", N_("a place, with or instead of a commune") },
		{ "activity", OPT_STR, &activity, "TEXT", N_("what is planned") },
		{ "note", OPT_STR, &note, "TEXT", N_("a note") },
		{ "json", OPT_BOOL, &json, NULL, N_("print the saved schedule as JSON") },
		OPT_END
	};
	char week[9], eid[FL_ID_LEN + 1], now[32];
	cJSON *rec;
	char *msg;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (!date || !(commune || (place && *place)) || !activity)
		return usage_error(usage, "--date, --commune (or --place) and --activity are required");
	if ((rc = date_arg(date, "--date", 1)) ||
	    (commune && (rc = commune_arg(&commune, commune, ws->province))))
		return rc;
	if (read_text(&note, note, "note", 0) < 0)
		return fail();
	fl_week_of_date(week, date);
	fl_time_now(now);
	rec = schedule_of_week(ws, week);
	if (!rec) {
		char id[FL_ID_LEN + 1];
		fl_id_new(id);
		rec = fl_record_new(FL_SCHEDULE, id, ws->id, now);
		fl_json_set_str(rec, "week", week);
	}
	fl_id_new(eid);
	cJSON *en = cJSON_CreateObject();
	cJSON_AddStringToObject(en, "id", eid);
	cJSON_AddStringToObject(en, "date", date);
	cJSON_AddStringToObject(en, "commune", commune ? commune : "");
	if (place && *place)
		cJSON_AddStringToObject(en, "place", place);
	cJSON_AddStringToObject(en, "activity", activity);
	cJSON_AddStringToObject(en, "state", "planned");
	cJSON_AddStringToObject(en, "note", note ? note : "");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rec, "entries"), en);

	msg = xstrfmt("schedule %s: %s planned %s, %s", fl_json_str(rec, "id"), week, date,
		      entry_where_vi(en));
	rc = save_record(ws, rec, msg, json, "schedule %s (%s): entry %s planned\n",
			 short_id(fl_json_str(rec, "id")), week, eid);
	free(msg);
	cJSON_Delete(rec);
	return rc;
}

/* Finds this officer's schedule holding an entry whose id starts with prefix. */
static int find_entry(cJSON **rec_out, cJSON **entry_out, struct ws *ws, const char *prefix)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db,
		"SELECT r.id, json_extract(e.value, '$.id') FROM records r,"
		" json_each(r.json, '$.entries') e WHERE r.kind = 'schedule' AND r.author = :me"
		" AND r.deleted = 0 AND json_extract(e.value, '$.id') >= upper(:p)"
		" AND json_extract(e.value, '$.id') < upper(:p) || 'Z~' LIMIT 2");
	char *rid = NULL, *eid = NULL;
	cJSON *e;
	int n = 0, rc;

	*rec_out = *entry_out = NULL;
	fl_bind_text(st, ":me", ws->id);
	fl_bind_text(st, ":p", prefix);
	while (fl_step(st)) {
		if (n++ == 0) {
			rid = xstrdup(fl_col_text(st, 0));
			eid = xstrdup(fl_col_text(st, 1));
		}
	}
	if (n != 1) {
		rc = fl_error(n ? FL_EAMBIGUOUS : FL_ENOTFOUND,
			      n ? N_("entry prefix '%s' is ambiguous")
				: N_("no schedule entry '%s' of yours"),
			      prefix);
		goto out;
	}
	*rec_out = fl_db_get(ws->db, rid);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(*rec_out, "entries"))
		if (!strcmp(fl_json_str(e, "id"), eid))
			*entry_out = e;
	rc = *entry_out ? 0 : fl_error(FL_ENOTFOUND, "no schedule entry '%s'", prefix);
out:
	free(rid);
	free(eid);
	return rc;
}

static int schedule_edit(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog schedule edit ENTRY-ID [--state planned|done|cancelled] [--date D]"
		" [--commune CODE|NAME] [--place TEXT] [--activity TEXT] [--note TEXT]";
	const char *state = NULL, *date = NULL, *commune = NULL, *activity = NULL, *note = NULL;
	const char *place = NULL, **pos;
	int npos, rc;
	struct opt opts[] = {
		{ "state", OPT_STR, &state, "S", N_("planned, done or cancelled") },
		{ "date", OPT_STR, &date, "DATE", N_("move to another day of the same week") },
		{ "commune", OPT_STR, &commune, "CODE|NAME", N_("another commune") },
		{ "place", OPT_STR, &place, "TEXT", N_("another place (\"\" for none)") },
		{ "activity", OPT_STR, &activity, "TEXT", N_("new activity") },
		{ "note", OPT_STR, &note, "TEXT", N_("a note (why cancelled, what was done)") },
		OPT_END
	};
	cJSON *rec = NULL, *en = NULL;
	struct strbuf msg = STRBUF_INIT, what = STRBUF_INIT, shown = STRBUF_INIT;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != 1)
		return usage_error(usage, "give one entry id (see 'fieldlog schedule show')");
	if (state && fl_enum_index(fl_entry_states, state) < 0)
		return error_exit("unknown state '%s' (planned, done, cancelled)", state);
	if ((date && (rc = date_arg(date, "--date", 1))) ||
	    (commune && (rc = commune_arg(&commune, commune, ws->province))))
		return rc;
	if (read_text(&note, note, "note", 0) < 0)
		return fail();
	if (!state && !date && !commune && !place && !activity && !note)
		return usage_error(usage, "nothing to change");
	if (find_entry(&rec, &en, ws, pos[0]) < 0) {
		rc = fail();
		goto out;
	}
	const char *fields[][2] = { { "state", state }, { "date", date }, { "commune", commune },
				    { "place", place }, { "activity", activity }, { "note", note } };
	for (size_t i = 0; i < FL_ARRAY_SIZE(fields); i++) {
		const char *old = fl_json_str(en, fields[i][0]);
		if (!fields[i][1] || !strcmp(old ? old : "", fields[i][1]))
			continue;
		if (what.len) {
			strbuf_addstr(&what, ", ");
			strbuf_addstr(&shown, ", ");
		}
		if (i < 2) {
			strbuf_addf(&what, "%s %s → %s", fields[i][0], old, fields[i][1]);
			strbuf_addf(&shown, "%s %s → %s", label(fields[i][0]),
				    i ? human_date(old) : label(old),
				    i ? human_date(fields[i][1]) : label(fields[i][1]));
		} else {
			strbuf_addf(&what, "%s changed", fields[i][0]);
			strbuf_addf(&shown, "%s %s", label(fields[i][0]), _("changed"));
		}
		if (!*fields[i][1])   /* an optional field left out, never empty */
			cJSON_DeleteItemFromObjectCaseSensitive(en, fields[i][0]);
		else
			fl_json_set_str(en, fields[i][0], fields[i][1]);
	}
	if (!what.len) {
		rc = error_exit("nothing to change: entry %s already says so", fl_json_str(en, "id"));
		goto out;
	}
	strbuf_addf(&msg, "schedule %s: entry %s %s", fl_json_str(rec, "id"), fl_json_str(en, "id"),
		    what.buf);
	rc = save_record(ws, rec, msg.buf, 0, "%s: entry %s %s\n", fl_json_str(rec, "id"),
			 fl_json_str(en, "id"), shown.buf);
out:
	strbuf_release(&what);
	strbuf_release(&shown);
	strbuf_release(&msg);
	cJSON_Delete(rec);
	return rc;
}

static int schedule_list(int argc, const char **argv, struct ws *ws)
{
	return list_command(argc, argv, ws, "schedule");
}

/* `schedule show 2025-W37 [--json]`: this officer's plan for that week. */
static int show_week(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog schedule show WEEK|ID [--json]";
	const char **pos;
	int json = 0, npos;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, N_("print JSON") }, OPT_END };
	cJSON *rec;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != 1)
		return usage_error(usage, "give one week or id");
	if (!(rec = schedule_of_week(ws, pos[0])))
		return error_exit("no schedule of yours for week %s", pos[0]);
	if (json)
		print_json(rec);
	else
		show_record(ws, rec);
	cJSON_Delete(rec);
	return EXIT_OK;
}

/* The first argument that is not an option (options come in any order). */
static const char *first_operand(int argc, const char **argv)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-' || !strcmp(argv[i], "-"))
			return argv[i];
		else if (!strcmp(argv[i], "--"))
			return i + 1 < argc ? argv[i + 1] : NULL;
	return NULL;
}

static int schedule_show(int argc, const char **argv, struct ws *ws)
{
	const char *a = first_operand(argc, argv);
	if (a && strlen(a) == 8 && a[4] == '-' && a[5] == 'W' && !fl_week_valid(a))
		return error_exit("'%s' is not an ISO week (YYYY-Www)", a);
	if (a && fl_week_valid(a))
		return show_week(argc, argv, ws);
	return show_command(argc, argv, ws, "schedule");
}

int cmd_schedule(int argc, const char **argv, struct ws *ws)
{
	static const struct cmd sub[] = {
		{ "add", schedule_add, WS_WRITE | WS_INDEX_ONLY | NEED_OFFICER,
		  N_("plan a visit in a week") },
		{ "edit", schedule_edit, WS_WRITE | WS_INDEX_ONLY,
		  N_("mark a planned visit done or cancelled, or change it") },
		{ "list", schedule_list, WS_INDEX_ONLY | USE_PAGER,
		  N_("list weekly schedules") },
		{ "show", schedule_show, WS_INDEX_ONLY | USE_PAGER,
		  N_("show a week's schedule") },
	};
	(void)ws;   /* each subcommand declares its own setup */
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub),
			"fieldlog schedule add|edit|list|show ...");
}
