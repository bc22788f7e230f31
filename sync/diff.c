/*
 * diff.c: what changed between two versions of a record, for people.
 * fl_record_diff lists changes field by field (paths as in merge.c's
 * conflicts, so `log` and `sync` speak the same language);
 * fl_changes_summary turns them into the one line `fieldlog log` prints;
 * fl_text_udiff shows a long text field (a description, a comment) as a
 * unified line diff for `fieldlog diff`.
 *
 * The line diff is Myers' O(ND) algorithm in its linear-space form (the
 * "middle snake" recursion), after setting aside lines found nowhere on
 * the other side and trimming the common head and tail. It is minimal,
 * but the work is capped (DIFF_BUDGET steps): past the cap the remaining
 * differing stretch is reported as replaced wholesale, which is still a
 * correct diff, so a hostile 256 KiB field cannot stall `log`.
 *
 * Text model: a text is split at every '\n', so "a\nb" is two lines, a
 * text ending in '\n' ends with an empty line, and "" has no lines at all.
 * Field values rarely end with a newline, and with this model no "\ No
 * newline at end of file" marker is ever needed.
 */
#include "sync/diff.h"

#include <stdlib.h>
#include <string.h>

#include "sync/merge.h"

#define SHORT_MAX 60            /* code points in a "short" value */
#define DIFF_BUDGET 20000000L   /* Myers steps before giving up on minimality */

/* ---- record diff ------------------------------------------------------- */

static cJSON *dup_json(const cJSON *v)
{
	cJSON *r = cJSON_Duplicate(v, 1);
	if (!r)
		fl_die("out of memory copying a JSON value");
	return r;
}

static const char *key_of(const cJSON *item)
{
	return item->string ? item->string : "";
}

static const cJSON *get_key(const cJSON *obj, const char *key)
{
	return obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

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

/* Every element an object with a string "id", no id twice (as in merge.c). */
static int is_id_array(const cJSON *a)
{
	const cJSON *c, *d;

	if (!cJSON_IsArray(a))
		return 0;
	for (c = a->child; c; c = c->next) {
		if (!has_id(c))
			return 0;
		for (d = a->child; d != c; d = d->next)
			if (!strcmp(id_of(c), id_of(d)))
				return 0;
	}
	return 1;
}

static const cJSON *find_id(const cJSON *arr, const char *id)
{
	const cJSON *c;

	for (c = arr ? arr->child : NULL; c; c = c->next)
		if (!strcmp(id_of(c), id))
			return c;
	return NULL;
}

/* Takes ownership of path. */
static void add_change(struct fl_changes *out, char *path, const cJSON *a,
		       const cJSON *b)
{
	struct fl_change *c;

	FL_ALLOC_GROW(out->v, out->n + 1, out->alloc);
	c = &out->v[out->n++];
	c->path = path;
	c->old_value = a ? dup_json(a) : NULL;
	c->new_value = b ? dup_json(b) : NULL;
}

static void diff_value(struct fl_changes *out, const char *path,
		       const cJSON *a, const cJSON *b);

static void diff_object(struct fl_changes *out, const char *path,
			const cJSON *a, const cJSON *b)
{
	const cJSON *c;

	for (c = b->child; c; c = c->next) {
		char *sub;

		if (!strcmp(key_of(c), "updated_at"))
			continue;
		sub = *path ? xstrfmt("%s.%s", path, key_of(c)) : xstrdup(key_of(c));
		diff_value(out, sub, get_key(a, key_of(c)), c);
		free(sub);
	}
	for (c = a->child; c; c = c->next) {
		char *sub;

		if (!strcmp(key_of(c), "updated_at") || get_key(b, key_of(c)))
			continue;
		sub = *path ? xstrfmt("%s.%s", path, key_of(c)) : xstrdup(key_of(c));
		diff_value(out, sub, c, NULL);
		free(sub);
	}
}

static void diff_ids(struct fl_changes *out, const char *path,
		     const cJSON *a, const cJSON *b)
{
	const cJSON *c;

	for (c = b->child; c; c = c->next) {
		const cJSON *old = find_id(a, id_of(c));
		char *sub = xstrfmt("%s[%s]", path, id_of(c));

		if (old)
			diff_value(out, sub, old, c);
		else
			add_change(out, xstrdup(sub), NULL, c);
		free(sub);
	}
	for (c = a->child; c; c = c->next)
		if (!find_id(b, id_of(c)))
			add_change(out, xstrfmt("%s[%s]", path, id_of(c)), c, NULL);
}

static void diff_value(struct fl_changes *out, const char *path,
		       const cJSON *a, const cJSON *b)
{
	if (fl_json_equal(a, b))
		return;
	if (cJSON_IsObject(a) && cJSON_IsObject(b))
		diff_object(out, path, a, b);
	else if (is_id_array(a) && is_id_array(b))
		diff_ids(out, path, a, b);
	else
		add_change(out, xstrdup(path), a, b);
}

void fl_record_diff(struct fl_changes *out, const cJSON *a, const cJSON *b)
{
	cJSON *empty = NULL;

	if (!a && !b)
		return;
	/* A record that does not exist is an empty object, so a new record
	 * lists its fields one by one. */
	if ((!a && cJSON_IsObject(b)) || (!b && cJSON_IsObject(a))) {
		empty = cJSON_CreateObject();
		if (!empty)
			fl_die("out of memory creating a JSON object");
		if (!a)
			a = empty;
		else
			b = empty;
	}
	diff_value(out, "", a, b);
	cJSON_Delete(empty);
}

void fl_changes_release(struct fl_changes *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		cJSON_Delete(c->v[i].old_value);
		cJSON_Delete(c->v[i].new_value);
	}
	free(c->v);
	c->v = NULL;
	c->n = c->alloc = 0;
}

