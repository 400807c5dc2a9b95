/*
 * txn_test.c - what transactions do, on a real LMDB in a temp dir:
 * put/get/delete round trips, read-only txns and snapshots, copies that
 * outlive their read txn, reads of a request's own writes, and range
 * scans over composite keys (forward, reverse, limits, prefixes, paging,
 * deletes during a scan in a write txn).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "hues/status.h"


static void
test_txn_put_get_delete_round_trip(void **state)
{
	(void) state;
	store       *st = fx_open((store_opts) { 0 });
	store_table *t  = fx_table(st, "t");
	char         buf[8];
	size_t       n                      = 0;
	uint8_t      big[STORE_KEY_MAX + 1] = { 0 };

	assert_int_equal(fx_put(st, t, "a", 1, "alpha", 5), HUES_OK);
	assert_int_equal(fx_put(st, t, "e", 1, "", 0), HUES_OK);
	assert_int_equal(fx_get(st, t, "a", 1, buf, sizeof(buf), &n), HUES_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "alpha", 5);
	n = 99;
	assert_int_equal(fx_get(st, t, "a", 1, buf, 4, &n), HUES_OUT_OF_RANGE);
	assert_int_equal(n, 99); /* out-params only on success */
	assert_int_equal(fx_get(st, t, "e", 1, buf, 0, &n), HUES_OK);
	assert_int_equal(n, 0);
	assert_int_equal(
	    fx_get(st, t, "zz", 2, buf, sizeof(buf), &n), HUES_NOT_FOUND);
	/* Overwrite, NOOVERWRITE, bad keys. */
	assert_int_equal(fx_put(st, t, "a", 1, "beta", 4), HUES_OK);
	fx_put_arg no = { t, "a", 1, "x", 1, STORE_PUT_NOOVERWRITE, HUES_OK,
		0 };
	assert_int_equal(store_write(st, fx_put_fn, &no), HUES_ALREADY_EXISTS);
	assert_int_equal(fx_put(st, t, "", 0, "x", 1), HUES_INVALID_ARGUMENT);
	assert_int_equal(
	    fx_put(st, t, big, sizeof(big), "x", 1), HUES_INVALID_ARGUMENT);
	assert_int_equal(fx_get(st, t, "a", 1, buf, sizeof(buf), &n), HUES_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "beta", 4);
	store_close(st);
}

static int
del_fn(store_txn *txn, void *arg)
{
	return store_del(txn, arg, "a", 1);
}

static int
put_in_read_txn(store_txn *txn, store_table *t)
{
	return store_put(txn, t, "r", 1, "x", 1, 0);
}

static void
test_txn_delete_and_read_only_txn(void **state)
{
	(void) state;
	store        *st = fx_open((store_opts) { 0 });
	store_table  *t  = fx_table(st, "t");
	store_reader *r;
	store_txn    *txn, *txn2;
	char          buf[8];
	size_t        n;

	assert_int_equal(fx_put(st, t, "a", 1, "1", 1), HUES_OK);
	assert_int_equal(store_write(st, del_fn, t), HUES_OK);
	assert_int_equal(store_write(st, del_fn, t), HUES_NOT_FOUND);
	assert_int_equal(
	    fx_get(st, t, "a", 1, buf, sizeof(buf), &n), HUES_NOT_FOUND);

	assert_int_equal(store_reader_create(st, &r), HUES_OK);
	assert_int_equal(store_read_begin(r, &txn), HUES_OK);
	assert_int_equal(put_in_read_txn(txn, t), HUES_FAILED_PRECONDITION);
	assert_int_equal(store_del(txn, t, "a", 1), HUES_FAILED_PRECONDITION);
	assert_int_equal(store_read_begin(r, &txn2), HUES_FAILED_PRECONDITION);
	/* Waiting for a write with a read open could deadlock a growth. */
	assert_int_equal(
	    fx_put(st, t, "b", 1, "2", 1), HUES_FAILED_PRECONDITION);
	store_read_end(r);
	store_read_end(r); /* no read open: nothing */
	assert_int_equal(fx_put(st, t, "b", 1, "2", 1), HUES_OK);
	store_reader_destroy(r);
	store_reader_destroy(NULL);
	store_close(st);
}

