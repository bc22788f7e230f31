/*
 * cmd-delete.c: `fieldlog delete ID`: a tombstone (deleted: true), never a
 * file removal, so the record's history stays and the deletion syncs like
 * any other edit.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"

int cmd_delete(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog delete ID";
	const char **pos;
	int npos, e;
	struct opt opts[] = { OPT_END };
	cJSON *rec = NULL;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != 1)
		return usage_error(usage, "give one record id");
	if (ws_find(&rec, ws, pos[0], NULL) < 0) {
		e = fail();
		goto out;
	}
	if (strcmp(fl_json_str(rec, "author"), ws->id)) {
		e = error_exit("%s %s belongs to %s; only its author deletes it",
			       label(fl_json_str(rec, "kind")), pos[0], fl_json_str(rec, "author"));
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "deleted"))) {
		e = error_exit("%s %s is already deleted", label(fl_json_str(rec, "kind")),
			       fl_json_str(rec, "id"));
		goto out;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "deleted", cJSON_CreateTrue());
	char *msg = xstrfmt("%s %s: deleted", fl_json_str(rec, "kind"), fl_json_str(rec, "id"));
	e = ws_save(ws, rec, msg);
	free(msg);
	if (e < 0)
		e = fail();
	else
		printf(_("%s %s deleted (kept in history)\n"), label(fl_json_str(rec, "kind")),
		       fl_json_str(rec, "id"));
out:
	cJSON_Delete(rec);
	return e;
}
