/*
 * write_test.c - the writer: requests that meet in one batch (made
 * deterministic with store_pause) fail alone (redone with child txns
 * only when one wrote before it failed), group commit really batches
 * (counted in commits, not timed), the batch cap, done callbacks on the
 * writer thread, commit hooks (in commit order, before completion, never
 * for a failed or redone run), stopping with and without force, and many
 * threads whose
 * acknowledged writes all survive a close and reopen.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "hues/status.h"


static store_write_req *
new_req(store_write_fn fn, void *arg)
{
	store_write_req *r = NULL;
	assert_int_equal(store_write_req_create(&r), HUES_OK);
	store_write_req_set(r, fn, arg, NULL, NULL);
	return r;
}

static int
empty_key_fn(store_txn *txn, void *arg)
{
	return store_put(txn, arg, "", 0, "x", 1, 0);
}

/* A failed request of a batch (its fn's error, a put's error) is rolled
 * back alone; its neighbours in the same commit are kept. */
static void
test_write_failure_does_not_fail_batch(void **state)
{
	(void) state;
	store           *st = fx_open((store_opts) { 0 });
	store_table     *t  = fx_table(st, "t");
	store_stats      s0, s1;
	store_write_req *r[5];
	char             buf[8];
	size_t           n;

	assert_int_equal(fx_put(st, t, "old", 3, "keep", 4), HUES_OK);
	fx_put_arg a0 = { t, "a", 1, "A", 1, 0, HUES_OK, 0 };
	fx_put_arg a1 = { t, "b", 1, "B", 1, 0, HUES_ABORTED, 0 };
	fx_put_arg a2 = { t, "old", 3, "new", 3, STORE_PUT_NOOVERWRITE, 0, 0 };
	fx_put_arg a3 = { t, "d", 1, "D", 1, 0, HUES_OK, 0 };
	r[0]          = new_req(fx_put_fn, &a0);
	r[1]          = new_req(fx_put_fn, &a1);
	r[2]          = new_req(fx_put_fn, &a2);
	r[3]          = new_req(fx_put_fn, &a3);
	r[4]          = new_req(empty_key_fn, t);

	store_pause(st);
	store_stats_get(st, &s0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(store_write_submit(st, r[i]), HUES_OK);
	}
	store_resume(st);
	assert_int_equal(store_write_wait_all(r, 5), HUES_ABORTED);
	store_stats_get(st, &s1);
	assert_int_equal(store_write_result(r[0]), HUES_OK);
	assert_int_equal(store_write_result(r[1]), HUES_ABORTED);
	assert_int_equal(store_write_result(r[2]), HUES_ALREADY_EXISTS);
	assert_int_equal(store_write_result(r[3]), HUES_OK);
	assert_int_equal(store_write_result(r[4]), HUES_INVALID_ARGUMENT);
	/* All five in one commit; r[1] failed after its put, so the batch
	 * was redone with child txns to roll it back. */
	assert_int_equal(s1.commits - s0.commits, 1);
	assert_int_equal(s1.largest_batch, 5);
	assert_int_equal(s1.batches_redone - s0.batches_redone, 1);
	assert_int_equal(s1.requests_committed - s0.requests_committed, 2);
	assert_int_equal(s1.requests_failed - s0.requests_failed, 3);
	/* The commit's time is counted before its requests complete. */
	assert_true(s1.writer_commit_ns > s0.writer_commit_ns);

	assert_int_equal(fx_get(st, t, "a", 1, buf, sizeof(buf), &n), HUES_OK);
	assert_int_equal(fx_get(st, t, "d", 1, buf, sizeof(buf), &n), HUES_OK);
	assert_int_equal(
	    fx_get(st, t, "b", 1, buf, sizeof(buf), &n), HUES_NOT_FOUND);
	assert_int_equal(
	    fx_get(st, t, "old", 3, buf, sizeof(buf), &n), HUES_OK);
	assert_memory_equal(buf, "keep", 4);
	for (int i = 0; i < 5; i++) {
		store_write_req_destroy(r[i]);
	}
	store_close(st);
}

