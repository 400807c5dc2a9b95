/*
 * owners_test.c - the in-memory owners index (owners.c): each user's
 * report numbers come back newest first, below a page's bound, once each
 * whatever order the commits came in, after the table has grown past
 * thousands of users; keys of one hash are all candidates, a stale
 * candidate's slot is taken over, a redone write keeps its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "svc/feedback/fb.h"

#define USERS 5000
#define PER   7

static fb_owners *o;

static int
setup(void **state)
{
	(void) state;
	return fb_owners_create(&o) == HUES_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void) state;
	fb_owners_destroy(o);
	return 0;
}

static void
user_of(unsigned i, char *buf, size_t n)
{
	snprintf(buf, n, "citizen-%u", i);
}

static void
test_owners_lists_newest_first(void **state)
{
	(void) state;
	char     u[32];
	uint64_t out[PER + 1];

	/* Report s belongs to user s % USERS; commits come slightly out of
	 * number order (pairs swapped), and some twice (loaded, then a
	 * hook): each number must be kept once, in order. */
	for (uint64_t s = 1; s <= (uint64_t) USERS * PER; s += 2) {
		uint64_t pair[2] = { s + 1, s };
		for (int k = 0; k < 2; k++) {
			user_of((unsigned) (pair[k] % USERS), u, sizeof(u));
			assert_int_equal(
			    fb_owners_add(o, u, strlen(u), pair[k]), HUES_OK);
		}
		if (s % 101 == 0) {
			user_of((unsigned) (s % USERS), u, sizeof(u));
			assert_int_equal(
			    fb_owners_add(o, u, strlen(u), s), HUES_OK);
		}
	}
	size_t users, keys;
	fb_owners_counts(o, &users, &keys);
	assert_int_equal(users, USERS);
	assert_int_equal(keys, 0);

	for (unsigned i = 1; i < USERS; i += 97) {
		user_of(i, u, sizeof(u));
		size_t n = fb_owners_list(o, u, strlen(u), 0, out, PER + 1);
		assert_int_equal(n, PER);
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(
			    out[k], (uint64_t) (PER - 1 - k) * USERS + i);
		}
	}
	/* Below a bound: strictly older ones; max caps the copy. */
	user_of(42, u, sizeof(u));
	assert_int_equal(
	    fb_owners_list(o, u, strlen(u), 3 * USERS + 42, out, PER), 3);
	assert_int_equal(out[0], 2 * USERS + 42);
	assert_int_equal(out[2], 42);
	assert_int_equal(
	    fb_owners_list(o, u, strlen(u), 3 * USERS + 43, out, 1), 1);
	assert_int_equal(out[0], 3 * USERS + 42);
	assert_int_equal(fb_owners_list(o, u, strlen(u), 42, out, PER), 0);
	/* Someone with no reports; a prefix of a user is another user. */
	assert_int_equal(fb_owners_list(o, "nobody", 6, 0, out, PER), 0);
	assert_int_equal(fb_owners_list(o, "citizen-4", 8, 0, out, PER), 0);
}

static void
test_owners_keys(void **state)
{
	(void) state;
	uint64_t c[8];
	uint64_t h  = fb_owners_key_hash(o, "lan", 3, "k1", 2);
	uint64_t h2 = fb_owners_key_hash(o, "la", 2, "nk1", 3);

	/* The user's length is part of the hash. */
	assert_int_not_equal(h, h2);
	assert_int_equal(fb_owners_key_find(o, h, c, 8), 0);
	assert_int_equal(fb_owners_key_set(o, h, 0, 10), HUES_OK);
	assert_int_equal(fb_owners_key_find(o, h, c, 8), 1);
	assert_int_equal(c[0], 10);

	/* A second report under the same hash (a collision, or one kept
	 * beside a candidate that stands): both are candidates. */
	assert_int_equal(fb_owners_key_set(o, h, 0, 11), HUES_OK);
	assert_int_equal(fb_owners_key_find(o, h, c, 8), 2);
	/* A redone write sets its own number again: no new slot. */
	assert_int_equal(fb_owners_key_set(o, h, 0, 11), HUES_OK);
	assert_int_equal(fb_owners_key_find(o, h, c, 8), 2);
	/* A stale candidate's slot is taken over. */
	assert_int_equal(fb_owners_key_set(o, h, 10, 12), HUES_OK);
	assert_int_equal(fb_owners_key_find(o, h, c, 8), 2);
	assert_true((c[0] == 11 && c[1] == 12) || (c[0] == 12 && c[1] == 11));
	assert_int_equal(fb_owners_key_find(o, h2, c, 8), 0);

	/* Growth keeps every key findable. */
	for (uint64_t i = 0; i < 20000; i++) {
		char k[32];
		snprintf(k, sizeof(k), "key-%llu", (unsigned long long) i);
		assert_int_equal(
		    fb_owners_key_set(o,
		        fb_owners_key_hash(o, "mai", 3, k, strlen(k)), 0,
		        100 + i),
		    HUES_OK);
	}
	for (uint64_t i = 0; i < 20000; i += 7) {
		char k[32];
		snprintf(k, sizeof(k), "key-%llu", (unsigned long long) i);
		size_t n = fb_owners_key_find(
		    o, fb_owners_key_hash(o, "mai", 3, k, strlen(k)), c, 8);
		bool found = false;
		for (size_t j = 0; j < n; j++) {
			found = found || c[j] == 100 + i;
		}
		assert_true(found);
	}
	size_t users, keys;
	fb_owners_counts(o, &users, &keys);
	assert_int_equal(keys, 20002);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owners_lists_newest_first),
		cmocka_unit_test(test_owners_keys),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
