/*
 * text.c: validation, NFC normalisation, search folding and display width
 * of UTF-8 text.
 *
 * fieldlog keeps one rule for text (docs/design.md, "Canonical form"; STYLE 6): whatever crosses an
 * edge (argv, stdin, files, blobs read from git) is checked here and
 * normalised to NFC, so everything inside is valid NFC UTF-8 without NUL
 * bytes. The validator is our own strict decoder rather than whatever a
 * library happens to tolerate: overlong forms, UTF-16 surrogates, code
 * points above U+10FFFF and NUL are all refused, because each of them has
 * been used to smuggle a second spelling of the same text past a check.
 *
 * Folding serves diacritic-insensitive Vietnamese search. SQLite's FTS5
 * cannot do it alone (PLATFORM-NOTES: it never folds đ/Đ, and
 * remove_diacritics=1 misses letters with two marks such as ể, ộ, ờ), so
 * we index a folded column built by fl_text_fold(). Folding maps every
 * NFC code point to exactly one code point, which keeps match offsets in
 * the folded text valid as code-point offsets in the original.
 *
 * Normalisation, decomposition, case mapping and character widths come
 * from utf8proc.
 */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base.h"

#define REPLACEMENT_CHAR 0xFFFD

/*
 * Decodes one code point from s[0..len) (len >= 1) into *cp and returns its
 * length in bytes, or 0 when the bytes there are not well-formed UTF-8.
 * NUL decodes as U+0000; callers that refuse NUL check for it themselves.
 */
static size_t utf8_decode(const unsigned char *s, size_t len,
			  utf8proc_int32_t *cp)
{
	unsigned char b = s[0];
	utf8proc_int32_t c, min;
	size_t n, i;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	/*
	 * 80..BF are continuation bytes and cannot start a sequence. C0 and
	 * C1 could only start two-byte overlong spellings of ASCII (C0 80 is
	 * the classic "modified UTF-8" NUL), so they are refused outright.
	 * F5..FF would start sequences above U+10FFFF.
	 */
	if (b < 0xC2 || b > 0xF4)
		return 0;
	if (b < 0xE0) {
		n = 2;
		c = b & 0x1F;
		min = 0x80;
	} else if (b < 0xF0) {
		n = 3;
		c = b & 0x0F;
		min = 0x800;
	} else {
		n = 4;
		c = b & 0x07;
		min = 0x10000;
	}
	/* A sequence cut short by the end of the buffer is invalid. */
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	/*
	 * Overlong: E0 80..9F and F0 80..8F encode values a shorter sequence
	 * could hold. Surrogates (ED A0..BF) are UTF-16 halves, never
	 * characters. F4 90 and up exceed U+10FFFF.
	 */
	if (c < min || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		return 0;
	*cp = c;
	return n;
}

/*
 * Lenient decoding for functions whose input is valid by contract: a byte
 * that does not start a valid sequence counts as one U+FFFD, so a broken
 * string yields odd output but never a crash or an endless loop.
 */
static size_t next_cp(const unsigned char *s, size_t len, utf8proc_int32_t *cp)
{
	size_t n = utf8_decode(s, len, cp);
	if (!n) {
		*cp = REPLACEMENT_CHAR;
		n = 1;
	}
	return n;
}

int fl_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		utf8proc_int32_t cp;
		size_t n;

		/* Fast path for ASCII; NUL is valid UTF-8 but not for us. */
		if (p[i] < 0x80) {
			if (!p[i])
				return 0;
			i++;
			continue;
		}
		n = utf8_decode(p + i, len - i, &cp);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

/*
 * A quick "already NFC" test for valid UTF-8, in the spirit of Unicode's
 * NFC_Quick_Check: every code point lies in a range where each character
 * is its own NFC form and cannot combine with what precedes it. ASCII,
 * Latin-1 to Latin Extended-B (below U+0300, where the combining marks
 * start), Latin Extended Additional (U+1E00..U+1EFF: the precomposed
 * Vietnamese letters) and general punctuation apart from the two
 * singletons U+2000/U+2001. That is nearly all Vietnamese text, which then
 * skips utf8proc's decompose-recompose round trip; anything else takes it.
 */
static int nfc_quick_cp(utf8proc_int32_t cp)
{
	return cp < 0x300 || (cp >= 0x1E00 && cp <= 0x1EFF) || (cp >= 0x2010 && cp <= 0x206F);
}

static int nfc_quick(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		utf8proc_int32_t cp;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		i += next_cp(p + i, len - i, &cp);
		if (!nfc_quick_cp(cp))
			return 0;
	}
	return 1;
}