/* A request that fails before it wrote anything leaves nothing to roll
 * back: its batch commits on the first run, without child txns. */
static int
read_then_fail_fn(store_txn *txn, void *arg)
{
	int rc = store_has(txn, arg, "a", 1);
	return rc == HUES_OK ? HUES_FAILED_PRECONDITION : HUES_INTERNAL;
}

static void
test_write_failure_before_writing_is_not_redone(void **state)
{
	(void) state;
	store           *st = fx_open((store_opts) { 0 });
	store_table     *t  = fx_table(st, "t");
	store_stats      s0, s1;
	store_write_req *r[4];
	char             buf[8];
	size_t           n;

	assert_int_equal(fx_put(st, t, "old", 3, "keep", 4), HUES_OK);
	fx_put_arg a0 = { t, "a", 1, "A", 1, 0, HUES_OK, 0 };
	fx_put_arg a2 = { t, "old", 3, "new", 3, STORE_PUT_NOOVERWRITE, 0, 0 };
	fx_put_arg a3 = { t, "d", 1, "D", 1, 0, HUES_OK, 0 };
	r[0]          = new_req(fx_put_fn, &a0);
	r[1]          = new_req(read_then_fail_fn, t); /* sees r[0]'s "a" */
	r[2]          = new_req(fx_put_fn, &a2);       /* refused: exists */
	r[3]          = new_req(fx_put_fn, &a3);

	store_pause(st);
	store_stats_get(st, &s0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(store_write_submit(st, r[i]), HUES_OK);
	}
	store_resume(st);
	assert_int_equal(
	    store_write_wait_all(r, 4), HUES_FAILED_PRECONDITION);
	store_stats_get(st, &s1);
	assert_int_equal(store_write_result(r[0]), HUES_OK);
	assert_int_equal(store_write_result(r[1]), HUES_FAILED_PRECONDITION);
	assert_int_equal(store_write_result(r[2]), HUES_ALREADY_EXISTS);
	assert_int_equal(store_write_result(r[3]), HUES_OK);
	assert_int_equal(s1.commits - s0.commits, 1);
	assert_int_equal(s1.batches_redone - s0.batches_redone, 0);
	assert_int_equal(a0.calls, 1); /* each fn ran once */
	assert_int_equal(a3.calls, 1);

	assert_int_equal(fx_get(st, t, "a", 1, buf, sizeof(buf), &n), HUES_OK);
	assert_int_equal(fx_get(st, t, "d", 1, buf, sizeof(buf), &n), HUES_OK);
	assert_int_equal(
	    fx_get(st, t, "old", 3, buf, sizeof(buf), &n), HUES_OK);
	assert_memory_equal(buf, "keep", 4);
	for (int i = 0; i < 4; i++) {
		store_write_req_destroy(r[i]);
	}
	store_close(st);
}

/* A later request of a batch sees what an earlier one wrote. */
typedef struct {
	store_table *t;
	int          found;
} see_arg;

static int
see_fn(store_txn *txn, void *arg)
{
	see_arg *a = arg;
	a->found   = store_has(txn, a->t, "first", 5);
	return HUES_OK;
}

static void
test_write_batch_sees_earlier_requests(void **state)
{
	(void) state;
	store           *st   = fx_open((store_opts) { 0 });
	store_table     *t    = fx_table(st, "t");
	fx_put_arg       a    = { t, "first", 5, "1", 1, 0, HUES_OK, 0 };
	see_arg          b    = { t, -1 };
	store_write_req *r[2] = { new_req(fx_put_fn, &a), new_req(see_fn, &b) };

	store_pause(st);
	assert_int_equal(store_write_submit(st, r[0]), HUES_OK);
	assert_int_equal(store_write_submit(st, r[1]), HUES_OK);
	store_resume(st);
	assert_int_equal(store_write_wait_all(r, 2), HUES_OK);
	assert_int_equal(b.found, HUES_OK);
	store_write_req_destroy(r[0]);
	store_write_req_destroy(r[1]);
	store_close(st);
}

