/*
 * test-record.c: the record schema without git or SQLite: validation of
 * every field type, canonical order, ids, and the calendar.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"
#include "tests/unit/tap.h"

static cJSON *issue(void)
{
	cJSON *r = fl_record_new(FL_ISSUE, "01JC8Z5Q3H2M4N6P8R0T2V4X6Y", "an.nguyen",
				 "2025-09-08T09:00:00+07:00");
	fl_json_set_str(r, "title", "Thiếu cán bộ địa chính");
	fl_json_set_str(r, "domain", "land");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(r, "communes"),
			     cJSON_CreateString("18073"));
	fl_json_set_str(r, "severity", "high");
	return r;
}

/* Validates after applying one change; returns the error message or "ok". */
static const char *with(const char *key, cJSON *value)
{
	static char buf[256];
	cJSON *r = issue();
	if (value)
		cJSON_ReplaceItemInObjectCaseSensitive(r, key, value);
	else
		cJSON_DeleteItemFromObjectCaseSensitive(r, key);
	int e = fl_record_validate(r);
	snprintf(buf, sizeof(buf), "%s", e ? fl_last_error() : "ok");
	cJSON_Delete(r);
	return buf;
}

static void test_validation(void)
{
	cJSON *r = issue();
	OK(fl_record_validate(r) == 0, "a complete issue is valid");
	char *text = fl_json_canonical(r);
	OK(fl_json_is_canonical(text, strlen(text)), "fl_record_new's order is canonical");
	free(text);
	cJSON_Delete(r);

	IS(with("severity", cJSON_CreateString("huge")), "field 'severity': unknown value 'huge'",
	   "unknown severity");
	IS(with("domain", cJSON_CreateString("weather")), "field 'domain': unknown domain 'weather'",
	   "unknown domain");
	cJSON *bad = cJSON_CreateArray();
	cJSON_AddItemToArray(bad, cJSON_CreateString("99999"));
	IS(with("communes", bad), "field 'communes': unknown commune code '99999'",
	   "unknown commune");
	IS(with("communes", cJSON_CreateArray()), "field 'communes': required", "no commune");
	IS(with("title", cJSON_CreateString("")), "field 'title': required", "empty title");
	IS(with("title", cJSON_CreateString("a\nb")), "field 'title': must be one line",
	   "two-line title");
	IS(with("title", cJSON_CreateString("Nam\xe1\xbb")), "field 'title': invalid UTF-8",
	   "truncated UTF-8");
	IS(with("title", cJSON_CreateString("Thie\xcc\x82\xcc\x81n")), "field 'title': not in NFC form",
	   "NFD text is refused inside");
	char *big = malloc(FL_TEXT_MAX + 2);
	memset(big, 'a', FL_TEXT_MAX + 1);
	big[FL_TEXT_MAX + 1] = '\0';
	IS(with("description", cJSON_CreateString(big)),
	   "field 'description': longer than 20000 bytes", "over the field limit");
	free(big);
	IS(with("status", cJSON_CreateString("answered")), "ok", "answered is a status");
	IS(with("deleted", cJSON_CreateString("no")), "field 'deleted': not true or false",
	   "deleted must be boolean");
	IS(with("extra", NULL), "ok", "deleting a missing key changes nothing");

	r = issue();
	cJSON_AddStringToObject(r, "colour", "red");
	OK(fl_record_validate(r) == FL_EINVALID && strstr(fl_last_error(), "unknown field 'colour'"),
	   "unknown field refused");
	cJSON_Delete(r);

	r = issue();
	cJSON *t = cJSON_DetachItemFromObjectCaseSensitive(r, "title");
	cJSON_AddItemToObject(r, "title", t);
	OK(fl_record_validate(r) == FL_EINVALID, "out of order refused");
	fl_record_order(r);
	OK(fl_record_validate(r) == 0, "fl_record_order restores canonical order");
	cJSON_Delete(r);

	/* A schedule's entries must lie in its week. */
	r = fl_record_new(FL_SCHEDULE, "01JC8Z5Q3H2M4N6P8R0T2V4X6Z", "an.nguyen",
			  "2025-09-08T09:00:00+07:00");
	fl_json_set_str(r, "week", "2025-W37");
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "id", "01JC8Z5Q3H2M4N6P8R0T2V4X70");
	cJSON_AddStringToObject(e, "date", "2025-09-15");
	cJSON_AddStringToObject(e, "commune", "18073");
	cJSON_AddStringToObject(e, "activity", "Làm việc");
	cJSON_AddStringToObject(e, "state", "planned");
	cJSON_AddStringToObject(e, "note", "");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(r, "entries"), e);
	OK(fl_record_validate(r) == FL_EINVALID && strstr(fl_last_error(), "not in week 2025-W37"),
	   "entry outside its week refused");
	fl_json_set_str(e, "date", "2025-09-14");
	OK(fl_record_validate(r) == 0, "Sunday is still in the week");

	/* An entry names a commune, a place, or both; never neither. */
	fl_json_set_str(e, "commune", "");
	OK(fl_record_validate(r) == FL_EINVALID &&
	   strstr(fl_last_error(), "names neither a commune nor a place"), "an entry without a commune");
	cJSON_AddStringToObject(e, "place", "Sở Nội vụ tỉnh Hà Tĩnh");
	fl_record_order(r);
	OK(fl_record_validate(r) == 0, "a place instead of a commune");
	char *canon = fl_json_canonical(r);
	OK(strstr(canon, "\"commune\": \"\",\n      \"place\"") != NULL,
	   "the place follows the commune");
	free(canon);
	fl_json_set_str(e, "commune", "18073");
	OK(fl_record_validate(r) == 0, "a place and a commune");
	fl_json_set_str(e, "place", "");
	OK(fl_record_validate(r) == FL_EINVALID && strstr(fl_last_error(), "'entries[0].place'"),
	   "an empty place is left out, not written empty");
	cJSON_Delete(r);

	/* An issue's date: absent in older issues, a real date when present. */
	IS(with("date", NULL), "ok", "an issue without a date (older issues)");
	r = issue();
	cJSON_AddStringToObject(r, "date", "2025-09-05");
	fl_record_order(r);
	OK(fl_record_validate(r) == 0, "an issue with the date its obstacle was found");
	fl_json_set_str(r, "date", "2025-09-31");
	OK(fl_record_validate(r) == FL_EINVALID && strstr(fl_last_error(), "field 'date'"),
	   "an issue date that is not on the calendar");
	cJSON_Delete(r);

	/* A response's state must fit its target kind. */
	r = fl_record_new(FL_RESPONSE, "01JC8Z5Q3H2M4N6P8R0T2V4X71", "bo.noivu",
			  "2025-09-08T09:00:00+07:00");
	fl_json_set_str(r, "target", "01JC8Z5Q3H2M4N6P8R0T2V4X6Y");
	fl_json_set_str(r, "text", "Đã trả lời");
	fl_json_set_str(r, "target_kind", "issue");
	fl_json_set_str(r, "state", "approved");
	OK(fl_record_validate(r) == FL_EINVALID, "approved does not apply to an issue");
	fl_json_set_str(r, "state", "answered");
	OK(fl_record_validate(r) == 0, "answered applies to an issue");
	cJSON_Delete(r);
}