/* ---- summary ----------------------------------------------------------- */

static size_t utf8_cps(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* Byte length of the first `max` code points of s[0..len). */
static size_t utf8_prefix(const char *s, size_t len, size_t max)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max)
			return i;
	return len;
}

/* Numbers, booleans, null, and one-line strings of at most SHORT_MAX code points. */
static int is_short(const cJSON *v)
{
	if (cJSON_IsString(v))
		return !strchr(v->valuestring, '\n') &&
			utf8_cps(v->valuestring, strlen(v->valuestring)) <= SHORT_MAX;
	return cJSON_IsNumber(v) || cJSON_IsBool(v) || cJSON_IsNull(v);
}

static void put_scalar(struct strbuf *sb, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		strbuf_addstr(sb, *v->valuestring ? v->valuestring : "\"\"");
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d >= -9.0e18 && d <= 9.0e18 && (double)(long long)d == d)
			strbuf_addf(sb, "%lld", (long long)d);
		else
			strbuf_addf(sb, "%g", d);
	} else if (cJSON_IsBool(v)) {
		strbuf_addstr(sb, cJSON_IsTrue(v) ? "true" : "false");
	} else {
		strbuf_addstr(sb, "null");
	}
}

static void put_counts(struct strbuf *sb, size_t added, size_t removed)
{
	if (added)
		strbuf_addf(sb, _("%zu added"), added);
	if (added && removed)
		strbuf_addstr(sb, ", ");
	if (removed)
		strbuf_addf(sb, _("%zu removed"), removed);
	if (!added && !removed)
		strbuf_addstr(sb, _("reordered"));
}

static size_t count_missing(const cJSON *from, const cJSON *in)
{
	const cJSON *c, *d;
	size_t n = 0;

	for (c = from ? from->child : NULL; c; c = c->next) {
		for (d = in ? in->child : NULL; d; d = d->next)
			if (fl_json_equal(c, d))
				break;
		if (!d)
			n++;
	}
	return n;
}

