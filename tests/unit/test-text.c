/*
 * test-text.c: unit tests for schema/text.c, the UTF-8 edge of fieldlog.
 *
 * Byte strings are written as hex escapes where the exact bytes matter
 * (decomposed input, malformed sequences), split with string concatenation
 * so that a following letter is never read as one more hex digit. The
 * expected folds were cross-checked with Python's unicodedata.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "schema/text.h"
#include "tap.h"

static int valid(const char *s)
{
	return fl_utf8_valid(s, strlen(s));
}

static void test_valid(void)
{
	OK(valid(""), "empty string is valid");
	OK(valid("plain ASCII"), "ASCII is valid");
	OK(valid("Phường Đồng Xoài"), "Vietnamese is valid");
	OK(valid("北京 \xf0\x9f\x98\x80"), "CJK and a four-byte emoji are valid");
	OK(valid("\xf4\x8f\xbf\xbf"), "U+10FFFF is valid");
	OK(valid("\xed\x9f\xbf"), "U+D7FF (just below the surrogates) is valid");
	OK(valid("\xee\x80\x80"), "U+E000 (just above the surrogates) is valid");

	OK(!fl_utf8_valid("a\0b", 3), "NUL byte is refused");
	OK(!valid("\xc0\x80"), "overlong NUL C0 80 is refused");
	OK(!valid("\xc1\xbf"), "overlong C1 BF is refused");
	OK(!valid("\xe0\x80\xaf"), "overlong three-byte '/' is refused");
	OK(!valid("\xf0\x8f\xbf\xbf"), "overlong four-byte U+FFFF is refused");
	OK(!valid("\xed\xa0\x80"), "surrogate U+D800 (ED A0 80) is refused");
	OK(!valid("\xed\xbf\xbf"), "surrogate U+DFFF is refused");
	OK(!valid("\xf4\x90\x80\x80"), "U+110000 is refused");
	OK(!valid("\xf5\x80\x80\x80"), "lead byte F5 is refused");
	OK(!valid("\xff"), "byte FF is refused");
	OK(!valid("\x80"), "lone continuation byte is refused");
	OK(!valid("Hu\xc6"), "sequence truncated at the end is refused");
	OK(!fl_utf8_valid("\xe1\xbb\x83", 2), "sequence cut by len is refused");
	OK(!valid("\xe1\xbb" "a"), "sequence interrupted by ASCII is refused");
	OK(!valid("a\xc3\xa9\xa9"), "stray continuation after a sequence is refused");
}

static void test_nfc(void)
{
	/* "Thiên Hương" typed decomposed: e + U+0302, u + U+031B, o + U+031B. */
	const char *nfd = "Thie" "\xcc\x82" "n Hu" "\xcc\x9b" "o" "\xcc\x9b" "ng";
	const char *nfc = "Thi" "\xc3\xaa" "n H" "\xc6\xb0\xc6\xa1" "ng";
	char *out = NULL;
	int err;

	IS(nfc, "Thiên Hương", "the NFC literal is what the source says");
	err = fl_text_nfc(&out, nfd, strlen(nfd), "name");
	IS_INT(err, 0, "NFC of decomposed input succeeds");
	IS(out, nfc, "decomposed Thiên Hương is composed");
	free(out);

	err = fl_text_nfc(&out, nfc, strlen(nfc), "name");
	IS(out, nfc, "NFC input is unchanged");
	free(out);

	err = fl_text_nfc(&out, "", 0, "name");
	IS_INT(err, 0, "NFC of empty input succeeds");
	IS(out, "", "NFC of empty input is empty");
	free(out);

	/*
	 * ậ typed as a + circumflex + dot below: canonical ordering moves the
	 * dot below (class 220) before the circumflex (230), then both
	 * compose. Marks of equal class keep their order, so e + acute +
	 * circumflex is é followed by a lone circumflex, not ế.
	 */
	err = fl_text_nfc(&out, "a" "\xcc\x82\xcc\xa3", 5, "name");
	IS(out, "\xe1\xba\xad", "a + circumflex + dot below composes to U+1EAD");
	free(out);
	err = fl_text_nfc(&out, "a" "\xcc\xa3\xcc\x82", 5, "name");
	IS(out, "\xe1\xba\xad", "a + dot below + circumflex composes to U+1EAD");
	free(out);
	err = fl_text_nfc(&out, "e" "\xcc\x81\xcc\x82", 5, "name");
	IS(out, "\xc3\xa9" "\xcc\x82", "e + acute + circumflex is not reordered");
	free(out);
	err = fl_text_nfc(&out, "e" "\xcc\x82\xcc\x81", 5, "name");
	IS(out, "\xe1\xba\xbf", "e + circumflex + acute composes to U+1EBF");
	free(out);

	out = (char *)"sentinel";
	err = fl_text_nfc(&out, "ab\xc0\x80", 4, "the note");
	IS_INT(err, FL_EINVALID, "invalid input gives FL_EINVALID");
	OK(out == NULL, "invalid input leaves *out NULL");
	IS(fl_last_error(), "invalid UTF-8 in the note", "message names the thing");

	err = fl_text_nfc(&out, "a\0b", 3, "argument 2");
	IS_INT(err, FL_EINVALID, "embedded NUL gives FL_EINVALID");
	IS(fl_last_error(), "invalid UTF-8 in argument 2", "message for NUL");
	fl_clear_error();
	OK(fl_text_is_nfc(nfc, strlen(nfc)), "is_nfc: composed Thiên Hương");
	OK(!fl_text_is_nfc(nfd, strlen(nfd)), "is_nfc: not the decomposed one");
	OK(fl_text_is_nfc("\xc3\xa9" "\xcc\x82", 4), "is_nfc: é + lone circumflex (no quick path)");
	OK(!fl_text_is_nfc("e" "\xcc\x82\xcc\x81", 5), "is_nfc: e + circumflex + acute is not");
	OK(fl_text_is_nfc("", 0), "is_nfc: empty");
}

