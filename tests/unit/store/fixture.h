/*
 * fixture.h - what the store tests share: a fresh temp dir per test, a
 * store on it, and small write fns.
 */
#ifndef HUES_TESTS_UNIT_STORE_FIXTURE_H
#define HUES_TESTS_UNIT_STORE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Makes a temp dir (mkdtemp) and returns its path (static storage); the
 * same one until fx_rmdir. */
const char *fx_tmpdir(void);

/* Removes the dir fx_tmpdir() made, and everything in it. */
void fx_rmdir(void);

/* cmocka setup and teardown: a fresh temp dir for each test. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* store_open on fx_tmpdir() with opts (dir filled in); fails the test on
 * error. tables: NULL-terminated, may be NULL. */
store *fx_open(store_opts opts);

/* The table called name (created if missing); fails the test on error. */
store_table *fx_table(store *st, const char *name);

/* Writes one key/value in its own request; returns the store's code. */
int fx_put(store *st, store_table *t, const void *k, size_t klen, const void *v,
    size_t vlen);

/* Reads key into buf through a new reader; returns the code. */
int fx_get(store *st, store_table *t, const void *k, size_t klen, void *buf,
    size_t cap, size_t *len);

/* The number of keys in t. */
size_t fx_count(store *st, store_table *t);

/* A write fn: puts key/val, then returns ret (unless the put failed). */
typedef struct fx_put_arg {
	store_table *t;
	const void  *key;
	size_t       klen;
	const void  *val;
	size_t       vlen;
	unsigned     flags;
	int          ret;
	int          calls; /* how many times fn ran */
} fx_put_arg;

int fx_put_fn(store_txn *txn, void *arg);

#endif
