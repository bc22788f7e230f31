/*
 * merge.c: the three-way merge of one record (docs/design.md, "Merging
 * two versions of a record"), the only way two versions of a record are
 * ever combined; git's line merge never touches a record. The same author editing the same record on two devices
 * is the one real conflict in the system, and every replica must settle it
 * the same way, so the whole merge is a pure, symmetric function: swapping
 * "ours" and "theirs" (with their edit counts and commit ids) gives the
 * same tree, byte for byte, including key order and array order. Every
 * choice below that could depend on the side is therefore made by
 * something both replicas see alike: the base's order, ids, canonical
 * text, or the winner rule of merge.h.
 *
 * Key order of a merged object: when both sides list the same keys in the
 * same order (the normal case: canonical records), that order; otherwise
 * the base's keys in base order, then new keys by their position in
 * whichever side has them (the smaller position when both do), ties broken
 * by key name.
 *
 * "updated_at" takes the later of two string values wherever it appears
 * (records keep it at the top level), so it never conflicts at any depth.
 * When the winner rule itself ties (same edit count, time and commit), the
 * larger canonical value wins, which is still the same on every replica.
 *
 * Arrays of objects with ids: an element removed on one side and modified
 * on the other stays removed (docs/design.md, "Merging two versions of a
 * record": "an element removed on either side stays removed"). The lost
 * modification is still reported as a conflict, with the removing side
 * as the winner, so `sync` can count it and `log` can show it; the
 * modified element remains in that side's history.
 */
#include "sync/merge.h"

#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "schema/json.h"

struct merge_ctx {
	struct fl_merge_result *out;
	size_t alloc;
	/* > 0: theirs wins conflicts; < 0: ours does; 0: a full tie, decided
	 * per conflict by the values themselves (so still symmetric). */
	int winner;
};

/* ---- small cJSON helpers; allocation failure is fatal ---------------- */

static const char *key_of(const cJSON *item)
{
	return item->string ? item->string : "";
}

static cJSON *dup_json(const cJSON *v)
{
	cJSON *r = cJSON_Duplicate(v, 1);
	if (!r)
		fl_die("out of memory copying a JSON value");
	return r;
}

static cJSON *new_object(void)
{
	cJSON *r = cJSON_CreateObject();
	if (!r)
		fl_die("out of memory creating a JSON object");
	return r;
}

static cJSON *new_array(void)
{
	cJSON *r = cJSON_CreateArray();
	if (!r)
		fl_die("out of memory creating a JSON array");
	return r;
}

static void add_to_object(cJSON *obj, const char *key, cJSON *v)
{
	if (!cJSON_AddItemToObject(obj, key, v))
		fl_die("out of memory adding key '%s'", key);
}

static void add_to_array(cJSON *arr, cJSON *v)
{
	if (!cJSON_AddItemToArray(arr, v))
		fl_die("out of memory adding an array element");
}