static void check_fold(const char *in, const char *want, const char *what)
{
	char *got = fl_text_fold(in);
	char *nfc = NULL;

	IS(got, want, what);
	if (!fl_text_nfc(&nfc, in, strlen(in), "test"))
		IS_INT(fl_utf8_len(got), fl_utf8_len(nfc),
		       "  ... and keeps one code point per NFC code point");
	free(nfc);
	free(got);
}

static void test_fold(void)
{
	const char *nfd = "Phu" "\xcc\x9b\xcc\x80" "o" "\xcc\x9b" "ng " "\xc4\x90"
			  "o" "\xcc\x82\xcc\x80" "ng Xoa" "\xcc\x80" "i";
	char *a, *b;

	check_fold("Phường Đồng Xoài", "phuong dong xoai", "fold Phường Đồng Xoài");
	check_fold("ĐẤT ĐAI", "dat dai", "fold ĐẤT ĐAI (đ/Đ to d)");
	check_fold("Thủy", "thuy", "fold Thủy");
	check_fold("Thuỷ", "thuy", "fold Thuỷ (old-style tone placement)");
	check_fold("Hòa", "hoa", "fold Hòa");
	check_fold("HOÀ BÌNH", "hoa binh", "fold HOÀ BÌNH");
	check_fold("ể ộ ờ", "e o o", "fold letters with two marks");
	check_fold("Xã Cư M'gar", "xa cu m'gar", "fold keeps ASCII punctuation");
	check_fold("", "", "fold of empty string");
	check_fold("한국어", "한국어", "Hangul syllables are kept whole");
	check_fold("x" "\xcc\x81" "y", "x" "\xcc\x81" "y",
		   "a mark NFC cannot attach stays, keeping offsets aligned");

	IS(nfd, "Phu" "\xcc\x9b\xcc\x80" "o" "\xcc\x9b" "ng Đo" "\xcc\x82\xcc\x80"
	   "ng Xoa" "\xcc\x80" "i", "the NFD literal is well formed");
	a = fl_text_fold(nfd);
	b = fl_text_fold("Phường Đồng Xoài");
	IS(a, b, "fold of NFD input equals fold of NFC input");
	IS_INT(fl_utf8_len(a), 16, "folded NFD input has the NFC code-point count");
	free(a);
	free(b);

	a = fl_text_fold("Đà Na" "\xcc\x83" "ng");
	b = fl_text_fold("Đà Nẵng");
	IS(a, b, "fold: decomposed text after a plain start folds as the composed");
	IS(a, "da nang", "fold: ... to da nang");
	free(a);
	free(b);

	a = fl_text_fold("Hu\xff" "e");
	IS(a, "hu\xef\xbf\xbd" "e", "invalid byte folds to U+FFFD, no crash");
	free(a);
	/* The output outgrows the input: 1 byte -> 3, and 2 bytes -> 3. */
	a = fl_text_fold("\xff\xff\xff\xff");
	IS(a, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	   "four bad bytes fold to four U+FFFD (3x the bytes)");
	free(a);
	a = fl_text_fold("\xc8\xba\xc8\xba");
	IS(a, "\xe2\xb1\xa5\xe2\xb1\xa5", "U+023A folds to U+2C65 (2 bytes to 3)");
	free(a);
}

