/*
 * warm_test.c - the warm pass at open (server/store/warm.c) on a store of
 * 48 MiB: with huge pages it drops the page cache of the map step by step
 * and reads it back, while a reader checks every value and a writer adds
 * more; nothing read or written is wrong, before or after a reopen.
 * Whether the kernel gives huge pages depends on it (ext4 since Linux
 * 6.16), so the count is printed, not required; without huge pages the
 * pass must leave none counted.
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
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include "hues/status.h"

#define VAL     (16u << 10) /* an overflow value: four pages of its own */
#define PER_REQ 256u        /* 4 MiB a request */
#define LOADED  12u         /* requests before the reopen: 48 MiB */
#define ADDED   4u          /* requests while the pass runs */

static void
key_of(uint8_t out[4], uint32_t i)
{
	out[0] = (uint8_t) (i >> 24);
	out[1] = (uint8_t) (i >> 16);
	out[2] = (uint8_t) (i >> 8);
	out[3] = (uint8_t) i;
}

/* Value i: its index in every word, so a page read from the wrong place
 * or a zeroed one shows. */
static void
val_of(uint8_t *v, uint32_t i)
{
	for (size_t o = 0; o < VAL; o += 4) {
		uint32_t w = i * 2654435761u + (uint32_t) o;
		memcpy(v + o, &w, 4);
	}
}

typedef struct {
	store_table *t;
	uint32_t     first;
} chunk_arg;

static int
chunk_fn(store_txn *txn, void *arg)
{
	chunk_arg *a = arg;
	uint8_t    k[4];
	static _Thread_local uint8_t v[VAL];
	int        rc;

	for (uint32_t i = a->first; i < a->first + PER_REQ; i++) {
		key_of(k, i);
		val_of(v, i);
		if ((rc = store_put(txn, a->t, k, sizeof(k), v, VAL, 0)) != HUES_OK) {
			return rc;
		}
	}
	return HUES_OK;
}

static void
write_chunks(store *st, store_table *t, uint32_t from, uint32_t n)
{
	for (uint32_t c = from; c < from + n; c++) {
		chunk_arg a = {t, c * PER_REQ};
		assert_int_equal(store_write(st, chunk_fn, &a), HUES_OK);
	}
}

/* How many of values [0, n) are wrong or missing. */
static unsigned
bad_values(store *st, store_table *t, uint32_t n)
{
	static _Thread_local uint8_t got[VAL], want[VAL];
	unsigned bad = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t k[4];
		size_t  len = 0;
		key_of(k, i);
		val_of(want, i);
		if (fx_get(st, t, k, sizeof(k), got, sizeof(got), &len) != HUES_OK ||
		    len != VAL || memcmp(got, want, VAL) != 0) {
			bad++;
		}
	}
	return bad;
}

typedef struct {
	store       *st;
	store_table *t;
	atomic_bool  stop;
	unsigned     rounds, bad;
} reader_arg;

static void *
reader_main(void *arg)
{
	reader_arg *r = arg;
	while (!atomic_load(&r->stop) && r->rounds < 1000) {
		r->bad += bad_values(r->st, r->t, LOADED * PER_REQ);
		r->rounds++;
	}
	return NULL;
}

/* Waits for the warm pass to end: at most 120 s, then fails. */
static store_stats
warm_wait(store *st)
{
	store_stats ss;
	for (int i = 0; i < 1200; i++) {
		store_stats_get(st, &ss);
		if (ss.warm_done) {
			return ss;
		}
		nanosleep(&(struct timespec) {0, 100 * 1000 * 1000}, NULL);
	}
	fail_msg("the warm pass did not end in 120 s");
	return ss;
}

static store *
loaded(store_opts o)
{
	store *st = fx_open((store_opts) {.map_size = 256u << 20});
	write_chunks(st, fx_table(st, "t"), 0, LOADED);
	store_close(st);
	return fx_open(o);
}

static void
test_huge_pass_keeps_every_value(void **state)
{
	(void) state;
	store      *st = loaded((store_opts) {.map_size = 256u << 20});
	reader_arg  r  = {.st = st, .t = fx_table(st, "t")};
	pthread_t   th;

	assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
	write_chunks(st, r.t, LOADED, ADDED); /* while the pass runs */
	store_stats ss = warm_wait(st);
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	print_message("huge pages: %llu MB; %u reader rounds\n",
	    (unsigned long long) (ss.huge_bytes >> 20), r.rounds);
	assert_int_equal(r.bad, 0);
	assert_int_equal(bad_values(st, r.t, (LOADED + ADDED) * PER_REQ), 0);
	store_close(st);

	st = fx_open((store_opts) {.map_size = 256u << 20, .no_huge_pages = true});
	assert_int_equal(bad_values(st, fx_table(st, "t"), (LOADED + ADDED) * PER_REQ), 0);
	store_close(st);
}

static void
test_no_huge_pages_means_none(void **state)
{
	(void) state;
	store *st = loaded((store_opts) {.map_size = 256u << 20, .no_huge_pages = true});
	store_stats ss = warm_wait(st);
	assert_int_equal(ss.huge_bytes, 0);
	assert_int_equal(bad_values(st, fx_table(st, "t"), LOADED * PER_REQ), 0);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_huge_pass_keeps_every_value, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_no_huge_pages_means_none, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
