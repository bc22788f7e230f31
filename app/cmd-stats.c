/*
 * cmd-stats.c: `fieldlog stats` (how many issues, by province, domain,
 * status and severity) and `fieldlog export` (records as CSV for a
 * spreadsheet or as JSON for other programs).
 *
 * Both take the same filters as `list` (records.h), so what a reviewer
 * narrowed down on screen is what gets counted or exported. Statuses are
 * effective ones: an escalated issue the Ministry answered counts as
 * answered. An issue about communes of two provinces counts once in each.
 *
 * The export itself, written as it is read in CSV, JSON or an Excel
 * workbook, is export.c's.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/export.h"
#include "app/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"

/* --- stats ------------------------------------------------------------------- */

static const char stats_usage[] = "fieldlog stats [filters] [--json | --format csv]";

static void add_row(cJSON *rows, const char *dim, const char *key, const char *label, int n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "dimension", dim);
	cJSON_AddStringToObject(o, "key", key);
	cJSON_AddStringToObject(o, "label", label);
	cJSON_AddNumberToObject(o, "count", n);
	cJSON_AddItemToArray(rows, o);
}

static void print_section(const char *title, const char *header, const cJSON *rows,
			  const char *dim)
{
	const char *hdr[] = { header, N_("ISSUES") };
	struct table t;
	const cJSON *r;
	char num[24];

	table_init(&t, 2, hdr);
	cJSON_ArrayForEach(r, rows) {
		if (strcmp(fl_json_str(r, "dimension"), dim))
			continue;
		snprintf(num, sizeof(num), "%lld", fl_json_int(r, "count", 0));
		table_add(&t, label(fl_json_str(r, "label")), num);
	}
	printf("\n%s\n", title);
	table_print(&t, stdout);
	table_release(&t);
}

/*
 * Counts the issues the filters select by dimension, as rows of
 * {dimension, key, label, count} (a new array); *total is how many.
 */
static cJSON *stats_rows(int *total, struct ws *ws, const struct filters *f)
{
	const struct fl_refdata *ref = fl_refdata();
	int *by_prov = xcalloc(ref->nprovinces + 1, sizeof(int));
	int *by_dom = xcalloc(ref->ndomains + 1, sizeof(int));
	int by_status[8] = { 0 }, by_sev[8] = { 0 };
	char *select = xstrfmt("SELECT r.json, %s FROM records r WHERE 1", effective_status_sql);
	sqlite3_stmt *st = filters_query(ws, f, "issue", select, NULL);
	cJSON *rows = cJSON_CreateArray();

	*total = 0;
	while (fl_step(st)) {
		cJSON *rec = NULL;
		const char *t = fl_col_text(st, 0);
		if (fl_json_parse(&rec, t, strlen(t)) < 0)
			continue;
		(*total)++;
		/* Each province once, however many of its communes the issue names. */
		unsigned char *seen = xcalloc(ref->nprovinces + 1, 1);
		const cJSON *c;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rec, "communes")) {
			const struct fl_commune *cm = fl_commune_find(cJSON_GetStringValue(c));
			for (size_t i = 0; cm && i < ref->nprovinces; i++)
				if (!strcmp(ref->provinces[i].code, cm->province_code) && !seen[i]) {
					seen[i] = 1;
					by_prov[i]++;
				}
		}
		free(seen);
		for (size_t i = 0; i < ref->ndomains; i++)
			if (!strcmp(ref->domains[i].id, fl_json_str(rec, "domain")))
				by_dom[i]++;
		int k = fl_enum_index(fl_statuses, fl_col_text(st, 1));
		if (k >= 0)
			by_status[k]++;
		k = fl_enum_index(fl_severities, fl_json_str(rec, "severity"));
		if (k >= 0)
			by_sev[k]++;
		cJSON_Delete(rec);
	}
	sqlite3_finalize(st);

	for (size_t i = 0; i < ref->nprovinces; i++)
		if (by_prov[i]) {
			char *label = xstrfmt("%s (%s)", ref->provinces[i].name, ref->provinces[i].code);
			add_row(rows, "province", ref->provinces[i].code, label, by_prov[i]);
			free(label);
		}
	for (size_t i = 0; i < ref->ndomains; i++)
		if (by_dom[i])
			add_row(rows, "domain", ref->domains[i].id, ref->domains[i].label, by_dom[i]);
	for (int i = 0; fl_statuses[i]; i++)
		add_row(rows, "status", fl_statuses[i], fl_statuses[i], by_status[i]);
	for (int i = 0; fl_severities[i]; i++)
		add_row(rows, "severity", fl_severities[i], fl_severities[i], by_sev[i]);
	free(select);
	free(by_prov);
	free(by_dom);
	return rows;
}

