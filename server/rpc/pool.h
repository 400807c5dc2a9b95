/*
 * pool.h - worker threads fed by a bounded FIFO queue.
 *
 * NNG's aio callbacks share a small task pool and must never block, so they
 * only hand each request to this pool; decoding, auth, handlers and store
 * access run on its workers. The queue is bounded: when it is full, submit
 * fails at once and the transport answers UNAVAILABLE, instead of letting
 * work pile up without limit.
 */
#ifndef HUES_RPC_POOL_H
#define HUES_RPC_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rpc_pool rpc_pool;

/* Runs one job on a worker; wctx is what worker_init returned for it. */
typedef void (*rpc_pool_run_fn)(void *job, void *wctx);

typedef struct rpc_pool_opts {
	unsigned        workers; /* threads, at least 1 */
	size_t          depth;   /* jobs that may wait; 0 = none may wait */
	rpc_pool_run_fn run;
	/* Optional per-worker state: created on the worker thread before
	 * it takes jobs, destroyed when it ends. NULL from init aborts. */
	void *(*worker_init)(unsigned index, void *arg);
	void (*worker_fini)(void *wctx);
	void *arg;
} rpc_pool_opts;

/*
 * Starts the workers. Returns HUES_OK, or HUES_RESOURCE_EXHAUSTED when
 * threads or memory are missing (nothing is left running then).
 */
int rpc_pool_create(const rpc_pool_opts *opts, rpc_pool **out);

/*
 * Queues a job for the next free worker. Never blocks. Returns HUES_OK, or
 * HUES_UNAVAILABLE when every worker is busy and depth jobs already wait
 * (the caller keeps the job). Any thread.
 */
int rpc_pool_submit(rpc_pool *pool, void *job);

/* Jobs queued or running right now. Any thread. */
size_t rpc_pool_pending(rpc_pool *pool);

/*
 * Waits until no job is queued or running, or until the monotonic time
 * deadline_ns (clock_now_ns() scale) passes. Returns true when idle.
 */
bool rpc_pool_wait_idle(rpc_pool *pool, uint64_t deadline_ns);

/*
 * Lets the workers finish the queued jobs, joins them and frees the pool.
 * Jobs submitted concurrently with destroy are a caller bug. NULL is
 * accepted.
 */
void rpc_pool_destroy(rpc_pool *pool);

#endif /* HUES_RPC_POOL_H */
