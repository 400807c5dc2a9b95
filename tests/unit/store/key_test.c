/*
 * key_test.c - composite keys: every field type sorts by memcmp in the
 * order of its values, fields compose left to right, overflow is sticky,
 * and a view reads back what the builder wrote (or refuses a short or
 * malformed key without moving).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hues/status.h"
#include "store/key.h"

/* memcmp order of two keys, shorter first on a tie (LMDB's order). */
static int
key_cmp(const store_key *a, const store_key *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int    c = memcmp(store_key_data(a), store_key_data(b), n);
	if (c != 0) {
		return c < 0 ? -1 : 1;
	}
	return a->len < b->len ? -1 : a->len > b->len;
}

static void
test_key_integers_sort_numerically(void **state)
{
	(void) state;
	static const uint64_t u[] = { 0, 1, 255, 256, 65535, 65536, UINT32_MAX,
		(uint64_t) UINT32_MAX + 1, UINT64_MAX - 1, UINT64_MAX };
	static const int64_t  s[] = { INT64_MIN, -65536, -1, 0, 1, 70000,
		 INT64_MAX };
	store_key             a, b;

	for (size_t i = 0; i + 1 < sizeof(u) / sizeof(u[0]); i++) {
		store_key_init(&a), store_key_init(&b);
		store_key_u64(&a, u[i]), store_key_u64(&b, u[i + 1]);
		assert_int_equal(key_cmp(&a, &b), -1);
		assert_int_equal(store_key_len(&a), 8);
	}
	for (size_t i = 0; i + 1 < sizeof(s) / sizeof(s[0]); i++) {
		store_key_init(&a), store_key_init(&b);
		store_key_i64(&a, s[i]), store_key_i64(&b, s[i + 1]);
		assert_int_equal(key_cmp(&a, &b), -1);
	}
	store_key_init(&a);
	store_key_u8(&a, 0xAB), store_key_u16(&a, 0x0102);
	store_key_u32(&a, 0x03040506u);
	assert_int_equal(store_key_len(&a), 7);
	assert_memory_equal(
	    store_key_data(&a), "\xAB\x01\x02\x03\x04\x05\x06", 7);
}

static void
test_key_fields_compose_left_to_right(void **state)
{
	(void) state;
	store_key a, b;

	/* (1, 900) < (2, 5): the first field decides. */
	store_key_init(&a), store_key_init(&b);
	store_key_u8(&a, 1), store_key_u64(&a, 900);
	store_key_u8(&b, 2), store_key_u64(&b, 5);
	assert_int_equal(key_cmp(&a, &b), -1);
	/* ("ab", 9) < ("b", 1) with text, since "ab" < "b". */
	store_key_init(&a), store_key_init(&b);
	store_key_text(&a, "ab", 2), store_key_u64(&a, 9);
	store_key_text(&b, "b", 1), store_key_u64(&b, 1);
	assert_int_equal(key_cmp(&a, &b), -1);
	/* ("a", big) < ("ab", 0): a shorter text is not a prefix. */
	store_key_init(&a), store_key_init(&b);
	store_key_text(&a, "a", 1), store_key_u64(&a, UINT64_MAX);
	store_key_text(&b, "ab", 2), store_key_u64(&b, 0);
	assert_int_equal(key_cmp(&a, &b), -1);
	/* "a" < "a\0" < "ab" with embedded NULs. */
	store_key_init(&a), store_key_init(&b);
	store_key_text(&a, "a", 1), store_key_text(&b, "a\0", 2);
	assert_int_equal(key_cmp(&a, &b), -1);
	store_key_init(&a);
	store_key_text(&a, "ab", 2);
	assert_int_equal(key_cmp(&b, &a), -1);
	/* Length-prefixed strings group by length: "b" < "aa". */
	store_key_init(&a), store_key_init(&b);
	store_key_str(&a, "b", 1), store_key_str(&b, "aa", 2);
	assert_int_equal(key_cmp(&a, &b), -1);
	assert_memory_equal(store_key_data(&b),
	    "\x00\x02"
	    "aa",
	    4);
}