typedef struct {
	store       *st;
	store_table *t;
	int          rc;
} putter;

static void *
put_b_main(void *p)
{
	putter *a = p;
	a->rc     = fx_put(a->st, a->t, "b", 1, "2", 1);
	return NULL;
}

/* A read is a snapshot: a commit made (by another thread) while it is
 * open is not in it, and is in the next read of the same reader. */
static void
test_txn_read_is_a_snapshot(void **state)
{
	(void) state;
	store        *st = fx_open((store_opts) { 0 });
	store_table  *t  = fx_table(st, "t");
	store_reader *r;
	store_txn    *txn;
	pthread_t     tid;
	putter        a = { st, t, -1 };

	assert_int_equal(fx_put(st, t, "a", 1, "1", 1), HUES_OK);
	assert_int_equal(store_reader_create(st, &r), HUES_OK);
	assert_int_equal(store_read_begin(r, &txn), HUES_OK);
	assert_int_equal(pthread_create(&tid, NULL, put_b_main, &a), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(a.rc, HUES_OK);
	assert_int_equal(store_has(txn, t, "a", 1), HUES_OK);
	assert_int_equal(store_has(txn, t, "b", 1), HUES_NOT_FOUND);
	store_read_end(r);
	assert_int_equal(store_read_begin(r, &txn), HUES_OK);
	assert_int_equal(store_has(txn, t, "b", 1), HUES_OK);
	store_read_end(r);
	store_reader_destroy(r);
	store_close(st);
}

static void *
arena_alloc_fn(void *ctx, size_t size)
{
	size_t                     *used = ctx;
	static _Alignas(16) uint8_t arena[4096];
	if (*used + size > sizeof(arena)) {
		return NULL;
	}
	void *p = arena + *used;
	*used += size;
	return p;
}

static void *
null_alloc(void *ctx, size_t size)
{
	(void) ctx, (void) size;
	return NULL;
}

/* Values are copied out: the copies stay valid and unchanged after the
 * read ends and after the key is overwritten and the pages reused (ASan
 * would flag a pointer into freed or reused memory on free()). */
static void
test_txn_values_outlive_read_txn(void **state)
{
	(void) state;
	store        *st = fx_open((store_opts) { 0 });
	store_table  *t  = fx_table(st, "t");
	store_reader *r;
	store_txn    *txn;
	char          val[300];
	void         *copy = NULL, *in_arena = NULL, *none = NULL;
	size_t        n = 0, m = 0, used = 0;

	memset(val, 'v', sizeof(val));
	assert_int_equal(fx_put(st, t, "k", 1, val, sizeof(val)), HUES_OK);
	assert_int_equal(store_reader_create(st, &r), HUES_OK);
	assert_int_equal(store_read_begin(r, &txn), HUES_OK);
	assert_int_equal(
	    store_get_alloc(txn, t, "k", 1, NULL, NULL, &copy, &n), HUES_OK);
	assert_int_equal(store_get_alloc(txn, t, "k", 1, arena_alloc_fn, &used,
	                     &in_arena, &m),
	    HUES_OK);
	assert_int_equal(
	    store_get_alloc(txn, t, "k", 1, null_alloc, NULL, &none, &m),
	    HUES_RESOURCE_EXHAUSTED);
	assert_int_equal(store_get_alloc(txn, t, "x", 1, NULL, NULL, &none, &m),
	    HUES_NOT_FOUND);
	assert_null(none);
	store_read_end(r);
	assert_int_equal(used, sizeof(val));

	memset(val, 'w', sizeof(val));
	for (int i = 0; i < 50; i++) {
		assert_int_equal(
		    fx_put(st, t, "k", 1, val, sizeof(val)), HUES_OK);
	}
	assert_int_equal(n, 300);
	memset(val, 'v', sizeof(val));
	assert_memory_equal(copy, val, sizeof(val));
	assert_memory_equal(in_arena, val, sizeof(val));
	free(copy);
	store_reader_destroy(r);
	store_close(st);
}

/* A request reads its own writes, puts over them, deletes them, and a
 * cursor in its txn sees them. */
typedef struct {
	store_table *t;
	int          seen;
} own_arg;

static int
own_fn(store_txn *txn, void *arg)
{
	own_arg      *a = arg;
	char          buf[8];
	size_t        n;
	store_cursor *c;
	store_item    it;

	a->seen = 0;
	if (store_put(txn, a->t, "x", 1, "one", 3, 0) != HUES_OK ||
	    store_get(txn, a->t, "x", 1, buf, sizeof(buf), &n) != HUES_OK ||
	    n != 3 || memcmp(buf, "one", 3) != 0) {
		return HUES_INTERNAL;
	}
	a->seen++;
	if (store_put(txn, a->t, "x", 1, "two", 3, 0) != HUES_OK ||
	    store_get(txn, a->t, "x", 1, buf, sizeof(buf), &n) != HUES_OK ||
	    memcmp(buf, "two", 3) != 0) {
		return HUES_INTERNAL;
	}
	a->seen++;
	if (store_del(txn, a->t, "x", 1) != HUES_OK ||
	    store_has(txn, a->t, "x", 1) != HUES_NOT_FOUND) {
		return HUES_INTERNAL;
	}
	a->seen++;
	store_put(txn, a->t, "y", 1, "3", 1, 0);
	if (store_cursor_open(txn, a->t, NULL, &c) != HUES_OK) {
		return HUES_INTERNAL;
	}
	if (store_cursor_next(c, &it) == HUES_OK && it.klen == 1 &&
	    memcmp(it.key, "y", 1) == 0) {
		a->seen++;
	}
	store_cursor_close(c);
	return HUES_OK;
}

static void
test_txn_request_reads_its_own_writes(void **state)
{
	(void) state;
	store       *st = fx_open((store_opts) { 0 });
	store_table *t  = fx_table(st, "t");
	own_arg      a  = { t, 0 };
	char         buf[8];
	size_t       n;

	assert_int_equal(store_write(st, own_fn, &a), HUES_OK);
	assert_int_equal(a.seen, 4);
	assert_int_equal(
	    fx_get(st, t, "x", 1, buf, sizeof(buf), &n), HUES_NOT_FOUND);
	assert_int_equal(fx_get(st, t, "y", 1, buf, sizeof(buf), &n), HUES_OK);
	store_close(st);
}

/* ---- scans ---- */

/* Keys (kind u8, time u64) for kinds 0..2; values are "kind:time". */
static const uint64_t times[] = { 5, 1, 300, (uint64_t) 1 << 40, 0 };

static size_t
mkkey(uint8_t *out, uint8_t kind, uint64_t time)
{
	store_key k;
	store_key_init(&k);
	store_key_u8(&k, kind);
	store_key_u64(&k, time);
	memcpy(out, store_key_data(&k), store_key_len(&k));
	return store_key_len(&k);
}

static int
fill_fn(store_txn *txn, void *arg)
{
	store_table *t = arg;
	uint8_t      k[16];
	char         v[32];
	for (uint8_t kind = 0; kind < 3; kind++) {
		for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
			size_t kl = mkkey(k, kind, times[i]);
			int    vl = snprintf(v, sizeof(v), "%u:%llu", kind,
			       (unsigned long long) times[i]);
			int    rc = store_put(txn, t, k, kl, v, (size_t) vl, 0);
			if (rc != HUES_OK) {
				return rc;
			}
		}
	}
	return HUES_OK;
}