static void describe(struct strbuf *sb, const struct fl_change *c)
{
	const cJSON *o = c->old_value, *n = c->new_value;

	strbuf_addf(sb, "%s: ", c->path);
	if (!n) {
		strbuf_addstr(sb, _("removed"));
	} else if (!o || cJSON_IsNull(o) ||
		   (cJSON_IsString(o) && !*o->valuestring)) {
		if (cJSON_IsString(n)) {
			/* the first line, cut at SHORT_MAX code points */
			const char *s = n->valuestring, *nl = strchr(s, '\n');
			size_t len = nl ? (size_t)(nl - s) : strlen(s);
			size_t cut = utf8_prefix(s, len, SHORT_MAX);

			if (cut < len || nl)
				while (cut && s[cut - 1] == ' ')
					cut--; /* "word…", not "word …" */
			strbuf_addstr(sb, _("set to \""));
			strbuf_add(sb, s, cut);
			strbuf_addstr(sb, cut < len || nl ? "…\"" : "\"");
		} else if (cJSON_IsArray(n)) {
			put_counts(sb, (size_t)cJSON_GetArraySize(n), 0);
		} else if (cJSON_IsObject(n)) {
			strbuf_addstr(sb, _("added"));
		} else {
			strbuf_addstr(sb, _("set to "));
			put_scalar(sb, n);
		}
	} else if (is_short(o) && is_short(n)) {
		put_scalar(sb, o);
		strbuf_addstr(sb, " → ");
		put_scalar(sb, n);
	} else if (cJSON_IsString(o) && cJSON_IsString(n)) {
		size_t k = fl_text_lines_changed(o->valuestring, n->valuestring);
		strbuf_addf(sb, _("%zu line%s changed"), k, k == 1 ? "" : "s");
	} else if (cJSON_IsArray(o) && cJSON_IsArray(n)) {
		put_counts(sb, count_missing(n, o), count_missing(o, n));
	} else {
		strbuf_addstr(sb, _("changed"));
	}
}

struct summary_item {
	const struct fl_change *change;  /* a single change, or: */
	char *group;                     /* "comments": elements added/removed */
	size_t added, removed;
};

void fl_changes_summary(struct strbuf *sb, const struct fl_changes *c,
			size_t max_items)
{
	struct summary_item *items = xcalloc(c->n + 1, sizeof(*items));
	size_t n = 0, i, j;

	for (i = 0; i < c->n; i++) {
		const struct fl_change *ch = &c->v[i];
		size_t len = strlen(ch->path);
		const char *br = strrchr(ch->path, '[');

		if (len && ch->path[len - 1] == ']' && br &&
		    (!ch->old_value || !ch->new_value)) {
			/* a whole element of an id array: count it under its array */
			size_t plen = (size_t)(br - ch->path);

			for (j = 0; j < n; j++)
				if (items[j].group && strlen(items[j].group) == plen &&
				    !memcmp(items[j].group, ch->path, plen))
					break;
			if (j == n)
				items[n++].group = xstrndup(ch->path, plen);
			if (ch->new_value)
				items[j].added++;
			else
				items[j].removed++;
		} else {
			items[n++].change = ch;
		}
	}

	for (i = 0; i < n && i < max_items; i++) {
		if (i)
			strbuf_addstr(sb, "; ");
		if (items[i].group) {
			strbuf_addf(sb, "%s: ", items[i].group);
			put_counts(sb, items[i].added, items[i].removed);
		} else {
			describe(sb, items[i].change);
		}
	}
	if (i < n)
		strbuf_addf(sb, _("%s…and %zu more"), i ? "; " : "", n - i);

	for (i = 0; i < n; i++)
		free(items[i].group);
	free(items);
}

/* ---- line diff ----------------------------------------------------------- */

struct line {
	const char *p;
	size_t len;
	unsigned long hash;
};

