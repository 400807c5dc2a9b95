/*
 * ratelimit.h - abuse limits: a token bucket per principal for the write
 * methods (new reports per hour, say), so that one account or one leaked
 * token cannot flood the store or the agencies' queues.
 *
 * A bucket holds up to burst tokens and refills at rate_per_hour; each
 * write call takes one. Buckets live in a bounded table: when it is full,
 * the least recently used bucket is forgotten (a forgotten principal starts
 * again with a full bucket, which errs on the side of serving). One mutex
 * guards the table: writes are rare next to reads, and a check is a hash
 * lookup.
 */
#ifndef HUES_RPC_RATELIMIT_H
#define HUES_RPC_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct rpc_ratelimit rpc_ratelimit;

/*
 * Creates a limiter of burst tokens per principal, refilled at
 * rate_per_hour, remembering at most max_keys principals. Returns HUES_OK
 * and sets *out, HUES_INVALID_ARGUMENT for a zero rate, burst or
 * max_keys, a burst over 1,000,000 or a rate over 10^9 an hour, or
 * HUES_RESOURCE_EXHAUSTED.
 */
int rpc_ratelimit_create(uint32_t rate_per_hour, uint32_t burst,
    size_t max_keys, rpc_ratelimit **out);

/* Frees the limiter. NULL accepted. */
void rpc_ratelimit_destroy(rpc_ratelimit *rl);

/*
 * Takes one token from key's bucket at time now_ns (clock_now_ns() scale).
 * Returns 0 when the call may go ahead; otherwise the number of ms until a
 * token is back (at least 1), for the reply's retry hint. Any thread.
 */
uint32_t rpc_ratelimit_take(rpc_ratelimit *rl, const char *key,
    uint64_t now_ns);

#endif /* HUES_RPC_RATELIMIT_H */