/* Runs range r and writes the times it returned into got; returns how
 * many. */
static size_t
scan_times(
    store *st, store_table *t, const store_range *r, uint64_t *got, size_t cap)
{
	store_reader  *rd;
	store_txn     *txn;
	store_cursor  *c;
	store_item     it;
	size_t         n = 0;
	store_key_view v;
	uint8_t        kind;

	assert_int_equal(store_reader_create(st, &rd), HUES_OK);
	assert_int_equal(store_read_begin(rd, &txn), HUES_OK);
	assert_int_equal(store_cursor_open(txn, t, r, &c), HUES_OK);
	while (store_cursor_next(c, &it) == HUES_OK) {
		assert_true(n < cap);
		store_key_view_init(&v, it.key, it.klen);
		assert_int_equal(store_key_get_u8(&v, &kind), HUES_OK);
		assert_int_equal(store_key_get_u64(&v, &got[n]), HUES_OK);
		got[n] += (uint64_t) kind << 56; /* kinds 0..2 stay visible */
		n++;
	}
	/* Exhausted stays exhausted. */
	assert_int_equal(store_cursor_next(c, &it), HUES_NOT_FOUND);
	/* Left open on purpose: read_end closes it. */
	store_read_end(rd);
	store_reader_destroy(rd);
	return n;
}

