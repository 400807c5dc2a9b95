/*
 * pool_park_test.c - parking in the worker pool: a job that left its
 * worker stays pending until it was given back and its resume ran; resumes
 * run before queued jobs, from any thread, and destroy waits for them.
 * The test waits on condition variables, or polls a counter with a
 * generous bound: nothing here depends on timing.
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

/* Polls until exactly n jobs are pending. Bounded: the bound is reached
 * only when the pool is broken. A job that parked counts as pending from
 * rpc_pool_park() until its resume ran; until its run returns it may be
 * counted as running too, hence polling for the settled value. */
static void
wait_pending(rpc_pool *p, size_t n)
{
	uint64_t deadline = clock_now_ns() + IDLE_WAIT_NS;
	while (rpc_pool_pending(p) != n) {
		if (clock_now_ns() >= deadline) {
			fail_msg("pending stayed at %zu, expected %zu",
			    rpc_pool_pending(p), n);
		}
		sched_yield();
	}
}

/* A deadline that passes soon: for waits that must NOT end idle. */
static uint64_t
soon(void)
{
	return clock_now_ns() + 20u * 1000000u;
}

static void
test_pool_parked_job_is_pending_until_resumed(void **state)
{
	(void) state;
	/* One worker: the job parks and leaves it, so the worker takes the
	 * next job while the first one is still pending. */
	rpc_pool *p      = make_pool(1, 4);
	job      *parked = &jobs[0], *next = &jobs[1];
	*parked = (job) {.g = &g, .id = 0, .park = p};
	*next   = (job) {.g = &g, .id = 1};
	assert_int_equal(rpc_pool_submit(p, parked), HUES_OK);
	wait_finished(1);
	wait_pending(p, 1);
	assert_false(rpc_pool_wait_idle(p, soon()));
	assert_false(rpc_pool_wait_idle(p, clock_now_ns()));
	assert_int_equal(rpc_pool_pending(p), 1);

	assert_int_equal(rpc_pool_submit(p, next), HUES_OK);
	wait_finished(2);
	assert_true(next->ran);
	wait_pending(p, 1);
	assert_false(rpc_pool_wait_idle(p, soon()));
	assert_int_equal(parked->resumes, 0);

	rpc_pool_resume(p, &parked->link);
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_int_equal(rpc_pool_pending(p), 0);
	assert_int_equal(parked->resumes, 1);
	assert_int_equal(g.started, 2); /* a resume is not a second run */
	assert_int_equal(g.resumed, 1);

	/* A pool is reusable after parking: park and resume once more. */
	parked->ran = false;
	assert_int_equal(rpc_pool_submit(p, parked), HUES_OK);
	wait_finished(3);
	wait_pending(p, 1);
	rpc_pool_resume(p, &parked->link);
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_int_equal(parked->resumes, 2);
	rpc_pool_destroy(p);
}

/* A parked job its owner finished itself (rpc_pool_unpark, as the
 * server does on the store's completer thread) stops being pending, and
 * no resume runs for it. */
static void
test_pool_unpark_ends_a_parked_job(void **state)
{
	(void) state;
	rpc_pool *p      = make_pool(1, 4);
	job      *parked = &jobs[0];
	*parked          = (job) {.g = &g, .id = 0, .park = p};
	assert_int_equal(rpc_pool_submit(p, parked), HUES_OK);
	wait_finished(1);
	wait_pending(p, 1);
	assert_false(rpc_pool_wait_idle(p, soon()));

	rpc_pool_unpark(p);
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_int_equal(rpc_pool_pending(p), 0);
	assert_int_equal(parked->resumes, 0);
	assert_int_equal(g.resumed, 0);
	rpc_pool_destroy(p); /* nothing parked: returns */
}