/* Splits s into lines (see the text model at the top); caller frees *out. */
static long split_lines(struct line **out, const char *s)
{
	long n = 0, i = 0;
	const char *p;

	*out = NULL;
	if (!s || !*s)
		return 0;
	for (p = s; *p; p++)
		if (*p == '\n')
			n++;
	n++;
	*out = xmalloc((size_t)n * sizeof(**out));
	for (p = s;; p++) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		unsigned long h = 5381;
		size_t k;

		for (k = 0; k < len; k++)
			h = h * 33 + (unsigned char)p[k];
		(*out)[i].p = p;
		(*out)[i].len = len;
		(*out)[i].hash = h;
		i++;
		if (!e)
			break;
		p = e;
	}
	return n;
}

static int same_line(const struct line *x, const struct line *y)
{
	return x->hash == y->hash && x->len == y->len && !memcmp(x->p, y->p, x->len);
}

struct ldiff {
	const struct line *a, *b;
	long na, nb;
	char *da, *db;      /* 1: line deleted from a / inserted into b */
	long *vf, *vb;      /* Myers' V arrays, forward and backward */
	long budget;
};

static int line_eq(const struct ldiff *d, long i, long j)
{
	return same_line(&d->a[i], &d->b[j]);
}

static void mark_all(struct ldiff *d, long a0, long n, long b0, long m)
{
	if (n > 0)
		memset(d->da + a0, 1, (size_t)n);
	if (m > 0)
		memset(d->db + b0, 1, (size_t)m);
}

static long lmax(long x, long y)
{
	return x > y ? x : y;
}

/*
 * Marks a minimal set of deletions from a[a0..a0+n) and insertions into
 * b[b0..b0+m): find the middle snake of an optimal path, recurse on both
 * sides of it. (After Myers 1986, section 4b, with both V arrays indexed
 * modulo z so they need only 2*min(n,m)+2 entries.)
 */
static void ldiff_rec(struct ldiff *d, long a0, long n, long b0, long m)
{
	long total, z, w, h, i;

	while (n > 0 && m > 0 && line_eq(d, a0, b0))
		a0++, b0++, n--, m--;
	while (n > 0 && m > 0 && line_eq(d, a0 + n - 1, b0 + m - 1))
		n--, m--;
	if (n == 0 || m == 0 || d->budget <= 0) {
		mark_all(d, a0, n, b0, m);
		return;
	}

	total = n + m;
	z = 2 * (n < m ? n : m) + 2;
	w = n - m;
	for (i = 0; i < z; i++)
		d->vf[i] = d->vb[i] = 0;

	for (h = 0; h <= total / 2 + total % 2; h++) {
		int r;

		if (d->budget <= 0)
			break;
		for (r = 0; r < 2; r++) {
			long *c = r == 0 ? d->vf : d->vb;   /* this direction */
			long *o = r == 0 ? d->vb : d->vf;   /* the other one */
			int fwd = r == 0;
			long k, kmin = -(h - 2 * lmax(0, h - m));
			long kmax = h - 2 * lmax(0, h - n);

			for (k = kmin; k <= kmax; k += 2) {
				long x, y, s, t, zk;

				if (k == -h || (k != h && c[((k - 1) % z + z) % z] <
						   c[((k + 1) % z + z) % z]))
					x = c[((k + 1) % z + z) % z];
				else
					x = c[((k - 1) % z + z) % z] + 1;
				y = x - k;
				s = x;
				t = y;
				while (x < n && y < m &&
				       (fwd ? line_eq(d, a0 + x, b0 + y)
					    : line_eq(d, a0 + n - 1 - x, b0 + m - 1 - y)))
					x++, y++;
				d->budget -= 1 + (x - s);
				c[(k % z + z) % z] = x;
				zk = -(k - w);
				if (total % 2 == fwd && zk >= -(h - fwd) && zk <= h - fwd &&
				    x + o[(zk % z + z) % z] >= n) {
					long dd, X, Y, U, V;

					if (fwd) {
						dd = 2 * h - 1;
						X = s, Y = t, U = x, V = y;
					} else {
						dd = 2 * h;
						X = n - x, Y = m - y, U = n - s, V = m - t;
					}
					if (dd > 1 || (X != U && Y != V)) {
						ldiff_rec(d, a0, X, b0, Y);
						ldiff_rec(d, a0 + U, n - U, b0 + V, m - V);
					} else if (m > n) {
						/* D <= 1 cannot happen once the common
						 * head and tail are trimmed; kept so the
						 * routine is right on its own */
						mark_all(d, 0, 0, b0 + n, m - n);
					} else if (m < n) {
						mark_all(d, a0 + m, n - m, 0, 0);
					}
					return;
				}
			}
		}
	}
	/* over budget: call the rest replaced */
	mark_all(d, a0, n, b0, m);
}

