/*
 * pool_fixture.c - the gate, jobs and waits of the pool tests.
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

/* Gate and jobs are static: if an assertion fails while workers are held,
 * teardown opens the gate and the abandoned pool's workers finish jobs
 * that still exist, instead of the test binary hanging. */
gate g = { .mtx = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
job  jobs[64];

void
open_gate(void)
{
	pthread_mutex_lock(&g.mtx);
	g.open = true;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mtx);
}

int
setup(void **state)
{
	(void) state;
	pthread_mutex_lock(&g.mtx);
	g.open    = false;
	g.started = g.finished = g.resumed = g.nevents = 0;
	memset(g.order, 0, sizeof(g.order));
	memset(g.events, 0, sizeof(g.events));
	memset(jobs, 0, sizeof(jobs));
	pthread_mutex_unlock(&g.mtx);
	return 0;
}

int
teardown(void **state)
{
	(void) state;
	open_gate();
	return 0;
}

/* Under g.mtx. */
static void
log_event(int ev)
{
	if (g.nevents < 64) {
		g.events[g.nevents] = ev;
	}
	g.nevents++;
}

void
run_job(void *jobp, void *wctx)
{
	job *j = jobp;
	if (j->park != NULL) {
		/* First, as a message parks before its writes can complete:
		 * from here on it counts as parked. */
		rpc_pool_park(j->park);
	}
	pthread_mutex_lock(&g.mtx);
	if (g.started < 64) {
		g.order[g.started] = j->id;
	}
	log_event(j->id);
	g.started++;
	pthread_cond_broadcast(&g.cv);
	while (j->hold && !g.open) {
		pthread_cond_wait(&g.cv, &g.mtx);
	}
	j->ran  = true;
	j->wctx = wctx;
	g.finished++;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mtx);
}

/* The pool's resume: a parked job is finished. */
void
resume_job(rpc_pool_item *item, void *wctx)
{
	job *j = (job *) item;
	pthread_mutex_lock(&g.mtx);
	j->resumes++;
	j->resume_wctx   = wctx;
	j->resume_thread = pthread_self();
	log_event(1000 + j->id);
	g.resumed++;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mtx);
}

/* Returns once n resumes have run. */
void
wait_resumed(unsigned n)
{
	pthread_mutex_lock(&g.mtx);
	while (g.resumed < n) {
		pthread_cond_wait(&g.cv, &g.mtx);
	}
	pthread_mutex_unlock(&g.mtx);
}

/* Returns once n jobs have finished their run (not yet returned to the
 * pool, perhaps). */
void
wait_finished(unsigned n)
{
	pthread_mutex_lock(&g.mtx);
	while (g.finished < n) {
		pthread_cond_wait(&g.cv, &g.mtx);
	}
	pthread_mutex_unlock(&g.mtx);
}

/* Returns once n jobs have started (and, if held, are holding). */
void
wait_started(unsigned n)
{
	pthread_mutex_lock(&g.mtx);
	while (g.started < n) {
		pthread_cond_wait(&g.cv, &g.mtx);
	}
	pthread_mutex_unlock(&g.mtx);
}

unsigned
started(void)
{
	pthread_mutex_lock(&g.mtx);
	unsigned n = g.started;
	pthread_mutex_unlock(&g.mtx);
	return n;
}

rpc_pool *
make_pool(unsigned workers, size_t depth)
{
	rpc_pool_opts o = { .workers = workers,
		.depth               = depth,
		.run                 = run_job,
		.resume              = resume_job };
	rpc_pool     *p = NULL;
	assert_int_equal(rpc_pool_create(&o, &p), HUES_OK);
	assert_non_null(p);
	return p;
}

void *
ctx_init(unsigned index, void *arg)
{
	ctx_log    *l = arg;
	worker_ctx *c = malloc(sizeof(*c));
	c->log        = l;
	c->index      = index;
	pthread_mutex_lock(&l->mtx);
	l->inits++;
	if (index < 8) {
		l->seen[index] = true;
	}
	pthread_mutex_unlock(&l->mtx);
	return c;
}

void
ctx_fini(void *p)
{
	worker_ctx *c = p;
	pthread_mutex_lock(&c->log->mtx);
	c->log->finis++;
	pthread_mutex_unlock(&c->log->mtx);
	free(c);
}