#define QUEUED 50

typedef struct {
	store_table *t;
	uint8_t      key[8];
	char         val[16];
	fx_put_arg   put;
} numbered;

static void
numbered_init(numbered *n, store_table *t, uint64_t i)
{
	store_key k;
	store_key_init(&k);
	store_key_u64(&k, i);
	memcpy(n->key, store_key_data(&k), 8);
	int vl =
	    snprintf(n->val, sizeof(n->val), "v%llu", (unsigned long long) i);
	n->put = (fx_put_arg) { t, n->key, 8, n->val, (size_t) vl, 0, 0, 0 };
}

/* With the writer held, 50 queued requests go out in one commit; with a
 * cap of 8 per batch, in ceil(50 / 8) = 7. */
static void
run_queued(unsigned max_batch, uint64_t want_commits)
{
	store           *st = fx_open((store_opts) { .max_batch = max_batch });
	store_table     *t  = fx_table(st, "t");
	store_write_req *r[QUEUED];
	numbered         nb[QUEUED];
	store_stats      s0, s1;

	store_pause(st);
	store_stats_get(st, &s0);
	for (int i = 0; i < QUEUED; i++) {
		numbered_init(&nb[i], t, (uint64_t) i);
		r[i] = new_req(fx_put_fn, &nb[i].put);
		assert_int_equal(store_write_submit(st, r[i]), HUES_OK);
	}
	/* Resubmitting a queued request is refused. */
	assert_int_equal(
	    store_write_submit(st, r[0]), HUES_FAILED_PRECONDITION);
	store_resume(st);
	assert_int_equal(store_write_wait_all(r, QUEUED), HUES_OK);
	store_stats_get(st, &s1);
	assert_int_equal(s1.commits - s0.commits, want_commits);
	assert_int_equal(s1.requests_committed - s0.requests_committed, QUEUED);
	assert_int_equal(fx_count(st, t), QUEUED);
	for (int i = 0; i < QUEUED; i++) {
		store_write_req_destroy(r[i]);
	}
	store_close(st);
}

static void
test_write_group_commit_batches_queued(void **state)
{
	(void) state;
	run_queued(0, 1);
	fx_rmdir();
	fx_tmpdir();
	run_queued(8, 7);
}

/* Done callbacks: on the writer thread, exactly once, with the code; a
 * callback may resubmit its request. */
typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	int             calls, ok, resubmitted;
	pthread_t       test_thread;
	int             on_other_thread;
	store          *st;
} cb_state;

static void
done_cb(store_write_req *req, int result, void *arg)
{
	cb_state *s = arg;
	pthread_mutex_lock(&s->mu);
	s->calls++;
	s->ok += result == HUES_OK;
	s->on_other_thread += !pthread_equal(pthread_self(), s->test_thread);
	bool again = s->resubmitted == 0;
	if (again) {
		s->resubmitted = 1;
	}
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (again) {
		/* From the writer thread itself: allowed, never blocks. */
		int rc = store_write_submit(s->st, req);
		pthread_mutex_lock(&s->mu);
		s->resubmitted = rc == HUES_OK ? 2 : 3;
		pthread_mutex_unlock(&s->mu);
	}
}