#define K1(t) (((uint64_t) 1 << 56) + (t))

static void
test_txn_scan_prefix_forward_reverse_limit(void **state)
{
	(void) state;
	store       *st = fx_open((store_opts) { 0 });
	store_table *t  = fx_table(st, "idx");
	uint64_t     got[32];
	uint8_t      p[1] = { 1 };

	assert_int_equal(store_write(st, fill_fn, t), HUES_OK);

	store_range r = { .prefix = p, .prefix_len = 1 };
	assert_int_equal(scan_times(st, t, &r, got, 32), 5);
	uint64_t fwd[] = { K1(0), K1(1), K1(5), K1(300),
		K1((uint64_t) 1 << 40) };
	assert_memory_equal(got, fwd, sizeof(fwd));

	r.flags = STORE_RANGE_REVERSE;
	assert_int_equal(scan_times(st, t, &r, got, 32), 5);
	for (int i = 0; i < 5; i++) {
		assert_true(got[i] == fwd[4 - i]);
	}
	r.limit = 2;
	assert_int_equal(scan_times(st, t, &r, got, 32), 2);
	assert_true(got[0] == fwd[4] && got[1] == fwd[3]);
	r.flags = 0;
	assert_int_equal(scan_times(st, t, &r, got, 32), 2);
	assert_true(got[0] == fwd[0] && got[1] == fwd[1]);

	/* The whole table, both ways: 15 keys, kind then time. */
	assert_int_equal(scan_times(st, t, NULL, got, 32), 15);
	assert_true(got[0] == 0 &&
	            got[14] == ((uint64_t) 2 << 56) + ((uint64_t) 1 << 40));
	for (int i = 1; i < 15; i++) {
		assert_true(got[i - 1] < got[i]);
	}
	store_range rev = { .flags = STORE_RANGE_REVERSE };
	assert_int_equal(scan_times(st, t, &rev, got, 32), 15);
	for (int i = 1; i < 15; i++) {
		assert_true(got[i - 1] > got[i]);
	}
	store_close(st);
}