/* The line diff of two texts: their lines, and which of them changed. */
struct tdiff {
	struct line *a, *b;
	long na, nb;
	char *da, *db;      /* 1: line deleted from a / inserted into b */
};

/*
 * Sets has[i] when line i of `l` equals some line of `other`, through an
 * open-addressing table holding each distinct line of `other` once (so
 * that a text of many equal lines does not make one endless probe chain).
 */
static void mark_matched(char *has, const struct line *l, long n,
			 const struct line *other, long nother)
{
	size_t size = 2, mask, h;
	long *tab, i;

	while (size < 2 * (size_t)nother)
		size *= 2;
	mask = size - 1;
	tab = xmalloc(size * sizeof(*tab));
	for (h = 0; h < size; h++)
		tab[h] = -1;
	for (i = 0; i < nother; i++) {
		for (h = other[i].hash & mask; tab[h] >= 0; h = (h + 1) & mask)
			if (same_line(&other[tab[h]], &other[i]))
				break;
		if (tab[h] < 0)
			tab[h] = i;
	}
	for (i = 0; i < n; i++) {
		for (h = l[i].hash & mask; tab[h] >= 0; h = (h + 1) & mask) {
			if (same_line(&other[tab[h]], &l[i])) {
				has[i] = 1;
				break;
			}
		}
	}
	free(tab);
}

/* Copies the lines with keep[i] set into *out, their indices into *idx. */
static long keep_lines(struct line **out, long **idx, const struct line *l,
		       long n, const char *keep)
{
	long i, k = 0;

	*out = xmalloc(((size_t)n + 1) * sizeof(**out));
	*idx = xmalloc(((size_t)n + 1) * sizeof(**idx));
	for (i = 0; i < n; i++)
		if (keep[i]) {
			(*out)[k] = l[i];
			(*idx)[k++] = i;
		}
	return k;
}

/*
 * Diffs a and b (NULL is ""); release with tdiff_release. A line with no
 * equal anywhere on the other side cannot be part of any common
 * subsequence: it is marked changed at once and Myers runs on the rest
 * (as xdiff does), which keeps the result minimal and makes a rewritten
 * text cost linear time instead of quadratic.
 */
static void tdiff_run(struct tdiff *t, const char *a, const char *b)
{
	struct ldiff d;
	struct line *ra, *rb;
	long *ia, *ib, i, z;
	char *ka, *kb;

	t->na = split_lines(&t->a, a);
	t->nb = split_lines(&t->b, b);
	ka = xcalloc((size_t)t->na + 1, 1);
	kb = xcalloc((size_t)t->nb + 1, 1);
	mark_matched(ka, t->a, t->na, t->b, t->nb);
	mark_matched(kb, t->b, t->nb, t->a, t->na);

	d.na = keep_lines(&ra, &ia, t->a, t->na, ka);
	d.nb = keep_lines(&rb, &ib, t->b, t->nb, kb);
	d.a = ra;
	d.b = rb;
	d.da = xcalloc((size_t)d.na + 1, 1);
	d.db = xcalloc((size_t)d.nb + 1, 1);
	z = 2 * (d.na < d.nb ? d.na : d.nb) + 2;
	d.vf = xmalloc((size_t)z * sizeof(long));
	d.vb = xmalloc((size_t)z * sizeof(long));
	d.budget = DIFF_BUDGET;
	ldiff_rec(&d, 0, d.na, 0, d.nb);

	/* back to the full texts: unmatched lines changed, the rest as found */
	t->da = ka;
	t->db = kb;
	for (i = 0; i < t->na; i++)
		ka[i] = !ka[i];
	for (i = 0; i < t->nb; i++)
		kb[i] = !kb[i];
	for (i = 0; i < d.na; i++)
		t->da[ia[i]] = d.da[i];
	for (i = 0; i < d.nb; i++)
		t->db[ib[i]] = d.db[i];

	free(d.da);
	free(d.db);
	free(d.vf);
	free(d.vb);
	free(ra);
	free(rb);
	free(ia);
	free(ib);
}

