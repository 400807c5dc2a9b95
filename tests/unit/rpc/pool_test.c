/*
 * pool_test.c - the worker pool and its bounded queue: jobs run, FIFO
 * order, the exact point where submit refuses (workers busy and depth jobs
 * waiting), draining, wait_idle and destroy. Parking is in
 * pool_park_test.c. Jobs that must stay busy wait on a gate the test
 * opens, and the test waits on a condition variable for them to start:
 * nothing here depends on timing.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "hues/status.h"
#include "rpc/pool.h"

#include "pool_fixture.h"

static void
test_pool_runs_jobs(void **state)
{
	(void) state;
	rpc_pool *p = make_pool(3, 16);
	for (int i = 0; i < 16; i++) {
		jobs[i] = (job) {.g = &g, .id = i};
		assert_int_equal(rpc_pool_submit(p, &jobs[i]), HUES_OK);
	}
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_int_equal(rpc_pool_pending(p), 0);
	for (int i = 0; i < 16; i++) {
		assert_true(jobs[i].ran);
	}
	assert_int_equal(g.finished, 16);
	rpc_pool_destroy(p);
}

static void
test_pool_runs_jobs_in_fifo_order(void **state)
{
	(void) state;
	/* One worker, held by job 0 while 1..9 queue up behind it. */
	rpc_pool *p = make_pool(1, 16);
	jobs[0]     = (job) {.g = &g, .id = 0, .hold = true};
	assert_int_equal(rpc_pool_submit(p, &jobs[0]), HUES_OK);
	wait_started(1);
	for (int i = 1; i < 10; i++) {
		jobs[i] = (job) {.g = &g, .id = i};
		assert_int_equal(rpc_pool_submit(p, &jobs[i]), HUES_OK);
	}
	open_gate();
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	for (int i = 0; i < 10; i++) {
		assert_int_equal(g.order[i], i);
	}
	rpc_pool_destroy(p);
}

static void
test_pool_refuses_when_workers_busy_and_queue_full(void **state)
{
	(void) state;
	enum { W = 2, D = 3 };
	rpc_pool *p = make_pool(W, D);
	for (int i = 0; i < W + D + 1; i++) {
		jobs[i] = (job) {.g = &g, .id = i, .hold = true};
	}
	/* W jobs occupy every worker ... */
	for (int i = 0; i < W; i++) {
		assert_int_equal(rpc_pool_submit(p, &jobs[i]), HUES_OK);
	}
	wait_started(W);
	/* ... D more may wait ... */
	for (int i = W; i < W + D; i++) {
		assert_int_equal(rpc_pool_submit(p, &jobs[i]), HUES_OK);
	}
	assert_int_equal(rpc_pool_pending(p), W + D);
	/* ... and the next is refused at once; the caller keeps it. */
	assert_int_equal(rpc_pool_submit(p, &jobs[W + D]), HUES_UNAVAILABLE);
	assert_int_equal(rpc_pool_pending(p), W + D);
	assert_int_equal(started(), W);

	/* An already passed deadline reports "not idle" without waiting. */
	assert_false(rpc_pool_wait_idle(p, clock_now_ns()));

	open_gate();
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	for (int i = 0; i < W + D; i++) {
		assert_true(jobs[i].ran);
	}
	assert_false(jobs[W + D].ran);
	assert_int_equal(g.finished, W + D);
	/* Drained, the pool takes work again. */
	assert_int_equal(rpc_pool_submit(p, &jobs[W + D]), HUES_OK);
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_true(jobs[W + D].ran);
	rpc_pool_destroy(p);
}

static void
test_pool_depth_zero_allows_no_waiting(void **state)
{
	(void) state;
	rpc_pool *p    = make_pool(1, 0);
	job      *busy = &jobs[0], *next = &jobs[1];
	*busy = (job) {.g = &g, .id = 0, .hold = true};
	*next = (job) {.g = &g, .id = 1};
	assert_int_equal(rpc_pool_submit(p, busy), HUES_OK);
	wait_started(1);
	assert_int_equal(rpc_pool_submit(p, next), HUES_UNAVAILABLE);
	open_gate();
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_int_equal(rpc_pool_submit(p, next), HUES_OK);
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_true(next->ran);
	rpc_pool_destroy(p);
}

