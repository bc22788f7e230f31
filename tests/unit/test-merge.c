/*
 * test-merge.c: the three-way record merge (sync/merge.c). Literal cases
 * pin every rule of merge.h one by one; then a seeded random walk edits a
 * record on two "devices" thousands of times and checks the laws every
 * replica relies on: untouched sides defer (merge(b,o,b)=o, merge(b,b,t)=t,
 * merge(b,x,x)=x, exactly), swapping the sides gives the same bytes (so
 * replicas converge), and each field, set and id array ends up as the
 * three-way rules say. Seeded, so a failure replays.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "sync/merge.h"
#include "tests/unit/tap.h"

/* Parses JSON written with ' for " (keeps C literals readable). */
static cJSON *P(const char *s)
{
	char *t = xstrdup(s), *p;
	cJSON *j;

	for (p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(t);
	if (!j)
		fl_die("bad test JSON: %s", s);
	free(t);
	return j;
}

/* Compact text of v, key order kept; caller frees. */
static char *S(const cJSON *v)
{
	char *p, *r;

	if (!v)
		return xstrdup("(absent)");
	p = cJSON_PrintUnformatted(v);
	r = xstrdup(p);
	cJSON_free(p);
	return r;
}

/* Like P, then S: the expected text in the same spelling S produces. */
static char *E(const char *s)
{
	cJSON *j = P(s);
	char *r = S(j);
	cJSON_Delete(j);
	return r;
}

struct side {
	const char *json;
	unsigned edits;
	const char *commit;
};

/*
 * Merges (base, ours, theirs), checks the merged text and the number of
 * conflicts, then checks that swapping the sides gives the same text and
 * mirrored conflicts. Leaves the unswapped result in *keep when asked.
 */
static void check_merge(const char *what, const char *base, struct side o,
			struct side t, const char *want, size_t nconf,
			struct fl_merge_result *keep)
{
	cJSON *b = base ? P(base) : NULL, *oj = P(o.json), *tj = P(t.json);
	struct fl_merge_side os = { oj, o.edits, o.commit };
	struct fl_merge_side ts = { tj, t.edits, t.commit };
	struct fl_merge_result r1, r2;
	char *got, *got2, *exp = E(want), *msg;
	size_t i;
	int mirrored = 1;

	fl_merge_records(&r1, b, &os, &ts);
	fl_merge_records(&r2, b, &ts, &os);
	got = S(r1.merged);
	got2 = S(r2.merged);
	msg = xstrfmt("%s: merged", what);
	IS(got, exp, msg);
	free(msg);
	msg = xstrfmt("%s: %zu conflict(s)", what, nconf);
	IS_INT(r1.nconflicts, nconf, msg);
	free(msg);
	msg = xstrfmt("%s: same result with sides swapped", what);
	IS(got2, got, msg);
	free(msg);
	if (r1.nconflicts != r2.nconflicts)
		mirrored = 0;
	for (i = 0; mirrored && i < r1.nconflicts; i++)
		if (strcmp(r1.conflicts[i].path, r2.conflicts[i].path) ||
		    strcmp(r1.conflicts[i].ours, r2.conflicts[i].theirs) ||
		    strcmp(r1.conflicts[i].theirs, r2.conflicts[i].ours) ||
		    r1.conflicts[i].theirs_won == r2.conflicts[i].theirs_won)
			mirrored = 0;
	msg = xstrfmt("%s: conflicts mirrored with sides swapped", what);
	OK(mirrored, msg);
	free(msg);

	if (keep)
		*keep = r1;
	else
		fl_merge_result_release(&r1);
	fl_merge_result_release(&r2);
	free(got);
	free(got2);
	free(exp);
	cJSON_Delete(b);
	cJSON_Delete(oj);
	cJSON_Delete(tj);
}

static void check_conflict(const struct fl_merge_result *r, size_t i,
			   const char *path, const char *ours, const char *theirs,
			   int theirs_won)
{
	char *o, *t;

	if (!OK(i < r->nconflicts, "conflict exists")) {
		printf("#   wanted conflict %zu on '%s'\n", i, path);
		return;
	}
	o = E(ours);
	t = E(theirs);
	IS(r->conflicts[i].path, path, "conflict path");
	IS(r->conflicts[i].ours, o, "conflict: our value");
	IS(r->conflicts[i].theirs, t, "conflict: their value");
	IS_INT(r->conflicts[i].theirs_won, theirs_won, "conflict: winner");
	free(o);
	free(t);
}

static void test_equal(void)
{
	static const struct {
		const char *a, *b;
		int eq;
	} cases[] = {
		{ "{'a':1,'b':[1,2]}", "{'b':[1,2],'a':1}", 1 },
		{ "{'a':1,'b':[1,2]}", "{'a':1,'b':[2,1]}", 0 },
		{ "{'a':1}", "{'a':1,'b':null}", 0 },
		{ "{'a':{'x':'1','y':'2'}}", "{'a':{'y':'2','x':'1'}}", 1 },
		{ "[{'id':'1','t':'a'}]", "[{'t':'a','id':'1'}]", 1 },
		{ "'x'", "'x'", 1 },
		{ "'x'", "'X'", 0 },
		{ "1", "1.0", 1 },
		{ "1", "'1'", 0 },
		{ "true", "false", 0 },
		{ "null", "null", 1 },
		{ "[]", "{}", 0 },
		{ "{'A':1}", "{'a':1}", 0 },
	};
	size_t i;

	for (i = 0; i < FL_ARRAY_SIZE(cases); i++) {
		cJSON *a = P(cases[i].a), *b = P(cases[i].b);
		char *msg = xstrfmt("fl_json_equal(%s, %s) = %d", cases[i].a,
				    cases[i].b, cases[i].eq);
		IS_INT(fl_json_equal(a, b), cases[i].eq, msg);
		IS_INT(fl_json_equal(b, a), cases[i].eq, "... and the other way round");
		free(msg);
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	OK(fl_json_equal(NULL, NULL), "absent equals absent");
	{
		cJSON *a = P("1");
		OK(!fl_json_equal(a, NULL), "a value differs from absent");
		cJSON_Delete(a);
	}
}

static void test_untouched_sides(void)
{
	const char *b = "{'updated_at':'1','status':'open','title':'A'}";
	const char *o = "{'updated_at':'2','status':'escalated','title':'A'}";
	/* a reordering of b: equal to it, yet merge(b,o,b) must give o's bytes */
	const char *ro = "{'title':'A','status':'open','updated_at':'1'}";
	struct side sb = { b, 3, "ff" }, so = { o, 0, "00" }, sro = { ro, 0, "00" };

	check_merge("ours untouched: theirs", b, sb, so, o, 0, NULL);
	check_merge("theirs untouched: ours", b, so, sb, o, 0, NULL);
	check_merge("both the same: that", b, so, so, o, 0, NULL);
	check_merge("reordered, other untouched: the reordering", b, sro, sb, ro, 0, NULL);
	check_merge("no edit at all", b, sb, sb, b, 0, NULL);
}

static void test_fields(void)
{
	struct fl_merge_result r;
	const char *b = "{'updated_at':'2025-09-08T09:00:00+07:00','status':'open','title':'A'}";

	check_merge("different fields both kept", b,
		    (struct side){ "{'updated_at':'2025-09-09T10:00:00+07:00','status':'escalated','title':'A'}", 1, "aa" },
		    (struct side){ "{'updated_at':'2025-09-09T08:00:00+07:00','status':'open','title':'B'}", 1, "bb" },
		    "{'updated_at':'2025-09-09T10:00:00+07:00','status':'escalated','title':'B'}",
		    0, NULL);

	check_merge("more edits win", b,
		    (struct side){ "{'updated_at':'2025-09-09','status':'escalated','title':'A'}", 2, "aa" },
		    (struct side){ "{'updated_at':'2025-09-10','status':'resolved','title':'A'}", 1, "bb" },
		    "{'updated_at':'2025-09-10','status':'escalated','title':'A'}", 1, &r);
	check_conflict(&r, 0, "status", "'escalated'", "'resolved'", 0);
	fl_merge_result_release(&r);

	check_merge("equal edits: later updated_at wins", b,
		    (struct side){ "{'updated_at':'2025-09-09','status':'escalated','title':'A'}", 2, "ff" },
		    (struct side){ "{'updated_at':'2025-09-10','status':'resolved','title':'A'}", 2, "00" },
		    "{'updated_at':'2025-09-10','status':'resolved','title':'A'}", 1, &r);
	check_conflict(&r, 0, "status", "'escalated'", "'resolved'", 1);
	fl_merge_result_release(&r);

	check_merge("equal edits and time: larger commit id wins", b,
		    (struct side){ "{'updated_at':'2025-09-10','status':'escalated','title':'A'}", 2, "abd" },
		    (struct side){ "{'updated_at':'2025-09-10','status':'resolved','title':'A'}", 2, "abc" },
		    "{'updated_at':'2025-09-10','status':'escalated','title':'A'}", 1, &r);
	check_conflict(&r, 0, "status", "'escalated'", "'resolved'", 0);
	fl_merge_result_release(&r);

	check_merge("full tie: the larger value wins, whichever side", b,
		    (struct side){ "{'updated_at':'2025-09-10','status':'escalated','title':'A'}", 2, "abc" },
		    (struct side){ "{'updated_at':'2025-09-10','status':'resolved','title':'A'}", 2, "abc" },
		    "{'updated_at':'2025-09-10','status':'resolved','title':'A'}", 1, NULL);

	check_merge("updated_at: the later, never a conflict", "{'updated_at':'1','a':'x','b':'y'}",
		    (struct side){ "{'updated_at':'3','a':'X','b':'y'}", 1, "aa" },
		    (struct side){ "{'updated_at':'2','a':'x','b':'Y'}", 5, "bb" },
		    "{'updated_at':'3','a':'X','b':'Y'}", 0, NULL);

	check_merge("numbers and booleans conflict like strings", "{'n':1,'d':false}",
		    (struct side){ "{'n':2,'d':true}", 1, "aa" },
		    (struct side){ "{'n':3,'d':true}", 2, "bb" },
		    "{'n':3,'d':true}", 1, &r);
	check_conflict(&r, 0, "n", "2", "3", 1);
	fl_merge_result_release(&r);

	check_merge("a change of type is a conflict", "{'figures':{'visits':1}}",
		    (struct side){ "{'figures':'none'}", 3, "aa" },
		    (struct side){ "{'figures':{'visits':2}}", 1, "bb" },
		    "{'figures':'none'}", 1, &r);
	check_conflict(&r, 0, "figures", "'none'", "{'visits':2}", 0);
	fl_merge_result_release(&r);
}

static void test_keys(void)
{
	struct fl_merge_result r;

	check_merge("removed on one side, untouched on the other: removed",
		    "{'x':'1','y':'a'}",
		    (struct side){ "{'y':'b'}", 1, "aa" },
		    (struct side){ "{'x':'1','y':'a','z':'c'}", 1, "bb" },
		    "{'y':'b','z':'c'}", 0, NULL);

	check_merge("removed vs modified: modification wins on edits",
		    "{'x':'1','y':'a'}",
		    (struct side){ "{'y':'a'}", 1, "aa" },
		    (struct side){ "{'x':'2','y':'a'}", 2, "bb" },
		    "{'x':'2','y':'a'}", 1, &r);
	check_conflict(&r, 0, "x", "null", "'2'", 1);
	fl_merge_result_release(&r);

	check_merge("removed vs modified: removal wins on edits",
		    "{'x':'1','y':'a'}",
		    (struct side){ "{'y':'a'}", 3, "aa" },
		    (struct side){ "{'x':'2','y':'a'}", 2, "bb" },
		    "{'y':'a'}", 1, &r);
	check_conflict(&r, 0, "x", "null", "'2'", 0);
	fl_merge_result_release(&r);

	check_merge("removed on both sides", "{'x':'1','y':'a','z':'q'}",
		    (struct side){ "{'y':'b','z':'q'}", 1, "aa" },
		    (struct side){ "{'y':'a','z':'r'}", 1, "bb" },
		    "{'y':'b','z':'r'}", 0, NULL);

	check_merge("the same key added alike on both sides", "{'a':'1'}",
		    (struct side){ "{'a':'2','n':'x'}", 1, "aa" },
		    (struct side){ "{'a':'1','n':'x'}", 1, "bb" },
		    "{'a':'2','n':'x'}", 0, NULL);

	check_merge("the same key added differently: conflict", "{'a':'1'}",
		    (struct side){ "{'a':'1','n':'x'}", 1, "aa" },
		    (struct side){ "{'a':'2','n':'y'}", 2, "bb" },
		    "{'a':'2','n':'y'}", 1, &r);
	check_conflict(&r, 0, "n", "'x'", "'y'", 1);
	fl_merge_result_release(&r);

	check_merge("new keys: by position, then by name", "{'a':1,'b':1}",
		    (struct side){ "{'a':2,'b':1,'zeta':1}", 1, "aa" },
		    (struct side){ "{'a':1,'b':2,'alpha':1}", 1, "bb" },
		    "{'a':2,'b':2,'alpha':1,'zeta':1}", 0, NULL);

	check_merge("new keys: an earlier position first", "{'a':1}",
		    (struct side){ "{'a':2,'x':1,'y':1}", 1, "aa" },
		    (struct side){ "{'b':1,'a':1}", 1, "bb" },
		    "{'a':2,'b':1,'x':1,'y':1}", 0, NULL);

	check_merge("both sides reorder alike: their order kept", "{'a':1,'b':1,'c':1}",
		    (struct side){ "{'c':1,'b':2,'a':1}", 1, "aa" },
		    (struct side){ "{'c':2,'b':1,'a':1}", 1, "bb" },
		    "{'c':2,'b':2,'a':1}", 0, NULL);

	check_merge("equal but for key order: one spelling, either way",
		    "{'f':{'a':0}}",
		    (struct side){ "{'f':{'b':2,'a':1}}", 1, "aa" },
		    (struct side){ "{'f':{'a':1,'b':2}}", 1, "bb" },
		    "{'f':{'a':1,'b':2}}", 0, NULL);

	check_merge("nested objects merge key by key",
		    "{'figures':{'visits':1,'issues':2,'closed':0}}",
		    (struct side){ "{'figures':{'visits':4,'issues':2,'closed':0}}", 1, "aa" },
		    (struct side){ "{'figures':{'visits':1,'issues':3,'closed':0}}", 1, "bb" },
		    "{'figures':{'visits':4,'issues':3,'closed':0}}", 0, NULL);

	check_merge("nested conflict path", "{'figures':{'visits':1}}",
		    (struct side){ "{'figures':{'visits':4}}", 1, "aa" },
		    (struct side){ "{'figures':{'visits':5}}", 2, "bb" },
		    "{'figures':{'visits':5}}", 1, &r);
	check_conflict(&r, 0, "figures.visits", "4", "5", 1);
	fl_merge_result_release(&r);
}

static void test_id_arrays(void)
{
	struct fl_merge_result r;
	const char *b = "{'comments':[{'id':'c1','text':'first','at':'1'}]}";

	check_merge("elements added on both sides: base first, then by id", b,
		    (struct side){ "{'comments':[{'id':'c1','text':'first','at':'1'},{'id':'c3','text':'three','at':'3'}]}", 1, "aa" },
		    (struct side){ "{'comments':[{'id':'c1','text':'first','at':'1'},{'id':'c2','text':'two','at':'2'}]}", 1, "bb" },
		    "{'comments':[{'id':'c1','text':'first','at':'1'},{'id':'c2','text':'two','at':'2'},{'id':'c3','text':'three','at':'3'}]}",
		    0, NULL);

	check_merge("removed on one side, untouched on the other", b,
		    (struct side){ "{'comments':[]}", 1, "aa" },
		    (struct side){ "{'comments':[{'id':'c1','text':'first','at':'1'},{'id':'c2','text':'two','at':'2'}]}", 1, "bb" },
		    "{'comments':[{'id':'c2','text':'two','at':'2'}]}", 0, NULL);

	/* Even with fewer edits, the removal wins; the edit is reported. */
	check_merge("removed vs modified: stays removed", b,
		    (struct side){ "{'comments':[{'id':'c2','text':'two','at':'2'}]}", 1, "aa" },
		    (struct side){ "{'comments':[{'id':'c1','text':'edited','at':'1'}]}", 5, "bb" },
		    "{'comments':[{'id':'c2','text':'two','at':'2'}]}", 1, &r);
	check_conflict(&r, 0, "comments[c1]", "null",
		       "{'id':'c1','text':'edited','at':'1'}", 0);
	fl_merge_result_release(&r);

	check_merge("different fields of one element", b,
		    (struct side){ "{'comments':[{'id':'c1','text':'edited','at':'1'}]}", 1, "aa" },
		    (struct side){ "{'comments':[{'id':'c1','text':'first','at':'9'}]}", 1, "bb" },
		    "{'comments':[{'id':'c1','text':'edited','at':'9'}]}", 0, NULL);

	check_merge("the same field of one element: conflict", b,
		    (struct side){ "{'comments':[{'id':'c1','text':'mine','at':'1'}]}", 1, "aa" },
		    (struct side){ "{'comments':[{'id':'c1','text':'yours','at':'1'}]}", 2, "bb" },
		    "{'comments':[{'id':'c1','text':'yours','at':'1'}]}", 1, &r);
	check_conflict(&r, 0, "comments[c1].text", "'mine'", "'yours'", 1);
	fl_merge_result_release(&r);

	check_merge("the same id added on both sides merges as one",
		    "{'comments':[]}",
		    (struct side){ "{'comments':[{'id':'c9','text':'x','a':'1'}]}", 2, "aa" },
		    (struct side){ "{'comments':[{'id':'c9','text':'y','b':'2'}]}", 1, "bb" },
		    "{'comments':[{'id':'c9','text':'x','a':'1','b':'2'}]}", 1, &r);
	check_conflict(&r, 0, "comments[c9].text", "'x'", "'y'", 0);
	fl_merge_result_release(&r);

	check_merge("a side's reordering is not kept: base order",
		    "{'e':[{'id':'1'},{'id':'2'}]}",
		    (struct side){ "{'e':[{'id':'2'},{'id':'1'}]}", 1, "aa" },
		    (struct side){ "{'e':[{'id':'1'},{'id':'2'},{'id':'3'}]}", 1, "bb" },
		    "{'e':[{'id':'1'},{'id':'2'},{'id':'3'}]}", 0, NULL);

	check_merge("schedule entries: conflict path names the entry",
		    "{'entries':[{'id':'01JE1','date':'2025-09-08','state':'planned'},{'id':'01JE2','date':'2025-09-09','state':'planned'}]}",
		    (struct side){ "{'entries':[{'id':'01JE1','date':'2025-09-08','state':'done'},{'id':'01JE2','date':'2025-09-09','state':'done'}]}", 2, "aa" },
		    (struct side){ "{'entries':[{'id':'01JE1','date':'2025-09-08','state':'cancelled'},{'id':'01JE2','date':'2025-09-10','state':'planned'}]}", 1, "bb" },
		    "{'entries':[{'id':'01JE1','date':'2025-09-08','state':'done'},{'id':'01JE2','date':'2025-09-10','state':'done'}]}",
		    1, &r);
	check_conflict(&r, 0, "entries[01JE1].state", "'done'", "'cancelled'", 0);
	fl_merge_result_release(&r);

	check_merge("repeated ids: merged as a set instead",
		    "{'e':[{'id':'1','v':1},{'id':'1','v':2}]}",
		    (struct side){ "{'e':[{'id':'1','v':1},{'id':'1','v':2},{'id':'1','v':3}]}", 1, "aa" },
		    (struct side){ "{'e':[{'id':'1','v':2}]}", 1, "bb" },
		    "{'e':[{'id':'1','v':2},{'id':'1','v':3}]}", 0, NULL);
}

static void test_sets(void)
{
	const char *b = "{'communes':['42001','42004']}";

	check_merge("sets: kept in base order, additions sorted", b,
		    (struct side){ "{'communes':['42004','42010']}", 1, "aa" },
		    (struct side){ "{'communes':['42001','42004','42007']}", 1, "bb" },
		    "{'communes':['42004','42007','42010']}", 0, NULL);

	check_merge("sets: the same addition and removal on both sides", b,
		    (struct side){ "{'communes':['42004','42009']}", 1, "aa" },
		    (struct side){ "{'communes':['42009','42004','42013']}", 1, "bb" },
		    "{'communes':['42004','42009','42013']}", 0, NULL);

	check_merge("sets: everything removed", b,
		    (struct side){ "{'communes':['42004']}", 1, "aa" },
		    (struct side){ "{'communes':['42001']}", 1, "bb" },
		    "{'communes':[]}", 0, NULL);

	check_merge("sets of objects without ids, key order ignored",
		    "{'who':[{'n':'A','r':'chair'}]}",
		    (struct side){ "{'who':[{'r':'chair','n':'A'},{'n':'B','r':'clerk'}]}", 1, "aa" },
		    (struct side){ "{'who':[{'n':'A','r':'chair'},{'r':'clerk','n':'B'},{'n':'C'}]}", 1, "bb" },
		    "{'who':[{'n':'A','r':'chair'},{'n':'B','r':'clerk'},{'n':'C'}]}", 0, NULL);

	check_merge("sets with no ancestor: the union, sorted", NULL,
		    (struct side){ "{'communes':['42010','42001']}", 1, "aa" },
		    (struct side){ "{'communes':['42004']}", 1, "bb" },
		    "{'communes':['42001','42004','42010']}", 0, NULL);
}

static void test_no_base(void)
{
	struct fl_merge_result r;

	check_merge("no ancestor: created twice with the same id", NULL,
		    (struct side){ "{'id':'x','updated_at':'1','title':'A','note':'n'}", 1, "aa" },
		    (struct side){ "{'id':'x','updated_at':'2','title':'B'}", 1, "bb" },
		    "{'id':'x','updated_at':'2','title':'B','note':'n'}", 1, &r);
	check_conflict(&r, 0, "title", "'A'", "'B'", 1);
	fl_merge_result_release(&r);

	check_merge("no ancestor, one side empty", NULL,
		    (struct side){ "{}", 0, "aa" },
		    (struct side){ "{'id':'x'}", 1, "bb" },
		    "{'id':'x'}", 0, NULL);
}

/* The officer's laptop and phone both edited one issue while offline. */
static void test_realistic(void)
{
	struct fl_merge_result r;
	const char *base =
		"{'schema':1,'kind':'issue','id':'01JC3W5T0B8Q6Y2V7N4M1K9XHD','author':'nguyen.van.a',"
		"'created_at':'2025-09-08T09:00:00+07:00','updated_at':'2025-09-08T09:00:00+07:00',"
		"'deleted':false,'title':'Sạt lở bờ sông','description':'Bờ sông sạt lở 30 m.',"
		"'domain':'local_government','communes':['42001','42004'],'severity':'medium',"
		"'status':'open','actions':'','resolution':'','escalation':'',"
		"'comments':[{'id':'01JC3W6A','author':'nguyen.van.a','at':'2025-09-08T09:05:00+07:00','text':'Đã báo UBND xã.'}]}";
	const char *laptop =
		"{'schema':1,'kind':'issue','id':'01JC3W5T0B8Q6Y2V7N4M1K9XHD','author':'nguyen.van.a',"
		"'created_at':'2025-09-08T09:00:00+07:00','updated_at':'2025-09-09T14:00:00+07:00',"
		"'deleted':false,'title':'Sạt lở bờ sông','description':'Bờ sông sạt lở 30 m.',"
		"'domain':'local_government','communes':['42001','42004'],'severity':'medium',"
		"'status':'escalated','actions':'','resolution':'','escalation':'Cần Bộ hỗ trợ.',"
		"'comments':[{'id':'01JC3W6A','author':'nguyen.van.a','at':'2025-09-08T09:05:00+07:00','text':'Đã báo UBND xã.'},"
		"{'id':'01JC9Z00','author':'nguyen.van.a','at':'2025-09-09T14:00:00+07:00','text':'Chuyển lên Bộ.'}]}";
	const char *phone =
		"{'schema':1,'kind':'issue','id':'01JC3W5T0B8Q6Y2V7N4M1K9XHD','author':'nguyen.van.a',"
		"'created_at':'2025-09-08T09:00:00+07:00','updated_at':'2025-09-09T11:30:00+07:00',"
		"'deleted':false,'title':'Sạt lở bờ sông','description':'Bờ sông sạt lở 30 m.',"
		"'domain':'local_government','communes':['42001','42004','42007'],'severity':'high',"
		"'status':'in_progress','actions':'Rào chắn tạm.','resolution':'','escalation':'',"
		"'comments':[{'id':'01JC3W6A','author':'nguyen.van.a','at':'2025-09-08T09:05:00+07:00','text':'Đã báo UBND xã.'},"
		"{'id':'01JC7K00','author':'nguyen.van.a','at':'2025-09-09T11:30:00+07:00','text':'Mưa lớn.'}]}";
	const char *want =
		"{'schema':1,'kind':'issue','id':'01JC3W5T0B8Q6Y2V7N4M1K9XHD','author':'nguyen.van.a',"
		"'created_at':'2025-09-08T09:00:00+07:00','updated_at':'2025-09-09T14:00:00+07:00',"
		"'deleted':false,'title':'Sạt lở bờ sông','description':'Bờ sông sạt lở 30 m.',"
		"'domain':'local_government','communes':['42001','42004','42007'],'severity':'high',"
		"'status':'escalated','actions':'Rào chắn tạm.','resolution':'','escalation':'Cần Bộ hỗ trợ.',"
		"'comments':[{'id':'01JC3W6A','author':'nguyen.van.a','at':'2025-09-08T09:05:00+07:00','text':'Đã báo UBND xã.'},"
		"{'id':'01JC7K00','author':'nguyen.van.a','at':'2025-09-09T11:30:00+07:00','text':'Mưa lớn.'},"
		"{'id':'01JC9Z00','author':'nguyen.van.a','at':'2025-09-09T14:00:00+07:00','text':'Chuyển lên Bộ.'}]}";

	/* one commit each: the later updated_at (the laptop) wins "status" */
	check_merge("laptop and phone edits of one issue", base,
		    (struct side){ laptop, 1, "9a1f" }, (struct side){ phone, 1, "4c2e" },
		    want, 1, &r);
	check_conflict(&r, 0, "status", "'escalated'", "'in_progress'", 0);
	fl_merge_result_release(&r);
}

/* ---- property tests ------------------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 2685821657736338717ULL) >> 33) % n;
}

static const char *const scalar_keys[] = {
	"title", "description", "domain", "severity", "status", "actions",
	"resolution", "escalation",
};
static const char *const pool[][4] = {
	{ "Road", "Bridge", "Cầu treo", "School roof" },
	{ "a", "a\nb", "dài\nhơn\nnữa", "" },
	{ "land", "youth", "religion", "archives" },
	{ "low", "medium", "high", "urgent" },
	{ "open", "in_progress", "escalated", "resolved" },
	{ "", "called", "visited", "fenced" },
	{ "", "fixed", "moved", "n/a" },
	{ "", "ministry", "province", "help" },
};
static const char *const codes[] = { "42001", "42004", "42007", "42010", "42013", "42016" };
#define NIDS 20

static char *comment_id(unsigned i)
{
	return xstrfmt("01JC%02u", i);
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	cJSON_AddItemToObject(o, k, cJSON_CreateString(v));
}

static cJSON *new_comment(unsigned id)
{
	cJSON *c = cJSON_CreateObject();
	char *s = comment_id(id);

	add_str(c, "id", s);
	add_str(c, "author", "nguyen.van.a");
	add_str(c, "at", "2025-09-08T10:00:00+07:00");
	add_str(c, "text", pool[1][rnd(4)]);
	free(s);
	return c;
}

static cJSON *gen_base(void)
{
	cJSON *r = cJSON_CreateObject(), *a, *f;
	size_t i;
	unsigned n;

	cJSON_AddNumberToObject(r, "schema", 1);
	add_str(r, "kind", "issue");
	add_str(r, "id", "01JC3W5T0B8Q6Y2V7N4M1K9XHD");
	add_str(r, "author", "nguyen.van.a");
	add_str(r, "created_at", "2025-09-08T09:00:00+07:00");
	add_str(r, "updated_at", "2025-09-08T09:00:00+07:00");
	cJSON_AddBoolToObject(r, "deleted", 0);
	for (i = 0; i < FL_ARRAY_SIZE(scalar_keys); i++)
		add_str(r, scalar_keys[i], pool[i][rnd(4)]);
	a = cJSON_AddArrayToObject(r, "communes");
	for (i = 0; i < FL_ARRAY_SIZE(codes); i++)
		if (rnd(2))
			cJSON_AddItemToArray(a, cJSON_CreateString(codes[i]));
	f = cJSON_AddObjectToObject(r, "figures");
	cJSON_AddNumberToObject(f, "visits", rnd(4));
	cJSON_AddNumberToObject(f, "issues", rnd(4));
	a = cJSON_AddArrayToObject(r, "comments");
	n = rnd(4);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, new_comment((unsigned)i));
	return r;
}

static int has_comment(const cJSON *arr, unsigned id)
{
	char *s = comment_id(id);
	const cJSON *c;
	int found = 0;

	cJSON_ArrayForEach(c, arr)
		if (!strcmp(cJSON_GetObjectItem(c, "id")->valuestring, s))
			found = 1;
	free(s);
	return found;
}

static int has_string(const cJSON *arr, const char *s)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, arr)
		if (cJSON_IsString(c) && !strcmp(c->valuestring, s))
			return 1;
	return 0;
}

static void set_key(cJSON *r, const char *k, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(r, k))
		cJSON_ReplaceItemInObjectCaseSensitive(r, k, v);
	else
		cJSON_AddItemToObject(r, k, v);
}

/* Moves key k to the end of r: the same value, another order. */
static void move_to_end(cJSON *r, const char *k)
{
	cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(r, k);

	if (v)
		cJSON_AddItemToObject(r, k, v);
}

/* A copy of b with up to four random edits, as one device would make. */
static cJSON *gen_edit(const cJSON *b)
{
	cJSON *r = cJSON_Duplicate(b, 1);
	cJSON *comm = cJSON_GetObjectItem(r, "communes");
	cJSON *cmt = cJSON_GetObjectItem(r, "comments");
	cJSON *fig = cJSON_GetObjectItem(r, "figures");
	unsigned n = rnd(5), i, k;
	char ts[40];

	for (i = 0; i < n; i++) {
		switch (rnd(11)) {
		case 0:
			k = rnd(FL_ARRAY_SIZE(scalar_keys));
			set_key(r, scalar_keys[k], cJSON_CreateString(pool[k][rnd(4)]));
			break;
		case 1:
			set_key(r, "deleted", cJSON_CreateBool(rnd(2)));
			break;
		case 2: {
			const char *c = codes[rnd(FL_ARRAY_SIZE(codes))];
			if (!has_string(comm, c))
				cJSON_AddItemToArray(comm, cJSON_CreateString(c));
			break;
		}
		case 3:
			if (cJSON_GetArraySize(comm))
				cJSON_DeleteItemFromArray(comm, (int)rnd((unsigned)cJSON_GetArraySize(comm)));
			break;
		case 4:
			k = 4 + rnd(NIDS - 4);
			if (!has_comment(cmt, k))
				cJSON_AddItemToArray(cmt, new_comment(k));
			break;
		case 5:
			if (cJSON_GetArraySize(cmt))
				cJSON_DeleteItemFromArray(cmt, (int)rnd((unsigned)cJSON_GetArraySize(cmt)));
			break;
		case 6:
			if (cJSON_GetArraySize(cmt)) {
				cJSON *c = cJSON_GetArrayItem(cmt, (int)rnd((unsigned)cJSON_GetArraySize(cmt)));
				set_key(c, "text", cJSON_CreateString(pool[1][rnd(4)]));
			}
			break;
		case 7:
			set_key(fig, rnd(2) ? "visits" : "issues", cJSON_CreateNumber(rnd(6)));
			break;
		case 8:
			cJSON_DeleteItemFromObjectCaseSensitive(r, scalar_keys[5 + rnd(3)]);
			break;
		case 9:
			move_to_end(r, scalar_keys[rnd(FL_ARRAY_SIZE(scalar_keys))]);
			break;
		default:
			set_key(r, rnd(2) ? "x_note" : "x_tag", cJSON_CreateString(pool[0][rnd(4)]));
		}
	}
	if (n) {
		/* few distinct times, so that full ties happen too */
		snprintf(ts, sizeof(ts), "2025-09-%02uT%02u:00:00+07:00", 9 + rnd(2), 8 + rnd(2));
		set_key(r, "updated_at", cJSON_CreateString(ts));
	}
	return r;
}

static char *merged_text(const cJSON *b, const struct fl_merge_side *o,
			 const struct fl_merge_side *t)
{
	struct fl_merge_result r;
	char *s;

	fl_merge_records(&r, b, o, t);
	s = S(r.merged);
	fl_merge_result_release(&r);
	return s;
}

static int has_conflict(const struct fl_merge_result *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->nconflicts; i++)
		if (!strcmp(r->conflicts[i].path, path))
			return 1;
	return 0;
}

/* The three-way law for one plain field; returns 1 when it holds. */
static int field_ok(const struct fl_merge_result *r, const char *path,
		    const cJSON *bv, const cJSON *ov, const cJSON *tv, const cJSON *mv)
{
	if (fl_json_equal(ov, bv))
		return fl_json_equal(mv, tv);
	if (fl_json_equal(tv, bv))
		return fl_json_equal(mv, ov);
	if (fl_json_equal(ov, tv))
		return fl_json_equal(mv, ov);
	return (fl_json_equal(mv, ov) || fl_json_equal(mv, tv)) && has_conflict(r, path);
}

struct tally {
	int identity, swap, fields, sets, ids, conflicts_justified;
};

static void property_round(struct tally *bad, int iter)
{
	static const char *const commits[] = { "1a", "7f", "c3" };
	cJSON *b = gen_base(), *o = gen_edit(b), *t;
	struct fl_merge_side os, ts, bs;
	struct fl_merge_result r1, r2;
	char *so, *st, *m, *m2, *x;
	const cJSON *c, *mb, *mo, *mt, *mm;
	size_t i;
	unsigned k;

	if (rnd(8)) {
		t = gen_edit(b);
	} else {
		/* the same edits on both devices, maybe keys in another order */
		t = cJSON_Duplicate(o, 1);
		if (rnd(2))
			move_to_end(t, scalar_keys[rnd(FL_ARRAY_SIZE(scalar_keys))]);
	}
	os = (struct fl_merge_side){ o, rnd(3), commits[rnd(3)] };
	ts = (struct fl_merge_side){ t, rnd(3), commits[rnd(3)] };
	bs = (struct fl_merge_side){ b, rnd(3), commits[rnd(3)] };
	so = S(o);
	st = S(t);

	/* untouched sides defer, exactly */
	x = merged_text(b, &os, &bs);
	bad->identity += strcmp(x, so) != 0;
	free(x);
	x = merged_text(b, &bs, &ts);
	bad->identity += strcmp(x, st) != 0;
	free(x);
	x = merged_text(b, &os, &os);
	bad->identity += strcmp(x, so) != 0;
	free(x);

	/* symmetry: the replica holding o and the one holding t agree */
	fl_merge_records(&r1, b, &os, &ts);
	fl_merge_records(&r2, b, &ts, &os);
	m = S(r1.merged);
	m2 = S(r2.merged);
	if (strcmp(m, m2) || r1.nconflicts != r2.nconflicts) {
		bad->swap++;
		if (bad->swap == 1)
			printf("# iteration %d:\n#   %s\n#   %s\n", iter, m, m2);
	} else {
		for (i = 0; i < r1.nconflicts; i++)
			if (strcmp(r1.conflicts[i].path, r2.conflicts[i].path) ||
			    r1.conflicts[i].theirs_won == r2.conflicts[i].theirs_won)
				bad->swap++;
	}

	/* each top-level field, and figures.*, obeys the three-way law */
	for (k = 0; k < 2; k++) {
		const cJSON *src = k ? t : o;
		cJSON_ArrayForEach(c, src) {
			const char *key = c->string;
			if (!strcmp(key, "updated_at") || !strcmp(key, "communes") ||
			    !strcmp(key, "comments") || !strcmp(key, "figures"))
				continue;
			if (!field_ok(&r1, key, cJSON_GetObjectItem(b, key),
				      cJSON_GetObjectItem(o, key), cJSON_GetObjectItem(t, key),
				      cJSON_GetObjectItem(r1.merged, key)))
				bad->fields++;
		}
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(b, "figures")) {
		char *path = xstrfmt("figures.%s", c->string);
		if (!field_ok(&r1, path, c,
			      cJSON_GetObjectItem(cJSON_GetObjectItem(o, "figures"), c->string),
			      cJSON_GetObjectItem(cJSON_GetObjectItem(t, "figures"), c->string),
			      cJSON_GetObjectItem(cJSON_GetObjectItem(r1.merged, "figures"), c->string)))
			bad->fields++;
		free(path);
	}
	{
		const char *uo = cJSON_GetObjectItem(o, "updated_at")->valuestring;
		const char *ut = cJSON_GetObjectItem(t, "updated_at")->valuestring;
		const cJSON *um = cJSON_GetObjectItem(r1.merged, "updated_at");
		bad->fields += !um || strcmp(um->valuestring, strcmp(uo, ut) > 0 ? uo : ut);
	}

	/* communes: kept by all three, or added by either */
	mb = cJSON_GetObjectItem(b, "communes");
	mo = cJSON_GetObjectItem(o, "communes");
	mt = cJSON_GetObjectItem(t, "communes");
	mm = cJSON_GetObjectItem(r1.merged, "communes");
	for (k = 0; k < FL_ARRAY_SIZE(codes); k++) {
		int ib = has_string(mb, codes[k]), io = has_string(mo, codes[k]);
		int it = has_string(mt, codes[k]);
		int want = (ib && io && it) || (!ib && (io || it));
		bad->sets += want != has_string(mm, codes[k]);
	}
	bad->sets += cJSON_GetArraySize(mm) > (int)FL_ARRAY_SIZE(codes);

	/* comments: the same law by id, and no id twice */
	mb = cJSON_GetObjectItem(b, "comments");
	mo = cJSON_GetObjectItem(o, "comments");
	mt = cJSON_GetObjectItem(t, "comments");
	mm = cJSON_GetObjectItem(r1.merged, "comments");
	{
		int total = 0;
		for (k = 0; k < NIDS; k++) {
			int ib = has_comment(mb, k), io = has_comment(mo, k), it = has_comment(mt, k);
			int want = (ib && io && it) || (!ib && (io || it));
			int got = has_comment(mm, k);
			bad->ids += want != got;
			total += got;
		}
		bad->ids += total != cJSON_GetArraySize(mm);
	}

	/* a conflict needs both sides to have changed that top-level field */
	for (i = 0; i < r1.nconflicts; i++) {
		char *top = xstrdup(r1.conflicts[i].path);
		top[strcspn(top, ".[")] = '\0';
		if (fl_json_equal(cJSON_GetObjectItem(o, top), cJSON_GetObjectItem(b, top)) ||
		    fl_json_equal(cJSON_GetObjectItem(t, top), cJSON_GetObjectItem(b, top)))
			bad->conflicts_justified++;
		free(top);
	}

	fl_merge_result_release(&r1);
	fl_merge_result_release(&r2);
	free(m);
	free(m2);
	free(so);
	free(st);
	cJSON_Delete(b);
	cJSON_Delete(o);
	cJSON_Delete(t);
}

static void test_properties(void)
{
	struct tally bad = { 0, 0, 0, 0, 0, 0 };
	int i, n = 2000;

	for (i = 0; i < n; i++)
		property_round(&bad, i);
	IS_INT(bad.identity, 0, "random: merge(b,o,b)=o, merge(b,b,t)=t, merge(b,x,x)=x exactly");
	IS_INT(bad.swap, 0, "random: replicas converge (sides swapped, same bytes, mirrored conflicts)");
	IS_INT(bad.fields, 0, "random: scalar fields follow the three-way rule; updated_at is the later");
	IS_INT(bad.sets, 0, "random: plain arrays merge as sets");
	IS_INT(bad.ids, 0, "random: id arrays merge by id, removal wins, no id twice");
	IS_INT(bad.conflicts_justified, 0, "random: conflicts only where both sides changed");
}

int main(void)
{
	test_equal();
	test_untouched_sides();
	test_fields();
	test_keys();
	test_id_arrays();
	test_sets();
	test_no_base();
	test_realistic();
	test_properties();
	return tap_done();
}
