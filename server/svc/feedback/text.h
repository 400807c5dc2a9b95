/*
 * text.h - UTF-8 as the feedback service accepts it: well-formed (no
 * overlong forms, no surrogates, nothing above U+10FFFF), without control
 * characters other than tab and newlines, measured in characters (code
 * points) rather than bytes. Pure; any thread.
 */
#ifndef HUES_SVC_FEEDBACK_TEXT_H
#define HUES_SVC_FEEDBACK_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Why a text was refused. */
typedef enum feedback_text_error {
	FEEDBACK_TEXT_OK = 0,
	FEEDBACK_TEXT_BAD_UTF8, /* ill-formed UTF-8 */
	FEEDBACK_TEXT_CONTROL,  /* a control character (or NUL) */
	FEEDBACK_TEXT_NEWLINE,  /* a line break where one line is wanted */
} feedback_text_error;

/* Flags of feedback_text_check(). */
enum {
	FEEDBACK_TEXT_SINGLE_LINE = 1u << 0, /* refuse CR, LF and TAB */
};

/*
 * Checks len bytes at s. Returns FEEDBACK_TEXT_OK and sets *nchars to the
 * number of code points, or the first problem found (and *nchars is
 * untouched). TAB, LF and CR are allowed unless FEEDBACK_TEXT_SINGLE_LINE;
 * every other C0 control, DEL and the C1 controls U+0080..U+009F are not.
 */
feedback_text_error feedback_text_check(
    const char *s, size_t len, unsigned flags, size_t *nchars);

/* Whether s (NUL-terminated) is well-formed UTF-8, controls allowed. */
bool feedback_utf8_valid(const char *s);

/* Whether s is blank: NULL, empty, or only spaces, tabs and newlines. */
bool feedback_text_blank(const char *s);

#endif /* HUES_SVC_FEEDBACK_TEXT_H */
