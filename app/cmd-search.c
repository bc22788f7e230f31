/*
 * cmd-search.c: `fieldlog search TEXT [filters]`: full-text search over
 * titles, descriptions, findings, comments and responses, insensitive to
 * Vietnamese diacritics, with the matching words shown in context.
 *
 * The index (schema/db.c) indexes every searchable text in the FTS5 table
 * `search` as fl_text_fold() makes it (`folded`: no marks, lower case,
 * đ → d), contentless: a hit's text as written is read back from its
 * record (fl_db_texts), which stores it anyway. FTS5 alone cannot fold
 * đ (PLATFORM-NOTES), so matching runs over `folded` with the query
 * folded the same way: each query word becomes a term (a prefix when
 * typed with `*`), all of them required. Among the hits, those whose text
 * has the words with the marks as typed come first (someone typing "đất"
 * wants "đất" before "đạt"), then the most recently changed. Checking marks
 * on the hits, rather than with a second index, halves the cost of indexing.
 *
 * Why not FTS5's bm25: it must score every hit before it can return the
 * best, and a common word hits tens of thousands of texts at national
 * scale (measured at 100k records: 180-250 ms for "cong chuc", against
 * 1-12 ms for the latest 400 hits). Text rowids follow the records'
 * updated_at (records.seq, schema/db.c), so walking the index backwards
 * yields the latest first and stops after `cap` texts. Among short
 * administrative texts, "newest first" is also what a reviewer reads down
 * anyway.
 *
 * Input is NFC at the edges (argv and record files alike), so text typed
 * decomposed (NFD) and composed (NFC) meet in the same form here.
 *
 * Context snippets come from the original text. Folding maps each code
 * point to exactly one code point, so a match found at code points
 * [a, b) of the folded text is at code points [a, b) of the original;
 * we find the matching words in the folded text and mark the same code
 * points of the original.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/records.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/text.h"

#define DEFAULT_LIMIT 50
#define SNIPPET_BEFORE 40     /* code points of context before the first match */
#define SNIPPET_LEN 140       /* code points in a snippet at most */

static const char search_usage[] =
	"fieldlog search WORDS [--kind K] [filters] [--limit N] [--json]\n"
	"  whole words, marks optional (dat dai finds \"đất đai\"); word* for a prefix;\n"
	"  words typed with marks first, then the latest changed";

/* --- words --------------------------------------------------------------- */

/*
 * Letters, digits, private use and marks make words, as for FTS5's
 * unicode61 tokenizer (marks included so that a mark NFC could not attach
 * stays in its word, as in the folded text).
 */
static int is_word_cp(int32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
	case UTF8PROC_CATEGORY_CO:
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
		return 1;
	default:
		return 0;
	}
}

/* Valid UTF-8 s as code points and the byte offset of each (n + 1 offsets). */
struct cps {
	int32_t *cp;
	size_t *off;
	size_t n;
};

static void cps_decode(struct cps *c, const char *s)
{
	size_t len = strlen(s), i = 0;
	c->cp = xmalloc((len + 1) * sizeof(*c->cp));
	c->off = xmalloc((len + 1) * sizeof(*c->off));
	c->n = 0;
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0) {   /* cannot happen on valid text; step over the byte */
			cp = 0xFFFD;
			k = 1;
		}
		c->cp[c->n] = cp;
		c->off[c->n++] = i;
		i += (size_t)k;
	}
	c->off[c->n] = len;
}

static void cps_release(struct cps *c)
{
	free(c->cp);
	free(c->off);
}

/* The words of a query: folded (for matching) and as typed (NFC). */
struct query {
	struct strlist folded, typed;
	struct cps *fcp;        /* code points of each folded word */
	unsigned char *prefix;  /* per folded word: typed with a trailing '*' */
	size_t prefix_alloc;
};

