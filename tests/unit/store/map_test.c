/*
 * map_test.c - map growth on a tiny map (1 MiB, at most 4 MiB): a batch
 * that fills the map is rolled back, the map doubled and the batch run
 * again, while readers keep reading; past the maximum, writes fail with
 * RESOURCE_EXHAUSTED, nothing of a failed write is kept, and everything
 * acknowledged before is intact, also after a reopen.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "hues/status.h"

#define MIB     ((size_t) 1 << 20)
#define VAL     1024
#define PER_REQ 16 /* 16 KiB of values per request */


static store_opts
tiny(void)
{
	return (store_opts) { .map_size = MIB, .map_max = 4 * MIB };
}

/* Request i writes keys (i, 0..PER_REQ) with values filled from i. */
typedef struct {
	store_table *t;
	uint32_t     i;
	int          calls;
} chunk_arg;

static void
chunk_key(uint8_t out[8], uint32_t i, uint32_t j)
{
	store_key k;
	store_key_init(&k);
	store_key_u32(&k, i);
	store_key_u32(&k, j);
	memcpy(out, store_key_data(&k), 8);
}

static int
chunk_fn(store_txn *txn, void *arg)
{
	chunk_arg *a = arg;
	uint8_t    key[8], val[VAL];
	int        rc;

	a->calls++;
	memset(val, (int) (a->i & 0xFF), sizeof(val));
	for (uint32_t j = 0; j < PER_REQ; j++) {
		chunk_key(key, a->i, j);
		if ((rc = store_put(txn, a->t, key, 8, val, sizeof(val), 0)) !=
		    HUES_OK) {
			return rc;
		}
	}
	return HUES_OK;
}

/* HUES_OK if every key of request i is there with its value; NOT_FOUND
 * if none is; INTERNAL for anything in between. */
static int
check_chunk(store *st, store_table *t, uint32_t i)
{
	uint8_t key[8], val[VAL], want[VAL];
	size_t  n;
	int     found = 0;

	memset(want, (int) (i & 0xFF), sizeof(want));
	for (uint32_t j = 0; j < PER_REQ; j++) {
		chunk_key(key, i, j);
		int rc = fx_get(st, t, key, 8, val, sizeof(val), &n);
		if (rc == HUES_OK && n == VAL && memcmp(val, want, VAL) == 0) {
			found++;
		} else if (rc != HUES_NOT_FOUND) {
			return HUES_INTERNAL;
		}
	}
	return found == PER_REQ ? HUES_OK
	       : found == 0     ? HUES_NOT_FOUND
	                        : HUES_INTERNAL;
}

/* A reader that keeps reading one key while the map grows under it. */
typedef struct {
	store       *st;
	store_table *t;
	atomic_bool  stop;
	long         reads, bad;
} reader_arg;

static void *
reader_main(void *p)
{
	reader_arg   *a = p;
	store_reader *r;
	store_txn    *txn;
	char          buf[8];
	size_t        n;

	if (store_reader_create(a->st, &r) != HUES_OK) {
		a->bad++;
		return NULL;
	}
	while (!atomic_load(&a->stop)) {
		if (store_read_begin(r, &txn) != HUES_OK) {
			a->bad++;
			continue;
		}
		if (store_get(txn, a->t, "pin", 3, buf, sizeof(buf), &n) !=
		        HUES_OK ||
		    n != 3 || memcmp(buf, "pin", 3) != 0) {
			a->bad++;
		}
		store_read_end(r);
		a->reads++;
	}
	store_reader_destroy(r);
	return NULL;
}

/* One batch of 2 MiB of values into a 1 MiB map: the batch is redone
 * after growth (each fn ran twice or more) and every request succeeds. */
static void
test_map_grows_and_batch_is_retried(void **state)
{
	(void) state;
	store       *st = fx_open(tiny());
	store_table *t  = fx_table(st, "t");
	enum { N = 128 }; /* 128 x 16 KiB = 2 MiB */
	store_write_req *r[N];
	chunk_arg        a[N];
	store_stats      s;
	pthread_t        tid;
	reader_arg       ra = { .st = st, .t = t };

	assert_int_equal(fx_put(st, t, "pin", 3, "pin", 3), HUES_OK);
	atomic_init(&ra.stop, false);
	assert_int_equal(pthread_create(&tid, NULL, reader_main, &ra), 0);
	store_pause(st);
	for (uint32_t i = 0; i < N; i++) {
		a[i] = (chunk_arg) { t, i, 0 };
		assert_int_equal(store_write_req_create(&r[i]), HUES_OK);
		store_write_req_set(r[i], chunk_fn, &a[i], NULL, NULL);
		assert_int_equal(store_write_submit(st, r[i]), HUES_OK);
	}
	store_resume(st);
	assert_int_equal(store_write_wait_all(r, N), HUES_OK);
	atomic_store(&ra.stop, true);
	pthread_join(tid, NULL);
	assert_int_equal(ra.bad, 0);

	store_stats_get(st, &s);
	assert_true(s.map_grows >= 1);
	assert_true(s.map_size > MIB && s.map_size <= 4 * MIB);
	assert_true(a[0].calls >= 2);
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(check_chunk(st, t, i), HUES_OK);
		store_write_req_destroy(r[i]);
	}
	store_close(st);
}

/* Writing until the map is at its maximum and full: the last write fails
 * with RESOURCE_EXHAUSTED and leaves nothing; every earlier one is there,
 * now and after a reopen with the same limits. */
static void
test_map_full_at_max_loses_nothing(void **state)
{
	(void) state;
	store       *st = fx_open(tiny());
	store_table *t  = fx_table(st, "t");
	uint32_t     ok = 0;
	int          rc = HUES_OK;
	store_stats  s;

	for (uint32_t i = 0; i < 1000; i++) {
		chunk_arg a = { t, i, 0 };
		if ((rc = store_write(st, chunk_fn, &a)) != HUES_OK) {
			break;
		}
		ok++;
	}
	assert_int_equal(rc, HUES_RESOURCE_EXHAUSTED);
	store_stats_get(st, &s);
	assert_int_equal(s.map_size, 4 * MIB);
	assert_int_equal(s.map_grows, 2);
	/* More than the initial 1 MiB holds was written and acknowledged
	 * (LMDB's pages and copy-on-write take the rest of the 4 MiB). */
	print_message("  %u requests (%zu KiB) acknowledged\n", ok,
	    (size_t) ok * PER_REQ * VAL >> 10);
	assert_true((size_t) ok * PER_REQ * VAL > MIB);
	assert_int_equal(check_chunk(st, t, ok), HUES_NOT_FOUND);
	for (uint32_t i = 0; i < ok; i++) {
		assert_int_equal(check_chunk(st, t, i), HUES_OK);
	}
	/* Small writes may still fit; a failed one still loses nothing. */
	chunk_arg again = { t, ok, 0 };
	assert_int_equal(
	    store_write(st, chunk_fn, &again), HUES_RESOURCE_EXHAUSTED);
	store_close(st);

	st = fx_open(tiny());
	t  = fx_table(st, "t");
	for (uint32_t i = 0; i < ok; i++) {
		assert_int_equal(check_chunk(st, t, i), HUES_OK);
	}
	assert_int_equal(check_chunk(st, t, ok), HUES_NOT_FOUND);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_map_grows_and_batch_is_retried, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_map_full_at_max_loses_nothing, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
