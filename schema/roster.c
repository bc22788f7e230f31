/*
 * roster.c: the roster model (roster.h): who may write, as a JSON tree,
 * validated and edited in memory. Pure: no git, no SQLite, no I/O, so the
 * server's pre-receive check (sync/check.c), `fieldlog roster` and the
 * importer share one set of rules, tested on literals.
 */
#include "roster.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "record.h"
#include "refdata.h"

cJSON *fl_roster_new(void)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "schema", FL_ROSTER_SCHEMA);
	cJSON_AddItemToObject(r, "people", cJSON_CreateArray());
	return r;
}

int fl_login_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' || c == '-'))
			return 0;
	}
	return 1;
}

static inline int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/*
 * "ssh-ed25519 BASE64[ comment]": the blob is 51 bytes (string
 * "ssh-ed25519", string of 32), so exactly 68 characters of base64, no
 * padding. The same check sync/sshsig.c's parser makes, without its
 * dependencies, so the roster is judged here, purely. One pass, each
 * character looked at once: a national roster holds 3,331 keys, checked
 * at every read.
 */
int fl_roster_key_parse(unsigned char key[32], const char *line)
{
	static const unsigned char head[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20";
	unsigned char blob[51];
	const char *b;
	unsigned long w = 0;
	size_t n = 0, i;

	if (!line || strncmp(line, "ssh-ed25519 ", 12))
		return 0;
	b = line + 12;
	for (i = 0; i < 68; i++) {
		int v = b64val(b[i]);   /* -1 at the string's end too */
		if (v < 0)
			return 0;
		w = w << 6 | (unsigned long)v;
		if (i % 4 == 3) {
			blob[n++] = (unsigned char)(w >> 16);
			blob[n++] = (unsigned char)(w >> 8);
			blob[n++] = (unsigned char)w;
			w = 0;
		}
	}
	if (b[68] && b[68] != ' ')
		return 0;
	for (const char *c = b + 68; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return 0;
	if (memcmp(blob, head, sizeof(head) - 1))
		return 0;
	memcpy(key, blob + sizeof(head) - 1, 32);
	return 1;
}

int fl_roster_key_valid(const char *line)
{
	unsigned char key[32];
	return fl_roster_key_parse(key, line);
}

/* "keys" / "removed_keys": a list of distinct key lines, if there. */
static int validate_keys(const cJSON *p, const char *id, const char *field)
{
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(p, field), *v, *w;

	if (!keys)
		return 0;
	if (!cJSON_IsArray(keys))
		return fl_error(FL_EINVALID, "person '%s': '%s' is not a list", id, field);
	cJSON_ArrayForEach(v, keys) {
		const char *line = cJSON_GetStringValue(v);
		if (!fl_roster_key_valid(line))
			return fl_error(FL_EINVALID, "person '%s': '%.72s%s' is not an OpenSSH"
					" ssh-ed25519 public key line", id, line ? line : "?",
					line && strlen(line) > 72 ? "..." : "");
		for (w = keys->child; w != v; w = w->next)
			if (!strncmp(w->valuestring, line, 80))
				return fl_error(FL_EINVALID, "person '%s': key listed twice in '%s'",
						id, field);
	}
	return 0;
}

int fl_roster_requires_signatures(const cJSON *roster)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(roster, "require_signatures"));
}

