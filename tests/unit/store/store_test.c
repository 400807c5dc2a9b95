/*
 * store_test.c - the environment on a real LMDB in a temp dir: open and
 * reopen, tables opened at start and later (durably, through the writer),
 * the schema version check and its error line, bad options, and stale
 * reader slots of a dead process cleared while the store runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include "hues/status.h"


static void
test_store_open_reopen_and_tables(void **state)
{
	(void) state;
	const char  *tables[] = { "reports", "by_time", NULL };
	store       *st       = fx_open((store_opts) { .tables = tables });
	store_table *a, *b, *c;
	char         buf[16];
	size_t       n;

	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_table_open(st, "reports", 0, &a), HUES_OK);
	assert_string_equal(store_table_name(a), "reports");
	assert_int_equal(store_table_open(st, "reports", 0, &b), HUES_OK);
	assert_ptr_equal(a, b);
	assert_int_equal(store_table_open(st, "nope", 0, &c), HUES_NOT_FOUND);
	assert_int_equal(store_table_open(st, "meta", STORE_TABLE_CREATE, &c),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(store_table_open(st, "", STORE_TABLE_CREATE, &c),
	    HUES_INVALID_ARGUMENT);
	c = fx_table(st, "later");
	assert_int_equal(fx_put(st, c, "k", 1, "v1", 2), HUES_OK);
	store_close(st);

	/* Tables made after open, through the writer, are durable too. */
	st = fx_open((store_opts) { 0 });
	assert_int_equal(store_table_open(st, "later", 0, &c), HUES_OK);
	assert_int_equal(store_table_open(st, "by_time", 0, &b), HUES_OK);
	assert_int_equal(fx_get(st, c, "k", 1, buf, sizeof(buf), &n), HUES_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "v1", 2);
	store_close(st);
	store_close(NULL);
}

static void
test_store_schema_mismatch_error_line(void **state)
{
	(void) state;
	const char *dir = fx_tmpdir();
	char        cmd[512], err[256] = "", want[256];
	store      *st = NULL;
	store_opts  so = { .dir = dir };

	/* A store built with schema version 99 makes the environment. */
	snprintf(cmd, sizeof(cmd), "%s %s", STORE_SCHEMA_OTHER_BIN, dir);
	int ws = system(cmd);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	assert_int_equal(
	    store_open(&so, &st, err, sizeof(err)), HUES_FAILED_PRECONDITION);
	assert_null(st);
	snprintf(want, sizeof(want),
	    "data dir %s has schema version 99; this hues reads version %d "
	    "(migrate it or use another data dir)",
	    dir, STORE_SCHEMA_VERSION);
	assert_string_equal(err, want);
}

static void
test_store_open_errors(void **state)
{
	(void) state;
	char        err[256] = "";
	store      *st       = NULL;
	const char *bad[]    = { "ok", "meta", NULL };
	store_opts  so       = { .dir = "/proc/hues-no-such-dir/x" };

	assert_int_not_equal(store_open(&so, &st, err, sizeof(err)), HUES_OK);
	assert_non_null(strstr(err, "/proc/hues-no-such-dir/x"));
	assert_null(st);
	so = (store_opts) { .dir = fx_tmpdir(), .tables = bad };
	assert_int_equal(
	    store_open(&so, &st, err, sizeof(err)), HUES_INVALID_ARGUMENT);
	assert_string_equal(err, "bad store table name \"meta\"");
	assert_null(st);
}

/* A reader slot left by a process that died is cleared by the writer's
 * periodic check (every 10 ms here); the test waits for it, however long
 * that takes, so only ctest's timeout bounds it. */
static void
test_store_stale_readers_cleared_periodically(void **state)
{
	(void) state;
	store      *st = fx_open((store_opts) { .reader_check_ms = 10 });
	store_stats s;
	char        cmd[512];

	snprintf(
	    cmd, sizeof(cmd), "%s %s", STORE_STALE_READER_BIN, fx_tmpdir());
	int ws = system(cmd);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	for (;;) {
		store_stats_get(st, &s);
		if (s.stale_readers > 0) {
			break;
		}
		nanosleep(&(struct timespec) { 0, 5000000 }, NULL);
	}
	assert_int_equal(s.stale_readers, 1);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_store_open_reopen_and_tables, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_schema_mismatch_error_line, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_open_errors, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_stale_readers_cleared_periodically, fx_setup,
		    fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