static const cJSON *get_key(const cJSON *obj, const char *key)
{
	return obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* ---- compact JSON text ------------------------------------------------ */

static void put_number(struct strbuf *sb, double d)
{
	/* Records hold integers only; anything else still prints stably. */
	if (d >= -9.0e18 && d <= 9.0e18 && (double)(long long)d == d)
		strbuf_addf(sb, "%lld", (long long)d);
	else if (d - d == 0)
		strbuf_addf(sb, "%.17g", d);
	else
		strbuf_addstr(sb, "null"); /* NaN and infinities: as cJSON does */
}

static int cmp_item_key(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
	return strcmp(key_of(a), key_of(b));
}

/*
 * Compact JSON of v. With `sorted`, object keys are written in byte order:
 * that text is the canonical identity of a value (equal per fl_json_equal
 * <=> equal text), used to sort set additions and break ties.
 */
static void put_json(struct strbuf *sb, const cJSON *v, int sorted)
{
	const cJSON *c;

	switch (v->type & 0xFF) {
	case cJSON_False: strbuf_addstr(sb, "false"); break;
	case cJSON_True: strbuf_addstr(sb, "true"); break;
	case cJSON_NULL: strbuf_addstr(sb, "null"); break;
	case cJSON_Number: put_number(sb, v->valuedouble); break;
	case cJSON_String: fl_json_quote(sb, v->valuestring ? v->valuestring : ""); break;
	case cJSON_Raw: strbuf_addstr(sb, v->valuestring ? v->valuestring : "null"); break;
	case cJSON_Array:
		strbuf_addch(sb, '[');
		for (c = v->child; c; c = c->next) {
			put_json(sb, c, sorted);
			if (c->next)
				strbuf_addch(sb, ',');
		}
		strbuf_addch(sb, ']');
		break;
	case cJSON_Object: {
		size_t n = 0, i;
		const cJSON **items;

		for (c = v->child; c; c = c->next)
			n++;
		items = xmalloc(n * sizeof(*items));
		for (i = 0, c = v->child; c; c = c->next)
			items[i++] = c;
		if (sorted)
			qsort(items, n, sizeof(*items), cmp_item_key);
		strbuf_addch(sb, '{');
		for (i = 0; i < n; i++) {
			if (i)
				strbuf_addch(sb, ',');
			fl_json_quote(sb, key_of(items[i]));
			strbuf_addch(sb, ':');
			put_json(sb, items[i], sorted);
		}
		strbuf_addch(sb, '}');
		free(items);
		break;
	}
	default:
		strbuf_addstr(sb, "null");
	}
}

/* Compact JSON of v as a new string ("null" for an absent value). */
static char *compact(const cJSON *v, int sorted)
{
	struct strbuf sb = STRBUF_INIT;

	if (!v)
		return xstrdup("null");
	put_json(&sb, v, sorted);
	return strbuf_detach(&sb, NULL);
}

/* ---- equality ---------------------------------------------------------- */

static int json_equal(const cJSON *a, const cJSON *b, int ordered)
{
	const cJSON *x, *y;
	int t;

	if (a == b)
		return 1;
	if (!a || !b)
		return 0;
	t = a->type & 0xFF;
	if (t != (b->type & 0xFF))
		return 0;
	switch (t) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
	case cJSON_Raw:
		return strcmp(a->valuestring ? a->valuestring : "",
			      b->valuestring ? b->valuestring : "") == 0;
	case cJSON_Array:
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
			if (!json_equal(x, y, ordered))
				return 0;
		return !x && !y;
	case cJSON_Object:
		if (ordered) {
			for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
				if (strcmp(key_of(x), key_of(y)) ||
				    !json_equal(x, y, ordered))
					return 0;
			return !x && !y;
		}
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
			;
		if (x || y)
			return 0; /* different number of keys */
		for (x = a->child; x; x = x->next)
			if (!json_equal(x, get_key(b, key_of(x)), 0))
				return 0;
		return 1;
	default:
		return 1; /* false, true, null */
	}
}

int fl_json_equal(const cJSON *a, const cJSON *b)
{
	return json_equal(a, b, 0);
}

/*
 * o and t are equal values that may list object keys in different orders:
 * pick one by its text so that both replicas pick the same.
 */
static cJSON *pick_equal(const cJSON *o, const cJSON *t)
{
	char *co, *ct;
	const cJSON *w = o;

	if (json_equal(o, t, 1))
		return dup_json(o);
	co = compact(o, 0);
	ct = compact(t, 0);
	if (strcmp(ct, co) < 0)
		w = t;
	free(co);
	free(ct);
	return dup_json(w);
}

/* ---- conflicts --------------------------------------------------------- */

static void record_conflict(struct merge_ctx *ctx, const char *path,
			    const cJSON *o, const cJSON *t, int theirs_won)
{
	struct fl_merge_result *r = ctx->out;
	struct fl_merge_conflict *c;

	FL_ALLOC_GROW(r->conflicts, r->nconflicts + 1, ctx->alloc);
	c = &r->conflicts[r->nconflicts++];
	c->path = xstrdup(path);
	c->ours = compact(o, 0);
	c->theirs = compact(t, 0);
	c->theirs_won = theirs_won;
}

/*
 * Both sides changed `path` to different values (either may be absent):
 * keep the winner's value (NULL: the key goes) and report the conflict.
 */
static cJSON *resolve_conflict(struct merge_ctx *ctx, const char *path,
			       const cJSON *o, const cJSON *t)
{
	int theirs_won = ctx->winner > 0;
	const cJSON *w;

	if (ctx->winner == 0) {
		/* Same edit count, time and commit: let the larger canonical
		 * text win, a present value beating an absent one. */
		char *co = o ? compact(o, 1) : xstrdup("");
		char *ct = t ? compact(t, 1) : xstrdup("");
		theirs_won = strcmp(ct, co) > 0;
		free(co);
		free(ct);
	}
	record_conflict(ctx, path, o, t, theirs_won);
	w = theirs_won ? t : o;
	return w ? dup_json(w) : NULL;
}