static void
test_txn_scan_bounds_and_paging(void **state)
{
	(void) state;
	store       *st = fx_open((store_opts) { 0 });
	store_table *t  = fx_table(st, "idx");
	uint64_t     got[32], all[32];
	uint8_t      lo[16], hi[16], p[1] = { 1 };
	size_t       lol = mkkey(lo, 1, 5), hil = mkkey(hi, 1, 300), n = 0;

	assert_int_equal(store_write(st, fill_fn, t), HUES_OK);

	/* [ (1,5), (1,300) ) and with the bounds flipped in and out. */
	store_range r = { .lo = lo, .lo_len = lol, .hi = hi, .hi_len = hil };
	assert_int_equal(scan_times(st, t, &r, got, 32), 1);
	assert_true(got[0] == K1(5));
	r.flags = STORE_RANGE_HI_INCL;
	assert_int_equal(scan_times(st, t, &r, got, 32), 2);
	r.flags = STORE_RANGE_HI_INCL | STORE_RANGE_LO_EXCL;
	assert_int_equal(scan_times(st, t, &r, got, 32), 1);
	assert_true(got[0] == K1(300));
	r.flags = STORE_RANGE_REVERSE | STORE_RANGE_HI_INCL;
	assert_int_equal(scan_times(st, t, &r, got, 32), 2);
	assert_true(got[0] == K1(300) && got[1] == K1(5));
	r.flags = STORE_RANGE_REVERSE;
	assert_int_equal(scan_times(st, t, &r, got, 32), 1);
	assert_true(got[0] == K1(5));

	/* A prefix narrows bounds that are wider: kind 1 from (0, 9). */
	uint8_t     wide[16];
	size_t      wl = mkkey(wide, 0, 9);
	store_range pr = {
		.lo = wide, .lo_len = wl, .prefix = p, .prefix_len = 1
	};
	assert_int_equal(scan_times(st, t, &pr, got, 32), 5);
	pr = (store_range) { .hi = hi,
		.hi_len          = hil,
		.prefix          = p,
		.prefix_len      = 1,
		.flags           = STORE_RANGE_REVERSE };
	assert_int_equal(scan_times(st, t, &pr, got, 32), 3);
	assert_true(got[0] == K1(5) && got[2] == K1(0));

	/* Paging forward, 2 at a time, from the last key seen. */
	uint8_t last[16];
	size_t  lastl = 0;
	for (;;) {
		store_range pg = { .prefix = p, .prefix_len = 1, .limit = 2 };
		if (lastl > 0) {
			pg.lo = last, pg.lo_len = lastl;
			pg.flags = STORE_RANGE_LO_EXCL;
		}
		size_t k = scan_times(st, t, &pg, got, 32);
		if (k == 0) {
			break;
		}
		memcpy(all + n, got, k * sizeof(got[0]));
		n += k;
		lastl = mkkey(last, 1, got[k - 1] & (((uint64_t) 1 << 56) - 1));
	}
	assert_int_equal(n, 5);
	assert_true(all[0] == K1(0) && all[4] == K1((uint64_t) 1 << 40));
	/* Paging backward: hi = the last key seen (exclusive). */
	n = lastl = 0;
	for (;;) {
		store_range pg = { .prefix = p,
			.prefix_len        = 1,
			.limit             = 2,
			.flags             = STORE_RANGE_REVERSE };
		if (lastl > 0) {
			pg.hi = last, pg.hi_len = lastl;
		}
		size_t k = scan_times(st, t, &pg, got, 32);
		if (k == 0) {
			break;
		}
		memcpy(all + n, got, k * sizeof(got[0]));
		n += k;
		lastl = mkkey(last, 1, got[k - 1] & (((uint64_t) 1 << 56) - 1));
	}
	assert_int_equal(n, 5);
	assert_true(all[0] == K1((uint64_t) 1 << 40) && all[4] == K1(0));
	store_close(st);
}

static int
ff_fn(store_txn *txn, void *arg)
{
	static const char  *keys[] = { "\xfe\xff", "\xff", "\xff\x00",
		 "\xff\xff", "\xff\xff\x01" };
	static const size_t lens[] = { 2, 1, 2, 2, 3 };
	for (int i = 0; i < 5; i++) {
		int rc = store_put(txn, arg, keys[i], lens[i], "", 0, 0);
		if (rc != HUES_OK) {
			return rc;
		}
	}
	return HUES_OK;
}

