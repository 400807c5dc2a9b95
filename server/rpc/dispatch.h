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
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "rpc/envelope.h"
#include "rpc/idem.h"
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

typedef struct rpc_dispatcher {
	const svc_registry *reg;
	size_t              max_request; /* bytes of one request message */
	const atomic_bool  *stopping;    /* handed to handlers */
	rpc_auth_fn         auth;        /* NULL: no token can be verified */
	void               *auth_arg;
	rpc_idem           *idem; /* NULL: idempotency keys are not honoured */
	rpc_ratelimit      *ratelimit; /* write calls per caller; NULL: none */
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

/* Releases the memory of the last dispatch (after its reply was sent). */
void rpc_worker_reset(rpc_worker *w);

#endif /* HUES_RPC_DISPATCH_H */
