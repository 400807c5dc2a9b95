/*
 * ratelimit_test.c - token buckets: burst, refill, retry hints, separate
 * principals, eviction of the least recently used bucket. Time is passed
 * in, so nothing here depends on the clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "hues/status.h"
#include "rpc/ratelimit.h"

#define SEC 1000000000ull
#define T0 (1000 * SEC)

static void
test_ratelimit_burst_then_refuse(void **state)
{
	(void) state;
	rpc_ratelimit *rl;
	/* 60 an hour: one a minute, 3 at once. */
	assert_int_equal(rpc_ratelimit_create(60, 3, 100, &rl), HUES_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rpc_ratelimit_take(rl, "alice", T0), 0);
	}
	uint32_t wait = rpc_ratelimit_take(rl, "alice", T0);
	/* The next token is a minute away. */
	assert_in_range(wait, 59999, 60001);
	/* Half a minute later: half way there. */
	wait = rpc_ratelimit_take(rl, "alice", T0 + 30 * SEC);
	assert_in_range(wait, 29999, 30001);
	/* A refused call takes nothing: at one minute one call passes. */
	assert_int_equal(rpc_ratelimit_take(rl, "alice", T0 + 60 * SEC), 0);
	assert_true(rpc_ratelimit_take(rl, "alice", T0 + 60 * SEC) > 0);
	rpc_ratelimit_destroy(rl);
}

static void
test_ratelimit_refill_caps_at_burst(void **state)
{
	(void) state;
	rpc_ratelimit *rl;
	assert_int_equal(rpc_ratelimit_create(3600, 2, 100, &rl), HUES_OK);
	assert_int_equal(rpc_ratelimit_take(rl, "bob", T0), 0);
	assert_int_equal(rpc_ratelimit_take(rl, "bob", T0), 0);
	/* A day idle refills only up to the burst. */
	uint64_t later = T0 + 86400 * SEC;
	assert_int_equal(rpc_ratelimit_take(rl, "bob", later), 0);
	assert_int_equal(rpc_ratelimit_take(rl, "bob", later), 0);
	assert_true(rpc_ratelimit_take(rl, "bob", later) > 0);
	/* One a second: a second later, one more. */
	assert_int_equal(rpc_ratelimit_take(rl, "bob", later + SEC), 0);
	/* A clock that goes backwards refills nothing. */
	assert_true(rpc_ratelimit_take(rl, "bob", later) > 0);
	rpc_ratelimit_destroy(rl);
}

static void
test_ratelimit_principals_are_separate(void **state)
{
	(void) state;
	rpc_ratelimit *rl;
	assert_int_equal(rpc_ratelimit_create(1, 1, 100, &rl), HUES_OK);
	assert_int_equal(rpc_ratelimit_take(rl, "alice", T0), 0);
	assert_true(rpc_ratelimit_take(rl, "alice", T0) > 0);
	assert_int_equal(rpc_ratelimit_take(rl, "bob", T0), 0);
	/* Prefixes and longer names are other keys. */
	assert_int_equal(rpc_ratelimit_take(rl, "alic", T0), 0);
	assert_int_equal(rpc_ratelimit_take(rl, "alice2", T0), 0);
	/* One an hour: the hint is an hour, in ms. */
	assert_in_range(rpc_ratelimit_take(rl, "alice", T0), 3599999, 3600001);
	rpc_ratelimit_destroy(rl);
}

static void
test_ratelimit_evicts_least_recent(void **state)
{
	(void) state;
	rpc_ratelimit *rl;
	char           key[16];
	assert_int_equal(rpc_ratelimit_create(1, 1, 4, &rl), HUES_OK);
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "u%d", i);
		assert_int_equal(rpc_ratelimit_take(rl, key, T0), 0);
	}
	/* u0 is used again, so u1 is now the least recent. */
	assert_true(rpc_ratelimit_take(rl, "u0", T0) > 0);
	assert_int_equal(rpc_ratelimit_take(rl, "u4", T0), 0); /* evicts u1 */
	/* u1 starts again with a full bucket; u0, u2, u3 are remembered
	 * (taking u1 evicted u2, so u2 is checked last). */
	assert_int_equal(rpc_ratelimit_take(rl, "u1", T0), 0);
	assert_true(rpc_ratelimit_take(rl, "u0", T0) > 0);
	assert_true(rpc_ratelimit_take(rl, "u3", T0) > 0);
	assert_true(rpc_ratelimit_take(rl, "u4", T0) > 0);
	rpc_ratelimit_destroy(rl);
}

static void
test_ratelimit_rejects_bad_settings(void **state)
{
	(void) state;
	rpc_ratelimit *rl = NULL;
	assert_int_equal(rpc_ratelimit_create(0, 1, 1, &rl),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(rpc_ratelimit_create(1, 0, 1, &rl),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(rpc_ratelimit_create(1, 1, 0, &rl),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(rpc_ratelimit_create(1, 1000001, 1, &rl),
	    HUES_INVALID_ARGUMENT);
	assert_null(rl);
	rpc_ratelimit_destroy(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ratelimit_burst_then_refuse),
	    cmocka_unit_test(test_ratelimit_refill_caps_at_burst),
	    cmocka_unit_test(test_ratelimit_principals_are_separate),
	    cmocka_unit_test(test_ratelimit_evicts_least_recent),
	    cmocka_unit_test(test_ratelimit_rejects_bad_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
