/*
 * cmd-config.c: `fieldlog config get|set|unset|list`: the settings of a
 * workspace a person may change, kept in its config.json. Only the keys
 * in the table below; the officer's id, name, role and province belong to
 * `init`, the central repository to `remote`.
 *
 * lang (vi or en) chooses the language of messages for this workspace,
 * below FIELDLOG_LANG and above the locale (app/i18n.c): many laptops run
 * an English locale that the officers do not read.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"

static const struct key {
	const char *name;
	const char *const *values;   /* the allowed values */
	const char *help;
} keys[] = {
	{ "lang", (const char *const[]){ "vi", "en", NULL },
	  N_("language of messages: vi (Vietnamese) or en (English)") },
};

static const char config_usage[] = "fieldlog config get KEY | set KEY VALUE | unset KEY | list";

/* The arguments after the subcommand: exactly n of them, or a usage error. */
static const char **config_args(int argc, const char **argv, int n)
{
	const char **pos;
	int npos;
	struct opt opts[] = { OPT_END };

	parse_opts(argc, argv, opts, config_usage, &pos, &npos);
	if (npos != n) {
		usage_error(config_usage, "give %d argument(s)", n);
		exit(EXIT_USAGE);
	}
	return pos;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < FL_ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	error_exit("unknown setting '%s' (see 'fieldlog config list')", name);
	return NULL;
}

static int config_get(int argc, const char **argv, struct ws *ws)
{
	const char **pos = config_args(argc, argv, 1);
	const char *v;

	if (!find_key(pos[0]))
		return EXIT_ERROR;
	v = fl_json_str(ws->config, pos[0]);
	if (!v || !*v)
		return EXIT_ERROR;   /* unset: nothing printed, as `git config` */
	printf("%s\n", v);
	return EXIT_OK;
}

static int config_set(int argc, const char **argv, struct ws *ws)
{
	const char **pos = config_args(argc, argv, 2);
	const struct key *k = find_key(pos[0]);
	size_t i;

	if (!k)
		return EXIT_ERROR;
	for (i = 0; k->values[i]; i++)
		if (!strcmp(k->values[i], pos[1]))
			break;
	if (!k->values[i])
		return error_exit("'%s' is not a value of '%s' (%s)", pos[1], k->name, _(k->help));
	fl_json_set_str(ws->config, k->name, pos[1]);
	if (ws_save_config(ws) < 0)
		return fail();
	/* The confirmation in the language just chosen. */
	if (!strcmp(k->name, "lang"))
		i18n_init();
	printf(_("%s set to '%s'\n"), k->name, pos[1]);
	return EXIT_OK;
}

static int config_unset(int argc, const char **argv, struct ws *ws)
{
	const char **pos = config_args(argc, argv, 1);

	if (!find_key(pos[0]))
		return EXIT_ERROR;
	cJSON_DeleteItemFromObjectCaseSensitive(ws->config, pos[0]);
	if (ws_save_config(ws) < 0)
		return fail();
	return EXIT_OK;
}

static int config_list(int argc, const char **argv, struct ws *ws)
{
	config_args(argc, argv, 0);
	for (size_t i = 0; i < FL_ARRAY_SIZE(keys); i++) {
		const char *v = fl_json_str(ws->config, keys[i].name);
		printf("%s=%s\t# %s\n", keys[i].name, v ? v : "", _(keys[i].help));
	}
	return EXIT_OK;
}

int cmd_config(int argc, const char **argv, struct ws *ws)
{
	static const struct cmd sub[] = {
		{ "get", config_get, WS_INDEX_ONLY, N_("print a setting of this workspace") },
		{ "set", config_set, WS_WRITE | WS_INDEX_ONLY, N_("change a setting (lang: vi or en)") },
		{ "unset", config_unset, WS_WRITE | WS_INDEX_ONLY, N_("remove a setting, back to the default") },
		{ "list", config_list, WS_INDEX_ONLY, N_("list this workspace's settings") },
	};

	(void)ws;   /* each subcommand declares its own setup */
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub), config_usage);
}