static void check_scan(const char *s, size_t len, int valid, int nfc, int newline, int tab,
		       int control, const char *what)
{
	struct fl_text_scan sc;
	fl_text_scan(&sc, s);
	OK(sc.len == len && sc.valid == valid && (!valid || sc.nfc == nfc) &&
	   sc.newline == newline && sc.tab == tab && sc.control == control, what);
	/* The one pass agrees with the separate checks it replaces. */
	OK(sc.valid == fl_utf8_valid(s, strlen(s)) &&
	   (!sc.valid || sc.nfc == fl_text_is_nfc(s, strlen(s))),
	   "  ... as fl_utf8_valid and fl_text_is_nfc say");
}

static void test_scan(void)
{
	/*            text                             len valid nfc nl tab ctl */
	check_scan("Phường Đồng Xoài",                  23, 1, 1, 0, 0, 0, "scan: Vietnamese, NFC");
	check_scan("",                                  0, 1, 1, 0, 0, 0, "scan: empty");
	check_scan("dòng 1\ndòng 2\tcột",              21, 1, 1, 1, 1, 0, "scan: newline and tab");
	check_scan("a\x1b[31mb",                        7, 1, 1, 0, 0, 1, "scan: ESC is a control");
	check_scan("a\x7f",                             2, 1, 1, 0, 0, 1, "scan: DEL is a control");
	check_scan("a\r\n",                             3, 1, 1, 1, 0, 1, "scan: CR is a control");
	check_scan("x\xc2\x85y",                        4, 1, 1, 0, 0, 1, "scan: U+0085 (C1) is a control");
	check_scan("\xc2\xa0\xc2\xa9",                  4, 1, 1, 0, 0, 0, "scan: U+00A0, U+00A9 are not");
	check_scan("Xoa\xcc\x80i",                      6, 1, 0, 0, 0, 0, "scan: decomposed à is not NFC");
	check_scan("北京",                               6, 1, 1, 0, 0, 0, "scan: CJK is NFC (past the quick ranges)");
	check_scan("\xc3\xa9\xcc\x82",                  4, 1, 1, 0, 0, 0, "scan: é + lone circumflex is NFC");
	check_scan("ab\x80" "cd",                       5, 0, 0, 0, 0, 0, "scan: a lone continuation byte");
	check_scan("\xc0\x80",                          2, 0, 0, 0, 0, 0, "scan: overlong NUL");
	check_scan("Hu\xe1\xba",                        4, 0, 0, 0, 0, 0, "scan: a sequence cut by the end");
	check_scan("\xed\xa0\x80",                      3, 0, 0, 0, 0, 0, "scan: a surrogate");
	check_scan("\xf4\x90\x80\x80",                  4, 0, 0, 0, 0, 0, "scan: above U+10FFFF");
}

static void test_len_width(void)
{
	IS_INT(fl_utf8_len(""), 0, "len of empty");
	IS_INT(fl_utf8_len("Hương"), 5, "len counts code points, not bytes");
	IS_INT(fl_utf8_len("北京\xf0\x9f\x98\x80"), 3, "len of CJK and emoji");

	IS_INT(fl_utf8_width(""), 0, "width of empty");
	IS_INT(fl_utf8_width("Phường Đồng Xoài"), 16, "Vietnamese is one column a letter");
	IS_INT(fl_utf8_width("Ho" "\xcc\x80" "a"), 3, "a combining mark is zero wide");
	IS_INT(fl_utf8_width("北京市"), 6, "CJK is two columns a character");
	IS_INT(fl_utf8_width("Hà 北京"), 7, "mixed Vietnamese and CJK");

	IS_INT(fl_utf8_prefix_for_width("Hương", 3), strlen("Hươ"),
	       "prefix of Hương in 3 columns is Hươ");
	IS_INT(fl_utf8_prefix_for_width("Hương", 10), strlen("Hương"),
	       "prefix wider than the text is all of it");
	IS_INT(fl_utf8_prefix_for_width("Hương", 0), 0, "prefix in 0 columns is empty");
	IS_INT(fl_utf8_prefix_for_width("北京市", 3), 3,
	       "a wide character never straddles the limit");
	IS_INT(fl_utf8_prefix_for_width("北京市", 4), 6, "two CJK in 4 columns");
	IS_INT(fl_utf8_prefix_for_width("a北", 2), 1, "wide after narrow is left out");
	IS_INT(fl_utf8_prefix_for_width("Ho" "\xcc\x80" "a", 2), 4,
	       "a trailing combining mark goes with its base");
	IS_INT(fl_utf8_prefix_for_width("Ho" "\xcc\x80" "a", 1), 1,
	       "the mark is not split from a base that does not fit");
}

int main(void)
{
	test_valid();
	test_nfc();
	test_fold();
	test_scan();
	test_len_width();
	return tap_done();
}