static void query_parse(struct query *q, const char *nfc)
{
	char *folded = fl_text_fold(nfc);
	struct cps f, t;
	size_t i = 0;

	memset(q, 0, sizeof(*q));
	cps_decode(&f, folded);
	cps_decode(&t, nfc);
	while (i < f.n) {
		size_t a;
		while (i < f.n && !is_word_cp(f.cp[i]))
			i++;
		if (i == f.n)
			break;
		for (a = i; i < f.n && is_word_cp(f.cp[i]); i++)
			;
		char *w = xstrndup(folded + f.off[a], f.off[i] - f.off[a]);
		strlist_add(&q->folded, w);
		free(w);
		FL_ALLOC_GROW(q->prefix, q->folded.n, q->prefix_alloc);
		q->prefix[q->folded.n - 1] = i < f.n && f.cp[i] == '*';
		/* The fold keeps code-point counts; if not, match unaccented only. */
		if (t.n == f.n) {
			w = xstrndup(nfc + t.off[a], t.off[i] - t.off[a]);
			strlist_add(&q->typed, w);
			free(w);
		}
	}
	/*
	 * Typed without any marks ("dat dai"): the user does not care about
	 * marks, so no hit is more exact than another.
	 */
	if (t.n == f.n) {
		int marked = 0;
		for (size_t j = 0; j < t.n && !marked; j++)
			marked = utf8proc_tolower(t.cp[j]) != f.cp[j];
		if (!marked) {
			strlist_release(&q->typed);
			memset(&q->typed, 0, sizeof(q->typed));
		}
	}
	q->fcp = xcalloc(q->folded.n + 1, sizeof(*q->fcp));
	for (size_t k = 0; k < q->folded.n; k++)
		cps_decode(&q->fcp[k], q->folded.v[k]);
	cps_release(&f);
	cps_release(&t);
	free(folded);
}

static void query_release(struct query *q)
{
	for (size_t k = 0; k < q->folded.n; k++)
		cps_release(&q->fcp[k]);
	free(q->fcp);
	free(q->prefix);
	strlist_release(&q->folded);
	strlist_release(&q->typed);
}

/*
 * An FTS5 query over one column: "w1" AND "w2"* (quotes doubled): whole
 * words, or a prefix where the user typed "w2*". Whole words by default
 * because Vietnamese words are syllables typed in full ("an" must not find
 * "anh" and "ang"), and because FTS5 answers a prefix by merging the hit
 * lists of every word that starts with it: at 100k records "dong"* AND
 * "nai"* costs 20 ms where "dong" AND "nai" costs under 1.
 */
