/*
 * text_test.c - the UTF-8 rules: the boundaries of each sequence length,
 * overlong forms, surrogates, code points above U+10FFFF, truncated and
 * stray bytes, control characters, and counting in characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svc/feedback/text.h"

typedef struct text_case {
	const char         *s;
	size_t              len; /* 0: strlen(s) */
	unsigned            flags;
	feedback_text_error want;
	size_t              nchars;
} text_case;

#define SL  FEEDBACK_TEXT_SINGLE_LINE
#define OK  FEEDBACK_TEXT_OK
#define BAD FEEDBACK_TEXT_BAD_UTF8

static const text_case cases[] = {
	{ "", 0, 0, OK, 0 },
	{ "hello", 0, 0, OK, 5 },
	/* Vietnamese, precomposed and combining. */
	{ "Phường Phú Hội", 0, 0, OK, 14 },
	{ "O\xcc\x9b\xcc\x81", 0, 0, OK,
	    3 }, /* O + horn + acute: 3 code points */
	{ "ổ gà", 0, 0, OK, 4 },
	/* The first and last of each length. */
	{ "\x01", 0, 0, FEEDBACK_TEXT_CONTROL, 0 },
	{ "\x7f", 0, 0, FEEDBACK_TEXT_CONTROL, 0 },
	{ "\xc2\x80", 0, 0, FEEDBACK_TEXT_CONTROL,
	    0 }, /* U+0080, a C1 control */
	{ "\xc2\x9f", 0, 0, FEEDBACK_TEXT_CONTROL, 0 },
	{ "\xc2\xa0", 0, 0, OK, 1 },         /* U+00A0 */
	{ "\xdf\xbf", 0, 0, OK, 1 },         /* U+07FF */
	{ "\xe0\xa0\x80", 0, 0, OK, 1 },     /* U+0800 */
	{ "\xed\x9f\xbf", 0, 0, OK, 1 },     /* U+D7FF */
	{ "\xee\x80\x80", 0, 0, OK, 1 },     /* U+E000 */
	{ "\xef\xbf\xbf", 0, 0, OK, 1 },     /* U+FFFF */
	{ "\xf0\x90\x80\x80", 0, 0, OK, 1 }, /* U+10000 */
	{ "\xf4\x8f\xbf\xbf", 0, 0, OK, 1 }, /* U+10FFFF */
	{ "\xf0\x9f\x98\x80", 0, 0, OK, 1 }, /* an emoji */
	/* Overlong forms. */
	{ "\xc0\xaf", 0, 0, BAD, 0 },
	{ "\xc1\xbf", 0, 0, BAD, 0 },
	{ "\xe0\x80\xaf", 0, 0, BAD, 0 },
	{ "\xe0\x9f\xbf", 0, 0, BAD, 0 },
	{ "\xf0\x80\x80\xaf", 0, 0, BAD, 0 },
	{ "\xf0\x8f\xbf\xbf", 0, 0, BAD, 0 },
	/* Surrogates, alone and paired (CESU-8). */
	{ "\xed\xa0\x80", 0, 0, BAD, 0 },
	{ "\xed\xbf\xbf", 0, 0, BAD, 0 },
	{ "\xed\xa0\xbd\xed\xb8\x80", 0, 0, BAD, 0 },
	/* Above U+10FFFF and bytes that never occur. */
	{ "\xf4\x90\x80\x80", 0, 0, BAD, 0 },
	{ "\xf5\x80\x80\x80", 0, 0, BAD, 0 },
	{ "\xf8\x88\x80\x80\x80", 0, 0, BAD, 0 },
	{ "\xfe", 0, 0, BAD, 0 },
	{ "\xff", 0, 0, BAD, 0 },
	/* Stray continuation bytes and truncated sequences. */
	{ "\x80", 0, 0, BAD, 0 },
	{ "a\xbf", 0, 0, BAD, 0 },
	{ "\xc3", 0, 0, BAD, 0 },
	{ "\xe1\xba", 0, 0, BAD, 0 },
	{ "\xf0\x9f\x98", 0, 0, BAD, 0 },
	{ "\xe1\x41\x80", 0, 0, BAD, 0 },
	{ "\xf0\x9f\x41\x80", 0, 0, BAD, 0 },
	/* An embedded NUL (within len) is a control. */
	{ "a\0b", 3, 0, FEEDBACK_TEXT_CONTROL, 0 },
	/* Line breaks. */
	{ "a\nb\r\n\tc", 0, 0, OK, 7 },
	{ "a\nb", 0, SL, FEEDBACK_TEXT_NEWLINE, 0 },
	{ "a\tb", 0, SL, FEEDBACK_TEXT_NEWLINE, 0 },
	{ "a\x1b[31m", 0, 0, FEEDBACK_TEXT_CONTROL, 0 },
};

static void
test_text_cases(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const text_case    *c   = &cases[i];
		size_t              len = c->len ? c->len : strlen(c->s);
		size_t              n   = 12345;
		feedback_text_error got =
		    feedback_text_check(c->s, len, c->flags, &n);
		if (got != c->want) {
			fail_msg("case %zu: got %d, want %d", i, got, c->want);
		}
		if (got == OK) {
			assert_int_equal(n, c->nchars);
		} else {
			assert_int_equal(n, 12345);
		}
	}
}

static void
test_text_valid_and_blank(void **state)
{
	(void) state;
	assert_true(feedback_utf8_valid("Huế \x01\t"));
	assert_false(feedback_utf8_valid("\xed\xa0\x80"));
	assert_false(feedback_utf8_valid("\xc0\x80"));
	assert_true(feedback_text_blank(NULL));
	assert_true(feedback_text_blank(""));
	assert_true(feedback_text_blank(" \t\r\n"));
	assert_false(feedback_text_blank(" x "));
	/* A no-break space is a character, not a blank. */
	assert_false(feedback_text_blank("\xc2\xa0"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_cases),
		cmocka_unit_test(test_text_valid_and_blank),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
