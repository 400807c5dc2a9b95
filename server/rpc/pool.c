/*
 * pool.c - a ring buffer of job pointers under one mutex, N threads.
 *
 * One mutex is enough: a submit or take holds it for a few instructions,
 * and per-call work happens outside it. Workers that find the queue empty
 * sleep on a condition variable; submit wakes one only when some worker is
 * asleep and not already woken, which saves a futex call per job under
 * load.
 */
#include "rpc/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/log.h"
#include "hues/status.h"

struct rpc_pool {
	pthread_mutex_t mtx;
	pthread_cond_t  work_cv; /* a job arrived, or stopping */
	pthread_cond_t  idle_cv; /* the pool became idle */
	void          **ring;
	size_t          cap;     /* slots in ring: depth + workers */
	size_t          head;    /* next job to take */
	size_t          count;   /* jobs in ring */
	size_t          limit;   /* most jobs the ring may hold */
	size_t          running; /* jobs being run */
	size_t          parked;  /* jobs parked, until their resume ran */
	rpc_pool_item  *resume_head, *resume_tail; /* parked jobs given back */
	unsigned        sleeping;
	unsigned        waking; /* signalled sleepers not yet awake */
	bool            stopping;
	pthread_t      *threads;
	unsigned        nthreads;
	rpc_pool_opts   opts;
};

typedef struct worker_arg {
	rpc_pool *pool;
	unsigned  index;
} worker_arg;

/*
 * A job arrived: wakes a sleeping worker unless every sleeper was already
 * signalled. A commit resumes a whole batch of calls at once, and a
 * signal per call (each a futex call while the woken worker has not yet
 * taken the lock) took 13% of the writer thread's samples in a profile
 * of the SubmitReport benchmark. Under mtx.
 */
static void
wake_one(rpc_pool *pool)
{
	if (pool->sleeping > pool->waking) {
		pool->waking++;
		pthread_cond_signal(&pool->work_cv);
	}
}

static void parked_done(rpc_pool *pool);

static void *
worker_main(void *argp)
{
	worker_arg *wa    = argp;
	rpc_pool   *pool  = wa->pool;
	void       *wctx  = NULL;

	if (pool->opts.worker_init != NULL) {
		wctx = pool->opts.worker_init(wa->index, pool->opts.arg);
		if (wctx == NULL) {
			log_emit(LOG_ERROR, NULL, "worker %u failed to start",
			    wa->index);
			abort();
		}
	}
	free(wa);
	pthread_mutex_lock(&pool->mtx);
	for (;;) {
		/* A stopping pool still waits for its parked jobs. */
		while (pool->resume_head == NULL && pool->count == 0 &&
		       (!pool->stopping || pool->parked > 0)) {
			pool->sleeping++;
			pthread_cond_wait(&pool->work_cv, &pool->mtx);
			pool->sleeping--;
			if (pool->waking > 0) {
				pool->waking--;
			}
		}
		if (pool->resume_head != NULL) {
			/* Finishing first frees memory and answers clients
			 * that already waited for a commit. */
			rpc_pool_item *it = pool->resume_head;
			pool->resume_head = it->next;
			if (pool->resume_head == NULL) {
				pool->resume_tail = NULL;
			}
			pool->running++;
			pthread_mutex_unlock(&pool->mtx);

			pool->opts.resume(it, wctx);

			pthread_mutex_lock(&pool->mtx);
			pool->running--;
			parked_done(pool);
			continue;
		}
		if (pool->count == 0) {
			break; /* stopping, the queue drained, nothing parked */
		}
		void *job  = pool->ring[pool->head];
		pool->head = (pool->head + 1) % pool->cap;
		pool->count--;
		pool->running++;
		pthread_mutex_unlock(&pool->mtx);

		pool->opts.run(job, wctx);

		pthread_mutex_lock(&pool->mtx);
		pool->running--;
		if (pool->running + pool->count + pool->parked == 0) {
			pthread_cond_broadcast(&pool->idle_cv);
		}
	}
	pthread_mutex_unlock(&pool->mtx);
	if (pool->opts.worker_fini != NULL) {
		pool->opts.worker_fini(wctx);
	}
	return NULL;
}

static void
pool_free(rpc_pool *pool)
{
	pthread_cond_destroy(&pool->idle_cv);
	pthread_cond_destroy(&pool->work_cv);
	pthread_mutex_destroy(&pool->mtx);
	free(pool->threads);
	free(pool->ring);
	free(pool);
}