static void
test_write_done_callback_on_writer(void **state)
{
	(void) state;
	store           *st = fx_open((store_opts) { 0 });
	store_table     *t  = fx_table(st, "t");
	store_write_req *r;
	cb_state         s = { .test_thread = pthread_self(), .st = st };
	fx_put_arg       a = { t, "k", 1, "v", 1, 0, HUES_OK, 0 };

	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	assert_int_equal(store_write_req_create(&r), HUES_OK);
	store_write_req_set(r, fx_put_fn, &a, done_cb, &s);
	assert_int_equal(store_write_submit(st, r), HUES_OK);
	pthread_mutex_lock(&s.mu);
	while (s.calls < 2) {
		pthread_cond_wait(&s.cv, &s.mu);
	}
	pthread_mutex_unlock(&s.mu);
	store_stop(st, 0);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.ok, 2);
	assert_int_equal(s.on_other_thread, 2);
	assert_int_equal(s.resubmitted, 2);
	assert_int_equal(a.calls, 2);
	store_write_req_destroy(r);
	store_close(st);
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.cv);
}

/* Commit hooks: a log of hooks (id) and completions (100 + id), in the
 * order they happened on the writer thread. */
typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	int             ev[16];
	int             nev, ndone;
	pthread_t       test_thread;
	int             on_other_thread;
} hook_log;

typedef struct {
	hook_log  *log;
	int        id;
	fx_put_arg put;
	int        runs;  /* how often fn ran */
	bool       twice; /* sets a first hook, then the real one */
} hook_arg;

static void
hook_note(hook_log *l, int ev, bool done)
{
	pthread_mutex_lock(&l->mu);
	l->on_other_thread += !pthread_equal(pthread_self(), l->test_thread);
	if (l->nev < 16) {
		l->ev[l->nev++] = ev;
	}
	l->ndone += done;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void
hook_fn(void *arg)
{
	hook_arg *h = arg;
	hook_note(h->log, h->id, false);
}

static void
replaced_hook(void *arg)
{
	hook_arg *h = arg;
	hook_note(h->log, -1, false);
}

static void
hook_done(store_write_req *req, int result, void *arg)
{
	hook_arg *h = arg;
	(void) req;
	hook_note(h->log, 100 + h->id + (result == HUES_OK ? 0 : 10), true);
}

static int
hooked_fn(store_txn *txn, void *arg)
{
	hook_arg *h = arg;
	h->runs++;
	if (h->twice) {
		assert_int_equal(
		    store_txn_on_commit(txn, replaced_hook, h), HUES_OK);
	}
	assert_int_equal(store_txn_on_commit(txn, hook_fn, h), HUES_OK);
	return fx_put_fn(txn, &h->put);
}

static void
hook_wait(hook_log *l, int ndone)
{
	pthread_mutex_lock(&l->mu);
	while (l->ndone < ndone) {
		pthread_cond_wait(&l->cv, &l->mu);
	}
	pthread_mutex_unlock(&l->mu);
}

/* A hook runs after the commit and before its request completes, in
 * commit order; never for a failed write, never twice for a batch that
 * the store redid (map growth), never when the batch is not committed;
 * a second hook replaces the first; read txns have none. */
static void
test_write_commit_hooks(void **state)
{
	(void) state;
	/* A 1 MiB map that a 2 MiB value must grow: its batch runs twice. */
	store *st = fx_open(
	    (store_opts) { .map_size = 1u << 20, .map_max = 16u << 20 });
	store_table     *t   = fx_table(st, "t");
	hook_log         log = { .test_thread = pthread_self() };
	hook_arg         h[4];
	static char      big[2u << 20];
	store_write_req *r[4];

	pthread_mutex_init(&log.mu, NULL);
	pthread_cond_init(&log.cv, NULL);
	for (int i = 0; i < 4; i++) {
		h[i]     = (hook_arg) { .log = &log, .id = i };
		h[i].put = (fx_put_arg) { t, &h[i].id, sizeof(int), "v", 1, 0,
			HUES_OK, 0 };
		assert_int_equal(store_write_req_create(&r[i]), HUES_OK);
		store_write_req_set(r[i], hooked_fn, &h[i], hook_done, &h[i]);
	}
	h[1].put.ret  = HUES_ABORTED; /* fails: its hook never runs */
	h[2].twice    = true;
	h[3].put.val  = big; /* outgrows the map: the batch is redone */
	h[3].put.vlen = sizeof(big);
	store_pause(st);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(store_write_submit(st, r[i]), HUES_OK);
	}
	store_resume(st);
	hook_wait(&log, 4);
	int want[] = { 0, 100, 111, 2, 102, 3, 103 };
	assert_int_equal(log.nev, 7);
	assert_memory_equal(log.ev, want, sizeof(want));
	assert_int_equal(log.on_other_thread, 7);
	assert_true(h[0].runs >= 2); /* ran again, hooked once */
	/* h[0] also ran in the first try, without child txns, which
	 * h[1]'s failure after its put ended before h[3]. */
	assert_int_equal(h[3].runs, h[0].runs - 1);
	store_stats s;
	store_stats_get(st, &s);
	assert_true(s.map_size > (1u << 20));

	/* Not committed (a forced stop fails what is queued): no hook. */
	log.nev       = 0;
	h[0].put.key  = "z";
	h[0].put.klen = 1;
	store_pause(st);
	assert_int_equal(store_write_submit(st, r[0]), HUES_OK);
	store_stop(st, STORE_STOP_FORCE);
	hook_wait(&log, 5);
	assert_int_equal(log.nev, 1);
	assert_int_equal(log.ev[0], 110);

	/* Only in write txns. */
	store_reader *rd;
	store_txn    *txn;
	assert_int_equal(store_reader_create(st, &rd), HUES_OK);
	assert_int_equal(store_read_begin(rd, &txn), HUES_OK);
	assert_int_equal(store_txn_on_commit(txn, hook_fn, &h[0]),
	    HUES_FAILED_PRECONDITION);
	store_read_end(rd);
	store_reader_destroy(rd);
	for (int i = 0; i < 4; i++) {
		store_write_req_destroy(r[i]);
	}
	store_close(st);
	pthread_mutex_destroy(&log.mu);
	pthread_cond_destroy(&log.cv);
}

