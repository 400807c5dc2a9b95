/*
 * call_test.c - a call's memory helpers (svc/call.c) that build strings
 * on every call without printf: call_join (keys of parts) and
 * call_strndup (a string of bytes that are not NUL-terminated).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "svc/call_impl.h"

static void
test_call_join(void **state)
{
	(void) state;
	arena    a;
	svc_call call;
	arena_init(&a, 256);
	call_init(&call, &a, NULL, NULL, NULL);

	const char *three[] = { "alice", "/hues.v1.Feedback/SubmitReport",
		"k-1" };
	assert_string_equal(call_join(&call, '\n', three, 3),
	    "alice\n/hues.v1.Feedback/SubmitReport\nk-1");
	const char *empty[] = { "", "", "" };
	assert_string_equal(call_join(&call, '\n', empty, 3), "\n\n");
	const char *one[] = { "user" };
	assert_string_equal(call_join(&call, '/', one, 1), "user");
	assert_string_equal(call_join(&call, '/', NULL, 0), "");
	/* longer than the arena's chunk */
	char long_part[1000];
	memset(long_part, 'x', sizeof(long_part) - 1);
	long_part[sizeof(long_part) - 1] = '\0';
	const char *two[]                = { long_part, "y" };
	char       *j                    = call_join(&call, '-', two, 2);
	assert_int_equal(strlen(j), 1001);
	assert_string_equal(j + 999, "-y");
	arena_fini(&a);
}

static void
test_call_strndup(void **state)
{
	(void) state;
	arena    a;
	svc_call call;
	arena_init(&a, 256);
	call_init(&call, &a, NULL, NULL, NULL);

	const char bytes[] = { 'R', '0', '1', 'X', 'Y' };
	assert_string_equal(call_strndup(&call, bytes, 3), "R01");
	assert_string_equal(call_strndup(&call, bytes, 0), "");
	arena_fini(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_join),
		cmocka_unit_test(test_call_strndup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
