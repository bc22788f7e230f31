/*
 * text.h: the edges where text enters fieldlog. Everything inside the
 * program is valid, NFC-normalised UTF-8 without NUL bytes; these functions
 * are how it gets that way (argv, stdin, files, blobs read from git), plus
 * the folding used for diacritic-insensitive Vietnamese search.
 */
#ifndef FL_TEXT_H
#define FL_TEXT_H

#include <stddef.h>

/*
 * Returns 1 when s[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF) and contains no NUL byte, else 0.
 */
int fl_utf8_valid(const char *s, size_t len);

/*
 * Validates s[0..len) as UTF-8 and returns its NFC form in *out (caller
 * frees). On invalid input returns FL_EINVALID with the message
 * "invalid UTF-8 in <what>" and leaves *out NULL.
 */
int fl_text_nfc(char **out, const char *s, size_t len, const char *what);
/* 1 when s (valid UTF-8 of len bytes) is in NFC; without copying it when it is. */
int fl_text_is_nfc(const char *s, size_t len);

/*
 * What one pass over a NUL-terminated string finds: what checking a
 * record's text field needs (schema/record.c), in one pass instead of
 * five (length, UTF-8, newline, control characters, NFC).
 */
struct fl_text_scan {
	size_t len;        /* strlen(s) */
	unsigned valid:1;  /* well-formed UTF-8 (fl_utf8_valid) */
	unsigned nfc:1;    /* in NFC (fl_text_is_nfc); meaningful when valid */
	unsigned newline:1, tab:1;
	unsigned control:1;  /* another C0 control, DEL, or a C1 control (U+0080..U+009F) */
};
void fl_text_scan(struct fl_text_scan *sc, const char *s);

/*
 * Folds valid UTF-8 text for matching: NFD decomposition, combining marks
 * removed, lower-cased (Unicode case folding), and 'đ'/'Đ' mapped to 'd'.
 * Every input code point yields exactly one output code point (marks
 * vanish together with their base), so the folded text has the same
 * number of code points as the NFC input: an offset found in the folded
 * text is the same code-point offset in the original. Caller frees.
 * A change to its output must bump the number in fl_text_fold_version:
 * the full-text index deletes its rows by folding their text again, and
 * rebuilds them when that version changes.
 */
char *fl_text_fold(const char *s);
/*
 * Names what fl_text_fold returns: this code's version of it and the
 * Unicode tables of the utf8proc it runs with (a library upgrade can
 * change a lower-case mapping). The index rebuilds its full-text rows
 * when this changes (schema/db.c).
 */
const char *fl_text_fold_version(void);

/* Number of code points in valid UTF-8 s. */
size_t fl_utf8_len(const char *s);

/*
 * Terminal display width of valid UTF-8 s (East Asian wide = 2, combining
 * marks = 0), for aligning table columns.
 */
size_t fl_utf8_width(const char *s);

/*
 * Byte length of the longest prefix of s that fits in `width` display
 * columns without splitting a code point.
 */
size_t fl_utf8_prefix_for_width(const char *s, size_t width);

#endif