/* store_stop drains the queue; with STORE_STOP_FORCE it fails what is
 * queued with UNAVAILABLE. After either, submits are refused and reads
 * still work. */
static void
run_stop(unsigned flags, int want)
{
	store           *st = fx_open((store_opts) { 0 });
	store_table     *t  = fx_table(st, "t");
	store_write_req *r[3];
	numbered         nb[3];
	char             buf[16];
	size_t           n;

	store_pause(st);
	for (int i = 0; i < 3; i++) {
		numbered_init(&nb[i], t, (uint64_t) i);
		r[i] = new_req(fx_put_fn, &nb[i].put);
		assert_int_equal(store_write_submit(st, r[i]), HUES_OK);
	}
	store_stop(st, flags);
	store_stop(st, flags); /* again: nothing */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_write_wait(r[i]), want);
		assert_int_equal(
		    fx_get(st, t, nb[i].key, 8, buf, sizeof(buf), &n),
		    want == HUES_OK ? HUES_OK : HUES_NOT_FOUND);
	}
	assert_int_equal(store_write_submit(st, r[0]), HUES_UNAVAILABLE);
	assert_int_equal(fx_put(st, t, "x", 1, "y", 1), HUES_UNAVAILABLE);
	store_table *u;
	assert_int_equal(store_table_open(st, "u", STORE_TABLE_CREATE, &u),
	    HUES_UNAVAILABLE);
	for (int i = 0; i < 3; i++) {
		store_write_req_destroy(r[i]);
	}
	store_close(st);
}

static void
test_write_stop_drains_or_fails_queued(void **state)
{
	(void) state;
	run_stop(0, HUES_OK);
	fx_rmdir();
	fx_tmpdir();
	run_stop(STORE_STOP_FORCE, HUES_UNAVAILABLE);
}

/* A fn that calls store_write would wait for itself. */
typedef struct {
	store *st;
	int    inner;
} nested_arg;