static void
test_pool_resumes_run_before_queued_jobs(void **state)
{
	(void) state;
	/* One worker. Jobs 0 and 1 park; job 2 holds the worker while jobs
	 * 3 and 4 queue; then 0 and 1 are given back, after 3 and 4 were
	 * queued. When the gate opens, both resumes come before 3 and 4. */
	rpc_pool *p = make_pool(1, 16);
	for (int i = 0; i < 5; i++) {
		jobs[i] = (job) {.g = &g, .id = i, .park = i < 2 ? p : NULL,
		    .hold                   = i == 2};
	}
	assert_int_equal(rpc_pool_submit(p, &jobs[0]), HUES_OK);
	assert_int_equal(rpc_pool_submit(p, &jobs[1]), HUES_OK);
	wait_finished(2);
	assert_int_equal(rpc_pool_submit(p, &jobs[2]), HUES_OK);
	wait_started(3);
	assert_int_equal(rpc_pool_submit(p, &jobs[3]), HUES_OK);
	assert_int_equal(rpc_pool_submit(p, &jobs[4]), HUES_OK);
	rpc_pool_resume(p, &jobs[1].link);
	rpc_pool_resume(p, &jobs[0].link);
	assert_int_equal(rpc_pool_pending(p), 5);
	open_gate();
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_int_equal(g.nevents, 7);
	assert_int_equal(g.events[0], 0);
	assert_int_equal(g.events[1], 1);
	assert_int_equal(g.events[2], 2);
	/* The resumes, in either order (the header promises only "before
	 * any queued job"), then the queue in FIFO order. */
	assert_int_equal(g.events[3] + g.events[4], 1000 + 1001);
	assert_true(g.events[3] == 1000 || g.events[3] == 1001);
	assert_int_equal(g.events[5], 3);
	assert_int_equal(g.events[6], 4);
	for (int i = 0; i < 5; i++) {
		assert_true(jobs[i].ran);
		assert_int_equal(jobs[i].resumes, i < 2 ? 1 : 0);
	}
	rpc_pool_destroy(p);
}

typedef struct resumer {
	rpc_pool *pool;
	job     **items;
	size_t    n;
} resumer;

/* A plain thread, none of the pool's: gives items back. */
static void *
resumer_main(void *arg)
{
	resumer *r = arg;
	for (size_t i = 0; i < r->n; i++) {
		rpc_pool_resume(r->pool, &r->items[i]->link);
	}
	return NULL;
}

static void
resume_from_thread(rpc_pool *p, job **items, size_t n)
{
	resumer   r = {p, items, n};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, resumer_main, &r), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
}

static void
test_pool_resume_from_another_thread(void **state)
{
	(void) state;
	ctx_log       l = {.inits = 0};
	rpc_pool_opts o = {.workers = 2,
	    .depth                  = 4,
	    .run                    = run_job,
	    .worker_init            = ctx_init,
	    .worker_fini            = ctx_fini,
	    .arg                    = &l,
	    .resume                 = resume_job};
	rpc_pool     *p;
	pthread_mutex_init(&l.mtx, NULL);
	assert_int_equal(rpc_pool_create(&o, &p), HUES_OK);
	jobs[0] = (job) {.g = &g, .id = 0, .park = p};
	assert_int_equal(rpc_pool_submit(p, &jobs[0]), HUES_OK);
	wait_finished(1);
	wait_pending(p, 1);
	job *items[] = {&jobs[0]};
	resume_from_thread(p, items, 1);
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_int_equal(jobs[0].resumes, 1);
	/* The resume ran on a worker, with that worker's context. */
	assert_false(pthread_equal(jobs[0].resume_thread, pthread_self()));
	assert_non_null(jobs[0].resume_wctx);
	assert_ptr_equal(((worker_ctx *) jobs[0].resume_wctx)->log, &l);
	assert_true(((worker_ctx *) jobs[0].resume_wctx)->index < 2);
	rpc_pool_destroy(p);
	assert_int_equal(l.finis, 2);
	pthread_mutex_destroy(&l.mtx);
}

