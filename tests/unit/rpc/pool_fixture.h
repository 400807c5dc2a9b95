/*
 * pool_fixture.h - what the worker pool's tests share: a gate that held
 * jobs wait on, jobs that log when they run and resume, and waits on
 * both (condition variables; nothing depends on timing).
 */
#ifndef HUES_TEST_POOL_FIXTURE_H
#define HUES_TEST_POOL_FIXTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "rpc/pool.h"

/* Generous: only reached if the pool is broken, never to pass a test. */
#define IDLE_WAIT_NS (30ull * 1000000000ull)

typedef struct gate {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	bool            open;
	unsigned        started, finished;
	int             order[64]; /* job ids in the order they started */
	unsigned        resumed;   /* resumes run */
	unsigned        nevents;
	int             events[64]; /* runs (id) and resumes (1000 + id) */
} gate;

typedef struct job {
	rpc_pool_item link; /* first: a resumed link is its job */
	gate         *g;
	int           id;
	bool          hold; /* wait for the gate to open */
	bool          ran;
	void         *wctx;        /* the worker context the job ran with */
	rpc_pool     *park;        /* not NULL: the job parks in this pool */
	int           resumes;     /* times its resume ran */
	void         *resume_wctx; /* the worker context of its resume */
	pthread_t     resume_thread;
} job;

/* Worker contexts: made on each worker, handed to its jobs, then freed. */
typedef struct ctx_log {
	pthread_mutex_t mtx;
	unsigned        inits, finis;
	bool            seen[8];
} ctx_log;

typedef struct worker_ctx {
	ctx_log *log;
	unsigned index;
} worker_ctx;

extern gate g;
extern job  jobs[64];

void      open_gate(void);
int       setup(void **state);
int       teardown(void **state);
void      run_job(void *jobp, void *wctx);
void      resume_job(rpc_pool_item *item, void *wctx);
void      wait_resumed(unsigned n);
void      wait_finished(unsigned n);
void      wait_started(unsigned n);
unsigned  started(void);
rpc_pool *make_pool(unsigned workers, size_t depth);
void     *ctx_init(unsigned index, void *arg); /* arg: a ctx_log */
void      ctx_fini(void *wctx);

#endif