static int
nested_fn(store_txn *txn, void *arg)
{
	nested_arg *a = arg;
	(void) txn;
	a->inner = store_write(a->st, empty_key_fn, NULL);
	return HUES_OK;
}

static int
bad_code_fn(store_txn *txn, void *arg)
{
	(void) txn, (void) arg;
	return 1234;
}

static void
test_write_misuse_is_refused(void **state)
{
	(void) state;
	store           *st = fx_open((store_opts) { 0 });
	nested_arg       a  = { st, -1 };
	store_write_req *r  = NULL;

	assert_int_equal(store_write(st, nested_fn, &a), HUES_OK);
	assert_int_equal(a.inner, HUES_FAILED_PRECONDITION);
	assert_int_equal(store_write(st, bad_code_fn, NULL), HUES_INTERNAL);
	assert_int_equal(store_write_req_create(&r), HUES_OK);
	assert_int_equal(store_write_submit(st, r), HUES_FAILED_PRECONDITION);
	assert_int_equal(store_write_wait(r), HUES_FAILED_PRECONDITION);
	store_write_req_destroy(r);
	store_write_req_destroy(NULL);
	store_close(st);
}

/* 8 threads x 100 blocking writes: all acknowledged, all there after a
 * close and a reopen, each with its own value. */
#define THREADS    8
#define PER_THREAD 100

typedef struct {
	store       *st;
	store_table *t;
	int          idx, failed;
} thread_arg;

static void *
writer_thread(void *p)
{
	thread_arg *a = p;
	for (int i = 0; i < PER_THREAD; i++) {
		numbered nb;
		numbered_init(&nb, a->t, (uint64_t) (a->idx * PER_THREAD + i));
		if (store_write(a->st, fx_put_fn, &nb.put) != HUES_OK) {
			a->failed++;
		}
	}
	return NULL;
}

static void
test_write_many_threads_durable_across_reopen(void **state)
{
	(void) state;
	store       *st = fx_open((store_opts) { 0 });
	store_table *t  = fx_table(st, "t");
	pthread_t    tid[THREADS];
	thread_arg   a[THREADS];
	store_stats  s0, s;

	store_stats_get(st, &s0); /* after the table's own commit */
	for (int i = 0; i < THREADS; i++) {
		a[i] = (thread_arg) { st, t, i, 0 };
		assert_int_equal(
		    pthread_create(&tid[i], NULL, writer_thread, &a[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		assert_int_equal(a[i].failed, 0);
	}
	store_stats_get(st, &s);
	assert_int_equal(
	    s.requests_committed - s0.requests_committed, THREADS * PER_THREAD);
	assert_int_equal(s.requests_failed, 0);
	assert_true(s.commits - s0.commits <= THREADS * PER_THREAD);
	assert_true(s.largest_batch >= 1 && s.largest_batch <= THREADS);
	print_message("  %d writes in %llu commits (largest batch %llu)\n",
	    THREADS * PER_THREAD, (unsigned long long) (s.commits - s0.commits),
	    (unsigned long long) s.largest_batch);
	store_close(st);

	st = fx_open((store_opts) { 0 });
	t  = fx_table(st, "t");
	assert_int_equal(fx_count(st, t), THREADS * PER_THREAD);
	for (int i = 0; i < THREADS * PER_THREAD; i++) {
		numbered nb;
		char     buf[16];
		size_t   n;
		numbered_init(&nb, t, (uint64_t) i);
		assert_int_equal(
		    fx_get(st, t, nb.key, 8, buf, sizeof(buf), &n), HUES_OK);
		assert_int_equal(n, nb.put.vlen);
		assert_memory_equal(buf, nb.val, n);
	}
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_write_failure_does_not_fail_batch, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_failure_before_writing_is_not_redone, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_batch_sees_earlier_requests, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_group_commit_batches_queued, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_done_callback_on_writer, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_commit_hooks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_stop_drains_or_fails_queued, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_misuse_is_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_many_threads_durable_across_reopen, fx_setup,
		    fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