int
rpc_pool_create(const rpc_pool_opts *opts, rpc_pool **out)
{
	rpc_pool          *pool = calloc(1, sizeof(*pool));
	pthread_condattr_t attr;

	if (pool == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	pool->opts = *opts;
	if (pool->opts.workers == 0) {
		pool->opts.workers = 1;
	}
	/* A job submitted while every worker is busy waits in the ring; a
	 * job submitted while a worker is idle passes through it too, so the
	 * ring has room for both. */
	pool->limit   = opts->depth + pool->opts.workers;
	pool->cap     = pool->limit;
	pool->ring    = calloc(pool->cap, sizeof(*pool->ring));
	pool->threads = calloc(pool->opts.workers, sizeof(*pool->threads));
	pthread_mutex_init(&pool->mtx, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->idle_cv, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&pool->work_cv, NULL);
	if (pool->ring == NULL || pool->threads == NULL) {
		pool_free(pool);
		return HUES_RESOURCE_EXHAUSTED;
	}
	for (unsigned i = 0; i < pool->opts.workers; i++) {
		worker_arg *wa = malloc(sizeof(*wa));
		if (wa != NULL) {
			wa->pool  = pool;
			wa->index = i;
		}
		if (wa == NULL ||
		    pthread_create(&pool->threads[i], NULL, worker_main, wa) !=
		        0) {
			free(wa);
			rpc_pool_destroy(pool);
			return HUES_RESOURCE_EXHAUSTED;
		}
		pool->nthreads++;
	}
	*out = pool;
	return HUES_OK;
}

int
rpc_pool_submit(rpc_pool *pool, void *job)
{
	pthread_mutex_lock(&pool->mtx);
	/* Jobs beyond the idle workers wait; at most depth of them may. */
	size_t idle = pool->opts.workers - pool->running;
	if (pool->stopping || pool->count >= pool->limit ||
	    (pool->count >= idle &&
	        pool->count - idle >= pool->opts.depth)) {
		pthread_mutex_unlock(&pool->mtx);
		return HUES_UNAVAILABLE;
	}
	pool->ring[(pool->head + pool->count) % pool->cap] = job;
	pool->count++;
	wake_one(pool);
	pthread_mutex_unlock(&pool->mtx);
	return HUES_OK;
}

void
rpc_pool_park(rpc_pool *pool)
{
	pthread_mutex_lock(&pool->mtx);
	pool->parked++;
	pthread_mutex_unlock(&pool->mtx);
}

void
rpc_pool_resume(rpc_pool *pool, rpc_pool_item *item)
{
	item->next = NULL;
	pthread_mutex_lock(&pool->mtx);
	if (pool->resume_tail != NULL) {
		pool->resume_tail->next = item;
	} else {
		pool->resume_head = item;
	}
	pool->resume_tail = item;
	wake_one(pool);
	pthread_mutex_unlock(&pool->mtx);
}

/* Under mtx: a parked job is done; wakes whoever waits for that. */
static void
parked_done(rpc_pool *pool)
{
	pool->parked--;
	if (pool->running + pool->count + pool->parked == 0) {
		pthread_cond_broadcast(&pool->idle_cv);
	}
	if (pool->stopping && pool->parked == 0) {
		pthread_cond_broadcast(&pool->work_cv);
	}
}

void
rpc_pool_unpark(rpc_pool *pool)
{
	pthread_mutex_lock(&pool->mtx);
	parked_done(pool);
	pthread_mutex_unlock(&pool->mtx);
}

size_t
rpc_pool_pending(rpc_pool *pool)
{
	pthread_mutex_lock(&pool->mtx);
	size_t n = pool->count + pool->running + pool->parked;
	pthread_mutex_unlock(&pool->mtx);
	return n;
}

bool
rpc_pool_wait_idle(rpc_pool *pool, uint64_t deadline_ns)
{
	struct timespec ts = {
	    .tv_sec  = (time_t) (deadline_ns / 1000000000u),
	    .tv_nsec = (long) (deadline_ns % 1000000000u),
	};
	pthread_mutex_lock(&pool->mtx);
	while (pool->count + pool->running + pool->parked > 0) {
		if (pthread_cond_timedwait(&pool->idle_cv, &pool->mtx, &ts) ==
		    ETIMEDOUT) {
			break;
		}
	}
	bool idle = pool->count + pool->running + pool->parked == 0;
	pthread_mutex_unlock(&pool->mtx);
	return idle;
}

void
rpc_pool_destroy(rpc_pool *pool)
{
	if (pool == NULL) {
		return;
	}
	pthread_mutex_lock(&pool->mtx);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->work_cv);
	pthread_mutex_unlock(&pool->mtx);
	for (unsigned i = 0; i < pool->nthreads; i++) {
		pthread_join(pool->threads[i], NULL);
	}
	pool_free(pool);
}
