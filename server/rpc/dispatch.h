/*
 * dispatch.h - from request bytes to reply bytes, on a worker thread.
 *
 * For each call: deadline, metadata limits, method lookup in the registry,
 * the method's auth policy, the idempotency key, payload decoding under a
 * cap, the handler, and the mapping of its result to a reply status. No NNG
 * here: bytes in, bytes out.
 */
#ifndef HUES_RPC_DISPATCH_H
#define HUES_RPC_DISPATCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "rpc/envelope.h"
#include "rpc/idem.h"
#include "rpc/pool.h"
#include "rpc/ratelimit.h"
#include "svc/registry.h"

/*
 * Verifies a bearer token. Fills *p (strings allocated in a) and returns
 * HUES_OK, or returns HUES_UNAUTHENTICATED with *why (a message for the
 * client, static or in a) and *reason (static, e.g. "TOKEN_EXPIRED").
 * Runs on worker threads, concurrently.
 */
typedef int (*rpc_auth_fn)(void *arg, const char *token, arena *a,
    svc_principal *p, const char **why, const char **reason);

/* A message whose calls wait for their writes (see rpc_dispatch_park). */
typedef struct rpc_parked rpc_parked;

typedef struct rpc_dispatcher {
	const svc_registry *reg;
	size_t              max_request; /* bytes of one request message */
	const atomic_bool  *stopping;    /* handed to handlers */
	rpc_auth_fn         auth;        /* NULL: no token can be verified */
	void               *auth_arg;
	rpc_idem           *idem; /* NULL: idempotency keys are not honoured */
	rpc_ratelimit      *ratelimit; /* write calls per caller; NULL: none */
	/* For rpc_dispatch_park: called once per parked message when its
	 * last write completed, on the store's completer thread (or on the
	 * worker, if every write completed before the worker was done with
	 * the message). It may call rpc_dispatch_resume() there, or hand
	 * the message to a thread that does; it must not wait for writes. */
	void (*ready)(void *arg, rpc_parked *p);
	/* Called on the worker when a message parks, before it can become
	 * ready (so that its owner counts it first). */
	void (*parking)(void *arg, rpc_parked *p);
	void *ready_arg;
} rpc_dispatcher;

/* What a worker keeps between calls: its arena and a random state; and,
 * for the message at hand, the last token it verified, so that the calls
 * of a batch that share a token verify it once. */
typedef struct rpc_worker {
	arena         arena;
	uint64_t      rng;
	unsigned      index;
	const char   *memo_token; /* in arena; NULL after rpc_worker_reset() */
	svc_principal memo_principal;
} rpc_worker;

/* Initialises a worker's state; index makes its request ids distinct. */
void rpc_worker_init(rpc_worker *w, unsigned index);
void rpc_worker_fini(rpc_worker *w);

/*
 * Handles one request message of len bytes that arrived at received_ns.
 * Sets *reply to the reply bytes, valid until rpc_worker_reset(). Never
 * fails: every problem becomes a status in the reply.
 */
void rpc_dispatch(const rpc_dispatcher *d, rpc_worker *w, const uint8_t *data,
    size_t len, uint64_t received_ns, const uint8_t **reply, size_t *reply_len);

/*
 * Like rpc_dispatch(), but a message whose handlers deferred writes does
 * not wait for them on the worker: it is parked, taking the worker's
 * arena with it (the worker gets a fresh one), and the function returns
 * false with *parked set; d->ready then runs once its writes are done.
 * Meanwhile the worker serves other messages, and the writes of many
 * parked messages share the store's group commit. user is kept for the
 * caller (rpc_parked_user). Returns true, with the reply set, when the
 * message had no write.
 */
bool rpc_dispatch_park(const rpc_dispatcher *d, rpc_worker *w,
    const uint8_t *data, size_t len, uint64_t received_ns, void *user,
    const uint8_t **reply, size_t *reply_len, rpc_parked **parked);

/* The user pointer given to rpc_dispatch_park(). */
void *rpc_parked_user(const rpc_parked *p);

/* The pool link of a parked message (one queue at a time), and back. */
rpc_pool_item *rpc_parked_link(rpc_parked *p);
rpc_parked    *rpc_parked_of(rpc_pool_item *link);

/* Finishes a parked message on any worker: its reply, valid until
 * rpc_parked_free(p). */
void rpc_dispatch_resume(const rpc_dispatcher *d, rpc_parked *p,
    const uint8_t **reply, size_t *reply_len);

/* Frees a parked message and its memory, after its reply was sent. */
void rpc_parked_free(rpc_parked *p);

/* Releases the memory of the last dispatch (after its reply was sent). */
void rpc_worker_reset(rpc_worker *w);

#endif /* HUES_RPC_DISPATCH_H */