void fl_text_scan(struct fl_text_scan *sc, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	memset(sc, 0, sizeof(*sc));
	sc->valid = sc->nfc = 1;
	while (p[i]) {
		unsigned char c = p[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f) {
				if (c == '\n')
					sc->newline = 1;
				else if (c == '\t')
					sc->tab = 1;
				else
					sc->control = 1;
			}
			i++;
			continue;
		}
		/*
		 * 4, the longest sequence: the NUL ending s is no continuation
		 * byte, so decoding stops there.
		 */
		utf8proc_int32_t cp;
		size_t n = utf8_decode(p + i, 4, &cp);
		if (!n) {
			sc->valid = 0;
			i += strlen((const char *)p + i);
			break;
		}
		if (cp >= 0x80 && cp <= 0x9f)
			sc->control = 1;
		if (!nfc_quick_cp(cp))
			sc->nfc = 0;
		i += n;
	}
	sc->len = i;
	if (!sc->nfc && sc->valid)
		sc->nfc = fl_text_is_nfc(s, i);
}

int fl_text_nfc(char **out, const char *s, size_t len, const char *what)
{
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t n;

	*out = NULL;
	if (!fl_utf8_valid(s, len))
		return fl_error(FL_EINVALID, "invalid UTF-8 in %s", what);
	if (nfc_quick(s, len)) {
		*out = xstrndup(s, len);
		return 0;
	}
	/*
	 * The input is validated above, so utf8proc can only fail for lack of
	 * memory (fatal, as everywhere) or for a length it cannot represent.
	 * UTF8PROC_STABLE keeps unassigned code points as they are, so the
	 * result does not change when utf8proc's Unicode tables do.
	 */
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
			 &dst, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
	if (n == UTF8PROC_ERROR_NOMEM)
		fl_die("out of memory normalising %s", what);
	if (n < 0) {
		free(dst);
		return fl_error(FL_EINVALID, "invalid UTF-8 in %s", what);
	}
	*out = (char *)dst;
	return 0;
}

int fl_text_is_nfc(const char *s, size_t len)
{
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t n;
	int same;

	if (nfc_quick(s, len))
		return 1;
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &dst,
			 UTF8PROC_COMPOSE | UTF8PROC_STABLE);
	if (n == UTF8PROC_ERROR_NOMEM)
		fl_die("out of memory normalising text");
	same = n >= 0 && (size_t)n == len && !memcmp(dst, s, len);
	free(dst);
	return same;
}

static int is_mark(utf8proc_int32_t cp)
{
	utf8proc_category_t cat = utf8proc_category(cp);
	return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
	       cat == UTF8PROC_CATEGORY_ME;
}

/* The folded form of one code point taken from NFC text. */
static utf8proc_int32_t fold_cp_slow(utf8proc_int32_t cp);

/* Folding is a pure function of the code point: remember the common ones. */
static utf8proc_int32_t fold_cp(utf8proc_int32_t cp)
{
	static utf8proc_int32_t cache[0x2000];
	static unsigned char known[0x2000];
	if (cp < 0 || cp >= 0x2000)
		return fold_cp_slow(cp);
	if (!known[cp]) {
		cache[cp] = fold_cp_slow(cp);
		known[cp] = 1;
	}
	return cache[cp];
}

static utf8proc_int32_t fold_cp_slow(utf8proc_int32_t cp)
{
	utf8proc_int32_t d[8];
	utf8proc_ssize_t n, i;
	int boundclass = 0;

	/* đ and Đ are letters of their own, not d plus a mark. */
	if (cp == 0x0110 || cp == 0x0111)
		return 'd';
	/*
	 * Canonical decomposition: ể becomes e, U+0302, U+0309. The base is
	 * kept only when everything after it is a combining mark, so a Hangul
	 * syllable (which decomposes into jamo letters, not marks) stays
	 * whole instead of being cut down to its first jamo.
	 */
	n = utf8proc_decompose_char(cp, d, (utf8proc_ssize_t)FL_ARRAY_SIZE(d),
				    UTF8PROC_DECOMPOSE, &boundclass);
	if (n >= 2 && n <= (utf8proc_ssize_t)FL_ARRAY_SIZE(d)) {
		for (i = 1; i < n && is_mark(d[i]); i++)
			;
		if (i == n)
			cp = d[0];
	}
	/*
	 * Simple (one-to-one) lower-casing: full case folding would turn ß
	 * into "ss" and break the one-code-point-per-code-point promise.
	 */
	return utf8proc_tolower(cp);
}