/* ---- arrays ------------------------------------------------------------ */

static int has_id(const cJSON *el)
{
	const cJSON *id = get_key(el, "id");
	return cJSON_IsObject(el) && cJSON_IsString(id) && id->valuestring;
}

/* The element's id ("" when it has none: only in arrays not merged by id). */
static const char *id_of(const cJSON *el)
{
	return has_id(el) ? get_key(el, "id")->valuestring : "";
}

static int cmp_str_ptr(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/*
 * 1 when every element is an object with a string "id" and no id repeats
 * (vacuously true for []). Arrays with repeated ids merge as plain sets,
 * which loses nothing.
 */
static int is_id_array(const cJSON *a)
{
	const cJSON *c;
	const char **ids;
	size_t n = 0, i;
	int ok = 1;

	for (c = a->child; c; c = c->next) {
		if (!has_id(c))
			return 0;
		n++;
	}
	if (n < 2)
		return 1;
	ids = xmalloc(n * sizeof(*ids));
	for (i = 0, c = a->child; c; c = c->next)
		ids[i++] = id_of(c);
	qsort(ids, n, sizeof(*ids), cmp_str_ptr);
	for (i = 1; i < n && ok; i++)
		if (!strcmp(ids[i - 1], ids[i]))
			ok = 0;
	free(ids);
	return ok;
}

static const cJSON *find_id(const cJSON *arr, const char *id)
{
	const cJSON *c;

	if (!arr)
		return NULL;
	for (c = arr->child; c; c = c->next)
		if (!strcmp(id_of(c), id))
			return c;
	return NULL;
}

static cJSON *merge_value(struct merge_ctx *ctx, const char *path,
			  const cJSON *b, const cJSON *o, const cJSON *t);

/*
 * Arrays of objects with ids: survivors of the base in base order (merged
 * element by element), then elements new on either side by id.
 */
static cJSON *merge_ids(struct merge_ctx *ctx, const char *path,
			const cJSON *b, const cJSON *o, const cJSON *t)
{
	cJSON *res = new_array();
	const cJSON *c;
	const char **added;
	size_t nadded = 0, i;

	for (c = b ? b->child : NULL; c; c = c->next) {
		const char *id = id_of(c);
		const cJSON *oe = find_id(o, id), *te = find_id(t, id);
		char *sub = xstrfmt("%s[%s]", path, id);

		if (oe && te)
			add_to_array(res, merge_value(ctx, sub, c, oe, te));
		else if (oe && !fl_json_equal(oe, c))
			record_conflict(ctx, sub, oe, NULL, 1);
		else if (te && !fl_json_equal(te, c))
			record_conflict(ctx, sub, NULL, te, 0);
		free(sub);
	}

	added = xmalloc((cJSON_GetArraySize(o) + cJSON_GetArraySize(t) + 1) *
			sizeof(*added));
	for (c = o->child; c; c = c->next)
		if (!find_id(b, id_of(c)))
			added[nadded++] = id_of(c);
	for (c = t->child; c; c = c->next)
		if (!find_id(b, id_of(c)) && !find_id(o, id_of(c)))
			added[nadded++] = id_of(c);
	qsort(added, nadded, sizeof(*added), cmp_str_ptr);
	for (i = 0; i < nadded; i++) {
		const cJSON *oe = find_id(o, added[i]), *te = find_id(t, added[i]);
		char *sub = xstrfmt("%s[%s]", path, added[i]);

		if (oe && te) /* the same id added on both sides */
			add_to_array(res, merge_value(ctx, sub, NULL, oe, te));
		else
			add_to_array(res, dup_json(oe ? oe : te));
		free(sub);
	}
	free(added);
	return res;
}

static int array_has(const cJSON *arr, const cJSON *v)
{
	const cJSON *c;

	for (c = arr ? arr->child : NULL; c; c = c->next)
		if (fl_json_equal(c, v))
			return 1;
	return 0;
}

struct set_add {
	const cJSON *v;
	char *canon;   /* sorted-key text: the value's identity */
	char *text;    /* as written: breaks ties between equal values */
};

static int cmp_set_add(const void *x, const void *y)
{
	const struct set_add *a = x, *b = y;
	int c = strcmp(a->canon, b->canon);
	return c ? c : strcmp(a->text, b->text);
}

/*
 * Arrays of plain values as sets: what the base holds and both sides kept,
 * in base order, then what either side added, sorted by canonical text.
 */
static cJSON *merge_set(const cJSON *b, const cJSON *o, const cJSON *t)
{
	cJSON *res = new_array();
	const cJSON *c;
	struct set_add *adds;
	size_t n = 0, i;

	for (c = b ? b->child : NULL; c; c = c->next)
		if (array_has(o, c) && array_has(t, c) && !array_has(res, c))
			add_to_array(res, dup_json(c));

	adds = xmalloc((cJSON_GetArraySize(o) + cJSON_GetArraySize(t) + 1) *
		       sizeof(*adds));
	for (c = o->child; c; c = c->next)
		if (!array_has(b, c))
			adds[n++].v = c;
	for (c = t->child; c; c = c->next)
		if (!array_has(b, c))
			adds[n++].v = c;
	for (i = 0; i < n; i++) {
		adds[i].canon = compact(adds[i].v, 1);
		adds[i].text = compact(adds[i].v, 0);
	}
	qsort(adds, n, sizeof(*adds), cmp_set_add);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(adds[i - 1].canon, adds[i].canon))
			add_to_array(res, dup_json(adds[i].v));
	for (i = 0; i < n; i++) {
		free(adds[i].canon);
		free(adds[i].text);
	}
	free(adds);
	return res;
}

