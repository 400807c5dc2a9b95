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

/* A job that left its worker to wait for something (a write) and comes
 * back to be finished: it embeds this link. */
typedef struct rpc_pool_item {
	struct rpc_pool_item *next;
} rpc_pool_item;

typedef struct rpc_pool_opts {
	unsigned        workers; /* threads, at least 1 */
	size_t          depth;   /* jobs that may wait; 0 = none may wait */
	rpc_pool_run_fn run;
	/* Optional per-worker state: created on the worker thread before
	 * it takes jobs, destroyed when it ends. NULL from init aborts. */
	void *(*worker_init)(unsigned index, void *arg);
	void (*worker_fini)(void *wctx);
	void *arg;
	/* Finishes a job given back with rpc_pool_resume(). */
	void (*resume)(rpc_pool_item *item, void *wctx);
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

/*
 * From a running job (its worker's thread): the job leaves its worker
 * without being finished; it still counts as pending (for
 * rpc_pool_wait_idle and destroy) until it was given back with
 * rpc_pool_resume() and opts.resume has run, or rpc_pool_unpark().
 */
void rpc_pool_park(rpc_pool *pool);

/*
 * Gives a parked job back: the next free worker runs opts.resume(item)
 * before any queued job. Never fails and never blocks on work (it takes
 * the pool's lock briefly), so a store callback may call it. Any thread.
 */
void rpc_pool_resume(rpc_pool *pool, rpc_pool_item *item);

/*
 * A parked job that the caller finished itself, instead of giving it back:
 * it stops counting as pending (rpc_pool_wait_idle, destroy). Never blocks
 * on work. Any thread.
 */
void rpc_pool_unpark(rpc_pool *pool);

/* Jobs queued, running or parked right now. Any thread. */
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