static void
test_key_overflow_is_sticky(void **state)
{
	(void) state;
	uint8_t   big[STORE_KEY_MAX] = { 0 };
	store_key k;

	store_key_init(&k);
	assert_int_equal(store_key_bytes(&k, big, STORE_KEY_MAX - 4), HUES_OK);
	assert_int_equal(store_key_u64(&k, 1), HUES_INVALID_ARGUMENT);
	assert_int_equal(store_key_len(&k), STORE_KEY_MAX - 4);
	/* It would fit now, but the key is already broken. */
	assert_int_equal(store_key_u8(&k, 1), HUES_INVALID_ARGUMENT);
	assert_int_equal(store_key_error(&k), HUES_INVALID_ARGUMENT);
	store_key_init(&k);
	assert_int_equal(store_key_error(&k), HUES_OK);
	assert_int_equal(store_key_str(&k, (const char *) big, 70000),
	    HUES_INVALID_ARGUMENT);
	store_key_init(&k);
	assert_int_equal(store_key_bytes(&k, big, STORE_KEY_MAX), HUES_OK);
	assert_int_equal(store_key_text(&k, "", 0), HUES_INVALID_ARGUMENT);
}

static void
test_key_view_reads_back_fields(void **state)
{
	(void) state;
	store_key      k;
	store_key_view v;
	uint8_t        u8;
	uint16_t       u16;
	uint32_t       u32;
	uint64_t       u64;
	int64_t        i64;
	const char    *s;
	const void    *p;
	size_t         n;
	char           text[16];

	store_key_init(&k);
	store_key_u8(&k, 7), store_key_u16(&k, 65000);
	store_key_u32(&k, 4000000000u), store_key_u64(&k, 1ull << 60);
	store_key_i64(&k, -42), store_key_str(&k, "ward", 4);
	store_key_text(&k, "x\0y", 3), store_key_bytes(&k, "ID", 2);
	assert_int_equal(store_key_error(&k), HUES_OK);

	store_key_view_init(&v, store_key_data(&k), store_key_len(&k));
	assert_int_equal(store_key_get_u8(&v, &u8), HUES_OK);
	assert_int_equal(u8, 7);
	assert_int_equal(store_key_get_u16(&v, &u16), HUES_OK);
	assert_int_equal(u16, 65000);
	assert_int_equal(store_key_get_u32(&v, &u32), HUES_OK);
	assert_int_equal(u32, 4000000000u);
	assert_int_equal(store_key_get_u64(&v, &u64), HUES_OK);
	assert_true(u64 == 1ull << 60);
	assert_int_equal(store_key_get_i64(&v, &i64), HUES_OK);
	assert_true(i64 == -42);
	assert_int_equal(store_key_get_str(&v, &s, &n), HUES_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(s, "ward", 4);
	/* Too small a buffer: refused, the view stays on the field. */
	assert_int_equal(
	    store_key_get_text(&v, text, 3, &n), HUES_OUT_OF_RANGE);
	assert_int_equal(
	    store_key_get_text(&v, text, sizeof(text), &n), HUES_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(text, "x\0y", 4);
	assert_int_equal(store_key_get_bytes(&v, 2, &p), HUES_OK);
	assert_memory_equal(p, "ID", 2);
	assert_int_equal(store_key_view_left(&v), 0);
	assert_int_equal(store_key_get_u8(&v, &u8), HUES_INVALID_ARGUMENT);
}

static void
test_key_view_refuses_malformed(void **state)
{
	(void) state;
	store_key_view v;
	uint64_t       u64 = 99;
	const char    *s;
	size_t         n;
	char           text[8];

	store_key_view_init(&v, "\x01\x02\x03", 3);
	assert_int_equal(store_key_get_u64(&v, &u64), HUES_INVALID_ARGUMENT);
	assert_int_equal(u64, 99);
	assert_int_equal(store_key_view_left(&v), 3);
	/* A length prefix that claims more than is there. */
	store_key_view_init(&v,
	    "\x00\x05"
	    "ab",
	    4);
	assert_int_equal(store_key_get_str(&v, &s, &n), HUES_INVALID_ARGUMENT);
	assert_int_equal(store_key_view_left(&v), 4);
	/* Text without its terminator, and a bad escape. */
	store_key_view_init(&v, "abc", 3);
	assert_int_equal(store_key_get_text(&v, text, sizeof(text), &n),
	    HUES_INVALID_ARGUMENT);
	store_key_view_init(&v, "a\x00\x07", 3);
	assert_int_equal(store_key_get_text(&v, text, sizeof(text), &n),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(store_key_view_left(&v), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_integers_sort_numerically),
		cmocka_unit_test(test_key_fields_compose_left_to_right),
		cmocka_unit_test(test_key_overflow_is_sticky),
		cmocka_unit_test(test_key_view_reads_back_fields),
		cmocka_unit_test(test_key_view_refuses_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