/* ---- objects ----------------------------------------------------------- */

struct new_key {
	const char *key;
	size_t pos;
};

static int cmp_new_key(const void *x, const void *y)
{
	const struct new_key *a = x, *b = y;

	if (a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int same_key_sequence(const cJSON *o, const cJSON *t)
{
	const cJSON *x, *y;

	for (x = o->child, y = t->child; x && y; x = x->next, y = y->next)
		if (strcmp(key_of(x), key_of(y)))
			return 0;
	return !x && !y;
}

static size_t key_index(const cJSON *obj, const char *key)
{
	const cJSON *c;
	size_t i = 0;

	for (c = obj->child; c; c = c->next, i++)
		if (!strcmp(key_of(c), key))
			return i;
	return (size_t)-1;
}

/*
 * The keys of the merged object, in the order described at the top of the
 * file. Keys that end up absent are listed too (the caller skips them).
 * Returns a new array of borrowed strings; *n receives its length.
 */
static const char **key_order(const cJSON *b, const cJSON *o, const cJSON *t,
			      size_t *n)
{
	size_t cap = (size_t)cJSON_GetArraySize(o) + (size_t)cJSON_GetArraySize(t) +
		(b ? (size_t)cJSON_GetArraySize(b) : 0) + 1;
	const char **keys = xmalloc(cap * sizeof(*keys));
	struct new_key *nk;
	size_t nn = 0, i;
	const cJSON *c;

	*n = 0;
	if (same_key_sequence(o, t)) {
		/* base-only keys are gone on both sides: nothing to list */
		for (c = o->child; c; c = c->next)
			keys[(*n)++] = key_of(c);
		return keys;
	}
	for (c = b ? b->child : NULL; c; c = c->next)
		keys[(*n)++] = key_of(c);
	nk = xmalloc(cap * sizeof(*nk));
	for (i = 0, c = o->child; c; c = c->next, i++) {
		if (get_key(b, key_of(c)))
			continue;
		nk[nn].key = key_of(c);
		nk[nn].pos = i;
		if (get_key(t, key_of(c))) {
			size_t j = key_index(t, key_of(c));
			if (j < i)
				nk[nn].pos = j;
		}
		nn++;
	}
	for (i = 0, c = t->child; c; c = c->next, i++) {
		if (get_key(b, key_of(c)) || get_key(o, key_of(c)))
			continue;
		nk[nn].key = key_of(c);
		nk[nn].pos = i;
		nn++;
	}
	qsort(nk, nn, sizeof(*nk), cmp_new_key);
	for (i = 0; i < nn; i++)
		keys[(*n)++] = nk[i].key;
	free(nk);
	return keys;
}

/* One key of an object; any of bv, ov, tv may be absent. NULL: no key. */
static cJSON *merge_key(struct merge_ctx *ctx, const char *path,
			const cJSON *bv, const cJSON *ov, const cJSON *tv)
{
	const cJSON *present;

	if (ov && tv)
		return merge_value(ctx, path, bv, ov, tv);
	if (!ov && !tv)
		return NULL;
	present = ov ? ov : tv;
	if (!bv)
		return dup_json(present);  /* added on one side */
	if (fl_json_equal(present, bv))
		return NULL;               /* removed on one side, untouched on the other */
	/* removed on one side, modified on the other: the winner rule decides */
	return resolve_conflict(ctx, path, ov, tv);
}

static cJSON *merge_object(struct merge_ctx *ctx, const char *path,
			   const cJSON *b, const cJSON *o, const cJSON *t)
{
	cJSON *res = new_object();
	size_t n, i;
	const char **keys = key_order(b, o, t, &n);

	for (i = 0; i < n; i++) {
		const char *k = keys[i];
		const cJSON *bv = get_key(b, k), *ov = get_key(o, k), *tv = get_key(t, k);
		char *sub = *path ? xstrfmt("%s.%s", path, k) : xstrdup(k);
		cJSON *v;

		if (!strcmp(k, "updated_at") && cJSON_IsString(ov) && cJSON_IsString(tv))
			/* every edit changes it: the later time, never a conflict */
			v = dup_json(strcmp(ov->valuestring, tv->valuestring) >= 0 ? ov : tv);
		else
			v = merge_key(ctx, sub, bv, ov, tv);
		if (v)
			add_to_object(res, k, v);
		free(sub);
	}
	free(keys);
	return res;
}

/* ---- values ------------------------------------------------------------ */

/* o and t are present; b may be absent (added on both sides). */
static cJSON *merge_value(struct merge_ctx *ctx, const char *path,
			  const cJSON *b, const cJSON *o, const cJSON *t)
{
	if (fl_json_equal(o, t)) {
		/* Equal up to key order: a side that left the base exactly as
		 * it was defers to the other's order, else pick by text. This
		 * keeps merge(b,o,b) = o exactly and stays symmetric. */
		if (json_equal(t, b, 1))
			return dup_json(o);
		if (json_equal(o, b, 1))
			return dup_json(t);
		return pick_equal(o, t);
	}
	if (b && fl_json_equal(o, b))
		return dup_json(t);
	if (b && fl_json_equal(t, b))
		return dup_json(o);
	if (cJSON_IsObject(o) && cJSON_IsObject(t))
		return merge_object(ctx, path, cJSON_IsObject(b) ? b : NULL, o, t);
	if (cJSON_IsArray(o) && cJSON_IsArray(t)) {
		const cJSON *ba = cJSON_IsArray(b) ? b : NULL;

		if (is_id_array(o) && is_id_array(t) && (!ba || is_id_array(ba)))
			return merge_ids(ctx, path, ba, o, t);
		return merge_set(ba, o, t);
	}
	return resolve_conflict(ctx, path, o, t);
}

static const char *updated_at(const cJSON *rec)
{
	const cJSON *v = get_key(rec, "updated_at");
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

/* > 0 when theirs wins conflicts, < 0 when ours does, 0 on a full tie. */
static int decide_winner(const struct fl_merge_side *o, const struct fl_merge_side *t)
{
	int c;

	if (o->edits != t->edits)
		return t->edits > o->edits ? 1 : -1;
	c = strcmp(updated_at(t->rec), updated_at(o->rec));
	if (c)
		return c > 0 ? 1 : -1;
	c = strcmp(t->commit_id ? t->commit_id : "", o->commit_id ? o->commit_id : "");
	return c > 0 ? 1 : c < 0 ? -1 : 0;
}

int fl_merge_records(struct fl_merge_result *out, const cJSON *base,
		     const struct fl_merge_side *ours,
		     const struct fl_merge_side *theirs)
{
	struct merge_ctx ctx;
	cJSON *empty = new_object();

	memset(out, 0, sizeof(*out));
	ctx.out = out;
	ctx.alloc = 0;
	ctx.winner = decide_winner(ours, theirs);
	out->merged = merge_value(&ctx, "", base ? base : empty,
				  ours->rec ? ours->rec : empty,
				  theirs->rec ? theirs->rec : empty);
	cJSON_Delete(empty);
	return 0;
}

void fl_merge_result_release(struct fl_merge_result *r)
{
	size_t i;

	if (!r)
		return;
	cJSON_Delete(r->merged);
	for (i = 0; i < r->nconflicts; i++) {
		free(r->conflicts[i].path);
		free(r->conflicts[i].ours);
		free(r->conflicts[i].theirs);
	}
	free(r->conflicts);
	memset(r, 0, sizeof(*r));
}
