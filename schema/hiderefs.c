/*
 * hiderefs.c: the refs the git server hides from a person (hiderefs.h),
 * computed from the roster alone so that the http CGI and the ssh forced
 * command share it and it is tested on literals.
 */
#include "hiderefs.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "roster.h"

static void add(struct fl_hiderefs *h, char *value)
{
	FL_ALLOC_GROW(h->v, h->n + 1, h->alloc);
	h->v[h->n++] = value;
}

int fl_hiderefs_for(struct fl_hiderefs *out, const cJSON *roster, const char *login,
		    const char *authors)
{
	const cJSON *me, *p;
	const char *role;

	if (!fl_login_valid(login))
		return fl_error(FL_EINVALID, "'%s' is not a login the roster can hold",
				login ? login : "");
	if (!(me = fl_roster_find_login(roster, login)))
		return fl_error(FL_ENOTFOUND, "login '%s' is not in the roster", login);
	out->id = fl_json_str(me, "id");
	role = fl_json_str(me, "role");
	out->reviewer = role && !strcmp(role, "reviewer");
	if (out->reviewer)
		return 0;
	/*
	 * Hide the whole authors' hierarchy first, then un-hide: git takes the
	 * last entry that matches, so the exceptions must come after it.
	 */
	add(out, xstrdup(authors));
	add(out, xstrfmt("!%s%s", authors, out->id));
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people")) {
		const char *id = fl_json_str(p, "id"), *r = fl_json_str(p, "role");
		if (id && r && !strcmp(r, "reviewer"))
			add(out, xstrfmt("!%s%s", authors, id));
	}
	return 0;
}

void fl_hiderefs_release(struct fl_hiderefs *h)
{
	for (size_t i = 0; h && i < h->n; i++)
		free(h->v[i]);
	if (h) {
		free(h->v);
		memset(h, 0, sizeof(*h));
	}
}

int fl_hiderefs_env(struct fl_envvar **out, size_t *nout, const struct fl_hiderefs *h,
		    const char *count_now)
{
	unsigned long first = 0;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	/* As git reads it (config.c): all of it decimal, "" is 0, at most INT_MAX. */
	if (count_now && *count_now) {
		char *end;
		if (*count_now < '0' || *count_now > '9' ||
		    (first = strtoul(count_now, &end, 10), *end) || first > INT_MAX - h->n)
			return fl_error(FL_EINVALID, "GIT_CONFIG_COUNT '%s' is not a count",
					count_now);
	}
	if (!h->n)
		return 0;
	*out = xcalloc(2 * h->n + 1, sizeof(**out));
	for (size_t i = 0; i < h->n; i++) {
		(*out)[n].name = xstrfmt("GIT_CONFIG_KEY_%lu", first + i);
		(*out)[n++].value = xstrdup(FL_HIDEREFS_KEY);
		(*out)[n].name = xstrfmt("GIT_CONFIG_VALUE_%lu", first + i);
		(*out)[n++].value = xstrdup(h->v[i]);
	}
	(*out)[n].name = xstrdup("GIT_CONFIG_COUNT");
	(*out)[n++].value = xstrfmt("%lu", first + h->n);
	*nout = n;
	return 0;
}

void fl_envvars_free(struct fl_envvar *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}
