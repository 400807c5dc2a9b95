/*
 * message.c - a request message of calls, from its bytes to its reply.
 * Every handler of the message runs first, then the work they left for
 * the meantime, then the writes they deferred are awaited together, so
 * the calls of a batch share a group commit.
 * rpc_dispatch() waits on the worker; rpc_dispatch_park() lets the
 * message leave its worker with its memory until the writes commit, so
 * workers never sit in fsync and the writes of many messages meet in one
 * commit.
 */
#include <stdlib.h>

#include "core/log.h"
#include "rpc/dispatch_impl.h"
#include "svc/write.h"

/* A message between its handlers and its reply: everything lives in its
 * own arena, which the worker handed over when the message parked. */
struct rpc_parked {
	rpc_pool_item         link; /* first: rpc_parked_of() */
	arena                 arena;
	const rpc_dispatcher *d;
	rpc_request           req;
	rpc_outcome          *outs;
	call_run             *runs;
	void                 *user;
	/* Writes not yet complete, plus PARK_HOLD while the worker is still
	 * starting calls, so that early completions cannot finish it. */
	atomic_long pending;
};

#define PARK_HOLD (1L << 40)

/* A call's write completed (the store's completer thread). */
static void
write_done(void *arg)
{
	rpc_parked *p = arg;
	if (atomic_fetch_sub(&p->pending, 1) == 1) {
		p->d->ready(p->d->ready_arg, p);
	}
}

/* Decodes the message and starts its calls; NULL (with the reply set)
 * when the envelope fails. With park, the calls report their writes'
 * completion to the returned message instead of being waited for. */
static rpc_parked *
start_message(const rpc_dispatcher *d, rpc_worker *w, const uint8_t *data,
    size_t len, uint64_t received_ns, bool park, const uint8_t **reply,
    size_t *reply_len, size_t *nwrites, store_write_req ***writes)
{
	rpc_outcome fail;
	uint8_t    *out;
	rpc_parked *p = arena_zalloc(&w->arena, sizeof(*p));

	w->memo_token = NULL; /* a memo never outlives its message */
	if (p == NULL ||
	    envelope_decode(&w->arena, data, len, d->max_request, &p->req,
	        &fail) != HUES_OK) {
		if (p == NULL) {
			fail.code    = HUES_RESOURCE_EXHAUSTED;
			fail.message = "out of memory";
		}
		LOG_DEBUG(NULL, "rejected message of %zu bytes: %s", len,
		    fail.message);
		envelope_encode_whole(&w->arena, &fail, &out, reply_len);
		*reply = out;
		return NULL;
	}
	size_t n = p->req.ncalls;
	p->d     = d;
	p->outs  = arena_alloc(&w->arena, n * sizeof(*p->outs));
	p->runs  = arena_alloc(&w->arena, n * sizeof(*p->runs));
	*writes  = arena_alloc(&w->arena, n * sizeof(**writes));
	*nwrites = 0;
	if (p->outs == NULL || p->runs == NULL || *writes == NULL) {
		fail.code    = HUES_RESOURCE_EXHAUSTED;
		fail.message = "out of memory";
		envelope_encode_whole(&w->arena, &fail, &out, reply_len);
		*reply = out;
		return NULL;
	}
	atomic_init(&p->pending, PARK_HOLD);
	/* Every handler first, then the writes they deferred are awaited
	 * together, so that the calls of a batch share a group commit. */
	for (size_t i = 0; i < n; i++) {
		call_start(d, w, &p->req.calls[i], received_ns, &p->outs[i],
		    &p->runs[i], park ? write_done : NULL, p);
		store_write_req *wr = call_pending_write(&p->runs[i].call);
		if (wr != NULL) {
			(*writes)[(*nwrites)++] = wr;
		}
	}
	/* Every write is queued: what the replies need besides runs while
	 * they commit (svc/write.h). */
	for (size_t i = 0; i < n; i++) {
		call_run_meanwhile(&p->runs[i].call);
	}
	if (*nwrites > 0 && store_reading()) {
		/* A handler left a read open: waiting could deadlock with map
		 * growth, and not waiting would free writes still queued. A
		 * programmer error: stop here. */
		LOG_ERROR(NULL, "a handler left a store read open");
		abort();
	}
	return p;
}

/* Finishes the calls and encodes the reply in the message's memory. */
static void
finish_message(const rpc_dispatcher *d, rpc_parked *p, arena *a,
    const uint8_t **reply, size_t *reply_len)
{
	uint8_t *out;
	for (size_t i = 0; i < p->req.ncalls; i++) {
		call_finish(d, &p->req.calls[i], &p->outs[i], &p->runs[i]);
	}
	envelope_encode(a, p->req.batch, p->outs, p->req.ncalls, &out, reply_len);
	*reply = out;
}

void
rpc_dispatch(const rpc_dispatcher *d, rpc_worker *w, const uint8_t *data,
    size_t len, uint64_t received_ns, const uint8_t **reply, size_t *reply_len)
{
	store_write_req **writes;
	size_t            nwrites;
	rpc_parked       *p = start_message(d, w, data, len, received_ns, false,
	          reply, reply_len, &nwrites, &writes);

	if (p == NULL) {
		return;
	}
	if (nwrites > 0) {
		store_write_wait_all(writes, nwrites);
	}
	finish_message(d, p, &w->arena, reply, reply_len);
}

bool
rpc_dispatch_park(const rpc_dispatcher *d, rpc_worker *w, const uint8_t *data,
    size_t len, uint64_t received_ns, void *user, const uint8_t **reply,
    size_t *reply_len, rpc_parked **parked)
{
	store_write_req **writes;
	size_t            nwrites;
	rpc_parked       *p = start_message(d, w, data, len, received_ns, true,
	          reply, reply_len, &nwrites, &writes);

	if (p == NULL) {
		return true;
	}
	if (nwrites == 0) {
		finish_message(d, p, &w->arena, reply, reply_len);
		return true;
	}
	/* The message keeps the arena (its chunks, where p and every call
	 * live, do not move); the worker starts a fresh one. */
	p->arena = w->arena;
	p->user  = user;
	for (size_t i = 0; i < p->req.ncalls; i++) {
		p->runs[i].call.arena = &p->arena;
	}
	arena_init(&w->arena, MESSAGE_CHUNK);
	w->memo_token = NULL;
	*parked       = p;
	if (d->parking != NULL) {
		d->parking(d->ready_arg, p);
	}
	/* Drop the hold: if every write already completed, this makes the
	 * message ready here and now. */
	if (atomic_fetch_sub(&p->pending, PARK_HOLD - (long) nwrites) ==
	    PARK_HOLD - (long) nwrites) {
		d->ready(d->ready_arg, p);
	}
	return false;
}

void *
rpc_parked_user(const rpc_parked *p)
{
	return p->user;
}

rpc_pool_item *
rpc_parked_link(rpc_parked *p)
{
	return &p->link;
}

rpc_parked *
rpc_parked_of(rpc_pool_item *link)
{
	return (rpc_parked *) link;
}

void
rpc_dispatch_resume(const rpc_dispatcher *d, rpc_parked *p,
    const uint8_t **reply, size_t *reply_len)
{
	finish_message(d, p, &p->arena, reply, reply_len);
}

void
rpc_parked_free(rpc_parked *p)
{
	arena a = p->arena; /* p lives in the arena it frees */
	arena_fini(&a);
}
