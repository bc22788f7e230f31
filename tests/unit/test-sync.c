/*
 * test-sync.c: the pure parts of sync/clone.c. fl_prefix_cover names the
 * branches of one part of a reviewer's clone by prefixes: literal cases
 * pin the rule (a prefix shared with no name outside the range, the name
 * itself where there is none); then seeded random lists of ids, cut into
 * random parts, check that every name is matched by the patterns of its
 * own part and by no other's, that no pattern of one part can match what
 * a pattern of another matches (a branch pushed later lands in one part
 * at most), and that the patterns stay few.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "sync/sync.h"
#include "tests/unit/tap.h"

static char *joined(char **v, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", v[i]);
	return strbuf_detach(&sb, NULL);
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Checks the cover of v[i..j), as one string, against want. */
static void cover_is(const char *const *v, size_t n, size_t i, size_t j, const char *want,
		     const char *what)
{
	char **out;
	size_t k = fl_prefix_cover(&out, (char *const *)v, n, i, j);
	char *s = joined(out, k);
	IS(s, want, what);
	free(s);
	free_list(out, k);
}

/* How a refspec's source matches a name: a prefix with '*', or exactly. */
static int matches(const char *pattern, const char *name)
{
	size_t len = strlen(pattern);
	if (len && pattern[len - 1] == '*')
		return !strncmp(pattern, name, len - 1);
	return !strcmp(pattern, name);
}

/* Whether some string matches both patterns. */
static int overlap(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int ga = la && a[la - 1] == '*', gb = lb && b[lb - 1] == '*';
	if (ga && gb)
		return !strncmp(a, b, (la < lb ? la : lb) - 1);
	if (ga)
		return matches(a, b);
	if (gb)
		return matches(b, a);
	return !strcmp(a, b);
}

static void test_literal(void)
{
	static const char *const v[] = { "a", "ab", "abc", "b", "ba", "c" };
	static const char *const ids[] = { "an.bui.02266", "an.bui.15412", "an.chu.12916",
					   "anh.bui.1", "anh.cao.7", "hoang.la.03006" };
	static const struct {
		const char *const *v;
		size_t i, j;
		const char *want, *what;
	} cases[] = {
		{ v, 0, 6, "a* b* c*", "a whole list: a prefix for each first letter" },
		{ v, 0, 1, "a", "a name that begins the next one: itself" },
		{ v, 1, 3, "ab*", "a run that shares a prefix with none outside" },
		{ v, 2, 4, "abc* b", "cut inside a run: what is shared with none outside" },
		{ v, 3, 6, "b* c*", "the end of the list" },
		{ v, 2, 2, "", "an empty range: nothing" },
		{ ids, 0, 3, "an.*", "officer ids: a given name's prefix" },
		{ ids, 3, 6, "anh* h*", "the rest" },
		{ ids, 1, 4, "an.bui.1* an.c* anh.b*", "a range in the middle" },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(*cases); k++)
		cover_is(cases[k].v, 6, cases[k].i, cases[k].j, cases[k].want, cases[k].what);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned next(unsigned bound)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % bound);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Random officer-like ids, sorted, without duplicates. */
static size_t random_ids(char ***out, size_t want)
{
	static const char *given[] = { "an", "anh", "binh", "hanh", "hoa", "hoang", "lam", "thao" };
	static const char *family[] = { "bui", "do", "le", "ngo", "nguyen", "pham", "phan" };
	char **v = xcalloc(want, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < want; i++) {
		switch (next(4)) {
		case 0:   /* short ones that begin longer ones */
			v[i] = xstrfmt("%s.%s.%u", given[next(8)], family[next(7)], next(30));
			break;
		case 1:
			v[i] = xstrfmt("%s", given[next(8)]);
			break;
		default:
			v[i] = xstrfmt("%s.%s.%05u", given[next(8)], family[next(7)], next(40000));
		}
	}
	qsort(v, want, sizeof(*v), cmp);
	for (size_t i = 0; i < want; i++) {
		if (n && !strcmp(v[n - 1], v[i]))
			free(v[i]);
		else
			v[n++] = v[i];
	}
	*out = v;
	return n;
}

static void test_properties(void)
{
	int own = 1, other = 1, disjoint = 1, few = 1;

	for (int round = 0; round < 200; round++) {
		char **v;
		size_t n = random_ids(&v, 1 + next(round < 100 ? 40 : 3000));
		size_t nparts = 1 + next(8), at = 0;
		char **pat[9];
		size_t npat[9], lo[9], hi[9];

		for (size_t p = 0; p < nparts; p++) {
			lo[p] = at;
			hi[p] = p == nparts - 1 ? n : at + next((unsigned)(n - at) + 1);
			at = hi[p];
			npat[p] = fl_prefix_cover(&pat[p], v, n, lo[p], hi[p]);
			if (n >= 1000 && npat[p] > 60 + (hi[p] - lo[p]) / 20)
				few = 0;
		}
		for (size_t p = 0; p < nparts; p++) {
			for (size_t i = 0; i < n; i++) {
				int hit = 0;
				for (size_t k = 0; k < npat[p]; k++)
					hit |= matches(pat[p][k], v[i]);
				if (i >= lo[p] && i < hi[p] && !hit)
					own = 0;
				if ((i < lo[p] || i >= hi[p]) && hit)
					other = 0;
			}
			for (size_t q = p + 1; q < nparts; q++)
				for (size_t a = 0; a < npat[p]; a++)
					for (size_t b = 0; b < npat[q]; b++)
						if (overlap(pat[p][a], pat[q][b])) {
							if (disjoint)
								printf("# overlap: '%s' '%s'\n",
								       pat[p][a], pat[q][b]);
							disjoint = 0;
						}
		}
		for (size_t p = 0; p < nparts; p++)
			free_list(pat[p], npat[p]);
		free_list(v, n);
	}
	OK(own, "every name is matched by its own part's patterns");
	OK(other, "and by no other part's");
	OK(disjoint, "no string matches patterns of two parts");
	OK(few, "the patterns of a part of a big list are few");
}

int main(void)
{
	test_literal();
	test_properties();
	return tap_done();
}