/* A report's document fields may be absent (older records), never empty. */
static const char *report_check(const char *json)
{
	static char buf[256];
	cJSON *r = NULL;
	if (fl_json_parse(&r, json, strlen(json)) < 0)
		return "unparsed";
	int e = fl_record_validate(r);
	snprintf(buf, sizeof(buf), "%s", e ? fl_last_error() : "ok");
	cJSON_Delete(r);
	return buf;
}

#define REPORT_HEAD "{\"schema\":1,\"kind\":\"report\",\"id\":\"01JC8Z5Q3H2M4N6P8R0T2V4X6Y\"," \
	"\"author\":\"an\",\"created_at\":\"2025-09-11T08:00:00+07:00\"," \
	"\"updated_at\":\"2025-09-11T08:00:00+07:00\",\"deleted\":false,\"week\":\"2025-W37\"," \
	"\"summary\":\"\",\"figures\":{},\"submitted_at\":\"\""

static void test_report_document(void)
{
	cJSON *r = fl_record_new(FL_REPORT, "01JC8Z5Q3H2M4N6P8R0T2V4X6Y", "an",
				 "2025-09-11T08:00:00+07:00");
	fl_json_set_str(r, "week", "2025-W37");
	OK(!cJSON_GetObjectItemCaseSensitive(r, "sections"), "a new report leaves the document out");
	OK(fl_record_validate(r) == 0, "and is valid");
	cJSON_Delete(r);

	IS(report_check(REPORT_HEAD "}"), "ok", "a report written before the document fields");
	IS(report_check(REPORT_HEAD ",\"unit\":\"TỔ CÔNG TÁC\",\"place\":\"Hà Tĩnh\","
			"\"subject\":\"Kết quả công tác tuần 37\",\"signer\":\"Nguyễn Văn An\","
			"\"sections\":[\"a\",\"b\",\"c\",\"d\"]}"), "ok", "with every document field");
	IS(report_check(REPORT_HEAD ",\"signer\":\"An\"}"), "ok", "with some of them");
	IS(report_check(REPORT_HEAD ",\"unit\":\"\"}"), "field 'unit': required",
	   "an empty unit is left out, not written empty");
	IS(report_check(REPORT_HEAD ",\"sections\":[]}"), "field 'sections': empty: leave it out",
	   "no sections: left out");
	IS(report_check(REPORT_HEAD ",\"sections\":[\"a\"],\"unit\":\"X\"}"),
	   "unknown field 'unit'", "out of canonical order");
}