/* {total, by_province: {code: n}, by_domain, by_status, by_severity}. A new object. */
static cJSON *stats_json(const cJSON *rows, int total)
{
	static const char *const dims[] = { "province", "domain", "status", "severity" };
	cJSON *o = cJSON_CreateObject();
	const cJSON *r;

	cJSON_AddNumberToObject(o, "total", total);
	for (size_t d = 0; d < FL_ARRAY_SIZE(dims); d++) {
		char key[32];
		snprintf(key, sizeof(key), "by_%s", dims[d]);
		cJSON *m = cJSON_AddObjectToObject(o, key);
		cJSON_ArrayForEach(r, rows)
			if (!strcmp(fl_json_str(r, "dimension"), dims[d]))
				cJSON_AddNumberToObject(m, fl_json_str(r, "key"),
							(double)fl_json_int(r, "count", 0));
	}
	return o;
}

int cmd_stats(int argc, const char **argv, struct ws *ws)
{
	struct filters f;
	const char **pos;
	int npos, total;
	memset(&f, 0, sizeof(f));
	struct opt opts[] = { FILTER_OPTS(f), OPT_END };
	cJSON *rows;

	parse_opts(argc, argv, opts, stats_usage, &pos, &npos);
	if (npos)
		return usage_error(stats_usage, "unexpected argument '%s'", pos[0]);
	if (filters_check(&f) < 0)
		return fail();
	rows = stats_rows(&total, ws, &f);
	if (f.json) {
		cJSON *o = stats_json(rows, total);
		print_json(o);
		cJSON_Delete(o);
	} else if (f.format && !strcmp(f.format, "csv")) {
		write_csv(stdout, rows);
	} else {
		printf(_("%d issue%s\n"), total, total == 1 ? "" : "s");
		if (total) {
			print_section(_("By province"), N_("PROVINCE"), rows, "province");
			print_section(_("By domain"), N_("DOMAIN"), rows, "domain");
			print_section(_("By status"), N_("STATUS"), rows, "status");
			print_section(_("By severity"), N_("SEVERITY"), rows, "severity");
		}
	}
	cJSON_Delete(rows);
	return EXIT_OK;
}

/* --- export ------------------------------------------------------------------ */

static const char export_usage[] =
	"fieldlog export [--format csv|json|xlsx] [--kind K] [filters] [-o FILE]   (default: CSV)";

int cmd_export(int argc, const char **argv, struct ws *ws)
{
	struct filters f;
	const char **pos, *output = NULL;
	int npos;
	memset(&f, 0, sizeof(f));
	struct opt opts[] = {
		{ "kind", OPT_STR, &f.kind, "K", N_("schedule, visit, issue, report or response") },
		{ "output", OPT_STR, &output, "FILE", N_("write to FILE (also -o FILE)") },
		FILTER_OPTS(f),
		OPT_END
	};
	const char **args = xcalloc((size_t)argc + 1, sizeof(char *));
	char *eqopt = NULL;

	/* -o FILE is the one short option: spell it out for parse_opts. */
	for (int i = 0, dd = 0; i < argc; i++) {
		args[i] = argv[i];
		if (dd || i == 0)
			continue;
		if (!strcmp(argv[i], "--"))
			dd = 1;
		else if (!strcmp(argv[i], "-o"))
			args[i] = "--output";
		else if (!strncmp(argv[i], "-o", 2) && argv[i][2] != '-' && !eqopt)
			args[i] = eqopt = xstrfmt("--output=%s", argv[i] + 2);
	}
	parse_opts(argc, args, opts, export_usage, &pos, &npos);
	free(args);
	free(eqopt);
	if (npos)
		return usage_error(export_usage, "unexpected argument '%s'", pos[0]);
	if (f.kind && fl_kind_parse(f.kind) == FL_KIND_NONE)
		return error_exit("unknown kind '%s' (schedule, visit, issue, report, response)",
				  f.kind);
	int format = export_format(&f);
	if (format < 0)
		return error_exit("unknown export format '%s' (csv, json, xlsx)", f.format);
	if (filters_check(&f) < 0)
		return fail();
	return export_run(ws, &f, format, output);
}
