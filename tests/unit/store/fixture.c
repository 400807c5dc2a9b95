/*
 * fixture.c - temp dirs and small helpers for the store tests.
 */
#include "fixture.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hues/status.h"

static char dir[64];

const char *
fx_tmpdir(void)
{
	if (dir[0] != '\0') {
		return dir;
	}
	snprintf(dir, sizeof(dir), "/tmp/hues-store-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return dir;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void) sb, (void) flag, (void) ftw;
	return remove(path);
}

void
fx_rmdir(void)
{
	if (dir[0] != '\0') {
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		dir[0] = '\0';
	}
}

store *
fx_open(store_opts opts)
{
	store *st       = NULL;
	char   err[256] = "";
	opts.dir        = dir;
	int rc          = store_open(&opts, &st, err, sizeof(err));
	if (rc != HUES_OK) {
		fail_msg("store_open: %s (%s)", err, hues_status_name(rc));
	}
	return st;
}

store_table *
fx_table(store *st, const char *name)
{
	store_table *t = NULL;
	assert_int_equal(
	    store_table_open(st, name, STORE_TABLE_CREATE, &t), HUES_OK);
	return t;
}

int
fx_put_fn(store_txn *txn, void *arg)
{
	fx_put_arg *a = arg;
	int         rc;
	a->calls++;
	rc = store_put(txn, a->t, a->key, a->klen, a->val, a->vlen, a->flags);
	return rc != HUES_OK ? rc : a->ret;
}

int
fx_put(store *st, store_table *t, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	fx_put_arg a = { t, k, klen, v, vlen, 0, HUES_OK, 0 };
	return store_write(st, fx_put_fn, &a);
}

int
fx_get(store *st, store_table *t, const void *k, size_t klen, void *buf,
    size_t cap, size_t *len)
{
	store_reader *r;
	store_txn    *txn;
	int           rc;
	assert_int_equal(store_reader_create(st, &r), HUES_OK);
	assert_int_equal(store_read_begin(r, &txn), HUES_OK);
	rc = store_get(txn, t, k, klen, buf, cap, len);
	store_read_end(r);
	store_reader_destroy(r);
	return rc;
}

size_t
fx_count(store *st, store_table *t)
{
	store_reader *r;
	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	size_t        n = 0;
	assert_int_equal(store_reader_create(st, &r), HUES_OK);
	assert_int_equal(store_read_begin(r, &txn), HUES_OK);
	assert_int_equal(store_cursor_open(txn, t, NULL, &c), HUES_OK);
	while (store_cursor_next(c, &it) == HUES_OK) {
		n++;
	}
	store_cursor_close(c);
	store_read_end(r);
	store_reader_destroy(r);
	return n;
}

int
fx_setup(void **state)
{
	(void) state;
	fx_tmpdir();
	return 0;
}

int
fx_teardown(void **state)
{
	(void) state;
	fx_rmdir();
	return 0;
}