static void
test_pool_resume_while_run_still_on_its_worker(void **state)
{
	(void) state;
	/* A message whose writes complete before its worker is done with it
	 * is given back during its run: another worker runs the resume, and
	 * the pool is idle only once the run returned as well. */
	rpc_pool *p = make_pool(2, 4);
	jobs[0]     = (job) {.g = &g, .id = 0, .park = p, .hold = true};
	assert_int_equal(rpc_pool_submit(p, &jobs[0]), HUES_OK);
	wait_started(1);
	rpc_pool_resume(p, &jobs[0].link);
	wait_resumed(1);
	assert_false(jobs[0].ran);
	assert_false(rpc_pool_wait_idle(p, soon()));
	assert_true(rpc_pool_pending(p) >= 1);
	open_gate();
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_true(jobs[0].ran);
	assert_int_equal(jobs[0].resumes, 1);
	assert_int_equal(rpc_pool_pending(p), 0);
	rpc_pool_destroy(p);
}

typedef struct destroyer {
	rpc_pool   *pool;
	atomic_bool done;
} destroyer;

static void *
destroyer_main(void *arg)
{
	destroyer *d = arg;
	rpc_pool_destroy(d->pool);
	atomic_store(&d->done, true);
	return NULL;
}

static void
test_pool_destroy_waits_for_parked_jobs(void **state)
{
	(void) state;
	enum { DEPTH = 1 << 16 };
	ctx_log       l = {.inits = 0};
	rpc_pool_opts o = {.workers = 2,
	    .depth                  = DEPTH,
	    .run                    = run_job,
	    .worker_init            = ctx_init,
	    .worker_fini            = ctx_fini,
	    .arg                    = &l,
	    .resume                 = resume_job};
	rpc_pool     *p;
	pthread_mutex_init(&l.mtx, NULL);
	assert_int_equal(rpc_pool_create(&o, &p), HUES_OK);
	for (int i = 0; i < 3; i++) {
		jobs[i] = (job) {.g = &g, .id = i, .park = p};
		assert_int_equal(rpc_pool_submit(p, &jobs[i]), HUES_OK);
	}
	wait_finished(3);
	wait_pending(p, 3);

	destroyer d = {.pool = p};
	atomic_init(&d.done, false);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, destroyer_main, &d), 0);
	/* The handshake: submit refuses once destroy has begun. Probing is
	 * safe here, the pool cannot be freed while jobs are parked; probes
	 * accepted before are ordinary jobs and run. */
	unsigned accepted = 0;
	job     *probe    = &jobs[10];
	*probe            = (job) {.g = &g, .id = 10};
	while (rpc_pool_submit(p, probe) == HUES_OK) {
		accepted++;
		assert_true(accepted < DEPTH - 8);
		sched_yield();
	}
	/* Destroy has begun; with three jobs parked it cannot return. */
	assert_false(atomic_load(&d.done));

	/* Two come back from another thread and are finished; the third
	 * still holds destroy, and no worker has ended. */
	job *first[] = {&jobs[0], &jobs[1]};
	resume_from_thread(p, first, 2);
	wait_resumed(2);
	assert_false(atomic_load(&d.done));
	pthread_mutex_lock(&l.mtx);
	assert_int_equal(l.finis, 0);
	pthread_mutex_unlock(&l.mtx);

	job *last[] = {&jobs[2]};
	resume_from_thread(p, last, 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(atomic_load(&d.done));
	for (int i = 0; i < 3; i++) {
		assert_true(jobs[i].ran);
		assert_int_equal(jobs[i].resumes, 1);
	}
	assert_int_equal(g.finished, 3 + accepted);
	assert_int_equal(l.finis, 2);
	pthread_mutex_destroy(&l.mtx);
}

/* Many parks and resumes at once: each job parks; a third of them are
 * given back from their own run (writes that completed first), the rest
 * by a helper thread (the store's writer). */
enum { STRESS_JOBS = 1000, STRESS_WORKERS = 4 };

typedef struct sjob {
	rpc_pool_item link; /* first */
	struct sjob  *hnext; /* in the helper's queue */
	unsigned      id;
	atomic_int    runs, resumes;
} sjob;

typedef struct helper {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	sjob           *head, *tail;
	bool            stop;
	rpc_pool       *pool;
	atomic_uint     resumes; /* resumes run, all jobs */
} helper;