static char *fts_query(const char *column, const struct query *q)
{
	const struct strlist *words = &q->folded;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s : (", column);
	for (size_t k = 0; k < words->n; k++) {
		if (k)
			strbuf_addstr(&sb, " AND ");
		strbuf_addch(&sb, '"');
		for (const char *p = words->v[k]; *p; p++) {
			if (*p == '"')
				strbuf_addch(&sb, '"');
			strbuf_addch(&sb, *p);
		}
		strbuf_addstr(&sb, q->prefix[k] ? "\"*" : "\"");
	}
	strbuf_addch(&sb, ')');
	return strbuf_detach(&sb, NULL);
}

/* --- snippets ------------------------------------------------------------ */

/*
 * The part of `text` around the first matching word, with every word whose
 * folded form is a folded query word (or starts with a prefix one) between
 * open and close.
 * Newlines become spaces; "…" marks a cut.
 */
static char *snippet(const char *text, const char *folded, const struct query *q,
		     const char *open, const char *close)
{
	struct cps t, f;
	struct strbuf sb = STRBUF_INIT;
	unsigned char *mark;
	size_t i, first = SIZE_MAX, start, end;

	cps_decode(&t, text);
	cps_decode(&f, folded);
	mark = xcalloc(t.n + 1, 1);   /* 1 = first code point of a marked word, 2 = inside */
	if (t.n == f.n) {
		i = 0;
		while (i < f.n) {
			size_t a;
			while (i < f.n && !is_word_cp(f.cp[i]))
				i++;
			for (a = i; i < f.n && is_word_cp(f.cp[i]); i++)
				;
			if (a == i)
				continue;
			for (size_t k = 0; k < q->folded.n; k++) {
				const struct cps *w = &q->fcp[k];
				if (w->n > i - a || (!q->prefix[k] && w->n != i - a) ||
				    memcmp(w->cp, f.cp + a, w->n * sizeof(*w->cp)))
					continue;
				mark[a] = 1;
				for (size_t j = a + 1; j < i; j++)
					mark[j] = 2;
				if (first == SIZE_MAX)
					first = a;
				break;
			}
		}
	}
	if (first == SIZE_MAX)
		first = 0;

	/* A window starting and ending at word boundaries. */
	start = first > SNIPPET_BEFORE ? first - SNIPPET_BEFORE : 0;
	if (start > 0) {
		while (start < first && is_word_cp(t.cp[start - 1]))
			start++;
	}
	end = start + SNIPPET_LEN < t.n ? start + SNIPPET_LEN : t.n;
	if (end < t.n) {
		size_t e = end;
		while (e > first + 1 && is_word_cp(t.cp[e]) && is_word_cp(t.cp[e - 1]))
			e--;
		end = e;
		while (end < t.n && mark[end] == 2)   /* never cut a marked word */
			end++;
	}
	/* Skip leading blanks of the window. */
	while (start < end && (t.cp[start] == ' ' || t.cp[start] == '\n' || t.cp[start] == '\t'))
		start++;

	if (start > 0)
		strbuf_addstr(&sb, "…");
	for (i = start; i < end; i++) {
		if (mark[i] == 1)
			strbuf_addstr(&sb, open);
		if (t.cp[i] == '\n' || t.cp[i] == '\r' || t.cp[i] == '\t')
			strbuf_addch(&sb, ' ');
		else
			strbuf_add(&sb, text + t.off[i], t.off[i + 1] - t.off[i]);
		if (mark[i] && mark[i + 1] != 2)
			strbuf_addstr(&sb, close);
	}
	if (end < t.n)
		strbuf_addstr(&sb, "…");
	free(mark);
	cps_release(&t);
	cps_release(&f);
	return strbuf_detach(&sb, NULL);
}

/* --- a set of ids (one hit per record) ------------------------------------ */

struct idset {
	char **slot;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Adds id; returns 1 when it was new. */
static int idset_add(struct idset *set, const char *id)
{
	if (2 * (set->n + 1) > set->cap) {
		struct idset bigger = { NULL, set->cap ? 2 * set->cap : 64, 0 };
		bigger.slot = xcalloc(bigger.cap, sizeof(char *));
		for (size_t i = 0; i < set->cap; i++)
			if (set->slot[i]) {
				size_t j = hash_str(set->slot[i]) & (bigger.cap - 1);
				while (bigger.slot[j])
					j = (j + 1) & (bigger.cap - 1);
				bigger.slot[j] = set->slot[i];
			}
		free(set->slot);
		set->slot = bigger.slot;
		set->cap = bigger.cap;
	}
	size_t j = hash_str(id) & (set->cap - 1);
	while (set->slot[j]) {
		if (!strcmp(set->slot[j], id))
			return 0;
		j = (j + 1) & (set->cap - 1);
	}
	set->slot[j] = xstrdup(id);
	set->n++;
	return 1;
}

static void idset_release(struct idset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
}

/* --- exact marks ------------------------------------------------------------ */

/*
 * 1 when every word typed with its marks occurs in the NFC text with the
 * same marks (case aside) as a whole word (or at the start of one, for a
 * prefix). The index only matches
 * folded words; this decides which hits come first, so `đất đai` ranks
 * "đất đai" above "đạt đài".
 */
static int exact_match(const char *text, const struct query *q)
{
	struct cps t;
	int all = 1;

	if (!q->typed.n)
		return 0;
	cps_decode(&t, text);
	for (size_t k = 0; k < q->typed.n && all; k++) {
		struct cps w;
		int found = 0;
		cps_decode(&w, q->typed.v[k]);
		for (size_t i = 0; !found && i + w.n <= t.n; i++) {
			size_t j;
			if (i > 0 && is_word_cp(t.cp[i - 1]))
				continue;
			for (j = 0; j < w.n; j++)
				if (utf8proc_tolower(t.cp[i + j]) != utf8proc_tolower(w.cp[j]))
					break;
			found = j == w.n && (q->prefix[k] || i + j == t.n || !is_word_cp(t.cp[i + j]));
		}
		cps_release(&w);
		all = found;
	}
	cps_release(&t);
	return all;
}

struct hit {
	char *id;
	int n;           /* which text of the record (fl_db_texts) */
	int exact;       /* has the words with their marks as typed */
};

/* Text number n of a record (fl_db_texts). */
struct nth {
	int n;
	const char *field, *text;
};

static void pick_nth(void *p, int n, const char *field, const char *text)
{
	struct nth *w = p;
	if (n == w->n) {
		w->field = field;
		w->text = text;
	}
}

/* --- the command ------------------------------------------------------------ */

/* What a hit is about, in one line. */
static const char *headline(const cJSON *rec)
{
	const char *kind = fl_json_str(rec, "kind");
	if (!strcmp(kind, "issue"))
		return fl_json_str(rec, "title");
	if (!strcmp(kind, "visit") || !strcmp(kind, "report"))
		return *fl_json_str(rec, "summary") ? fl_json_str(rec, "summary")
						    : fl_json_str(rec, "week");
	if (!strcmp(kind, "schedule"))
		return fl_json_str(rec, "week");
	if (!strcmp(kind, "response"))
		return fl_json_str(rec, "text");
	return "";
}

/* The hits read from the index, latest first, and what is known of the rest. */
struct hits {
	struct hit *v;
	size_t n, alloc;
	size_t total;      /* records matching in all, when `exhausted` */
	int exhausted;     /* the texts read are all the hits there are */
};

static void hits_release(struct hits *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		free(hs->v[i].id);
	free(hs->v);
	memset(hs, 0, sizeof(*hs));
}

/*
 * Reads the latest `cap` matching texts into hs, marking those with the
 * typed marks (q->typed) as exact; returns how many distinct records
 * they hold. Texts join their record by seq (record seq = text rowid /
 * 1024, see schema/db.c): the index is contentless, so a hit's text is
 * text number rowid % 1024 of its record, whose rows come together.
 */
static size_t search_read(struct hits *hs, struct ws *ws, const struct filters *f,
			  const char *select, const char *fq, const struct query *q, size_t cap)
{
	struct idset distinct = { NULL, 0, 0 };
	sqlite3_stmt *st = filters_query(ws, f, f->kind, select, "s.rowid DESC LIMIT :cap");
	cJSON *rec = NULL;
	char *rec_id = NULL;
	size_t rows = 0, found;

	fl_bind_text(st, ":q", fq);
	fl_bind_int(st, ":cap", (long long)cap);
	while (fl_step(st)) {
		const char *id = fl_col_text(st, 0);
		struct hit *h;

		FL_ALLOC_GROW(hs->v, hs->n + 1, hs->alloc);
		h = &hs->v[hs->n++];
		memset(h, 0, sizeof(*h));
		h->id = xstrdup(id);
		h->n = sqlite3_column_int(st, 1);
		/*
		 * Typed marks rank every hit read, so they need its text
		 * now (the stored JSON was checked when it was indexed);
		 * otherwise only the records shown need it, when printed.
		 */
		if (q->typed.n) {
			if (!rec_id || strcmp(rec_id, id)) {
				cJSON_Delete(rec);
				free(rec_id);
				rec_id = xstrdup(id);
				rec = cJSON_ParseWithLength(fl_col_text(st, 2),
							    (size_t)sqlite3_column_bytes(st, 2));
			}
			struct nth want = { h->n, NULL, NULL };
			if (rec)
				fl_db_texts(rec, pick_nth, &want);
			h->exact = want.text && exact_match(want.text, q);
		}
		idset_add(&distinct, h->id);
		rows++;
	}
	cJSON_Delete(rec);
	free(rec_id);
	sqlite3_finalize(st);
	found = distinct.n;
	idset_release(&distinct);
	if (rows < cap) {
		hs->exhausted = 1;
		hs->total = found;
	}
	return rows < cap ? SIZE_MAX : found;
}

/*
 * Collects the hits: the latest `cap` texts, not all of them (a common
 * word matches tens of thousands at national scale); if those hold fewer
 * than `limit` records, asks for more. Typed marks reorder hits, so look
 * further back for exact ones; an unmarked query keeps the index's order
 * and needs only `limit` records' worth of texts (a record has a few
 * searchable texts).
 */
static void search_collect(struct hits *hs, struct ws *ws, struct filters *f, const char *fq,
			   const struct query *q, size_t limit)
{
	size_t cap = q->typed.n ? (limit * 8 < 400 ? 400 : limit * 8) : (limit < 16 ? 64 : limit * 4);
	/* The record's JSON only when marks rank the hits (see search_read). */
	char *select = xstrfmt("SELECT r.id, s.rowid %% 1024, %s FROM search s"
			       " JOIN records r ON r.seq = s.rowid / 1024 WHERE search MATCH :q",
			       q->typed.n ? "r.json" : "NULL");

	f->sort = NULL;
	for (;;) {
		size_t found = search_read(hs, ws, f, select, fq, q, cap);
		if (found == SIZE_MAX || found >= limit || cap > (1u << 24))
			break;
		for (size_t i = 0; i < hs->n; i++)
			free(hs->v[i].id);
		hs->n = 0;
		cap *= 4;
	}
	free(select);
}

/*
 * How many records match in all: known when every hit was read, else
 * counted from the index alone (no stored text is read).
 */
static size_t search_total(const struct hits *hs, struct ws *ws, const struct filters *f,
			   const char *fq)
{
	int filtered = f->kind || f->province || f->commune || f->officer || f->domain ||
		       f->status || f->severity || f->since || f->until || f->week ||
		       f->escalated || f->deleted;
	sqlite3_stmt *cnt;
	size_t total;

	if (hs->exhausted)
		return hs->total;
	cnt = filtered ? filters_query(ws, f, f->kind,
			"SELECT count(DISTINCT r.rowid) FROM search s"
			" JOIN records r ON r.seq = s.rowid / 1024 WHERE search MATCH :q", "1")
		: fl_db_prepare(ws->db, "SELECT count(DISTINCT rowid / 1024) FROM search"
				" WHERE search MATCH :q");
	fl_bind_text(cnt, ":q", fq);
	total = fl_step(cnt) ? (size_t)sqlite3_column_int64(cnt, 0) : 0;
	sqlite3_finalize(cnt);
	return total;
}

/* A stable partition: exact hits, then the others, each latest first. */
static void rank_exact(struct hits *hs)
{
	struct hit *sorted = xmalloc((hs->n ? hs->n : 1) * sizeof(*sorted));
	size_t k = 0;

	for (int pass = 1; pass >= 0; pass--)
		for (size_t i = 0; i < hs->n; i++)
			if (hs->v[i].exact == pass)
				sorted[k++] = hs->v[i];
	free(hs->v);
	hs->v = sorted;
	hs->alloc = hs->n ? hs->n : 1;
}

/* A hit for --json: the record with the matching field and a snippet. */
static cJSON *hit_json(cJSON *rec, const struct nth *want, const struct query *q)
{
	char *folded = fl_text_fold(want->text);
	char *snip = snippet(want->text, folded, q, "[", "]");
	cJSON *h = cJSON_CreateObject();

	cJSON_AddStringToObject(h, "id", fl_json_str(rec, "id"));
	cJSON_AddStringToObject(h, "kind", fl_json_str(rec, "kind"));
	cJSON_AddStringToObject(h, "author", fl_json_str(rec, "author"));
	cJSON_AddStringToObject(h, "field", want->field);
	cJSON_AddStringToObject(h, "snippet", snip);
	cJSON_AddItemToObject(h, "record", rec);
	free(snip);
	free(folded);
	return h;
}

/* A hit for people: what it is, whose, and the words in context. */
static void print_hit(struct ws *ws, const cJSON *rec, const struct nth *want,
		      const struct query *q, int tty)
{
	char *folded = fl_text_fold(want->text);
	char *snip = snippet(want->text, folded, q, tty ? "\033[1m" : "[", tty ? "\033[0m" : "]");
	char *head = xstrdup(headline(rec));
	char *nl = strchr(head, '\n');

	if (nl)
		*nl = '\0';
	printf("%s %s  %s — %s\n", padded(label(fl_json_str(rec, "kind")), 8),
	       short_id(fl_json_str(rec, "id")),
	       officer_name(ws, fl_json_str(rec, "author")), head);
	printf("         %s: %s\n", label(want->field), snip);
	free(head);
	free(snip);
	free(folded);
}

/*
 * Shows the first `limit` records of hs, one hit each, printed or added
 * to `json` (an array); returns how many were shown.
 */
static size_t search_show(struct ws *ws, const struct hits *hs, const struct query *q,
			  size_t limit, cJSON *json)
{
	struct idset seen = { NULL, 0, 0 };
	int tty = out_is_tty();
	size_t shown = 0;

	for (size_t i = 0; i < hs->n && shown < limit; i++) {
		if (!idset_add(&seen, hs->v[i].id))
			continue;
		cJSON *rec = fl_db_get(ws->db, hs->v[i].id);
		struct nth want = { hs->v[i].n, NULL, NULL };
		if (rec)
			fl_db_texts(rec, pick_nth, &want);
		if (!want.text) {
			cJSON_Delete(rec);
			continue;   /* only if the index is stale */
		}
		shown++;
		if (json) {
			cJSON_AddItemToArray(json, hit_json(rec, &want, q));
		} else {
			print_hit(ws, rec, &want, q, tty);
			cJSON_Delete(rec);
		}
	}
	idset_release(&seen);
	return shown;
}

int cmd_search(int argc, const char **argv, struct ws *ws)
{
	struct filters f;
	const char **pos;
	int npos, rc;
	memset(&f, 0, sizeof(f));
	struct opt opts[] = {
		{ "kind", OPT_STR, &f.kind, "K", N_("only records of this kind") },
		FILTER_OPTS(f),
		OPT_END
	};
	struct strbuf text = STRBUF_INIT;
	struct query q;
	struct hits hs = { NULL, 0, 0, 0, 0 };
	char *fq = NULL;
	size_t limit = DEFAULT_LIMIT, shown, total;
	cJSON *json = NULL;

	memset(&q, 0, sizeof(q));
	parse_opts(argc, argv, opts, search_usage, &pos, &npos);
	if (!npos) {
		rc = usage_error(search_usage, "give the text to search for");
		goto out;
	}
	for (int i = 0; i < npos; i++)
		strbuf_addf(&text, "%s%s", i ? " " : "", pos[i]);
	if (f.kind && fl_kind_parse(f.kind) == FL_KIND_NONE) {
		rc = error_exit("unknown kind '%s' (schedule, visit, issue, report, response)", f.kind);
		goto out;
	}
	if (filters_check(&f) < 0) {
		rc = fail();
		goto out;
	}
	if (f.format && !strcmp(f.format, "csv")) {
		rc = error_exit("search prints a list or JSON, not CSV (see 'fieldlog export')");
		goto out;
	}
	if (f.limit)
		limit = (size_t)f.nlimit;
	f.limit = NULL;   /* applied per record below, not per matching text */

	query_parse(&q, text.buf);
	if (!q.folded.n) {
		rc = error_exit("nothing to search for in '%s' (give words)", text.buf);
		goto out;
	}
	fq = fts_query("folded", &q);
	search_collect(&hs, ws, &f, fq, &q, limit);
	fl_trace("search: %zu texts", hs.n);
	total = search_total(&hs, ws, &f, fq);
	fl_trace("search: counted %zu", total);
	rank_exact(&hs);
	if (f.json)
		json = cJSON_CreateArray();
	shown = search_show(ws, &hs, &q, limit, json);

	if (json)
		print_json(json);
	else if (total > shown)
		printf(_("%zu of %zu records shown (--limit N for more)\n"), shown, total);
	else if (out_is_tty() || !total)
		printf(_("%zu record%s found\n"), total, total == 1 ? "" : "s");
	rc = EXIT_OK;
out:
	cJSON_Delete(json);
	hits_release(&hs);
	free(fq);
	query_release(&q);
	strbuf_release(&text);
	return rc;
}