/*
 * Folds s[0..len) into out, which has room for 3 * len + 1 bytes: each
 * input byte yields at most 3 output bytes (a bad byte becomes U+FFFD, 3
 * bytes; a code point folds to one of at most 1.5 times its length, as
 * U+023A, 2 bytes, to U+2C65, 3 bytes). Strict, it gives up (returns 0)
 * at the first code point that is not valid, plainly NFC UTF-8; lenient,
 * each bad byte folds as U+FFFD. Returns 1 when it folded all of s.
 */
static int fold_into(char *out, const char *s, size_t len, int strict)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;

	while (i < len) {
		if (p[i] < 0x80) {
			/* ASCII: lower case, nothing else (the common case). */
			unsigned char c = p[i++];
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			continue;
		}
		utf8proc_int32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (strict && (!n || !nfc_quick_cp(cp)))
			return 0;
		if (!n) {
			cp = REPLACEMENT_CHAR;
			n = 1;
		}
		i += n;
		o += (size_t)utf8proc_encode_char(fold_cp(cp), (utf8proc_uint8_t *)out + o);
	}
	out[o] = '\0';
	return 1;
}

/*
 * Any change to what this returns bumps fl_text_fold_version (text.h).
 *
 * One pass for text that is valid and plainly NFC (nearly all of it):
 * checking, normalising and folding in three passes each decoded every
 * code point, a seventh of the time a full import spends reading.
 * Anything else starts again on the careful path.
 */
char *fl_text_fold(const char *s)
{
	utf8proc_uint8_t *nfc = NULL;
	size_t len = strlen(s);
	char *out = xmalloc(3 * len + 1);

	if (fold_into(out, s, len, 1))
		return out;
	/*
	 * Normalise first so that decomposed input (as some keyboards and
	 * macOS file names produce it) folds exactly like precomposed input.
	 * A combining mark that NFC cannot attach to its base stays a code
	 * point of its own and folds to itself, keeping the output aligned
	 * with the NFC text. Input that is not valid UTF-8 breaks the contract;
	 * we then fold the raw bytes, each bad byte becoming U+FFFD.
	 */
	if (fl_utf8_valid(s, len) && !nfc_quick(s, len)) {
		utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s,
						  (utf8proc_ssize_t)len, &nfc,
						  UTF8PROC_COMPOSE | UTF8PROC_STABLE);
		if (n == UTF8PROC_ERROR_NOMEM)
			fl_die("out of memory normalising text");
		if (n >= 0) {
			s = (const char *)nfc;
			len = (size_t)n;
			out = xrealloc(out, 3 * len + 1);
		}
	}
	fold_into(out, s, len, 0);
	free(nfc);
	return out;
}

const char *fl_text_fold_version(void)
{
	static char buf[64];
	if (!buf[0])
		snprintf(buf, sizeof(buf), "fold 1, Unicode %s", utf8proc_unicode_version());
	return buf;
}

size_t fl_utf8_len(const char *s)
{
	size_t n = 0;

	/* Count every byte that is not a continuation byte (10xxxxxx). */
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static size_t cp_width(utf8proc_int32_t cp)
{
	int w = utf8proc_charwidth(cp);
	return w > 0 ? (size_t)w : 0;
}

size_t fl_utf8_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len = strlen(s), w = 0;

	while (i < len) {
		utf8proc_int32_t cp;
		i += next_cp(p + i, len - i, &cp);
		w += cp_width(cp);
	}
	return w;
}

size_t fl_utf8_prefix_for_width(const char *s, size_t width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len = strlen(s), w = 0;

	/*
	 * Zero-width code points (combining marks) that follow the last
	 * character that fits are taken along with it; a wide character that
	 * would straddle the limit is left out whole, with its marks.
	 */
	while (i < len) {
		utf8proc_int32_t cp;
		size_t n = next_cp(p + i, len - i, &cp);
		size_t cw = cp_width(cp);

		if (w + cw > width)
			break;
		w += cw;
		i += n;
	}
	return i;
}
