/*
 * dispatch_impl.h - what dispatch.c (one call: checks, handler, outcome)
 * shares with message.c (a message of calls, parked while its writes
 * commit). Internal to server/rpc.
 */
#ifndef HUES_RPC_DISPATCH_IMPL_H
#define HUES_RPC_DISPATCH_IMPL_H

#include "rpc/dispatch.h"
#include "svc/call_impl.h"

/* A message's memory comes in chunks of this size: a batch of a few dozen
 * calls fits in one, so a message costs no malloc, and it stays under
 * glibc's mmap threshold (128 KiB) when one more is needed. */
#define MESSAGE_CHUNK (96u * 1024u)

/* What a call carries from its start to its finish. */
typedef struct call_run {
	svc_call          call;
	const svc_method *m;
	void             *resp; /* the handler's response, packed at finish */
	const char       *idem_key;
	bool              replayed; /* out is final already */
	uint64_t          start;
	int               code;
} call_run;

/*
 * Runs a call up to and including its handler. A write the handler
 * defers reports its completion to write_done(write_done_arg) on the
 * store's writer thread when write_done is not NULL; otherwise the
 * caller waits for it (store_write_wait_all) before call_finish().
 */
void call_start(const rpc_dispatcher *d, rpc_worker *w, const rpc_call_in *in,
    uint64_t received_ns, rpc_outcome *out, call_run *r,
    void (*write_done)(void *arg), void *write_done_arg);

/* Completes a started call once its deferred write, if any, is done:
 * packs the response and turns the call's state into its outcome. */
void call_finish(const rpc_dispatcher *d, const rpc_call_in *in,
    rpc_outcome *out, call_run *r);

#endif /* HUES_RPC_DISPATCH_IMPL_H */
