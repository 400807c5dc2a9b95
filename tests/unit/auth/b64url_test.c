/*
 * b64url_test.c - the strict base64url of tokens: round trips of every
 * length, and refusal of padding, foreign characters, impossible lengths
 * and stray low bits (which would give one token several spellings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/internal.h"
#include "hues/status.h"

static void
test_b64url_round_trip(void **state)
{
	(void) state;
	unsigned char in[64];
	for (size_t i = 0; i < sizeof(in); i++) {
		in[i] = (unsigned char) (i * 37 + 250);
	}
	for (size_t n = 0; n <= sizeof(in); n++) {
		char *s = auth__b64url_encode(in, n);
		assert_non_null(s);
		assert_int_equal(strlen(s), (n * 8 + 5) / 6);
		assert_true(auth__b64url_valid(s, strlen(s)));
		unsigned char *out;
		size_t         len;
		assert_int_equal(
		    auth__b64url_decode(s, strlen(s), &out, &len), HUES_OK);
		assert_int_equal(len, n);
		assert_memory_equal(out, in, n);
		assert_int_equal(out[len], '\0');
		free(out);
		free(s);
	}
	char *s = auth__b64url_encode("\xfb\xff", 2);
	assert_string_equal(s, "-_8"); /* the URL-safe characters */
	free(s);
}

static void
test_b64url_strict(void **state)
{
	(void) state;
	const char *bad[] = { "A", "AAAAA", "QQ==", "Q+", "Q/", "Q Q", "QR",
		"QUJ", "\xc3\xa9" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned char *out = NULL;
		size_t         len = 0;
		assert_int_equal(
		    auth__b64url_decode(bad[i], strlen(bad[i]), &out, &len),
		    HUES_INVALID_ARGUMENT);
		assert_null(out);
	}
	assert_false(auth__b64url_valid("ab=", 3));
	assert_false(auth__b64url_valid("a.b", 3));
	assert_true(auth__b64url_valid("", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url_round_trip),
		cmocka_unit_test(test_b64url_strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
