/*
 * cmd-communes.c: the reference data commands, `communes`, `provinces` and
 * `domains`. Commune search folds both sides (no marks, đ = d, any case),
 * so `thien huong` finds `Phường Thiên Hương`.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/entry.h"

#include <stdlib.h>
#include <string.h>

#include "schema/refdata.h"
#include "schema/text.h"

int cmd_communes(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog communes [TEXT] [--province CODE] [--json]";
	const char *province = NULL, **pos;
	int json = 0, npos;
	struct opt opts[] = {
		{ "province", OPT_STR, &province, "CODE", N_("only this province") },
		{ "json", OPT_BOOL, &json, NULL, N_("print JSON") },
		OPT_END
	};
	const struct fl_refdata *r = fl_refdata();
	struct strbuf q = STRBUF_INIT;
	struct table t;
	static const char *hdr[] = { N_("CODE"), N_("NAME"), N_("PROVINCE") };
	cJSON *arr;
	size_t n = 0;

	(void)ws;   /* reference data: no workspace */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (province && !fl_province_find(province))
		return error_exit("unknown province code '%s' (see 'fieldlog provinces')", province);
	for (int i = 0; i < npos; i++) {
		if (i)
			strbuf_addch(&q, ' ');
		strbuf_addstr(&q, pos[i]);
	}
	/* Words of the query must all occur in the folded name. */
	char *fq = fl_text_fold(q.buf);
	struct strlist words = { NULL, 0, 0 };
	for (char *tok = strtok(fq, " \t,"); tok; tok = strtok(NULL, " \t,"))
		strlist_add(&words, tok);

	arr = cJSON_CreateArray();
	table_init(&t, 3, hdr);
	for (size_t i = 0; i < r->ncommunes; i++) {
		const struct fl_commune *c = &r->communes[i];
		if (province && strcmp(c->province_code, province))
			continue;
		char *fn = fl_text_fold(c->name);
		size_t w;
		for (w = 0; w < words.n; w++)
			if (!fold_word_prefix(fn, words.v[w]) && strcmp(c->code, words.v[w]))
				break;
		free(fn);
		if (w < words.n)
			continue;
		const struct fl_province *p = fl_province_find(c->province_code);
		n++;
		if (json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "code", c->code);
			cJSON_AddStringToObject(o, "name", c->name);
			cJSON_AddStringToObject(o, "type", c->type);
			cJSON_AddStringToObject(o, "province_code", c->province_code);
			cJSON_AddStringToObject(o, "province", p ? p->name : "");
			cJSON_AddItemToArray(arr, o);
		} else {
			table_add(&t, c->code, c->name, p ? p->name : c->province_code);
		}
	}
	if (json)
		print_json(arr);
	else if (n)
		table_print(&t, stdout);
	/* An empty result says so, on stdout as `search` does, and is no error (exit 0). */
	if (!json && !n && q.len)
		printf(_("no commune matches '%s'\n"), q.buf);
	else if (!json && (out_is_tty() || !n))
		printf(_("%zu communes\n"), n);
	cJSON_Delete(arr);
	table_release(&t);
	strlist_release(&words);
	free(fq);
	strbuf_release(&q);
	return EXIT_OK;
}

int cmd_provinces(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog provinces [--json]";
	const char **pos;
	int json = 0, npos;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, N_("print JSON") }, OPT_END };
	const struct fl_refdata *r = fl_refdata();
	static const char *hdr[] = { N_("CODE"), N_("NAME"), N_("COMMUNES") };
	struct table t;
	cJSON *arr = cJSON_CreateArray();

	(void)ws;   /* reference data: no workspace */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	table_init(&t, 3, hdr);
	for (size_t i = 0; i < r->nprovinces; i++) {
		const struct fl_province *p = &r->provinces[i];
		size_t n = 0;
		for (size_t j = 0; j < r->ncommunes; j++)
			n += !strcmp(r->communes[j].province_code, p->code);
		char num[32];
		snprintf(num, sizeof(num), "%zu", n);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "code", p->code);
		cJSON_AddStringToObject(o, "name", p->name);
		cJSON_AddStringToObject(o, "type", p->type);
		cJSON_AddNumberToObject(o, "communes", (double)n);
		cJSON_AddItemToArray(arr, o);
		table_add(&t, p->code, p->name, num);
	}
	if (json) {
		print_json(arr);
	} else {
		table_print(&t, stdout);
		if (out_is_tty())
			printf(_("%zu provinces, %zu communes (in force from %s)\n"), r->nprovinces,
			       r->ncommunes, r->date);
	}
	cJSON_Delete(arr);
	table_release(&t);
	return EXIT_OK;
}

int cmd_domains(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog domains [--json]";
	const char **pos;
	int json = 0, npos;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, N_("print JSON") }, OPT_END };
	const struct fl_refdata *r = fl_refdata();
	static const char *hdr[] = { N_("ID"), N_("LABEL"), N_("ENGLISH") };
	struct table t;
	cJSON *arr = cJSON_CreateArray();

	(void)ws;   /* reference data: no workspace */
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	table_init(&t, 3, hdr);
	for (size_t i = 0; i < r->ndomains; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", r->domains[i].id);
		cJSON_AddStringToObject(o, "label", r->domains[i].label);
		cJSON_AddStringToObject(o, "label_en", r->domains[i].label_en);
		cJSON_AddItemToArray(arr, o);
		table_add(&t, r->domains[i].id, r->domains[i].label, r->domains[i].label_en);
	}
	if (json)
		print_json(arr);
	else
		table_print(&t, stdout);
	cJSON_Delete(arr);
	table_release(&t);
	return EXIT_OK;
}