static void test_ids(void)
{
	char a[FL_ID_LEN + 1], b[FL_ID_LEN + 1];
	int ordered = 1, valid = 1;
	fl_id_new(a);
	for (int i = 0; i < 1000; i++) {
		fl_id_new(b);
		valid &= fl_id_valid(b);
		ordered &= strcmp(a, b) < 0;
		memcpy(a, b, sizeof(a));
	}
	OK(valid, "new ids are valid ULIDs");
	OK(ordered, "ids made in a row sort in creation order");
	{
		/* 128 bits, big-endian, in base 32 (worked out with Python's int). */
		static const unsigned char r[10] = { 0xf0, 0xf1, 0xf2, 0xf3, 0xf4,
						     0xf5, 0xf6, 0xf7, 0xf8, 0xf9 };
		static const unsigned char ones[10] = { 0xff, 0xff, 0xff, 0xff, 0xff,
							0xff, 0xff, 0xff, 0xff, 0xff };
		fl_id_encode(b, 0x0123456789abULL, r);
		OK(!strcmp(b, "014D2PF2DBY3RZ5WZMYQVFFY7S"), "a time and random bytes encoded");
		fl_id_encode(b, 0xffffffffffffULL, ones);
		OK(!strcmp(b, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ") && fl_id_valid(b),
		   "the largest ULID is valid");
	}
	OK(!fl_id_valid("01jc8z5q3h2m4n6p8r0t2v4x6y"), "lower case is not canonical");
	OK(!fl_id_valid("01JC8Z5Q3H2M4N6P8R0T2V4XIY"), "I is not Crockford base32");
	OK(!fl_id_valid("81JC8Z5Q3H2M4N6P8R0T2V4X6Y"), "first digit above 7 overflows 128 bits");
	OK(fl_author_valid("nguyen.van-an_2"), "author id with . - _");
	OK(!fl_author_valid("Nguyen"), "upper case author refused");
	OK(!fl_author_valid(".an"), "author cannot start with a dot");
	OK(!fl_author_valid("an/../b"), "author with slash refused");
}

static void test_calendar(void)
{
	char w[9], d[11];
	OK(fl_date_valid("2024-02-29"), "leap day");
	OK(!fl_date_valid("2025-02-29"), "no leap day in 2025");
	OK(!fl_date_valid("2025-09-31"), "31 September");
	OK(!fl_date_valid("2025-9-01"), "unpadded month");
	OK(fl_week_valid("2020-W53"), "2020 has 53 weeks");
	OK(!fl_week_valid("2025-W54"), "no week 54");
	OK(!fl_week_valid("2025-W53"), "2025 has 52 weeks");
	OK(!fl_week_valid("2025-W00"), "no week 0");
	fl_week_of_date(w, "2025-09-08");
	IS(w, "2025-W37", "2025-09-08 is in W37");
	fl_week_of_date(w, "2024-12-30");
	IS(w, "2025-W01", "2024-12-30 belongs to 2025-W01");
	fl_week_of_date(w, "2021-01-03");
	IS(w, "2020-W53", "2021-01-03 belongs to 2020-W53");
	fl_week_day(d, "2025-W37", 4);
	IS(d, "2025-09-11", "Thursday of 2025-W37");
	fl_week_add(w, "2025-W52", 1);
	IS(w, "2026-W01", "week after 2025-W52");
	IS_INT(fl_time_parse("2025-09-08T09:00:00+07:00"), fl_time_parse("2025-09-08T02:00:00Z"),
	       "offsets are honoured");
	OK(fl_time_parse("2025-09-08 09:00:00") < 0, "space instead of T refused");
	char t[32];
	fl_time_format_vn(t, fl_time_parse("2025-09-07T20:30:00Z"));
	IS(t, "2025-09-08T03:30:00+07:00", "Vietnam time crosses midnight");
}

static void test_transitions(void)
{
	OK(fl_issue_transition_ok("open", "escalated"), "open → escalated");
	OK(fl_issue_transition_ok("answered", "closed"), "answered → closed");
	OK(!fl_issue_transition_ok("open", "answered"), "only reviewers answer");
	OK(!fl_issue_transition_ok("closed", "resolved"), "closed must be reopened first");
}

static void test_refdata(void)
{
	const struct fl_refdata *r = fl_refdata();
	IS_INT(r->nprovinces, 34, "34 provinces");
	IS_INT(r->ncommunes, 3321, "3,321 communes");
	size_t ht = 0;
	for (size_t i = 0; i < r->ncommunes; i++)
		ht += !strcmp(r->communes[i].province_code, "42");
	IS_INT(ht, 69, "Hà Tĩnh has 69 communes");
	OK(fl_commune_find("23938") && !fl_commune_find("23737"), "Ia Mơ's corrected code");
	IS(fl_province_find("75")->name, "Tỉnh Đồng Nai", "province 75");
	OK(fl_domain_find("civil_servants") && !fl_domain_find("weather"), "domains");
}

int main(void)
{
	fl_json_init();
	test_validation();
	test_report_document();
	test_ids();
	test_calendar();
	test_transitions();
	test_refdata();
	return tap_done();
}