static void tdiff_release(struct tdiff *t)
{
	free(t->a);
	free(t->b);
	free(t->da);
	free(t->db);
}

size_t fl_text_lines_changed(const char *a, const char *b)
{
	struct tdiff t;
	size_t n = 0;
	long i;

	if (!strcmp(a ? a : "", b ? b : ""))
		return 0;
	tdiff_run(&t, a, b);
	for (i = 0; i < t.na; i++)
		n += t.da[i];
	for (i = 0; i < t.nb; i++)
		n += t.db[i];
	tdiff_release(&t);
	return n;
}

struct op {
	char t;         /* ' ' both, '-' only in a, '+' only in b */
	long ai, bj;    /* positions in a and b when the op happens */
};

void fl_text_udiff(struct strbuf *sb, const char *a, const char *b, int context)
{
	struct tdiff d;
	struct op *ops;
	long nops = 0, i = 0, j = 0, k, prev_end = 0, ctx = context > 0 ? context : 0;

	if (!strcmp(a ? a : "", b ? b : ""))
		return;
	tdiff_run(&d, a, b);

	/* The edit script: within a change, deletions come first. */
	ops = xmalloc((size_t)(d.na + d.nb + 1) * sizeof(*ops));
	while (i < d.na || j < d.nb) {
		struct op *op = &ops[nops++];

		op->ai = i;
		op->bj = j;
		if (i < d.na && (d.da[i] || j >= d.nb)) {
			op->t = '-';
			i++;
		} else if (j < d.nb && (d.db[j] || i >= d.na)) {
			op->t = '+';
			j++;
		} else {
			op->t = ' ';
			i++, j++;
		}
	}

	/* Hunks: changes with ctx lines around them, joined when the gap
	 * between two changes is at most 2*ctx lines. */
	for (k = 0; k < nops;) {
		long start, last, end, an = 0, bn = 0, q;

		if (ops[k].t == ' ') {
			k++;
			continue;
		}
		start = lmax(prev_end, k - ctx);
		last = k;
		for (q = k + 1; q < nops;) {
			long r;

			if (ops[q].t != ' ') {
				last = q++;
				continue;
			}
			for (r = q; r < nops && ops[r].t == ' '; r++)
				;
			if (r == nops || r - q > 2 * ctx)
				break;
			q = r;
		}
		end = last + 1 + ctx < nops ? last + 1 + ctx : nops;
		for (q = start; q < end; q++) {
			an += ops[q].t != '+';
			bn += ops[q].t != '-';
		}
		strbuf_addf(sb, "@@ -%ld,%ld +%ld,%ld @@\n",
			    an ? ops[start].ai + 1 : ops[start].ai, an,
			    bn ? ops[start].bj + 1 : ops[start].bj, bn);
		for (q = start; q < end; q++) {
			const struct line *l = ops[q].t == '+' ? &d.b[ops[q].bj]
							       : &d.a[ops[q].ai];
			strbuf_addch(sb, ops[q].t);
			strbuf_add(sb, l->p, l->len);
			strbuf_addch(sb, '\n');
		}
		prev_end = k = end;
	}

	free(ops);
	tdiff_release(&d);
}
