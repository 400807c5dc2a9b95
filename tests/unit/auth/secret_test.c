/*
 * secret_test.c - the zero-configuration secret: made once with mode 0600
 * and 64 hex digits, the same file on later calls, and refused when others
 * can read it, when it is not a regular file or not of our making.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "hues/status.h"

static char dir[64];
static char path[128];
static char err[512];

static int
setup(void **state)
{
	(void) state;
	snprintf(dir, sizeof(dir), "/tmp/hues-secret-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/jwt-secret", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	unlink(path);
	rmdir(path); /* one test makes a directory there */
	assert_int_equal(rmdir(dir), 0);
	return 0;
}

static void
read_secret(char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n]   = '\0';
	fclose(f);
}

static void
test_secret_made_once_private(void **state)
{
	(void) state;
	int         created = -1;
	struct stat st;
	char        first[128], again[128];

	/* A umask that would let everyone read: the mode is ours anyway. */
	mode_t old = umask(0);
	assert_int_equal(
	    auth_secret_ensure(dir, "jwt-secret", err, sizeof(err), &created),
	    HUES_OK);
	umask(old);
	assert_int_equal(created, 1);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 65);
	read_secret(first, sizeof(first));
	assert_int_equal(strspn(first, "0123456789abcdef"), 64);
	assert_int_equal(first[64], '\n');

	assert_int_equal(
	    auth_secret_ensure(dir, "jwt-secret", err, sizeof(err), &created),
	    HUES_OK);
	assert_int_equal(created, 0);
	read_secret(again, sizeof(again));
	assert_string_equal(again, first);
	/* Nothing else is left in the directory (no temp file). */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_secret_refused_when_not_private(void **state)
{
	(void) state;
	int created = -1;
	assert_int_equal(
	    auth_secret_ensure(dir, "jwt-secret", err, sizeof(err), &created),
	    HUES_OK);
	assert_int_equal(chmod(path, 0640), 0);
	created = -1;
	assert_int_equal(
	    auth_secret_ensure(dir, "jwt-secret", err, sizeof(err), &created),
	    HUES_FAILED_PRECONDITION);
	assert_int_equal(created, -1);
	assert_non_null(strstr(err, "is readable by others (mode 640)"));

	/* Not of our making: a hand-written secret of another length. */
	assert_int_equal(unlink(path), 0);
	FILE *f = fopen(path, "w");
	fputs("hunter2\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(
	    auth_secret_ensure(dir, "jwt-secret", err, sizeof(err), &created),
	    HUES_FAILED_PRECONDITION);
	assert_non_null(strstr(err, "is not a secret this server made"));

	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(
	    auth_secret_ensure(dir, "jwt-secret", err, sizeof(err), &created),
	    HUES_FAILED_PRECONDITION);
	assert_non_null(strstr(err, "is not a regular file"));
}

static void
test_secret_missing_dir(void **state)
{
	(void) state;
	int created = -1;
	assert_int_equal(auth_secret_ensure("/nonexistent/dir", "jwt-secret",
	                     err, sizeof(err), &created),
	    HUES_INTERNAL);
	assert_int_equal(created, -1);
	assert_non_null(strstr(err, "/nonexistent/dir"));
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_secret_made_once_private),
		T(test_secret_refused_when_not_private),
		T(test_secret_missing_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