static helper hp = {
    .mtx = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
static sjob sjobs[STRESS_JOBS];

static void
stress_run(void *jobp, void *wc)
{
	sjob *j = jobp;
	(void) wc;
	atomic_fetch_add(&j->runs, 1);
	rpc_pool_park(hp.pool);
	if (j->id % 3 == 0) {
		rpc_pool_resume(hp.pool, &j->link);
		return;
	}
	pthread_mutex_lock(&hp.mtx);
	j->hnext = NULL;
	if (hp.tail != NULL) {
		hp.tail->hnext = j;
	} else {
		hp.head = j;
	}
	hp.tail = j;
	pthread_cond_signal(&hp.cv);
	pthread_mutex_unlock(&hp.mtx);
}

static void
stress_resume(rpc_pool_item *item, void *wc)
{
	sjob *j = (sjob *) item;
	(void) wc;
	atomic_fetch_add(&j->resumes, 1);
	atomic_fetch_add(&hp.resumes, 1);
}

static void *
helper_main(void *arg)
{
	(void) arg;
	pthread_mutex_lock(&hp.mtx);
	for (;;) {
		while (hp.head == NULL && !hp.stop) {
			pthread_cond_wait(&hp.cv, &hp.mtx);
		}
		if (hp.head == NULL) {
			break;
		}
		sjob *j = hp.head;
		hp.head = j->hnext;
		if (hp.head == NULL) {
			hp.tail = NULL;
		}
		pthread_mutex_unlock(&hp.mtx);
		rpc_pool_resume(hp.pool, &j->link);
		pthread_mutex_lock(&hp.mtx);
	}
	pthread_mutex_unlock(&hp.mtx);
	return NULL;
}

static void
stress_submit_all(rpc_pool *p)
{
	for (unsigned i = 0; i < STRESS_JOBS; i++) {
		sjobs[i].id = i;
		atomic_init(&sjobs[i].runs, 0);
		atomic_init(&sjobs[i].resumes, 0);
		assert_int_equal(rpc_pool_submit(p, &sjobs[i]), HUES_OK);
	}
}

static void
stress_check(void)
{
	for (unsigned i = 0; i < STRESS_JOBS; i++) {
		assert_int_equal(atomic_load(&sjobs[i].runs), 1);
		assert_int_equal(atomic_load(&sjobs[i].resumes), 1);
	}
}

static void
test_pool_many_parks_and_resumes(void **state)
{
	(void) state;
	rpc_pool_opts o = {.workers = STRESS_WORKERS,
	    .depth                  = STRESS_JOBS,
	    .run                    = stress_run,
	    .resume                 = stress_resume};
	rpc_pool     *p;
	pthread_t     th;
	assert_int_equal(rpc_pool_create(&o, &p), HUES_OK);
	hp.pool = p;
	hp.head = hp.tail = NULL;
	hp.stop           = false;
	atomic_init(&hp.resumes, 0);
	assert_int_equal(pthread_create(&th, NULL, helper_main, NULL), 0);

	/* Round one: wait_idle returns once every resume ran. */
	stress_submit_all(p);
	assert_true(rpc_pool_wait_idle(p, clock_now_ns() + IDLE_WAIT_NS));
	assert_int_equal(atomic_load(&hp.resumes), STRESS_JOBS);
	assert_int_equal(rpc_pool_pending(p), 0);
	stress_check();

	/* Round two: destroy at once, while jobs still run, park and come
	 * back; it returns only after every resume ran. */
	stress_submit_all(p);
	rpc_pool_destroy(p);
	assert_int_equal(atomic_load(&hp.resumes), 2 * STRESS_JOBS);
	stress_check();

	pthread_mutex_lock(&hp.mtx);
	assert_null(hp.head);
	hp.stop = true;
	pthread_cond_signal(&hp.cv);
	pthread_mutex_unlock(&hp.mtx);
	assert_int_equal(pthread_join(th, NULL), 0);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_pool_parked_job_is_pending_until_resumed),
	    T(test_pool_unpark_ends_a_parked_job),
	    T(test_pool_resumes_run_before_queued_jobs),
	    T(test_pool_resume_from_another_thread),
	    T(test_pool_resume_while_run_still_on_its_worker),
	    T(test_pool_destroy_waits_for_parked_jobs),
	    T(test_pool_many_parks_and_resumes),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