static void
test_pool_wait_idle_on_idle_pool(void **state)
{
	(void) state;
	rpc_pool *p = make_pool(2, 4);
	/* Nothing to wait for: true even with a deadline in the past. */
	assert_true(rpc_pool_wait_idle(p, 0));
	assert_int_equal(rpc_pool_pending(p), 0);
	rpc_pool_destroy(p);
	rpc_pool_destroy(NULL);
}

static void
test_pool_worker_contexts(void **state)
{
	(void) state;
	ctx_log       l = {.inits = 0};
	rpc_pool_opts o = {.workers = 3,
	    .depth                  = 8,
	    .run                    = run_job,
	    .worker_init            = ctx_init,
	    .worker_fini            = ctx_fini,
	    .arg                    = &l};
	rpc_pool     *p;
	pthread_mutex_init(&l.mtx, NULL);
	assert_int_equal(rpc_pool_create(&o, &p), HUES_OK);
	for (int i = 0; i < 6; i++) {
		jobs[i] = (job) {.g = &g, .id = i};
		assert_int_equal(rpc_pool_submit(p, &jobs[i]), HUES_OK);
	}
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	for (int i = 0; i < 6; i++) {
		/* The context of the worker that ran it (freed later). */
		assert_non_null(jobs[i].wctx);
		assert_ptr_equal(((worker_ctx *) jobs[i].wctx)->log, &l);
		assert_true(((worker_ctx *) jobs[i].wctx)->index < 3);
	}
	rpc_pool_destroy(p);
	/* Each worker made and freed its own context, indexes 0..2. */
	assert_int_equal(l.inits, 3);
	assert_int_equal(l.finis, 3);
	assert_true(l.seen[0] && l.seen[1] && l.seen[2]);
	pthread_mutex_destroy(&l.mtx);
}

static void
test_pool_zero_workers_means_one(void **state)
{
	(void) state;
	rpc_pool *p = make_pool(0, 4);
	jobs[0]     = (job) {.g = &g, .id = 0};
	assert_int_equal(rpc_pool_submit(p, &jobs[0]), HUES_OK);
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_true(jobs[0].ran);
	rpc_pool_destroy(p);
}

static void *
destroy_thread(void *arg)
{
	rpc_pool_destroy(arg);
	return NULL;
}

static void
test_pool_destroy_runs_queued_jobs(void **state)
{
	(void) state;
	/* One worker held while jobs wait; destroy starts behind it. */
	enum { DEPTH = 1 << 16 };
	rpc_pool *p    = make_pool(1, DEPTH);
	job      *held = &jobs[0], *queued = &jobs[1], *probe = &jobs[4];
	*held = (job) {.g = &g, .id = 0, .hold = true};
	assert_int_equal(rpc_pool_submit(p, held), HUES_OK);
	wait_started(1);
	for (int i = 0; i < 3; i++) {
		queued[i] = (job) {.g = &g, .id = 1 + i};
		assert_int_equal(rpc_pool_submit(p, &queued[i]), HUES_OK);
	}
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, destroy_thread, p), 0);
	/* With room in the queue, UNAVAILABLE is the only outside sign that
	 * destroy has begun. Probing is safe although the header calls a
	 * submit during destroy a caller bug: the pool cannot be freed
	 * while its only worker is held. Probes accepted before destroy
	 * began are queued jobs like the others and must run too. */
	unsigned accepted = 0;
	*probe            = (job) {.g = &g, .id = 100};
	while (rpc_pool_submit(p, probe) == HUES_OK) {
		accepted++;
		assert_true(accepted < DEPTH - 8);
		sched_yield();
	}
	open_gate();
	pthread_join(th, NULL);
	/* destroy returned only after every queued job ran. */
	assert_true(held->ran);
	for (int i = 0; i < 3; i++) {
		assert_true(queued[i].ran);
	}
	assert_int_equal(g.finished, 4 + accepted);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_pool_runs_jobs),
	    T(test_pool_runs_jobs_in_fifo_order),
	    T(test_pool_refuses_when_workers_busy_and_queue_full),
	    T(test_pool_depth_zero_allows_no_waiting),
	    T(test_pool_wait_idle_on_idle_pool),
	    T(test_pool_worker_contexts),
	    T(test_pool_zero_workers_means_one),
	    T(test_pool_destroy_runs_queued_jobs),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