static size_t
count_range(store *st, store_table *t, const store_range *r)
{
	store_reader *rd;
	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	size_t        n = 0;
	assert_int_equal(store_reader_create(st, &rd), HUES_OK);
	assert_int_equal(store_read_begin(rd, &txn), HUES_OK);
	assert_int_equal(store_cursor_open(txn, t, r, &c), HUES_OK);
	while (store_cursor_next(c, &it) == HUES_OK) {
		n++;
	}
	store_cursor_close(c);
	store_cursor_close(NULL);
	store_read_end(rd);
	store_reader_destroy(rd);
	return n;
}

/* Prefixes ending in 0xFF have a shorter successor, or none at all. */
static void
test_txn_scan_prefix_of_ff_bytes(void **state)
{
	(void) state;
	store        *st                     = fx_open((store_opts) { 0 });
	store_table  *t                      = fx_table(st, "ff");
	uint8_t       big[STORE_KEY_MAX + 1] = { 0 };
	store_cursor *c;

	assert_int_equal(store_write(st, ff_fn, t), HUES_OK);
	store_range r = { .prefix = "\xff", .prefix_len = 1 };
	assert_int_equal(count_range(st, t, &r), 4);
	r.flags = STORE_RANGE_REVERSE;
	assert_int_equal(count_range(st, t, &r), 4);
	r = (store_range) { .prefix = "\xff\xff", .prefix_len = 2 };
	assert_int_equal(count_range(st, t, &r), 2);
	r = (store_range) {
		.prefix = "\xfe", .prefix_len = 1, .flags = STORE_RANGE_REVERSE
	};
	assert_int_equal(count_range(st, t, &r), 1);

	store_reader *rd;
	store_txn    *txn;
	assert_int_equal(store_reader_create(st, &rd), HUES_OK);
	assert_int_equal(store_read_begin(rd, &txn), HUES_OK);
	r = (store_range) { .lo = big, .lo_len = sizeof(big) };
	assert_int_equal(
	    store_cursor_open(txn, t, &r, &c), HUES_INVALID_ARGUMENT);
	store_read_end(rd);
	store_reader_destroy(rd);
	store_close(st);
}

/* Deleting each key a write-txn cursor returns, and adding keys behind
 * it, neither skips nor repeats a key. */
typedef struct {
	store_table *t;
	int          visited;
} drain_arg;

static int
drain_fn(store_txn *txn, void *arg)
{
	drain_arg    *a = arg;
	store_cursor *c;
	store_item    it;
	uint8_t       key[16];
	int           rc;

	a->visited = 0;
	if ((rc = store_cursor_open(txn, a->t, NULL, &c)) != HUES_OK) {
		return rc;
	}
	while (store_cursor_next(c, &it) == HUES_OK) {
		memcpy(key, it.key, it.klen);
		size_t kl = it.klen;
		a->visited++;
		if ((rc = store_del(txn, a->t, key, kl)) != HUES_OK) {
			break;
		}
		if (key[0] == 2) {
			/* Behind the cursor: must not be visited. */
			key[0] = 0;
			store_put(txn, a->t, key, kl, "n", 1, 0);
		}
	}
	/* Left open on purpose: the writer closes it with the request. */
	return rc;
}

static void
test_txn_write_cursor_survives_deletes(void **state)
{
	(void) state;
	store       *st = fx_open((store_opts) { 0 });
	store_table *t  = fx_table(st, "idx");
	drain_arg    a  = { t, 0 };

	assert_int_equal(store_write(st, fill_fn, t), HUES_OK);
	assert_int_equal(store_write(st, drain_fn, &a), HUES_OK);
	assert_int_equal(a.visited, 15);
	/* What is left: kind 2's keys moved to kind 0. */
	assert_int_equal(fx_count(st, t), 5);
	store_close(st);
}

/* One cursor aimed at range after range, and finds through it: the same
 * keys as fresh cursors give, whatever came before on the cursor. */
