/*
 * test-roster.c: the roster model of schema/roster.c on literals, with no
 * repository: a person's validation, a whole roster's (ids and logins
 * unique), and fl_roster_put's order, replacement and login clash.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "schema/json.h"
#include "schema/roster.h"
#include "tests/unit/tap.h"

static cJSON *person(const char *id, const char *role, const char *province, const char *login)
{
	cJSON *p = cJSON_CreateObject();
	cJSON *pv = cJSON_AddArrayToObject(p, "provinces");
	cJSON_AddStringToObject(p, "id", id);
	cJSON_AddStringToObject(p, "name", "Nguyễn Văn An");
	cJSON_AddStringToObject(p, "role", role);
	cJSON_AddStringToObject(p, "login", login);
	if (province)
		cJSON_AddItemToArray(pv, cJSON_CreateString(province));
	return p;
}

/* Key lines: what ssh-keygen -t ed25519 writes, and near misses. */
static void test_keys(void)
{
	static const char good[] =
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFafxFukGx9L1ZsV5Qn+uSFWnXbKc/X4lGz91Dz86FWm";
	char line[200];
	cJSON *p;

	OK(fl_roster_key_valid(good), "a key line without a comment");
	snprintf(line, sizeof(line), "%s an@laptop x", good);
	OK(fl_roster_key_valid(line), "with a comment of several words");
	OK(!fl_roster_key_valid("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIbroken"), "too short");
	snprintf(line, sizeof(line), "%sA", good);
	OK(!fl_roster_key_valid(line), "too long");
	snprintf(line, sizeof(line), "ssh-rsa %s", good + 12);
	OK(!fl_roster_key_valid(line), "another type's name");
	/* The same length, but the blob names another algorithm. */
	OK(!fl_roster_key_valid("ssh-ed25519 AAAAC3NzaC1lZDI1NTE4AAAAIFafxFukGx9L1ZsV5Qn+uSFWnXbKc/X4lGz91Dz86FWm"),
	   "a blob that is not ssh-ed25519's");
	snprintf(line, sizeof(line), "%s a\nb", good);
	OK(!fl_roster_key_valid(line), "a comment over two lines");
	OK(!fl_roster_key_valid(NULL) && !fl_roster_key_valid(""), "nothing");

	p = person("an.nguyen", "officer", "01", "an");
	cJSON *keys = cJSON_AddArrayToObject(p, "keys");
	cJSON_AddItemToArray(keys, cJSON_CreateString(good));
	OK(fl_roster_person_validate(p) == 0, "a person with a key");
	cJSON_AddItemToArray(keys, cJSON_CreateString(good));
	IS_INT(fl_roster_person_validate(p), FL_EINVALID, "the same key twice is refused");
	cJSON_DeleteItemFromArray(keys, 1);
	cJSON_AddItemToArray(keys, cJSON_CreateString("ssh-ed25519 AAAAnot a key"));
	IS_INT(fl_roster_person_validate(p), FL_EINVALID, "a malformed key line is refused");
	OK(strstr(fl_last_error(), "person 'an.nguyen'") != NULL, "naming the person");
	cJSON_DeleteItemFromArray(keys, 1);
	cJSON_AddItemToObject(p, "removed_keys", cJSON_CreateString(good));
	IS_INT(fl_roster_person_validate(p), FL_EINVALID, "removed_keys must be a list");
	cJSON_Delete(p);

	cJSON *r = fl_roster_new();
	OK(!fl_roster_requires_signatures(r), "a roster without the flag does not require signatures");
	cJSON_AddTrueToObject(r, "require_signatures");
	OK(fl_roster_requires_signatures(r) && fl_roster_validate(r) == 0, "with it, it does");
	cJSON_ReplaceItemInObject(r, "require_signatures", cJSON_CreateString("yes"));
	IS_INT(fl_roster_validate(r), FL_EINVALID, "the flag must be true or false");
	cJSON_Delete(r);
}

int main(void)
{
	cJSON *r = fl_roster_new(), *p;

	test_keys();

	OK(fl_roster_validate(r) == 0, "an empty roster is valid");
	p = person("an.nguyen", "officer", "01", "an");
	OK(fl_roster_person_validate(p) == 0, "an officer with a province is valid");
	cJSON_Delete(p);
	p = person("an.nguyen", "officer", NULL, "an");
	IS_INT(fl_roster_person_validate(p), FL_EINVALID, "an officer needs a province");
	cJSON_Delete(p);
	p = person("an.nguyen", "reviewer", NULL, "an");
	OK(fl_roster_person_validate(p) == 0, "a reviewer may have none");
	cJSON_Delete(p);
	p = person("an.nguyen", "admin", "01", "an");
	IS_INT(fl_roster_person_validate(p), FL_EINVALID, "an unknown role is refused");
	cJSON_Delete(p);
	p = person("an.nguyen", "officer", "99", "an");
	IS_INT(fl_roster_person_validate(p), FL_EINVALID, "an unknown province is refused");
	cJSON_Delete(p);
	OK(!fl_login_valid("an nguyen") && fl_login_valid("an@x.vn"), "logins: no spaces, '@' allowed");

	IS_INT(fl_roster_put(r, person("binh.tran", "officer", "01", "binh")), 0, "put adds");
	IS_INT(fl_roster_put(r, person("an.nguyen", "officer", "01", "an")), 0, "put adds before");
	const cJSON *people = cJSON_GetObjectItemCaseSensitive(r, "people");
	IS(fl_json_str(cJSON_GetArrayItem(people, 0), "id"), "an.nguyen", "people stay sorted by id");
	p = person("an.nguyen", "reviewer", NULL, "an");
	IS_INT(fl_roster_put(r, p), 1, "put replaces the same id");
	IS(fl_json_str(fl_roster_find(r, "an.nguyen"), "role"), "reviewer", "with the new entry");
	IS(fl_json_str(fl_roster_find_login(r, "binh"), "id"), "binh.tran", "found by login");
	OK(!fl_roster_find(r, "chi.le"), "a stranger is not found");
	p = person("chi.le", "officer", "01", "binh");
	IS_INT(fl_roster_put(r, p), FL_EEXISTS, "a login already taken is refused");
	cJSON_Delete(p);
	OK(fl_roster_validate(r) == 0, "the edited roster is valid");

	cJSON *copy = cJSON_Duplicate(r, 1);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(copy, "people"),
			     person("an.nguyen", "officer", "01", "an2"));
	IS_INT(fl_roster_validate(copy), FL_EINVALID, "an id listed twice is refused");
	cJSON_Delete(copy);

	cJSON *parsed = NULL;
	const char *text = "{\"schema\": 2, \"people\": []}";
	IS_INT(fl_roster_parse(&parsed, text, strlen(text)), FL_EINVALID, "another schema is refused");
	OK(!parsed, "and gives no tree");
	cJSON_Delete(r);
	return tap_done();
}