int fl_roster_person_validate(const cJSON *p)
{
	const char *id, *name, *role, *login;
	const cJSON *pv, *v, *w;
	int n = 0;

	if (!cJSON_IsObject(p))
		return fl_error(FL_EINVALID, "a person must be a JSON object");
	id = fl_json_str(p, "id");
	if (!id || !fl_author_valid(id))
		return fl_error(FL_EINVALID, "id '%s' is not valid: 1 to 64 of a-z, 0-9, '.', '_', '-',"
				" starting with a letter or digit", id ? id : "");
	name = fl_json_str(p, "name");
	if (!name || !*name)
		return fl_error(FL_EINVALID, "person '%s': a name is required", id);
	if (strlen(name) > FL_SHORT_MAX)
		return fl_error(FL_EINVALID, "person '%s': name longer than %d bytes", id, FL_SHORT_MAX);
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return fl_error(FL_EINVALID, "person '%s': the name must be one line of text", id);
	role = fl_json_str(p, "role");
	if (!role || (strcmp(role, "officer") && strcmp(role, "reviewer")))
		return fl_error(FL_EINVALID, "person '%s': role '%s' is not 'officer' or 'reviewer'",
				id, role ? role : "");
	pv = cJSON_GetObjectItemCaseSensitive(p, "provinces");
	if (!cJSON_IsArray(pv))
		return fl_error(FL_EINVALID, "person '%s': 'provinces' is not a list", id);
	cJSON_ArrayForEach(v, pv) {
		if (!cJSON_IsString(v) || !fl_province_find(v->valuestring))
			return fl_error(FL_EINVALID, "person '%s': unknown province code '%s'"
					" (see 'fieldlog provinces')", id,
					cJSON_IsString(v) ? v->valuestring : "?");
		for (w = pv->child; w != v; w = w->next)
			if (!strcmp(w->valuestring, v->valuestring))
				return fl_error(FL_EINVALID, "person '%s': province '%s' listed twice",
						id, v->valuestring);
		n++;
	}
	if (!strcmp(role, "officer") && n == 0)
		return fl_error(FL_EINVALID, "person '%s': an officer needs at least one province", id);
	login = fl_json_str(p, "login");
	if (!fl_login_valid(login))
		return fl_error(FL_EINVALID, "person '%s': login '%s' is not valid: 1 to 128 of"
				" A-Z, a-z, 0-9, '.', '_', '@', '-'", id, login ? login : "");
	return validate_keys(p, id, "keys") < 0 ? FL_EINVALID :
	       validate_keys(p, id, "removed_keys");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int fl_roster_validate(const cJSON *r)
{
	const cJSON *people, *p;
	int e;

	if (!cJSON_IsObject(r))
		return fl_error(FL_EINVALID, "the roster is not a JSON object");
	if (fl_json_int(r, "schema", -1) != FL_ROSTER_SCHEMA)
		return fl_error(FL_EINVALID, "the roster's schema version is not %d", FL_ROSTER_SCHEMA);
	people = cJSON_GetObjectItemCaseSensitive(r, "people");
	if (!cJSON_IsArray(people))
		return fl_error(FL_EINVALID, "the roster's 'people' is not a list");
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(r, "require_signatures");
	if (req && !cJSON_IsBool(req))
		return fl_error(FL_EINVALID, "the roster's 'require_signatures' is not true or false");
	size_t n = (size_t)cJSON_GetArraySize(people), k = 0;
	const char **ids = xcalloc(n + 1, sizeof(*ids)), **logins = xcalloc(n + 1, sizeof(*logins));
	cJSON_ArrayForEach(p, people) {
		if ((e = fl_roster_person_validate(p)) < 0) {
			free(ids);
			free(logins);
			return e;
		}
		ids[k] = fl_json_str(p, "id");
		logins[k++] = fl_json_str(p, "login");
	}
	qsort(ids, n, sizeof(*ids), cmp_str);
	qsort(logins, n, sizeof(*logins), cmp_str);
	e = 0;
	for (size_t i = 1; i < n && !e; i++) {
		if (!strcmp(ids[i - 1], ids[i]))
			e = fl_error(FL_EINVALID, "person '%s' is listed twice", ids[i]);
		else if (!strcmp(logins[i - 1], logins[i]))
			e = fl_error(FL_EINVALID, "login '%s' is used twice", logins[i]);
	}
	free(ids);
	free(logins);
	return e;
}

int fl_roster_parse(cJSON **out, const char *buf, size_t len)
{
	cJSON *r = NULL;
	int e;

	*out = NULL;
	if ((e = fl_json_parse(&r, buf, len)) < 0)
		return e;
	if ((e = fl_roster_validate(r)) < 0) {
		cJSON_Delete(r);
		return e;
	}
	*out = r;
	return 0;
}

const cJSON *fl_roster_find_by(const cJSON *roster, const char *key, const char *value)
{
	const cJSON *p;

	if (!value)
		return NULL;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people")) {
		const char *v = fl_json_str(p, key);
		if (v && !strcmp(v, value))
			return p;
	}
	return NULL;
}

const cJSON *fl_roster_find(const cJSON *roster, const char *id)
{
	return fl_roster_find_by(roster, "id", id);
}

const cJSON *fl_roster_find_login(const cJSON *roster, const char *login)
{
	return fl_roster_find_by(roster, "login", login);
}

int fl_roster_put(cJSON *roster, cJSON *person)
{
	cJSON *people = cJSON_GetObjectItemCaseSensitive(roster, "people");
	cJSON *it, *old = NULL, *k;
	const char *id, *login;
	int e, at = 0, pos = -1;

	if ((e = fl_roster_person_validate(person)) < 0)
		return e;
	if (!cJSON_IsArray(people))
		return fl_error(FL_EINVALID, "the roster's 'people' is not a list");
	id = fl_json_str(person, "id");
	login = fl_json_str(person, "login");
	cJSON_ArrayForEach(it, people) {
		const char *iid = fl_json_str(it, "id"), *ilogin = fl_json_str(it, "login");
		if (iid && !strcmp(iid, id))
			old = it;
		else if (ilogin && !strcmp(ilogin, login))
			return fl_error(FL_EEXISTS, "login '%s' already belongs to '%s'", login,
					iid ? iid : "?");
		if (pos < 0 && iid && strcmp(iid, id) > 0)
			pos = at;
		at++;
	}
	if (old) {
		/* Keys this command does not know about (signing keys, later) stay. */
		cJSON_ArrayForEach(k, old)
			if (!cJSON_GetObjectItemCaseSensitive(person, k->string))
				cJSON_AddItemToObject(person, k->string, cJSON_Duplicate(k, 1));
		cJSON_ReplaceItemViaPointer(people, old, person);
		return 1;
	}
	/*
	 * Debian's cJSON 1.7.15 (+deb12u4) silently drops an item inserted in
	 * the middle of an array with cJSON_InsertItemInArray, so rebuild the
	 * array: the items before pos, the new person, the rest.
	 */
	if (pos >= 0) {
		cJSON *rest = cJSON_CreateArray(), *moved;
		while (cJSON_GetArraySize(people) > pos)
			cJSON_AddItemToArray(rest, cJSON_DetachItemFromArray(people, pos));
		cJSON_AddItemToArray(people, person);
		while ((moved = cJSON_DetachItemFromArray(rest, 0)))
			cJSON_AddItemToArray(people, moved);
		cJSON_Delete(rest);
	} else {
		cJSON_AddItemToArray(people, person);
	}
	return 0;
}