static void
test_txn_cursor_seek_and_find(void **state)
{
	(void) state;
	store        *st = fx_open((store_opts) { 0 });
	store_table  *t  = fx_table(st, "idx");
	store_reader *rd;
	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	uint8_t       k[16], p0[1] = { 0 }, p2[1] = { 2 };

	assert_int_equal(store_write(st, fill_fn, t), HUES_OK);
	assert_int_equal(store_reader_create(st, &rd), HUES_OK);
	assert_int_equal(store_read_begin(rd, &txn), HUES_OK);
	assert_int_equal(store_cursor_open(txn, t, NULL, &c), HUES_OK);

	/* kind 2, then kind 0 (backwards in key order), then kind 2 reversed
	 * with a limit, each from a cursor left exhausted or mid-range */
	store_range r2 = { .prefix = p2, .prefix_len = 1 };
	store_range r0 = { .prefix = p0, .prefix_len = 1 };
	store_range rv = { .prefix = p2, .prefix_len = 1,
		.flags = STORE_RANGE_REVERSE, .limit = 2 };
	const store_range *seq[] = { &r2, &r0, &rv, &r2 };
	const size_t       want[] = { 5, 5, 2, 5 };
	for (size_t i = 0; i < 4; i++) {
		size_t n = 0;
		assert_int_equal(store_cursor_seek(c, seq[i]), HUES_OK);
		while (store_cursor_next(c, &it) == HUES_OK) {
			assert_int_equal(((const uint8_t *) it.key)[0],
			    ((const uint8_t *) seq[i]->prefix)[0]);
			n++;
			if (i == 0 && n == 2) {
				break; /* leave this one mid-range */
			}
		}
		assert_int_equal(n, i == 0 ? 2 : want[i]);
	}
	/* a bound too long is refused and leaves the cursor as it was */
	uint8_t     big[STORE_KEY_MAX + 1] = { 0 };
	store_range bad = { .lo = big, .lo_len = sizeof(big) };
	assert_int_equal(store_cursor_seek(c, &bad), HUES_INVALID_ARGUMENT);
	/* finds, out of order and missing */
	static const uint64_t t_at[] = { 300, 0, (uint64_t) 1 << 40, 5 };
	for (size_t i = 0; i < 4; i++) {
		size_t kl = mkkey(k, 1, t_at[i]);
		char   v[32];
		int    vl = snprintf(v, sizeof(v), "1:%llu",
		       (unsigned long long) t_at[i]);
		assert_int_equal(store_cursor_find(c, k, kl, &it), HUES_OK);
		assert_int_equal(it.vlen, (size_t) vl);
		assert_memory_equal(it.val, v, (size_t) vl);
		assert_int_equal(it.klen, kl);
		assert_memory_equal(it.key, k, kl);
	}
	size_t kl = mkkey(k, 1, 4); /* between 1 and 5: not there */
	assert_int_equal(store_cursor_find(c, k, kl, &it), HUES_NOT_FOUND);
	assert_int_equal(store_cursor_find(c, k, 0, &it), HUES_INVALID_ARGUMENT);
	/* a cursor that found is not stepped, until it is aimed again */
	assert_int_equal(store_cursor_next(c, &it), HUES_NOT_FOUND);
	assert_int_equal(store_cursor_seek(c, &r0), HUES_OK);
	assert_int_equal(store_cursor_next(c, &it), HUES_OK);
	assert_int_equal(((const uint8_t *) it.key)[0], 0);

	store_cursor_close(c);
	store_read_end(rd);
	store_reader_destroy(rd);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_txn_put_get_delete_round_trip, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_txn_delete_and_read_only_txn, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_txn_read_is_a_snapshot, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_txn_values_outlive_read_txn, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_txn_request_reads_its_own_writes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_txn_scan_prefix_forward_reverse_limit, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_txn_scan_bounds_and_paging, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_txn_scan_prefix_of_ff_bytes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_txn_write_cursor_survives_deletes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_txn_cursor_seek_and_find, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
