/*
 * idem.h - replies remembered by idempotency key, so that a client retrying
 * a non-idempotent call (after a lost connection, say) gets the outcome of
 * the first execution instead of executing it twice.
 *
 * Entries are keyed by caller, method and key, remember a hash of the
 * request payload (the same key with a different request is refused), and
 * expire after a TTL or when the table is full (oldest first). The table
 * lives in memory: it covers retries within the life of the process.
 */
#ifndef HUES_RPC_IDEM_H
#define HUES_RPC_IDEM_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "rpc/envelope.h"

typedef struct rpc_idem rpc_idem;

typedef enum {
	IDEM_NEW,         /* first time: run the call, then finish/abandon */
	IDEM_IN_PROGRESS, /* the same key runs right now elsewhere */
	IDEM_DONE,        /* *cached holds the remembered outcome */
	IDEM_MISMATCH,    /* the key was used with a different request */
} idem_state;

/* Creates a table. Returns HUES_OK or HUES_RESOURCE_EXHAUSTED. */
int rpc_idem_create(size_t max_entries, size_t max_bytes, uint64_t ttl_ms,
    rpc_idem **out);

/* Frees the table. NULL accepted. */
void rpc_idem_destroy(rpc_idem *t);

/*
 * Looks key up. On IDEM_NEW the key is now marked in progress and the
 * caller must end it with rpc_idem_finish() or rpc_idem_abandon(). On
 * IDEM_DONE the outcome is copied into *cached (strings and payload in a).
 * payload_hash identifies the request. Any thread.
 */
idem_state rpc_idem_begin(rpc_idem *t, const char *key, uint64_t payload_hash,
    arena *a, rpc_outcome *cached);

/* Remembers the outcome of a call begun with IDEM_NEW. */
void rpc_idem_finish(rpc_idem *t, const char *key, const rpc_outcome *o);

/* Forgets a key begun with IDEM_NEW (the outcome is worth retrying). */
void rpc_idem_abandon(rpc_idem *t, const char *key);

/* FNV-1a of a byte string, for payload_hash. */
uint64_t rpc_idem_hash(const void *data, size_t len);

#endif /* HUES_RPC_IDEM_H */
